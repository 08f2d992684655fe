package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/relay"
	"coalitiongraph/internal/seed"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// typeFields reads the field names of each GraphQL type by introspection.
func typeFields(t *testing.T, api *apitest.API, types ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, name := range types {
		var r struct {
			Type struct{ Fields []struct{ Name string } } `json:"__type"`
		}
		api.Must(t, `query($n: String!) { __type(name: $n) { fields { name } } }`, map[string]any{"n": name}, &r)
		for _, f := range r.Type.Fields {
			out[name] = append(out[name], f.Name)
		}
		if len(out[name]) == 0 {
			t.Fatalf("type %s has no fields", name)
		}
	}
	return out
}

const snippetFieldsQuery = `query($q: String!) { search(query: $q, first: 100) { edges {
  node { __typename ... on Coalition { slug country { code } } ... on Stakeholder { slug } ... on Initiative { slug }
    ... on ToolkitSection { slug } ... on BlogPost { slug } }
  snippet { field text } } } }`

type snippetHits struct {
	Search struct {
		Edges []struct {
			Node struct {
				Typename string `json:"__typename"`
				Slug     string
				Country  struct{ Code string }
			}
			Snippet *struct{ Field, Text string }
		}
	}
}

// Every snippet names a field of its hit's type as the API shows it, and a coalition is found by its country's
// name (and code), the snippet then naming the country field.
func TestSearchSnippetFieldsAreAPIFields(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	fields := typeFields(t, api, "Coalition", "Stakeholder", "Initiative", "ToolkitSection", "BlogPost")
	seen := 0
	for _, q := range []string{"bg", "bulgaria", "Ireland", "digital skills", "coalition", "ie", "skills", "a", "the", "national"} {
		var r snippetHits
		api.Must(t, snippetFieldsQuery, map[string]any{"q": q}, &r)
		for _, e := range r.Search.Edges {
			if e.Snippet == nil {
				t.Errorf("%q: %s %s has no snippet", q, e.Node.Typename, e.Node.Slug)
				continue
			}
			seen++
			if !slices.Contains(fields[e.Node.Typename], e.Snippet.Field) {
				t.Errorf("%q: the snippet of %s %s names %q, which %s does not have (%v)", q, e.Node.Typename, e.Node.Slug,
					e.Snippet.Field, e.Node.Typename, fields[e.Node.Typename])
			}
		}
	}
	if seen == 0 {
		t.Fatal("no search found anything")
	}
	for _, q := range []string{"bulgaria", "bg"} {
		var r snippetHits
		api.Must(t, snippetFieldsQuery, map[string]any{"q": q}, &r)
		found := false
		for _, e := range r.Search.Edges {
			if e.Node.Typename == "Coalition" && e.Node.Country.Code == "BG" {
				found = true
				// "bulgaria" may match the description first; only the country field holds the code
				if q == "bg" && (e.Snippet.Field != "country" || e.Snippet.Text != "Bulgaria (BG)") {
					t.Errorf("%q: snippet %+v, want the country field, Bulgaria (BG)", q, *e.Snippet)
				}
			}
		}
		if !found {
			t.Errorf("%q does not find the Bulgarian coalition", q)
		}
	}
	var list struct {
		Coalitions struct {
			Nodes []struct{ Country struct{ Code string } }
		}
	}
	api.Must(t, `{ coalitions(filter: {search: "bulgaria"}) { nodes { country { code } } } }`, nil, &list)
	if len(list.Coalitions.Nodes) == 0 || list.Coalitions.Nodes[0].Country.Code != "BG" {
		t.Errorf("the search filter by country name finds %+v", list.Coalitions.Nodes)
	}
}

// A database indexed by the previous build (no country names) is re-indexed on start-up, so that its coalitions
// are found by their country's name.
func TestSearchReindexesCountryNames(t *testing.T) {
	ctx := context.Background()
	db := apitest.Database(t)
	if err := seed.Load(ctx, mongostore.New(db), apitest.Fixture(2)); err != nil {
		t.Fatal(err)
	}
	// as the previous build left them: no country names, keywords of the name only, index version 1
	coalitions := db.Collection("coalitions")
	if _, err := coalitions.UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "countryName", Value: ""}}},
		{Key: "$set", Value: bson.D{{Key: "indexVersion", Value: 1}, {Key: "keywords", Value: bson.A{"x"}}}}}); err != nil {
		t.Fatal(err)
	}
	store := mongostore.New(db)
	if err := store.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	q, err := content.ParseQuery("query", "austria")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := relay.ParseWindow(nil, nil, nil, nil)
	p, err := store.Search(ctx, q, []content.TypeName{content.TypeCoalition}, w)
	if err != nil {
		t.Fatal(err)
	}
	want, err := coalitions.CountDocuments(ctx, bson.D{{Key: "countryCode", Value: "AT"}})
	if err != nil || want == 0 || int64(p.Total) != want {
		t.Fatalf("after re-indexing, %q finds %d coalitions, want the %d in AT (%v)", "austria", p.Total, want, err)
	}
	for _, h := range p.Items {
		if s := q.Snippet(h.Node.(content.Searchable).SearchFields()); s == nil || s.Field != "country" || s.Text != "Austria (AT)" {
			t.Errorf("snippet %+v, want the country field, Austria (AT)", s)
		}
	}
}
