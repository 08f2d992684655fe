package graph_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"coalitiongraph/graph"
	"coalitiongraph/graph/generated"
	"coalitiongraph/internal/apitest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
)

// cost validates query against the real schema and returns its cost, its database reads and the selections visited
// to compute it.
func cost(t *testing.T, query string, vars map[string]any) (int, int, int) {
	t.Helper()
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}})
	doc, errs := gqlparser.LoadQuery(es.Schema(), query)
	if len(errs) > 0 {
		t.Fatalf("invalid query: %v", errs)
	}
	l := &graph.Limits{NodeBudget: 2000, MaxCost: 500_000}
	if err := l.Validate(es); err != nil {
		t.Fatal(err)
	}
	return l.Cost(&graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: vars})
}

func TestCostOfKnownShapes(t *testing.T) {
	cases := []struct {
		name, query   string
		values, reads int
	}{
		// name 1; nodes 1+1; members 1+100×2; nodes 1+201; coalitions 1+100×202; two reads each for the root
		// field and the relation
		{"nested connections", `{ coalitions(first: 100) { nodes { members(first: 100) { nodes { name } } } } }`, 20_201, 4},
		{"a relation reads once, not once an item", `{ coalitions(first: 100) { nodes { country { name } } } }`, 1 + 100*(1+2), 4},
		{"aliases each count", `{ a: coalitions(first: 10) { totalCount } b: coalitions(first: 10) { totalCount } }`, 2 * (1 + 10), 4},
		{"default page size", `{ coalitions { nodes { name } } }`, 1 + 20*2, 2},
		{"a page over the maximum counts as the maximum", `{ coalitions(first: 1000) { nodes { name } } }`, 1 + 100*2, 2},
		{"nodes by ids", `{ nodes(ids: ["a", "b", "c"]) { id } }`, 1 + 3, 2},
		// fragments on other types than the parent apply to some objects only: the dearest counts, not the sum
		{"type conditions take the dearest", `{ node(id: "x") { id ... on Coalition { name slug } ... on Stakeholder { name } } }`, 1 + 1 + 2, 2},
		{"fragments on the same type add up", `{ coalitions(first: 5) { nodes { ...A ...B } } } fragment A on Coalition { name slug } fragment B on Coalition { status }`, 1 + 5*(1+3), 2},
		{"a sub-graph counts its node budget", `{ network(filter: {}) { nodes { depth } } }`, 1 + 2000*(1+1), 6},
		{"a traversal counts its levels' reads", `{ neighbors(id: "x", depth: 3) { nodes { depth } } }`, 1 + 2000*(1+1), 4*3 + 2},
		// as with page sizes, a depth past the maximum is refused by the field itself, naming the argument
		{"a traversal deeper than allowed counts as the deepest", `{ neighbors(id: "x", depth: 1000) { nodes { depth } } }`, 1 + 2000*(1+1), 4*3 + 2},
		{"introspection reads nothing", `{ __type(name: "Coalition") { name } }`, 2, 0},
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

// Fragments that each spread the next twice double the cost with every level, but the work of costing them
// grows with the document: each fragment is costed once.
func TestCostIsLinearInTheDocument(t *testing.T) {
	for _, levels := range []int{10, 25, 60} {
		var b strings.Builder
		b.WriteString("query { coalitions { nodes { ...F0 } } }\n")
		for i := range levels {
			fmt.Fprintf(&b, "fragment F%d on Coalition { name ...F%d ...F%d }\n", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "fragment F%d on Coalition { slug }\n", levels)
		n, _, visited := cost(t, b.String(), nil)
		selections := 3 + 3*levels + 1 // as written: coalitions, nodes, the spread; three a fragment; the last field
		if visited > selections {
			t.Errorf("%d levels: %d selections visited, more than the %d written", levels, visited, selections)
		}
		if levels < 60 && n < 1<<levels {
			t.Errorf("%d levels: cost %d, less than the 2^%d fields it expands to", levels, n, levels)
		}
		if levels == 60 && n != math.MaxInt64 {
			t.Errorf("60 levels: cost %d, want the saturated maximum", n)
		}
	}
}

// Nesting past 64 bits saturates instead of wrapping around to a small cost.
func TestCostSaturates(t *testing.T) {
	q := "{ stakeholders(first: 100) { nodes { " + strings.Repeat("coalitions(first: 100) { nodes { members(first: 100) { nodes { ", 6) +
		"name" + strings.Repeat(" } } } }", 6) + " } } }"
	if n, _, _ := cost(t, q, nil); n != math.MaxInt64 {
		t.Errorf("cost %d, want the saturated maximum %d", n, int64(math.MaxInt64))
	}
}

// Introspection is costed with the schema's own list sizes: one full introspection is accepted, a few of them
// in one document are not.
func TestIntrospectionIsCounted(t *testing.T) {
	n, _, _ := cost(t, apitest.IntrospectionQuery, nil)
	if n < 5_000 || n > 500_000/3 {
		t.Errorf("a full introspection costs %d; want it counted (≥ 5,000) and several of them over the limit", n)
	}
}

// The limits' own work on every request that is not in the query cache: the shape checks on a parse of the
// document, then the cost of the validated operation.
func BenchmarkLimits(b *testing.B) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}})
	l := &graph.Limits{MaxTokens: 5000, MaxFields: 1000, MaxAliases: 50, MaxDepth: 20, MaxDirectives: 5, MaxRootFields: 30,
		MaxInputDepth: 10, MaxListLength: 100, MaxCost: 500_000, NodeBudget: 2000}
	if err := l.Validate(es); err != nil {
		b.Fatal(err)
	}
	doc, errs := gqlparser.LoadQuery(es.Schema(), apitest.IntrospectionQuery)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}
	b.Run("shape", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := l.MutateOperationParameters(b.Context(), &graphql.RawParams{Query: apitest.IntrospectionQuery}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cost", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.Cost(oc)
		}
	})
}
