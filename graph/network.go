package graph

import (
	"fmt"

	"coalitiongraph/internal/content"
)

// contentKey decodes the global ID of a piece of content (not a country) given as argument field into its
// type-qualified key.
func contentKey(field, id string) (string, error) {
	t, local, err := content.ParseGlobalID(field, id, content.ContentTypes...)
	if err != nil {
		return "", err
	}
	return content.KeyOf(t, local), nil
}

// between reads an Int argument with a default in the schema, which must lie in lo..hi.
// The deepest traversals: neighbors' depth and path's maxDepth.
const (
	MaxNeighborsDepth = 3
	MaxPathDepth      = 6
)

func between(field string, n *int, lo, hi int) (int, error) {
	if n == nil || *n < lo || *n > hi {
		got := "null"
		if n != nil {
			got = fmt.Sprint(*n)
		}
		return 0, content.Errorf(content.EInvalid, field, "%s must be between %d and %d, got %s", field, lo, hi, got)
	}
	return *n, nil
}
