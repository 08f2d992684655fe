package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// The filter tests run every filter field of every root list against one generated dataset and compare the
// API's answer with the matches computed here, in plain Go, from the dataset itself.

// obj is a GraphQL input object as sent in variables.
type obj = map[string]any

// filterCase is one filter and the slugs (codes for countries) it must find.
type filterCase struct {
	name   string
	filter obj
	want   []string
	// empty marks a case whose expected answer is empty on purpose (otherwise an empty expectation is a test bug).
	empty bool
}

// listSpec names a root list field, its filter type and the field that identifies its items.
type listSpec struct {
	field, filterType, key string
}

var (
	coalitionList   = listSpec{"coalitions", "CoalitionFilter", "slug"}
	stakeholderList = listSpec{"stakeholders", "StakeholderFilter", "slug"}
	initiativeList  = listSpec{"initiatives", "InitiativeFilter", "slug"}
	toolkitList     = listSpec{"toolkitSections", "ToolkitSectionFilter", "slug"}
	blogPostList    = listSpec{"blogPosts", "BlogPostFilter", "slug"}
	countryList     = listSpec{"countries", "CountryFilter", "code"}
)

// filterList returns the keys of every item the list returns for filter, with totalCount and hasNextPage.
func filterList(t *testing.T, api *apitest.API, l listSpec, filter obj) (keys []string, total int, more, ok bool) {
	t.Helper()
	q := fmt.Sprintf(`query($f: %s) { list: %s(first: 100, filter: $f) { totalCount pageInfo { hasNextPage } nodes { key: %s } } }`,
		l.filterType, l.field, l.key)
	var out struct {
		List struct {
			TotalCount int
			PageInfo   struct{ HasNextPage bool }
			Nodes      []struct{ Key string }
		}
	}
	if !api.Check(t, q, map[string]any{"f": filter}, &out) {
		return nil, 0, false, false
	}
	for _, n := range out.List.Nodes {
		keys = append(keys, n.Key)
	}
	return keys, out.List.TotalCount, out.List.PageInfo.HasNextPage, true
}

// runFilterCases checks each case as a subtest: the same set as expected, no duplicates, totalCount the number of
// matches, everything on one page.
func runFilterCases(t *testing.T, api *apitest.API, l listSpec, cases []filterCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.want) == 0 && !c.empty {
				t.Fatalf("test bug: the expectation is empty; mark the case empty if that is intended")
			}
			if len(c.want) > 100 {
				t.Fatalf("test bug: %d expected items do not fit one page", len(c.want))
			}
			got, total, more, ok := filterList(t, api, l, c.filter)
			if !ok {
				return
			}
			f, _ := json.Marshal(c.filter)
			if d := dupes(got); len(d) > 0 {
				t.Errorf("%s(filter: %s) returns duplicates %v", l.field, f, d)
			}
			missing, extra := setDiff(c.want, got)
			if len(missing) > 0 || len(extra) > 0 {
				t.Errorf("%s(filter: %s):\n  missing %v\n  unexpected %v\n  want %v\n  got  %v", l.field, f, missing, extra, sorted(c.want), sorted(got))
			}
			if total != len(c.want) {
				t.Errorf("%s(filter: %s): totalCount %d, want %d (the number of matches)", l.field, f, total, len(c.want))
			}
			if more {
				t.Errorf("%s(filter: %s): hasNextPage is true for %d items on a page of 100", l.field, f, len(got))
			}
		})
	}
}

func sorted(l []string) []string {
	c := slices.Clone(l)
	sort.Strings(c)
	return c
}

func dupes(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if seen[s] {
			out = append(out, s)
		}
		seen[s] = true
	}
	return out
}

// setDiff returns what want has and got lacks, and what got has that want lacks.
func setDiff(want, got []string) (missing, extra []string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range got {
		g[s] = true
	}
	for _, s := range sorted(want) {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	for _, s := range sorted(got) {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	return missing, extra
}

// where returns the slugs of the items that keep accepts.
func where[T any](items []T, slug func(T) string, keep func(T) bool) []string {
	out := []string{}
	for _, it := range items {
		if keep(it) {
			out = append(out, slug(it))
		}
	}
	return out
}

func coalitionsWhere(d *seed.Dataset, keep func(seed.Coalition) bool) []string {
	return where(d.Coalitions, func(c seed.Coalition) string { return c.Slug }, keep)
}

func stakeholdersWhere(d *seed.Dataset, keep func(seed.Stakeholder) bool) []string {
	return where(d.Stakeholders, func(s seed.Stakeholder) string { return s.Slug }, keep)
}

func initiativesWhere(d *seed.Dataset, keep func(seed.Initiative) bool) []string {
	return where(d.Initiatives, func(i seed.Initiative) string { return i.Slug }, keep)
}

func sectionsWhere(d *seed.Dataset, keep func(seed.Section) bool) []string {
	return where(d.ToolkitSections, func(s seed.Section) string { return s.Slug }, keep)
}

func postsWhere(d *seed.Dataset, keep func(seed.BlogPost) bool) []string {
	return where(d.BlogPosts, func(p seed.BlogPost) string { return p.Slug }, keep)
}

func countriesWhere(d *seed.Dataset, keep func(seed.Country) bool) []string {
	return where(d.Countries, func(c seed.Country) string { return c.Code }, keep)
}

// searchWords splits text into lower-case, accent-free words.
func searchWords(s string) []string {
	return strings.FieldsFunc(content.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// matchesSearch is the documented search rule: every word of q is a word of the texts, ignoring case and accents;
// the last word of q may be the beginning of a word.
func matchesSearch(q string, texts ...string) bool {
	var words []string
	for _, t := range texts {
		words = append(words, searchWords(t)...)
	}
	qw := searchWords(q)
	for i, w := range qw {
		if !slices.ContainsFunc(words, func(x string) bool { return x == w || (i == len(qw)-1 && strings.HasPrefix(x, w)) }) {
			return false
		}
	}
	return true
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func inRange(v *int, from, to *int) bool {
	return v != nil && (from == nil || *v >= *from) && (to == nil || *v <= *to)
}

func ip(v int) *int { return &v }

func intRange(from, to *int) obj {
	r := obj{}
	if from != nil {
		r["from"] = *from
	}
	if to != nil {
		r["to"] = *to
	}
	return r
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func hasAny[T comparable](have, want []T) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// graphIDs maps each root list to its items' global IDs by slug, as the API gives them.
type graphIDs map[string]map[string]string

func fetchIDs(t *testing.T, api *apitest.API) graphIDs {
	t.Helper()
	var out map[string]struct {
		Nodes []struct{ ID, Slug string }
	}
	if !api.Check(t, `{
	  coalitions(first: 100) { nodes { id slug } } stakeholders(first: 100) { nodes { id slug } }
	  initiatives(first: 100) { nodes { id slug } } toolkitSections(first: 100) { nodes { id slug } }
	  blogPosts(first: 100) { nodes { id slug } } countries(first: 100) { nodes { id slug: code } } }`, nil, &out) {
		t.FailNow()
	}
	ids := graphIDs{}
	for field, conn := range out {
		ids[field] = map[string]string{}
		for _, n := range conn.Nodes {
			ids[field][n.Slug] = n.ID
		}
	}
	d := api.Data
	for field, n := range map[string]int{"coalitions": len(d.Coalitions), "stakeholders": len(d.Stakeholders),
		"initiatives": len(d.Initiatives), "toolkitSections": len(d.ToolkitSections), "blogPosts": len(d.BlogPosts),
		"countries": len(d.Countries)} {
		if len(ids[field]) != n {
			t.Fatalf("%s: the API lists %d items, the dataset has %d", field, len(ids[field]), n)
		}
	}
	return ids
}

func (g graphIDs) of(t *testing.T, field, slug string) string {
	t.Helper()
	id, ok := g[field][slug]
	if !ok {
		t.Fatalf("no %s with slug %q", field, slug)
	}
	return id
}

// unknownID is a well-formed global ID of type typ that names nothing.
func unknownID(typ string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":ffffffffffffffffffffffff"))
}

// updatedAts returns each item's updatedAt as the API reports it.
func updatedAts(t *testing.T, api *apitest.API, l listSpec) map[string]time.Time {
	t.Helper()
	var out struct {
		List struct {
			Nodes []struct {
				Key       string
				UpdatedAt string
			}
		}
	}
	if !api.Check(t, fmt.Sprintf(`{ list: %s(first: 100) { nodes { key: %s updatedAt } } }`, l.field, l.key), nil, &out) {
		t.FailNow()
	}
	m := map[string]time.Time{}
	for _, n := range out.List.Nodes {
		at, err := time.Parse(time.RFC3339Nano, n.UpdatedAt)
		if err != nil {
			t.Fatalf("updatedAt %q of %s: %v", n.UpdatedAt, n.Key, err)
		}
		m[n.Key] = at
	}
	return m
}

// updatedAtCases checks the half-open DateTimeRange filter on updatedAt, with bounds taken from the data.
func updatedAtCases(t *testing.T, at map[string]time.Time) []filterCase {
	t.Helper()
	var times []time.Time
	for _, v := range at {
		times = append(times, v)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	lo, mid := times[len(times)/4], times[len(times)/2]
	keys := func(keep func(time.Time) bool) []string {
		out := []string{}
		for k, v := range at {
			if keep(v) {
				out = append(out, k)
			}
		}
		return out
	}
	f := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	return []filterCase{
		{name: "updatedAt/from", filter: obj{"updatedAt": obj{"from": f(mid)}},
			want: keys(func(v time.Time) bool { return !v.Before(mid) })},
		{name: "updatedAt/to_excluded", filter: obj{"updatedAt": obj{"to": f(mid)}},
			want: keys(func(v time.Time) bool { return v.Before(mid) })},
		{name: "updatedAt/from_to", filter: obj{"updatedAt": obj{"from": f(lo), "to": f(mid)}},
			want: keys(func(v time.Time) bool { return !v.Before(lo) && v.Before(mid) }), empty: lo.Equal(mid)},
		{name: "updatedAt/other_time_zone", filter: obj{"updatedAt": obj{"from": mid.In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano)}},
			want: keys(func(v time.Time) bool { return !v.Before(mid) })},
		{name: "updatedAt/from_equals_to_is_empty", filter: obj{"updatedAt": obj{"from": f(mid), "to": f(mid)}}, empty: true},
		{name: "updatedAt/future", filter: obj{"updatedAt": obj{"from": f(time.Now().Add(time.Hour))}}, empty: true},
	}
}

// TestListFilters checks every filter field of every root list on one generated dataset, loaded once.
func TestListFilters(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(30))
	ids := fetchIDs(t, api)
	t.Run("coalitions", func(t *testing.T) { checkCoalitionFilters(t, api, ids) })
	t.Run("stakeholders", func(t *testing.T) { checkStakeholderFilters(t, api, ids) })
	t.Run("initiatives", func(t *testing.T) { checkInitiativeFilters(t, api, ids) })
	t.Run("toolkitSections", func(t *testing.T) { checkToolkitSectionFilters(t, api, ids) })
	t.Run("blogPosts", func(t *testing.T) { checkBlogPostFilters(t, api, ids) })
	t.Run("countries", func(t *testing.T) { checkCountryFilters(t, api, ids) })
}

func checkCoalitionFilters(t *testing.T, api *apitest.API, ids graphIDs) {
	d := api.Data
	type C = seed.Coalition
	w := func(keep func(C) bool) []string { return coalitionsWhere(d, keep) }
	country := func(codes ...string) func(C) bool {
		return func(c C) bool { return slices.Contains(codes, c.CountryCode) }
	}
	status := func(s ...content.CoalitionStatus) func(C) bool {
		return func(c C) bool { return slices.Contains(s, c.Status) }
	}
	scope := func(s ...content.CoalitionScope) func(C) bool {
		return func(c C) bool { return slices.Contains(s, c.Scope) }
	}
	years := func(from, to *int) func(C) bool { return func(c C) bool { return inRange(c.LaunchYear, from, to) } }
	tags := func(tt ...string) func(C) bool { return func(c C) bool { return containsAll(c.Tags, tt) } }
	search := func(q string) func(C) bool {
		return func(c C) bool { return matchesSearch(q, c.Name, deref(c.Description)) }
	}
	hasMember := func(slug string) func(C) bool {
		return func(c C) bool {
			return slices.ContainsFunc(c.Members, func(m seed.Member) bool { return m.Stakeholder == slug })
		}
	}
	hasInitiative := func(slug string) func(C) bool {
		var linked []string
		for _, in := range d.Initiatives {
			if in.Slug == slug {
				linked = in.Coalitions
			}
		}
		return func(c C) bool { return slices.Contains(linked, c.Slug) }
	}
	not := func(f func(C) bool) func(C) bool { return func(c C) bool { return !f(c) } }
	and := func(fs ...func(C) bool) func(C) bool {
		return func(c C) bool {
			for _, f := range fs {
				if !f(c) {
					return false
				}
			}
			return true
		}
	}
	or := func(fs ...func(C) bool) func(C) bool {
		return func(c C) bool { return slices.ContainsFunc(fs, func(f func(C) bool) bool { return f(c) }) }
	}
	member3, member0 := ids.of(t, "stakeholders", "stakeholder-003"), ids.of(t, "stakeholders", "stakeholder-000")
	init5 := ids.of(t, "initiatives", "initiative-005")

	cases := []filterCase{
		{name: "country/one", filter: obj{"country": []string{"IE"}}, want: w(country("IE"))},
		{name: "country/lowercase", filter: obj{"country": []string{"ie"}}, want: w(country("IE"))},
		{name: "country/several_mixed_case", filter: obj{"country": []string{"pl", "Md"}}, want: w(country("PL", "MD"))},
		{name: "country/unknown", filter: obj{"country": []string{"XX"}}, empty: true},
		{name: "status/FORMING", filter: obj{"status": []string{"FORMING"}}, want: w(status("FORMING"))},
		{name: "status/both", filter: obj{"status": []string{"ACTIVE", "FORMING"}}, want: w(status("ACTIVE", "FORMING"))},
		{name: "scope/LOCAL", filter: obj{"scope": []string{"LOCAL"}}, want: w(scope("LOCAL"))},
		{name: "scope/two", filter: obj{"scope": []string{"NATIONAL", "REGIONAL"}}, want: w(scope("NATIONAL", "REGIONAL"))},
		{name: "focusArea/one", filter: obj{"focusArea": []string{"SKILLS_CERTIFICATION"}},
			want: w(func(c C) bool { return slices.Contains(c.FocusAreas, "SKILLS_CERTIFICATION") })},
		{name: "focusArea/any_of", filter: obj{"focusArea": []string{"EDUCATION_CURRICULA", "ICT_CAREERS_AWARENESS"}},
			want: w(func(c C) bool {
				return hasAny(c.FocusAreas, []content.FocusArea{"EDUCATION_CURRICULA", "ICT_CAREERS_AWARENESS"})
			})},
		{name: "launchYear/from", filter: obj{"launchYear": intRange(ip(2016), nil)}, want: w(years(ip(2016), nil))},
		{name: "launchYear/to", filter: obj{"launchYear": intRange(nil, ip(2015))}, want: w(years(nil, ip(2015)))},
		{name: "launchYear/from_to", filter: obj{"launchYear": intRange(ip(2015), ip(2018))}, want: w(years(ip(2015), ip(2018)))},
		{name: "launchYear/one_year", filter: obj{"launchYear": intRange(ip(2019), ip(2019))}, want: w(years(ip(2019), ip(2019)))},
		{name: "launchYear/open_range_only_known", filter: obj{"launchYear": obj{}}, want: w(years(nil, nil))},
		{name: "launchYear/from_after_to", filter: obj{"launchYear": intRange(ip(2019), ip(2015))}, empty: true},
		{name: "launchYear/none_in_range", filter: obj{"launchYear": intRange(ip(2030), nil)}, empty: true},
		{name: "tags/one", filter: obj{"tags": []string{"t1"}}, want: w(tags("t1"))},
		{name: "tags/all_of", filter: obj{"tags": []string{"t2", "all"}}, want: w(tags("t2", "all"))},
		{name: "tags/all_of_disjoint", filter: obj{"tags": []string{"t1", "t2"}}, empty: true},
		// Every coalition carries all of zero tags (an emptied tag picker must not empty the list).
		{name: "tags/none_given_all_of_nothing_holds", filter: obj{"tags": []string{}}, want: w(func(C) bool { return true })},
		{name: "search/accent_lodz", filter: obj{"search": "lodz"},
			want: w(func(c C) bool { return strings.Contains(c.Name, "Łódź") })},
		{name: "search/accent_upper", filter: obj{"search": "LODZ"},
			want: w(func(c C) bool { return strings.Contains(c.Name, "Łódź") })},
		{name: "search/accent_cestina", filter: obj{"search": "cestina"},
			want: w(func(c C) bool { return strings.Contains(c.Name, "Čeština") })},
		{name: "search/accented_query", filter: obj{"search": "ŁÓDŹ"},
			want: w(func(c C) bool { return strings.Contains(c.Name, "Łódź") })},
		{name: "search/accent_alborg", filter: obj{"search": "Alborg"},
			want: w(func(c C) bool { return strings.Contains(c.Name, "Ålborg") })},
		{name: "search/prefix_last_word", filter: obj{"search": "Ålborg alli"},
			want: w(func(c C) bool { return strings.Contains(c.Name, "Ålborg alliance") })},
		{name: "search/prefix_number", filter: obj{"search": "coalition 01"}, want: w(search("coalition 01"))},
		{name: "search/all_words", filter: obj{"search": "beta 02"}, want: w(search("beta 02"))},
		{name: "search/words_from_name_and_description", filter: obj{"search": "digital jobs partnership 3"},
			want: w(search("digital jobs partnership 3"))},
		{name: "search/punctuation_and_spaces", filter: obj{"search": "  Čeština,  SKILLS!  "}, want: w(search("cestina skills"))},
		{name: "search/words_not_together", filter: obj{"search": "gamma zeta"}, empty: true},
		{name: "hasMember/stakeholder-003", filter: obj{"hasMember": member3}, want: w(hasMember("stakeholder-003"))},
		{name: "hasMember/stakeholder-000", filter: obj{"hasMember": member0}, want: w(hasMember("stakeholder-000"))},
		{name: "hasMember/unknown", filter: obj{"hasMember": unknownID("Stakeholder")}, empty: true},
		{name: "hasInitiative", filter: obj{"hasInitiative": init5}, want: w(hasInitiative("initiative-005"))},
		{name: "hasInitiative/unknown", filter: obj{"hasInitiative": unknownID("Initiative")}, empty: true},
		{name: "fields_are_ANDed", filter: obj{"status": []string{"ACTIVE"}, "scope": []string{"LOCAL"}, "tags": []string{"t2"}},
			want: w(and(status("ACTIVE"), scope("LOCAL"), tags("t2")))},
		{name: "and", filter: obj{"and": []obj{{"country": []string{"AT", "BE", "GR"}}, {"launchYear": intRange(ip(2015), nil)}}},
			want: w(and(country("AT", "BE", "GR"), years(ip(2015), nil)))},
		{name: "or", filter: obj{"or": []obj{{"country": []string{"IE"}}, {"launchYear": intRange(ip(2019), nil)}}},
			want: w(or(country("IE"), years(ip(2019), nil)))},
		{name: "not", filter: obj{"not": obj{"status": []string{"ACTIVE"}}}, want: w(not(status("ACTIVE")))},
		{name: "not_range_keeps_unknown_years", filter: obj{"not": obj{"launchYear": intRange(ip(2016), nil)}},
			want: w(not(years(ip(2016), nil)))},
		{name: "field_and_not", filter: obj{"country": []string{"IE", "PL"}, "not": obj{"hasMember": member3}},
			want: w(and(country("IE", "PL"), not(hasMember("stakeholder-003"))))},
		{name: "or_with_relations", filter: obj{"or": []obj{{"hasMember": member3}, {"hasInitiative": init5}}},
			want: w(or(hasMember("stakeholder-003"), hasInitiative("initiative-005")))},
		{name: "nested", filter: obj{"or": []obj{
			{"and": []obj{{"country": []string{"PL"}}, {"not": obj{"scope": []string{"NATIONAL"}}}}},
			{"not": obj{"or": []obj{{"tags": []string{"t0"}}, {"tags": []string{"t1"}}, {"search": "alpha"}}}},
		}}, want: w(or(and(country("PL"), not(scope("NATIONAL"))), not(or(tags("t0"), tags("t1"), search("alpha")))))},
		{name: "double_not", filter: obj{"not": obj{"not": obj{"scope": []string{"REGIONAL"}}}}, want: w(scope("REGIONAL"))},
		{name: "empty_filter", filter: obj{}, want: w(func(C) bool { return true })},
		{name: "empty_and", filter: obj{"and": []obj{}}, want: w(func(C) bool { return true })},
	}
	cases = append(cases, updatedAtCases(t, updatedAts(t, api, coalitionList))...)
	runFilterCases(t, api, coalitionList, cases)

	t.Run("rejects", func(t *testing.T) {
		q := `query($f: CoalitionFilter) { coalitions(first: 100, filter: $f) { totalCount nodes { slug } } }`
		for name, f := range map[string]obj{
			"hasMember_not_a_stakeholder":     {"hasMember": ids.of(t, "coalitions", "coalition-001")},
			"hasMember_malformed":             {"hasMember": "not an id"},
			"hasInitiative_not_an_initiative": {"hasInitiative": member3},
			"nested_bad_id":                   {"or": []obj{{"status": []string{"ACTIVE"}}, {"not": obj{"hasMember": "%%%"}}}},
		} {
			t.Run(name, func(t *testing.T) { api.Fails(t, content.EInvalid, q, map[string]any{"f": f}) })
		}
	})
}

func checkStakeholderFilters(t *testing.T, api *apitest.API, ids graphIDs) {
	d := api.Data
	type S = seed.Stakeholder
	w := func(keep func(S) bool) []string { return stakeholdersWhere(d, keep) }
	kind := func(k content.StakeholderKind) func(S) bool { return func(s S) bool { return s.Kind == k } }
	category := func(cs ...content.StakeholderCategory) func(S) bool {
		return func(s S) bool { return slices.Contains(cs, s.Category) }
	}
	country := func(codes ...string) func(S) bool {
		return func(s S) bool { return s.CountryCode != nil && slices.Contains(codes, *s.CountryCode) }
	}
	search := func(q string) func(S) bool {
		return func(s S) bool { return matchesSearch(q, s.Name, deref(s.Position), deref(s.Description)) }
	}
	memberOf := func(slug string) func(S) bool {
		var members []string
		for _, c := range d.Coalitions {
			if c.Slug == slug {
				for _, m := range c.Members {
					members = append(members, m.Stakeholder)
				}
			}
		}
		return func(s S) bool { return slices.Contains(members, s.Slug) }
	}
	partnerOf := func(slug string) func(S) bool {
		var partners []string
		for _, in := range d.Initiatives {
			if in.Slug == slug {
				partners = in.Partners
			}
		}
		return func(s S) bool { return slices.Contains(partners, s.Slug) }
	}
	coal5 := ids.of(t, "coalitions", "coalition-005")
	init4 := ids.of(t, "initiatives", "initiative-004")

	cases := []filterCase{
		{name: "kind/PERSON", filter: obj{"kind": []string{"PERSON"}}, want: w(kind("PERSON"))},
		{name: "kind/ORGANISATION", filter: obj{"kind": []string{"ORGANISATION"}}, want: w(kind("ORGANISATION"))},
		{name: "kind/both", filter: obj{"kind": []string{"ORGANISATION", "PERSON"}}, want: w(func(S) bool { return true })},
		{name: "category/one", filter: obj{"category": []string{"NGO"}}, want: w(category("NGO"))},
		{name: "category/several", filter: obj{"category": []string{"ICT_COMPANY", "ASSOCIATION", "EU_INSTITUTION"}},
			want: w(category("ICT_COMPANY", "ASSOCIATION", "EU_INSTITUTION"))},
		{name: "category/none_have_it", filter: obj{"category": []string{"EU_INSTITUTION"}}, empty: true},
		{name: "country/one", filter: obj{"country": []string{"PL"}}, want: w(country("PL"))},
		{name: "country/lowercase_several", filter: obj{"country": []string{"ie", "ua"}}, want: w(country("IE", "UA"))},
		{name: "tags/one", filter: obj{"tags": []string{"s1"}}, want: w(func(s S) bool { return containsAll(s.Tags, []string{"s1"}) })},
		{name: "tags/all_of_disjoint", filter: obj{"tags": []string{"s0", "s1"}}, empty: true},
		{name: "search/accent", filter: obj{"search": "LODZ"}, want: w(func(s S) bool { return strings.Contains(s.Name, "Łódź") })},
		{name: "search/accent_cestina", filter: obj{"search": "cestina"},
			want: w(func(s S) bool { return strings.Contains(s.Name, "Čeština") })},
		{name: "search/position_prefix", filter: obj{"search": "digital champ"},
			want: w(func(s S) bool { return strings.Contains(deref(s.Position), "Digital Champion") })},
		{name: "search/prefix_number", filter: obj{"search": "INCLUSION 05"}, want: w(search("inclusion 05"))},
		{name: "search/all_words", filter: obj{"search": "zeta champion"}, want: w(search("zeta champion"))},
		{name: "memberOf", filter: obj{"memberOf": coal5}, want: w(memberOf("coalition-005"))},
		{name: "memberOf/unknown", filter: obj{"memberOf": unknownID("Coalition")}, empty: true},
		{name: "partnerOf", filter: obj{"partnerOf": init4}, want: w(partnerOf("initiative-004"))},
		{name: "memberOf_and_kind", filter: obj{"memberOf": coal5, "kind": []string{"ORGANISATION"}},
			want: w(func(s S) bool { return memberOf("coalition-005")(s) && s.Kind == "ORGANISATION" })},
		{name: "not_country_keeps_unknown_country", filter: obj{"not": obj{"country": []string{"IE"}}},
			want: w(func(s S) bool { return !country("IE")(s) })},
		{name: "or", filter: obj{"or": []obj{{"kind": []string{"PERSON"}}, {"category": []string{"NGO"}}}},
			want: w(func(s S) bool { return kind("PERSON")(s) || category("NGO")(s) })},
		{name: "and_not", filter: obj{"and": []obj{{"tags": []string{"s0"}}, {"not": obj{"kind": []string{"PERSON"}}}}},
			want: w(func(s S) bool { return slices.Contains(s.Tags, "s0") && s.Kind != "PERSON" })},
		{name: "nested_relations", filter: obj{"or": []obj{{"memberOf": coal5}, {"partnerOf": init4}}, "not": obj{"search": "lodz"}},
			want: w(func(s S) bool {
				return (memberOf("coalition-005")(s) || partnerOf("initiative-004")(s)) && !search("lodz")(s)
			})},
	}
	cases = append(cases, updatedAtCases(t, updatedAts(t, api, stakeholderList))...)
	runFilterCases(t, api, stakeholderList, cases)

	t.Run("rejects", func(t *testing.T) {
		q := `query($f: StakeholderFilter) { stakeholders(first: 100, filter: $f) { totalCount nodes { slug } } }`
		for name, f := range map[string]obj{
			"memberOf_not_a_coalition":    {"memberOf": init4},
			"partnerOf_not_an_initiative": {"partnerOf": coal5},
		} {
			t.Run(name, func(t *testing.T) { api.Fails(t, content.EInvalid, q, map[string]any{"f": f}) })
		}
	})
}

func checkInitiativeFilters(t *testing.T, api *apitest.API, ids graphIDs) {
	d := api.Data
	type I = seed.Initiative
	w := func(keep func(I) bool) []string { return initiativesWhere(d, keep) }
	scope := func(s ...content.InitiativeScope) func(I) bool {
		return func(i I) bool { return slices.Contains(s, i.Scope) }
	}
	country := func(codes ...string) func(I) bool { return func(i I) bool { return hasAny(i.CountryCodes, codes) } }
	years := func(from, to *int) func(I) bool { return func(i I) bool { return inRange(i.StartYear, from, to) } }
	search := func(q string) func(I) bool {
		return func(i I) bool { return matchesSearch(q, i.Name, deref(i.Description)) }
	}
	partner := func(slug string) func(I) bool { return func(i I) bool { return slices.Contains(i.Partners, slug) } }
	coalition := func(slug string) func(I) bool { return func(i I) bool { return slices.Contains(i.Coalitions, slug) } }
	sh3 := ids.of(t, "stakeholders", "stakeholder-003")
	coal5 := ids.of(t, "coalitions", "coalition-005")

	cases := []filterCase{
		{name: "scope/one", filter: obj{"scope": []string{"EUROPEAN"}}, want: w(scope("EUROPEAN"))},
		{name: "scope/two", filter: obj{"scope": []string{"NATIONAL", "LOCAL"}}, want: w(scope("NATIONAL", "LOCAL"))},
		{name: "country/any_of_countries", filter: obj{"country": []string{"BE"}}, want: w(country("BE"))},
		{name: "country/second_country_matches", filter: obj{"country": []string{"GR"}}, want: w(country("GR"))},
		{name: "country/lowercase_several", filter: obj{"country": []string{"be", "md"}}, want: w(country("BE", "MD"))},
		{name: "focusArea", filter: obj{"focusArea": []string{"SKILLS_CERTIFICATION", "INDUSTRY_LED_TRAINING"}},
			want: w(func(i I) bool {
				return hasAny(i.FocusAreas, []content.FocusArea{"SKILLS_CERTIFICATION", "INDUSTRY_LED_TRAINING"})
			})},
		{name: "startYear/from", filter: obj{"startYear": intRange(ip(2013), nil)}, want: w(years(ip(2013), nil))},
		{name: "startYear/to", filter: obj{"startYear": intRange(nil, ip(2012))}, want: w(years(nil, ip(2012)))},
		{name: "startYear/from_to", filter: obj{"startYear": intRange(ip(2011), ip(2013))}, want: w(years(ip(2011), ip(2013)))},
		{name: "startYear/open_range_only_known", filter: obj{"startYear": obj{}}, want: w(years(nil, nil))},
		{name: "tags", filter: obj{"tags": []string{"i1"}}, want: w(func(i I) bool { return slices.Contains(i.Tags, "i1") })},
		{name: "search/accent", filter: obj{"search": "cestina initiative"},
			want: w(func(i I) bool { return strings.Contains(i.Name, "Čeština") })},
		{name: "search/prefix", filter: obj{"search": "Programme 1"}, want: w(search("programme 1"))},
		{name: "search/description_word", filter: obj{"search": "BOOTCAMP"}, want: w(search("bootcamp"))},
		{name: "hasPartner", filter: obj{"hasPartner": sh3}, want: w(partner("stakeholder-003"))},
		{name: "hasPartner/unknown", filter: obj{"hasPartner": unknownID("Stakeholder")}, empty: true},
		{name: "hasCoalition", filter: obj{"hasCoalition": coal5}, want: w(coalition("coalition-005"))},
		{name: "or", filter: obj{"or": []obj{{"hasPartner": sh3}, {"hasCoalition": coal5}, {"scope": []string{"EUROPEAN"}}}},
			want: w(func(i I) bool {
				return partner("stakeholder-003")(i) || coalition("coalition-005")(i) || i.Scope == "EUROPEAN"
			})},
		{name: "not_range_keeps_unknown_years", filter: obj{"not": obj{"startYear": intRange(nil, ip(2012))}},
			want: w(func(i I) bool { return !years(nil, ip(2012))(i) })},
		{name: "and_nested", filter: obj{"and": []obj{{"country": []string{"AT", "BE", "GR", "IE"}}, {"not": obj{"or": []obj{{"tags": []string{"i0"}}, {"scope": []string{"LOCAL"}}}}}}},
			want: w(func(i I) bool {
				return country("AT", "BE", "GR", "IE")(i) && !(slices.Contains(i.Tags, "i0") || i.Scope == "LOCAL")
			})},
	}
	cases = append(cases, updatedAtCases(t, updatedAts(t, api, initiativeList))...)
	runFilterCases(t, api, initiativeList, cases)

	t.Run("rejects", func(t *testing.T) {
		q := `query($f: InitiativeFilter) { initiatives(first: 100, filter: $f) { totalCount nodes { slug } } }`
		for name, f := range map[string]obj{
			"hasPartner_not_a_stakeholder": {"hasPartner": coal5},
			"hasCoalition_not_a_coalition": {"hasCoalition": sh3},
		} {
			t.Run(name, func(t *testing.T) { api.Fails(t, content.EInvalid, q, map[string]any{"f": f}) })
		}
	})
}

func checkToolkitSectionFilters(t *testing.T, api *apitest.API, ids graphIDs) {
	d := api.Data
	type T = seed.Section
	w := func(keep func(T) bool) []string { return sectionsWhere(d, keep) }
	parent := map[string]string{}
	for _, s := range d.ToolkitSections {
		if s.Parent != nil {
			parent[s.Slug] = *s.Parent
		}
	}
	ancestors := func(slug string) []string {
		var out []string
		for p, ok := parent[slug]; ok; p, ok = parent[p] {
			out = append(out, p)
		}
		return out
	}
	depth := func(s T) int { return len(ancestors(s.Slug)) }
	depths := func(from, to *int) func(T) bool {
		return func(s T) bool { dd := depth(s); return inRange(&dd, from, to) }
	}
	search := func(q string) func(T) bool {
		return func(s T) bool { return matchesSearch(q, s.Title, deref(s.Summary), deref(s.Body)) }
	}
	ch1, ch2, ch11 := ids.of(t, "toolkitSections", "chapter-1"), ids.of(t, "toolkitSections", "chapter-2"), ids.of(t, "toolkitSections", "chapter-1-1")

	cases := []filterCase{
		{name: "parent/chapter", filter: obj{"parent": ch1}, want: w(func(s T) bool { return parent[s.Slug] == "chapter-1" })},
		{name: "parent/section", filter: obj{"parent": ch11}, want: w(func(s T) bool { return parent[s.Slug] == "chapter-1-1" })},
		{name: "parent/leaf", filter: obj{"parent": ids.of(t, "toolkitSections", "chapter-3-2")}, empty: true},
		{name: "ancestor", filter: obj{"ancestor": ch2}, want: w(func(s T) bool { return slices.Contains(ancestors(s.Slug), "chapter-2") })},
		{name: "ancestor/not_self", filter: obj{"ancestor": ch11}, want: w(func(s T) bool { return slices.Contains(ancestors(s.Slug), "chapter-1-1") })},
		{name: "depth/from", filter: obj{"depth": intRange(ip(1), nil)}, want: w(depths(ip(1), nil))},
		{name: "depth/to", filter: obj{"depth": intRange(nil, ip(0))}, want: w(depths(nil, ip(0)))},
		{name: "depth/from_to", filter: obj{"depth": intRange(ip(1), ip(1))}, want: w(depths(ip(1), ip(1)))},
		{name: "depth/deepest", filter: obj{"depth": intRange(ip(2), ip(5))}, want: w(depths(ip(2), ip(5)))},
		{name: "proposed/true", filter: obj{"proposed": true}, want: w(func(s T) bool { return s.Proposed })},
		{name: "proposed/false", filter: obj{"proposed": false}, want: w(func(s T) bool { return !s.Proposed })},
		{name: "search/title", filter: obj{"search": "CHAPTER"}, want: w(search("chapter"))},
		{name: "search/summary_prefix", filter: obj{"search": "how sta"}, want: w(search("how sta"))},
		{name: "search/numbers", filter: obj{"search": "section 2"}, want: w(search("section 2"))},
		{name: "ancestor_and_depth", filter: obj{"ancestor": ch1, "depth": intRange(ip(2), nil)},
			want: w(func(s T) bool { return slices.Contains(ancestors(s.Slug), "chapter-1") && depth(s) >= 2 })},
		{name: "or_not", filter: obj{"or": []obj{{"parent": ch2}, {"not": obj{"proposed": true}}}},
			want: w(func(s T) bool { return parent[s.Slug] == "chapter-2" || !s.Proposed })},
		{name: "not_ancestor", filter: obj{"not": obj{"ancestor": ch1}, "depth": intRange(ip(1), nil)},
			want: w(func(s T) bool { return !slices.Contains(ancestors(s.Slug), "chapter-1") && depth(s) >= 1 })},
	}
	runFilterCases(t, api, toolkitList, cases)

	t.Run("rejects", func(t *testing.T) {
		q := `query($f: ToolkitSectionFilter) { toolkitSections(first: 100, filter: $f) { totalCount nodes { slug } } }`
		for name, f := range map[string]obj{
			"parent_not_a_section":   {"parent": ids.of(t, "coalitions", "coalition-001")},
			"ancestor_not_a_section": {"ancestor": ids.of(t, "blogPosts", "post-001")},
		} {
			t.Run(name, func(t *testing.T) { api.Fails(t, content.EInvalid, q, map[string]any{"f": f}) })
		}
	})
}

func checkBlogPostFilters(t *testing.T, api *apitest.API, ids graphIDs) {
	d := api.Data
	type P = seed.BlogPost
	w := func(keep func(P) bool) []string { return postsWhere(d, keep) }
	day := func(p P) (time.Time, bool) {
		if p.PublishedOn == nil {
			return time.Time{}, false
		}
		v, err := time.Parse(time.DateOnly, *p.PublishedOn)
		if err != nil {
			t.Fatalf("fixture date %q: %v", *p.PublishedOn, err)
		}
		return v, true
	}
	// published tells whether p has a known day within [from, to] (bounds "" are open).
	published := func(from, to string) func(P) bool {
		return func(p P) bool {
			v, ok := day(p)
			if !ok {
				return false
			}
			if from != "" {
				f, _ := time.Parse(time.DateOnly, from)
				if v.Before(f) {
					return false
				}
			}
			if to != "" {
				tt, _ := time.Parse(time.DateOnly, to)
				if v.After(tt) {
					return false
				}
			}
			return true
		}
	}
	dateRange := func(from, to string) obj {
		r := obj{}
		if from != "" {
			r["from"] = from
		}
		if to != "" {
			r["to"] = to
		}
		return r
	}
	mentions := func(typ content.TypeName, slug string) func(P) bool {
		return func(p P) bool { return slices.Contains(p.Mentions, seed.Mention{Type: typ, Slug: slug}) }
	}
	search := func(q string) func(P) bool {
		return func(p P) bool { return matchesSearch(q, p.Title, deref(p.Excerpt), deref(p.Body)) }
	}
	author := func(slug string) func(P) bool { return func(p P) bool { return slices.Contains(p.Authors, slug) } }
	publisher := func(slug string) func(P) bool { return func(p P) bool { return deref(p.Publisher) == slug } }

	// Boundaries taken from the data: the day of one post, and the days around it.
	var pivot string
	for _, p := range d.BlogPosts {
		if p.Slug == "post-005" {
			pivot = deref(p.PublishedOn)
		}
	}
	if pivot == "" {
		t.Fatal("test bug: post-005 has no date")
	}
	pd, _ := time.Parse(time.DateOnly, pivot)
	dayBefore, dayAfter := pd.AddDate(0, 0, -1).Format(time.DateOnly), pd.AddDate(0, 0, 1).Format(time.DateOnly)
	sh := func(slug string) string { return ids.of(t, "stakeholders", slug) }
	unmentioned := ""
	for _, c := range d.Coalitions {
		if len(w(mentions(content.TypeCoalition, c.Slug))) == 0 {
			unmentioned = c.Slug
		}
	}
	if unmentioned == "" {
		t.Fatal("test bug: every coalition is mentioned")
	}

	cases := []filterCase{
		{name: "author", filter: obj{"author": sh("stakeholder-003")}, want: w(author("stakeholder-003"))},
		{name: "author/another", filter: obj{"author": sh("stakeholder-030")}, want: w(author("stakeholder-030"))},
		{name: "author/never_wrote", filter: obj{"author": sh("stakeholder-002")}, empty: true},
		{name: "publisher", filter: obj{"publisher": sh("stakeholder-001")}, want: w(publisher("stakeholder-001"))},
		{name: "publisher/another", filter: obj{"publisher": sh("stakeholder-013")}, want: w(publisher("stakeholder-013"))},
		{name: "publisher/is_not_author", filter: obj{"publisher": sh("stakeholder-003")}, empty: true},
		{name: "mentions/coalition", filter: obj{"mentions": ids.of(t, "coalitions", "coalition-002")},
			want: w(mentions(content.TypeCoalition, "coalition-002"))},
		{name: "mentions/stakeholder", filter: obj{"mentions": sh("stakeholder-005")},
			want: w(mentions(content.TypeStakeholder, "stakeholder-005"))},
		{name: "mentions/initiative", filter: obj{"mentions": ids.of(t, "initiatives", "initiative-003")},
			want: w(mentions(content.TypeInitiative, "initiative-003"))},
		{name: "mentions/blog_post", filter: obj{"mentions": ids.of(t, "blogPosts", "post-004")},
			want: w(mentions(content.TypeBlogPost, "post-004"))},
		{name: "mentions/section_never_mentioned", filter: obj{"mentions": ids.of(t, "toolkitSections", "chapter-1")}, empty: true},
		{name: "mentions/unmentioned_coalition", filter: obj{"mentions": ids.of(t, "coalitions", unmentioned)}, empty: true},
		{name: "publishedOn/to_includes_its_day", filter: obj{"publishedOn": dateRange("", pivot)}, want: w(published("", pivot))},
		{name: "publishedOn/to_day_before", filter: obj{"publishedOn": dateRange("", dayBefore)}, want: w(published("", dayBefore))},
		{name: "publishedOn/from_includes_its_day", filter: obj{"publishedOn": dateRange(pivot, "")}, want: w(published(pivot, ""))},
		{name: "publishedOn/from_day_after", filter: obj{"publishedOn": dateRange(dayAfter, "")}, want: w(published(dayAfter, ""))},
		{name: "publishedOn/one_day", filter: obj{"publishedOn": dateRange(pivot, pivot)}, want: w(published(pivot, pivot))},
		{name: "publishedOn/month", filter: obj{"publishedOn": dateRange(pivot[:8]+"01", pivot[:8]+"30")},
			want: w(published(pivot[:8]+"01", pivot[:8]+"30"))},
		{name: "publishedOn/from_after_to", filter: obj{"publishedOn": dateRange(dayAfter, pivot)}, empty: true},
		{name: "publishedOn/open_range_only_known", filter: obj{"publishedOn": obj{}}, want: w(published("", ""))},
		{name: "publishedOn/day_without_posts", filter: obj{"publishedOn": dateRange(dayAfter, dayAfter)},
			want: w(published(dayAfter, dayAfter)), empty: true},
		{name: "publishedOn/not_keeps_unknown_dates", filter: obj{"not": obj{"publishedOn": dateRange(pivot, "")}},
			want: w(func(p P) bool { return !published(pivot, "")(p) })},
		{name: "tags", filter: obj{"tags": []string{"p0"}}, want: w(func(p P) bool { return slices.Contains(p.Tags, "p0") })},
		{name: "tags/all_of", filter: obj{"tags": []string{"p0", "p1"}}, empty: true},
		{name: "search/accent", filter: obj{"search": "lodz post"}, want: w(func(p P) bool { return strings.Contains(p.Title, "Łódź") })},
		{name: "search/excerpt_prefix", filter: obj{"search": "NEWS coal"}, want: w(search("news coal"))},
		{name: "search/title_number_prefix", filter: obj{"search": "zeta 01"}, want: w(search("zeta 01"))},
		{name: "or", filter: obj{"or": []obj{{"author": sh("stakeholder-003")}, {"publisher": sh("stakeholder-013")}}},
			want: w(func(p P) bool { return author("stakeholder-003")(p) || publisher("stakeholder-013")(p) })},
		{name: "and_not", filter: obj{"and": []obj{{"tags": []string{"p1"}}, {"not": obj{"publishedOn": dateRange("", pivot)}}}},
			want: w(func(p P) bool { return slices.Contains(p.Tags, "p1") && !published("", pivot)(p) })},
	}
	cases = append(cases, updatedAtCases(t, updatedAts(t, api, blogPostList))...)
	runFilterCases(t, api, blogPostList, cases)

	t.Run("rejects", func(t *testing.T) {
		q := `query($f: BlogPostFilter) { blogPosts(first: 100, filter: $f) { totalCount nodes { slug } } }`
		for name, f := range map[string]obj{
			"author_not_a_stakeholder": {"author": ids.of(t, "coalitions", "coalition-001")},
			"mentions_malformed":       {"mentions": "nope"},
			// The contract lists what can be mentioned; a country cannot be, and the other ID filters reject
			// IDs of the wrong type.
			"mentions_a_country":     {"mentions": ids.of(t, "countries", "IE")},
			"publishedOn_not_a_date": {"publishedOn": obj{"from": "2017-13-45"}},
		} {
			t.Run(name, func(t *testing.T) { api.Fails(t, content.EInvalid, q, map[string]any{"f": f}) })
		}
	})
}

func checkCountryFilters(t *testing.T, api *apitest.API, ids graphIDs) {
	d := api.Data
	type C = seed.Country
	w := func(keep func(C) bool) []string { return countriesWhere(d, keep) }
	code := func(cs ...string) func(C) bool { return func(c C) bool { return slices.Contains(cs, c.Code) } }
	cases := []filterCase{
		{name: "code/one", filter: obj{"code": []string{"IE"}}, want: w(code("IE"))},
		{name: "code/lowercase_several", filter: obj{"code": []string{"ie", "pl", "ua"}}, want: w(code("IE", "PL", "UA"))},
		{name: "code/unknown", filter: obj{"code": []string{"FR"}}, empty: true},
		{name: "euMember/true", filter: obj{"euMember": true}, want: w(func(c C) bool { return c.EUMember })},
		{name: "euMember/false", filter: obj{"euMember": false}, want: w(func(c C) bool { return !c.EUMember })},
		{name: "search/prefix", filter: obj{"search": "pol"}, want: w(func(c C) bool { return matchesSearch("pol", c.Name) })},
		{name: "search/prefix_several", filter: obj{"search": "PO"}, want: w(func(c C) bool { return matchesSearch("po", c.Name) })},
		{name: "search/whole_name", filter: obj{"search": "ukraine"}, want: w(func(c C) bool { return c.Name == "Ukraine" })},
		{name: "search/no_match", filter: obj{"search": "atlantis"}, empty: true},
		{name: "fields_are_ANDed", filter: obj{"search": "p", "euMember": true, "code": []string{"PT", "UA", "GR"}},
			want: w(func(c C) bool { return matchesSearch("p", c.Name) && c.EUMember && code("PT", "UA", "GR")(c) })},
	}
	runFilterCases(t, api, countryList, cases)
}
