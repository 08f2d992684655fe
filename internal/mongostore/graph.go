package mongostore

import (
	"context"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The edge queries of graph traversal. Every relation except membership is stored in one of its two ends (an
// initiative holds its partners and coalitions, a post its authors, publisher and mentions, a section its parent),
// so a traversal level asks each collection, in one query, for the documents that refer to the frontier; the
// documents the frontier itself refers to are read from the frontier's own documents.

// MembershipsTouching returns the memberships of any of the stakeholders or of any of the coalitions (local ids),
// in one query; nil when both lists are empty.
func (s *Store) MembershipsTouching(ctx context.Context, stakeholders, coalitions []string) ([]*content.Membership, error) {
	return s.findMemberships(ctx, anyOf(
		inIDs("stakeholderId", stakeholders),
		inIDs("coalitionId", coalitions),
	))
}

// MembershipsBetween returns the memberships that link one of the stakeholders to one of the coalitions, in one
// query; nil when either list is empty.
func (s *Store) MembershipsBetween(ctx context.Context, stakeholders, coalitions []string) ([]*content.Membership, error) {
	if len(stakeholders) == 0 || len(coalitions) == 0 {
		return nil, nil
	}
	return s.findMemberships(ctx, bson.D{{Key: "$and", Value: bson.A{inIDs("stakeholderId", stakeholders), inIDs("coalitionId", coalitions)}}})
}

func (s *Store) findMemberships(ctx context.Context, q bson.D) ([]*content.Membership, error) {
	if q == nil {
		return nil, nil
	}
	return readAll[*content.Membership](ctx, "find memberships", func() (*mongo.Cursor, error) {
		return s.memberships.Find(ctx, q, options.Find().SetBatchSize(batchSize))
	})
}

// InitiativesReferring returns, in one query, the initiatives with one of ids, and those that have one of the
// partners or one of the coalitions (local ids); nil when all lists are empty.
func (s *Store) InitiativesReferring(ctx context.Context, ids, partners, coalitions []string) ([]*content.Initiative, error) {
	return s.Initiatives.findAny(ctx, anyOf(inIDs("_id", ids), inIDs("partnerIds", partners), inIDs("coalitionIds", coalitions)))
}

// BlogPostsReferring returns, in one query, the posts with one of ids, those written or published by one of the
// contributors (local stakeholder ids), and those that mention one of the keys (type-qualified, see
// content.KeyOf); nil when all lists are empty.
func (s *Store) BlogPostsReferring(ctx context.Context, ids, contributors, mentions []string) ([]*content.BlogPost, error) {
	return s.BlogPosts.findAny(ctx, anyOf(inIDs("_id", ids), inIDs("authorIds", contributors), inIDs("publisherId", contributors),
		inIDs("mentions", mentions)))
}

// ToolkitSectionsReferring returns, in one query, the sections with one of ids and the direct sub-sections of one
// of the parents; nil when both lists are empty.
func (s *Store) ToolkitSectionsReferring(ctx context.Context, ids, parents []string) ([]*content.ToolkitSection, error) {
	return s.ToolkitSection.findAny(ctx, anyOf(inIDs("_id", ids), inIDs("parentId", parents)))
}

// Capped returns at most limit documents matching filter (nil for all), in the default order: a caller that
// must not read more than a budget asks for one more than it allows and so learns that the budget is exceeded.
func (k *Kind[T, F, O]) Capped(ctx context.Context, filter *F, limit int) ([]*T, error) {
	q, err := k.Filter(ctx, filter)
	if err != nil {
		return nil, err
	}
	keys, err := k.Sort(nil)
	if err != nil {
		return nil, err
	}
	return k.find(ctx, q, keys, false, int64(limit))
}

func (k *Kind[T, F, O]) findAny(ctx context.Context, q bson.D) ([]*T, error) {
	if q == nil {
		return nil, nil
	}
	return k.find(ctx, q, nil, false, 0)
}

// inIDs matches documents whose field (or one of its elements) is one of ids; nil for no ids.
func inIDs(field string, ids []string) bson.D {
	if len(ids) == 0 {
		return nil
	}
	return bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: ids}}}}
}

// anyOf ORs the non-nil conditions; nil when there are none, so that the caller skips the query.
func anyOf(conds ...bson.D) bson.D {
	var or bson.A
	for _, c := range conds {
		if c != nil {
			or = append(or, c)
		}
	}
	switch len(or) {
	case 0:
		return nil
	case 1:
		return or[0].(bson.D)
	}
	return bson.D{{Key: "$or", Value: or}}
}
