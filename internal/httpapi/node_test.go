package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/seed"
)

// The node tests check Relay global object identification for every type: ids from the lists fetch the same
// objects again through node, nodes and the root fields, and wrong ids fail the way the contract says.

// nidSel names any node: its type, id, and slug (or code for a country).
const nidSel = `__typename id ... on Coalition { slug } ... on Stakeholder { slug } ... on Initiative { slug }
  ... on ToolkitSection { slug } ... on BlogPost { slug } ... on Country { code }`

type nidNode struct {
	Typename string `json:"__typename"`
	ID       string `json:"id"`
	Slug     string `json:"slug"`
	Code     string `json:"code"`
}

func (n *nidNode) key() string {
	if n == nil {
		return "<null>"
	}
	if n.Code != "" {
		return n.Typename + ":" + n.Code
	}
	return n.Typename + ":" + n.Slug
}

// nidType is one type of node: its list and root fields and the keys of its items in the dataset.
type nidType struct {
	name  string // GraphQL type
	list  string // root list field
	root  string // root field by id or by key
	key   string // key argument and field: slug, or code for countries
	keys  []string
	local string // a well-formed local id that no object has
}

func nidTypes(d *seed.Dataset) []nidType {
	var c, s, i, t, b, n []string
	for _, x := range d.Coalitions {
		c = append(c, x.Slug)
	}
	for _, x := range d.Stakeholders {
		s = append(s, x.Slug)
	}
	for _, x := range d.Initiatives {
		i = append(i, x.Slug)
	}
	for _, x := range d.ToolkitSections {
		t = append(t, x.Slug)
	}
	for _, x := range d.BlogPosts {
		b = append(b, x.Slug)
	}
	for _, x := range d.Countries {
		n = append(n, x.Code)
	}
	const hex = "0123456789abcdef01234567"
	return []nidType{
		{"Coalition", "coalitions", "coalition", "slug", c, hex},
		{"Stakeholder", "stakeholders", "stakeholder", "slug", s, hex},
		{"Initiative", "initiatives", "initiative", "slug", i, hex},
		{"ToolkitSection", "toolkitSections", "toolkitSection", "slug", t, hex},
		{"BlogPost", "blogPosts", "blogPost", "slug", b, hex},
		{"Country", "countries", "country", "code", n, "ZZ"},
	}
}

// nidFabricate is a well-formed global ID of an object that does not exist (base64url, no padding, of
// "Type:local").
func nidFabricate(typ, local string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + local))
}

// nidList returns the ids of a type's items by key, from its root list.
func nidList(t *testing.T, api *apitest.API, ty nidType) map[string]string {
	t.Helper()
	var out struct {
		List struct {
			TotalCount int
			Nodes      []map[string]string
		}
	}
	api.Must(t, fmt.Sprintf(`{ list: %s(first: 100) { totalCount nodes { id %s } } }`, ty.list, ty.key), nil, &out)
	if len(out.List.Nodes) != out.List.TotalCount || len(out.List.Nodes) != len(ty.keys) {
		t.Fatalf("%s: %d items of %d; dataset has %d", ty.list, len(out.List.Nodes), out.List.TotalCount, len(ty.keys))
	}
	ids := map[string]string{}
	for _, n := range out.List.Nodes {
		ids[n[ty.key]] = n["id"]
	}
	for _, k := range ty.keys {
		if ids[k] == "" {
			t.Fatalf("%s: %s has no id in the list", ty.list, k)
		}
	}
	return ids
}

// nidNodes runs nodes(ids:) and returns the list and the errors.
func nidNodes(t *testing.T, api *apitest.API, ids []string) ([]*nidNode, []apitest.Error) {
	t.Helper()
	r := api.Query(`query($ids: [ID!]!) { nodes(ids: $ids) { `+nidSel+` } }`, map[string]any{"ids": ids})
	var out struct{ Nodes []*nidNode }
	if err := json.Unmarshal(r.Data, &out); err != nil || r.Data == nil || string(r.Data) == "null" {
		t.Fatalf("nodes: no data (%v): %+v", err, r.Errors)
	}
	if len(out.Nodes) != len(ids) {
		t.Fatalf("nodes: %d results for %d ids", len(out.Nodes), len(ids))
	}
	return out.Nodes, r.Errors
}

// nidPath is an error's path as "nodes.1".
func nidPath(e apitest.Error) string {
	var parts []string
	for _, p := range e.Path {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ".")
}

// Every type's ids fetch the same objects back through node, nodes and the root fields.
func TestNodeGlobalIDs(t *testing.T) {
	d := apitest.Fixture(12)
	api := apitest.New(t, d)
	types := nidTypes(d)

	ids := map[string]map[string]string{} // type → key → id
	for _, ty := range types {
		ids[ty.name] = nidList(t, api, ty)
	}
	// someOther is an id of another type, for the type mismatch.
	someOther := func(ty nidType) (string, string) {
		for _, o := range types {
			if o.name != ty.name {
				return o.name, ids[o.name][o.keys[0]]
			}
		}
		panic("one type only")
	}

	t.Run("ids are opaque, unique and stable", func(t *testing.T) {
		seen := map[string]string{}
		for _, ty := range types {
			again := nidList(t, api, ty)
			for _, k := range ty.keys {
				id := ids[ty.name][k]
				if again[k] != id {
					t.Errorf("%s %s: id %q then %q", ty.name, k, id, again[k])
				}
				if strings.Contains(id, k) || id == ty.name+":"+k {
					t.Errorf("%s %s: id %q is not opaque", ty.name, k, id)
				}
				if other, dup := seen[id]; dup {
					t.Errorf("id %q names both %s and %s:%s", id, other, ty.name, k)
				}
				seen[id] = ty.name + ":" + k
			}
		}
	})

	for _, ty := range types {
		t.Run(ty.name, func(t *testing.T) {
			mine := ids[ty.name]

			t.Run("node(id:) returns the object", func(t *testing.T) {
				var q strings.Builder
				q.WriteString("{")
				for i, k := range ty.keys {
					fmt.Fprintf(&q, " n%d: node(id: %q) { %s }", i, mine[k], nidSel)
				}
				q.WriteString(" }")
				var out map[string]*nidNode
				api.Must(t, q.String(), nil, &out)
				for i, k := range ty.keys {
					got := out[fmt.Sprintf("n%d", i)]
					if want := ty.name + ":" + k; got.key() != want || got.ID != mine[k] {
						t.Errorf("node(id: %s): got %s id %v, want %s id %s", mine[k], got.key(), got, want, mine[k])
					}
				}
			})

			t.Run("nodes(ids:) returns them in the given order", func(t *testing.T) {
				order := slices.Clone(ty.keys)
				slices.Reverse(order)
				order = append(order, order[0]) // a repeated id is answered twice
				var list []string
				for _, k := range order {
					list = append(list, mine[k])
				}
				got, errs := nidNodes(t, api, list)
				if len(errs) > 0 {
					t.Fatalf("errors: %+v", errs)
				}
				for i, k := range order {
					if want := ty.name + ":" + k; got[i].key() != want || got[i].ID != list[i] {
						t.Errorf("nodes[%d] = %s, want %s", i, got[i].key(), want)
					}
				}
			})

			t.Run("nodes(ids:) with a missing object", func(t *testing.T) {
				missing := nidFabricate(ty.name, ty.local)
				list := []string{mine[ty.keys[0]], missing, mine[ty.keys[1]], missing}
				got, errs := nidNodes(t, api, list)
				for _, i := range []int{0, 2} {
					if want := ty.name + ":" + ty.keys[i/2]; got[i].key() != want {
						t.Errorf("nodes[%d] = %s, want %s", i, got[i].key(), want)
					}
				}
				for _, i := range []int{1, 3} {
					if got[i] != nil {
						t.Errorf("nodes[%d] = %s for a missing object, want null", i, got[i].key())
					}
				}
				paths := []string{}
				for _, e := range errs {
					if e.Code() != "NOT_FOUND" {
						t.Errorf("error %+v, want NOT_FOUND", e)
					}
					paths = append(paths, nidPath(e))
				}
				slices.Sort(paths)
				if want := []string{"nodes.1", "nodes.3"}; !slices.Equal(paths, want) {
					t.Errorf("error paths %q, want %q (one NOT_FOUND per missing id, at its index)", paths, want)
				}
			})

			t.Run("root field by id and by "+ty.key+" agree", func(t *testing.T) {
				q := fmt.Sprintf(`query($id: ID, $key: String) { byID: %[1]s(id: $id) { __typename id %[2]s } byKey: %[1]s(%[2]s: $key) { __typename id %[2]s } }`,
					ty.root, ty.key)
				for _, k := range ty.keys {
					keys := []string{k}
					if ty.key == "code" { // codes are case-insensitive
						keys = append(keys, strings.ToLower(k), strings.ToLower(k[:1])+k[1:])
					}
					for _, key := range keys {
						var out struct{ ByID, ByKey *nidNode }
						api.Must(t, q, map[string]any{"id": mine[k], "key": key}, &out)
						want := ty.name + ":" + k
						if out.ByID.key() != want || out.ByKey.key() != want || out.ByID.ID != mine[k] || out.ByKey.ID != mine[k] {
							t.Errorf("%s(id: %s) = %v, %s(%s: %q) = %v, want %s", ty.root, mine[k], out.ByID, ty.root, ty.key, key, out.ByKey, want)
						}
					}
				}
			})

			t.Run("id of another type is BAD_USER_INPUT", func(t *testing.T) {
				otherType, other := someOther(ty)
				q := fmt.Sprintf(`query($id: ID) { %s(id: $id) { id } }`, ty.root)
				r := api.Query(q, map[string]any{"id": other})
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Fatalf("%s(id: <a %s id>): errors %+v, want one BAD_USER_INPUT", ty.root, otherType, r.Errors)
				}
				var out map[string]any
				_ = json.Unmarshal(r.Data, &out)
				if out[ty.root] != nil {
					t.Errorf("%s(id: <a %s id>) = %v, want null", ty.root, otherType, out[ty.root])
				}
			})

			t.Run("missing object by id or by key is NOT_FOUND", func(t *testing.T) {
				for _, args := range []map[string]any{
					{"id": nidFabricate(ty.name, ty.local)},
					{ty.key: "no-such-" + ty.key},
				} {
					var arg string
					for name := range args {
						arg = name
					}
					typ := "ID"
					if arg != "id" {
						typ = "String"
					}
					q := fmt.Sprintf(`query($v: %s) { %s(%s: $v) { id } }`, typ, ty.root, arg)
					r := api.Query(q, map[string]any{"v": args[arg]})
					if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || nidPath(r.Errors[0]) != ty.root {
						t.Errorf("%s(%s: %v): errors %+v, want one NOT_FOUND at %s", ty.root, arg, args[arg], r.Errors, ty.root)
					}
					var out map[string]any
					_ = json.Unmarshal(r.Data, &out)
					if out[ty.root] != nil {
						t.Errorf("%s(%s: %v) = %v, want null", ty.root, arg, args[arg], out[ty.root])
					}
				}
			})

			t.Run("both or neither of id and "+ty.key+" is BAD_USER_INPUT", func(t *testing.T) {
				k := ty.keys[0]
				api.Fails(t, "BAD_USER_INPUT", fmt.Sprintf(`query($id: ID, $k: String) { %s(id: $id, %s: $k) { id } }`, ty.root, ty.key),
					map[string]any{"id": mine[k], "k": k})
				api.Fails(t, "BAD_USER_INPUT", fmt.Sprintf(`{ %s { id } }`, ty.root), nil)
			})
		})
	}

	t.Run("nodes of every type in one request", func(t *testing.T) {
		var list, want []string
		for _, ty := range types {
			for _, k := range ty.keys[:2] {
				list = append(list, ids[ty.name][k])
				want = append(want, ty.name+":"+k)
			}
		}
		// interleave the types
		slices.Reverse(list)
		slices.Reverse(want)
		got, errs := nidNodes(t, api, list)
		if len(errs) > 0 {
			t.Fatalf("errors: %+v", errs)
		}
		for i := range want {
			if got[i].key() != want[i] {
				t.Errorf("nodes[%d] = %s, want %s", i, got[i].key(), want[i])
			}
		}
	})

	t.Run("nodes of no ids, and of too many", func(t *testing.T) {
		got, errs := nidNodes(t, api, []string{})
		if len(got) != 0 || len(errs) != 0 {
			t.Errorf("nodes(ids: []) = %v, errors %+v; want an empty list", got, errs)
		}
		var many []string
		for range 101 {
			many = append(many, ids["Coalition"][types[0].keys[0]])
		}
		api.Fails(t, "LIST_TOO_LONG", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many})
	})

	t.Run("malformed ids are BAD_USER_INPUT", func(t *testing.T) {
		slug := types[0].keys[0] // a slug is not an id
		for _, id := range []string{slug, "", "not base64!", nidFabricate("Planet", "0123456789abcdef01234567"),
			nidFabricate("Coalition", ""), base64.RawURLEncoding.EncodeToString([]byte("Coalition"))} {
			r := api.Query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("node(id: %q): errors %+v, want one BAD_USER_INPUT", id, r.Errors)
			}
		}
		// in nodes, a malformed id fails its own position only
		got, errs := nidNodes(t, api, []string{ids["Coalition"][types[0].keys[0]], slug})
		if got[0].key() != "Coalition:"+types[0].keys[0] || got[1] != nil {
			t.Errorf("nodes = [%s %s], want the coalition then null", got[0].key(), got[1].key())
		}
		if len(errs) != 1 || errs[0].Code() != "BAD_USER_INPUT" || nidPath(errs[0]) != "nodes.1" {
			t.Errorf("errors %+v, want one BAD_USER_INPUT at nodes 1", errs)
		}
	})

	t.Run("node of a missing object is null with NOT_FOUND", func(t *testing.T) {
		for _, ty := range types {
			r := api.Query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": nidFabricate(ty.name, ty.local)})
			if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || nidPath(r.Errors[0]) != "node" {
				t.Errorf("node(id: <missing %s>): errors %+v, want one NOT_FOUND at node", ty.name, r.Errors)
			}
			var out struct{ Node *nidNode }
			_ = json.Unmarshal(r.Data, &out)
			if out.Node != nil {
				t.Errorf("node(id: <missing %s>) = %s, want null", ty.name, out.Node.key())
			}
		}
	})

	t.Run("ids survive an update of the content", func(t *testing.T) {
		if err := seed.Load(context.Background(), api.Store, d); err != nil {
			t.Fatal(err)
		}
		for _, ty := range types {
			again := nidList(t, api, ty)
			for _, k := range ty.keys {
				if again[k] != ids[ty.name][k] {
					t.Errorf("%s %s: id %q became %q after the content was loaded again", ty.name, k, ids[ty.name][k], again[k])
				}
			}
		}
	})
}
