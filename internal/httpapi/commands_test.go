package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/loader"
	"coalitiongraph/internal/seed"
)

// NestedQuery is the command-count and benchmark query: coalitions, their country, members, the members' other
// coalitions and posts, and the posts that mention each coalition — five connections deep in places.
const NestedQuery = `{
  coalitions(first: 100) {
    totalCount
    nodes {
      slug
      country { name }
      members(first: 10) {
        edges {
          role
          node {
            slug
            coalitions(first: 10) { nodes { slug } }
            posts(first: 5) { nodes { slug authors(first: 3) { nodes { slug } } } }
          }
        }
      }
      mentionedIn(first: 5) { nodes { slug } }
    }
  }
}`

// The number of database commands a request issues grows with the depth of the query, not with the number of
// items it returns: the relation fields go through request-scoped loaders.
func TestCommandsGrowWithDepthNotItems(t *testing.T) {
	counts := map[int]int64{}
	for _, n := range []int{8, 40} {
		api := apitest.New(t, apitest.Fixture(n))
		r := api.Query(NestedQuery, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
		var out struct {
			Coalitions struct {
				TotalCount int
				Nodes      []struct {
					Members struct {
						Edges []struct {
							Node struct {
								Coalitions struct{ Nodes []json.RawMessage }
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		items := 0
		for _, c := range out.Coalitions.Nodes {
			for _, m := range c.Members.Edges {
				items += 1 + len(m.Node.Coalitions.Nodes)
			}
		}
		if out.Coalitions.TotalCount != n || items < 3*n {
			t.Fatalf("with %d coalitions the query returned %d coalitions and %d nested items", n, out.Coalitions.TotalCount, items)
		}
		counts[n] = api.Commands()
		t.Logf("%d coalitions, %d nested items: %d database commands %v", n, items, counts[n], api.CommandNames())
		noStall(t, api)
	}
	if counts[8] != counts[40] {
		t.Errorf("commands grew with the data: %d for 8 coalitions, %d for 40", counts[8], counts[40])
	}
	if counts[40] != nestedCommands {
		t.Errorf("%d commands, want %d (one or two per relation level)", counts[40], nestedCommands)
	}
}

// nestedCommands is what NestedQuery costs, one batch per relation and level: find + count of coalitions;
// countries; memberships + stakeholders; mentionedIn posts; memberships + coalitions of members; posts of members;
// authors of posts.
const nestedCommands = 10

// noStall fails t when the loaders had to force batches out: the scheduler mispredicted the fields to come.
func noStall(t *testing.T, api *apitest.API) {
	t.Helper()
	if strings.Contains(api.Logs(), loader.StallWarning) {
		t.Errorf("the loaders stalled:\n%s", api.Logs())
	}
}

// However slow the machine, a level of a query is one batch: with one processor and concurrent requests, the
// fields of one level arrive far apart, and each request still issues the commands it issues alone.
func TestCommandsPerRequestUnderContention(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(40))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const clients, requests = 8, 3
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for r := range requests {
				id := fmt.Sprintf("nested-%d-%d", c, r)
				// no-cache: each request runs the query, rather than wait for another's answer or take it cached
				h := http.Header{"X-Request-ID": {id}, "Cache-Control": {"no-cache"}}
				if res := api.DoWith(t, h, NestedQuery, nil); len(res.Errors) > 0 || res.Status != http.StatusOK {
					t.Errorf("request %d of client %d: %d %+v", r, c, res.Status, res.Errors)
				}
			}
		})
	}
	wg.Wait()
	for c := range clients {
		for r := range requests {
			if n := api.CommandsOf(fmt.Sprintf("nested-%d-%d", c, r)); n != nestedCommands {
				t.Errorf("request %d of client %d issued %d commands, want %d", r, c, n, nestedCommands)
			}
		}
	}
	noStall(t, api)
}

// A nested field whose arguments fail after validation (a DateTime literal that does not parse) never runs; the
// request still answers at once, with a typed error for that field and the other fields batched.
func TestCommandsWithFailingNestedArguments(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(8))
	r := api.Query(`{ coalitions(first: 100) { nodes { slug
		members(first: 3, filter: {updatedAt: {from: "not a time"}}) { totalCount }
		mentionedIn(first: 5) { nodes { slug authors(first: 2) { nodes { slug } } } } } } }`, nil)
	if r.Status >= 500 || len(r.Errors) != 8 {
		t.Fatalf("status %d, want one error per coalition: %+v", r.Status, r.Errors)
	}
	for _, e := range r.Errors {
		if e.Code() != content.EInvalid {
			t.Errorf("error %q has code %q, want %s", e.Message, e.Code(), content.EInvalid)
		}
	}
	// coalitions; posts that mention them; their authors.
	if n := api.Commands(); n != 3 {
		t.Errorf("%d commands %v, want 3", n, api.CommandNames())
	}
	noStall(t, api)
}

// Relations of different types with equal arguments in one query keep their own arguments.
func TestSiblingRelationsWithEqualArguments(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(4))
	var out struct {
		Coalition struct {
			Members     struct{ TotalCount int }
			Initiatives struct{ TotalCount int }
			MentionedIn struct{ TotalCount int }
		}
	}
	api.Must(t, `{ coalition(slug: "coalition-001") { members { totalCount } initiatives { totalCount } mentionedIn { totalCount } } }`, nil, &out)
	c := api.Data.Coalitions[1]
	initiatives, mentions := 0, 0
	for _, in := range api.Data.Initiatives {
		if slices.Contains(in.Coalitions, c.Slug) {
			initiatives++
		}
	}
	for _, p := range api.Data.BlogPosts {
		if slices.Contains(p.Mentions, seed.Mention{Type: content.TypeCoalition, Slug: c.Slug}) {
			mentions++
		}
	}
	if out.Coalition.Members.TotalCount != len(c.Members) || out.Coalition.Initiatives.TotalCount != initiatives || out.Coalition.MentionedIn.TotalCount != mentions {
		t.Errorf("got %+v, want %d members, %d initiatives, %d mentions", out.Coalition, len(c.Members), initiatives, mentions)
	}
}

// A nested connection of one parent reads the window it returns and one item more (which tells whether there is a
// next page), not every related item; only its totalCount needs them all. Counted in the documents the store
// returned.
func TestOneParentsConnectionReadsItsWindow(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(40))
	var out struct {
		Coalitions struct {
			Nodes []struct {
				Slug    string
				Members struct{ TotalCount int }
			}
		}
		Countries struct {
			Nodes []struct {
				Code       string
				Coalitions struct{ TotalCount int }
			}
		}
	}
	api.Must(t, `{ coalitions(first: 100) { nodes { slug members { totalCount } } }
		countries(first: 100) { nodes { code coalitions { totalCount } } } }`, nil, &out)
	slug, members := "", 0
	for _, c := range out.Coalitions.Nodes {
		if c.Members.TotalCount > members {
			slug, members = c.Slug, c.Members.TotalCount
		}
	}
	code, coalitions := "", 0
	for _, c := range out.Countries.Nodes {
		if c.Coalitions.TotalCount > coalitions {
			code, coalitions = c.Code, c.Coalitions.TotalCount
		}
	}
	if members < 3 || coalitions < 3 {
		t.Fatalf("the data has no coalition with 3 members (%d) or country with 3 coalitions (%d): the test proves nothing", members, coalitions)
	}
	for _, c := range []struct {
		name, query string
		// most is what the answer may read: the parent, the links (memberships) and the window's items and one more
		most int64
		// all is what reading every related item takes
		all int64
	}{
		{"members", `{ coalition(slug: "` + slug + `") { members(first: 1) { nodes { id } } } }`, int64(1 + members + 2), int64(1 + 2*members)},
		{"country's coalitions", `{ country(code: "` + code + `") { coalitions(first: 1) { nodes { id } } } }`, 3, int64(1 + coalitions)},
	} {
		r := api.Query(c.query, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v", c.name, r.Errors)
		}
		if got := api.Documents(); got > c.most {
			t.Errorf("%s(first: 1): read %d documents, want at most %d (every related item is %d)", c.name, got, c.most, c.all)
		}
		withTotal := strings.Replace(c.query, "nodes { id }", "totalCount nodes { id }", 1)
		if r := api.Query(withTotal, nil); len(r.Errors) > 0 || api.Documents() < c.all {
			t.Errorf("%s with totalCount: read %d documents (%v), want every related item (%d)", c.name, api.Documents(), r.Errors, c.all)
		}
	}
}
