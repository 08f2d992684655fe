package graph_test

import (
	"testing"

	"coalitiongraph/graph"
)

// TestCostOfEditing checks that the editing fields are costed as the reads they make: a mutation as a write, an
// item's history as a connection, the change feed's nodes as one batched read per content type.
func TestCostOfEditing(t *testing.T) {
	cases := []struct {
		name, query   string
		values, reads int
	}{
		{"a content mutation counts as a write", `mutation { publishCoalition(id: "x", expectedVersion: 1) { coalition { id name } } }`, 1 + 1 + 2, graph.WriteReads},
		{"each mutation counts", `mutation { a: deleteStakeholder(id: "x", expectedVersion: 1) { deletedId } b: deleteStakeholder(id: "y", expectedVersion: 1) { deletedId } }`, 2 * 2, 2 * graph.WriteReads},
		// coalition 1, history 1 + 10 × (nodes 1 + version 1); two reads for each of the lookup and the history
		{"history is a connection", `{ coalition(slug: "x") { history(first: 10) { nodes { version } } } }`, 1 + 1 + 10*2, 2 + 2},
		{"history's default page", `{ coalition(slug: "x") { history { totalCount } } }`, 1 + 1 + 20*1, 2 + 2},
		// changes 1 + 100 (the default) × (nodes 1 + revision 1 + node 1 + __typename 1)
		{"the change feed reads its nodes by type", `{ changes { nodes { revision node { __typename } } } }`, 1 + 100*(1+1+2), 2 + 5},
		{"a smaller page of the feed", `{ changes(first: 10) { edges { cursor } } }`, 1 + 10*2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reads, _ := cost(t, c.query, nil)
			if want := c.values + graph.ReadCost*c.reads; got != want || reads != c.reads {
				t.Errorf("cost %d with %d reads, want %d with %d reads", got, reads, want, c.reads)
			}
		})
	}
}
