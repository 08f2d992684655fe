// Package ide serves the GraphQL IDE: GraphiQL, built from web/ into assets/ and embedded in the binary, with the
// example queries of examples/ as its tabs. Nothing is loaded from another origin, and the page carries a strict
// Content-Security-Policy.
package ide

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
)

// Prefix is the path under which the IDE's assets and examples are served; the page itself is served wherever the
// handler is mounted (the service mounts it at "/").
const Prefix = "/ide/"

//go:embed assets
var assetFiles embed.FS

//go:embed examples
var exampleFiles embed.FS

// Example is one example query, shown as a tab of the IDE.
type Example struct {
	// Name is the file name without its extension, such as "1-coalitions-by-status-and-country".
	Name string `json:"name"`
	// Query is the GraphQL document.
	Query string `json:"query"`
	// Variables is a JSON object of the query's variables, or "" when it has none.
	Variables string `json:"variables,omitempty"`
	// Headers is a JSON object of the HTTP headers the tab sends with each request (an API key, the Stage), or
	// "" when it sends none.
	Headers string `json:"headers,omitempty"`
}

// Examples returns the example queries in the order the IDE shows them: examples/NAME.graphql, with the variables
// in examples/NAME.json and the headers in examples/NAME.headers.json when those files exist.
func Examples() ([]Example, error) {
	names, err := fs.Glob(exampleFiles, "examples/*.graphql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Example, 0, len(names))
	for _, name := range names {
		query, err := exampleFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ex := Example{Name: strings.TrimSuffix(path.Base(name), ".graphql"), Query: string(query)}
		base := strings.TrimSuffix(name, ".graphql")
		if ex.Variables, err = exampleObject[any](base + ".json"); err != nil {
			return nil, fmt.Errorf("ide: variables of example %s are not a JSON object: %w", ex.Name, err)
		}
		// Header values must be strings: fetch would send any other value as its text, not as the file shows it.
		if ex.Headers, err = exampleObject[string](base + ".headers.json"); err != nil {
			return nil, fmt.Errorf("ide: headers of example %s are not a JSON object of strings: %w", ex.Name, err)
		}
		out = append(out, ex)
	}
	return out, nil
}

// exampleObject returns the example file at name, which must be a JSON object whose values are of type V, or ""
// when there is no such file.
func exampleObject[V any](name string) (string, error) {
	raw, err := exampleFiles.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	var obj map[string]V
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", err
	}
	if obj == nil {
		return "", errors.New("null")
	}
	return string(raw), nil
}

// Handler serves the IDE page and, under Prefix, its assets and examples.
type Handler struct {
	// page is the page's HTML split around the per-request nonce.
	pageHead, pageTail string
	files              map[string]*file
}

// file is one asset, compressed at most once, on first use.
type file struct {
	body        []byte
	contentType string
	etag        string
	once        sync.Once
	gzipped     []byte // nil when gzip does not make it smaller
}

// New returns the IDE for the GraphQL endpoint at endpoint (a path on the same origin, such as "/graphql").
func New(endpoint string) (*Handler, error) {
	h := &Handler{files: map[string]*file{}}
	entries, err := fs.ReadDir(assetFiles, "assets")
	if err != nil {
		return nil, fmt.Errorf("ide: read assets: %w", err)
	}
	for _, e := range entries {
		body, err := assetFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("ide: read assets: %w", err)
		}
		if e.Name() != "manifest.json" {
			h.add(e.Name(), body)
		}
	}
	var manifest struct{ Script, Style string }
	raw, err := assetFiles.ReadFile("assets/manifest.json")
	if err == nil {
		err = json.Unmarshal(raw, &manifest)
	}
	if err != nil || h.files[manifest.Script] == nil || h.files[manifest.Style] == nil {
		return nil, fmt.Errorf("ide: assets/manifest.json does not name the built script and stylesheet (run npm run build in web/): %v", err)
	}
	examples, err := Examples()
	if err != nil {
		return nil, err
	}
	examplesJSON, err := json.Marshal(examples)
	if err != nil {
		return nil, err
	}
	// The examples' name carries their hash like the built assets, so that they are cached as long.
	examplesName := "examples-" + hash(examplesJSON) + ".json"
	h.add(examplesName, examplesJSON)

	h.pageHead = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Coalition Graph · GraphQL IDE</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="` + Prefix + manifest.Style + `" nonce="`
	h.pageTail = `">
<script type="module" src="` + Prefix + manifest.Script + `"></script>
</head>
<body>
<div id="graphiql" data-endpoint="` + html.EscapeString(endpoint) + `" data-examples="` + Prefix + examplesName + `">Loading the GraphQL IDE…</div>
<noscript>The GraphQL IDE needs JavaScript. The API itself is at ` + html.EscapeString(endpoint) + `.</noscript>
</body>
</html>
`
	return h, nil
}

func (h *Handler) add(name string, body []byte) {
	typ := contentTypes[path.Ext(name)]
	if typ == "" {
		typ = "application/octet-stream"
	}
	h.files[name] = &file{body: body, contentType: typ, etag: `"` + hash(body) + `"`}
}

// contentTypes are the types of the files the build writes (the system's MIME table differs between machines).
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".woff2": "font/woff2",
	".woff":  "font/woff",
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// CSP is the page's Content-Security-Policy; %s is the per-request nonce. Styles need a nonce besides 'self' because
// GraphiQL's dialogs lock scrolling with a <style> element they add (react-remove-scroll); every other style is
// in the stylesheet or set through the CSSOM, which the policy does not restrict. No 'unsafe-inline' is needed.
const CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'nonce-%s'; " +
	"img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// ServeHTTP serves the page for any path outside Prefix, and the assets and examples under it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	name, isAsset := strings.CutPrefix(r.URL.Path, Prefix)
	if !isAsset {
		h.servePage(w)
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	f := h.files[name]
	if f == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	// Every name carries a hash of its content, so a response never goes stale.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", f.etag)
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Add("Vary", "Accept-Encoding")
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := f.gzip(); gz != nil {
			w.Header().Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (h *Handler) servePage(w http.ResponseWriter) {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	nonce := base64.StdEncoding.EncodeToString(b)
	w.Header().Set("Content-Security-Policy", fmt.Sprintf(CSP, nonce))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page names the current assets and carries a fresh nonce: it is never reused from a cache.
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(h.pageHead + nonce + h.pageTail))
}

// gzip returns the file compressed, once, or nil when compression does not pay (fonts are compressed already).
func (f *file) gzip() []byte {
	f.once.Do(func() {
		if strings.HasPrefix(f.contentType, "font/") {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(f.body)
		_ = zw.Close()
		if buf.Len() < len(f.body) {
			f.gzipped = buf.Bytes()
		}
	})
	return f.gzipped
}

// acceptsGzip tells whether an Accept-Encoding header admits gzip (and does not refuse it with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if c := strings.ToLower(strings.TrimSpace(coding)); c != "gzip" && c != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
