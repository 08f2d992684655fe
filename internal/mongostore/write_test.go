package mongostore_test

import (
	"context"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/mongostore"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Documents an older build wrote have no version; start-up (EnsureIndexes) gives them version 1 and leaves the
// version of the others as it is.
func TestStartUpBackfillsVersions(t *testing.T) {
	ctx := context.Background()
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
	got, err := store.Coalitions.ByIDs(ctx, []string{"old", "new"})
	if err != nil {
		t.Fatal(err)
	}
	if got["old"].Version != 1 || got["new"].Version != 7 {
		t.Errorf("versions after start-up: old %d, new %d; want 1 and 7", got["old"].Version, got["new"].Version)
	}
	ms, err := store.Memberships(ctx, "coalitionId", []string{"old"}, nil)
	if err != nil || len(ms) != 1 || ms[0].Version != 1 {
		t.Errorf("membership after start-up: %+v (%v), want version 1", ms, err)
	}
}
