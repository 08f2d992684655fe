// Package graph is the GraphQL layer: the schema (*.graphqls), gqlgen's generated code, and thin resolvers that
// decode arguments and call the store or a request-scoped loader.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate --config gqlgen.yml"

import (
	"coalitiongraph/internal/mongostore"
)

// Resolver is the root resolver; it holds the dependencies every resolver needs.
type Resolver struct {
	Store *mongostore.Store
}
