package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"coalitiongraph/internal/httpapi"
)

// FuzzDecodeRequest: decoding any body never panics; what it accepts has a query (or a persisted query's hash)
// and variables that are a JSON object again; what it refuses gets a short message that never quotes the body or
// names a Go type. The seed corpus is in testdata/fuzz/FuzzDecodeRequest; plain go test runs it.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"query": "{ __typename }"}`,
		`{"query": "query($n: Int) { coalitions(first: $n) { totalCount } }", "variables": {"n": 5}, "operationName": null}`,
		`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}`,
		`[{"query": "{ __typename }"}]`, `"{ __typename }"`, `{"query": 42}`, `{"query": "{a}", "variables": "x"}`,
		`{"query": "{a}"}{}`, `{"query": "{a}", "variables": {"n": 1e999}}`, `{"query": `, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := httpapi.DecodeRequest(body)
		if err != nil {
			msg := err.Error()
			if len(msg) > 80 || strings.Contains(msg, "Go value") || strings.Contains(msg, "graphql.") || len(body) > 8 && strings.Contains(msg, string(body)) {
				t.Fatalf("message %q", msg)
			}
			return
		}
		if p.Query == "" && p.Extensions["persistedQuery"] == nil {
			t.Fatalf("accepted %q with no query", body)
		}
		if p.Variables != nil {
			b, err := json.Marshal(p.Variables)
			if err != nil || len(b) == 0 || b[0] != '{' {
				t.Fatalf("variables %v of %q do not encode as an object: %v", p.Variables, body, err)
			}
		}
	})
}
