// Package relay implements the Relay cursor connections contract once for every type: opaque keyset cursors,
// validated page windows, and paging of an already sorted slice (for nested connections).
package relay

import (
	"encoding/base64"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Sort is one key of an ordering: the stored field, its direction, the type of its values, and how to read its
// value from an item. The last key of every ordering is the id, so that positions are total.
type Sort[T any] struct {
	Field string
	Desc  bool
	// Type is the type of the key's values; a cursor whose value at this key has another type is refused, so
	// that nothing but a value of this type reaches a keyset query. The zero Type accepts no cursor.
	Type Type
	// Null tells whether the key's value can be null (an optional field).
	Null  bool
	Value func(T) any
}

// Type is the type of a sort key's values, as Normalize returns them.
type Type uint8

// The types of sort key values.
const (
	String Type = iota + 1 // string
	Int                    // int64
	Float                  // float64, finite
	Bool                   // bool
	Time                   // time.Time, UTC
)

// typeOf returns the Type of a normalized value, or 0 when it is nil or of no allowed type.
func typeOf(v any) Type {
	switch x := v.(type) {
	case string:
		if utf8.ValidString(x) {
			return String
		}
	case int64:
		return Int
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return Float
		}
	case bool:
		return Bool
	case time.Time:
		if y := x.Year(); y >= 1 && y <= 9999 { // the years RFC 3339 can write
			return Time
		}
	}
	return 0
}

// accepts tells whether a normalized cursor value may stand at this key.
func (k Sort[T]) accepts(v any) bool {
	if v == nil {
		return k.Null
	}
	return k.Type != 0 && typeOf(v) == k.Type
}

// Limits of a cursor a client sends: a real one is far shorter (an ordering has at most a few keys).
const (
	MaxCursorLen    = 1024
	MaxCursorValues = 8
)

// Signature names an ordering; a cursor carries it so that it is never used with another ordering.
func Signature[T any](keys []Sort[T]) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Field
		if k.Desc {
			parts[i] += "-"
		}
	}
	return strings.Join(parts, ",")
}

// Cursor is a decoded position (see content.Cursor).
type Cursor = content.Cursor

// encoded is a cursor as it is encoded, in BSON.
type encoded struct {
	Order  string `bson:"o"`
	Values []any  `bson:"v"`
}

// EncodeCursor returns the opaque cursor of item under the ordering keys.
func EncodeCursor[T any](keys []Sort[T], item T) string {
	c := Cursor{Order: Signature(keys), Values: make([]any, len(keys))}
	for i, k := range keys {
		c.Values[i] = Normalize(k.Value(item))
	}
	return encode(c)
}

func encode(c Cursor) string {
	raw, err := bson.Marshal(encoded(c))
	if err != nil { // only values of the types Normalize returns reach here
		panic("relay: cursor value cannot be encoded: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor reads a cursor a client sent. It bounds its size first, and keeps it only when every value is
// null or of one of the value Types: documents, arrays, operators, regular expressions, JavaScript, binary,
// Min/MaxKey, decimals and non-finite numbers are refused here, before any ordering sees them; Check then
// matches each value to its key's type. The message never repeats the cursor, which may hold any bytes.
func decodeCursor(field, s string) (*Cursor, error) {
	bad := content.Errorf(content.EInvalid, field, "the %s cursor is not one this API gave out; use a cursor from a page of the same connection", field)
	if len(s) > MaxCursorLen {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var doc struct {
		Order bson.RawValue   `bson:"o"`
		Vals  []bson.RawValue `bson:"v"`
	}
	if bson.Unmarshal(raw, &doc) != nil || doc.Order.Type != bson.TypeString || doc.Order.Validate() != nil ||
		len(doc.Vals) == 0 || len(doc.Vals) > MaxCursorValues {
		return nil, bad
	}
	c := Cursor{Order: doc.Order.StringValue(), Values: make([]any, len(doc.Vals))}
	for i, rv := range doc.Vals {
		v, ok := scalar(rv)
		if !ok {
			return nil, bad
		}
		c.Values[i] = v
	}
	if c.Order == "" || !utf8.ValidString(c.Order) {
		return nil, bad
	}
	return &c, nil
}

// scalar reads one cursor value of an allowed BSON type (see decodeCursor), normalized.
func scalar(rv bson.RawValue) (any, bool) {
	if rv.Validate() != nil {
		return nil, false
	}
	var v any
	switch rv.Type {
	case bson.TypeNull:
		return nil, true
	case bson.TypeString:
		v, _ = rv.StringValueOK()
	case bson.TypeInt32:
		n, _ := rv.Int32OK()
		v = int64(n)
	case bson.TypeInt64:
		v, _ = rv.Int64OK()
	case bson.TypeDouble:
		v, _ = rv.DoubleOK()
	case bson.TypeBoolean:
		v, _ = rv.BooleanOK()
	case bson.TypeDateTime:
		ms, _ := rv.DateTimeOK()
		v = Normalize(bson.DateTime(ms))
	default:
		return nil, false
	}
	return v, typeOf(v) != 0
}

// Normalize maps a value to the few types cursors and comparisons use: nil, string, int64, float64, bool and
// time.Time (UTC, millisecond precision as stored).
func Normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case *int:
		if x == nil {
			return nil
		}
		return int64(*x)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case bson.DateTime:
		return x.Time().UTC()
	case time.Time:
		return x.UTC().Truncate(time.Millisecond)
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.UTC().Truncate(time.Millisecond)
	}
	return v
}

// Compare orders two normalized values the way MongoDB sorts them: null first, then by value.
func Compare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp3(x < y, x > y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp3(x < y, x > y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp3(!x && y, x && !y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	return 0
}

func cmp3(less, greater bool) int {
	if less {
		return -1
	}
	if greater {
		return 1
	}
	return 0
}

// compareAt compares item's key values to a cursor's under the ordering's directions.
func compareAt[T any](keys []Sort[T], item T, c *Cursor) int {
	for i, k := range keys {
		r := Compare(Normalize(k.Value(item)), c.Values[i])
		if k.Desc {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	return 0
}
