package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// The GraphQL-over-HTTP transports (https://graphql.github.io/graphql-over-http/draft/), in place of gqlgen's:
// gqlgen answers request errors with 422 to application/json clients (Apollo Client then sees a network error
// and no GraphQL errors), keeps "data": null on them, echoes undecodable bodies with Go type names and caches
// nothing per answer. These decide the status, the media type, the headers and the error bound of every answer.

// The two media types a GraphQL answer can have.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// DefaultMaxErrors is how many errors one answer lists unless MAX_ERRORS says otherwise (Settings).
const DefaultMaxErrors = 20

// cacheableGET is the Cache-Control of a GET answer without errors: the content changes rarely.
const cacheableGET = "public, max-age=60"

// postTransport serves GraphQL requests POSTed as application/json.
type postTransport struct{ maxErrors int }

// getTransport serves queries (never mutations) sent as URL parameters, so that browsers and CDNs can cache them.
type getTransport struct{ maxErrors int }

var (
	_ graphql.Transport = postTransport{}
	_ graphql.Transport = getTransport{}
)

// Supports implements graphql.Transport: every POST is this transport's to answer, a wrong Content-Type with 415.
func (postTransport) Supports(r *http.Request) bool { return r.Method == http.MethodPost }

// Supports implements graphql.Transport: every GET is this transport's to answer, and HEAD (which the mux routes
// with GET) too.
func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// Do implements graphql.Transport.
func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	a := answerer{w: w, maxErrors: t.maxErrors, cacheable: false}
	if !a.negotiate(r) {
		return
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		a.fail(http.StatusUnsupportedMediaType, content.EUnsupportedMedia, "send the request as Content-Type: application/json")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			a.fail(http.StatusRequestEntityTooLarge, content.EPayloadTooLarge, fmt.Sprintf("the request body is over %d bytes", tooLarge.Limit))
			return
		}
		a.fail(http.StatusBadRequest, content.EBadRequest, "the request body could not be read")
		return
	}
	params, err := DecodeRequest(body)
	if err != nil {
		a.fail(http.StatusBadRequest, content.EBadRequest, err.Error())
		return
	}
	params.Headers = r.Header
	a.execute(r, exec, params, false)
}

// Do implements graphql.Transport.
func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// An answer for a key (drafts among them) is never stored by a cache; an anonymous one may be.
	a := answerer{w: w, maxErrors: t.maxErrors, cacheable: content.ViewerOf(r.Context()) == nil}
	if !a.negotiate(r) {
		return
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		a.fail(http.StatusBadRequest, content.EBadRequest, "the URL's query string is not well formed")
		return
	}
	params, err := DecodeQueryParameters(values)
	if err != nil {
		a.fail(http.StatusBadRequest, content.EBadRequest, err.Error())
		return
	}
	params.Headers = r.Header
	a.execute(r, exec, params, true)
}

// answerer writes one answer: it knows the negotiated media type, whether the answer may be cached and how many
// errors it may list.
type answerer struct {
	w         http.ResponseWriter
	media     string
	maxErrors int
	cacheable bool
}

// negotiate picks the answer's media type from the Accept header, or answers 406 and says false.
func (a *answerer) negotiate(r *http.Request) bool {
	a.w.Header().Add("Vary", "Accept")
	media, ok := negotiateMedia(r.Header.Values("Accept"))
	a.media = media
	if !ok {
		a.fail(http.StatusNotAcceptable, content.ENotAcceptable, "accept application/graphql-response+json or application/json")
	}
	return ok
}

// execute runs the request. Errors before execution (parse, validation, variable coercion, the cost limit, an
// unknown persisted query) are request errors: no data entry, 200 for application/json and 400 for
// application/graphql-response+json, as the spec says.
func (a *answerer) execute(r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, onlyQueries bool) {
	ctx := r.Context()
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if onlyQueries {
		// A mutation over GET is the method's fault before it is the document's: even where the schema has no
		// mutations (and validation fails), the client learns to POST it.
		op := operationOf(oc, params)
		if op != "" && op != ast.Query {
			a.w.Header().Set("Allow", http.MethodPost)
			a.fail(http.StatusMethodNotAllowed, content.EMethodNotAllowed, fmt.Sprintf("a %s must be sent with POST; GET serves queries only", op))
			return
		}
	}
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		a.write(a.requestErrorStatus(resp.Errors), resp)
		return
	}
	handle, ctx := exec.DispatchOperation(ctx, oc)
	resp := handle(ctx)
	if resp == nil {
		resp = &graphql.Response{Data: json.RawMessage("null")}
	}
	status := http.StatusOK
	if len(resp.Data) == 0 {
		// Execution never started (the executor refused the operation): a request error too.
		status = a.requestErrorStatus(resp.Errors)
	}
	a.write(status, resp)
}

// operationOf is the type of the operation a request selects: from the operation context when it got that far,
// else from parsing the query again (only requests that failed pay for that); "" when it has none.
func operationOf(oc *graphql.OperationContext, params *graphql.RawParams) ast.Operation {
	if oc != nil && oc.Operation != nil {
		return oc.Operation.Operation
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: params.Query})
	if err != nil {
		return ""
	}
	if op := doc.Operations.ForName(params.OperationName); op != nil {
		return op.Operation
	}
	return ""
}

// requestErrorStatus is the status of an answer with request errors. A persisted-query miss is 200 in both media
// types, as in Apollo Server: clients (Apollo's persisted-queries link among them) take a 400 for "this server
// has no persisted queries" and stop sending hashes.
func (a *answerer) requestErrorStatus(errs gqlerror.List) int {
	if a.media == mediaJSON {
		return http.StatusOK
	}
	for _, e := range errs {
		if e.Extensions["code"] == content.EPersistedQueryNotFound {
			return http.StatusOK
		}
	}
	return http.StatusBadRequest
}

// fail answers with one error of the transport's own.
func (a *answerer) fail(status int, code, message string) {
	a.write(status, &graphql.Response{Errors: gqlerror.List{{Message: message, Extensions: map[string]any{"code": code}}}})
}

// answer is a GraphQL response as the spec shapes it: "data" only when execution started (even as null).
type answer struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// write sends resp with its headers: the media type, and Cache-Control (GET answers without errors may be cached
// briefly; any other answer is never stored, so that no browser replays an error or a persisted-query miss).
func (a *answerer) write(status int, resp *graphql.Response) {
	out := answer{Errors: boundErrors(resp.Errors, a.maxErrors), Data: resp.Data, Extensions: resp.Extensions}
	b, err := json.Marshal(out)
	if err != nil {
		// Only an extension value gqlgen could not encode gets here; the client still gets a typed error.
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	h := a.w.Header()
	h.Set("Content-Type", a.media+"; charset=utf-8")
	if a.cacheable && status == http.StatusOK && len(out.Errors) == 0 {
		h.Set("Cache-Control", cacheableGET)
	} else {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	a.w.WriteHeader(status)
	_, _ = a.w.Write(b)
}

// boundErrors keeps the first max errors and ends the list with one that says how many more there were, so that
// a document with ten thousand faults gets a short answer.
func boundErrors(errs gqlerror.List, max int) gqlerror.List {
	if len(errs) <= max {
		return errs
	}
	omitted := len(errs) - max
	return append(errs[:max:max], &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors were omitted; fix these and send the request again", omitted),
		Extensions: map[string]any{"code": content.ETooManyErrors, "omitted": omitted},
	})
}

// negotiateMedia picks the answer's media type from Accept headers: the acceptable type of the highest quality,
// a type named outright before one matched by a range, and application/json for */*, application/* and no Accept
// at all (the spec's advice for clients from before application/graphql-response+json). It says false when the
// client accepts neither type.
func negotiateMedia(accept []string) (string, bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	type choice struct {
		media    string
		q        float64
		specific bool
	}
	best := choice{q: 0}
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			c := choice{media: mt, q: q, specific: true}
			switch mt {
			case mediaGraphQLResponse, mediaJSON:
			case "*/*", "application/*":
				c.media, c.specific = mediaJSON, false
			default:
				continue
			}
			if c.q > best.q || c.q == best.q && c.q > 0 && better(c.media, c.specific, best.media, best.specific) {
				best = c
			}
		}
	}
	if best.q <= 0 {
		return mediaJSON, false
	}
	return best.media, true
}

// better breaks a tie of quality: a type named outright beats a range, and application/graphql-response+json,
// the spec's own type, beats application/json.
func better(media string, specific bool, than string, thanSpecific bool) bool {
	if specific != thanSpecific {
		return specific
	}
	return media == mediaGraphQLResponse && than != mediaGraphQLResponse
}

// jsonContentType tells whether a POST's Content-Type is application/json in UTF-8 (the only charset JSON has).
func jsonContentType(header string) bool {
	mt, params, err := mime.ParseMediaType(header)
	if err != nil || mt != mediaJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// requestBody is a POST body's shape; each member is checked for its JSON type before it is used.
type requestBody struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// DecodeRequest reads a POST body: one JSON object with a string query (it may be left out when
// extensions.persistedQuery names a persisted one), and optional operationName (a string), variables and
// extensions (objects); null is the same as leaving a member out. Its errors are short and generic: they never
// quote the body or name Go types.
func DecodeRequest(body []byte) (*graphql.RawParams, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("the request body is empty: send a JSON object with a query")
	}
	var raw requestBody
	if err := decodeJSON(body, &raw); err != nil {
		if errors.Is(err, errNotJSON) {
			return nil, errors.New("the request body is not valid JSON")
		}
		return nil, errors.New("the request body must be a JSON object with a query")
	}
	p := &graphql.RawParams{}
	if err := decodeMember("query", raw.Query, &p.Query); err != nil {
		return nil, err
	}
	if err := decodeMember("operationName", raw.OperationName, &p.OperationName); err != nil {
		return nil, err
	}
	if err := decodeMember("variables", raw.Variables, &p.Variables); err != nil {
		return nil, err
	}
	if err := decodeMember("extensions", raw.Extensions, &p.Extensions); err != nil {
		return nil, err
	}
	if err := needQuery(p); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodeQueryParameters reads a GET request's URL parameters: query, operationName, and variables and extensions
// as JSON objects, under the same rules as DecodeRequest.
func DecodeQueryParameters(values url.Values) (*graphql.RawParams, error) {
	p := &graphql.RawParams{Query: values.Get("query"), OperationName: values.Get("operationName")}
	for _, m := range []struct {
		name string
		into *map[string]any
	}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
		if s := values.Get(m.name); s != "" {
			if err := decodeMember(m.name, json.RawMessage(s), m.into); err != nil {
				return nil, err
			}
		}
	}
	if err := needQuery(p); err != nil {
		return nil, err
	}
	return p, nil
}

// needQuery refuses a request with neither a query nor a persisted query's hash.
func needQuery(p *graphql.RawParams) error {
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return errors.New("the request has no query")
	}
	return nil
}

// memberTypes name each member's JSON type, for errors.
var memberTypes = map[string]string{"query": "a string", "operationName": "a string", "variables": "an object", "extensions": "an object"}

// decodeMember decodes one member of the request into its Go type, null and absence leaving it unset.
func decodeMember(name string, raw json.RawMessage, into any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := decodeJSON(raw, into); err != nil {
		return fmt.Errorf("%s must be %s", name, memberTypes[name])
	}
	return nil
}

// errNotJSON says the bytes are not JSON at all, rather than JSON of another shape.
var errNotJSON = errors.New("not JSON")

// decodeJSON decodes exactly one JSON value into v, keeping numbers exact (variables may be 64-bit IDs).
func decodeJSON(data []byte, v any) error {
	if !json.Valid(data) {
		return errNotJSON
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
