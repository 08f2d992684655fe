package mongostore

// TEMPORARY: the old upsert, kept only until the write gate (Create, Update, Delete) replaces it in the seed.

import (
	"context"
	"errors"
	"fmt"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Put writes an item by its slug (a country by its code).
func (s *Store) Put(ctx context.Context, item any) (string, error) {
	switch it := item.(type) {
	case *content.Country:
		return s.countries.put(ctx, "_id", it)
	case *content.Coalition:
		return s.coalitions.put(ctx, "slug", it)
	case *content.Stakeholder:
		return s.stakeholders.put(ctx, "slug", it)
	case *content.Initiative:
		return s.initiatives.put(ctx, "slug", it)
	case *content.ToolkitSection:
		return s.toolkit.put(ctx, "slug", it)
	case *content.BlogPost:
		return s.blogPosts.put(ctx, "slug", it)
	}
	return "", fmt.Errorf("cannot put %T", item)
}

// Put writes item by the unique field key (slug, or _id for countries): it replaces the whole document that has
// the same value, keeping its id, so that a field the item no longer has is gone too, or inserts it with the
// item's own id when it has one (the seed's stable ids), else a new one. It returns the stored id. The derived index fields and updatedAt are set here.
func (k *kind[T, F, O]) put(ctx context.Context, key string, item *T) (string, error) {
	if err := k.derive(ctx, []*T{item}); err != nil {
		return "", err
	}
	raw, err := bson.Marshal(item)
	if err != nil {
		return "", fmt.Errorf("put %s: %w", k.coll.Name(), err)
	}
	var doc bson.D
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("put %s: %w", k.coll.Name(), err)
	}
	var value any
	for _, e := range doc {
		if e.Key == key {
			value = e.Value
		}
	}
	id, _ := value.(string)
	if key != "_id" {
		var stored struct {
			ID string `bson:"_id"`
		}
		err := k.coll.FindOne(ctx, bson.D{{Key: key, Value: value}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&stored)
		switch {
		case err == nil:
			id = stored.ID
		case errors.Is(err, mongo.ErrNoDocuments):
			if id = k.id(item); id == "" {
				id = bson.NewObjectID().Hex()
			}
		default:
			return "", storeErr("put "+k.coll.Name(), err)
		}
	}
	for i, e := range doc {
		switch e.Key {
		case "_id":
			doc[i].Value = id
		case "updatedAt":
			doc[i].Value = nowUTC()
		}
	}
	_, err = k.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return id, storeErr("put "+k.coll.Name(), err)
}
