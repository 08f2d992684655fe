package httpapi_test

import (
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/seed"
)

// benchQuery measures one query on the seed content end to end (HTTP, GraphQL, loaders, driver, embedded store)
// and reports the median latency besides the mean (ns/op).
func benchQuery(b *testing.B, query string) {
	d, err := seed.Content()
	if err != nil {
		b.Fatal(err)
	}
	api := apitest.New(b, d)
	if r := api.Query(query, nil); len(r.Errors) > 0 {
		b.Fatalf("errors: %+v", r.Errors)
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		api.Query(query, nil)
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(api.Commands()), "db-commands/op")
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

// BenchmarkSearch is what a search box asks on the seed content: the first 20 hits over all content types of two
// words, the last one half typed, with scores and snippets.
func BenchmarkSearch(b *testing.B) {
	benchQuery(b, `{ search(query: "digital skil", first: 20) { totalCount edges { cursor score node { __typename
	  ... on Coalition { name } ... on Stakeholder { name } ... on Initiative { name } ... on ToolkitSection { title } ... on BlogPost { title } }
	  snippet { field html highlights { start length } } } } }`)
}
