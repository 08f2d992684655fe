package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
)

// A list counts its items only when the query selects totalCount, however it selects it (directly, through a
// fragment, under an alias); skipped with @include(if: false), it is not counted. Asserted on the commands the
// request runs: a count is a command of its own (the driver's CountDocuments is an aggregate).
func TestTotalCountOnlyWhenSelected(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(8))
	for _, list := range []string{"coalitions", "stakeholders", "initiatives", "toolkitSections", "blogPosts", "countries"} {
		for _, c := range []struct {
			selection string
			counted   bool
		}{
			{"nodes { id }", false},
			{"pageInfo { hasNextPage } edges { cursor }", false},
			{"totalCount @include(if: false) nodes { id }", false},
			{"totalCount nodes { id }", true},
			{"n: totalCount", true},
			{"... on " + strings.ToUpper(list[:1]) + connectionOf(list) + " { totalCount }", true},
		} {
			r := api.Query(`{ `+list+`(first: 2) { `+c.selection+` } }`, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("%s { %s }: %+v", list, c.selection, r.Errors)
			}
			if counted := slices.Contains(api.CommandNames(), "aggregate"); counted != c.counted {
				t.Errorf("%s { %s }: commands %v, want a count: %v", list, c.selection, api.CommandNames(), c.counted)
			}
		}
	}
}

// connectionOf is the rest of the name of a root list's connection type: "oalitionConnection" for coalitions.
func connectionOf(list string) string {
	singular := map[string]string{"coalitions": "coalition", "stakeholders": "stakeholder", "initiatives": "initiative",
		"toolkitSections": "toolkitSection", "blogPosts": "blogPost", "countries": "country"}[list]
	return singular[1:] + "Connection"
}

// A nested connection without totalCount reads the window it returns: for one parent, the page of the related
// items and one more, whatever the number of related items; with totalCount it reads them all. Counted in the
// documents the store returns, for the members of a coalition and the coalitions of a stakeholder.
func TestNestedConnectionReadsItsWindow(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(40))
	var busiest struct {
		Stakeholders struct {
			Nodes []struct {
				Slug       string
				Coalitions struct{ TotalCount int }
			}
		}
	}
	api.Must(t, `{ stakeholders(first: 80) { nodes { slug coalitions { totalCount } } } }`, nil, &busiest)
	slug, most := "", 0
	for _, s := range busiest.Stakeholders.Nodes {
		if s.Coalitions.TotalCount > most {
			slug, most = s.Slug, s.Coalitions.TotalCount
		}
	}
	if most < 3 {
		t.Fatalf("no stakeholder is in 3 coalitions (%d): the test proves nothing", most)
	}
	// the stakeholder, its memberships (the links), and the window of coalitions with one more
	window := `{ stakeholder(slug: "` + slug + `") { coalitions(first: 1) { nodes { id } } } }`
	var out any
	api.Must(t, window, nil, &out)
	if got, want := api.Documents(), int64(1+most+2); got > want || slices.Contains(api.CommandNames(), "aggregate") {
		t.Errorf("coalitions(first: 1) of a stakeholder in %d: read %d documents with %v, want at most %d and no count", most, got, api.CommandNames(), want)
	}
	api.Must(t, strings.Replace(window, "nodes { id }", "totalCount nodes { id }", 1), nil, &out)
	if got := api.Documents(); got < int64(1+2*most) {
		t.Errorf("with totalCount: read %d documents, want every related item (%d)", got, 1+2*most)
	}
}
