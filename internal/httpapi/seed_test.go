package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
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
		api.Must(t, countsQuery, nil, &got)
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
	api.Must(t, `{ coalitions(first: 100) { nodes { slug members(first: 100) { totalCount } } } }`, nil, &got)
	total := 0
	for _, c := range got.Coalitions.Nodes {
		total += c.Members.TotalCount
	}
	if total != members {
		t.Errorf("API has %d memberships, seed.json %d", total, members)
	}
}

// A coalition's contact is its first coordinator by name, an initiative's its first partner; without one, the
// Secretariat.
func TestContactFallsBackToTheSecretariat(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	names := map[string]string{}
	secretariat := ""
	for _, s := range d.Stakeholders {
		names[s.Slug] = s.Name
		if slices.Contains(s.Tags, "secretariat") {
			secretariat = s.Slug
		}
	}
	if secretariat == "" {
		t.Fatal("the seed content has no stakeholder tagged secretariat")
	}
	firstByName := func(slugs []string) string {
		best := secretariat
		for _, s := range slugs {
			if best == secretariat || content.Fold(names[s]) < content.Fold(names[best]) {
				best = s
			}
		}
		return best
	}
	var out struct {
		Coalitions struct {
			Nodes []struct {
				Slug    string
				Contact struct{ Slug string }
			}
		}
		Initiatives struct {
			Nodes []struct {
				Slug    string
				Contact struct{ Slug string }
			}
		}
	}
	api.Must(t, `{ coalitions(first: 100) { nodes { slug contact { slug } } } initiatives(first: 100) { nodes { slug contact { slug } } } }`, nil, &out)
	want := map[string]string{}
	for _, c := range d.Coalitions {
		var coordinators []string
		for _, m := range c.Members {
			if m.Role == "COORDINATOR" {
				coordinators = append(coordinators, m.Stakeholder)
			}
		}
		want["c:"+c.Slug] = firstByName(coordinators)
	}
	for _, i := range d.Initiatives {
		want["i:"+i.Slug] = firstByName(i.Partners)
	}
	fallbacks := 0
	check := func(key, got string) {
		if got != want[key] {
			t.Errorf("%s: contact %s, want %s", key, got, want[key])
		}
		if got == secretariat {
			fallbacks++
		}
	}
	for _, c := range out.Coalitions.Nodes {
		check("c:"+c.Slug, c.Contact.Slug)
	}
	for _, i := range out.Initiatives.Nodes {
		check("i:"+i.Slug, i.Contact.Slug)
	}
	if fallbacks == 0 || fallbacks == len(want) {
		t.Errorf("%d of %d contacts are the Secretariat: the test does not exercise both cases", fallbacks, len(want))
	}
}

// Loading changed content replaces each item whole under the same ID: a field the new content drops is gone.
func TestReloadReplacesItemsInPlace(t *testing.T) {
	d := apitest.Fixture(3)
	api := apitest.New(t, d)
	const q = `{ coalition(slug: "coalition-001") { id name description website } }`
	type coalition struct {
		Coalition struct {
			ID, Name             string
			Description, Website *string
		}
	}
	var before, after coalition
	api.Must(t, q, nil, &before)
	if before.Coalition.Description == nil {
		t.Fatal("the fixture's coalition has no description")
	}
	d.Coalitions[1].Description = nil
	d.Coalitions[1].Name = "Renamed coalition"
	d.Coalitions[1].Website = ptr("https://example.org")
	if err := seed.Load(context.Background(), api.Store, d); err != nil {
		t.Fatal(err)
	}
	api.Must(t, q, nil, &after)
	c := after.Coalition
	if c.ID != before.Coalition.ID || c.Name != "Renamed coalition" || c.Description != nil || c.Website == nil || *c.Website != "https://example.org" {
		t.Errorf("after the reload: %+v (ID before %s)", c, before.Coalition.ID)
	}
}

func ptr[T any](v T) *T { return &v }

// The seed content has the same global IDs on every machine, derived from type and slug, so that example queries
// can name objects by ID; two separate databases agree.
func TestSeedIDsAreStable(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	const q = `query($slug: String!) { stakeholder(slug: $slug) { id } }`
	var ids [2]string
	for i := range ids {
		var got struct{ Stakeholder struct{ ID string } }
		apitest.New(t, d).Must(t, q, map[string]any{"slug": "dsjc-secretariat"}, &got)
		ids[i] = got.Stakeholder.ID
	}
	want := content.GlobalID(content.KeyOf(content.TypeStakeholder, seed.ID(content.TypeStakeholder, "dsjc-secretariat")))
	if ids[0] != want || ids[1] != want {
		t.Errorf("secretariat IDs in two databases = %q, %q; want %q both times", ids[0], ids[1], want)
	}
}
