package httpapi_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// The aggregate tests compare every aggregate with counts computed here: the items are fetched through the
// GraphQL list queries with the same filter (every page), and grouped and sorted in plain Go.

// aggregateDataset is the generated fixture with the cases it lacks: a coalition without focus areas and one that
// lists an area twice, a post without authors and one with two.
func aggregateDataset(n int) *seed.Dataset {
	d := apitest.Fixture(n)
	d.Coalitions[5].FocusAreas = nil
	d.Coalitions[6].FocusAreas = []content.FocusArea{"SKILLS_CERTIFICATION", content.FocusAreas[0]}
	d.BlogPosts[2].Authors = nil
	d.BlogPosts[1].Authors = append(d.BlogPosts[1].Authors, d.Stakeholders[0].Slug)
	return d
}

// item is one listed item as decoded JSON.
type item = map[string]any

// aggregateSource describes one aggregate: its field and argument types, and how to list the items it counts with
// the values of each dimension.
type aggregateSource struct {
	field, filterType, dimensionType string
	// list returns every item that matches filter.
	list func(t *testing.T, api *apitest.API, filter obj) []item
	// dims reads each dimension's values of an item: one, several (an array) or none (unknown).
	dims map[string]func(item) []string
}

// listAll pages through a root list with filter and returns every item with the given selection.
func listAll(field, filterType, selection string) func(*testing.T, *apitest.API, obj) []item {
	return func(t *testing.T, api *apitest.API, filter obj) []item {
		t.Helper()
		q := fmt.Sprintf(`query($f: %s, $after: String) { list: %s(first: 100, after: $after, filter: $f) {
			pageInfo { hasNextPage endCursor } nodes { %s } } }`, filterType, field, selection)
		return pageAll[item](t, api, q, map[string]any{"f": filter})
	}
}

// listMemberships lists the memberships that match a MembershipFilter through the coalitions list and each
// coalition's members connection, which take the same coalition filter, stakeholder filter and roles.
func listMemberships(t *testing.T, api *apitest.API, filter obj) []item {
	t.Helper()
	var cf, sf, roles any
	if filter != nil {
		cf, sf, roles = filter["coalition"], filter["stakeholder"], filter["role"]
	}
	q := `query($f: CoalitionFilter, $s: StakeholderFilter, $r: [MembershipRole!], $after: String) {
		list: coalitions(first: 100, after: $after, filter: $f) { pageInfo { hasNextPage endCursor } nodes {
			status country { code } members(first: 100, filter: $s, roles: $r) { totalCount edges { role node { kind category } } } } } }`
	var all []item
	var after any
	for {
		var out struct {
			List struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []struct {
					Status  string
					Country struct{ Code string }
					Members struct {
						TotalCount int
						Edges      []struct {
							Role string
							Node item
						}
					}
				}
			}
		}
		api.Must(t, q, map[string]any{"f": cf, "s": sf, "r": roles, "after": after}, &out)
		for _, c := range out.List.Nodes {
			if c.Members.TotalCount > len(c.Members.Edges) {
				t.Fatalf("test bug: a coalition has more than 100 members")
			}
			for _, e := range c.Members.Edges {
				all = append(all, item{"role": e.Role, "status": c.Status, "country": c.Country.Code,
					"kind": e.Node["kind"], "category": e.Node["category"]})
			}
		}
		if !out.List.PageInfo.HasNextPage {
			return all
		}
		after = out.List.PageInfo.EndCursor
	}
}

// values reads the text of a value at path: nothing for null, a string or a number as one value, each element of
// an array (of objects, their value at the rest of the path).
func values(v any, path ...string) []string {
	if len(path) > 0 {
		switch x := v.(type) {
		case map[string]any:
			return values(x[path[0]], path[1:]...)
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, values(e, path...)...)
			}
			return out
		}
		return nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, values(e)...)
		}
		return out
	}
	return nil
}

func at(path ...string) func(item) []string {
	return func(it item) []string { return values(map[string]any(it), path...) }
}

var (
	coalitionSource = aggregateSource{"coalitionAggregate", "CoalitionFilter", "CoalitionDimension",
		listAll("coalitions", "CoalitionFilter", "status country { code } scope focusAreas launchYear"),
		map[string]func(item) []string{"STATUS": at("status"), "COUNTRY": at("country", "code"), "SCOPE": at("scope"),
			"FOCUS_AREA": at("focusAreas"), "LAUNCH_YEAR": at("launchYear")}}
	stakeholderSource = aggregateSource{"stakeholderAggregate", "StakeholderFilter", "StakeholderDimension",
		listAll("stakeholders", "StakeholderFilter", "kind category country { code }"),
		map[string]func(item) []string{"KIND": at("kind"), "CATEGORY": at("category"), "COUNTRY": at("country", "code")}}
	initiativeSource = aggregateSource{"initiativeAggregate", "InitiativeFilter", "InitiativeDimension",
		listAll("initiatives", "InitiativeFilter", "scope countries { code }"),
		map[string]func(item) []string{"SCOPE": at("scope"), "COUNTRY": at("countries", "code")}}
	blogPostSource = aggregateSource{"blogPostAggregate", "BlogPostFilter", "BlogPostDimension",
		listAll("blogPosts", "BlogPostFilter", "publishedOn authors(first: 100) { nodes { id } }"),
		map[string]func(item) []string{
			"MONTH": func(it item) []string {
				var out []string
				for _, d := range values(it["publishedOn"]) {
					out = append(out, d[:7])
				}
				return out
			},
			"AUTHOR": at("authors", "nodes", "id")}}
	membershipSource = aggregateSource{"membershipAggregate", "MembershipFilter", "MembershipDimension", listMemberships,
		map[string]func(item) []string{"ROLE": at("role"), "STAKEHOLDER_CATEGORY": at("category"),
			"STAKEHOLDER_KIND": at("kind"), "COALITION_STATUS": at("status"), "COALITION_COUNTRY": at("country")}}
)

// group is an aggregate group as the API returns it; a nil value is the unknown key.
type group struct {
	Count int
	Keys  []struct {
		Dimension string
		Value     *string
	}
}

func (g group) String() string {
	var keys []string
	for _, k := range g.Keys {
		v := "null"
		if k.Value != nil {
			v = *k.Value
		}
		keys = append(keys, k.Dimension+"="+v)
	}
	return fmt.Sprintf("%s:%d", strings.Join(keys, ","), g.Count)
}

// expectGroups groups items by dims as the API documents: an item counts once under each combination of its
// distinct values, with the null key when it has none; largest count first, then keys ascending, null first.
func expectGroups(src aggregateSource, items []item, dims []string) []string {
	if len(dims) == 0 {
		return nil
	}
	counts := map[string]int{}
	var order []group
	for _, it := range items {
		combos := [][]*string{{}}
		for _, d := range dims {
			vals := slices.Compact(slices.Sorted(slices.Values(src.dims[d](it))))
			var opts []*string
			for _, v := range vals {
				opts = append(opts, &v)
			}
			if len(opts) == 0 {
				opts = []*string{nil}
			}
			var next [][]*string
			for _, c := range combos {
				for _, o := range opts {
					next = append(next, append(slices.Clone(c), o))
				}
			}
			combos = next
		}
		for _, c := range combos {
			var g group
			for i, v := range c {
				g.Keys = append(g.Keys, struct {
					Dimension string
					Value     *string
				}{dims[i], v})
			}
			k := g.String()
			if counts[k] == 0 {
				order = append(order, g)
			}
			counts[k]++
		}
	}
	for i := range order {
		order[i].Count = counts[order[i].String()]
	}
	slices.SortFunc(order, func(a, b group) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		for i := range a.Keys {
			x, y := a.Keys[i].Value, b.Keys[i].Value
			switch {
			case x == nil && y == nil:
				continue
			case x == nil:
				return -1
			case y == nil:
				return 1
			case *x != *y:
				return cmp.Compare(*x, *y)
			}
		}
		return 0
	})
	out := make([]string, len(order))
	for i, g := range order {
		out[i] = g.String()
	}
	return out
}

// aggregateOf asks the API for an aggregate and returns its count and its groups as text, in order.
func aggregateOf(t *testing.T, api *apitest.API, src aggregateSource, filter obj, dims []string) (int, []string, bool) {
	t.Helper()
	q := fmt.Sprintf(`query($f: %s, $by: [%s!]!) { agg: %s(filter: $f, groupBy: $by) { count groups { count keys { dimension value } } } }`,
		src.filterType, src.dimensionType, src.field)
	var out struct {
		Agg struct {
			Count  int
			Groups []group
		}
	}
	if !api.Check(t, q, map[string]any{"f": filter, "by": dims}, &out) {
		return 0, nil, false
	}
	var groups []string
	for _, g := range out.Agg.Groups {
		groups = append(groups, g.String())
	}
	return out.Agg.Count, groups, true
}

type aggregateCase struct {
	src    aggregateSource
	filter obj
	dims   []string
}

// Every aggregate, every dimension alone, none, pairs (across the membership relation too) and filters: the
// count and the groups, in order, are those computed from the list queries.
func TestAggregatesMatchTheLists(t *testing.T) {
	api := apitest.New(t, aggregateDataset(40))
	var ids struct {
		Stakeholders struct{ Nodes []struct{ ID string } }
		Coalitions   struct{ Nodes []struct{ ID string } }
	}
	api.Must(t, `{ stakeholders(first: 3, filter: {kind: [ORGANISATION]}) { nodes { id } } coalitions(first: 1) { nodes { id } } }`, nil, &ids)
	org, coalition := ids.Stakeholders.Nodes[1].ID, ids.Coalitions.Nodes[0].ID

	var cases []aggregateCase
	for _, src := range []aggregateSource{coalitionSource, stakeholderSource, initiativeSource, blogPostSource, membershipSource} {
		cases = append(cases, aggregateCase{src, nil, []string{}})
		for _, d := range slices.Sorted(maps.Keys(src.dims)) {
			cases = append(cases, aggregateCase{src, nil, []string{d}})
		}
	}
	cases = append(cases,
		aggregateCase{coalitionSource, nil, []string{"STATUS", "COUNTRY"}},
		aggregateCase{coalitionSource, nil, []string{"LAUNCH_YEAR", "FOCUS_AREA"}},
		aggregateCase{coalitionSource, nil, []string{"FOCUS_AREA", "SCOPE"}},
		aggregateCase{coalitionSource, obj{"status": []string{"ACTIVE"}, "launchYear": obj{"from": 2015}}, []string{"COUNTRY", "FOCUS_AREA"}},
		aggregateCase{coalitionSource, obj{"or": []obj{{"tags": []string{"t1"}}, {"country": []string{"ie", "PL"}}}}, []string{"STATUS"}},
		aggregateCase{coalitionSource, obj{"hasMember": org}, []string{"SCOPE"}},
		aggregateCase{coalitionSource, obj{"search": "alpha coal", "not": obj{"scope": []string{"LOCAL"}}}, []string{"LAUNCH_YEAR"}},
		aggregateCase{stakeholderSource, nil, []string{"CATEGORY", "COUNTRY"}},
		aggregateCase{stakeholderSource, obj{"kind": []string{"PERSON"}}, []string{"COUNTRY", "KIND"}},
		aggregateCase{stakeholderSource, obj{"memberOf": coalition}, []string{"CATEGORY"}},
		aggregateCase{initiativeSource, nil, []string{"COUNTRY", "SCOPE"}},
		aggregateCase{initiativeSource, obj{"startYear": obj{"to": 2013}}, []string{"COUNTRY"}},
		aggregateCase{blogPostSource, nil, []string{"AUTHOR", "MONTH"}},
		aggregateCase{blogPostSource, obj{"publishedOn": obj{"from": "2017-03-01", "to": "2017-09-30"}}, []string{"MONTH"}},
		aggregateCase{membershipSource, obj{"coalition": obj{"status": []string{"ACTIVE"}}}, []string{"STAKEHOLDER_CATEGORY"}},
		aggregateCase{membershipSource, nil, []string{"COALITION_STATUS", "STAKEHOLDER_KIND"}},
		aggregateCase{membershipSource, nil, []string{"STAKEHOLDER_CATEGORY", "STAKEHOLDER_KIND"}},
		aggregateCase{membershipSource, nil, []string{"ROLE", "COALITION_COUNTRY"}},
		aggregateCase{membershipSource, obj{"role": []string{"COORDINATOR", "PARTNER"}}, []string{"COALITION_COUNTRY"}},
		aggregateCase{membershipSource, obj{"stakeholder": obj{"kind": []string{"PERSON"}}, "coalition": obj{"country": []string{"IE", "AT", "PT"}}},
			[]string{"COALITION_COUNTRY", "ROLE"}},
		aggregateCase{membershipSource, obj{"stakeholder": obj{"category": []string{"NGO", "ASSOCIATION"}}}, []string{"COALITION_STATUS", "STAKEHOLDER_CATEGORY"}},
		aggregateCase{membershipSource, obj{"coalition": obj{"status": []string{"FORMING"}}, "role": []string{"MEMBER"}}, []string{}},
		aggregateCase{membershipSource, obj{"coalition": obj{"or": []obj{{"country": []string{"IE"}}, {"not": obj{"scope": []string{"LOCAL"}}}},
			"launchYear": obj{"from": 2012}}, "stakeholder": obj{"not": obj{"country": []string{"PL"}}}}, []string{"ROLE", "STAKEHOLDER_KIND"}},
		aggregateCase{membershipSource, obj{"coalition": obj{"tags": []string{"t1"}}, "stakeholder": obj{"search": "digital"}}, []string{"COALITION_STATUS"}},
	)
	for _, c := range cases {
		f, _ := json.Marshal(c.filter)
		t.Run(fmt.Sprintf("%s(filter:%s,groupBy:%v)", c.src.field, f, c.dims), func(t *testing.T) {
			items := c.src.list(t, api, c.filter)
			if len(items) == 0 {
				t.Fatalf("test bug: the filter matches nothing")
			}
			count, groups, ok := aggregateOf(t, api, c.src, c.filter, c.dims)
			if !ok {
				return
			}
			want := expectGroups(c.src, items, c.dims)
			if count != len(items) {
				t.Errorf("count %d, want %d (the items the list returns)", count, len(items))
			}
			if !slices.Equal(groups, want) {
				t.Errorf("groups:\n  got  %v\n  want %v", groups, want)
			}
		})
	}
}

// The aggregates agree with the dataset itself, and the null keys hold what the fixture leaves unknown.
func TestAggregatesMatchTheDataset(t *testing.T) {
	d := aggregateDataset(24)
	api := apitest.New(t, d)
	var out struct {
		ByStatus, ByYear, ByArea struct {
			Count  int
			Groups []group
		}
		Members struct{ Count int }
		Posts   struct{ Groups []group }
	}
	api.Must(t, `{
		byStatus: coalitionAggregate(groupBy: [STATUS]) { count groups { count keys { dimension value } } }
		byYear: coalitionAggregate(groupBy: [LAUNCH_YEAR]) { count groups { count keys { dimension value } } }
		byArea: coalitionAggregate(groupBy: [FOCUS_AREA]) { count groups { count keys { dimension value } } }
		members: membershipAggregate(groupBy: []) { count }
		posts: blogPostAggregate(groupBy: [AUTHOR]) { groups { count keys { dimension value } } }
	}`, nil, &out)
	statuses, years, members, noArea := map[string]int{}, map[string]int{}, 0, 0
	for _, c := range d.Coalitions {
		statuses[string(c.Status)]++
		year := "null"
		if c.LaunchYear != nil {
			year = strconv.Itoa(*c.LaunchYear)
		}
		years[year]++
		members += len(c.Members)
		if len(c.FocusAreas) == 0 {
			noArea++
		}
	}
	got := func(groups []group) map[string]int {
		m := map[string]int{}
		for _, g := range groups {
			v := "null"
			if g.Keys[0].Value != nil {
				v = *g.Keys[0].Value
			}
			m[v] = g.Count
		}
		return m
	}
	if out.ByStatus.Count != len(d.Coalitions) || !maps.Equal(got(out.ByStatus.Groups), statuses) {
		t.Errorf("by status: %d %v, want %d %v", out.ByStatus.Count, got(out.ByStatus.Groups), len(d.Coalitions), statuses)
	}
	if years["null"] == 0 || !maps.Equal(got(out.ByYear.Groups), years) {
		t.Errorf("by launch year: %v, want %v with a null group", got(out.ByYear.Groups), years)
	}
	if noArea != 1 || got(out.ByArea.Groups)["null"] != 1 {
		t.Errorf("the coalition without focus areas: %v, want it alone in the null group", got(out.ByArea.Groups))
	}
	if out.Members.Count != members {
		t.Errorf("memberships: %d, want %d", out.Members.Count, members)
	}
	if got(out.Posts.Groups)["null"] != 1 {
		t.Errorf("the post without authors: %v, want it alone in the null group", got(out.Posts.Groups))
	}
}

// A key's node is the Country (by code) or the author (by global ID) its value names, and null for other
// dimensions.
func TestAggregateKeyNodes(t *testing.T) {
	api := apitest.New(t, aggregateDataset(16))
	type key struct {
		Dimension string
		Value     *string
		Node      *struct{ ID, Code, Name string }
	}
	var out struct {
		Coalitions, Initiatives, Members, Posts struct{ Groups []struct{ Keys []key } }
	}
	sel := `groups { keys { dimension value node { id ... on Country { code name } ... on Stakeholder { name } } } }`
	api.Must(t, `{
		coalitions: coalitionAggregate(groupBy: [COUNTRY, STATUS]) { `+sel+` }
		initiatives: initiativeAggregate(groupBy: [COUNTRY]) { `+sel+` }
		members: membershipAggregate(groupBy: [COALITION_COUNTRY, STAKEHOLDER_KIND]) { `+sel+` }
		posts: blogPostAggregate(groupBy: [AUTHOR]) { `+sel+` }
	}`, nil, &out)
	names := map[string]string{}
	for _, c := range api.Data.Countries {
		names[c.Code] = c.Name
	}
	checked := 0
	for _, groups := range [][]struct{ Keys []key }{out.Coalitions.Groups, out.Initiatives.Groups, out.Members.Groups, out.Posts.Groups} {
		for _, g := range groups {
			for _, k := range g.Keys {
				switch {
				case k.Value == nil || k.Dimension == "STATUS" || k.Dimension == "STAKEHOLDER_KIND":
					if k.Node != nil {
						t.Errorf("%s=%v has node %+v, want null", k.Dimension, k.Value, k.Node)
					}
				case k.Dimension == "AUTHOR":
					if k.Node == nil || k.Node.ID != *k.Value || k.Node.Name == "" {
						t.Errorf("AUTHOR=%s has node %+v, want the stakeholder with that ID", *k.Value, k.Node)
					}
					checked++
				default:
					if k.Node == nil || k.Node.Code != *k.Value || k.Node.Name != names[*k.Value] {
						t.Errorf("%s=%s has node %+v, want the country", k.Dimension, *k.Value, k.Node)
					}
					checked++
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d keys with nodes checked", checked)
	}
}

// Bad groupBy and filter values are BAD_USER_INPUT errors naming the argument.
func TestAggregateBadInput(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(4))
	var ids struct {
		Stakeholders struct{ Nodes []struct{ ID string } }
	}
	api.Must(t, `{ stakeholders(first: 1) { nodes { id } } }`, nil, &ids)
	stakeholder := ids.Stakeholders.Nodes[0].ID
	cases := []struct{ name, query, code, argument string }{
		{"three dimensions", `{ coalitionAggregate(groupBy: [STATUS, COUNTRY, SCOPE]) { count } }`, "BAD_USER_INPUT", "groupBy"},
		{"a dimension twice", `{ stakeholderAggregate(groupBy: [KIND, KIND]) { count } }`, "BAD_USER_INPUT", "groupBy"},
		{"a membership dimension twice", `{ membershipAggregate(groupBy: [ROLE, ROLE]) { count } }`, "BAD_USER_INPUT", "groupBy"},
		{"three membership dimensions", `{ membershipAggregate(groupBy: [ROLE, COALITION_STATUS, STAKEHOLDER_KIND]) { count } }`, "BAD_USER_INPUT", "groupBy"},
		{"bad filter id", `{ coalitionAggregate(filter: {hasMember: "nope"}, groupBy: [STATUS]) { count } }`, "BAD_USER_INPUT", "filter.hasMember"},
		{"bad coalition filter of memberships", `{ membershipAggregate(filter: {coalition: {hasMember: "nope"}}, groupBy: [ROLE]) { count } }`, "BAD_USER_INPUT", "filter.coalition.hasMember"},
		{"id of the wrong type in a stakeholder filter of memberships", `{ membershipAggregate(filter: {stakeholder: {memberOf: "` + stakeholder + `"}}, groupBy: []) { count } }`, "BAD_USER_INPUT", "filter.stakeholder.memberOf"},
		{"bad author id", `{ blogPostAggregate(filter: {author: "x"}, groupBy: [MONTH]) { count } }`, "BAD_USER_INPUT", "filter.author"},
		{"bad date", `{ blogPostAggregate(filter: {publishedOn: {from: "2017-13-45"}}, groupBy: [MONTH]) { count } }`, "BAD_USER_INPUT", ""},
		{"unknown dimension", `{ initiativeAggregate(groupBy: [STATUS]) { count } }`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"no groupBy", `{ initiativeAggregate { count } }`, "GRAPHQL_VALIDATION_FAILED", ""},
		{"unknown enum in filter", `{ membershipAggregate(filter: {role: [CHAIR]}, groupBy: [ROLE]) { count } }`, "GRAPHQL_VALIDATION_FAILED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := api.Fails(t, c.code, c.query, nil)
			if got, _ := e.Extensions["argument"].(string); got != c.argument {
				t.Errorf("argument %q, want %q (%s)", got, c.argument, e.Message)
			}
		})
	}
	if logs := api.Logs(); strings.Contains(logs, "internal error") || strings.Contains(logs, "panic") {
		t.Errorf("bad input logged an internal error:\n%s", logs)
	}
}

// An aggregate takes a small fixed number of database commands, whatever the size of the data: one pipeline for
// a collection, and for memberships too (they repeat the fields of their ends that the dimensions and the plain
// filters read), with one query more per end filtered by what they do not repeat; plus one batched load per node
// type the keys resolve.
func TestAggregateCommands(t *testing.T) {
	cases := []struct {
		name, query string
		want        []string
	}{
		{"one collection, a pair with an array", `{ coalitionAggregate(groupBy: [FOCUS_AREA, STATUS]) { count groups { count keys { value } } } }`,
			[]string{"aggregate"}},
		{"no dimension", `{ blogPostAggregate(groupBy: []) { count } }`, []string{"aggregate"}},
		{"filter by relation, country nodes", `query($s: ID) { coalitionAggregate(filter: {hasMember: $s}, groupBy: [COUNTRY]) { groups { keys { node { ... on Country { name } } } } } }`,
			[]string{"find", "aggregate", "find"}},
		{"author nodes", `{ blogPostAggregate(groupBy: [AUTHOR, MONTH]) { groups { keys { node { ... on Stakeholder { name } } } } } }`,
			[]string{"aggregate", "find"}},
		{"members of active coalitions by category", `{ membershipAggregate(filter: {coalition: {status: [ACTIVE]}}, groupBy: [STAKEHOLDER_CATEGORY]) { count groups { count keys { value } } } }`,
			[]string{"aggregate"}},
		{"both ends grouped, none filtered", `{ membershipAggregate(groupBy: [COALITION_STATUS, STAKEHOLDER_KIND]) { count groups { count keys { value } } } }`,
			[]string{"aggregate"}},
		{"both ends filtered and grouped, country nodes", `{ membershipAggregate(filter: {role: [MEMBER, COORDINATOR], coalition: {status: [ACTIVE], or: [{country: ["IE"]}, {not: {launchYear: {from: 2015}}}]}, stakeholder: {kind: [ORGANISATION]}},
			groupBy: [COALITION_COUNTRY, STAKEHOLDER_CATEGORY]) { count groups { count keys { value node { id } } } } }`,
			[]string{"aggregate", "find"}},
		{"an end filtered by what memberships do not repeat", `{ membershipAggregate(filter: {coalition: {tags: ["t1"]}}, groupBy: [ROLE]) { count } }`,
			[]string{"find", "aggregate"}},
	}
	small := apitest.New(t, apitest.Fixture(8))
	large := apitest.New(t, apitest.Fixture(40))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, api := range []*apitest.API{small, large} {
				var ids struct {
					Stakeholders struct{ Nodes []struct{ ID string } }
				}
				api.Must(t, `{ stakeholders(first: 1) { nodes { id } } }`, nil, &ids)
				var out json.RawMessage
				api.Must(t, c.query, map[string]any{"s": ids.Stakeholders.Nodes[0].ID}, &out)
				if got := api.CommandNames(); !slices.Equal(sortedNames(got), sortedNames(c.want)) {
					t.Errorf("%d coalitions: commands %v, want %v", len(api.Data.Coalitions), got, c.want)
				}
			}
		})
	}
}

func sortedNames(names []string) []string { return slices.Sorted(slices.Values(names)) }

// An edit of a stakeholder's category or a coalition's status through the API changes the membership aggregate
// at once: in the draft stage when the draft is written, in the published one when it is published (the
// memberships repeat those fields of their ends, and the write gate keeps them). Each stage is compared with the
// counts computed from the dataset as edited.
func TestMembershipAggregateFollowsEdits(t *testing.T) {
	d := aggregateDataset(12)
	api := apitest.New(t, d)
	e := &editorClient{api: api, header: api.Editor(t)}
	// the dataset as each stage holds it: the category of each stakeholder and the status of each coalition
	type stage struct {
		category map[string]string
		status   map[string]string
	}
	published := stage{map[string]string{}, map[string]string{}}
	for _, s := range d.Stakeholders {
		published.category[s.Slug] = string(s.Category)
	}
	for _, c := range d.Coalitions {
		published.status[c.Slug] = string(c.Status)
	}
	draft := stage{maps.Clone(published.category), maps.Clone(published.status)}
	const query = `{ active: membershipAggregate(filter: {coalition: {status: [ACTIVE]}}, groupBy: [STAKEHOLDER_CATEGORY]) { count groups { count keys { dimension value } } }
		both: membershipAggregate(groupBy: [COALITION_STATUS, STAKEHOLDER_CATEGORY]) { count groups { count keys { dimension value } } } }`
	check := func(when string, h http.Header, st stage) {
		t.Helper()
		var items []item
		for _, c := range d.Coalitions {
			for _, m := range c.Members {
				items = append(items, item{"status": st.status[c.Slug], "category": st.category[m.Stakeholder]})
			}
		}
		var active []item
		for _, it := range items {
			if it["status"] == "ACTIVE" {
				active = append(active, it)
			}
		}
		var out struct{ Active, Both struct{ Groups []group } }
		e.must(t, h, query, nil, &out)
		for _, c := range []struct {
			name  string
			got   []group
			items []item
			dims  []string
		}{{"members of active coalitions by category", out.Active.Groups, active, []string{"STAKEHOLDER_CATEGORY"}},
			{"by status and category", out.Both.Groups, items, []string{"COALITION_STATUS", "STAKEHOLDER_CATEGORY"}}} {
			var got []string
			for _, g := range c.got {
				got = append(got, g.String())
			}
			if want := expectGroups(membershipSource, c.items, c.dims); !slices.Equal(got, want) {
				t.Errorf("%s, %s:\n  got  %v\n  want %v", when, c.name, got, want)
			}
		}
	}
	anonymous := http.Header{}
	check("as loaded, published", anonymous, published)
	check("as loaded, draft", e.draft(), draft)

	member := d.Coalitions[0].Members[0].Stakeholder
	var s struct{ Stakeholder struct{ ID string } }
	api.Must(t, `query($slug: String!) { stakeholder(slug: $slug) { id } }`, map[string]any{"slug": member}, &s)
	category := "PUBLIC_AUTHORITY"
	if draft.category[member] == category {
		category = "NGO"
	}
	var edited struct {
		UpdateStakeholder struct{ Stakeholder struct{ Version int } }
	}
	e.must(t, e.header, `mutation($id: ID!, $c: StakeholderCategory!) { updateStakeholder(id: $id, expectedVersion: 1, input: {category: $c}) { stakeholder { version } } }`,
		map[string]any{"id": s.Stakeholder.ID, "c": category}, &edited)
	draft.category[member] = category
	check("a stakeholder's category edited, draft", e.draft(), draft)
	check("a stakeholder's category edited, published", anonymous, published)
	e.must(t, e.header, `mutation($id: ID!, $v: Int!) { publishStakeholder(id: $id, expectedVersion: $v) { stakeholder { version } } }`,
		map[string]any{"id": s.Stakeholder.ID, "v": edited.UpdateStakeholder.Stakeholder.Version}, nil)
	published.category[member] = category
	check("a stakeholder's category published", anonymous, published)

	slug := ""
	for _, c := range d.Coalitions {
		if c.Status == "ACTIVE" && len(c.Members) > 0 {
			slug = c.Slug
			break
		}
	}
	var c struct{ Coalition struct{ ID string } }
	api.Must(t, `query($slug: String!) { coalition(slug: $slug) { id } }`, map[string]any{"slug": slug}, &c)
	var changed struct {
		UpdateCoalition struct{ Coalition struct{ Version int } }
	}
	e.must(t, e.header, `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 1, input: {status: FORMING}) { coalition { version } } }`,
		map[string]any{"id": c.Coalition.ID}, &changed)
	draft.status[slug] = "FORMING"
	check("a coalition's status edited, draft", e.draft(), draft)
	check("a coalition's status edited, published", anonymous, published)
	e.must(t, e.header, `mutation($id: ID!, $v: Int!) { publishCoalition(id: $id, expectedVersion: $v) { coalition { version } } }`,
		map[string]any{"id": c.Coalition.ID, "v": changed.UpdateCoalition.Coalition.Version}, nil)
	published.status[slug] = "FORMING"
	check("a coalition's status published", anonymous, published)
}
