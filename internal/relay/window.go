package relay

import (
	"context"
	"slices"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
)

// Page sizes.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ParseWindow validates the four Relay paging arguments. Sizes outside 1..MaxPageSize, both first and last, or a
// malformed cursor are BAD_USER_INPUT errors naming the argument.
func ParseWindow(first, last *int, after, before *string) (content.Window, error) {
	var w content.Window
	if first != nil && last != nil {
		return w, content.Errorf(content.EInvalid, "last", "give either first or last, not both")
	}
	for _, a := range []struct {
		name string
		n    *int
	}{{"first", first}, {"last", last}} {
		if a.n != nil && (*a.n < 1 || *a.n > MaxPageSize) {
			return w, content.Errorf(content.EInvalid, a.name, "%s must be between 1 and %d, got %d", a.name, MaxPageSize, *a.n)
		}
	}
	switch {
	case last != nil:
		w.Last = *last
	case first != nil:
		w.First = *first
	default:
		w.First = DefaultPageSize
	}
	var err error
	if after != nil {
		if w.After, err = decodeCursor("after", *after); err != nil {
			return w, err
		}
	}
	if before != nil {
		if w.Before, err = decodeCursor("before", *before); err != nil {
			return w, err
		}
	}
	return w, nil
}

// Check verifies that the window's cursors were made by the ordering keys: same ordering, and at each key a value
// of the key's Type (or null where the key can be null). It is the one gate between a client's cursor and a
// keyset query: past it, every cursor value is a typed value of its key.
func Check[T any](w content.Window, keys []Sort[T]) error {
	sig := Signature(keys)
	for _, c := range []struct {
		name string
		c    *Cursor
	}{{"after", w.After}, {"before", w.Before}} {
		if c.c == nil {
			continue
		}
		if c.c.Order != sig || len(c.c.Values) != len(keys) {
			return content.Errorf(content.EInvalid, c.name, "the cursor belongs to another ordering than the one asked for")
		}
		for i, k := range keys {
			if !k.accepts(c.c.Values[i]) {
				return content.Errorf(content.EInvalid, c.name, "the cursor's value for %s is not of the type that key has", k.Field)
			}
		}
	}
	return nil
}

// NewPage builds a page from the items fetched for w: at most Size()+1 of them, in the ordering's direction of
// travel (reversed for a backward window). The extra item only tells that another page exists.
func NewPage[T any](items []T, keys []Sort[T], w content.Window) content.Page[T] {
	more := len(items) > w.Size()
	if more {
		items = items[:w.Size()]
	}
	if w.Backward() {
		items = slices.Clone(items)
		slices.Reverse(items)
	}
	p := content.Page[T]{Items: items, Cursors: make([]string, len(items)), Total: -1}
	for i, it := range items {
		p.Cursors[i] = EncodeCursor(keys, it)
	}
	if w.Backward() {
		p.Info.HasPreviousPage, p.Info.HasNextPage = more, w.Before != nil
	} else {
		p.Info.HasNextPage, p.Info.HasPreviousPage = more, w.After != nil
	}
	if len(items) > 0 {
		p.Info.StartCursor, p.Info.EndCursor = &p.Cursors[0], &p.Cursors[len(items)-1]
	}
	return p
}

// Slice pages items that are already sorted by keys, the way a keyset query would: the nested connections of a
// batch are fetched in one query and paged here.
func Slice[T any](items []T, keys []Sort[T], w content.Window) content.Page[T] {
	var in []T
	for _, it := range items {
		if (w.After == nil || compareAt(keys, it, w.After) > 0) && (w.Before == nil || compareAt(keys, it, w.Before) < 0) {
			in = append(in, it)
		}
	}
	if w.Backward() {
		in = slices.Clone(in)
		slices.Reverse(in)
	}
	p := NewPage(in[:min(len(in), w.Size()+1)], keys, w)
	p.Total = len(items)
	return p
}

// Wants tells whether the connection field being resolved selects the named field, such as "totalCount", so that
// work for fields nobody asked for is skipped.
func Wants(ctx context.Context, field string) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == field {
			return true
		}
	}
	return false
}
