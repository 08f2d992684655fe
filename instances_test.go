package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Two instances of the service on one store, as behind a load balancer: the second answers from its response
// cache, and sees the first's publish within the staleness bound (two poll intervals) for anonymous readers, and
// at once for a request with a key.
func TestTwoInstancesSeeEachOthersWrites(t *testing.T) {
	uri := apitest.URI(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	database := "instances_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if client, err := mongo.Connect(options.Client().ApplyURI(uri)); err == nil {
			_ = client.Database(database).Drop(context.Background())
			_ = client.Disconnect(context.Background())
		}
	})
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	admin := http.Header{"Authorization": {"Bearer cgk_" + base64.RawURLEncoding.EncodeToString(secret)}}
	const poll = 200 * time.Millisecond
	env := func(more ...string) map[string]string {
		e := map[string]string{"PORT": "0", "MONGODB_URI": uri, "MONGODB_DATABASE": database, "CACHE_POLL_MS": strconv.Itoa(int(poll / time.Millisecond))}
		for i := 0; i < len(more); i += 2 {
			e[more[i]] = more[i+1]
		}
		return e
	}
	first, _, stopFirst := start(t, env("ADMIN_API_KEY", strings.TrimPrefix(admin.Get("Authorization"), "Bearer ")))
	defer stopFirst()
	second, _, stopSecond := start(t, env("SEED", "never"))
	defer stopSecond()

	const name = `{ coalition(slug: "ireland") { name } }`
	var before struct{ Coalition struct{ Name string } }
	mustGraphQL(t, second, nil, name, nil, &before)
	mustGraphQL(t, second, nil, name, nil, &before) // now cached

	draft := admin.Clone()
	draft.Set("Stage", "DRAFT")
	var c struct {
		Coalition struct {
			ID      string
			Version int
		}
	}
	mustGraphQL(t, first, draft, `{ coalition(slug: "ireland") { id version } }`, nil, &c)
	var ignored any
	mustGraphQL(t, first, admin, `mutation($id: ID!, $v: Int!) { updateCoalition(id: $id, expectedVersion: $v, input: {name: "Ireland, renamed elsewhere"}) { coalition { id } } }`,
		map[string]any{"id": c.Coalition.ID, "v": c.Coalition.Version}, &ignored)
	mustGraphQL(t, first, admin, `mutation($id: ID!, $v: Int!) { publishCoalition(id: $id, expectedVersion: $v) { coalition { id } } }`,
		map[string]any{"id": c.Coalition.ID, "v": c.Coalition.Version + 1}, &ignored)
	published := time.Now()

	var keyed struct{ Coalition struct{ Name string } }
	mustGraphQL(t, second, admin, name, nil, &keyed)
	if keyed.Coalition.Name != "Ireland, renamed elsewhere" {
		t.Errorf("a key on the second instance reads %q right after the publish", keyed.Coalition.Name)
	}
	// Anonymous readers of the second instance: the new name within the bound. The deadline leaves the slow
	// machine its slack; what the test proves is that the answer changes without a write on this instance.
	for {
		var now struct{ Coalition struct{ Name string } }
		mustGraphQL(t, second, nil, name, nil, &now)
		if now.Coalition.Name == "Ireland, renamed elsewhere" {
			t.Logf("the second instance's anonymous answer changed %v after the publish (bound %v)", time.Since(published).Round(time.Millisecond), 2*poll)
			break
		}
		if now.Coalition.Name != before.Coalition.Name {
			t.Fatalf("the second instance answers %q", now.Coalition.Name)
		}
		if time.Since(published) > 2*poll+5*time.Second {
			t.Fatalf("%v after the publish the second instance still answers %q", time.Since(published).Round(time.Millisecond), now.Coalition.Name)
		}
		time.Sleep(poll / 10)
	}
}
