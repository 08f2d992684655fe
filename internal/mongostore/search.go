package mongostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"
	"sync"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Full-text search without $text (FerretDB 1.24 has none): every document carries its folded words (content.Index,
// set on every write), a query matches all its words against the multikey `keywords` index, and ranking happens in
// Go on the few index fields it projects.

// matchWords is the condition of a query on the keyword index: every whole word, and the last word as a prefix.
// Both `search` and the `search` argument of the list filters use it.
func matchWords(q content.SearchQuery) bson.A {
	var c bson.A
	for _, w := range q.Words {
		c = append(c, bson.D{{Key: "keywords", Value: w}})
	}
	if q.Prefix != "" {
		c = append(c, bson.D{{Key: "keywords", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(q.Prefix)}}}})
	}
	return c
}

// SearchOrder is the order of search hits: best score first, then by type (in content.ContentTypes order), sort
// name and id, so that keyset cursors are stable. Its first key names the search (query and types), so that a
// cursor of another search or of a list does not pass relay.Check.
func SearchOrder(q content.SearchQuery, types []content.TypeName) []relay.Sort[*content.Hit] {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%v", q.Key(), types)
	return []relay.Sort[*content.Hit]{
		{Field: fmt.Sprintf("score@%x", h.Sum64()), Desc: true, Type: relay.Float, Value: func(x *content.Hit) any { return x.Score }},
		{Field: "type", Type: relay.Int, Value: func(x *content.Hit) any { return x.Type.Rank() }},
		{Field: "sortName", Type: relay.String, Value: func(x *content.Hit) any { return x.SortName }},
		{Field: "_id", Type: relay.String, Value: func(x *content.Hit) any { return x.ID }},
	}
}

// compareHits orders hits as SearchOrder does.
func compareHits(a, b *content.Hit) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Type.Rank(), b.Type.Rank()),
		strings.Compare(a.SortName, b.SortName), strings.Compare(a.ID, b.ID))
}

// Search returns the page w of the content of the given types (all content types when none) that matches q, best first,
// with totalCount and each hit's document. Per type it issues one query that matches the words on the keyword index and
// projects only the index fields, which are scored here; then it loads the documents of the page by id, one query per
// type on the page. An empty query finds nothing; a cursor of another search is a BAD_USER_INPUT error.
func (s *Store) Search(ctx context.Context, q content.SearchQuery, types []content.TypeName, w content.Window) (content.Page[*content.Hit], error) {
	types = slices.DeleteFunc(slices.Clone(content.ContentTypes), func(t content.TypeName) bool {
		return len(types) > 0 && !slices.Contains(types, t)
	})
	keys := SearchOrder(q, types)
	if err := relay.Check(w, keys); err != nil {
		return content.Page[*content.Hit]{}, content.Errorf(content.EInvalid, "after", "the cursor belongs to another search (query or types) or list")
	}
	if q.Empty() {
		return relay.Slice[*content.Hit](nil, keys, w), nil
	}
	found := make([][]*content.Hit, len(types))
	errs := make([]error, len(types))
	var wg sync.WaitGroup
	for i, t := range types {
		wg.Go(func() { found[i], errs[i] = match(ctx, s.contentKinds[t].collection(), t, q) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return content.Page[*content.Hit]{}, err
	}
	hits := slices.Concat(found...)
	slices.SortFunc(hits, compareHits)
	p := relay.Slice(hits, keys, w)
	return p, s.load(ctx, &p)
}

// match returns the scored hits of one collection.
func match(ctx context.Context, coll *mongo.Collection, t content.TypeName, q content.SearchQuery) ([]*content.Hit, error) {
	filter := bson.D{{Key: "$and", Value: matchWords(q)}}
	projection := bson.D{{Key: "_id", Value: 1}, {Key: "sortName", Value: 1}, {Key: "keywords", Value: 1},
		{Key: "titleCount", Value: 1}, {Key: "leadCount", Value: 1}}
	docs, err := readAll[struct {
		ID            string `bson:"_id"`
		content.Index `bson:",inline"`
	}](ctx, coll, "search", filter, func(coll *mongo.Collection, filter bson.D) (*mongo.Cursor, error) {
		return coll.Find(ctx, filter, options.Find().SetProjection(projection).SetBatchSize(batchSize))
	})
	if err != nil {
		return nil, err
	}
	hits := make([]*content.Hit, len(docs))
	for i, d := range docs {
		hits[i] = &content.Hit{Type: t, ID: d.ID, SortName: d.SortName, Score: q.Score(&d.Index)}
	}
	return hits, nil
}

// load fetches the documents of a page of hits, one query per type, and drops a hit whose document has gone
// since it matched.
func (s *Store) load(ctx context.Context, p *content.Page[*content.Hit]) error {
	ids := map[content.TypeName][]string{}
	for _, h := range p.Items {
		ids[h.Type] = append(ids[h.Type], h.ID)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	nodes := map[string]content.Node{}
	for t, list := range ids {
		wg.Go(func() {
			found, err := s.Nodes(ctx, t, list)
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			for _, n := range found {
				nodes[n.Key()] = n
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	kept := 0
	for i, h := range p.Items {
		if h.Node = nodes[content.KeyOf(h.Type, h.ID)]; h.Node != nil {
			p.Items[kept], p.Cursors[kept] = h, p.Cursors[i]
			kept++
		}
	}
	p.Items, p.Cursors = p.Items[:kept], p.Cursors[:kept]
	p.Info.StartCursor, p.Info.EndCursor = nil, nil
	if kept > 0 {
		p.Info.StartCursor, p.Info.EndCursor = &p.Cursors[0], &p.Cursors[kept-1]
	}
	return nil
}

// reindex re-derives the derived fields (the search index, sort names, a post's month) of the documents an older
// build wrote, whose indexVersion is not content.IndexVersion, so that an existing database ranks and groups like
// a fresh one. It sets the fields the document type has, as they are stored, plus the derived ones: updatedAt and
// the version do not change, fields this build does not know stay. Then it fills the copies of the ends that
// memberships hold (reindexMemberships). A current database costs one query per collection.
func (s *Store) reindex(ctx context.Context) error {
	if err := errors.Join(reindexKind(ctx, s.coalitions), reindexKind(ctx, s.stakeholders), reindexKind(ctx, s.initiatives),
		reindexKind(ctx, s.toolkit), reindexKind(ctx, s.blogPosts), reindexKind(ctx, s.countries)); err != nil {
		return err
	}
	return s.reindexMemberships(ctx)
}

func reindexKind[T any, F any, O Order](ctx context.Context, k *kind[T, F, O]) error {
	items, err := readAll[*T](ctx, k.coll, "reindex", bson.D{{Key: "indexVersion", Value: bson.D{{Key: "$ne", Value: content.IndexVersion}}}},
		func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
			return coll.Find(ctx, q, options.Find().SetBatchSize(batchSize))
		})
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return nil
	}
	if err := k.derive(ctx, items); err != nil {
		return fmt.Errorf("reindex %s: %w", k.coll.Name(), err)
	}
	updates := make([]mongo.WriteModel, len(items))
	for i, item := range items {
		raw, err := bson.Marshal(item)
		var doc bson.D
		if err == nil {
			err = bson.Unmarshal(raw, &doc)
		}
		if err != nil {
			return fmt.Errorf("reindex %s: %w", k.coll.Name(), err)
		}
		// the version counts content writes; re-deriving the index is not one
		doc = slices.DeleteFunc(doc, func(e bson.E) bool { return e.Key == "_id" || e.Key == "version" })
		updates[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: k.id(item)}}).
			SetUpdate(bson.D{{Key: "$set", Value: doc}})
	}
	coll, err := staged(ctx, k.coll)
	if err != nil {
		return err
	}
	_, err = coll.BulkWrite(ctx, updates, options.BulkWrite().SetOrdered(false))
	return storeErr("reindex "+coll.Name(), err)
}
