package metrics

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// CommandMonitor is the driver's command monitor of the service: it calls count for each command (the HTTP layer
// counts it for its request: the log line's dbCommands), times it into m by command and collection, and with tp
// runs it as a client span under the request's. Commands outside a traced request (the driver's own, the seed
// load) get no span. Either m or tp may be nil.
func CommandMonitor(m *Metrics, tp trace.TracerProvider, count func(context.Context)) *event.CommandMonitor {
	c := &commandMonitor{metrics: m, count: count, running: map[commandKey]runningCommand{}}
	if tp != nil {
		c.tracer = tp.Tracer("coalitiongraph/internal/metrics")
	}
	return &event.CommandMonitor{Started: c.started, Succeeded: c.succeeded, Failed: c.failed}
}

type commandMonitor struct {
	metrics *Metrics
	count   func(context.Context)
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
	c.count(ctx)
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
