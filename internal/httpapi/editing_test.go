package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"coalitiongraph/internal/apitest"
)

// The editing tests write through the GraphQL endpoint with an EDITOR key, and read back what a client reads: the
// mutation's payload, the draft stage (Stage: DRAFT) and the public, published one.

// editorClient sends every request with the API's EDITOR key.
type editorClient struct {
	api    *apitest.API
	header http.Header
}

func newEditor(t *testing.T) *editorClient {
	api := apitest.New(t, apitest.Fixture(4))
	return &editorClient{api: api, header: api.Editor(t)}
}

// draft is the editor's header with Stage: DRAFT.
func (e *editorClient) draft() http.Header {
	h := e.header.Clone()
	h.Set("Stage", "DRAFT")
	return h
}

// must runs a request that must succeed and decodes its data into out.
func (e *editorClient) must(t *testing.T, h http.Header, query string, vars map[string]any, out any) {
	t.Helper()
	r := e.api.QueryWith(h, query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		v, _ := json.Marshal(vars)
		t.Fatalf("request failed (%d): %+v\nquery: %s\nvariables: %s", r.Status, r.Errors, query, v)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

// refused runs a mutation that must fail, leaving its payload null, and returns its errors.
func (e *editorClient) refused(t *testing.T, query string, vars map[string]any) []apitest.Error {
	t.Helper()
	r := e.api.QueryWith(e.header, query, vars)
	if r.Status >= 500 || len(r.Errors) == 0 {
		t.Fatalf("status %d, errors %+v, data %s: want a refusal", r.Status, r.Errors, r.Data)
	}
	var data map[string]any
	_ = json.Unmarshal(r.Data, &data)
	for field, v := range data {
		if v != nil {
			t.Errorf("%s answered %v along with its errors", field, v)
		}
	}
	return r.Errors
}

// idOf is the global ID of the item of the type (a root field such as "stakeholder") with the slug.
func (e *editorClient) idOf(t *testing.T, field, slug string) string {
	t.Helper()
	var out map[string]struct{ ID string }
	e.must(t, e.draft(), `query($slug: String!) { item: `+field+`(slug: $slug) { id } }`, map[string]any{"slug": slug}, &out)
	return out["item"].ID
}

// record is what every content type shows of its life.
type record struct {
	ID                string
	Slug              string
	Version           int
	PublicationStatus string
	PublishedVersion  *int
	CreatedBy         string
	UpdatedBy         string
}

const recordFields = `id slug version publicationStatus publishedVersion createdBy updatedBy`

func TestCreateEachTypeAsADraft(t *testing.T) {
	e := newEditor(t)
	person, org := e.idOf(t, "stakeholder", "stakeholder-000"), e.idOf(t, "stakeholder", "stakeholder-001")
	coalition := e.idOf(t, "coalition", "coalition-000")
	cases := []struct{ mutation, root, input string }{
		{"createCoalition", "coalition", `{slug: "new-coalition", name: "New coalition", country: "IE", status: FORMING, scope: NATIONAL, website: "https://example.org"}`},
		{"createStakeholder", "stakeholder", `{slug: "new-stakeholder", name: "New stakeholder", kind: ORGANISATION, category: NGO, country: "BE"}`},
		{"createInitiative", "initiative", `{slug: "new-initiative", name: "New initiative", scope: EUROPEAN, partners: ["` + org + `"], coalitions: ["` + coalition + `"]}`},
		{"createToolkitSection", "toolkitSection", `{slug: "new-section", title: "New section", order: 9}`},
		{"createBlogPost", "blogPost", `{slug: "new-post", title: "New post", authors: ["` + person + `"], publisher: "` + org + `", mentions: ["` + coalition + `"]}`},
	}
	for _, c := range cases {
		t.Run(c.mutation, func(t *testing.T) {
			var out map[string]map[string]record
			e.must(t, e.header, `mutation { m: `+c.mutation+`(input: `+c.input+`) { item: `+c.root+` { `+recordFields+` } } }`, nil, &out)
			got := out["m"]["item"]
			if got.Version != 1 || got.PublicationStatus != "DRAFT" || got.PublishedVersion != nil || got.CreatedBy != "editor" || got.UpdatedBy != "editor" || got.ID == "" {
				t.Errorf("created %+v: want version 1, DRAFT, never published, by editor", got)
			}
			// a draft: the draft stage has it, the public does not
			if id := e.idOf(t, c.root, got.Slug); id != got.ID {
				t.Errorf("the draft stage finds %q by slug, want %q", id, got.ID)
			}
			e.api.Fails(t, "NOT_FOUND", `query($slug: String!) { `+c.root+`(slug: $slug) { id } }`, map[string]any{"slug": got.Slug})
		})
	}
}

const coalitionFields = `id version name website description tags launchYear publicationStatus`

type coalitionOut struct {
	ID                string
	Version           int
	Name              string
	Website           *string
	Description       *string
	Tags              []string
	LaunchYear        *int
	PublicationStatus string
}

// createCoalition creates a draft coalition with a website, a description, tags and a launch year.
func (e *editorClient) createCoalition(t *testing.T, slug string) coalitionOut {
	t.Helper()
	var out struct {
		CreateCoalition struct{ Coalition coalitionOut }
	}
	e.must(t, e.header, `mutation($slug: String!) { createCoalition(input: {slug: $slug, name: "Draft coalition", country: "PT", status: ACTIVE, scope: LOCAL,
		website: "https://example.org/a", description: "About it.", tags: ["a", "b"], launchYear: 2020}) { coalition { `+coalitionFields+` } } }`,
		map[string]any{"slug": slug}, &out)
	return out.CreateCoalition.Coalition
}

func (e *editorClient) updateCoalition(t *testing.T, id string, version int, input map[string]any) coalitionOut {
	t.Helper()
	var out struct {
		UpdateCoalition struct{ Coalition coalitionOut }
	}
	e.must(t, e.header, `mutation($id: ID!, $v: Int!, $input: UpdateCoalitionInput!) { updateCoalition(id: $id, expectedVersion: $v, input: $input) { coalition { `+coalitionFields+` } } }`,
		map[string]any{"id": id, "v": version, "input": input}, &out)
	return out.UpdateCoalition.Coalition
}

func TestUpdateLeavesAbsentFieldsAndClearsNulls(t *testing.T) {
	e := newEditor(t)
	c := e.createCoalition(t, "partial-updates")

	got := e.updateCoalition(t, c.ID, 1, map[string]any{"name": "Renamed"})
	if got.Version != 2 || got.Name != "Renamed" || got.Website == nil || *got.Website != "https://example.org/a" ||
		got.Description == nil || !slices.Equal(got.Tags, []string{"a", "b"}) || got.LaunchYear == nil {
		t.Errorf("a name only: %+v; want version 2, the rest as it was", got)
	}
	got = e.updateCoalition(t, c.ID, 2, map[string]any{"website": nil, "tags": []string{}, "launchYear": nil})
	if got.Version != 3 || got.Website != nil || got.LaunchYear != nil || len(got.Tags) != 0 || got.Tags == nil ||
		got.Name != "Renamed" || got.Description == nil || *got.Description != "About it." {
		t.Errorf("nulls and an empty list: %+v; want website and launchYear cleared, tags empty, the rest as it was", got)
	}
	errs := e.refused(t, `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 3, input: {name: null, website: "https://example.org/b"}) { coalition { id } } }`,
		map[string]any{"id": c.ID})
	if fields := fieldsOfErrors(errs, "BAD_USER_INPUT"); !slices.Equal(fields, []string{"input.name"}) {
		t.Errorf("null for a required field: errors %+v", errs)
	}
	if got := e.coalitionNow(t, c.ID); got.Version != 3 || got.Website != nil {
		t.Errorf("a refused update wrote: %+v", got)
	}
	errs = e.refused(t, `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 3, input: {}) { coalition { id } } }`, map[string]any{"id": c.ID})
	if fields := fieldsOfErrors(errs, "BAD_USER_INPUT"); !slices.Equal(fields, []string{"input"}) {
		t.Errorf("an empty update: errors %+v", errs)
	}
}

// coalitionNow reads a coalition from the draft stage.
func (e *editorClient) coalitionNow(t *testing.T, id string) coalitionOut {
	t.Helper()
	var out struct{ Node coalitionOut }
	e.must(t, e.draft(), `query($id: ID!) { node(id: $id) { ... on Coalition { `+coalitionFields+` } } }`, map[string]any{"id": id}, &out)
	return out.Node
}

// fieldsOfErrors are the extensions.field of the errors with the code, in order.
func fieldsOfErrors(errs []apitest.Error, code string) []string {
	var out []string
	for _, e := range errs {
		if e.Code() == code {
			f, _ := e.Extensions["field"].(string)
			out = append(out, f)
		}
	}
	return out
}

func TestValidationNamesEveryBadFieldByItsInputPath(t *testing.T) {
	e := newEditor(t)
	org := e.idOf(t, "stakeholder", "stakeholder-001")
	coalition := e.idOf(t, "coalition", "coalition-000")
	var before struct{ Initiatives struct{ TotalCount int } }
	e.must(t, e.draft(), `{ initiatives { totalCount } }`, nil, &before)

	// a malformed ID, a coalition's ID among the partners, and bad values the store's validation finds
	errs := e.refused(t, `mutation($input: CreateInitiativeInput!) { createInitiative(input: $input) { initiative { id } } }`, map[string]any{"input": map[string]any{
		"slug": "Not A Slug", "name": "Fine", "scope": "NATIONAL", "website": "javascript:alert(1)", "startYear": 1066,
		"partners": []string{org, "not-an-id", coalition}, "tags": []string{"x", "x"},
	}})
	got := fieldsOfErrors(errs, "BAD_USER_INPUT")
	want := []string{"input.slug", "input.website", "input.startYear", "input.partners.1", "input.partners.2", "input.tags.1"}
	for _, f := range want {
		if !slices.Contains(got, f) {
			t.Errorf("no error for %s; got %v (%+v)", f, got, errs)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors for %v, want exactly %v", got, want)
	}
	for _, err := range errs {
		if err.Message == "" || len(err.Path) != 1 || err.Path[0] != "createInitiative" {
			t.Errorf("error %+v: want a message and the mutation's path", err)
		}
	}
	var after struct{ Initiatives struct{ TotalCount int } }
	e.must(t, e.draft(), `{ initiatives { totalCount } }`, nil, &after)
	if after.Initiatives.TotalCount != before.Initiatives.TotalCount {
		t.Errorf("a refused create wrote: %d initiatives, %d before", after.Initiatives.TotalCount, before.Initiatives.TotalCount)
	}

	// the same from the store alone: every bad field of a well-formed input
	errs = e.refused(t, `mutation { createCoalition(input: {slug: "ok-slug", name: " ", country: "XX", status: ACTIVE, scope: LOCAL, sourceUrl: "ftp://example.org"}) { coalition { id } } }`, nil)
	if got := fieldsOfErrors(errs, "BAD_USER_INPUT"); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"input.country", "input.name", "input.sourceUrl"}) {
		t.Errorf("coalition errors for %v (%+v)", got, errs)
	}
}

func TestStaleVersionAndTakenSlugConflict(t *testing.T) {
	e := newEditor(t)
	c := e.createCoalition(t, "conflicts")
	e.updateCoalition(t, c.ID, 1, map[string]any{"name": "First"})

	errs := e.refused(t, `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 1, input: {name: "Second"}) { coalition { id } } }`, map[string]any{"id": c.ID})
	if len(errs) != 1 || errs[0].Code() != "CONFLICT" || errs[0].Extensions["currentVersion"] != float64(2) || errs[0].Extensions["field"] != "expectedVersion" {
		t.Errorf("stale version: %+v; want one CONFLICT with currentVersion 2 naming expectedVersion", errs)
	}
	if got := e.coalitionNow(t, c.ID); got.Name != "First" || got.Version != 2 {
		t.Errorf("after the conflict: %+v", got)
	}

	errs = e.refused(t, `mutation { createCoalition(input: {slug: "coalition-001", name: "Copy", country: "IE", status: ACTIVE, scope: LOCAL}) { coalition { id } } }`, nil)
	if len(errs) != 1 || errs[0].Code() != "CONFLICT" || errs[0].Extensions["field"] != "input.slug" {
		t.Errorf("taken slug on create: %+v; want CONFLICT naming input.slug", errs)
	}
	errs = e.refused(t, `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 2, input: {slug: "coalition-001"}) { coalition { id } } }`, map[string]any{"id": c.ID})
	if len(errs) != 1 || errs[0].Code() != "CONFLICT" || errs[0].Extensions["field"] != "input.slug" {
		t.Errorf("taken slug on update: %+v; want CONFLICT naming input.slug", errs)
	}
}

func TestPublishAndUnpublishRoundTrip(t *testing.T) {
	e := newEditor(t)
	c := e.createCoalition(t, "going-live")
	const publish = `mutation($id: ID!, $v: Int!) { publishCoalition(id: $id, expectedVersion: $v) { coalition { version publicationStatus publishedVersion publishedAt firstPublishedAt } } }`
	var pub struct {
		PublishCoalition struct {
			Coalition struct {
				Version                       int
				PublicationStatus             string
				PublishedVersion              *int
				PublishedAt, FirstPublishedAt *string
			}
		}
	}
	e.must(t, e.header, publish, map[string]any{"id": c.ID, "v": 1}, &pub)
	p := pub.PublishCoalition.Coalition
	if p.Version != 2 || p.PublicationStatus != "PUBLISHED" || p.PublishedVersion == nil || *p.PublishedVersion != 2 || p.PublishedAt == nil || p.FirstPublishedAt == nil {
		t.Errorf("published: %+v; want version 2, PUBLISHED, publishedVersion 2, with its times", p)
	}
	public := func() (name string, found bool) {
		r := e.api.Query(`{ coalition(slug: "going-live") { name } }`, nil)
		var out struct{ Coalition *struct{ Name string } }
		_ = json.Unmarshal(r.Data, &out)
		if out.Coalition == nil {
			return "", false
		}
		return out.Coalition.Name, true
	}
	if name, found := public(); !found || name != "Draft coalition" {
		t.Errorf("the public reads %q (found %v) after publishing", name, found)
	}

	changed := e.updateCoalition(t, c.ID, 2, map[string]any{"name": "Changed draft"})
	if changed.PublicationStatus != "CHANGED" {
		t.Errorf("an edit of a published item is %s, want CHANGED", changed.PublicationStatus)
	}
	if name, _ := public(); name != "Draft coalition" {
		t.Errorf("the public reads %q before the change is published", name)
	}

	var un struct {
		UnpublishCoalition struct {
			Coalition struct {
				Version           int
				PublicationStatus string
				PublishedVersion  *int
			}
		}
	}
	e.must(t, e.header, `mutation($id: ID!) { unpublishCoalition(id: $id, expectedVersion: 3) { coalition { version publicationStatus publishedVersion } } }`, map[string]any{"id": c.ID}, &un)
	if u := un.UnpublishCoalition.Coalition; u.Version != 4 || u.PublicationStatus != "DRAFT" || u.PublishedVersion != nil {
		t.Errorf("unpublished: %+v; want version 4, DRAFT, nothing live", u)
	}
	if _, found := public(); found {
		t.Errorf("the public still reads the coalition after unpublishing")
	}
	if got := e.coalitionNow(t, c.ID); got.Name != "Changed draft" {
		t.Errorf("the draft after unpublishing: %+v", got)
	}
}

func TestHistoryListsEveryVersion(t *testing.T) {
	e := newEditor(t)
	c := e.createCoalition(t, "with-history")
	e.updateCoalition(t, c.ID, 1, map[string]any{"name": "Second name"})
	e.must(t, e.header, `mutation($id: ID!) { publishCoalition(id: $id, expectedVersion: 2) { coalition { id } } }`, map[string]any{"id": c.ID}, nil)

	type revision struct {
		Version       int
		Operation     string
		By            string
		At            string
		ChangedFields []string
		Snapshot      map[string]any
	}
	var out struct {
		Node struct {
			History struct {
				TotalCount int
				Nodes      []revision
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
	}
	e.must(t, e.draft(), `query($id: ID!) { node(id: $id) { ... on Coalition { history(first: 2) { totalCount nodes { version operation by at changedFields snapshot } pageInfo { hasNextPage endCursor } } } } }`,
		map[string]any{"id": c.ID}, &out)
	h := out.Node.History
	if len(h.Nodes) != 2 || h.Nodes[0].Version != 3 || h.Nodes[0].Operation != "PUBLISH" || h.Nodes[1].Version != 2 || h.Nodes[1].Operation != "UPDATE" ||
		!h.PageInfo.HasNextPage || h.TotalCount != 3 {
		t.Fatalf("history's first page: %+v; want versions 3 (PUBLISH) and 2 (UPDATE) of 3, and more", h)
	}
	if up := h.Nodes[1]; !slices.Contains(up.ChangedFields, "name") || up.By != "editor" || up.At == "" || up.Snapshot["name"] != "Second name" {
		t.Errorf("the update's version: %+v; want name changed, by editor, its snapshot as JSON", up)
	}
	e.must(t, e.draft(), `query($id: ID!, $after: String) { node(id: $id) { ... on Coalition { history(first: 2, after: $after) { totalCount nodes { version operation by at changedFields snapshot } pageInfo { hasNextPage endCursor } } } } }`,
		map[string]any{"id": c.ID, "after": h.PageInfo.EndCursor}, &out)
	if h := out.Node.History; len(h.Nodes) != 1 || h.Nodes[0].Version != 1 || h.Nodes[0].Operation != "CREATE" || h.PageInfo.HasNextPage {
		t.Errorf("history's second page: %+v; want version 1 (CREATE) alone", h)
	}
}

func TestChangeFeedFollowsWrites(t *testing.T) {
	e := newEditor(t)
	type change struct {
		Revision  int
		Type      string
		ID        string
		Operation string
		Version   int
		By        string
		Node      *struct{ ID string }
	}
	type feed struct {
		Changes struct {
			Nodes    []change
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	const query = `query($after: String, $types: [ContentType!]) { changes(after: $after, first: 100, types: $types) { nodes { revision type id operation version by node { ... on Node { id } } } pageInfo { hasNextPage endCursor } } }`
	// the end of the feed now, paged to its end
	end := func(h http.Header) *string {
		var after *string
		for {
			var f feed
			e.must(t, h, query, map[string]any{"after": after}, &f)
			if f.Changes.PageInfo.EndCursor != nil {
				after = f.Changes.PageInfo.EndCursor
			}
			if !f.Changes.PageInfo.HasNextPage {
				return after
			}
		}
	}
	draftEnd, publicEnd := end(e.draft()), end(nil)

	c := e.createCoalition(t, "in-the-feed")
	e.updateCoalition(t, c.ID, 1, map[string]any{"name": "Fed"})
	var s struct {
		CreateStakeholder struct{ Stakeholder struct{ ID string } }
	}
	e.must(t, e.header, `mutation { createStakeholder(input: {slug: "fed-stakeholder", name: "Fed", kind: PERSON, category: NGO}) { stakeholder { id } } }`, nil, &s)

	var f feed
	e.must(t, e.draft(), query, map[string]any{"after": draftEnd}, &f)
	got := f.Changes.Nodes
	if len(got) != 2 || got[0].ID != c.ID || got[0].Type != "COALITION" || got[0].Operation != "UPDATE" || got[0].Version != 2 || got[0].By != "editor" ||
		got[1].ID != s.CreateStakeholder.Stakeholder.ID || got[1].Type != "STAKEHOLDER" || got[1].Operation != "CREATE" || got[0].Revision >= got[1].Revision {
		t.Fatalf("the draft feed after three writes: %+v; want the coalition's last write (UPDATE, version 2), then the stakeholder's CREATE", got)
	}
	if got[0].Node == nil || got[0].Node.ID != c.ID {
		t.Errorf("a change's node: %+v", got[0].Node)
	}
	e.must(t, e.draft(), query, map[string]any{"after": draftEnd, "types": []string{"STAKEHOLDER"}}, &f)
	if len(f.Changes.Nodes) != 1 || f.Changes.Nodes[0].Type != "STAKEHOLDER" {
		t.Errorf("the feed of stakeholders: %+v", f.Changes.Nodes)
	}
	// the public feed has publications only
	e.must(t, nil, query, map[string]any{"after": publicEnd}, &f)
	if len(f.Changes.Nodes) != 0 {
		t.Errorf("the public feed shows drafts: %+v", f.Changes.Nodes)
	}
	e.must(t, e.header, `mutation($id: ID!) { publishCoalition(id: $id, expectedVersion: 2) { coalition { id } } }`, map[string]any{"id": c.ID}, nil)
	e.must(t, nil, query, map[string]any{"after": publicEnd}, &f)
	if n := f.Changes.Nodes; len(n) != 1 || n[0].ID != c.ID || n[0].Operation != "PUBLISH" || n[0].Node == nil {
		t.Errorf("the public feed after publishing: %+v", n)
	}
	e.api.Fails(t, "BAD_USER_INPUT", `{ changes(after: "bm90IGEgY3Vyc29y") { nodes { revision } } }`, nil)
}

func TestCoalitionMemberEdits(t *testing.T) {
	e := newEditor(t)
	c := e.createCoalition(t, "with-members")
	member := e.idOf(t, "stakeholder", "stakeholder-002")
	type members struct {
		Coalition struct {
			Version int
			Members struct {
				Edges []struct {
					Role  string
					Since *int
					Node  struct{ ID string }
				}
			}
		}
	}
	const fields = `{ coalition { version members { edges { role since node { id } } } } }`
	vars := func(v int, more map[string]any) map[string]any {
		m := map[string]any{"c": c.ID, "v": v, "s": member}
		for k, x := range more {
			m[k] = x
		}
		return m
	}
	var add struct{ AddCoalitionMember members }
	e.must(t, e.header, `mutation($c: ID!, $v: Int!, $s: ID!) { addCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s, role: MEMBER, since: 2021) `+fields+` }`, vars(1, nil), &add)
	if m := add.AddCoalitionMember.Coalition; m.Version != 2 || len(m.Members.Edges) != 1 || m.Members.Edges[0].Node.ID != member || m.Members.Edges[0].Role != "MEMBER" ||
		m.Members.Edges[0].Since == nil || *m.Members.Edges[0].Since != 2021 {
		t.Errorf("after adding: %+v", m)
	}
	errs := e.refused(t, `mutation($c: ID!, $v: Int!, $s: ID!) { addCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s, role: PARTNER) { coalition { id } } }`, vars(2, nil))
	if len(errs) != 1 || errs[0].Code() != "CONFLICT" || errs[0].Extensions["field"] != "stakeholder" {
		t.Errorf("adding a member twice: %+v; want CONFLICT naming stakeholder", errs)
	}
	if got := e.coalitionNow(t, c.ID); got.Version != 2 {
		t.Errorf("a refused member edit wrote: version %d", got.Version)
	}

	var upd struct{ UpdateCoalitionMember members }
	e.must(t, e.header, `mutation($c: ID!, $v: Int!, $s: ID!, $since: Int) { updateCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s, role: COORDINATOR, since: $since) `+fields+` }`,
		vars(2, map[string]any{"since": nil}), &upd)
	if m := upd.UpdateCoalitionMember.Coalition; m.Version != 3 || len(m.Members.Edges) != 1 || m.Members.Edges[0].Role != "COORDINATOR" || m.Members.Edges[0].Since != nil {
		t.Errorf("after changing the role and clearing the year: %+v", m)
	}
	var rm struct{ RemoveCoalitionMember members }
	e.must(t, e.header, `mutation($c: ID!, $v: Int!, $s: ID!) { removeCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s) `+fields+` }`, vars(3, nil), &rm)
	if m := rm.RemoveCoalitionMember.Coalition; m.Version != 4 || len(m.Members.Edges) != 0 {
		t.Errorf("after removing: %+v", m)
	}
	errs = e.refused(t, `mutation($c: ID!, $v: Int!, $s: ID!) { removeCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s) { coalition { id } } }`, vars(4, nil))
	if len(errs) != 1 || errs[0].Code() != "NOT_FOUND" || errs[0].Extensions["field"] != "stakeholder" {
		t.Errorf("removing a stakeholder that is not a member: %+v", errs)
	}
}

func TestMoveToolkitSection(t *testing.T) {
	e := newEditor(t)
	type section struct {
		ID      string
		Version int
		Number  string
		Parent  *struct{ ID string }
	}
	create := func(slug string, order int, parent *string) section {
		var out struct {
			CreateToolkitSection struct{ ToolkitSection section }
		}
		e.must(t, e.header, `mutation($slug: String!, $order: Int!, $parent: ID) { createToolkitSection(input: {slug: $slug, title: "A section", order: $order, parent: $parent}) { toolkitSection { id version number parent { id } } } }`,
			map[string]any{"slug": slug, "order": order, "parent": parent}, &out)
		return out.CreateToolkitSection.ToolkitSection
	}
	chapter := create("moves-chapter", 50, nil)
	loose := create("moves-loose", 51, nil)
	var out struct {
		MoveToolkitSection struct{ ToolkitSection section }
	}
	e.must(t, e.header, `mutation($id: ID!, $v: Int!, $parent: ID) { moveToolkitSection(id: $id, expectedVersion: $v, parent: $parent, position: 1) { toolkitSection { id version number parent { id } } } }`,
		map[string]any{"id": loose.ID, "v": loose.Version, "parent": chapter.ID}, &out)
	moved := out.MoveToolkitSection.ToolkitSection
	// the move renumbers the toolkit, which may write the chapter and the moved section again: the payload shows
	// the section as stored, under the chapter as it is now
	var now struct {
		Node struct {
			Version int
			Number  string
		}
	}
	e.must(t, e.draft(), `query($id: ID!) { node(id: $id) { ... on ToolkitSection { version number } } }`, map[string]any{"id": chapter.ID}, &now)
	var stored struct{ Node struct{ Version int } }
	e.must(t, e.draft(), `query($id: ID!) { node(id: $id) { ... on ToolkitSection { version } } }`, map[string]any{"id": loose.ID}, &stored)
	if moved.Parent == nil || moved.Parent.ID != chapter.ID || moved.Number != now.Node.Number+".1" || moved.Version <= loose.Version || moved.Version != stored.Node.Version {
		t.Errorf("moved under %s (%s): %+v; stored at version %d", chapter.ID, now.Node.Number, moved, stored.Node.Version)
	}
	errs := e.refused(t, `mutation($id: ID!, $v: Int!) { moveToolkitSection(id: $id, expectedVersion: $v, parent: $id, position: 1) { toolkitSection { id } } }`,
		map[string]any{"id": chapter.ID, "v": now.Node.Version})
	if fields := fieldsOfErrors(errs, "BAD_USER_INPUT"); !slices.Contains(fields, "parent") {
		t.Errorf("a section under itself: %+v; want BAD_USER_INPUT naming parent", errs)
	}
}

func TestDeleteRefusesReferencedItemsUnlessDetached(t *testing.T) {
	e := newEditor(t)
	var s struct {
		CreateStakeholder struct{ Stakeholder struct{ ID string } }
	}
	e.must(t, e.header, `mutation { createStakeholder(input: {slug: "to-delete", name: "Partner", kind: ORGANISATION, category: NGO}) { stakeholder { id } } }`, nil, &s)
	sid := s.CreateStakeholder.Stakeholder.ID
	var i struct {
		CreateInitiative struct{ Initiative struct{ ID string } }
	}
	e.must(t, e.header, `mutation($p: ID!) { createInitiative(input: {slug: "refers", name: "Refers", scope: LOCAL, partners: [$p]}) { initiative { id } } }`, map[string]any{"p": sid}, &i)

	errs := e.refused(t, `mutation($id: ID!) { deleteStakeholder(id: $id, expectedVersion: 1) { deletedId } }`, map[string]any{"id": sid})
	refs, _ := errs[0].Extensions["referrers"].([]any)
	if len(errs) != 1 || errs[0].Code() != "CONFLICT" || len(refs) != 1 {
		t.Fatalf("deleting a partner: %+v; want CONFLICT with one referrer", errs)
	}
	if ref, _ := refs[0].(map[string]any); ref["type"] != "Initiative" || ref["id"] != i.CreateInitiative.Initiative.ID || ref["relation"] == "" {
		t.Errorf("referrer %v", refs[0])
	}
	var del struct{ DeleteStakeholder struct{ DeletedID string } }
	e.must(t, e.header, `mutation($id: ID!) { deleteStakeholder(id: $id, expectedVersion: 1, detach: true) { deletedId } }`, map[string]any{"id": sid}, &del)
	if del.DeleteStakeholder.DeletedID != sid {
		t.Errorf("deleted %q, want %q", del.DeleteStakeholder.DeletedID, sid)
	}
	var left struct {
		Node struct {
			Version  int
			Partners struct{ TotalCount int }
		}
	}
	e.must(t, e.draft(), `query($id: ID!) { node(id: $id) { ... on Initiative { version partners { totalCount } } } }`, map[string]any{"id": i.CreateInitiative.Initiative.ID}, &left)
	if left.Node.Partners.TotalCount != 0 || left.Node.Version != 2 {
		t.Errorf("the referrer after a detached delete: %+v; want no partners, at version 2", left.Node)
	}
}

func TestMutationsNeedAnEditor(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(2))
	e := api.Fails(t, "UNAUTHENTICATED", `mutation { createStakeholder(input: {slug: "anon", name: "Anon", kind: PERSON, category: NGO}) { stakeholder { id } } }`, nil)
	if e.Message == "" {
		t.Errorf("no message: %+v", e)
	}
	preview := http.Header{"Authorization": {"Bearer " + api.Key(t, "previewer", "PREVIEW")}}
	r := api.QueryWith(preview, `mutation { createStakeholder(input: {slug: "preview", name: "Preview", kind: PERSON, category: NGO}) { stakeholder { id } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("a PREVIEW key's mutation: %+v", r.Errors)
	}
}
