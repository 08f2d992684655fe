package content

import (
	"context"
	"fmt"
)

// The store, as the domain needs it. The GraphQL layer, the loaders, graph traversal, the HTTP handler and the
// seed depend on these interfaces only; the mongostore package implements them, and only the program's wiring
// and the test harness know it.
//
// Every read passes the store's one read gate, which narrows it to the request's read scope (see WithScope); so
// an item the scope does not allow is, to every method here, an item that does not exist. Unless a method says
// otherwise, an error is an *Error with the code given, or an internal error (a failed database command, a
// request out of time), whose text is logged and never shown.

// Collection is the stored content of one type T, with its filter F and its ordering O.
type Collection[T any, F any, O any] interface {
	// Get returns the items with the given local ids, by id; ids with no item are absent.
	Get(ctx context.Context, ids []string) (map[string]*T, error)
	// BySlug returns the item with the given slug (a country's is its code); NOT_FOUND naming "slug" (or "code")
	// when there is none.
	BySlug(ctx context.Context, slug string) (*T, error)
	// Check validates an ordering (nil for the default one) and that the window's cursors were made by it:
	// BAD_USER_INPUT naming "orderBy", "after" or "before".
	Check(order []O, w Window) error
	// Page returns one page of the items matching filter (nil for all), in order, counting the matches on all
	// pages into Total when total is true. BAD_USER_INPUT, naming the argument, for an ordering or cursor Check
	// refuses or a bad filter value (such as a malformed ID in it).
	Page(ctx context.Context, filter *F, order []O, w Window, total bool) (Page[*T], error)
	// Related returns, for each set of targets, one page of the items related to them (see Via), matching
	// filter, in order, with the number of such items in Total when total is true. The whole batch is read at
	// once, however many sets it has. Errors as Page.
	Related(ctx context.Context, via Via, targets [][]string, filter *F, order []O, w Window, total bool) ([]Page[*T], error)
	// Capped returns at most limit items matching filter, in the default order: a caller that must not hold more
	// than a budget asks for one more than it allows, and so learns that the budget is exceeded. Errors as Page.
	Capped(ctx context.Context, filter *F, limit int) ([]*T, error)
	// All returns every stored item, in one read.
	All(ctx context.Context) ([]*T, error)

	Writer[T]
}

// Writer writes the items of one type T. Every write passes the store's one write gate, one command applied only
// to the version of the item it was made against; nothing is written when it fails.
type Writer[T any] interface {
	// Create stores item as a new item and returns it as stored: with its own id (the seed's stable ids) or a new
	// one, version 1, updatedAt now and its derived fields; item itself is not changed. CONFLICT naming "slug"
	// (a country's "code"; a membership's "stakeholder" for a pair that has one) when another item holds it, or
	// naming "id" when the id is taken.
	Create(ctx context.Context, item *T) (*T, error)
	// Update changes the item with the given id, made against its version: it applies apply to a copy of the
	// stored item and stores that as version+1, with updatedAt now and its derived fields, in one command that
	// applies only while the item is at version. NOT_FOUND naming "id" when there is no such item; CONFLICT
	// naming "version", with CurrentVersion, when it is at another version (another write came first); CONFLICT
	// naming "slug" when the new slug is another item's, which stays as it is.
	Update(ctx context.Context, id string, version int, apply func(*T)) (*T, error)
	// Delete removes the item with the given id, made against its version, from both stages, leaving a
	// tombstone for the change feed: NOT_FOUND or CONFLICT (with CurrentVersion) as Update. When other items
	// refer to it, CONFLICT naming "id" and listing the referrers in Fields (as "Type:id relation"), unless
	// detach, which first removes those references (a new version of each referrer).
	Delete(ctx context.Context, id string, version int, detach bool) error
}

// Content is the stored content of one editable type: a collection, and its editing.
type Content[T any, F any, O any] interface {
	Collection[T, F, O]
	Editor[T]
}

// Via is how a relation field finds its items from the targets it is given: by the items' own ids (Relations
// nil: the parent holds references to them), or by the references the items hold, through any of Relations, to
// a target.
type Via struct {
	Relations []*Relation
}

// Memberships are the links between stakeholders and coalitions (the relation MemberOf). A coalition's roster
// holds them (Coalition.Roster), and is how they are written; the store keeps them as documents of their own for
// reading.
type Memberships interface {
	// Of returns the memberships whose end of type side (TypeCoalition or TypeStakeholder) is one of ids, with
	// one of roles when roles are given.
	Of(ctx context.Context, side TypeName, ids []string, roles []MembershipRole) ([]*Membership, error)
	// Touching returns the memberships of any of the stakeholders or of any of the coalitions, in one read; nil
	// when both lists are empty.
	Touching(ctx context.Context, stakeholders, coalitions []string) ([]*Membership, error)
	// Between returns the memberships that link one of the stakeholders to one of the coalitions, in one read;
	// nil when either list is empty.
	Between(ctx context.Context, stakeholders, coalitions []string) ([]*Membership, error)
	// Members returns, for each coalition, one page of its members with their roles (restricted to roles when
	// given), the stakeholders matching filter, in order; Total as in Collection.Related. Errors as
	// Collection.Page.
	Members(ctx context.Context, coalitions []string, roles []MembershipRole, filter *StakeholderFilter, order []*StakeholderOrder, w Window, total bool) ([]Page[*Member], error)
	// MemberOf returns, for each stakeholder, one page of the coalitions it belongs to, with its roles
	// (restricted to roles when given), matching filter, in order. Errors as Collection.Page.
	MemberOf(ctx context.Context, stakeholders []string, roles []MembershipRole, filter *CoalitionFilter, order []*CoalitionOrder, w Window, total bool) ([]Page[*Member], error)
	// All returns every stored membership, in one read.
	All(ctx context.Context) ([]*Membership, error)
}

// Reference is a set of targets of one relation, for Store.Referring.
type Reference struct {
	Relation *Relation
	// Targets are local ids of the relation's other end, or type-qualified keys for KeyRefs.
	Targets []string
}

// Store is the whole content graph.
type Store interface {
	Coalitions() Content[Coalition, CoalitionFilter, *CoalitionOrder]
	Stakeholders() Content[Stakeholder, StakeholderFilter, *StakeholderOrder]
	Initiatives() Content[Initiative, InitiativeFilter, *InitiativeOrder]
	ToolkitSections() Content[ToolkitSection, ToolkitSectionFilter, *ToolkitSectionOrder]
	BlogPosts() Content[BlogPost, BlogPostFilter, *BlogPostOrder]
	// Countries are reference data, the same in both stages; only the System viewer writes them.
	Countries() Collection[Country, CountryFilter, *CountryOrder]
	Memberships() Memberships
	Keys() Keys

	// Changes returns, in revision order, the changes after the revision after, at most limit of them (of the
	// given types; all when none), and whether more follow: each item's last write, and the tombstones of
	// deleted items. In the published stage these are the publications and unpublications only.
	Changes(ctx context.Context, after int64, limit int, types []TypeName) ([]*Change, bool, error)
	// Revision is the store-wide revision of the last write.
	Revision(ctx context.Context) (int64, error)
	// TakenRevision is the highest revision a write of this process has taken, without a read (0 before the
	// first): how the response cache learns of this process's own writes at once, while other processes' writes
	// reach it through Revision.
	TakenRevision() int64

	// Nodes returns the content items of type t with the given local ids, in one read; missing ones are left
	// out, and so is a type that is not content.
	Nodes(ctx context.Context, t TypeName, ids []string) ([]Node, error)
	// Referring returns, in one read, the items of type t with one of ids and those that refer to one of a
	// reference's targets through its relation (which t must own); nil, with no read, when there are no ids and
	// no targets.
	Referring(ctx context.Context, t TypeName, ids []string, refs []Reference) ([]Node, error)
	// Search returns one page of the content of the given types (all when none) that matches q, best first.
	// BAD_USER_INPUT naming "after" or "before" for a cursor of another search.
	Search(ctx context.Context, q SearchQuery, types []TypeName, w Window) (Page[*Hit], error)

	// The aggregates count the items matching a filter, grouped by dimensions: BAD_USER_INPUT naming "groupBy"
	// for a dimension given twice or too many, or naming the filter's field for a bad filter value.
	CoalitionAggregate(ctx context.Context, f *CoalitionFilter, by []CoalitionDimension) (*Aggregate, error)
	StakeholderAggregate(ctx context.Context, f *StakeholderFilter, by []StakeholderDimension) (*Aggregate, error)
	InitiativeAggregate(ctx context.Context, f *InitiativeFilter, by []InitiativeDimension) (*Aggregate, error)
	BlogPostAggregate(ctx context.Context, f *BlogPostFilter, by []BlogPostDimension) (*Aggregate, error)
	MembershipAggregate(ctx context.Context, f *MembershipFilter, by []MembershipDimension) (*Aggregate, error)

	// WithCommandLimit returns ctx under which at most n of the store's commands run at once (no bound when
	// n < 1), so that one request holds no more than its share of the database connections however many fields
	// it resolves in parallel. A read waiting for its place fails when ctx ends.
	WithCommandLimit(ctx context.Context, n int) context.Context
	// Ping tells whether the database answers.
	Ping(ctx context.Context) error
	// Empty tells whether the store holds no content yet.
	Empty(ctx context.Context) (bool, error)
}

// Scope is what a reader may see of the stored content. Every read of the store is narrowed to the scope of the
// request it serves. The zero Scope is ScopePublished.
type Scope struct {
	// draft reads the DRAFT stage, which only a viewer with the PREVIEW role or above may.
	draft bool
	// only, when not nil, narrows the scope to the items with these type-qualified keys (see ScopeOnly).
	only []string
}

// ScopePublished is what anonymous readers see: the PUBLISHED stage. It is the scope of a request that sets
// none.
var ScopePublished = Scope{}

// ScopeDraft reads the DRAFT stage: the store refuses it (UNAUTHENTICATED, FORBIDDEN) to a viewer below PREVIEW.
var ScopeDraft = Scope{draft: true}

// Stage is the stage the scope reads.
func (s Scope) Stage() Stage {
	if s.draft {
		return StageDraft
	}
	return StagePublished
}

// Key names the scope in one string: two scopes see the same content exactly when their keys are equal (the
// response cache keys answers by it).
func (s Scope) Key() string {
	if s.only == nil {
		return string(s.Stage())
	}
	return string(s.Stage()) + " only " + fmt.Sprint(s.only)
}

// ScopeOnly sees only the items with the given type-qualified keys (see KeyOf) and the memberships between them;
// ScopeOnly() sees nothing at all. The tests use it to prove that no read bypasses the read gate.
func ScopeOnly(keys ...string) Scope { return Scope{only: append([]string{}, keys...)} }

// Only returns the keys a ScopeOnly scope sees, and whether s is one.
func (s Scope) Only() ([]string, bool) { return s.only, s.only != nil }

type scopeKey struct{}

// WithScope returns ctx whose reads of the store are narrowed to s.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeOf is the read scope of ctx: ScopePublished unless WithScope set another.
func ScopeOf(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}
