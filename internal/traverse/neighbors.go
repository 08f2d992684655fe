package traverse

import (
	"context"
	"slices"

	"coalitiongraph/internal/content"
)

// Neighbors returns the content within depth hops of start (a type-qualified key), each node with its distance,
// and every edge between two of them. When types is not empty only content of those types is visited (the start
// is always part of the result). It costs one query to read the start, at most four per level, and at most six
// at the end (the memberships among the farthest nodes and the documents not read yet). The start missing is a
// NOT_FOUND error on "id"; more than the budget of nodes a NODE_BUDGET_EXCEEDED error on "depth".
func (t *Traverser) Neighbors(ctx context.Context, start string, depth int, types []content.TypeName) (*Graph, error) {
	w := t.newWalk(ctx)
	if err := w.read(ctx, []string{start}); err != nil {
		return nil, err
	}
	if _, ok := w.docs[start]; !ok {
		return nil, notFound("id", start)
	}
	allow := func(typ content.TypeName) bool { return len(types) == 0 || slices.Contains(types, typ) }
	dist := map[string]int{start: 0}
	frontier := []string{start}
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		edges, err := w.expand(ctx, frontier, allow)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, e := range edges {
			for _, k := range []string{e.From, e.To} {
				if _, ok := dist[k]; !ok {
					dist[k] = d
					next = append(next, k)
				}
			}
		}
		if !w.reach(len(dist)) {
			return nil, t.budgetErr("depth", "ask for a smaller depth, or narrow the types")
		}
		frontier = next
	}
	// The edges of the farthest nodes were not asked for: those among them are stored in their own documents,
	// read below, except memberships.
	stakeholders, coalitions := membershipEnds(slices.Values(frontier))
	keys := make([]string, 0, len(dist))
	for k := range dist {
		keys = append(keys, k)
	}
	err := parallel(
		func() error {
			ms, err := t.store.Memberships().Between(ctx, stakeholders, coalitions)
			for _, m := range ms {
				w.memberships[m.ID] = m
			}
			return err
		},
		func() error { return w.read(ctx, keys) },
	)
	if err != nil {
		return nil, err
	}
	return w.neighbourhood(start, dist), nil
}

// neighbourhood builds the graph of the nodes at the distances found. A node whose content is missing (a
// reference to deleted content) is left out, and the distances are recomputed without it.
func (w *walk) neighbourhood(start string, dist map[string]int) *Graph {
	present := map[string]bool{}
	for k := range dist {
		if _, ok := w.docs[k]; ok {
			present[k] = true
		}
	}
	edges := w.induced(present)
	if len(present) < len(dist) {
		dist = distances(start, edges)
	}
	g := &Graph{}
	keep := map[string]bool{}
	for k, d := range dist {
		if present[k] {
			keep[k] = true
			g.Nodes = append(g.Nodes, &Node{Node: w.docs[k], Depth: &d})
		}
	}
	for _, e := range edges {
		if keep[e.From] && keep[e.To] {
			g.Edges = append(g.Edges, e)
		}
	}
	sortNodes(g.Nodes)
	return g
}

// distances is the number of hops from start to every node the edges reach from it.
func distances(start string, edges []*Edge) map[string]int {
	adj := map[string][]string{}
	for _, e := range edges {
		adj[e.From] = append(adj[e.From], e.To)
		adj[e.To] = append(adj[e.To], e.From)
	}
	dist := map[string]int{start: 0}
	for queue := []string{start}; len(queue) > 0; queue = queue[1:] {
		for _, n := range adj[queue[0]] {
			if _, ok := dist[n]; !ok {
				dist[n] = dist[queue[0]] + 1
				queue = append(queue, n)
			}
		}
	}
	return dist
}
