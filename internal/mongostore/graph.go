package mongostore

import (
	"context"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// memberships implements content.Memberships: each membership is a document of the memberships collection,
// holding the ids of both ends.
type memberships struct{ s *Store }

// endField is the membership field that holds the id of the end of type side.
func endField(side content.TypeName) string {
	if side == content.TypeCoalition {
		return "coalitionId"
	}
	return "stakeholderId"
}

// Of implements content.Memberships.
func (m memberships) Of(ctx context.Context, side content.TypeName, ids []string, roles []content.MembershipRole) ([]*content.Membership, error) {
	q := inIDs(endField(side), ids)
	if q == nil {
		return nil, nil
	}
	if len(roles) > 0 {
		q = bson.D{{Key: "$and", Value: bson.A{q, bson.D{{Key: "role", Value: bson.D{{Key: "$in", Value: roles}}}}}}}
	}
	return m.s.findMemberships(ctx, q)
}

// Touching implements content.Memberships.
func (m memberships) Touching(ctx context.Context, stakeholders, coalitions []string) ([]*content.Membership, error) {
	return m.s.findMemberships(ctx, anyOf(inIDs(endField(content.TypeStakeholder), stakeholders), inIDs(endField(content.TypeCoalition), coalitions)))
}

// Between implements content.Memberships.
func (m memberships) Between(ctx context.Context, stakeholders, coalitions []string) ([]*content.Membership, error) {
	if len(stakeholders) == 0 || len(coalitions) == 0 {
		return nil, nil
	}
	return m.s.findMemberships(ctx, bson.D{{Key: "$and", Value: bson.A{inIDs(endField(content.TypeStakeholder), stakeholders), inIDs(endField(content.TypeCoalition), coalitions)}}})
}

// Members implements content.Memberships.
func (m memberships) Members(ctx context.Context, coalitions []string, roles []content.MembershipRole, filter *content.StakeholderFilter, order []*content.StakeholderOrder, w content.Window, total bool) ([]content.Page[*content.Member], error) {
	return pageMembers(ctx, m, m.s.stakeholders, content.TypeCoalition, coalitions, roles, filter, order, w, total,
		func(s *content.Stakeholder, ms *content.Membership) *content.Member {
			return &content.Member{Stakeholder: s, Role: ms.Role, Since: ms.Since}
		}, func(mem *content.Member) *content.Stakeholder { return mem.Stakeholder })
}

// MemberOf implements content.Memberships.
func (m memberships) MemberOf(ctx context.Context, stakeholders []string, roles []content.MembershipRole, filter *content.CoalitionFilter, order []*content.CoalitionOrder, w content.Window, total bool) ([]content.Page[*content.Member], error) {
	return pageMembers(ctx, m, m.s.coalitions, content.TypeStakeholder, stakeholders, roles, filter, order, w, total,
		func(c *content.Coalition, ms *content.Membership) *content.Member {
			return &content.Member{Coalition: c, Role: ms.Role, Since: ms.Since}
		}, func(mem *content.Member) *content.Coalition { return mem.Coalition })
}

// pageMembers pages, for each parent (of type side), the other ends of its memberships: two reads, the
// memberships and then the other ends, filtered and ordered. One parent whose total is not asked for reads only
// the page of the other ends.
func pageMembers[T any, F any, O Order](ctx context.Context, m memberships, other *kind[T, F, O], side content.TypeName, parents []string,
	roles []content.MembershipRole, filter *F, order []O, w content.Window, total bool,
	wrap func(*T, *content.Membership) *content.Member, of func(*content.Member) *T,
) ([]content.Page[*content.Member], error) {
	sort, err := other.checked(order, w)
	if err != nil {
		return nil, err
	}
	ms, err := m.Of(ctx, side, parents, roles)
	if err != nil {
		return nil, err
	}
	// ends reads a membership from the parent's side: the parent's id, then the other end's.
	ends := func(ms *content.Membership) (string, string) { return ms.Ends(side) }
	ids := make([]string, 0, len(ms))
	for _, x := range ms {
		_, o := ends(x)
		ids = append(ids, o)
	}
	restrict := inIDs("_id", ids)
	if restrict == nil {
		restrict = nothing
	}
	// the member sort keys read the member's side of the pair
	keys := make([]relay.Sort[*content.Member], len(sort))
	for i, s := range sort {
		keys[i] = relay.Sort[*content.Member]{Field: s.Field, Desc: s.Desc, Type: s.Type, Null: s.Null, Value: func(mem *content.Member) any { return s.Value(of(mem)) }}
	}
	q, err := other.where(ctx, filter)
	if err != nil {
		return nil, err
	}
	q = bson.D{{Key: "$and", Value: bson.A{restrict, q}}}
	var items []*T
	if len(parents) == 1 && !total {
		// one parent: the window's page of the other ends, which the keyset conditions of its cursors bound
		p, err := other.page(ctx, q, sort, w, false)
		if err != nil {
			return nil, err
		}
		pages := []content.Page[*content.Member]{relay.Slice(wrapAll(p.Items, parents[0], ms, ends, other.id, wrap), keys, w)}
		pages[0].Info.HasNextPage, pages[0].Info.HasPreviousPage = p.Info.HasNextPage, p.Info.HasPreviousPage
		return pages, nil
	}
	if items, err = other.find(ctx, q, sort, false, 0); err != nil {
		return nil, err
	}
	pages := make([]content.Page[*content.Member], len(parents))
	for i, parent := range parents {
		pages[i] = relay.Slice(wrapAll(items, parent, ms, ends, other.id, wrap), keys, w)
	}
	return pages, nil
}

// wrapAll pairs the items (in order) that are the other ends of parent's memberships with their membership.
func wrapAll[T any](items []*T, parent string, ms []*content.Membership, ends func(*content.Membership) (string, string), id func(*T) string,
	wrap func(*T, *content.Membership) *content.Member) []*content.Member {
	mine := map[string]*content.Membership{}
	for _, m := range ms {
		if p, o := ends(m); p == parent {
			mine[o] = m
		}
	}
	var list []*content.Member
	for _, it := range items {
		if m, ok := mine[id(it)]; ok {
			list = append(list, wrap(it, m))
		}
	}
	return list
}

func (s *Store) findMemberships(ctx context.Context, q bson.D) ([]*content.Membership, error) {
	if q == nil {
		return nil, nil
	}
	return readAll[*content.Membership](ctx, s.memberships, "find", q, func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
		return coll.Find(ctx, q, options.Find().SetBatchSize(batchSize))
	})
}

// Referring implements content.Store: one query on t's collection, the ids ORed with each reference's targets
// in the field of its relation (see content.Relation.Field).
func (s *Store) Referring(ctx context.Context, t content.TypeName, ids []string, refs []content.Reference) ([]content.Node, error) {
	conds := []bson.D{inIDs("_id", ids)}
	for _, r := range refs {
		if r.Relation.OwnerType() != t {
			return nil, content.Errorf(content.EInternal, "", "%s does not hold the relation %s", t, r.Relation.Name)
		}
		conds = append(conds, inIDs(r.Relation.Field, r.Targets))
	}
	k, ok := s.contentKinds[t]
	q := anyOf(conds...)
	if !ok || q == nil {
		return nil, nil
	}
	return k.findNodes(ctx, q)
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
