// Package mongostore stores the content graph in MongoDB (or FerretDB) through the official driver. It owns the
// document shapes, the query building from typed filters, the indexes and the mapping of storage errors.
package mongostore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Store is the content graph in one MongoDB database. It implements content.Store.
type Store struct {
	db          *mongo.Database
	memberships *mongo.Collection
	locks       documentLocks
	// revisionMu makes taking a revision one step in this process; publishing runs the publications one at a
	// time (see kind.publication).
	revisionMu, publishing sync.Mutex
	// idReadsOnly is set (by EnsureIndexes) where the database reads a whole collection for any filter but
	// {_id: x} (scansAll): there a few documents are cheaper read one by one than by $in.
	idReadsOnly atomic.Bool
	// taken is the highest revision this process has taken (TakenRevision).
	taken        atomic.Int64
	countryNames countryMemo
	coalitions   *kind[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder]
	stakeholders *kind[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder]
	initiatives  *kind[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder]
	toolkit      *kind[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder]
	blogPosts    *kind[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder]
	countries    *kind[content.Country, content.CountryFilter, *content.CountryOrder]
	// contentKinds are the kinds of content (not countries) by type.
	contentKinds map[content.TypeName]nodeKind
	keys         *apiKeys
}

var _ content.Store = (*Store)(nil)

// collections names the collection of each type of document, and the type in messages.
var collections = map[content.TypeName]struct{ name, noun string }{
	content.TypeCoalition:      {"coalitions", "coalition"},
	content.TypeStakeholder:    {"stakeholders", "stakeholder"},
	content.TypeInitiative:     {"initiatives", "initiative"},
	content.TypeToolkitSection: {"toolkitSections", "toolkit section"},
	content.TypeBlogPost:       {"blogPosts", "blog post"},
	content.TypeCountry:        {"countries", "country"},
	membershipsType:            {"memberships", "membership"},
}

// membershipsType stands for memberships in collections: they are documents, not a type of node.
const membershipsType content.TypeName = "Membership"

// collectionType is the type of the documents of the named collection.
func collectionType(name string) content.TypeName {
	for t, c := range collections {
		if c.name == name {
			return t
		}
	}
	return ""
}

// New returns the store over db.
func New(db *mongo.Database) *Store {
	s := &Store{db: db, memberships: db.Collection(collections[membershipsType].name), keys: newKeys(db)}
	s.coalitions = s.coalitionKind()
	s.stakeholders = s.stakeholderKind()
	s.initiatives = s.initiativeKind()
	s.toolkit = s.toolkitKind()
	s.blogPosts = s.blogPostKind()
	s.countries = s.countryKind()
	s.contentKinds = map[content.TypeName]nodeKind{content.TypeCoalition: s.coalitions, content.TypeStakeholder: s.stakeholders,
		content.TypeInitiative: s.initiatives, content.TypeToolkitSection: s.toolkit, content.TypeBlogPost: s.blogPosts}
	return s
}

// Coalitions implements content.Store.
func (s *Store) Coalitions() content.Content[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder] {
	return s.coalitions
}

// Stakeholders implements content.Store.
func (s *Store) Stakeholders() content.Content[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder] {
	return s.stakeholders
}

// Initiatives implements content.Store.
func (s *Store) Initiatives() content.Content[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder] {
	return s.initiatives
}

// ToolkitSections implements content.Store.
func (s *Store) ToolkitSections() content.Content[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder] {
	return s.toolkit
}

// BlogPosts implements content.Store.
func (s *Store) BlogPosts() content.Content[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder] {
	return s.blogPosts
}

// Countries implements content.Store.
func (s *Store) Countries() content.Collection[content.Country, content.CountryFilter, *content.CountryOrder] {
	return s.countries
}

// Memberships implements content.Store.
func (s *Store) Memberships() content.Memberships { return memberships{s} }

// Ping tells whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// Empty implements content.Store: a store with no country and no coalition holds no content.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	for _, coll := range []*mongo.Collection{s.countries.coll, s.coalitions.coll} {
		found, err := readAll[bson.Raw](ctx, coll, "find", bson.D{}, func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
			return coll.Find(ctx, q, options.Find().SetLimit(1).SetProjection(bson.D{{Key: "_id", Value: 1}}))
		})
		if err != nil || len(found) > 0 {
			return false, err
		}
	}
	return true, nil
}

// EnsureIndexes creates, idempotently, an index for every query shape the API issues: unique slugs, each ordering
// with its id tie-break, each filter and each relation lookup (on the embedded store only the unique ones, see
// scansAll). It creates only the indexes that are missing (by
// name): FerretDB 1.24 fails on a createIndexes for an index that exists. Then it re-derives the derived fields
// (search index, sort name, a post's month) of the documents an older build wrote (see reindex), and gives those
// without a version version 1.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	unique := map[string]bool{} // the names of the unique indexes
	index := func(isUnique bool, fields ...string) mongo.IndexModel {
		keys := bson.D{}
		for _, f := range fields {
			keys = append(keys, bson.E{Key: f, Value: 1})
		}
		unique[indexName(keys)] = unique[indexName(keys)] || isUnique
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetUnique(isUnique).SetName(indexName(keys))}
	}
	ordered := func(fields ...string) mongo.IndexModel { return index(false, append(fields, "_id")...) }
	common := []mongo.IndexModel{index(true, "slug"), ordered("sortName"), ordered("updatedAt"), ordered("keywords"), ordered("tags"),
		ordered("indexVersion"), index(false, "revision"), ordered("formerSlugs")}
	plan := map[*mongo.Collection][]mongo.IndexModel{
		s.coalitions.coll: append(common, append(s.coalitions.relationIndexes(ordered), ordered("status", "sortName"),
			ordered("scope"), ordered("launchYear"), ordered("focusAreas"))...),
		s.stakeholders.coll: append(common, append(s.stakeholders.relationIndexes(ordered), ordered("kind", "sortName"),
			ordered("category", "sortName"))...),
		s.initiatives.coll: append(common, append(s.initiatives.relationIndexes(ordered), ordered("scope", "sortName"),
			ordered("startYear"), ordered("focusAreas"))...),
		s.toolkit.coll:              append(common, append(s.toolkit.relationIndexes(ordered), ordered("position"), ordered("depth"))...),
		s.blogPosts.coll:            append(common, append(s.blogPosts.relationIndexes(ordered), ordered("publishedOn"))...),
		s.countries.coll:            {ordered("sortName"), ordered("euMember", "sortName"), ordered("keywords"), ordered("indexVersion")},
		s.db.Collection(searchName): {ordered("keywords"), ordered("type", "keywords")},
		s.memberships: {index(true, endField(content.TypeCoalition), endField(content.TypeStakeholder)),
			index(true, endField(content.TypeStakeholder), endField(content.TypeCoalition)), ordered("role")},
	}
	// the membership aggregate matches and groups the copies of the ends' fields
	for _, t := range []content.TypeName{content.TypeCoalition, content.TypeStakeholder} {
		for _, f := range copiedFields[t] {
			plan[s.memberships] = append(plan[s.memberships], ordered(copyField(t, f)))
		}
	}
	for coll, models := range maps.Clone(plan) {
		if stagedNames[coll.Name()] {
			plan[draftOf(coll)] = models
		}
		for _, r := range links(collectionType(coll.Name())) {
			plan[coll] = append(plan[coll], ordered(intendedField+"."+r.Field))
		}
	}
	history := s.db.Collection(historyName)
	plan[history] = []mongo.IndexModel{index(true, "type", "itemId", "version")}
	for _, c := range []*mongo.Collection{s.db.Collection(tombstonesName), draftOf(s.db.Collection(tombstonesName))} {
		plan[c] = []mongo.IndexModel{index(false, "revision")}
	}
	if s.scansAll(ctx) {
		s.idReadsOnly.Store(true)
		for coll, models := range plan {
			plan[coll] = slices.DeleteFunc(slices.Clone(models), func(m mongo.IndexModel) bool { return !unique[indexName(m.Keys.(bson.D))] })
		}
	}
	for coll, models := range plan {
		cur, err := coll.Indexes().List(ctx)
		if err != nil {
			return fmt.Errorf("list indexes of %s: %w", coll.Name(), err)
		}
		var existing []struct {
			Name string `bson:"name"`
		}
		if err := cur.All(ctx, &existing); err != nil {
			return fmt.Errorf("list indexes of %s: %w", coll.Name(), err)
		}
		names := make([]string, len(existing))
		for i, e := range existing {
			names[i] = e.Name
		}
		var missing []mongo.IndexModel
		for _, m := range models {
			if !slices.Contains(names, indexName(m.Keys.(bson.D))) {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if _, err := coll.Indexes().CreateMany(ctx, missing); err != nil {
			return fmt.Errorf("create indexes on %s: %w", coll.Name(), err)
		}
	}
	if err := s.keys.ensureIndexes(ctx); err != nil {
		return err
	}
	if err := s.backfillVersions(ctx, slices.Collect(maps.Keys(plan))); err != nil {
		return err
	}
	if err := s.reindex(ctx); err != nil {
		return err
	}
	return s.reindex(content.WithScope(content.WithViewer(ctx, content.System), content.ScopeDraft))
}

// ReadsByIDOnly tells whether the store reads a few documents by _id one by one, where the database would read a
// whole collection for an $in of them (scansAll): what a test of the commands of a search expects.
func (s *Store) ReadsByIDOnly() bool { return s.idReadsOnly.Load() }

// scansAll tells whether the database reads every document of a collection for any query but {_id: x}: FerretDB
// 1.x, the embedded store, whose SQLite backend pushes down nothing else. There an index serves no query and
// costs every write (each index is a JSON expression the backend evaluates on every insert and update: they were
// half of the time of loading the generated dataset), so EnsureIndexes makes only the unique ones, which keep
// slugs unique.
func (s *Store) scansAll(ctx context.Context) bool {
	var info struct {
		FerretDB string `bson:"ferretdbVersion"`
	}
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false
	}
	// A FerretDB built as a module (the embedded store) knows no version of its own: "unknown".
	return strings.HasPrefix(info.FerretDB, "v1.") || info.FerretDB == "unknown"
}

// backfillVersions gives version 1 to the documents an older build wrote, which have none, in one command per
// collection; on a current database they match nothing.
func (s *Store) backfillVersions(ctx context.Context, colls []*mongo.Collection) error {
	for _, coll := range colls {
		_, err := coll.UpdateMany(ctx, bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 1}}}})
		if err != nil {
			return storeErr("backfill versions of "+coll.Name(), err)
		}
	}
	return nil
}

// relationIndexes are the indexes of the relations the kind's documents hold (content.Relations): each
// relation's field, then the field of the kind's default order, which relation fields list their items in.
func (k *kind[T, F, O]) relationIndexes(ordered func(fields ...string) mongo.IndexModel) []mongo.IndexModel {
	keys, _ := k.sort(nil)
	var out []mongo.IndexModel
	for _, r := range content.OwnedBy(k.typ) {
		out = append(out, ordered(r.Field, keys[0].Field))
	}
	return out
}

// indexName names an index by its fields, such as "countryCode_sortName__id".
func indexName(keys bson.D) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Key
	}
	return strings.Join(names, "_")
}

// nodeKind is what reads of content of any type need of its kind: its collection, and its documents matching a
// query as nodes.
type nodeKind interface {
	collection() *mongo.Collection
	findNodes(ctx context.Context, q bson.D) ([]content.Node, error)
	// detach removes an item's references to another (see kind.detach).
	detach(ctx context.Context, id string, r *content.Relation, v string) error
}

func (k *kind[T, F, O]) collection() *mongo.Collection { return k.coll }

func (k *kind[T, F, O]) findNodes(ctx context.Context, q bson.D) ([]content.Node, error) {
	items, err := k.find(ctx, q, nil, false, 0)
	out := make([]content.Node, 0, len(items))
	for _, it := range items {
		if n, ok := any(it).(content.Node); ok {
			out = append(out, n)
		}
	}
	return out, err
}

// Nodes implements content.Store.
func (s *Store) Nodes(ctx context.Context, t content.TypeName, ids []string) ([]content.Node, error) {
	k, ok := s.contentKinds[t]
	if !ok || len(ids) == 0 {
		return nil, nil
	}
	if len(ids) == 1 {
		return k.findNodes(ctx, bson.D{{Key: "_id", Value: ids[0]}}) // the one filter every database serves by index
	}
	return k.findNodes(ctx, inIDs("_id", ids))
}
