package content

// Window is a validated request for one page of a connection: forward (First, After) or backward (Last,
// Before). The relay package makes one from the Relay arguments and checks its cursors against an ordering.
type Window struct {
	First  int
	Last   int
	After  *Cursor
	Before *Cursor
}

// Backward tells whether the page is counted from the end (`last`).
func (w Window) Backward() bool { return w.Last > 0 }

// Size is the number of items asked for.
func (w Window) Size() int { return max(w.First, w.Last) }

// Cursor is a decoded position in an ordering: the ordering's signature and the values of its keys at one item.
type Cursor struct {
	Order  string
	Values []any
}

// Page is one page of a connection, with each item's cursor.
type Page[T any] struct {
	Items   []T
	Cursors []string
	Info    PageInfo
	// Total is the number of items matching the filter on all pages; -1 when it was not asked for.
	Total int
}

// PageInfo is the Relay PageInfo object.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}
