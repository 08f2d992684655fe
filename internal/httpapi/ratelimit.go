package httpapi

import (
	"container/list"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"coalitiongraph/internal/content"
)

// Rate limits charged by cost. Each client has a token bucket of points: its API key (by the key's name), else its
// address (IPv6 addresses by their /64, the block one host is given). A bucket holds at most its limit, the
// points a minute of the client's role (RateLimits), and refills continuously at a sixtieth of that a second. A
// request is admitted while its bucket holds at least one point; it is charged when its cost is known, at the
// latest when its answer's headers are written: its operation's cost (graph/cost.go), or one point for an answer
// from the response cache, a request refused before its operation ran, or one that ran none. A bucket may so go
// below zero after an expensive operation, and then refuses until it has refilled to one point: over any
// stretch of time a client spends at most its limit a minute, besides the bucket it starts with and the one
// request that overdraws it. An export is charged for each of its pages as it reads it: the first before its
// headers, the others while it streams. RateLimit-Reset is the seconds until the bucket is full again;
// Retry-After, on a 429, until it holds a point, when the next request is admitted.

// RateLimits are the points a minute each kind of client may spend (Settings): anonymous clients per address,
// keys by their role.
type RateLimits struct {
	Anonymous, Preview, Editor, Admin int
}

// of is the limit of a viewer (nil: anonymous).
func (l RateLimits) of(v *content.Viewer) int {
	switch {
	case v == nil:
		return l.Anonymous
	case v.Role == content.RoleAdmin:
		return l.Admin
	case v.Role == content.RoleEditor:
		return l.Editor
	}
	return l.Preview
}

// rateBucketsMax bounds the buckets kept: about 200 bytes each, so at most some 10 MB however many addresses
// call. Past it the least recently used bucket goes; buckets that have refilled go sooner (rateBuckets.sweep).
const rateBucketsMax = 50_000

// rateBuckets are the clients' token buckets, the least recently used last. A bucket that is full holds what a
// new one would, so forgetting it changes nothing; only the cap forgets buckets that are not full, the least
// recently used first.
type rateBuckets struct {
	now func() time.Time
	max int
	mu  sync.Mutex
	// byKey finds a client's bucket in lru, whose front is the most recently used.
	byKey map[string]*list.Element
	lru   *list.List
}

func newRateBuckets(now func() time.Time, max int) *rateBuckets {
	return &rateBuckets{now: now, max: max, byKey: map[string]*list.Element{}, lru: list.New()}
}

// bucket is one client's points as of a moment.
type bucket struct {
	key string
	// limit is both the most the bucket holds and what it regains in a minute.
	limit  float64
	points float64
	at     time.Time
}

// refill brings the bucket to now under limit (which changes when a key's role does).
func (b *bucket) refill(now time.Time, limit float64) {
	b.limit = limit
	if d := now.Sub(b.at); d > 0 {
		b.points += d.Seconds() * limit / 60
		b.at = now
	}
	b.points = min(b.points, limit)
}

// rateState is what a client is told of its bucket: the RateLimit fields, and when it is refused Retry-After.
type rateState struct {
	// limit is the points a minute; remaining the whole points left, never below zero.
	limit, remaining int
	// reset is the seconds until the bucket is full again; retryAfter until it holds a point (0: it does).
	reset, retryAfter int
}

func (b *bucket) state() rateState {
	perSecond := b.limit / 60
	s := rateState{limit: int(b.limit), remaining: int(max(0, math.Floor(b.points)))}
	s.reset = int(math.Ceil((b.limit - b.points) / perSecond))
	if b.points < 1 {
		s.retryAfter = max(1, int(math.Ceil((1-b.points)/perSecond)))
	}
	return s
}

// bucket returns key's bucket brought to now, making a full one if it has none. The caller holds mu.
func (r *rateBuckets) bucket(key string, limit int, now time.Time) *bucket {
	r.sweep(now)
	if e, ok := r.byKey[key]; ok {
		r.lru.MoveToFront(e)
		b := e.Value.(*bucket)
		b.refill(now, float64(limit))
		return b
	}
	if r.lru.Len() >= r.max {
		r.remove(r.lru.Back())
	}
	b := &bucket{key: key, limit: float64(limit), points: float64(limit), at: now}
	r.byKey[key] = r.lru.PushFront(b)
	return b
}

// sweep forgets up to two of the least recently used buckets that are full again: each request does a little of
// the clearing, so that no goroutine is needed and the map shrinks back once a burst of clients has gone.
func (r *rateBuckets) sweep(now time.Time) {
	for range 2 {
		e := r.lru.Back()
		if e == nil {
			return
		}
		b := e.Value.(*bucket)
		if b.refill(now, b.limit); b.points < b.limit {
			return
		}
		r.remove(e)
	}
}

func (r *rateBuckets) remove(e *list.Element) {
	delete(r.byKey, e.Value.(*bucket).key)
	r.lru.Remove(e)
}

// admit tells whether key's bucket holds a point, and its state.
func (r *rateBuckets) admit(key string, limit int) (rateState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucket(key, limit, r.now())
	return b.state(), b.points >= 1
}

// charge takes points from key's bucket, below zero if need be, and returns its state.
func (r *rateBuckets) charge(key string, limit int, points int64) rateState {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucket(key, limit, r.now())
	b.points -= float64(points)
	return b.state()
}

// len is how many buckets are kept.
func (r *rateBuckets) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lru.Len()
}

// rateLimiter is the middleware that admits and charges requests; it runs after authenticate, which tells who
// the client is.
type rateLimiter struct {
	buckets *rateBuckets
	limits  RateLimits
	// maxCost is MAX_QUERY_COST: an operation reported dearer was refused before it ran.
	maxCost int64
	trusted []netip.Prefix
}

func newRateLimiter(cfg Config) *rateLimiter {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &rateLimiter{buckets: newRateBuckets(now, rateBucketsMax), limits: cfg.RateLimits,
		maxCost: int64(cfg.Limits.MaxCost), trusted: cfg.TrustedProxies}
}

// Rate-limit response headers (draft-ietf-httpapi-ratelimit-headers, the three-field form).
const (
	headerRateLimit     = "RateLimit-Limit"
	headerRateRemaining = "RateLimit-Remaining"
	headerRateReset     = "RateLimit-Reset"
)

func (s rateState) setHeaders(h http.Header) {
	h.Set(headerRateLimit, strconv.Itoa(s.limit))
	h.Set(headerRateRemaining, strconv.Itoa(s.remaining))
	h.Set(headerRateReset, strconv.Itoa(s.reset))
}

// limit admits a request while its client's bucket holds a point, else answers 429 with Retry-After and
// RATE_LIMITED; an admitted request is charged as its answer's headers are written (chargingWriter), and for
// what it still reports after them (an export's later pages) when it ends.
func (l *rateLimiter) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		viewer := content.ViewerOf(r.Context())
		key, who := "address "+clientAddress(r, l.trusted), "this address"
		if viewer != nil {
			key, who = "key "+viewer.Name, "this API key"
		}
		limit := l.limits.of(viewer)
		state, ok := l.buckets.admit(key, limit)
		if !ok {
			state.setHeaders(w.Header())
			w.Header().Set("Retry-After", strconv.Itoa(state.retryAfter))
			writeError(w, http.StatusTooManyRequests, content.ERateLimited, fmt.Sprintf(
				"the rate limit of %d points a minute for %s is spent (a request costs its query's cost, an answer from the cache one point): retry after %d seconds",
				limit, who, state.retryAfter))
			return
		}
		cw := &chargingWriter{ResponseWriter: w, limiter: l, key: key, limitPoints: limit, info: infoOf(r.Context())}
		defer cw.settle()
		next.ServeHTTP(cw, r)
	})
}

// chargingWriter charges its request when the answer's headers are written, and puts the bucket's state in them.
type chargingWriter struct {
	http.ResponseWriter
	limiter     *rateLimiter
	key         string
	limitPoints int
	info        *requestInfo
	// charged says the request was charged; cost is the cost reported by then.
	charged bool
	cost    int64
}

func (c *chargingWriter) WriteHeader(status int) {
	if !c.charged {
		c.settle().setHeaders(c.Header())
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *chargingWriter) Write(b []byte) (int, error) {
	if !c.charged {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the exports flush and set deadlines).
func (c *chargingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// settle charges what the request has cost so far and not been charged: the first time its operation's cost, or
// one point (a cached answer, no operation, an operation refused for its cost); afterwards what more operations
// reported (an export's pages).
func (c *chargingWriter) settle() rateState {
	var cost int64
	cached := false
	if c.info != nil {
		cost = c.info.cost.Load()
		c.info.mu.Lock()
		cached = c.info.cache == cacheHit || c.info.cache == cacheStale
		c.info.mu.Unlock()
	}
	points := cost - c.cost
	if !c.charged && (cached || cost <= 0 || cost > c.limiter.maxCost) {
		points = 1
	} else if c.charged && (cached || points <= 0) {
		return rateState{}
	}
	c.charged, c.cost = true, cost
	return c.limiter.buckets.charge(c.key, c.limitPoints, points)
}

// clientAddress is the address a request's bucket is kept for: the peer's, or when the peer is a trusted proxy
// the right-most address of X-Forwarded-For that is not one (proxies append the address they were called from, so
// only the entries right of the first untrusted one can be believed). IPv6 addresses count by their /64.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if isTrusted(addr, trusted) {
		forwarded := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(forwarded) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(forwarded[i]))
			if err != nil {
				break // not an address: what lies left of it cannot be believed either
			}
			if addr = hop.Unmap(); !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads TRUSTED_PROXIES: comma-separated CIDRs (such as 10.0.0.0/8, fd00::/8) or single
// addresses, the proxies whose X-Forwarded-For is believed.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, field := range strings.Split(s, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		if !strings.Contains(field, "/") {
			addr, err := netip.ParseAddr(field)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a CIDR such as 10.0.0.0/8 nor an address", field)
			}
			out = append(out, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(field)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", field)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-96))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
