// Package graph is the GraphQL layer: the schema (*.graphqls), gqlgen's generated code, and thin resolvers that
// decode arguments and call the store or a request-scoped loader.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate --config gqlgen.yml"

import (
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/traverse"
)

// Resolver is the root resolver; it holds the dependencies every resolver needs.
type Resolver struct {
	Store content.Store
	// Traverser answers the graph traversal fields (neighbors, path, network) within its node budget.
	Traverser *traverse.Traverser
}
