package content

// The relation table: every relation of the content graph is described here once — its name, the types at its
// two ends in its canonical direction, which end's documents store it and how. The loaders' relation fields,
// graph traversal's edges, the store's reference queries and the filters on relations all read this table, and
// so will reference-checked deletes, cache invalidation and the change feed.

// End is one end of a relation: the one it goes from, or the one it goes to.
type End int

// The ends of a relation.
const (
	EndFrom End = iota + 1
	EndTo
)

// Storage is how a relation is stored.
type Storage int

// The ways a relation is stored.
const (
	// OneRef: the owner's document holds one optional reference, the other end's local id.
	OneRef Storage = iota + 1
	// Refs: the owner's document holds a list of the other ends' local ids.
	Refs
	// KeyRefs: the owner's document holds a list of type-qualified keys (see KeyOf); the other end is content of
	// any type.
	KeyRefs
	// Documents: each link is a document of its own, holding both ends and the link's own fields (memberships).
	Documents
)

// Relation is one relation of the content graph.
type Relation struct {
	// Name names the relation; graph traversal's edges carry it (the GraphQL enum Relation).
	Name string
	// From and To are the types at the two ends, in the canonical direction; To is "" when the other end is
	// content of any type.
	From TypeName
	To   TypeName
	// Owner is the end whose documents store the relation; zero when it is stored in documents of its own.
	Owner End
	// Storage is how it is stored.
	Storage Storage
	// Field is the owner's field that holds the references, named as the domain and the store both name it;
	// empty for Documents.
	Field string
	// Traversed tells whether graph traversal follows the relation. Links to countries and the toolkit's
	// ancestry are relations for fields and filters, not edges: countries are not nodes of the graph, and
	// ancestry is parenthood followed up.
	Traversed bool
	// refs reads the references from an owner's document.
	refs func(Node) []string
}

// Refs are the references n holds through r: local ids, or type-qualified keys for KeyRefs; nil when n is not
// of r's owner type or holds none.
func (r *Relation) Refs(n Node) []string {
	if r.refs == nil {
		return nil
	}
	return r.refs(n)
}

// OwnerType is the type of the end whose documents store r ("" for Documents).
func (r *Relation) OwnerType() TypeName {
	switch r.Owner {
	case EndFrom:
		return r.From
	case EndTo:
		return r.To
	}
	return ""
}

// OtherType is the type at the end the owner refers to ("" for content of any type).
func (r *Relation) OtherType() TypeName {
	if r.Owner == EndTo {
		return r.From
	}
	return r.To
}

// RefKey is the type-qualified key of a reference ref an owner holds through r.
func (r *Relation) RefKey(ref string) string {
	if r.Storage == KeyRefs {
		return ref
	}
	return KeyOf(r.OtherType(), ref)
}

// The relations.
var (
	// MemberOf: a stakeholder is a member of a coalition, with a role; each membership is a document.
	MemberOf = &Relation{Name: "MEMBER_OF", From: TypeStakeholder, To: TypeCoalition, Storage: Documents, Traversed: true}
	// PartnerOf: a stakeholder runs or supports an initiative; the initiative lists its partners.
	PartnerOf = &Relation{Name: "PARTNER_OF", From: TypeStakeholder, To: TypeInitiative, Owner: EndTo, Storage: Refs,
		Field: "partnerIds", Traversed: true, refs: refsOf(func(i *Initiative) []string { return i.PartnerIDs })}
	// LinkedTo: an initiative is linked to a coalition; the initiative lists its coalitions.
	LinkedTo = &Relation{Name: "LINKED_TO", From: TypeInitiative, To: TypeCoalition, Owner: EndFrom, Storage: Refs,
		Field: "coalitionIds", Traversed: true, refs: refsOf(func(i *Initiative) []string { return i.CoalitionIDs })}
	// Authored: a person wrote a blog post; the post lists its authors.
	Authored = &Relation{Name: "AUTHORED", From: TypeStakeholder, To: TypeBlogPost, Owner: EndTo, Storage: Refs,
		Field: "authorIds", Traversed: true, refs: refsOf(func(b *BlogPost) []string { return b.AuthorIDs })}
	// Published: an organisation published a blog post; the post names its publisher.
	Published = &Relation{Name: "PUBLISHED", From: TypeStakeholder, To: TypeBlogPost, Owner: EndTo, Storage: OneRef,
		Field: "publisherId", Traversed: true, refs: refsOf(func(b *BlogPost) []string { return one(b.PublisherID) })}
	// Mentions: a blog post mentions content of any type; the post lists the keys of what it mentions, in order.
	Mentions = &Relation{Name: "MENTIONS", From: TypeBlogPost, Owner: EndFrom, Storage: KeyRefs,
		Field: "mentions", Traversed: true, refs: refsOf(func(b *BlogPost) []string { return b.MentionKeys })}
	// ParentOf: a toolkit section is the parent of a sub-section; the sub-section names its parent.
	ParentOf = &Relation{Name: "PARENT_OF", From: TypeToolkitSection, To: TypeToolkitSection, Owner: EndTo, Storage: OneRef,
		Field: "parentId", Traversed: true, refs: refsOf(func(t *ToolkitSection) []string { return one(t.ParentID) })}
	// AncestorOf: a toolkit section is above another in the tree; each section lists its ancestors, root first.
	AncestorOf = &Relation{Name: "ANCESTOR_OF", From: TypeToolkitSection, To: TypeToolkitSection, Owner: EndTo, Storage: Refs,
		Field: "ancestorIds", refs: refsOf(func(t *ToolkitSection) []string { return t.AncestorIDs })}
	// CoalitionCountry: a coalition is in a country.
	CoalitionCountry = &Relation{Name: "COALITION_COUNTRY", From: TypeCoalition, To: TypeCountry, Owner: EndFrom, Storage: OneRef,
		Field: "countryCode", refs: refsOf(func(c *Coalition) []string { return []string{c.CountryCode} })}
	// StakeholderCountry: a stakeholder is based in a country.
	StakeholderCountry = &Relation{Name: "STAKEHOLDER_COUNTRY", From: TypeStakeholder, To: TypeCountry, Owner: EndFrom, Storage: OneRef,
		Field: "countryCode", refs: refsOf(func(s *Stakeholder) []string { return one(s.CountryCode) })}
	// InitiativeCountries: an initiative runs in countries.
	InitiativeCountries = &Relation{Name: "INITIATIVE_COUNTRIES", From: TypeInitiative, To: TypeCountry, Owner: EndFrom, Storage: Refs,
		Field: "countryCodes", refs: refsOf(func(i *Initiative) []string { return i.CountryCodes })}
)

// Relations is the relation table, in the order graph traversal sorts edges by.
var Relations = []*Relation{MemberOf, PartnerOf, LinkedTo, Authored, Published, Mentions, ParentOf, AncestorOf,
	CoalitionCountry, StakeholderCountry, InitiativeCountries}

// OwnedBy are the relations whose references documents of type t hold, in table order.
func OwnedBy(t TypeName) []*Relation {
	var out []*Relation
	for _, r := range Relations {
		if r.Storage != Documents && r.OwnerType() == t {
			out = append(out, r)
		}
	}
	return out
}

// refsOf adapts a reader of one owner type's references to any node (nil for nodes of other types).
func refsOf[T any](read func(*T) []string) func(Node) []string {
	return func(n Node) []string {
		if t, ok := any(n).(*T); ok {
			return read(t)
		}
		return nil
	}
}

func one(id *string) []string {
	if id == nil {
		return nil
	}
	return []string{*id}
}

// RelationNamed is the relation with the given name; nil when there is none.
func RelationNamed(name string) *Relation {
	for _, r := range Relations {
		if r.Name == name {
			return r
		}
	}
	return nil
}
