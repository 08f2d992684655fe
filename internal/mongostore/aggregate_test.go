package mongostore_test

import (
	"context"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestMain(m *testing.M) { apitest.Main(m) }

// Blog posts written by a build that did not store publishedMonth get it at start-up (EnsureIndexes), so that
// grouping by MONTH counts them; posts written now carry it already.
func TestStartUpBackfillsPublishedMonth(t *testing.T) {
	ctx := content.WithPublishOnWrite(context.Background())
	db := apitest.Database(t)
	store := mongostore.New(db)
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	// two old documents, as an older build wrote them: no publishedMonth
	old := []any{
		bson.D{{Key: "_id", Value: "old-1"}, {Key: "slug", Value: "old-1"}, {Key: "title", Value: "Old one"}, {Key: "publishedOn", Value: *day("2016-12-31")}},
		bson.D{{Key: "_id", Value: "old-2"}, {Key: "slug", Value: "old-2"}, {Key: "title", Value: "Old two"}},
	}
	if _, err := db.Collection("blogPosts").InsertMany(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := store.BlogPosts().Create(ctx, &content.BlogPost{Slug: "new", Title: "New", PublishedOn: day("2017-01-15")}); err != nil {
		t.Fatal(err)
	}
	months := func() map[string]int {
		t.Helper()
		agg, err := store.BlogPostAggregate(ctx, nil, []content.BlogPostDimension{"MONTH"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, g := range agg.Groups {
			v := "null"
			if g.Keys[0].Value != nil {
				v = *g.Keys[0].Value
			}
			out[v] = g.Count
		}
		return out
	}
	if got := months(); got["2016-12"] != 0 || got["null"] != 2 || got["2017-01"] != 1 {
		t.Fatalf("before the backfill: %v, want the dated old post among the unknown", got)
	}
	for range 2 { // idempotent
		if err := store.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := months(); got["2016-12"] != 1 || got["null"] != 1 || got["2017-01"] != 1 || len(got) != 3 {
		t.Errorf("after the backfill: %v, want 2016-12: 1, 2017-01: 1, null: 1", got)
	}
}
