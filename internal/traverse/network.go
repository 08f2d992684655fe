package traverse

import (
	"context"
	"maps"

	"coalitiongraph/internal/content"
)

// NetworkFilter chooses the nodes of a network: the content of the chosen types that matches the filter of its
// type, and is in one of the countries when a country list is given and the type has a country (coalitions,
// stakeholders, initiatives; sections and posts have none).
type NetworkFilter struct {
	Country []string
	// Types are the types of content taken; nil for coalitions and stakeholders.
	Types          []content.ContentType
	Coalition      *content.CoalitionFilter
	Stakeholder    *content.StakeholderFilter
	Initiative     *content.InitiativeFilter
	ToolkitSection *content.ToolkitSectionFilter
	BlogPost       *content.BlogPostFilter
}

// DefaultNetworkTypes are the types of a network when the filter names none.
var DefaultNetworkTypes = []content.ContentType{"COALITION", "STAKEHOLDER"}

// Network returns the sub-graph induced by the content the filter chooses: those nodes, ordered by type and name,
// and every edge between two of them. It costs one query per type and one for the memberships. Filters are
// compiled as the lists compile them, with the same errors; a filter given for a type that is not chosen is a
// BAD_USER_INPUT error, and more than the budget of nodes a NODE_BUDGET_EXCEEDED error on "filter".
func (t *Traverser) Network(ctx context.Context, f NetworkFilter) (*Graph, error) {
	types := f.Types
	if types == nil {
		types = DefaultNetworkTypes
	}
	if len(types) == 0 {
		return nil, content.Errorf(content.EInvalid, "filter.types", "name at least one type of content")
	}
	chosen := map[content.TypeName]bool{}
	for _, c := range types {
		chosen[c.TypeName()] = true
	}
	for _, given := range []struct {
		field string
		t     content.TypeName
		ok    bool
	}{
		{"filter.coalition", content.TypeCoalition, f.Coalition != nil},
		{"filter.stakeholder", content.TypeStakeholder, f.Stakeholder != nil},
		{"filter.initiative", content.TypeInitiative, f.Initiative != nil},
		{"filter.toolkitSection", content.TypeToolkitSection, f.ToolkitSection != nil},
		{"filter.blogPost", content.TypeBlogPost, f.BlogPost != nil},
	} {
		if given.ok && !chosen[given.t] {
			return nil, content.Errorf(content.EInvalid, given.field, "%s is given but filter.types does not include that type", given.field)
		}
	}

	w := t.newWalk(ctx)
	room := w.room()
	take := func(nodes []content.Node, err error) error {
		if err != nil {
			return err
		}
		if room -= len(nodes); room < 0 || !w.reach(w.reached+len(nodes)) {
			return t.budgetErr("filter", "narrow the filter: fewer types or countries, or a filter per type")
		}
		for _, n := range nodes {
			w.docs[n.Key()] = n
		}
		return nil
	}
	coalitions, stakeholders, initiatives := f.Coalition, f.Stakeholder, f.Initiative
	if f.Country != nil {
		coalitions = &content.CoalitionFilter{Country: f.Country, And: within(f.Coalition)}
		stakeholders = &content.StakeholderFilter{Country: f.Country, And: within(f.Stakeholder)}
		initiatives = &content.InitiativeFilter{Country: f.Country, And: within(f.Initiative)}
	}
	// One type after another, each capped at what the budget leaves, so that no query reads past the budget.
	steps := map[content.TypeName]func() error{
		content.TypeCoalition:      func() error { return take(capped(ctx, t.store.Coalitions(), coalitions, room)) },
		content.TypeStakeholder:    func() error { return take(capped(ctx, t.store.Stakeholders(), stakeholders, room)) },
		content.TypeInitiative:     func() error { return take(capped(ctx, t.store.Initiatives(), initiatives, room)) },
		content.TypeToolkitSection: func() error { return take(capped(ctx, t.store.ToolkitSections(), f.ToolkitSection, room)) },
		content.TypeBlogPost:       func() error { return take(capped(ctx, t.store.BlogPosts(), f.BlogPost, room)) },
	}
	for _, typ := range content.ContentTypes {
		if chosen[typ] {
			if err := steps[typ](); err != nil {
				return nil, err
			}
		}
	}

	keys := map[string]bool{}
	for k := range w.docs {
		keys[k] = true
	}
	memberIDs, coalitionIDs := membershipEnds(maps.Keys(keys))
	ms, err := t.store.Memberships().Between(ctx, memberIDs, coalitionIDs)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		w.memberships[m.ID] = m
	}
	g := &Graph{Edges: w.induced(keys)}
	for _, n := range w.docs {
		g.Nodes = append(g.Nodes, &Node{Node: n})
	}
	sortNodes(g.Nodes)
	return g, nil
}

// within is a type's own filter as the `and` of a filter on the countries, so that both compile as the list
// compiles them.
func within[F any](own *F) []*F {
	if own == nil {
		return nil
	}
	return []*F{own}
}

// capped reads at most room+1 documents of a kind: one more than the budget allows tells that it is exceeded.
func capped[T any, F any, O any](ctx context.Context, coll content.Collection[T, F, O], filter *F, room int) ([]content.Node, error) {
	items, err := coll.Capped(ctx, filter, max(room, 0)+1)
	out := make([]content.Node, 0, len(items))
	for _, it := range items {
		if n, ok := any(it).(content.Node); ok {
			out = append(out, n)
		}
	}
	return out, err
}
