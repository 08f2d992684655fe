package mongostore

import (
	"context"
	"reflect"
	"strings"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A membership repeats the fields of its two ends that the membership aggregate groups and filters by (the ends'
// copies), so that the aggregate is one pipeline over the memberships with plain field matches. Without $lookup
// the alternative is to resolve a filter on an end to its ids and match them with $in, which FerretDB 1.24
// evaluates by scanning the list for every membership: quadratic in the data. The write gate keeps the copies:
// projectRoster writes them with the memberships of a coalition, in each stage from that stage's ends, and a write
// (or a publication) of an end that changes one of them updates the memberships of that end in the same stage
// (followEnd). Start-up fills the memberships an older build wrote (reindexMemberships).

// copiedFields are the stored fields of each end that its memberships repeat: every field the list filter of
// that end compiles to (content.CoalitionFilter's country, status, scope, focusArea and launchYear;
// content.StakeholderFilter's kind, category and country) or that a membership dimension groups by.
var copiedFields = map[content.TypeName][]string{
	content.TypeCoalition:   {"status", content.CoalitionCountry.Field, "scope", "focusAreas", "launchYear"},
	content.TypeStakeholder: {"kind", "category", content.StakeholderCountry.Field},
}

// copiesVersion marks the memberships whose copies this build wrote (the field copiesVersionField); start-up
// fills those of another. Bump it when copiedFields changes.
const (
	copiesVersion      = 1
	copiesVersionField = "copiesVersion"
)

// copyField is the membership field that repeats the field of the end of type t: "coalitionStatus",
// "stakeholderCategory".
func copyField(t content.TypeName, field string) string {
	return strings.ToLower(string(t)) + strings.ToUpper(field[:1]) + field[1:]
}

// copiesOf are the copies of the end of type t whose document is doc (nil: an end that is not there): each of
// copiedFields[t], null when the end lacks it.
func copiesOf(t content.TypeName, doc bson.D) bson.D {
	out := bson.D{}
	for _, f := range copiedFields[t] {
		out = append(out, bson.E{Key: copyField(t, f), Value: lookup(doc, f)})
	}
	return out
}

// copiesChanged tells whether a write of an end of type t from prev to next changes what its memberships repeat.
func copiesChanged(t content.TypeName, prev, next bson.D) bool {
	return !reflect.DeepEqual(copiesOf(t, prev), copiesOf(t, next))
}

// onMemberships moves a query compiled by the list filter of type t onto the memberships' copies of that end:
// each field becomes its copy, the logical operators are kept. It fails (false) when the query refers to a field
// the memberships do not repeat (a search, tags, a relation), which the aggregate then resolves to ids.
func onMemberships(t content.TypeName, q bson.D) (bson.D, bool) {
	out := make(bson.D, 0, len(q))
	for _, e := range q {
		switch e.Key {
		case "$and", "$or", "$nor":
			list, ok := e.Value.(bson.A)
			if !ok {
				return nil, false
			}
			moved := make(bson.A, len(list))
			for i, x := range list {
				d, ok := x.(bson.D)
				if !ok {
					return nil, false
				}
				if moved[i], ok = onMemberships(t, d); !ok {
					return nil, false
				}
			}
			out = append(out, bson.E{Key: e.Key, Value: moved})
		default:
			copied := false
			for _, f := range copiedFields[t] {
				copied = copied || f == e.Key
			}
			if !copied {
				return nil, false
			}
			out = append(out, bson.E{Key: copyField(t, e.Key), Value: e.Value})
		}
	}
	return out, true
}

// stageOf is the collection of the stage of memberships (published or draft) that stands for coll, one of the
// published collections.
func stageOf(memberships, coll *mongo.Collection) *mongo.Collection {
	if memberships.Name() != coll.Name() && strings.HasPrefix(memberships.Name(), draftPrefix) {
		return draftOf(coll)
	}
	return coll
}

// endDocs reads the copied fields of the ends of type t with the given ids from coll (of one stage), by id. A write
// reads what it changes directly, not through the read gate.
func endDocs(ctx context.Context, coll *mongo.Collection, t content.TypeName, ids []string) (map[string]bson.D, error) {
	out := map[string]bson.D{}
	if len(ids) == 0 {
		return out, nil
	}
	proj := bson.D{{Key: "_id", Value: 1}}
	for _, f := range copiedFields[t] {
		proj = append(proj, bson.E{Key: f, Value: 1})
	}
	q := inIDs("_id", ids)
	switch {
	case len(ids) == 1:
		q = bson.D{{Key: "_id", Value: ids[0]}} // the one filter the embedded store reads by id
	case len(ids) > wholeRead:
		// the embedded store checks an $in by scanning its list for every document: for many ids, reading the
		// whole collection (which it reads anyway) and keeping the ids asked for is linear
		q = bson.D{}
	}
	cur, err := coll.Find(ctx, q, options.Find().SetProjection(proj).SetBatchSize(batchSize))
	if err != nil {
		return nil, storeErr("read the ends of memberships", err)
	}
	var docs []bson.D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, storeErr("read the ends of memberships", err)
	}
	wanted := map[string]bool{}
	for _, id := range ids {
		wanted[id] = true
	}
	for _, d := range docs {
		if id, ok := lookup(d, "_id").(string); ok && wanted[id] {
			out[id] = d
		}
	}
	return out, nil
}

// wholeRead is the number of ids above which endDocs reads the whole collection rather than matching them.
const wholeRead = 200

// followEnd updates the copies of the end of type t, whose document of the stage of memberships is doc, on the
// memberships of that stage: one command.
func followEnd(ctx context.Context, memberships *mongo.Collection, t content.TypeName, doc bson.D) error {
	id, _ := lookup(doc, "_id").(string)
	_, err := memberships.UpdateMany(ctx, bson.D{{Key: endField(t), Value: id}},
		bson.D{{Key: "$set", Value: append(copiesOf(t, doc), bson.E{Key: copiesVersionField, Value: copiesVersion})}})
	return storeErr("update the memberships of "+collections[t].noun+" "+id, err)
}

// reindexMemberships fills the copies of the memberships of ctx's stage that another build wrote (see
// copiesVersion): one query on a current database; else one read of each end's collection and one bulk write.
func (s *Store) reindexMemberships(ctx context.Context) error {
	stale, err := readAll[*content.Membership](ctx, s.memberships, "reindex",
		bson.D{{Key: copiesVersionField, Value: bson.D{{Key: "$ne", Value: copiesVersion}}}},
		func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
			return coll.Find(ctx, q, options.Find().SetBatchSize(batchSize))
		})
	if err != nil || len(stale) == 0 {
		return err
	}
	var cids, sids []string
	for _, m := range stale {
		cids, sids = append(cids, m.CoalitionID), append(sids, m.StakeholderID)
	}
	coll, err := staged(ctx, s.memberships)
	if err != nil {
		return err
	}
	coalitions, err := endDocs(ctx, stageOf(coll, s.coalitions.coll), content.TypeCoalition, union([][]string{cids}))
	if err != nil {
		return err
	}
	stakeholders, err := endDocs(ctx, stageOf(coll, s.stakeholders.coll), content.TypeStakeholder, union([][]string{sids}))
	if err != nil {
		return err
	}
	models := make([]mongo.WriteModel, len(stale))
	for i, m := range stale {
		set := append(append(copiesOf(content.TypeCoalition, coalitions[m.CoalitionID]), copiesOf(content.TypeStakeholder, stakeholders[m.StakeholderID])...),
			bson.E{Key: copiesVersionField, Value: copiesVersion})
		models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: m.ID}}).SetUpdate(bson.D{{Key: "$set", Value: set}})
	}
	_, err = coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	return storeErr("reindex "+coll.Name(), err)
}
