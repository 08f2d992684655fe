package mongostore

import (
	"context"
	"time"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateMany implements the seed's bulk load: it creates items as Create would, each in the draft stage and,
// under content.WithPublishOnWrite, in the published one, with its record, derived fields, revision and history
// entry, and a coalition's memberships; but as a block: one command for the revisions and one insert per
// collection and stage, rather than four commands per item. Outside WithPublishOnWrite (an editor's writes, whose
// references are checked one item at a time) it creates them one by one. It returns the stored items in order. A
// bad item fails the whole block before anything is written.
func (k *kind[T, F, O]) CreateMany(ctx context.Context, items []*T) ([]*T, error) {
	return k.writable().createMany(ctx, items)
}

func (c writable[T]) createMany(ctx context.Context, items []*T) ([]*T, error) {
	if !content.PublishOnWrite(ctx) {
		out := make([]*T, len(items))
		for i, it := range items {
			var err error
			if out[i], err = c.create(ctx, it); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(items) == 0 {
		return nil, nil
	}
	if err := authorizeWrite(ctx, c.typ); err != nil {
		return nil, err
	}
	now := nowUTC()
	docs := make([]bson.D, len(items))
	_, isRecorded := any(new(T)).(recorded)
	for i, item := range items {
		// the items read as written one after another, a millisecond apart and the last now, as one by one they
		// would be: in order of updatedAt as of revision, each at its own time
		at := now.Add(-time.Duration(len(items)-1-i) * time.Millisecond)
		var err error
		if docs[i], err = c.newDocument(ctx, item, at); err != nil {
			return nil, err
		}
	}
	if isRecorded {
		last, err := c.store.takeRevisions(ctx, len(docs))
		if err != nil {
			return nil, err
		}
		for i := range docs {
			docs[i] = set(docs[i], "revision", last-int64(len(docs)-1-i))
		}
	}
	draft := draftOf(c.coll)
	if err := c.store.writeMany(ctx, draft, c.noun, docs); err != nil {
		return nil, err
	}
	if err := insertSearchEntries(ctx, draft, docs); err != nil {
		return nil, err
	}
	if isRecorded {
		history := make([]bson.D, len(docs))
		for i, doc := range docs {
			h, err := toDoc(historyOf(ctx, c.typ, nil, doc, content.OpCreate))
			if err != nil {
				return nil, storeErr("record history", err)
			}
			history[i] = h
		}
		if err := insertAll(ctx, c.store.db.Collection(historyName), history); err != nil {
			return nil, storeErr("record history", err)
		}
	}
	pubs := docs
	if draft != c.coll {
		pubs = make([]bson.D, len(docs))
		for i, doc := range docs {
			pubs[i] = set(append(bson.D{}, doc...), intendedField, bson.D{})
		}
		if err := insertAll(ctx, c.coll, pubs); err != nil {
			return nil, storeErr("publish "+c.noun, err)
		}
		if err := insertSearchEntries(ctx, c.coll, pubs); err != nil {
			return nil, err
		}
	}
	if c.typ == content.TypeCoalition {
		if err := c.store.projectRosters(ctx, draftOf(c.store.memberships), docs); err != nil {
			return nil, err
		}
		if err := c.store.projectRosters(ctx, c.store.memberships, pubs); err != nil {
			return nil, err
		}
	}
	out := make([]*T, len(docs))
	for i, doc := range docs {
		var err error
		if out[i], err = decode[T](doc); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// projectRosters writes the memberships of new coalitions (their documents docs) into coll, one stage's
// memberships: one read of their members' fields and one insert. Memberships left over from items of the same ids
// (a coalition deleted and created again) are replaced, coalition by coalition (see projectRoster).
func (s *Store) projectRosters(ctx context.Context, coll *mongo.Collection, docs []bson.D) error {
	var ids []string
	for _, doc := range docs {
		for _, e := range rosterEntries(lookup(doc, "roster")) {
			ids = append(ids, e.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ends, err := endDocs(ctx, stageOf(coll, s.stakeholders.coll), content.TypeStakeholder, union([][]string{ids}))
	if err != nil {
		return err
	}
	var ms []bson.D
	for _, doc := range docs {
		ms = append(ms, rosterMemberships(doc, rosterEntries(lookup(doc, "roster")), ends)...)
	}
	err = insertAll(ctx, coll, ms)
	if !mongo.IsDuplicateKeyError(err) {
		return storeErr("write the memberships", err)
	}
	for _, doc := range docs {
		if err := s.projectRoster(ctx, coll, doc, false); err != nil {
			return err
		}
	}
	return nil
}

// insertAll inserts docs into coll in one command (none for no docs), going on past a duplicate.
func insertAll(ctx context.Context, coll *mongo.Collection, docs []bson.D) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return err
}
