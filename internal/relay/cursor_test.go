package relay

import (
	"encoding/base64"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// rawCursor encodes any document as a cursor, the way a hostile client would.
func rawCursor(doc any) string {
	raw, err := bson.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// hostileCursors are cursors no ordering gave out: operators, code, special BSON values, wrong shapes.
func hostileCursors() map[string]string {
	sig := Signature(keys)
	doc := func(v ...any) string { return rawCursor(bson.D{{Key: "o", Value: sig}, {Key: "v", Value: bson.A(v)}}) }
	return map[string]string{
		"operator document": doc(bson.D{{Key: "$ne", Value: nil}}, ""),
		"$where":            doc(int64(1), bson.D{{Key: "$where", Value: "sleep(100000)"}}),
		"$expr":             doc(bson.D{{Key: "$expr", Value: bson.D{{Key: "$eq", Value: bson.A{1, 1}}}}}, "a"),
		"$regex":            doc(int64(1), bson.D{{Key: "$regex", Value: ".*"}}),
		"regex value":       doc(int64(1), bson.Regex{Pattern: ".*"}),
		"array":             doc(bson.A{int64(1)}, "a"),
		"NaN":               doc(math.NaN(), "a"),
		"+Inf":              doc(math.Inf(1), "a"),
		"MaxKey":            doc(bson.MaxKey{}, "a"),
		"MinKey":            doc(bson.MinKey{}, "a"),
		"JavaScript":        doc(int64(1), bson.JavaScript("while(true){}")),
		"code with scope":   doc(int64(1), bson.CodeWithScope{Code: "x", Scope: bson.D{}}),
		"binary":            doc(int64(1), bson.Binary{Data: []byte{0}}),
		"decimal":           doc(bson.NewDecimal128(1, 1), "a"),
		"object id":         doc(int64(1), bson.NewObjectID()),
		"undefined":         doc(bson.Undefined{}, "a"),
		"timestamp":         doc(bson.Timestamp{T: 1}, "a"),
		"symbol":            doc(int64(1), bson.Symbol("a")),
		"invalid utf-8":     doc(int64(1), "\xff\xfe"),
		"no values":         doc(),
		"too many values":   doc(int64(1), "a", "b", "c", "d", "e", "f", "g", "h"),
		"values not array":  rawCursor(bson.D{{Key: "o", Value: sig}, {Key: "v", Value: bson.D{{Key: "0", Value: int64(1)}}}}),
		"order not string":  rawCursor(bson.D{{Key: "o", Value: int64(1)}, {Key: "v", Value: bson.A{int64(1), "a"}}}),
		"wrong type":        doc("2017", "a"),
		"string for id":     doc(int64(1), int64(2)),
		"null for id":       doc(int64(1), nil),
		"float for int":     doc(2017.0, "a"),
		"bool":              doc(true, "a"),
		"date":              doc(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), "a"),
		"wrong ordering":    rawCursor(bson.D{{Key: "o", Value: "sortName,_id"}, {Key: "v", Value: bson.A{"a", "b"}}}),
		"too long":          doc(int64(1), strings.Repeat("a", MaxCursorLen)),
		"truncated":         doc(int64(1), "abc")[:20],
		"not base64":        "%%%",
	}
}

// Every hostile cursor is a BAD_USER_INPUT error naming its argument, and its message does not repeat it.
func TestHostileCursorsAreRefused(t *testing.T) {
	for name, c := range hostileCursors() {
		for _, arg := range []string{"after", "before"} {
			var w content.Window
			var err error
			if arg == "after" {
				w, err = ParseWindow(nil, nil, &c, nil)
			} else {
				w, err = ParseWindow(nil, ptr(2), nil, &c)
			}
			if err == nil {
				err = Check(w, keys)
			}
			var e *content.Error
			if err == nil || !asError(err, &e) || e.Code != content.EInvalid || e.Field != arg {
				t.Errorf("%s as %s: %v, want BAD_USER_INPUT on %s", name, arg, err, arg)
				continue
			}
			if strings.Contains(e.Message, c) || strings.Contains(e.Message, "$") {
				t.Errorf("%s: the message repeats the cursor: %q", name, e.Message)
			}
		}
	}
}

// A cursor the ordering made passes, nulls included where the key can be null.
func TestCheckAcceptsOwnCursors(t *testing.T) {
	for _, it := range []item{{"a", nil}, {"b", year(2017)}} {
		c := EncodeCursor(keys, it)
		w, err := ParseWindow(nil, nil, &c, nil)
		if err == nil {
			err = Check(w, keys)
		}
		if err != nil {
			t.Errorf("%+v: %v", it, err)
		}
	}
	untyped := []Sort[item]{{Field: "year", Value: func(i item) any { return i.year }}, keys[1]}
	c := EncodeCursor(untyped, item{"b", year(1)})
	w, _ := ParseWindow(nil, nil, &c, nil)
	if err := Check(w, untyped); content.ErrorCode(err) != content.EInvalid {
		t.Errorf("a key without a Type accepted a cursor: %v", err)
	}
}

// FuzzCursor decodes any text as a cursor: it never panics, and what it accepts holds only the allowed value types
// and encodes back to the same values.
func FuzzCursor(f *testing.F) {
	f.Add(EncodeCursor(keys, item{"a", year(2017)}))
	for _, c := range hostileCursors() {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor("after", s)
		if err != nil {
			if content.ErrorCode(err) != content.EInvalid {
				t.Fatalf("error %v, want BAD_USER_INPUT", err)
			}
			return
		}
		if len(c.Values) == 0 || len(c.Values) > MaxCursorValues {
			t.Fatalf("accepted %d values", len(c.Values))
		}
		for _, v := range c.Values {
			if v != nil && typeOf(v) == 0 {
				t.Fatalf("accepted a value of type %T", v)
			}
		}
		again, err := decodeCursor("after", encode(*c))
		if err != nil || again.Order != c.Order || !reflect.DeepEqual(again.Values, c.Values) {
			t.Fatalf("re-encoded %#v as %#v (%v)", c, again, err)
		}
	})
}
