package relay

import (
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/content"
)

type item struct {
	id   string
	year *int
}

var keys = []Sort[item]{
	{Field: "year", Type: Int, Null: true, Value: func(i item) any { return i.year }},
	{Field: "_id", Type: String, Value: func(i item) any { return i.id }},
}

func year(y int) *int { return &y }

func TestSliceMatchesKeysetSemantics(t *testing.T) {
	// Sorted as MongoDB sorts them: unknown years first.
	items := []item{{"a", nil}, {"d", nil}, {"b", year(2015)}, {"c", year(2017)}, {"e", year(2017)}}
	ids := func(p content.Page[item]) (out []string) {
		for _, it := range p.Items {
			out = append(out, it.id)
		}
		return out
	}
	w, _ := ParseWindow(ptr(2), nil, nil, nil)
	p1 := Slice(items, keys, w)
	if !slices.Equal(ids(p1), []string{"a", "d"}) || !p1.Info.HasNextPage || p1.Info.HasPreviousPage || p1.Total != 5 {
		t.Fatalf("first page %v %+v", ids(p1), p1.Info)
	}
	w, _ = ParseWindow(ptr(2), nil, p1.Info.EndCursor, nil)
	p2 := Slice(items, keys, w)
	if !slices.Equal(ids(p2), []string{"b", "c"}) || !p2.Info.HasNextPage || !p2.Info.HasPreviousPage {
		t.Fatalf("second page %v %+v", ids(p2), p2.Info)
	}
	w, _ = ParseWindow(nil, ptr(2), nil, p2.Info.EndCursor)
	back := Slice(items, keys, w)
	if !slices.Equal(ids(back), []string{"d", "b"}) || !back.Info.HasPreviousPage || !back.Info.HasNextPage {
		t.Fatalf("backward page %v %+v", ids(back), back.Info)
	}
}

func TestParseWindowRejectsBadArguments(t *testing.T) {
	cases := map[string]struct {
		first, last   *int
		after, before *string
		field         string
	}{
		"zero":      {first: ptr(0), field: "first"},
		"too many":  {first: ptr(101), field: "first"},
		"negative":  {last: ptr(-5), field: "last"},
		"both":      {first: ptr(1), last: ptr(1), field: "last"},
		"bad after": {after: ptr("%%"), field: "after"},
		"not bson":  {before: ptr("aGVsbG8"), field: "before"},
	}
	for name, c := range cases {
		_, err := ParseWindow(c.first, c.last, c.after, c.before)
		var e *content.Error
		if err == nil || content.ErrorCode(err) != content.EInvalid || !asError(err, &e) || e.Field != c.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	w, err := ParseWindow(nil, nil, nil, nil)
	if err != nil || w.First != DefaultPageSize {
		t.Errorf("default window %+v %v", w, err)
	}
}

// When several arguments are wrong, the one named is always the same: first and last both out of range name last
// (as giving both does), two malformed cursors name after. Repeated, because an order left to a map would vary.
func TestParseWindowNamesTheSameArgumentEveryTime(t *testing.T) {
	named := func(err error) string {
		var e *content.Error
		if !asError(err, &e) {
			return ""
		}
		return e.Field
	}
	for range 20 {
		if _, err := ParseWindow(ptr(0), ptr(MaxPageSize+1), nil, nil); named(err) != "last" {
			t.Fatalf("first and last out of range: %v, want the error on last", err)
		}
		if _, err := ParseWindow(nil, nil, ptr("%%"), ptr("%%")); named(err) != "after" {
			t.Fatalf("both cursors malformed: %v, want the error on after", err)
		}
	}
}

func TestCursorKeepsValueTypes(t *testing.T) {
	when := time.Date(2017, 4, 26, 10, 0, 0, 0, time.UTC)
	ks := []Sort[int]{{Field: "t", Value: func(int) any { return when }}, {Field: "n", Value: func(int) any { return 7 }}, {Field: "s", Value: func(int) any { return nil }}}
	c, err := decodeCursor("after", EncodeCursor(ks, 0))
	if err != nil {
		t.Fatal(err)
	}
	if c.Values[0] != any(when) || c.Values[1] != any(int64(7)) || c.Values[2] != nil || c.Order != "t,n,s" {
		t.Errorf("decoded %#v", c)
	}
}

func ptr[T any](v T) *T { return &v }

func asError(err error, target **content.Error) bool {
	e, ok := err.(*content.Error)
	*target = e
	return ok
}
