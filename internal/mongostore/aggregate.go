package mongostore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Aggregates count the items that match a list's filter, grouped by up to two dimensions, in the database.
//
// FerretDB 1.24 decides the shape. Its $group has only the $sum and $count accumulators; its $unwind keeps only
// _id and the unwound field (so no other dimension survives it) and has no preserveNullAndEmptyArrays; its
// $project does not evaluate field paths; it has no date operators and no $lookup. So an aggregate is one
// pipeline, $match (the list's own compiled filter) then $group with the dimensions' stored fields in _id and
// $sum: 1. An array field is grouped by its whole value, which reduces the documents to their distinct
// combinations; Go then counts each such row once under each of its distinct elements, an empty or missing array
// under the null key. The month of a blog post is a derived field written with the post (publishedMonth).
// Memberships group by the copies of their ends' fields that they hold (see MembershipAggregate).

// dimension is how a group-by dimension reads its value from stored documents.
type dimension struct {
	name string
	// field is the stored field; an array field counts an item once under each of its distinct elements.
	field string
	// node is the type of node the values name: a Country by code, a Stakeholder by local id.
	node content.TypeName
}

var (
	coalitionDimensions = map[content.CoalitionDimension]dimension{
		"STATUS":      {field: "status"},
		"COUNTRY":     {field: content.CoalitionCountry.Field, node: content.TypeCountry},
		"SCOPE":       {field: "scope"},
		"FOCUS_AREA":  {field: "focusAreas"},
		"LAUNCH_YEAR": {field: "launchYear"},
	}
	stakeholderDimensions = map[content.StakeholderDimension]dimension{
		"KIND":     {field: "kind"},
		"CATEGORY": {field: "category"},
		"COUNTRY":  {field: content.StakeholderCountry.Field, node: content.TypeCountry},
	}
	initiativeDimensions = map[content.InitiativeDimension]dimension{
		"SCOPE":   {field: "scope"},
		"COUNTRY": {field: content.InitiativeCountries.Field, node: content.TypeCountry},
	}
	blogPostDimensions = map[content.BlogPostDimension]dimension{
		"MONTH":  {field: "publishedMonth"},
		"AUTHOR": {field: content.Authored.Field, node: content.TypeStakeholder},
	}
	membershipDimensions = map[content.MembershipDimension]dimension{
		"ROLE":                 {field: "role"},
		"STAKEHOLDER_CATEGORY": {field: copyField(content.TypeStakeholder, "category")},
		"STAKEHOLDER_KIND":     {field: copyField(content.TypeStakeholder, "kind")},
		"COALITION_STATUS":     {field: copyField(content.TypeCoalition, "status")},
		"COALITION_COUNTRY":    {field: copyField(content.TypeCoalition, content.CoalitionCountry.Field), node: content.TypeCountry},
	}
)

// CoalitionAggregate counts the coalitions that match f, grouped by the dimensions by (at most two).
func (s *Store) CoalitionAggregate(ctx context.Context, f *content.CoalitionFilter, by []content.CoalitionDimension) (*content.Aggregate, error) {
	return aggregate(ctx, s.coalitions, f, coalitionDimensions, by)
}

// StakeholderAggregate counts the stakeholders that match f, grouped by the dimensions by.
func (s *Store) StakeholderAggregate(ctx context.Context, f *content.StakeholderFilter, by []content.StakeholderDimension) (*content.Aggregate, error) {
	return aggregate(ctx, s.stakeholders, f, stakeholderDimensions, by)
}

// InitiativeAggregate counts the initiatives that match f, grouped by the dimensions by.
func (s *Store) InitiativeAggregate(ctx context.Context, f *content.InitiativeFilter, by []content.InitiativeDimension) (*content.Aggregate, error) {
	return aggregate(ctx, s.initiatives, f, initiativeDimensions, by)
}

// BlogPostAggregate counts the blog posts that match f, grouped by the dimensions by.
func (s *Store) BlogPostAggregate(ctx context.Context, f *content.BlogPostFilter, by []content.BlogPostDimension) (*content.Aggregate, error) {
	return aggregate(ctx, s.blogPosts, f, blogPostDimensions, by)
}

func aggregate[T any, F any, O Order, D ~string](ctx context.Context, k *kind[T, F, O], f *F, table map[D]dimension, by []D) (*content.Aggregate, error) {
	dims, err := dimensions(table, by)
	if err != nil {
		return nil, err
	}
	q, err := k.where(ctx, f)
	if err != nil {
		return nil, err
	}
	fields := make([]string, len(dims))
	for i, d := range dims {
		fields[i] = d.field
	}
	rows, err := group(ctx, k.coll, q, fields)
	if err != nil {
		return nil, err
	}
	return tally(rows, dims, func(r row, d dimension) bson.RawValue { return r.key(d.field) }), nil
}

// MembershipAggregate counts the memberships that match f, grouped by the dimensions by, which may be fields of
// either end. Each membership repeats the fields of its ends that the dimensions and the ends' plain filters read
// (see copiedFields), so that the aggregate is one pipeline over the memberships: a filter on an end is moved onto
// those copies. Only a filter on what the memberships do not repeat (a search, tags, updatedAt, a relation such as
// hasMember) costs one more query, for the ids of the end's matches.
func (s *Store) MembershipAggregate(ctx context.Context, f *content.MembershipFilter, by []content.MembershipDimension) (*content.Aggregate, error) {
	dims, err := dimensions(membershipDimensions, by)
	if err != nil {
		return nil, err
	}
	if f == nil {
		f = &content.MembershipFilter{}
	}
	coalitions, err := s.coalitions.where(ctx, f.Coalition)
	if err != nil {
		return nil, within("filter.coalition", err)
	}
	stakeholders, err := s.stakeholders.where(ctx, f.Stakeholder)
	if err != nil {
		return nil, within("filter.stakeholder", err)
	}
	var c conds
	in(&c, "role", f.Role)
	for _, e := range []struct {
		typ    content.TypeName
		coll   *mongo.Collection
		filter bson.D
	}{{content.TypeCoalition, s.coalitions.coll, coalitions}, {content.TypeStakeholder, s.stakeholders.coll, stakeholders}} {
		if len(e.filter) == 0 {
			continue
		}
		if moved, ok := onMemberships(e.typ, e.filter); ok {
			c = append(c, moved)
			continue
		}
		docs, err := project(ctx, e.coll, e.filter, nil)
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(docs))
		for id := range docs {
			ids = append(ids, id)
		}
		in(&c, endField(e.typ), ids)
	}
	match := bson.D{}
	if len(c) > 0 {
		match = bson.D{{Key: "$and", Value: bson.A(c)}}
	}
	fields := make([]string, len(dims))
	for i, d := range dims {
		fields[i] = d.field
	}
	rows, err := group(ctx, s.memberships, match, fields)
	if err != nil {
		return nil, err
	}
	return tally(rows, dims, func(r row, d dimension) bson.RawValue { return r.key(d.field) }), nil
}

// dimensions checks groupBy and looks up its dimensions.
func dimensions[D ~string](table map[D]dimension, by []D) ([]dimension, error) {
	if err := content.CheckGroupBy(by); err != nil {
		return nil, err
	}
	dims := make([]dimension, len(by))
	for i, name := range by {
		d, ok := table[name]
		if !ok {
			return nil, content.Errorf(content.EInvalid, "groupBy", "cannot group by %s here", name)
		}
		d.name = string(name)
		dims[i] = d
	}
	return dims, nil
}

// row is one group as the database returns it: the grouped fields' values in _id, and the number of documents.
type row struct {
	ID    bson.RawValue `bson:"_id"`
	Count int           `bson:"count"`
}

// key is the row's value of a grouped field; the zero RawValue when the documents lack it.
func (r row) key(field string) bson.RawValue {
	doc, ok := r.ID.DocumentOK()
	if !ok {
		return bson.RawValue{}
	}
	v, _ := doc.LookupErr(field)
	return v
}

// group runs $match then $group by the given stored fields (each once) with a count.
func group(ctx context.Context, coll *mongo.Collection, match bson.D, fields []string) ([]row, error) {
	id := bson.D{}
	for _, f := range fields {
		if !containsKey(id, f) {
			id = append(id, bson.E{Key: f, Value: "$" + f})
		}
	}
	var groupID any = id
	if len(id) == 0 {
		groupID = nil
	}
	return readAll[row](ctx, coll, "aggregate", match, func(coll *mongo.Collection, match bson.D) (*mongo.Cursor, error) {
		pipeline := mongo.Pipeline{
			{{Key: "$match", Value: match}},
			{{Key: "$group", Value: bson.D{{Key: "_id", Value: groupID}, {Key: "count", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
		}
		return coll.Aggregate(ctx, pipeline, options.Aggregate().SetBatchSize(batchSize))
	})
}

func containsKey(d bson.D, key string) bool {
	for _, e := range d {
		if e.Key == key {
			return true
		}
	}
	return false
}

// project returns the _id and the given fields of the documents that match q, by id.
func project(ctx context.Context, coll *mongo.Collection, q bson.D, fields []string) (map[string]bson.Raw, error) {
	proj := bson.D{{Key: "_id", Value: 1}}
	for _, f := range fields {
		if !containsKey(proj, f) {
			proj = append(proj, bson.E{Key: f, Value: 1})
		}
	}
	docs, err := readAll[bson.Raw](ctx, coll, "find", q, func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
		return coll.Find(ctx, q, options.Find().SetProjection(proj).SetBatchSize(batchSize))
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bson.Raw, len(docs))
	for _, d := range docs {
		if id, ok := d.Lookup("_id").StringValueOK(); ok {
			out[id] = d
		}
	}
	return out, nil
}

// tally turns grouped rows into the API's groups: each row counts once under every combination of its
// dimensions' values (one value, or each distinct element of an array), groups with equal keys merge, and the
// groups are sorted (sortGroups). The total is the sum of the rows: every matching document is in one row.
func tally(rows []row, dims []dimension, read func(row, dimension) bson.RawValue) *content.Aggregate {
	agg := &content.Aggregate{Groups: []*content.AggregateGroup{}}
	byKey := map[string]*content.AggregateGroup{}
	for _, r := range rows {
		agg.Count += r.Count
		if len(dims) == 0 {
			continue
		}
		combos := [][]*string{{}}
		for _, d := range dims {
			var next [][]*string
			for _, combo := range combos {
				for _, v := range texts(read(r, d)) {
					next = append(next, append(combo[:len(combo):len(combo)], v))
				}
			}
			combos = next
		}
		for _, combo := range combos {
			k, _ := json.Marshal(combo)
			g := byKey[string(k)]
			if g == nil {
				g = &content.AggregateGroup{Keys: groupKeys(dims, combo)}
				byKey[string(k)] = g
				agg.Groups = append(agg.Groups, g)
			}
			g.Count += r.Count
		}
	}
	sortGroups(agg.Groups)
	return agg
}

// texts are a stored value as the API's key values: a string or number as text, the distinct elements of an
// array, and one nil (unknown) for null, a missing field or an empty array.
func texts(v bson.RawValue) []*string {
	var s string
	switch v.Type {
	case bson.TypeString:
		s = v.StringValue()
	case bson.TypeInt32:
		s = strconv.Itoa(int(v.Int32()))
	case bson.TypeInt64:
		s = strconv.FormatInt(v.Int64(), 10)
	case bson.TypeDouble:
		s = strconv.FormatFloat(v.Double(), 'f', -1, 64)
	case bson.TypeArray:
		elems, _ := v.Array().Values()
		var out []*string
		seen := map[string]bool{}
		for _, e := range elems {
			for _, t := range texts(e) {
				if t != nil && !seen[*t] {
					seen[*t] = true
					out = append(out, t)
				}
			}
		}
		if len(out) == 0 {
			return []*string{nil}
		}
		return out
	default:
		return []*string{nil}
	}
	return []*string{&s}
}

// groupKeys are the keys of a group: a node's value is its country code or its global ID.
func groupKeys(dims []dimension, values []*string) []*content.GroupKey {
	keys := make([]*content.GroupKey, len(dims))
	for i, d := range dims {
		k := &content.GroupKey{Dimension: d.name, Value: values[i]}
		if d.node != "" && values[i] != nil {
			k.NodeType, k.NodeID = d.node, *values[i]
			if d.node != content.TypeCountry {
				gid := content.GlobalID(content.KeyOf(d.node, *values[i]))
				k.Value = &gid
			}
		}
		keys[i] = k
	}
	return keys
}

// within names a filter error by where the filter sits, such as "filter.coalition.hasMember".
func within(prefix string, err error) error {
	var e *content.Error
	if !errors.As(err, &e) {
		return err
	}
	moved := *e
	moved.Field = prefix + strings.TrimPrefix(e.Field, "filter")
	return &moved
}

// month is the "YYYY-MM" of a day, the stored publishedMonth; nil for nil.
func month(t *time.Time) *string {
	if t == nil {
		return nil
	}
	m := t.UTC().Format("2006-01")
	return &m
}

// sortGroups puts groups in the order the API documents: largest count first, then by keys in groupBy order,
// each ascending as text with an unknown (null) value first. Years and "YYYY-MM" months sort chronologically as
// text.
func sortGroups(groups []*content.AggregateGroup) {
	value := func(k *content.GroupKey) any {
		if k.Value == nil {
			return nil
		}
		return *k.Value
	}
	slices.SortStableFunc(groups, func(a, b *content.AggregateGroup) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		for i := range min(len(a.Keys), len(b.Keys)) {
			if c := relay.Compare(value(a.Keys[i]), value(b.Keys[i])); c != 0 {
				return c
			}
		}
		return 0
	})
}
