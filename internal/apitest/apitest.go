// Package apitest runs the real service for tests: the real HTTP handler over the real store, through the real
// driver, on the embedded FerretDB (or the MongoDB at MONGODB_URI), with one database per test.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coalitiongraph/internal/embedded"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/metrics"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var shared struct {
	once sync.Once
	uri  string
	dir  string
	srv  *embedded.Server
	err  error
}

// Main runs a test binary's tests and stops the embedded store afterwards. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// URI is the server the tests use: MONGODB_URI when set, else an embedded FerretDB shared by the test binary.
func URI(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		if shared.uri = os.Getenv("MONGODB_URI"); shared.uri != "" {
			return
		}
		if shared.dir, shared.err = os.MkdirTemp("", "coalitiongraph-test-"); shared.err != nil {
			return
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		if shared.srv, shared.err = embedded.Start(context.Background(), shared.dir, quiet); shared.err == nil {
			shared.uri = shared.srv.URI()
		}
	})
	if shared.err != nil {
		t.Fatalf("start the store: %v", shared.err)
	}
	return shared.uri
}

// API is the service under test with its own database.
type API struct {
	t        testing.TB
	Store    *mongostore.Store
	Server   *httptest.Server
	Data     *seed.Dataset
	commands atomic.Int64
	// running and peak are the commands under way now and at most during the last Query.
	running, peak atomic.Int64
	counting      atomic.Bool
	// documents is how many documents the counted commands returned (see Documents).
	documents atomic.Int64
	logs      Buffer
	client    *mongo.Client
	db        *mongo.Database
	mu        sync.Mutex
	names     []string
	byID      map[string]int64 // commands by request id, of every request
	// editor is the secret of the key Editor made, once.
	editor string
}

// Disconnect closes the API's database connection, so that every query fails inside the store.
func (a *API) Disconnect() { _ = a.client.Disconnect(context.Background()) }

// DB is the API's database, for tests that check what the store holds beneath the API (every collection, as a
// snapshot), or that put there what no request can make, such as an expired key.
func (a *API) DB() *mongo.Database { return a.db }

// housekeeping commands the driver sends on its own; they are not the API's work.
var housekeeping = map[string]bool{"hello": true, "isMaster": true, "ismaster": true, "ping": true, "endSessions": true,
	"buildInfo": true, "saslStart": true, "saslContinue": true, "killCursors": true}

// Unlimited is the rate limit of a test that sets none: more points a minute than any test spends.
const Unlimited = 1 << 50

// New starts the API over a fresh database loaded with d (nothing when d is nil). The database is dropped when
// the test ends.
func New(t testing.TB, d *seed.Dataset) *API {
	t.Helper()
	return NewWith(t, d, httpapi.Config{})
}

// NewWith is New with handler settings (the logger, the CORS origins and the rate limits are the harness's unless
// set). The database commands pass the service's own command monitor (metrics.CommandMonitor) as well as the
// harness's, with cfg.Metrics and cfg.TracerProvider when set, and the pool the metrics' pool monitor.
func NewWith(t testing.TB, d *seed.Dataset, cfg httpapi.Config) *API {
	t.Helper()
	a := &API{t: t, Data: d, byID: map[string]int64{}}
	service := metrics.CommandMonitor(cfg.Metrics, cfg.TracerProvider, httpapi.CountCommand)
	polls := sync.Map{} // request ids of the response cache's revision polls, which are not the API's work either
	// done ends a command and tells whether it was the API's work.
	done := func(e *event.CommandFinishedEvent) bool {
		if _, poll := polls.LoadAndDelete(e.RequestID); poll || housekeeping[e.CommandName] {
			return false
		}
		a.running.Add(-1)
		return true
	}
	monitor := &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
		service.Started(ctx, e)
		if housekeeping[e.CommandName] {
			return
		}
		if httpapi.RevisionPoll(ctx) {
			polls.Store(e.RequestID, true)
			return
		}
		if id := httpapi.RequestID(ctx); id != "" {
			a.mu.Lock()
			a.byID[id]++
			a.mu.Unlock()
		}
		n := a.running.Add(1)
		if a.counting.Load() {
			a.commands.Add(1)
			for p := a.peak.Load(); n > p && !a.peak.CompareAndSwap(p, n); p = a.peak.Load() {
			}
			a.mu.Lock()
			a.names = append(a.names, e.CommandName)
			a.mu.Unlock()
		}
	},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			service.Succeeded(ctx, e)
			if done(&e.CommandFinishedEvent) && a.counting.Load() {
				a.documents.Add(int64(len(batchOf(e.Reply))))
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			service.Failed(ctx, e)
			done(&e.CommandFinishedEvent)
		},
	}
	client, err := mongo.Connect(options.Client().ApplyURI(URI(t)).SetMonitor(monitor).SetPoolMonitor(cfg.Metrics.PoolMonitor()).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	db := client.Database("cgtest_" + hex.EncodeToString(b))
	ctx := context.Background()
	a.Store = mongostore.New(db)
	if err := a.Store.EnsureIndexes(ctx); err != nil {
		t.Fatalf("indexes: %v", err)
	}
	if d != nil {
		if err := seed.Load(ctx, a.Store, d); err != nil {
			t.Fatalf("load dataset: %v", err)
		}
	}
	logger := slog.New(httpapi.WithRequestIDs(slog.NewTextHandler(&a.logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if cfg.Logger == nil {
		cfg.Logger = logger
	}
	if cfg.CORSOrigins == nil {
		cfg.CORSOrigins = []string{"*"}
	}
	if cfg.RateLimits == (httpapi.RateLimits{}) {
		// A test is one client sending thousands of operations a minute (up to a hundred million points): the
		// defaults would refuse it. Tests of the rate limits set their own.
		cfg.RateLimits = httpapi.RateLimits{Anonymous: Unlimited, Preview: Unlimited, Editor: Unlimited, Admin: Unlimited}
	}
	a.Server = httptest.NewServer(httpapi.New(a.Store, cfg))
	a.client = client
	a.db = db
	t.Cleanup(func() {
		a.Server.Close()
		_ = db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	return a
}

// Buffer is a bytes.Buffer that goroutines may share: a server's log output that a test reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Logs returns what the service logged at warning level or above.
func (a *API) Logs() string { return a.logs.String() }

// Error is one GraphQL error as clients see it.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Query posts a GraphQL document with variables and decodes the response; it counts the database commands the
// request makes (see Commands).
func (a *API) Query(query string, vars map[string]any) Response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return a.Post("application/json", body)
}

// Post sends a raw body to /graphql.
func (a *API) Post(contentType string, body []byte) Response {
	a.t.Helper()
	res := a.PostRaw(contentType, body)
	return a.decode(res)
}

// PostRaw sends a raw body to /graphql and returns the HTTP response, its body unread; it counts the database
// commands the request makes (see Commands).
func (a *API) PostRaw(contentType string, body []byte) *http.Response {
	a.t.Helper()
	defer a.count()()
	res, err := http.Post(a.Server.URL+"/graphql", contentType, bytes.NewReader(body))
	if err != nil {
		a.t.Fatalf("post: %v", err)
	}
	return res
}

// count starts counting the database commands afresh (see Commands) and returns the function that stops.
func (a *API) count() func() {
	a.commands.Store(0)
	a.documents.Store(0)
	a.peak.Store(0)
	a.mu.Lock()
	a.names = nil
	a.mu.Unlock()
	a.counting.Store(true)
	return func() { a.counting.Store(false) }
}

// Documents is how many documents the commands of the last Query (or Counting) returned: what the store read
// to answer it.
func (a *API) Documents() int64 { return a.documents.Load() }

// batchOf is the documents of a command's reply: a cursor's first or next batch.
func batchOf(reply bson.Raw) []bson.RawValue {
	for _, path := range [][]string{{"cursor", "firstBatch"}, {"cursor", "nextBatch"}} {
		if v, err := reply.LookupErr(path...); err == nil {
			if arr, ok := v.ArrayOK(); ok {
				vals, _ := arr.Values()
				return vals
			}
		}
	}
	return nil
}

// Counting runs f, which uses a.Store directly, and counts the database commands it makes as Query counts a
// request's (see Commands, PeakCommands and CommandNames).
func (a *API) Counting(f func()) {
	defer a.count()()
	f()
}

// Do posts a GraphQL document as the request with the given X-Request-ID, without touching Commands: requests may
// run concurrently, and CommandsOf(id) counts each one's commands. It reports a failure on t rather than ending
// the test, so that other goroutines may call it.
func (a *API) Do(t testing.TB, id, query string, vars map[string]any) Response {
	t.Helper()
	return a.DoWith(t, http.Header{"X-Request-ID": {id}}, query, vars)
}

// DoWith is Do with the given request headers, such as a key's: a request that goroutines may send concurrently.
func (a *API) DoWith(t testing.TB, h http.Header, query string, vars map[string]any) Response {
	t.Helper()
	return Send(t, a.Server.URL, h, query, vars)
}

// Send posts a GraphQL document with variables and headers to the service at base (its /graphql) and decodes
// the answer. It reports a failure on t rather than ending the test, so that other goroutines may call it.
func Send(t testing.TB, base string, h http.Header, query string, vars map[string]any) Response {
	t.Helper()
	return SendBody(t, base, h, map[string]any{"query": query, "variables": vars})
}

// SendBody is Send of a whole request body, such as one that names its operation.
func SendBody(t testing.TB, base string, h http.Header, request map[string]any) Response {
	t.Helper()
	body, _ := json.Marshal(request)
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("post: %v", err)
		return Response{}
	}
	r, err := read(res)
	if err != nil {
		t.Error(err)
	}
	return r
}

// CommandsOf is the number of database commands the request with the given X-Request-ID made.
func (a *API) CommandsOf(id string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byID[id]
}

// Get sends a request to path and decodes a GraphQL response.
func (a *API) Get(path string) Response {
	a.t.Helper()
	res, err := http.Get(a.Server.URL + path)
	if err != nil {
		a.t.Fatalf("get: %v", err)
	}
	return a.decode(res)
}

func (a *API) decode(res *http.Response) Response {
	a.t.Helper()
	r, err := read(res)
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

// read decodes a GraphQL response.
func read(res *http.Response) (Response, error) {
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := Response{Status: res.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("response %d is not JSON: %s", res.StatusCode, raw)
	}
	return r, nil
}

// Commands is the number of database commands the last Query made.
func (a *API) Commands() int64 { return a.commands.Load() }

// PeakCommands is the most database commands that ran at once during the last Query.
func (a *API) PeakCommands() int64 { return a.peak.Load() }

// CommandNames are the names of the database commands the last Query made, in order.
func (a *API) CommandNames() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.names...)
}

// Check runs a query that must succeed and decodes its data into out, reporting a failure on t (the calling
// test or subtest); it tells whether the query succeeded.
func (a *API) Check(t testing.TB, query string, vars map[string]any, out any) bool {
	t.Helper()
	r := a.Query(query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		v, _ := json.Marshal(vars)
		t.Errorf("query failed (%d): %+v\nquery: %s\nvariables: %s", r.Status, r.Errors, query, v)
		return false
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Errorf("decode %s: %v", r.Data, err)
		return false
	}
	return true
}

// Must is Check that ends the calling test when the query fails.
func (a *API) Must(t testing.TB, query string, vars map[string]any, out any) {
	t.Helper()
	if !a.Check(t, query, vars, out) {
		t.FailNow()
	}
}

// Fails runs a query that must fail with an error of the given code, and returns that error; otherwise it ends
// the calling test t.
func (a *API) Fails(t testing.TB, code, query string, vars map[string]any) Error {
	t.Helper()
	r := a.Query(query, vars)
	if r.Status >= 500 {
		t.Fatalf("status %d for a bad request", r.Status)
	}
	for _, e := range r.Errors {
		if e.Code() == code {
			return e
		}
	}
	v, _ := json.Marshal(vars)
	t.Fatalf("want an error with code %s, got %+v (data %s)\nquery: %s\nvariables: %s", code, r.Errors, r.Data, query, v)
	return Error{}
}

// Database returns an empty database of its own on the test store, for tests that write documents as another
// build would have; it is dropped when the test ends.
func Database(t testing.TB) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(URI(t)))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	db := client.Database("cgtest_" + hex.EncodeToString(b))
	t.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	return db
}

// IntrospectionQuery is the full introspection query IDEs and client code generators send (graphql-js's
// getIntrospectionQuery with every option on).
//
//go:embed introspection.graphql
var IntrospectionQuery string
