package mongostore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"

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

// Memberships an older build wrote do not repeat the fields of their ends; start-up (EnsureIndexes) fills them in
// both stages, so that the membership aggregate counts them as it counts the memberships written now.
func TestStartUpFillsTheCopiesOfMemberships(t *testing.T) {
	ctx := context.Background()
	db := apitest.Database(t)
	store := mongostore.New(db)
	if err := store.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := seed.Load(ctx, store, apitest.Fixture(12)); err != nil {
		t.Fatal(err)
	}
	filter := &content.MembershipFilter{Coalition: &content.CoalitionFilter{Status: []content.CoalitionStatus{"ACTIVE"}}}
	by := []content.MembershipDimension{"STAKEHOLDER_CATEGORY", "COALITION_COUNTRY"}
	draft := content.WithScope(content.WithViewer(ctx, content.System), content.ScopeDraft)
	aggregates := func() []string {
		t.Helper()
		var out []string
		for _, c := range []context.Context{ctx, draft} {
			agg, err := store.MembershipAggregate(c, filter, by)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(agg.Count))
			for _, g := range agg.Groups {
				out = append(out, fmt.Sprintf("%s/%s:%d", *g.Keys[0].Value, *g.Keys[1].Value, g.Count))
			}
		}
		return out
	}
	want := aggregates()
	for _, name := range []string{"memberships", "draft_memberships"} {
		if _, err := db.Collection(name).UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "coalitionStatus", Value: ""},
			{Key: "coalitionCountryCode", Value: ""}, {Key: "stakeholderCategory", Value: ""}, {Key: "copiesVersion", Value: ""}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := aggregates(); slices.Equal(got, want) {
		t.Fatalf("without the copies the aggregate is unchanged (%v): the test proves nothing", got)
	}
	for range 2 { // idempotent
		if err := store.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := aggregates(); !slices.Equal(got, want) {
		t.Errorf("after start-up:\n  got  %v\n  want %v", got, want)
	}
}
