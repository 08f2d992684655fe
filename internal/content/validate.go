package content

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The bounds Validate holds content to.
const (
	// MaxNameLen bounds a name, a title or a person's position, in characters.
	MaxNameLen = 200
	// MaxSlugLen bounds a slug, in characters (a slug is ASCII).
	MaxSlugLen = 100
	// MaxTextLen bounds a description, summary, excerpt or body, in bytes (100 kB).
	MaxTextLen = 100_000
	// MaxTagLen bounds a tag, in characters.
	MaxTagLen = 50
	// MaxURLLen bounds a website or source URL, in bytes.
	MaxURLLen = 2048
	// MinYear and MaxYear bound launch, start and membership years and publication dates.
	MinYear, MaxYear = 1900, 2100
	// MaxToolkitOrder bounds a toolkit section's order: Position pads each order to four digits, so a larger one
	// would sort the tree wrongly.
	MaxToolkitOrder = 9999
)

// Validate checks every field a client sets. It returns nil, or one *Error with code EInvalid whose Fields list
// every bad field at once, in the order of the struct's fields, each with its path (such as "name" or "tags.2")
// and the reason. The derived fields (ID, Version, UpdatedAt, CountryName, Index) are not checked; nor whether
// the references exist or the slug is free, which only the store knows.
func (c Coalition) Validate() error {
	var v validation
	v.slug("slug", c.Slug)
	v.name("name", c.Name)
	v.country("countryCode", c.CountryCode)
	checkEnum(&v, "status", c.Status, CoalitionStatuses)
	checkEnum(&v, "scope", c.Scope, CoalitionScopes)
	v.year("launchYear", c.LaunchYear)
	v.text("description", c.Description)
	v.link("website", c.Website)
	checkEnums(&v, "focusAreas", c.FocusAreas, FocusAreas)
	v.tags("tags", c.Tags)
	v.link("sourceUrl", c.SourceURL)
	members := map[string]bool{}
	for i, m := range c.Roster {
		at := fmt.Sprintf("roster.%d.", i)
		v.ref(at+"stakeholderId", TypeStakeholder, m.StakeholderID)
		if members[m.StakeholderID] {
			v.fail(at+"stakeholderId", "is a member of the coalition already")
		}
		members[m.StakeholderID] = true
		checkEnum(&v, at+"role", m.Role, MembershipRoles)
		v.year(at+"since", m.Since)
	}
	return v.err()
}

// Validate checks every field a client sets and reports every bad one at once; see Coalition.Validate. A
// position is a person's: an organisation has none.
func (s Stakeholder) Validate() error {
	var v validation
	v.slug("slug", s.Slug)
	v.name("name", s.Name)
	checkEnum(&v, "kind", s.Kind, StakeholderKinds)
	checkEnum(&v, "category", s.Category, StakeholderCategories)
	if s.CountryCode != nil {
		v.country("countryCode", *s.CountryCode)
	}
	if s.Position != nil && s.Kind == KindOrganisation {
		v.fail("position", "only a PERSON has a position; leave it out (null) for an ORGANISATION")
	} else {
		v.line("position", s.Position)
	}
	v.text("description", s.Description)
	v.link("website", s.Website)
	v.tags("tags", s.Tags)
	v.link("sourceUrl", s.SourceURL)
	return v.err()
}

// Validate checks every field a client sets and reports every bad one at once; see Coalition.Validate.
func (i Initiative) Validate() error {
	var v validation
	v.slug("slug", i.Slug)
	v.name("name", i.Name)
	checkEnum(&v, "scope", i.Scope, InitiativeScopes)
	checkEach(&v, "countryCodes", i.CountryCodes, v.country)
	v.year("startYear", i.StartYear)
	v.text("description", i.Description)
	v.link("website", i.Website)
	checkEnums(&v, "focusAreas", i.FocusAreas, FocusAreas)
	v.tags("tags", i.Tags)
	v.link("sourceUrl", i.SourceURL)
	v.refs("partnerIds", TypeStakeholder, i.PartnerIDs)
	v.refs("coalitionIds", TypeCoalition, i.CoalitionIDs)
	return v.err()
}

// Validate checks every field a client sets and reports every bad one at once; see Coalition.Validate. The tree
// fields Place derives (Depth, Number, Position, AncestorIDs) are not checked; a section cannot be its own parent,
// but a longer cycle is the store's to find.
func (t ToolkitSection) Validate() error {
	var v validation
	v.slug("slug", t.Slug)
	v.name("title", t.Title)
	if t.Order < 1 || t.Order > MaxToolkitOrder {
		v.fail("order", "must be from 1 to %d, the section's place among its siblings", MaxToolkitOrder)
	}
	if t.ParentID != nil && t.ID != "" && *t.ParentID == t.ID {
		v.fail("parentId", "must not be the section itself")
	} else if t.ParentID != nil {
		v.ref("parentId", TypeToolkitSection, *t.ParentID)
	}
	v.text("summary", t.Summary)
	v.text("body", t.Body)
	v.tags("tags", t.Tags)
	v.link("sourceUrl", t.SourceURL)
	return v.err()
}

// Validate checks every field a client sets and reports every bad one at once; see Coalition.Validate.
func (b BlogPost) Validate() error {
	var v validation
	v.slug("slug", b.Slug)
	v.name("title", b.Title)
	if b.PublishedOn != nil && (b.PublishedOn.Year() < MinYear || b.PublishedOn.Year() > MaxYear) {
		v.fail("publishedOn", "must be a day in the years %d to %d", MinYear, MaxYear)
	}
	v.text("excerpt", b.Excerpt)
	v.text("body", b.Body)
	v.tags("tags", b.Tags)
	v.link("sourceUrl", b.SourceURL)
	if b.PublisherID != nil {
		v.ref("publisherId", TypeStakeholder, *b.PublisherID)
	}
	v.refs("authorIds", TypeStakeholder, b.AuthorIDs)
	checkEach(&v, "mentionKeys", b.MentionKeys, v.mention)
	return v.err()
}

// Validate checks every field a client sets and reports every bad one at once; see Coalition.Validate. The code
// is the country's id, which the client gives.
func (c Country) Validate() error {
	var v validation
	v.country("code", c.Code)
	v.name("name", c.Name)
	return v.err()
}

// Validate checks every field a client sets and reports every bad one at once; see Coalition.Validate.
func (m Membership) Validate() error {
	var v validation
	v.ref("coalitionId", TypeCoalition, m.CoalitionID)
	v.ref("stakeholderId", TypeStakeholder, m.StakeholderID)
	checkEnum(&v, "role", m.Role, MembershipRoles)
	v.year("since", m.Since)
	return v.err()
}

// validation collects the bad fields of one item in the order they are checked, at most one reason per field
// path, so that a Validate method is a plain list of checks in the order of the struct's fields.
type validation struct{ bad []FieldError }

func (v *validation) fail(field, format string, args ...any) {
	v.bad = append(v.bad, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// maxListedFields bounds how many field paths the error's message names; Fields has them all.
const maxListedFields = 10

// err is nil, or the one BAD_USER_INPUT error that lists every bad field, such as "3 fields are not valid: name,
// slug, tags.2".
func (v *validation) err() error {
	if len(v.bad) == 0 {
		return nil
	}
	return (&Error{Code: EInvalid, Fields: v.bad}).Summarize()
}

// Summarize gives e, an error about the bad fields in its Fields, the message that lists them, such as "3 fields
// are not valid: name, slug, tags.2".
func (e *Error) Summarize() *Error {
	names := make([]string, min(len(e.Fields), maxListedFields))
	for i := range names {
		names[i] = e.Fields[i].Field
	}
	list := strings.Join(names, ", ")
	if more := len(e.Fields) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	what := "1 field is"
	if len(e.Fields) > 1 {
		what = fmt.Sprintf("%d fields are", len(e.Fields))
	}
	e.Message = what + " not valid: " + list
	return e
}

// name checks required one-line text: a name or a title.
func (v *validation) name(field, s string) {
	if strings.TrimSpace(s) == "" {
		v.fail(field, "is required and must not be blank")
		return
	}
	v.line(field, &s)
}

// line checks optional one-line text, such as a person's position.
func (v *validation) line(field string, s *string) {
	if s == nil || !v.textual(field, *s) {
		return
	}
	if utf8.RuneCountInString(*s) > MaxNameLen {
		v.fail(field, "must be at most %d characters long", MaxNameLen)
	} else if strings.ContainsFunc(*s, unicode.IsControl) {
		v.fail(field, "must be one line, without line breaks or control characters")
	}
}

// text checks optional multi-line text: a description, summary, excerpt or body.
func (v *validation) text(field string, s *string) {
	if s != nil {
		v.textual(field, *s)
	}
}

// textual checks what all given text must be: valid UTF-8, not blank (null says "none"), at most MaxTextLen
// bytes, and without control characters other than line breaks and tabs. It tells whether s passed.
func (v *validation) textual(field, s string) bool {
	switch {
	case !utf8.ValidString(s):
		v.fail(field, "must be valid UTF-8 text")
	case strings.TrimSpace(s) == "":
		v.fail(field, "must not be blank; leave it out (null) when there is none")
	case len(s) > MaxTextLen:
		v.fail(field, "must be at most %d bytes long (it has %d)", MaxTextLen, len(s))
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		v.fail(field, "must not contain control characters other than line breaks and tabs")
	default:
		return true
	}
	return false
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (v *validation) slug(field, s string) {
	switch {
	case s == "":
		v.fail(field, "is required")
	case len(s) > MaxSlugLen:
		v.fail(field, "must be at most %d characters long", MaxSlugLen)
	case !slugPattern.MatchString(s):
		v.fail(field, "must be lower-case letters and digits, in words joined by single hyphens, such as digital-skills")
	}
}

func (v *validation) country(field, code string) {
	if !ValidLocalID(TypeCountry, code) {
		v.fail(field, "must be an ISO 3166-1 alpha-2 country code in capitals, such as IE")
	}
}

func (v *validation) year(field string, y *int) {
	if y != nil && (*y < MinYear || *y > MaxYear) {
		v.fail(field, "must be a year from %d to %d", MinYear, MaxYear)
	}
}

func (v *validation) link(field string, s *string) {
	if s == nil {
		return
	}
	if len(*s) > MaxURLLen {
		v.fail(field, "must be at most %d bytes long", MaxURLLen)
		return
	}
	u, err := url.Parse(*s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.fail(field, "must be an absolute http or https URL, such as https://example.org/page")
	}
}

// ref checks a reference to an item of type t: its local id, as the store gives it.
func (v *validation) ref(field string, t TypeName, id string) {
	if !ValidLocalID(t, id) {
		v.fail(field, "must be the id of a %s (24 lower-case hex digits)", typeWords(t))
	}
}

// refs checks a list of references to items of type t, none twice.
func (v *validation) refs(field string, t TypeName, ids []string) {
	checkEach(v, field, ids, func(path, id string) { v.ref(path, t, id) })
}

// mention checks a mention's key: KeyOf a content type and a local id.
func (v *validation) mention(field, key string) {
	t, id, _ := strings.Cut(key, ":")
	if !contains(ContentTypes, TypeName(t)) || !ValidLocalID(TypeName(t), id) {
		v.fail(field, "must be the key of a coalition, stakeholder, initiative, toolkit section or blog post, such as Coalition:<its id>")
	}
}

// tags checks a list of tags: each one line, not blank, at most MaxTagLen characters, none twice.
func (v *validation) tags(field string, tags []string) {
	checkEach(v, field, tags, func(path, tag string) {
		if strings.TrimSpace(tag) == "" {
			v.fail(path, "must not be blank")
		} else if utf8.RuneCountInString(tag) > MaxTagLen {
			v.fail(path, "must be at most %d characters long", MaxTagLen)
		} else {
			v.line(path, &tag)
		}
	})
}

// checkEnum checks that e is one of valid (a required enum: the zero value is not one).
func checkEnum[E ~string](v *validation, field string, e E, valid []E) {
	if !slices.Contains(valid, e) {
		names := make([]string, len(valid))
		for i, x := range valid {
			names[i] = string(x)
		}
		v.fail(field, "must be one of %s", strings.Join(names, ", "))
	}
}

// checkEnums checks a list of enum values, each one of valid, none twice.
func checkEnums[E ~string](v *validation, field string, list, valid []E) {
	checkEach(v, field, list, func(path string, e E) { checkEnum(v, path, e, valid) })
}

// checkEach checks every element of a list with check, under the path "field.index", and reports an element
// equal to an earlier one, which no list of content needs.
func checkEach[T comparable](v *validation, field string, list []T, check func(path string, x T)) {
	first := make(map[T]int, len(list))
	for i, x := range list {
		path := fmt.Sprintf("%s.%d", field, i)
		before := len(v.bad)
		check(path, x)
		if j, seen := first[x]; seen && len(v.bad) == before {
			v.fail(path, "repeats %s.%d; give each value once", field, j)
		} else if !seen {
			first[x] = i
		}
	}
}

// typeWords is t in words, such as "toolkit section".
func typeWords(t TypeName) string {
	var b strings.Builder
	for i, r := range string(t) {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
