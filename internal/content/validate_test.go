package content

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Local ids of the shape the store gives.
const (
	id1 = "0123456789abcdef01234567"
	id2 = "76543210fedcba9876543210"
)

func ptr[T any](v T) *T { return &v }

// validItems returns one valid item of each type, every field a client sets given.
func validItems() (Coalition, Stakeholder, Initiative, ToolkitSection, BlogPost, Country, Membership) {
	text, url := ptr("Digital skills for all.\n\nSecond paragraph."), ptr("https://example.org/page")
	return Coalition{ID: id1, Slug: "ireland", Name: "Ireland's Digital Skills Coalition", CountryCode: "IE",
			Status: StatusActive, Scope: CoalitionNational, LaunchYear: ptr(2017), Description: text, Website: url,
			FocusAreas: []FocusArea{FocusEducationCurricula, FocusSkillsCertification}, Tags: []string{"a", "b"},
			SourceURL: url},
		Stakeholder{Slug: "jane-doe", Name: "Jane Doe", Kind: KindPerson, Category: "NGO", CountryCode: ptr("BE"),
			Position: ptr("Digital Champion for Belgium"), Description: text, Website: url, Tags: []string{},
			SourceURL: url},
		Initiative{Slug: "eu-code-week", Name: "EU Code Week", Scope: InitiativeEuropean,
			CountryCodes: []string{"BE", "FR"}, StartYear: ptr(2013), Description: text, Website: url,
			FocusAreas: FocusAreas, Tags: []string{"code"}, SourceURL: url, PartnerIDs: []string{id1, id2},
			CoalitionIDs: []string{id2}},
		ToolkitSection{ID: id1, Slug: "why-build-a-coalition", Title: "Why build a coalition", Order: 1,
			ParentID: ptr(id2), Summary: text, Body: text, Proposed: true, Tags: []string{"start"}, SourceURL: url},
		BlogPost{Slug: "news-2017", Title: "News", PublishedOn: ptr(time.Date(2017, 4, 26, 0, 0, 0, 0, time.UTC)),
			Excerpt: text, Body: text, Tags: []string{"news"}, SourceURL: url, PublisherID: ptr(id1),
			AuthorIDs: []string{id2}, MentionKeys: []string{KeyOf(TypeCoalition, id1), KeyOf(TypeBlogPost, id1)}},
		Country{Code: "IE", Name: "Ireland", EUMember: true},
		Membership{CoalitionID: id1, StakeholderID: id2, Role: RoleCoordinator, Since: ptr(2017)}
}

type validator interface{ Validate() error }

func TestValidItemsPass(t *testing.T) {
	c, s, i, ts, b, co, m := validItems()
	// a minimal item, with no optional field given, passes too
	bare := Coalition{Slug: "x", Name: "X", CountryCode: "IE", Status: StatusForming, Scope: CoalitionLocal}
	for _, item := range []validator{c, s, i, ts, b, co, m, bare} {
		if err := item.Validate(); err != nil {
			t.Errorf("%T: %v", item, err)
		}
	}
}

func TestValidateReportsEveryBadFieldInOrder(t *testing.T) {
	c, s, i, ts, b, co, m := validItems()
	c.Slug, c.Name, c.CountryCode, c.Status, c.LaunchYear = "Ireland", " ", "ie", "", ptr(1899)
	c.Website, c.FocusAreas, c.Tags = ptr("example.org"), []FocusArea{"X", FocusSkillsCertification, FocusSkillsCertification}, []string{"a", "", "a"}
	s.Kind, s.Category, s.CountryCode, s.Position = KindOrganisation, "CHARITY", ptr("BEL"), ptr("Director")
	s.Description, s.SourceURL = ptr("   "), ptr("ftp://example.org")
	i.Scope, i.CountryCodes, i.StartYear = "GLOBAL", []string{"BE", "BE", "1E"}, ptr(2101)
	i.PartnerIDs, i.CoalitionIDs = []string{id1, "abc"}, []string{id2, id2}
	ts.Slug, ts.Title, ts.Order, ts.ParentID, ts.Body = "", strings.Repeat("t", MaxNameLen+1), 0, ptr(id1), ptr("a\x00b")
	ts.Tags = []string{strings.Repeat("t", MaxTagLen+1)}
	b.Title, b.PublishedOn, b.PublisherID = "Line\nbreak", ptr(time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC)), ptr("")
	b.AuthorIDs, b.MentionKeys = []string{id2, id2}, []string{"Country:IE", "Coalition:" + id1, "Coalition:" + id1, id1}
	co.Code, co.Name = "", "\xff"
	m.CoalitionID, m.Role, m.Since = "", "LEADER", ptr(3000)

	for _, tc := range []struct {
		item validator
		want []string
	}{
		{c, []string{"slug", "name", "countryCode", "status", "launchYear", "website", "focusAreas.0", "focusAreas.2",
			"tags.1", "tags.2"}},
		{s, []string{"category", "countryCode", "position", "description", "sourceUrl"}},
		{i, []string{"scope", "countryCodes.1", "countryCodes.2", "startYear", "partnerIds.1", "coalitionIds.1"}},
		{ts, []string{"slug", "title", "order", "parentId", "body", "tags.0"}},
		{b, []string{"title", "publishedOn", "publisherId", "authorIds.1", "mentionKeys.0", "mentionKeys.2", "mentionKeys.3"}},
		{co, []string{"code", "name"}},
		{m, []string{"coalitionId", "role", "since"}},
	} {
		err := tc.item.Validate()
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalid || e.Field != "" {
			t.Errorf("%T: got %v, want one BAD_USER_INPUT error", tc.item, err)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field)
			if f.Message == "" {
				t.Errorf("%T: %s has no reason", tc.item, f.Field)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%T: bad fields %v, want %v", tc.item, got, tc.want)
		}
		if want := "not valid: " + strings.Join(tc.want, ", "); !strings.HasSuffix(e.Message, want) {
			t.Errorf("%T: message %q, want it to end %q", tc.item, e.Message, want)
		}
	}
}

func TestValidateRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Coalition)
		bad    string // the one bad field, "" for none
	}{
		{"slug of 100 characters", func(c *Coalition) { c.Slug = strings.Repeat("a", MaxSlugLen) }, ""},
		{"slug of 101 characters", func(c *Coalition) { c.Slug = strings.Repeat("a", MaxSlugLen+1) }, "slug"},
		{"slug with digits", func(c *Coalition) { c.Slug = "2017-coalition-2" }, ""},
		{"slug with a double hyphen", func(c *Coalition) { c.Slug = "digital--skills" }, "slug"},
		{"slug with a trailing hyphen", func(c *Coalition) { c.Slug = "digital-" }, "slug"},
		{"slug with an underscore", func(c *Coalition) { c.Slug = "digital_skills" }, "slug"},
		{"name of 200 accented letters", func(c *Coalition) { c.Name = strings.Repeat("é", MaxNameLen) }, ""},
		{"name of 201 letters", func(c *Coalition) { c.Name = strings.Repeat("e", MaxNameLen+1) }, "name"},
		{"name with a tab", func(c *Coalition) { c.Name = "a\tb" }, "name"},
		{"description of 100 kB", func(c *Coalition) { c.Description = ptr(strings.Repeat("x", MaxTextLen)) }, ""},
		{"description over 100 kB", func(c *Coalition) { c.Description = ptr(strings.Repeat("x", MaxTextLen+1)) }, "description"},
		{"empty description", func(c *Coalition) { c.Description = ptr("") }, "description"},
		{"year 1900", func(c *Coalition) { c.LaunchYear = ptr(MinYear) }, ""},
		{"year 2100", func(c *Coalition) { c.LaunchYear = ptr(MaxYear) }, ""},
		{"http URL", func(c *Coalition) { c.Website = ptr("http://example.org") }, ""},
		{"relative URL", func(c *Coalition) { c.Website = ptr("/page") }, "website"},
		{"URL without host", func(c *Coalition) { c.Website = ptr("https:///page") }, "website"},
		{"javascript URL", func(c *Coalition) { c.Website = ptr("javascript:alert(1)") }, "website"},
		{"URL with a space in the host", func(c *Coalition) { c.SourceURL = ptr("https://exa mple.org") }, "sourceUrl"},
		{"tag of 50 characters", func(c *Coalition) { c.Tags = []string{strings.Repeat("t", MaxTagLen)} }, ""},
		{"tags differing in case", func(c *Coalition) { c.Tags = []string{"ict", "ICT"} }, ""},
		{"blank tag", func(c *Coalition) { c.Tags = []string{" "} }, "tags.0"},
		{"tag with a line break", func(c *Coalition) { c.Tags = []string{"a\nb"} }, "tags.0"},
		{"no focus areas", func(c *Coalition) { c.FocusAreas = nil }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _, _, _, _, _ := validItems()
			tc.change(&c)
			err := c.Validate()
			var e *Error
			switch {
			case tc.bad == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.bad != "" && (!errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != tc.bad):
				t.Errorf("got %v, want %s alone", err, tc.bad)
			}
		})
	}
}

func TestValidateMessageNamesTenFields(t *testing.T) {
	_, _, i, _, _, _, _ := validItems()
	i.Tags = strings.Split(strings.Repeat(" ,", 12), ",")[:12]
	var e *Error
	if !errors.As(i.Validate(), &e) || len(e.Fields) != 12 ||
		e.Message != "12 fields are not valid: tags.0, tags.1, tags.2, tags.3, tags.4, tags.5, tags.6, tags.7, tags.8, tags.9 and 2 more" {
		t.Errorf("got %v", e)
	}
	_, _, _, _, _, co, _ := validItems()
	co.Name = ""
	if err := co.Validate(); err == nil || err.Error() != "BAD_USER_INPUT: 1 field is not valid: name" {
		t.Errorf("got %v", err)
	}
}
