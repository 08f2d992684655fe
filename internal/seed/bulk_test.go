package seed_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/seed"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// itemByItem is a store whose collections cannot create a block of items, so that the seed creates each new
// item on its own, as it did before the bulk path.
type itemByItem struct{ content.Store }

type one[T any, F any, O any] struct{ content.Content[T, F, O] }

type oneCountry struct {
	content.Collection[content.Country, content.CountryFilter, *content.CountryOrder]
}

func (s itemByItem) Countries() content.Collection[content.Country, content.CountryFilter, *content.CountryOrder] {
	return oneCountry{s.Store.Countries()}
}
func (s itemByItem) Stakeholders() content.Content[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder] {
	return one[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder]{s.Store.Stakeholders()}
}
func (s itemByItem) Coalitions() content.Content[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder] {
	return one[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder]{s.Store.Coalitions()}
}
func (s itemByItem) Initiatives() content.Content[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder] {
	return one[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder]{s.Store.Initiatives()}
}
func (s itemByItem) ToolkitSections() content.Content[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder] {
	return one[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder]{s.Store.ToolkitSections()}
}
func (s itemByItem) BlogPosts() content.Content[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder] {
	return one[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder]{s.Store.BlogPosts()}
}

// dump is every document of every collection of db, by collection, in id order, with its times left out (two
// loads run at different times).
func dump(t *testing.T, db *mongo.Database) map[string][]bson.D {
	t.Helper()
	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]bson.D{}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.D
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for i := range docs {
			docs[i] = timeless(docs[i]).(bson.D)
		}
		slices.SortFunc(docs, func(a, b bson.D) int {
			x, _ := a[0].Value.(string)
			y, _ := b[0].Value.(string)
			return cmpString(x, y)
		})
		out[name] = docs
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// timeless is v with every time replaced by a mark.
func timeless(v any) any {
	switch x := v.(type) {
	case bson.D:
		out := make(bson.D, len(x))
		for i, e := range x {
			out[i] = bson.E{Key: e.Key, Value: timeless(e.Value)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = timeless(e)
		}
		return out
	case bson.DateTime, time.Time:
		return "a time"
	}
	return v
}

// A fresh load through the bulk path stores exactly what creating each item on its own stores: in both stages,
// the history, the memberships with their copies of the ends, the revisions. Only the times differ.
func TestBulkLoadStoresWhatItemByItemStores(t *testing.T) {
	d := apitest.Fixture(12)
	load := func(wrap func(content.Store) content.Store) map[string][]bson.D {
		db := apitest.Database(t)
		store := mongostore.New(db)
		if err := store.EnsureIndexes(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := seed.Load(context.Background(), wrap(store), d); err != nil {
			t.Fatal(err)
		}
		return dump(t, db)
	}
	bulk := load(func(s content.Store) content.Store { return s })
	single := load(func(s content.Store) content.Store { return itemByItem{s} })
	if len(bulk) != len(single) || len(bulk["memberships"]) == 0 || len(bulk["history"]) == 0 {
		t.Fatalf("collections: bulk %d, item by item %d", len(bulk), len(single))
	}
	for name, want := range single {
		got := bulk[name]
		if len(got) != len(want) {
			t.Errorf("%s: %d documents, want %d", name, len(got), len(want))
			continue
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: document %d differs:\n  bulk         %v\n  item by item %v", name, i, got[i], want[i])
				break
			}
		}
	}
}
