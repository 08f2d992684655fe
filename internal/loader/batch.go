package loader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// ErrNotFound is what a by-id loader answers for a key the store does not hold; NotFound turns it into the API's
// NOT_FOUND error.
var ErrNotFound = errors.New("loader: not found")

// StallWarning is the message logged when pending batches had to be forced out because the request made no
// progress for StallAfter: the scheduler mispredicted which fields are still to come.
const StallWarning = "loader batches stalled; dispatching them"

// StallAfter is how long a request may make no progress while batches wait before they are forced out. It is
// generous: a request only ever reaches it through a misprediction, and it must not hang.
const StallAfter = time.Second

// Loader batches and caches the loads of one key type for one request. Keys wait in the pending batch until the
// request has nothing left to run but loads (see scheduler); a key loaded once is not fetched again.
type Loader[K comparable, V any] struct {
	s     *scheduler
	fetch func(context.Context, []K) ([]V, []error)
	cache map[K]*entry[V]
	next  *batch[K, V] // the pending batch, collecting keys; nil when none
}

type entry[V any] struct {
	b     *batchState
	value V
	err   error
}

// newLoader returns a loader whose fetch returns one value and one error (nil or not) per key, in key order.
func newLoader[K comparable, V any](s *scheduler, fetch func(context.Context, []K) ([]V, []error)) *Loader[K, V] {
	return &Loader[K, V]{s: s, fetch: fetch, cache: map[K]*entry[V]{}}
}

// newMappedLoader returns a loader over a fetch that returns the values it found by key; a key it did not find
// fails with ErrNotFound.
func newMappedLoader[K comparable, V any](s *scheduler, fetch func(context.Context, []K) (map[K]V, error)) *Loader[K, V] {
	return newLoader(s, func(ctx context.Context, keys []K) ([]V, []error) {
		found, err := fetch(ctx, keys)
		values := make([]V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			v, ok := found[k]
			switch {
			case err != nil:
				errs[i] = err
			case !ok:
				errs[i] = ErrNotFound
			default:
				values[i] = v
			}
		}
		return values, errs
	})
}

// Load returns the value of key, fetched in the request's next batch unless an earlier load fetched it.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	vs, errs := l.load(ctx, []K{key})
	return vs[0], errs[0]
}

// LoadFound loads several keys in one batch and returns the values of those that exist, in the keys' order: a
// list of references shows what it still refers to (ErrNotFound leaves a key out; any other error fails).
func (l *Loader[K, V]) LoadFound(ctx context.Context, keys []K) ([]V, error) {
	vs, errs := l.load(ctx, keys)
	found := make([]V, 0, len(vs))
	for i, v := range vs {
		switch {
		case errs[i] == nil:
			found = append(found, v)
		case !errors.Is(errs[i], ErrNotFound):
			return nil, errs[i]
		}
	}
	return found, nil
}

func (l *Loader[K, V]) load(ctx context.Context, keys []K) ([]V, []error) {
	s := l.s
	s.mu.Lock()
	entries := make([]*entry[V], len(keys))
	var waits []*wait
	tok := tokenOf(ctx)
	for i, k := range keys {
		e := l.cache[k]
		if e == nil {
			e = l.add(ctx, k)
		}
		entries[i] = e
		if !e.b.finished && !waitsOn(waits, e.b) {
			w := &wait{b: e.b, tok: tok}
			e.b.waits = append(e.b.waits, w)
			waits = append(waits, w)
			s.block(tok)
		}
	}
	jobs := s.ready()
	s.mu.Unlock()
	start(jobs)

	values := make([]V, len(keys))
	errs := make([]error, len(keys))
	for _, w := range waits {
		if err := s.await(ctx, w, waits); err != nil {
			for i := range errs {
				errs[i] = err
			}
			return values, errs
		}
	}
	for i, e := range entries {
		values[i], errs[i] = e.value, e.err
	}
	return values, errs
}

// add puts key into the pending batch, opening one if there is none. Called with s.mu held.
func (l *Loader[K, V]) add(ctx context.Context, key K) *entry[V] {
	b := l.next
	if b == nil {
		b = &batch[K, V]{l: l, ctx: ctx}
		b.done = make(chan struct{})
		l.next = b
		l.s.enqueue(b)
	}
	e := &entry[V]{b: &b.batchState}
	b.keys = append(b.keys, key)
	b.entries = append(b.entries, e)
	l.cache[key] = e
	return e
}

func waitsOn(ws []*wait, b *batchState) bool {
	for _, w := range ws {
		if w.b == b {
			return true
		}
	}
	return false
}

// batchState is what the scheduler knows of a batch: whether it finished and who waits for it.
type batchState struct {
	done     chan struct{} // closed when finished
	finished bool
	waits    []*wait
}

// batch is the keys of one loader fetched together, and the ctx of the load that opened it (the fetch runs with
// it: the request's deadline and id).
type batch[K comparable, V any] struct {
	batchState
	l       *Loader[K, V]
	ctx     context.Context
	keys    []K
	entries []*entry[V]
}

// seal closes the batch to new keys: later loads open the next one. Called with s.mu held.
func (b *batch[K, V]) seal() {
	if b.l.next == b {
		b.l.next = nil
	}
}

func (b *batch[K, V]) context() context.Context { return b.ctx }

// run fetches the batch and hands the results to its waiters.
func (b *batch[K, V]) run() {
	observeBatch(b.ctx, len(b.keys))
	values, errs := b.safeFetch()
	s := b.l.s
	s.mu.Lock()
	whole := len(errs) != len(b.keys) // a fetch that failed as a whole answers one error
	for i, e := range b.entries {
		switch {
		case whole && len(errs) > 0:
			e.err = errs[0]
		case whole:
			e.err = fmt.Errorf("loader: a batch of %d keys answered %d errors", len(b.keys), len(errs))
		default:
			e.err = errs[i]
		}
		if i < len(values) && e.err == nil {
			e.value = values[i]
		}
	}
	s.finish(&b.batchState)
	jobs := s.ready()
	s.mu.Unlock()
	close(b.done)
	start(jobs)
}

func (b *batch[K, V]) safeFetch() (values []V, errs []error) {
	defer func() {
		if p := recover(); p != nil {
			errs = []error{fmt.Errorf("loader: panic in a batch: %v", p)}
			values = nil
		}
	}()
	return b.l.fetch(b.ctx, b.keys)
}

// job is a pending batch as the scheduler sees it.
type job interface {
	seal()
	run()
	context() context.Context
}

func start(jobs []job) {
	for _, j := range jobs {
		go j.run()
	}
}

// wait is one caller waiting for one batch, on behalf of a field (tok; nil for a caller outside any field).
type wait struct {
	b       *batchState
	tok     *token
	resumed bool // the field counts as running again on its account
}

// token is one entered field: how many of its loads are waiting, whether it has left its middleware, and how
// much of its subtree is still to be resolved.
type token struct {
	fc      *graphql.FieldContext
	waiting int
	left    bool

	parent *token // the field whose value holds this field's object; nil for a root field
	group  *group // the field set of that object
	// open is this field until it leaves, and each of its predicted children until the child's subtree is done;
	// at zero the field's subtree is done (settled).
	open    int
	settled bool
	groups  map[*graphql.FieldContext]*group // the field sets of the objects in the field's value
}

// group is the field set of one object, as the executor resolves it: its inline fields (struct fields, methods)
// one after another, each with its whole subtree, then its concurrent fields (resolvers) all at once. While an
// inline field's subtree is being resolved, no other field of the object can enter, so they are not expected:
// a load under the inline field must not wait for them.
type group struct {
	entered int    // fields that entered their middleware or were skipped
	size    int    // collected fields of the object, but __typename; -1 until needed
	holder  *token // the inline field whose subtree holds the rest back; nil when none
	held    int    // how many fields holder holds back, taken out of expected
}

type tokenKey struct{}

func tokenOf(ctx context.Context) *token {
	t, _ := ctx.Value(tokenKey{}).(*token)
	return t
}

// scheduler decides when the pending batches of one request go out: when nothing runs but loads, no field is
// still to come (expected; a field held back behind an inline sibling's subtree is not, see group), and no batch is
// in flight (its waiters will add keys to the next level). The Batching extension keeps expected and running;
// without it (outside a GraphQL operation) every load goes out at once.
type scheduler struct {
	mu       sync.Mutex
	managed  bool
	expected int // fields that will be resolved and have not entered their middleware
	running  int // fields inside their middleware and not waiting for a batch
	inflight int // batches being fetched
	pending  []job
	skipped  map[*graphql.FieldContext]bool   // fields reported as failing before their middleware, counted once
	roots    map[*graphql.FieldContext]*group // the operation's field set (the key is nil)

	progress uint64 // bumped by every event; the watchdog compares it
	seen     uint64
	watchdog *time.Timer
	armed    int // which arming of the watchdog is current
	stall    time.Duration
	logger   *slog.Logger
}

func newScheduler() *scheduler {
	return &scheduler{stall: StallAfter, logger: slog.New(slog.DiscardHandler)}
}

// enqueue adds a new pending batch and arms the watchdog. Called with s.mu held.
func (s *scheduler) enqueue(j job) {
	s.pending = append(s.pending, j)
	s.progress++
	if s.watchdog == nil {
		s.seen = s.progress
		s.armed++
		armed := s.armed
		s.watchdog = time.AfterFunc(s.stall, func() { s.watch(armed) })
	}
}

// ready takes the pending batches when they may go out. Called with s.mu held; the caller starts them after
// unlocking.
func (s *scheduler) ready() []job {
	if len(s.pending) == 0 {
		return nil
	}
	if s.managed && (s.running > 0 || s.expected > 0 || s.inflight > 0) {
		return nil
	}
	return s.take()
}

func (s *scheduler) take() []job {
	jobs := s.pending
	s.pending = nil
	if s.watchdog != nil { // nothing waits to be dispatched; the next pending batch arms it again
		s.watchdog.Stop()
		s.watchdog = nil
	}
	for _, j := range jobs {
		j.seal()
	}
	s.inflight += len(jobs)
	s.progress++
	return jobs
}

// finish marks b fetched and counts its waiting fields as running again, before they wake, so that the counts
// never reach zero while they are about to run. Called with s.mu held.
func (s *scheduler) finish(b *batchState) {
	b.finished = true
	s.inflight--
	for _, w := range b.waits {
		s.resume(w)
	}
	b.waits = nil
	s.progress++
}

func (s *scheduler) block(t *token) {
	s.progress++
	if t == nil || t.left {
		return
	}
	t.waiting++
	if t.waiting == 1 {
		s.running--
	}
}

func (s *scheduler) resume(w *wait) {
	if w.resumed {
		return
	}
	w.resumed = true
	s.progress++
	t := w.tok
	if t == nil {
		return
	}
	t.waiting--
	if t.waiting == 0 && !t.left {
		s.running++
	}
}

// await waits for w's batch, or for ctx to end; then every wait in all is resumed.
func (s *scheduler) await(ctx context.Context, w *wait, all []*wait) error {
	select {
	case <-w.b.done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for _, o := range all {
			s.resume(o)
		}
		jobs := s.ready()
		s.mu.Unlock()
		start(jobs)
		return ctx.Err()
	}
}

// watch runs StallAfter after a batch became pending: while batches wait and nothing happened since the last
// look, it forces them out and logs StallWarning. A batch in flight or a field running is progress, however slow:
// forcing batches out then would split them (a resolver that blocks for ever still ends with the request's
// deadline). So a stall is a misprediction: fields expected that never come.
func (s *scheduler) watch(armed int) {
	s.mu.Lock()
	if armed != s.armed { // a stopped watchdog that fired before it was stopped
		s.mu.Unlock()
		return
	}
	if len(s.pending) == 0 {
		s.watchdog = nil
		s.mu.Unlock()
		return
	}
	if s.progress != s.seen || s.inflight > 0 || s.running > 0 {
		s.seen = s.progress
		s.watchdog.Reset(s.stall)
		s.mu.Unlock()
		return
	}
	ctx := s.pending[0].context()
	s.logger.WarnContext(ctx, StallWarning, "pending", len(s.pending), "expected", s.expected, "running", s.running, "inflight", s.inflight)
	jobs := s.take()
	s.mu.Unlock()
	start(jobs)
}

// begin starts counting an operation's fields: roots is how many root fields it will resolve (0 when they are
// counted as they start, for mutations).
func (s *scheduler) begin(roots int, logger *slog.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.managed = true
	s.expected += roots
	s.progress++
	if logger != nil {
		s.logger = logger
	}
}

// expect counts n more fields to come.
func (s *scheduler) expect(n int) {
	s.mu.Lock()
	s.expected += n
	s.progress++
	s.mu.Unlock()
}

// enter counts a field entering its middleware: a field of an object in parent's value (nil: a root field). size is
// nil for a field the executor resolves concurrently with its siblings; for one it resolves inline, size returns
// how many fields the object has, and the ones not entered yet are held back until this field's subtree is done.
// nil outside a counted operation.
func (s *scheduler) enter(fc *graphql.FieldContext, parent *token, size func() int) *token {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.managed {
		return nil
	}
	g := s.reach(fc, parent)
	s.expected--
	s.running++
	s.progress++
	t := &token{fc: fc, parent: parent, group: g, open: 1}
	if size != nil {
		if g.size < 0 {
			g.size = size()
		}
		if n := g.size - g.entered; n > 0 {
			g.holder, g.held = t, n
			s.expected -= n
		}
	}
	return t
}

// reach is the executor reaching field fc of an object in parent's value: the group of the object, with fc
// counted as entered. Reaching a field of a group means no earlier field holds it back any longer. Called with
// s.mu held.
func (s *scheduler) reach(fc *graphql.FieldContext, parent *token) *group {
	var key *graphql.FieldContext // the object's context: the parent field's, or a list element's
	if fc != nil {
		key = fc.Parent
	}
	groups := &s.roots
	if parent != nil {
		groups = &parent.groups
	}
	if *groups == nil {
		*groups = map[*graphql.FieldContext]*group{}
	}
	g := (*groups)[key]
	if g == nil {
		g = &group{size: -1}
		(*groups)[key] = g
	}
	s.release(g)
	g.entered++
	return g
}

// release expects again the fields g's holder held back. Called with s.mu held.
func (s *scheduler) release(g *group) {
	if g.holder != nil {
		s.expected += g.held
		g.holder, g.held = nil, 0
	}
}

// settle counts one part of t's subtree done: t itself, when it left, or the subtree of one of its predicted
// children. When every part is, the fields t held back may come, and t's subtree counts as done for its parent.
// A part the prediction did not count (more children than predicted) changes nothing. Called with s.mu held.
func (s *scheduler) settle(t *token) {
	for t != nil && !t.settled {
		if t.open--; t.open > 0 {
			return
		}
		t.settled = true
		if t.group != nil && t.group.holder == t {
			s.release(t.group)
		}
		t.groups = nil
		t = t.parent
	}
}

// leave counts a field leaving its middleware; children is how many fields the executor resolves under its value.
func (s *scheduler) leave(t *token, children int) {
	if t == nil {
		return
	}
	s.mu.Lock()
	s.expected += children
	t.open += children
	if t.waiting == 0 { // else it stopped counting as running when its loads started waiting
		s.running--
	}
	t.left = true
	s.settle(t)
	s.progress++
	jobs := s.ready()
	s.mu.Unlock()
	start(jobs)
}

// skip counts a field that will never enter its middleware (its arguments failed), once per field; parent is the
// field whose value holds the field's object (nil: a root field).
func (s *scheduler) skip(fc *graphql.FieldContext, parent *token) {
	s.mu.Lock()
	if s.skipped == nil {
		s.skipped = map[*graphql.FieldContext]bool{}
	}
	if s.managed && !s.skipped[fc] {
		s.skipped[fc] = true
		s.reach(fc, parent)
		s.expected--
		s.settle(parent)
		s.progress++
	}
	jobs := s.ready()
	s.mu.Unlock()
	start(jobs)
}
