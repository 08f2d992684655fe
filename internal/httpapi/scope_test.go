package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// The read gate: every read of the store is narrowed to the request's read scope. These tests walk the schema by
// introspection, so that a root field or a relation added later is covered without anyone listing it.

// typeRef is an introspected type reference.
type typeRef struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	OfType *typeRef `json:"ofType"`
}

// named is the named type under the list and non-null wrappers.
func (r *typeRef) named() *typeRef {
	for r.OfType != nil {
		r = r.OfType
	}
	return r
}

type schemaField struct {
	Name string `json:"name"`
	Args []struct {
		Name string  `json:"name"`
		Type typeRef `json:"type"`
	} `json:"args"`
	Type typeRef `json:"type"`
}

type schemaType struct {
	Name          string        `json:"name"`
	Kind          string        `json:"kind"`
	Fields        []schemaField `json:"fields"`
	Interfaces    []struct{ Name string }
	PossibleTypes []struct{ Name string }
	EnumValues    []struct{ Name string }
}

type schemaInfo struct {
	query string
	types map[string]schemaType
}

func introspect(t *testing.T, api *apitest.API) schemaInfo {
	t.Helper()
	var out struct {
		Schema struct {
			QueryType struct{ Name string } `json:"queryType"`
			Types     []schemaType          `json:"types"`
		} `json:"__schema"`
	}
	ref := "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
	api.Must(t, `{ __schema { queryType { name } types { name kind interfaces { name } possibleTypes { name } enumValues { name }
		fields { name args { name type { `+ref+` } } type { `+ref+` } } } } }`, nil, &out)
	s := schemaInfo{query: out.Schema.QueryType.Name, types: map[string]schemaType{}}
	for _, ty := range out.Schema.Types {
		s.types[ty.Name] = ty
	}
	return s
}

// selection selects every field of the named type that takes no required argument, objects to the given depth,
// so that an answer shows whatever the store gave.
func (s schemaInfo) selection(name string, depth int) string {
	ty := s.types[name]
	parts := []string{"__typename"}
	var add func(ty schemaType)
	add = func(ty schemaType) {
		for _, f := range ty.Fields {
			if required(f) {
				continue
			}
			switch inner := f.Type.named(); inner.Kind {
			case "SCALAR", "ENUM":
				parts = append(parts, f.Name)
			case "OBJECT", "INTERFACE", "UNION":
				if depth > 0 {
					parts = append(parts, f.Name+" "+s.selection(inner.Name, depth-1))
				}
			}
		}
	}
	switch ty.Kind {
	case "OBJECT":
		add(ty)
	case "INTERFACE", "UNION":
		for _, p := range ty.PossibleTypes {
			parts = append(parts, "... on "+p.Name+" { id }")
		}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// required tells whether an anonymous request cannot select f as it is: f takes a required argument, or needs a
// key (an item's history, which shows its drafts: UNAUTHENTICATED without a PREVIEW key).
func required(f schemaField) bool {
	if f.Name == "history" {
		return true
	}
	return slices.ContainsFunc(f.Args, func(a struct {
		Name string  `json:"name"`
		Type typeRef `json:"type"`
	}) bool {
		return a.Type.Kind == "NON_NULL"
	})
}

// scoped makes every request to api run under the scope *scope holds.
func scoped(api *apitest.API, scope *atomic.Pointer[content.Scope]) {
	next := api.Server.Config.Handler
	api.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(content.WithScope(r.Context(), *scope.Load())))
	})
}

// answer is what a response shows: its data and each error's path and code.
func answer(r apitest.Response) string {
	var errs []string
	for _, e := range r.Errors {
		errs = append(errs, fmt.Sprint(e.Path, " ", e.Code()))
	}
	slices.Sort(errs)
	return string(r.Data) + " " + strings.Join(errs, "; ")
}

// A store whose scope sees nothing answers every root field of the schema exactly as an empty store does; the
// same store under the published scope answers differently.
func TestEveryRootFieldReadsThroughTheGate(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api, empty := apitest.New(t, d), apitest.New(t, nil)
	var scope atomic.Pointer[content.Scope]
	scope.Store(&content.ScopePublished)
	scoped(api, &scope)
	s := introspect(t, empty)

	queries := s.rootQueries(t, api)
	differ := 0
	for _, query := range queries {
		want := answer(empty.Query(query, nil))
		scope.Store(scopePtr(content.ScopeOnly()))
		got := answer(api.Query(query, nil))
		scope.Store(&content.ScopePublished)
		published := answer(api.Query(query, nil))
		if got != want {
			t.Errorf("%s under a scope that sees nothing:\n got %.600s\nwant %.600s", query, got, want)
		}
		if published != want {
			differ++
		} else {
			t.Logf("%s: the published store answers as an empty one (%.200s)", query, published)
		}
	}
	if differ < len(queries)*3/4 {
		t.Errorf("only %d of %d root fields answer differently over the seed than over an empty store: the walk proves little", differ, len(queries))
	}
}

// A store whose scope sees one item finds that item, and every relation of the item empty: walked over every
// field of every node type that returns objects.
func TestEveryRelationReadsThroughTheGate(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	var scope atomic.Pointer[content.Scope]
	scope.Store(&content.ScopePublished)
	scoped(api, &scope)
	s := introspect(t, api)

	checked := 0
	for _, ty := range s.types {
		if ty.Kind != "OBJECT" || !slices.ContainsFunc(ty.Interfaces, func(i struct{ Name string }) bool { return i.Name == "Node" }) {
			continue
		}
		// an item of the type, with relations to show under the published scope
		var list struct{ Nodes []struct{ ID string } }
		var out map[string]json.RawMessage
		field := strings.ToLower(ty.Name[:1]) + ty.Name[1:] + "s"
		if ty.Name == "Country" {
			field = "countries"
		}
		api.Must(t, `{ `+field+`(first: 1) { nodes { id } } }`, nil, &out)
		if err := json.Unmarshal(out[field], &list); err != nil || len(list.Nodes) == 0 {
			t.Fatalf("%s: no item to start from (%s)", ty.Name, out[field])
		}
		id := list.Nodes[0].ID
		key, _ := base64.RawURLEncoding.DecodeString(id)
		scope.Store(scopePtr(content.ScopeOnly(string(key))))
		var self struct{ Node *struct{ ID string } }
		api.Must(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &self)
		if self.Node == nil || self.Node.ID != id {
			t.Fatalf("%s: the scope that sees %s does not find it", ty.Name, key)
		}
		for f, query := range s.relations(ty, 2) {
			inner := f.Type.named()
			checked++
			r := api.Query(query, map[string]any{"id": id})
			var data struct{ Node map[string]json.RawMessage }
			_ = json.Unmarshal(r.Data, &data)
			got := string(data.Node[f.Name])
			switch {
			case strings.HasSuffix(inner.Name, "Connection") && len(r.Errors) == 0:
				var conn struct {
					Edges      []json.RawMessage
					TotalCount *int
				}
				if err := json.Unmarshal(data.Node[f.Name], &conn); err != nil || len(conn.Edges) > 0 || (conn.TotalCount != nil && *conn.TotalCount != 0) {
					t.Errorf("%s.%s: got %.300s, want an empty connection", ty.Name, f.Name, got)
				}
			case f.Type.Kind == "NON_NULL" && f.Type.OfType.Kind == "OBJECT":
				// a required object the scope hides is missing: NOT_FOUND, and the item null
				if len(r.Errors) != 1 || r.Errors[0].Code() != content.ENotFound || data.Node != nil {
					t.Errorf("%s.%s: got %s %v, want NOT_FOUND", ty.Name, f.Name, r.Data, r.Errors)
				}
			case len(r.Errors) > 0:
				if r.Errors[0].Code() != content.ENotFound {
					t.Errorf("%s.%s: %v", ty.Name, f.Name, r.Errors)
				}
			case got != "null" && got != "[]":
				t.Errorf("%s.%s: got %.300s, want nothing", ty.Name, f.Name, got)
			}
		}
		scope.Store(&content.ScopePublished)
	}
	if checked < 20 {
		t.Errorf("only %d relations checked: the walk found too few to mean anything", checked)
	}
}

// rootQueries are a query of every root field of the schema, with arguments naming items api has (the first
// of each content type, a coalition and its first member), selecting every field three levels deep.
func (s schemaInfo) rootQueries(t *testing.T, api *apitest.API) map[string]string {
	t.Helper()
	// an item of each content type, to name in arguments
	sample := map[string]struct{ ID, Slug string }{}
	for _, list := range []string{"coalitions", "stakeholders", "initiatives", "toolkitSections", "blogPosts"} {
		var out map[string]struct {
			Nodes []struct {
				Typename string `json:"__typename"`
				ID, Slug string
			}
		}
		api.Must(t, `{ `+list+`(first: 1) { nodes { __typename id slug } } }`, nil, &out)
		n := out[list].Nodes[0]
		sample[n.Typename] = struct{ ID, Slug string }{n.ID, n.Slug}
	}
	var member struct {
		Coalitions struct {
			Nodes []struct {
				ID      string
				Members struct{ Nodes []struct{ ID string } }
			}
		}
	}
	api.Must(t, `{ coalitions(first: 1) { nodes { id members(first: 1) { nodes { id } } } } }`, nil, &member)
	coalition, stakeholder := member.Coalitions.Nodes[0].ID, member.Coalitions.Nodes[0].Members.Nodes[0].ID
	args := func(f schemaField) string {
		own := sample[f.Type.named().Name]
		var out []string
		for _, a := range f.Args {
			var v any
			switch a.Name {
			case "id":
				v = own.ID
				if v == "" {
					v = coalition
				}
			case "slug":
				if own.Slug == "" {
					continue
				}
				v = own.Slug
			case "code":
				if f.Args[0].Name == "id" && own.ID != "" {
					continue
				}
				v = "IE"
			case "ids":
				v = []string{coalition, stakeholder}
			case "from":
				v = coalition
			case "to":
				v = stakeholder
			case "query":
				v = "digital"
			default:
				if inner := s.types[a.Type.named().Name]; a.Type.Kind == "NON_NULL" && inner.Kind == "ENUM" {
					// the first value, alone or as a list of one
					v = inner.EnumValues[0].Name
					raw := v.(string)
					if a.Type.OfType.Kind == "LIST" {
						raw = "[" + raw + "]"
					}
					out = append(out, a.Name+": "+raw)
					continue
				}
				if inner := s.types[a.Type.named().Name]; a.Type.Kind == "NON_NULL" && inner.Kind == "INPUT_OBJECT" {
					out = append(out, a.Name+": {}")
					continue
				}
				if a.Type.Kind == "NON_NULL" {
					t.Fatalf("%s(%s:): the test does not know a value for this required argument", f.Name, a.Name)
				}
				continue
			}
			raw, _ := json.Marshal(v)
			out = append(out, a.Name+": "+string(raw))
		}
		if len(out) == 0 {
			return ""
		}
		return "(" + strings.Join(out, ", ") + ")"
	}
	// exactly one of id and slug (or code): keep the slug and drop the id for fields that take both
	queries := map[string]string{}
	for _, f := range s.types[s.query].Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		a := args(f)
		if strings.Contains(a, "slug:") || (strings.Contains(a, "code:") && strings.Contains(a, "id:")) {
			a = "(" + strings.SplitN(a, ", ", 2)[1]
		}
		query := "{ " + f.Name + a + " " + s.selection(f.Type.named().Name, 3) + " }"
		if f.Type.named().Kind == "SCALAR" {
			query = "{ " + f.Name + a + " }"
		}
		queries[f.Name] = query
	}
	return queries
}

func scopePtr(s content.Scope) *content.Scope { return &s }
