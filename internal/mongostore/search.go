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
	found, err := s.match(ctx, q, types)
	if err != nil {
		return content.Page[*content.Hit]{}, err
	}
	hits := found
	slices.SortFunc(hits, compareHits)
	p := relay.Slice(hits, keys, w)
	return p, s.load(ctx, &p)
}

// match returns the scored hits of the given types, from the search entries of the request's stage: one read of
// small documents, where reading the content collections themselves would decode every whole item.
func (s *Store) match(ctx context.Context, q content.SearchQuery, types []content.TypeName) ([]*content.Hit, error) {
	filter := matchWords(q)
	if len(types) < len(content.ContentTypes) { // each condition costs every entry on the embedded store
		filter = append(filter, bson.D{{Key: "type", Value: bson.D{{Key: "$in", Value: types}}}})
	}
	projection := bson.D{{Key: "type", Value: 1}, {Key: "itemId", Value: 1}, {Key: "sortName", Value: 1}, {Key: "keywords", Value: 1},
		{Key: "titleCount", Value: 1}, {Key: "leadCount", Value: 1}}
	docs, err := readAll[searchEntry](ctx, s.db.Collection(searchName), "search", bson.D{{Key: "$and", Value: filter}},
		func(coll *mongo.Collection, filter bson.D) (*mongo.Cursor, error) {
			return coll.Find(ctx, filter, options.Find().SetProjection(projection).SetBatchSize(batchSize))
		})
	if err != nil {
		return nil, err
	}
	hits := make([]*content.Hit, len(docs))
	for i, d := range docs {
		hits[i] = &content.Hit{Type: d.Type, ID: d.Item, SortName: d.SortName, Score: q.Score(&d.Index)}
	}
	return hits, nil
}

// searchName is the collection of the search entries, one per content item in each stage (draft_search in the
// draft stage): the item's type, id and index fields (content.Index), a few hundred bytes, kept by the write gate
// beside every write of an item (searchEntries). The embedded store reads a whole collection for any query but one
// by _id, so a search reads these rather than the items, which are several times larger.
const searchName = "search"

// searchEntry is one item's search entry; its _id is the item's key (content.KeyOf).
type searchEntry struct {
	Type          content.TypeName `bson:"type"`
	Item          string           `bson:"itemId"`
	content.Index `bson:",inline"`
}

// searchOf is the search entries' collection of the stage of coll, a content collection; nil for any other.
func searchOf(coll *mongo.Collection) *mongo.Collection {
	name := strings.TrimPrefix(coll.Name(), draftPrefix)
	if t := collectionType(name); t == "" || !slices.Contains(content.ContentTypes, t) {
		return nil
	}
	search := coll.Database().Collection(searchName)
	if name != coll.Name() {
		return draftOf(search)
	}
	return search
}

// searchEntries are the search entries of docs, documents of coll.
func searchEntries(coll *mongo.Collection, docs ...bson.D) []bson.D {
	t := collectionType(strings.TrimPrefix(coll.Name(), draftPrefix))
	out := make([]bson.D, len(docs))
	for i, doc := range docs {
		id, _ := lookup(doc, "_id").(string)
		e := bson.D{{Key: "_id", Value: content.KeyOf(t, id)}, {Key: "type", Value: t}, {Key: "itemId", Value: id}}
		for _, f := range []string{"sortName", "keywords", "titleCount", "leadCount", "indexVersion"} {
			e = append(e, bson.E{Key: f, Value: lookup(doc, f)})
		}
		out[i] = e
	}
	return out
}

// putSearchEntry writes the search entry of doc, just written to coll (inserted when fresh); nothing for a
// collection that is not content.
func putSearchEntry(ctx context.Context, coll *mongo.Collection, doc bson.D, fresh bool) error {
	search := searchOf(coll)
	if search == nil {
		return nil
	}
	e := searchEntries(coll, doc)[0]
	return storeErr("index for search", put(ctx, search, lookup(e, "_id").(string), e, fresh))
}

// insertSearchEntries inserts the search entries of docs, new documents of coll, in one command.
func insertSearchEntries(ctx context.Context, coll *mongo.Collection, docs []bson.D) error {
	if search := searchOf(coll); search != nil {
		return storeErr("index for search", insertAll(ctx, search, searchEntries(coll, docs...)))
	}
	return nil
}

// dropSearchEntry removes the search entry of the item id, just deleted from coll.
func dropSearchEntry(ctx context.Context, coll *mongo.Collection, id string) error {
	search := searchOf(coll)
	if search == nil {
		return nil
	}
	_, err := search.DeleteOne(ctx, bson.D{{Key: "_id", Value: content.KeyOf(collectionType(strings.TrimPrefix(coll.Name(), draftPrefix)), id)}})
	return storeErr("unindex for search", err)
}

// load fetches the documents of a page of hits, one query per type (one per hit where the database would read
// the whole collection for an $in: a page of hits is at most 100 reads by _id, each of one document, against a
// second reading of every collection the search has just read), and drops a hit whose document has gone since it
// matched.
func (s *Store) load(ctx context.Context, p *content.Page[*content.Hit]) error {
	ids := map[content.TypeName][]string{}
	for _, h := range p.Items {
		ids[h.Type] = append(ids[h.Type], h.ID)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	nodes := map[string]content.Node{}
	reads := map[content.TypeName][][]string{}
	for t, list := range ids {
		if !s.idReadsOnly.Load() {
			reads[t] = [][]string{list}
			continue
		}
		for _, id := range list {
			reads[t] = append(reads[t], []string{id})
		}
	}
	for t, lists := range reads {
		for _, list := range lists {
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
	docs := make([]bson.D, len(items))
	for i, item := range items {
		raw, err := bson.Marshal(item)
		var doc bson.D
		if err == nil {
			err = bson.Unmarshal(raw, &doc)
		}
		if err != nil {
			return fmt.Errorf("reindex %s: %w", k.coll.Name(), err)
		}
		docs[i] = set(slices.Clone(doc), "_id", k.id(item))
		// the version counts content writes; re-deriving the index is not one
		doc = slices.DeleteFunc(doc, func(e bson.E) bool { return e.Key == "_id" || e.Key == "version" })
		updates[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: k.id(item)}}).
			SetUpdate(bson.D{{Key: "$set", Value: doc}})
	}
	coll, err := staged(ctx, k.coll)
	if err != nil {
		return err
	}
	if _, err = coll.BulkWrite(ctx, updates, options.BulkWrite().SetOrdered(false)); err != nil {
		return storeErr("reindex "+coll.Name(), err)
	}
	return reindexSearch(ctx, coll, docs)
}

// reindexSearch replaces the search entries of docs, re-derived documents of coll: one delete and one insert.
func reindexSearch(ctx context.Context, coll *mongo.Collection, docs []bson.D) error {
	search := searchOf(coll)
	if search == nil || len(docs) == 0 {
		return nil
	}
	entries := searchEntries(coll, docs...)
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = lookup(e, "_id").(string)
	}
	if _, err := search.DeleteMany(ctx, inIDs("_id", keys)); err != nil {
		return storeErr("reindex "+search.Name(), err)
	}
	return storeErr("reindex "+search.Name(), insertAll(ctx, search, entries))
}
