package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/seed"
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
	listening := regexp.MustCompile(`msg=listening url=(\S+)`)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\n%s", err, out)
		default:
		}
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base := strings.TrimSuffix(m[1], "/")
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
