// Package relay implements the Relay cursor connections contract once for every type: opaque keyset cursors,
// validated page windows, and paging of an already sorted slice (for nested connections).
package relay

import (
	"encoding/base64"
	"strings"
	"time"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Sort is one key of an ordering: the stored field, its direction, and how to read its value from an item.
// The last key of every ordering is the id, so that positions are total.
type Sort[T any] struct {
	Field string
	Desc  bool
	Value func(T) any
}

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

// Cursor is a decoded position: the values of the ordering's keys at one item.
type Cursor struct {
	Order  string `bson:"o"`
	Values []any  `bson:"v"`
}

// EncodeCursor returns the opaque cursor of item under the ordering keys.
func EncodeCursor[T any](keys []Sort[T], item T) string {
	c := Cursor{Order: Signature(keys), Values: make([]any, len(keys))}
	for i, k := range keys {
		c.Values[i] = Normalize(k.Value(item))
	}
	raw, err := bson.Marshal(c)
	if err != nil { // only values of the types Normalize returns reach here
		panic("relay: cursor value cannot be encoded: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(field, s string) (*Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	var c Cursor
	if err == nil {
		err = bson.Unmarshal(raw, &c)
	}
	if err != nil || c.Order == "" {
		return nil, content.Errorf(content.EInvalid, field, "%q is not a valid cursor", s)
	}
	for i, v := range c.Values {
		c.Values[i] = Normalize(v)
	}
	return &c, nil
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
