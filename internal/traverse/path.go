package traverse

import (
	"context"
	"slices"

	"coalitiongraph/internal/content"
)

// side is one end of a bidirectional search: how far each node it reached is from its end, and the edge and
// node it was reached through.
type side struct {
	dist     map[string]int
	parent   map[string]string
	via      map[string]*Edge
	frontier []string
	depth    int
}

func newSide(start string) *side {
	return &side{dist: map[string]int{start: 0}, parent: map[string]string{}, via: map[string]*Edge{}, frontier: []string{start}}
}

// Path returns a shortest chain of edges from one piece of content to another (type-qualified keys), at most
// maxDepth edges long, or nil when there is none that short. It searches from both ends at once, a level of the
// smaller frontier at a time (at most four queries each), then reads the chain's documents. A missing end is a
// NOT_FOUND error on "from" or "to"; more than the budget of nodes reached a NODE_BUDGET_EXCEEDED error on
// "maxDepth".
func (t *Traverser) Path(ctx context.Context, from, to string, maxDepth int) (*Path, error) {
	w := t.newWalk(ctx)
	if err := w.read(ctx, []string{from, to}); err != nil {
		return nil, err
	}
	for _, end := range []struct{ field, key string }{{"from", from}, {"to", to}} {
		if _, ok := w.docs[end.key]; !ok {
			return nil, notFound(end.field, end.key)
		}
	}
	if from == to {
		return &Path{Nodes: []content.Node{w.docs[from]}, Edges: []*Edge{}}, nil
	}
	all := func(content.TypeName) bool { return true }
	a, b := newSide(from), newSide(to)
	for a.depth+b.depth < maxDepth && len(a.frontier) > 0 && len(b.frontier) > 0 {
		s, other := a, b
		if len(b.frontier) < len(a.frontier) {
			s, other = b, a
		}
		edges, err := w.expand(ctx, s.frontier, all)
		if err != nil {
			return nil, err
		}
		var next, meet []string
		for _, e := range edges {
			for _, ends := range [][2]string{{e.From, e.To}, {e.To, e.From}} {
				u, v := ends[0], ends[1]
				if d, ok := s.dist[u]; !ok || d != s.depth {
					continue
				}
				if _, ok := s.dist[v]; ok {
					continue
				}
				s.dist[v], s.parent[v], s.via[v] = s.depth+1, u, e
				next = append(next, v)
				if _, ok := other.dist[v]; ok {
					meet = append(meet, v)
				}
			}
		}
		s.depth++
		s.frontier = next
		if !w.reach(len(a.dist) + len(b.dist) - len(meet)) {
			return nil, t.budgetErr("maxDepth", "ask for a smaller maxDepth")
		}
		if len(meet) > 0 {
			// Every meeting point of the first level that meets gives a shortest chain: take the first in key order.
			slices.Sort(meet)
			return w.chain(ctx, a, b, meet[0])
		}
	}
	return nil, nil
}

// chain joins the two half-chains at the meeting node and reads their documents.
func (w *walk) chain(ctx context.Context, a, b *side, meet string) (*Path, error) {
	keys := []string{meet}
	var edges []*Edge
	for k := meet; a.parent[k] != ""; k = a.parent[k] {
		keys = append([]string{a.parent[k]}, keys...)
		edges = append([]*Edge{a.via[k]}, edges...)
	}
	for k := meet; b.parent[k] != ""; k = b.parent[k] {
		keys = append(keys, b.parent[k])
		edges = append(edges, b.via[k])
	}
	if err := w.read(ctx, keys); err != nil {
		return nil, err
	}
	p := &Path{Length: len(edges), Edges: edges}
	for _, k := range keys {
		n, ok := w.docs[k]
		if !ok {
			// A reference to content that no longer exists: the chain is not real.
			return nil, nil
		}
		p.Nodes = append(p.Nodes, n)
	}
	return p, nil
}
