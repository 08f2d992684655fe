package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// snapshot is every document of every collection of db (both stages, history, tombstones, counters, keys), each
// collection sorted by _id and each document in canonical extended JSON, so that two snapshots are equal exactly
// when the database holds the same bytes. Two things are left out, which are not data a refused request must
// leave alone: a key's lastUsedAt, since authenticating a key may record its use; and the revision counter, since
// a write takes its revision before the database refuses it (a taken slug), which leaves a gap in the revisions
// and changes no document of either stage.
func snapshot(t *testing.T, db *mongo.Database) string {
	t.Helper()
	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatalf("list collections: %v", err)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		if name == "counters" {
			continue
		}
		fmt.Fprintf(&b, "== %s\n", name)
		cur, err := db.Collection(name).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for cur.Next(ctx) {
			var doc any = cur.Current
			if name == "apiKeys" {
				var d bson.D
				if err := bson.Unmarshal(cur.Current, &d); err != nil {
					t.Fatalf("decode a key: %v", err)
				}
				doc = slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == "lastUsedAt" })
			}
			ext, err := bson.MarshalExtJSON(doc, true, false)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b.Write(ext)
			b.WriteByte('\n')
		}
		if err := cur.Err(); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		cur.Close(ctx)
	}
	return b.String()
}

// badRequest is a request the API must refuse (or, where code is empty, answer without matching or writing
// anything but what check says).
type badRequest struct {
	name  string
	h     http.Header
	query string
	vars  map[string]any
	// raw is a body sent as it is, anonymously, instead of query and vars.
	raw []byte
	// code is the extensions.code one of the errors must carry.
	code string
	// check, for a request that is answered, looks at its data and says what is wrong with it.
	check func(data json.RawMessage) []string
}

// randomID is a well-formed global ID of type t that names nothing.
func randomID(t content.TypeName) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return content.GlobalID(content.KeyOf(t, hex.EncodeToString(b)))
}

// expiredKey puts an EDITOR key that expired an hour ago straight into the database, as time would have left
// it (the store refuses to create one), and returns its secret.
func expiredKey(t *testing.T, db *mongo.Database) string {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := content.APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	now := time.Now().UTC().Truncate(time.Millisecond)
	_, err := db.Collection("apiKeys").InsertOne(context.Background(), bson.D{{Key: "_id", Value: hex.EncodeToString(sum[:])},
		{Key: "name", Value: "expired"}, {Key: "role", Value: "EDITOR"}, {Key: "createdAt", Value: now.Add(-2 * time.Hour)},
		{Key: "expiresAt", Value: now.Add(-time.Hour)}})
	if err != nil {
		t.Fatalf("insert the expired key: %v", err)
	}
	return secret
}

// keyHeader is the header that sends a key's secret.
func keyHeader(secret string) http.Header { return http.Header{"Authorization": {"Bearer " + secret}} }

// Every kind of bad input a client can send to the writes (and to the reads next to them) is refused with its
// code, and leaves the database byte for byte as it was.
func TestBadInputLeavesTheDataAsItWas(t *testing.T) {
	e := newEditor(t)
	api := e.api
	ctx := content.WithViewer(context.Background(), content.System)

	// what the bad requests aim at, made before the snapshot
	person, org := e.idOf(t, "stakeholder", "stakeholder-000"), e.idOf(t, "stakeholder", "stakeholder-001")
	target := e.createCoalition(t, "target")
	e.updateCoalition(t, target.ID, 1, map[string]any{"name": "Target, at version 2"})
	other := e.createCoalition(t, "taken-slug")
	operatorName := `{"$gt": ""}`
	literal := e.createCoalition(t, "operator-lookalike")
	e.updateCoalition(t, literal.ID, 1, map[string]any{"name": operatorName, "tags": []string{operatorName}})
	if got := e.coalitionNow(t, literal.ID); got.Name != operatorName || !slices.Equal(got.Tags, []string{operatorName}) {
		t.Fatalf("a name and a tag that look like an operator are kept as %+v", got)
	}
	var sections struct {
		Chapter struct{ ToolkitSection struct{ ID string } }
		Child   struct{ ToolkitSection struct{ ID string } }
	}
	e.must(t, e.header, `mutation { chapter: createToolkitSection(input: {slug: "cycle-chapter", title: "Chapter", order: 70}) { toolkitSection { id } } }`, nil, &sections)
	chapter := sections.Chapter.ToolkitSection.ID
	e.must(t, e.header, `mutation($p: ID!) { child: createToolkitSection(input: {slug: "cycle-child", title: "Child", order: 1, parent: $p}) { toolkitSection { id } } }`,
		map[string]any{"p": chapter}, &sections)
	child := sections.Child.ToolkitSection.ID
	var refd struct {
		CreateStakeholder struct{ Stakeholder struct{ ID string } }
	}
	e.must(t, e.header, `mutation { createStakeholder(input: {slug: "referenced", name: "Referenced", kind: ORGANISATION, category: NGO}) { stakeholder { id } } }`, nil, &refd)
	referenced := refd.CreateStakeholder.Stakeholder.ID
	e.must(t, e.header, `mutation($p: ID!) { createInitiative(input: {slug: "refers-to-it", name: "Refers", scope: LOCAL, partners: [$p]}) { initiative { id } } }`,
		map[string]any{"p": referenced}, nil)

	preview := keyHeader(api.Key(t, "previewer", content.RolePreview))
	admin := keyHeader(api.Key(t, "admin", content.RoleAdmin))
	revokedSecret := api.Key(t, "revoked", content.RoleEditor)
	if _, err := api.Store.Keys().Revoke(ctx, "revoked"); err != nil {
		t.Fatal(err)
	}
	revoked := keyHeader(revokedSecret)
	expired := keyHeader(expiredKey(t, api.DB()))
	editor := e.header
	draft := e.draft()
	anonDraft := http.Header{"Stage": {"DRAFT"}}

	const (
		update     = `mutation($id: ID!, $v: Int!, $input: UpdateCoalitionInput!) { updateCoalition(id: $id, expectedVersion: $v, input: $input) { coalition { id name } } }`
		create     = `mutation($input: CreateCoalitionInput!) { createCoalition(input: $input) { coalition { id } } }`
		initiative = `mutation($input: CreateInitiativeInput!) { createInitiative(input: $input) { initiative { id } } }`
		post       = `mutation($input: CreateBlogPostInput!) { createBlogPost(input: $input) { blogPost { id } } }`
		section    = `mutation($input: CreateToolkitSectionInput!) { createToolkitSection(input: $input) { toolkitSection { id } } }`
		member     = `mutation($c: ID!, $s: ID!) { addCoalitionMember(coalition: $c, expectedVersion: 2, stakeholder: $s, role: MEMBER) { coalition { id } } }`
		move       = `mutation($id: ID!, $parent: ID) { moveToolkitSection(id: $id, expectedVersion: 1, parent: $parent, position: 1) { toolkitSection { id } } }`
		bySlug     = `query($slug: String!) { coalition(slug: $slug) { id } }`
		byTags     = `query($tags: [String!]) { coalitions(filter: {tags: $tags}) { totalCount nodes { id } } }`
		byCountry  = `query($country: [String!]) { coalitions(filter: {country: $country}) { totalCount nodes { id } } }`
		newKey     = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`
	)
	at := func(v int, input map[string]any) map[string]any {
		return map[string]any{"id": target.ID, "v": v, "input": input}
	}
	// inputOf is the variables of an input: the valid fields of base, with fields over them
	inputOf := func(base map[string]any) func(fields map[string]any) map[string]any {
		return func(fields map[string]any) map[string]any {
			input := maps.Clone(base)
			maps.Copy(input, fields)
			return map[string]any{"input": input}
		}
	}
	coalition := inputOf(map[string]any{"slug": "refused", "name": "Refused", "country": "IE", "status": "ACTIVE", "scope": "LOCAL"})
	initiativeWith := inputOf(map[string]any{"slug": "refused", "name": "Refused", "scope": "LOCAL"})
	postWith := inputOf(map[string]any{"slug": "refused", "title": "Refused"})
	matchesOnly := func(want ...string) func(json.RawMessage) []string {
		return func(data json.RawMessage) []string {
			var out struct {
				Coalitions struct {
					TotalCount int
					Nodes      []struct{ ID string }
				}
			}
			_ = json.Unmarshal(data, &out)
			var got []string
			for _, n := range out.Coalitions.Nodes {
				got = append(got, n.ID)
			}
			if !slices.Equal(got, want) || out.Coalitions.TotalCount != len(want) {
				return []string{fmt.Sprintf("matched %v (total %d), want %v", got, out.Coalitions.TotalCount, want)}
			}
			return nil
		}
	}

	cases := []badRequest{
		// malformed and wrongly typed
		{name: "body that is not JSON", raw: []byte(`{"query": "mutation { createCoalition(`), code: "BAD_REQUEST"},
		{name: "document that does not parse", h: editor, query: `mutation { createCoalition(input: {slug: "x"`, code: "GRAPHQL_PARSE_FAILED"},
		{name: "string for an Int (inline)", h: editor, query: `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: "1", input: {name: "x"}) { coalition { id } } }`, vars: map[string]any{"id": target.ID}, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "string for an Int (variable)", h: editor, query: update, vars: map[string]any{"id": target.ID, "v": "2", "input": map[string]any{"name": "x"}}, code: "BAD_USER_INPUT"},
		{name: "Int beyond 32 bits", h: editor, query: update, vars: map[string]any{"id": target.ID, "v": 1 << 40, "input": map[string]any{"name": "x"}}, code: "BAD_USER_INPUT"},
		{name: "object for a list (tags)", h: editor, query: update, vars: at(2, map[string]any{"tags": map[string]any{"a": 1}}), code: "BAD_USER_INPUT"},
		{name: "unknown input field", h: editor, query: update, vars: at(2, map[string]any{"version": 9}), code: "BAD_USER_INPUT"},
		{name: "empty update", h: editor, query: update, vars: at(2, map[string]any{}), code: "BAD_USER_INPUT"},
		{name: "null for a required field", h: editor, query: update, vars: at(2, map[string]any{"name": nil}), code: "BAD_USER_INPUT"},
		{name: "unknown enum value (inline)", h: editor, query: `mutation($id: ID!) { updateCoalition(id: $id, expectedVersion: 2, input: {status: EXPLODED}) { coalition { id } } }`, vars: map[string]any{"id": target.ID}, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown enum value (variable)", h: editor, query: update, vars: at(2, map[string]any{"scope": "GALACTIC"}), code: "BAD_USER_INPUT"},
		{name: "enum value in lower case", h: editor, query: update, vars: at(2, map[string]any{"status": "active"}), code: "BAD_USER_INPUT"},
		// out of bounds
		{name: "name of 201 characters", h: editor, query: update, vars: at(2, map[string]any{"name": strings.Repeat("n", 201)}), code: "BAD_USER_INPUT"},
		{name: "description of 100 001 bytes", h: editor, query: update, vars: at(2, map[string]any{"description": strings.Repeat("d", 100_001)}), code: "BAD_USER_INPUT"},
		{name: "section body of 100 001 bytes", h: editor, query: section, vars: map[string]any{"input": map[string]any{"slug": "refused", "title": "Refused", "order": 1, "body": strings.Repeat("b", 100_001)}}, code: "BAD_USER_INPUT"},
		{name: "slug of 101 characters", h: editor, query: create, vars: coalition(map[string]any{"slug": strings.Repeat("s", 101)}), code: "BAD_USER_INPUT"},
		{name: "name with a NUL byte", h: editor, query: update, vars: at(2, map[string]any{"name": "a\x00b"}), code: "BAD_USER_INPUT"},
		{name: "launch year 3000", h: editor, query: update, vars: at(2, map[string]any{"launchYear": 3000}), code: "BAD_USER_INPUT"},
		{name: "unknown country", h: editor, query: update, vars: at(2, map[string]any{"country": "XX"}), code: "BAD_USER_INPUT"},
		// operators inside strings and objects where strings go
		{name: `slug "{\"$gt\": \"\"}" (string) on create`, h: editor, query: create, vars: coalition(map[string]any{"slug": operatorName}), code: "BAD_USER_INPUT"},
		{name: `slug "{\"$gt\": \"\"}" (string) on update`, h: editor, query: update, vars: at(2, map[string]any{"slug": operatorName}), code: "BAD_USER_INPUT"},
		{name: `slug {"$gt": ""} (object) on create`, h: editor, query: create, vars: coalition(map[string]any{"slug": map[string]any{"$gt": ""}}), code: "BAD_USER_INPUT"},
		{name: `name {"$gt": ""} (object) on update`, h: editor, query: update, vars: at(2, map[string]any{"name": map[string]any{"$gt": ""}}), code: "BAD_USER_INPUT"},
		{name: `id {"$ne": null} (object)`, h: editor, query: update, vars: map[string]any{"id": map[string]any{"$ne": nil}, "v": 2, "input": map[string]any{"name": "x"}}, code: "BAD_USER_INPUT"},
		{name: `read by slug "{\"$gt\": \"\"}" (string)`, query: bySlug, vars: map[string]any{"slug": operatorName}, code: "NOT_FOUND"},
		{name: `read by slug {"$gt": ""} (object)`, query: bySlug, vars: map[string]any{"slug": map[string]any{"$gt": ""}}, code: "BAD_USER_INPUT"},
		{name: `filter tags ["{\"$gt\": \"\"}"] (string): matches only the literal tag`, h: draft, query: byTags, vars: map[string]any{"tags": []string{operatorName}}, check: matchesOnly(literal.ID)},
		{name: `filter tags [{"$gt": ""}] (object)`, h: draft, query: byTags, vars: map[string]any{"tags": []any{map[string]any{"$gt": ""}}}, code: "BAD_USER_INPUT"},
		{name: `filter country ["{\"$gt\": \"\"}"] (string): matches nothing`, h: draft, query: byCountry, vars: map[string]any{"country": []string{operatorName}}, check: matchesOnly()},
		{name: `revokeApiKey name "{\"$gt\": \"\"}"`, h: admin, query: `mutation($n: String!) { revokeApiKey(name: $n) { apiKey { name } } }`, vars: map[string]any{"n": operatorName}, code: "NOT_FOUND"},
		{name: `createApiKey name "{\"$gt\": \"\"}"`, h: admin, query: newKey, vars: map[string]any{"input": map[string]any{"name": operatorName, "role": "EDITOR"}}, code: "BAD_USER_INPUT"},
		{name: "createApiKey expiring in the past", h: admin, query: newKey, vars: map[string]any{"input": map[string]any{"name": "late", "role": "EDITOR", "expiresAt": "2001-01-01T00:00:00Z"}}, code: "BAD_USER_INPUT"},
		{name: "createApiKey named like a taken key", h: admin, query: newKey, vars: map[string]any{"input": map[string]any{"name": "editor", "role": "EDITOR"}}, code: "CONFLICT"},
		// URLs that are not http(s)
		{name: "javascript: website", h: editor, query: update, vars: at(2, map[string]any{"website": "javascript:alert(1)"}), code: "BAD_USER_INPUT"},
		{name: "data: website", h: editor, query: update, vars: at(2, map[string]any{"website": "data:text/html,<script>alert(1)</script>"}), code: "BAD_USER_INPUT"},
		{name: "javascript: sourceUrl on create", h: editor, query: create, vars: coalition(map[string]any{"sourceUrl": "JavaScript:alert(1)"}), code: "BAD_USER_INPUT"},
		{name: "data: sourceUrl", h: editor, query: initiative, vars: initiativeWith(map[string]any{"sourceUrl": "data:,x"}), code: "BAD_USER_INPUT"},
		// the toolkit's tree
		{name: "move a chapter under its own child", h: editor, query: move, vars: map[string]any{"id": chapter, "parent": child}, code: "BAD_USER_INPUT"},
		{name: "move a section under itself", h: editor, query: move, vars: map[string]any{"id": child, "parent": child}, code: "BAD_USER_INPUT"},
		{name: "move under a section that does not exist", h: editor, query: move, vars: map[string]any{"id": child, "parent": randomID(content.TypeToolkitSection)}, code: "BAD_USER_INPUT"},
		{name: "create under a parent that does not exist", h: editor, query: section, vars: map[string]any{"input": map[string]any{"slug": "refused", "title": "Refused", "order": 1, "parent": randomID(content.TypeToolkitSection)}}, code: "BAD_USER_INPUT"},
		// references to nothing, and to the wrong type
		{name: "partner that does not exist", h: editor, query: initiative, vars: initiativeWith(map[string]any{"partners": []string{randomID(content.TypeStakeholder)}}), code: "BAD_USER_INPUT"},
		{name: "coalition that does not exist", h: editor, query: initiative, vars: initiativeWith(map[string]any{"coalitions": []string{randomID(content.TypeCoalition)}}), code: "BAD_USER_INPUT"},
		{name: "author that does not exist", h: editor, query: post, vars: postWith(map[string]any{"authors": []string{randomID(content.TypeStakeholder)}}), code: "BAD_USER_INPUT"},
		{name: "publisher that does not exist", h: editor, query: post, vars: postWith(map[string]any{"publisher": randomID(content.TypeStakeholder)}), code: "BAD_USER_INPUT"},
		{name: "mentions of each type that do not exist", h: editor, query: post, vars: postWith(map[string]any{"mentions": []string{randomID(content.TypeCoalition), randomID(content.TypeStakeholder),
			randomID(content.TypeInitiative), randomID(content.TypeToolkitSection), randomID(content.TypeBlogPost)}}), code: "BAD_USER_INPUT"},
		{name: "member that does not exist", h: editor, query: member, vars: map[string]any{"c": target.ID, "s": randomID(content.TypeStakeholder)}, code: "BAD_USER_INPUT"},
		{name: "update of a coalition that does not exist", h: editor, query: update, vars: map[string]any{"id": randomID(content.TypeCoalition), "v": 1, "input": map[string]any{"name": "x"}}, code: "NOT_FOUND"},
		{name: "publish of a blog post that does not exist", h: editor, query: `mutation($id: ID!) { publishBlogPost(id: $id, expectedVersion: 1) { blogPost { id } } }`, vars: map[string]any{"id": randomID(content.TypeBlogPost)}, code: "NOT_FOUND"},
		{name: "partner with a coalition's id", h: editor, query: initiative, vars: initiativeWith(map[string]any{"partners": []string{target.ID}}), code: "BAD_USER_INPUT"},
		{name: "coalitions with a stakeholder's id", h: editor, query: initiative, vars: initiativeWith(map[string]any{"coalitions": []string{org}}), code: "BAD_USER_INPUT"},
		{name: "author with an initiative's id", h: editor, query: post, vars: postWith(map[string]any{"authors": []string{randomID(content.TypeInitiative)}}), code: "BAD_USER_INPUT"},
		{name: "publisher with a coalition's id", h: editor, query: post, vars: postWith(map[string]any{"publisher": target.ID}), code: "BAD_USER_INPUT"},
		{name: "publisher that is a person", h: editor, query: post, vars: postWith(map[string]any{"slug": "person-publisher", "publisher": person}), code: "BAD_USER_INPUT"},
		{name: "author that is an organisation", h: editor, query: post, vars: postWith(map[string]any{"slug": "organisation-author", "authors": []string{org}}), code: "BAD_USER_INPUT"},
		{name: "mention of a country", h: editor, query: post, vars: postWith(map[string]any{"mentions": []string{content.GlobalID(content.KeyOf(content.TypeCountry, "IE"))}}), code: "BAD_USER_INPUT"},
		{name: "member with a coalition's id", h: editor, query: member, vars: map[string]any{"c": target.ID, "s": other.ID}, code: "BAD_USER_INPUT"},
		{name: "updateCoalition with a stakeholder's id", h: editor, query: update, vars: map[string]any{"id": org, "v": 1, "input": map[string]any{"name": "x"}}, code: "BAD_USER_INPUT"},
		{name: "id that is not an ID", h: editor, query: update, vars: map[string]any{"id": "not-an-id", "v": 1, "input": map[string]any{"name": "x"}}, code: "BAD_USER_INPUT"},
		// versions, slugs, references
		{name: "stale expectedVersion on update", h: editor, query: update, vars: at(1, map[string]any{"name": "x"}), code: "CONFLICT"},
		{name: "stale expectedVersion on publish", h: editor, query: `mutation($id: ID!) { publishCoalition(id: $id, expectedVersion: 1) { coalition { id } } }`, vars: map[string]any{"id": target.ID}, code: "CONFLICT"},
		{name: "stale expectedVersion on delete", h: editor, query: `mutation($id: ID!) { deleteCoalition(id: $id, expectedVersion: 1) { deletedId } }`, vars: map[string]any{"id": target.ID}, code: "CONFLICT"},
		{name: "restore of a version the history lacks", h: editor, query: `mutation($id: ID!) { restoreCoalitionRevision(id: $id, version: 99, expectedVersion: 2) { coalition { id } } }`, vars: map[string]any{"id": target.ID}, code: "NOT_FOUND"},
		{name: "unpublish of an item never published", h: editor, query: `mutation($id: ID!) { unpublishCoalition(id: $id, expectedVersion: 2) { coalition { id } } }`, vars: map[string]any{"id": target.ID}, code: "CONFLICT"},
		{name: "taken slug on create", h: editor, query: create, vars: coalition(map[string]any{"slug": "taken-slug"}), code: "CONFLICT"},
		{name: "taken slug on update", h: editor, query: update, vars: at(2, map[string]any{"slug": "taken-slug"}), code: "CONFLICT"},
		{name: "delete of a referenced item without detach", h: editor, query: `mutation($id: ID!) { deleteStakeholder(id: $id, expectedVersion: 1) { deletedId } }`, vars: map[string]any{"id": referenced}, code: "CONFLICT"},
		// who asks
		{name: "mutation with no key", query: update, vars: at(2, map[string]any{"name": "x"}), code: "UNAUTHENTICATED"},
		{name: "mutation with a revoked key", h: revoked, query: update, vars: at(2, map[string]any{"name": "x"}), code: "UNAUTHENTICATED"},
		{name: "mutation with an expired key", h: expired, query: update, vars: at(2, map[string]any{"name": "x"}), code: "UNAUTHENTICATED"},
		{name: "mutation with a key this service never issued", h: keyHeader(content.APIKeyPrefix + strings.Repeat("A", 43)), query: update, vars: at(2, map[string]any{"name": "x"}), code: "UNAUTHENTICATED"},
		{name: "mutation with a malformed Authorization", h: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))}}, query: update, vars: at(2, map[string]any{"name": "x"}), code: "UNAUTHENTICATED"},
		{name: "mutation with a PREVIEW key", h: preview, query: update, vars: at(2, map[string]any{"name": "x"}), code: "FORBIDDEN"},
		{name: "createApiKey as EDITOR", h: editor, query: newKey, vars: map[string]any{"input": map[string]any{"name": "escalated", "role": "ADMIN"}}, code: "FORBIDDEN"},
		{name: "revokeApiKey as EDITOR", h: editor, query: `mutation { revokeApiKey(name: "admin") { apiKey { name } } }`, code: "FORBIDDEN"},
		{name: "apiKeys as EDITOR", h: editor, query: `{ apiKeys { name } }`, code: "FORBIDDEN"},
		{name: "Stage: DRAFT read without a key", h: anonDraft, query: `{ coalitions { totalCount } }`, code: "UNAUTHENTICATED"},
		{name: "Stage: BOGUS", h: http.Header{"Stage": {"BOGUS"}}, query: `{ coalitions { totalCount } }`, code: "BAD_REQUEST"},
	}

	var table strings.Builder
	table.WriteString("| bad input | extensions.code (HTTP status) |\n|---|---|\n")
	before := snapshot(t, api.DB())
	for _, c := range cases {
		codes, status, problems := sendBad(t, api, c)
		for _, p := range problems {
			t.Errorf("%s: %s", c.name, p)
		}
		fmt.Fprintf(&table, "| %s | %s (%d) |\n", strings.ReplaceAll(c.name, "|", `\|`), orNone(codes), status)
	}
	if after := snapshot(t, api.DB()); after != before {
		t.Errorf("the bad requests changed the database:\n%s", diffLines(before, after))
	}
	t.Logf("the bad inputs and the codes they got:\n%s", table.String())
	var collections []string
	for _, l := range strings.Split(before, "\n") {
		if name, ok := strings.CutPrefix(l, "== "); ok {
			collections = append(collections, name)
		}
	}
	t.Logf("compared collections: %s", strings.Join(collections, ", "))
	logs := api.Logs()
	if strings.Contains(logs, "level=ERROR") {
		t.Errorf("the bad requests logged errors:\n%s", logs)
	}
	for _, h := range []http.Header{editor, preview, admin, revoked, expired} {
		if secret := strings.TrimPrefix(h.Get("Authorization"), "Bearer "); strings.Contains(logs, secret) {
			t.Errorf("a key's secret is in the logs")
		}
	}
}

// sendBad sends the bad request c and checks its answer: no 5xx, every error with a code and a message and none
// internal, the code c wants, and no partial payload (every root field null); or, for a request that is
// answered, no error and what c.check wants. It returns the codes the answer had, once each, its status, and
// what was wrong with it.
func sendBad(t *testing.T, api *apitest.API, c badRequest) (codes []string, status int, problems []string) {
	var r apitest.Response
	if c.raw != nil {
		r = api.Post("application/json", c.raw)
	} else {
		r = api.QueryWith(c.h, c.query, c.vars)
	}
	for _, err := range r.Errors {
		codes = append(codes, err.Code())
		if err.Code() == "" || err.Code() == "INTERNAL" || err.Message == "" {
			problems = append(problems, fmt.Sprintf("an error without a code or message, or an internal one: %+v", err))
		}
	}
	codes = slices.Compact(slices.Sorted(slices.Values(codes)))
	switch {
	case r.Status >= 500:
		return codes, r.Status, append(problems, fmt.Sprintf("status %d: %+v", r.Status, r.Errors))
	case c.code == "" && len(r.Errors) > 0:
		return codes, r.Status, append(problems, fmt.Sprintf("errors %+v, want an answer", r.Errors))
	case c.code == "":
		return codes, r.Status, append(problems, c.check(r.Data)...)
	case !slices.Contains(codes, c.code):
		problems = append(problems, fmt.Sprintf("codes %v (errors %+v), want %s", codes, r.Errors, c.code))
	}
	var data map[string]json.RawMessage
	_ = json.Unmarshal(r.Data, &data)
	for field, v := range data {
		if string(v) != "null" {
			problems = append(problems, fmt.Sprintf("%s answered %s, want null", field, v))
		}
	}
	return codes, r.Status, problems
}

// orNone joins codes, or says that there were none.
func orNone(codes []string) string {
	if len(codes) == 0 {
		return "none: answered"
	}
	return strings.Join(codes, ", ")
}

// diffLines lists the lines only one of a and b has.
func diffLines(a, b string) string {
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for _, l := range as {
		if !slices.Contains(bs, l) {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range bs {
		if !slices.Contains(as, l) {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	return out.String()
}
