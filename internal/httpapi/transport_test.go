package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
)

// exchange is one raw HTTP request to the service and what came back.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// decode reads the answer's errors and tells whether it has a data entry.
func (e exchange) decode(t *testing.T) (errs []apitest.Error, hasData bool) {
	t.Helper()
	var out map[string]json.RawMessage
	if err := json.Unmarshal(e.body, &out); err != nil {
		t.Fatalf("answer %d is not a JSON object: %.300s", e.status, e.body)
	}
	if raw, ok := out["errors"]; ok {
		if err := json.Unmarshal(raw, &errs); err != nil {
			t.Fatalf("errors %s", raw)
		}
	}
	_, hasData = out["data"]
	return errs, hasData
}

// send makes a request to the API's server with the given headers ("Name: value").
func send(t *testing.T, api *apitest.API, method, path, body string, headers ...string) exchange {
	t.Helper()
	req, err := http.NewRequest(method, api.Server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body = nil
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return exchange{res.StatusCode, res.Header, raw}
}

func postJSON(t *testing.T, api *apitest.API, body string, headers ...string) exchange {
	t.Helper()
	return send(t, api, http.MethodPost, "/graphql", body, append([]string{"Content-Type: application/json"}, headers...)...)
}

func body(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// Request errors (parse, validation, variable coercion, the cost limit) answer 200 with no data to application/json
// clients, and 400 with no data to application/graphql-response+json ones; an executed operation is 200 with data.
func TestTransportStatusPerAccept(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(2))
	requests := []struct {
		name, body, code string
	}{
		{"parse", body(`{ coalitions(`, nil), "GRAPHQL_PARSE_FAILED"},
		{"validation", body(`{ coalitions { nope } }`, nil), "GRAPHQL_VALIDATION_FAILED"},
		{"coercion", body(`query($n: Int) { coalitions(first: $n) { totalCount } }`, map[string]any{"n": "5"}), "BAD_USER_INPUT"},
		{"missing variable", body(`query($id: ID!) { node(id: $id) { id } }`, nil), "BAD_USER_INPUT"},
		{"cost limit", body(`{ coalitions(first: 100) { nodes { members(first: 100) { nodes { coalitions(first: 100) { nodes { name } } } } } } }`, nil), "QUERY_TOO_COMPLEX"},
		{"unknown operation", `{"query": "query A { __typename }", "operationName": "B"}`, "GRAPHQL_VALIDATION_FAILED"},
	}
	accepts := []struct {
		accept, media string
		status        int
	}{
		{"", "application/json", 200},
		{"application/json", "application/json", 200},
		{"*/*", "application/json", 200},
		{"application/graphql-response+json", "application/graphql-response+json", 400},
		{"application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json", 400},
		{"application/json, application/graphql-response+json;q=0.5", "application/json", 200},
		{"text/html, application/*;q=0.8", "application/json", 200},
	}
	for _, a := range accepts {
		var headers []string
		if a.accept != "" {
			headers = append(headers, "Accept: "+a.accept)
		}
		for _, r := range requests {
			t.Run(a.accept+"/"+r.name, func(t *testing.T) {
				e := postJSON(t, api, r.body, headers...)
				if e.status != a.status || !strings.HasPrefix(e.header.Get("Content-Type"), a.media) {
					t.Errorf("%d %s, want %d %s", e.status, e.header.Get("Content-Type"), a.status, a.media)
				}
				errs, hasData := e.decode(t)
				if hasData || len(errs) != 1 || errs[0].Code() != r.code {
					t.Errorf("data %v, errors %+v; want no data and one %s", hasData, errs, r.code)
				}
			})
		}
		t.Run(a.accept+"/executed", func(t *testing.T) {
			e := postJSON(t, api, body(`{ coalitions { totalCount } node(id: "nope") { id } }`, nil), headers...)
			errs, hasData := e.decode(t)
			if e.status != 200 || !hasData || len(errs) != 1 || errs[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("%d, data %v, errors %+v", e.status, hasData, errs)
			}
		})
	}
}

// What the transport refuses gets the right status and a typed error: 415 for anything but JSON in UTF-8, 406 when
// the client accepts neither GraphQL media type, 405 with Allow: POST for a mutation over GET.
func TestTransportRefusals(t *testing.T) {
	api := apitest.New(t, nil)
	q := `{"query": "{ __typename }"}`
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"text/plain", "POST", "/graphql", q, []string{"Content-Type: text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"no content type", "POST", "/graphql", q, nil, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"form", "POST", "/graphql", "query=%7B__typename%7D", []string{"Content-Type: application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"application/graphql", "POST", "/graphql", "{ __typename }", []string{"Content-Type: application/graphql"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"latin-1 JSON", "POST", "/graphql", q, []string{"Content-Type: application/json; charset=iso-8859-1"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"UTF-8 in capitals", "POST", "/graphql", q, []string{"Content-Type: application/json; charset=UTF-8"}, 200, ""},
		{"accepts HTML only", "POST", "/graphql", q, []string{"Content-Type: application/json", "Accept: text/html"}, 406, "NOT_ACCEPTABLE"},
		{"refuses JSON", "POST", "/graphql", q, []string{"Content-Type: application/json", "Accept: application/json;q=0"}, 406, "NOT_ACCEPTABLE"},
		{"GET accepts XML only", "GET", "/graphql?query=%7B__typename%7D", "", []string{"Accept: application/xml"}, 406, "NOT_ACCEPTABLE"},
		{"GET mutation", "GET", "/graphql?query=" + url.QueryEscape(`mutation { __typename }`), "", nil, 405, "METHOD_NOT_ALLOWED"},
		{"GET mutation chosen by name", "GET", "/graphql?operationName=B&query=" + url.QueryEscape(`query A { __typename } mutation B { __typename }`), "", nil, 405, "METHOD_NOT_ALLOWED"},
		{"GET query beside a mutation", "GET", "/graphql?operationName=A&query=" + url.QueryEscape(`query A { __typename } mutation B { __typename }`), "", nil, 200, ""},
		{"GET without query", "GET", "/graphql", "", nil, 400, "BAD_REQUEST"},
		{"HEAD", "HEAD", "/graphql?query=%7B__typename%7D", "", nil, 200, ""},
		{"GET variables not JSON", "GET", "/graphql?query=%7B__typename%7D&variables=%7Bn", "", nil, 400, "BAD_REQUEST"},
		{"GET variables a list", "GET", "/graphql?query=%7B__typename%7D&variables=%5B1%5D", "", nil, 400, "BAD_REQUEST"},
		{"GET extensions not JSON", "GET", "/graphql?query=%7B__typename%7D&extensions=x", "", nil, 400, "BAD_REQUEST"},
		{"GET bad URL escape", "GET", "/graphql?query=%zz", "", nil, 400, "BAD_REQUEST"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := send(t, api, c.method, c.path, c.body, c.headers...)
			if e.status != c.status {
				t.Errorf("status %d, want %d: %s", e.status, c.status, e.body)
			}
			var errs []apitest.Error
			if c.method != http.MethodHead {
				errs, _ = e.decode(t)
			}
			if c.code == "" && len(errs) > 0 || c.code != "" && (len(errs) != 1 || errs[0].Code() != c.code) {
				t.Errorf("errors %+v, want %q", errs, c.code)
			}
			if c.status == 405 && e.header.Get("Allow") != "POST" {
				t.Errorf("Allow %q", e.header.Get("Allow"))
			}
			if e.header.Get("Cache-Control") != "no-store" && c.status != 200 {
				t.Errorf("Cache-Control %q", e.header.Get("Cache-Control"))
			}
		})
	}
}

// When both variables and extensions are bad in a GET, the error names variables, every time.
func TestDecodeQueryParametersNamesVariablesFirst(t *testing.T) {
	for range 20 {
		_, err := httpapi.DecodeQueryParameters(url.Values{"query": {"{ __typename }"}, "variables": {"[1]"}, "extensions": {"x"}})
		if err == nil || !strings.HasPrefix(err.Error(), "variables ") {
			t.Fatalf("%v, want the error on variables", err)
		}
	}
}

// A body that is not a GraphQL request is a 400 with a short BAD_REQUEST error (413 PAYLOAD_TOO_LARGE when it is too large), in the
// negotiated media type, that never echoes the body nor names Go types.
func TestBadBodies(t *testing.T) {
	api := apitest.New(t, nil)
	const marker = "secret-marker-in-the-body"
	cases := map[string]string{
		"array":                 `[{"query": "{ __typename }", "x": "` + marker + `"}]`,
		"string":                `"` + marker + `"`,
		"number":                `42`,
		"null":                  `null`,
		"empty":                 ``,
		"query a number":        `{"query": 42, "x": "` + marker + `"}`,
		"query an object":       `{"query": {"q": "` + marker + `"}}`,
		"operationName a list":  `{"query": "{ __typename }", "operationName": ["` + marker + `"]}`,
		"variables a string":    `{"query": "{ __typename }", "variables": "` + marker + `"}`,
		"variables a list":      `{"query": "{ __typename }", "variables": ["` + marker + `"]}`,
		"extensions a number":   `{"query": "{ __typename }", "extensions": 1}`,
		"no query":              `{"variables": {"x": "` + marker + `"}}`,
		"truncated":             `{"query": "{ __typename }", "variables": {"x": "` + marker,
		"two objects":           `{"query": "{ __typename }"}{"query": "` + marker + `"}`,
		"not JSON at all":       `query { __typename } ` + marker,
		"invalid escape in key": `{"query\x": "` + marker + `"}`,
	}
	for name, b := range cases {
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			t.Run(name+"/"+accept, func(t *testing.T) {
				e := postJSON(t, api, b, "Accept: "+accept)
				if e.status != http.StatusBadRequest || !strings.HasPrefix(e.header.Get("Content-Type"), accept) {
					t.Errorf("%d %s, want 400 %s", e.status, e.header.Get("Content-Type"), accept)
				}
				errs, hasData := e.decode(t)
				if hasData || len(errs) != 1 || errs[0].Code() != "BAD_REQUEST" {
					t.Fatalf("data %v, errors %+v", hasData, errs)
				}
				msg := errs[0].Message
				for _, leak := range []string{marker, "Go value", "graphql.", "RawParams", "unmarshal", "json:"} {
					if strings.Contains(e.String(), leak) {
						t.Errorf("the answer shows %q: %s", leak, e.body)
					}
				}
				if len(msg) > 80 {
					t.Errorf("message of %d bytes: %s", len(msg), msg)
				}
			})
		}
	}
	t.Run("huge", func(t *testing.T) {
		huge := `{"query": "{ __typename }", "variables": {"x": "` + strings.Repeat(marker, 1<<16) + `"}}`
		e := postJSON(t, api, huge)
		errs, _ := e.decode(t)
		if e.status != http.StatusRequestEntityTooLarge || len(errs) != 1 || errs[0].Code() != "PAYLOAD_TOO_LARGE" || len(e.body) > 200 {
			t.Errorf("%d %s", e.status, e.body)
		}
	})
	t.Run("huge without a length", func(t *testing.T) {
		huge := `{"query": "{ __typename }", "variables": {"x": "` + strings.Repeat(marker, 1<<16) + `"}}`
		req, _ := http.NewRequest(http.MethodPost, api.Server.URL+"/graphql", io.MultiReader(strings.NewReader(huge)))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || bytes.Contains(raw, []byte(marker)) || !bytes.Contains(raw, []byte("PAYLOAD_TOO_LARGE")) {
			t.Errorf("%d %s", res.StatusCode, raw)
		}
	})
}

func (e exchange) String() string { return string(e.body) }

// Nine hundred faults in one document (as many as the limits let through) get a short answer: MaxErrors errors and
// one TOO_MANY_ERRORS that counts the rest.
func TestErrorsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ coalitions {")
	for i := range 900 {
		fmt.Fprintf(&b, " unknown%d", i)
	}
	query := b.String() + " } }"
	for _, c := range []struct {
		max, want int
	}{{0, httpapi.DefaultMaxErrors}, {3, 3}} {
		t.Run(fmt.Sprint(c.max), func(t *testing.T) {
			api := apitest.NewWith(t, nil, httpapi.Config{MaxErrors: c.max})
			e := postJSON(t, api, body(query, nil))
			errs, _ := e.decode(t)
			if e.status != 200 || len(errs) != c.want+1 || len(e.body) > 400*(c.want+1) {
				t.Fatalf("%d, %d errors in %d bytes: %.300s", e.status, len(errs), len(e.body), e.body)
			}
			last := errs[len(errs)-1]
			if last.Code() != "TOO_MANY_ERRORS" || last.Extensions["omitted"] != float64(900-c.want) || !strings.Contains(last.Message, fmt.Sprint(900-c.want)) {
				t.Errorf("last error %+v", last)
			}
			if errs[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("first error %+v", errs[0])
			}
		})
	}
}

// Anonymous answers without errors may be kept by shared caches for the staleness bound, and revalidated by
// browsers each time; anything with errors (a persisted-query miss among them) is never stored. Every GraphQL answer varies by Accept (and by Origin, through CORS).
func TestCacheHeaders(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(1))
	get := func(t *testing.T, params url.Values) exchange {
		return send(t, api, http.MethodGet, "/graphql?"+params.Encode(), "", "Origin: https://app.example")
	}
	query := `{ coalitions { totalCount } }`
	const shared = "public, max-age=0, s-maxage=1, stale-while-revalidate=1"
	hash := sha256.Sum256([]byte(query))
	apq := fmt.Sprintf(`{"persistedQuery": {"version": 1, "sha256Hash": %q}}`, hex.EncodeToString(hash[:]))
	check := func(t *testing.T, e exchange, status int, cache string) {
		t.Helper()
		if e.status != status || e.header.Get("Cache-Control") != cache {
			t.Errorf("%d %q, want %d %q: %s", e.status, e.header.Get("Cache-Control"), status, cache, e.body)
		}
		vary := strings.Join(e.header.Values("Vary"), ", ")
		if !strings.Contains(vary, "Accept") {
			t.Errorf("Vary %q", vary)
		}
	}
	t.Run("GET without errors", func(t *testing.T) {
		e := get(t, url.Values{"query": {query}})
		check(t, e, 200, shared)
		if vary := strings.Join(e.header.Values("Vary"), ", "); !strings.Contains(vary, "Origin") {
			t.Errorf("Vary %q", vary)
		}
	})
	t.Run("GET with a field error", func(t *testing.T) {
		check(t, get(t, url.Values{"query": {`{ coalition(slug: "atlantis") { name } }`}}), 200, "no-store")
	})
	t.Run("GET with a validation error", func(t *testing.T) {
		check(t, get(t, url.Values{"query": {`{ nope }`}}), 200, "no-store")
	})
	t.Run("GET persisted-query miss, then hit", func(t *testing.T) {
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			e := send(t, api, http.MethodGet, "/graphql?"+url.Values{"extensions": {apq}}.Encode(), "", "Accept: "+accept)
			check(t, e, 200, "no-store")
			if errs, _ := e.decode(t); len(errs) != 1 || errs[0].Code() != "PERSISTED_QUERY_NOT_FOUND" {
				t.Errorf("errors %+v", errs)
			}
		}
		reg := postJSON(t, api, `{"query": `+strconvQuote(query)+`, "extensions": `+apq+`}`)
		check(t, reg, 200, shared)
		check(t, get(t, url.Values{"extensions": {apq}}), 200, shared)
	})
	t.Run("POST", func(t *testing.T) {
		check(t, postJSON(t, api, body(query, nil)), 200, shared)
	})
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// A browser's preflight passes with each header that Apollo Client, urql, Relay and tracing libraries send, and
// the answer exposes the headers clients read.
func TestCORSPreflightForClientHeaders(t *testing.T) {
	api := apitest.NewWith(t, nil, httpapi.Config{CORSOrigins: []string{"https://app.example"}})
	for _, h := range []string{"content-type", "accept", "authorization", "x-request-id", "if-none-match", "stage",
		"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight", "x-apollo-operation-name",
		"traceparent", "tracestate", "baggage"} {
		t.Run(h, func(t *testing.T) {
			// Browsers send the names lower-case, sorted and once each.
			names := slices.Compact(slices.Sorted(slices.Values([]string{"content-type", h})))
			e := send(t, api, http.MethodOptions, "/graphql", "", "Origin: https://app.example",
				"Access-Control-Request-Method: POST", "Access-Control-Request-Headers: "+strings.Join(names, ","))
			if e.status >= 300 || e.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
				!strings.Contains(strings.ToLower(e.header.Get("Access-Control-Allow-Headers")), h) {
				t.Errorf("%d, allow-origin %q, allow-headers %q", e.status, e.header.Get("Access-Control-Allow-Origin"), e.header.Get("Access-Control-Allow-Headers"))
			}
		})
	}
	t.Run("exposed headers", func(t *testing.T) {
		e := postJSON(t, api, body(`{ __typename }`, nil), "Origin: https://app.example")
		exposed := strings.ToLower(e.header.Get("Access-Control-Expose-Headers"))
		for _, h := range []string{"x-request-id", "retry-after", "etag"} {
			if !strings.Contains(exposed, h) {
				t.Errorf("%q not exposed: %q", h, exposed)
			}
		}
	})
}

// Variables and literals of the built-in scalars are coerced as the spec says, not leniently: a string is no Int,
// a number no String, an Int lies in 32 bits; an integer is a fine ID.
func TestStrictInputCoercion(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(2))
	first := `query($n: Int) { coalitions(first: $n) { totalCount } }`
	node := `query($id: ID!) { node(id: $id) { id } }`
	search := `query($s: String) { coalitions(filter: {search: $s}) { totalCount } }`
	eu := `query($b: Boolean) { countries(filter: {euMember: $b}) { totalCount } }`
	filter := `query($f: CountryFilter) { countries(filter: $f) { totalCount } }`
	countries := `query($c: [String!]) { coalitions(filter: {country: $c}) { totalCount } }`
	refused := []struct {
		name, query string
		vars        map[string]any
		path        string
	}{
		{"string for Int", first, map[string]any{"n": "5"}, "variable.n"},
		{"fraction for Int", first, map[string]any{"n": 5.5}, "variable.n"},
		{"5.0 for Int", first, map[string]any{"n": json.Number("5.0")}, "variable.n"},
		{"2^31 for Int", first, map[string]any{"n": int64(1) << 31}, "variable.n"},
		{"true for Int", first, map[string]any{"n": true}, "variable.n"},
		{"fraction for ID", node, map[string]any{"id": 5.5}, "variable.id"},
		{"boolean for ID", node, map[string]any{"id": true}, "variable.id"},
		{"number for String", search, map[string]any{"s": 5}, "variable.s"},
		{"string for Boolean", eu, map[string]any{"b": "true"}, "variable.b"},
		{"number for Boolean", eu, map[string]any{"b": 1}, "variable.b"},
		{"number for String in an input object", filter, map[string]any{"f": map[string]any{"search": 5}}, "variable.f.search"},
		{"string for Boolean in an input object", filter, map[string]any{"f": map[string]any{"euMember": "yes"}}, "variable.f.euMember"},
		{"number in a list of String", countries, map[string]any{"c": []any{"IE", 7}}, "variable.c.1"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			e := api.Fails(t, "BAD_USER_INPUT", c.query, c.vars)
			if pathString(e.Path) != c.path {
				t.Errorf("path %v, want %s (%s)", e.Path, c.path, e.Message)
			}
			if strings.Contains(e.Message, "int64") || strings.Contains(e.Message, "json.Number") {
				t.Errorf("message names Go types: %s", e.Message)
			}
		})
	}
	t.Run("refused as a request error", func(t *testing.T) {
		e := postJSON(t, api, body(first, map[string]any{"n": "5"}), "Accept: application/graphql-response+json")
		if errs, hasData := e.decode(t); e.status != 400 || hasData || len(errs) != 1 {
			t.Errorf("%d %s", e.status, e.body)
		}
	})
	accepted := []struct {
		name, query string
		vars        map[string]any
	}{
		{"Int", first, map[string]any{"n": 1}},
		{"largest Int", first, map[string]any{"n": 1<<31 - 1}},
		{"Int in an ID", node, map[string]any{"id": 5}},
		{"String", search, map[string]any{"s": "x"}},
		{"Boolean", eu, map[string]any{"b": false}},
		{"one String for a list", countries, map[string]any{"c": "IE"}},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			r := api.Query(c.query, c.vars)
			for _, e := range r.Errors {
				if len(e.Path) > 0 && e.Path[0] == "variable" || e.Code() == "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("refused: %+v", e)
				}
			}
			if r.Status != 200 {
				t.Errorf("status %d", r.Status)
			}
		})
	}
	t.Run("Int literal beyond 32 bits", func(t *testing.T) {
		e := api.Fails(t, "GRAPHQL_VALIDATION_FAILED", `{ coalitions(first: 2147483648) { totalCount } }`, nil)
		if !strings.Contains(e.Message, "2147483648") {
			t.Errorf("message %q", e.Message)
		}
	})
	t.Run("string literal for Int", func(t *testing.T) {
		api.Fails(t, "GRAPHQL_VALIDATION_FAILED", `{ coalitions(first: "5") { totalCount } }`, nil)
	})
	t.Run("Int literal for ID", func(t *testing.T) {
		r := api.Query(`{ node(id: 5) { id } }`, nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["argument"] != "id" {
			t.Errorf("%+v", r.Errors)
		}
	})
}

// pathString writes an error path as a.b.0.
func pathString(p []any) string {
	parts := make([]string, len(p))
	for i, s := range p {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ".")
}
