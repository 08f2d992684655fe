package ide_test

import (
	"encoding/json"
	"testing"

	"coalitiongraph/graph"
	"coalitiongraph/graph/generated"
	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/ide"
	"coalitiongraph/internal/seed"

	"github.com/vektah/gqlparser/v2"
)

// Every example query of the IDE is valid against the service's schema and runs on the seed content without
// errors, and each of its top-level fields finds something.
func TestExamples(t *testing.T) {
	examples, err := ide.Examples()
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 7 {
		t.Fatalf("%d examples, want the 7 the IDE promises", len(examples))
	}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	for _, ex := range examples {
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
