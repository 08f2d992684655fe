package ide_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/ide"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A transport of its own, so that Go neither adds Accept-Encoding nor decompresses behind the test's back.
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, body}
}

// directives splits a Content-Security-Policy into its directives.
func directives(csp string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		out[name] = value
	}
	return out
}

// The page is small, never cached, loads nothing inline and nothing from elsewhere, and carries a strict policy
// whose style nonce is new on every request.
func TestPage(t *testing.T) {
	api := apitest.New(t, nil)
	first := get(t, api.Server.URL+"/", nil)
	if first.status != http.StatusOK || first.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %s", first.status, first.header.Get("Content-Type"))
	}
	for name, want := range map[string]string{"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"} {
		if got := first.header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	csp := directives(first.header.Get("Content-Security-Policy"))
	nonce := regexp.MustCompile(`nonce="([^"]+)"`).FindSubmatch(first.body)
	if nonce == nil {
		t.Fatalf("no nonce on the stylesheet:\n%s", first.body)
	}
	want := map[string]string{
		"default-src": "'none'", "script-src": "'self'", "connect-src": "'self'",
		"style-src": "'self' 'nonce-" + string(nonce[1]) + "'", "img-src": "'self' data:", "font-src": "'self'",
		"base-uri": "'none'", "form-action": "'none'", "frame-ancestors": "'none'",
	}
	if len(csp) != len(want) {
		t.Errorf("policy %v, want %v", csp, want)
	}
	for name, value := range want {
		if csp[name] != value {
			t.Errorf("%s %q, want %q", name, csp[name], value)
		}
	}
	if second := get(t, api.Server.URL+"/", nil); bytes.Contains(second.body, nonce[0]) {
		t.Error("two requests got the same nonce")
	}
	page := string(first.body)
	if strings.Contains(page, "<style") || strings.Contains(page, " style=") || regexp.MustCompile(`<script(?:[^>]*)>[^<]`).MatchString(page) {
		t.Errorf("inline script or style:\n%s", page)
	}
	for _, ref := range regexp.MustCompile(`(?:src|href|data-examples)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if ref[1] == "data:," { // the empty favicon, so that the browser asks for none
			continue
		}
		if !strings.HasPrefix(ref[1], ide.Prefix) {
			t.Errorf("the page refers to %s, outside %s", ref[1], ide.Prefix)
			continue
		}
		if r := get(t, api.Server.URL+ref[1], nil); r.status != http.StatusOK {
			t.Errorf("%s: %d", ref[1], r.status)
		}
	}
	if !strings.Contains(page, `data-endpoint="/graphql"`) {
		t.Error("the page does not name the GraphQL endpoint")
	}
}

// Assets have content-hashed names and are cached for good; text assets come gzipped to clients that accept it,
// the same bytes once decompressed; a known ETag gets a 304.
func TestAssets(t *testing.T) {
	api := apitest.New(t, nil)
	page := get(t, api.Server.URL+"/", nil)
	script := regexp.MustCompile(`src="(/ide/ide-[0-9a-f]{16}\.js)"`).FindSubmatch(page.body)
	style := regexp.MustCompile(`href="(/ide/ide-[0-9a-f]{16}\.css)"`).FindSubmatch(page.body)
	if script == nil || style == nil {
		t.Fatalf("no hashed script or stylesheet in\n%s", page.body)
	}
	css := get(t, api.Server.URL+string(style[1]), nil)
	paths := []string{string(script[1]), string(style[1])}
	// Every url() of the stylesheet is a file next to it (the fonts) or an inline image: nothing from elsewhere.
	for _, m := range regexp.MustCompile(`url\(([^)]*)\)`).FindAllStringSubmatch(string(css.body), -1) {
		switch ref := strings.Trim(m[1], `"'`); {
		case strings.HasPrefix(ref, "data:image/"):
		case regexp.MustCompile(`^font-[0-9a-f]{16}\.woff2?$`).MatchString(ref):
			paths = append(paths, ide.Prefix+ref)
		default:
			t.Errorf("the stylesheet refers to %.80s", ref)
		}
	}
	if len(paths) < 3 {
		t.Errorf("the stylesheet names no font")
	}
	for _, path := range paths {
		plain := get(t, api.Server.URL+path, nil)
		if plain.status != http.StatusOK || plain.header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			plain.header.Get("X-Content-Type-Options") != "nosniff" || plain.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: %d %v", path, plain.status, plain.header)
			continue
		}
		zipped := get(t, api.Server.URL+path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
		body := zipped.body
		if strings.HasPrefix(plain.header.Get("Content-Type"), "font/") {
			if zipped.header.Get("Content-Encoding") != "" {
				t.Errorf("%s: a font is compressed again", path)
			}
		} else {
			if zipped.header.Get("Content-Encoding") != "gzip" || len(zipped.body) >= len(plain.body) {
				t.Errorf("%s: %q, %d bytes for %d", path, zipped.header.Get("Content-Encoding"), len(zipped.body), len(plain.body))
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, plain.body) {
			t.Errorf("%s: the gzipped body differs", path)
		}
		if r := get(t, api.Server.URL+path, map[string]string{"If-None-Match": plain.header.Get("ETag")}); r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Errorf("%s with its ETag: %d, %d bytes", path, r.status, len(r.body))
		}
		if r := get(t, api.Server.URL+path, map[string]string{"Accept-Encoding": "gzip;q=0"}); r.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip for a client that refuses it", path)
		}
	}
	if r := get(t, api.Server.URL+ide.Prefix+"ide-0000000000000000.js", nil); r.status != http.StatusNotFound {
		t.Errorf("an unknown asset: %d", r.status)
	}
}

// The page hands the examples to the IDE as JSON, in order, with their variables.
func TestExamplesJSON(t *testing.T) {
	api := apitest.New(t, nil)
	page := get(t, api.Server.URL+"/", nil)
	url := regexp.MustCompile(`data-examples="([^"]+)"`).FindSubmatch(page.body)
	if url == nil {
		t.Fatalf("no examples in\n%s", page.body)
	}
	r := get(t, api.Server.URL+string(url[1]), nil)
	var got []ide.Example
	if err := json.Unmarshal(r.body, &got); err != nil || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s %v: %s", r.header.Get("Content-Type"), err, r.body)
	}
	want, err := ide.Examples()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d examples, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("example %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
