package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Past its capacity the server refuses at once, with a 503 that says when to retry and a typed error, instead
// of queueing; a place that frees up is taken again.
func TestAdmitShedsPastCapacity(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{})
	h := admit(1, millis(10), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/graphql", nil))
	}()
	<-entered

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/graphql", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	var body struct {
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "SERVICE_OVERLOADED" {
		t.Fatalf("body %s", w.Body)
	}

	close(release)
	wg.Wait()
	done := make(chan struct{})
	go func() { <-entered; close(done) }()
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/graphql", nil))
	<-done
	if w.Code != http.StatusOK {
		t.Fatalf("after the place freed: status %d", w.Code)
	}
}
