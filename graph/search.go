package graph

import (
	"coalitiongraph/graph/model"
	"coalitiongraph/internal/content"
)

// searchConnection is a page of search hits, each with the snippet of its best field.
func searchConnection(q content.SearchQuery, p content.Page[*content.Hit]) *model.SearchConnection {
	return &model.SearchConnection{PageInfo: info(p), TotalCount: p.Total,
		Edges: edges(p, func(c string, h *content.Hit) *model.SearchEdge {
			e := &model.SearchEdge{Cursor: c, Node: h.Node, Score: h.Score}
			if s, ok := h.Node.(content.Searchable); ok {
				e.Snippet = q.Snippet(s.SearchFields())
			}
			return e
		})}
}
