package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// commandShare bounds the database commands one request runs at once, so that no request holds more than its
// share of the connection pool however many fields it resolves in parallel.
type commandShare chan struct{}

type commandShareKey struct{}

// WithCommandLimit returns ctx under which at most n database commands run at once (no bound when n < 1).
func WithCommandLimit(ctx context.Context, n int) context.Context {
	if n < 1 {
		return ctx
	}
	return context.WithValue(ctx, commandShareKey{}, make(commandShare, n))
}

// acquire waits for a place among the request's running commands and returns the function that frees it. A
// request whose context ends meanwhile gets its error.
func acquire(ctx context.Context, op string) (func(), error) {
	share, ok := ctx.Value(commandShareKey{}).(commandShare)
	if !ok {
		return func() {}, nil
	}
	select {
	case share <- struct{}{}:
		return func() { <-share }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: waiting for a database connection: %w", op, ctx.Err())
	}
}

// readAll runs a command that opens a cursor, within the request's share, and decodes every document it yields.
func readAll[T any](ctx context.Context, op string, open func() (*mongo.Cursor, error)) ([]T, error) {
	release, err := acquire(ctx, op)
	if err != nil {
		return nil, err
	}
	defer release()
	cur, err := open()
	if err != nil {
		return nil, storeErr(op, err)
	}
	var out []T
	return out, storeErr(op, cur.All(ctx, &out))
}
