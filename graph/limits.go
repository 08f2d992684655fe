package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound one GraphQL operation. The shape of the document (tokens, fields, aliases, depth, directives,
// root fields, input values) is checked before gqlparser validates it, so that no validation rule ever runs on a
// document large enough to be slow; the cost is checked after validation, before anything runs. Each limit has
// its own error code (see LimitTable for defaults, settings and codes).
type Limits struct {
	MaxTokens     int
	MaxFields     int
	MaxAliases    int
	MaxDepth      int
	MaxDirectives int
	MaxRootFields int
	MaxInputDepth int
	MaxListLength int
	MaxCost       int
	// NodeBudget is the most nodes the graph traversals of one request may reach together; the cost of a
	// sub-graph is its selections times this.
	NodeBudget int
	// Report, when set, receives the cost of every validated operation (for the request log).
	Report func(ctx context.Context, cost int)
	// Checked tells whether a document was checked and validated before (the executor's query cache), so that
	// its shape is not checked twice.
	Checked func(ctx context.Context, query string) bool

	listSizes map[string]int
	// reading are the fields of content ("Type.field") that read the database through a loader.
	reading map[string]bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = &Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (*Limits) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension: it sizes the introspection lists from the schema, once.
func (l *Limits) Validate(es graphql.ExecutableSchema) error {
	l.listSizes = introspectionLists(es.Schema())
	l.reading = readingFields(es.Schema())
	return nil
}

// readingFields are the relations: the fields of a Node type that return content, a union or interface of it, or a
// page of it.
func readingFields(s *ast.Schema) map[string]bool {
	isNode := func(t *ast.Definition) bool { return slices.Contains(t.Interfaces, "Node") }
	out := map[string]bool{}
	for name, t := range s.Types {
		if t.Kind != ast.Object || !isNode(t) {
			continue
		}
		for _, f := range t.Fields {
			ft := s.Types[f.Type.Name()]
			if ft != nil && (ft.IsAbstractType() || ft.Kind == ast.Object && (isNode(ft) || strings.HasSuffix(ft.Name, "Connection"))) {
				out[name+"."+f.Name] = true
			}
		}
	}
	return out
}

// MutateOperationParameters implements graphql.OperationParameterMutator: the checks that run before parsing and
// validation. It must run after the persisted-query extension, which fills in the query.
func (l *Limits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	for name, v := range p.Variables {
		if err := l.input("$"+name, v, 1); err != nil {
			return err
		}
	}
	if p.Query == "" || (l.Checked != nil && l.Checked(ctx, p.Query)) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.MaxTokens)
	if err != nil {
		var g *gqlerror.Error
		if errors.As(err, &g) && strings.HasPrefix(g.Message, "exceeded token limit") {
			return limitErr(content.ETokens, fmt.Sprintf("the document has more than %d tokens: send a shorter query", l.MaxTokens), map[string]any{"maxTokens": l.MaxTokens})
		}
		return nil // a syntax error: the executor's parser reports it as GraphQL defines it
	}
	return l.document(doc)
}

// shape is what the document checks measure, counted as the document is written: a fragment is measured once.
type shape struct {
	l       *Limits
	fields  int
	aliases int
	err     *gqlerror.Error
	// depths and roots memoise each fragment's depth and root field count.
	depths map[string]int
	roots  map[string]int
	frags  map[string]*ast.FragmentDefinition
}

// document checks the shape of a parsed document against the limits.
func (l *Limits) document(doc *ast.QueryDocument) *gqlerror.Error {
	s := &shape{l: l, depths: map[string]int{}, roots: map[string]int{}, frags: map[string]*ast.FragmentDefinition{}}
	for _, f := range doc.Fragments {
		s.frags[f.Name] = f
	}
	for _, f := range doc.Fragments {
		s.walk(f.SelectionSet)
		s.directives(f.Directives)
	}
	for _, op := range doc.Operations {
		s.walk(op.SelectionSet)
		s.directives(op.Directives)
		for _, v := range op.VariableDefinitions {
			s.directives(v.Directives)
			if v.DefaultValue != nil && s.err == nil {
				s.err = l.literal("$"+v.Variable, v.DefaultValue, 1)
			}
		}
	}
	switch {
	case s.err != nil:
		return s.err
	case s.fields > l.MaxFields:
		return limitErr(content.EFields, fmt.Sprintf("the document selects %d fields, more than the limit of %d: ask for fewer fields", s.fields, l.MaxFields), map[string]any{"maxFields": l.MaxFields})
	case s.aliases > l.MaxAliases:
		return limitErr(content.EAliases, fmt.Sprintf("the document has %d aliases, more than the limit of %d: ask for fewer aliased fields", s.aliases, l.MaxAliases), map[string]any{"maxAliases": l.MaxAliases})
	}
	for _, op := range doc.Operations {
		if d := s.depth(op.SelectionSet); d > l.MaxDepth {
			return limitErr(content.EDepth, fmt.Sprintf("the operation nests fields %d deep, more than the limit of %d: ask for fewer nested levels", d, l.MaxDepth), map[string]any{"maxDepth": l.MaxDepth})
		}
		if n := s.rootFields(op.SelectionSet); n > l.MaxRootFields {
			return limitErr(content.ERootFields, fmt.Sprintf("the operation asks for %s root fields, more than the limit of %d: split it into several requests", costText(n), l.MaxRootFields), map[string]any{"maxRootFields": l.MaxRootFields})
		}
	}
	return nil
}

// walk counts the fields and aliases as written, and checks directives and argument values.
func (s *shape) walk(set ast.SelectionSet) {
	for _, sel := range set {
		if s.err != nil {
			return
		}
		switch x := sel.(type) {
		case *ast.Field:
			s.fields++
			if x.Alias != "" && x.Alias != x.Name {
				s.aliases++
			}
			s.directives(x.Directives)
			for _, a := range x.Arguments {
				if s.err == nil {
					s.err = s.l.literal(a.Name, a.Value, 1)
				}
			}
			s.walk(x.SelectionSet)
		case *ast.InlineFragment:
			s.directives(x.Directives)
			s.walk(x.SelectionSet)
		case *ast.FragmentSpread:
			s.directives(x.Directives)
		}
	}
}

func (s *shape) directives(list ast.DirectiveList) {
	if s.err == nil && len(list) > s.l.MaxDirectives {
		s.err = limitErr(content.EDirectives, fmt.Sprintf("a selection has %d directives, more than the limit of %d", len(list), s.l.MaxDirectives), map[string]any{"maxDirectives": s.l.MaxDirectives})
	}
	for _, d := range list {
		for _, a := range d.Arguments {
			if s.err == nil {
				s.err = s.l.literal(a.Name, a.Value, 1)
			}
		}
	}
}

// depth is the deepest nesting of fields under set, through fragments.
func (s *shape) depth(set ast.SelectionSet) int {
	return s.fold(set, s.depths, func(f *ast.Field) int { return 1 + s.depth(f.SelectionSet) }, func(a, b int) int { return max(a, b) })
}

// rootFields is the number of fields an operation's selection set expands to, through fragments.
func (s *shape) rootFields(set ast.SelectionSet) int {
	return s.fold(set, s.roots, func(f *ast.Field) int {
		if f.Name == "__typename" {
			return 0
		}
		return 1
	}, satAdd)
}

// fold measures a selection set through its fragments, each fragment measured once (memo): of measures a field,
// join combines two measures (max for a depth, a sum for a count). A fragment being measured counts 0 where it
// spreads itself (a cycle, which validation refuses afterwards).
func (s *shape) fold(set ast.SelectionSet, memo map[string]int, of func(*ast.Field) int, join func(a, b int) int) int {
	n := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			n = join(n, of(x))
		case *ast.InlineFragment:
			n = join(n, s.fold(x.SelectionSet, memo, of, join))
		case *ast.FragmentSpread:
			m, ok := memo[x.Name]
			if !ok {
				memo[x.Name] = 0
				if f := s.frags[x.Name]; f != nil {
					m = s.fold(f.SelectionSet, memo, of, join)
				}
				memo[x.Name] = m
			}
			n = join(n, m)
		}
	}
	return n
}

// literal checks the value of an argument (or a variable's default, "$name") written in the document: how deep
// its objects and lists nest and how long its lists are.
func (l *Limits) literal(where string, v *ast.Value, depth int) *gqlerror.Error {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case ast.ListValue, ast.ObjectValue:
		if err := l.nesting(where, depth, v.Kind == ast.ListValue, len(v.Children)); err != nil {
			return err
		}
		for _, c := range v.Children {
			if err := l.literal(where, c.Value, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// input checks a variable's value as decoded from JSON, like literal.
func (l *Limits) input(where string, v any, depth int) *gqlerror.Error {
	switch x := v.(type) {
	case []any:
		if err := l.nesting(where, depth, true, len(x)); err != nil {
			return err
		}
		for _, c := range x {
			if err := l.input(where, c, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		if err := l.nesting(where, depth, false, len(x)); err != nil {
			return err
		}
		for _, c := range x {
			if err := l.input(where, c, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// nesting checks one object or list of the input value of argument (or variable) where.
func (l *Limits) nesting(where string, depth int, list bool, n int) *gqlerror.Error {
	if depth > l.MaxInputDepth {
		return limitErr(content.EInputDepth, fmt.Sprintf("%s nests objects and lists more than %d deep: use a flatter filter (and, or and not take lists)", where, l.MaxInputDepth), map[string]any{"maxInputDepth": l.MaxInputDepth, "argument": where})
	}
	if list && n > l.MaxListLength {
		return limitErr(content.EListLength, fmt.Sprintf("%s has a list of %d values, more than the limit of %d: split the request", where, n, l.MaxListLength), map[string]any{"maxListLength": l.MaxListLength, "argument": where})
	}
	return nil
}

// limitErr is a request error of a limit: its code and the limit's value under extensions.
func limitErr(code, message string, ext map[string]any) *gqlerror.Error {
	ext["code"] = code
	return &gqlerror.Error{Message: message, Extensions: ext}
}
