package content

import (
	"slices"
	"testing"
)

func TestFoldIgnoresCaseAndAccents(t *testing.T) {
	for in, want := range map[string]string{
		"Bjørn-Andersen": "bjorn-andersen",
		"Ελλάδα":         "ελλαδα",
		"Łódź":           "lodz",
		"Čeština":        "cestina",
		"Lëtzebuerg":     "letzebuerg",
		"Straße":         "strasse",
		"ALL DIGITAL":    "all digital",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeywordsAreDistinctFoldedWords(t *testing.T) {
	got := Keywords("Digital Skills & Jobs: Łódź", "digital jobs, 2017")
	want := []string{"digital", "skills", "jobs", "lodz", "2017"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestGlobalIDRoundTrip(t *testing.T) {
	id := GlobalID(KeyOf(TypeCoalition, "abc123"))
	typ, local, err := ParseGlobalID("id", id, TypeCoalition)
	if err != nil || typ != TypeCoalition || local != "abc123" {
		t.Fatalf("got %v %v %v", typ, local, err)
	}
	for _, bad := range []string{"", "abc", GlobalID("Coalition:"), GlobalID("Planet:1"), GlobalID("nocolon")} {
		if _, _, err := ParseGlobalID("id", bad); ErrorCode(err) != EInvalid {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, _, err := ParseGlobalID("id", id, TypeStakeholder); ErrorCode(err) != EInvalid {
		t.Errorf("a Coalition ID was accepted as a Stakeholder: %v", err)
	}
}
