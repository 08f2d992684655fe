package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/metrics"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// The requests of these tests go to the handler in the test's goroutine (serveGraphQL), not over a connection:
// the metrics, the spans and the log line are recorded when the handler returns, which a client that has read
// the answer cannot wait for.

const (
	observedQuery = `query Coalitions { coalitions(first: 5) { totalCount nodes { slug country { name } members(first: 3) { edges { node { slug } } } } } }`
	missingQuery  = `query Missing { coalition(slug: "no-such-coalition") { id } }`
	createQuery   = `mutation Create { createCoalition(input: {slug: "observed", name: "Observed", country: "PT", status: ACTIVE, scope: LOCAL}) { coalition { id } } }`
)

// serveGraphQL posts a GraphQL request to the API's handler with the headers and returns the answer, once the
// handler has returned.
func serveGraphQL(t *testing.T, api *apitest.API, h http.Header, query string) *httptest.ResponseRecorder {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	for k, vs := range h {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	api.Server.Config.Handler.ServeHTTP(rec, req)
	return rec
}

// scrapeMetrics reads m as Prometheus does.
func scrapeMetrics(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	families, err := new(expfmt.TextParser).TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, rec.Body)
	}
	return families
}

// series is the metrics of family f whose labels include all of want.
func series(f *dto.MetricFamily, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		n := 0
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
				n++
			}
		}
		if n == len(want) {
			out = append(out, m)
		}
	}
	return out
}

// samples is how many observations (histograms) or how much (counters, gauges) the series of f with the labels
// hold together.
func samples(f *dto.MetricFamily, want map[string]string) float64 {
	total := 0.0
	for _, m := range series(f, want) {
		switch {
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		}
	}
	return total
}

// A scrape after a query, a failing query and a mutation shows each request by operation and outcome, the error
// by its code, the costs, the database commands by command and collection, the loaders' batches and the pool.
func TestMetricsShowRequestsErrorsCommandsAndBatches(t *testing.T) {
	m := metrics.New()
	api := apitest.NewWith(t, apitest.Fixture(10), httpapi.Config{Metrics: m})
	editor := api.Editor(t)
	for _, r := range []struct {
		h     http.Header
		query string
	}{{nil, observedQuery}, {nil, observedQuery}, {nil, missingQuery}, {editor, createQuery}} {
		if rec := serveGraphQL(t, api, r.h, r.query); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", r.query, rec.Code, rec.Body)
		}
	}
	f := scrapeMetrics(t, m)
	need := func(name string) *dto.MetricFamily {
		if f[name] == nil {
			t.Fatalf("no %s in the scrape", name)
		}
		return f[name]
	}

	requests := need("coalitiongraph_http_request_duration_seconds")
	if n := samples(requests, map[string]string{"route": "POST /graphql"}); n != 4 {
		t.Errorf("%v requests to POST /graphql counted, 4 sent", n)
	}
	for op, outcome := range map[string]string{"Coalitions": metrics.OutcomeOK, "Missing": metrics.OutcomeError, "Create": metrics.OutcomeOK} {
		if n, want := samples(requests, map[string]string{"operation": op, "outcome": outcome}), map[string]float64{"Coalitions": 2, "Missing": 1, "Create": 1}[op]; n != want {
			t.Errorf("operation %s, outcome %s: %v requests, want %v", op, outcome, n, want)
		}
	}
	// the first Coalitions query and Missing are misses (Missing is not kept: it has an error), the second
	// Coalitions a hit, the mutation a bypass; and one answer is cached
	for name, want := range map[string]float64{"cache_hits_total": 1, "cache_misses_total": 2, "cache_bypasses_total": 1, "cache_entries": 1, "cache_evictions_total": 0} {
		if n := samples(need("coalitiongraph_"+name), nil); n != want {
			t.Errorf("%s = %v, want %v", name, n, want)
		}
	}
	if n := samples(need("coalitiongraph_cache_bytes"), nil); n <= 0 {
		t.Errorf("cache_bytes = %v with an answer cached", n)
	}
	if n := samples(need("coalitiongraph_errors_total"), map[string]string{"code": "NOT_FOUND"}); n != 1 {
		t.Errorf("errors_total{code=NOT_FOUND} = %v, want 1", n)
	}
	if n := samples(need("coalitiongraph_graphql_query_cost"), nil); n != 3 {
		t.Errorf("%v costs observed, want 3 (every request but the cache hit passed validation)", n)
	}
	commands := need("coalitiongraph_db_command_duration_seconds")
	if n := samples(commands, map[string]string{"command": "find", "collection": "coalitions", "outcome": "ok"}); n == 0 {
		t.Errorf("no find on coalitions: %v", commands)
	}
	if n := samples(commands, map[string]string{"collection": "stakeholders"}); n == 0 {
		t.Errorf("no command on stakeholders (the members): %v", commands)
	}
	if n := samples(need("coalitiongraph_loader_batch_keys"), nil); n == 0 {
		t.Error("no loader batch observed")
	}
	if n := samples(need("coalitiongraph_db_pool_connections_open"), nil); n < 1 {
		t.Errorf("%v pool connections open", n)
	}
	if n := samples(need("coalitiongraph_db_pool_connections_in_use"), nil); n != 0 {
		t.Errorf("%v pool connections in use with no request running", n)
	}
	if n := samples(need("coalitiongraph_rate_limited_total"), nil); n != 0 {
		t.Errorf("%v requests rate-limited", n)
	}

	// The public port has no /metrics.
	res, err := http.Get(api.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the public port: %d, want 404", res.StatusCode)
	}
}

// A request that comes with a W3C traceparent is traced under the caller's trace: the request's span, the
// operation's under it, and a span for each database command under the operation's.
func TestTraceOfARequestUnderAnIncomingTraceparent(t *testing.T) {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	logs := &apitest.Buffer{}
	logger := slog.New(httpapi.WithRequestIDs(slog.NewTextHandler(logs, nil)))
	api := apitest.NewWith(t, apitest.Fixture(10), httpapi.Config{TracerProvider: tp, Logger: logger})

	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	rec := serveGraphQL(t, api, http.Header{"Traceparent": {"00-" + traceID + "-" + callerSpan + "-01"}}, observedQuery)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	spans := exporter.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
		if s.SpanContext.TraceID().String() != traceID {
			t.Errorf("span %q is in trace %s, not the caller's", s.Name, s.SpanContext.TraceID())
		}
	}
	var request, operation *tracetest.SpanStub
	var commands []tracetest.SpanStub
	for i, s := range spans {
		switch {
		case s.SpanKind == trace.SpanKindServer:
			request = &spans[i]
		case s.Name == "query Coalitions":
			operation = &spans[i]
		case s.SpanKind == trace.SpanKindClient:
			commands = append(commands, s)
		}
	}
	if request == nil || operation == nil {
		t.Fatalf("want a request span and an operation span, got %v", names(spans))
	}
	if request.Name != "POST /graphql" || request.Parent.SpanID().String() != callerSpan || !request.Parent.IsRemote() {
		t.Errorf("request span %q under %s (remote %v), want POST /graphql under the caller's %s", request.Name, request.Parent.SpanID(), request.Parent.IsRemote(), callerSpan)
	}
	if v, ok := attr(request.Attributes, "http.response.status_code"); !ok || v.AsInt64() != http.StatusOK {
		t.Errorf("request span's status code: %v", request.Attributes)
	}
	if operation.Parent.SpanID() != request.SpanContext.SpanID() {
		t.Errorf("the operation's span is not under the request's")
	}
	if v, _ := attr(operation.Attributes, "graphql.operation.name"); v.AsString() != "Coalitions" {
		t.Errorf("operation span's attributes: %v", operation.Attributes)
	}
	if v, ok := attr(operation.Attributes, "graphql.operation.cost"); !ok || v.AsInt64() <= 0 {
		t.Errorf("operation span has no cost: %v", operation.Attributes)
	}
	// under tells whether span s descends from the span with id.
	under := func(s tracetest.SpanStub, id trace.SpanID) bool {
		p, ok := byID[s.Parent.SpanID()]
		for ok && p.SpanContext.SpanID() != id {
			p, ok = byID[p.Parent.SpanID()]
		}
		return ok
	}
	found := false
	for _, c := range commands {
		// Every command is under the request's span (the response cache's revision poll too); the content's are
		// under the operation's, through the fields and loaders that ran them.
		if !under(c, request.SpanContext.SpanID()) {
			t.Errorf("command span %q is not under the request's", c.Name)
		}
		system, _ := attr(c.Attributes, "db.system")
		op, _ := attr(c.Attributes, "db.operation.name")
		coll, _ := attr(c.Attributes, "db.collection.name")
		if system.AsString() != "mongodb" {
			t.Errorf("command span %q: db.system %q", c.Name, system.AsString())
		}
		if op.AsString() == "find" && coll.AsString() == "coalitions" && c.Name == "find coalitions" {
			found = true
			if !under(c, operation.SpanContext.SpanID()) {
				t.Errorf("command span %q is not under the operation's", c.Name)
			}
		}
	}
	if !found {
		t.Errorf("no find on coalitions among the command spans %v", names(commands))
	}

	// The request's log line names the trace and the request's span.
	line := requestLine(t, logs.String(), "request")
	want := "trace_id=" + traceID + " span_id=" + request.SpanContext.SpanID().String()
	if !strings.Contains(line, want) {
		t.Errorf("log line %q lacks %q", line, want)
	}
}

// Without a tracer provider nothing is traced: the log line has no trace id even when the caller sent one.
func TestNoTracingWithoutAProvider(t *testing.T) {
	logs := &apitest.Buffer{}
	api := apitest.NewWith(t, apitest.Fixture(3), httpapi.Config{Logger: slog.New(httpapi.WithRequestIDs(slog.NewTextHandler(logs, nil)))})
	serveGraphQL(t, api, http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}, observedQuery)
	if line := requestLine(t, logs.String(), "request"); strings.Contains(line, "trace_id") {
		t.Errorf("untraced request's log line: %s", line)
	}
}

// The request's log line carries the operation, its cost, how the cache served it, the database commands and the
// duration, in the text and in the JSON format.
func TestRequestLogLine(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			logs := &apitest.Buffer{}
			h := slog.Handler(slog.NewTextHandler(logs, nil))
			if format == "json" {
				h = slog.NewJSONHandler(logs, nil)
			}
			api := apitest.NewWith(t, apitest.Fixture(10), httpapi.Config{Logger: slog.New(httpapi.WithRequestIDs(h))})
			serveGraphQL(t, api, http.Header{"X-Request-ID": {"req-1"}}, observedQuery)
			serveGraphQL(t, api, http.Header{"X-Request-ID": {"req-2"}}, observedQuery)
			line, hit := requestLine(t, logs.String(), "req-1"), requestLine(t, logs.String(), "req-2")
			if format == "text" {
				if !strings.Contains(hit, " cache=hit") {
					t.Errorf("the second request's line: %s", hit)
				}
				for _, f := range []string{"msg=request", "method=POST", "path=/graphql", "status=200", "operation=Coalitions", "cache=miss", "request=req-1"} {
					if !strings.Contains(line, " "+f) && !strings.HasPrefix(line, f) {
						t.Errorf("no %s in %s", f, line)
					}
				}
				for _, f := range []string{" duration=", " cost=", " dbCommands="} {
					if !strings.Contains(line, f) {
						t.Errorf("no %s in %s", f, line)
					}
				}
				return
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("not JSON: %s", line)
			}
			if rec["msg"] != "request" || rec["operation"] != "Coalitions" || rec["cache"] != "miss" || rec["request"] != "req-1" || rec["status"] != 200.0 {
				t.Errorf("line: %s", line)
			}
			if !strings.Contains(hit, `"cache":"hit"`) {
				t.Errorf("the second request's line: %s", hit)
			}
			for _, f := range []string{"duration", "cost", "dbCommands"} {
				if n, ok := rec[f].(float64); !ok || n <= 0 {
					t.Errorf("%s: %v in %s", f, rec[f], line)
				}
			}
		})
	}
}

// requestLine is the one log line holding "msg=request" or "msg":"request" and the given text.
func requestLine(t *testing.T, logs, text string) string {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if (strings.Contains(line, "msg=request ") || strings.Contains(line, `"msg":"request"`)) && strings.Contains(line, text) {
			return line
		}
	}
	t.Fatalf("no request line with %q in the log:\n%s", text, logs)
	return ""
}

func attr(attrs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, a := range attrs {
		if string(a.Key) == key {
			return a.Value, true
		}
	}
	return attribute.Value{}, false
}

func names(spans []tracetest.SpanStub) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
