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
)

// Relation is the kind of an edge: the name of a relation of the content graph that traversal follows (see
// content.Relations). Each has one canonical direction, from → to; traversals follow edges both ways.
type Relation string

// Relations lists every relation traversal follows, in the order edges are sorted by: the relation table's.
// owners are the types whose documents hold some of them.
var Relations, owners = traversed()

func traversed() (rels []Relation, owners []content.TypeName) {
	for _, r := range content.Relations {
		if r.Traversed {
			rels = append(rels, Relation(r.Name))
		}
	}
	for _, t := range content.ContentTypes {
		if slices.ContainsFunc(content.OwnedBy(t), func(r *content.Relation) bool { return r.Traversed }) {
			owners = append(owners, t)
		}
	}
	return rels, owners
}

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
	store  content.Store
	budget int
}

// New returns a traverser over store; budget is the most nodes one traversal may hold (DefaultBudget when not
// positive).
func New(store content.Store, budget int) *Traverser {
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

// edgesOf are the edges stored in a document, read through the relation table: an initiative's partners and
// coalitions, a post's authors, publisher and mentions, a section's parent. Coalitions and stakeholders store
// none; memberships are their own documents.
func edgesOf(n content.Node) []*Edge {
	var out []*Edge
	owner := n.Key()
	for _, r := range content.OwnedBy(TypeOf(owner)) {
		if !r.Traversed {
			continue
		}
		for _, ref := range r.Refs(n) {
			e := &Edge{From: owner, To: r.RefKey(ref), Relation: Relation(r.Name)}
			if r.Owner == content.EndTo {
				e.From, e.To = e.To, e.From
			}
			out = append(out, e)
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
		Relation: Relation(content.MemberOf.Name), Role: &role}
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
// with at most four queries — memberships, and the documents of each type that holds relations (initiatives,
// blog posts, toolkit sections) — whatever the size of the frontier. The same queries read the frontier's own initiatives, posts and sections when they are not read yet,
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
	var ms []*content.Membership
	found := make([][]content.Node, len(owners))
	reads := []func() error{func() (err error) {
		ms, err = w.t.store.Memberships().Touching(ctx, when(content.TypeCoalition, ids[content.TypeStakeholder]),
			when(content.TypeStakeholder, ids[content.TypeCoalition]))
		return err
	}}
	for i, t := range owners {
		// the documents of type t that refer to the frontier, through each relation t holds
		var refs []content.Reference
		for _, r := range content.OwnedBy(t) {
			if !r.Traversed {
				continue
			}
			targets := ids[r.OtherType()]
			if r.Storage == content.KeyRefs {
				targets = frontier
			}
			if targets = when(t, targets); len(targets) > 0 {
				refs = append(refs, content.Reference{Relation: r, Targets: targets})
			}
		}
		reads = append(reads, func() (err error) {
			found[i], err = w.t.store.Referring(ctx, t, unread[t], refs)
			return err
		})
	}
	if err := parallel(reads...); err != nil {
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
	related := slices.Concat(found...)
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
