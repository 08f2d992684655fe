package ide_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/ide"
	"coalitiongraph/internal/seed"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The IDE in a real browser: headless Chromium opens the page that the real handler serves over the seed content,
// finds the docs pane and the example tabs, runs the first example and shows its result, and opens the editing
// example's tab with its headers. No request goes to
// another origin or fails, and the page logs no error, warning or Content-Security-Policy violation, also when a
// dialog opens. It saves a screenshot to $ARTIFACTS_DIR (else artifacts/), and to docs/ide.png with UPDATE_DOCS=1.
// Without Chromium it skips, unless REQUIRE_BROWSER=1.
func TestIDEInBrowser(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("REQUIRE_BROWSER=1 and no Chromium found (apt-get install chromium)")
		}
		t.Skip("no Chromium found; REQUIRE_BROWSER=1 makes this a failure")
	}
	started := time.Now()
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	examples, err := ide.Examples()
	if err != nil {
		t.Fatal(err)
	}
	want := coalitionsOfExample(t, d, examples[0])
	api := apitest.New(t, d)

	profile, err := os.MkdirTemp("", "coalitiongraph-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	alloc, stopBrowser := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1440, 900))
	defer stopBrowser()
	rec := &recorder{origin: api.Server.URL, urls: map[network.RequestID]string{}}
	ctx, closeTab := chromedp.NewContext(alloc, chromedp.WithListener(rec.event))
	defer closeTab()
	// Runs first, so that any later error goes to Browser.Run's context and not this one's deadline.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		// Violations are reported as console errors, which the recorder collects.
		Source: `addEventListener("securitypolicyviolation", (e) => console.error("CSP violation:", e.violatedDirective, e.blockedURI))`,
	}); err != nil {
		t.Fatal(err)
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			t.Fatalf("%s: %v\nrecorded: %s", what, err, rec)
		}
	}

	step("open the IDE", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(api.Server.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-doc-explorer")),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-tab-active")))
	tabs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".graphiql-tab .graphiql-tab-button")].map((e) => e.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(tabs) != len(examples) {
		t.Errorf("tabs %q, want one per example (%d)", tabs, len(examples))
	}

	step("run the first example", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	resultCtx, cancel := context.WithTimeout(ctx, time.Minute)
	text, err := chromedp.Run(resultCtx, chromedp.Poll[string](`(() => {
		const cm = document.querySelector(".result-window .CodeMirror");
		const text = cm ? cm.CodeMirror.getValue() : "";
		return text.includes('"coalitions"') || text.includes('"errors"') ? text : "";
	})()`))
	cancel()
	if err != nil {
		t.Fatalf("no result: %v\nrecorded: %s", err, rec)
	}
	var result struct {
		Data struct {
			Coalitions struct {
				TotalCount int
				Nodes      []struct{ Name string }
			}
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(text), &result); err != nil || len(result.Errors) > 0 {
		t.Fatalf("the result pane shows %v:\n%s", err, text)
	}
	var got []string
	for _, n := range result.Data.Coalitions.Nodes {
		got = append(got, n.Name)
	}
	slices.Sort(got)
	if result.Data.Coalitions.TotalCount != len(want) || !slices.Equal(got, want) {
		t.Errorf("the result pane shows %d coalitions %q, want %d %q", result.Data.Coalitions.TotalCount, got, len(want), want)
	}

	step("wait for the fonts", chromedp.Evaluate[chromedp.Void](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise))
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, shot)

	// The settings dialog locks scrolling with a <style> element: the page's style nonce must let it in.
	step("open and close the settings dialog", chromedp.Click(chromedp.CSS(`[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-dialog")), chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(chromedp.CSS(".graphiql-dialog")))

	// The editing example's tab brings its headers (the key's placeholder and Stage: DRAFT) into the headers
	// editor, the second editor of the tools pane after the variables, from which GraphiQL sends them.
	edit := slices.IndexFunc(examples, func(ex ide.Example) bool { return ex.Headers != "" })
	if edit < 0 || edit >= len(tabs) || tabs[edit] != "CreateDraft" {
		t.Fatalf("tabs %q: want the editing example's (example %d), titled CreateDraft by its first operation", tabs, edit+1)
	}
	step("open the editing tab", chromedp.Click(chromedp.CSS(fmt.Sprintf(".graphiql-tab:nth-child(%d) .graphiql-tab-button", edit+1))))
	headersCtx, cancel := context.WithTimeout(ctx, time.Minute)
	headers, err := chromedp.Run(headersCtx, chromedp.Poll[string](`(() => {
		const cm = document.querySelectorAll(".graphiql-editor-tool .graphiql-editor .CodeMirror")[1];
		const text = cm ? cm.CodeMirror.getValue() : "";
		return text.includes("Stage") ? text : "";
	})()`))
	cancel()
	if err != nil {
		t.Fatalf("the editing tab shows no headers: %v\nrecorded: %s", err, rec)
	}
	var shown, sent map[string]string
	if err := json.Unmarshal([]byte(headers), &shown); err != nil {
		t.Fatalf("headers editor %q: %v", headers, err)
	}
	_ = json.Unmarshal([]byte(examples[edit].Headers), &sent)
	if !maps.Equal(shown, sent) {
		t.Errorf("the editing tab's headers are %v, want %v", shown, sent)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for what, list := range map[string][]string{"request to another origin": rec.external, "failed request": rec.failed,
		"console error, warning or CSP violation": rec.problems} {
		for _, s := range list {
			t.Errorf("%s: %s", what, s)
		}
	}
	for _, u := range rec.order {
		t.Logf("fetched %s", strings.TrimPrefix(u, api.Server.URL))
	}
	t.Logf("%d requests, %.0f bytes transferred (%d bytes uncompressed); %d coalitions shown; %s from start to finish",
		rec.requests, rec.encoded, rec.decoded, len(got), time.Since(started).Round(time.Millisecond))
}

// findChromium returns the path of Chromium (or Chrome), or "".
func findChromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// coalitionsOfExample returns the names of the seed's coalitions that the example's variables select, sorted.
func coalitionsOfExample(t *testing.T, d *seed.Dataset, ex ide.Example) []string {
	t.Helper()
	var vars struct{ Status, Countries []string }
	if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil || len(vars.Status) == 0 || len(vars.Countries) == 0 {
		t.Fatalf("example %s: want status and countries variables, got %q (%v)", ex.Name, ex.Variables, err)
	}
	var names []string
	for _, c := range d.Coalitions {
		if slices.Contains(vars.Status, string(c.Status)) && slices.Contains(vars.Countries, c.CountryCode) {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		t.Fatalf("example %s selects no coalition of the seed", ex.Name)
	}
	slices.Sort(names)
	return names
}

func saveScreenshot(t *testing.T, png []byte) {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	paths := []string{filepath.Join(dir, "ide.png")}
	if os.Getenv("UPDATE_DOCS") == "1" {
		paths = append(paths, filepath.Join("..", "..", "docs", "ide.png"))
	}
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
}

// recorder collects what the browser reports about the page while the test drives it.
type recorder struct {
	origin string

	mu       sync.Mutex
	urls     map[network.RequestID]string
	requests int
	order    []string
	external []string
	failed   []string
	problems []string
	encoded  float64 // bytes received, as sent (compressed), with headers
	decoded  int64   // body bytes after decompression
}

// event runs on the browser's message loop: it only records.
func (r *recorder) event(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.urls[ev.RequestID] = ev.Request.URL
		if strings.HasPrefix(ev.Request.URL, "data:") {
			return
		}
		r.requests++
		r.order = append(r.order, ev.Request.URL)
		if u, err := url.Parse(ev.Request.URL); err != nil || u.Scheme+"://"+u.Host != r.origin {
			r.external = append(r.external, ev.Request.URL)
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			r.failed = append(r.failed, fmt.Sprintf("%s: %d", ev.Response.URL, ev.Response.Status))
		}
	case *network.EventLoadingFailed:
		r.failed = append(r.failed, fmt.Sprintf("%s: %s %s", r.urls[ev.RequestID], ev.ErrorText, ev.BlockedReason))
	case *network.EventDataReceived:
		r.decoded += ev.DataLength
	case *network.EventLoadingFinished:
		r.encoded += ev.EncodedDataLength
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			r.problems = append(r.problems, fmt.Sprintf("console.%s %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		r.problems = append(r.problems, (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			r.problems = append(r.problems, fmt.Sprintf("%s %s: %s %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("external %q, failed %q, problems %q", r.external, r.failed, r.problems)
}
