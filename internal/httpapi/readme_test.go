package httpapi_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/seed"
)

// Every GraphQL example in the README runs on the seed content without errors and finds something.
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(raw), -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d GraphQL examples in the README", len(blocks))
	}
	d, err := seed.Content()
	if err != nil {
		t.Fatal(err)
	}
	api := apitest.New(t, d)
	for _, b := range blocks {
		r := api.Query(b[1], nil)
		if len(r.Errors) > 0 {
			t.Errorf("errors %+v\n%s", r.Errors, b[1])
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r.Data, &fields); err != nil {
			t.Fatal(err)
		}
		for name, v := range fields {
			if s := string(v); s == "null" || strings.Contains(s, `"nodes":[]`) && !strings.Contains(s, `"nodes":[{`) {
				t.Errorf("%s finds nothing: %.200s", name, s)
			}
		}
	}
}
