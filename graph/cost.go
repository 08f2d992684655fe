package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The cost model. An operation's cost is an upper bound of the objects and values it can return, the same
// order as GitHub's node limit: every field costs 1, aliases and __typename included, plus its selections times
// the number of times they are resolved (multiplier). Introspection is costed like any other field, with the
// schema's own list sizes. Arithmetic saturates at math.MaxInt64, so no nesting overflows into an accepted
// cost, and each fragment is costed once (memoised), so computing the cost is linear in the document.

// costing computes the cost of one operation.
type costing struct {
	limits *Limits
	vars   map[string]any
	memo   map[string]int
	// visited counts the selections costed: the work done, linear in the document.
	visited int
}

// Cost returns the cost of the operation in oc and the number of selections visited to compute it.
func (l *Limits) Cost(oc *graphql.OperationContext) (cost, visited int) {
	c := &costing{limits: l, vars: oc.Variables, memo: map[string]int{}}
	return c.set(oc.Operation.SelectionSet, ""), c.visited
}

// set costs a selection set whose objects are of type parent (empty when unknown). Fragments whose type
// condition names another type than parent apply to some objects only: selections are summed per type
// condition and the dearest condition is taken, not the sum of all of them.
func (c *costing) set(sel ast.SelectionSet, parent string) int {
	common := 0
	byType := map[string]int{}
	add := func(cond string, n int) {
		if cond == "" || cond == parent {
			common = satAdd(common, n)
		} else {
			byType[cond] = satAdd(byType[cond], n)
		}
	}
	for _, s := range sel {
		c.visited++
		switch s := s.(type) {
		case *ast.Field:
			add("", c.field(s))
		case *ast.InlineFragment:
			add(s.TypeCondition, c.set(s.SelectionSet, parent))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			n, ok := c.memo[s.Name]
			if !ok {
				c.memo[s.Name] = 0 // a cycle (refused by validation before this runs) costs nothing more
				n = c.set(s.Definition.SelectionSet, s.Definition.TypeCondition)
				c.memo[s.Name] = n
			}
			add(s.Definition.TypeCondition, n)
		}
	}
	dearest := 0
	for _, n := range byType {
		dearest = max(dearest, n)
	}
	return satAdd(common, dearest)
}

func (c *costing) field(f *ast.Field) int {
	if len(f.SelectionSet) == 0 {
		return 1
	}
	child := ""
	if f.Definition != nil {
		child = f.Definition.Type.Name()
	}
	return satAdd(1, satMul(c.multiplier(f), c.set(f.SelectionSet, child)))
}

// multiplier is how many times a field's selections are resolved at most.
func (c *costing) multiplier(f *ast.Field) int {
	d := f.Definition
	if d == nil {
		return 1
	}
	switch d.Type.Name() {
	case "Subgraph":
		return max(1, c.limits.NodeBudget)
	case "Path":
		return toInt(f.ArgumentMap(c.vars)["maxDepth"], 4) + 1
	}
	args := f.ArgumentMap(c.vars)
	if d.Arguments.ForName("ids") != nil {
		if ids, ok := args["ids"].([]any); ok {
			return max(1, len(ids))
		}
	}
	if d.Arguments.ForName("first") != nil {
		// A page is at most relay.MaxPageSize: a larger first is refused when the field runs, with its own error.
		for _, name := range []string{"first", "last"} {
			if n := toInt(args[name], 0); n > 0 {
				return min(n, relay.MaxPageSize)
			}
		}
		return relay.DefaultPageSize
	}
	if d.Type.Elem == nil || f.ObjectDefinition == nil {
		return 1
	}
	if n, ok := c.limits.listSizes[f.ObjectDefinition.Name+"."+f.Name]; ok {
		return n
	}
	if parent := f.ObjectDefinition.Name; strings.HasSuffix(parent, "Connection") || parent == "Subgraph" || parent == "Path" {
		return 1 // the lists of a page, a sub-graph or a path: the field that returned it counted their size
	}
	return relay.DefaultPageSize
}

// introspectionLists are the list fields of the introspection types, each with how to size it from the schema:
// the average length over the schema, so that a whole introspection costs about what it returns.
func introspectionLists(s *ast.Schema) map[string]int {
	var types, withFields, fields, args, enums, enumValues, inputs, inputFields, objects, interfaces, abstract, possible int
	for name, t := range s.Types {
		if strings.HasPrefix(name, "__") {
			continue
		}
		types++
		switch t.Kind {
		case ast.Object, ast.Interface:
			withFields++
			fields += len(t.Fields)
			for _, f := range t.Fields {
				args += len(f.Arguments)
			}
			objects++
			interfaces += len(t.Interfaces)
		case ast.Enum:
			enums++
			enumValues += len(t.EnumValues)
		case ast.InputObject:
			inputs++
			inputFields += len(t.Fields)
		}
		if t.IsAbstractType() {
			abstract++
			possible += len(s.GetPossibleTypes(t))
		}
	}
	directiveArgs := 0
	for _, d := range s.Directives {
		directiveArgs += len(d.Arguments)
	}
	avg := func(sum, n int) int {
		if n == 0 {
			return 1
		}
		return max(1, (sum+n-1)/n)
	}
	return map[string]int{
		"__Schema.types":       max(1, types),
		"__Schema.directives":  max(1, len(s.Directives)),
		"__Type.fields":        avg(fields, withFields),
		"__Type.interfaces":    avg(interfaces, objects),
		"__Type.possibleTypes": avg(possible, abstract),
		"__Type.enumValues":    avg(enumValues, enums),
		"__Type.inputFields":   avg(inputFields, inputs),
		"__Field.args":         avg(args, fields),
		"__Directive.args":     avg(directiveArgs, len(s.Directives)),
	}
}

func satAdd(a, b int) int {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// toInt reads an Int argument, given literally or through a variable; def when absent.
func toInt(v any, def int) int {
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
	return def
}

// MutateOperationContext implements graphql.OperationContextMutator: it refuses, before anything runs, an
// operation whose cost is over MaxCost, and records the cost of the others for the response and the log.
func (l *Limits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	cost, _ := l.Cost(oc)
	if l.Report != nil {
		l.Report(ctx, cost)
	}
	if cost > l.MaxCost {
		return limitErr(content.ECost, fmt.Sprintf("the query costs %s, more than the limit of %d: ask for smaller pages (first, last), fewer nested connections or fewer aliases", costText(cost), l.MaxCost),
			map[string]any{"cost": cost, "maxCost": l.MaxCost})
	}
	oc.Stats.SetExtension(costExtension, costReport{Requested: cost, Limit: l.MaxCost})
	return nil
}

func costText(n int) string {
	if n == math.MaxInt64 {
		return "more than 9.2 quintillion"
	}
	return fmt.Sprint(n)
}

const costExtension = "cost"

// costReport is what `extensions.cost` shows when the request asks for it.
type costReport struct {
	Requested int `json:"requestedQueryCost"`
	Limit     int `json:"maximumAvailable"`
}

// InterceptResponse implements graphql.ResponseInterceptor: an operation whose request carries the extension
// `"cost": true` gets its cost in the response's extensions.
func (l *Limits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	if asked, _ := oc.Extensions[costExtension].(bool); !asked {
		return resp
	}
	if r := oc.Stats.GetExtension(costExtension); r != nil {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions[costExtension] = r
	}
	return resp
}
