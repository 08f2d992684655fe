package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// benchQuery measures one query on the seed content end to end (HTTP, GraphQL, loaders, driver, embedded store)
// and reports the median latency besides the mean (ns/op), and the database commands of one query. Each request
// bypasses the response cache (Cache-Control: no-cache): these measure the store's path (BenchmarkScale measures
// the cache's too).
func benchQuery(b *testing.B, query string) {
	cold := http.Header{"Cache-Control": {"no-cache"}}
	api := benchRun(b, func(api *apitest.API) {
		if r := api.QueryWith(cold, query, nil); len(r.Errors) > 0 {
			b.Fatalf("errors: %+v", r.Errors)
		}
	})
	b.ReportMetric(float64(api.Commands()), "db-commands/op")
}

// benchRun measures do on an API over the seed content and reports the median latency.
func benchRun(b *testing.B, do func(api *apitest.API)) *apitest.API {
	d, err := seed.Content()
	if err != nil {
		b.Fatal(err)
	}
	api := apitest.New(b, d)
	do(api)
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		do(api)
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median")
	return api
}

// BenchmarkNestedQuery is the command-count query (coalitions → members → their coalitions and posts → authors,
// plus countries and mentions) on the seed content.
func BenchmarkNestedQuery(b *testing.B) { benchQuery(b, NestedQuery) }

// BenchmarkCoalitionPage is one filtered page of coalitions with totalCount, as a coalition map would ask.
func BenchmarkCoalitionPage(b *testing.B) {
	benchQuery(b, `{ coalitions(first: 20, filter: {status: ACTIVE}, orderBy: [{field: COUNTRY}]) { totalCount edges { cursor node { slug name country { code name } } } } }`)
}

// BenchmarkCoalitionBySlug is a coalition page: one coalition with its members and initiatives.
func BenchmarkCoalitionBySlug(b *testing.B) {
	benchQuery(b, `{ coalition(slug: "ireland") { name description country { name } members { edges { role node { name category } } } initiatives { nodes { name } } } }`)
}

// BenchmarkAggregate is the analysts' aggregates on the seed content: coalitions by status and country with the
// countries' names, coalitions by focus area (an array), and members of active coalitions by category (across the
// membership relation).
func BenchmarkAggregate(b *testing.B) {
	for _, c := range []struct{ name, query string }{
		{"CoalitionsByStatusCountry", `{ coalitionAggregate(groupBy: [STATUS, COUNTRY]) { count groups { count keys { value node { ... on Country { name } } } } } }`},
		{"CoalitionsByFocusArea", `{ coalitionAggregate(groupBy: [FOCUS_AREA]) { count groups { count keys { value } } } }`},
		{"MembersOfActiveByCategory", `{ membershipAggregate(filter: {coalition: {status: [ACTIVE]}}, groupBy: [STAKEHOLDER_CATEGORY]) { count groups { count keys { value } } } }`},
	} {
		b.Run(c.name, func(b *testing.B) { benchQuery(b, c.query) })
	}
}

// BenchmarkNeighbors is the neighbourhood of the Irish coalition two hops deep on the seed content: every node
// with its name and every edge, as a graph view would draw it.
func BenchmarkNeighbors(b *testing.B) {
	id := content.GlobalID(content.KeyOf(content.TypeCoalition, seed.ID(content.TypeCoalition, "ireland")))
	benchQuery(b, `{ neighbors(id: "`+id+`", depth: 2) {
	  nodes { depth node { __typename ... on Node { id } ... on Coalition { name } ... on Stakeholder { name } ... on Initiative { name } ... on BlogPost { title } ... on ToolkitSection { title } } }
	  edges { from to relation role }
	} }`)
}

// BenchmarkSearch is what a search box asks on the seed content: the first 20 hits over all content types of two
// words, the last one half typed, with scores and snippets.
func BenchmarkSearch(b *testing.B) {
	benchQuery(b, `{ search(query: "digital skil", first: 20) { totalCount edges { cursor score node { __typename
	  ... on Coalition { name } ... on Stakeholder { name } ... on Initiative { name } ... on ToolkitSection { title } ... on BlogPost { title } }
	  snippet { field html highlights { start length } } } } }`)
}

// BenchmarkExportCSV downloads every stakeholder of the seed content as CSV, with their coalitions and initiatives.
func BenchmarkExportCSV(b *testing.B) {
	benchRun(b, func(api *apitest.API) {
		res, err := http.Get(api.Server.URL + "/export/stakeholders.csv")
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("export: %v %v", err, res)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	})
}

// benchWrite measures one mutation, sent with an EDITOR key, on the seed content: vars gives each run's
// variables, and read takes the item's new version from the payload.
func benchWrite(b *testing.B, mutation string, vars func(n, version int) map[string]any) {
	var h http.Header
	var id string
	n, version := 0, 0
	api := benchRun(b, func(api *apitest.API) {
		if h == nil {
			h = api.Editor(b)
			var out struct {
				Coalition struct {
					ID      string
					Version int
				}
			}
			api.Must(b, `{ coalition(slug: "ireland") { id version } }`, nil, &out)
			id, version = out.Coalition.ID, out.Coalition.Version
		}
		n++
		v := vars(n, version)
		v["id"] = id
		r := api.QueryWith(h, mutation, v)
		var data map[string]struct{ Coalition struct{ Version int } }
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil {
			b.Fatalf("errors: %+v", r.Errors)
		}
		for _, p := range data {
			if p.Coalition.Version > version {
				version = p.Coalition.Version
			}
		}
	})
	b.ReportMetric(float64(api.Commands()), "db-commands/op")
}

// BenchmarkCreate is createCoalition: a new draft with a reference check of its country.
func BenchmarkCreate(b *testing.B) {
	benchWrite(b, `mutation($slug: String!) { createCoalition(input: {slug: $slug, name: "Bench coalition", country: "IE",
  status: FORMING, scope: NATIONAL}) { coalition { id version } } }`, func(n, _ int) map[string]any {
		return map[string]any{"slug": fmt.Sprintf("bench-%d", n)}
	})
}

// BenchmarkUpdate is updateCoalition of one field of a seed coalition with members, against its version.
func BenchmarkUpdate(b *testing.B) {
	benchWrite(b, `mutation($id: ID!, $v: Int!, $name: String!) { updateCoalition(id: $id, expectedVersion: $v, input: {name: $name}) {
  coalition { version } } }`, func(n, version int) map[string]any {
		return map[string]any{"v": version, "name": fmt.Sprintf("Ireland %d", n)}
	})
}

// BenchmarkPublish is publishCoalition of a seed coalition with members: the draft, the published copy, its
// memberships and the links of the published items that refer to it.
func BenchmarkPublish(b *testing.B) {
	benchWrite(b, `mutation($id: ID!, $v: Int!) { publishCoalition(id: $id, expectedVersion: $v) { coalition { version } } }`,
		func(_, version int) map[string]any { return map[string]any{"v": version} })
}
