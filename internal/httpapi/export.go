package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/loader"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits of an export.
const (
	// ExportPageSize is how many items an export reads per page, each page one GraphQL operation.
	ExportPageSize = 100
	// ExportTimeout bounds a whole export; each page is bounded by the request timeout as well.
	ExportTimeout = 10 * time.Minute
)

// exportQueries are the GraphQL documents that read one page of each export. An export is the GraphQL list
// itself, paged with its own keyset cursors: the same filter (validated the same way), the same ordering, the
// same loaders. Nested relations read up to 100 items each, with their totalCount alongside.
var exportQueries = map[string]string{
	"coalitions": `query Export($filter: CoalitionFilter, $orderBy: [CoalitionOrder!], $after: String) {
  list: coalitions(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id slug name status scope launchYear country { code name } focusAreas tags website description sourceUrl
      updatedAt
      members(first: 100) { totalCount edges { role since node { id name } } }
      initiatives(first: 100) { totalCount nodes { id name } }
    } }
  }
}`,
	"stakeholders": `query Export($filter: StakeholderFilter, $orderBy: [StakeholderOrder!], $after: String) {
  list: stakeholders(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id slug name kind category country { code name } position description website tags sourceUrl updatedAt
      coalitions(first: 100) { totalCount edges { role since node { id name } } }
      initiatives(first: 100) { totalCount nodes { id name } }
    } }
  }
}`,
	"initiatives": `query Export($filter: InitiativeFilter, $orderBy: [InitiativeOrder!], $after: String) {
  list: initiatives(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id slug name scope countries { code name } startYear focusAreas tags website description sourceUrl updatedAt
      partners(first: 100) { totalCount nodes { id name } }
      coalitions(first: 100) { totalCount nodes { id name } }
    } }
  }
}`,
	"toolkit-sections": `query Export($filter: ToolkitSectionFilter, $orderBy: [ToolkitSectionOrder!], $after: String) {
  list: toolkitSections(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id slug number title depth order proposed parent { id slug title } summary body tags sourceUrl updatedAt
    } }
  }
}`,
	"blog-posts": `query Export($filter: BlogPostFilter, $orderBy: [BlogPostOrder!], $after: String) {
  list: blogPosts(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id slug title publishedOn publisher { id name } excerpt body tags sourceUrl updatedAt
      authors(first: 100) { totalCount nodes { id name } }
      mentions(first: 100) { totalCount nodes { type: __typename ... on Node { id } } }
    } }
  }
}`,
	"countries": `query Export($filter: CountryFilter, $orderBy: [CountryOrder!], $after: String) {
  list: countries(first: 100, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { node { id code name euMember updatedAt } }
  }
}`,
}

// ExportTypes are the names under /export/{type}.csv and .ndjson.
func ExportTypes() []string {
	names := make([]string, 0, len(exportQueries))
	for n := range exportQueries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// column is one CSV column: its header and the path of response keys to its values in an item.
type column struct {
	name string
	path []string
}

// exportSpec is one export's query and the CSV columns read off it once, at start-up.
type exportSpec struct {
	query   string
	columns []column
}

// exporter serves GET /export/{type}.csv and .ndjson: the GraphQL list, streamed page by page.
type exporter struct {
	exec  *executor.Executor
	store content.Store
	// timeoutMS bounds each page.
	timeoutMS int
	logger    *slog.Logger
	specs     map[string]exportSpec
}

func newExporter(exec *executor.Executor, store content.Store, cfg Config) *exporter {
	e := &exporter{exec: exec, store: store, timeoutMS: cfg.RequestTimeoutMS, logger: cfg.Logger, specs: map[string]exportSpec{}}
	for name, q := range exportQueries {
		e.specs[name] = exportSpec{query: q, columns: itemColumns(q)}
	}
	return e
}

// itemColumns lists the leaf fields an export query selects on each item, in order, named by their path with the
// connection wrappers (edges, node, nodes) left out: "country.code", "members.role", "members.name".
func itemColumns(query string) []column {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		panic(fmt.Sprintf("export query does not parse: %v", err)) // a programming error, caught by every test
	}
	list := doc.Operations[0].SelectionSet[0].(*ast.Field)
	edges := child(list.SelectionSet, "edges")
	node := child(edges.SelectionSet, "node")
	var out []column
	var walk func(set ast.SelectionSet, path, name []string)
	walk = func(set ast.SelectionSet, path, name []string) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.InlineFragment:
				walk(s.SelectionSet, path, name)
			case *ast.Field:
				p, n := append(slices.Clone(path), s.Alias), name
				if s.Alias != "edges" && s.Alias != "node" && s.Alias != "nodes" {
					n = append(slices.Clone(name), s.Alias)
				}
				if len(s.SelectionSet) > 0 {
					walk(s.SelectionSet, p, n)
				} else if !slices.ContainsFunc(out, func(c column) bool { return c.name == strings.Join(n, ".") }) {
					out = append(out, column{name: strings.Join(n, "."), path: p})
				}
			}
		}
	}
	walk(node.SelectionSet, nil, nil)
	return out
}

func child(set ast.SelectionSet, alias string) *ast.Field {
	for _, s := range set {
		if f, ok := s.(*ast.Field); ok && f.Alias == alias {
			return f
		}
	}
	panic("export query has no " + alias)
}

func (e *exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, format, _ := strings.Cut(r.PathValue("file"), ".")
	spec, ok := e.specs[name]
	graphML := name == "network" && format == "graphml"
	if !graphML && (!ok || (format != "csv" && format != "ndjson")) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("no export %q: use /export/{type}.csv or .ndjson with type one of %s, or /export/network.graphml",
			r.PathValue("file"), strings.Join(ExportTypes(), ", ")))
		return
	}
	vars, bad := exportVariables(r)
	if bad != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []*gqlerror.Error{bad}})
		return
	}
	if graphML {
		e.network(w, r, vars)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ExportTimeout)
	defer cancel()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(ExportTimeout))

	var rows rowWriter
	if format == "csv" {
		rows = newCSVRows(w, spec.columns)
	} else {
		rows = ndjsonRows{json.NewEncoder(w)}
	}
	started := false
	for page := 1; ; page++ {
		items, next, errs := e.page(ctx, spec.query, vars)
		if errs != nil {
			if started {
				// The status is sent: cut the connection so that the client sees a broken download, not a short file.
				e.logger.ErrorContext(ctx, "export failed", "export", name, "page", page, "error", errs)
				panic(http.ErrAbortHandler)
			}
			writeJSON(w, errorStatus(errs), map[string]any{"errors": errs})
			return
		}
		if !started {
			started = true
			w.Header().Set("Content-Type", map[string]string{"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}[format])
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
			w.Header().Set("Cache-Control", "no-store")
			if err := rows.header(); err != nil {
				return
			}
		}
		for _, it := range items {
			if err := rows.row(it); err != nil {
				return // the client went away
			}
		}
		if err := rows.flush(); err != nil {
			return
		}
		_ = rc.Flush()
		if next == nil {
			return
		}
		vars["after"] = *next
	}
}

// exportVariables reads the filter and orderBy query parameters, JSON in the shape of the GraphQL list's own
// arguments.
func exportVariables(r *http.Request) (map[string]any, *gqlerror.Error) {
	vars := map[string]any{}
	for _, arg := range []string{"filter", "orderBy"} {
		raw := r.URL.Query().Get(arg)
		if raw == "" {
			continue
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber() // as the GraphQL transports decode variables
		err := dec.Decode(&v)
		if _, end := dec.Token(); err == nil && end != io.EOF {
			err = errors.New("more than one JSON value")
		}
		if err != nil {
			return nil, &gqlerror.Error{
				Message:    fmt.Sprintf("the %s parameter is not valid JSON: %v", arg, err),
				Extensions: map[string]any{"code": "BAD_USER_INPUT", "argument": arg},
			}
		}
		vars[arg] = v
	}
	return vars, nil
}

// errorStatus is the HTTP status of an export that failed before it started: 500 when the server is at fault,
// else 400.
func errorStatus(errs gqlerror.List) int {
	for _, e := range errs {
		if e.Extensions["code"] == "INTERNAL_SERVER_ERROR" {
			return http.StatusInternalServerError
		}
	}
	return http.StatusBadRequest
}

// page runs one page of an export with fresh loaders and returns its items and the cursor of the next page.
func (e *exporter) page(ctx context.Context, query string, vars map[string]any) ([]map[string]any, *string, gqlerror.List) {
	data, errs := e.run(ctx, query, vars)
	if errs != nil {
		return nil, nil, errs
	}
	var out struct {
		List struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct{ Node map[string]any }
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, nil, gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL_SERVER_ERROR"}}}
	}
	items := make([]map[string]any, len(out.List.Edges))
	for i, edge := range out.List.Edges {
		items[i] = edge.Node
	}
	if !out.List.PageInfo.HasNextPage {
		return items, nil, nil
	}
	return items, out.List.PageInfo.EndCursor, nil
}

// run executes one operation of an export, bounded as one request, with fresh loaders.
func (e *exporter) run(ctx context.Context, query string, vars map[string]any) (json.RawMessage, gqlerror.List) {
	ctx, cancel := context.WithTimeout(ctx, millis(e.timeoutMS))
	defer cancel()
	return execute(loader.With(ctx, loader.New(e.store)), e.exec, query, vars)
}

// execute runs one GraphQL operation in the process, through the same executor extensions (cost limit, error
// presenter) as the HTTP endpoint. The context must carry loaders.
func execute(ctx context.Context, exec *executor.Executor, query string, vars map[string]any) (json.RawMessage, gqlerror.List) {
	ctx = graphql.StartOperationTrace(ctx)
	oc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: query, Variables: vars})
	if errs != nil {
		return nil, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs).Errors
	}
	handle, ctx := exec.DispatchOperation(ctx, oc)
	resp := handle(ctx)
	if len(resp.Errors) > 0 {
		return nil, resp.Errors
	}
	return resp.Data, nil
}

// rowWriter writes an export's items in one format.
type rowWriter interface {
	header() error
	row(item map[string]any) error
	flush() error
}

// csvRows writes one line per item: relations flattened into columns whose values are joined with "; ".
type csvRows struct {
	w       *csv.Writer
	columns []column
}

func newCSVRows(w http.ResponseWriter, columns []column) *csvRows {
	return &csvRows{w: csv.NewWriter(w), columns: columns}
}

func (c *csvRows) header() error {
	names := make([]string, len(c.columns))
	for i, col := range c.columns {
		names[i] = col.name
	}
	return c.w.Write(names)
}

func (c *csvRows) row(item map[string]any) error {
	cells := make([]string, len(c.columns))
	for i, col := range c.columns {
		cells[i] = strings.Join(cellValues(item, col.path, nil), "; ")
	}
	return c.w.Write(cells)
}

func (c *csvRows) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// cellValues collects the values at path in v, through any lists on the way. A null counts as an empty value,
// so that the columns of one relation ("members.role", "members.since") line up item for item.
func cellValues(v any, path []string, out []string) []string {
	switch x := v.(type) {
	case nil:
		return append(out, "")
	case []any:
		for _, e := range x {
			out = cellValues(e, path, out)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return out
		}
		return cellValues(x[path[0]], path[1:], out)
	case string:
		return append(out, spreadsheetSafe(x))
	default:
		return append(out, fmt.Sprint(x))
	}
}

// spreadsheetSafe keeps a spreadsheet from reading a text as a formula (CSV injection): a text that starts with
// =, +, -, @, tab or carriage return gets a leading apostrophe, which spreadsheets hide.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ndjsonRows writes one JSON object per line: each relation a plain list of its items, an edge's own fields
// (role, since) merged into its node's.
type ndjsonRows struct{ enc *json.Encoder }

func (ndjsonRows) header() error                   { return nil }
func (n ndjsonRows) row(item map[string]any) error { return n.enc.Encode(unwrapConnections(item)) }
func (ndjsonRows) flush() error                    { return nil }

func unwrapConnections(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unwrapConnections(e)
		}
		return out
	case map[string]any:
		if edges, ok := x["edges"].([]any); ok {
			out := make([]any, len(edges))
			for i, e := range edges {
				edge, _ := e.(map[string]any)
				item := map[string]any{}
				for k, v := range edge {
					if node, ok := v.(map[string]any); ok && k == "node" {
						for nk, nv := range node {
							item[nk] = unwrapConnections(nv)
						}
					} else if k != "cursor" {
						item[k] = v
					}
				}
				out[i] = item
			}
			return out
		}
		if nodes, ok := x["nodes"].([]any); ok {
			return unwrapConnections(nodes)
		}
		out := map[string]any{}
		for k, v := range x {
			out[k] = unwrapConnections(v)
		}
		return out
	}
	return v
}
