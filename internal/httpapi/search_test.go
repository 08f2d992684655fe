package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The search tests insert documents through the store's Put next to the generated fixture, and compute what a
// search must find, and in which order of relevance, from the documents themselves: the rule is the documented
// one (every query word is a word of the document's text, ignoring case and accents; the last may be a prefix),
// and the ranking tiers are the documented ones (name or title, then summary, excerpt, position, tags and slug,
// then the rest).

const searchQuery = `query($q: String!, $types: [ContentType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges {
      cursor
      score
      node {
        __typename
        ... on Coalition { slug }
        ... on Stakeholder { slug }
        ... on Initiative { slug }
        ... on ToolkitSection { slug }
        ... on BlogPost { slug }
      }
      snippet { field text html highlights { start length } }
    }
  }
}`

type searchResult struct {
	Search struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage     bool
			HasPreviousPage bool
			EndCursor       *string
		}
		Edges []searchEdge
	}
}

type searchEdge struct {
	Cursor string
	Score  float64
	Node   struct {
		Typename string `json:"__typename"`
		Slug     string
	}
	Snippet *struct {
		Field      string
		Text       string
		HTML       string
		Highlights []struct{ Start, Length int }
	}
}

// key names a hit as "Type:slug".
func (e searchEdge) key() string { return e.Node.Typename + ":" + e.Node.Slug }

func (r searchResult) keys() []string {
	out := []string{}
	for _, e := range r.Search.Edges {
		out = append(out, e.key())
	}
	return out
}

func search(t *testing.T, api *apitest.API, vars map[string]any) searchResult {
	t.Helper()
	var out searchResult
	api.Must(t, searchQuery, vars, &out)
	return out
}

// searchDoc is a document as the test sees it: its text by ranking tier.
type searchDoc struct {
	key               string
	title, lead, body []string
}

func (d searchDoc) texts() []string { return slices.Concat(d.title, d.lead, d.body) }

// tier is where the documented ranking places the best match of word in d: 6 title exact, 5 title prefix, 4 lead
// exact, 3 lead prefix, 2 body exact, 1 body prefix, 0 none.
func (d searchDoc) tier(word string, prefix bool) int {
	best := 0
	for i, texts := range [][]string{d.body, d.lead, d.title} {
		for _, w := range searchWords(strings.Join(texts, " ")) {
			switch {
			case w == word:
				best = max(best, 2*i+2)
			case prefix && strings.HasPrefix(w, word):
				best = max(best, 2*i+1)
			}
		}
	}
	return best
}

func opt(p *string) []string {
	if p == nil {
		return nil
	}
	return []string{*p}
}

// corpus is every searchable document of the dataset, as the schema documents the fields of each type.
func corpus(d *seed.Dataset) []searchDoc {
	var out []searchDoc
	for _, c := range d.Coalitions {
		out = append(out, searchDoc{"Coalition:" + c.Slug, []string{c.Name}, append(slices.Clone(c.Tags), c.Slug), append(opt(c.Description), c.CountryCode)})
	}
	for _, s := range d.Stakeholders {
		out = append(out, searchDoc{"Stakeholder:" + s.Slug, []string{s.Name}, append(opt(s.Position), s.Tags...), opt(s.Description)})
	}
	for _, i := range d.Initiatives {
		out = append(out, searchDoc{"Initiative:" + i.Slug, []string{i.Name}, i.Tags, opt(i.Description)})
	}
	for _, s := range d.ToolkitSections {
		out = append(out, searchDoc{"ToolkitSection:" + s.Slug, []string{s.Title}, append(opt(s.Summary), s.Tags...), opt(s.Body)})
	}
	for _, p := range d.BlogPosts {
		out = append(out, searchDoc{"BlogPost:" + p.Slug, []string{p.Title}, append(opt(p.Excerpt), p.Tags...), opt(p.Body)})
	}
	return out
}

// matching returns the keys of the documents of the corpus that q must find.
func matching(docs []searchDoc, q string) []string {
	out := []string{}
	for _, d := range docs {
		if len(searchWords(q)) > 0 && matchesSearch(q, d.texts()...) {
			out = append(out, d.key)
		}
	}
	slices.Sort(out)
	return out
}

func sp(s string) *string { return &s }

// searchAPI is the fixture plus documents written through Create: accented names in four scripts, and documents that
// hold the made-up word "quokka" in different fields, for ranking. It returns the API and the corpus of all.
func searchAPI(t *testing.T, n int) (*apitest.API, []searchDoc) {
	t.Helper()
	api := apitest.New(t, apitest.Fixture(n))
	ctx := content.WithPublishOnWrite(context.Background())
	long := strings.Repeat("The Coalition brings companies, schools and public bodies together. ", 4) +
		"🎉 In 2019 the office in Łódź <b>opened</b> & trained 300 people. " + strings.Repeat("Training continues every year with new partners. ", 4)
	stakeholders := []*content.Stakeholder{
		{Slug: "bjorn", Name: "Bjørn Stakeholder", Kind: "PERSON", Category: "NGO", Position: sp("Digital Champion"), Description: sp("Runs a club on Ærø.")},
		{Slug: "quokkas-united", Name: "Quokkas United", Kind: "ORGANISATION", Category: "NGO"},
		{Slug: "ranger", Name: "Ranger", Kind: "PERSON", Category: "NGO", Description: sp("Counts every quokka on the island.")},
	}
	coalitions := []*content.Coalition{
		{Slug: "ellada", Name: "Ελλάδα coalition", CountryCode: "GR", Status: "ACTIVE", Scope: "NATIONAL", Description: sp("Εθνικός συνασπισμός για τις ψηφιακές δεξιότητες.")},
		{Slug: "quokka-coalition", Name: "Quokka coalition", CountryCode: "AT", Status: "ACTIVE", Scope: "LOCAL"},
		{Slug: "quokka-island-trust", Name: "Quokka Island Trust", CountryCode: "AT", Status: "ACTIVE", Scope: "LOCAL"},
		{Slug: "watchers", Name: "Quokka watchers", CountryCode: "AT", Status: "FORMING", Scope: "LOCAL", Description: sp("They meet on an island.")},
	}
	initiatives := []*content.Initiative{
		{Slug: "lodz-initiative", Name: "Łódź initiative", Scope: "LOCAL", Description: &long, CountryCodes: []string{"PL"}, PartnerIDs: []string{}, CoalitionIDs: []string{}},
		{Slug: "marsupial-fund", Name: "Marsupial fund", Scope: "LOCAL", Tags: []string{"quokka"}, CountryCodes: []string{}, PartnerIDs: []string{}, CoalitionIDs: []string{}},
	}
	sections := []*content.ToolkitSection{
		{Slug: "cestina-toolkit", Title: "Čeština toolkit", Summary: sp("Jak začít s koalicí."), Body: &long, Order: 9001, Position: "9001", Number: "9001", AncestorIDs: []string{}},
		{Slug: "field-notes", Title: "Field notes", Summary: sp("About the quokka."), Order: 9002, Position: "9002", Number: "9002", AncestorIDs: []string{}},
	}
	posts := []*content.BlogPost{
		{Slug: "weekend", Title: "Weekend", Body: sp("We saw a quokka."), AuthorIDs: []string{}, MentionKeys: []string{}},
	}
	put := func(_ any, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	extra := &seed.Dataset{}
	for _, s := range stakeholders {
		put(api.Store.Stakeholders().Create(ctx, s))
		extra.Stakeholders = append(extra.Stakeholders, seed.Stakeholder{Slug: s.Slug, Name: s.Name, Position: s.Position, Description: s.Description, Tags: s.Tags})
	}
	for _, c := range coalitions {
		put(api.Store.Coalitions().Create(ctx, c))
		extra.Coalitions = append(extra.Coalitions, seed.Coalition{Slug: c.Slug, Name: c.Name, CountryCode: c.CountryCode, Description: c.Description, Tags: c.Tags})
	}
	for _, i := range initiatives {
		put(api.Store.Initiatives().Create(ctx, i))
		extra.Initiatives = append(extra.Initiatives, seed.Initiative{Slug: i.Slug, Name: i.Name, Description: i.Description, Tags: i.Tags})
	}
	for _, s := range sections {
		put(api.Store.ToolkitSections().Create(ctx, s))
		extra.ToolkitSections = append(extra.ToolkitSections, seed.Section{Slug: s.Slug, Title: s.Title, Summary: s.Summary, Body: s.Body})
	}
	for _, p := range posts {
		put(api.Store.BlogPosts().Create(ctx, p))
		extra.BlogPosts = append(extra.BlogPosts, seed.BlogPost{Slug: p.Slug, Title: p.Title, Body: p.Body})
	}
	return api, append(corpus(api.Data), corpus(extra)...)
}

// Accents and case are ignored on both sides: the documents written with Ø, Greek tonos, Ł and háček are found by
// plain lower-case queries, and by accented upper-case ones.
func TestSearchIgnoresAccentsAndCase(t *testing.T) {
	api, docs := searchAPI(t, 8)
	for q, want := range map[string]string{
		"bjorn": "Stakeholder:bjorn", "BJØRN": "Stakeholder:bjorn",
		"ελλαδα": "Coalition:ellada", "ΕΛΛΆΔΑ": "Coalition:ellada",
		"lodz": "Initiative:lodz-initiative", "ŁÓDŹ": "Initiative:lodz-initiative",
		"cestina": "ToolkitSection:cestina-toolkit", "ČEŠTINA toolkit": "ToolkitSection:cestina-toolkit",
	} {
		t.Run(q, func(t *testing.T) {
			got := search(t, api, map[string]any{"q": q, "first": 100})
			if !slices.Contains(got.keys(), want) {
				t.Errorf("%q does not find %s: %v", q, want, got.keys())
			}
			if w := matching(docs, q); !slices.Equal(sorted(got.keys()), w) || got.Search.TotalCount != len(w) {
				t.Errorf("%q finds %v (totalCount %d), want %v", q, sorted(got.keys()), got.Search.TotalCount, w)
			}
		})
	}
}

// The last word matches the beginning of a word; the others only whole words.
func TestSearchLastWordIsAPrefix(t *testing.T) {
	api, docs := searchAPI(t, 8)
	for _, c := range []struct {
		q    string
		want string // a document that must be among the hits; "" when there must be none
	}{
		{"bjo", "Stakeholder:bjorn"},
		{"stakeholder bjo", "Stakeholder:bjorn"},
		{"bjorn stake", "Stakeholder:bjorn"},
		{"ελλ", "Coalition:ellada"},
		{"ło", "Initiative:lodz-initiative"},
		{"bjo stakeholder", ""},
		{"cest toolkit", ""},
	} {
		got := search(t, api, map[string]any{"q": c.q, "first": 100})
		want := matching(docs, c.q)
		if !slices.Equal(sorted(got.keys()), want) {
			t.Errorf("%q finds %v, want %v", c.q, sorted(got.keys()), want)
		}
		if (c.want == "") != (len(want) == 0) || (c.want != "" && !slices.Contains(got.keys(), c.want)) {
			t.Errorf("%q: want %q among %v", c.q, c.want, got.keys())
		}
	}
}

// Hits come in order of the documented tiers of their matches: a name or title match above a summary, excerpt
// or tag match, above a description or body match; an exact word above a prefix; more words in a higher tier
// above fewer. Each tier scores strictly more than the one below it.
func TestSearchRanksByWhereTheWordsAre(t *testing.T) {
	api, docs := searchAPI(t, 8)
	byKey := map[string]searchDoc{}
	for _, d := range docs {
		byKey[d.key] = d
	}
	for _, q := range []string{"quokka", "quok", "quokka island", "quokka isl", "digital", "lodz"} {
		t.Run(q, func(t *testing.T) {
			got := search(t, api, map[string]any{"q": q, "first": 100})
			if w := matching(docs, q); !slices.Equal(sorted(got.keys()), w) {
				t.Fatalf("finds %v, want %v", sorted(got.keys()), w)
			}
			words := searchWords(q)
			// rank: the tiers of the query words, the best first, so that comparing ranks compares tiers word by word
			rank := func(e searchEdge) []int {
				var r []int
				for i, w := range words {
					r = append(r, byKey[e.key()].tier(w, i == len(words)-1))
				}
				slices.Sort(r)
				slices.Reverse(r)
				return r
			}
			edges := got.Search.Edges
			for i := 1; i < len(edges); i++ {
				a, b := rank(edges[i-1]), rank(edges[i])
				if c := slices.Compare(a, b); c < 0 || (c > 0 && edges[i-1].Score <= edges[i].Score) {
					t.Errorf("%s (tiers %v, score %v) comes before %s (tiers %v, score %v)", edges[i-1].key(), a, edges[i-1].Score, edges[i].key(), b, edges[i].Score)
				}
			}
		})
	}
	// the ranking documents themselves, computed above, in the order the tiers give
	got := search(t, api, map[string]any{"q": "quokka", "first": 100}).keys()
	before := func(a, b string) {
		if i, j := slices.Index(got, a), slices.Index(got, b); i < 0 || j < 0 || i > j {
			t.Errorf("%s should come before %s: %v", a, b, got)
		}
	}
	before("Coalition:quokka-coalition", "Stakeholder:quokkas-united") // title: exact before prefix
	before("Stakeholder:quokkas-united", "Initiative:marsupial-fund")  // title prefix before a tag
	before("Initiative:marsupial-fund", "BlogPost:weekend")            // tag before body
	before("ToolkitSection:field-notes", "Stakeholder:ranger")         // summary before description
	two := search(t, api, map[string]any{"q": "quokka island", "first": 100}).keys()
	if i, j := slices.Index(two, "Coalition:quokka-island-trust"), slices.Index(two, "Coalition:watchers"); i < 0 || j < 0 || i > j {
		t.Errorf("two words in the name should come before one in the name and one in the description: %v", two)
	}
}

// The order within a score is the documented tie-break: type, then name ignoring case and accents.
func TestSearchTieBreak(t *testing.T) {
	api, docs := searchAPI(t, 8)
	got := search(t, api, map[string]any{"q": "digital", "first": 100})
	typeRank := map[string]int{"Coalition": 0, "Stakeholder": 1, "Initiative": 2, "ToolkitSection": 3, "BlogPost": 4}
	names := map[string]string{}
	for _, d := range docs {
		names[d.key] = d.title[0]
	}
	edges := got.Search.Edges
	ties := 0
	for i := 1; i < len(edges); i++ {
		a, b := edges[i-1], edges[i]
		if a.Score != b.Score {
			continue
		}
		ties++
		if ta, tb := typeRank[a.Node.Typename], typeRank[b.Node.Typename]; ta > tb || (ta == tb && relFold(names[a.key()]) > relFold(names[b.key()])) {
			t.Errorf("tie at %v: %s before %s", a.Score, a.key(), b.key())
		}
	}
	if ties == 0 {
		t.Fatalf("no ties to check in %v", got.keys())
	}
}

// types narrows the hits to some types, in the same order.
func TestSearchTypes(t *testing.T) {
	api, _ := searchAPI(t, 8)
	all := search(t, api, map[string]any{"q": "digital", "first": 100})
	for _, types := range [][]string{{"STAKEHOLDER"}, {"COALITION", "INITIATIVE"}, {"BLOG_POST", "TOOLKIT_SECTION", "BLOG_POST"}} {
		names := map[string]bool{}
		for _, ty := range types {
			names[map[string]string{"COALITION": "Coalition", "STAKEHOLDER": "Stakeholder", "INITIATIVE": "Initiative",
				"TOOLKIT_SECTION": "ToolkitSection", "BLOG_POST": "BlogPost"}[ty]] = true
		}
		var want []string
		for _, e := range all.Search.Edges {
			if names[e.Node.Typename] {
				want = append(want, e.key())
			}
		}
		got := search(t, api, map[string]any{"q": "digital", "types": types, "first": 100})
		if !slices.Equal(got.keys(), want) || got.Search.TotalCount != len(want) {
			t.Errorf("types %v: got %v (totalCount %d), want %v", types, got.keys(), got.Search.TotalCount, want)
		}
	}
	empty := search(t, api, map[string]any{"q": "digital", "types": []string{}, "first": 100})
	if !slices.Equal(empty.keys(), all.keys()) {
		t.Errorf("types: [] should search all types: %v", empty.keys())
	}
}

// Paging with cursors walks the same list as one big page, with totalCount on every page.
func TestSearchPaging(t *testing.T) {
	api, docs := searchAPI(t, 8)
	for _, q := range []string{"digital", "coalition", "s"} {
		full := search(t, api, map[string]any{"q": q, "first": 100})
		if n := len(matching(docs, q)); full.Search.TotalCount != n || n < 10 || n > 100 {
			t.Fatalf("%q: totalCount %d, want %d (between 10 and 100 for this test)", q, full.Search.TotalCount, n)
		}
		var walked []string
		vars := map[string]any{"q": q, "first": 3}
		for pages := 0; ; pages++ {
			p := search(t, api, vars)
			walked = append(walked, p.keys()...)
			if p.Search.TotalCount != full.Search.TotalCount || p.Search.PageInfo.HasPreviousPage != (pages > 0) {
				t.Errorf("%q page %d: totalCount %d, hasPreviousPage %v", q, pages, p.Search.TotalCount, p.Search.PageInfo.HasPreviousPage)
			}
			if !p.Search.PageInfo.HasNextPage {
				break
			}
			if pages > 40 {
				t.Fatalf("%q: paging does not end", q)
			}
			vars["after"] = *p.Search.PageInfo.EndCursor
		}
		if !slices.Equal(walked, full.keys()) {
			t.Errorf("%q: pages of 3 give\n%v\none page gives\n%v", q, walked, full.keys())
		}
	}
	def := search(t, api, map[string]any{"q": "s"})
	if len(def.Search.Edges) != 20 || !def.Search.PageInfo.HasNextPage || def.Search.TotalCount <= 20 {
		t.Errorf("default page: %d hits of %d, hasNextPage %v", len(def.Search.Edges), def.Search.TotalCount, def.Search.PageInfo.HasNextPage)
	}
}

// slice16 slices text by a range of UTF-16 code units, as JavaScript's substring does.
func slice16(text string, start, length int) string {
	units := utf16.Encode([]rune(text))
	if start < 0 || length <= 0 || start+length > len(units) {
		return ""
	}
	return string(utf16.Decode(units[start : start+length]))
}

// Every highlight of every snippet is a word of the query (the last one as a prefix), found by slicing the text
// the way JavaScript does; the HTML is the escaped text with <mark> around exactly those ranges.
func TestSearchSnippets(t *testing.T) {
	api, _ := searchAPI(t, 8)
	for _, q := range []string{"lodz opened", "ŁÓDŹ", "bjorn", "ελλαδα", "cestina", "quokka isl", "digital", "training"} {
		got := search(t, api, map[string]any{"q": q, "first": 100})
		words := searchWords(q)
		for _, e := range got.Search.Edges {
			s := e.Snippet
			if s == nil {
				t.Errorf("%q: %s has no snippet", q, e.key())
				continue
			}
			if len(s.Highlights) == 0 {
				t.Errorf("%q: %s: no highlights in %q", q, e.key(), s.Text)
			}
			var want strings.Builder
			at := 0
			for _, h := range s.Highlights {
				word := slice16(s.Text, h.Start, h.Length)
				folded := searchWords(word)
				if len(folded) != 1 || !slices.ContainsFunc(words, func(w string) bool {
					return folded[0] == w || (w == words[len(words)-1] && strings.HasPrefix(folded[0], w))
				}) {
					t.Errorf("%q: %s: highlight %+v is %q in %q", q, e.key(), h, word, s.Text)
				}
				want.WriteString(html.EscapeString(slice16(s.Text, at, h.Start-at)) + "<mark>" + html.EscapeString(word) + "</mark>")
				at = h.Start + h.Length
			}
			want.WriteString(html.EscapeString(slice16(s.Text, at, len(utf16.Encode([]rune(s.Text)))-at)))
			if s.HTML != want.String() {
				t.Errorf("%q: %s: html %q, want %q", q, e.key(), s.HTML, want.String())
			}
			if n := utf8.RuneCountInString(strings.Trim(s.Text, "…")); n > 160 {
				t.Errorf("%q: %s: snippet of %d characters", q, e.key(), n)
			}
		}
	}
	// the long description is cut around the match, which keeps its accents, next to an emoji and HTML
	got := search(t, api, map[string]any{"q": "lodz opened", "first": 100})
	var s *struct {
		Field      string
		Text       string
		HTML       string
		Highlights []struct{ Start, Length int }
	}
	for _, e := range got.Search.Edges {
		if e.key() == "Initiative:lodz-initiative" {
			s = e.Snippet
		}
	}
	if s == nil || s.Field != "description" || !strings.HasPrefix(s.Text, "…") || !strings.HasSuffix(s.Text, "…") ||
		!strings.Contains(s.HTML, "🎉 In 2019 the office in <mark>Łódź</mark> &lt;b&gt;<mark>opened</mark>&lt;/b&gt; &amp; trained") {
		t.Errorf("snippet of the long description: %+v", s)
	}
}

// An empty or word-less query is an empty connection; too long a query, a bad page size or a cursor of another
// search or list is BAD_USER_INPUT naming the argument.
func TestSearchBadInput(t *testing.T) {
	api, _ := searchAPI(t, 4)
	for _, q := range []string{"", "   ", "!!! ... ---"} {
		got := search(t, api, map[string]any{"q": q})
		if got.Search.TotalCount != 0 || len(got.Search.Edges) != 0 || got.Search.PageInfo.HasNextPage {
			t.Errorf("%q: %+v", q, got.Search)
		}
	}
	other := search(t, api, map[string]any{"q": "quokka", "first": 1}).Search.PageInfo.EndCursor
	narrowed := search(t, api, map[string]any{"q": "digital", "types": []string{"STAKEHOLDER"}, "first": 1}).Search.PageInfo.EndCursor
	var list struct {
		Coalitions struct{ PageInfo struct{ EndCursor string } }
	}
	api.Must(t, `{ coalitions(first: 1) { pageInfo { endCursor } } }`, nil, &list)
	for _, c := range []struct {
		name, argument string
		vars           map[string]any
	}{
		{"21 words", "query", map[string]any{"q": strings.Repeat("word ", 21)}},
		{"201 characters", "query", map[string]any{"q": strings.Repeat("é", 201)}},
		{"first 0", "first", map[string]any{"q": "digital", "first": 0}},
		{"first 101", "first", map[string]any{"q": "digital", "first": 101}},
		{"malformed cursor", "after", map[string]any{"q": "digital", "after": "not-a-cursor"}},
		{"cursor of another query", "after", map[string]any{"q": "digital", "after": *other}},
		{"cursor of other types", "after", map[string]any{"q": "digital", "after": *narrowed}},
		{"cursor of a list", "after", map[string]any{"q": "digital", "after": list.Coalitions.PageInfo.EndCursor}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := api.Fails(t, content.EInvalid, searchQuery, c.vars)
			if e.Extensions["argument"] != c.argument {
				t.Errorf("argument %v, want %s (%s)", e.Extensions["argument"], c.argument, e.Message)
			}
		})
	}
	// A variable's value outside its enum is the client's input, a request error at variable.types.0.
	if e := api.Fails(t, content.EInvalid, searchQuery, map[string]any{"q": "digital", "types": []string{"COUNTRY"}}); pathString(e.Path) != "variable.types.0" {
		t.Errorf("path %v", e.Path)
	}
	e := api.Fails(t, content.EInvalid, `query($f: CoalitionFilter) { coalitions(filter: $f) { totalCount } }`,
		map[string]any{"f": obj{"or": []obj{{"search": strings.Repeat("word ", 21)}}}})
	if e.Extensions["argument"] != "filter.search" {
		t.Errorf("filter search of 21 words: argument %v", e.Extensions["argument"])
	}
}

// A search issues one query of the search entries and one per type on the page, however many documents match;
// where the store reads whole collections for an $in (the embedded store), one by id per item on the page.
func TestSearchCommands(t *testing.T) {
	for _, n := range []int{8, 40} {
		api := apitest.New(t, apitest.Fixture(n))
		for _, c := range []struct {
			types []string
		}{{nil}, {[]string{"STAKEHOLDER", "COALITION"}}} {
			got := search(t, api, map[string]any{"q": "digital", "types": c.types, "first": 100})
			onPage := map[string]bool{}
			for _, e := range got.Search.Edges {
				onPage[e.Node.Typename] = true
			}
			if got.Search.TotalCount < n {
				t.Fatalf("%d hits in fixture %d", got.Search.TotalCount, n)
			}
			names := api.CommandNames()
			loads := len(onPage)
			if api.Store.ReadsByIDOnly() {
				loads = len(got.Search.Edges)
			}
			if want := 1 + loads; len(names) != want || slices.ContainsFunc(names, func(s string) bool { return s != "find" }) {
				t.Errorf("fixture %d, types %v, %d hits of %d types: commands %v, want %d finds", n, c.types, got.Search.TotalCount, len(onPage), names, want)
			}
		}
	}
}

// The search argument of every list filter finds the same documents as search narrowed to that type.
func TestListSearchFilterMatchesSearch(t *testing.T) {
	api, _ := searchAPI(t, 8)
	lists := map[string]listSpec{"COALITION": coalitionList, "STAKEHOLDER": stakeholderList, "INITIATIVE": initiativeList,
		"TOOLKIT_SECTION": toolkitList, "BLOG_POST": blogPostList}
	for _, q := range []string{"lodz", "bjo", "ελλαδα", "cestina", "quokka", "quok", "digital inc", "island quokka", "coalition 00", "digital champ"} {
		for ty, l := range lists {
			keys, total, _, ok := filterList(t, api, l, obj{"search": q})
			if !ok {
				continue
			}
			got := search(t, api, map[string]any{"q": q, "types": []string{ty}, "first": 100})
			var want []string
			for _, e := range got.Search.Edges {
				want = append(want, e.Node.Slug)
			}
			if !slices.Equal(sorted(keys), sorted(want)) || total != got.Search.TotalCount {
				t.Errorf("%q on %s: the list filter finds %v, search finds %v", q, l.field, sorted(keys), sorted(want))
			}
		}
	}
}

// A database written by an older build (no title or lead words, keywords without tags) is re-indexed on start-up
// and then ranks like a fresh one; nothing else of the documents changes.
func TestSearchReindexesOldDocuments(t *testing.T) {
	ctx := context.Background()
	db := apitest.Database(t)

	// documents as the previous build's Put wrote them: sortName and keywords (name, slug, description, country)
	changed := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	old := func(id, slug, name, desc string, tags ...string) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "slug", Value: slug}, {Key: "name", Value: name}, {Key: "countryCode", Value: "AT"},
			{Key: "status", Value: "ACTIVE"}, {Key: "scope", Value: "LOCAL"}, {Key: "description", Value: desc},
			{Key: "focusAreas", Value: bson.A{}}, {Key: "tags", Value: tags}, {Key: "updatedAt", Value: changed},
			{Key: "sortName", Value: content.Fold(name)}, {Key: "keywords", Value: searchWords(name + " " + slug + " " + desc + " AT")}}
	}
	if _, err := db.Collection("coalitions").InsertMany(ctx, []any{
		old("c1", "body", "Alpine network", "Watches every quokka."),
		old("c2", "tagged", "Coastal network", "Beaches.", "quokka"),
		old("c3", "named", "Quokka network", "Small."),
	}); err != nil {
		t.Fatal(err)
	}
	store := mongostore.New(db)
	if err := store.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(store, httpapi.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CORSOrigins: []string{"*"}}))
	defer srv.Close()
	body, _ := json.Marshal(map[string]any{"query": `{ search(query: "quokka") { totalCount edges { node { ... on Coalition { slug updatedAt } } } } }`})
	res, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Search struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Slug, UpdatedAt string }
				}
			}
		}
		Errors []any
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("%v %v", err, out.Errors)
	}
	var slugs []string
	for _, e := range out.Data.Search.Edges {
		slugs = append(slugs, e.Node.Slug)
		if e.Node.UpdatedAt != changed.Format(time.RFC3339) {
			t.Errorf("%s: updatedAt %s, want %s unchanged", e.Node.Slug, e.Node.UpdatedAt, changed.Format(time.RFC3339))
		}
	}
	if want := []string{"named", "tagged", "body"}; !slices.Equal(slugs, want) || out.Data.Search.TotalCount != 3 {
		t.Errorf("after re-indexing, search finds %v (totalCount %d), want %v", slugs, out.Data.Search.TotalCount, want)
	}
	n, err := db.Collection("coalitions").CountDocuments(ctx, bson.D{{Key: "indexVersion", Value: content.IndexVersion}})
	if err != nil || n != 3 {
		t.Errorf("%d documents at index version %d (%v), want 3", n, content.IndexVersion, err)
	}
}

// The search follows every write at once, in each stage: a draft rename is found in the draft stage only, its
// publication in both, an unpublication in the draft stage only again, and a deletion nowhere.
func TestSearchFollowsWrites(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(3))
	auth := "Authorization: " + api.Editor(t).Get("Authorization")
	draft := http.Header{"Authorization": {api.Editor(t).Get("Authorization")}, "Stage": {"DRAFT"}}
	count := func(h http.Header) int {
		t.Helper()
		var out struct{ Search struct{ TotalCount int } }
		r := api.QueryWith(h, `{ search(query: "zqxfollows") { totalCount } }`, nil)
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
			t.Fatalf("search: %s %+v", r.Data, r.Errors)
		}
		return out.Search.TotalCount
	}
	check := func(step string, published, drafted int) {
		t.Helper()
		if p, d := count(nil), count(draft); p != published || d != drafted {
			t.Errorf("%s: the published stage finds %d, the draft stage %d; want %d and %d", step, p, d, published, drafted)
		}
	}
	check("before", 0, 0)
	editName(t, api, auth, "coalition-001", "Zqxfollows coalition", false)
	check("renamed in the draft", 0, 1)
	editName(t, api, auth, "coalition-001", "Zqxfollows coalition, again", true)
	check("published", 1, 1)
	var c struct {
		Coalition struct {
			ID      string
			Version int
		}
	}
	api.Must(t, `{ coalition(slug: "coalition-001") { id version } }`, nil, &c)
	stage := func(mutation string) {
		t.Helper()
		api.Must(t, `{ coalition(slug: "coalition-001") { id version } }`, nil, &c) // the published one's id
		var v struct{ Coalition struct{ Version int } }
		if r := api.QueryWith(draft, `{ coalition(slug: "coalition-001") { version } }`, nil); json.Unmarshal(r.Data, &v) != nil {
			t.Fatalf("%s: %s", mutation, r.Data)
		}
		if r := api.QueryWith(draft, `mutation($id: ID!, $v: Int!) { `+mutation+`(id: $id, expectedVersion: $v) { __typename } }`,
			map[string]any{"id": c.Coalition.ID, "v": v.Coalition.Version}); len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", mutation, r.Errors)
		}
	}
	stage("unpublishCoalition")
	check("unpublished", 0, 1)
	var d struct {
		Coalition struct {
			ID      string
			Version int
		}
	}
	if r := api.QueryWith(draft, `{ coalition(slug: "coalition-001") { id version } }`, nil); json.Unmarshal(r.Data, &d) != nil {
		t.Fatal(string(r.Data))
	}
	if r := api.QueryWith(draft, `mutation($id: ID!, $v: Int!) { deleteCoalition(id: $id, expectedVersion: $v, detach: true) { deletedId } }`,
		map[string]any{"id": d.Coalition.ID, "v": d.Coalition.Version}); len(r.Errors) > 0 {
		t.Fatalf("delete: %+v", r.Errors)
	}
	check("deleted", 0, 0)
}
