package mongostore_test

import (
	"context"
	"slices"
	"testing"

	"coalitiongraph/internal/content"
)

// editing is a request context of an EDITOR key, reading the draft stage.
func editing() context.Context {
	return content.WithScope(content.WithViewer(context.Background(), &content.Viewer{Name: "alice", Role: content.RoleEditor}), content.ScopeDraft)
}

// The published stage is a closed graph: a published item's links to unpublished items are not there until
// those are published, and go when they are unpublished; the draft keeps them throughout.
func TestPublishingKeepsThePublishedGraphClosed(t *testing.T) {
	store := newStore(t)
	if _, err := store.Countries().Create(content.WithPublishOnWrite(context.Background()), &content.Country{Code: "AT", Name: "Austria"}); err != nil {
		t.Fatal(err)
	}
	ctx, public := editing(), context.Background()
	s, err := store.Stakeholders().Create(ctx, &content.Stakeholder{Slug: "ada", Name: "Ada", Kind: "PERSON", Category: "OTHER", Tags: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	c := coalition("at", "Austria coalition")
	c.Roster = []content.MemberRef{{StakeholderID: s.ID, Role: "MEMBER"}}
	if c, err = store.Coalitions().Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.PublicationStatus != content.StatusDraft || c.CreatedBy != "alice" || c.Version != 1 {
		t.Errorf("created %+v", c.Record)
	}
	if got, _ := store.Coalitions().Get(public, []string{c.ID}); len(got) != 0 {
		t.Fatalf("an anonymous read found the draft coalition")
	}
	if c, err = store.Coalitions().Publish(ctx, c.ID, 1); err != nil {
		t.Fatal(err)
	}
	if c.PublicationStatus != content.StatusPublished || c.Version != 2 || c.PublishedVersion == nil || *c.PublishedVersion != 2 {
		t.Errorf("published %+v, version %d", c.Record, c.Version)
	}
	members := func(ctx context.Context) []string {
		ms, err := store.Memberships().Of(ctx, content.TypeCoalition, []string{c.ID}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.StakeholderID)
		}
		return ids
	}
	pub := func() *content.Coalition {
		got, err := store.Coalitions().Get(public, []string{c.ID})
		if err != nil || got[c.ID] == nil {
			t.Fatalf("published coalition: %v, %v", got, err)
		}
		return got[c.ID]
	}
	if m := members(public); len(m) != 0 || len(pub().Roster) != 0 {
		t.Errorf("published coalition with a draft member: memberships %v, roster %v", m, pub().Roster)
	}
	if m := members(ctx); !slices.Equal(m, []string{s.ID}) {
		t.Errorf("draft memberships %v", m)
	}
	if _, err := store.Stakeholders().Publish(ctx, s.ID, 1); err != nil {
		t.Fatal(err)
	}
	if m := members(public); !slices.Equal(m, []string{s.ID}) || len(pub().Roster) != 1 {
		t.Errorf("after publishing the member: memberships %v, roster %v", m, pub().Roster)
	}
	if _, err := store.Stakeholders().Unpublish(ctx, s.ID, 2); err != nil {
		t.Fatal(err)
	}
	if m := members(public); len(m) != 0 || len(pub().Roster) != 0 {
		t.Errorf("after unpublishing the member: memberships %v, roster %v", m, pub().Roster)
	}
	// editing a published item changes its draft only
	if _, err := store.Coalitions().Update(ctx, c.ID, 2, func(x *content.Coalition) { x.Name = "Renamed"; x.Slug = "renamed" }); err != nil {
		t.Fatal(err)
	}
	if p := pub(); p.Name != "Austria coalition" {
		t.Errorf("the live coalition changed with its draft: %q", p.Name)
	}
	d, err := store.Coalitions().BySlug(ctx, "at")
	if err != nil || d.Slug != "renamed" || d.PublicationStatus != content.StatusChanged {
		t.Errorf("the draft by its former slug: %+v, %v", d, err)
	}
	// a delete of a referenced item is refused, naming the referrer, unless it detaches
	e := wantError(t, store.Stakeholders().Delete(ctx, s.ID, 3, false), content.EConflict, "id")
	if len(e.Referrers) != 1 || e.Referrers[0].ID != c.ID || e.Referrers[0].Relation != "MEMBER_OF" {
		t.Errorf("referrers %+v", e.Referrers)
	}
	if err := store.Stakeholders().Delete(ctx, s.ID, 3, true); err != nil {
		t.Fatal(err)
	}
	if m := members(ctx); len(m) != 0 {
		t.Errorf("draft memberships after the detaching delete: %v", m)
	}
	changes, _, err := store.Changes(ctx, 0, 100, nil)
	if err != nil || len(changes) != 2 || changes[1].Operation != content.OpDelete {
		t.Errorf("draft feed %+v, %v", changes, err)
	}
	h, err := store.Coalitions().History(ctx, c.ID, content.Window{First: 10})
	if err != nil || len(h.Items) != 4 || h.Items[0].Operation != content.OpUpdate {
		t.Fatalf("history %+v, %v", h.Items, err)
	}
	if got := h.Items[1].Changed; !slices.Equal(got, []string{"name", "slug"}) {
		t.Errorf("changed fields %v", got)
	}
	// anonymous requests have no way to the drafts, the history or the edits
	wantError(t, func() error {
		_, err := store.Coalitions().Get(content.WithScope(public, content.ScopeDraft), []string{c.ID})
		return err
	}(), content.EUnauthenticated, "")
	wantError(t, func() error { _, err := store.Coalitions().History(public, c.ID, content.Window{}); return err }(), content.EUnauthenticated, "")
	wantError(t, func() error { _, err := store.Coalitions().Create(public, coalition("x", "X")); return err }(), content.EUnauthenticated, "")
}

// A renamed item's old slug stays live until the item is published again; another item cannot take it live
// before then, and nothing is written when it tries.
func TestALiveSlugIsKeptUntilRepublished(t *testing.T) {
	store := newStore(t)
	if _, err := store.Countries().Create(content.WithPublishOnWrite(context.Background()), &content.Country{Code: "AT", Name: "Austria"}); err != nil {
		t.Fatal(err)
	}
	ctx := editing()
	a, err := store.Coalitions().Create(ctx, coalition("a", "A"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err = store.Coalitions().Publish(ctx, a.ID, a.Version); err != nil {
		t.Fatal(err)
	}
	if a, err = store.Coalitions().Update(ctx, a.ID, a.Version, func(c *content.Coalition) { c.Slug = "b" }); err != nil {
		t.Fatal(err)
	}
	b, err := store.Coalitions().Create(ctx, coalition("a", "B"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Coalitions().Publish(ctx, b.ID, b.Version)
	wantError(t, err, content.EConflict, "slug")
	if live, err := store.Coalitions().BySlug(context.Background(), "a"); err != nil || live.ID != a.ID {
		t.Errorf("the live slug a finds %+v, %v; want the renamed coalition", live, err)
	}
	if _, err := store.Coalitions().Publish(ctx, a.ID, a.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Coalitions().Publish(ctx, b.ID, b.Version); err != nil {
		t.Fatalf("publish once the slug is free: %v", err)
	}
	if live, err := store.Coalitions().BySlug(context.Background(), "a"); err != nil || live.ID != b.ID {
		t.Errorf("the slug a finds %+v, %v; want the coalition that holds it now", live, err)
	}
	if old, err := store.Coalitions().BySlug(context.Background(), "b"); err != nil || old.ID != a.ID {
		t.Errorf("the slug b finds %+v, %v", old, err)
	}
}
