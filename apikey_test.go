package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
)

// viewerOf asks the server at base who the key is; it returns the viewer's name and role, or the error code.
func viewerOf(t *testing.T, base, secret string) (name, role, code string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ viewer { name role } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Viewer *struct{ Name, Role string }
		}
		Errors []apitest.Error
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) > 0 {
		return "", "", out.Errors[0].Code()
	}
	if out.Data.Viewer == nil {
		return "", "", ""
	}
	return out.Data.Viewer.Name, out.Data.Viewer.Role, ""
}

// The apikey commands manage keys on the database the service uses: create prints the secret alone on stdout,
// list shows every key, revoke ends one. ADMIN_API_KEY installs the bootstrap ADMIN key at start-up. No secret
// reaches the log.
func TestAPIKeyCommandsAndBootstrap(t *testing.T) {
	env := map[string]string{"PORT": "0", "DATA_DIR": t.TempDir(), "SEED": "never",
		"MONGODB_DATABASE": "keys" + time.Now().Format("150405")}
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		env["MONGODB_URI"] = uri
	}
	var logs apitest.Buffer // everything but the commands' answers
	cli := func(args ...string) (string, error) {
		var out apitest.Buffer
		err := run(context.Background(), append([]string{"coalitiongraph"}, args...), func(k string) string { return env[k] }, &out, &logs)
		return out.String(), err
	}

	out, err := cli("apikey", "create", "--name", "site-preview", "--role", "preview")
	if err != nil {
		t.Fatal(err)
	}
	preview := strings.TrimSuffix(out, "\n")
	if rest, ok := strings.CutPrefix(preview, content.APIKeyPrefix); !ok || len(rest) < 43 || strings.ContainsAny(rest, " \n") {
		t.Fatalf("create printed %q, want the secret alone", out)
	}
	if _, err := cli("apikey", "create", "-name", "ops", "-role", "EDITOR", "-expires", "2099-01-31T00:00:00Z"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli("apikey", "create", "-name", "bad name", "-role", "ROOT"); err == nil || !strings.Contains(err.Error(), "name") || !strings.Contains(err.Error(), "role") {
		t.Errorf("a bad key: %v, want an error naming name and role", err)
	}
	if _, err := cli("apikey", "create", "-name", "x", "-role", "ADMIN", "-expires", "tomorrow"); err == nil || !strings.Contains(err.Error(), "-expires") {
		t.Errorf("a bad expiry: %v", err)
	}
	if _, err := cli("apikey", "create", "-name", "site-preview", "-role", "ADMIN"); err == nil || !strings.Contains(err.Error(), "site-preview") {
		t.Errorf("a taken name: %v", err)
	}

	if out, err = cli("apikey", "revoke", "ops"); err != nil || !strings.Contains(out, "revoked API key ops") {
		t.Errorf("revoke: %q, %v", out, err)
	}
	if _, err := cli("apikey", "revoke", "nobody"); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("revoke an unknown key: %v", err)
	}
	out, err = cli("apikey", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "NAME ROLE CREATED LAST USED EXPIRES REVOKED" {
		t.Fatalf("list:\n%s", out)
	}
	ops, site := strings.Fields(lines[1]), strings.Fields(lines[2])
	if ops[0] != "ops" || ops[1] != "EDITOR" || ops[4] != "2099-01-31T00:00:00Z" || ops[5] == "-" {
		t.Errorf("ops row %v", ops)
	}
	if site[0] != "site-preview" || site[1] != "PREVIEW" || site[3] != "-" || site[5] != "-" {
		t.Errorf("site-preview row %v", site)
	}
	for _, bad := range [][]string{{"apikey"}, {"apikey", "frobnicate"}, {"apikey", "revoke"}, {"apikey", "list", "extra"}} {
		if _, err := cli(bad...); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%v: %v, want the usage", bad, err)
		}
	}

	b := make([]byte, 32)
	_, _ = rand.Read(b)
	admin := content.APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	for _, bad := range []string{"hunter2-hunter2-hunter2-hunter2-hunter2-hunter2-x", content.APIKeyPrefix + "short"} {
		env["ADMIN_API_KEY"] = bad
		if _, err := cli("apikey", "list"); err == nil || !strings.Contains(err.Error(), "ADMIN_API_KEY") || strings.Contains(err.Error(), bad) {
			t.Errorf("ADMIN_API_KEY %q: %v, want an error naming the variable, not its value", bad, err)
		}
	}
	env["ADMIN_API_KEY"] = admin
	base, served, stop := start(t, env)
	if name, role, code := viewerOf(t, base, admin); name != "bootstrap-admin" || role != "ADMIN" {
		t.Errorf("ADMIN_API_KEY's key: %s %s %s, want bootstrap-admin ADMIN", name, role, code)
	}
	if name, _, code := viewerOf(t, base, preview); name != "site-preview" {
		t.Errorf("the key the command created: %q %s", name, code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Restarted with the same ADMIN_API_KEY, the key is the same one: the list shows it once.
	if out, err = cli("apikey", "list"); err != nil || strings.Count(out, "bootstrap-admin") != 1 {
		t.Errorf("after a restart: %q, %v", out, err)
	}
	for _, secret := range []string{admin, preview} {
		body := strings.TrimPrefix(secret, content.APIKeyPrefix)
		if strings.Contains(served.String(), body) || strings.Contains(logs.String(), body) {
			t.Fatalf("a secret is in the log:\n%s\n%s", served, logs.String())
		}
	}
}
