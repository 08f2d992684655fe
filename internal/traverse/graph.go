// Package traverse walks the content graph: the neighbourhood of a piece of content, the shortest chain between
// two, and the sub-graph induced by sets of content. It reads the store one traversal level at a time, with a
// fixed number of queries per level whatever the size of the frontier, and stops with a NODE_BUDGET_EXCEEDED error
// before it would hold more nodes than its budget. It knows nothing of GraphQL.
//
// The nodes are content (coalitions, stakeholders, initiatives, toolkit sections, blog posts). Countries are not
// nodes: every piece of content in a country would otherwise be two hops from every other.
package traverse

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
)

// Relation is the kind of an edge. Each has one canonical direction, from → to, given below; traversals follow
// edges both ways.
type Relation string

// The relations of the content graph.
const (
	// MemberOf: stakeholder → coalition, a membership; the edge carries its role.
	MemberOf Relation = "MEMBER_OF"
	// PartnerOf: stakeholder → initiative, a partner that runs or supports it.
	PartnerOf Relation = "PARTNER_OF"
	// LinkedTo: initiative → coalition.
	LinkedTo Relation = "LINKED_TO"
	// Authored: stakeholder (a person) → blog post they wrote.
	Authored Relation = "AUTHORED"
	// Published: stakeholder (an organisation) → blog post it published.
	Published Relation = "PUBLISHED"
	// Mentions: blog post → the content it mentions.
	Mentions Relation = "MENTIONS"
	// ParentOf: toolkit section → its direct sub-section.
	ParentOf Relation = "PARENT_OF"
)

// Relations lists every relation, in the order edges are sorted by.
var Relations = []Relation{MemberOf, PartnerOf, LinkedTo, Authored, Published, Mentions, ParentOf}

// Edge is one relation between two pieces of content, in its canonical direction. From and To are the
// type-qualified keys of the ends (see content.KeyOf).
type Edge struct {
	From     string
	To       string
	Relation Relation
	// Role is the membership's role, for MemberOf; nil otherwise.
	Role *content.MembershipRole
}

func (e *Edge) id() string { return e.From + ">" + e.To + ">" + string(e.Relation) }

// FromID is the global ID of the edge's start: the GraphQL field from.
func (e *Edge) FromID() string { return content.GlobalID(e.From) }

// ToID is the global ID of the edge's end: the GraphQL field to.
func (e *Edge) ToID() string { return content.GlobalID(e.To) }

// Node is a node of a sub-graph: a piece of content and, in a neighbourhood, its distance from the start.
type Node struct {
	Node content.Node
	// Depth is the number of hops from the start of Neighbors; nil in a Network.
	Depth *int
}

// Graph is a sub-graph: its nodes, and every edge between two of them.
type Graph struct {
	Nodes []*Node
	Edges []*Edge
}

// Path is a shortest chain from one piece of content to another: Nodes from the first to the last, and Edges[i]
// between Nodes[i] and Nodes[i+1], each in its canonical direction (so it may point backwards along the path).
type Path struct {
	Length int
	Nodes  []content.Node
	Edges  []*Edge
}

// DefaultBudget is the node budget when none is given.
const DefaultBudget = 2000

// Traverser walks the content graph in a store. The traversals of one request (WithBudget) reach at most Budget
// nodes together, so that many aliases of a traversal cost no more than one.
type Traverser struct {
	store  *mongostore.Store
	budget int
}

// New returns a traverser over store; budget is the most nodes one traversal may hold (DefaultBudget when not
// positive).
func New(store *mongostore.Store, budget int) *Traverser {
	if budget <= 0 {
		budget = DefaultBudget
	}
	return &Traverser{store: store, budget: budget}
}

// Budget is the most nodes the traversals of one request may reach together.
func (t *Traverser) Budget() int { return t.budget }

// budget is what is left of a request's node budget, shared by its traversals.
type budget struct{ left atomic.Int64 }

type budgetKey struct{}

// WithBudget returns ctx carrying a fresh node budget for one request: every traversal run under it draws on the
// same Budget nodes. A traversal run without one has a budget of its own.
func (t *Traverser) WithBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, budgetKey{}, t.newBudget())
}

func (t *Traverser) newBudget() *budget {
	b := &budget{}
	b.left.Store(int64(t.budget))
	return b
}

func (t *Traverser) budgetErr(field, narrow string) error {
	return content.Errorf(content.ENodeBudget, field, "the traversals of this request would reach more than %d nodes (the node budget); %s", t.budget, narrow)
}

// Label is the name or title of a piece of content, for display.
func Label(n content.Node) string {
	switch c := n.(type) {
	case *content.Coalition:
		return c.Name
	case *content.Stakeholder:
		return c.Name
	case *content.Initiative:
		return c.Name
	case *content.ToolkitSection:
		return c.Title
	case *content.BlogPost:
		return c.Title
	}
	return ""
}

// TypeOf is the type of a key.
func TypeOf(key string) content.TypeName {
	t, _, _ := strings.Cut(key, ":")
	return content.TypeName(t)
}

func localOf(key string) string {
	_, id, _ := strings.Cut(key, ":")
	return id
}

// edgesOf are the edges stored in a document: an initiative's partners and coalitions, a post's authors,
// publisher and mentions, a section's parent. Coalitions and stakeholders store none; memberships are their own
// documents.
func edgesOf(n content.Node) []*Edge {
	var out []*Edge
	add := func(from, to string, r Relation) { out = append(out, &Edge{From: from, To: to, Relation: r}) }
	switch d := n.(type) {
	case *content.Initiative:
		for _, p := range d.PartnerIDs {
			add(content.KeyOf(content.TypeStakeholder, p), d.Key(), PartnerOf)
		}
		for _, c := range d.CoalitionIDs {
			add(d.Key(), content.KeyOf(content.TypeCoalition, c), LinkedTo)
		}
	case *content.BlogPost:
		for _, a := range d.AuthorIDs {
			add(content.KeyOf(content.TypeStakeholder, a), d.Key(), Authored)
		}
		if d.PublisherID != nil {
			add(content.KeyOf(content.TypeStakeholder, *d.PublisherID), d.Key(), Published)
		}
		for _, m := range d.MentionKeys {
			add(d.Key(), m, Mentions)
		}
	case *content.ToolkitSection:
		if d.ParentID != nil {
			add(content.KeyOf(content.TypeToolkitSection, *d.ParentID), d.Key(), ParentOf)
		}
	}
	return out
}

// membershipEnds are the local ids of the stakeholders and of the coalitions among keys: the two ends of a
// membership.
func membershipEnds(keys iter.Seq[string]) (stakeholders, coalitions []string) {
	for k := range keys {
		switch TypeOf(k) {
		case content.TypeStakeholder:
			stakeholders = append(stakeholders, localOf(k))
		case content.TypeCoalition:
			coalitions = append(coalitions, localOf(k))
		}
	}
	return stakeholders, coalitions
}

func membershipEdge(m *content.Membership) *Edge {
	role := m.Role
	return &Edge{From: content.KeyOf(content.TypeStakeholder, m.StakeholderID), To: content.KeyOf(content.TypeCoalition, m.CoalitionID),
		Relation: MemberOf, Role: &role}
}

// walk is the state of one traversal: the documents read so far, by key, and the memberships seen.
type walk struct {
	t           *Traverser
	docs        map[string]content.Node
	memberships map[string]*content.Membership
	// budget is the request's node budget; reached is how many nodes this walk has drawn from it.
	budget  *budget
	reached int
}

func (t *Traverser) newWalk(ctx context.Context) *walk {
	b, ok := ctx.Value(budgetKey{}).(*budget)
	if !ok {
		b = t.newBudget()
	}
	return &walk{t: t, docs: map[string]content.Node{}, memberships: map[string]*content.Membership{}, budget: b}
}

// reach draws on the request's budget for the walk having reached n nodes in all, and tells whether the budget
// still holds them.
func (w *walk) reach(n int) bool {
	left := w.budget.left.Add(int64(w.reached - n))
	w.reached = n
	return left >= 0
}

// room is how many more nodes the budget allows this walk.
func (w *walk) room() int { return max(0, int(w.budget.left.Load())) }

// expand returns the edges between the frontier (keys) and content of the allowed types, in a stable order,
// with at most four queries — memberships, initiatives, blog posts, toolkit sections — whatever the size of the
// frontier. The same queries read the frontier's own initiatives, posts and sections when they are not read yet,
// since their documents hold their outgoing edges.
func (w *walk) expand(ctx context.Context, frontier []string, allow func(content.TypeName) bool) ([]*Edge, error) {
	ids := map[content.TypeName][]string{}
	unread := map[content.TypeName][]string{}
	for _, k := range frontier {
		t := TypeOf(k)
		ids[t] = append(ids[t], localOf(k))
		if _, ok := w.docs[k]; !ok {
			unread[t] = append(unread[t], localOf(k))
		}
	}
	when := func(t content.TypeName, list []string) []string {
		if allow(t) {
			return list
		}
		return nil
	}
	stakeholders, coalitions, sections := ids[content.TypeStakeholder], ids[content.TypeCoalition], ids[content.TypeToolkitSection]

	var ms []*content.Membership
	var inits []*content.Initiative
	var posts []*content.BlogPost
	var secs []*content.ToolkitSection
	err := parallel(
		func() (err error) {
			ms, err = w.t.store.MembershipsTouching(ctx, when(content.TypeCoalition, stakeholders), when(content.TypeStakeholder, coalitions))
			return err
		},
		func() (err error) {
			inits, err = w.t.store.InitiativesReferring(ctx, unread[content.TypeInitiative],
				when(content.TypeInitiative, stakeholders), when(content.TypeInitiative, coalitions))
			return err
		},
		func() (err error) {
			posts, err = w.t.store.BlogPostsReferring(ctx, unread[content.TypeBlogPost],
				when(content.TypeBlogPost, stakeholders), when(content.TypeBlogPost, frontier))
			return err
		},
		func() (err error) {
			secs, err = w.t.store.ToolkitSectionsReferring(ctx, unread[content.TypeToolkitSection], when(content.TypeToolkitSection, sections))
			return err
		},
	)
	if err != nil {
		return nil, err
	}

	in := map[string]bool{}
	for _, k := range frontier {
		in[k] = true
	}
	var candidates []*Edge
	for _, m := range ms {
		w.memberships[m.ID] = m
		candidates = append(candidates, membershipEdge(m))
	}
	var related []content.Node
	for _, d := range inits {
		related = append(related, d)
	}
	for _, d := range posts {
		related = append(related, d)
	}
	for _, d := range secs {
		related = append(related, d)
	}
	for _, d := range related {
		w.docs[d.Key()] = d
	}
	for _, k := range frontier {
		if d, ok := w.docs[k]; ok {
			related = append(related, d)
		}
	}
	for _, d := range related {
		candidates = append(candidates, edgesOf(d)...)
	}
	seen := map[string]bool{}
	var out []*Edge
	for _, e := range candidates {
		touches := in[e.From] || in[e.To]
		ok := (in[e.From] || allow(TypeOf(e.From))) && (in[e.To] || allow(TypeOf(e.To)))
		if touches && ok && e.From != e.To && !seen[e.id()] {
			seen[e.id()] = true
			out = append(out, e)
		}
	}
	sortEdges(out)
	return out, nil
}

// read loads the documents of the keys not read yet, one query per type; keys whose content does not exist stay
// unread.
func (w *walk) read(ctx context.Context, keys []string) error {
	byType := map[content.TypeName][]string{}
	for _, k := range keys {
		if _, ok := w.docs[k]; !ok {
			byType[TypeOf(k)] = append(byType[TypeOf(k)], localOf(k))
		}
	}
	var mu sync.Mutex
	var fns []func() error
	for t, ids := range byType {
		fns = append(fns, func() error {
			nodes, err := w.t.store.Nodes(ctx, t, ids)
			mu.Lock()
			defer mu.Unlock()
			for _, n := range nodes {
				w.docs[n.Key()] = n
			}
			return err
		})
	}
	return parallel(fns...)
}

// induced is every edge between two of the keys: those stored in their documents (which must be read) and the
// memberships seen.
func (w *walk) induced(keys map[string]bool) []*Edge {
	var out []*Edge
	seen := map[string]bool{}
	add := func(e *Edge) {
		if keys[e.From] && keys[e.To] && e.From != e.To && !seen[e.id()] {
			seen[e.id()] = true
			out = append(out, e)
		}
	}
	for _, m := range w.memberships {
		add(membershipEdge(m))
	}
	for k := range keys {
		if d, ok := w.docs[k]; ok {
			for _, e := range edgesOf(d) {
				add(e)
			}
		}
	}
	sortEdges(out)
	return out
}

// parallel runs the functions concurrently (the queries of one level are independent) and joins their errors.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func sortEdges(es []*Edge) {
	slices.SortFunc(es, func(a, b *Edge) int {
		return cmp.Or(cmp.Compare(slices.Index(Relations, a.Relation), slices.Index(Relations, b.Relation)),
			strings.Compare(a.From, b.From), strings.Compare(a.To, b.To))
	})
}

// sortNodes orders nodes by depth, type, name (ignoring case and accents) and key.
func sortNodes(ns []*Node) {
	depth := func(n *Node) int {
		if n.Depth == nil {
			return 0
		}
		return *n.Depth
	}
	slices.SortFunc(ns, func(a, b *Node) int {
		return cmp.Or(cmp.Compare(depth(a), depth(b)), cmp.Compare(TypeOf(a.Node.Key()).Rank(), TypeOf(b.Node.Key()).Rank()),
			strings.Compare(content.Fold(Label(a.Node)), content.Fold(Label(b.Node))), strings.Compare(a.Node.Key(), b.Node.Key()))
	})
}

// notFound is the error for a start or end that does not exist.
func notFound(field, key string) error {
	return content.Errorf(content.ENotFound, field, "no %s with ID %s", TypeOf(key), content.GlobalID(key))
}
