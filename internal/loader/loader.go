// Package loader holds the request-scoped dataloaders. Every relation field goes through one, so that a request
// issues a number of database commands that grows with the depth of the query, not with the number of items. The
// loaders batch and page; the store (content.Store) reads.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"coalitiongraph/internal/content"
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
	Members  *Pages[Args[content.StakeholderFilter, *content.StakeholderOrder], content.Page[*content.Member]]
	MemberOf *Pages[Args[content.CoalitionFilter, *content.CoalitionOrder], content.Page[*content.Member]]
	// Mentions pages the content blog posts mention, in the posts' order.
	Mentions *Pages[Args[struct{}, struct{}], content.Page[*Mention]]
	// Peers pages the stakeholders that share coalitions with stakeholders.
	Peers *Pages[Args[struct{}, struct{}], content.Page[*Peer]]

	// Relations pages related content of each type; Key.Via names how it is related.
	Coalitions      *RelationPages[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder]
	Stakeholders    *RelationPages[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder]
	Initiatives     *RelationPages[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder]
	ToolkitSections *RelationPages[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder]
	BlogPosts       *RelationPages[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder]

	store content.Store
	sched *scheduler

	secretariat struct {
		once sync.Once
		s    *content.Stakeholder
		err  error
	}
}

// Key names one page of a relation: how it is related (Via: the names of the relations, see viaKey), the ids it
// starts from (Targets: the parent, or the ids the parent refers to, comma-joined), and the page arguments (their
// canonical JSON, under which the loader keeps them; see Pages).
type Key struct {
	Via     string
	Targets string
	Args    string
}

// Args are the arguments of a relation page.
type Args[F any, O any] struct {
	Window content.Window
	Filter *F
	Order  []O
	// Total tells whether the page counts the related items (the connection's totalCount is selected).
	Total bool
	Roles []content.MembershipRole
	Types []content.TypeName
}

// New returns fresh loaders over store for one request. Their batches go out when the request has nothing left to
// run but loads; the Batching extension tells them (without it every load is fetched at once).
func New(store content.Store) *Loaders {
	s := newScheduler()
	l := &Loaders{store: store, sched: s}
	l.Coalition = newMappedLoader(s, store.Coalitions().Get)
	l.Stakeholder = newMappedLoader(s, store.Stakeholders().Get)
	l.Initiative = newMappedLoader(s, store.Initiatives().Get)
	l.ToolkitSection = newMappedLoader(s, store.ToolkitSections().Get)
	l.BlogPost = newMappedLoader(s, store.BlogPosts().Get)
	l.Country = newMappedLoader(s, store.Countries().Get)

	l.Coalitions = newPages(s, relation(store.Coalitions()))
	l.Stakeholders = newPages(s, relation(store.Stakeholders()))
	l.Initiatives = newPages(s, relation(store.Initiatives()))
	l.ToolkitSections = newPages(s, relation(store.ToolkitSections()))
	l.BlogPosts = newPages(s, relation(store.BlogPosts()))
	l.Members = newPages(s, members(store.Memberships().Members))
	l.MemberOf = newPages(s, members(store.Memberships().MemberOf))
	l.Mentions = newPages(s, l.mentions)
	l.Peers = newPages(s, l.peers)
	return l
}

// Pages is a loader of pages P of a relation, whose arguments are A. Arguments (filters are trees of pointers
// and slices) are not comparable, so each page's are kept under their canonical JSON, which its Key holds: equal
// arguments share a batch, and the batch function reads them back typed (argsOf).
type Pages[A any, P any] struct {
	*Loader[Key, P]
	mu   sync.Mutex
	args map[string]A
}

// RelationPages loads pages of related items T, filtered by F and ordered by O.
type RelationPages[T any, F any, O any] = Pages[Args[F, O], content.Page[*T]]

// newPages returns the page loader whose batch function fetch makes from it.
func newPages[A any, P any](s *scheduler, fetch func(*Pages[A, P]) func(context.Context, []Key) ([]P, []error)) *Pages[A, P] {
	p := &Pages[A, P]{args: map[string]A{}}
	p.Loader = newLoader(s, fetch(p))
	return p
}

// Page loads the page, with args, of the items related through via to targets (the parent, or the ids the parent
// refers to).
func (p *Pages[A, P]) Page(ctx context.Context, via content.Via, targets []string, args A) (P, error) {
	raw, err := json.Marshal(args)
	if err != nil { // arguments are plain data decoded from GraphQL
		panic("loader: arguments cannot be encoded: " + err.Error())
	}
	p.mu.Lock()
	p.args[string(raw)] = args
	p.mu.Unlock()
	return p.Load(ctx, Key{Via: viaKey(via), Targets: strings.Join(targets, ","), Args: string(raw)})
}

// argsOf is the arguments of a key that Page made.
func (p *Pages[A, P]) argsOf(k Key) A {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.args[k.Args]
}

// batches groups the keys of one fetch by relation and arguments: each group is one read.
func batches(keys []Key) map[[2]string][]int {
	groups := map[[2]string][]int{}
	for i, k := range keys {
		g := [2]string{k.Via, k.Args}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// viaKey names a content.Via by the names of its relations ("" for by id), so that keys stay comparable.
func viaKey(v content.Via) string {
	names := make([]string, len(v.Relations))
	for i, r := range v.Relations {
		names[i] = r.Name
	}
	return strings.Join(names, ",")
}

// viaOf is the content.Via viaKey named.
func viaOf(key string) content.Via {
	var v content.Via
	if key == "" {
		return v
	}
	for _, name := range strings.Split(key, ",") {
		v.Relations = append(v.Relations, content.RelationNamed(name))
	}
	return v
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

// Secretariat returns the stakeholder tagged content.SecretariatTag, fetched at most once a request; NOT_FOUND when the
// content has none.
func (l *Loaders) Secretariat(ctx context.Context) (*content.Stakeholder, error) {
	l.secretariat.once.Do(func() {
		w := content.Window{First: 1}
		p, err := l.store.Stakeholders().Page(ctx, &content.StakeholderFilter{Tags: []string{content.SecretariatTag}}, nil, w, false)
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

type ctxKey struct{}

// Middleware puts fresh loaders over store into each request's context.
func Middleware(store content.Store) func(http.Handler) http.Handler {
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
