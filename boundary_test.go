package main

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// The store boundary: the GraphQL layer, the loaders, graph traversal, the HTTP handler and the seed know the store
// only through the interfaces of internal/content. Only the program's wiring (this package) and the test harness
// import the MongoDB adapter or the driver.
func TestOnlyTheWiringKnowsTheStore(t *testing.T) {
	forbidden := func(path string) bool {
		return path == "coalitiongraph/internal/mongostore" || strings.HasPrefix(path, "go.mongodb.org/")
	}
	for _, dir := range []string{"graph", "internal/loader", "internal/traverse", "internal/httpapi", "internal/seed"} {
		pkg, err := build.ImportDir(filepath.FromSlash(dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(pkg.GoFiles) == 0 {
			t.Fatalf("%s: no Go files; the test reads the wrong directory", dir)
		}
		for _, imp := range pkg.Imports {
			if forbidden(imp) {
				t.Errorf("%s imports %s: depend on content's store interfaces instead", dir, imp)
			}
		}
	}
}
