package content

import (
	"fmt"
	"strconv"
	"time"
)

// ToolkitSection is a section of the Toolkit for National and Local Coalitions, a node in its tree.
type ToolkitSection struct {
	ID    string `bson:"_id"`
	Slug  string `bson:"slug"`
	Title string `bson:"title"`
	Order int    `bson:"order"`
	Depth int    `bson:"depth"`
	// Number is the outline number, such as "2.1".
	Number string `bson:"number"`
	// Position orders the whole tree depth first: the zero-padded orders of the ancestors and the section.
	Position    string    `bson:"position"`
	ParentID    *string   `bson:"parentId,omitempty"`
	AncestorIDs []string  `bson:"ancestorIds"`
	Summary     *string   `bson:"summary,omitempty"`
	Body        *string   `bson:"body,omitempty"`
	Proposed    bool      `bson:"proposed"`
	Tags        []string  `bson:"tags"`
	SourceURL   *string   `bson:"sourceUrl,omitempty"`
	UpdatedAt   time.Time `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
	Record  `bson:",inline"`
	Index   `bson:",inline"`
}

// Key implements Node.
func (t ToolkitSection) Key() string { return KeyOf(TypeToolkitSection, t.ID) }

// GlobalID is the opaque ID clients see: the GraphQL field id.
func (t ToolkitSection) GlobalID() string { return GlobalID(t.Key()) }

// ToolkitSectionFilter narrows a list of toolkit sections; nil fields are not given.
type ToolkitSectionFilter struct {
	Parent    *string
	Ancestor  *string
	Depth     *IntRange
	Proposed  *bool
	Tags      []string
	Search    *string
	UpdatedAt *DateTimeRange
	And       []*ToolkitSectionFilter
	Or        []*ToolkitSectionFilter
	Not       *ToolkitSectionFilter
}

// ToolkitSectionOrderField is a field toolkit sections can be sorted by.
type ToolkitSectionOrderField string

// ToolkitSectionOrder is one sort key for toolkit sections.
type ToolkitSectionOrder struct {
	Field     ToolkitSectionOrderField
	Direction Direction
}

// Place puts the section in the tree under parent (nil for a top-level section), deriving from its Order and the
// parent's place the fields that say where it is: ParentID, AncestorIDs, Depth, the outline Number (such as
// "2.1") and the depth-first Position (the zero-padded orders of the ancestors and the section, such as
// "0002.0001"). Moving a section is placing it again, then its sub-sections under it.
func (t *ToolkitSection) Place(parent *ToolkitSection) {
	t.ParentID, t.AncestorIDs, t.Depth = nil, []string{}, 0
	t.Number, t.Position = strconv.Itoa(t.Order), fmt.Sprintf("%04d", t.Order)
	if parent == nil {
		return
	}
	id := parent.ID
	t.ParentID = &id
	t.AncestorIDs = append(append([]string{}, parent.AncestorIDs...), parent.ID)
	t.Depth = parent.Depth + 1
	t.Number = parent.Number + "." + t.Number
	t.Position = parent.Position + "." + t.Position
}
