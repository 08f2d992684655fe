package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
)

// scaleQueries are the queries of issue 10's table, as a site and an analyst ask them.
var scaleQueries = []struct{ name, query string }{
	{"CoalitionPage", `{ coalitions(first: 20) { totalCount nodes { slug name country { code name } } } }`},
	{"CoalitionBySlug", `{ coalition(slug: "coalition-001") { name description country { name }
	  members(first: 20) { edges { role node { name category } } } initiatives(first: 20) { nodes { name } } } }`},
	{"Search", `{ search(query: "digital skil", first: 20) { totalCount edges { cursor score node { __typename
	  ... on Coalition { name } ... on Stakeholder { name } ... on Initiative { name } ... on ToolkitSection { title } ... on BlogPost { title } } } } }`},
	{"CoalitionsByStatusCountry", `{ coalitionAggregate(groupBy: [STATUS, COUNTRY]) { count groups { count keys { value node { ... on Country { name } } } } } }`},
	{"MembersOfActiveByCategory", `{ membershipAggregate(filter: {coalition: {status: [ACTIVE]}}, groupBy: [STAKEHOLDER_CATEGORY]) { count groups { count keys { value } } } }`},
}

// BenchmarkScale measures each query of scaleQueries on apitest.Fixture(n) for n = 30, 300 and 3000 (each
// dataset loaded once), hot and cold: hot repeats the same request, which a response cache answers; cold sends
// it with Cache-Control: no-cache, which bypasses the cache and reads the store. It reports the median (ms-p50)
// and the 90th percentile (ms-p90) of the requests and the database commands of one request. Run it with a
// fixed count, such as -benchtime=10x, so that every size gets the same number of samples.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{30, 300, 3000} {
		var api *apitest.API
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if api == nil {
				api = apitest.New(b, apitest.Fixture(n))
			}
			for _, q := range scaleQueries {
				for _, mode := range []struct {
					name   string
					header http.Header
				}{{"hot", http.Header{}}, {"cold", http.Header{"Cache-Control": {"no-cache"}}}} {
					b.Run(q.name+"/"+mode.name, func(b *testing.B) { benchScale(b, api, q.query, mode.header) })
				}
			}
		})
	}
}

// benchScale sends query with the header h to warm up, then once per iteration, and reports the spread. It
// reads each answer's bytes and checks them for errors without decoding them: the client's own decoding, which
// grows with the answer (a search of 8 hits at n=30, of 20 from n=300 on), is not the service's latency.
func benchScale(b *testing.B, api *apitest.API, query string, h http.Header) {
	body, _ := json.Marshal(map[string]any{"query": query})
	send := func() {
		req, err := http.NewRequest(http.MethodPost, api.Server.URL+"/graphql", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header = h.Clone()
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
			b.Fatalf("status %d: %.300s", res.StatusCode, out)
		}
	}
	// Warm up twice: the cache, having seen the store's revision change (the load), recomputes once more a poll
	// interval later (see revisionWatch).
	send()
	send()
	api.Counting(send) // the commands of one request after the warm-up: none when the cache answers
	commands := api.Commands()
	var durations []time.Duration
	for b.Loop() {
		start := time.Now()
		send()
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	ms := func(q float64) float64 {
		return float64(durations[min(int(q*float64(len(durations))), len(durations)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.5), "ms-p50")
	b.ReportMetric(ms(0.9), "ms-p90")
	b.ReportMetric(float64(commands), "db-commands/op")
}
