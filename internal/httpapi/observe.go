package httpapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"coalitiongraph/internal/loader"
	"coalitiongraph/internal/metrics"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// What the service tells of its requests besides the log line: the metrics (Config.Metrics) and the spans
// (Config.TracerProvider). Either may be off (nil), and then costs nothing.

// instrumentation names the tracer of the service's spans.
const instrumentation = "coalitiongraph/internal/httpapi"

// observer records each request in the metrics and as a span.
type observer struct {
	metrics *metrics.Metrics
	tracer  trace.Tracer // nil when tracing is off
	// route is the request's route (its mux pattern, such as "POST /graphql"), "" when none matched.
	route func(*http.Request) string
}

func newObserver(cfg Config, mux *http.ServeMux) observer {
	return observer{metrics: cfg.Metrics, tracer: tracerOf(cfg), route: func(r *http.Request) string { _, p := mux.Handler(r); return p }}
}

// tracerOf is the tracer of cfg's provider, nil when tracing is off.
func tracerOf(cfg Config) trace.Tracer {
	if cfg.TracerProvider == nil {
		return nil
	}
	return cfg.TracerProvider.Tracer(instrumentation)
}

// begin starts the request's span, the child of the caller's when the request has a W3C traceparent, and has
// the request's loaders report their batch sizes.
func (o observer) begin(r *http.Request) (*http.Request, trace.Span) {
	if o.metrics == nil && o.tracer == nil {
		return r, nil
	}
	ctx := r.Context()
	if o.metrics != nil {
		ctx = loader.WithBatchSizes(ctx, o.metrics.ObserveBatch)
	}
	var span trace.Span
	if o.tracer != nil {
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
		ctx, span = o.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path)))
	}
	return r.WithContext(ctx), span
}

// end records the request once answered: its duration by route, operation and outcome, the codes of its errors,
// its cost, a rate-limit refusal; and ends its span.
func (o observer) end(r *http.Request, span trace.Span, sw *statusWriter, info *requestInfo, d time.Duration) {
	if o.metrics == nil && span == nil {
		return
	}
	route := o.route(r)
	if span != nil {
		if route != "" {
			span.SetName(route)
			span.SetAttributes(semconv.HTTPRoute(route[strings.IndexByte(route, ' ')+1:]))
		}
		span.SetAttributes(semconv.HTTPResponseStatusCode(sw.status))
		if sw.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.status))
		}
		span.End()
	}
	if o.metrics == nil {
		return
	}
	if route == "" {
		route = metrics.Other
	}
	info.mu.Lock()
	operation := info.operation
	info.mu.Unlock()
	o.metrics.ObserveRequest(route, operation, outcomeOf(sw), d)
	for _, code := range sw.codes {
		o.metrics.CountError(code)
	}
	if c := info.cost.Load(); c > 0 {
		o.metrics.ObserveCost(c)
	}
	if sw.status == http.StatusTooManyRequests {
		o.metrics.CountRateLimited()
	}
}

// outcomeOf is how a request ended, for the metrics.
func outcomeOf(sw *statusWriter) string {
	switch {
	case sw.status == http.StatusTooManyRequests || sw.status == http.StatusServiceUnavailable:
		return metrics.OutcomeRefused
	case sw.status >= 500:
		return metrics.OutcomeFailed
	case sw.status >= 400 || len(sw.codes) > 0:
		return metrics.OutcomeError
	}
	return metrics.OutcomeOK
}

// noteErrors records the codes of an answer's errors for the request's metrics. The answer's writer is the
// request's statusWriter, or wraps it (and unwraps, as http.ResponseController expects).
func noteErrors(w http.ResponseWriter, errs gqlerror.List) {
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		noteCode(w, code)
	}
}

// noteCode records one error's code for the request's metrics; an error without one counts as "".
func noteCode(w http.ResponseWriter, code string) {
	for w != nil {
		if sw, ok := w.(*statusWriter); ok {
			sw.codes = append(sw.codes, code)
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// operationSpans is the executor extension that notes each operation's name for the log line and the metrics
// (unless the response cache did), and, with a tracer, runs the operation in a span of its own, under the
// request's: its name, type and cost.
type operationSpans struct{ tracer trace.Tracer }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = operationSpans{}

// ExtensionName implements graphql.HandlerExtension.
func (operationSpans) ExtensionName() string { return "OperationSpans" }

// Validate implements graphql.HandlerExtension.
func (operationSpans) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor: the fields are resolved under the ctx it passes on,
// so the loaders' database commands are the span's children.
func (o operationSpans) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	var name, typ string
	if graphql.HasOperationContext(ctx) {
		if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
			name, typ = oc.Operation.Name, string(oc.Operation.Operation)
		}
	}
	info := infoOf(ctx)
	if info != nil && name != "" {
		info.mu.Lock()
		if info.operation == "" {
			info.operation = name
		}
		info.mu.Unlock()
	}
	if o.tracer == nil {
		return next(ctx)
	}
	spanName := typ
	if spanName == "" {
		spanName = "GraphQL request"
	} else if name != "" && len(name) <= metrics.MaxNameLength {
		spanName += " " + name
	}
	attrs := []attribute.KeyValue{semconv.GraphqlOperationTypeKey.String(typ)}
	if name != "" {
		attrs = append(attrs, semconv.GraphqlOperationName(name))
	}
	ctx, span := o.tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
	defer span.End()
	resp := next(ctx)
	if info != nil {
		if c := info.cost.Load(); c > 0 {
			span.SetAttributes(attribute.Int64("graphql.operation.cost", c))
		}
	}
	if resp != nil && len(resp.Errors) > 0 {
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
	}
	return resp
}

// CommandMonitor is the driver's command monitor of the service: it counts each command for its request (the log
// line's dbCommands, see CountCommand), times it into m by command and collection, and with tp runs it as a
// client span under the request's. Commands outside a traced request (the driver's own, the seed load) get no
// span. Either m or tp may be nil.
func CommandMonitor(m *metrics.Metrics, tp trace.TracerProvider) *event.CommandMonitor {
	c := &commandMonitor{metrics: m, running: map[commandKey]runningCommand{}}
	if tp != nil {
		c.tracer = tp.Tracer(instrumentation)
	}
	return &event.CommandMonitor{Started: c.started, Succeeded: c.succeeded, Failed: c.failed}
}

type commandMonitor struct {
	metrics *metrics.Metrics
	tracer  trace.Tracer
	mu      sync.Mutex
	running map[commandKey]runningCommand
}

// commandKey names a command until it finishes: the driver numbers requests, and the connection makes it unique
// across clients.
type commandKey struct {
	connection string
	request    int64
}

type runningCommand struct {
	collection string
	span       trace.Span
}

func (c *commandMonitor) started(ctx context.Context, e *event.CommandStartedEvent) {
	CountCommand(ctx)
	if c.metrics == nil && c.tracer == nil {
		return
	}
	rc := runningCommand{collection: collectionOf(e.Command)}
	if c.tracer != nil && trace.SpanContextFromContext(ctx).IsValid() {
		name := e.CommandName
		if rc.collection != "" {
			name += " " + rc.collection
		}
		_, rc.span = c.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			semconv.DBSystemMongoDB, semconv.DBOperationName(e.CommandName), semconv.DBCollectionName(rc.collection),
			semconv.DBNamespace(e.DatabaseName)))
	}
	c.mu.Lock()
	c.running[commandKey{e.ConnectionID, e.RequestID}] = rc
	c.mu.Unlock()
}

func (c *commandMonitor) succeeded(_ context.Context, e *event.CommandSucceededEvent) {
	c.finished(&e.CommandFinishedEvent, true)
}

func (c *commandMonitor) failed(_ context.Context, e *event.CommandFailedEvent) {
	c.finished(&e.CommandFinishedEvent, false)
}

func (c *commandMonitor) finished(e *event.CommandFinishedEvent, ok bool) {
	if c.metrics == nil && c.tracer == nil {
		return
	}
	key := commandKey{e.ConnectionID, e.RequestID}
	c.mu.Lock()
	rc, found := c.running[key]
	delete(c.running, key)
	c.mu.Unlock()
	if !found {
		return
	}
	c.metrics.ObserveCommand(e.CommandName, rc.collection, ok, e.Duration)
	if rc.span != nil {
		if !ok {
			// Not the failure's text: it may quote the values of the command.
			rc.span.SetStatus(codes.Error, "the command failed")
		}
		rc.span.End()
	}
}

// collectionOf is the collection a command works on: the value of its first element (find, aggregate, insert,
// update, delete, count, distinct, findAndModify…) or of "collection" (getMore); "" for a command on none (hello,
// ping, or aggregate: 1).
func collectionOf(cmd bson.Raw) string {
	if first, err := cmd.IndexErr(0); err == nil {
		if s, ok := first.Value().StringValueOK(); ok {
			return s
		}
	}
	if v, err := cmd.LookupErr("collection"); err == nil {
		if s, ok := v.StringValueOK(); ok {
			return s
		}
	}
	return ""
}
