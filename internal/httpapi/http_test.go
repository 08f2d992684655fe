package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/httpapi"
)

// The HTTP surface a single-page app uses: cacheable GET queries, CORS, health and readiness, the IDE.
func TestHTTPSurface(t *testing.T) {
	api := apitest.NewWith(t, apitest.Fixture(3), httpapi.Config{CORSOrigins: []string{"https://coalitions.example"}})

	t.Run("GET query is cacheable", func(t *testing.T) {
		res, err := http.Get(api.Server.URL + "/graphql?query=" + url.QueryEscape(`{ coalitions { totalCount } }`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != `{"data":{"coalitions":{"totalCount":3}}}` {
			t.Errorf("%d %s", res.StatusCode, body)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
			t.Errorf("Cache-Control %q", cc)
		}
		if res.Header.Get("X-Request-ID") == "" {
			t.Error("no X-Request-ID")
		}
	})
	t.Run("GET with variables", func(t *testing.T) {
		r := api.Get("/graphql?query=" + url.QueryEscape(`query($n: Int) { coalitions(first: $n) { edges { cursor } } }`) + "&variables=" + url.QueryEscape(`{"n": 2}`))
		if r.Status != 200 || len(r.Errors) > 0 || strings.Count(string(r.Data), "cursor") != 2 {
			t.Errorf("%d %s %+v", r.Status, r.Data, r.Errors)
		}
	})
	t.Run("CORS preflight from an allowed origin", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, api.Server.URL+"/graphql", nil)
		req.Header.Set("Origin", "https://coalitions.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 || res.Header.Get("Access-Control-Allow-Origin") != "https://coalitions.example" {
			t.Errorf("%d, allow-origin %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("CORS refuses another origin", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, api.Server.URL+"/graphql?query=%7B__typename%7D", nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("allow-origin %q for a foreign origin", got)
		}
	})
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		t.Run(path, func(t *testing.T) {
			res, err := http.Get(api.Server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || strings.TrimSpace(string(body)) != want {
				t.Errorf("%d %s", res.StatusCode, body)
			}
		})
	}
	t.Run("IDE at the root", func(t *testing.T) {
		res, err := http.Get(api.Server.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), "/graphql") || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
	t.Run("schema is documented", func(t *testing.T) {
		var out struct {
			Schema struct {
				Types []struct {
					Name, Kind  string
					Description *string
					Fields      []struct {
						Name        string
						Description *string
						Args        []struct {
							Name        string
							Description *string
						}
					}
					InputFields []struct {
						Name        string
						Description *string
					}
				}
			} `json:"__schema"`
		}
		api.Must(t, `{ __schema { types { name kind description fields { name description args { name description } } inputFields { name description } } } }`, nil, &out)
		for _, ty := range out.Schema.Types {
			if strings.HasPrefix(ty.Name, "__") || ty.Kind == "SCALAR" && (ty.Name == "String" || ty.Name == "Int" || ty.Name == "Boolean" || ty.Name == "ID" || ty.Name == "Float") {
				continue
			}
			if ty.Description == nil || *ty.Description == "" {
				t.Errorf("type %s has no description", ty.Name)
			}
			for _, f := range ty.Fields {
				if f.Description == nil || *f.Description == "" {
					t.Errorf("field %s.%s has no description", ty.Name, f.Name)
				}
				for _, a := range f.Args {
					if a.Description == nil || *a.Description == "" {
						t.Errorf("argument %s.%s(%s) has no description", ty.Name, f.Name, a.Name)
					}
				}
			}
			for _, f := range ty.InputFields {
				if f.Description == nil || *f.Description == "" {
					t.Errorf("input field %s.%s has no description", ty.Name, f.Name)
				}
			}
		}
	})
}

// Readiness follows the database: when it stops answering, /readyz says so and /healthz still answers.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	api := apitest.New(t, nil)
	api.Disconnect()
	for path, want := range map[string]int{"/readyz": http.StatusServiceUnavailable, "/healthz": http.StatusOK} {
		res, err := http.Get(api.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}
