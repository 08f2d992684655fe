package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// draftMark is in the name or title of every draft the leak test makes, and in no published item.
const draftMark = "Zqxdraft"

// No draft leaks to an anonymous reader, proved from the schema: with drafts of every type linked to published
// items, and draft edits of published items, every root field of the schema, every relation of an item of each
// node type and every export answers exactly as it did before the drafts were written. The same walk with a
// PREVIEW key reading the draft stage finds them.
func TestNoDraftLeaks(t *testing.T) {
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	s := introspect(t, api)
	queries := s.rootQueries(t, api)
	type call struct {
		query string
		vars  map[string]any
	}
	calls := map[string]call{}
	for name, q := range queries {
		calls[name] = call{query: q}
	}
	// every relation of the first published item of each node type, by id, and by slug where there is one
	for _, ty := range s.types {
		if ty.Kind != "OBJECT" || !isNode(ty) {
			continue
		}
		field := strings.ToLower(ty.Name[:1]) + ty.Name[1:] + "s"
		if ty.Name == "Country" {
			field = "countries"
		}
		var out map[string]struct{ Nodes []struct{ ID string } }
		api.Must(t, `{ `+field+`(first: 1) { nodes { id } } }`, nil, &out)
		id := out[field].Nodes[0].ID
		for f, q := range s.relations(ty, 2) {
			calls[ty.Name+"."+f.Name] = call{q, map[string]any{"id": id}}
		}
	}
	exports := []string{"coalitions", "stakeholders", "initiatives", "toolkit-sections", "blog-posts"}
	walk := func(headers http.Header, query string) map[string]string {
		answers := map[string]string{}
		for name, c := range calls {
			answers[name] = answer(api.QueryWith(headers, c.query, c.vars))
		}
		for _, e := range exports {
			for _, format := range []string{"csv", "ndjson"} {
				answers[e+"."+format] = exportOf(t, api, headers, "/export/"+e+"."+format+query)
			}
		}
		return answers
	}
	before := walk(nil, "")

	writeDrafts(t, api)

	// Anonymous readers get the answers of before, computed anew (cold) and from the response cache (warm),
	// after a PREVIEW key has had the draft stage's answers to the same queries cached.
	noLeak := func(walk string, after map[string]string) {
		for name, want := range before {
			if after[name] != want {
				t.Errorf("%s (%s) answers otherwise once drafts exist:\n got %.400s\nwant %.400s", name, walk, after[name], want)
			}
			if strings.Contains(after[name], draftMark) {
				t.Errorf("%s (%s) shows a draft to an anonymous reader: %.400s", name, walk, after[name])
			}
		}
	}
	noLeak("cold", walk(http.Header{"Cache-Control": {"no-cache"}}, ""))
	preview := http.Header{"Authorization": {"Bearer " + api.Key(t, "preview", content.RolePreview)}, "Stage": {"DRAFT"}}
	drafts := walk(preview, "?stage=DRAFT")
	walk(nil, "") // fills the cache, if the cold walk did not
	noLeak("warm", walk(nil, ""))
	seen := 0
	for name, a := range drafts {
		if strings.Contains(a, draftMark) {
			seen++
		} else if a != before[name] {
			seen++ // a count or a relation that the drafts changed
		}
	}
	if seen < len(drafts)/4 {
		t.Errorf("with a PREVIEW key and the draft stage only %d of %d answers show the drafts", seen, len(drafts))
	}
	// the search finds the drafts of every type in the draft stage only
	q := `{ search(query: "` + draftMark + `", first: 20) { totalCount } }`
	var found, none struct{ Search struct{ TotalCount int } }
	if r := api.QueryWith(preview, q, nil); len(r.Errors) > 0 || json.Unmarshal(r.Data, &found) != nil || found.Search.TotalCount < 8 {
		t.Errorf("draft stage: the search for the drafts answers %s %v, want the 8 drafts and edits", r.Data, r.Errors)
	}
	if r := api.QueryWith(nil, q, nil); json.Unmarshal(r.Data, &none) != nil || none.Search.TotalCount != 0 {
		t.Errorf("anonymous: the search for the drafts answers %s", r.Data)
	}
}

func isNode(ty schemaType) bool {
	for _, i := range ty.Interfaces {
		if i.Name == "Node" {
			return true
		}
	}
	return false
}

// exportOf downloads an export with the headers and returns its status and body.
func exportOf(t *testing.T, api *apitest.API, headers http.Header, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, api.Server.URL+path, nil)
	req.Header.Set("Authorization", headers.Get("Authorization"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.Status + " " + string(body)
}

// writeDrafts writes, as an editor, a draft of every content type linked to published items, and draft edits
// of published items that link them to drafts.
func writeDrafts(t *testing.T, api *apitest.API) {
	t.Helper()
	ctx := content.WithScope(content.WithViewer(context.Background(), &content.Viewer{Name: "ed", Role: content.RoleEditor}), content.ScopeDraft)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	st := api.Store
	cs, err := st.Coalitions().Page(ctx, nil, nil, content.Window{First: 2}, false)
	must(err)
	ss, err := st.Stakeholders().Page(ctx, nil, nil, content.Window{First: 2}, false)
	must(err)
	is, err := st.Initiatives().Page(ctx, nil, nil, content.Window{First: 1}, false)
	must(err)
	ts, err := st.ToolkitSections().Page(ctx, nil, nil, content.Window{First: 1}, false)
	must(err)
	c0, s0, i0, t0 := cs.Items[0], ss.Items[0], is.Items[0], ts.Items[0]
	person, err := st.Stakeholders().Create(ctx, &content.Stakeholder{Slug: "zqx-person", Name: draftMark + " Person", Kind: "PERSON",
		Category: "OTHER", Tags: []string{"digital"}, CountryCode: &c0.CountryCode})
	must(err)
	org, err := st.Stakeholders().Create(ctx, &content.Stakeholder{Slug: "zqx-org", Name: draftMark + " Org", Kind: "ORGANISATION",
		Category: "OTHER", Tags: []string{"digital"}})
	must(err)
	c := &content.Coalition{Slug: "zqx-coalition", Name: draftMark + " coalition", CountryCode: c0.CountryCode, Status: c0.Status,
		Scope: c0.Scope, FocusAreas: c0.FocusAreas, Tags: []string{"digital"},
		Roster: []content.MemberRef{{StakeholderID: s0.ID, Role: "MEMBER"}, {StakeholderID: person.ID, Role: content.RoleCoordinator}}}
	c, err = st.Coalitions().Create(ctx, c)
	must(err)
	_, err = st.Initiatives().Create(ctx, &content.Initiative{Slug: "zqx-initiative", Name: draftMark + " initiative", Scope: i0.Scope,
		CountryCodes: []string{c0.CountryCode}, FocusAreas: []content.FocusArea{}, Tags: []string{"digital"},
		PartnerIDs: []string{s0.ID, org.ID}, CoalitionIDs: []string{c0.ID, c.ID}})
	must(err)
	_, err = st.ToolkitSections().Create(ctx, &content.ToolkitSection{Slug: "zqx-section", Title: draftMark + " section", Order: 1,
		ParentID: &t0.ID, Tags: []string{"digital"}})
	must(err)
	_, err = st.BlogPosts().Create(ctx, &content.BlogPost{Slug: "zqx-post", Title: draftMark + " post", PublishedOn: nil,
		AuthorIDs: []string{person.ID}, PublisherID: &org.ID, Tags: []string{"digital"},
		MentionKeys: []string{c0.Key(), c.Key(), person.Key()}})
	must(err)
	// draft edits of published items, linking them to the drafts
	_, err = st.Coalitions().Update(ctx, c0.ID, c0.Version, func(x *content.Coalition) {
		x.Name = draftMark + " renamed"
		x.Roster = append(x.Roster, content.MemberRef{StakeholderID: person.ID, Role: "MEMBER"})
	})
	must(err)
	_, err = st.Initiatives().Update(ctx, i0.ID, i0.Version, func(x *content.Initiative) {
		x.PartnerIDs = append(x.PartnerIDs, org.ID)
		x.CoalitionIDs = append(x.CoalitionIDs, c.ID)
	})
	must(err)
	_, err = st.Stakeholders().Update(ctx, ss.Items[1].ID, ss.Items[1].Version, func(x *content.Stakeholder) { x.Name = draftMark + " edited" })
	must(err)
}
