package content

import "time"

// BlogPost is a post on the Coalition's blog.
type BlogPost struct {
	ID          string     `bson:"_id"`
	Slug        string     `bson:"slug"`
	Title       string     `bson:"title"`
	PublishedOn *time.Time `bson:"publishedOn,omitempty"`
	Excerpt     *string    `bson:"excerpt,omitempty"`
	Body        *string    `bson:"body,omitempty"`
	Tags        []string   `bson:"tags"`
	SourceURL   *string    `bson:"sourceUrl,omitempty"`
	PublisherID *string    `bson:"publisherId,omitempty"`
	AuthorIDs   []string   `bson:"authorIds"`
	// MentionKeys are the type-qualified keys (see KeyOf) of the content the post mentions, in order.
	MentionKeys []string  `bson:"mentions"`
	UpdatedAt   time.Time `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
	Record  `bson:",inline"`
	Index   `bson:",inline"`

	// PublishedMonth is PublishedOn's month, "YYYY-MM", derived by the store for grouping by MONTH.
	PublishedMonth *string `bson:"publishedMonth,omitempty" json:"-"`
}

// Key implements Node.
func (b BlogPost) Key() string { return KeyOf(TypeBlogPost, b.ID) }

// GlobalID is the opaque ID clients see: the GraphQL field id.
func (b BlogPost) GlobalID() string { return GlobalID(b.Key()) }

// BlogPostFilter narrows a list of blog posts; nil fields are not given.
type BlogPostFilter struct {
	Author      *string
	Publisher   *string
	Mentions    *string
	PublishedOn *DateRange
	Tags        []string
	Search      *string
	UpdatedAt   *DateTimeRange
	And         []*BlogPostFilter
	Or          []*BlogPostFilter
	Not         *BlogPostFilter
}

// BlogPostOrderField is a field blog posts can be sorted by.
type BlogPostOrderField string

// BlogPostOrder is one sort key for blog posts.
type BlogPostOrder struct {
	Field     BlogPostOrderField
	Direction Direction
}
