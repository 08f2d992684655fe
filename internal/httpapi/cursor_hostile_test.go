package httpapi_test

import (
	"encoding/base64"
	"math"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The hostile input tests send cursors and IDs the API never gave out, of every shape an attacker might try, to
// the real handler and store: each is a BAD_USER_INPUT error naming its argument, answered at once (a typed
// error, not a dropped connection), and the next request works.

// cursorOf spells a cursor of ordering sig with the given values, as a client could.
func cursorOf(sig string, values ...any) string {
	raw, err := bson.Marshal(bson.D{{Key: "o", Value: sig}, {Key: "v", Value: bson.A(values)}})
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// hostileCursors are cursors for an ordering whose signature is sig and whose first key holds strings; id is a
// well-formed id value for the last key.
func hostileCursors(sig string) map[string]string {
	const id = "0123456789abcdef01234567"
	return map[string]string{
		"operator document": cursorOf(sig, bson.D{{Key: "$ne", Value: nil}}, ""),
		"operator for id":   cursorOf(sig, "a", bson.D{{Key: "$gt", Value: ""}}),
		"$where":            cursorOf(sig, bson.D{{Key: "$where", Value: "sleep(100000) || true"}}, id),
		"$expr":             cursorOf(sig, bson.D{{Key: "$expr", Value: bson.D{{Key: "$eq", Value: bson.A{1, 1}}}}}, id),
		"$regex":            cursorOf(sig, bson.D{{Key: "$regex", Value: ".*"}}, id),
		"regex value":       cursorOf(sig, bson.Regex{Pattern: ".*"}, id),
		"array":             cursorOf(sig, bson.A{"a"}, id),
		"NaN":               cursorOf(sig, math.NaN(), id),
		"-Inf":              cursorOf(sig, math.Inf(-1), id),
		"MaxKey":            cursorOf(sig, bson.MaxKey{}, id),
		"MinKey":            cursorOf(sig, "a", bson.MinKey{}),
		"JavaScript":        cursorOf(sig, bson.JavaScript("while(true){}"), id),
		"binary":            cursorOf(sig, bson.Binary{Data: []byte("a")}, id),
		"decimal":           cursorOf(sig, bson.NewDecimal128(0, 1), id),
		"int for a string":  cursorOf(sig, int64(7), id),
		"date for a string": cursorOf(sig, time.Now(), id),
		"null for the id":   cursorOf(sig, "a", nil),
		"too few values":    cursorOf(sig, "a"),
		"too long":          cursorOf(sig, strings.Repeat("a", 2000), id),
		"wrong ordering":    cursorOf("launchYear,_id", int64(2017), id),
		"not bson":          base64.RawURLEncoding.EncodeToString([]byte("{\"o\":1}")),
		"not base64":        "$where:1",
	}
}

func TestHostileCursorsAreTypedErrors(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(4))
	q, err := content.ParseQuery("query", "digital")
	if err != nil {
		t.Fatal(err)
	}
	search := relay.Signature(mongostore.SearchOrder(q, content.ContentTypes))
	connections := []struct {
		name, sig, query, arg string
	}{
		{"root after", "sortName,_id", `query($c: String) { coalitions(first: 2, after: $c) { totalCount nodes { slug } } }`, "after"},
		{"root before", "sortName,_id", `query($c: String) { stakeholders(last: 2, before: $c) { nodes { slug } } }`, "before"},
		{"nested", "sortName,_id", `query($c: String) { coalitions(first: 2) { nodes { members(first: 2, after: $c) { totalCount } } } }`, "after"},
		{"nested before", "sortName,_id", `query($c: String) { countries(first: 2) { nodes { coalitions(last: 1, before: $c) { totalCount } } } }`, "before"},
		{"search", search, `query($c: String) { search(query: "digital", first: 2, after: $c) { totalCount } }`, "after"},
	}
	for _, conn := range connections {
		for name, cursor := range hostileCursors(conn.sig) {
			e := api.Fails(t, content.EInvalid, conn.query, map[string]any{"c": cursor})
			if got, _ := e.Extensions["argument"].(string); got != conn.arg || strings.Contains(e.Message, cursor) {
				t.Errorf("%s, %s: argument %q, message %q", conn.name, name, got, e.Message)
			}
			var ok struct{}
			api.Must(t, conn.query, nil, &ok) // the server still answers
		}
	}
}

// A cursor whose values have the right types is a position, whatever the strings in it: no error and no match
// by operator.
func TestCursorStringsAreValues(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(4))
	const id = "0123456789abcdef01234567"
	for _, s := range []string{"$where", `{"$ne": null}`, "a.b.$", "\x00", "ω"} {
		var r struct {
			Coalitions struct{ Nodes []struct{ Slug string } }
		}
		api.Must(t, `query($c: String) { coalitions(first: 100, after: $c) { nodes { slug } } }`, map[string]any{"c": cursorOf("sortName,_id", s, id)}, &r)
		if s == "ω" && len(r.Coalitions.Nodes) != 0 {
			t.Errorf("%d coalitions sort after %q", len(r.Coalitions.Nodes), s)
		}
	}
	// a launch-year cursor with a null year and a real one are both fine
	for _, v := range []any{nil, int64(2017), int32(2017)} {
		var r struct{}
		api.Must(t, `query($c: String) { coalitions(first: 2, after: $c, orderBy: [{field: LAUNCH_YEAR}]) { totalCount } }`, map[string]any{"c": cursorOf("launchYear,_id", v, id)}, &r)
	}
	api.Fails(t, content.EInvalid, `query($c: String) { coalitions(first: 2, after: $c, orderBy: [{field: LAUNCH_YEAR}]) { totalCount } }`, map[string]any{"c": cursorOf("launchYear,_id", "2017", id)})
	api.Fails(t, content.EInvalid, `query($c: String) { coalitions(first: 2, after: $c, orderBy: [{field: COUNTRY}]) { totalCount } }`, map[string]any{"c": cursorOf("countryCode,_id", nil, id)})
}

func TestHostileIDsAreTypedErrors(t *testing.T) {
	api := apitest.New(t, apitest.Fixture(4))
	const hex = "0123456789abcdef01234567"
	gid := content.GlobalID
	ids := map[string]string{
		"garbage":           "nope",
		"operator":          gid(`Coalition:{"$ne":null}`),
		"where":             gid("Coalition:$where"),
		"short local id":    gid("Coalition:abc"),
		"upper-case hex":    gid("Coalition:" + strings.ToUpper(hex)),
		"unknown type":      gid("Planet:" + hex),
		"lower-case code":   gid("Country:ie"),
		"trailing junk":     gid("Coalition:" + hex + "\x00"),
		"too long":          strings.Repeat("Q29hbGl0aW9u", 20),
		"line break inside": gid("Coalition:" + hex)[:10] + "\n" + gid("Coalition:" + hex)[10:],
	}
	queries := []struct{ name, query, arg string }{
		{"node", `query($id: ID!) { node(id: $id) { id } }`, "id"},
		{"nodes", `query($id: ID!) { nodes(ids: [$id]) { id } }`, "id"},
		{"coalition", `query($id: ID) { coalition(id: $id) { name } }`, "id"},
		{"hasMember", `query($id: ID) { coalitions(filter: {hasMember: $id}) { totalCount } }`, "filter.hasMember"},
		{"memberOf", `query($id: ID) { stakeholders(filter: {memberOf: $id}) { totalCount } }`, "filter.memberOf"},
		{"hasPartner", `query($id: ID) { initiatives(filter: {hasPartner: $id}) { totalCount } }`, "filter.hasPartner"},
		{"nested or", `query($id: ID) { coalitions(filter: {or: [{status: [ACTIVE]}, {not: {hasMember: $id}}]}) { totalCount } }`, "filter.hasMember"},
		{"mentions", `query($id: ID) { blogPosts(filter: {mentions: $id}) { totalCount } }`, "filter.mentions"},
	}
	for _, q := range queries {
		for name, id := range ids {
			e := api.Fails(t, content.EInvalid, q.query, map[string]any{"id": id})
			if got, _ := e.Extensions["argument"].(string); got != q.arg {
				t.Errorf("%s with %s: argument %q, want %q (%s)", q.name, name, got, q.arg, e.Message)
			}
		}
	}
	// well-formed ids that nothing has keep today's answers
	api.Fails(t, content.ENotFound, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid("Coalition:" + hex)})
	api.Fails(t, content.ENotFound, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid("Country:ZZ")})
	var r struct{ Coalitions struct{ TotalCount int } }
	api.Must(t, `query($id: ID) { coalitions(filter: {hasMember: $id}) { totalCount } }`, map[string]any{"id": gid("Stakeholder:" + hex)}, &r)
	if r.Coalitions.TotalCount != 0 {
		t.Errorf("a stakeholder nobody is has %d coalitions", r.Coalitions.TotalCount)
	}
}
