package httpapi

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
)

// revisions is a store as the revision watch sees it: the counter other instances move, and this process's own.
// The rest of content.Store is never called by the cache.
type revisions struct {
	content.Store
	counter, taken atomic.Int64
}

func (r *revisions) Revision(context.Context) (int64, error) { return r.counter.Load(), nil }
func (r *revisions) TakenRevision() int64                    { return r.taken.Load() }

type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time { return c.t }

func params(query string) *graphql.RawParams { return &graphql.RawParams{Query: query} }

// store computes an answer for a query through the cache's miss path.
func store(t *testing.T, c *responseCache, ctx context.Context, query, answer string) {
	t.Helper()
	e, status, l := c.find(ctx, params(query), false)
	if e != nil || status != cacheMiss {
		t.Fatalf("%s: want a miss, got %q", query, status)
	}
	l.finish([]byte(answer), mediaJSON, "")
}

// The revision watch moves the generation on for this process's writes at once, for another instance's once
// it polls (at most once per interval), and once more an interval later, so that an answer computed between a
// revision and its write is not kept.
func TestRevisionWatch(t *testing.T) {
	s := &revisions{}
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	w := newRevisionWatch(s, time.Second, clock.now)
	ctx := context.Background()
	g0, _ := w.current(ctx, false)
	if g, _ := w.current(ctx, false); g != g0 {
		t.Fatalf("nothing changed, yet the generation moved from %d to %d", g0, g)
	}
	s.taken.Store(1)
	g1, _ := w.current(ctx, false)
	if g1 == g0 {
		t.Fatal("this process's write did not move the generation")
	}
	w.mutated()
	g2, _ := w.current(ctx, false)
	if g2 == g1 {
		t.Fatal("a mutation did not move the generation")
	}
	s.counter.Store(5) // another instance wrote
	if g, _ := w.current(ctx, false); g != g2 {
		t.Fatal("the generation moved before the poll interval passed")
	}
	if g, _ := w.current(ctx, true); g == g2 {
		t.Fatal("a fresh read (a request with a key) did not poll")
	}
	g3, _ := w.current(ctx, false)
	clock.t = clock.t.Add(time.Second)
	g4, _ := w.current(ctx, false)
	if g4 == g3 {
		t.Fatal("no second move one interval after another instance's revision")
	}
	clock.t = clock.t.Add(time.Second)
	if g, _ := w.current(ctx, false); g != g4 {
		t.Fatal("the generation keeps moving with nothing written")
	}
}

// The cache keeps within its byte budget by evicting the least recently used answers, and counts what it did.
func TestCacheBudget(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	answer := strings.Repeat("x", 1000)
	per := int64(len(answer)) + entryOverhead + 200 // the key: stage, hash, variables
	c := newResponseCache(&revisions{}, 20*per, time.Second, clock.now)
	ctx := context.Background()
	for i := range 10 {
		store(t, c, ctx, fmt.Sprintf("{ q%d }", i), answer)
	}
	for range 5 { // q0 is used again: the most recent
		if e, status, _ := c.find(ctx, params("{ q0 }"), false); e == nil || status != cacheHit {
			t.Fatalf("q0: %q", status)
		}
	}
	for i := 10; i < 40; i++ {
		store(t, c, ctx, fmt.Sprintf("{ q%d }", i), answer)
		if e, _, _ := c.find(ctx, params("{ q0 }"), false); e == nil {
			t.Fatalf("q0, used after each answer, was evicted at q%d", i)
		}
	}
	st := c.Stats()
	if st.Bytes > c.budget || st.Evictions == 0 || st.Entries >= 40 {
		t.Errorf("stats %+v, budget %d", st, c.budget)
	}
	if e, _, _ := c.find(ctx, params("{ q1 }"), false); e != nil {
		t.Error("q1, the least recently used, is still cached")
	}
	big := strings.Repeat("y", int(c.budget/8))
	store(t, c, ctx, "{ big }", big)
	if e, _, l := c.find(ctx, params("{ big }"), false); e != nil {
		t.Error("an answer over a sixteenth of the budget was kept")
	} else {
		l.finish(nil, "", "")
	}
}

// An anonymous reader gets the previous answer while another request recomputes it, within one poll interval of
// the write; a request with a key never does, and nobody once the interval has passed.
func TestCacheServesStaleWhileRecomputing(t *testing.T) {
	s := &revisions{}
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	c := newResponseCache(s, 1<<20, time.Second, clock.now)
	anon := context.Background()
	store(t, c, anon, "{ a }", `{"data":1}`)
	s.taken.Store(1) // a write of this process
	_, status, leader := c.find(anon, params("{ a }"), false)
	if status != cacheMiss || leader == nil || leader.lead == nil {
		t.Fatalf("after the write: %q", status)
	}
	if e, status, _ := c.find(anon, params("{ a }"), false); e == nil || status != cacheStale || string(e.body) != `{"data":1}` {
		t.Errorf("while recomputing: %q", status)
	}
	keyed := content.WithViewer(anon, &content.Viewer{Name: "k", Role: content.RoleEditor})
	store(t, c, keyed, "{ a }", `{"data":"keyed"}`) // a key's entry is its own, and is never stale
	clock.t = clock.t.Add(2 * time.Second)
	done := make(chan string)
	go func() { _, status, _ := c.find(anon, params("{ a }"), false); done <- status }()
	leader.finish([]byte(`{"data":2}`), mediaJSON, "")
	if status := <-done; status != cacheHit {
		t.Errorf("past the interval, a reader got %q", status)
	}
}
