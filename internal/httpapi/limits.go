package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/traverse"
)

// Setting is one limit of the service: its default, the environment variable and flag that set it, the error
// code a client gets when it is reached, and what it bounds. The README's Limits section lists every one
// (TestReadmeListsEveryLimit).
type Setting struct {
	Env, Flag string
	Default   int
	// Code is the extensions.code of the error the limit gives; empty when it refuses nothing.
	Code string
	Doc  string
	// Field is the setting's place in a Config.
	Field func(*Config) *int
}

// Settings are the service's limits, each set by its environment variable or flag.
var Settings = []Setting{
	{"MAX_TOKENS", "max-tokens", 5000, content.ETokens, "most lexical tokens in a GraphQL document",
		func(c *Config) *int { return &c.Limits.MaxTokens }},
	{"MAX_FIELDS", "max-fields", 1000, content.EFields, "most fields a document selects, as written",
		func(c *Config) *int { return &c.Limits.MaxFields }},
	{"MAX_ALIASES", "max-aliases", 50, content.EAliases, "most aliased fields in a document",
		func(c *Config) *int { return &c.Limits.MaxAliases }},
	{"MAX_DEPTH", "max-depth", 20, content.EDepth, "deepest nesting of fields, through fragments",
		func(c *Config) *int { return &c.Limits.MaxDepth }},
	{"MAX_DIRECTIVES", "max-directives", 5, content.EDirectives, "most directives on one field, fragment or operation",
		func(c *Config) *int { return &c.Limits.MaxDirectives }},
	{"MAX_ROOT_FIELDS", "max-root-fields", 30, content.ERootFields, "most root fields in one operation, through fragments",
		func(c *Config) *int { return &c.Limits.MaxRootFields }},
	{"MAX_INPUT_DEPTH", "max-input-depth", 10, content.EInputDepth, "deepest nesting of objects and lists in an argument or variable (filters' and/or/not)",
		func(c *Config) *int { return &c.Limits.MaxInputDepth }},
	{"MAX_LIST_LENGTH", "max-list-length", 100, content.EListLength, "most values in one list of an argument or variable (and/or lists, ids, orderBy)",
		func(c *Config) *int { return &c.Limits.MaxListLength }},
	{"MAX_QUERY_COST", "max-query-cost", 500_000, content.ECost, "highest cost of one operation: every field 1, connections times their page size",
		func(c *Config) *int { return &c.Limits.MaxCost }},
	{"GRAPH_NODE_BUDGET", "graph-node-budget", traverse.DefaultBudget, content.ENodeBudget, "most nodes the graph traversals (neighbors, path, network) of one request reach together",
		func(c *Config) *int { return &c.Limits.NodeBudget }},
	{"MAX_ERRORS", "max-errors", DefaultMaxErrors, content.ETooManyErrors, "most errors in one answer; the rest are counted in a last error",
		func(c *Config) *int { return &c.MaxErrors }},
	{"MAX_BODY_BYTES", "max-body-bytes", 1 << 20, content.EPayloadTooLarge, "largest request body (HTTP 413 above)",
		func(c *Config) *int { return &c.MaxBodyBytes }},
	{"REQUEST_TIMEOUT_MS", "request-timeout-ms", 15_000, content.ETimeout, "time one request may take, database calls included, in milliseconds",
		func(c *Config) *int { return &c.RequestTimeoutMS }},
	{"MAX_IN_FLIGHT", "max-in-flight", 16, content.EOverloaded, "most GraphQL and export requests served at once; more wait up to QUEUE_WAIT_MS, then get HTTP 503 with Retry-After",
		func(c *Config) *int { return &c.MaxInFlight }},
	{"QUEUE_WAIT_MS", "queue-wait-ms", 100, content.EOverloaded, "longest a request waits for a free place before it is refused, in milliseconds",
		func(c *Config) *int { return &c.QueueWaitMS }},
	{"CACHE_MAX_BYTES", "cache-max-bytes", 64 << 20, "", "memory the response cache may hold, in bytes; the least recently used answers are evicted past it",
		func(c *Config) *int { return &c.CacheMaxBytes }},
	{"CACHE_POLL_MS", "cache-poll-ms", 1000, "", "how often the response cache polls the store's revision for other instances' writes, in milliseconds: the staleness bound of anonymous answers",
		func(c *Config) *int { return &c.CachePollMS }},
	{"REQUEST_DB_COMMANDS", "request-db-commands", 4, "", "most database commands one request runs at once, so that no request holds more than its share of the connection pool",
		func(c *Config) *int { return &c.RequestDBCommands }},
	{"RATE_LIMIT_ANONYMOUS", "rate-limit-anonymous", 600_000, content.ERateLimited, "points a minute each client address may spend without a key: an operation costs its cost, a cached answer 1 (HTTP 429 with Retry-After past it)",
		func(c *Config) *int { return &c.RateLimits.Anonymous }},
	{"RATE_LIMIT_PREVIEW", "rate-limit-preview", 3_000_000, content.ERateLimited, "points a minute each PREVIEW key may spend",
		func(c *Config) *int { return &c.RateLimits.Preview }},
	{"RATE_LIMIT_EDITOR", "rate-limit-editor", 3_000_000, content.ERateLimited, "points a minute each EDITOR key may spend",
		func(c *Config) *int { return &c.RateLimits.Editor }},
	{"RATE_LIMIT_ADMIN", "rate-limit-admin", 6_000_000, content.ERateLimited, "points a minute each ADMIN key may spend",
		func(c *Config) *int { return &c.RateLimits.Admin }},
}

// withDefaults fills in the default of every setting left at zero.
func (c Config) withDefaults() Config {
	for _, s := range Settings {
		if p := s.Field(&c); *p <= 0 {
			*p = s.Default
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func millis(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// admit serves at most n requests at once. A request that finds no free place within wait is refused at once
// with HTTP 503 and Retry-After, a typed error, instead of queueing for seconds behind the others.
func admit(n int, wait time.Duration, next http.Handler) http.Handler {
	places := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case places <- struct{}{}:
		default:
			t := time.NewTimer(wait)
			select {
			case places <- struct{}{}:
				t.Stop()
			case <-t.C:
				w.Header().Set("Retry-After", "1")
				writeError(w, http.StatusServiceUnavailable, content.EOverloaded, fmt.Sprintf("the server is serving %d requests, its capacity: retry after a second", n))
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		defer func() { <-places }()
		next.ServeHTTP(w, r)
	})
}

// bounded gives each request its time limit, its share of the database pool and its node budget.
func bounded(cfg Config, timeout time.Duration, store content.Store, traverser *traverse.Traverser, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		ctx = store.WithCommandLimit(ctx, cfg.RequestDBCommands)
		ctx = traverser.WithBudget(ctx)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestInfo is what the request log line, the metrics and the rate limiter learn of a request besides the HTTP
// exchange: filled in while the request runs, by whichever part knows (the limits the cost, the response cache
// its status, the command monitor the database commands).
type requestInfo struct {
	cost     atomic.Int64
	commands atomic.Int64
	mu       sync.Mutex
	// operation is the operation's name ("" for an anonymous one); cache how the response cache served it.
	operation, cache string
}

type requestInfoKey struct{}

// infoOf is the request's info, or nil outside a request (the exports' in-process operations have their
// request's).
func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// reportCost records an operation's cost. A request's cost is the sum of its operations': one for a GraphQL
// request, one for each page of an export (which the rate limiter charges page by page). The sum saturates.
func reportCost(ctx context.Context, cost int) {
	info := infoOf(ctx)
	if info == nil {
		return
	}
	for {
		old := info.cost.Load()
		sum := old + int64(cost)
		if sum < old {
			sum = math.MaxInt64
		}
		if info.cost.CompareAndSwap(old, sum) {
			return
		}
	}
}

// CountCommand records one database command for the request ctx belongs to; the server's command monitor calls
// it for every command started.
func CountCommand(ctx context.Context) {
	if info := infoOf(ctx); info != nil {
		info.commands.Add(1)
	}
}

// Cache statuses of a request, as the log line and the metrics name them.
const (
	cacheHit    = "hit"    // answered from the response cache
	cacheMiss   = "miss"   // computed, and cached if it could be
	cacheStale  = "stale"  // answered with the previous answer while another request recomputes it
	cacheBypass = "bypass" // not cacheable: a mutation, an export, `Cache-Control: no-cache`, an uncacheable field
)

// set records the operation's name and how the cache served it.
func (i *requestInfo) set(operation, cache string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.operation, i.cache = operation, cache
	i.mu.Unlock()
}

func (i *requestInfo) attrs() []any {
	i.mu.Lock()
	out := []any{}
	if i.operation != "" {
		out = append(out, "operation", i.operation)
	}
	if i.cache != "" {
		out = append(out, "cache", i.cache)
	}
	i.mu.Unlock()
	if c := i.cost.Load(); c > 0 {
		out = append(out, "cost", c)
	}
	if n := i.commands.Load(); n > 0 {
		out = append(out, "dbCommands", n)
	}
	return out
}
