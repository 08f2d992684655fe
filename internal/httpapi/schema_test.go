package httpapi_test

import (
	"slices"
	"testing"

	"coalitiongraph/internal/apitest"
)

// Every object type with an id field implements Node: Apollo's and Relay's normalised caches key objects by id,
// so an id that repeats a Node's on another type (a sub-graph's node, say) would overwrite that Node's fields.
func TestObjectsWithAnIDAreNodes(t *testing.T) {
	api := apitest.New(t, nil)
	var out struct {
		Schema struct {
			Types []struct {
				Name, Kind string
				Fields     []struct{ Name string }
				Interfaces []struct{ Name string }
			}
		} `json:"__schema"`
	}
	api.Must(t, `{ __schema { types { name kind fields { name } interfaces { name } } } }`, nil, &out)
	withID := 0
	for _, ty := range out.Schema.Types {
		if ty.Kind != "OBJECT" || !slices.ContainsFunc(ty.Fields, func(f struct{ Name string }) bool { return f.Name == "id" }) {
			continue
		}
		withID++
		if ty.Name == "Change" {
			// the change feed's entries name the item that changed by its id, as the feed's contract says; they
			// are not objects of their own (see README: Relay clients read the item through `node`)
			continue
		}
		if !slices.ContainsFunc(ty.Interfaces, func(i struct{ Name string }) bool { return i.Name == "Node" }) {
			t.Errorf("%s has an id but does not implement Node", ty.Name)
		}
	}
	if withID < 6 {
		t.Errorf("%d object types with an id; the walk found too few to mean anything", withID)
	}
}
