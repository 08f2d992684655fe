package httpapi_test

import (
	"context"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/seed"
)

const countsQuery = `{
  coalitions { totalCount } stakeholders { totalCount } initiatives { totalCount }
  toolkitSections { totalCount } blogPosts { totalCount } countries { totalCount }
}`

type counts struct {
	Coalitions, Stakeholders, Initiatives, ToolkitSections, BlogPosts, Countries struct{ TotalCount int }
}

// The embedded seed content loads completely, every item reachable through the API, and loading it again
// changes nothing.
func TestSeedContentLoadsIdempotently(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	check := func() {
		t.Helper()
		var got counts
		api.Must(countsQuery, nil, &got)
		want := map[string][2]int{
			"coalitions":      {got.Coalitions.TotalCount, len(d.Coalitions)},
			"stakeholders":    {got.Stakeholders.TotalCount, len(d.Stakeholders)},
			"initiatives":     {got.Initiatives.TotalCount, len(d.Initiatives)},
			"toolkitSections": {got.ToolkitSections.TotalCount, len(d.ToolkitSections)},
			"blogPosts":       {got.BlogPosts.TotalCount, len(d.BlogPosts)},
			"countries":       {got.Countries.TotalCount, len(d.Countries)},
		}
		for name, gw := range want {
			if gw[0] != gw[1] {
				t.Errorf("%s: API has %d, seed.json has %d", name, gw[0], gw[1])
			}
		}
	}
	check()
	if err := seed.Load(context.Background(), api.Store, d); err != nil {
		t.Fatal(err)
	}
	check()

	// Every membership in the file is an edge in the API.
	members := 0
	for _, c := range d.Coalitions {
		members += len(c.Members)
	}
	var got struct {
		Coalitions struct {
			Nodes []struct {
				Slug    string
				Members struct{ TotalCount int }
			}
		}
	}
	api.Must(`{ coalitions(first: 100) { nodes { slug members(first: 100) { totalCount } } } }`, nil, &got)
	total := 0
	for _, c := range got.Coalitions.Nodes {
		total += c.Members.TotalCount
	}
	if total != members {
		t.Errorf("API has %d memberships, seed.json %d", total, members)
	}
}
