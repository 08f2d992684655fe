// Package content is the domain of Coalition Graph: the content types, their filters and orderings, the global
// identifiers that name them, and the one error type every layer returns.
package content

import (
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// TypeName names a kind of object in the graph. It is the prefix of every global ID.
type TypeName string

// The types of object in the graph.
const (
	TypeCoalition      TypeName = "Coalition"
	TypeStakeholder    TypeName = "Stakeholder"
	TypeInitiative     TypeName = "Initiative"
	TypeToolkitSection TypeName = "ToolkitSection"
	TypeBlogPost       TypeName = "BlogPost"
	TypeCountry        TypeName = "Country"
)

// ContentTypes are the types of content, the ones a blog post can mention (Country is not content).
var ContentTypes = []TypeName{TypeCoalition, TypeStakeholder, TypeInitiative, TypeToolkitSection, TypeBlogPost}

// Rank is the type's place in ContentTypes, the order in which mixed results (search hits, a sub-graph's nodes) list
// the types; -1 for a type that is not content.
func (t TypeName) Rank() int { return slices.Index(ContentTypes, t) }

// Node is any object with a global ID: every content type and Country.
type Node interface {
	// Key is the object's type-qualified key, such as "Coalition:6650…"; GlobalID encodes it for clients.
	Key() string
}

// ContentType is the GraphQL enum that narrows a query to some content types.
type ContentType string

// TypeName is the node type a ContentType stands for.
func (c ContentType) TypeName() TypeName {
	switch c {
	case "COALITION":
		return TypeCoalition
	case "STAKEHOLDER":
		return TypeStakeholder
	case "INITIATIVE":
		return TypeInitiative
	case "TOOLKIT_SECTION":
		return TypeToolkitSection
	case "BLOG_POST":
		return TypeBlogPost
	}
	return ""
}

// Direction is a sort direction.
type Direction string

// Sort directions.
const (
	ASC  Direction = "ASC"
	DESC Direction = "DESC"
)

// IntRange is an inclusive range of whole numbers; nil bounds are open.
type IntRange struct {
	From *int
	To   *int
}

// DateRange is an inclusive range of days; nil bounds are open.
type DateRange struct {
	From *time.Time
	To   *time.Time
}

// DateTimeRange is the half-open range [From, To) of instants; nil bounds are open.
type DateTimeRange struct {
	From *time.Time
	To   *time.Time
}

// Index holds the derived fields every document carries for ordering and search; the store fills them in on write.
type Index struct {
	// SortName is the folded name or title that NAME and TITLE orderings use, so that "alpha" sorts before "Zed".
	SortName string `bson:"sortName" json:"-"`
	// Keywords are the distinct folded words of the document's text, matched by `search` and the `search` filters.
	// They come in ranking order: the words of the name or title, then the other words of the lead fields (summary,
	// excerpt, position, tags), then the rest; so ranking needs no second copy of them, only the two counts below.
	Keywords []string `bson:"keywords" json:"-"`
	// TitleCount is how many of the first Keywords are the words of the name or title.
	TitleCount int `bson:"titleCount" json:"-"`
	// LeadCount is how many Keywords after those are the words of the lead fields.
	LeadCount int `bson:"leadCount" json:"-"`
	// IndexVersion is the IndexVersion the fields were derived with; the store re-indexes documents of older ones.
	IndexVersion int `bson:"indexVersion" json:"-"`
}

// KeyOf joins a type and a local id into a type-qualified key.
func KeyOf(t TypeName, id string) string { return string(t) + ":" + id }

// GlobalID encodes a type-qualified key as the opaque ID clients see.
func GlobalID(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// MaxGlobalIDLen bounds the length of an ID a client sends; the longest real one is about 52 characters.
const MaxGlobalIDLen = 100

// ParseGlobalID decodes an opaque ID into its type and local id. An ID is accepted only when its type is known
// and its local id has the shape the store gives that type (see ValidLocalID); a malformed ID, or one whose type
// is not one of want (when want is given), is a BAD_USER_INPUT error naming field. The message does not repeat
// the ID, which may hold any bytes.
func ParseGlobalID(field, id string, want ...TypeName) (TypeName, string, error) {
	bad := Errorf(EInvalid, field, "not an ID this API gave out; IDs are the id fields of its objects")
	if len(id) > MaxGlobalIDLen {
		return "", "", bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	t, local, ok := strings.Cut(string(raw), ":")
	// only the one spelling GlobalID writes: the decoder also skips line breaks and ignores trailing bits
	canonical := err == nil && GlobalID(string(raw)) == id
	if !canonical || !ok || !knownType(TypeName(t)) || !ValidLocalID(TypeName(t), local) {
		return "", "", bad
	}
	if len(want) > 0 && !contains(want, TypeName(t)) {
		return "", "", Errorf(EInvalid, field, "the ID is a %s's, which cannot be used here", t)
	}
	return TypeName(t), local, nil
}

// ValidLocalID tells whether local has the shape of the ids the store gives objects of type t: a country's is
// its ISO 3166-1 alpha-2 code in capitals; content's is 24 lower-case hex digits (an ObjectID's hex, or the
// seed's id derived from the slug, which has the same shape).
func ValidLocalID(t TypeName, local string) bool {
	if t == TypeCountry {
		return len(local) == 2 && isUpper(local[0]) && isUpper(local[1])
	}
	if len(local) != 24 {
		return false
	}
	for i := range len(local) {
		if c := local[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func knownType(t TypeName) bool {
	return t == TypeCountry || contains(ContentTypes, t)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Spec returns the field and direction of a sort key; the store turns it into a keyset ordering.
func (o CoalitionOrder) Spec() (string, Direction) { return string(o.Field), o.Direction }

// Spec returns the field and direction of a sort key.
func (o StakeholderOrder) Spec() (string, Direction) { return string(o.Field), o.Direction }

// Spec returns the field and direction of a sort key.
func (o InitiativeOrder) Spec() (string, Direction) { return string(o.Field), o.Direction }

// Spec returns the field and direction of a sort key.
func (o ToolkitSectionOrder) Spec() (string, Direction) { return string(o.Field), o.Direction }

// Spec returns the field and direction of a sort key.
func (o BlogPostOrder) Spec() (string, Direction) { return string(o.Field), o.Direction }

// Spec returns the field and direction of a sort key.
func (o CountryOrder) Spec() (string, Direction) { return string(o.Field), o.Direction }
