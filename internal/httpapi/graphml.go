package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// networkQuery reads the sub-graph of GET /export/network.graphml: the `network` field with the same filter.
const networkQuery = `query Network($filter: NetworkFilter!) {
  network(filter: $filter) {
    nodes { node {
      type: __typename
      ... on Node { id }
      ... on Coalition { label: name slug status country { code } }
      ... on Stakeholder { label: name slug category based: country { code } }
      ... on Initiative { label: name slug }
      ... on ToolkitSection { label: title slug }
      ... on BlogPost { label: title slug }
    } }
    edges { from to relation role }
  }
}`

// The GraphML document (http://graphml.graphdrawing.org), as Gephi, Cytoscape and yEd read it.
type graphMLDoc struct {
	XMLName xml.Name     `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
	Keys    []graphMLKey `xml:"key"`
	Graph   struct {
		ID          string        `xml:"id,attr"`
		EdgeDefault string        `xml:"edgedefault,attr"`
		Nodes       []graphMLItem `xml:"node"`
		Edges       []graphMLItem `xml:"edge"`
	} `xml:"graph"`
}

type graphMLKey struct {
	ID   string `xml:"id,attr"`
	For  string `xml:"for,attr"`
	Name string `xml:"attr.name,attr"`
	Type string `xml:"attr.type,attr"`
}

type graphMLItem struct {
	ID     string        `xml:"id,attr,omitempty"`
	Source string        `xml:"source,attr,omitempty"`
	Target string        `xml:"target,attr,omitempty"`
	Data   []graphMLData `xml:"data"`
}

type graphMLData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

// graphMLKeys declares the attributes of nodes and edges.
var graphMLKeys = []graphMLKey{
	{"label", "node", "label", "string"}, {"type", "node", "type", "string"}, {"slug", "node", "slug", "string"},
	{"country", "node", "country", "string"}, {"status", "node", "status", "string"},
	{"category", "node", "category", "string"},
	{"relation", "edge", "relation", "string"}, {"role", "edge", "role", "string"},
}

// network serves the `network` sub-graph as GraphML: nodes with their label, type and slug (and country, status,
// category where the type has them), directed edges with their relation (and a membership's role).
func (e *exporter) network(w http.ResponseWriter, r *http.Request, vars map[string]any) {
	if vars["filter"] == nil {
		vars["filter"] = map[string]any{}
	}
	data, errs := e.run(r.Context(), networkQuery, vars)
	if errs != nil {
		writeJSON(w, errorStatus(errs), map[string]any{"errors": errs})
		return
	}
	var res struct {
		Network struct {
			Nodes []struct {
				Node struct {
					ID, Type, Label, Slug, Status, Category string
					// Country is a coalition's, Based a stakeholder's (they differ in nullability, so in name).
					Country, Based *struct{ Code string }
				}
			}
			Edges []struct {
				From, To, Relation string
				Role               *string
			}
		}
	}
	if err := json.Unmarshal(data, &res); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"errors": gqlerror.List{{Message: "internal error",
			Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}}}})
		return
	}
	doc := graphMLDoc{Keys: graphMLKeys}
	doc.Graph.ID, doc.Graph.EdgeDefault = "network", "directed"
	for _, n := range res.Network.Nodes {
		item := graphMLItem{ID: n.Node.ID}
		item.add("label", n.Node.Label).add("type", n.Node.Type).add("slug", n.Node.Slug)
		for _, c := range []*struct{ Code string }{n.Node.Country, n.Node.Based} {
			if c != nil {
				item.add("country", c.Code)
			}
		}
		item.add("status", n.Node.Status).add("category", n.Node.Category)
		doc.Graph.Nodes = append(doc.Graph.Nodes, item)
	}
	for _, ed := range res.Network.Edges {
		item := graphMLItem{Source: ed.From, Target: ed.To}
		item.add("relation", ed.Relation)
		if ed.Role != nil {
			item.add("role", *ed.Role)
		}
		doc.Graph.Edges = append(doc.Graph.Edges, item)
	}
	w.Header().Set("Content-Type", "application/graphml+xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="network.graphml"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		e.logger.ErrorContext(r.Context(), "GraphML export failed", "error", err)
	}
}

// add appends an attribute value, leaving empty ones out.
func (i *graphMLItem) add(key, value string) *graphMLItem {
	if value != "" {
		i.Data = append(i.Data, graphMLData{Key: key, Value: value})
	}
	return i
}
