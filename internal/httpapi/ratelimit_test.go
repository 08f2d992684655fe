package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"coalitiongraph/graph"
	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/httpapi"
)

// testClock is a clock a test moves by hand, so that buckets refill exactly as much as the test says.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// rated is one answer as a rate-limited client reads it: the status, the RateLimit fields, Retry-After, the
// error codes and the cost the answer reports.
type rated struct {
	status                  int
	limit, remaining, reset int
	retryAfter              string
	codes                   []string
	cost                    int
	header                  http.Header
}

func readRated(t *testing.T, res *http.Response) rated {
	t.Helper()
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	num := func(name string) int {
		v := res.Header.Get(name)
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("%s is %q, want a whole number (status %d: %.300s)", name, v, res.StatusCode, raw)
		}
		return n
	}
	r := rated{status: res.StatusCode, limit: num("RateLimit-Limit"), remaining: num("RateLimit-Remaining"),
		reset: num("RateLimit-Reset"), retryAfter: res.Header.Get("Retry-After"), header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || strings.Contains(res.Header.Get("Content-Type"), "graphql") {
		var out struct {
			Errors     []apitest.Error
			Extensions struct {
				Cost struct{ RequestedQueryCost int }
			}
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("answer %d is not JSON: %.300s", res.StatusCode, raw)
		}
		for _, e := range out.Errors {
			r.codes = append(r.codes, e.Code())
		}
		r.cost = out.Extensions.Cost.RequestedQueryCost
	}
	return r
}

// warm is the header of a request that the response cache may answer; every other request sent by ask is
// computed anew (Cache-Control: no-cache), so that it costs its operation's cost.
var warm = http.Header{"Cache-Control": {"max-age=60"}}

// ask posts a query that asks for its cost, with the request headers h.
func ask(t *testing.T, api *apitest.API, h http.Header, query string) rated {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "extensions": map[string]any{"cost": true}})
	req, _ := http.NewRequest(http.MethodPost, api.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readRated(t, res)
}

const (
	listQuery   = `{ coalitions(first: 5) { nodes { slug country { name } } } }`
	detailQuery = `{ stakeholders(first: 10) { totalCount nodes { name coalitions(first: 3) { nodes { name } } } } }`
)

// Every answer carries the client's RateLimit fields, and each request takes its operation's cost (as the answer
// reports it) from the bucket; the reset is how long the bucket takes to be full again at a sixtieth of the
// limit a second. A key has a bucket of its own, with its role's limit, and a mutation is charged like a query.
func TestRateLimitChargesTheCost(t *testing.T) {
	clock := newTestClock()
	limits := httpapi.RateLimits{Anonymous: 60_000, Preview: 120_000, Editor: 240_000, Admin: 480_000}
	api := apitest.NewWith(t, apitest.Fixture(4), httpapi.Config{RateLimits: limits, Now: clock.Now})

	first := ask(t, api, nil, listQuery)
	if first.status != http.StatusOK || len(first.codes) > 0 || first.cost < graph.ReadCost {
		t.Fatalf("first answer %+v", first)
	}
	if first.limit != 60_000 || first.remaining != 60_000-first.cost {
		t.Errorf("after a query of cost %d: limit %d, remaining %d; want 60000 and %d", first.cost, first.limit, first.remaining, 60_000-first.cost)
	}
	// 1,000 points a second: the points spent come back in cost/1000 seconds, rounded up.
	if want := (first.cost + 999) / 1000; first.reset != want {
		t.Errorf("reset %d s, want %d", first.reset, want)
	}
	second := ask(t, api, nil, detailQuery)
	if second.cost == first.cost || second.remaining != first.remaining-second.cost {
		t.Errorf("the second query (cost %d) left %d, want %d", second.cost, second.remaining, first.remaining-second.cost)
	}
	clock.Advance(3 * time.Second)
	third := ask(t, api, nil, listQuery)
	if want := min(60_000, second.remaining+3_000) - third.cost; third.remaining != want {
		t.Errorf("three seconds later and a query of cost %d: remaining %d, want %d", third.cost, third.remaining, want)
	}

	editor := api.Editor(t)
	mine := ask(t, api, editor, listQuery)
	if mine.limit != 240_000 || mine.remaining != 240_000-mine.cost {
		t.Errorf("the editor key's first query: limit %d, remaining %d; want 240000 and %d", mine.limit, mine.remaining, 240_000-mine.cost)
	}
	write := ask(t, api, editor, `mutation { createCoalition(input: {slug: "rated", name: "Rated", country: "PT", status: ACTIVE, scope: LOCAL}) { coalition { id } } }`)
	if len(write.codes) > 0 || write.cost < graph.WriteReads*graph.ReadCost || write.remaining != mine.remaining-write.cost {
		t.Errorf("a mutation of cost %d (errors %v) left %d, want %d", write.cost, write.codes, write.remaining, mine.remaining-write.cost)
	}
	preview := http.Header{"Authorization": {"Bearer " + api.Key(t, "preview", content.RolePreview)}}
	if p := ask(t, api, preview, listQuery); p.limit != 120_000 || p.remaining != 120_000-p.cost {
		t.Errorf("a preview key's first query: limit %d, remaining %d", p.limit, p.remaining)
	}
	if anon := ask(t, api, nil, listQuery); anon.remaining != third.remaining-anon.cost {
		t.Errorf("the keys' queries changed the anonymous bucket: %d, want %d", anon.remaining, third.remaining-anon.cost)
	}
}

// An answer from the response cache costs one point, whatever its operation's cost; the miss that filled the
// cache cost the operation's.
func TestRateLimitChargesACachedAnswerOnePoint(t *testing.T) {
	clock := newTestClock()
	limits := httpapi.RateLimits{Anonymous: 60_000, Preview: 60_000, Editor: 60_000, Admin: 60_000}
	api := apitest.NewWith(t, apitest.Fixture(4), httpapi.Config{RateLimits: limits, Now: clock.Now})
	miss := ask(t, api, warm, detailQuery)
	if miss.cost < graph.ReadCost || miss.remaining != 60_000-miss.cost || miss.header.Get("Cache-Status") != "coalitiongraph; fwd=miss" {
		t.Fatalf("the first request: cost %d, remaining %d, Cache-Status %q", miss.cost, miss.remaining, miss.header.Get("Cache-Status"))
	}
	for i := 1; i <= 3; i++ {
		hit := ask(t, api, warm, detailQuery)
		if hit.header.Get("Cache-Status") != "coalitiongraph; hit" || hit.remaining != miss.remaining-i {
			t.Errorf("hit %d (Cache-Status %q) left %d, want %d", i, hit.header.Get("Cache-Status"), hit.remaining, miss.remaining-i)
		}
	}
	if cold := ask(t, api, nil, detailQuery); cold.remaining != miss.remaining-3-miss.cost {
		t.Errorf("Cache-Control: no-cache computes anew and costs %d: remaining %d, want %d", miss.cost, cold.remaining, miss.remaining-3-miss.cost)
	}
}

// Past the limit: a request is admitted while the bucket holds a point, so the one that overdraws it is served,
// and the next is refused with 429, Retry-After (the seconds until the bucket holds a point again), the
// RateLimit fields and a GraphQL error RATE_LIMITED. A refusal costs nothing; once the clock has moved on by
// Retry-After, requests are served again.
func TestRateLimitRefusesPastTheLimit(t *testing.T) {
	clock := newTestClock()
	api := apitest.NewWith(t, apitest.Fixture(4), httpapi.Config{Now: clock.Now,
		RateLimits: httpapi.RateLimits{Anonymous: 6_000, Preview: 6_000, Editor: 6_000, Admin: 6_000}})
	served := 0
	var last rated
	for {
		last = ask(t, api, nil, listQuery)
		if last.status != http.StatusOK {
			break
		}
		if served++; served > 10 {
			t.Fatalf("%d requests served within a limit of 6,000 points", served)
		}
	}
	if served != 2 {
		t.Errorf("%d requests of about 4,000 points served before the refusal, want 2: the second overdraws the bucket", served)
	}
	if last.status != http.StatusTooManyRequests || len(last.codes) != 1 || last.codes[0] != content.ERateLimited {
		t.Fatalf("past the limit: status %d, codes %v", last.status, last.codes)
	}
	wait, err := strconv.Atoi(last.retryAfter)
	if err != nil || wait < 1 || wait > 60 {
		t.Fatalf("Retry-After %q", last.retryAfter)
	}
	if last.remaining != 0 || last.limit != 6_000 || last.reset < wait {
		t.Errorf("429 headers: limit %d, remaining %d, reset %d (Retry-After %d)", last.limit, last.remaining, last.reset, wait)
	}
	if again := ask(t, api, nil, listQuery); again.status != http.StatusTooManyRequests || again.retryAfter != last.retryAfter {
		t.Errorf("a refusal was charged: the next one says Retry-After %q (status %d), the first %q", again.retryAfter, again.status, last.retryAfter)
	}
	if other := ask(t, api, api.Editor(t), listQuery); other.status != http.StatusOK {
		t.Errorf("a key was refused with the anonymous bucket spent: %d", other.status)
	}
	clock.Advance(time.Duration(wait-1) * time.Second)
	if early := ask(t, api, nil, listQuery); early.status != http.StatusTooManyRequests {
		t.Errorf("a second before Retry-After: status %d", early.status)
	}
	clock.Advance(time.Second)
	if after := ask(t, api, nil, listQuery); after.status != http.StatusOK || len(after.codes) > 0 {
		t.Errorf("after Retry-After: status %d, codes %v", after.status, after.codes)
	}
	clock.Advance(time.Hour)
	if full := ask(t, api, nil, listQuery); full.remaining != 6_000-full.cost {
		t.Errorf("an hour later the bucket is not full: remaining %d after a query of %d", full.remaining, full.cost)
	}
}

// An export carries the RateLimit fields and is charged for every page it reads: the first before its headers,
// the others as it streams, so the next request finds them gone.
func TestRateLimitChargesEachExportPage(t *testing.T) {
	clock := newTestClock()
	const limit = 10_000_000
	api := apitest.NewWith(t, apitest.Fixture(60), httpapi.Config{Now: clock.Now, // 120 stakeholders: two pages
		RateLimits: httpapi.RateLimits{Anonymous: limit, Preview: limit, Editor: limit, Admin: limit}})
	res, err := http.Get(api.Server.URL + "/export/stakeholders.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	export := readRated(t, res)
	if export.status != http.StatusOK || export.limit != limit || export.remaining >= limit {
		t.Fatalf("export: status %d, limit %d, remaining %d", export.status, export.limit, export.remaining)
	}
	page := limit - export.remaining // both pages run the same operation, of the same cost
	next := ask(t, api, nil, listQuery)
	if want := export.remaining - page - next.cost; next.remaining != want {
		t.Errorf("after an export of two pages of %d points and a query of %d: remaining %d, want %d", page, next.cost, next.remaining, want)
	}
}

// Behind a trusted proxy each client has its own bucket, by the right-most X-Forwarded-For address that is not a
// proxy's; without TRUSTED_PROXIES the header is ignored (anyone can send it) and every request from the peer
// shares its bucket.
func TestRateLimitTrustsForwardedForFromTrustedProxiesOnly(t *testing.T) {
	limits := httpapi.RateLimits{Anonymous: 100_000, Preview: 100_000, Editor: 100_000, Admin: 100_000}
	forwarded := func(xff string) http.Header { return http.Header{"X-Forwarded-For": {xff}} }

	clock := newTestClock()
	proxied := apitest.NewWith(t, apitest.Fixture(4), httpapi.Config{RateLimits: limits, Now: clock.Now,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}})
	a := ask(t, proxied, forwarded("203.0.113.7"), listQuery)
	b := ask(t, proxied, forwarded("198.51.100.2"), listQuery)
	if a.remaining != 100_000-a.cost || b.remaining != 100_000-b.cost {
		t.Errorf("two clients behind the proxy share a bucket: %d then %d", a.remaining, b.remaining)
	}
	// The left-most entry is the client's to write; the proxies' own entries (10.x) are skipped.
	spoofed := ask(t, proxied, forwarded("192.0.2.99, 203.0.113.7, 10.1.2.3"), listQuery)
	if spoofed.remaining != a.remaining-spoofed.cost {
		t.Errorf("203.0.113.7 behind two proxies, with a forged entry before it, has another bucket: %d, want %d", spoofed.remaining, a.remaining-spoofed.cost)
	}

	direct := apitest.NewWith(t, apitest.Fixture(4), httpapi.Config{RateLimits: limits, Now: clock.Now})
	c := ask(t, direct, forwarded("203.0.113.7"), listQuery)
	d := ask(t, direct, forwarded("198.51.100.2"), listQuery)
	if d.remaining != c.remaining-d.cost {
		t.Errorf("without trusted proxies X-Forwarded-For chose the bucket: %d then %d", c.remaining, d.remaining)
	}
}

// Browsers let a page read the RateLimit fields and Retry-After (CORS exposes them).
func TestRateLimitHeadersAreExposedToBrowsers(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(2))
	body, _ := json.Marshal(map[string]any{"query": listQuery})
	req, _ := http.NewRequest(http.MethodPost, api.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://app.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	exposed := strings.ToLower(res.Header.Get("Access-Control-Expose-Headers"))
	for _, h := range []string{"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"} {
		if !strings.Contains(exposed, h) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", exposed, h)
		}
	}
}
