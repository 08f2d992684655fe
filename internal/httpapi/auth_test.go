package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/httpapi"
	"coalitiongraph/internal/mongostore"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// authServer is the real handler over a database of its own, which the test may also write as another process
// would, logging everything at debug level into log.
type authServer struct {
	t     *testing.T
	url   string
	db    *mongo.Database
	keys  content.Keys
	log   *apitest.Buffer
	asSys context.Context
}

func newAuthServer(t *testing.T) *authServer {
	t.Helper()
	db := apitest.Database(t)
	store := mongostore.New(db)
	if err := store.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := &apitest.Buffer{}
	logger := slog.New(httpapi.WithRequestIDs(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv := httptest.NewServer(httpapi.New(store, httpapi.Config{Logger: logger, CORSOrigins: []string{"*"}}))
	t.Cleanup(srv.Close)
	return &authServer{t: t, url: srv.URL, db: db, keys: store.Keys(), log: log,
		asSys: content.WithViewer(context.Background(), content.System)}
}

// key creates a key with the role and returns its secret.
func (s *authServer) key(name string, role content.Role) string {
	s.t.Helper()
	secret, _, err := s.keys.Create(s.asSys, name, role, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return secret
}

// reply is a response as a client sees it: the status, the headers and the GraphQL body.
type reply struct {
	status int
	header http.Header
	apitest.Response
}

func (a reply) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Code()
}

// do sends a request with the given headers ("Authorization", "Stage") to path: a POST of the GraphQL query to
// /graphql, or a GET of any other path.
func do(t *testing.T, base, path string, headers map[string]string, query string, vars map[string]any) reply {
	t.Helper()
	method, body := http.MethodGet, io.Reader(nil)
	if path == "/graphql" {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		method, body = http.MethodPost, bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, body)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := reply{status: res.StatusCode, header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || path == "/graphql" {
		if err := json.Unmarshal(raw, &a.Response); err != nil {
			t.Fatalf("%d, not JSON: %s", res.StatusCode, raw)
		}
	}
	return a
}

func (s *authServer) graphql(headers map[string]string, query string, vars map[string]any) reply {
	s.t.Helper()
	return do(s.t, s.url, "/graphql", headers, query, vars)
}

func bearer(secret string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + secret}
}

// wantRefused checks that a was refused before GraphQL ran, with status and code, GraphQL-shaped.
func wantRefused(t *testing.T, a reply, status int, code string) {
	t.Helper()
	if a.status != status || a.code() != code || len(a.Data) != 0 {
		t.Fatalf("%d %s %+v, want %d %s and no data", a.status, a.Data, a.Errors, status, code)
	}
	if got := a.header.Get("WWW-Authenticate"); (status == http.StatusUnauthorized) != strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate %q on a %d", got, status)
	}
}

const viewerQuery = `{ viewer { name role } }`

func viewerOf(t *testing.T, a reply) *content.Viewer {
	t.Helper()
	if a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("%d %+v", a.status, a.Errors)
	}
	var out struct{ Viewer *content.Viewer }
	if err := json.Unmarshal(a.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Viewer
}

// Any key that is not valid is refused with 401, even on a public read, which a client without the key could
// make: a client learns at once that its key is wrong, instead of reading the public stage unawares.
func TestBadKeysAreRefused(t *testing.T) {
	s := newAuthServer(t)
	revoked := s.key("revoked", content.RoleAdmin)
	if _, err := s.keys.Revoke(s.asSys, "revoked"); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(time.Hour)
	expired, _, err := s.keys.Create(s.asSys, "expired", content.RoleAdmin, &soon)
	if err != nil {
		t.Fatal(err)
	}
	// An hour passes: the expiry is set back, as the clock would have moved on.
	if _, err := s.db.Collection("apiKeys").UpdateOne(context.Background(), bson.D{{Key: "name", Value: "expired"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiresAt", Value: time.Now().Add(-time.Second)}}}}); err != nil {
		t.Fatal(err)
	}
	good := s.key("good", content.RoleAdmin)
	bad := map[string]string{
		"unknown":         "Bearer " + content.APIKeyPrefix + strings.Repeat("Q", 43),
		"revoked":         "Bearer " + revoked,
		"expired":         "Bearer " + expired,
		"malformed":       "Bearer " + content.APIKeyPrefix + "{not a key}",
		"wrong prefix":    "Bearer sk_" + strings.TrimPrefix(good, content.APIKeyPrefix),
		"no scheme":       good,
		"another scheme":  "Basic " + good,
		"empty bearer":    "Bearer ",
		"a very long key": "Bearer " + content.APIKeyPrefix + strings.Repeat("A", 10_000),
	}
	for name, header := range bad {
		t.Run(name, func(t *testing.T) {
			for _, stage := range []string{"", "PUBLISHED", "DRAFT"} {
				a := s.graphql(map[string]string{"Authorization": header, "Stage": stage}, `{ coalitions { totalCount } }`, nil)
				wantRefused(t, a, http.StatusUnauthorized, content.EUnauthenticated)
				if secret := strings.TrimPrefix(header, "Bearer "); len(secret) > 8 && strings.Contains(a.Errors[0].Message, secret) {
					t.Errorf("the message repeats the key: %s", a.Errors[0].Message)
				}
			}
			wantRefused(t, do(t, s.url, "/export/coalitions.csv", map[string]string{"Authorization": header}, "", nil),
				http.StatusUnauthorized, content.EUnauthenticated)
		})
	}
	if v := viewerOf(t, s.graphql(map[string]string{"Authorization": "bearer " + good}, viewerQuery, nil)); v == nil || v.Name != "good" {
		t.Errorf("the scheme is case-insensitive: viewer %+v", v)
	}
	for _, secret := range []string{revoked, expired, good} {
		if strings.Contains(s.log.String(), strings.TrimPrefix(secret, content.APIKeyPrefix)) {
			t.Fatalf("the log shows a key:\n%s", s.log)
		}
	}
}

// The draft stage needs a key with the PREVIEW role or above; an unknown stage is a bad request.
func TestStageNeedsPreview(t *testing.T) {
	s := newAuthServer(t)
	preview := s.key("site-preview", content.RolePreview)

	wantRefused(t, s.graphql(map[string]string{"Stage": "DRAFT"}, viewerQuery, nil), http.StatusUnauthorized, content.EUnauthenticated)
	wantRefused(t, do(t, s.url, "/export/coalitions.ndjson?stage=DRAFT", nil, "", nil), http.StatusUnauthorized, content.EUnauthenticated)
	for _, stage := range []string{"draft", "LIVE", "DRAFT,PUBLISHED"} {
		wantRefused(t, s.graphql(map[string]string{"Stage": stage}, viewerQuery, nil), http.StatusBadRequest, content.EBadRequest)
		wantRefused(t, do(t, s.url, "/export/coalitions.csv?stage="+stage, bearer(preview), "", nil), http.StatusBadRequest, content.EBadRequest)
	}

	draft := map[string]string{"Authorization": "Bearer " + preview, "Stage": "DRAFT"}
	if v := viewerOf(t, s.graphql(draft, viewerQuery, nil)); v == nil || v.Name != "site-preview" || v.Role != content.RolePreview {
		t.Errorf("viewer %+v, want site-preview with PREVIEW", v)
	}
	if a := do(t, s.url, "/export/coalitions.csv?stage=DRAFT", bearer(preview), "", nil); a.status != http.StatusOK {
		t.Errorf("a PREVIEW key's draft export: %d %+v", a.status, a.Errors)
	}
	if v := viewerOf(t, s.graphql(map[string]string{"Stage": "PUBLISHED"}, viewerQuery, nil)); v != nil {
		t.Errorf("an anonymous viewer is null, got %+v", v)
	}
}

// A GET reply for a key is never stored by a shared cache, only by the client's own, which revalidates it; every
// reply says it varies with the key and the stage.
func TestKeyedAnswersAreNotShared(t *testing.T) {
	s := newAuthServer(t)
	preview := s.key("preview", content.RolePreview)
	const get = "/graphql?query=%7B__typename%7D"
	anonymous := do(t, s.url, get, nil, "", nil)
	keyed := do(t, s.url, get, bearer(preview), "", nil)
	if !strings.Contains(anonymous.header.Get("Cache-Control"), "max-age") {
		t.Errorf("anonymous GET: Cache-Control %q, want cacheable", anonymous.header.Get("Cache-Control"))
	}
	if cc := keyed.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("GET with a key: Cache-Control %q, want private, no-cache", cc)
	}
	for _, a := range []reply{anonymous, keyed} {
		if vary := strings.Join(a.header.Values("Vary"), ", "); !strings.Contains(vary, "Authorization") || !strings.Contains(vary, "Stage") {
			t.Errorf("Vary %q, want Authorization and Stage", vary)
		}
	}
}

const createKey = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { name role createdAt expiresAt revokedAt } } }`

// Keys are managed through the API by ADMIN keys only; a new key works at once, and a revoked one no more.
func TestManageKeysThroughTheAPI(t *testing.T) {
	s := newAuthServer(t)
	admin, editor := bearer(s.key("admin", content.RoleAdmin)), bearer(s.key("editor", content.RoleEditor))
	input := map[string]any{"input": map[string]any{"name": "website-preview", "role": "PREVIEW"}}

	for name, c := range map[string]struct {
		headers map[string]string
		code    string
	}{"anonymous": {nil, content.EUnauthenticated}, "editor": {editor, content.EForbidden}} {
		t.Run(name+" may not", func(t *testing.T) {
			for _, q := range []string{createKey, `mutation { revokeApiKey(name: "admin") { apiKey { name } } }`, `{ apiKeys { name } }`} {
				if a := s.graphql(c.headers, q, input); a.code() != c.code {
					t.Errorf("%s: %d %+v, want %s", q, a.status, a.Errors, c.code)
				}
			}
		})
	}

	a := s.graphql(admin, createKey, input)
	var created struct {
		CreateAPIKey struct {
			Secret string
			APIKey struct {
				Name, Role           string
				CreatedAt            time.Time
				ExpiresAt, RevokedAt *time.Time
			}
		} `json:"createApiKey"`
	}
	if len(a.Errors) > 0 || json.Unmarshal(a.Data, &created) != nil {
		t.Fatalf("create as ADMIN: %d %s %+v", a.status, a.Data, a.Errors)
	}
	got := created.CreateAPIKey
	if rest, ok := strings.CutPrefix(got.Secret, content.APIKeyPrefix); !ok || len(rest) < 43 {
		t.Errorf("secret of %d characters, want cgk_ and at least 43 after it", len(got.Secret))
	}
	if got.APIKey.Name != "website-preview" || got.APIKey.Role != "PREVIEW" || got.APIKey.CreatedAt.IsZero() || got.APIKey.RevokedAt != nil {
		t.Errorf("created %+v", got.APIKey)
	}
	if v := viewerOf(t, s.graphql(bearer(got.Secret), viewerQuery, nil)); v == nil || v.Name != "website-preview" {
		t.Errorf("the new key at once: viewer %+v", v)
	}

	var list struct {
		APIKeys []struct {
			Name       string
			LastUsedAt *time.Time
		} `json:"apiKeys"`
	}
	a = s.graphql(admin, `{ apiKeys { name lastUsedAt } }`, nil)
	if json.Unmarshal(a.Data, &list); len(list.APIKeys) != 3 || list.APIKeys[2].Name != "website-preview" || list.APIKeys[2].LastUsedAt == nil {
		t.Errorf("apiKeys: %s %+v", a.Data, a.Errors)
	}

	if a := s.graphql(admin, createKey, input); a.code() != content.EConflict {
		t.Errorf("a taken name: %+v, want CONFLICT", a.Errors)
	}
	bad := map[string]any{"input": map[string]any{"name": "no spaces", "role": "EDITOR", "expiresAt": "2001-01-01T00:00:00Z"}}
	a = s.graphql(admin, createKey, bad)
	if a.code() != content.EInvalid || !strings.Contains(string(mustJSON(a.Errors)), "input.expiresAt") {
		t.Errorf("bad input: %+v, want BAD_USER_INPUT naming input.name and input.expiresAt", a.Errors)
	}

	a = s.graphql(admin, `mutation { revokeApiKey(name: "website-preview") { apiKey { name revokedAt } } }`, nil)
	if len(a.Errors) > 0 || !strings.Contains(string(a.Data), `"revokedAt":"`) {
		t.Fatalf("revoke: %s %+v", a.Data, a.Errors)
	}
	wantRefused(t, s.graphql(bearer(got.Secret), viewerQuery, nil), http.StatusUnauthorized, content.EUnauthenticated)
	if a := s.graphql(admin, `mutation { revokeApiKey(name: "nobody") { apiKey { name } } }`, nil); a.code() != content.ENotFound {
		t.Errorf("revoke an unknown key: %+v, want NOT_FOUND", a.Errors)
	}
	if strings.Contains(s.log.String(), strings.TrimPrefix(got.Secret, content.APIKeyPrefix)) {
		t.Errorf("the log shows the new key:\n%s", s.log)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// A key's use is recorded at most once a minute: the second request with the same key in the same minute reads
// the key and writes nothing.
func TestKeyUseIsWrittenOnceAMinute(t *testing.T) {
	api := apitest.New(t, nil)
	secret, _, err := api.Store.Keys().Create(content.WithViewer(context.Background(), content.System), "busy", content.RolePreview, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names [][]string
	for range 2 {
		api.Counting(func() {
			if v := viewerOf(t, do(t, api.Server.URL, "/graphql", bearer(secret), viewerQuery, nil)); v == nil || v.Name != "busy" {
				t.Fatalf("viewer %+v", v)
			}
		})
		names = append(names, api.CommandNames())
	}
	if !slices.Contains(names[0], "update") {
		t.Errorf("the first use writes lastUsedAt: commands %v", names[0])
	}
	if !slices.Equal(names[1], []string{"find"}) {
		t.Errorf("the second use in the minute: commands %v, want the key's find alone", names[1])
	}
}
