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

// The cost model. An operation's cost bounds the work it asks for, in two parts. The values: an upper bound of the
// objects and values it can return, the same order as GitHub's node limit: every field costs 1, aliases and
// __typename included, plus its selections times the number of times they are resolved (multiplier).
// Introspection is costed like any other field, with the schema's own list sizes. The reads: every field that
// reads the database on its own (root fields, relations, traversals) costs ReadCost for each read it can issue
// (reads), counted once per field as written, not per item, since a relation is one batched read per level.
// Arithmetic saturates at math.MaxInt64, so no nesting overflows into an accepted cost, and each fragment is
// costed once (memoised), so computing the cost is linear in the document.

// ReadCost is what one database read adds to an operation's cost: on the embedded store a read scans a whole
// collection, about as much work as returning a thousand values.
const ReadCost = 1000

// WriteReads is what one mutation field counts as, in reads: a write reads the item and what it refers to,
// checks its unique values, writes it, its history and the change feed, and publishing copies its relations.
// Mutations run one after the other, so their cost is what an operation of many of them holds the store for.
const WriteReads = 10

// measure is the cost of a selection: the values it can return and the database reads it can issue.
type measure struct{ values, reads int }

func (m measure) plus(o measure) measure {
	return measure{satAdd(m.values, o.values), satAdd(m.reads, o.reads)}
}

// total is the cost of a measure.
func (m measure) total() int { return satAdd(m.values, satMul(ReadCost, m.reads)) }

// costing computes the cost of one operation.
type costing struct {
	limits *Limits
	vars   map[string]any
	memo   map[string]measure
	// mutation tells whether the operation is a mutation, whose root fields write.
	mutation bool
	// visited counts the selections costed: the work done, linear in the document.
	visited int
}

// Cost returns the cost of the operation in oc, the database reads it counts, and the number of selections
// visited to compute it.
func (l *Limits) Cost(oc *graphql.OperationContext) (cost, reads, visited int) {
	c := &costing{limits: l, vars: oc.Variables, memo: map[string]measure{}, mutation: oc.Operation.Operation == ast.Mutation}
	m := c.set(oc.Operation.SelectionSet, "", true)
	return m.total(), m.reads, c.visited
}

// set costs a selection set whose objects are of type parent (empty when unknown; root: the operation's own).
// Fragments whose type condition names another type than parent apply to some objects only: selections are
// summed per type condition and the dearest condition is taken, not the sum of all of them.
func (c *costing) set(sel ast.SelectionSet, parent string, root bool) measure {
	var common measure
	byType := map[string]measure{}
	add := func(cond string, m measure) {
		if cond == "" || cond == parent {
			common = common.plus(m)
		} else {
			byType[cond] = byType[cond].plus(m)
		}
	}
	for _, s := range sel {
		c.visited++
		switch s := s.(type) {
		case *ast.Field:
			add("", c.field(s, root))
		case *ast.InlineFragment:
			add(s.TypeCondition, c.set(s.SelectionSet, parent, root))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			m, ok := c.memo[s.Name]
			if !ok {
				c.memo[s.Name] = measure{} // a cycle (refused by validation before this runs) costs nothing more
				m = c.set(s.Definition.SelectionSet, s.Definition.TypeCondition, root)
				c.memo[s.Name] = m
			}
			add(s.Definition.TypeCondition, m)
		}
	}
	var dearest measure
	for _, m := range byType {
		dearest = measure{max(dearest.values, m.values), max(dearest.reads, m.reads)}
	}
	return common.plus(dearest)
}

func (c *costing) field(f *ast.Field, root bool) measure {
	own := measure{values: 1, reads: c.reads(f, root)}
	if len(f.SelectionSet) == 0 || f.Definition == nil {
		return own
	}
	sub := c.set(f.SelectionSet, f.Definition.Type.Name(), false)
	return own.plus(measure{values: satMul(c.multiplier(f), sub.values), reads: sub.reads})
}

// reads is how many database reads a field issues on its own, at most: every root field but introspection (a
// mutation's counts WriteReads); on content, every field that returns content or a page of it (a relation,
// through a loader: one batched read per level, two for the memberships).
func (c *costing) reads(f *ast.Field, root bool) int {
	d := f.Definition
	if d == nil || strings.HasPrefix(f.Name, "__") {
		return 0
	}
	switch {
	case root && c.mutation:
		return WriteReads
	case root && d.Type.Name() == "Subgraph" && f.Name == "neighbors":
		return 4*depthArg(f, c.vars, "depth", 1, MaxNeighborsDepth) + 2 // the start, four a level, the last level's memberships and documents
	case root && d.Type.Name() == "Path":
		return 4*depthArg(f, c.vars, "maxDepth", 4, MaxPathDepth) + 2
	case root && d.Type.Name() == "Subgraph":
		return len(content.ContentTypes) + 1 // each type, then the memberships among them
	case root && f.Name == "search":
		return 2 * len(content.ContentTypes) // the matches and the documents of each type
	case root:
		return 2 // a page and its count, or a lookup
	case c.limits.reading[f.ObjectDefinition.Name+"."+f.Name]:
		return 2
	case f.ObjectDefinition.Name == "Change" && f.Name == "node":
		// the change feed's items, through the node loaders: one batched read for each type on the page
		return len(content.ContentTypes)
	}
	return 0
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
		return depthArg(f, c.vars, "maxDepth", 4, MaxPathDepth) + 1
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

// depthArg reads a traversal's depth argument, at most hi: a deeper one is refused when the field runs, with its
// own error naming the argument.
func depthArg(f *ast.Field, vars map[string]any, name string, def, hi int) int {
	return min(max(toInt(f.ArgumentMap(vars)[name], def), 1), hi)
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
	cost, reads, _ := l.Cost(oc)
	if l.Report != nil {
		l.Report(ctx, cost)
	}
	if cost > l.MaxCost {
		return limitErr(content.ECost, fmt.Sprintf("the query costs %s (%s of it for %s database reads), more than the limit of %d: ask for smaller pages (first, last), fewer nested connections, fewer aliases or shallower traversals",
			costText(cost), costText(satMul(ReadCost, reads)), costText(reads), l.MaxCost),
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
