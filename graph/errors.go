package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// ErrorPresenter is the one place errors leave for clients. A domain error shows its message, its code and the
// argument or field it is about (see fieldKey); an error gqlgen made about the request keeps its text
// (BAD_USER_INPUT when it is about a variable's value); anything else is logged and shown only as an internal
// error, with no driver text or stack.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		g := graphql.DefaultErrorPresenter(ctx, err)
		if g.Extensions == nil {
			g.Extensions = map[string]any{}
		}
		var ce *content.Error
		switch {
		case errors.As(err, &ce):
			g.Message = ce.Message
			g.Extensions["code"] = ce.Code
			if ce.Field != "" {
				g.Extensions[fieldKey(ctx)] = ce.Field
			}
			if len(ce.Fields) > 0 {
				fields := make([]map[string]any, len(ce.Fields))
				for i, f := range ce.Fields {
					fields[i] = map[string]any{"field": f.Field, "message": f.Message}
				}
				g.Extensions["fields"] = fields
			}
			if len(ce.Referrers) > 0 {
				refs := make([]map[string]any, len(ce.Referrers))
				for i, r := range ce.Referrers {
					refs[i] = map[string]any{"type": string(r.Type), "id": content.GlobalID(content.KeyOf(r.Type, r.ID)), "relation": r.Relation}
				}
				g.Extensions["referrers"] = refs
			}
			if ce.CurrentVersion != nil {
				g.Extensions["currentVersion"] = *ce.CurrentVersion
			}
			if ce.Code == content.EInternal {
				logger.ErrorContext(ctx, "internal error", "error", err, "path", g.Path.String())
			}
		case errors.Is(err, context.DeadlineExceeded):
			g.Message = "the request ran out of time: ask for less (smaller pages, fewer nested connections), or retry"
			g.Extensions["code"] = content.ETimeout
		case g.Err == nil && len(g.Path) > 0 && g.Path[0] == ast.PathName("variable"):
			// A variable's value the validator refused (a request error at path variable.NAME, not a field's):
			// the client's input is wrong, not its document.
			g.Extensions["code"] = content.EInvalid
		case g.Extensions["code"] != nil:
		case g.Err == nil:
			// gqlgen's own complaint about the request, such as a null for a non-null argument.
			g.Extensions["code"] = content.EInvalid
		default:
			logger.ErrorContext(ctx, "internal error", "error", err, "path", g.Path.String())
			g.Message = "internal error"
			g.Extensions["code"] = content.EInternal
		}
		g.Err = nil
		return g
	}
}

// fieldKey is the extension that names the field an error is about: a query's errors name an argument
// ("argument": "first", "filter.hasMember"); a mutation's name the path of the bad value in its arguments ("field":
// "input.website", "input.partners.2", "expectedVersion"), as the editing contract says.
func fieldKey(ctx context.Context) string {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
			return "field"
		}
	}
	return "argument"
}

// Recover turns a panic in a resolver into an internal error for that field, logged with its stack.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return content.Errorf(content.EInternal, "", "internal error")
	}
}
