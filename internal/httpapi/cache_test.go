package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/mongostore"
)

// clock is a time that a test moves by hand, so that a poll interval passes without waiting for it.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// cached is one answer as a client sees it: its status, its headers and its body.
type cached struct {
	status int
	header http.Header
	body   string
}

// fetch sends a query to the instance at base, by POST (or GET with get), with headers as "Name: value".
func fetch(t *testing.T, base string, get bool, query string, vars map[string]any, headers ...string) cached {
	t.Helper()
	var req *http.Request
	var err error
	if get {
		v := url.Values{"query": {query}}
		if vars != nil {
			b, _ := json.Marshal(vars)
			v.Set("variables", string(b))
		}
		req, err = http.NewRequest(http.MethodGet, base+"/graphql?"+v.Encode(), nil)
	} else {
		req, err = http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(body(query, vars)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Add(name, value)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return cached{res.StatusCode, res.Header, string(b)}
}

func (c cached) cacheStatus() string { return c.header.Get("Cache-Status") }

const nameQuery = `query($slug: String!) { coalition(slug: $slug) { name } }`

// editName renames a coalition in the draft stage, and publishes the rename when publish is set, with the key
// in auth ("Authorization: Bearer …").
func editName(t *testing.T, api *apitest.API, auth, slug, name string, publish bool) {
	t.Helper()
	var out struct {
		Coalition struct {
			ID      string
			Version int
		}
	}
	h := http.Header{"Authorization": {strings.TrimPrefix(auth, "Authorization: ")}, "Stage": {"DRAFT"}}
	r := api.QueryWith(h, `query($slug: String!) { coalition(slug: $slug) { id version } }`, map[string]any{"slug": slug})
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("read the draft: %s %+v", r.Data, r.Errors)
	}
	r = api.QueryWith(h, `mutation($id: ID!, $v: Int!, $name: String!) { updateCoalition(id: $id, expectedVersion: $v, input: {name: $name}) { coalition { version } } }`,
		map[string]any{"id": out.Coalition.ID, "v": out.Coalition.Version, "name": name})
	if len(r.Errors) > 0 {
		t.Fatalf("rename: %+v", r.Errors)
	}
	if publish {
		r = api.QueryWith(h, `mutation($id: ID!, $v: Int!) { publishCoalition(id: $id, expectedVersion: $v) { coalition { version } } }`,
			map[string]any{"id": out.Coalition.ID, "v": out.Coalition.Version + 1})
		if len(r.Errors) > 0 {
			t.Fatalf("publish: %+v", r.Errors)
		}
	}
}

// A repeated query is answered from the cache without a database command; a write through the API is seen at
// once by the key that wrote it (draft stage) and, once published, by anonymous readers of the same instance.
func TestCacheReadsItsWrites(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(3))
	vars := map[string]any{"slug": "coalition-001"}
	first := fetch(t, api.Server.URL, false, nameQuery, vars)
	var again cached
	api.Counting(func() { again = fetch(t, api.Server.URL, false, nameQuery, vars) })
	if first.cacheStatus() != "coalitiongraph; fwd=miss" || again.cacheStatus() != "coalitiongraph; hit" || again.body != first.body {
		t.Fatalf("first %q %s, again %q %s", first.cacheStatus(), first.body, again.cacheStatus(), again.body)
	}
	if n := api.Commands(); n != 0 {
		t.Errorf("a cached answer ran %d database commands", n)
	}

	auth := "Authorization: " + api.Editor(t).Get("Authorization")
	editName(t, api, auth, "coalition-001", "Renamed once", false)
	draft := fetch(t, api.Server.URL, false, nameQuery, vars, auth, "Stage: DRAFT")
	if !strings.Contains(draft.body, "Renamed once") {
		t.Errorf("the writer's draft read: %s", draft.body)
	}
	if anon := fetch(t, api.Server.URL, false, nameQuery, vars); anon.body != first.body {
		t.Errorf("an unpublished rename shows to anonymous readers: %s", anon.body)
	}
	editName(t, api, auth, "coalition-001", "Renamed twice", true)
	for _, get := range []bool{false, true} {
		if anon := fetch(t, api.Server.URL, get, nameQuery, vars); !strings.Contains(anon.body, "Renamed twice") {
			t.Errorf("after the publish, an anonymous reader (GET %v) gets %s", get, anon.body)
		}
		if keyed := fetch(t, api.Server.URL, get, nameQuery, vars, auth); !strings.Contains(keyed.body, "Renamed twice") {
			t.Errorf("after the publish, the writer (GET %v) gets %s", get, keyed.body)
		}
	}
}

// Two instances on one store: the second sees the first's publish once it polls the store's revision, within
// one poll interval for anonymous readers and at once for a request with a key.
func TestCacheAcrossInstances(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(3))
	c := newClock()
	const poll = 1000
	second := httptest.NewServer(httpapi.New(mongostore.New(api.DB()), httpapi.Config{CORSOrigins: []string{"*"}, CachePollMS: poll, Now: c.now,
		Logger: slog.New(slog.DiscardHandler)}))
	defer second.Close()
	vars := map[string]any{"slug": "coalition-002"}
	before := fetch(t, second.URL, false, nameQuery, vars)
	if r := fetch(t, second.URL, false, nameQuery, vars); r.cacheStatus() != "coalitiongraph; hit" {
		t.Fatalf("the second instance does not cache: %q", r.cacheStatus())
	}
	auth := "Authorization: " + api.Editor(t).Get("Authorization")
	editName(t, api, auth, "coalition-002", "Published elsewhere", true)

	if r := fetch(t, second.URL, false, nameQuery, vars, auth); !strings.Contains(r.body, "Published elsewhere") {
		t.Errorf("a key on the second instance reads %s, not the write", r.body)
	}
	c.advance(poll * time.Millisecond)
	if r := fetch(t, second.URL, false, nameQuery, vars); !strings.Contains(r.body, "Published elsewhere") {
		t.Errorf("one poll interval after the publish, the second instance answers %s (before: %s)", r.body, before.body)
	}
}

// Only complete answers are cached: an answer with an error is computed each time and carries no ETag, and
// neither is a query of API keys (which no revision follows) nor a mutation.
func TestCacheKeepsOnlyCompleteAnswers(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(3))
	admin := "Authorization: Bearer " + api.Key(t, "cache-admin", "ADMIN")
	for _, c := range []struct {
		name, query string
		headers     []string
	}{
		{"field error", `{ coalition(slug: "atlantis") { name } a: coalitions(first: 1) { totalCount } }`, nil},
		{"validation error", `{ coalitions { nope } }`, nil},
		{"api keys", `{ apiKeys { name } }`, []string{admin}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range 2 {
				var r cached
				api.Counting(func() { r = fetch(t, api.Server.URL, false, c.query, nil, c.headers...) })
				if r.header.Get("ETag") != "" || r.header.Get("Cache-Control") != "no-store" || r.cacheStatus() == "coalitiongraph; hit" {
					t.Errorf("request %d: ETag %q, Cache-Control %q, Cache-Status %q", i, r.header.Get("ETag"), r.header.Get("Cache-Control"), r.cacheStatus())
				}
				if c.name != "validation error" && api.Commands() == 0 {
					t.Errorf("request %d ran no database command: answered from the cache", i)
				}
			}
		})
	}
}

// Every cacheable answer has a strong ETag; If-None-Match with it gets 304 without a body, by GET and POST alike,
// until the content changes. Anonymous answers may be kept by shared caches within the staleness bound, answers
// to a key only privately, and the answer varies by what it depends on.
func TestETagRevalidation(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(3))
	vars := map[string]any{"slug": "coalition-000"}
	auth := "Authorization: " + api.Editor(t).Get("Authorization")
	for _, get := range []bool{true, false} {
		first := fetch(t, api.Server.URL, get, nameQuery, vars)
		etag := first.header.Get("ETag")
		if first.status != 200 || !strings.HasPrefix(etag, `"`) || first.header.Get("Cache-Control") != "public, max-age=0, s-maxage=1, stale-while-revalidate=1" {
			t.Fatalf("GET %v: %d ETag %q Cache-Control %q", get, first.status, etag, first.header.Get("Cache-Control"))
		}
		vary := strings.Join(first.header.Values("Vary"), ", ")
		for _, h := range []string{"Accept", "Authorization", "Stage"} {
			if !strings.Contains(vary, h) {
				t.Errorf("Vary %q lacks %s", vary, h)
			}
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			r := fetch(t, api.Server.URL, get, nameQuery, vars, "If-None-Match: "+inm)
			if r.status != http.StatusNotModified || r.body != "" || r.header.Get("ETag") != etag {
				t.Errorf("GET %v If-None-Match %s: %d %q ETag %q", get, inm, r.status, r.body, r.header.Get("ETag"))
			}
		}
		if r := fetch(t, api.Server.URL, get, nameQuery, vars, `If-None-Match: "other"`); r.status != 200 || r.body != first.body {
			t.Errorf("GET %v with another ETag: %d %s", get, r.status, r.body)
		}
		other := fetch(t, api.Server.URL, get, nameQuery, vars, "Accept: application/graphql-response+json")
		if e := other.header.Get("ETag"); e == "" || e == etag {
			t.Errorf("GET %v: the graphql-response+json answer's ETag %q, the json one's %q", get, e, etag)
		}
		keyed := fetch(t, api.Server.URL, get, nameQuery, vars, auth)
		if keyed.header.Get("Cache-Control") != "private, no-cache" || keyed.header.Get("ETag") == "" {
			t.Errorf("GET %v with a key: Cache-Control %q ETag %q", get, keyed.header.Get("Cache-Control"), keyed.header.Get("ETag"))
		}
	}
	editName(t, api, auth, "coalition-000", "Changed for the ETag", true)
	for _, get := range []bool{true, false} {
		r := fetch(t, api.Server.URL, get, nameQuery, vars)
		if r.status != 200 || !strings.Contains(r.body, "Changed for the ETag") {
			t.Errorf("GET %v after the change: %d %s", get, r.status, r.body)
		}
	}
}

// Identical concurrent misses are computed once: of requests sent together, one computes the answer and the
// others wait for it (or, arriving later, find it cached), so that together they run one request's commands.
func TestCacheComputesConcurrentMissesOnce(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(60))
	query := `{ search(query: "digital skil", first: 20) { totalCount edges { node { __typename } } } }`
	var alone cached
	api.Counting(func() { alone = fetch(t, api.Server.URL, false, query, nil, "Cache-Control: no-cache") })
	once := api.Commands()
	editName(t, api, "Authorization: "+api.Editor(t).Get("Authorization"), "coalition-000", "Invalidates the cache", false)
	const n = 8
	statuses := make([]string, n)
	var start, done sync.WaitGroup
	start.Add(1)
	api.Counting(func() {
		for i := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				statuses[i] = fetch(t, api.Server.URL, false, query, nil).cacheStatus()
			}()
		}
		start.Done()
		done.Wait()
	})
	misses := 0
	for _, s := range statuses {
		if s == "coalitiongraph; fwd=miss" {
			misses++
		}
	}
	if misses != 1 || api.Commands() != once {
		t.Errorf("%d requests sent together: %d misses (%v) and %d commands; one request alone runs %d (%s)", n, misses, statuses, api.Commands(), once, alone.cacheStatus())
	}
}

// A persisted-query hash that is not its query's is refused every time, even when the query's answer is cached.
func TestCacheKeepsPersistedQueryHashesHonest(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(2))
	query := `{ coalitions { totalCount } }`
	if r := fetch(t, api.Server.URL, false, query, nil); r.status != 200 || strings.Contains(r.body, "errors") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	wrong := `{"query": ` + strconvQuote(query) + `, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + strings.Repeat("ab", 32) + `"}}}`
	for i := range 2 {
		if e := postJSON(t, api, wrong); !strings.Contains(string(e.body), "errors") || e.header.Get("Cache-Status") == "coalitiongraph; hit" {
			t.Errorf("request %d with another query's hash: %d %s (%s)", i, e.status, e.body, e.header.Get("Cache-Status"))
		}
	}
}
