package loader

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Thing is a Go value of the test schema's type of the same name, as autobind binds them.
type Thing struct{}

// Other is a Go type that names no type of the schema.
type Other struct{}

// The prediction counts the fields the executor resolves under a value: every selected field of each object but
// __typename, through lists, nulls and abstract types.
func TestChildrenPrediction(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		interface Node { id: ID! }
		union Any = Thing
		type Thing implements Node { id: ID! name: String other: Thing list: [[Thing]] }
		type Query { node: Node any: Any things: [Thing] thing: Thing name: String }`})
	doc := gqlparser.MustLoadQuery(schema, `{
		things { __typename id name other { id } ... on Node { id } ... on Thing { list { id } } }
		node { __typename ... on Thing { id name } }
		any { ... on Node { id } ... on Thing { name } }
		thing { ... @skip(if: true) { id } name }
		name
	}`)
	b := NewBatching(nil)
	if err := b.Validate(&graphql.ExecutableSchemaMock{SchemaFunc: func() *ast.Schema { return schema }}); err != nil {
		t.Fatal(err)
	}
	oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}
	field := map[string]*ast.Field{}
	for _, s := range doc.Operations[0].SelectionSet {
		f := s.(*ast.Field)
		field[f.Name] = f
	}
	cases := []struct {
		name  string
		field string
		value any
		want  int
	}{
		{"list of objects with a nil element", "things", []*Thing{{}, nil, {}}, 2 * 4},
		{"empty list", "things", []Thing{}, 0},
		{"nil list", "things", []*Thing(nil), 0},
		{"interface holding a pointer", "node", &Thing{}, 2},
		{"interface holding a struct", "node", Thing{}, 2},
		{"interface holding nil", "node", (*Thing)(nil), 0},
		{"interface holding no schema type", "node", &Other{}, 0},
		{"union, fragments on the interface and the member", "any", &Thing{}, 2},
		{"skipped fragment", "thing", &Thing{}, 1},
		{"scalar", "name", "x", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := field[c.field]
			if got := b.children(oc, f.SelectionSet, f.Definition.Type, reflect.ValueOf(c.value)); got != c.want {
				t.Errorf("children = %d, want %d", got, c.want)
			}
		})
	}
	if got := b.fields(oc, doc.Operations[0].SelectionSet, "Query"); got != 5 {
		t.Errorf("root fields = %d, want 5", got)
	}
	// A list of lists: the nested list holds two things, each with one field (id).
	list := gqlparser.MustLoadQuery(schema, `{ thing { list { id } } }`).Operations[0].SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field)
	if got := b.children(oc, list.SelectionSet, list.Definition.Type, reflect.ValueOf([][]*Thing{{{}, nil}, nil, {{}}})); got != 2 {
		t.Errorf("children of a list of lists = %d, want 2", got)
	}
}

// Two fields that load while both are expected share one batch; a key loaded once is served from the cache; a
// key the fetch did not find is ErrNotFound; outside a counted operation a load goes out at once.
func TestSchedulerBatchesAField(t *testing.T) {
	s := newScheduler()
	var batches [][]string
	l := newMappedLoader(s, func(_ context.Context, keys []string) (map[string]int, error) {
		batches = append(batches, keys) // batches run one at a time here: the second waits for the first
		out := map[string]int{}
		for _, k := range keys {
			if k != "missing" {
				out[k] = len(k)
			}
		}
		return out, nil
	})
	s.begin(2, nil)
	var wg sync.WaitGroup
	got := make([]int, 2)
	errs := make([]error, 2)
	for i, key := range []string{"a", "missing"} {
		wg.Go(func() {
			tok := s.enter(nil, nil, nil)
			defer s.leave(tok, 0)
			got[i], errs[i] = l.Load(context.WithValue(context.Background(), tokenKey{}, tok), key)
		})
	}
	wg.Wait()
	if len(batches) != 1 || len(batches[0]) != 2 || got[0] != 1 || errs[0] != nil || !errors.Is(errs[1], ErrNotFound) {
		t.Fatalf("batches %v, values %v, errors %v", batches, got, errs)
	}
	if v, err := l.Load(context.Background(), "a"); v != 1 || err != nil || len(batches) != 1 {
		t.Errorf("cached load: %d, %v after %d batches", v, err, len(batches))
	}
	// Nothing is expected or running any more: a new key goes out at once.
	if vs, err := l.LoadFound(context.Background(), []string{"bb", "ccc"}); err != nil || vs[0] != 2 || vs[1] != 3 || len(batches) != 2 {
		t.Errorf("LoadFound: %v, %v after %d batches", vs, err, len(batches))
	}
}

// A misprediction (a field expected that never comes) does not hang the load: the watchdog forces the batch out
// and warns.
func TestSchedulerStall(t *testing.T) {
	s := newScheduler()
	s.stall = 10 * time.Millisecond
	var logs strings.Builder
	s.begin(2, slog.New(slog.NewTextHandler(&logs, nil)))
	l := newMappedLoader(s, func(_ context.Context, keys []string) (map[string]string, error) {
		return map[string]string{"a": "A"}, nil
	})
	tok := s.enter(nil, nil, nil)
	v, err := l.Load(context.WithValue(context.Background(), tokenKey{}, tok), "a")
	s.leave(tok, 0)
	if v != "A" || err != nil || !strings.Contains(logs.String(), StallWarning) {
		t.Errorf("load %q, %v; logs %q", v, err, logs.String())
	}
}

// An object's inline field holds the object's later fields back while its subtree resolves, the way the executor
// resolves a connection's nodes before its totalCount: a load under nodes goes out at once, without waiting for
// totalCount, and totalCount is expected again when the subtree is done.
func TestSchedulerInlineFieldHoldsItsSiblingsBack(t *testing.T) {
	s := newScheduler()
	s.stall = 10 * time.Millisecond // a misprediction shows as a warning, not as a slow test
	var logs strings.Builder
	s.begin(1, slog.New(slog.NewTextHandler(&logs, nil)))
	fetches := 0
	l := newMappedLoader(s, func(_ context.Context, keys []string) (map[string]string, error) {
		fetches++
		return map[string]string{"ie": "Ireland"}, nil
	})
	connection := &graphql.FieldContext{}
	nodes, totalCount := &graphql.FieldContext{Parent: connection}, &graphql.FieldContext{Parent: connection}
	country := &graphql.FieldContext{Parent: &graphql.FieldContext{Parent: nodes, Index: new(int)}}

	conn := s.enter(connection, nil, nil)
	s.leave(conn, 2) // nodes and totalCount
	n := s.enter(nodes, conn, func() int { return 2 })
	s.leave(n, 1) // one node, with its country
	c := s.enter(country, n, nil)
	v, err := l.Load(context.WithValue(context.Background(), tokenKey{}, c), "ie")
	s.leave(c, 0)
	if s.expected != 1 {
		t.Errorf("after the nodes' subtree: expected %d, want 1 (totalCount)", s.expected)
	}
	s.leave(s.enter(totalCount, conn, nil), 0)
	if v != "Ireland" || err != nil || fetches != 1 || strings.Contains(logs.String(), StallWarning) {
		t.Errorf("load %q, %v in %d fetches; logs %q", v, err, fetches, logs.String())
	}
	if s.expected != 0 || s.running != 0 {
		t.Errorf("at the end: expected %d, running %d", s.expected, s.running)
	}
}
