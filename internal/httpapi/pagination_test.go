package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
)

type pageOfSlugs struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Edges []struct {
		Cursor string
		Node   struct{ Slug string }
	}
}

func (p pageOfSlugs) slugs() []string {
	var out []string
	for _, e := range p.Edges {
		out = append(out, e.Node.Slug)
	}
	return out
}

const coalitionPage = `query($first: Int, $after: String, $last: Int, $before: String) {
  coalitions(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { slug } }
  }
}`

func coalitions(t *testing.T, api *apitest.API, vars map[string]any) pageOfSlugs {
	t.Helper()
	var out struct{ Coalitions pageOfSlugs }
	api.Must(t, coalitionPage, vars, &out)
	return out.Coalitions
}

// Walking forward and backward across page boundaries visits every coalition once, in name order, with exact
// page information at both ends.
func TestPaginationBothWays(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(11))
	want := expectedByName(api)

	var forward []string
	vars := map[string]any{"first": 4}
	for page := 0; ; page++ {
		p := coalitions(t, api, vars)
		if p.TotalCount != len(want) {
			t.Fatalf("totalCount %d, want %d", p.TotalCount, len(want))
		}
		if p.PageInfo.HasPreviousPage != (page > 0) {
			t.Errorf("page %d: hasPreviousPage %v", page, p.PageInfo.HasPreviousPage)
		}
		forward = append(forward, p.slugs()...)
		if *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor || *p.PageInfo.StartCursor != p.Edges[0].Cursor {
			t.Errorf("page %d: start/end cursors are not the first and last edges' cursors", page)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		vars = map[string]any{"first": 4, "after": *p.PageInfo.EndCursor}
	}
	if !slices.Equal(forward, want) {
		t.Fatalf("forward pages\n got %v\nwant %v", forward, want)
	}

	var backward []string
	vars = map[string]any{"last": 4}
	for page := 0; ; page++ {
		p := coalitions(t, api, vars)
		if p.PageInfo.HasNextPage != (page > 0) {
			t.Errorf("backward page %d: hasNextPage %v", page, p.PageInfo.HasNextPage)
		}
		backward = append(p.slugs(), backward...)
		if !p.PageInfo.HasPreviousPage {
			break
		}
		vars = map[string]any{"last": 4, "before": *p.PageInfo.StartCursor}
	}
	if !slices.Equal(backward, want) {
		t.Fatalf("backward pages\n got %v\nwant %v", backward, want)
	}

	// The window between two cursors, both given.
	all := coalitions(t, api, map[string]any{"first": 100})
	between := coalitions(t, api, map[string]any{"first": 100, "after": all.Edges[2].Cursor, "before": all.Edges[7].Cursor})
	if !slices.Equal(between.slugs(), want[3:7]) {
		t.Errorf("after #2 and before #7: got %v, want %v", between.slugs(), want[3:7])
	}
	// An empty list has no cursors.
	empty := api.Query(`{ coalitions(filter: {country: ["ZZ"]}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } } }`, nil)
	if string(empty.Data) != `{"coalitions":{"totalCount":0,"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":null,"endCursor":null},"edges":[]}}` {
		t.Errorf("empty connection: %s", empty.Data)
	}
}

func expectedByName(api *apitest.API) []string {
	type item struct{ key, slug string }
	var items []item
	for _, c := range api.Data.Coalitions {
		items = append(items, item{content.Fold(c.Name), c.Slug})
	}
	slices.SortStableFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
	var out []string
	for _, it := range items {
		out = append(out, it.slug)
	}
	return out
}

// A cursor is a position, not an offset: content inserted or removed before it does not shift the next page.
func TestPaginationIsStableUnderInserts(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(10))
	first := coalitions(t, api, map[string]any{"first": 5})
	want := coalitions(t, api, map[string]any{"first": 5, "after": *first.PageInfo.EndCursor}).slugs()

	// Insert coalitions that sort before the cursor (names starting with "0") and one after all.
	ctx := content.WithPublishOnWrite(context.Background())
	for i := range 3 {
		_, err := api.Store.Coalitions().Create(ctx, &content.Coalition{
			Slug: fmt.Sprintf("early-%d", i), Name: fmt.Sprintf("0 early %d", i), CountryCode: "AT", Status: "ACTIVE", Scope: "NATIONAL",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got := coalitions(t, api, map[string]any{"first": 5, "after": *first.PageInfo.EndCursor})
	if !slices.Equal(got.slugs(), want) {
		t.Errorf("after inserts before the cursor, the next page moved:\n got %v\nwant %v", got.slugs(), want)
	}
	if got.TotalCount != 13 {
		t.Errorf("totalCount %d after 3 inserts into 10, want 13", got.TotalCount)
	}
}
