package content

import (
	"errors"
	"slices"
	"strings"
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
	const hex = "0123456789abcdef01234567"
	for typ, local := range map[TypeName]string{TypeCoalition: hex, TypeBlogPost: hex, TypeCountry: "BG"} {
		got, l, err := ParseGlobalID("id", GlobalID(KeyOf(typ, local)), typ)
		if err != nil || got != typ || l != local {
			t.Errorf("%s %s: got %v %v %v", typ, local, got, l, err)
		}
	}
	for _, bad := range hostileIDs() {
		_, _, err := ParseGlobalID("filter.hasMember", bad)
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid || e.Field != "filter.hasMember" || (bad != "" && strings.Contains(e.Message, bad)) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, _, err := ParseGlobalID("id", GlobalID(KeyOf(TypeCoalition, hex)), TypeStakeholder); ErrorCode(err) != EInvalid {
		t.Errorf("a Coalition ID was accepted as a Stakeholder: %v", err)
	}
}

// hostileIDs are IDs the API never gives out: wrong types, wrong shapes of local id, operators, overlong.
func hostileIDs() []string {
	const hex = "0123456789abcdef01234567"
	return []string{"", "abc", "%%%", GlobalID("Coalition:"), GlobalID("Planet:" + hex), GlobalID("nocolon"),
		GlobalID("Coalition:abc123"), GlobalID("Coalition:" + strings.ToUpper(hex)), GlobalID("Coalition:" + hex + "0"),
		GlobalID("Coalition:" + hex[:23] + "g"), GlobalID("Country:bg"), GlobalID("Country:BGR"), GlobalID("Country:B1"),
		GlobalID(`Coalition:{"$ne":null}`), GlobalID("Coalition:$where"), GlobalID("Stakeholder:" + hex + ":x"),
		GlobalID("Coalition:" + hex + "\x00"), GlobalID("coalition:" + hex), GlobalID(strings.Repeat("Coalition:", 20) + hex),
		strings.Repeat("A", MaxGlobalIDLen+1),
		GlobalID("Country:IE") + "\n", "Q29hbGl0aW9uOjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nz"}
}

// FuzzGlobalID parses any text as an ID: it never panics, what it refuses is BAD_USER_INPUT, and what it accepts
// is a known type with a local id of the store's shape that encodes back to the same ID.
func FuzzGlobalID(f *testing.F) {
	f.Add(GlobalID(KeyOf(TypeCoalition, "0123456789abcdef01234567")))
	f.Add(GlobalID(KeyOf(TypeCountry, "IE")))
	for _, id := range hostileIDs() {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		typ, local, err := ParseGlobalID("id", id)
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("error %v, want BAD_USER_INPUT", err)
			}
			return
		}
		if !knownType(typ) || !ValidLocalID(typ, local) || len(id) > MaxGlobalIDLen {
			t.Fatalf("accepted %q as %s %q", id, typ, local)
		}
		if again := GlobalID(KeyOf(typ, local)); again != id {
			// base64 without padding has one spelling per byte string, so a second one means a decoder laxity
			t.Fatalf("%q re-encodes as %q", id, again)
		}
	})
}
