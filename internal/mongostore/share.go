package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// commandShare bounds the database commands one request runs at once, so that no request holds more than its
// share of the connection pool however many fields it resolves in parallel.
type commandShare chan struct{}

type commandShareKey struct{}

// WithCommandLimit implements content.Store.
func (s *Store) WithCommandLimit(ctx context.Context, n int) context.Context {
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

// read is the store's one read gate: every find, count and aggregate of every collection passes here, with the
// query it would run (verb names the command in errors). It picks the collection of the request's stage (see
// staged): the published one unless the request reads the draft stage, which it may only with a PREVIEW key or
// above; narrows the query to what the read scope (content.ScopeOf) may see; waits for a place among the
// request's running commands; and runs the command on that collection with the narrowed query.
func read[R any](ctx context.Context, coll *mongo.Collection, verb string, q bson.D, run func(coll *mongo.Collection, q bson.D) (R, error)) (R, error) {
	var zero R
	op := verb + " " + coll.Name()
	coll, err := staged(ctx, coll)
	if err != nil {
		return zero, err
	}
	q = scoped(content.ScopeOf(ctx), coll.Name(), q)
	release, err := acquire(ctx, op)
	if err != nil {
		return zero, err
	}
	defer release()
	r, err := run(coll, q)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return r, err
	}
	return r, storeErr(op, err)
}

// staged is the collection of ctx's stage that stands for coll, one of the published collections: coll itself in
// the published stage, its draft twin (see draftOf) in the draft stage. The draft stage is refused to a viewer
// below PREVIEW: UNAUTHENTICATED or FORBIDDEN. So an anonymous request has no way to a draft collection.
func staged(ctx context.Context, coll *mongo.Collection) (*mongo.Collection, error) {
	if content.ScopeOf(ctx).Stage() != content.StageDraft {
		return coll, nil
	}
	if err := content.Authorize(ctx, content.RolePreview, "read the draft stage"); err != nil {
		return nil, err
	}
	return draftOf(coll), nil
}

// draftOf is the draft stage's twin of a published collection of content, memberships or tombstones: the
// collection of the same name with the prefix "draft_". Countries, history, keys and counters have one
// collection for both stages, and are their own twin.
func draftOf(coll *mongo.Collection) *mongo.Collection {
	if !stagedNames[coll.Name()] {
		return coll
	}
	return coll.Database().Collection(draftPrefix + coll.Name())
}

const draftPrefix = "draft_"

// stagedNames are the collections that exist once in each stage.
var stagedNames = map[string]bool{}

func init() {
	for t, c := range collections {
		if t != content.TypeCountry {
			stagedNames[c.name] = true
		}
	}
	stagedNames[tombstonesName] = true
	stagedNames[searchName] = true
}

// scoped narrows q, a query of the named collection, to the documents the scope may see. The stage is not a
// condition here but the collection itself (see staged); a ScopeOnly scope sees the items it names and the
// memberships between them.
func scoped(scope content.Scope, coll string, q bson.D) bson.D {
	keys, only := scope.Only()
	if !only {
		return q
	}
	ids := map[content.TypeName][]string{}
	for _, k := range keys {
		t, id, _ := strings.Cut(k, ":")
		ids[content.TypeName(t)] = append(ids[content.TypeName(t)], id)
	}
	var see bson.A
	switch strings.TrimPrefix(coll, draftPrefix) {
	case searchName: // the search entries' ids are the items' keys
		see = bson.A{bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: list(keys)}}}}}
	case collections[membershipsType].name:
		see = bson.A{bson.D{{Key: endField(content.TypeCoalition), Value: bson.D{{Key: "$in", Value: list(ids[content.TypeCoalition])}}}},
			bson.D{{Key: endField(content.TypeStakeholder), Value: bson.D{{Key: "$in", Value: list(ids[content.TypeStakeholder])}}}}}
	default:
		see = bson.A{bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: list(ids[collectionType(strings.TrimPrefix(coll, draftPrefix))])}}}}}
	}
	return bson.D{{Key: "$and", Value: append(see, q)}}
}

func list(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// readAll runs, through the read gate, a command that opens a cursor on the documents matching q, and decodes
// every document it yields.
func readAll[T any](ctx context.Context, coll *mongo.Collection, verb string, q bson.D, open func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error)) ([]T, error) {
	return read(ctx, coll, verb, q, func(coll *mongo.Collection, q bson.D) ([]T, error) {
		cur, err := open(coll, q)
		if err != nil {
			return nil, err
		}
		var out []T
		return out, cur.All(ctx, &out)
	})
}
