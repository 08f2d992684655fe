package httpapi

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/metrics"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
)

// The response cache answers a repeated query from memory while the content is unchanged. The store takes 85–92 %
// of a request's time, and every command but one by _id reads a whole collection on the embedded store: a content
// API's readers ask the same few queries again and again, and should not pay the store for each.
//
// An entry is the encoded answer of one query operation for one key: the scope (its stage), the viewer (an
// anonymous request, or one API key: answers to keys may hold what only that key may see), the document (its SHA-256, which is also
// its persisted-query hash), the operation name, the variables and the request's extensions. It is valid for one
// generation of the content: the generation moves on when
//   - a mutation on this instance ends (whatever its outcome), before its answer is sent: a request with a key
//     reads its own writes at once;
//   - this process takes a revision (content.Store.TakenRevision), for writes made without a request (the seed);
//   - the store's revision counter, polled at most once per poll interval (on every request with a key, and on
//     the next request after a change stream, where the server has them, told of a change), shows another
//     instance's write; and once more one interval later, since a revision is taken just before its write lands
//     and a poll in between would cache the answer of the write's eve as the new one.
// Only complete answers of queries are cached: no errors, status 200, no root field in uncacheable. Identical
// concurrent misses are computed once. An anonymous request may get the previous generation's answer while
// another request recomputes it, for at most one poll interval after it was superseded. Memory is bounded by a
// byte budget, the least recently used entries evicted first.

// uncacheable are the root fields whose answers depend on what the content revision does not follow: API keys
// are created, revoked and used without a revision.
var uncacheable = map[string]bool{"apiKeys": true}

// responseCache is the cache of one handler.
type responseCache struct {
	budget int64
	watch  *revisionWatch

	mu      sync.Mutex
	entries map[string]*list.Element // of *cacheEntry
	lru     *list.List               // front: most recently used
	bytes   int64
	flights map[string]*flight

	hits, misses, stale, bypasses, evictions atomic.Uint64
}

// cacheEntry is one cached answer.
type cacheEntry struct {
	key  string
	gen  uint64
	body []byte
	// etag is the strong ETag of the body, in quotes; the media type is part of what it hashes.
	etag  string
	media string
	// operation is the operation's name, for the log line and the metrics of a hit (which parses nothing).
	operation string
	size      int64
}

// flight is a miss being computed; requests for the same key and generation wait for it rather than compute it too.
type flight struct {
	gen  uint64
	done chan struct{}
	// entry is the result, nil when the answer could not be cached (the waiters then compute their own).
	entry *cacheEntry
}

// entryOverhead is what an entry costs besides its key and body: the map slot, the list element and the fields.
const entryOverhead = 256

func newResponseCache(store content.Store, budget int64, poll time.Duration, now func() time.Time) *responseCache {
	c := &responseCache{
		budget:  budget,
		watch:   newRevisionWatch(store, poll, now),
		entries: map[string]*list.Element{},
		lru:     list.New(),
		flights: map[string]*flight{},
	}
	if s, ok := store.(revisionStream); ok {
		go c.watch.stream(s)
	}
	return c
}

// CacheStats are the response cache's counters since the start, and its size now.
type CacheStats struct {
	Hits, Misses, Stale, Bypasses, Evictions uint64
	Entries                                  int
	Bytes                                    int64
}

// Stats returns the cache's counters.
func (c *responseCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Stale: c.stale.Load(), Bypasses: c.bypasses.Load(),
		Evictions: c.evictions.Load(), Entries: len(c.entries), Bytes: c.bytes}
}

// collectors are the cache's metrics, read from Stats at each scrape.
func (c *responseCache) collectors() []prometheus.Collector {
	counter := func(name, help string, v func(CacheStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: name, Help: help},
			func() float64 { return float64(v(c.Stats())) })
	}
	gauge := func(name, help string, v func(CacheStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: metrics.Namespace, Name: name, Help: help},
			func() float64 { return v(c.Stats()) })
	}
	return []prometheus.Collector{
		counter("cache_hits_total", "Queries answered from the response cache.", func(s CacheStats) uint64 { return s.Hits }),
		counter("cache_stale_total", "Anonymous queries answered with the previous answer while another request recomputed it.", func(s CacheStats) uint64 { return s.Stale }),
		counter("cache_misses_total", "Cacheable queries computed (and cached when complete).", func(s CacheStats) uint64 { return s.Misses }),
		counter("cache_bypasses_total", "Operations the cache does not keep: mutations, uncacheable fields, requests that cannot be keyed.", func(s CacheStats) uint64 { return s.Bypasses }),
		counter("cache_evictions_total", "Answers evicted to keep within CACHE_MAX_BYTES.", func(s CacheStats) uint64 { return s.Evictions }),
		gauge("cache_bytes", "Memory the cached answers take, as the cache counts it against CACHE_MAX_BYTES.", func(s CacheStats) float64 { return float64(s.Bytes) }),
		gauge("cache_entries", "Answers in the response cache.", func(s CacheStats) float64 { return float64(s.Entries) }),
	}
}

// cacheKey is the key of a request's answer, or "" when the request cannot be keyed (an unknown persisted-query
// hash shape, extensions that do not encode).
func cacheKey(ctx context.Context, params *graphql.RawParams) string {
	hash := ""
	if pq, ok := params.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
		hash = strings.ToLower(hash)
	}
	doc := hash
	if params.Query != "" {
		sum := sha256.Sum256([]byte(params.Query))
		doc = hex.EncodeToString(sum[:])
	}
	if len(doc) != sha256.Size*2 || hash != "" && hash != doc {
		return "" // a hash that is not the query's is the executor's to refuse
	}
	vars, err := json.Marshal(params.Variables) // maps encode with sorted keys: one key for equal variables
	if err != nil {
		return ""
	}
	var ext []byte
	if len(params.Extensions) > 0 {
		rest := make(map[string]any, len(params.Extensions))
		for k, v := range params.Extensions {
			if k != "persistedQuery" {
				rest[k] = v
			}
		}
		if ext, err = json.Marshal(rest); err != nil {
			return ""
		}
	}
	viewer := ""
	if v := content.ViewerOf(ctx); v != nil {
		viewer = "key:" + v.Name
	}
	return strings.Join([]string{content.ScopeOf(ctx).Key(), viewer, doc, params.OperationName, string(vars), string(ext)}, "\x00")
}

// lookup is one request's use of the cache.
type lookup struct {
	c   *responseCache
	key string
	gen uint64
	// lead is the flight this request computes for the others; nil when it computes for itself alone.
	lead *flight
}

// find looks the request up: it returns the entry to answer with and the cache status ("hit" or "stale"), or nil
// and a lookup through which the request stores what it computes (miss), or nil and nil when the request is not
// cacheable (bypass). noCache is the request's `Cache-Control: no-cache` (or no-store): compute anew, and store.
func (c *responseCache) find(ctx context.Context, params *graphql.RawParams, noCache bool) (*cacheEntry, string, *lookup) {
	key := cacheKey(ctx, params)
	if key == "" {
		return nil, cacheBypass, nil
	}
	anonymous := content.ViewerOf(ctx) == nil
	gen, ok := c.watch.current(ctx, !anonymous)
	if !ok {
		return nil, cacheBypass, nil // the revision is unknown: a key must not read an answer from before its write
	}
	l := &lookup{c: c, key: key, gen: gen}
	c.mu.Lock()
	el := c.entries[key]
	var e *cacheEntry
	if el != nil {
		e = el.Value.(*cacheEntry)
	}
	if !noCache && e != nil && e.gen == gen {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		return e, cacheHit, nil
	}
	f := c.flights[key]
	if f != nil && anonymous && !noCache && e != nil && c.watch.servable(e.gen) {
		c.mu.Unlock()
		return e, cacheStale, nil // another request is recomputing it
	}
	if f == nil {
		l.lead = &flight{gen: gen, done: make(chan struct{})}
		c.flights[key] = l.lead
		c.mu.Unlock()
		return nil, cacheMiss, l
	}
	c.mu.Unlock()
	if f.gen != gen || noCache {
		return nil, cacheMiss, l // a flight of another generation, or the client wants its own: compute alone
	}
	select {
	case <-f.done:
	case <-ctx.Done():
	}
	if f.entry != nil {
		return f.entry, cacheHit, nil
	}
	// The leader's answer could not be cached (an error, an uncacheable field, a cancelled request): compute
	// alone rather than queue behind one another.
	return nil, cacheMiss, l
}

// finish ends the request's use of the cache: when answer is not nil (a complete answer of a query), it is stored
// and returned with its ETag; the flight it led, if any, ends either way.
func (l *lookup) finish(answer []byte, media, operation string) *cacheEntry {
	if l == nil {
		return nil
	}
	c := l.c
	var e *cacheEntry
	if answer != nil {
		e = &cacheEntry{key: l.key, gen: l.gen, body: answer, media: media, etag: etagOf(media, answer), operation: operation,
			size: int64(len(l.key)+len(answer)) + entryOverhead}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.lead != nil {
		l.lead.entry = e
		close(l.lead.done)
		if c.flights[l.key] == l.lead {
			delete(c.flights, l.key)
		}
		l.lead = nil // a second finish (the deferred one) ends nothing more
	}
	// An entry above a sixteenth of the budget would evict too much for one answer; it is served, not kept.
	if e == nil || e.size > c.budget/16 {
		return e
	}
	if el := c.entries[l.key]; el != nil {
		if old := el.Value.(*cacheEntry); old.gen > e.gen {
			return e // a newer answer got there first
		}
		c.remove(el)
	}
	c.entries[l.key] = c.lru.PushFront(e)
	c.bytes += e.size
	for c.bytes > c.budget {
		c.remove(c.lru.Back())
		c.evictions.Add(1)
	}
	return e
}

// etagOf is the strong ETag of an answer in a media type: the same bytes in another media type are another
// representation.
func etagOf(media string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(media))
	h.Write([]byte{0})
	h.Write(body)
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// remove takes an entry out; c.mu is held.
func (c *responseCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// count records how the cache served a request, for Stats.
func (c *responseCache) count(status string) {
	switch status {
	case cacheHit:
		c.hits.Add(1)
	case cacheStale:
		c.stale.Add(1)
	case cacheMiss:
		c.misses.Add(1)
	default:
		c.bypasses.Add(1)
	}
}

// cacheableOperation tells whether an operation's complete answer may be cached: a query without an uncacheable
// root field (through fragments too).
func cacheableOperation(oc *graphql.OperationContext) bool {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return false
	}
	var cacheable func(ast.SelectionSet) bool
	cacheable = func(set ast.SelectionSet) bool {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				if uncacheable[s.Name] {
					return false
				}
			case *ast.InlineFragment:
				if !cacheable(s.SelectionSet) {
					return false
				}
			case *ast.FragmentSpread:
				if f := oc.Doc.Fragments.ForName(s.Name); f != nil && !cacheable(f.SelectionSet) {
					return false
				}
			}
		}
		return true
	}
	return cacheable(oc.Operation.SelectionSet)
}

// revisionWatch knows the content's generation: a number that moves on with every write this instance sees.
type revisionWatch struct {
	store content.Store
	poll  time.Duration
	now   func() time.Time
	// polling is set while one request polls the store's revision, so that the others do not wait for it.
	polling atomic.Bool

	mu sync.Mutex
	// gen is the generation; seenPolled, taken and seen (mutations) what it was last computed from.
	gen               uint64
	seenPolled, taken int64
	seen              uint64
	// polled is the revision the last poll read; settleAt when to move the generation on once more after it
	// changed (zero: no need).
	polled             int64
	lastPoll, settleAt time.Time
	superseded         map[uint64]time.Time // when each recent generation was superseded
	mutationCount      atomic.Uint64
}

func newRevisionWatch(store content.Store, poll time.Duration, now func() time.Time) *revisionWatch {
	return &revisionWatch{store: store, poll: poll, now: now, superseded: map[uint64]time.Time{}}
}

// revisionStream is a store that can tell each change of its revision as it happens (mongostore, on a replica
// set).
type revisionStream interface {
	WatchRevision(ctx context.Context, changed func()) (bool, error)
}

// stream follows the store's revision through its change stream, where the server offers one, so that other
// instances' writes are seen within milliseconds rather than a poll interval; polling goes on beside it, and
// settles each change one interval later as it does for its own. It reopens a stream that failed after one poll
// interval, and gives up when one does not open: the server has no change streams, or the store's client is
// disconnected. It lives as long as the store's client.
func (w *revisionWatch) stream(s revisionStream) {
	for {
		if opened, _ := s.WatchRevision(context.WithValue(context.Background(), revisionPollKey{}, true), w.streamed); !opened {
			return // no change streams, or the store's client is gone
		}
		time.Sleep(w.poll)
	}
}

// streamed records a change the change stream told of: the next request polls, and so finds the new revision.
func (w *revisionWatch) streamed() {
	w.mu.Lock()
	w.lastPoll = time.Time{}
	w.mu.Unlock()
}

// mutated records that a mutation ended on this instance.
func (w *revisionWatch) mutated() { w.mutationCount.Add(1) }

// revisionPollKey marks the context of the revision poll and of the change stream, so that a command monitor can
// tell them from a request's work (RevisionPoll).
type revisionPollKey struct{}

// RevisionPoll tells whether ctx is the response cache's poll of the store's revision or its change stream:
// housekeeping, not a request's command.
func RevisionPoll(ctx context.Context) bool { return ctx.Value(revisionPollKey{}) != nil }

// current returns the generation, polling the store's revision first when the poll interval has passed or when
// fresh (a request with a key) asks for it. It says false when fresh was asked and the store did not answer.
func (w *revisionWatch) current(ctx context.Context, fresh bool) (uint64, bool) {
	now := w.now()
	w.mu.Lock()
	due := now.Sub(w.lastPoll) >= w.poll || !w.settleAt.IsZero() && !now.Before(w.settleAt)
	w.mu.Unlock()
	ok := true
	switch {
	case fresh:
		ok = w.pollRevision(ctx, now)
	case due && w.polling.CompareAndSwap(false, true):
		w.pollRevision(ctx, now)
		w.polling.Store(false)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advance(now, w.polled, w.store.TakenRevision(), w.mutationCount.Load())
	return w.gen, ok
}

// pollRevision reads the store's revision, with a time limit of its own, and records it.
func (w *revisionWatch) pollRevision(ctx context.Context, now time.Time) bool {
	pctx, cancel := context.WithTimeout(context.WithValue(context.WithoutCancel(ctx), revisionPollKey{}, true), 2*time.Second)
	defer cancel()
	rev, err := w.store.Revision(pctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastPoll = now
	if err != nil {
		return false
	}
	if rev != w.polled {
		w.polled = rev
		w.settleAt = now.Add(w.poll) // and once more then: see the type's comment
	} else if !w.settleAt.IsZero() && !now.Before(w.settleAt) {
		w.settleAt = time.Time{}
		w.bump(now)
	}
	return true
}

// advance moves the generation on when anything it follows changed; w.mu is held.
func (w *revisionWatch) advance(now time.Time, polled, taken int64, mutations uint64) {
	if polled != w.seenPolled || taken != w.taken || mutations != w.seen {
		w.seenPolled, w.taken, w.seen = polled, taken, mutations
		w.bump(now)
	}
}

// bump starts a new generation; w.mu is held.
func (w *revisionWatch) bump(now time.Time) {
	w.superseded[w.gen] = now
	w.gen++
	for g := range w.superseded {
		if g+64 < w.gen {
			delete(w.superseded, g)
		}
	}
}

// servable tells whether an answer of generation gen may still be served stale: it was superseded at most one
// poll interval ago.
func (w *revisionWatch) servable(gen uint64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	at, ok := w.superseded[gen]
	return ok && w.now().Sub(at) <= w.poll
}
