package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/seed"
)

// The model-based test of editing (issue 9): random sequences of writes through the GraphQL endpoint against a
// plain in-memory model of the two stages. The model predicts each write's outcome (success, or the error's code
// and field); after every step the draft stage (EDITOR key, Stage: DRAFT) and the published one (anonymous) must
// answer what the model holds, and the published answers must form a closed graph.

const (
	modelSeed  = 2
	modelSteps = 400
)

// mType is a content type as the model and the API name it.
type mType struct {
	name  string // the type, which the mutations end with: "Coalition"
	root  string // its payload field and root field: "coalition"
	list  string // its list: "coalitions"
	title string // the field the model calls the name: "name" or "title"
	// rels are the relations the type owns, which the model follows: relation name → target type ("" any).
	rels map[string]string
}

var (
	mCoalition   = &mType{"Coalition", "coalition", "coalitions", "name", map[string]string{"members": "Stakeholder"}}
	mStakeholder = &mType{"Stakeholder", "stakeholder", "stakeholders", "name", nil}
	mInitiative  = &mType{"Initiative", "initiative", "initiatives", "name", map[string]string{"partners": "Stakeholder", "coalitions": "Coalition"}}
	mSection     = &mType{"ToolkitSection", "toolkitSection", "toolkitSections", "title", map[string]string{"parent": "ToolkitSection"}}
	mPost        = &mType{"BlogPost", "blogPost", "blogPosts", "title", map[string]string{"authors": "Stakeholder", "publisher": "Stakeholder", "mentions": ""}}
	mTypes       = []*mType{mCoalition, mStakeholder, mInitiative, mSection, mPost}
)

// ordered are the relations whose order the API keeps (a post's mentions); the others are compared as sets.
var ordered = map[string]bool{"mentions": true}

// mItem is an item of the model: its draft, and its published copy when it is published.
type mItem struct {
	typ     *mType
	id      string // global ID
	local   string // the store's id, which orders referrers
	person  bool   // a stakeholder's kind
	version int
	status  string
	name    string
	refs    map[string][]string // draft references by relation, global IDs
	// a toolkit section's place in the draft tree; seq orders writes, as updatedAt orders a section's siblings
	order  int
	number string
	anc    []string
	seq    int
	pub    *mCopy
}

// mCopy is an item's published copy: its draft as of its publication, with the references it then intended.
type mCopy struct {
	version int
	name    string
	refs    map[string][]string
}

// model is the two stages: the items in creation order.
type model struct {
	items []*mItem
	seq   int
}

func (m *model) get(id string) *mItem {
	for _, it := range m.items {
		if it.id == id {
			return it
		}
	}
	return nil
}

func (m *model) of(t *mType) []*mItem {
	var out []*mItem
	for _, it := range m.items {
		if it.typ == t {
			out = append(out, it)
		}
	}
	return out
}

// write is what every write does to the item's draft: the next version.
func (m *model) write(it *mItem) {
	it.version++
	m.seq++
	it.seq = m.seq
}

// edit is a write of the draft's content: a published item becomes CHANGED.
func (m *model) edit(it *mItem) {
	m.write(it)
	if it.pub != nil {
		it.status = "CHANGED"
	}
}

func (m *model) publish(it *mItem) {
	m.write(it)
	it.status = "PUBLISHED"
	it.pub = &mCopy{version: it.version, name: it.name, refs: cloneRefs(it.refs)}
}

func (m *model) unpublish(it *mItem) {
	m.write(it)
	it.status, it.pub = "DRAFT", nil
}

func cloneRefs(refs map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range refs {
		if len(v) > 0 {
			out[k] = slices.Clone(v)
		}
	}
	return out
}

// mRef is a reference of a draft to an item: the referrer and the relation.
type mRef struct {
	from *mItem
	rel  string
}

// referrers are the drafts that refer to id, in the store's order: by type, relation, then id.
func (m *model) referrers(id string) []mRef {
	var out []mRef
	for _, t := range mTypes {
		rels := make([]string, 0, len(t.rels))
		for r := range t.rels {
			rels = append(rels, r)
		}
		slices.Sort(rels)
		for _, r := range rels {
			var from []*mItem
			for _, it := range m.of(t) {
				if slices.Contains(it.refs[r], id) {
					from = append(from, it)
				}
			}
			slices.SortFunc(from, func(a, b *mItem) int { return strings.Compare(a.local, b.local) })
			for _, it := range from {
				out = append(out, mRef{it, r})
			}
		}
	}
	return out
}

// remove deletes the item from both stages; with detach, each reference to it goes first, each a new version of
// its referrer (a sub-section becomes a chapter, and the toolkit is renumbered).
func (m *model) remove(it *mItem) {
	m.detach(it)
	m.items = slices.DeleteFunc(m.items, func(x *mItem) bool { return x == it })
}

// detach removes the references to it from its referrers.
func (m *model) detach(it *mItem) {
	for _, r := range m.referrers(it.id) {
		r.from.refs[r.rel] = slices.DeleteFunc(r.from.refs[r.rel], func(x string) bool { return x == it.id })
		if r.rel == "parent" {
			m.place(r.from, nil, r.from.order)
		}
		m.edit(r.from)
		if r.rel == "parent" {
			m.retile()
		}
	}
}

func (m *model) parentOf(s *mItem) *mItem {
	if p := s.refs["parent"]; len(p) == 1 {
		return m.get(p[0])
	}
	return nil
}

// place puts a section under parent (nil: a chapter) at order, deriving its number and ancestors.
func (m *model) place(s, parent *mItem, order int) {
	s.order, s.number, s.anc = order, strconv.Itoa(order), []string{}
	s.refs["parent"] = nil
	if parent != nil {
		s.refs["parent"] = []string{parent.id}
		s.number = parent.number + "." + s.number
		s.anc = append(slices.Clone(parent.anc), parent.id)
	}
}

// retile renumbers the draft toolkit after a move, as the store does: each parent's sections get the orders 1, 2, …
// (of two with one order, the one written last first), and each section whose place changed is a new version.
func (m *model) retile() {
	kids := map[string][]*mItem{}
	for _, s := range m.of(mSection) {
		p := ""
		if parent := m.parentOf(s); parent != nil {
			p = parent.id
		}
		kids[p] = append(kids[p], s)
	}
	var walk func(parent *mItem)
	walk = func(parent *mItem) {
		pid := ""
		if parent != nil {
			pid = parent.id
		}
		list := kids[pid]
		slices.SortStableFunc(list, func(a, b *mItem) int {
			if a.order != b.order {
				return a.order - b.order
			}
			return b.seq - a.seq
		})
		for i, s := range list {
			was := *s
			m.place(s, parent, i+1)
			if was.order != s.order || was.number != s.number || !slices.Equal(was.anc, s.anc) {
				m.edit(s)
			}
			walk(s)
		}
	}
	walk(nil)
}

// isPublished tells whether id is an item of the published stage.
func (m *model) isPublished(id string) bool {
	it := m.get(id)
	return it != nil && it.pub != nil
}

// publishedChildren tells whether a published section has id as its parent.
func (m *model) publishedChildren(id string) bool {
	return slices.ContainsFunc(m.of(mSection), func(s *mItem) bool { return s.pub != nil && slices.Contains(s.pub.refs["parent"], id) })
}

// view is one item as a stage shows it, the model's or the API's.
type view struct {
	Type, Name, Status string
	Version            int
	PublishedVersion   int
	Number             string
	Refs               map[string][]string
}

func normalRefs(refs map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range refs {
		if len(v) == 0 {
			continue
		}
		v = slices.Clone(v)
		if !ordered[k] {
			slices.Sort(v)
		}
		out[k] = v
	}
	return out
}

// draft is the draft stage as the model holds it.
func (m *model) draft() map[string]view {
	out := map[string]view{}
	for _, it := range m.items {
		v := view{Type: it.typ.name, Name: it.name, Status: it.status, Version: it.version, Number: it.number, Refs: normalRefs(it.refs)}
		if it.pub != nil {
			v.PublishedVersion = it.pub.version
		}
		out[it.id] = v
	}
	return out
}

// published is the published stage as the model holds it: each copy's intended references, narrowed to the
// items published now.
func (m *model) published() map[string]view {
	out := map[string]view{}
	for _, it := range m.items {
		if it.pub == nil {
			continue
		}
		refs := map[string][]string{}
		for r, ids := range it.pub.refs {
			refs[r] = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !m.isPublished(id) })
		}
		out[it.id] = view{Type: it.typ.name, Name: it.pub.name, Status: "PUBLISHED", Version: it.pub.version, PublishedVersion: it.pub.version, Refs: normalRefs(refs)}
	}
	return out
}

// stageQuery reads every item of a stage with its record and relations.
const stageQuery = `{
  coalitions(first: 100) { nodes { id version publicationStatus publishedVersion name members(first: 100) { edges { node { id } } } } }
  stakeholders(first: 100) { nodes { id version publicationStatus publishedVersion name } }
  initiatives(first: 100) { nodes { id version publicationStatus publishedVersion name partners(first: 100) { nodes { id } } coalitions(first: 100) { nodes { id } } } }
  toolkitSections(first: 100) { nodes { id version publicationStatus publishedVersion name: title number parent { id } ancestors { id } } }
  blogPosts(first: 100) { nodes { id version publicationStatus publishedVersion name: title publisher { id } authors(first: 100) { nodes { id } } mentions(first: 100) { nodes { ... on Node { id } } } } }
}`

type idOnly struct{ ID string }

type idPage struct{ Nodes []idOnly }

// stageNode is an item of stageQuery's answer.
type stageNode struct {
	ID                string
	Version           int
	PublicationStatus string
	PublishedVersion  *int
	Name              string
	Number            string
	Members           *struct{ Edges []struct{ Node idOnly } }
	Partners          *idPage
	Coalitions        *idPage
	Authors           *idPage
	Mentions          *idPage
	Publisher, Parent *idOnly
	Ancestors         []idOnly
}

func (n stageNode) refs() map[string][]string {
	refs := map[string][]string{}
	ids := func(p *idPage) []string {
		if p == nil {
			return nil
		}
		var out []string
		for _, x := range p.Nodes {
			out = append(out, x.ID)
		}
		return out
	}
	if n.Members != nil {
		for _, e := range n.Members.Edges {
			refs["members"] = append(refs["members"], e.Node.ID)
		}
	}
	refs["partners"], refs["coalitions"], refs["authors"], refs["mentions"] = ids(n.Partners), ids(n.Coalitions), ids(n.Authors), ids(n.Mentions)
	for r, one := range map[string]*idOnly{"publisher": n.Publisher, "parent": n.Parent} {
		if one != nil {
			refs[r] = []string{one.ID}
		}
	}
	return normalRefs(refs)
}

// modelRun is one run of the model-based test: the API, the model, the random source and the steps so far.
type modelRun struct {
	t    *testing.T
	e    *editorClient
	m    *model
	rng  *rand.Rand
	step int
	log  []string
	// errs are the errors of the last mutation; tally counts the mutations by name and outcome
	errs  []apitest.Error
	tally map[string]int
}

// stage reads a stage from the API (h: the draft stage's headers, nil for the public) as views, and the ancestors
// each published section shows.
func (r *modelRun) stage(h http.Header) (map[string]view, map[string][]string) {
	res := r.e.api.QueryWith(h, stageQuery, nil)
	var out map[string]struct{ Nodes []stageNode }
	if err := json.Unmarshal(res.Data, &out); err != nil || len(res.Errors) > 0 {
		r.fail("reading the stage (draft: %v): %+v %v", h != nil, res.Errors, err)
	}
	views, ancestors := map[string]view{}, map[string][]string{}
	for _, t := range mTypes {
		for _, n := range out[t.list].Nodes {
			v := view{Type: t.name, Name: n.Name, Status: n.PublicationStatus, Version: n.Version, Refs: n.refs()}
			if n.PublishedVersion != nil {
				v.PublishedVersion = *n.PublishedVersion
			}
			if h != nil && t == mSection {
				v.Number = n.Number
			}
			views[n.ID] = v
			for _, a := range n.Ancestors {
				ancestors[n.ID] = append(ancestors[n.ID], a.ID)
			}
		}
	}
	return views, ancestors
}

// check compares both stages with the model, and checks that the published one is closed.
func (r *modelRun) check() {
	r.t.Helper()
	draft, _ := r.stage(r.e.draft())
	r.compare("draft", draft, r.m.draft())
	pub, ancestors := r.stage(nil)
	r.compare("published", pub, r.m.published())
	for id, v := range pub {
		for rel, ids := range v.Refs {
			for _, to := range ids {
				if _, ok := pub[to]; !ok {
					r.fail("the published %s %s refers through %s to %s, which is not published", v.Type, id, rel, to)
				}
			}
		}
		for _, to := range ancestors[id] {
			if _, ok := pub[to]; !ok {
				r.fail("the published section %s has the ancestor %s, which is not published", id, to)
			}
		}
	}
}

func (r *modelRun) compare(stage string, got, want map[string]view) {
	r.t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	var diffs []string
	for id, w := range want {
		if g, ok := got[id]; !ok {
			diffs = append(diffs, fmt.Sprintf("missing %s %s: want %+v", w.Type, id, w))
		} else if !reflect.DeepEqual(g, w) {
			diffs = append(diffs, fmt.Sprintf("%s %s:\n\t got %+v\n\twant %+v", w.Type, id, g, w))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected %s %s: %+v", g.Type, id, g))
		}
	}
	slices.Sort(diffs)
	r.fail("the %s stage differs from the model:\n%s", stage, strings.Join(diffs, "\n"))
}

// fail ends the test with the steps that led there.
func (r *modelRun) fail(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("step %d (seed %d): %s\nsteps:\n%s", r.step, modelSeed, fmt.Sprintf(format, args...), strings.Join(r.log, "\n"))
}

// refusal is the error the model predicts: its code and the argument it names.
type refusal struct{ code, field string }

// mutate sends a mutation whose root field is aliased m and whose item is aliased item, and checks its outcome
// against want (nil: success). On success it returns the payload's item (nil for a delete).
func (r *modelRun) mutate(want *refusal, query string, vars map[string]any) map[string]any {
	r.t.Helper()
	v, _ := json.Marshal(vars)
	name, _, _ := strings.Cut(strings.TrimSpace(query[strings.Index(query, "m: ")+3:]), "(")
	r.log = append(r.log, fmt.Sprintf("%3d %s %s → %v", r.step, name, v, want))
	outcome := "ok"
	if want != nil {
		outcome = want.code + " " + want.field
	}
	r.tally[name+": "+outcome]++
	res := r.e.api.QueryWith(r.e.header, query, vars)
	r.errs = res.Errors
	if res.Status >= 500 {
		r.fail("status %d: %+v", res.Status, res.Errors)
	}
	var data struct{ M map[string]any }
	_ = json.Unmarshal(res.Data, &data)
	if want == nil {
		if len(res.Errors) > 0 || data.M == nil {
			r.fail("want success, got %+v", res.Errors)
		}
		item, _ := data.M["item"].(map[string]any)
		return item
	}
	if len(res.Errors) == 0 || data.M != nil {
		r.fail("want %s naming %s, got %s", want.code, want.field, res.Data)
	}
	got := res.Errors[0]
	if f, _ := got.Extensions["field"].(string); got.Code() != want.code || f != want.field {
		r.fail("want %s naming %s, got %+v", want.code, want.field, res.Errors)
	}
	return nil
}

// payloadIs checks a payload's item against the model's draft of it.
func (r *modelRun) payloadIs(item map[string]any, it *mItem) {
	r.t.Helper()
	if item["id"] != it.id || item["version"] != float64(it.version) {
		r.fail("the payload shows %v, the model %s at version %d", item, it.id, it.version)
	}
}

func (r *modelRun) pick(items []*mItem) *mItem {
	if len(items) == 0 {
		return nil
	}
	return items[r.rng.IntN(len(items))]
}

// some is a random subset of items' IDs, at most n, in random order.
func (r *modelRun) some(items []*mItem, n int) []string {
	out := []string{}
	for _, i := range r.rng.Perm(len(items)) {
		if len(out) == n {
			break
		}
		if r.rng.IntN(2) == 0 {
			out = append(out, items[i].id)
		}
	}
	return out
}

func (r *modelRun) stakeholders(person bool) []*mItem {
	return slices.DeleteFunc(r.m.of(mStakeholder), func(s *mItem) bool { return s.person != person })
}

// maxPerType bounds the items of each type, so that every list fits a page and relations stay dense.
const maxPerType = 6

// create creates an item of a random type with random references to the drafts.
func (r *modelRun) create() bool {
	t := mTypes[r.rng.IntN(len(mTypes))]
	if len(r.m.of(t)) >= maxPerType {
		return false
	}
	it := &mItem{typ: t, status: "DRAFT", name: fmt.Sprintf("%s %d", t.name, r.step), refs: map[string][]string{}}
	input := map[string]any{"slug": fmt.Sprintf("%s-%d", strings.ToLower(t.name), r.step), t.title: it.name}
	switch t {
	case mCoalition:
		input["country"], input["status"], input["scope"] = "IE", "ACTIVE", "LOCAL"
	case mStakeholder:
		it.person = r.rng.IntN(2) == 0
		input["kind"], input["category"] = "ORGANISATION", "NGO"
		if it.person {
			input["kind"] = "PERSON"
		}
	case mInitiative:
		it.refs["partners"], it.refs["coalitions"] = r.some(r.m.of(mStakeholder), 3), r.some(r.m.of(mCoalition), 2)
		input["scope"], input["partners"], input["coalitions"] = "LOCAL", it.refs["partners"], it.refs["coalitions"]
	case mSection:
		parent := r.pick(r.m.of(mSection))
		if r.rng.IntN(3) == 0 {
			parent = nil
		}
		order := 1 // after its siblings: no two siblings share an order
		for _, s := range r.m.of(mSection) {
			if r.m.parentOf(s) == parent {
				order = max(order, s.order+1)
			}
		}
		r.m.place(it, parent, order)
		input["order"] = order
		if parent != nil {
			input["parent"] = parent.id
		}
	case mPost:
		it.refs["authors"], it.refs["mentions"] = r.some(r.stakeholders(true), 2), r.some(r.m.items, 3)
		input["authors"], input["mentions"] = it.refs["authors"], it.refs["mentions"]
		if p := r.pick(r.stakeholders(false)); p != nil && r.rng.IntN(2) == 0 {
			it.refs["publisher"] = []string{p.id}
			input["publisher"] = p.id
		}
	}
	item := r.mutate(nil, `mutation($input: Create`+t.name+`Input!) { m: create`+t.name+`(input: $input) { item: `+t.root+` { id version } } }`, map[string]any{"input": input})
	it.id, _ = item["id"].(string)
	if _, local, err := content.ParseGlobalID("id", it.id); err == nil {
		it.local = local
	}
	r.m.items = append(r.m.items, it)
	r.m.write(it)
	r.payloadIs(item, it)
	return true
}

// update sends an update of the item with input, made against version, which the model applies with apply.
func (r *modelRun) update(it *mItem, version int, input map[string]any, apply func()) {
	var want *refusal
	if version != it.version {
		want = &refusal{"CONFLICT", "expectedVersion"}
	}
	item := r.mutate(want, `mutation($id: ID!, $v: Int!, $input: Update`+it.typ.name+`Input!) { m: update`+it.typ.name+`(id: $id, expectedVersion: $v, input: $input) { item: `+it.typ.root+` { id version } } }`,
		map[string]any{"id": it.id, "v": version, "input": input})
	if want == nil {
		apply()
		r.m.edit(it)
		r.payloadIs(item, it)
	}
}

// rename gives an item a new name.
func (r *modelRun) rename() bool {
	it := r.pick(r.m.items)
	if it == nil {
		return false
	}
	name := fmt.Sprintf("%s %d renamed", it.typ.name, r.step)
	r.update(it, it.version, map[string]any{it.typ.title: name}, func() { it.name = name })
	return true
}

// relink gives an initiative new partners or coalitions, or a post new authors, publisher or mentions.
func (r *modelRun) relink() bool {
	it := r.pick(append(r.m.of(mInitiative), r.m.of(mPost)...))
	if it == nil {
		return false
	}
	refs := map[string][]string{}
	if it.typ == mInitiative {
		refs["partners"], refs["coalitions"] = r.some(r.m.of(mStakeholder), 3), r.some(r.m.of(mCoalition), 2)
	} else {
		others := slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool { return x == it })
		refs["authors"], refs["mentions"] = r.some(r.stakeholders(true), 2), r.some(others, 3)
		refs["publisher"] = nil
		if p := r.pick(r.stakeholders(false)); p != nil && r.rng.IntN(2) == 0 {
			refs["publisher"] = []string{p.id}
		}
	}
	input := map[string]any{}
	for _, rel := range slices.Sorted(maps.Keys(refs)) {
		ids := refs[rel]
		if r.rng.IntN(3) == 0 {
			delete(refs, rel) // left out: unchanged
			continue
		}
		input[rel] = ids
		if rel == "publisher" {
			input[rel] = nil
			if len(ids) > 0 {
				input[rel] = ids[0]
			}
		}
	}
	if len(input) == 0 {
		return false
	}
	r.update(it, it.version, input, func() {
		for rel, ids := range refs {
			it.refs[rel] = ids
		}
	})
	return true
}

// publishRefusal is the model's verdict on publishing it at version.
func (r *modelRun) publishRefusal(it *mItem, version int) *refusal {
	if p := r.m.parentOf(it); p != nil && p.pub == nil {
		return &refusal{"CONFLICT", "parent"}
	}
	if version != it.version {
		return &refusal{"CONFLICT", "expectedVersion"}
	}
	return nil
}

// stageAt publishes or unpublishes (op) the item at version, as the model predicts.
func (r *modelRun) stageAt(op string, it *mItem, version int) {
	want, apply := r.publishRefusal(it, version), r.m.publish
	if op == "unpublish" {
		want, apply = r.unpublishRefusal(it, version), r.m.unpublish
	}
	item := r.mutate(want, `mutation($id: ID!, $v: Int!) { m: `+op+it.typ.name+`(id: $id, expectedVersion: $v) { item: `+it.typ.root+` { id version } } }`,
		map[string]any{"id": it.id, "v": version})
	if want == nil {
		apply(it)
		r.payloadIs(item, it)
	}
}

// publish publishes a draft or a changed item (now and then a published one again).
func (r *modelRun) publish() bool {
	it := r.pick(slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool {
		return x.status == "PUBLISHED" && r.rng.IntN(4) != 0 || r.publishRefusal(x, x.version) != nil
	}))
	if it == nil {
		return false
	}
	r.stageAt("publish", it, it.version)
	return true
}

// unpublishRefusal is the model's verdict on unpublishing it at version.
func (r *modelRun) unpublishRefusal(it *mItem, version int) *refusal {
	if r.m.publishedChildren(it.id) {
		return &refusal{"CONFLICT", "children"}
	}
	if version != it.version {
		return &refusal{"CONFLICT", "expectedVersion"}
	}
	if it.pub == nil {
		return &refusal{"CONFLICT", "id"}
	}
	return nil
}

func (r *modelRun) unpublish() bool {
	it := r.pick(slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool { return r.unpublishRefusal(x, x.version) != nil }))
	if it == nil {
		return false
	}
	r.stageAt("unpublish", it, it.version)
	return true
}

// move moves a section under another one (never under itself or its sub-sections) or to the chapters, at a random
// position among its new siblings, or now and then beyond them.
func (r *modelRun) move() bool {
	s := r.pick(r.m.of(mSection))
	if s == nil {
		return false
	}
	parent := r.pick(slices.DeleteFunc(r.m.of(mSection), func(x *mItem) bool { return x == s || slices.Contains(x.anc, s.id) }))
	if r.rng.IntN(3) == 0 {
		parent = nil
	}
	siblings := 0
	for _, x := range r.m.of(mSection) {
		if x != s && r.m.parentOf(x) == parent {
			siblings++
		}
	}
	position := 1 + r.rng.IntN(siblings+2)
	vars := map[string]any{"id": s.id, "v": s.version, "position": position, "parent": nil}
	if parent != nil {
		vars["parent"] = parent.id
	}
	item := r.mutate(nil, `mutation($id: ID!, $v: Int!, $parent: ID, $position: Int!) { m: moveToolkitSection(id: $id, expectedVersion: $v, parent: $parent, position: $position) { item: toolkitSection { id version } } }`, vars)
	moved := r.m.parentOf(s) != parent || s.order != position
	r.m.place(s, parent, position)
	r.m.edit(s)
	if moved {
		r.m.retile()
	}
	r.payloadIs(item, s)
	return true
}

// deletable tells whether the model can follow a delete of it. The store renumbers the toolkit after each
// sub-section it detaches: two detached in one request may tie within a millisecond, in an order the model cannot
// know, so a detaching delete of a section with more than one sub-section is left out.
func (r *modelRun) deletable(it *mItem, detach bool) bool {
	children := 0
	for _, ref := range r.m.referrers(it.id) {
		if ref.rel == "parent" {
			children++
		}
	}
	return !detach || children <= 1
}

func (r *modelRun) deleteAt(it *mItem, version int, detach bool) {
	var want *refusal
	switch {
	case version != it.version:
		want = &refusal{"CONFLICT", "expectedVersion"}
	case r.m.publishedChildren(it.id):
		// the published sub-sections name it as their parent: they are unpublished first
		want = &refusal{"CONFLICT", "children"}
	case !detach && len(r.m.referrers(it.id)) > 0:
		want = &refusal{"CONFLICT", "id"}
	}
	r.mutate(want, `mutation($id: ID!, $v: Int!, $detach: Boolean) { m: delete`+it.typ.name+`(id: $id, expectedVersion: $v, detach: $detach) { deletedId } }`,
		map[string]any{"id": it.id, "v": version, "detach": detach})
	if want != nil && want.field == "id" {
		// the refusal names the referrers: each the model's, once for each relation
		var got, wantRefs []string
		list, _ := r.errs[0].Extensions["referrers"].([]any)
		for _, x := range list {
			ref, _ := x.(map[string]any)
			got = append(got, fmt.Sprint(ref["type"], " ", ref["id"]))
		}
		for _, ref := range r.m.referrers(it.id) {
			wantRefs = append(wantRefs, ref.from.typ.name+" "+ref.from.id)
		}
		slices.Sort(got)
		slices.Sort(wantRefs)
		if !slices.Equal(got, wantRefs) {
			r.fail("deleting %s names the referrers %v, the model %v", it.id, got, wantRefs)
		}
	}
	if want == nil {
		if refs := len(r.m.referrers(it.id)); refs > 0 {
			r.tally["references detached"] += refs
		}
		r.m.remove(it)
	}
}

// del deletes an item: one that nothing refers to, or, with detach, any that the model can follow.
func (r *modelRun) del(detach bool) bool {
	it := r.pick(slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool {
		return !detach && len(r.m.referrers(x.id)) > 0 || !r.deletable(x, detach)
	}))
	if it == nil {
		return false
	}
	r.deleteAt(it, it.version, detach)
	return true
}

// member adds a stakeholder to a coalition, or removes one.
func (r *modelRun) member() bool {
	c := r.pick(r.m.of(mCoalition))
	s := r.pick(r.m.of(mStakeholder))
	if c == nil || s == nil {
		return false
	}
	vars := map[string]any{"c": c.id, "v": c.version, "s": s.id}
	at := slices.Index(c.refs["members"], s.id)
	if at < 0 {
		item := r.mutate(nil, `mutation($c: ID!, $v: Int!, $s: ID!) { m: addCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s, role: MEMBER) { item: coalition { id version } } }`, vars)
		c.refs["members"] = append(c.refs["members"], s.id)
		r.m.edit(c)
		r.payloadIs(item, c)
		return true
	}
	item := r.mutate(nil, `mutation($c: ID!, $v: Int!, $s: ID!) { m: removeCoalitionMember(coalition: $c, expectedVersion: $v, stakeholder: $s) { item: coalition { id version } } }`, vars)
	c.refs["members"] = slices.Delete(c.refs["members"], at, at+1)
	r.m.edit(c)
	r.payloadIs(item, c)
	return true
}

// invalid sends a write the model expects to be refused: a stale version, a delete of a referenced item without
// detach, an unpublish of an item that is not published or of a section with published sub-sections, a publish
// of a section under an unpublished parent.
func (r *modelRun) invalid() bool {
	it := r.pick(r.m.items)
	if it == nil {
		return false
	}
	switch r.rng.IntN(5) {
	case 0:
		stale := it.version - 1 - r.rng.IntN(2)
		if stale < 1 {
			stale = it.version + 1
		}
		switch r.rng.IntN(4) {
		case 0:
			r.update(it, stale, map[string]any{it.typ.title: "Stale"}, nil)
		case 1:
			r.stageAt("publish", it, stale)
		case 2:
			r.stageAt("unpublish", it, stale)
		default:
			r.deleteAt(it, stale, r.rng.IntN(2) == 0)
		}
	case 1:
		referred := r.pick(slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool { return len(r.m.referrers(x.id)) == 0 }))
		if referred == nil {
			return false
		}
		r.deleteAt(referred, referred.version, false)
	case 2:
		draft := r.pick(slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool { return x.pub != nil }))
		if draft == nil {
			return false
		}
		r.stageAt("unpublish", draft, draft.version)
	case 3:
		parent := r.pick(slices.DeleteFunc(slices.Clone(r.m.items), func(x *mItem) bool { return r.unpublishRefusal(x, x.version) == nil || x.pub == nil }))
		if parent == nil {
			return false
		}
		r.stageAt("unpublish", parent, parent.version)
	default:
		orphan := r.pick(slices.DeleteFunc(r.m.of(mSection), func(x *mItem) bool { p := r.m.parentOf(x); return p == nil || p.pub != nil }))
		if orphan == nil {
			return false
		}
		r.stageAt("publish", orphan, orphan.version)
	}
	return true
}

func TestModelEditing(t *testing.T) {
	countries := apitest.Fixture(1).Countries
	api := apitest.New(t, &seed.Dataset{Countries: countries})
	r := &modelRun{t: t, e: &editorClient{api: api, header: api.Editor(t)}, m: &model{}, tally: map[string]int{}, rng: rand.New(rand.NewPCG(modelSeed, 1))}
	ops := []struct {
		weight int
		run    func() bool
	}{
		{10, r.create}, {6, r.rename}, {5, r.relink}, {9, r.publish}, {4, r.unpublish}, {5, r.move},
		{2, func() bool { return r.del(false) }}, {3, func() bool { return r.del(true) }}, {5, r.member}, {5, r.invalid},
	}
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	start := time.Now()
	r.check()
	for r.step = 1; r.step <= modelSteps; r.step++ {
		for done := false; !done; {
			n := r.rng.IntN(total)
			for _, op := range ops {
				if n -= op.weight; n < 0 {
					done = op.run()
					break
				}
			}
		}
		r.check()
	}
	counts := map[string]int{}
	for _, it := range r.m.items {
		counts[it.typ.name+" "+it.status]++
	}
	t.Logf("%d steps (seed %d) in %v; at the end: %v; the writes: %v", modelSteps, modelSeed, time.Since(start).Round(time.Millisecond), counts, r.tally)
}
