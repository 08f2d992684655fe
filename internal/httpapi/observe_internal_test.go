package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"coalitiongraph/internal/metrics"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A 429 answer counts as a rate-limit refusal, and outcomes follow the status and the answer's errors; a request
// no route matched is labelled other, never with its path.
func TestObserverOutcomes(t *testing.T) {
	m := metrics.New()
	o := observer{metrics: m, route: func(r *http.Request) string {
		if r.URL.Path == "/graphql" {
			return "POST /graphql"
		}
		return ""
	}}
	cases := []struct {
		path    string
		status  int
		codes   []string
		outcome string
	}{
		{"/graphql", http.StatusTooManyRequests, []string{"RATE_LIMITED"}, metrics.OutcomeRefused},
		{"/graphql", http.StatusServiceUnavailable, []string{"OVERLOADED"}, metrics.OutcomeRefused},
		{"/graphql", http.StatusInternalServerError, []string{"INTERNAL_SERVER_ERROR"}, metrics.OutcomeFailed},
		{"/graphql", http.StatusOK, []string{"NOT_FOUND"}, metrics.OutcomeError},
		{"/graphql", http.StatusBadRequest, nil, metrics.OutcomeError},
		{"/graphql", http.StatusNotModified, nil, metrics.OutcomeOK},
		{"/no/such/path/12345", http.StatusNotFound, nil, metrics.OutcomeError},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, c.path, nil)
		o.end(r, nil, &statusWriter{status: c.status, codes: c.codes}, &requestInfo{}, time.Millisecond)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			key := f.GetName()
			for _, l := range s.GetLabel() {
				if l.GetName() != "operation" {
					key += " " + l.GetName() + "=" + l.GetValue()
				}
			}
			got[key] += s.GetCounter().GetValue() + float64(s.GetHistogram().GetSampleCount())
		}
	}
	want := map[string]float64{
		"coalitiongraph_rate_limited_total":                                                 1,
		"coalitiongraph_http_request_duration_seconds outcome=refused route=POST /graphql":  2,
		"coalitiongraph_http_request_duration_seconds outcome=failed route=POST /graphql":   1,
		"coalitiongraph_http_request_duration_seconds outcome=error route=POST /graphql":    2,
		"coalitiongraph_http_request_duration_seconds outcome=ok route=POST /graphql":       1,
		"coalitiongraph_http_request_duration_seconds outcome=error route=" + metrics.Other: 1,
		"coalitiongraph_errors_total code=RATE_LIMITED":                                     1,
		"coalitiongraph_errors_total code=NOT_FOUND":                                        1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %v, want %v", k, got[k], n)
		}
	}
}

// BenchmarkObserver is what the metrics and the spans add to a request that does nothing, against neither:
// the instrumentation's share of a cached answer.
func BenchmarkObserver(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		noteCode(w, "NOT_FOUND")
		w.WriteHeader(http.StatusOK)
	})
	discard := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name string
		cfg  Config
	}{
		{"off", Config{}},
		{"metrics", Config{Metrics: metrics.New()}},
		{"metrics+tracing", Config{Metrics: metrics.New(), TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewNoopExporter()))}},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := requestLog(discard, newObserver(c.cfg, mux), mux)
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			rec := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(rec, req)
			}
		})
	}
}
