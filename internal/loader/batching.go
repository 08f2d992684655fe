package loader

import (
	"context"
	"log/slog"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Batching is the executor extension that tells the request's loaders when to fetch: when every field the
// operation will resolve has either finished or is waiting for a load. It predicts the fields still to come, the
// way graphql-java's field level tracking does: the executor resolves a field's children only after the field's
// middleware returned, in other goroutines, so a count of running fields alone would reach zero between a parent
// and its children and send a level out after its first field.
//
// At the start of a query it expects the root fields; when a field's resolver returns, it expects the fields the
// executor will resolve under the value (one per selected field of each object in it). A field entering its
// middleware stops being expected and runs; a load stops it running until its batch is fetched. Mutations run
// their root fields one after the other, so each is expected as it starts.
//
// The executor resolves an object's fields without a resolver inline, one after another and each with its whole
// subtree, and its resolvers only after them. So while such a field's subtree is being resolved (a connection's
// nodes, loading each node's relations), the object's other fields (pageInfo, totalCount) cannot come: they are
// not expected again until that subtree is done, else its loads would wait for them until the stall watchdog.
//
// Install it with Use on the server or executor, and wrap the error presenter with Presenter: a field whose
// arguments fail never enters its middleware, and its error is how Batching learns it is not coming.
type Batching struct {
	logger *slog.Logger
	// kinds is the kind of every named type; implementors the type conditions each object type satisfies (itself,
	// its interfaces, the unions holding it), as the generated code passes them to CollectFields; members the
	// object types of each interface and union.
	kinds        map[string]ast.DefinitionKind
	implementors map[string][]string
	members      map[string]map[string]bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.RootFieldInterceptor
	graphql.FieldInterceptor
} = (*Batching)(nil)

// NewBatching returns the extension; it logs StallWarning to logger (nil: nowhere) when it had to force batches out.
func NewBatching(logger *slog.Logger) *Batching {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Batching{logger: logger}
}

// ExtensionName implements graphql.HandlerExtension.
func (*Batching) ExtensionName() string { return "LoaderBatching" }

// Validate implements graphql.HandlerExtension: it builds the type tables once from the schema.
func (b *Batching) Validate(es graphql.ExecutableSchema) error {
	schema := es.Schema()
	b.kinds = map[string]ast.DefinitionKind{}
	b.implementors = map[string][]string{}
	b.members = map[string]map[string]bool{}
	for name, def := range schema.Types {
		b.kinds[name] = def.Kind
		if def.Kind == ast.Object {
			b.implementors[name] = append([]string{name}, b.implementors[name]...)
		}
		if def.Kind != ast.Interface && def.Kind != ast.Union {
			continue
		}
		b.members[name] = map[string]bool{}
		for _, p := range schema.GetPossibleTypes(def) {
			b.members[name][p.Name] = true
			b.implementors[p.Name] = append(b.implementors[p.Name], name)
		}
	}
	return nil
}

// InterceptOperation implements graphql.OperationInterceptor: a query expects its root fields.
func (b *Batching) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	s := schedulerOf(ctx)
	oc := graphql.GetOperationContext(ctx)
	if s != nil && oc.Operation != nil {
		switch oc.Operation.Operation {
		case ast.Query:
			s.begin(b.fields(oc, oc.Operation.SelectionSet, "Query"), b.logger)
		case ast.Mutation:
			s.begin(0, b.logger)
		}
	}
	return next(ctx)
}

// InterceptRootField implements graphql.RootFieldInterceptor: a mutation's root field is expected as it starts.
func (b *Batching) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if s := schedulerOf(ctx); s != nil && graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
		s.expect(1)
	}
	return next(ctx)
}

// InterceptField implements graphql.FieldInterceptor: the field runs; when its resolver returns, its children are
// expected.
func (b *Batching) InterceptField(ctx context.Context, next graphql.Resolver) (res any, err error) {
	s := schedulerOf(ctx)
	if s == nil {
		return next(ctx)
	}
	fc := graphql.GetFieldContext(ctx)
	parent := tokenOf(ctx) // the children's ctx is the one the parent's resolver saw
	var size func() int
	// A field without a resolver is resolved inline, and with a selection its subtree may load: the object's
	// other fields wait for it. Fields without a selection never wait (no context, no loads), so they hold
	// nothing back. (A method taking a context is resolved concurrently, but the field context does not tell;
	// counted inline it can only send a batch out early, never stall one.)
	if fc != nil && !fc.IsResolver && len(fc.Field.Selections) > 0 {
		size = func() int {
			oc := graphql.GetOperationContext(ctx)
			sel := oc.Operation.SelectionSet
			if parent != nil && parent.fc != nil {
				sel = parent.fc.Field.Selections
			}
			return b.fields(oc, sel, fc.Object)
		}
	}
	tok := s.enter(fc, parent, size)
	if tok == nil {
		return next(ctx)
	}
	children := 0
	defer func() { s.leave(tok, children) }() // also when the resolver panics: then nothing is marshalled
	// The token marks the ctx the resolver, its loads and the field's children see.
	res, err = next(context.WithValue(ctx, tokenKey{}, tok))
	if err == nil && res != nil && fc != nil && fc.Field.Field != nil && fc.Field.Definition != nil {
		children = b.children(graphql.GetOperationContext(ctx), fc.Field.Selections, fc.Field.Definition.Type, reflect.ValueOf(res))
	}
	return res, err
}

// Presenter wraps the error presenter: an error reported for a field that never entered its middleware (its
// arguments failed after validation) means it will not come, so it is no longer expected.
func (b *Batching) Presenter(next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if s := schedulerOf(ctx); s != nil {
			fc := graphql.GetFieldContext(ctx)
			// An index context (a list element) or the operation's own context is no field of its own; the token
			// is of the innermost field that entered.
			if tok := tokenOf(ctx); fc != nil && fc.Index == nil && fc.Field.Field != nil && (tok == nil || tok.fc != fc) {
				s.skip(fc, tok)
			}
		}
		return next(ctx, err)
	}
}

// children is how many fields the executor resolves under v, a value of GraphQL type t with selections sel:
// nothing under null or a leaf, the sum over a list's elements, the collected fields of an object (of the
// object type of the Go value, for an interface or union).
func (b *Batching) children(oc *graphql.OperationContext, sel ast.SelectionSet, t *ast.Type, v reflect.Value) int {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if !v.IsValid() || len(sel) == 0 {
		return 0
	}
	if t.Elem != nil {
		if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
			return 0
		}
		n := 0
		for i := range v.Len() {
			n += b.children(oc, sel, t.Elem, v.Index(i))
		}
		return n
	}
	switch b.kinds[t.NamedType] {
	case ast.Object:
		return b.fields(oc, sel, t.NamedType)
	case ast.Interface, ast.Union:
		// Domain types bind by name (autobind): the Go type's name is the GraphQL object type's.
		if name := v.Type().Name(); b.members[t.NamedType][name] {
			return b.fields(oc, sel, name)
		}
		b.logger.Warn("loader: no object type of the schema is named after a value of an abstract type; its fields are not predicted",
			"type", t.NamedType, "value", v.Type().String())
	}
	return 0
}

// fields is how many fields of sel the executor resolves on an object of type object: every collected field but
// __typename, which it writes without resolving.
func (b *Batching) fields(oc *graphql.OperationContext, sel ast.SelectionSet, object string) int {
	n := 0
	for _, f := range graphql.CollectFields(oc, sel, b.implementors[object]) {
		if f.Name != "__typename" {
			n++
		}
	}
	return n
}
