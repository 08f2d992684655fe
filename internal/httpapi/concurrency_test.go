package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
)

// Fifty editors update one coalition at once, each against the version they all read: the optimistic check lets
// exactly one write through, and tells every other one the version it lost to.
func TestConcurrentUpdatesOfOneVersionHaveOneWinner(t *testing.T) {
	const writers = 50
	// Room for every writer at once, so that they contend in the store and not in the admission queue.
	api := apitest.NewWith(t, apitest.Fixture(2), httpapi.Config{MaxInFlight: writers + 4, QueueWaitMS: 60_000})
	e := &editorClient{api: api, header: api.Editor(t)}
	c := e.createCoalition(t, "contended")

	const update = `mutation($id: ID!, $name: String!) { updateCoalition(id: $id, expectedVersion: 1, input: {name: $name}) { coalition { version name } } }`
	type answer struct {
		name string
		r    apitest.Response
	}
	answers := make([]answer, writers)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("Writer %02d", i)
			<-release
			answers[i] = answer{name, api.DoWith(t, e.header, update, map[string]any{"id": c.ID, "name": name})}
		}()
	}
	close(release)
	wg.Wait()

	var winners []string
	conflicts := 0
	for _, a := range answers {
		var out struct {
			UpdateCoalition *struct {
				Coalition struct {
					Version int
					Name    string
				}
			}
		}
		if a.r.Status != http.StatusOK {
			t.Errorf("%s: status %d, errors %+v", a.name, a.r.Status, a.r.Errors)
			continue
		}
		if err := json.Unmarshal(a.r.Data, &out); err != nil {
			t.Errorf("%s: decode %s: %v", a.name, a.r.Data, err)
			continue
		}
		switch {
		case len(a.r.Errors) == 0 && out.UpdateCoalition != nil:
			if got := out.UpdateCoalition.Coalition; got.Version != 2 || got.Name != a.name {
				t.Errorf("%s won with %+v, want version 2 with its name", a.name, got)
			}
			winners = append(winners, a.name)
		case len(a.r.Errors) == 1 && a.r.Errors[0].Code() == "CONFLICT" && out.UpdateCoalition == nil:
			if v := a.r.Errors[0].Extensions["currentVersion"]; v != float64(2) {
				t.Errorf("%s lost with currentVersion %v, want 2 (the winner's)", a.name, v)
			}
			conflicts++
		default:
			t.Errorf("%s: errors %+v, data %s; want a win or one CONFLICT", a.name, a.r.Errors, a.r.Data)
		}
	}
	if len(winners) != 1 || conflicts != writers-1 {
		t.Fatalf("%d winners %v and %d conflicts; want 1 and %d", len(winners), winners, conflicts, writers-1)
	}

	if got := e.coalitionNow(t, c.ID); got.Version != 2 || got.Name != winners[0] {
		t.Errorf("the draft holds %+v; want version 2 named %q", got, winners[0])
	}
	var out struct {
		Node struct {
			History struct {
				TotalCount int
				Nodes      []struct {
					Version       int
					Operation     string
					By            string
					ChangedFields []string
					Snapshot      map[string]any
				}
			}
		}
	}
	e.must(t, e.draft(), `query($id: ID!) { node(id: $id) { ... on Coalition { history { totalCount nodes { version operation by changedFields snapshot } } } } }`,
		map[string]any{"id": c.ID}, &out)
	h := out.Node.History
	if h.TotalCount != 2 || len(h.Nodes) != 2 {
		t.Fatalf("history %+v; want the create and one update", h)
	}
	if up := h.Nodes[0]; up.Version != 2 || up.Operation != "UPDATE" || up.By != "editor" || !slices.Equal(up.ChangedFields, []string{"name"}) ||
		up.Snapshot["name"] != winners[0] {
		t.Errorf("the new version %+v; want version 2, an UPDATE of the name to %q", up, winners[0])
	}
}
