package httpapi

import (
	"context"
	"testing"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A mutation by a key that may read drafts answers with the draft stage; a query keeps the request's stage, and
// an anonymous mutation (which its resolvers refuse) reads nothing it could not before.
func TestMutationsReadDrafts(t *testing.T) {
	editor := &content.Viewer{Name: "ed", Role: content.RoleEditor}
	cases := []struct {
		name   string
		op     ast.Operation
		viewer *content.Viewer
		want   content.Stage
	}{
		{"an editor's mutation", ast.Mutation, editor, content.StageDraft},
		{"an editor's query", ast.Query, editor, content.StagePublished},
		{"an anonymous mutation", ast.Mutation, nil, content.StagePublished},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := graphql.WithOperationContext(content.WithViewer(context.Background(), c.viewer),
				&graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: c.op}})
			var got content.Stage
			mutationsReadDrafts(ctx, func(ctx context.Context) graphql.ResponseHandler {
				got = content.ScopeOf(ctx).Stage()
				return nil
			})
			if got != c.want {
				t.Errorf("stage %s, want %s", got, c.want)
			}
		})
	}
}
