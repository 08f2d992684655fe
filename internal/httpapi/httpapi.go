// Package httpapi is the service's HTTP surface: one constructor returns the whole handler, and routes lists every
// endpoint. Middleware is applied once, here.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"coalitiongraph/graph"
	"coalitiongraph/graph/generated"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/ide"
	"coalitiongraph/internal/loader"
	"coalitiongraph/internal/metrics"
	"coalitiongraph/internal/traverse"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"
	"go.opentelemetry.io/otel/trace"
)

// Config is what the handler needs besides the store.
type Config struct {
	// CORSOrigins are the origins browsers may call the API from; "*" allows any (without credentials).
	CORSOrigins []string
	Logger      *slog.Logger
	// Limits are the bounds of one GraphQL operation; a limit left at 0 takes its default (Settings).
	Limits graph.Limits
	// MaxErrors is the most errors one answer carries.
	MaxErrors int
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int
	// RequestTimeoutMS bounds a request, every database call it makes included.
	RequestTimeoutMS int
	// MaxInFlight is the most GraphQL and export requests served at once; QueueWaitMS how long one more waits for
	// a place before it is refused with 503.
	MaxInFlight, QueueWaitMS int
	// RequestDBCommands is the most database commands one request runs at once.
	RequestDBCommands int
	// RateLimits are the points a minute each client may spend on GraphQL and exports (ratelimit.go).
	RateLimits RateLimits
	// TrustedProxies are the proxies whose X-Forwarded-For tells the client's address (ParseTrustedProxies).
	TrustedProxies []netip.Prefix
	// CacheMaxBytes is the response cache's memory budget; CachePollMS how often it polls the store's revision.
	CacheMaxBytes, CachePollMS int
	// Now is the clock (time.Now unless set) of the cache's polls and the rate limits' refill: tests move it to
	// pass a poll interval or refill a bucket without waiting.
	Now func() time.Time

	// Metrics records the requests (nil: no metrics); TracerProvider makes their spans (nil: no tracing). See
	// observe.go, and CommandMonitor for the database commands.
	Metrics        *metrics.Metrics
	TracerProvider trace.TracerProvider
}

// New returns the service's whole HTTP handler.
func New(store content.Store, cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	mux := http.NewServeMux()
	routes(mux, store, cfg)
	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   corsHeaders,
		ExposedHeaders:   []string{"X-Request-ID", "Retry-After", "ETag", "Cache-Status", headerRateLimit, headerRateRemaining, headerRateReset},
		AllowCredentials: !allowsAny(cfg.CORSOrigins),
		MaxAge:           600,
	})
	return requestLog(cfg.Logger, newObserver(cfg, mux), recoverPanics(cfg.Logger, c.Handler(mux)))
}

// corsHeaders are the request headers browsers may send: the ones Apollo Client, urql and Relay set, W3C trace
// context and baggage from tracing libraries, conditional requests, and Stage (which draft stage to read).
var corsHeaders = []string{
	"Content-Type", "Accept", "Authorization", "X-Request-ID", "If-None-Match", "Stage",
	"Apollographql-Client-Name", "Apollographql-Client-Version", "Apollo-Require-Preflight", "X-Apollo-Operation-Name",
	"Traceparent", "Tracestate", "Baggage",
}

func allowsAny(origins []string) bool {
	for _, o := range origins {
		if o == "*" {
			return true
		}
	}
	return false
}

// routes lists every endpoint of the service.
func routes(mux *http.ServeMux, store content.Store, cfg Config) {
	logger := cfg.Logger
	traverser := traverse.New(store, cfg.Limits.NodeBudget)
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{Store: store, Traverser: traverser}})
	limits := cfg.Limits
	limits.Report = reportCost
	cache := newResponseCache(store, int64(cfg.CacheMaxBytes), millis(cfg.CachePollMS), cfg.Now)
	cfg.Metrics.MustRegister(cache.collectors()...)
	admitted := func(h http.Handler) http.Handler { return admit(cfg.MaxInFlight, millis(cfg.QueueWaitMS), h) }
	rate := newRateLimiter(cfg)
	api := admitted(bounded(cfg, millis(cfg.RequestTimeoutMS), store, traverser, authenticate(store.Keys(), logger, false,
		rate.limit(loader.Middleware(store)(limitBody(cfg.MaxBodyBytes, graphQL(schema, limits, cfg, cache)))))))
	mux.Handle("POST /graphql", api)
	mux.Handle("GET /graphql", api)
	// An export is bounded as a whole by ExportTimeout, and each of its pages by the request timeout.
	mux.Handle("GET /export/{file}", admitted(bounded(cfg, ExportTimeout, store, traverser,
		authenticate(store.Keys(), logger, true, rate.limit(newExporter(graphQLExecutor(schema, limits, logger), store, cfg))))))
	if page, err := ide.New("/graphql"); err != nil {
		logger.Error("the GraphQL IDE is not available", "error", err)
	} else {
		mux.Handle("GET /{$}", page)
		mux.Handle("GET "+ide.Prefix, page)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			logger.WarnContext(ctx, "database not ready", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// graphQL is the GraphQL endpoint: GraphQL over HTTP with POST and GET (GET serves queries only; see
// transport.go), automatic persisted queries for short cacheable GET URLs, introspection for IDEs, and what every
// executor has (configure).
func graphQL(schema graphql.ExecutableSchema, limits graph.Limits, cfg Config, cache *responseCache) http.Handler {
	srv := handler.New(schema)
	t := transport{maxErrors: cfg.MaxErrors, cache: cache, shared: sharedCacheControl(millis(cfg.CachePollMS))}
	srv.AddTransport(getTransport{t})
	srv.AddTransport(postTransport{t})
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)}) // before the limits, which check its query
	srv.Use(operationSpans{tracer: tracerOf(cfg)})
	configure(srv, srv.SetValidationRulesFn, schema, limits, cfg.Logger)
	return srv
}

// graphQLExecutor runs operations in the process (the exports) as the endpoint runs them.
func graphQLExecutor(schema graphql.ExecutableSchema, limits graph.Limits, logger *slog.Logger) *executor.Executor {
	exec := executor.New(schema)
	configure(exec, exec.SetDefaultRulesFn, schema, limits, logger)
	return exec
}

// configurable is what the HTTP server and the in-process executor share to be configured.
type configurable interface {
	Use(graphql.HandlerExtension)
	AroundOperations(graphql.OperationMiddleware)
	SetQueryCache(graphql.Cache[*ast.QueryDocument])
	SetParserTokenLimit(int)
	SetErrorPresenter(graphql.ErrorPresenterFunc)
	SetRecoverFunc(graphql.RecoverFunc)
}

// configure gives an executor what every operation passes, written once: the parsed-document cache, the
// validation rules, strict input coercion, the limits, the batched loaders, the draft stage for mutations, the
// error presenter and the recover function. The cache holds validated documents only, and the limits skip the
// shape checks of a document found in it.
func configure(e configurable, setRules func(func() *rules.Rules), schema graphql.ExecutableSchema, limits graph.Limits, logger *slog.Logger) {
	documents := lru.New[*ast.QueryDocument](1000)
	limits.Checked = func(ctx context.Context, query string) bool { _, ok := documents.Get(ctx, query); return ok }
	e.SetQueryCache(documents)
	e.SetParserTokenLimit(limits.MaxTokens)
	setRules(graph.ValidationRules)
	e.Use(graph.InputCoercion{Schema: schema.Schema()})
	e.Use(&limits)
	batching := loader.NewBatching(logger)
	e.Use(batching)
	e.AroundOperations(mutationsReadDrafts)
	e.SetErrorPresenter(batching.Presenter(graph.ErrorPresenter(logger)))
	e.SetRecoverFunc(graph.Recover(logger))
}

// limitBody refuses request bodies over limit bytes with a 413 before anything reads them.
func limitBody(limit int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > int64(limit) {
			writeError(w, http.StatusRequestEntityTooLarge, content.EPayloadTooLarge, fmt.Sprintf("the request body is over %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, int64(limit))
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	// codes are the extensions.code of the answer's errors (noteErrors), for the metrics.
	codes []string
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// requestLog gives each request an id (X-Request-ID, kept when the client sent one) and logs it when it ends; obs
// records it in the metrics and as a span.
func requestLog(logger *slog.Logger, obs observer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		info := &requestInfo{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), requestInfoKey{}, info)
		r, span := obs.begin(r.WithContext(ctx))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(sw, r)
		obs.end(r, span, sw, info, time.Since(start))
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		logger.Log(r.Context(), level, "request", append([]any{"method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration", time.Since(start).Round(time.Microsecond)}, info.attrs()...)...)
	})
}

// recoverPanics answers a panic outside the GraphQL executor with a 500 and logs it; the server keeps running.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.ErrorContext(r.Context(), "panic", "panic", p, "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with one error in the shape of a GraphQL response, so that clients read every error alike.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Cache-Control", "no-store")
	noteCode(w, code)
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"message": message, "extensions": map[string]string{"code": code}}}})
}

// SplitOrigins reads a comma-separated list of CORS origins.
func SplitOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
