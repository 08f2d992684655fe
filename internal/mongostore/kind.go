package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// Kind is one content collection: how its documents are filtered, ordered, paged, fetched and written. Every
// content type is a Kind, so that paging, batching and writing are written once.
type Kind[T any, F any, O Order] struct {
	coll *mongo.Collection
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
func (k *Kind[T, F, O]) derive(ctx context.Context, items []*T) error {
	var names map[string]string
	if k.countries != nil {
		var codes []string
		for _, it := range items {
			codes = append(codes, k.countries(it)...)
		}
		var err error
		if names, err = k.store.countryNames.of(ctx, k.store.Countries.coll, codes); err != nil {
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
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: codes}}}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}).SetBatchSize(batchSize))
	if err != nil {
		return nil, storeErr("find countries", err)
	}
	var found []struct {
		Code string `bson:"_id"`
		Name string `bson:"name"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, storeErr("read countries", err)
	}
	for _, c := range found {
		names[c.Code] = c.Name
	}
	return names, nil
}

// ID returns a document's local id.
func (k *Kind[T, F, O]) ID(item *T) string { return k.id(item) }

// Sort builds the keyset ordering for the API's orderBy: its keys, then the id as the tie-break.
func (k *Kind[T, F, O]) Sort(order []O) ([]relay.Sort[*T], error) {
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

// Filter compiles an API filter (nil for none).
func (k *Kind[T, F, O]) Filter(ctx context.Context, f *F) (bson.D, error) {
	if f == nil {
		return bson.D{}, nil
	}
	return k.compile(ctx, f)
}

// Page returns one page of the documents matching filter, in order, with totalCount when wantTotal.
func (k *Kind[T, F, O]) Page(ctx context.Context, filter *F, order []O, w relay.Window, wantTotal bool) (relay.Page[*T], error) {
	var page relay.Page[*T]
	keys, err := k.Sort(order)
	if err == nil {
		err = relay.Check(w, keys)
	}
	if err != nil {
		return page, err
	}
	q, err := k.Filter(ctx, filter)
	if err != nil {
		return page, err
	}
	conds := bson.A{q}
	if w.After != nil {
		conds = append(conds, keyset(keys, w.After.Values, true))
	}
	if w.Before != nil {
		conds = append(conds, keyset(keys, w.Before.Values, false))
	}
	items, err := k.find(ctx, bson.D{{Key: "$and", Value: conds}}, keys, w.Backward(), int64(w.Size()+1))
	if err != nil {
		return page, err
	}
	page = relay.NewPage(items, keys, w)
	if wantTotal {
		release, err := acquire(ctx, "count "+k.coll.Name())
		if err != nil {
			return page, err
		}
		n, err := k.coll.CountDocuments(ctx, q)
		release()
		if err != nil {
			return page, storeErr("count "+k.coll.Name(), err)
		}
		page.Total = int(n)
	}
	return page, nil
}

// List returns every document that matches both the restriction (a query the caller builds, such as the parents
// of a batch) and the API filter, sorted by keys. Nested connections page the result in memory.
func (k *Kind[T, F, O]) List(ctx context.Context, restrict bson.D, filter *F, keys []relay.Sort[*T]) ([]*T, error) {
	q, err := k.Filter(ctx, filter)
	if err != nil {
		return nil, err
	}
	return k.find(ctx, bson.D{{Key: "$and", Value: bson.A{restrict, q}}}, keys, false, 0)
}

// ByIDs returns the documents with the given ids, keyed by id; missing ids are absent.
func (k *Kind[T, F, O]) ByIDs(ctx context.Context, ids []string) (map[string]*T, error) {
	items, err := k.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, nil, false, 0)
	out := make(map[string]*T, len(items))
	for _, it := range items {
		out[k.id(it)] = it
	}
	return out, err
}

// One returns the document with the given value of a unique field (such as slug), or a NOT_FOUND error.
func (k *Kind[T, F, O]) One(ctx context.Context, field, value string) (*T, error) {
	release, err := acquire(ctx, "find "+k.coll.Name())
	if err != nil {
		return nil, err
	}
	defer release()
	var t T
	err = k.coll.FindOne(ctx, bson.D{{Key: field, Value: value}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, content.Errorf(content.ENotFound, field, "no %s with %s %q", k.coll.Name(), field, value)
	}
	if err != nil {
		return nil, storeErr("find "+k.coll.Name(), err)
	}
	return &t, nil
}

func (k *Kind[T, F, O]) find(ctx context.Context, q bson.D, keys []relay.Sort[*T], reverse bool, limit int64) ([]*T, error) {
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
	return readAll[*T](ctx, "find "+k.coll.Name(), func() (*mongo.Cursor, error) { return k.coll.Find(ctx, q, opts) })
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
		return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}
	}
	return bson.D{{Key: "$or", Value: branches}}
}

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

// storeErr wraps a driver error as an internal error: its text is logged, never shown to clients.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
