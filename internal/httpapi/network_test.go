package httpapi_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"coalitiongraph/graph"
	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/seed"
)

// The graph tests compare neighbors, path and network with the content graph as the API's relation fields
// describe it (members, partners, coalitions, authors, publisher, mentions, parent), walked here by a plain
// breadth-first search; and peers with the dataset's memberships.

// netEdge is an edge in its canonical direction, between global IDs.
type netEdge struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	Relation string  `json:"relation"`
	Role     *string `json:"role"`
}

func (e netEdge) String() string {
	role := ""
	if e.Role != nil {
		role = "/" + *e.Role
	}
	return e.From + " -" + e.Relation + role + "-> " + e.To
}

// netGraph is the whole content graph read through the relation fields.
type netGraph struct {
	name  map[string]string // global ID → "Type:slug"
	id    map[string]string // "Type:slug" → global ID
	edges []netEdge
	adj   map[string][]string
}

const netGraphQuery = `{
  coalitions(first: 100) { totalCount nodes { id slug members(first: 100) { totalCount edges { role node { id } } } } }
  stakeholders(first: 100) { totalCount nodes { id slug } }
  initiatives(first: 100) { totalCount nodes { id slug partners(first: 100) { nodes { id } } coalitions(first: 100) { nodes { id } } } }
  toolkitSections(first: 100) { totalCount nodes { id slug parent { id } } }
  blogPosts(first: 100) { totalCount nodes { id slug authors(first: 100) { nodes { id } } publisher { id } mentions(first: 100) { totalCount nodes { ... on Node { id } } } } }
}`

type netRef struct{ ID string }

func netGraphOf(t *testing.T, api *apitest.API) *netGraph {
	t.Helper()
	type list[T any] struct {
		TotalCount int
		Nodes      []T
	}
	var out struct {
		Coalitions list[struct {
			ID, Slug string
			Members  struct {
				TotalCount int
				Edges      []struct {
					Role string
					Node netRef
				}
			}
		}]
		Stakeholders list[struct{ ID, Slug string }]
		Initiatives  list[struct {
			ID, Slug   string
			Partners   list[netRef]
			Coalitions list[netRef]
		}]
		ToolkitSections list[struct {
			ID, Slug string
			Parent   *netRef
		}]
		BlogPosts list[struct {
			ID, Slug  string
			Authors   list[netRef]
			Publisher *netRef
			Mentions  list[netRef]
		}]
	}
	api.Must(t, netGraphQuery, nil, &out)
	g := &netGraph{name: map[string]string{}, id: map[string]string{}, adj: map[string][]string{}}
	node := func(typ, id, slug string) {
		g.name[id] = typ + ":" + slug
		g.id[typ+":"+slug] = id
	}
	edge := func(from, to, rel string, role *string) {
		g.edges = append(g.edges, netEdge{From: from, To: to, Relation: rel, Role: role})
		g.adj[from] = append(g.adj[from], to)
		g.adj[to] = append(g.adj[to], from)
	}
	if n := max(out.Coalitions.TotalCount, out.Stakeholders.TotalCount, out.Initiatives.TotalCount, out.ToolkitSections.TotalCount, out.BlogPosts.TotalCount); n > 100 {
		t.Fatalf("the dataset is too big for one page: %d", n)
	}
	for _, s := range out.Stakeholders.Nodes {
		node("Stakeholder", s.ID, s.Slug)
	}
	for _, c := range out.Coalitions.Nodes {
		node("Coalition", c.ID, c.Slug)
		for _, m := range c.Members.Edges {
			edge(m.Node.ID, c.ID, "MEMBER_OF", &m.Role)
		}
	}
	for _, i := range out.Initiatives.Nodes {
		node("Initiative", i.ID, i.Slug)
		for _, p := range i.Partners.Nodes {
			edge(p.ID, i.ID, "PARTNER_OF", nil)
		}
		for _, c := range i.Coalitions.Nodes {
			edge(i.ID, c.ID, "LINKED_TO", nil)
		}
	}
	for _, s := range out.ToolkitSections.Nodes {
		node("ToolkitSection", s.ID, s.Slug)
		if s.Parent != nil {
			edge(s.Parent.ID, s.ID, "PARENT_OF", nil)
		}
	}
	for _, p := range out.BlogPosts.Nodes {
		node("BlogPost", p.ID, p.Slug)
		for _, a := range p.Authors.Nodes {
			edge(a.ID, p.ID, "AUTHORED", nil)
		}
		if p.Publisher != nil {
			edge(p.Publisher.ID, p.ID, "PUBLISHED", nil)
		}
		for _, m := range p.Mentions.Nodes {
			edge(p.ID, m.ID, "MENTIONS", nil)
		}
	}
	return g
}

func (g *netGraph) typeOf(id string) string { typ, _, _ := strings.Cut(g.name[id], ":"); return typ }

// bfs is the distance from start of every node within depth hops, visiting only the given types (all when
// none); the start is always in.
func (g *netGraph) bfs(start string, depth int, types []string) map[string]int {
	dist := map[string]int{start: 0}
	for queue := []string{start}; len(queue) > 0; queue = queue[1:] {
		u := queue[0]
		if dist[u] == depth {
			continue
		}
		for _, v := range g.adj[u] {
			if _, seen := dist[v]; seen || (len(types) > 0 && !slices.Contains(types, g.typeOf(v))) {
				continue
			}
			dist[v] = dist[u] + 1
			queue = append(queue, v)
		}
	}
	return dist
}

// among are the edges whose two ends are in the set, as sorted strings.
func (g *netGraph) among(in map[string]bool) []string {
	out := []string{}
	for _, e := range g.edges {
		if in[e.From] && in[e.To] && !slices.Contains(out, e.String()) {
			out = append(out, e.String())
		}
	}
	slices.Sort(out)
	return out
}

// named maps ids to "Type:slug" for readable failures.
func (g *netGraph) named(ids map[string]int) map[string]int {
	out := map[string]int{}
	for id, d := range ids {
		out[g.name[id]] = d
	}
	return out
}

type subgraph struct {
	Nodes []struct {
		Depth *int
		Node  struct {
			Typename string `json:"__typename"`
			ID       string
		}
	}
	Edges []netEdge
}

func (s subgraph) depths() map[string]int {
	out := map[string]int{}
	for _, n := range s.Nodes {
		d := -1
		if n.Depth != nil {
			d = *n.Depth
		}
		out[n.Node.ID] = d
	}
	return out
}

func (s subgraph) edgeStrings() []string {
	out := []string{}
	for _, e := range s.Edges {
		out = append(out, e.String())
	}
	slices.Sort(out)
	return out
}

// check compares a sub-graph with the expected nodes (id → depth, -1 for none) and the edges among them.
func (s subgraph) check(t *testing.T, g *netGraph, want map[string]int) {
	t.Helper()
	if got := s.depths(); !maps.Equal(got, want) {
		t.Errorf("nodes:\n got %v\nwant %v", g.named(got), g.named(want))
	}
	for _, n := range s.Nodes {
		if n.Node.Typename != g.typeOf(n.Node.ID) {
			t.Errorf("node %s is %s", g.name[n.Node.ID], n.Node.Typename)
		}
	}
	in := map[string]bool{}
	for id := range want {
		in[id] = true
	}
	if got, want := s.edgeStrings(), g.among(in); !slices.Equal(got, want) {
		t.Errorf("edges:\n got %v\nwant %v", got, want)
	}
}

const neighborsQuery = `query($id: ID!, $depth: Int, $types: [ContentType!]) {
  neighbors(id: $id, depth: $depth, types: $types) {
    nodes { depth node { __typename ... on Node { id } } }
    edges { from to relation role }
  }
}`

func TestNeighborsMatchRelationFields(t *testing.T) {
	seedData, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		start string
		depth int      // 0: not given (the default is 1)
		types []string // GraphQL ContentType values
	}
	for _, ds := range []struct {
		name  string
		data  *seed.Dataset
		cases []tc
	}{
		{"fixture", relDataset(), []tc{
			{"Coalition:coalition-000", 1, nil}, {"Coalition:coalition-000", 2, nil}, {"Stakeholder:stakeholder-010", 0, nil},
			{"Stakeholder:stakeholder-005", 1, nil}, {"Stakeholder:stakeholder-005", 2, nil},
			{"Initiative:initiative-001", 2, nil}, {"ToolkitSection:chapter-1-1", 2, nil}, {"BlogPost:extra-a", 1, nil},
			{"BlogPost:extra-a", 3, nil},
			{"Coalition:coalition-000", 2, []string{"STAKEHOLDER", "INITIATIVE"}},
			{"Coalition:coalition-000", 3, []string{"STAKEHOLDER"}},
			{"Stakeholder:stakeholder-005", 3, []string{"COALITION", "BLOG_POST"}},
			{"ToolkitSection:chapter-1", 3, []string{"TOOLKIT_SECTION"}},
			{"Coalition:coalition-003", 3, []string{"STAKEHOLDER", "COALITION"}},
		}},
		{"seed", seedData, []tc{
			{"Coalition:ireland", 1, nil}, {"Coalition:ireland", 2, nil}, {"Stakeholder:dsjc-secretariat", 2, nil},
			{"Coalition:ireland", 3, []string{"COALITION", "STAKEHOLDER", "INITIATIVE"}},
		}},
	} {
		t.Run(ds.name, func(t *testing.T) {
			api := apitest.New(t, ds.data)
			g := netGraphOf(t, api)
			for _, c := range ds.cases {
				t.Run(fmt.Sprintf("%s/%d/%v", c.start, c.depth, c.types), func(t *testing.T) {
					start := g.id[c.start]
					if start == "" {
						t.Fatalf("no %s", c.start)
					}
					var typenames []string
					for _, ct := range c.types {
						typenames = append(typenames, typeNameOf(ct))
					}
					vars := map[string]any{"id": start, "types": c.types}
					if c.depth > 0 {
						vars["depth"] = c.depth
					}
					want := g.bfs(start, max(c.depth, 1), typenames)
					var out struct{ Neighbors subgraph }
					api.Must(t, neighborsQuery, vars, &out)
					out.Neighbors.check(t, g, want)
					if len(want) < 2 {
						t.Errorf("the case finds nothing around %s", c.start)
					}
					if c.depth > 1 && len(c.types) != 1 && slices.Max(slices.Collect(maps.Values(want))) < 2 {
						t.Errorf("the case does not reach depth 2")
					}
				})
			}
		})
	}
}

// typeNameOf maps a ContentType value to its GraphQL type name: "TOOLKIT_SECTION" → "ToolkitSection".
func typeNameOf(ct string) string {
	var b strings.Builder
	for _, w := range strings.Split(ct, "_") {
		b.WriteString(w[:1] + strings.ToLower(w[1:]))
	}
	return b.String()
}

// pathResult is a path as the API returns it.
type pathResult struct {
	Length int
	Nodes  []struct {
		Typename string `json:"__typename"`
		ID       string
	}
	Edges []netEdge
}

const pathQuery = `query($from: ID!, $to: ID!, $max: Int) {
  path(from: $from, to: $to, maxDepth: $max) { length nodes { __typename ... on Node { id } } edges { from to relation role } }
}`

// pathFixture is built through the store: the only connection between ana and the lab is
// ana → hub ← ben → lab (ana and ben are members of the hub, ben is a partner of the lab). Cara is in another
// coalition; dan is in nothing.
func pathFixture() *seed.Dataset {
	ie := "IE"
	return &seed.Dataset{
		Countries: []seed.Country{{Code: "IE", Name: "Ireland", EUMember: true}},
		Stakeholders: []seed.Stakeholder{
			{Slug: "ana", Name: "Ana", Kind: "PERSON", Category: "NGO", CountryCode: &ie},
			{Slug: "ben", Name: "Ben Ltd", Kind: "ORGANISATION", Category: "ICT_COMPANY", CountryCode: &ie},
			{Slug: "cara", Name: "Cara", Kind: "PERSON", Category: "NGO"},
			{Slug: "dan", Name: "Dan", Kind: "PERSON", Category: "NGO"},
		},
		Coalitions: []seed.Coalition{
			{Slug: "hub", Name: "Hub", CountryCode: "IE", Status: "ACTIVE", Scope: "NATIONAL",
				Members: []seed.Member{{Stakeholder: "ana", Role: "MEMBER"}, {Stakeholder: "ben", Role: "COORDINATOR"}}},
			{Slug: "other", Name: "Other", CountryCode: "IE", Status: "FORMING", Scope: "LOCAL",
				Members: []seed.Member{{Stakeholder: "cara", Role: "PARTNER"}}},
		},
		Initiatives: []seed.Initiative{{Slug: "lab", Name: "Lab", Scope: "LOCAL", Partners: []string{"ben"}}},
	}
}

func TestPathAcrossThreeHops(t *testing.T) {
	api := apitest.New(t, pathFixture())
	g := netGraphOf(t, api)
	id := func(name string) string { return g.id[name] }
	role := func(r string) *string { return &r }
	ana, hub, ben, lab := id("Stakeholder:ana"), id("Coalition:hub"), id("Stakeholder:ben"), id("Initiative:lab")
	anaHub := netEdge{From: ana, To: hub, Relation: "MEMBER_OF", Role: role("MEMBER")}
	benHub := netEdge{From: ben, To: hub, Relation: "MEMBER_OF", Role: role("COORDINATOR")}
	benLab := netEdge{From: ben, To: lab, Relation: "PARTNER_OF"}
	for _, c := range []struct {
		name     string
		from, to string
		max      any // nil: the default
		nodes    []string
		edges    []netEdge
	}{
		{"forward", ana, lab, nil, []string{ana, hub, ben, lab}, []netEdge{anaHub, benHub, benLab}},
		{"backward", lab, ana, 3, []string{lab, ben, hub, ana}, []netEdge{benLab, benHub, anaHub}},
		{"two hops", ana, ben, 2, []string{ana, hub, ben}, []netEdge{anaHub, benHub}},
		{"too short", ana, lab, 2, nil, nil},
		{"other coalition", ana, id("Stakeholder:cara"), 6, nil, nil},
		{"isolated", id("Stakeholder:dan"), ana, 6, nil, nil},
		{"same", ana, ana, nil, []string{ana}, []netEdge{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]any{"from": c.from, "to": c.to}
			if c.max != nil {
				vars["max"] = c.max
			}
			var out struct{ Path *pathResult }
			api.Must(t, pathQuery, vars, &out)
			if c.nodes == nil {
				if out.Path != nil {
					t.Fatalf("want no path, got %+v", *out.Path)
				}
				return
			}
			if out.Path == nil {
				t.Fatal("no path")
			}
			var got []string
			for _, n := range out.Path.Nodes {
				got = append(got, g.name[n.ID])
				if n.Typename != g.typeOf(n.ID) {
					t.Errorf("%s is a %s", g.name[n.ID], n.Typename)
				}
			}
			var want []string
			for _, n := range c.nodes {
				want = append(want, g.name[n])
			}
			if !slices.Equal(got, want) {
				t.Errorf("nodes %v, want %v", got, want)
			}
			if fmt.Sprint(out.Path.Edges) != fmt.Sprint(c.edges) || out.Path.Length != len(c.edges) {
				t.Errorf("length %d, edges %v, want %v", out.Path.Length, out.Path.Edges, c.edges)
			}
		})
	}
}

// On the fixture, every path is as short as a breadth-first search says, and is a real chain of edges.
func TestPathIsShortest(t *testing.T) {
	api := apitest.New(t, relDataset())
	g := netGraphOf(t, api)
	names := []string{"Coalition:coalition-000", "Coalition:coalition-017", "Stakeholder:stakeholder-079",
		"Initiative:initiative-012", "ToolkitSection:chapter-3-1-1", "BlogPost:post-019", "BlogPost:extra-d"}
	edges := map[string]bool{}
	for _, e := range g.edges {
		edges[e.String()] = true
	}
	found := 0
	for _, a := range names {
		for _, b := range names {
			from, to := g.id[a], g.id[b]
			dist, reachable := g.bfs(from, 6, nil)[to]
			var out struct{ Path *pathResult }
			api.Must(t, pathQuery, map[string]any{"from": from, "to": to, "max": 6}, &out)
			p := out.Path
			if !reachable {
				if p != nil {
					t.Errorf("%s → %s: no path within 6 hops, got one of %d", a, b, p.Length)
				}
				continue
			}
			if p == nil || p.Length != dist || len(p.Nodes) != dist+1 || len(p.Edges) != dist {
				t.Errorf("%s → %s: want a path of %d, got %+v", a, b, dist, p)
				continue
			}
			found++
			if p.Nodes[0].ID != from || p.Nodes[dist].ID != to {
				t.Errorf("%s → %s: the path goes from %s to %s", a, b, g.name[p.Nodes[0].ID], g.name[p.Nodes[dist].ID])
			}
			for i, e := range p.Edges {
				ends := []string{p.Nodes[i].ID, p.Nodes[i+1].ID}
				if !edges[e.String()] || !slices.Contains(ends, e.From) || !slices.Contains(ends, e.To) {
					t.Errorf("%s → %s: edge %d %v is not an edge between %v", a, b, i, e, ends)
				}
			}
		}
	}
	if found < 2*len(names) {
		t.Errorf("only %d pairs are connected; the test needs a better sample", found)
	}
}

func TestGraphNodeBudget(t *testing.T) {
	d := apitest.Fixture(8)
	probe := apitest.New(t, d)
	g := netGraphOf(t, probe)
	start := g.id["Coalition:coalition-000"]
	near, far := len(g.bfs(start, 1, nil)), len(g.bfs(start, 2, nil))
	if far <= near {
		t.Fatalf("depth 2 reaches no more than depth 1 (%d)", near)
	}
	// A budget of exactly the nodes within one hop: depth 1 fits, depth 2 does not.
	api := apitest.NewWith(t, d, httpapi.Config{Limits: graph.Limits{NodeBudget: near}})
	var out struct{ Neighbors subgraph }
	api.Must(t, neighborsQuery, map[string]any{"id": start, "depth": 1}, &out)
	if len(out.Neighbors.Nodes) != near {
		t.Errorf("depth 1: %d nodes, want %d", len(out.Neighbors.Nodes), near)
	}
	budget := fmt.Sprint(near)
	for _, c := range []struct {
		name, query, argument string
		vars                  map[string]any
	}{
		{"neighbors", neighborsQuery, "depth", map[string]any{"id": start, "depth": 2}},
		{"path", pathQuery, "maxDepth", map[string]any{"from": start, "to": g.id["ToolkitSection:chapter-3-1-1"], "max": 6}},
		{"network", `{ network(filter: {types: [COALITION, STAKEHOLDER, INITIATIVE]}) { nodes { node { ... on Node { id } } } } }`, "filter", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := api.Fails(t, traverseBudgetCode, c.query, c.vars)
			if e.Extensions["argument"] != c.argument || !strings.Contains(e.Message, budget) {
				t.Errorf("error %+v: want argument %s and the budget %s in the message", e, c.argument, budget)
			}
		})
	}
	// The traversals of one request share the budget: one neighbourhood fits, the same twice does not.
	t.Run("shared by a request", func(t *testing.T) {
		twice := `query($id: ID!) { a: neighbors(id: $id, depth: 1) { nodes { depth } } b: neighbors(id: $id, depth: 1) { nodes { depth } } }`
		api.Fails(t, traverseBudgetCode, twice, map[string]any{"id": start})
		api.Must(t, neighborsQuery, map[string]any{"id": start, "depth": 1}, &out) // and the next request has its own
	})
}

const traverseBudgetCode = "NODE_BUDGET_EXCEEDED"

func TestGraphBadInput(t *testing.T) {
	api := apitest.New(t, pathFixture())
	g := netGraphOf(t, api)
	ana := g.id["Stakeholder:ana"]
	missing := content.GlobalID(content.KeyOf(content.TypeCoalition, "000000000000000000000000"))
	country := content.GlobalID(content.KeyOf(content.TypeCountry, "IE"))
	peers := `query($id: ID!, $first: Int, $after: String) { stakeholder(id: $id) { peers(first: $first, after: $after) { totalCount } } }`
	var list struct {
		Stakeholders struct{ PageInfo struct{ EndCursor string } }
	}
	api.Must(t, `{ stakeholders(first: 1) { pageInfo { endCursor } } }`, nil, &list)
	for _, c := range []struct {
		name, code, argument, query string
		vars                        map[string]any
	}{
		{"malformed id", content.EInvalid, "id", neighborsQuery, map[string]any{"id": "nope"}},
		{"country id", content.EInvalid, "id", neighborsQuery, map[string]any{"id": country}},
		{"missing id", content.ENotFound, "id", neighborsQuery, map[string]any{"id": missing}},
		{"depth 0", content.EInvalid, "depth", neighborsQuery, map[string]any{"id": ana, "depth": 0}},
		{"depth 4", content.EInvalid, "depth", neighborsQuery, map[string]any{"id": ana, "depth": 4}},
		{"no types", content.EInvalid, "types", neighborsQuery, map[string]any{"id": ana, "types": []string{}}},
		{"depth null", content.EInvalid, "depth", `query($id: ID!) { neighbors(id: $id, depth: null) { nodes { node { ... on Node { id } } } } }`, map[string]any{"id": ana}},
		{"malformed from", content.EInvalid, "from", pathQuery, map[string]any{"from": "x", "to": ana}},
		{"missing to", content.ENotFound, "to", pathQuery, map[string]any{"from": ana, "to": missing}},
		{"missing from and to", content.ENotFound, "from", pathQuery, map[string]any{"from": missing, "to": content.GlobalID(content.KeyOf(content.TypeStakeholder, "000000000000000000000000"))}},
		{"country to", content.EInvalid, "to", pathQuery, map[string]any{"from": ana, "to": country}},
		{"maxDepth 0", content.EInvalid, "maxDepth", pathQuery, map[string]any{"from": ana, "to": ana, "max": 0}},
		{"maxDepth 7", content.EInvalid, "maxDepth", pathQuery, map[string]any{"from": ana, "to": ana, "max": 7}},
		{"network of no types", content.EInvalid, "filter.types", `{ network(filter: {types: []}) { nodes { node { ... on Node { id } } } } }`, nil},
		{"filter of a type not taken", content.EInvalid, "filter.initiative", `{ network(filter: {initiative: {scope: [LOCAL]}}) { nodes { node { ... on Node { id } } } } }`, nil},
		{"bad id in a filter", content.EInvalid, "filter.hasMember", `{ network(filter: {coalition: {hasMember: "nope"}}) { nodes { node { ... on Node { id } } } } }`, nil},
		{"peers first 0", content.EInvalid, "first", peers, map[string]any{"id": ana, "first": 0}},
		{"peers bad cursor", content.EInvalid, "after", peers, map[string]any{"id": ana, "after": "nope"}},
		{"peers cursor of a list", content.EInvalid, "after", peers, map[string]any{"id": ana, "after": list.Stakeholders.PageInfo.EndCursor}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := api.Fails(t, c.code, c.query, c.vars)
			if e.Extensions["argument"] != c.argument {
				t.Errorf("argument %v, want %s (%s)", e.Extensions["argument"], c.argument, e.Message)
			}
		})
	}
}

// peerWant is a stakeholder's peer as the dataset says: its slug and the coalitions shared, by name.
type peerWant struct {
	Slug   string
	Shared []string
}

// peersOf computes every stakeholder's peers from the dataset's memberships, in the contract's order: most shared
// coalitions first, then by name ignoring case and accents.
func peersOf(d *seed.Dataset) map[string][]peerWant {
	names := map[string]string{}
	for _, s := range d.Stakeholders {
		names[s.Slug] = s.Name
	}
	coalitionName := map[string]string{}
	shared := map[string]map[string][]string{}
	for _, c := range d.Coalitions {
		coalitionName[c.Slug] = c.Name
		for _, a := range c.Members {
			for _, b := range c.Members {
				if a.Stakeholder == b.Stakeholder {
					continue
				}
				if shared[a.Stakeholder] == nil {
					shared[a.Stakeholder] = map[string][]string{}
				}
				shared[a.Stakeholder][b.Stakeholder] = append(shared[a.Stakeholder][b.Stakeholder], c.Slug)
			}
		}
	}
	out := map[string][]peerWant{}
	for _, s := range d.Stakeholders {
		list := []peerWant{}
		for peer, cs := range shared[s.Slug] {
			slices.SortFunc(cs, func(a, b string) int { return strings.Compare(relFold(coalitionName[a]), relFold(coalitionName[b])) })
			list = append(list, peerWant{Slug: peer, Shared: cs})
		}
		slices.SortFunc(list, func(a, b peerWant) int {
			return cmp.Or(cmp.Compare(len(b.Shared), len(a.Shared)), strings.Compare(relFold(names[a.Slug]), relFold(names[b.Slug])))
		})
		out[s.Slug] = list
	}
	return out
}

type peerPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   string
	}
	Edges []struct {
		Cursor           string
		Node             struct{ Slug string }
		SharedCoalitions []struct{ Slug string }
	}
}

func (p peerPage) list() []peerWant {
	out := []peerWant{}
	for _, e := range p.Edges {
		w := peerWant{Slug: e.Node.Slug, Shared: []string{}}
		for _, c := range e.SharedCoalitions {
			w.Shared = append(w.Shared, c.Slug)
		}
		out = append(out, w)
	}
	return out
}

const peersQuery = `{ stakeholders(first: 100) { nodes { slug peers(first: 100) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug } sharedCoalitions { slug } } } } } }`

func TestPeersMatchMemberships(t *testing.T) {
	d := relDataset()
	// A pair that shares two coalitions, so that the order by number of shared coalitions matters.
	d.Coalitions[1].Members = append(d.Coalitions[1].Members, seed.Member{Stakeholder: "stakeholder-013", Role: "MEMBER"})
	api := apitest.New(t, d)
	want := peersOf(d)
	var out struct {
		Stakeholders struct {
			Nodes []struct {
				Slug  string
				Peers peerPage
			}
		}
	}
	api.Must(t, peersQuery, nil, &out)
	if len(out.Stakeholders.Nodes) != len(d.Stakeholders) {
		t.Fatalf("%d stakeholders, want %d", len(out.Stakeholders.Nodes), len(d.Stakeholders))
	}
	most, twice := "", false
	for _, s := range out.Stakeholders.Nodes {
		got, w := s.Peers.list(), want[s.Slug]
		if fmt.Sprint(got) != fmt.Sprint(w) || s.Peers.TotalCount != len(w) || s.Peers.PageInfo.HasNextPage {
			t.Errorf("%s: peers %v (total %d), want %v", s.Slug, got, s.Peers.TotalCount, w)
		}
		if len(w) > len(want[most]) {
			most = s.Slug
		}
		if len(w) > 0 && len(w[0].Shared) > 1 {
			twice = true
		}
	}
	if len(want[most]) < 4 || !twice {
		t.Fatalf("the dataset needs a stakeholder with several peers and a pair sharing two coalitions")
	}

	// Paging two at a time walks the same list.
	var id struct{ Stakeholder struct{ ID string } }
	api.Must(t, `query($slug: String) { stakeholder(slug: $slug) { id } }`, map[string]any{"slug": most}, &id)
	var walked []peerWant
	var after any
	for range 10 {
		var page struct{ Stakeholder struct{ Peers peerPage } }
		api.Must(t, `query($id: ID!, $after: String) { stakeholder(id: $id) { peers(first: 2, after: $after) {
		  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug } sharedCoalitions { slug } } } } }`,
			map[string]any{"id": id.Stakeholder.ID, "after": after}, &page)
		walked = append(walked, page.Stakeholder.Peers.list()...)
		if !page.Stakeholder.Peers.PageInfo.HasNextPage {
			break
		}
		after = page.Stakeholder.Peers.PageInfo.EndCursor
	}
	if fmt.Sprint(walked) != fmt.Sprint(want[most]) {
		t.Errorf("paged peers of %s: %v, want %v", most, walked, want[most])
	}
}

// A list of stakeholders with their peers costs the same commands whatever its length: the peers go through a
// request-scoped loader.
func TestPeersCommands(t *testing.T) {
	counts := map[int]int64{}
	for _, n := range []int{8, 40} {
		api := apitest.New(t, apitest.Fixture(n))
		var out struct {
			Stakeholders struct {
				Nodes []struct{ Peers peerPage }
			}
		}
		api.Must(t, peersQuery, nil, &out)
		peers := 0
		for _, s := range out.Stakeholders.Nodes {
			peers += s.Peers.TotalCount
		}
		if peers < n {
			t.Fatalf("%d stakeholders have only %d peers in all", len(out.Stakeholders.Nodes), peers)
		}
		counts[n] = api.Commands()
		t.Logf("%d stakeholders, %d peers: %d commands %v", len(out.Stakeholders.Nodes), peers, counts[n], api.CommandNames())
	}
	// the stakeholders; then their memberships, their coalitions' memberships, the peers and the coalitions
	if counts[8] != 5 || counts[40] != 5 {
		t.Errorf("commands: %v, want 5 for both", counts)
	}
}

const networkQuery = `query($filter: NetworkFilter!) {
  network(filter: $filter) { nodes { depth node { __typename ... on Node { id } } } edges { from to relation role } }
}`

// A network's nodes are what the lists return for the same filters; its edges every relation among them.
func TestNetworkMatchesLists(t *testing.T) {
	api := apitest.New(t, relDataset())
	g := netGraphOf(t, api)
	ids := func(query string) map[string]int {
		var out map[string]struct{ Nodes []struct{ ID string } }
		api.Must(t, query, nil, &out)
		set := map[string]int{}
		for _, l := range out {
			for _, n := range l.Nodes {
				set[n.ID] = -1
			}
		}
		return set
	}
	for _, c := range []struct {
		name   string
		filter map[string]any
		lists  string
		min    int
	}{
		{"countries", map[string]any{"country": []string{"IE", "be"}},
			`{ c: coalitions(first: 100, filter: {country: ["IE", "BE"]}) { nodes { id } }
			   s: stakeholders(first: 100, filter: {country: ["IE", "BE"]}) { nodes { id } } }`, 10},
		{"types and filters", map[string]any{"country": []string{"PL"}, "types": []string{"COALITION", "INITIATIVE", "TOOLKIT_SECTION", "BLOG_POST", "STAKEHOLDER"},
			"coalition": map[string]any{"status": []string{"ACTIVE"}}, "toolkitSection": map[string]any{"depth": map[string]any{"to": 0}},
			"blogPost": map[string]any{"mentions": g.id["Coalition:coalition-000"]}, "stakeholder": map[string]any{"kind": []string{"PERSON"}}},
			`{ c: coalitions(first: 100, filter: {country: ["PL"], status: [ACTIVE]}) { nodes { id } }
			   i: initiatives(first: 100, filter: {country: ["PL"]}) { nodes { id } }
			   s: stakeholders(first: 100, filter: {country: ["PL"], kind: [PERSON]}) { nodes { id } }
			   t: toolkitSections(first: 100, filter: {depth: {to: 0}}) { nodes { id } }
			   p: blogPosts(first: 100, filter: {mentions: "` + g.id["Coalition:coalition-000"] + `"}) { nodes { id } } }`, 12},
		{"all of two types", map[string]any{"types": []string{"INITIATIVE", "STAKEHOLDER"}},
			`{ i: initiatives(first: 100) { nodes { id } } s: stakeholders(first: 100) { nodes { id } } }`, 90},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := ids(c.lists)
			var out struct{ Network subgraph }
			api.Must(t, networkQuery, map[string]any{"filter": c.filter}, &out)
			out.Network.check(t, g, want)
			if len(want) < c.min || len(out.Network.Edges) == 0 {
				t.Errorf("the case finds too little: %d nodes, %d edges", len(want), len(out.Network.Edges))
			}
		})
	}
}

// Each traversal level costs the same commands whatever the size of its frontier: the content graph is read a
// level at a time in batched queries, one per collection at most. The start is a member of every coalition, so
// that the frontiers grow with the data.
func TestNeighborsCommandsPerLevel(t *testing.T) {
	type result struct {
		nodes    int
		commands int64
	}
	got := map[int]map[int]result{}
	for _, n := range []int{12, 48} {
		d := apitest.Fixture(n)
		for i := range d.Coalitions {
			if !slices.ContainsFunc(d.Coalitions[i].Members, func(m seed.Member) bool { return m.Stakeholder == "stakeholder-001" }) {
				d.Coalitions[i].Members = append(d.Coalitions[i].Members, seed.Member{Stakeholder: "stakeholder-001", Role: "MEMBER"})
			}
		}
		api := apitest.New(t, d)
		start := content.GlobalID(content.KeyOf(content.TypeStakeholder, seed.ID(content.TypeStakeholder, "stakeholder-001")))
		got[n] = map[int]result{}
		for depth := 1; depth <= 3; depth++ {
			var out struct{ Neighbors subgraph }
			api.Must(t, neighborsQuery, map[string]any{"id": start, "depth": depth}, &out)
			got[n][depth] = result{len(out.Neighbors.Nodes), api.Commands()}
			t.Logf("%d coalitions, depth %d: %d nodes, %d commands %v", n, depth, len(out.Neighbors.Nodes), api.Commands(), api.CommandNames())
		}
	}
	for depth := 1; depth <= 3; depth++ {
		small, big := got[12][depth], got[48][depth]
		if small.commands != big.commands || big.nodes < 2*small.nodes {
			t.Errorf("depth %d: %d commands for %d nodes, %d for %d", depth, small.commands, small.nodes, big.commands, big.nodes)
		}
		// the start; at most four queries a level; the memberships among the farthest nodes and the documents
		// of the five types not read yet
		if limit := int64(1 + 4*depth + 6); big.commands > limit {
			t.Errorf("depth %d: %d commands, more than %d", depth, big.commands, limit)
		}
	}
}

// The graph fields have a cost: a sub-graph counts as many nodes as the budget allows.
func TestGraphCost(t *testing.T) {
	api := apitest.NewWith(t, pathFixture(), httpapi.Config{Limits: graph.Limits{NodeBudget: 50_000}})
	e := api.Fails(t, "QUERY_TOO_COMPLEX", `{ network(filter: {}) { nodes { node { ... on Coalition { members(first: 10) { nodes { name } } } } } } }`, nil)
	if !strings.Contains(e.Message, "limit") {
		t.Errorf("message %q", e.Message)
	}
	var out json.RawMessage
	api.Must(t, `{ network(filter: {}) { nodes { node { ... on Node { id } } } edges { from to } } }`, nil, &out)
}
