package ide_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"

	"coalitiongraph/graph"
	"coalitiongraph/graph/generated"
	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/ide"
	"coalitiongraph/internal/seed"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Every example query of the IDE is valid against the service's schema and runs on the seed content without
// errors, and each of its top-level fields finds something. The editing example, which needs a key and writes, is
// TestEditExample's.
func TestExamples(t *testing.T) {
	examples, err := ide.Examples()
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 8 {
		t.Fatalf("%d examples, want the 8 the IDE promises", len(examples))
	}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	for _, ex := range examples {
		if ex.Headers != "" {
			continue
		}
		t.Run(ex.Name, func(t *testing.T) {
			if _, errs := gqlparser.LoadQuery(schema, ex.Query); len(errs) > 0 {
				t.Fatalf("not valid against the schema: %v", errs)
			}
			var vars map[string]any
			if ex.Variables != "" {
				if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
					t.Fatal(err)
				}
			}
			var data map[string]json.RawMessage
			api.Must(t, ex.Query, vars, &data)
			for name, raw := range data {
				var field map[string]any
				if err := json.Unmarshal(raw, &field); err != nil || field == nil {
					t.Errorf("%s is %s", name, raw)
					continue
				}
				for _, count := range []string{"totalCount", "count", "length"} {
					if n, ok := field[count]; ok && n.(float64) == 0 {
						t.Errorf("%s finds nothing: %.300s", name, raw)
					}
				}
			}
		})
	}
}

// The path example links two stakeholders of different coalitions by their stable seed IDs.
func TestPathExampleConnectsTwoCoalitions(t *testing.T) {
	examples, err := ide.Examples()
	if err != nil {
		t.Fatal(err)
	}
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	coalitionOf := map[string]string{} // global ID of a member → its coalition's slug
	for _, c := range d.Coalitions {
		for _, m := range c.Members {
			coalitionOf[content.GlobalID(content.KeyOf(content.TypeStakeholder, seed.ID(content.TypeStakeholder, m.Stakeholder)))] = c.Slug
		}
	}
	for _, ex := range examples {
		if ex.Name != "7-path-between-stakeholders" {
			continue
		}
		var vars struct{ From, To string }
		if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
			t.Fatal(err)
		}
		from, to := coalitionOf[vars.From], coalitionOf[vars.To]
		if from == "" || to == "" || from == to {
			t.Errorf("from is a member of %q, to of %q: want members of two different coalitions", from, to)
		}
		return
	}
	t.Fatal("no path example")
}

// The editing example is one tab of three operations, with the headers its comments tell the user to fill in.
// With an EDITOR key in place of <your key> it does what the comments say: CreateDraft makes a draft at the
// version the variables expect, which the public cannot read; PreviewDraft reads it with the tab's headers;
// PublishDraft puts it live, and again at the same version is a CONFLICT naming the current version.
func TestEditExample(t *testing.T) {
	ex := exampleNamed(t, "8-edit-draft-preview-publish")
	doc, err := parser.ParseQuery(&ast.Source{Input: ex.Query})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, op := range doc.Operations {
		ops = append(ops, string(op.Operation)+" "+op.Name)
	}
	if want := []string{"mutation CreateDraft", "query PreviewDraft", "mutation PublishDraft"}; !slices.Equal(ops, want) {
		t.Errorf("operations %q, want %q", ops, want)
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(ex.Headers), &headers); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"Authorization": "Bearer <your key>", "Stage": "DRAFT"}; !maps.Equal(headers, want) {
		t.Errorf("headers %v, want %v", headers, want)
	}
	var vars map[string]any
	if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
		t.Fatal(err)
	}

	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	if _, errs := gqlparser.LoadQuery(schema, ex.Query); len(errs) > 0 {
		t.Fatalf("not valid against the schema: %v", errs)
	}
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	secret, _, err := api.Store.Keys().Create(content.WithViewer(context.Background(), content.System), "ide-example", content.RoleEditor, nil)
	if err != nil {
		t.Fatal(err)
	}
	headers["Authorization"] = "Bearer " + secret
	noStage := maps.Clone(headers)
	delete(noStage, "Stage")

	var created struct {
		CreateCoalition struct {
			Coalition struct {
				ID, Slug, PublicationStatus, CreatedBy string
				Version                                int
			}
		}
	}
	mustRun(t, api, headers, ex.Query, "CreateDraft", vars, &created)
	c := created.CreateCoalition.Coalition
	if c.PublicationStatus != "DRAFT" || c.CreatedBy != "ide-example" || float64(c.Version) != vars["expectedVersion"] {
		t.Errorf("created %+v: want a DRAFT by ide-example at the variables' expectedVersion %v", c, vars["expectedVersion"])
	}

	if r := run(t, api, nil, ex.Query, "PreviewDraft", vars); !hasCode(r, "NOT_FOUND") {
		t.Errorf("anonymous PreviewDraft before publishing: %s %+v, want NOT_FOUND", r.Data, r.Errors)
	}
	type preview struct {
		Coalition struct {
			Name, PublicationStatus, UpdatedBy string
			Version                            int
			History                            struct {
				Nodes []struct{ Operation, By string }
			}
		}
	}
	var draft preview
	mustRun(t, api, headers, ex.Query, "PreviewDraft", vars, &draft)
	if p := draft.Coalition; p.PublicationStatus != "DRAFT" || p.Version != c.Version || len(p.History.Nodes) != 1 ||
		p.History.Nodes[0].Operation != "CREATE" || p.History.Nodes[0].By != "ide-example" {
		t.Errorf("PreviewDraft with Stage: DRAFT: %+v", p)
	}

	vars["id"] = c.ID
	var published struct {
		PublishCoalition struct {
			Coalition struct {
				PublicationStatus string
				Version           int
				PublishedVersion  *int
				PublishedAt       *string
			}
		}
	}
	mustRun(t, api, headers, ex.Query, "PublishDraft", vars, &published)
	if p := published.PublishCoalition.Coalition; p.PublicationStatus != "PUBLISHED" || p.PublishedVersion == nil ||
		*p.PublishedVersion != p.Version || p.PublishedAt == nil {
		t.Errorf("PublishDraft: %+v", p)
	}
	var live preview
	mustRun(t, api, noStage, ex.Query, "PreviewDraft", vars, &live)
	if live.Coalition.PublicationStatus != "PUBLISHED" {
		t.Errorf("PreviewDraft without Stage after publishing: %+v", live.Coalition)
	}

	r := run(t, api, headers, ex.Query, "PublishDraft", vars)
	if !hasCode(r, "CONFLICT") {
		t.Fatalf("PublishDraft again at version %v: %s %+v, want CONFLICT", vars["expectedVersion"], r.Data, r.Errors)
	}
	for _, e := range r.Errors {
		if e.Code() == "CONFLICT" && e.Extensions["currentVersion"] != float64(published.PublishCoalition.Coalition.Version) {
			t.Errorf("CONFLICT with extensions %v, want currentVersion %d", e.Extensions, published.PublishCoalition.Coalition.Version)
		}
	}
}

// exampleNamed returns the IDE's example of that name.
func exampleNamed(t *testing.T, name string) ide.Example {
	t.Helper()
	examples, err := ide.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		if ex.Name == name {
			return ex
		}
	}
	t.Fatalf("no example %s", name)
	return ide.Example{}
}

// run sends one operation of a document as the IDE does: POST with the tab's headers and all its variables.
func run(t *testing.T, api *apitest.API, headers map[string]string, query, operation string, vars map[string]any) apitest.Response {
	t.Helper()
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	return apitest.SendBody(t, api.Server.URL, h, map[string]any{"query": query, "operationName": operation, "variables": vars})
}

// mustRun is run for an operation that must succeed, decoding its data into out.
func mustRun(t *testing.T, api *apitest.API, headers map[string]string, query, operation string, vars map[string]any, out any) {
	t.Helper()
	r := run(t, api, headers, query, operation, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("%s: %d %+v", operation, r.Status, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("%s: decode %s: %v", operation, r.Data, err)
	}
}

func hasCode(r apitest.Response, code string) bool {
	return slices.ContainsFunc(r.Errors, func(e apitest.Error) bool { return e.Code() == code })
}
