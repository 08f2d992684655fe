// Package loader holds the request-scoped dataloaders. Every relation field goes through one, so that a request
// issues a number of database commands that grows with the depth of the query, not with the number of items.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Loaders are the dataloaders of one request.
type Loaders struct {
	Coalition      *Loader[string, *content.Coalition]
	Stakeholder    *Loader[string, *content.Stakeholder]
	Initiative     *Loader[string, *content.Initiative]
	ToolkitSection *Loader[string, *content.ToolkitSection]
	BlogPost       *Loader[string, *content.BlogPost]
	Country        *Loader[string, *content.Country]

	// Members pages the members of coalitions; MemberOf the coalitions of stakeholders.
	Members  *Loader[Key, content.Page[*content.Member]]
	MemberOf *Loader[Key, content.Page[*content.Member]]
	// Mentions pages the content blog posts mention, in the posts' order.
	Mentions *Loader[Key, content.Page[*Mention]]
	// Peers pages the stakeholders that share coalitions with stakeholders.
	Peers *Loader[Key, content.Page[*Peer]]

	// Relations pages related content of each type; Key.Via names the relation.
	Coalitions      *Loader[Key, content.Page[*content.Coalition]]
	Stakeholders    *Loader[Key, content.Page[*content.Stakeholder]]
	Initiatives     *Loader[Key, content.Page[*content.Initiative]]
	ToolkitSections *Loader[Key, content.Page[*content.ToolkitSection]]
	BlogPosts       *Loader[Key, content.Page[*content.BlogPost]]

	store *mongostore.Store
	sched *scheduler
	mu    sync.Mutex
	args  map[string]any

	secretariat struct {
		once sync.Once
		s    *content.Stakeholder
		err  error
	}
}

// Key names one page of a relation: which relation (Via), the ids it starts from (Targets: the parent, or the
// ids the parent refers to, comma-joined), and the page arguments (an id in the request's registry).
type Key struct {
	Via     Via
	Targets string
	Args    string
}

// Via is a relation: the stored field that holds the targets, and how to read it from a related item.
type Via string

// The relations, named by the field of the related documents that holds the targets.
const (
	ByID          Via = "_id"          // the parent refers to the items by id
	ByCountry     Via = "countryCode"  // coalitions and stakeholders of countries
	ByCountries   Via = "countryCodes" // initiatives of countries
	ByCoalitions  Via = "coalitionIds" // initiatives of coalitions
	ByPartners    Via = "partnerIds"   // initiatives of stakeholders
	ByParent      Via = "parentId"     // children of toolkit sections
	ByAncestors   Via = "ancestorIds"  // descendants of toolkit sections
	ByMentions    Via = "mentions"     // posts that mention content (targets are keys)
	ByContributor Via = "contributor"  // posts written or published by stakeholders
)

// Args are the arguments of a relation page.
type Args[F any, O any] struct {
	Window content.Window
	Filter *F
	Order  []O
	Roles  []content.MembershipRole
	Types  []content.TypeName
}

// New returns fresh loaders over store for one request. Their batches go out when the request has nothing left to
// run but loads; the Batching extension tells them (without it every load is fetched at once).
func New(store *mongostore.Store) *Loaders {
	s := newScheduler()
	l := &Loaders{store: store, args: map[string]any{}, sched: s}
	l.Coalition = newMappedLoader(s, store.Coalitions.ByIDs)
	l.Stakeholder = newMappedLoader(s, store.Stakeholders.ByIDs)
	l.Initiative = newMappedLoader(s, store.Initiatives.ByIDs)
	l.ToolkitSection = newMappedLoader(s, store.ToolkitSection.ByIDs)
	l.BlogPost = newMappedLoader(s, store.BlogPosts.ByIDs)
	l.Country = newMappedLoader(s, store.Countries.ByIDs)

	l.Coalitions = newLoader(s, relation(l, store.Coalitions, func(c *content.Coalition, v Via) []string {
		if v == ByCountry {
			return []string{c.CountryCode}
		}
		return []string{c.ID}
	}))
	l.Stakeholders = newLoader(s, relation(l, store.Stakeholders, func(s *content.Stakeholder, v Via) []string {
		if v == ByCountry {
			return []string{str(s.CountryCode)}
		}
		return []string{s.ID}
	}))
	l.Initiatives = newLoader(s, relation(l, store.Initiatives, func(i *content.Initiative, v Via) []string {
		switch v {
		case ByCountries:
			return i.CountryCodes
		case ByCoalitions:
			return i.CoalitionIDs
		case ByPartners:
			return i.PartnerIDs
		}
		return []string{i.ID}
	}))
	l.ToolkitSections = newLoader(s, relation(l, store.ToolkitSection, func(t *content.ToolkitSection, v Via) []string {
		switch v {
		case ByParent:
			return []string{str(t.ParentID)}
		case ByAncestors:
			return t.AncestorIDs
		}
		return []string{t.ID}
	}))
	l.BlogPosts = newLoader(s, relation(l, store.BlogPosts, func(b *content.BlogPost, v Via) []string {
		switch v {
		case ByMentions:
			return b.MentionKeys
		case ByContributor:
			return append(slices.Clone(b.AuthorIDs), str(b.PublisherID))
		}
		return []string{b.ID}
	}))
	l.Members = newLoader(s, members(l, store, true))
	l.MemberOf = newLoader(s, members(l, store, false))
	l.Mentions = newLoader(s, l.mentions)
	l.Peers = newLoader(s, l.peers)
	return l
}

// Key registers the arguments of a relation page and returns its key. Equal arguments share a batch.
func (l *Loaders) Key(via Via, targets []string, args any) Key {
	raw, err := json.Marshal(args)
	if err != nil { // arguments are plain data decoded from GraphQL
		panic("loader: arguments cannot be encoded: " + err.Error())
	}
	// The type is part of the id: equal JSON of two relations' arguments must not share an entry.
	id := fmt.Sprintf("%T%s", args, raw)
	l.mu.Lock()
	l.args[id] = args
	l.mu.Unlock()
	return Key{Via: via, Targets: strings.Join(targets, ","), Args: id}
}

func (l *Loaders) lookup(k Key) any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.args[k.Args]
}

// batches groups the keys of one fetch by relation and arguments: each group is one query.
func batches(keys []Key) map[[2]string][]int {
	groups := map[[2]string][]int{}
	for i, k := range keys {
		g := [2]string{string(k.Via), k.Args}
		groups[g] = append(groups[g], i)
	}
	return groups
}

func targets(k Key) []string { return strings.Split(k.Targets, ",") }

// union is the distinct targets of the keys at idx.
func union(keys []Key, idx []int) []string {
	seen := map[string]bool{}
	var out []string
	for _, i := range idx {
		for _, t := range targets(keys[i]) {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// relation returns the batch function of a relation loader over kind: for each group of keys it fetches, in one
// query, every item whose Via field holds one of the targets and that matches the filter, in order; then it pages
// each key's share in memory. of reads an item's values of the Via field.
func relation[T any, F any, O mongostore.Order](l *Loaders, kind *mongostore.Kind[T, F, O], of func(*T, Via) []string) func(context.Context, []Key) ([]content.Page[*T], []error) {
	return func(ctx context.Context, keys []Key) ([]content.Page[*T], []error) {
		pages := make([]content.Page[*T], len(keys))
		errs := make([]error, len(keys))
		for g, idx := range batches(keys) {
			args := l.lookup(keys[idx[0]]).(Args[F, O])
			via := Via(g[0])
			field := string(via)
			restrict := bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: union(keys, idx)}}}}
			if via == ByContributor {
				in := bson.D{{Key: "$in", Value: union(keys, idx)}}
				restrict = bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "authorIds", Value: in}}, bson.D{{Key: "publisherId", Value: in}}}}}
			}
			sort, err := kind.Sort(args.Order)
			var items []*T
			if err == nil {
				items, err = kind.List(ctx, restrict, args.Filter, sort)
			}
			for _, i := range idx {
				if err != nil {
					errs[i] = err
					continue
				}
				want := targets(keys[i])
				var mine []*T
				for _, it := range items {
					if slices.ContainsFunc(of(it, via), func(v string) bool { return slices.Contains(want, v) }) {
						mine = append(mine, it)
					}
				}
				pages[i] = relay.Slice(mine, sort, args.Window)
			}
		}
		return pages, errs
	}
}

// members returns the batch function of the membership loaders: coalition → members when fromCoalition, else
// stakeholder → coalitions. Two queries a group: the memberships, then the other side filtered and ordered.
func members(l *Loaders, store *mongostore.Store, fromCoalition bool) func(context.Context, []Key) ([]content.Page[*content.Member], []error) {
	// ends reads a membership from the parent's side: the parent's id, then the other side's.
	from, ends := "stakeholderId", func(m *content.Membership) (string, string) { return m.StakeholderID, m.CoalitionID }
	if fromCoalition {
		from, ends = "coalitionId", func(m *content.Membership) (string, string) { return m.CoalitionID, m.StakeholderID }
	}
	return func(ctx context.Context, keys []Key) ([]content.Page[*content.Member], []error) {
		pages := make([]content.Page[*content.Member], len(keys))
		errs := make([]error, len(keys))
		for _, idx := range batches(keys) {
			page, err := func() (func(Key) content.Page[*content.Member], error) {
				a := l.lookup(keys[idx[0]])
				var roles []content.MembershipRole
				switch a := a.(type) {
				case Args[content.StakeholderFilter, *content.StakeholderOrder]:
					roles = a.Roles
				case Args[content.CoalitionFilter, *content.CoalitionOrder]:
					roles = a.Roles
				}
				ms, err := store.Memberships(ctx, from, union(keys, idx), roles)
				if err != nil {
					return nil, err
				}
				other := make([]string, 0, len(ms))
				for _, m := range ms {
					_, o := ends(m)
					other = append(other, o)
				}
				restrict := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: other}}}}
				if fromCoalition {
					args := a.(Args[content.StakeholderFilter, *content.StakeholderOrder])
					return pageMembers(ctx, store.Stakeholders, restrict, args, ms, ends, func(m *content.Member) *content.Stakeholder { return m.Stakeholder },
						func(s *content.Stakeholder, m *content.Membership) *content.Member {
							return &content.Member{Stakeholder: s, Role: m.Role, Since: m.Since}
						})
				}
				args := a.(Args[content.CoalitionFilter, *content.CoalitionOrder])
				return pageMembers(ctx, store.Coalitions, restrict, args, ms, ends, func(m *content.Member) *content.Coalition { return m.Coalition },
					func(c *content.Coalition, m *content.Membership) *content.Member {
						return &content.Member{Coalition: c, Role: m.Role, Since: m.Since}
					})
			}()
			for _, i := range idx {
				if err != nil {
					errs[i] = err
				} else {
					pages[i] = page(keys[i])
				}
			}
		}
		return pages, errs
	}
}

// pageMembers fetches the other side of the memberships ms, filtered and ordered, and returns the pager of one
// key: the members of its parent, in order, paged.
func pageMembers[T any, F any, O mongostore.Order](ctx context.Context, kind *mongostore.Kind[T, F, O], restrict bson.D,
	args Args[F, O], ms []*content.Membership, ends func(*content.Membership) (string, string), side func(*content.Member) *T, wrap func(*T, *content.Membership) *content.Member,
) (func(Key) content.Page[*content.Member], error) {
	sort, err := kind.Sort(args.Order)
	if err != nil {
		return nil, err
	}
	items, err := kind.List(ctx, restrict, args.Filter, sort)
	if err != nil {
		return nil, err
	}
	// the member sort keys read the member's side of the pair
	keys := make([]relay.Sort[*content.Member], len(sort))
	for i, s := range sort {
		keys[i] = relay.Sort[*content.Member]{Field: s.Field, Desc: s.Desc, Type: s.Type, Null: s.Null, Value: func(m *content.Member) any { return s.Value(side(m)) }}
	}
	return func(k Key) content.Page[*content.Member] {
		parent := k.Targets
		mine := map[string]*content.Membership{}
		for _, m := range ms {
			if p, o := ends(m); p == parent {
				mine[o] = m
			}
		}
		var list []*content.Member
		for _, it := range items {
			if m, ok := mine[kind.ID(it)]; ok {
				list = append(list, wrap(it, m))
			}
		}
		return relay.Slice(list, keys, args.Window)
	}, nil
}

// Secretariat returns the stakeholder tagged content.SecretariatTag, fetched at most once a request; NOT_FOUND when the
// content has none.
func (l *Loaders) Secretariat(ctx context.Context) (*content.Stakeholder, error) {
	l.secretariat.once.Do(func() {
		w, _ := relay.ParseWindow(nil, nil, nil, nil)
		w.First = 1
		p, err := l.store.Stakeholders.Page(ctx, &content.StakeholderFilter{Tags: []string{content.SecretariatTag}}, nil, w, false)
		l.secretariat.err = err
		if err == nil && len(p.Items) == 0 {
			l.secretariat.err = content.Errorf(content.ENotFound, "", "the content has no Secretariat (a stakeholder tagged %q)", content.SecretariatTag)
		}
		if err == nil && len(p.Items) > 0 {
			l.secretariat.s = p.Items[0]
		}
	})
	return l.secretariat.s, l.secretariat.err
}

// Mention is one piece of content a post mentions, with its place in the post's list.
type Mention struct {
	Node     content.Node
	Position int
}

var mentionOrder = []relay.Sort[*Mention]{{Field: "position", Type: relay.Int, Value: func(m *Mention) any { return int64(m.Position) }}}

// mentions fetches the content the posts mention, one query per content type, and pages each post's list in its
// own order.
func (l *Loaders) mentions(ctx context.Context, keys []Key) ([]content.Page[*Mention], []error) {
	pages := make([]content.Page[*Mention], len(keys))
	errs := make([]error, len(keys))
	byType := map[content.TypeName][]string{}
	for _, k := range union(keys, seq(len(keys))) {
		t, id, _ := strings.Cut(k, ":")
		byType[content.TypeName(t)] = append(byType[content.TypeName(t)], id)
	}
	found := map[string]content.Node{}
	for t, ids := range byType {
		nodes, err := l.store.Nodes(ctx, t, ids)
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
			return pages, errs
		}
		for _, n := range nodes {
			found[n.Key()] = n
		}
	}
	for i, k := range keys {
		args := l.lookup(k).(Args[struct{}, struct{}])
		var list []*Mention
		for pos, key := range targets(k) {
			n, ok := found[key]
			t, _, _ := strings.Cut(key, ":")
			if ok && (len(args.Types) == 0 || slices.Contains(args.Types, content.TypeName(t))) {
				list = append(list, &Mention{Node: n, Position: pos})
			}
		}
		pages[i] = relay.Slice(list, mentionOrder, args.Window)
	}
	return pages, errs
}

// MentionOrder is the ordering of mention cursors, for validating them.
func MentionOrder() []relay.Sort[*Mention] { return mentionOrder }

// Node loads any node by type and local id through the loader of its type.
func (l *Loaders) Node(ctx context.Context, t content.TypeName, id string) (content.Node, error) {
	var n content.Node
	var err error
	switch t {
	case content.TypeCoalition:
		n, err = nodeOf(l.Coalition.Load(ctx, id))
	case content.TypeStakeholder:
		n, err = nodeOf(l.Stakeholder.Load(ctx, id))
	case content.TypeInitiative:
		n, err = nodeOf(l.Initiative.Load(ctx, id))
	case content.TypeToolkitSection:
		n, err = nodeOf(l.ToolkitSection.Load(ctx, id))
	case content.TypeBlogPost:
		n, err = nodeOf(l.BlogPost.Load(ctx, id))
	case content.TypeCountry:
		n, err = nodeOf(l.Country.Load(ctx, id))
	}
	return n, NotFound(err, t, id)
}

func nodeOf[T content.Node](v T, err error) (content.Node, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// NotFound turns a loader's "not found" into the API's NOT_FOUND error.
func NotFound(err error, t content.TypeName, id string) error {
	if errors.Is(err, ErrNotFound) {
		return content.Errorf(content.ENotFound, "id", "no %s with ID %s", t, content.GlobalID(content.KeyOf(t, id)))
	}
	return err
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type ctxKey struct{}

// Middleware puts fresh loaders over store into each request's context.
func Middleware(store *mongostore.Store) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(With(r.Context(), New(store))))
		})
	}
}

// With returns ctx carrying l, for work outside an HTTP request's middleware (an export runs fresh loaders per
// page, so that their caches do not grow with the whole export).
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	return ctx.Value(ctxKey{}).(*Loaders)
}

// schedulerOf is the scheduler of ctx's loaders, nil when ctx carries none.
func schedulerOf(ctx context.Context) *scheduler {
	if l, ok := ctx.Value(ctxKey{}).(*Loaders); ok {
		return l.sched
	}
	return nil
}
