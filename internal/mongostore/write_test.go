package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Documents an older build wrote have no version; start-up (EnsureIndexes) gives them version 1 and leaves the
// version of the others as it is.
func TestStartUpBackfillsVersions(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	db := apitest.Database(t)
	old := []any{
		bson.D{{Key: "_id", Value: "old"}, {Key: "slug", Value: "old"}, {Key: "name", Value: "Old"}},
		bson.D{{Key: "_id", Value: "new"}, {Key: "slug", Value: "new"}, {Key: "name", Value: "New"}, {Key: "version", Value: 7}},
	}
	if _, err := db.Collection("coalitions").InsertMany(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("memberships").InsertOne(ctx, bson.D{{Key: "_id", Value: "m"}, {Key: "coalitionId", Value: "old"},
		{Key: "stakeholderId", Value: "s"}, {Key: "role", Value: "MEMBER"}}); err != nil {
		t.Fatal(err)
	}
	store := mongostore.New(db)
	for range 2 { // idempotent
		if err := store.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.Coalitions().Get(ctx, []string{"old", "new"})
	if err != nil {
		t.Fatal(err)
	}
	if got["old"].Version != 1 || got["new"].Version != 7 {
		t.Errorf("versions after start-up: old %d, new %d; want 1 and 7", got["old"].Version, got["new"].Version)
	}
	ms, err := store.Memberships().Of(ctx, content.TypeCoalition, []string{"old"}, nil)
	if err != nil || len(ms) != 1 || ms[0].Version != 1 {
		t.Errorf("membership after start-up: %+v (%v), want version 1", ms, err)
	}
}

func newStore(t *testing.T) *mongostore.Store {
	t.Helper()
	store := mongostore.New(apitest.Database(t))
	if err := store.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store
}

// wantError fails the test unless err is a content error with the code and field.
func wantError(t *testing.T, err error, code, field string) *content.Error {
	t.Helper()
	var e *content.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("error %v, want %s on %q", err, code, field)
	}
	return e
}

func coalition(slug, name string) *content.Coalition {
	return &content.Coalition{Slug: slug, Name: name, CountryCode: "AT", Status: "ACTIVE", Scope: "NATIONAL",
		FocusAreas: []content.FocusArea{}, Tags: []string{}}
}

// read returns the stored coalition with the given id.
func read(t *testing.T, store *mongostore.Store, id string) *content.Coalition {
	t.Helper()
	found, err := store.Coalitions().Get(context.Background(), []string{id})
	if err != nil || found[id] == nil {
		t.Fatalf("read %s: %v, %v", id, found, err)
	}
	return found[id]
}

// Create gives an id, version 1, updatedAt and the derived fields; it keeps a given id.
func TestCreate(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	store := newStore(t)
	if _, err := store.Countries().Create(ctx, &content.Country{Code: "AT", Name: "Austria"}); err != nil {
		t.Fatal(err)
	}
	item := coalition("one", "Ålborg alliance")
	got, err := store.Coalitions().Create(ctx, item)
	if err != nil {
		t.Fatal(err)
	}
	if !content.ValidLocalID(content.TypeCoalition, got.ID) || got.Version != 1 || got.UpdatedAt.IsZero() ||
		got.SortName != "alborg alliance" || got.CountryName != "Austria" || item.ID != "" {
		t.Errorf("created %+v (the item given: id %q)", got, item.ID)
	}
	if stored := read(t, store, got.ID); !reflect.DeepEqual(stored, got) {
		t.Errorf("stored %+v,\nreturned %+v", stored, got)
	}
	given := coalition("two", "Two")
	given.ID = "0123456789abcdef01234567"
	if got, err := store.Coalitions().Create(ctx, given); err != nil || got.ID != given.ID {
		t.Errorf("create with an id: %+v, %v", got, err)
	}
	again := coalition("three", "Three")
	again.ID = given.ID
	_, err = store.Coalitions().Create(ctx, again)
	wantError(t, err, content.EConflict, "id")
	_, err = store.Countries().Create(ctx, &content.Country{Code: "AT", Name: "Österreich"})
	wantError(t, err, content.EConflict, "code")
	if c, err := store.Countries().Get(ctx, []string{"AT"}); err != nil || c["AT"].Name != "Austria" {
		t.Errorf("country after the refused create: %+v, %v", c["AT"], err)
	}
}

// A slug another item holds is a CONFLICT on the slug, on create and on an update that renames; neither item
// changes.
func TestDuplicateSlugIsConflict(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	store := newStore(t)
	a, err := store.Coalitions().Create(ctx, coalition("alpha", "Alpha"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Coalitions().Create(ctx, coalition("beta", "Beta"))
	if err != nil {
		t.Fatal(err)
	}

	_, err = store.Coalitions().Create(ctx, coalition("alpha", "Another alpha"))
	if e := wantError(t, err, content.EConflict, "slug"); e.Message != `another coalition has the slug "alpha"` {
		t.Errorf("message %q", e.Message)
	}
	_, err = store.Coalitions().Update(ctx, b.ID, b.Version, func(c *content.Coalition) { c.Slug, c.Name = "alpha", "Renamed" })
	wantError(t, err, content.EConflict, "slug")

	if got := read(t, store, a.ID); !reflect.DeepEqual(got, a) {
		t.Errorf("the holder of the slug changed:\n got %+v\nwant %+v", got, a)
	}
	if got := read(t, store, b.ID); !reflect.DeepEqual(got, b) {
		t.Errorf("the renamed item changed:\n got %+v\nwant %+v", got, b)
	}
	all, err := store.Coalitions().All(ctx)
	if err != nil || len(all) != 2 {
		t.Errorf("after the refused writes: %d coalitions (%v), want 2", len(all), err)
	}
}

// An update made against a version that is no longer current is a CONFLICT carrying the current version, and
// writes nothing.
func TestUpdateStaleVersion(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	store := newStore(t)
	c, err := store.Coalitions().Create(ctx, coalition("alpha", "Alpha"))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := store.Coalitions().Update(ctx, c.ID, 1, func(c *content.Coalition) { c.Name = "Alpha two"; c.ID = "elsewhere" })
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.ID != c.ID || v2.Name != "Alpha two" || v2.SortName != "alpha two" || v2.UpdatedAt.Before(c.UpdatedAt) {
		t.Errorf("updated %+v", v2)
	}
	_, err = store.Coalitions().Update(ctx, c.ID, 1, func(c *content.Coalition) { c.Name = "Stale" })
	e := wantError(t, err, content.EConflict, "version")
	if e.CurrentVersion == nil || *e.CurrentVersion != 2 {
		t.Errorf("current version %v, want 2", e.CurrentVersion)
	}
	if got := read(t, store, c.ID); !reflect.DeepEqual(got, v2) {
		t.Errorf("the stale update wrote:\n got %+v\nwant %+v", got, v2)
	}
}

// 50 writers update one document against the same version at once: exactly one wins, the others get CONFLICT
// with the winner's version, and the document holds exactly the winner's change.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	store := newStore(t)
	c, err := store.Coalitions().Create(ctx, coalition("alpha", "Alpha"))
	if err != nil {
		t.Fatal(err)
	}
	const writers = 50
	results := make([]*content.Coalition, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			results[i], errs[i] = store.Coalitions().Update(ctx, c.ID, c.Version, func(c *content.Coalition) {
				c.Name = fmt.Sprintf("Writer %d", i)
				c.Tags = []string{fmt.Sprint(i)}
			})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("writers %d and %d both succeeded", winner, i)
			}
			winner = i
			continue
		}
		var e *content.Error
		if !errors.As(err, &e) || e.Code != content.EConflict || e.CurrentVersion == nil || *e.CurrentVersion != 2 {
			t.Errorf("writer %d: %v, want CONFLICT at version 2", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer succeeded")
	}
	got := read(t, store, c.ID)
	if got.Name != fmt.Sprintf("Writer %d", winner) || !slices.Equal(got.Tags, []string{fmt.Sprint(winner)}) || got.Version != 2 ||
		!reflect.DeepEqual(got, results[winner]) {
		t.Errorf("stored %+v, want writer %d's change at version 2: %+v", got, winner, results[winner])
	}
}

// A delete made against a stale version removes nothing; a delete at the current version removes the item, and a
// later update or delete of it is NOT_FOUND.
func TestDelete(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	store := newStore(t)
	c, err := store.Coalitions().Create(ctx, coalition("alpha", "Alpha"))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := store.Coalitions().Update(ctx, c.ID, 1, func(c *content.Coalition) { c.Name = "Alpha two" })
	if err != nil {
		t.Fatal(err)
	}
	e := wantError(t, store.Coalitions().Delete(ctx, c.ID, 1, false), content.EConflict, "version")
	if e.CurrentVersion == nil || *e.CurrentVersion != 2 {
		t.Errorf("current version %v, want 2", e.CurrentVersion)
	}
	if got := read(t, store, c.ID); !reflect.DeepEqual(got, v2) {
		t.Errorf("the stale delete changed the item:\n got %+v\nwant %+v", got, v2)
	}
	if err := store.Coalitions().Delete(ctx, c.ID, 2, false); err != nil {
		t.Fatal(err)
	}
	_, err = store.Coalitions().Update(ctx, c.ID, 2, func(c *content.Coalition) { c.Name = "Back" })
	wantError(t, err, content.ENotFound, "id")
	wantError(t, store.Coalitions().Delete(ctx, c.ID, 2, false), content.ENotFound, "id")
	if all, err := store.Coalitions().All(ctx); err != nil || len(all) != 0 {
		t.Errorf("after the delete: %d coalitions (%v)", len(all), err)
	}
}

// An item written after its country was renamed through the store carries the new name in its derived fields, and
// a country the store has not seen yet is read when an item needs it.
func TestDerivedCountryNamesFollowCountryWrites(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	db := apitest.Database(t)
	store := mongostore.New(db)
	if err := store.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	at, err := store.Countries().Create(ctx, &content.Country{Code: "AT", Name: "Austria"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Coalitions().Create(ctx, coalition("before", "Before")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Countries().Update(ctx, "AT", at.Version, func(c *content.Country) { c.Name = "Österreich" }); err != nil {
		t.Fatal(err)
	}
	after, err := store.Coalitions().Create(ctx, coalition("after", "After"))
	if err != nil {
		t.Fatal(err)
	}
	if after.CountryName != "Österreich" {
		t.Errorf("coalition written after the rename: country name %q, want Österreich", after.CountryName)
	}
	// another writer's country, unknown to this store until an item needs it
	if _, err := db.Collection("countries").InsertOne(ctx, bson.D{{Key: "_id", Value: "BE"}, {Key: "name", Value: "Belgium"}, {Key: "version", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	be := coalition("brussels", "Brussels")
	be.CountryCode = "BE"
	got, err := store.Coalitions().Create(ctx, be)
	if err != nil {
		t.Fatal(err)
	}
	if got.CountryName != "Belgium" {
		t.Errorf("coalition in a country written elsewhere: country name %q, want Belgium", got.CountryName)
	}
}
