package apitest

import (
	"context"
	"net/http"
	"testing"

	"coalitiongraph/internal/content"
)

// Keys for the tests that write: a key made on the API's store, as the apikey command makes one, and requests
// that send it.

// Key creates an API key with role on the API's store and returns its secret.
func (a *API) Key(t testing.TB, name string, role content.Role) string {
	t.Helper()
	keys := a.Store.Keys()
	if keys == nil {
		t.Fatalf("the store keeps no API keys (Store.Keys is nil): the key %s cannot be made", name)
	}
	secret, _, err := keys.Create(content.WithViewer(context.Background(), content.System), name, role, nil)
	if err != nil {
		t.Fatalf("create the key %s: %v", name, err)
	}
	return secret
}

// Editor creates an EDITOR key named "editor" (once per API) and returns the headers that send it.
func (a *API) Editor(t testing.TB) http.Header {
	t.Helper()
	a.mu.Lock()
	secret := a.editor
	a.mu.Unlock()
	if secret == "" {
		secret = a.Key(t, "editor", content.RoleEditor)
		a.mu.Lock()
		a.editor = secret
		a.mu.Unlock()
	}
	return http.Header{"Authorization": {"Bearer " + secret}}
}

// QueryWith is Query with the given request headers, such as a key's and Stage: DRAFT.
func (a *API) QueryWith(h http.Header, query string, vars map[string]any) Response {
	a.t.Helper()
	defer a.count()()
	return Send(a.t, a.Server.URL, h, query, vars)
}
