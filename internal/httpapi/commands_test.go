package httpapi_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/httpapi"
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
	// A wide batching window, so that a loaded machine (or the race detector) cannot split a level into two batches:
	// what is asserted is the batching, not the window.
	cfg := httpapi.Config{LoaderWait: 250 * time.Millisecond}
	counts := map[int]int64{}
	for _, n := range []int{8, 40} {
		api := apitest.NewWith(t, apitest.Fixture(n), cfg)
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
	}
	if counts[8] != counts[40] {
		t.Errorf("commands grew with the data: %d for 8 coalitions, %d for 40", counts[8], counts[40])
	}
	// find + count of coalitions; countries; memberships + stakeholders; mentionedIn posts;
	// memberships + coalitions of members; posts of members; authors of posts.
	const want = 10
	if counts[40] != want {
		t.Errorf("%d commands, want %d (one or two per relation level)", counts[40], want)
	}
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
