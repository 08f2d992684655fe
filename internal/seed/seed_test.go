package seed_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"
)

func TestMain(m *testing.M) { apitest.Main(m) }

// items counts the items of a dataset: every country, stakeholder, coalition, membership, initiative, toolkit
// section and blog post.
func items(d *seed.Dataset) int {
	n := len(d.Countries) + contentItems(d)
	for _, c := range d.Coalitions {
		n += len(c.Members)
	}
	return n
}

// contentItems counts the dataset's content items: all but the countries and memberships.
func contentItems(d *seed.Dataset) int {
	return len(d.Stakeholders) + len(d.Coalitions) + len(d.Initiatives) + len(d.ToolkitSections) + len(d.BlogPosts)
}

// load loads d into the API's store and returns the database commands it made, by name.
func load(t *testing.T, api *apitest.API, d *seed.Dataset) map[string]int {
	t.Helper()
	var err error
	api.Counting(func() { err = seed.Load(context.Background(), api.Store, d) })
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for _, name := range api.CommandNames() {
		byName[name]++
	}
	return byName
}

// versions returns the version of every stored item, by type and key (slug; code; pair).
func versions(t *testing.T, store *mongostore.Store) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	add := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, err := store.Countries().All(ctx)
	add(err)
	for _, c := range cs {
		out["Country:"+c.Code] = c.Version
	}
	ss, err := store.Stakeholders().All(ctx)
	add(err)
	for _, s := range ss {
		out["Stakeholder:"+s.Slug] = s.Version
	}
	co, err := store.Coalitions().All(ctx)
	add(err)
	for _, c := range co {
		out["Coalition:"+c.Slug] = c.Version
	}
	ms, err := store.Memberships().All(ctx)
	add(err)
	for _, m := range ms {
		out["Membership:"+m.CoalitionID+"/"+m.StakeholderID] = m.Version
	}
	is, err := store.Initiatives().All(ctx)
	add(err)
	for _, i := range is {
		out["Initiative:"+i.Slug] = i.Version
	}
	ts, err := store.ToolkitSections().All(ctx)
	add(err)
	for _, s := range ts {
		out["ToolkitSection:"+s.Slug] = s.Version
	}
	ps, err := store.BlogPosts().All(ctx)
	add(err)
	for _, p := range ps {
		out["BlogPost:"+p.Slug] = p.Version
	}
	return out
}

// freshLoad is what a load of d into an empty store writes, whatever the size of d: the six reads of what is
// stored; the countries in one insert; for each type of content, its revisions in one command and its items in
// five inserts (drafts, history entries, published copies, and each stage's search entries); and the memberships in one read of the members'
// fields and one insert per stage.
func freshLoad(d *seed.Dataset) map[string]int {
	withMembers := 0
	for _, c := range d.Coalitions {
		if len(c.Members) > 0 {
			withMembers = 1
		}
	}
	types := 0
	for _, n := range []int{len(d.Stakeholders), len(d.Coalitions), len(d.Initiatives), len(d.ToolkitSections), len(d.BlogPosts)} {
		types += min(n, 1)
	}
	return map[string]int{"find": 6 + 2*withMembers, "findAndModify": types, "insert": min(len(d.Countries), 1) + 5*types + 2*withMembers}
}

// The load takes a fixed number of commands, whatever the size of the dataset (see freshLoad). Loading the same dataset again only reads, and every item
// stays at version 1.
func TestLoadCommands(t *testing.T) {
	const reads = 6
	for _, n := range []int{4, 40} {
		d := apitest.Fixture(n)
		api := apitest.New(t, nil)
		first := load(t, api, d)
		want := freshLoad(d)
		if !maps.Equal(first, want) {
			t.Errorf("Fixture(%d), %d items: a fresh load made %v; want %v", n, items(d), first, want)
		}
		if again := load(t, api, d); again["find"] != reads || len(again) != 1 {
			t.Errorf("Fixture(%d): loading it again made %v; want only the %d finds", n, again, reads)
		}
		vs := versions(t, api.Store)
		if len(vs) != items(d) {
			t.Errorf("Fixture(%d): %d items stored, want %d", n, len(vs), items(d))
		}
		for key, v := range vs {
			if v != 1 {
				t.Errorf("%s at version %d after two loads of the same content, want 1", key, v)
			}
		}
	}
}

// A reload writes what changed, each as a new version, and nothing else. A country's new name reaches the items
// linked to it, whose derived fields repeat it.
func TestReloadWritesWhatChanged(t *testing.T) {
	ctx := context.Background()
	d := apitest.Fixture(8)
	api := apitest.New(t, d)
	d.Coalitions[1].Name = "Renamed coalition"
	d.BlogPosts[2].Mentions = d.BlogPosts[2].Mentions[:1]
	for i, c := range d.Countries {
		if c.Code == "BE" {
			d.Countries[i].Name = "België"
		}
	}
	writes := load(t, api, d)
	changed := map[string]bool{"Coalition:" + d.Coalitions[1].Slug: true, "BlogPost:" + d.BlogPosts[2].Slug: true, "Country:BE": true}
	for _, s := range d.Stakeholders {
		if s.CountryCode != nil && *s.CountryCode == "BE" {
			changed["Stakeholder:"+s.Slug] = true
		}
	}
	for _, c := range d.Coalitions {
		if c.CountryCode == "BE" {
			changed["Coalition:"+c.Slug] = true
		}
	}
	for _, i := range d.Initiatives {
		for _, code := range i.CountryCodes {
			if code == "BE" {
				changed["Initiative:"+i.Slug] = true
			}
		}
	}
	// every content item changed takes one revision; the country is reference data, without one
	if writes["findAndModify"] != len(changed)-1 || writes["insert"] != len(changed)-1 {
		t.Errorf("the reload made %v; want %d content updates, each with its history entry", writes, len(changed)-1)
	}
	for key, v := range versions(t, api.Store) {
		if want := map[bool]int{true: 2, false: 1}[changed[key]]; v != want {
			t.Errorf("%s at version %d, want %d", key, v, want)
		}
	}
	cs, err := api.Store.Coalitions().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.CountryCode == "BE" && c.CountryName != "België" {
			t.Errorf("coalition %s: country name %q after the country's rename", c.Slug, c.CountryName)
		}
	}
}

// A reference to an item the dataset does not have fails the load, naming it.
func TestLoadRefusesUnknownReferences(t *testing.T) {
	for want, spoil := range map[string]func(d *seed.Dataset){
		`unknown Country "XX"`:         func(d *seed.Dataset) { d.Coalitions[0].CountryCode = "XX" },
		`unknown Stakeholder "nobody"`: func(d *seed.Dataset) { d.Coalitions[0].Members[0].Stakeholder = "nobody" },
		`unknown Coalition "none"`:     func(d *seed.Dataset) { d.Initiatives[0].Coalitions = []string{"none"} },
		`unknown Initiative "nothing"`: func(d *seed.Dataset) { d.BlogPosts[0].Mentions[2].Slug = "nothing" },
		`unknown BlogPost "nothing"`: func(d *seed.Dataset) {
			d.BlogPosts[0].Mentions = append(d.BlogPosts[0].Mentions, seed.Mention{Type: content.TypeBlogPost, Slug: "nothing"})
		},
	} {
		t.Run(want, func(t *testing.T) {
			d := apitest.Fixture(2)
			spoil(d)
			if err := seed.Load(context.Background(), apitest.New(t, nil).Store, d); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("load: %v, want an error with %s", err, want)
			}
		})
	}
}

// A blog post may mention one that comes after it in the file: it gets the later post's id, in one write.
func TestPostsMentionLaterPosts(t *testing.T) {
	d := apitest.Fixture(6)
	d.BlogPosts[0].Mentions = append(d.BlogPosts[0].Mentions, seed.Mention{Type: content.TypeBlogPost, Slug: d.BlogPosts[2].Slug})
	api := apitest.New(t, nil)
	if writes := load(t, api, d); !maps.Equal(writes, freshLoad(d)) {
		t.Errorf("the load made %v, want what a fresh load writes", writes)
	}
	ps, err := api.Store.BlogPosts().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	later := content.KeyOf(content.TypeBlogPost, seed.ID(content.TypeBlogPost, d.BlogPosts[2].Slug))
	for _, p := range ps {
		if p.Slug == d.BlogPosts[0].Slug && p.MentionKeys[len(p.MentionKeys)-1] != later {
			t.Errorf("the first post mentions %v, want %s last", p.MentionKeys, later)
		}
	}
}

// Every item the seed content and the test fixtures store passes its type's Validate: the rules the write gate
// will apply to editors' writes hold for the content already there.
func TestStoredContentIsValid(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]*seed.Dataset{"seed": d, "Fixture(1)": apitest.Fixture(1), "Fixture(40)": apitest.Fixture(40)} {
		t.Run(name, func(t *testing.T) {
			api := apitest.New(t, data)
			ctx := context.Background()
			checked := 0
			check := func(key string, err error) {
				checked++
				if err != nil {
					t.Errorf("%s: %v %v", key, err, err.(*content.Error).Fields)
				}
			}
			all(t, ctx, api.Store.Countries(), check)
			all(t, ctx, api.Store.Stakeholders(), check)
			all(t, ctx, api.Store.Coalitions(), check)
			all(t, ctx, api.Store.Initiatives(), check)
			all(t, ctx, api.Store.ToolkitSections(), check)
			all(t, ctx, api.Store.BlogPosts(), check)
			ms, err := api.Store.Memberships().All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				check("membership "+m.ID, m.Validate())
			}
			if checked != items(data) {
				t.Errorf("checked %d items, the dataset has %d", checked, items(data))
			}
		})
	}
}

// all validates every stored item of one collection.
func all[T interface{ Validate() error }, F any, O any](t *testing.T, ctx context.Context, c content.Collection[T, F, O], check func(string, error)) {
	t.Helper()
	items, err := c.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		check(fmt.Sprintf("%T %s", it, any(it).(content.Node).Key()), (*it).Validate())
	}
}
