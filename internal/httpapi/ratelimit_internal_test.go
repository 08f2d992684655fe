package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A bucket refills continuously at a sixtieth of its limit a second, up to its limit; it admits while it holds a
// point, may be overdrawn by one charge, and then refuses until it has refilled to a point.
func TestBucketRefillsAndOverdraws(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_900_000_000, 0)}
	r := newRateBuckets(clock.now, 10)
	const limit = 600 // 10 points a second

	s, ok := r.admit("a", limit)
	if !ok || s != (rateState{limit: 600, remaining: 600}) {
		t.Fatalf("a new bucket: %+v admitted %v", s, ok)
	}
	if s = r.charge("a", limit, 150); s != (rateState{limit: 600, remaining: 450, reset: 15}) {
		t.Errorf("after 150 points: %+v", s)
	}
	clock.t = clock.t.Add(1500 * time.Millisecond) // +15
	if s = r.charge("a", limit, 1000); s.remaining != 0 || s.reset != (600+535)/10+1 || s.retryAfter != 54 {
		t.Errorf("overdrawn to -535: %+v, want remaining 0, reset 114, Retry-After 54 (536 points at 10 a second)", s)
	}
	if _, ok := r.admit("a", limit); ok {
		t.Error("an overdrawn bucket admitted a request")
	}
	clock.t = clock.t.Add(53 * time.Second) // -5
	if s, ok := r.admit("a", limit); ok || s.retryAfter != 1 {
		t.Errorf("at -5 points: admitted %v, %+v", ok, s)
	}
	clock.t = clock.t.Add(600 * time.Millisecond) // +1
	if _, ok := r.admit("a", limit); !ok {
		t.Error("at one point the bucket refused")
	}
	clock.t = clock.t.Add(time.Hour)
	if s, _ := r.admit("a", limit); s.remaining != 600 || s.reset != 0 {
		t.Errorf("an hour later the bucket is not just full: %+v", s)
	}
	// A key whose role changed gets its new limit at once, no more than it holds.
	if s := r.charge("a", 60, 0); s.limit != 60 || s.remaining != 60 {
		t.Errorf("the limit lowered to 60: %+v", s)
	}
	if _, ok := r.admit("b", limit); !ok {
		t.Error("another client's bucket is not its own")
	}
}

// However many clients call, the buckets kept stay under the cap, the least recently used going first; buckets
// that have refilled are forgotten as other requests come, without a goroutine.
func TestBucketsAreBounded(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_900_000_000, 0)}
	r := newRateBuckets(clock.now, 100)
	for i := range 1000 {
		r.charge(fmt.Sprintf("address 10.0.%d.%d", i/256, i%256), 600, 100)
	}
	if n := r.len(); n != 100 {
		t.Errorf("%d buckets kept after 1,000 clients, want the cap of 100", n)
	}
	// The most recent client's bucket is kept, charged.
	if s, _ := r.admit("address 10.0.3.231", 600); s.remaining != 500 {
		t.Errorf("the last client's bucket: %+v", s)
	}
	clock.t = clock.t.Add(time.Minute) // every bucket is full again
	for i := range 60 {
		r.admit(fmt.Sprintf("address 192.0.2.%d", i), 600)
	}
	if n := r.len(); n > 60 {
		t.Errorf("%d buckets kept a minute later, with 60 clients calling since", n)
	}
}

// What a request is charged when its headers are written: its operation's cost, or one point for an answer
// from the cache, a request that ran no operation, or one refused for its cost; later operations (an export's
// pages) when it ends.
func TestChargingWriterCharges(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_900_000_000, 0)}
	const limit, maxCost = 1_000_000, 500_000
	cases := []struct {
		name  string
		costs []int // reported before the headers, then one more after them for each further entry
		cache string
		// headers is what is charged by the time the headers are written, charged by the end
		headers, charged int
	}{
		{"an operation", []int{4021}, "", 4021, 4021},
		{"a miss", []int{4021}, cacheMiss, 4021, 4021},
		{"a cache hit", nil, cacheHit, 1, 1},
		{"a stale answer", nil, cacheStale, 1, 1},
		{"no operation", nil, "", 1, 1},
		{"refused for its cost", []int{9_000_000}, "", 1, 1},
		{"an export of three pages", []int{90_000, 90_000, 90_000}, cacheBypass, 90_000, 270_000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &rateLimiter{buckets: newRateBuckets(clock.now, 10), limits: RateLimits{Anonymous: limit}, maxCost: maxCost}
			h := l.limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				infoOf(r.Context()).set("", c.cache)
				if len(c.costs) > 0 {
					reportCost(r.Context(), c.costs[0])
				}
				_, _ = w.Write([]byte("{}"))
				for _, cost := range c.costs[min(1, len(c.costs)):] {
					reportCost(r.Context(), cost)
				}
			}))
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader("{}"))
			req = req.WithContext(context.WithValue(req.Context(), requestInfoKey{}, &requestInfo{}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if want := limit - c.headers; w.Header().Get(headerRateRemaining) != fmt.Sprint(want) {
				t.Errorf("RateLimit-Remaining %s, want %d", w.Header().Get(headerRateRemaining), want)
			}
			if s, _ := l.buckets.admit("address 192.0.2.1", limit); s.remaining != limit-c.charged {
				t.Errorf("the bucket holds %d, want %d", s.remaining, limit-c.charged)
			}
		})
	}
}

// The client's address: the peer's, unless the peer is a trusted proxy, then the right-most X-Forwarded-For
// entry that is not a trusted proxy; a forged entry left of it changes nothing, an entry that is not an address
// stops the walk; IPv6 clients count by their /64.
func TestClientAddress(t *testing.T) {
	trusted, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8,")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		peer, xff string
		trusted   []netip.Prefix
		want      string
	}{
		{"192.0.2.1:4000", "", nil, "192.0.2.1"},
		{"192.0.2.1:4000", "203.0.113.7", nil, "192.0.2.1"},
		{"192.0.2.1:4000", "203.0.113.7", trusted, "192.0.2.1"}, // the peer is no proxy of ours
		{"10.1.1.1:4000", "203.0.113.7", trusted, "203.0.113.7"},
		{"10.1.1.1:4000", "198.51.100.9, 203.0.113.7, 10.2.2.2", trusted, "203.0.113.7"},
		{"10.1.1.1:4000", "10.3.3.3, 10.2.2.2", trusted, "10.3.3.3"}, // only proxies: the farthest
		{"10.1.1.1:4000", "203.0.113.7, garbage", trusted, "10.1.1.1"},
		{"10.1.1.1:4000", "", trusted, "10.1.1.1"},
		{"127.0.0.1:4000", "2001:db8:1:2:3:4:5:6", trusted, "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::9]:4000", "", nil, "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.1]:4000", "", nil, "192.0.2.1"},
		{"[fd00::1]:4000", "::ffff:203.0.113.7", trusted, "203.0.113.7"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddress(r, c.trusted); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q, trusted %v: %s, want %s", c.peer, c.xff, c.trusted != nil, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0/8", "proxy.internal", "10.0.0.0/33", "10.0.0.0/8;fd00::/8"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), "CIDR") {
			t.Errorf("TRUSTED_PROXIES=%q: %v", bad, err)
		}
	}
}
