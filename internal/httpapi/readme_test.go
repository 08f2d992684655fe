package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"coalitiongraph/internal/apitest"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/httpapi"
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
	// a PREVIEW key, which the history examples need; it reads the published stage like anyone
	preview := http.Header{"Authorization": {"Bearer " + api.Key(t, "readme", content.RolePreview)}}
	for _, b := range blocks {
		r := api.QueryWith(preview, b[1], nil)
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

// The README's Limits table lists every limit the service has, with its default, variable, flag and error code.
func TestReadmeListsEveryLimit(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(raw), "\n## Limits\n")
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if m := regexp.MustCompile("`([A-Z_]+)` \\| `-").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	for _, s := range httpapi.Settings {
		row, ok := rows[s.Env]
		if !ok {
			t.Errorf("the README's Limits table has no row for %s", s.Env)
			continue
		}
		cells := strings.Split(row, "|")
		if got := strings.ReplaceAll(strings.TrimSpace(cells[2]), ",", ""); got != strconv.Itoa(s.Default) {
			t.Errorf("%s: the README says the default is %s, the code %d", s.Env, got, s.Default)
		}
		if !strings.Contains(row, "`-"+s.Flag+"`") {
			t.Errorf("%s: the README does not name the flag -%s", s.Env, s.Flag)
		}
		if s.Code != "" && !strings.Contains(row, "`"+s.Code+"`") {
			t.Errorf("%s: the README does not name the error code %s", s.Env, s.Code)
		}
	}
	if len(rows) != len(httpapi.Settings) {
		t.Errorf("the README lists %d limits, the code has %d", len(rows), len(httpapi.Settings))
	}
}
