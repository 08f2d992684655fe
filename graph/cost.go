package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"coalitiongraph/internal/relay"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxCost bounds the work one operation may ask for: roughly the number of objects and fields it could return at
// most, the same order as GitHub's limit of 500,000 nodes. `coalitions(first: 100) { members(first: 100) { name } }`
// costs 100 × (1 + 100 × 2) = 20,100; three nested connections of 100 cost about two million.
const MaxCost = 500_000

// CostLimit rejects, before anything runs, an operation whose cost is over Max. A field costs 1 plus its
// selections; a connection multiplies its selections by its page size (first or last, 20 by default), and `nodes`
// by the number of ids. A sub-graph (neighbors, network) multiplies its selections by NodeBudget, the most nodes
// it can hold, and a path by the most nodes it can have (maxDepth + 1).
type CostLimit struct {
	Max        int
	NodeBudget int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = CostLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (CostLimit) ExtensionName() string { return "CostLimit" }

// Validate implements graphql.HandlerExtension.
func (CostLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (c CostLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := c.cost(oc, oc.Operation.SelectionSet); n > c.Max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the query costs %d, more than the limit of %d: ask for smaller pages or fewer nested connections", n, c.Max),
			Extensions: map[string]any{"code": "QUERY_TOO_COMPLEX", "cost": n, "maxCost": c.Max},
		}
	}
	return nil
}

func (c CostLimit) cost(oc *graphql.OperationContext, set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total += 1 + c.multiplier(oc, s)*c.cost(oc, s.SelectionSet)
		case *ast.InlineFragment:
			total += c.cost(oc, s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				total += c.cost(oc, s.Definition.SelectionSet)
			}
		}
	}
	return total
}

// multiplier is how many times a field's selections are resolved.
func (c CostLimit) multiplier(oc *graphql.OperationContext, f *ast.Field) int {
	if f.Definition != nil {
		switch f.Definition.Type.Name() {
		case "Subgraph":
			return max(1, c.NodeBudget)
		case "Path":
			return max(1, toInt(f.ArgumentMap(oc.Variables)["maxDepth"])+1)
		}
	}
	if f.Definition == nil || (f.Definition.Arguments.ForName("first") == nil && f.Definition.Arguments.ForName("ids") == nil) {
		return 1
	}
	args := f.ArgumentMap(oc.Variables)
	if ids, ok := args["ids"].([]any); ok {
		return max(1, len(ids))
	}
	for _, name := range []string{"first", "last"} {
		if n := toInt(args[name]); n > 0 {
			return n
		}
	}
	return relay.DefaultPageSize
}

// toInt reads an Int argument, given literally or through a variable.
func toInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case int:
		return n
	case float64:
		return int(n)
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}
