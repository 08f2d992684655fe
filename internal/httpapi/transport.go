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
	"time"

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

// transport is what both transports share: the error bound and the response cache.
type transport struct {
	maxErrors int
	cache     *responseCache
	// shared is the Cache-Control of an anonymous answer that may be cached (sharedCacheControl).
	shared string
}

// postTransport serves GraphQL requests POSTed as application/json.
type postTransport struct{ transport }

// getTransport serves queries (never mutations) sent as URL parameters, so that browsers and CDNs can cache them.
type getTransport struct{ transport }

// sharedCacheControl is the Cache-Control of an anonymous answer that may be cached: a browser revalidates it each
// time (a 304 when unchanged, thanks to its ETag), and a shared cache (a CDN) may serve it for one staleness
// bound, then serve it stale for one more while it revalidates.
func sharedCacheControl(bound time.Duration) string {
	s := max(1, int((bound+time.Second-1)/time.Second))
	return fmt.Sprintf("public, max-age=0, s-maxage=%d, stale-while-revalidate=%d", s, s)
}

// privateCacheControl is the Cache-Control of an answer to a key: only the client's own cache may keep it, and
// it revalidates it each time.
const privateCacheControl = "private, no-cache"

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
	a := t.answerer(w, r)
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
	a := t.answerer(w, r)
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

// answerer writes one answer: it knows the negotiated media type, the Cache-Control of a cacheable answer and how
// many errors it may list.
type answerer struct {
	w         http.ResponseWriter
	media     string
	maxErrors int
	// cacheControl is the Cache-Control of a complete answer: shared for anonymous requests, private for keys
	// (drafts among them), which no shared cache may store.
	cacheControl string
	cache        *responseCache
}

func (t transport) answerer(w http.ResponseWriter, r *http.Request) answerer {
	a := answerer{w: w, maxErrors: t.maxErrors, cacheControl: t.shared, cache: t.cache}
	if content.ViewerOf(r.Context()) != nil {
		a.cacheControl = privateCacheControl
	}
	return a
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
	info := infoOf(ctx)
	entry, status, l := a.cache.find(ctx, params, noCache(r.Header))
	if entry != nil {
		a.served(info, entry.operation, status)
		a.send(r, http.StatusOK, entry.body, entry)
		return
	}
	defer l.finish(nil, "", "") // whatever happens below, the flight this request leads ends
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
	if !cacheableOperation(oc) {
		status, l = cacheBypass, nil
	}
	a.served(info, params.OperationName, status)
	handle, ctx := exec.DispatchOperation(ctx, oc)
	resp := handle(ctx)
	if oc.Operation.Operation == ast.Mutation {
		a.cache.watch.mutated() // before the answer: the writer's next request reads its write
	}
	if resp == nil {
		resp = &graphql.Response{Data: json.RawMessage("null")}
		if ctx.Err() != nil { // the executor gives no answer to a request out of time before it started
			resp.Errors = gqlerror.List{{Message: "the request ran out of time", Extensions: map[string]any{"code": content.ETimeout}}}
		}
	}
	code := http.StatusOK
	if len(resp.Data) == 0 {
		// Execution never started (the executor refused the operation): a request error too.
		code = a.requestErrorStatus(resp.Errors)
	}
	body, ok := a.encode(resp)
	if !ok || code != http.StatusOK || len(resp.Errors) > 0 || ctx.Err() != nil {
		a.send(r, code, body, nil)
		return
	}
	a.send(r, code, body, l.finish(body, a.media, oc.Operation.Name))
}

// served records how the cache served the request: in the request's info (the log line, the metrics, the rate
// limiter), the cache's counters, and the Cache-Status header of RFC 9211 for the client.
func (a *answerer) served(info *requestInfo, operation, status string) {
	info.set(operation, status)
	a.cache.count(status)
	a.w.Header().Set("Cache-Status", cacheStatusHeader[status])
}

// cacheStatusHeader is the Cache-Status header of each cache status.
var cacheStatusHeader = map[string]string{
	cacheHit:    "coalitiongraph; hit",
	cacheStale:  "coalitiongraph; hit; detail=stale",
	cacheMiss:   "coalitiongraph; fwd=miss",
	cacheBypass: "coalitiongraph; fwd=bypass",
}

// noCache tells whether a request asks for an answer computed anew (Cache-Control: no-cache or no-store).
func noCache(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			if d = strings.ToLower(strings.TrimSpace(d)); d == "no-cache" || d == "no-store" {
				return true
			}
		}
	}
	return false
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

// write sends an answer that is not cacheable (an error of the transport's own, a request error).
func (a *answerer) write(status int, resp *graphql.Response) {
	body, _ := a.encode(resp)
	a.send(nil, status, body, nil)
}

// encode is the body of resp, its errors bounded; false when it could not be encoded, and then the body is a typed
// internal error.
func (a *answerer) encode(resp *graphql.Response) ([]byte, bool) {
	noteErrors(a.w, resp.Errors)
	b, err := json.Marshal(answer{Errors: boundErrors(resp.Errors, a.maxErrors), Data: resp.Data, Extensions: resp.Extensions})
	if err != nil {
		// Only an extension value gqlgen could not encode gets here; the client still gets a typed error.
		return []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`), false
	}
	return b, true
}

// send writes an answer with its headers: the media type, and Cache-Control. An answer with an entry (a complete
// answer of a query, cached or not) carries its ETag and may be kept by caches as cacheControl says, and a
// request whose If-None-Match names that ETag gets 304 Not Modified without a body; any other answer is never
// stored, so that no browser replays an error or a persisted-query miss.
func (a *answerer) send(r *http.Request, status int, body []byte, e *cacheEntry) {
	h := a.w.Header()
	if e == nil {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", a.cacheControl)
		etag := e.etag
		if e.media != a.media { // the same answer, cached or coalesced, in the other media type
			etag = etagOf(a.media, body)
		}
		h.Set("ETag", etag)
		if r != nil && matchesETag(r.Header.Values("If-None-Match"), etag) {
			a.w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", a.media+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	a.w.WriteHeader(status)
	_, _ = a.w.Write(body)
}

// matchesETag tells whether If-None-Match headers name etag, or "*", comparing weakly as RFC 9110 says for
// If-None-Match (W/"x" matches "x").
func matchesETag(headers []string, etag string) bool {
	for _, h := range headers {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag {
				return true
			}
		}
	}
	return false
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
