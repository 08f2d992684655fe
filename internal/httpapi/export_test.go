package httpapi_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// download GETs an export and returns the response with its body read.
func download(t *testing.T, api *apitest.API, path string, params url.Values) (*http.Response, []byte) {
	t.Helper()
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	res, err := http.Get(api.Server.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// readCSV parses an export into one map per row, keyed by the header.
func readCSV(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v", err)
	}
	if len(records) == 0 {
		t.Fatal("the export has no header")
	}
	var rows []map[string]string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, h := range records[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// pageAll pages through a GraphQL list (aliased `list`, selecting pageInfo and nodes, taking $after) and returns
// its nodes.
func pageAll[N any](t *testing.T, api *apitest.API, query string, vars map[string]any) []N {
	t.Helper()
	var out []N
	vars = maps.Clone(vars)
	if vars == nil {
		vars = map[string]any{}
	}
	for {
		var got struct {
			List struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []N
			}
		}
		api.Must(t, query, vars, &got)
		out = append(out, got.List.Nodes...)
		if !got.List.PageInfo.HasNextPage {
			return out
		}
		vars["after"] = got.List.PageInfo.EndCursor
	}
}

// A filtered CSV export of coalitions, read back, is the GraphQL list with the same filter: the same rows in the
// same order, each relation flattened into aligned columns.
func TestExportCSVMatchesTheList(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	filter := `{"status": ["ACTIVE"], "launchYear": {"from": 2016}}`
	res, body := download(t, api, "/export/coalitions.csv", url.Values{"filter": {filter}})
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, content type %q: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="coalitions.csv"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	rows := readCSV(t, body)

	type member struct {
		Role  string
		Since *int
		Node  struct{ ID, Name string }
	}
	type coalition struct {
		ID, Slug, Name, Status string
		LaunchYear             *int
		Country                struct{ Code, Name string }
		FocusAreas             []string
		Members                struct {
			TotalCount int
			Edges      []member
		}
	}
	var f map[string]any
	_ = json.Unmarshal([]byte(filter), &f)
	want := pageAll[coalition](t, api, `query($filter: CoalitionFilter, $after: String) {
  list: coalitions(first: 100, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { id slug name status launchYear country { code name } focusAreas
      members(first: 100) { totalCount edges { role since node { id name } } } }
  }
}`, map[string]any{"filter": f})
	if len(want) == 0 || len(want) == len(d.Coalitions) {
		t.Fatalf("the filter should select some coalitions, not %d of %d", len(want), len(d.Coalitions))
	}
	if len(rows) != len(want) {
		t.Fatalf("the export has %d rows, the list %d items", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		var ids, names, roles, since []string
		for _, m := range w.Members.Edges {
			ids, names, roles = append(ids, m.Node.ID), append(names, m.Node.Name), append(roles, m.Role)
			s := ""
			if m.Since != nil {
				s = itoa(*m.Since)
			}
			since = append(since, s)
		}
		year := ""
		if w.LaunchYear != nil {
			year = itoa(*w.LaunchYear)
		}
		checks := map[string]string{
			"id": w.ID, "slug": w.Slug, "name": w.Name, "status": w.Status, "launchYear": year,
			"country.code": w.Country.Code, "country.name": w.Country.Name, "focusAreas": strings.Join(w.FocusAreas, "; "),
			"members.totalCount": itoa(w.Members.TotalCount), "members.id": strings.Join(ids, "; "),
			"members.name": strings.Join(names, "; "), "members.role": strings.Join(roles, "; "),
			"members.since": strings.Join(since, "; "),
		}
		for col, v := range checks {
			if r[col] != v {
				t.Errorf("row %d (%s) column %s = %q, the list says %q", i, w.Slug, col, r[col], v)
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// Every type's export, CSV and NDJSON, has exactly the list's items in the list's order, across several pages.
func TestExportEveryTypeAcrossPages(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(120)) // 120 coalitions and 240 stakeholders: more than one export page
	lists := map[string]string{
		"coalitions": "coalitions", "stakeholders": "stakeholders", "initiatives": "initiatives",
		"toolkit-sections": "toolkitSections", "blog-posts": "blogPosts", "countries": "countries",
	}
	for name, field := range lists {
		t.Run(name, func(t *testing.T) {
			want := pageAll[struct{ ID string }](t, api, `query($after: String) { list: `+field+`(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id } } }`, nil)
			var ids []string
			for _, n := range want {
				ids = append(ids, n.ID)
			}
			_, body := download(t, api, "/export/"+name+".csv", nil)
			var csvIDs []string
			for _, r := range readCSV(t, body) {
				csvIDs = append(csvIDs, r["id"])
			}
			if !slices.Equal(csvIDs, ids) {
				t.Errorf("CSV has %d ids, the list %d; equal in order: false", len(csvIDs), len(ids))
			}
			res, body := download(t, api, "/export/"+name+".ndjson", nil)
			if ct := res.Header.Get("Content-Type"); ct != "application/x-ndjson" {
				t.Errorf("Content-Type = %q", ct)
			}
			var ndIDs []string
			sc := bufio.NewScanner(strings.NewReader(string(body)))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var item struct{ ID string }
				if err := json.Unmarshal(sc.Bytes(), &item); err != nil {
					t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
				}
				ndIDs = append(ndIDs, item.ID)
			}
			if !slices.Equal(ndIDs, ids) {
				t.Errorf("NDJSON has %d ids, the list %d; equal in order: false", len(ndIDs), len(ids))
			}
		})
	}
}

// In NDJSON a relation is a plain list of its items, each edge's own fields merged into the item.
func TestExportNDJSONFlattensRelations(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	_, body := download(t, api, "/export/coalitions.ndjson", url.Values{"filter": {`{"country": ["AT"]}`}})
	var got struct {
		Slug    string
		Country struct{ Code string }
		Members []struct{ ID, Name, Role string }
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(body))), &got); err != nil {
		t.Fatalf("want one line for Austria: %v\n%s", err, body)
	}
	var want []string
	for _, c := range d.Coalitions {
		if c.CountryCode == "AT" {
			for _, m := range c.Members {
				want = append(want, string(m.Role)+" "+m.Stakeholder)
			}
		}
	}
	slugs := map[string]string{}
	for _, s := range d.Stakeholders {
		slugs[s.Name] = s.Slug
	}
	var have []string
	for _, m := range got.Members {
		if m.ID == "" {
			t.Errorf("member %q has no id", m.Name)
		}
		have = append(have, string(m.Role)+" "+slugs[m.Name])
	}
	slices.Sort(want)
	slices.Sort(have)
	if got.Country.Code != "AT" || !slices.Equal(have, want) {
		t.Errorf("members = %v, want %v (country %q)", have, want, got.Country.Code)
	}
}

// Text that a spreadsheet would run as a formula is defused in CSV, and left as it is in NDJSON.
func TestExportCSVDefusesFormulas(t *testing.T) {
	api := apitest.New(t, nil)
	name := `=HYPERLINK("http://example.com","click")`
	if _, err := api.Store.Stakeholders().Create(content.WithPublishOnWrite(context.Background()), &content.Stakeholder{
		Slug: "formula", Name: name, Kind: "ORGANISATION", Category: "NGO",
	}); err != nil {
		t.Fatal(err)
	}
	_, body := download(t, api, "/export/stakeholders.csv", nil)
	if rows := readCSV(t, body); len(rows) != 1 || rows[0]["name"] != "'"+name {
		t.Errorf("CSV rows = %v, want the name with a leading apostrophe", rows)
	}
	_, body = download(t, api, "/export/stakeholders.ndjson", nil)
	if !strings.Contains(string(body), `"name":"=HYPERLINK`) {
		t.Errorf("NDJSON changed the name: %s", body)
	}
}

// Bad exports are refused before anything is streamed, with the error a GraphQL client would get.
func TestExportErrors(t *testing.T) {
	api := apitest.New(t, nil)
	cases := []struct {
		name, path string
		params     url.Values
		status     int
		code       string
	}{
		{"unknown type", "/export/members.csv", nil, http.StatusNotFound, "NOT_FOUND"},
		{"unknown format", "/export/coalitions.xlsx", nil, http.StatusNotFound, "NOT_FOUND"},
		{"filter not JSON", "/export/coalitions.csv", url.Values{"filter": {"{status"}}, http.StatusBadRequest, "BAD_USER_INPUT"},
		{"orderBy not JSON", "/export/coalitions.csv", url.Values{"orderBy": {"NAME"}}, http.StatusBadRequest, "BAD_USER_INPUT"},
		{"bad enum in filter", "/export/coalitions.csv", url.Values{"filter": {`{"status": ["NOPE"]}`}}, http.StatusBadRequest, "BAD_USER_INPUT"},
		{"bad id in filter", "/export/coalitions.csv", url.Values{"filter": {`{"hasMember": "nope"}`}}, http.StatusBadRequest, "BAD_USER_INPUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := api.Get(c.path + "?" + c.params.Encode())
			if res.Status != c.status || len(res.Errors) != 1 || res.Errors[0].Code() != c.code {
				t.Errorf("status %d, errors %+v; want %d with code %s", res.Status, res.Errors, c.status, c.code)
			}
		})
	}
}

// The network as GraphML, read back with an XML parser, has the nodes and edges of the `network` field for the
// same filter, with their labels, types and relations.
func TestExportNetworkGraphML(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	filter := `{"country": ["IE", "BE", "NL"], "types": ["COALITION", "STAKEHOLDER", "INITIATIVE"]}`
	res, body := download(t, api, "/export/network.graphml", url.Values{"filter": {filter}})
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/graphml+xml") {
		t.Fatalf("status %d, content type %q: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var doc struct {
		Keys []struct {
			ID   string `xml:"id,attr"`
			For  string `xml:"for,attr"`
			Name string `xml:"attr.name,attr"`
		} `xml:"key"`
		Graph struct {
			EdgeDefault string `xml:"edgedefault,attr"`
			Nodes       []struct {
				ID   string `xml:"id,attr"`
				Data []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"node"`
			Edges []struct {
				Source string `xml:"source,attr"`
				Target string `xml:"target,attr"`
				Data   []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"edge"`
		} `xml:"graph"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	declared := map[string]bool{}
	for _, k := range doc.Keys {
		declared[k.ID] = true
	}

	var f map[string]any
	_ = json.Unmarshal([]byte(filter), &f)
	var want struct {
		Network struct {
			Nodes []struct {
				Node struct{ ID, Typename, Name string }
			}
			Edges []struct{ From, To, Relation string }
		}
	}
	api.Must(t, `query($f: NetworkFilter!) { network(filter: $f) {
  nodes { node { typename: __typename ... on Node { id } ... on Coalition { name } ... on Stakeholder { name } ... on Initiative { name } } }
  edges { from to relation } } }`, map[string]any{"f": f}, &want)
	if len(want.Network.Nodes) == 0 || len(want.Network.Edges) == 0 {
		t.Fatal("the network of IE, BE and NL should not be empty")
	}

	wantNodes, gotNodes := []string{}, []string{}
	for _, n := range want.Network.Nodes {
		wantNodes = append(wantNodes, n.Node.ID+" "+n.Node.Typename+" "+n.Node.Name)
	}
	for _, n := range doc.Graph.Nodes {
		attrs := map[string]string{}
		for _, d := range n.Data {
			if !declared[d.Key] {
				t.Errorf("node %s uses the undeclared key %q", n.ID, d.Key)
			}
			attrs[d.Key] = d.Value
		}
		gotNodes = append(gotNodes, n.ID+" "+attrs["type"]+" "+attrs["label"])
	}
	wantEdges, gotEdges := []string{}, []string{}
	for _, e := range want.Network.Edges {
		wantEdges = append(wantEdges, e.From+" "+e.Relation+" "+e.To)
	}
	for _, e := range doc.Graph.Edges {
		rel := ""
		for _, d := range e.Data {
			if d.Key == "relation" {
				rel = d.Value
			}
		}
		gotEdges = append(gotEdges, e.Source+" "+rel+" "+e.Target)
	}
	for _, l := range [][]string{wantNodes, gotNodes, wantEdges, gotEdges} {
		slices.Sort(l)
	}
	if doc.Graph.EdgeDefault != "directed" || !slices.Equal(gotNodes, wantNodes) || !slices.Equal(gotEdges, wantEdges) {
		t.Errorf("GraphML has %d nodes and %d edges, the network %d and %d (equal: %v, %v)", len(gotNodes), len(gotEdges),
			len(wantNodes), len(wantEdges), slices.Equal(gotNodes, wantNodes), slices.Equal(gotEdges, wantEdges))
	}

	bad := api.Get("/export/network.graphml?" + url.Values{"filter": {`{"types": ["COUNTRY"]}`}}.Encode())
	if bad.Status != http.StatusBadRequest || len(bad.Errors) != 1 {
		t.Errorf("a bad network filter: status %d, errors %+v", bad.Status, bad.Errors)
	}
}
