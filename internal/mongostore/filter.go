package mongostore

import (
	"context"
	"strings"
	"time"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// conds collects the conditions of one filter, all of which must hold. Every value goes in as a value, never as
// an operator or a field name.
type conds bson.A

func (c *conds) add(field string, cond any) { *c = append(*c, bson.D{{Key: field, Value: cond}}) }

// in matches documents whose field (or one of its array elements) is one of values.
func in[V any](c *conds, field string, values []V) {
	if values != nil {
		c.add(field, bson.D{{Key: "$in", Value: values}})
	}
}

// all matches documents whose array field holds every one of values; no values is no condition.
func (c *conds) all(field string, values []string) {
	if len(values) > 0 {
		c.add(field, bson.D{{Key: "$all", Value: values}})
	}
}

func (c *conds) eq(field string, v any) { c.add(field, v) }

func (c *conds) intRange(field string, r *content.IntRange) {
	if r == nil {
		return
	}
	q := bson.D{{Key: "$ne", Value: nil}}
	if r.From != nil {
		q = append(q, bson.E{Key: "$gte", Value: *r.From})
	}
	if r.To != nil {
		q = append(q, bson.E{Key: "$lte", Value: *r.To})
	}
	c.add(field, q)
}

func (c *conds) timeRange(field string, r *content.DateTimeRange) {
	if r == nil {
		return
	}
	q := bson.D{{Key: "$ne", Value: nil}}
	if r.From != nil {
		q = append(q, bson.E{Key: "$gte", Value: r.From.UTC()})
	}
	if r.To != nil {
		q = append(q, bson.E{Key: "$lt", Value: r.To.UTC()})
	}
	c.add(field, q)
}

// dateRange matches whole days: To includes its day.
func (c *conds) dateRange(field string, r *content.DateRange) {
	if r == nil {
		return
	}
	var to *time.Time
	if r.To != nil {
		next := r.To.AddDate(0, 0, 1)
		to = &next
	}
	c.timeRange(field, &content.DateTimeRange{From: r.From, To: to})
}

// search matches documents whose keywords hold every word of text, the last one as a prefix: the text is parsed
// and matched exactly as `search` does it (content.ParseQuery, matchWords). A text without words matches
// everything; a text over the limits is a BAD_USER_INPUT error.
func (c *conds) search(text *string) error {
	if text == nil {
		return nil
	}
	q, err := content.ParseQuery("filter.search", *text)
	if err != nil {
		return err
	}
	*c = append(*c, matchWords(q)...)
	return nil
}

// refersTo matches documents that hold, through rel (which their type owns), the item whose global ID the filter
// argument arg gives (nil for no condition).
func (c *conds) refersTo(arg string, rel *content.Relation, gid *string) error {
	if gid == nil {
		return nil
	}
	if rel.Storage == content.KeyRefs {
		t, id, err := content.ParseGlobalID(arg, *gid, content.ContentTypes...)
		if err != nil {
			return err
		}
		c.eq(rel.Field, content.KeyOf(t, id))
		return nil
	}
	id, err := localID(arg, *gid, rel.OtherType())
	if err != nil {
		return err
	}
	c.eq(rel.Field, id)
	return nil
}

// referredBy restricts c to the items that the item whose global ID arg gives (of rel's owner type) refers to
// through rel, which it reads (nil for no condition).
func (s *Store) referredBy(ctx context.Context, c *conds, arg string, rel *content.Relation, gid *string) error {
	if gid == nil {
		return nil
	}
	id, err := localID(arg, *gid, rel.OwnerType())
	if err != nil {
		return err
	}
	owners, err := s.Referring(ctx, rel.OwnerType(), []string{id}, nil)
	if err != nil {
		return err
	}
	ids := []string{}
	for _, o := range owners {
		ids = append(ids, rel.Refs(o)...)
	}
	in(c, "_id", ids)
	return nil
}

// members restricts c to the other ends of the memberships of the coalition or stakeholder (of type side) whose
// global ID arg gives: a stakeholder's coalitions, or a coalition's members (nil for no condition).
func (s *Store) members(ctx context.Context, c *conds, arg string, side content.TypeName, gid *string) error {
	if gid == nil {
		return nil
	}
	id, err := localID(arg, *gid, side)
	if err != nil {
		return err
	}
	ms, err := s.Memberships().Of(ctx, side, []string{id}, nil)
	if err != nil {
		return err
	}
	ids := []string{}
	for _, m := range ms {
		_, other := m.Ends(side)
		ids = append(ids, other)
	}
	in(c, "_id", ids)
	return nil
}

// codes upper-cases ISO country codes so that "ie" finds Ireland.
func codes(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	return out
}

// localID decodes a global ID given in a filter, checking its type.
func localID(field string, id string, t content.TypeName) (string, error) {
	_, local, err := content.ParseGlobalID(field, id, t)
	return local, err
}

// combine ANDs the conditions with the filter's and/or/not parts, compiled recursively.
func combine[F any](ctx context.Context, c conds, and, or []*F, not *F, compile func(context.Context, *F) (bson.D, error)) (bson.D, error) {
	for _, f := range and {
		q, err := compile(ctx, f)
		if err != nil {
			return nil, err
		}
		c = append(c, q)
	}
	if len(or) > 0 {
		var any bson.A
		for _, f := range or {
			q, err := compile(ctx, f)
			if err != nil {
				return nil, err
			}
			any = append(any, q)
		}
		c = append(c, bson.D{{Key: "$or", Value: any}})
	}
	if not != nil {
		q, err := compile(ctx, not)
		if err != nil {
			return nil, err
		}
		c = append(c, bson.D{{Key: "$nor", Value: bson.A{q}}})
	}
	if len(c) == 0 {
		return bson.D{}, nil
	}
	return bson.D{{Key: "$and", Value: bson.A(c)}}, nil
}
