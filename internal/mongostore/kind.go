package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Order is a sort key as the API gives it (the content package's *XOrder types).
type Order interface {
	Spec() (string, content.Direction)
}

// kind is one content collection: how its documents are filtered, ordered, paged, fetched and written. Every
// content type is a kind, so that paging, batching and writing are written once. It implements
// content.Collection.
type kind[T any, F any, O Order] struct {
	coll *mongo.Collection
	// typ is the content type the collection holds.
	typ content.TypeName
	// unique is the field a slug names an item by ("slug", or "_id" for countries), and arg the argument that
	// gives it.
	unique, arg string
	// store is the store the kind belongs to, whose write gate its writes pass (see Store.write).
	store *Store
	// id reads a document's local id.
	id func(*T) string
	// compile turns a typed filter into a MongoDB query; no user string becomes an operator.
	compile func(context.Context, *F) (bson.D, error)
	// fields maps the API's order fields to stored fields; def is the default ordering.
	fields map[string]relay.Sort[*T]
	def    []O
	// index fills in the derived fields before a write, given the names of the countries by code.
	index func(item *T, countries map[string]string)
	// countries reads the codes of the countries an item is linked to, whose names its derived fields hold (see
	// derive); nil for kinds without countries.
	countries func(*T) []string
}

// derive fills in the derived fields of items before they are written: the search index, sort name and the
// names of the countries they are linked to, which it reads in one query unless the store knows them already
// (see countryMemo).
func (k *kind[T, F, O]) derive(ctx context.Context, items []*T) error {
	var names map[string]string
	if k.countries != nil {
		var codes []string
		for _, it := range items {
			codes = append(codes, k.countries(it)...)
		}
		var err error
		if names, err = k.store.countryNames.of(ctx, k.store.countries.coll, codes); err != nil {
			return err
		}
	}
	for _, it := range items {
		k.index(it, names)
	}
	return nil
}

// countryNames returns the names of the countries with the given codes, by code; unknown codes are absent.
func countryNames(ctx context.Context, coll *mongo.Collection, codes []string) (map[string]string, error) {
	names := map[string]string{}
	if len(codes) == 0 {
		return names, nil
	}
	found, err := readAll[struct {
		Code string `bson:"_id"`
		Name string `bson:"name"`
	}](ctx, coll, "find", inIDs("_id", codes), func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
		return coll.Find(ctx, q, options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}).SetBatchSize(batchSize))
	})
	for _, c := range found {
		names[c.Code] = c.Name
	}
	return names, err
}

// sort builds the keyset ordering for the API's orderBy: its keys, then the id as the tie-break.
func (k *kind[T, F, O]) sort(order []O) ([]relay.Sort[*T], error) {
	if len(order) == 0 {
		order = k.def
	}
	var keys []relay.Sort[*T]
	seen := map[string]bool{}
	for _, o := range order {
		name, dir := o.Spec()
		f, ok := k.fields[name]
		if !ok || seen[name] {
			return nil, content.Errorf(content.EInvalid, "orderBy", "cannot order by %s here, or twice", name)
		}
		seen[name] = true
		f.Desc = dir == content.DESC
		keys = append(keys, f)
	}
	if slices.ContainsFunc(keys, func(s relay.Sort[*T]) bool { return s.Field == "_id" }) {
		return keys, nil // already total, as for countries by CODE
	}
	return append(keys, relay.Sort[*T]{Field: "_id", Desc: keys[0].Desc, Type: relay.String, Value: func(t *T) any { return k.id(t) }}), nil
}

// Check implements content.Collection.
func (k *kind[T, F, O]) Check(order []O, w content.Window) error {
	_, err := k.checked(order, w)
	return err
}

// checked is the ordering's keys, once the window's cursors are checked against them.
func (k *kind[T, F, O]) checked(order []O, w content.Window) ([]relay.Sort[*T], error) {
	keys, err := k.sort(order)
	if err == nil {
		err = relay.Check(w, keys)
	}
	return keys, err
}

// where compiles an API filter (nil for none).
func (k *kind[T, F, O]) where(ctx context.Context, f *F) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	return k.compile(ctx, f)
}

// Page implements content.Collection.
func (k *kind[T, F, O]) Page(ctx context.Context, filter *F, order []O, w content.Window, total bool) (content.Page[*T], error) {
	keys, err := k.checked(order, w)
	if err != nil {
		return content.Page[*T]{}, err
	}
	q, err := k.where(ctx, filter)
	if err != nil {
		return content.Page[*T]{}, err
	}
	return k.page(ctx, q, keys, w, total)
}

// page reads one page of the documents matching q, with the keyset conditions of the window's cursors and one
// item more than the window asks for, which tells whether another page exists.
func (k *kind[T, F, O]) page(ctx context.Context, q bson.D, keys []relay.Sort[*T], w content.Window, total bool) (content.Page[*T], error) {
	conds := bson.A{q}
	if w.After != nil {
		conds = append(conds, keyset(keys, w.After.Values, true))
	}
	if w.Before != nil {
		conds = append(conds, keyset(keys, w.Before.Values, false))
	}
	// The count runs beside the page: on the embedded store each reads the whole collection, and one core each
	// halves the wait.
	var n int64
	var countErr error
	var counting sync.WaitGroup
	if total {
		counting.Go(func() {
			n, countErr = read(ctx, k.coll, "count", q, func(coll *mongo.Collection, q bson.D) (int64, error) { return coll.CountDocuments(ctx, q) })
		})
	}
	items, err := k.find(ctx, bson.D{{Key: "$and", Value: conds}}, keys, w.Backward(), int64(w.Size()+1))
	counting.Wait()
	if err = errors.Join(err, countErr); err != nil {
		return content.Page[*T]{}, err
	}
	page := relay.NewPage(items, keys, w)
	page.Total = int(n)
	return page, nil
}

// Related implements content.Collection. A batch of one set of targets, when its total is not asked for, reads
// only the page (the window's items and one more); a larger batch reads every related item once and pages each
// set's share in memory, since a portable query cannot limit each parent's share.
func (k *kind[T, F, O]) Related(ctx context.Context, via content.Via, targets [][]string, filter *F, order []O, w content.Window, total bool) ([]content.Page[*T], error) {
	keys, err := k.checked(order, w)
	if err != nil {
		return nil, err
	}
	q, err := k.where(ctx, filter)
	if err != nil {
		return nil, err
	}
	restrict := k.referring(via, union(targets))
	if restrict == nil {
		restrict = nothing
	}
	q = bson.D{{Key: "$and", Value: bson.A{restrict, q}}}
	if len(targets) == 1 && !total {
		p, err := k.page(ctx, q, keys, w, false)
		return []content.Page[*T]{p}, err
	}
	items, err := k.find(ctx, q, keys, false, 0)
	if err != nil {
		return nil, err
	}
	pages := make([]content.Page[*T], len(targets))
	for i, set := range targets {
		var mine []*T
		for _, it := range items {
			if slices.ContainsFunc(k.refs(via, it), func(v string) bool { return slices.Contains(set, v) }) {
				mine = append(mine, it)
			}
		}
		pages[i] = relay.Slice(mine, keys, w)
	}
	return pages, nil
}

// referring is the query for the documents related to one of targets through via: those with one of the ids,
// or that hold one of them through one of via's relations; nil for no targets.
func (k *kind[T, F, O]) referring(via content.Via, targets []string) bson.D {
	if len(via.Relations) == 0 {
		return inIDs("_id", targets)
	}
	conds := make([]bson.D, len(via.Relations))
	for i, r := range via.Relations {
		conds[i] = inIDs(r.Field, targets)
	}
	return anyOf(conds...)
}

// refs are the values of an item that targets of via match: its id, or what it holds through via's relations.
func (k *kind[T, F, O]) refs(via content.Via, item *T) []string {
	if len(via.Relations) == 0 {
		return []string{k.id(item)}
	}
	n, _ := any(item).(content.Node)
	var out []string
	for _, r := range via.Relations {
		out = append(out, r.Refs(n)...)
	}
	return out
}

// Get implements content.Collection.
func (k *kind[T, F, O]) Get(ctx context.Context, ids []string) (map[string]*T, error) {
	if len(ids) == 0 {
		return map[string]*T{}, nil
	}
	items, err := k.find(ctx, inIDs("_id", ids), nil, false, 0)
	out := make(map[string]*T, len(items))
	for _, it := range items {
		out[k.id(it)] = it
	}
	return out, err
}

// BySlug implements content.Collection.
func (k *kind[T, F, O]) BySlug(ctx context.Context, slug string) (*T, error) {
	t, err := read(ctx, k.coll, "find", bson.D{{Key: k.unique, Value: slug}}, func(coll *mongo.Collection, q bson.D) (*T, error) {
		var t T
		return &t, coll.FindOne(ctx, q).Decode(&t)
	})
	if errors.Is(err, mongo.ErrNoDocuments) && k.unique == "slug" {
		// a renamed item keeps its former slugs, so that published URLs keep working
		t, err = read(ctx, k.coll, "find", bson.D{{Key: "formerSlugs", Value: slug}}, func(coll *mongo.Collection, q bson.D) (*T, error) {
			var t T
			return &t, coll.FindOne(ctx, q, options.FindOne().SetSort(bson.D{{Key: "updatedAt", Value: -1}})).Decode(&t)
		})
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, content.Errorf(content.ENotFound, k.arg, "no %s with %s %q", k.typ, k.arg, slug)
	}
	return t, err
}

// Capped implements content.Collection.
func (k *kind[T, F, O]) Capped(ctx context.Context, filter *F, limit int) ([]*T, error) {
	q, err := k.where(ctx, filter)
	if err != nil {
		return nil, err
	}
	keys, err := k.sort(nil)
	if err != nil {
		return nil, err
	}
	return k.find(ctx, q, keys, false, int64(limit))
}

// find reads the documents matching q through the read gate, sorted by keys (reversed when reverse), at most
// limit of them (all when 0).
func (k *kind[T, F, O]) find(ctx context.Context, q bson.D, keys []relay.Sort[*T], reverse bool, limit int64) ([]*T, error) {
	opts := options.Find()
	if len(keys) > 0 {
		sort := bson.D{}
		for _, key := range keys {
			sort = append(sort, bson.E{Key: key.Field, Value: direction(key.Desc != reverse)})
		}
		opts.SetSort(sort)
	}
	if limit > 0 {
		opts.SetLimit(limit)
	} else {
		opts.SetBatchSize(batchSize)
	}
	return readAll[*T](ctx, k.coll, "find", q, func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) { return coll.Find(ctx, q, opts) })
}

// batchSize is the first batch of an unlimited find (MongoDB's default is 101 documents): a relation level of a
// request is then one round trip, not one per hundred related items.
const batchSize = 10_000

func direction(desc bool) int {
	if desc {
		return -1
	}
	return 1
}

// keyset is the query for the documents strictly after (or before) the position values under keys: for each key
// i, the earlier keys equal and key i beyond. Null sorts first, as MongoDB sorts it.
func keyset[T any](keys []relay.Sort[T], values []any, after bool) bson.D {
	var branches bson.A
	for i, key := range keys {
		var and bson.A
		for j := range i {
			and = append(and, bson.D{{Key: keys[j].Field, Value: values[j]}})
		}
		beyond := beyondValue(key.Field, values[i], key.Desc != !after)
		if beyond == nil {
			continue
		}
		branches = append(branches, bson.D{{Key: "$and", Value: append(and, beyond)}})
	}
	if len(branches) == 0 {
		return nothing
	}
	return bson.D{{Key: "$or", Value: branches}}
}

// nothing is a query no document matches.
var nothing = bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}

// beyondValue matches values after v in ascending order, or before it when desc; nil when nothing can be.
func beyondValue(field string, v any, desc bool) bson.D {
	switch {
	case v == nil && !desc:
		return bson.D{{Key: field, Value: bson.D{{Key: "$ne", Value: nil}}}}
	case v == nil:
		return nil
	case !desc:
		return bson.D{{Key: field, Value: bson.D{{Key: "$gt", Value: v}}}}
	default:
		return bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: field, Value: bson.D{{Key: "$lt", Value: v}}}},
			bson.D{{Key: field, Value: nil}},
		}}}
	}
}

// union is the distinct values of the sets, in first-seen order.
func union(sets [][]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, set := range sets {
		for _, v := range set {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// storeErr wraps a driver error as an internal error: its text is logged, never shown to clients. A command that
// timed out is, besides, a context.DeadlineExceeded, so that callers tell a request out of time without knowing
// the driver.
func storeErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case mongo.IsTimeout(err) && !errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w (%w)", op, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
