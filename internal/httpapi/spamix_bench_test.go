package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/seed"
)

// spaClients is how many clients the SPA mix runs at once.
const spaClients = 8

// spaRequest is one request of the mix: a document and its variables.
type spaRequest struct {
	query string
	vars  map[string]any
}

// spaMix is what the pages of a single-page app over this API ask, from the slugs the server has: the coalition
// map and list, coalition and stakeholder pages, a search box as it is typed, the blog and the toolkit.
func spaMix(coalitions, stakeholders []string) []spaRequest {
	mix := []spaRequest{
		{`query Home { coalitions(first: 20) { totalCount nodes { id slug name status country { code name } } } }`, nil},
		{`query Map { coalitionAggregate(groupBy: [STATUS, COUNTRY]) { count groups { count keys { value } } } }`, nil},
		{`query Blog { blogPosts(first: 10) { nodes { id slug title publishedOn authors { nodes { id name } } } } }`, nil},
		{`query Toolkit { toolkitSections(first: 50) { nodes { id slug title number depth } } }`, nil},
		{`query Members { membershipAggregate(filter: {coalition: {status: [ACTIVE]}}, groupBy: [STAKEHOLDER_CATEGORY]) { count groups { count keys { value } } } }`, nil},
	}
	for _, s := range coalitions {
		mix = append(mix, spaRequest{`query Coalition($slug: String!) { coalition(slug: $slug) { id name description country { name }
		  members(first: 20) { edges { role node { id name category } } } initiatives(first: 10) { nodes { id name } } } }`, map[string]any{"slug": s}})
	}
	for _, s := range stakeholders {
		mix = append(mix, spaRequest{`query Stakeholder($slug: String!) { stakeholder(slug: $slug) { id name category
		  coalitions(first: 10) { nodes { id name } } posts(first: 5) { nodes { id title } } } }`, map[string]any{"slug": s}})
	}
	for _, q := range []string{"d", "di", "dig", "digi", "digit", "digital", "digital s", "digital sk", "digital skil", "skills"} {
		mix = append(mix, spaRequest{`query Search($q: String!) { search(query: $q, first: 10) { totalCount edges { score node { __typename ... on Node { id } } } } }`, map[string]any{"q": q}})
	}
	return mix
}

// BenchmarkSPAMix is the throughput of 8 clients running the SPA mix, each request one op: against the server at
// SPAMIX_URL when set (how a build of another commit is compared: build it, run it, point this at it), else
// in-process over Fixture(SPAMIX_N) (the seed content when SPAMIX_N is unset). It reports requests per second, the
// latency's median and 90th percentile, and, in-process, the process's resident memory at the end (embedded store
// and response cache included) and its peak.
func BenchmarkSPAMix(b *testing.B) {
	base := os.Getenv("SPAMIX_URL")
	if base == "" {
		d, err := seed.Content()
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := strconv.Atoi(os.Getenv("SPAMIX_N")); n > 0 {
			d = apitest.Fixture(n)
		}
		base = apitest.New(b, d).Server.URL
	}
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/graphql")
	var slugs struct {
		Coalitions, Stakeholders struct{ Nodes []struct{ Slug string } }
	}
	r := apitest.Send(b, base, nil, `{ coalitions(first: 100) { nodes { slug } } stakeholders(first: 100) { nodes { slug } } }`, nil)
	if err := json.Unmarshal(r.Data, &slugs); err != nil || len(r.Errors) > 0 {
		b.Fatalf("slugs: %v %+v", err, r.Errors)
	}
	pick := func(nodes []struct{ Slug string }, n int) []string {
		var out []string
		for i := 0; i < len(nodes) && len(out) < n; i += max(1, len(nodes)/n) {
			out = append(out, nodes[i].Slug)
		}
		return out
	}
	mix := spaMix(pick(slugs.Coalitions.Nodes, 30), pick(slugs.Stakeholders.Nodes, 30))
	bodies := make([][]byte, len(mix))
	for i, m := range mix {
		bodies[i], _ = json.Marshal(map[string]any{"query": m.query, "variables": m.vars})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: spaClients}}
	send := func(body []byte) error {
		res, err := client.Post(base+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
			return fmt.Errorf("%d %.300s", res.StatusCode, out)
		}
		return nil
	}
	for _, body := range bodies { // every page once, as the first visitors would
		if err := send(body); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	latencies := make([][]time.Duration, spaClients)
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range spaClients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := send(bodies[(int(i)*7+c)%len(bodies)]); err != nil {
					failed.Store(err)
					return
				}
				latencies[c] = append(latencies[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(all[len(all)*9/10].Microseconds())/1000, "ms-p90")
	if os.Getenv("SPAMIX_URL") == "" {
		runtime.GC()
		rss, peak := residentMemory()
		b.ReportMetric(rss, "MiB-rss")
		b.ReportMetric(peak, "MiB-rss-peak")
	}
}

// residentMemory is this process's resident set now and at its peak, in MiB, from /proc (0 elsewhere).
func residentMemory() (now, peak float64) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, value, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		switch name {
		case "VmRSS":
			now = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return now, peak
}
