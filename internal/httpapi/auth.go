package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// stageHeader names the stage a request reads (exports: the stage query parameter).
const stageHeader = "Stage"

// authenticate puts on each request's context who makes it (content.WithViewer, from `Authorization: Bearer
// <key>`) and the stage it reads (content.WithScope, from the Stage header, or for an export the stage query
// parameter too). It refuses, before anything else runs: an unknown stage with 400 BAD_REQUEST; any key that is
// not valid with 401 UNAUTHENTICATED, even on a read that needs none, so that a client learns at once that its
// key is wrong rather than silently reading the public stage; the draft stage without a key with 401, and with a
// key below PREVIEW with 403 FORBIDDEN. The key itself is never logged nor repeated.
func authenticate(keys content.Keys, logger *slog.Logger, stageParam bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers differ by key and stage: a cache must not give one's answer to another.
		w.Header().Add("Vary", "Authorization, Stage")
		stage := r.Header.Get(stageHeader)
		if stage == "" && stageParam {
			stage = r.URL.Query().Get("stage")
		}
		switch content.Stage(stage) {
		case "", content.StagePublished, content.StageDraft:
		default:
			writeError(w, http.StatusBadRequest, content.EBadRequest, fmt.Sprintf("the stage is %s or %s, not %q",
				content.StagePublished, content.StageDraft, truncate(stage, 40)))
			return
		}
		ctx := r.Context()
		if header := r.Header.Get("Authorization"); header != "" {
			scheme, secret, _ := strings.Cut(header, " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
				refuse(w, content.Errorf(content.EUnauthenticated, "", "send the API key as Authorization: Bearer <key>"))
				return
			}
			viewer, err := keys.Authenticate(ctx, strings.TrimSpace(secret))
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				writeError(w, http.StatusServiceUnavailable, content.ETimeout, "the request ran out of time checking its API key: retry")
				return
			case err != nil && content.ErrorCode(err) != content.EUnauthenticated:
				logger.ErrorContext(ctx, "authentication failed", "error", err)
				writeError(w, http.StatusInternalServerError, content.EInternal, "internal error")
				return
			case err != nil:
				refuse(w, err)
				return
			}
			ctx = content.WithViewer(ctx, viewer)
		}
		if content.Stage(stage) == content.StageDraft {
			if err := content.Authorize(ctx, content.RolePreview, "read the draft stage"); err != nil {
				refuse(w, err)
				return
			}
			ctx = content.WithScope(ctx, content.ScopeDraft)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// refuse answers an UNAUTHENTICATED or FORBIDDEN error with 401 (and the challenge RFC 6750 asks for) or 403.
func refuse(w http.ResponseWriter, err error) {
	code, status := content.ErrorCode(err), http.StatusForbidden
	if code == content.EUnauthenticated {
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Bearer realm="coalitiongraph"`)
	}
	message := "forbidden"
	if ce := (*content.Error)(nil); errors.As(err, &ce) {
		message = ce.Message
	}
	writeError(w, status, code, message)
}

// truncate cuts s to at most n bytes, for echoing a client's value in a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// mutationsReadDrafts is the operation middleware by which a mutation answers with the draft stage, which it
// wrote: the item it returns and everything selected under it are the drafts, for a viewer that may read them
// (a viewer that may not cannot write either, and its mutation fails on authorisation).
func mutationsReadDrafts(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if v := content.ViewerOf(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation && v != nil && v.Role.Allows(content.RolePreview) {
		ctx = content.WithScope(ctx, content.ScopeDraft)
	}
	return next(ctx)
}
