package httpapi_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"

	"golang.org/x/text/unicode/norm"
)

// The relations tests compare every relation of the graph, in both directions, with what the dataset says. The
// expectations are computed here from the dataset with the contract's rules (names ignore case and accents,
// unknown values come first ascending and last descending), never read back from the API.

// relDataset is the generated fixture plus a few posts that give the post relations (authors, publisher,
// mentions, mentionedIn) more than one item, ties on the publication day, an unknown day, a post without authors
// and mentions of toolkit sections; and a coalition with many members, for paging.
func relDataset() *seed.Dataset {
	d := apitest.Fixture(40)
	day := func(s string) *string { return &s }
	year := func(y int) *int { return &y }
	men := func(t content.TypeName, slug string) seed.Mention { return seed.Mention{Type: t, Slug: slug} }
	d.BlogPosts = append(d.BlogPosts,
		seed.BlogPost{Slug: "extra-a", Title: "Ångström notes", PublishedOn: day("2018-03-01"),
			Authors: []string{"stakeholder-005", "stakeholder-010"}, Publisher: day("stakeholder-006"),
			Mentions: []seed.Mention{men(content.TypeCoalition, "coalition-000"), men(content.TypeToolkitSection, "chapter-1-1"),
				men(content.TypeStakeholder, "stakeholder-005"), men(content.TypeBlogPost, "post-003"), men(content.TypeInitiative, "initiative-001")}},
		seed.BlogPost{Slug: "extra-b", Title: "zebra digest", Authors: []string{"stakeholder-005"},
			Mentions: []seed.Mention{men(content.TypeToolkitSection, "chapter-2"), men(content.TypeCoalition, "coalition-000"),
				men(content.TypeBlogPost, "extra-a")}},
		seed.BlogPost{Slug: "extra-c", Title: "Mid-year review", PublishedOn: day("2018-03-01"),
			Authors: []string{"stakeholder-010"}, Publisher: day("stakeholder-005"),
			Mentions: []seed.Mention{men(content.TypeCoalition, "coalition-000"), men(content.TypeInitiative, "initiative-001"),
				men(content.TypeToolkitSection, "chapter-1-1-1"), men(content.TypeStakeholder, "stakeholder-005")}},
		seed.BlogPost{Slug: "extra-d", Title: "early bird", PublishedOn: day("2016-05-05"), Publisher: day("stakeholder-005"),
			Mentions: []seed.Mention{men(content.TypeCoalition, "coalition-001"), men(content.TypeCoalition, "coalition-000")}},
	)
	roles := []content.MembershipRole{"MEMBER", "PARTNER", "MEMBER", "COORDINATOR", "MEMBER", "PARTNER"}
	for i, j := range []int{10, 11, 12, 13, 14, 21} {
		m := seed.Member{Stakeholder: fmt.Sprintf("stakeholder-%03d", j), Role: roles[i]}
		if i%3 != 2 {
			m.Since = year(2016 + i)
		}
		d.Coalitions[0].Members = append(d.Coalitions[0].Members, m)
	}
	return d
}

// relFold is the contract's "ignoring case and accents", written independently of the product's folding.
func relFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ł':
			b.WriteRune('l')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// relModel indexes the dataset by slug.
type relModel struct {
	d     *seed.Dataset
	stake map[string]seed.Stakeholder
	coal  map[string]seed.Coalition
	init  map[string]seed.Initiative
	post  map[string]seed.BlogPost
	sec   map[string]seed.Section
}

func relModelOf(d *seed.Dataset) *relModel {
	m := &relModel{d: d, stake: map[string]seed.Stakeholder{}, coal: map[string]seed.Coalition{},
		init: map[string]seed.Initiative{}, post: map[string]seed.BlogPost{}, sec: map[string]seed.Section{}}
	for _, s := range d.Stakeholders {
		m.stake[s.Slug] = s
	}
	for _, c := range d.Coalitions {
		m.coal[c.Slug] = c
	}
	for _, i := range d.Initiatives {
		m.init[i.Slug] = i
	}
	for _, p := range d.BlogPosts {
		m.post[p.Slug] = p
	}
	for _, s := range d.ToolkitSections {
		m.sec[s.Slug] = s
	}
	return m
}

// relWant is one expected edge: the node's key (slug, code, or Type:slug for mixed content) and, for
// memberships, the role and year.
type relWant struct {
	Key   string
	Role  string
	Since *int
}

func (w relWant) String() string {
	s := w.Key
	if w.Role != "" {
		s += "/" + w.Role
	}
	if w.Since != nil {
		s += fmt.Sprintf("/%d", *w.Since)
	}
	return s
}

func relKeys(keys []string) []relWant {
	out := []relWant{}
	for _, k := range keys {
		out = append(out, relWant{Key: k})
	}
	return out
}

// relNullsFirst compares optional values ascending with unknown values first.
func relNullsFirst[T cmp.Ordered](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

// memberships of a coalition, with the stakeholders, filtered by roles (none: all) and by keep.
func (m *relModel) membersOf(c string, roles []string, keep func(seed.Stakeholder) bool) []seed.Member {
	var out []seed.Member
	for _, mem := range m.coal[c].Members {
		if (len(roles) == 0 || slices.Contains(roles, string(mem.Role))) && (keep == nil || keep(m.stake[mem.Stakeholder])) {
			out = append(out, mem)
		}
	}
	return out
}

func (m *relModel) memberWants(ms []seed.Member, order func(a, b seed.Stakeholder) int) []relWant {
	slices.SortStableFunc(ms, func(a, b seed.Member) int { return order(m.stake[a.Stakeholder], m.stake[b.Stakeholder]) })
	out := []relWant{}
	for _, mem := range ms {
		out = append(out, relWant{Key: mem.Stakeholder, Role: string(mem.Role), Since: mem.Since})
	}
	return out
}

func relStakeByName(a, b seed.Stakeholder) int {
	return strings.Compare(relFold(a.Name), relFold(b.Name))
}
func relCoalByName(a, b seed.Coalition) int { return strings.Compare(relFold(a.Name), relFold(b.Name)) }
func relInitByName(a, b seed.Initiative) int {
	return strings.Compare(relFold(a.Name), relFold(b.Name))
}

// relPostsNewestThenTitle is PUBLISHED_ON DESC (unknown days last), then TITLE ASC.
func relPostsNewestThenTitle(a, b seed.BlogPost) int {
	if c := relNullsFirst(b.PublishedOn, a.PublishedOn); c != 0 {
		return c
	}
	return strings.Compare(relFold(a.Title), relFold(b.Title))
}

// coalitionsOf is a stakeholder's memberships as coalition edges.
func (m *relModel) coalitionsOf(s string, roles []string, keep func(seed.Coalition) bool, order func(a, b seed.Coalition) int) []relWant {
	type pair struct {
		c   seed.Coalition
		mem seed.Member
	}
	var ps []pair
	for _, c := range m.d.Coalitions {
		for _, mem := range c.Members {
			if mem.Stakeholder == s && (len(roles) == 0 || slices.Contains(roles, string(mem.Role))) && (keep == nil || keep(c)) {
				ps = append(ps, pair{c, mem})
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return order(a.c, b.c) })
	out := []relWant{}
	for _, p := range ps {
		out = append(out, relWant{Key: p.c.Slug, Role: string(p.mem.Role), Since: p.mem.Since})
	}
	return out
}

func (m *relModel) coalitionKeys(slugs []string, order func(a, b seed.Coalition) int) []relWant {
	cs := []seed.Coalition{}
	for _, s := range slugs {
		cs = append(cs, m.coal[s])
	}
	slices.SortStableFunc(cs, order)
	var keys []string
	for _, c := range cs {
		keys = append(keys, c.Slug)
	}
	return relKeys(keys)
}

func (m *relModel) stakeholderKeys(slugs []string) []relWant {
	ss := []seed.Stakeholder{}
	for _, s := range slugs {
		ss = append(ss, m.stake[s])
	}
	slices.SortStableFunc(ss, relStakeByName)
	var keys []string
	for _, s := range ss {
		keys = append(keys, s.Slug)
	}
	return relKeys(keys)
}

func (m *relModel) initiativesWhere(keep func(seed.Initiative) bool) []relWant {
	is := []seed.Initiative{}
	for _, i := range m.d.Initiatives {
		if keep(i) {
			is = append(is, i)
		}
	}
	slices.SortStableFunc(is, relInitByName)
	var keys []string
	for _, i := range is {
		keys = append(keys, i.Slug)
	}
	return relKeys(keys)
}

func (m *relModel) postsWhere(keep func(seed.BlogPost) bool) []seed.BlogPost {
	ps := []seed.BlogPost{}
	for _, p := range m.d.BlogPosts {
		if keep(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

func relPostKeys(ps []seed.BlogPost) []relWant {
	ps = slices.Clone(ps)
	slices.SortStableFunc(ps, relPostsNewestThenTitle)
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Slug)
	}
	return relKeys(keys)
}

// mentioning is the posts that mention the content t:slug.
func (m *relModel) mentioning(t content.TypeName, slug string) []seed.BlogPost {
	return m.postsWhere(func(p seed.BlogPost) bool {
		return slices.Contains(p.Mentions, seed.Mention{Type: t, Slug: slug})
	})
}

// contributedBy is the posts a stakeholder wrote or published.
func (m *relModel) contributedBy(s string) []seed.BlogPost {
	return m.postsWhere(func(p seed.BlogPost) bool {
		return slices.Contains(p.Authors, s) || (p.Publisher != nil && *p.Publisher == s)
	})
}

func (m *relModel) mentionsOf(p string, types ...content.TypeName) []relWant {
	var keys []string
	for _, mn := range m.post[p].Mentions {
		if len(types) == 0 || slices.Contains(types, mn.Type) {
			keys = append(keys, string(mn.Type)+":"+mn.Slug)
		}
	}
	return relKeys(keys)
}

// children of a toolkit section ("" for the chapters), by their order.
func (m *relModel) children(parent string) []seed.Section {
	var out []seed.Section
	for _, s := range m.d.ToolkitSections {
		if (s.Parent == nil && parent == "") || (s.Parent != nil && *s.Parent == parent) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b seed.Section) int { return cmp.Compare(a.Order, b.Order) })
	return out
}

// descendants in reading order: depth first, siblings by order.
func (m *relModel) descendants(s string) []string {
	var out []string
	for _, c := range m.children(s) {
		out = append(out, c.Slug)
		out = append(out, m.descendants(c.Slug)...)
	}
	return out
}

// ancestors of a section, root first.
func (m *relModel) ancestors(s string) []string {
	var out []string
	for p := m.sec[s].Parent; p != nil; p = m.sec[*p].Parent {
		out = append([]string{*p}, out...)
	}
	return out
}

// What the API returns.

type relNode struct {
	Typename string `json:"__typename"`
	Slug     string `json:"slug"`
	Code     string `json:"code"`
}

func (n relNode) key(typed bool) string {
	k := n.Slug
	if k == "" {
		k = n.Code
	}
	if typed {
		return n.Typename + ":" + k
	}
	return k
}

type relPageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

type relConn struct {
	TotalCount int         `json:"totalCount"`
	PageInfo   relPageInfo `json:"pageInfo"`
	Edges      []struct {
		Cursor string  `json:"cursor"`
		Role   string  `json:"role"`
		Since  *int    `json:"since"`
		Node   relNode `json:"node"`
	} `json:"edges"`
	Nodes []relNode `json:"nodes"`
}

func (c relConn) wants(typed bool) []relWant {
	out := []relWant{}
	for _, e := range c.Edges {
		out = append(out, relWant{Key: e.Node.key(typed), Role: e.Role, Since: e.Since})
	}
	return out
}

func (c relConn) nodeKeys(typed bool) []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.key(typed))
	}
	return out
}

func relSame(a, b []relWant) bool {
	return slices.EqualFunc(a, b, func(x, y relWant) bool {
		return x.Key == y.Key && x.Role == y.Role && relNullsFirst(x.Since, y.Since) == 0
	})
}

func relKeysOf(ws []relWant) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Key)
	}
	return out
}

const relPageInfoSel = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

// The union selection that names any content.
const relContentSel = `__typename ... on Coalition { slug } ... on Stakeholder { slug } ... on Initiative { slug }
  ... on ToolkitSection { slug } ... on BlogPost { slug }`

type relParent struct {
	Slug string  `json:"slug"`
	Code string  `json:"code"`
	Conn relConn `json:"conn"`
}

func (p relParent) key() string {
	if p.Slug != "" {
		return p.Slug
	}
	return p.Code
}

// relEveryParent asks for one connection of every item of a root list in a single query (so the relation's
// loader batches all the parents) and returns the connections by parent key.
func relEveryParent(t *testing.T, api *apitest.API, root, key, conn, edge, node string) map[string]relConn {
	t.Helper()
	q := fmt.Sprintf(`{ list: %s(first: 100) { totalCount nodes { %s conn: %s {
  totalCount %s edges { cursor %s node { %s } } nodes { %s } } } } }`, root, key, conn, relPageInfoSel, edge, node, node)
	var out struct {
		List struct {
			TotalCount int
			Nodes      []relParent
		}
	}
	api.Must(t, q, nil, &out)
	if len(out.List.Nodes) != out.List.TotalCount {
		t.Fatalf("%s: got %d of %d parents; the test needs them all on one page", root, len(out.List.Nodes), out.List.TotalCount)
	}
	got := map[string]relConn{}
	for _, p := range out.List.Nodes {
		got[p.key()] = p.Conn
	}
	return got
}

type relCase struct {
	name    string
	root    string   // root list of the parents
	parents []string // keys of every parent, from the dataset
	key     string   // parent key field: slug or code
	conn    string   // the connection field with its arguments (asked with first: 100 or fewer items exist)
	edge    string   // extra edge fields (role since)
	node    string   // node selection
	typed   bool     // nodes are mixed content: keys are Type:slug
	want    func(parent string) []relWant
}

func relRun(t *testing.T, api *apitest.API, c relCase) {
	t.Helper()
	node := c.node
	if node == "" {
		node = "slug"
	}
	got := relEveryParent(t, api, c.root, c.key, c.conn, c.edge, node)
	if len(got) != len(c.parents) {
		t.Errorf("%d parents, dataset has %d", len(got), len(c.parents))
	}
	nonEmpty := 0
	for _, p := range c.parents {
		conn, ok := got[p]
		if !ok {
			t.Errorf("parent %s missing from %s", p, c.root)
			continue
		}
		want := c.want(p)
		if len(want) > 0 {
			nonEmpty++
		}
		if g := conn.wants(c.typed); !relSame(g, want) {
			t.Errorf("%s %s.%s:\n got  %v\n want %v", c.root, p, c.conn, g, want)
		}
		if g := conn.nodeKeys(c.typed); !slices.Equal(g, relKeysOf(want)) && !(len(g) == 0 && len(want) == 0) {
			t.Errorf("%s %s.%s nodes: got %v, want %v", c.root, p, c.conn, g, relKeysOf(want))
		}
		if conn.TotalCount != len(want) {
			t.Errorf("%s %s.%s totalCount = %d, want %d", c.root, p, c.conn, conn.TotalCount, len(want))
		}
		pi := conn.PageInfo
		if pi.HasNextPage || pi.HasPreviousPage {
			t.Errorf("%s %s.%s: the only page has pageInfo %+v", c.root, p, c.conn, pi)
		}
		if len(conn.Edges) > 0 {
			if pi.StartCursor == nil || *pi.StartCursor != conn.Edges[0].Cursor || pi.EndCursor == nil || *pi.EndCursor != conn.Edges[len(conn.Edges)-1].Cursor {
				t.Errorf("%s %s.%s: start/end cursors do not match the edges", c.root, p, c.conn)
			}
		} else if pi.StartCursor != nil || pi.EndCursor != nil {
			t.Errorf("%s %s.%s: empty page with cursors %+v", c.root, p, c.conn, pi)
		}
	}
	if nonEmpty == 0 {
		t.Errorf("the dataset gives no parent any item: the case checks nothing")
	}
}

func relSlugs[T any](items []T, slug func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, slug(it))
	}
	return out
}

// Every relation, in both directions, for every item of the dataset, with the relation's arguments.
func TestRelationsBothDirections(t *testing.T) {
	d := relDataset()
	m := relModelOf(d)
	api := apitest.New(t, d)

	coalitions := relSlugs(d.Coalitions, func(c seed.Coalition) string { return c.Slug })
	stakeholders := relSlugs(d.Stakeholders, func(s seed.Stakeholder) string { return s.Slug })
	initiatives := relSlugs(d.Initiatives, func(i seed.Initiative) string { return i.Slug })
	posts := relSlugs(d.BlogPosts, func(p seed.BlogPost) string { return p.Slug })
	sections := relSlugs(d.ToolkitSections, func(s seed.Section) string { return s.Slug })
	countries := relSlugs(d.Countries, func(c seed.Country) string { return c.Code })

	person := func(s seed.Stakeholder) bool { return s.Kind == "PERSON" }
	organisation := func(s seed.Stakeholder) bool { return s.Kind == "ORGANISATION" }
	countryDescThenName := func(a, b seed.Stakeholder) int {
		if c := relNullsFirst(b.CountryCode, a.CountryCode); c != 0 {
			return c
		}
		return relStakeByName(a, b)
	}
	byNameDesc := func(a, b seed.Stakeholder) int { return relStakeByName(b, a) }
	launchDescThenName := func(a, b seed.Coalition) int {
		if c := relNullsFirst(b.LaunchYear, a.LaunchYear); c != 0 {
			return c
		}
		return relCoalByName(a, b)
	}
	const postOrder = `orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]`

	cases := []relCase{
		{name: "Coalition.members", root: "coalitions", parents: coalitions, key: "slug",
			conn: "members(first: 100)", edge: "role since",
			want: func(c string) []relWant { return m.memberWants(m.membersOf(c, nil, nil), relStakeByName) }},
		{name: "Coalition.members roles", root: "coalitions", parents: coalitions, key: "slug",
			conn: "members(first: 100, roles: [COORDINATOR, PARTNER])", edge: "role since",
			want: func(c string) []relWant {
				return m.memberWants(m.membersOf(c, []string{"COORDINATOR", "PARTNER"}, nil), relStakeByName)
			}},
		{name: "Coalition.members filter kind PERSON", root: "coalitions", parents: coalitions, key: "slug",
			conn: "members(first: 100, filter: {kind: [PERSON]})", edge: "role since",
			want: func(c string) []relWant { return m.memberWants(m.membersOf(c, nil, person), relStakeByName) }},
		{name: "Coalition.members orderBy country desc then name", root: "coalitions", parents: coalitions, key: "slug",
			conn: "members(first: 100, orderBy: [{field: COUNTRY, direction: DESC}, {field: NAME}])", edge: "role since",
			want: func(c string) []relWant { return m.memberWants(m.membersOf(c, nil, nil), countryDescThenName) }},
		{name: "Coalition.members roles, filter and orderBy together", root: "coalitions", parents: coalitions, key: "slug",
			conn: "members(first: 100, roles: [MEMBER], filter: {kind: [ORGANISATION]}, orderBy: [{field: NAME, direction: DESC}])", edge: "role since",
			want: func(c string) []relWant {
				return m.memberWants(m.membersOf(c, []string{"MEMBER"}, organisation), byNameDesc)
			}},
		{name: "Stakeholder.coalitions", root: "stakeholders", parents: stakeholders, key: "slug",
			conn: "coalitions(first: 100)", edge: "role since",
			want: func(s string) []relWant { return m.coalitionsOf(s, nil, nil, relCoalByName) }},
		{name: "Stakeholder.coalitions roles", root: "stakeholders", parents: stakeholders, key: "slug",
			conn: "coalitions(first: 100, roles: [COORDINATOR])", edge: "role since",
			want: func(s string) []relWant { return m.coalitionsOf(s, []string{"COORDINATOR"}, nil, relCoalByName) }},
		{name: "Stakeholder.coalitions filter and orderBy", root: "stakeholders", parents: stakeholders, key: "slug",
			conn: "coalitions(first: 100, filter: {status: [ACTIVE]}, orderBy: [{field: LAUNCH_YEAR, direction: DESC}, {field: NAME}])", edge: "role since",
			want: func(s string) []relWant {
				return m.coalitionsOf(s, nil, func(c seed.Coalition) bool { return c.Status == "ACTIVE" }, launchDescThenName)
			}},
		{name: "Coalition.initiatives", root: "coalitions", parents: coalitions, key: "slug", conn: "initiatives(first: 100)",
			want: func(c string) []relWant {
				return m.initiativesWhere(func(i seed.Initiative) bool { return slices.Contains(i.Coalitions, c) })
			}},
		{name: "Initiative.coalitions", root: "initiatives", parents: initiatives, key: "slug", conn: "coalitions(first: 100)",
			want: func(i string) []relWant { return m.coalitionKeys(m.init[i].Coalitions, relCoalByName) }},
		{name: "Initiative.partners", root: "initiatives", parents: initiatives, key: "slug", conn: "partners(first: 100)",
			want: func(i string) []relWant { return m.stakeholderKeys(m.init[i].Partners) }},
		{name: "Stakeholder.initiatives", root: "stakeholders", parents: stakeholders, key: "slug", conn: "initiatives(first: 100)",
			want: func(s string) []relWant {
				return m.initiativesWhere(func(i seed.Initiative) bool { return slices.Contains(i.Partners, s) })
			}},
		{name: "BlogPost.authors", root: "blogPosts", parents: posts, key: "slug", conn: "authors(first: 100)",
			want: func(p string) []relWant { return m.stakeholderKeys(m.post[p].Authors) }},
		{name: "Stakeholder.posts (written or published)", root: "stakeholders", parents: stakeholders, key: "slug",
			conn: "posts(first: 100, " + postOrder + ")",
			want: func(s string) []relWant { return relPostKeys(m.contributedBy(s)) }},
		{name: "BlogPost.mentions", root: "blogPosts", parents: posts, key: "slug", conn: "mentions(first: 100)",
			node: relContentSel, typed: true,
			want: func(p string) []relWant { return m.mentionsOf(p) }},
		{name: "BlogPost.mentions types COALITION BLOG_POST", root: "blogPosts", parents: posts, key: "slug",
			conn: "mentions(first: 100, types: [COALITION, BLOG_POST])", node: relContentSel, typed: true,
			want: func(p string) []relWant { return m.mentionsOf(p, content.TypeCoalition, content.TypeBlogPost) }},
		{name: "BlogPost.mentions types TOOLKIT_SECTION STAKEHOLDER INITIATIVE", root: "blogPosts", parents: posts, key: "slug",
			conn: "mentions(first: 100, types: [TOOLKIT_SECTION, STAKEHOLDER, INITIATIVE])", node: relContentSel, typed: true,
			want: func(p string) []relWant {
				return m.mentionsOf(p, content.TypeToolkitSection, content.TypeStakeholder, content.TypeInitiative)
			}},
		{name: "Coalition.mentionedIn", root: "coalitions", parents: coalitions, key: "slug", conn: "mentionedIn(first: 100, " + postOrder + ")",
			want: func(c string) []relWant { return relPostKeys(m.mentioning(content.TypeCoalition, c)) }},
		{name: "Stakeholder.mentionedIn", root: "stakeholders", parents: stakeholders, key: "slug", conn: "mentionedIn(first: 100, " + postOrder + ")",
			want: func(s string) []relWant { return relPostKeys(m.mentioning(content.TypeStakeholder, s)) }},
		{name: "Initiative.mentionedIn", root: "initiatives", parents: initiatives, key: "slug", conn: "mentionedIn(first: 100, " + postOrder + ")",
			want: func(i string) []relWant { return relPostKeys(m.mentioning(content.TypeInitiative, i)) }},
		{name: "BlogPost.mentionedIn", root: "blogPosts", parents: posts, key: "slug", conn: "mentionedIn(first: 100, " + postOrder + ")",
			want: func(p string) []relWant { return relPostKeys(m.mentioning(content.TypeBlogPost, p)) }},
		{name: "ToolkitSection.mentionedIn", root: "toolkitSections", parents: sections, key: "slug", conn: "mentionedIn(first: 100, " + postOrder + ")",
			want: func(s string) []relWant { return relPostKeys(m.mentioning(content.TypeToolkitSection, s)) }},
		{name: "ToolkitSection.children", root: "toolkitSections", parents: sections, key: "slug", conn: "children(first: 100)",
			want: func(s string) []relWant {
				return relKeys(relSlugs(m.children(s), func(x seed.Section) string { return x.Slug }))
			}},
		{name: "ToolkitSection.descendants", root: "toolkitSections", parents: sections, key: "slug", conn: "descendants(first: 100)",
			want: func(s string) []relWant { return relKeys(m.descendants(s)) }},
		{name: "Country.coalitions", root: "countries", parents: countries, key: "code", conn: "coalitions(first: 100)",
			want: func(code string) []relWant {
				var slugs []string
				for _, c := range d.Coalitions {
					if c.CountryCode == code {
						slugs = append(slugs, c.Slug)
					}
				}
				return m.coalitionKeys(slugs, relCoalByName)
			}},
		{name: "Country.stakeholders", root: "countries", parents: countries, key: "code", conn: "stakeholders(first: 100)",
			want: func(code string) []relWant {
				var slugs []string
				for _, s := range d.Stakeholders {
					if s.CountryCode != nil && *s.CountryCode == code {
						slugs = append(slugs, s.Slug)
					}
				}
				return m.stakeholderKeys(slugs)
			}},
		{name: "Country.initiatives", root: "countries", parents: countries, key: "code", conn: "initiatives(first: 100)",
			want: func(code string) []relWant {
				return m.initiativesWhere(func(i seed.Initiative) bool { return slices.Contains(i.CountryCodes, code) })
			}},
		{name: "Country.stakeholders filter and orderBy", root: "countries", parents: countries, key: "code",
			conn: "stakeholders(first: 100, filter: {kind: [PERSON]}, orderBy: [{field: NAME, direction: DESC}])",
			want: func(code string) []relWant {
				var ss []seed.Stakeholder
				for _, s := range d.Stakeholders {
					if s.CountryCode != nil && *s.CountryCode == code && person(s) {
						ss = append(ss, s)
					}
				}
				slices.SortStableFunc(ss, byNameDesc)
				return relKeys(relSlugs(ss, func(s seed.Stakeholder) string { return s.Slug }))
			}},
		{name: "Initiative.coalitions filter and orderBy", root: "initiatives", parents: initiatives, key: "slug",
			conn: "coalitions(first: 100, filter: {status: [ACTIVE]}, orderBy: [{field: NAME, direction: DESC}])",
			want: func(i string) []relWant {
				var active []string
				for _, c := range m.init[i].Coalitions {
					if m.coal[c].Status == "ACTIVE" {
						active = append(active, c)
					}
				}
				return m.coalitionKeys(active, func(a, b seed.Coalition) int { return relCoalByName(b, a) })
			}},
		{name: "ToolkitSection.descendants filter depth", root: "toolkitSections", parents: sections, key: "slug",
			conn: "descendants(first: 100, filter: {depth: {from: 2}})",
			want: func(s string) []relWant {
				var deep []string
				for _, x := range m.descendants(s) {
					if len(m.ancestors(x)) >= 2 {
						deep = append(deep, x)
					}
				}
				return relKeys(deep)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { relRun(t, api, c) })
	}

	// The default order of posts is newest first, unknown days last; the test cannot know the order of posts
	// published the same day (ties), so it checks the rule and the set.
	t.Run("post connections default to newest first", func(t *testing.T) {
		for _, rc := range []struct {
			root, conn string
			parents    []string
			want       func(string) []seed.BlogPost
		}{
			{"stakeholders", "posts(first: 100)", stakeholders, m.contributedBy},
			{"coalitions", "mentionedIn(first: 100)", coalitions, func(s string) []seed.BlogPost { return m.mentioning(content.TypeCoalition, s) }},
			{"toolkitSections", "mentionedIn(first: 100)", sections, func(s string) []seed.BlogPost { return m.mentioning(content.TypeToolkitSection, s) }},
		} {
			got := relEveryParent(t, api, rc.root, "slug", rc.conn, "", "slug")
			for _, p := range rc.parents {
				keys := relKeysOf(got[p].wants(false))
				want := relKeysOf(relPostKeys(rc.want(p)))
				if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(want))) {
					t.Errorf("%s %s.%s: got %v, want %v in any order", rc.root, p, rc.conn, keys, want)
					continue
				}
				for i := 1; i < len(keys); i++ {
					if relNullsFirst(m.post[keys[i-1]].PublishedOn, m.post[keys[i]].PublishedOn) < 0 {
						t.Errorf("%s %s.%s: %v is not newest first (unknown last)", rc.root, p, rc.conn, keys)
					}
				}
			}
		}
	})

	t.Run("to-one and list relations", func(t *testing.T) {
		var out struct {
			Coalitions struct {
				Nodes []struct {
					Slug    string
					Country struct{ Code, Name string }
				}
			}
			Stakeholders struct {
				Nodes []struct {
					Slug    string
					Country *struct{ Code string }
				}
			}
			Initiatives struct {
				Nodes []struct {
					Slug      string
					Countries []struct{ Code string }
				}
			}
			BlogPosts struct {
				Nodes []struct {
					Slug      string
					Publisher *struct{ Slug string }
				}
			}
			ToolkitSections struct {
				Nodes []struct {
					Slug      string
					Depth     int
					Number    string
					Order     int
					Parent    *struct{ Slug string }
					Ancestors []struct{ Slug string }
				}
			}
		}
		api.Must(t, `{
  coalitions(first: 100) { nodes { slug country { code name } } }
  stakeholders(first: 100) { nodes { slug country { code } } }
  initiatives(first: 100) { nodes { slug countries { code } } }
  blogPosts(first: 100) { nodes { slug publisher { slug } } }
  toolkitSections(first: 100) { nodes { slug depth number order parent { slug } ancestors { slug } } }
}`, nil, &out)
		names := map[string]string{}
		for _, c := range d.Countries {
			names[c.Code] = c.Name
		}
		if len(out.Coalitions.Nodes) != len(d.Coalitions) || len(out.Stakeholders.Nodes) != len(d.Stakeholders) ||
			len(out.Initiatives.Nodes) != len(d.Initiatives) || len(out.BlogPosts.Nodes) != len(d.BlogPosts) ||
			len(out.ToolkitSections.Nodes) != len(d.ToolkitSections) {
			t.Fatalf("the lists do not hold every item of the dataset")
		}
		for _, c := range out.Coalitions.Nodes {
			want := m.coal[c.Slug].CountryCode
			if c.Country.Code != want || c.Country.Name != names[want] {
				t.Errorf("coalition %s: country %+v, want %s %s", c.Slug, c.Country, want, names[want])
			}
		}
		unknown := 0
		for _, s := range out.Stakeholders.Nodes {
			want := m.stake[s.Slug].CountryCode
			switch {
			case want == nil && s.Country != nil:
				t.Errorf("stakeholder %s: country %s, want null", s.Slug, s.Country.Code)
			case want == nil:
				unknown++
			case s.Country == nil || s.Country.Code != *want:
				t.Errorf("stakeholder %s: country %v, want %s", s.Slug, s.Country, *want)
			}
		}
		if unknown == 0 {
			t.Errorf("no stakeholder without a country was checked")
		}
		for _, i := range out.Initiatives.Nodes {
			got := relSlugs(i.Countries, func(c struct{ Code string }) string { return c.Code })
			want := m.init[i.Slug].CountryCodes
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) || len(got) != len(want) {
				t.Errorf("initiative %s: countries %v, want %v", i.Slug, got, want)
			}
		}
		for _, p := range out.BlogPosts.Nodes {
			want := m.post[p.Slug].Publisher
			if (want == nil) != (p.Publisher == nil) || (want != nil && p.Publisher.Slug != *want) {
				t.Errorf("post %s: publisher %v, want %v", p.Slug, p.Publisher, want)
			}
		}
		for _, s := range out.ToolkitSections.Nodes {
			want := m.sec[s.Slug]
			if (want.Parent == nil) != (s.Parent == nil) || (want.Parent != nil && s.Parent.Slug != *want.Parent) {
				t.Errorf("section %s: parent %v, want %v", s.Slug, s.Parent, want.Parent)
			}
			anc := relSlugs(s.Ancestors, func(a struct{ Slug string }) string { return a.Slug })
			if wantAnc := m.ancestors(s.Slug); !slices.Equal(anc, wantAnc) && !(len(anc) == 0 && len(wantAnc) == 0) {
				t.Errorf("section %s: ancestors %v, want %v (root first)", s.Slug, anc, wantAnc)
			}
			number := []string{}
			for _, a := range append(m.ancestors(s.Slug), s.Slug) {
				number = append(number, fmt.Sprint(m.sec[a].Order))
			}
			if s.Depth != len(m.ancestors(s.Slug)) || s.Number != strings.Join(number, ".") || s.Order != want.Order {
				t.Errorf("section %s: depth %d number %s order %d, want %d %s %d", s.Slug, s.Depth, s.Number, s.Order,
					len(m.ancestors(s.Slug)), strings.Join(number, "."), want.Order)
			}
		}
	})
}

// relWalk pages through the connection aliased `conn` under the root field aliased `parent` of query (which
// takes $first/$after/$last/$before), size items a page, forward or backward, and checks every page's
// information on the way. It returns the items in the connection's order.
func relWalk(t *testing.T, api *apitest.API, query string, vars map[string]any, size int, backward, typed bool, total int) []relWant {
	t.Helper()
	var all []relWant
	var cursor *string
	for page := 0; ; page++ {
		if page > total+2 {
			t.Fatalf("paging does not end after %d pages", page)
		}
		v := map[string]any{}
		for k, x := range vars {
			v[k] = x
		}
		if backward {
			v["last"], v["before"] = size, cursor
		} else {
			v["first"], v["after"] = size, cursor
		}
		var out struct {
			Parent struct {
				Conn relConn `json:"conn"`
			}
		}
		api.Must(t, query, v, &out)
		c := out.Parent.Conn
		if c.TotalCount != total {
			t.Errorf("page %d: totalCount %d, want %d", page, c.TotalCount, total)
		}
		if len(c.Edges) > size {
			t.Fatalf("page %d: %d edges, asked for %d", page, len(c.Edges), size)
		}
		got := c.wants(typed)
		pi := c.PageInfo
		more, prior := pi.HasNextPage, pi.HasPreviousPage
		if backward {
			more, prior = pi.HasPreviousPage, pi.HasNextPage
		}
		// The page information toward the paging direction is exact; the other side is true once a cursor
		// was given.
		if prior != (cursor != nil) {
			t.Errorf("page %d (%v): pageInfo %+v", page, map[bool]string{true: "backward", false: "forward"}[backward], pi)
		}
		if len(got) > 0 {
			if pi.StartCursor == nil || *pi.StartCursor != c.Edges[0].Cursor || pi.EndCursor == nil || *pi.EndCursor != c.Edges[len(c.Edges)-1].Cursor {
				t.Errorf("page %d: start/end cursors do not match the edges", page)
			}
		} else if pi.StartCursor != nil || pi.EndCursor != nil {
			t.Errorf("page %d: empty page with cursors", page)
		}
		if more && len(got) != size {
			t.Errorf("page %d: %d items and more pages follow", page, len(got))
		}
		if backward {
			all = append(got, all...)
			cursor = pi.StartCursor
		} else {
			all = append(all, got...)
			cursor = pi.EndCursor
		}
		if !more {
			return all
		}
		if len(got) == 0 {
			t.Fatalf("page %d: empty but hasNextPage", page)
		}
	}
}

// Nested connections page like root ones: one item (or two) at a time, forward with after and backward with
// before, they give every item exactly once and in order, with totalCount on every page.
func TestRelationsNestedPaging(t *testing.T) {
	d := relDataset()
	m := relModelOf(d)
	api := apitest.New(t, d)

	// the stakeholder in the most coalitions, and the country with the most stakeholders
	busiest, most := "", -1
	for _, s := range d.Stakeholders {
		if n := len(m.coalitionsOf(s.Slug, nil, nil, relCoalByName)); n > most {
			busiest, most = s.Slug, n
		}
	}
	perCountry := map[string][]string{}
	for _, s := range d.Stakeholders {
		if s.CountryCode != nil {
			perCountry[*s.CountryCode] = append(perCountry[*s.CountryCode], s.Slug)
		}
	}
	crowded := ""
	for code, ss := range perCountry {
		if crowded == "" || len(ss) > len(perCountry[crowded]) || (len(ss) == len(perCountry[crowded]) && code < crowded) {
			crowded = code
		}
	}
	const args = `first: $first, after: $after, last: $last, before: $before`
	const vars = `$first: Int, $after: String, $last: Int, $before: String`
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		typed bool
		want  []relWant
	}{
		{"Coalition.members", `query($slug: String, ` + vars + `) { parent: coalition(slug: $slug) {
  conn: members(` + args + `) { totalCount ` + relPageInfoSel + ` edges { cursor role since node { slug } } } } }`,
			map[string]any{"slug": "coalition-000"}, false, m.memberWants(m.membersOf("coalition-000", nil, nil), relStakeByName)},
		{"Coalition.members with roles and orderBy", `query($slug: String, ` + vars + `) { parent: coalition(slug: $slug) {
  conn: members(` + args + `, roles: [MEMBER, PARTNER], orderBy: [{field: COUNTRY, direction: DESC}, {field: NAME}]) {
    totalCount ` + relPageInfoSel + ` edges { cursor role since node { slug } } } } }`,
			map[string]any{"slug": "coalition-000"}, false,
			m.memberWants(m.membersOf("coalition-000", []string{"MEMBER", "PARTNER"}, nil), func(a, b seed.Stakeholder) int {
				if c := relNullsFirst(b.CountryCode, a.CountryCode); c != 0 {
					return c
				}
				return relStakeByName(a, b)
			})},
		{"Stakeholder.coalitions", `query($slug: String, ` + vars + `) { parent: stakeholder(slug: $slug) {
  conn: coalitions(` + args + `) { totalCount ` + relPageInfoSel + ` edges { cursor role since node { slug } } } } }`,
			map[string]any{"slug": busiest}, false, m.coalitionsOf(busiest, nil, nil, relCoalByName)},
		{"Country.stakeholders", `query($code: String, ` + vars + `) { parent: country(code: $code) {
  conn: stakeholders(` + args + `) { totalCount ` + relPageInfoSel + ` edges { cursor node { slug } } } } }`,
			map[string]any{"code": crowded}, false, m.stakeholderKeys(perCountry[crowded])},
		{"ToolkitSection.descendants", `query($slug: String, ` + vars + `) { parent: toolkitSection(slug: $slug) {
  conn: descendants(` + args + `) { totalCount ` + relPageInfoSel + ` edges { cursor node { slug } } } } }`,
			map[string]any{"slug": "chapter-1"}, false, relKeys(m.descendants("chapter-1"))},
		{"BlogPost.mentions", `query($slug: String, ` + vars + `) { parent: blogPost(slug: $slug) {
  conn: mentions(` + args + `) { totalCount ` + relPageInfoSel + ` edges { cursor node { ` + relContentSel + ` } } } } }`,
			map[string]any{"slug": "extra-a"}, true, m.mentionsOf("extra-a")},
		{"BlogPost.mentions with types", `query($slug: String, ` + vars + `) { parent: blogPost(slug: $slug) {
  conn: mentions(` + args + `, types: [COALITION, TOOLKIT_SECTION, BLOG_POST]) { totalCount ` + relPageInfoSel + ` edges { cursor node { ` + relContentSel + ` } } } } }`,
			map[string]any{"slug": "extra-a"}, true, m.mentionsOf("extra-a", content.TypeCoalition, content.TypeToolkitSection, content.TypeBlogPost)},
		{"Coalition.mentionedIn", `query($slug: String, ` + vars + `) { parent: coalition(slug: $slug) {
  conn: mentionedIn(` + args + `, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount ` + relPageInfoSel + ` edges { cursor node { slug } } } } }`,
			map[string]any{"slug": "coalition-000"}, false, relPostKeys(m.mentioning(content.TypeCoalition, "coalition-000"))},
		{"Stakeholder.posts", `query($slug: String, ` + vars + `) { parent: stakeholder(slug: $slug) {
  conn: posts(` + args + `, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount ` + relPageInfoSel + ` edges { cursor node { slug } } } } }`,
			map[string]any{"slug": "stakeholder-005"}, false, relPostKeys(m.contributedBy("stakeholder-005"))},
		{"Initiative.partners", `query($slug: String, ` + vars + `) { parent: initiative(slug: $slug) {
  conn: partners(` + args + `) { totalCount ` + relPageInfoSel + ` edges { cursor node { slug } } } } }`,
			map[string]any{"slug": "initiative-001"}, false, m.stakeholderKeys(m.init["initiative-001"].Partners)},
	}
	for _, c := range cases {
		if len(c.want) < 2 {
			t.Fatalf("%s: the dataset gives only %d items; paging needs more", c.name, len(c.want))
		}
		for _, size := range []int{1, 2} {
			for _, backward := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s size %d backward %v", c.name, size, backward), func(t *testing.T) {
					got := relWalk(t, api, c.query, c.vars, size, backward, c.typed, len(c.want))
					if !relSame(got, c.want) {
						t.Errorf("paged:\n got  %v\n want %v", got, c.want)
					}
				})
			}
		}
	}

	t.Run("cursor of another ordering is rejected", func(t *testing.T) {
		var out struct {
			Coalition struct{ Members relConn }
		}
		api.Must(t, `{ coalition(slug: "coalition-000") { members(first: 1) { edges { cursor } } } }`, nil, &out)
		if len(out.Coalition.Members.Edges) != 1 {
			t.Fatalf("no member")
		}
		api.Fails(t, "BAD_USER_INPUT", `query($after: String) { coalition(slug: "coalition-000") {
  members(first: 1, after: $after, orderBy: [{field: KIND}]) { edges { node { slug } } } } }`,
			map[string]any{"after": out.Coalition.Members.Edges[0].Cursor})
	})
}

// One query asks for nested connections of many parents: the batched loaders give each parent its own items,
// even when several relations, or the same relation with different arguments, are asked side by side.
func TestRelationsManyParentsInOneQuery(t *testing.T) {
	d := relDataset()
	m := relModelOf(d)
	api := apitest.New(t, d)

	firstN := func(ws []relWant, n int) []relWant { return ws[:min(n, len(ws))] }
	check := func(t *testing.T, what string, c relConn, typed bool, all []relWant, n int) {
		t.Helper()
		if g, w := c.wants(typed), firstN(all, n); !relSame(g, w) {
			t.Errorf("%s:\n got  %v\n want %v", what, g, w)
		}
		if c.TotalCount != len(all) {
			t.Errorf("%s: totalCount %d, want %d", what, c.TotalCount, len(all))
		}
		if c.PageInfo.HasNextPage != (len(all) > n) {
			t.Errorf("%s: hasNextPage %v with %d of %d", what, c.PageInfo.HasNextPage, n, len(all))
		}
	}

	t.Run("members of 50 coalitions", func(t *testing.T) {
		var out struct {
			Coalitions struct {
				Nodes []struct {
					Slug    string
					Members relConn
				}
			}
		}
		api.Must(t, `{ coalitions(first: 50) { nodes { slug members(first: 2) {
  totalCount `+relPageInfoSel+` edges { role since node { slug } } } } } }`, nil, &out)
		if len(out.Coalitions.Nodes) != len(d.Coalitions) {
			t.Fatalf("%d coalitions, want %d", len(out.Coalitions.Nodes), len(d.Coalitions))
		}
		for _, c := range out.Coalitions.Nodes {
			check(t, c.Slug+".members", c.Members, false, m.memberWants(m.membersOf(c.Slug, nil, nil), relStakeByName), 2)
		}
	})

	t.Run("same relation with different arguments side by side", func(t *testing.T) {
		var out struct {
			Coalitions struct {
				Nodes []struct {
					Slug                  string
					Coord, Member, People relConn
				}
			}
		}
		api.Must(t, `{ coalitions(first: 100) { nodes { slug
  coord: members(first: 100, roles: [COORDINATOR]) { totalCount `+relPageInfoSel+` edges { role since node { slug } } }
  member: members(first: 1, roles: [MEMBER]) { totalCount `+relPageInfoSel+` edges { role since node { slug } } }
  people: members(first: 100, filter: {kind: [PERSON]}) { totalCount `+relPageInfoSel+` edges { role since node { slug } } }
} } }`, nil, &out)
		for _, c := range out.Coalitions.Nodes {
			check(t, c.Slug+".coord", c.Coord, false, m.memberWants(m.membersOf(c.Slug, []string{"COORDINATOR"}, nil), relStakeByName), 100)
			check(t, c.Slug+".member", c.Member, false, m.memberWants(m.membersOf(c.Slug, []string{"MEMBER"}, nil), relStakeByName), 1)
			check(t, c.Slug+".people", c.People, false, m.memberWants(m.membersOf(c.Slug, nil, func(s seed.Stakeholder) bool { return s.Kind == "PERSON" }), relStakeByName), 100)
		}
	})

	// Every relation of a stakeholder in one query, with the same page arguments on each.
	t.Run("every relation of every stakeholder", func(t *testing.T) {
		var out struct {
			Stakeholders struct {
				Nodes []struct {
					Slug                                      string
					Coalitions, Initiatives, Posts, Mentioned relConn
				}
			}
		}
		api.Must(t, `{ stakeholders(first: 100) { nodes { slug
  coalitions(first: 2) { totalCount `+relPageInfoSel+` edges { role since node { slug } } }
  initiatives(first: 2) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  posts: posts(first: 2, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  mentioned: mentionedIn(first: 2, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount `+relPageInfoSel+` edges { node { slug } } }
} } }`, nil, &out)
		if len(out.Stakeholders.Nodes) != len(d.Stakeholders) {
			t.Fatalf("%d stakeholders, want %d", len(out.Stakeholders.Nodes), len(d.Stakeholders))
		}
		for _, s := range out.Stakeholders.Nodes {
			check(t, s.Slug+".coalitions", s.Coalitions, false, m.coalitionsOf(s.Slug, nil, nil, relCoalByName), 2)
			check(t, s.Slug+".initiatives", s.Initiatives, false,
				m.initiativesWhere(func(i seed.Initiative) bool { return slices.Contains(i.Partners, s.Slug) }), 2)
			check(t, s.Slug+".posts", s.Posts, false, relPostKeys(m.contributedBy(s.Slug)), 2)
			check(t, s.Slug+".mentionedIn", s.Mentioned, false, relPostKeys(m.mentioning(content.TypeStakeholder, s.Slug)), 2)
		}
	})

	t.Run("every relation of every coalition", func(t *testing.T) {
		var out struct {
			Coalitions struct {
				Nodes []struct {
					Slug                            string
					Members, Initiatives, Mentioned relConn
				}
			}
		}
		api.Must(t, `{ coalitions(first: 100) { nodes { slug
  members(first: 3) { totalCount `+relPageInfoSel+` edges { role since node { slug } } }
  initiatives(first: 3) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  mentioned: mentionedIn(first: 3, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount `+relPageInfoSel+` edges { node { slug } } }
} } }`, nil, &out)
		for _, c := range out.Coalitions.Nodes {
			check(t, c.Slug+".members", c.Members, false, m.memberWants(m.membersOf(c.Slug, nil, nil), relStakeByName), 3)
			check(t, c.Slug+".initiatives", c.Initiatives, false,
				m.initiativesWhere(func(i seed.Initiative) bool { return slices.Contains(i.Coalitions, c.Slug) }), 3)
			check(t, c.Slug+".mentionedIn", c.Mentioned, false, relPostKeys(m.mentioning(content.TypeCoalition, c.Slug)), 3)
		}
	})

	t.Run("every relation of every post, and of every country", func(t *testing.T) {
		var out struct {
			BlogPosts struct {
				Nodes []struct {
					Slug                         string
					Authors, Mentions, Mentioned relConn
				}
			}
			Countries struct {
				Nodes []struct {
					Code                                  string
					Coalitions, Stakeholders, Initiatives relConn
				}
			}
		}
		api.Must(t, `{
  blogPosts(first: 100) { nodes { slug
    authors(first: 1) { totalCount `+relPageInfoSel+` edges { node { slug } } }
    mentions(first: 2) { totalCount `+relPageInfoSel+` edges { node { `+relContentSel+` } } }
    mentioned: mentionedIn(first: 1, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  } }
  countries(first: 100) { nodes { code
    coalitions(first: 2) { totalCount `+relPageInfoSel+` edges { node { slug } } }
    stakeholders(first: 2) { totalCount `+relPageInfoSel+` edges { node { slug } } }
    initiatives(first: 2) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  } }
}`, nil, &out)
		for _, p := range out.BlogPosts.Nodes {
			check(t, p.Slug+".authors", p.Authors, false, m.stakeholderKeys(m.post[p.Slug].Authors), 1)
			check(t, p.Slug+".mentions", p.Mentions, true, m.mentionsOf(p.Slug), 2)
			check(t, p.Slug+".mentionedIn", p.Mentioned, false, relPostKeys(m.mentioning(content.TypeBlogPost, p.Slug)), 1)
		}
		for _, c := range out.Countries.Nodes {
			var cs, ss []string
			for _, x := range d.Coalitions {
				if x.CountryCode == c.Code {
					cs = append(cs, x.Slug)
				}
			}
			for _, x := range d.Stakeholders {
				if x.CountryCode != nil && *x.CountryCode == c.Code {
					ss = append(ss, x.Slug)
				}
			}
			check(t, c.Code+".coalitions", c.Coalitions, false, m.coalitionKeys(cs, relCoalByName), 2)
			check(t, c.Code+".stakeholders", c.Stakeholders, false, m.stakeholderKeys(ss), 2)
			check(t, c.Code+".initiatives", c.Initiatives, false,
				m.initiativesWhere(func(i seed.Initiative) bool { return slices.Contains(i.CountryCodes, c.Code) }), 2)
		}
	})

	t.Run("every relation of every toolkit section", func(t *testing.T) {
		var out struct {
			ToolkitSections struct {
				Nodes []struct {
					Slug                             string
					Children, Descendants, Mentioned relConn
				}
			}
		}
		api.Must(t, `{ toolkitSections(first: 100) { nodes { slug
  children(first: 1) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  descendants(first: 2) { totalCount `+relPageInfoSel+` edges { node { slug } } }
  mentioned: mentionedIn(first: 1, orderBy: [{field: PUBLISHED_ON, direction: DESC}, {field: TITLE}]) { totalCount `+relPageInfoSel+` edges { node { slug } } }
} } }`, nil, &out)
		for _, s := range out.ToolkitSections.Nodes {
			check(t, s.Slug+".children", s.Children, false, relKeys(relSlugs(m.children(s.Slug), func(x seed.Section) string { return x.Slug })), 1)
			check(t, s.Slug+".descendants", s.Descendants, false, relKeys(m.descendants(s.Slug)), 2)
			check(t, s.Slug+".mentionedIn", s.Mentioned, false, relPostKeys(m.mentioning(content.TypeToolkitSection, s.Slug)), 1)
		}
	})

	// Two levels: each coalition's members, and each member's coalitions (which include the coalition itself).
	t.Run("two levels deep", func(t *testing.T) {
		var out struct {
			Coalitions struct {
				Nodes []struct {
					Slug    string
					Members struct {
						Edges []struct {
							Role string
							Node struct {
								Slug       string
								Coalitions relConn
							}
						}
					}
				}
			}
		}
		api.Must(t, `{ coalitions(first: 100) { nodes { slug members(first: 10) { edges { role node { slug
  coalitions(first: 10) { totalCount `+relPageInfoSel+` edges { role since node { slug } } } } } } } } }`, nil, &out)
		for _, c := range out.Coalitions.Nodes {
			if len(c.Members.Edges) != len(m.coal[c.Slug].Members) {
				t.Errorf("%s: %d members, want %d", c.Slug, len(c.Members.Edges), len(m.coal[c.Slug].Members))
			}
			for _, e := range c.Members.Edges {
				check(t, c.Slug+"."+e.Node.Slug+".coalitions", e.Node.Coalitions, false, m.coalitionsOf(e.Node.Slug, nil, nil, relCoalByName), 10)
			}
		}
	})
}
