// Package metrics holds the service's Prometheus metrics: one Metrics value with its own registry (no global
// state), served by Handler on a listener of its own (METRICS_ADDR), never on the public port. Every method is
// safe on a nil *Metrics and then does nothing, so that the service runs without metrics at no cost.
package metrics

import (
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.mongodb.org/mongo-driver/v2/event"
)

// Namespace prefixes the service's own metric names.
const Namespace = "coalitiongraph"

// Other is the label value that stands for every value past a label's bound, or not well formed.
const Other = "other"

// Label bounds: a client chooses its operation names, so a million distinct ones must not make a million series.
const (
	// MaxOperations is how many distinct operation names get a series of their own; later ones count as Other.
	MaxOperations = 200
	// MaxNameLength is the longest operation name, error code or collection name kept as a label value.
	MaxNameLength = 64
	maxCodes      = 100
	maxCommands   = 100
)

// Metrics are the service's metrics and the registry that holds them.
type Metrics struct {
	// Registry holds every metric here, the Go runtime's and the process's; other parts of the service (the
	// response cache) register their collectors on it.
	Registry *prometheus.Registry

	requests   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	cost       prometheus.Histogram
	commands   *prometheus.HistogramVec
	inUse      prometheus.Gauge
	open       prometheus.Gauge
	batches    prometheus.Histogram
	refused    prometheus.Counter
	operations *bounded
	codes      *bounded
	commandSet *bounded
}

// New returns the metrics, registered on a registry of their own with the Go runtime's, the process's and the
// build's.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route (the mux pattern), GraphQL operation name (bounded; anonymous, other) and outcome (ok, error, refused, failed).",
			// From a cached answer (well under a millisecond) to a cold query on a large embedded store.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "operation", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "errors_total",
			Help: "Errors in answers, by extensions.code.",
		}, []string{"code"}),
		cost: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "graphql_query_cost",
			Help:    "Cost of each GraphQL operation that passed validation (MAX_QUERY_COST bounds it).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 11), // 1 … ~1M
		}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "db_command_duration_seconds",
			Help:    "Time of each database command, by command, collection and outcome (ok, error), from the driver's command monitor.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"command", "collection", "outcome"}),
		inUse: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "db_pool_connections_in_use",
			Help: "Database connections checked out of the driver's pool now.",
		}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "db_pool_connections_open",
			Help: "Database connections the driver's pool holds now, in use or idle.",
		}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "loader_batch_keys",
			Help:    "Keys in each batch a request's dataloaders dispatch.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000},
		}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "rate_limited_total",
			Help: "Requests refused by the rate limits (HTTP 429).",
		}),
		operations: newBounded(MaxOperations, operationName),
		codes:      newBounded(maxCodes, errorCode),
		commandSet: newBounded(maxCommands, collectionName),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help: "Always 1: the running build's module version, VCS revision and Go version.",
	}, []string{"version", "revision", "goversion"})
	build.WithLabelValues(buildInfo()).Set(1)
	m.Registry.MustRegister(m.requests, m.errors, m.cost, m.commands, m.inUse, m.open, m.batches, m.refused, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// buildInfo is the build's module version, VCS revision (with "-dirty" for a modified tree) and Go version, or
// "unknown" for what the binary does not record.
func buildInfo() (version, revision, goversion string) {
	version, revision, goversion = "unknown", "unknown", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	goversion = bi.GoVersion
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && revision != "unknown" {
		revision += "-dirty"
	}
	return
}

// MustRegister registers collectors on the registry (see Registry); on nil metrics it does nothing.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) {
	if m != nil {
		m.Registry.MustRegister(cs...)
	}
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry, ErrorHandling: promhttp.ContinueOnError})
}

// Outcomes of a request, as the request histogram labels them.
const (
	OutcomeOK      = "ok"      // answered without errors (a 304 too)
	OutcomeError   = "error"   // answered with errors of the client's: a bad request, a failed field, a limit
	OutcomeRefused = "refused" // refused for load: rate-limited (429) or overloaded (503)
	OutcomeFailed  = "failed"  // a server failure (5xx but 503)
)

// Anonymous is the operation label of a request whose operation has no name, or that is no GraphQL operation.
const Anonymous = "anonymous"

// ObserveRequest records one request's duration: its route (a mux pattern, from a bounded set), the operation's
// name (bounded: see MaxOperations) and its outcome.
func (m *Metrics) ObserveRequest(route, operation, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	if operation == "" {
		operation = Anonymous
	} else {
		operation = m.operations.label(operation)
	}
	m.requests.WithLabelValues(route, operation, outcome).Observe(d.Seconds())
}

// CountError records one error of an answer by its extensions.code.
func (m *Metrics) CountError(code string) {
	if m != nil {
		m.errors.WithLabelValues(m.codes.label(code)).Inc()
	}
}

// ObserveCost records the cost of one operation.
func (m *Metrics) ObserveCost(cost int64) {
	if m != nil {
		m.cost.Observe(float64(cost))
	}
}

// ObserveCommand records one database command's duration, by its name and collection ("" for none) and whether
// it succeeded.
func (m *Metrics) ObserveCommand(command, collection string, ok bool, d time.Duration) {
	if m == nil {
		return
	}
	outcome := OutcomeOK
	if !ok {
		outcome = OutcomeError
	}
	// Command names come from the driver and collections from the code, but both are bounded all the same.
	m.commands.WithLabelValues(m.commandSet.label(command), m.commandSet.label(collection), outcome).Observe(d.Seconds())
}

// ObserveBatch records the number of keys in one dataloader batch.
func (m *Metrics) ObserveBatch(keys int) {
	if m != nil {
		m.batches.Observe(float64(keys))
	}
}

// CountRateLimited records one request refused by the rate limits.
func (m *Metrics) CountRateLimited() {
	if m != nil {
		m.refused.Inc()
	}
}

// PoolMonitor follows the driver's connection pool: the connections open and in use. Install it with
// options.Client().SetPoolMonitor; on nil metrics it is nil, which the driver takes for none.
func (m *Metrics) PoolMonitor() *event.PoolMonitor {
	if m == nil {
		return nil
	}
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCheckedOut:
			m.inUse.Inc()
		case event.ConnectionCheckedIn:
			m.inUse.Dec()
		case event.ConnectionCreated:
			m.open.Inc()
		case event.ConnectionClosed:
			m.open.Dec()
		}
	}}
}

// bounded is the set of values a label takes: the first max well-formed ones seen, then Other for every new one,
// so that what clients send cannot grow the number of series without bound.
type bounded struct {
	max   int
	valid func(string) bool
	mu    sync.RWMutex
	seen  map[string]bool
}

func newBounded(max int, valid func(string) bool) *bounded {
	return &bounded{max: max, valid: valid, seen: map[string]bool{}}
}

// label is v as a label value: v itself if it is well formed and among the first max, else Other.
func (b *bounded) label(v string) string {
	b.mu.RLock()
	ok := b.seen[v]
	b.mu.RUnlock()
	if ok {
		return v
	}
	if !b.valid(v) {
		return Other
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[v] {
		return v
	}
	if len(b.seen) >= b.max {
		return Other
	}
	b.seen[v] = true
	return v
}

// operationName tells whether s is a GraphQL name (/[_A-Za-z][_0-9A-Za-z]*/) of at most MaxNameLength bytes.
func operationName(s string) bool {
	if s == "" || len(s) > MaxNameLength || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// errorCode tells whether s looks like an extensions.code: upper-case letters, digits and underscores.
func errorCode(s string) bool {
	if s == "" || len(s) > MaxNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// collectionName tells whether s is a command or collection name as this service has them ("" for a command on
// no collection): a GraphQL-like name, dots allowed (system collections).
func collectionName(s string) bool {
	return s == "" || operationName(strings.ReplaceAll(s, ".", "_"))
}
