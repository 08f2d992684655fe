// Package mongostore stores the content graph in MongoDB (or FerretDB) through the official driver. It owns the
// document shapes, the query building from typed filters, the indexes and the mapping of storage errors.
package mongostore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Store is the content graph in one MongoDB database.
type Store struct {
	db             *mongo.Database
	memberships    *mongo.Collection
	locks          documentLocks
	countryNames   countryMemo
	Coalitions     *Kind[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder]
	Stakeholders   *Kind[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder]
	Initiatives    *Kind[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder]
	ToolkitSection *Kind[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder]
	BlogPosts      *Kind[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder]
	Countries      *Kind[content.Country, content.CountryFilter, *content.CountryOrder]
}

// New returns the store over db.
func New(db *mongo.Database) *Store {
	s := &Store{db: db, memberships: db.Collection("memberships")}
	s.Coalitions = s.coalitionKind()
	s.Stakeholders = s.stakeholderKind()
	s.Initiatives = s.initiativeKind()
	s.ToolkitSection = s.toolkitKind()
	s.BlogPosts = s.blogPostKind()
	s.Countries = s.countryKind()
	s.Coalitions.store, s.Stakeholders.store, s.Initiatives.store = s, s, s
	s.ToolkitSection.store, s.BlogPosts.store, s.Countries.store = s, s, s
	return s
}

// Ping tells whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// Empty tells whether the database holds no content yet.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	n, err := s.Countries.coll.EstimatedDocumentCount(ctx)
	if err != nil {
		return false, storeErr("count countries", err)
	}
	m, err := s.Coalitions.coll.EstimatedDocumentCount(ctx)
	return n+m == 0, storeErr("count coalitions", err)
}

// Memberships returns the memberships whose field ("coalitionId" or "stakeholderId") is one of ids, restricted to
// roles when given.
func (s *Store) Memberships(ctx context.Context, field string, ids []string, roles []content.MembershipRole) ([]*content.Membership, error) {
	q := bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: ids}}}}
	if len(roles) > 0 {
		q = append(q, bson.E{Key: "role", Value: bson.D{{Key: "$in", Value: roles}}})
	}
	return s.findMemberships(ctx, q)
}

// EnsureIndexes creates, idempotently, an index for every query shape the API issues: unique slugs, each ordering
// with its id tie-break, each filter and each relation lookup. It creates only the indexes that are missing (by
// name): FerretDB 1.24 fails on a createIndexes for an index that exists. Then it re-derives the derived fields
// (search index, sort name, a post's month) of the documents an older build wrote (see reindex), and gives those
// without a version version 1.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	index := func(unique bool, fields ...string) mongo.IndexModel {
		keys := bson.D{}
		for _, f := range fields {
			keys = append(keys, bson.E{Key: f, Value: 1})
		}
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetUnique(unique).SetName(indexName(keys))}
	}
	ordered := func(fields ...string) mongo.IndexModel { return index(false, append(fields, "_id")...) }
	common := []mongo.IndexModel{index(true, "slug"), ordered("sortName"), ordered("updatedAt"), ordered("keywords"), ordered("tags"),
		ordered("indexVersion")}
	plan := map[*mongo.Collection][]mongo.IndexModel{
		s.Coalitions.coll: append(common, ordered("countryCode", "sortName"), ordered("status", "sortName"),
			ordered("scope"), ordered("launchYear"), ordered("focusAreas")),
		s.Stakeholders.coll: append(common, ordered("kind", "sortName"), ordered("category", "sortName"),
			ordered("countryCode", "sortName")),
		s.Initiatives.coll: append(common, ordered("scope", "sortName"), ordered("startYear"), ordered("countryCodes"),
			ordered("focusAreas"), ordered("partnerIds"), ordered("coalitionIds")),
		s.ToolkitSection.coll: append(common, ordered("position"), ordered("parentId", "position"),
			ordered("ancestorIds", "position"), ordered("depth")),
		s.BlogPosts.coll: append(common, ordered("publishedOn"), ordered("authorIds", "publishedOn"),
			ordered("publisherId", "publishedOn"), ordered("mentions", "publishedOn")),
		s.Countries.coll: {ordered("sortName"), ordered("euMember", "sortName"), ordered("keywords"), ordered("indexVersion")},
		s.memberships:    {index(true, "coalitionId", "stakeholderId"), index(true, "stakeholderId", "coalitionId"), ordered("role")},
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
	if err := s.backfillVersions(ctx, slices.Collect(maps.Keys(plan))); err != nil {
		return err
	}
	return s.reindex(ctx)
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

// indexName names an index by its fields, such as "countryCode_sortName__id".
func indexName(keys bson.D) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Key
	}
	return strings.Join(names, "_")
}

// Nodes reads several content items of one type by id in one query; missing ones are left out, and so is a type
// that is not content.
func (s *Store) Nodes(ctx context.Context, t content.TypeName, ids []string) ([]content.Node, error) {
	switch t {
	case content.TypeCoalition:
		return values(s.Coalitions.ByIDs(ctx, ids))
	case content.TypeStakeholder:
		return values(s.Stakeholders.ByIDs(ctx, ids))
	case content.TypeInitiative:
		return values(s.Initiatives.ByIDs(ctx, ids))
	case content.TypeToolkitSection:
		return values(s.ToolkitSection.ByIDs(ctx, ids))
	case content.TypeBlogPost:
		return values(s.BlogPosts.ByIDs(ctx, ids))
	}
	return nil, nil
}

func values[T content.Node](m map[string]T, err error) ([]content.Node, error) {
	out := make([]content.Node, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out, err
}
