package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/metrics"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// scrape serves m's metrics as Prometheus scrapes them and parses the text format.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	families, err := new(expfmt.TextParser).TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return families
}

// labelValues is every value label takes in family.
func labelValues(f *dto.MetricFamily, label string) map[string]bool {
	out := map[string]bool{}
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out[l.GetValue()] = true
			}
		}
	}
	return out
}

// A client that names each request's operation afresh (a million distinct names, or names that are no GraphQL
// name at all) makes at most MaxOperations series, plus "other" and "anonymous".
func TestOperationLabelsAreBounded(t *testing.T) {
	m := metrics.New()
	for i := range 2000 {
		m.ObserveRequest("POST /graphql", fmt.Sprintf("Op%d", i), metrics.OutcomeOK, time.Millisecond)
	}
	for _, bad := range []string{strings.Repeat("a", metrics.MaxNameLength+1), "has space", "1starts", "é", "a{b}"} {
		m.ObserveRequest("POST /graphql", bad, metrics.OutcomeOK, time.Millisecond)
	}
	m.ObserveRequest("POST /graphql", "", metrics.OutcomeOK, time.Millisecond)
	f := scrape(t, m)["coalitiongraph_http_request_duration_seconds"]
	ops := labelValues(f, "operation")
	if len(ops) != metrics.MaxOperations+2 || !ops["Op0"] || !ops["Op199"] || ops["Op200"] || !ops[metrics.Other] || !ops[metrics.Anonymous] {
		t.Errorf("%d operation labels; Op0 %v, Op199 %v, Op200 %v, other %v, anonymous %v", len(ops),
			ops["Op0"], ops["Op199"], ops["Op200"], ops[metrics.Other], ops[metrics.Anonymous])
	}
	var others uint64
	for _, s := range f.GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == "operation" && l.GetValue() == metrics.Other {
				others += s.GetHistogram().GetSampleCount()
			}
		}
	}
	if want := uint64(2000 - metrics.MaxOperations + 5); others != want {
		t.Errorf("other counted %d requests, want %d", others, want)
	}
}

// Error codes are bounded too: a code that is no UPPER_SNAKE name counts as "other".
func TestErrorCodesAreBounded(t *testing.T) {
	m := metrics.New()
	m.CountError("NOT_FOUND")
	m.CountError("NOT_FOUND")
	m.CountError("not a code")
	m.CountError("")
	got := map[string]float64{}
	for _, s := range scrape(t, m)["coalitiongraph_errors_total"].GetMetric() {
		got[s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
	}
	if got["NOT_FOUND"] != 2 || got[metrics.Other] != 2 || len(got) != 2 {
		t.Errorf("errors by code: %v", got)
	}
}

// The build, the Go runtime and the process are always there, and nil metrics do nothing and serve nothing.
func TestBuildRuntimeProcessAndNil(t *testing.T) {
	f := scrape(t, metrics.New())
	for _, name := range []string{"coalitiongraph_build_info", "go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes"} {
		if f[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if b := f["coalitiongraph_build_info"]; b != nil && b.GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Errorf("build_info: %v", b)
	}
	var m *metrics.Metrics
	m.ObserveRequest("POST /graphql", "Op", metrics.OutcomeOK, time.Second)
	m.CountError("X")
	m.ObserveCost(3)
	m.ObserveCommand("find", "coalitions", true, time.Millisecond)
	m.ObserveBatch(2)
	m.CountRateLimited()
	m.MustRegister()
	if m.PoolMonitor() != nil {
		t.Error("nil metrics have a pool monitor")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil metrics serve %d", rec.Code)
	}
}
