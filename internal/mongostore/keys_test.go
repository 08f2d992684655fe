package mongostore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var (
	system = content.WithViewer(context.Background(), content.System)
	admin  = content.WithViewer(context.Background(), &content.Viewer{Name: "root", Role: content.RoleAdmin})
	editor = content.WithViewer(context.Background(), &content.Viewer{Name: "ed", Role: content.RoleEditor})
)

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	var ce *content.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	if ce.Field != field {
		t.Errorf("error %v names %q, want %q", err, ce.Field, field)
	}
}

// A key is created with a secret only its creator sees, authenticates as its name and role, lists without its
// secret, and once revoked authenticates no more.
func TestKeysCreateListRevoke(t *testing.T) {
	store := newStore(t)
	keys := store.Keys()
	secret, key, err := keys.Create(admin, "preview", content.RolePreview, nil)
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(secret, content.APIKeyPrefix)
	if !ok || len(rest) < 43 {
		t.Errorf("secret %d characters after the prefix, want cgk_ and at least 43", len(rest))
	}
	if key.Name != "preview" || key.Role != content.RolePreview || key.CreatedAt.IsZero() || key.RevokedAt != nil {
		t.Errorf("created %+v", key)
	}
	if other, _, err := keys.Create(admin, "other", content.RoleEditor, nil); err != nil || other == secret {
		t.Fatalf("second key: %v (same secret: %t)", err, other == secret)
	}
	v, err := keys.Authenticate(context.Background(), secret)
	if err != nil || v.Name != "preview" || v.Role != content.RolePreview {
		t.Fatalf("authenticate: %+v, %v", v, err)
	}

	list, err := keys.List(admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "other" || list[1].Name != "preview" || list[1].LastUsedAt == nil {
		t.Errorf("list: %+v", list)
	}

	revoked, err := keys.Revoke(admin, "preview")
	if err != nil || revoked.RevokedAt == nil {
		t.Fatalf("revoke: %+v, %v", revoked, err)
	}
	again, err := keys.Revoke(admin, "preview")
	if err != nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
		t.Errorf("revoking again: %+v, %v; want the first revocation kept", again, err)
	}
	_, err = keys.Authenticate(context.Background(), secret)
	wantCode(t, err, content.EUnauthenticated, "")
	if strings.Contains(err.Error(), rest) {
		t.Error("the error repeats the key")
	}
	_, err = keys.Revoke(admin, "nobody")
	wantCode(t, err, content.ENotFound, "name")
}

func TestKeysNeedAdmin(t *testing.T) {
	keys := newStore(t).Keys()
	for name, ctx := range map[string]context.Context{"anonymous": context.Background(), "editor": editor} {
		t.Run(name, func(t *testing.T) {
			code := map[string]string{"anonymous": content.EUnauthenticated, "editor": content.EForbidden}[name]
			_, _, err := keys.Create(ctx, "k", content.RolePreview, nil)
			wantCode(t, err, code, "")
			_, err = keys.List(ctx)
			wantCode(t, err, code, "")
			_, err = keys.Revoke(ctx, "k")
			wantCode(t, err, code, "")
		})
	}
	if _, _, err := keys.Create(system, "by-system", content.RoleAdmin, nil); err != nil {
		t.Errorf("the System viewer creates keys: %v", err)
	}
	secret := content.APIKeyPrefix + strings.Repeat("a", 43)
	wantCode(t, keys.Install(admin, "bootstrap-admin", secret, content.RoleAdmin), content.EForbidden, "")
}

func TestKeysValidate(t *testing.T) {
	keys := newStore(t).Keys()
	past := time.Now().Add(-time.Hour)
	cases := []struct {
		name, key string
		role      content.Role
		expires   *time.Time
		fields    []string
	}{
		{"empty name", "", content.RolePreview, nil, []string{"name"}},
		{"long name", strings.Repeat("n", 101), content.RolePreview, nil, []string{"name"}},
		{"name with a space", "my key", content.RolePreview, nil, []string{"name"}},
		{"unknown role", "k", "ROOT", nil, []string{"role"}},
		{"expired", "k", content.RolePreview, &past, []string{"expiresAt"}},
		{"all at once", "$bad", "", &past, []string{"name", "role", "expiresAt"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := keys.Create(admin, c.key, c.role, c.expires)
			wantCode(t, err, content.EInvalid, c.fields[0])
			ce := err.(*content.Error)
			var got []string
			for _, f := range ce.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(c.fields, ",") {
				t.Errorf("fields %v, want %v", got, c.fields)
			}
		})
	}
	if _, _, err := keys.Create(admin, strings.Repeat("n", 100), content.RoleAdmin, nil); err != nil {
		t.Errorf("a 100-character name: %v", err)
	}
	if _, _, err := keys.Create(admin, "dup", content.RolePreview, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err := keys.Create(admin, "dup", content.RoleEditor, nil)
	wantCode(t, err, content.EConflict, "name")
}

// Every kind of bad key is UNAUTHENTICATED, and no message repeats it.
func TestKeysAuthenticateRefuses(t *testing.T) {
	db := apitest.Database(t)
	store := mongostore.New(db)
	if err := store.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys := store.Keys()
	revoked, _, _ := keys.Create(admin, "revoked", content.RolePreview, nil)
	if _, err := keys.Revoke(admin, "revoked"); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(time.Hour)
	expired, _, _ := keys.Create(admin, "expired", content.RolePreview, &soon)
	// An hour passes: the key's expiry is set back, as the clock would have moved.
	if _, err := db.Collection("apiKeys").UpdateOne(context.Background(), bson.D{{Key: "name", Value: "expired"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiresAt", Value: time.Now().Add(-time.Minute)}}}}); err != nil {
		t.Fatal(err)
	}
	good, _, _ := keys.Create(admin, "good", content.RolePreview, nil)
	for name, secret := range map[string]string{
		"unknown":      content.APIKeyPrefix + "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
		"revoked":      revoked,
		"expired":      expired,
		"malformed":    content.APIKeyPrefix + "not a key at all",
		"wrong prefix": "ghp_" + strings.TrimPrefix(good, content.APIKeyPrefix),
		"empty":        "",
		"huge":         content.APIKeyPrefix + strings.Repeat("A", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := keys.Authenticate(context.Background(), secret)
			wantCode(t, err, content.EUnauthenticated, "")
			if secret != "" && strings.Contains(err.Error(), strings.TrimPrefix(secret, content.APIKeyPrefix)) {
				t.Errorf("the error repeats the key: %v", err)
			}
		})
	}
}

// A key's use is written at most once a minute: the second request with a key in the same minute reads it and
// writes nothing.
func TestKeysRecordUseOnceAMinute(t *testing.T) {
	api := apitest.New(t, nil)
	keys := api.Store.Keys()
	secret, _, err := keys.Create(admin, "busy", content.RoleEditor, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{2, 1, 1} { // find and update; then the find alone
		api.Counting(func() {
			if _, err := keys.Authenticate(context.Background(), secret); err != nil {
				t.Fatal(err)
			}
		})
		if got := api.Commands(); got != want {
			t.Errorf("use %d: %d commands %v, want %d", i+1, got, api.CommandNames(), want)
		}
	}
	list, _ := keys.List(admin)
	if len(list) != 1 || list[0].LastUsedAt == nil {
		t.Errorf("lastUsedAt not recorded: %+v", list)
	}
}

// ADMIN_API_KEY's key: installed by the System viewer, kept (with its creation) when installed again, replaced
// when installed with another secret, and never brought back once revoked.
func TestKeysInstall(t *testing.T) {
	keys := newStore(t).Keys()
	first := content.APIKeyPrefix + strings.Repeat("F", 43)
	if err := keys.Install(system, "bootstrap-admin", first, content.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	v, err := keys.Authenticate(context.Background(), first)
	if err != nil || v.Name != "bootstrap-admin" || v.Role != content.RoleAdmin {
		t.Fatalf("installed key: %+v, %v", v, err)
	}
	before, _ := keys.List(system)
	if err := keys.Install(system, "bootstrap-admin", first, content.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	after, _ := keys.List(system)
	if len(after) != 1 || !after[0].CreatedAt.Equal(before[0].CreatedAt) {
		t.Errorf("installed again: %+v, want the key as it was (%+v)", after, before)
	}

	second := content.APIKeyPrefix + strings.Repeat("S", 43)
	if err := keys.Install(system, "bootstrap-admin", second, content.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Authenticate(context.Background(), first); content.ErrorCode(err) != content.EUnauthenticated {
		t.Errorf("the replaced secret: %v, want UNAUTHENTICATED", err)
	}
	if _, err := keys.Authenticate(context.Background(), second); err != nil {
		t.Errorf("the new secret: %v", err)
	}

	if _, err := keys.Revoke(system, "bootstrap-admin"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, keys.Install(system, "bootstrap-admin", second, content.RoleAdmin), content.EConflict, "secret")

	for name, bad := range map[string]string{"no prefix": strings.Repeat("x", 60), "short": content.APIKeyPrefix + "abc",
		"spaces": content.APIKeyPrefix + strings.Repeat("a b ", 20)} {
		err := keys.Install(system, "bootstrap-admin", bad, content.RoleAdmin)
		wantCode(t, err, content.EInvalid, "secret")
		if strings.Contains(err.Error(), bad) {
			t.Errorf("%s: the error repeats the key", name)
		}
	}
}
