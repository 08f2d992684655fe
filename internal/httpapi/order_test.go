package httpapi_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// The order tests page through every root list, in every ordering, three items at a time, forward and backward,
// and check the sequence against sort keys computed here from the dataset (updatedAt, which the store sets, is
// read from the API).

// orderNode is one item of a list as the API returns it.
type orderNode map[string]any

func (n orderNode) key() string { s, _ := n["key"].(string); return s }

// orderList describes a root list for the order tests.
type orderList struct {
	field, orderType, keyField, selection string
	// all is every key (slug or code) of the dataset.
	all []string
	// sortKey returns the value an order field sorts the item by: nil when unknown, else a string, a float64, a
	// time.Time or an []int (an outline number).
	sortKey map[string]func(orderNode) any
}

// orderKey is one key of an orderBy.
type orderKey struct {
	field string
	desc  bool
}

func (k orderKey) input() obj {
	dir := "ASC"
	if k.desc {
		dir = "DESC"
	}
	return obj{"field": k.field, "direction": dir}
}

func (k orderKey) String() string {
	if k.desc {
		return k.field + "_DESC"
	}
	return k.field + "_ASC"
}

// compareSortValues orders two sort values: unknown (nil) first, then by value.
func compareSortValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case time.Time:
		return x.Compare(b.(time.Time))
	case []int:
		return slices.Compare(x, b.([]int))
	}
	panic(fmt.Sprintf("test bug: cannot compare %T", a))
}

// compareUnder compares two items under an ordering: key by key, each in its direction.
func (l orderList) compareUnder(keys []orderKey, a, b orderNode) int {
	for _, k := range keys {
		c := compareSortValues(l.sortKey[k.field](a), l.sortKey[k.field](b))
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func (l orderList) describe(keys []orderKey, n orderNode) string {
	var parts []string
	for _, k := range keys {
		v := l.sortKey[k.field](n)
		if t, ok := v.(time.Time); ok {
			v = t.Format(time.RFC3339Nano)
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k.field, v))
	}
	return n.key() + "{" + strings.Join(parts, " ") + "}"
}

type orderPage struct {
	List struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Edges []struct {
			Cursor string
			Node   orderNode
		}
	}
}

func (l orderList) query() string {
	return fmt.Sprintf(`query($o: [%s!], $first: Int, $after: String, $last: Int, $before: String, $total: Boolean = false) {
	  list: %s(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {
	    totalCount @include(if: $total) pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	    edges { cursor node { key: %s %s } }
	  }
	}`, l.orderType, l.field, l.keyField, l.selection)
}

// fetchPage gets one page; orderBy nil means the default ordering (no argument).
func (l orderList) fetchPage(t *testing.T, api *apitest.API, orderBy []obj, vars map[string]any) (orderPage, bool) {
	t.Helper()
	if orderBy != nil {
		vars["o"] = orderBy
	}
	var p orderPage
	if !api.Check(t, l.query(), vars, &p) {
		return p, false
	}
	e := p.List.Edges
	info := p.List.PageInfo
	if len(e) > 0 && (info.StartCursor == nil || *info.StartCursor != e[0].Cursor || info.EndCursor == nil || *info.EndCursor != e[len(e)-1].Cursor) {
		t.Errorf("pageInfo start/end cursors do not match the first and last edges' cursors (vars %v)", vars)
	}
	if vars["total"] == true && p.List.TotalCount != len(l.all) {
		t.Errorf("totalCount %d, want %d", p.List.TotalCount, len(l.all))
	}
	return p, true
}

const orderPageSize = 3

// pageForward follows endCursor with first: 3 until hasNextPage is false.
func (l orderList) pageForward(t *testing.T, api *apitest.API, orderBy []obj) ([]orderNode, bool) {
	t.Helper()
	var out []orderNode
	var after any
	for page := 0; ; page++ {
		if page > len(l.all)+2 {
			t.Errorf("forward paging does not end after %d pages", page)
			return out, false
		}
		p, ok := l.fetchPage(t, api, orderBy, map[string]any{"first": orderPageSize, "after": after})
		if !ok {
			return out, false
		}
		info := p.List.PageInfo
		if info.HasPreviousPage != (page > 0) {
			t.Errorf("forward page %d: hasPreviousPage %v", page, info.HasPreviousPage)
		}
		if n := len(p.List.Edges); n != orderPageSize && (info.HasNextPage || n == 0 && page > 0) {
			t.Errorf("forward page %d has %d items (hasNextPage %v)", page, n, info.HasNextPage)
		}
		for _, e := range p.List.Edges {
			out = append(out, e.Node)
		}
		if !info.HasNextPage {
			return out, true
		}
		if info.EndCursor == nil {
			t.Errorf("forward page %d: hasNextPage without endCursor", page)
			return out, false
		}
		after = *info.EndCursor
	}
}

// pageBackward follows startCursor with last: 3 until hasPreviousPage is false, and returns the items in order.
func (l orderList) pageBackward(t *testing.T, api *apitest.API, orderBy []obj) ([]orderNode, bool) {
	t.Helper()
	var pages [][]orderNode
	var before any
	for page := 0; ; page++ {
		if page > len(l.all)+2 {
			t.Errorf("backward paging does not end after %d pages", page)
			return nil, false
		}
		p, ok := l.fetchPage(t, api, orderBy, map[string]any{"last": orderPageSize, "before": before})
		if !ok {
			return nil, false
		}
		info := p.List.PageInfo
		if n := len(p.List.Edges); n != orderPageSize && info.HasPreviousPage {
			t.Errorf("backward page %d has %d items and hasPreviousPage", page, n)
		}
		var items []orderNode
		for _, e := range p.List.Edges {
			items = append(items, e.Node)
		}
		pages = append(pages, items)
		if !info.HasPreviousPage {
			break
		}
		if info.StartCursor == nil {
			t.Errorf("backward page %d: hasPreviousPage without startCursor", page)
			return nil, false
		}
		before = *info.StartCursor
	}
	var out []orderNode
	for i := len(pages) - 1; i >= 0; i-- {
		out = append(out, pages[i]...)
	}
	return out, true
}

func nodeKeys(ns []orderNode) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.key()
	}
	return out
}

// checkSequence checks that seq holds every item once and is ordered by keys.
func (l orderList) checkSequence(t *testing.T, what string, keys []orderKey, seq []orderNode) {
	t.Helper()
	got := nodeKeys(seq)
	if d := dupes(got); len(d) > 0 {
		t.Errorf("%s: duplicates %v in %v", what, d, got)
	}
	if missing, extra := setDiff(l.all, got); len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: missing %v, unexpected %v", what, missing, extra)
	}
	for i := 1; i < len(seq); i++ {
		if l.compareUnder(keys, seq[i-1], seq[i]) > 0 {
			t.Errorf("%s: out of order %v at %d: %s comes before %s", what, keys, i, l.describe(keys, seq[i-1]), l.describe(keys, seq[i]))
		}
	}
}

// checkOrdering pages through the list under orderBy (nil: the default, which keys describes) forward and
// backward, and against one page of 100.
func (l orderList) checkOrdering(t *testing.T, api *apitest.API, keys []orderKey, orderBy []obj) []string {
	t.Helper()
	fwd, ok := l.pageForward(t, api, orderBy)
	if !ok {
		return nil
	}
	l.checkSequence(t, "forward pages of 3", keys, fwd)
	want := nodeKeys(fwd)
	if bwd, ok := l.pageBackward(t, api, orderBy); ok {
		if got := nodeKeys(bwd); !slices.Equal(got, want) {
			t.Errorf("backward pages of 3 give another sequence:\n  forward  %v\n  backward %v", want, got)
		}
	}
	if p, ok := l.fetchPage(t, api, orderBy, map[string]any{"first": 100, "total": true}); ok {
		var one []string
		for _, e := range p.List.Edges {
			one = append(one, e.Node.key())
		}
		if !slices.Equal(one, want) {
			t.Errorf("one page of 100 gives another sequence than pages of 3:\n  pages of 3 %v\n  one page   %v", want, one)
		}
		if p.List.PageInfo.HasNextPage || p.List.PageInfo.HasPreviousPage {
			t.Errorf("one page of everything: hasNextPage %v, hasPreviousPage %v", p.List.PageInfo.HasNextPage, p.List.PageInfo.HasPreviousPage)
		}
	}
	return want
}

func orderInputs(keys []orderKey) []obj {
	out := []obj{}
	for _, k := range keys {
		out = append(out, k.input())
	}
	return out
}

// runAllOrderings checks every order field in both directions, then the multi-key orderings given; the orderings
// are subtests.
func (l orderList) runAllOrderings(t *testing.T, api *apitest.API, multi [][]orderKey) {
	t.Helper()
	var fields []string
	for f := range l.sortKey {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	// One small query per field first, so that a field the API cannot order by fails its orderings at once rather
	// than paging (or timing out) in every one of them.
	broken := map[string]string{}
	for _, f := range fields {
		if r := api.Query(l.query(), map[string]any{"o": []obj{{"field": f}}, "first": 1}); r.Status != 200 || len(r.Errors) > 0 {
			broken[f] = fmt.Sprintf("HTTP %d, errors %+v", r.Status, r.Errors)
		}
	}
	run := func(keys []orderKey) {
		var names []string
		for _, k := range keys {
			names = append(names, k.String())
		}
		t.Run(strings.Join(names, ","), func(t *testing.T) {
			for _, k := range keys {
				if e, ok := broken[k.field]; ok {
					t.Errorf("%s(orderBy: [{field: %s}], first: 1) fails: %s", l.field, k.field, e)
					return
				}
			}
			l.checkOrdering(t, api, keys, orderInputs(keys))
		})
	}
	for _, f := range fields {
		run([]orderKey{{f, false}})
		run([]orderKey{{f, true}})
	}
	for _, keys := range multi {
		run(keys)
	}
	t.Run("same_field_twice", func(t *testing.T) {
		var f string
		for _, name := range fields {
			if name != "UPDATED_AT" {
				f = name
				break
			}
		}
		last := fields[len(fields)-1]
		for _, twice := range [][]obj{
			{{"field": f}, {"field": f, "direction": "DESC"}},
			{{"field": last, "direction": "DESC"}, {"field": f}, {"field": last, "direction": "DESC"}},
		} {
			api.Fails(t, content.EInvalid, l.query(), map[string]any{"o": twice, "first": 10})
		}
	})
}

func nameKey(field string) func(orderNode) any {
	return func(n orderNode) any { return content.Fold(n[field].(string)) }
}

func updatedAtKey(t *testing.T) func(orderNode) any {
	return func(n orderNode) any {
		s, _ := n["updatedAt"].(string)
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Errorf("updatedAt %q of %s: %v", s, n.key(), err)
			return nil
		}
		return v
	}
}

func yearKey(y *int) any {
	if y == nil {
		return nil
	}
	return float64(*y)
}

func strKey(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func bySlug[T any](items []T, slug func(T) string) (map[string]T, []string) {
	m := map[string]T{}
	var all []string
	for _, it := range items {
		m[slug(it)] = it
		all = append(all, slug(it))
	}
	return m, all
}

// outline returns the sections' outline numbers, computed from their parents and orders.
func outline(d *seed.Dataset) map[string][]int {
	out := map[string][]int{}
	for _, s := range d.ToolkitSections { // parents come first
		var n []int
		if s.Parent != nil {
			n = slices.Clone(out[*s.Parent])
		}
		out[s.Slug] = append(n, s.Order)
	}
	return out
}

func orderLists(t *testing.T, d *seed.Dataset) (coalitions, stakeholders, initiatives, sections, posts, countries orderList) {
	upd := updatedAtKey(t)
	cs, call := bySlug(d.Coalitions, func(c seed.Coalition) string { return c.Slug })
	coalitions = orderList{field: "coalitions", orderType: "CoalitionOrder", keyField: "slug", selection: "name updatedAt", all: call,
		sortKey: map[string]func(orderNode) any{
			"NAME":        nameKey("name"),
			"COUNTRY":     func(n orderNode) any { return cs[n.key()].CountryCode },
			"STATUS":      func(n orderNode) any { return string(cs[n.key()].Status) },
			"LAUNCH_YEAR": func(n orderNode) any { return yearKey(cs[n.key()].LaunchYear) },
			"UPDATED_AT":  upd,
		}}
	ss, sall := bySlug(d.Stakeholders, func(s seed.Stakeholder) string { return s.Slug })
	stakeholders = orderList{field: "stakeholders", orderType: "StakeholderOrder", keyField: "slug", selection: "name updatedAt", all: sall,
		sortKey: map[string]func(orderNode) any{
			"NAME":       nameKey("name"),
			"KIND":       func(n orderNode) any { return string(ss[n.key()].Kind) },
			"CATEGORY":   func(n orderNode) any { return string(ss[n.key()].Category) },
			"COUNTRY":    func(n orderNode) any { return strKey(ss[n.key()].CountryCode) },
			"UPDATED_AT": upd,
		}}
	is, iall := bySlug(d.Initiatives, func(i seed.Initiative) string { return i.Slug })
	initiatives = orderList{field: "initiatives", orderType: "InitiativeOrder", keyField: "slug", selection: "name updatedAt", all: iall,
		sortKey: map[string]func(orderNode) any{
			"NAME":       nameKey("name"),
			"SCOPE":      func(n orderNode) any { return string(is[n.key()].Scope) },
			"START_YEAR": func(n orderNode) any { return yearKey(is[n.key()].StartYear) },
			"UPDATED_AT": upd,
		}}
	numbers := outline(d)
	_, tall := bySlug(d.ToolkitSections, func(s seed.Section) string { return s.Slug })
	sections = orderList{field: "toolkitSections", orderType: "ToolkitSectionOrder", keyField: "slug", selection: "title updatedAt", all: tall,
		sortKey: map[string]func(orderNode) any{
			"POSITION":   func(n orderNode) any { return numbers[n.key()] },
			"TITLE":      nameKey("title"),
			"UPDATED_AT": upd,
		}}
	ps, pall := bySlug(d.BlogPosts, func(p seed.BlogPost) string { return p.Slug })
	posts = orderList{field: "blogPosts", orderType: "BlogPostOrder", keyField: "slug", selection: "title updatedAt", all: pall,
		sortKey: map[string]func(orderNode) any{
			"PUBLISHED_ON": func(n orderNode) any { return strKey(ps[n.key()].PublishedOn) },
			"TITLE":        nameKey("title"),
			"UPDATED_AT":   upd,
		}}
	ks, kall := bySlug(d.Countries, func(c seed.Country) string { return c.Code })
	countries = orderList{field: "countries", orderType: "CountryOrder", keyField: "code", selection: "name", all: kall,
		sortKey: map[string]func(orderNode) any{
			"NAME": func(n orderNode) any { return content.Fold(ks[n.key()].Name) },
			"CODE": func(n orderNode) any { return n.key() },
		}}
	return
}

// TestListOrderings pages through every root list in every ordering on one generated dataset, loaded once.
func TestListOrderings(t *testing.T) {
	d := apitest.Fixture(16)
	api := apitest.New(t, d)
	coalitions, stakeholders, initiatives, sections, posts, countries := orderLists(t, d)
	asc := func(f string) orderKey { return orderKey{f, false} }
	desc := func(f string) orderKey { return orderKey{f, true} }

	t.Run("coalitions", func(t *testing.T) {
		coalitions.runAllOrderings(t, api, [][]orderKey{
			{asc("COUNTRY"), desc("NAME")},
			{desc("STATUS"), asc("LAUNCH_YEAR")},
			{desc("LAUNCH_YEAR"), asc("COUNTRY"), asc("STATUS")},
			{asc("STATUS"), desc("LAUNCH_YEAR")},
		})
	})
	t.Run("stakeholders", func(t *testing.T) {
		stakeholders.runAllOrderings(t, api, [][]orderKey{
			{desc("COUNTRY"), asc("KIND"), desc("NAME")},
			{asc("CATEGORY"), desc("COUNTRY")},
		})
	})
	t.Run("initiatives", func(t *testing.T) {
		initiatives.runAllOrderings(t, api, [][]orderKey{
			{asc("SCOPE"), desc("START_YEAR")},
			{desc("START_YEAR"), desc("NAME")},
		})
	})
	t.Run("toolkitSections", func(t *testing.T) {
		sections.runAllOrderings(t, api, [][]orderKey{{desc("TITLE"), asc("POSITION")}})
	})
	t.Run("blogPosts", func(t *testing.T) {
		posts.runAllOrderings(t, api, [][]orderKey{{asc("PUBLISHED_ON"), desc("TITLE")}})
	})
	t.Run("countries", func(t *testing.T) {
		countries.runAllOrderings(t, api, [][]orderKey{{desc("NAME"), asc("CODE")}})
	})

	t.Run("direction_defaults_to_ASC", func(t *testing.T) {
		got := coalitions.checkOrdering(t, api, []orderKey{asc("LAUNCH_YEAR"), asc("NAME")},
			[]obj{{"field": "LAUNCH_YEAR"}, {"field": "NAME"}})
		want := slices.Clone(coalitions.all)
		slices.SortStableFunc(want, func(a, b string) int {
			return coalitions.compareUnder([]orderKey{asc("LAUNCH_YEAR"), asc("NAME")}, orderNode{"key": a, "name": nameOf(d, a)}, orderNode{"key": b, "name": nameOf(d, b)})
		})
		if got != nil && !slices.Equal(got, want) {
			t.Errorf("orderBy [LAUNCH_YEAR, NAME] without directions:\n  got  %v\n  want %v", got, want)
		}
	})

	// Default orderings, compared with the exact sequence computed from the dataset where it is determined.
	t.Run("default/coalitions_by_name", func(t *testing.T) {
		got := coalitions.checkOrdering(t, api, []orderKey{asc("NAME")}, nil)
		want := slices.Clone(coalitions.all)
		slices.SortFunc(want, func(a, b string) int { return strings.Compare(content.Fold(nameOf(d, a)), content.Fold(nameOf(d, b))) })
		if got != nil && !slices.Equal(got, want) {
			t.Errorf("default order of coalitions:\n  got  %v\n  want %v", got, want)
		}
	})
	t.Run("default/stakeholders_by_name", func(t *testing.T) {
		stakeholders.checkOrdering(t, api, []orderKey{asc("NAME")}, nil)
	})
	t.Run("default/initiatives_by_name", func(t *testing.T) {
		initiatives.checkOrdering(t, api, []orderKey{asc("NAME")}, nil)
	})
	t.Run("default/countries_by_name", func(t *testing.T) {
		countries.checkOrdering(t, api, []orderKey{asc("NAME")}, nil)
	})
	t.Run("default/blogPosts_newest_first_unknown_last", func(t *testing.T) {
		got := posts.checkOrdering(t, api, []orderKey{desc("PUBLISHED_ON")}, nil)
		var dated, undated []string
		for _, p := range d.BlogPosts {
			if p.PublishedOn != nil {
				dated = append(dated, p.Slug)
			} else {
				undated = append(undated, p.Slug)
			}
		}
		if len(undated) == 0 || len(dated) == 0 {
			t.Fatal("test bug: the fixture needs posts with and without dates")
		}
		date := map[string]string{}
		for _, p := range d.BlogPosts {
			date[p.Slug] = deref(p.PublishedOn)
		}
		slices.SortFunc(dated, func(a, b string) int { return -strings.Compare(date[a], date[b]) })
		if got == nil {
			return
		}
		if !slices.Equal(got[:len(dated)], dated) {
			t.Errorf("default order of blog posts: dated posts\n  got  %v\n  want %v (newest first)", got[:len(dated)], dated)
		}
		if missing, extra := setDiff(undated, got[len(dated):]); len(missing)+len(extra) > 0 {
			t.Errorf("default order of blog posts: the posts without a date %v do not come last: %v", undated, got)
		}
	})
	t.Run("default/toolkit_reading_order", func(t *testing.T) {
		got := sections.checkOrdering(t, api, []orderKey{asc("POSITION")}, nil)
		numbers := outline(d)
		want := slices.Clone(sections.all)
		slices.SortFunc(want, func(a, b string) int { return slices.Compare(numbers[a], numbers[b]) })
		if got != nil && !slices.Equal(got, want) {
			t.Errorf("default order of toolkit sections:\n  got  %v\n  want %v (depth first by number)", got, want)
		}
		// The API's own outline numbers agree with that order.
		var out struct {
			ToolkitSections struct {
				Nodes []struct{ Slug, Number string }
			}
		}
		if api.Check(t, `{ toolkitSections(first: 100) { nodes { slug number } } }`, nil, &out) {
			for _, n := range out.ToolkitSections.Nodes {
				var parts []string
				for _, x := range numbers[n.Slug] {
					parts = append(parts, strconv.Itoa(x))
				}
				if want := strings.Join(parts, "."); n.Number != want {
					t.Errorf("section %s: number %q, want %q", n.Slug, n.Number, want)
				}
			}
		}
	})

	t.Run("nested_same_field_twice", func(t *testing.T) {
		q := `query($o: [StakeholderOrder!]) { coalition(slug: "coalition-001") { members(first: 10, orderBy: $o) { totalCount } } }`
		api.Fails(t, content.EInvalid, q, map[string]any{"o": []obj{{"field": "NAME"}, {"field": "NAME", "direction": "DESC"}}})
	})
	t.Run("cursor_of_another_ordering", func(t *testing.T) {
		p, ok := coalitions.fetchPage(t, api, []obj{{"field": "NAME"}}, map[string]any{"first": 3})
		if !ok || p.List.PageInfo.EndCursor == nil {
			t.Fatal("no first page")
		}
		api.Fails(t, content.EInvalid, coalitions.query(),
			map[string]any{"o": []obj{{"field": "NAME", "direction": "DESC"}}, "first": 3, "after": *p.List.PageInfo.EndCursor})
	})
}

func nameOf(d *seed.Dataset, slug string) string {
	for _, c := range d.Coalitions {
		if c.Slug == slug {
			return c.Name
		}
	}
	return ""
}
