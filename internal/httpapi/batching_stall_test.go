package httpapi_test

import (
	"encoding/json"
	"iter"
	"maps"
	"slices"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/loader"
	"coalitiongraph/internal/seed"
)

// Every relation of every node type, selected two levels deep, is answered without the loader batches stalling:
// the Batching extension waits only for fields that can still come. A field the executor resolves inline (a plain
// struct field such as a connection's nodes) holds back its later siblings until its whole subtree is done, so
// siblings waiting behind a load are no field to wait for. Walked from introspection, so that a relation added
// later is covered without anyone listing it; each stall would also cost the request loader.StallAfter.
func TestNoRelationStallsTheLoaderBatches(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	s := introspect(t, api)
	root := s.types[s.query]

	checked, answered := 0, 0
	for _, name := range slices.Sorted(maps.Keys(s.types)) {
		ty := s.types[name]
		if ty.Kind != "OBJECT" || !slices.ContainsFunc(ty.Interfaces, func(i struct{ Name string }) bool { return i.Name == "Node" }) {
			continue
		}
		// a few items of the type, from the root connection that lists them
		list := slices.IndexFunc(root.Fields, func(f schemaField) bool {
			return f.Type.named().Name == ty.Name+"Connection" && !required(f)
		})
		if list < 0 {
			t.Fatalf("%s: no root field lists it", ty.Name)
		}
		field := root.Fields[list].Name
		var out map[string]struct{ Nodes []struct{ ID string } }
		api.Must(t, `{ `+field+`(first: 3) { nodes { id } } }`, nil, &out)
		if len(out[field].Nodes) == 0 {
			t.Fatalf("%s: %s lists no item to start from", ty.Name, field)
		}
		for f, query := range s.relations(ty, 2) {
			checked++
			found := false
			for _, n := range out[field].Nodes {
				before := strings.Count(api.Logs(), loader.StallWarning)
				r := api.Query(query, map[string]any{"id": n.ID})
				if len(r.Errors) > 0 {
					t.Errorf("%s.%s of %s: %v", ty.Name, f.Name, n.ID, r.Errors)
				}
				if stalls := strings.Count(api.Logs(), loader.StallWarning) - before; stalls > 0 {
					t.Errorf("%s.%s of %s: the loader batches stalled %d times\n%s", ty.Name, f.Name, n.ID, stalls, query)
				}
				var data struct{ Node map[string]json.RawMessage }
				_ = json.Unmarshal(r.Data, &data)
				found = found || !holdsNothing(data.Node[f.Name])
			}
			if found {
				answered++
			}
		}
	}
	t.Logf("%d relations checked, %d with something under them", checked, answered)
	// The walk proves something only where there was something to load under the relation.
	if checked < 20 || answered < checked*3/4 {
		t.Errorf("%d relations checked, %d with anything under them: the walk found too little to mean anything", checked, answered)
	}
}

// relations yields each field of the node type ty that returns objects and takes no required argument, with a
// query of it on the node $id, its objects selected to depth.
func (s schemaInfo) relations(ty schemaType, depth int) iter.Seq2[schemaField, string] {
	return func(yield func(schemaField, string) bool) {
		for _, f := range ty.Fields {
			inner := f.Type.named()
			if required(f) || (inner.Kind != "OBJECT" && inner.Kind != "INTERFACE" && inner.Kind != "UNION") {
				continue
			}
			query := `query($id: ID!) { node(id: $id) { ... on ` + ty.Name + ` { ` + f.Name + " " + s.selection(inner.Name, depth) + ` } } }`
			if !yield(f, query) {
				return
			}
		}
	}
}

// holdsNothing tells whether a relation's answer holds nothing: null, an empty list, or a connection without edges.
func holdsNothing(raw json.RawMessage) bool {
	var conn struct{ Edges *[]json.RawMessage }
	switch {
	case string(raw) == "null" || string(raw) == "[]" || len(raw) == 0:
		return true
	case json.Unmarshal(raw, &conn) == nil && conn.Edges != nil:
		return len(*conn.Edges) == 0
	}
	return false
}
