package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/seed"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// start runs the service as `go run .` would, with env, and waits until /healthz answers. It returns the base URL
// and a stop function that cancels the context and returns run's error.
func start(t *testing.T, env map[string]string, args ...string) (string, *apitest.Buffer, func() error) {
	t.Helper()
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		env["MONGODB_URI"] = uri
	}
	out := &apitest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"coalitiongraph"}, args...), func(k string) string { return env[k] }, out, io.Discard)
	}()
	stop := func() error { cancel(); return <-done }
	listening := regexp.MustCompile(`msg=listening url=(\S+)|"msg":"listening","url":"([^"]+)"`)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\n%s", err, out)
		default:
		}
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base := strings.TrimSuffix(m[1]+m[2], "/")
			if res, err := http.Get(base + "/healthz"); err == nil && res.StatusCode == http.StatusOK {
				res.Body.Close()
				return base, out, stop
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	t.Fatalf("the server did not become healthy:\n%s", out)
	return "", nil, nil
}

func countCoalitions(t *testing.T, base string) int {
	t.Helper()
	res, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ coalitions { totalCount } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct{ Coalitions struct{ TotalCount int } }
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Data.Coalitions.TotalCount
}

// `go run .` on a machine with nothing installed: the embedded store starts, the seed content is loaded and served,
// a signal stops everything cleanly, and a restart finds the data where it was without loading it again.
func TestRunServesSeedContentAndRestarts(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PORT": "0", "DATA_DIR": t.TempDir(), "MONGODB_DATABASE": "smoke" + time.Now().Format("150405")}
	base, out, stop := start(t, env)
	if n := countCoalitions(t, base); n != len(d.Coalitions) {
		t.Errorf("serves %d coalitions, the seed has %d", n, len(d.Coalitions))
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(out.String(), "seed content loaded") || !strings.Contains(out.String(), "shutting down") {
		t.Errorf("log:\n%s", out)
	}

	base, out, stop = start(t, env)
	if n := countCoalitions(t, base); n != len(d.Coalitions) {
		t.Errorf("after a restart: %d coalitions, want %d", n, len(d.Coalitions))
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if strings.Contains(out.String(), "seed content loaded") {
		t.Error("the seed was loaded again into a database that had content")
	}

	// The seed command loads on demand and exits.
	var seedOut apitest.Buffer
	env["PORT"] = "0"
	if err := run(context.Background(), []string{"coalitiongraph", "seed"}, func(k string) string { return env[k] }, &seedOut, io.Discard); err != nil {
		t.Fatalf("seed command: %v", err)
	}
	if !strings.Contains(seedOut.String(), "seed content loaded") {
		t.Errorf("seed command log:\n%s", seedOut.String())
	}
}

func TestRunRejectsBadConfiguration(t *testing.T) {
	type bad struct {
		env  map[string]string
		args []string
		// named is the variable the error must name.
		named string
	}
	cases := map[string]bad{
		"seed mode":       {env: map[string]string{"SEED": "sometimes"}, named: "SEED"},
		"seed flag":       {args: []string{"-seed", "sometimes"}, named: "SEED"},
		"log level":       {env: map[string]string{"LOG_LEVEL": "loud"}, named: "LOG_LEVEL"},
		"node budget":     {env: map[string]string{"GRAPH_NODE_BUDGET": "lots"}, named: "GRAPH_NODE_BUDGET"},
		"negative budget": {env: map[string]string{"GRAPH_NODE_BUDGET": "-1"}, named: "GRAPH_NODE_BUDGET"},
		"max errors":      {env: map[string]string{"MAX_ERRORS": "many"}, named: "MAX_ERRORS"},
		"trusted proxies": {env: map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 10.1.0/16"}, named: `TRUSTED_PROXIES (-trusted-proxies): "10.1.0/16" is not a CIDR`},
		"proxy flag":      {args: []string{"-trusted-proxies", "proxy.internal"}, named: `"proxy.internal" is neither a CIDR`},
		"log format":      {env: map[string]string{"LOG_FORMAT": "xml"}, named: "LOG_FORMAT"},
		"metrics address": {env: map[string]string{"METRICS_ADDR": "9090"}, named: "METRICS_ADDR"},
		"OTLP endpoint":   {env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, named: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		"traces endpoint": {env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector/v1/traces"}, named: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
	}
	for _, s := range httpapi.Settings {
		cases[s.Env+" not a number"] = bad{env: map[string]string{s.Env: "lots"}, named: s.Env}
		cases[s.Env+" zero"] = bad{env: map[string]string{s.Env: "0"}, named: s.Env}
		cases["-"+s.Flag+" negative"] = bad{args: []string{"-" + s.Flag, "-1"}, named: s.Env}
	}
	// Cancelled, so that a configuration run wrongly accepts fails at once instead of serving.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"coalitiongraph", "-port", "0", "-data-dir", t.TempDir()}, c.args...)
			err := run(ctx, args, func(k string) string { return c.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.named) {
				t.Errorf("%v, want an error naming %s", err, c.named)
			}
		})
	}
	if err := run(context.Background(), []string{"coalitiongraph", "-port", "0", "-data-dir", t.TempDir(), "frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
}

// mustGraphQL posts a GraphQL request to the service at base with the headers (apitest.Send), which must
// succeed, and decodes the data into out.
func mustGraphQL(t *testing.T, base string, h http.Header, query string, vars map[string]any, out any) {
	t.Helper()
	r := apitest.Send(t, base, h, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("request failed (%d): %+v\nquery: %s", r.Status, r.Errors, query)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// persisted is what TestEditsSurviveARestart reads back, before the restart and after.
type persisted struct {
	Draft struct {
		Viewer struct{ Name, Role string }
		S      struct {
			Version           int
			Name              string
			Description       string
			PublicationStatus string
			PublishedVersion  *int
			History           struct{ Nodes []persistedRevision }
		}
		C struct {
			Version           int
			Name              string
			PublicationStatus string
			PublishedVersion  *int
			History           struct{ Nodes []persistedRevision }
		}
	}
	Public struct {
		Coalition struct {
			Name, PublicationStatus string
			Version                 int
		}
	}
	Keys struct {
		APIKeys []struct {
			Name, Role string
			RevokedAt  *string
		} `json:"apiKeys"`
	}
	Changes []persistedChange
}

// persistedChange is an entry of the change feed as TestEditsSurviveARestart reads it.
type persistedChange struct {
	Revision  int
	Type, ID  string
	Operation string
	Version   int
	By, At    string
}

// persistedRevision is a version of an item's history as TestEditsSurviveARestart reads it.
type persistedRevision struct {
	Version       int
	Operation, By string
	At            string
	ChangedFields []string
}

// The embedded store keeps what the API writes: after a graceful stop and a start on the same DATA_DIR, a key
// made through the API still works, and the drafts, the published content, the histories and the change feed
// read back as they were.
func TestEditsSurviveARestart(t *testing.T) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	admin := http.Header{"Authorization": {"Bearer cgk_" + base64.RawURLEncoding.EncodeToString(secret)}}
	env := map[string]string{"PORT": "0", "DATA_DIR": t.TempDir(), "MONGODB_DATABASE": "persist" + time.Now().Format("150405"),
		"ADMIN_API_KEY": strings.TrimPrefix(admin.Get("Authorization"), "Bearer ")}
	base, _, stop := start(t, env)

	var key struct {
		CreateApiKey struct{ Secret string }
	}
	mustGraphQL(t, base, admin, `mutation { createApiKey(input: {name: "persisted-editor", role: EDITOR}) { secret } }`, nil, &key)
	editor := http.Header{"Authorization": {"Bearer " + key.CreateApiKey.Secret}}
	draft := editor.Clone()
	draft.Set("Stage", "DRAFT")

	// a draft, created and edited; a coalition published, then edited (CHANGED)
	var s struct {
		CreateStakeholder struct{ Stakeholder struct{ ID string } }
	}
	mustGraphQL(t, base, editor, `mutation { createStakeholder(input: {slug: "kept-draft", name: "Kept draft", kind: PERSON, category: NGO}) { stakeholder { id } } }`, nil, &s)
	sid := s.CreateStakeholder.Stakeholder.ID
	var ignored any
	mustGraphQL(t, base, editor, `mutation($id: ID!) { updateStakeholder(id: $id, expectedVersion: 1, input: {name: "Kept draft, edited", description: "Survives."}) { stakeholder { id } } }`,
		map[string]any{"id": sid}, &ignored)
	var c struct {
		CreateCoalition struct{ Coalition struct{ ID string } }
	}
	mustGraphQL(t, base, editor, `mutation { createCoalition(input: {slug: "kept-live", name: "Kept live", country: "IE", status: ACTIVE, scope: NATIONAL}) { coalition { id } } }`, nil, &c)
	cid := c.CreateCoalition.Coalition.ID
	mustGraphQL(t, base, editor, `mutation($id: ID!) { publishCoalition(id: $id, expectedVersion: 1) { coalition { id } } }`, map[string]any{"id": cid}, &ignored)
	mustGraphQL(t, base, editor, `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 2, input: {name: "Kept live, edited"}) { coalition { id } } }`,
		map[string]any{"id": cid}, &ignored)

	read := func() persisted {
		t.Helper()
		var p persisted
		const revision = `nodes { version operation by at changedFields }`
		mustGraphQL(t, base, draft, `query($s: ID!, $c: ID!) { viewer { name role }
			s: node(id: $s) { ... on Stakeholder { version name description publicationStatus publishedVersion history { `+revision+` } } }
			c: node(id: $c) { ... on Coalition { version name publicationStatus publishedVersion history { `+revision+` } } } }`,
			map[string]any{"s": sid, "c": cid}, &p.Draft)
		mustGraphQL(t, base, nil, `{ coalition(slug: "kept-live") { name version publicationStatus } }`, nil, &p.Public)
		if r := apitest.Send(t, base, nil, `{ stakeholder(slug: "kept-draft") { id } }`, nil); len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
			t.Errorf("the public reads the draft stakeholder: %+v %s", r.Errors, r.Data)
		}
		mustGraphQL(t, base, admin, `{ apiKeys { name role revokedAt } }`, nil, &p.Keys)
		for after := (*string)(nil); ; {
			var f struct {
				Changes struct {
					Nodes    []persistedChange
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
			mustGraphQL(t, base, draft, `query($after: String) { changes(after: $after) { nodes { revision type id operation version by at } pageInfo { hasNextPage endCursor } } }`,
				map[string]any{"after": after}, &f)
			p.Changes = append(p.Changes, f.Changes.Nodes...)
			if !f.Changes.PageInfo.HasNextPage {
				break
			}
			after = f.Changes.PageInfo.EndCursor
		}
		return p
	}
	before := read()
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	base, _, stop = start(t, env)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	after := read()
	if !reflect.DeepEqual(before, after) {
		b, _ := json.MarshalIndent(before, "", " ")
		a, _ := json.MarshalIndent(after, "", " ")
		t.Errorf("after the restart the API reads\n%s\nbefore it\n%s", a, b)
	}

	// and what was read is what was written
	d := after.Draft
	if d.Viewer.Name != "persisted-editor" || d.Viewer.Role != "EDITOR" {
		t.Errorf("the editor's key after the restart: %+v", d.Viewer)
	}
	if d.S.Version != 2 || d.S.Name != "Kept draft, edited" || d.S.Description != "Survives." || d.S.PublicationStatus != "DRAFT" || d.S.PublishedVersion != nil ||
		!operations(d.S.History.Nodes, "UPDATE", "CREATE") {
		t.Errorf("the draft stakeholder: %+v", d.S)
	}
	if d.C.Version != 3 || d.C.Name != "Kept live, edited" || d.C.PublicationStatus != "CHANGED" || d.C.PublishedVersion == nil || *d.C.PublishedVersion != 2 ||
		!operations(d.C.History.Nodes, "UPDATE", "PUBLISH", "CREATE") {
		t.Errorf("the edited coalition's draft: %+v", d.C)
	}
	if p := after.Public.Coalition; p.Name != "Kept live" || p.Version != 2 || p.PublicationStatus != "PUBLISHED" {
		t.Errorf("the published coalition: %+v; want its published version 2 as it was published", p)
	}
	names := map[string]string{}
	for _, k := range after.Keys.APIKeys {
		if k.RevokedAt == nil {
			names[k.Name] = k.Role
		}
	}
	if names["bootstrap-admin"] != "ADMIN" || names["persisted-editor"] != "EDITOR" {
		t.Errorf("the keys: %+v", after.Keys.APIKeys)
	}
	n := len(after.Changes)
	if n < 2 || after.Changes[n-2].ID != sid || after.Changes[n-2].Version != 2 || after.Changes[n-1].ID != cid || after.Changes[n-1].Version != 3 ||
		after.Changes[n-1].Operation != "UPDATE" || after.Changes[n-1].By != "persisted-editor" {
		t.Errorf("the change feed ends with %+v; want the stakeholder's version 2, then the coalition's update to 3", after.Changes[max(0, n-2):])
	}
}

// operations tells whether the revisions are of the operations given, newest first, with versions counting down
// to 1.
func operations(revs []persistedRevision, ops ...string) bool {
	if len(revs) != len(ops) {
		return false
	}
	for i, r := range revs {
		if r.Operation != ops[i] || r.Version != len(ops)-i || r.By != "persisted-editor" || r.At == "" {
			return false
		}
	}
	return true
}

// With METRICS_ADDR, LOG_FORMAT=json and an OTLP endpoint: the metrics listener serves /metrics and the public port
// does not; each log line is a JSON object and the request's carries its fields and trace id; the spans reach
// the collector by the time run returns.
func TestMetricsAddrTracingAndJSONLogs(t *testing.T) {
	var mu sync.Mutex
	var exported []*coltracepb.ExportTraceServiceRequest
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &coltracepb.ExportTraceServiceRequest{}
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, req) != nil {
			t.Errorf("the collector got %s %s", r.Method, r.URL.Path)
		}
		mu.Lock()
		exported = append(exported, req)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()

	env := map[string]string{"PORT": "0", "DATA_DIR": t.TempDir(), "MONGODB_DATABASE": "observe" + time.Now().Format("150405"),
		"METRICS_ADDR": "127.0.0.1:0", "LOG_FORMAT": "json", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}
	base, out, stop := start(t, env)
	defer func() {
		if stop != nil {
			_ = stop()
		}
	}()
	m := regexp.MustCompile(`"msg":"metrics listening","url":"([^"]+)"`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", out)
	}
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	r := apitest.SendBody(t, base, http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-01"}, "X-Request-Id": {"observed-1"}},
		map[string]any{"query": "query Count { coalitions { totalCount } }"})
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("query: %d %v", r.Status, r.Errors)
	}

	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := get(m[1])
	if status != http.StatusOK || !strings.Contains(body, "coalitiongraph_build_info{") || !strings.Contains(body, `coalitiongraph_db_command_duration_seconds_count{collection="coalitions",command="`) {
		t.Errorf("GET %s: %d\n%.2000s", m[1], status, body)
	}
	if status, _ := get(base + "/metrics"); status != http.StatusNotFound {
		t.Errorf("the public port answers /metrics with %d, want 404", status)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	stop = nil

	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %s", l)
		}
		if rec["msg"] == "request" && rec["request"] == "observed-1" {
			line = rec
		}
	}
	if line == nil || line["operation"] != "Count" || line["trace_id"] != traceID || line["path"] != "/graphql" {
		t.Fatalf("request line: %v\n%s", line, out)
	}
	for _, f := range []string{"duration", "cost", "dbCommands", "status"} {
		if n, ok := line[f].(float64); !ok || n <= 0 {
			t.Errorf("request line's %s: %v", f, line[f])
		}
	}

	// Shut down, the provider has flushed: the collector holds the request's spans, in the caller's trace.
	mu.Lock()
	defer mu.Unlock()
	spans := map[string]bool{}
	for _, req := range exported {
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					if hex.EncodeToString(s.GetTraceId()) == traceID {
						spans[s.GetName()] = true
					}
				}
			}
		}
	}
	if !spans["POST /graphql"] || !spans["query Count"] || !spans["aggregate coalitions"] && !spans["find coalitions"] && !spans["count coalitions"] {
		t.Errorf("spans exported in the trace: %v", spans)
	}
}
