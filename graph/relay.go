package graph

import (
	"context"
	"strings"

	"coalitiongraph/graph/model"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/loader"
	"coalitiongraph/internal/relay"
)

// page answers a root list field: it validates the paging arguments and asks the store for one keyset page,
// counting the total only when the query selects totalCount.
func page[T any, F any, O any](ctx context.Context, coll content.Collection[T, F, O], first *int, after *string, last *int, before *string, filter *F, order []O) (content.Page[*T], error) {
	w, err := relay.ParseWindow(first, last, after, before)
	if err != nil {
		return content.Page[*T]{}, err
	}
	return coll.Page(ctx, filter, order, w, relay.Wants(ctx, "totalCount"))
}

// relArgs validates the arguments of a nested connection before it is batched: the window, the ordering and that
// the cursors belong to it; and tells whether the connection's totalCount is selected.
func relArgs[T any, F any, O any](ctx context.Context, coll content.Collection[T, F, O], first *int, after *string, last *int, before *string, filter *F, order []O) (loader.Args[F, O], error) {
	w, err := relay.ParseWindow(first, last, after, before)
	if err != nil {
		return loader.Args[F, O]{}, err
	}
	args := loader.Args[F, O]{Window: w, Filter: filter, Order: order, Total: relay.Wants(ctx, "totalCount")}
	return args, coll.Check(order, w)
}

// related loads one page of a relation through the request's loader for it.
func related[T any, F any, O any](ctx context.Context, coll content.Collection[T, F, O], pick func(*loader.Loaders) *loader.RelationPages[T, F, O], via content.Via, targets []string,
	first *int, after *string, last *int, before *string, filter *F, order []O) (content.Page[*T], error) {
	args, err := relArgs(ctx, coll, first, after, last, before, filter, order)
	if err != nil {
		return content.Page[*T]{}, err
	}
	if len(targets) == 0 {
		return relay.Slice[*T](nil, nil, args.Window), nil
	}
	return pick(loader.For(ctx)).Page(ctx, via, targets, args)
}

// one answers a root field that takes an id or a slug (or code), exactly one of them.
func one[T any](ctx context.Context, t content.TypeName, id, slug *string, byID func(context.Context, string) (*T, error), bySlug func(context.Context, string) (*T, error)) (*T, error) {
	switch {
	case (id == nil) == (slug == nil):
		return nil, content.Errorf(content.EInvalid, "id", "give exactly one of id and slug")
	case id != nil:
		_, local, err := content.ParseGlobalID("id", *id, t)
		if err != nil {
			return nil, err
		}
		v, err := byID(ctx, local)
		return v, loader.NotFound(err, t, local)
	default:
		return bySlug(ctx, strings.TrimSpace(*slug))
	}
}

// edges pairs each item of a page with its cursor in the connection's edge type.
func edges[T any, E any](p content.Page[T], edge func(cursor string, item T) E) []E {
	out := make([]E, len(p.Items))
	for i, it := range p.Items {
		out[i] = edge(p.Cursors[i], it)
	}
	return out
}

func info[T any](p content.Page[T]) *content.PageInfo { return &p.Info }

func coalitionConnection(p content.Page[*content.Coalition], err error) (*model.CoalitionConnection, error) {
	return &model.CoalitionConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, n *content.Coalition) *model.CoalitionEdge {
			return &model.CoalitionEdge{Cursor: c, Node: n}
		})}, err
}

func stakeholderConnection(p content.Page[*content.Stakeholder], err error) (*model.StakeholderConnection, error) {
	return &model.StakeholderConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, n *content.Stakeholder) *model.StakeholderEdge {
			return &model.StakeholderEdge{Cursor: c, Node: n}
		})}, err
}

func initiativeConnection(p content.Page[*content.Initiative], err error) (*model.InitiativeConnection, error) {
	return &model.InitiativeConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, n *content.Initiative) *model.InitiativeEdge {
			return &model.InitiativeEdge{Cursor: c, Node: n}
		})}, err
}

func toolkitConnection(p content.Page[*content.ToolkitSection], err error) (*model.ToolkitSectionConnection, error) {
	return &model.ToolkitSectionConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, n *content.ToolkitSection) *model.ToolkitSectionEdge {
			return &model.ToolkitSectionEdge{Cursor: c, Node: n}
		})}, err
}

func blogPostConnection(p content.Page[*content.BlogPost], err error) (*model.BlogPostConnection, error) {
	return &model.BlogPostConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, n *content.BlogPost) *model.BlogPostEdge {
			return &model.BlogPostEdge{Cursor: c, Node: n}
		})}, err
}

func countryConnection(p content.Page[*content.Country], err error) (*model.CountryConnection, error) {
	return &model.CountryConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, n *content.Country) *model.CountryEdge { return &model.CountryEdge{Cursor: c, Node: n} })}, err
}

// membersConnection is a coalition's members.
func membersConnection(p content.Page[*content.Member], err error) (*model.CoalitionMemberConnection, error) {
	conn := &model.CoalitionMemberConnection{PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, m *content.Member) *model.CoalitionMemberEdge {
			return &model.CoalitionMemberEdge{Cursor: c, Node: m.Stakeholder, Role: m.Role, Since: m.Since}
		})}
	for _, m := range p.Items {
		conn.Nodes = append(conn.Nodes, m.Stakeholder)
	}
	return conn, err
}

// memberOfConnection is a stakeholder's coalitions.
func memberOfConnection(p content.Page[*content.Member], err error) (*model.StakeholderCoalitionConnection, error) {
	conn := &model.StakeholderCoalitionConnection{PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, m *content.Member) *model.StakeholderCoalitionEdge {
			return &model.StakeholderCoalitionEdge{Cursor: c, Node: m.Coalition, Role: m.Role, Since: m.Since}
		})}
	for _, m := range p.Items {
		conn.Nodes = append(conn.Nodes, m.Coalition)
	}
	return conn, err
}

// peerConnection is a stakeholder's peers.
func peerConnection(p content.Page[*loader.Peer], err error) (*model.StakeholderPeerConnection, error) {
	conn := &model.StakeholderPeerConnection{PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, peer *loader.Peer) *model.StakeholderPeerEdge {
			return &model.StakeholderPeerEdge{Cursor: c, Node: peer.Stakeholder, SharedCoalitions: peer.Shared}
		})}
	for _, peer := range p.Items {
		conn.Nodes = append(conn.Nodes, peer.Stakeholder)
	}
	return conn, err
}

// The relation loaders, picked from the request's loaders.
func coalitionsLoader(l *loader.Loaders) *loader.RelationPages[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder] {
	return l.Coalitions
}
func stakeholdersLoader(l *loader.Loaders) *loader.RelationPages[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder] {
	return l.Stakeholders
}
func initiativesLoader(l *loader.Loaders) *loader.RelationPages[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder] {
	return l.Initiatives
}
func toolkitLoader(l *loader.Loaders) *loader.RelationPages[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder] {
	return l.ToolkitSections
}
func blogPostsLoader(l *loader.Loaders) *loader.RelationPages[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder] {
	return l.BlogPosts
}

// by is the content.Via of relation fields whose items hold references to their parent through rels; byID that
// of relation fields whose parent holds references to its items.
func by(rels ...*content.Relation) content.Via { return content.Via{Relations: rels} }

var byID = content.Via{}

func ptr[T any](v T) *T { return &v }

func first[T any](items []*T) *T {
	if len(items) == 0 {
		return nil
	}
	return items[0]
}

func firstMember(items []*content.Member) *content.Stakeholder {
	if len(items) == 0 {
		return nil
	}
	return items[0].Stakeholder
}
