package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
)

// Bad input is a typed error naming the argument, never a 500, a panic or driver text.
func TestBadInputIsATypedError(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(4))
	var ids struct {
		Coalitions   struct{ Edges []struct{ Cursor string } }
		Stakeholders struct{ Nodes []struct{ ID string } }
	}
	api.Must(t, `{ coalitions(first: 2, orderBy: [{field: COUNTRY}]) { edges { cursor } } stakeholders(first: 1) { nodes { id } } }`, nil, &ids)
	stakeholderID := ids.Stakeholders.Nodes[0].ID
	countryCursor := ids.Coalitions.Edges[0].Cursor
	bogus := base64.RawURLEncoding.EncodeToString([]byte("Planet:1"))

	cases := []struct {
		name, query, code, argument string
	}{
		{"garbage id", `{ node(id: "not an id") { id } }`, "BAD_USER_INPUT", "id"},
		{"unknown type in id", `{ node(id: "` + bogus + `") { id } }`, "BAD_USER_INPUT", "id"},
		{"id of another type", `{ coalition(id: "` + stakeholderID + `") { name } }`, "BAD_USER_INPUT", "id"},
		{"neither id nor slug", `{ coalition { name } }`, "BAD_USER_INPUT", "id"},
		{"both id and slug", `{ coalition(id: "` + stakeholderID + `", slug: "x") { name } }`, "BAD_USER_INPUT", "id"},
		{"unknown slug", `{ coalition(slug: "atlantis") { name } }`, "NOT_FOUND", "slug"},
		{"unknown country", `{ country(code: "ZZ") { name } }`, "NOT_FOUND", "code"},
		{"first 0", `{ coalitions(first: 0) { totalCount } }`, "BAD_USER_INPUT", "first"},
		{"first 101", `{ coalitions(first: 101) { totalCount } }`, "BAD_USER_INPUT", "first"},
		{"negative last", `{ stakeholders(last: -1) { totalCount } }`, "BAD_USER_INPUT", "last"},
		{"first and last", `{ initiatives(first: 2, last: 2) { totalCount } }`, "BAD_USER_INPUT", "last"},
		{"garbage after", `{ blogPosts(after: "abc") { totalCount } }`, "BAD_USER_INPUT", "after"},
		{"garbage before", `{ toolkitSections(last: 2, before: "!!") { totalCount } }`, "BAD_USER_INPUT", "before"},
		{"cursor of another ordering", `{ coalitions(after: "` + countryCursor + `") { totalCount } }`, "BAD_USER_INPUT", "after"},
		{"cursor of another type's ordering", `{ countries(after: "` + countryCursor + `") { totalCount } }`, "BAD_USER_INPUT", "after"},
		{"nested page too large", `{ coalitions(first: 1) { nodes { members(first: 500) { totalCount } } } }`, "BAD_USER_INPUT", "first"},
		{"nested garbage cursor", `{ stakeholders(first: 1) { nodes { coalitions(after: "zz") { totalCount } } } }`, "BAD_USER_INPUT", "after"},
		{"mention cursor garbage", `{ blogPosts(first: 1) { nodes { mentions(after: "zz") { totalCount } } } }`, "BAD_USER_INPUT", "after"},
		{"filter id garbage", `{ coalitions(filter: {hasMember: "nope"}) { totalCount } }`, "BAD_USER_INPUT", "filter.hasMember"},
		{"filter id of wrong type", `{ stakeholders(filter: {memberOf: "` + stakeholderID + `"}) { totalCount } }`, "BAD_USER_INPUT", "filter.memberOf"},
		{"bad date", `{ blogPosts(filter: {publishedOn: {from: "2017-13-45"}}) { totalCount } }`, "BAD_USER_INPUT", ""},
		{"bad date time", `{ coalitions(filter: {updatedAt: {from: "yesterday"}}) { totalCount } }`, "BAD_USER_INPUT", ""},
		{"same order field twice", `{ coalitions(orderBy: [{field: NAME}, {field: NAME, direction: DESC}]) { totalCount } }`, "BAD_USER_INPUT", "orderBy"},
		{"too many ids", `{ nodes(ids: [` + strings.Repeat(`"x",`, 101) + `]) { id } }`, "LIST_TOO_LONG", "ids"},
		{"unknown field", `{ coalitions { nope } }`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"unknown enum value", `{ coalitions(filter: {status: CLOSED}) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"syntax error", `{ coalitions( { totalCount }`, "GRAPHQL_PARSE_FAILED", ""},
		{"too costly", `{ coalitions(first: 100) { nodes { members(first: 100) { nodes { coalitions(first: 100) { nodes { name } } } } } } }`, "QUERY_TOO_COMPLEX", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := api.Fails(t, c.code, c.query, nil)
			if got, _ := e.Extensions["argument"].(string); got != c.argument {
				t.Errorf("argument %q, want %q (%s)", got, c.argument, e.Message)
			}
			if e.Message == "" || strings.Contains(strings.ToLower(e.Message), "mongo") {
				t.Errorf("message %q", e.Message)
			}
		})
	}
}

// A missing object is null with a NOT_FOUND error at its path; the rest of the response is still there.
func TestNotFoundKeepsTheRestOfTheResponse(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(3))
	r := api.Query(`{ coalition(slug: "atlantis") { name } coalitions { totalCount } }`, nil)
	if string(r.Data) != `{"coalition":null,"coalitions":{"totalCount":3}}` {
		t.Errorf("data %s", r.Data)
	}
	if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || len(r.Errors[0].Path) != 1 || r.Errors[0].Path[0] != "coalition" {
		t.Errorf("errors %+v", r.Errors)
	}
}

// Requests that are not GraphQL at all get a 4xx with an error, never a 500. Well-formed requests whose variables
// or operation name are wrong are request errors, which GraphQL over HTTP answers with 200 to application/json
// clients (transport_test.go has every status).
func TestMalformedRequests(t *testing.T) {
	api := apitest.New(t, nil)
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"not JSON", "application/json", `{"query": `, http.StatusBadRequest},
		{"no query", "application/json", `{"variables": {}}`, http.StatusBadRequest},
		{"query is not a string", "application/json", `{"query": 42}`, http.StatusBadRequest},
		{"variables of the wrong type", "application/json", `{"query": "query($n: Int) { coalitions(first: $n) { totalCount } }", "variables": {"n": "ten"}}`, http.StatusOK},
		{"unknown operation name", "application/json", `{"query": "query A { coalitions { totalCount } }", "operationName": "B"}`, http.StatusOK},
		{"unsupported content type", "text/plain", `{ coalitions { totalCount } }`, http.StatusUnsupportedMediaType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := http.Post(api.Server.URL+"/graphql", c.contentType, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			var out struct{ Errors []apitest.Error }
			err = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if res.StatusCode != c.status || err != nil || len(out.Errors) == 0 || out.Errors[0].Code() == "" {
				t.Errorf("status %d (want %d), errors %+v %v", res.StatusCode, c.status, out.Errors, err)
			}
		})
	}
	t.Run("body too large", func(t *testing.T) {
		big := `{"query": "{ coalitions { totalCount } }", "variables": {"x": "` + strings.Repeat("a", 2<<20) + `"}}`
		res, err := http.Post(api.Server.URL+"/graphql", "application/json", strings.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("status %d, want 4xx", res.StatusCode)
		}
	})
}

// When the database fails, clients see an INTERNAL_SERVER_ERROR with no driver text; the log has the cause.
func TestStoreFailureIsInternalAndHidden(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(2))
	api.Disconnect()
	r := api.Query(`{ coalitions { totalCount } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL_SERVER_ERROR" || r.Errors[0].Message != "internal error" {
		t.Fatalf("errors %+v", r.Errors)
	}
	if !strings.Contains(api.Logs(), "client is disconnected") || !strings.Contains(api.Logs(), "request=") {
		t.Errorf("the log does not have the cause with the request's id:\n%s", api.Logs())
	}
}
