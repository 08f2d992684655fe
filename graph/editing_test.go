package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"coalitiongraph/graph/model"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"github.com/99designs/gqlgen/graphql"
)

// updateInputs are the update inputs, each with its conversion into the domain's update, for the tests that look
// at every field.
var updateInputs = []struct {
	input   any
	convert func(*conversion, any) any
	// moves are the update's fields its input leaves to another mutation.
	moves []string
}{
	{model.UpdateCoalitionInput{}, func(c *conversion, u any) any { return coalitionUpdate(c, u.(model.UpdateCoalitionInput)) }, nil},
	{model.UpdateStakeholderInput{}, func(c *conversion, u any) any { return stakeholderUpdate(c, u.(model.UpdateStakeholderInput)) }, nil},
	{model.UpdateInitiativeInput{}, func(c *conversion, u any) any { return initiativeUpdate(c, u.(model.UpdateInitiativeInput)) }, nil},
	{model.UpdateToolkitSectionInput{}, func(c *conversion, u any) any {
		return toolkitSectionUpdate(c, u.(model.UpdateToolkitSectionInput))
	}, []string{"Order", "ParentID"}},
	{model.UpdateBlogPostInput{}, func(c *conversion, u any) any { return blogPostUpdate(c, u.(model.UpdateBlogPostInput)) }, nil},
}

// TestUpdateInputsAreOmittable checks that gqlgen.yml makes every field of every update input omittable: a field
// added to the schema but not to the list would read "left out" and "null" alike.
func TestUpdateInputsAreOmittable(t *testing.T) {
	for _, u := range updateInputs {
		typ := reflect.TypeOf(u.input)
		for f := range typ.Fields() {
			if !strings.HasPrefix(f.Type.String(), "graphql.Omittable[") {
				t.Errorf("%s.%s is %s, not omittable: add it to the %s fields in gqlgen.yml", typ.Name(), f.Name, f.Type, typ.Name())
			}
		}
	}
}

// TestUpdateInputsSetEveryField gives every field of each update input a value and checks that the update then
// changes every field it can (the moves aside): a field forgotten by the conversion is left nil here.
func TestUpdateInputsSetEveryField(t *testing.T) {
	for _, u := range updateInputs {
		typ := reflect.TypeOf(u.input)
		t.Run(typ.Name(), func(t *testing.T) {
			doc := map[string]any{}
			for f := range typ.Fields() {
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				doc[name] = sample(name, f.Type.String())
			}
			raw, _ := json.Marshal(doc)
			in := reflect.New(typ)
			if err := json.Unmarshal(raw, in.Interface()); err != nil {
				t.Fatalf("decode %s: %v", raw, err)
			}
			conv := &conversion{}
			update := reflect.ValueOf(u.convert(conv, in.Elem().Interface()))
			for i, f := range slices.Collect(update.Type().Fields()) {
				if slices.Contains(u.moves, f.Name) {
					continue
				}
				if update.Field(i).IsNil() {
					t.Errorf("%s.%s is not set by any field of %s", update.Type().Name(), f.Name, typ.Name())
				}
			}
			if len(conv.bad) > 0 {
				t.Errorf("bad fields for valid values: %+v", conv.bad)
			}
		})
	}
}

// sample is a valid value of the omittable input field name's type, as JSON would carry it.
func sample(name, goType string) any {
	inner := strings.TrimSuffix(strings.TrimPrefix(goType, "graphql.Omittable["), "]")
	t := content.TypeStakeholder
	if name == "coalitions" {
		t = content.TypeCoalition
	}
	id := content.GlobalID(content.KeyOf(t, strings.Repeat("a", 24)))
	switch {
	case inner == "[]string":
		return []string{id}
	case strings.HasPrefix(inner, "[]"):
		return []string{"X"}
	case inner == "*int":
		return 2020
	case inner == "*bool":
		return true
	case inner == "*time.Time":
		return "2024-05-01T00:00:00Z"
	}
	return id // every string field takes one; references need it
}

func omitted[T any]() graphql.Omittable[T] { return graphql.Omittable[T]{} }

// sent is a field given a value (null too); omitted one left out.
func sent[T any](v T) graphql.Omittable[T] { return graphql.OmittableOf(v) }

func TestUpdateConversionTellsAbsentFromNull(t *testing.T) {
	stakeholder := content.GlobalID(content.KeyOf(content.TypeStakeholder, strings.Repeat("b", 24)))
	coalition := content.GlobalID(content.KeyOf(content.TypeCoalition, strings.Repeat("c", 24)))
	t.Run("absent leaves every field", func(t *testing.T) {
		conv := &conversion{}
		u := initiativeUpdate(conv, model.UpdateInitiativeInput{})
		if !u.Empty() || len(conv.bad) > 0 {
			t.Errorf("update %+v, bad %+v", u, conv.bad)
		}
	})
	t.Run("null clears optional fields and empties lists", func(t *testing.T) {
		conv := &conversion{}
		u := initiativeUpdate(conv, model.UpdateInitiativeInput{Website: sent[*string](nil), StartYear: sent[*int](nil),
			Tags: sent[[]string](nil), Partners: sent[[]string](nil)})
		if u.Website == nil || u.Website.Value != nil || u.StartYear == nil || u.StartYear.Value != nil {
			t.Errorf("website %+v, startYear %+v: want cleared", u.Website, u.StartYear)
		}
		if u.Tags == nil || *u.Tags == nil || len(*u.Tags) != 0 || u.PartnerIDs == nil || len(*u.PartnerIDs) != 0 {
			t.Errorf("tags %v, partners %v: want empty lists", u.Tags, u.PartnerIDs)
		}
		if u.Name != nil || u.Description != nil || u.CoalitionIDs != nil || len(conv.bad) > 0 {
			t.Errorf("fields not given changed: %+v (bad %+v)", u, conv.bad)
		}
	})
	t.Run("null for a required field is a bad field", func(t *testing.T) {
		conv := &conversion{}
		u := initiativeUpdate(conv, model.UpdateInitiativeInput{Slug: sent[*string](nil), Scope: sent[*content.InitiativeScope](nil),
			Name: sent(ptr("Kept"))})
		got := fieldsOf(conv.bad)
		if !slices.Equal(got, []string{"input.slug", "input.scope"}) {
			t.Errorf("bad fields %v, want input.slug and input.scope", got)
		}
		if u.Slug != nil || u.Scope != nil || u.Name == nil || *u.Name != "Kept" {
			t.Errorf("update %+v", u)
		}
	})
	t.Run("values set fields and references are decoded", func(t *testing.T) {
		conv := &conversion{}
		u := initiativeUpdate(conv, model.UpdateInitiativeInput{Website: sent(ptr("https://example.org")),
			Partners: sent([]string{stakeholder}), Coalitions: sent([]string{coalition})})
		if u.Website == nil || *u.Website.Value != "https://example.org" {
			t.Errorf("website %+v", u.Website)
		}
		if !slices.Equal(*u.PartnerIDs, []string{strings.Repeat("b", 24)}) || !slices.Equal(*u.CoalitionIDs, []string{strings.Repeat("c", 24)}) {
			t.Errorf("partners %v, coalitions %v", *u.PartnerIDs, *u.CoalitionIDs)
		}
		if len(conv.bad) > 0 {
			t.Errorf("bad %+v", conv.bad)
		}
	})
	t.Run("bad references are named by their place, which keeps its index", func(t *testing.T) {
		conv := &conversion{}
		u := initiativeUpdate(conv, model.UpdateInitiativeInput{Partners: sent([]string{stakeholder, "nonsense", coalition})})
		if got := fieldsOf(conv.bad); !slices.Equal(got, []string{"input.partners.1", "input.partners.2"}) {
			t.Errorf("bad fields %v", got)
		}
		if len(*u.PartnerIDs) != 3 || (*u.PartnerIDs)[0] != strings.Repeat("b", 24) {
			t.Errorf("partners %v", *u.PartnerIDs)
		}
	})
	t.Run("an optional reference clears with null", func(t *testing.T) {
		conv := &conversion{}
		u := blogPostUpdate(conv, model.UpdateBlogPostInput{Publisher: sent[*string](nil), Mentions: sent([]string{coalition})})
		if u.PublisherID == nil || u.PublisherID.Value != nil {
			t.Errorf("publisher %+v, want cleared", u.PublisherID)
		}
		if !slices.Equal(*u.MentionKeys, []string{content.KeyOf(content.TypeCoalition, strings.Repeat("c", 24))}) {
			t.Errorf("mentions %v", *u.MentionKeys)
		}
		if u2 := blogPostUpdate(conv, model.UpdateBlogPostInput{Publisher: omitted[*string]()}); u2.PublisherID != nil {
			t.Errorf("publisher left out: %+v", u2.PublisherID)
		}
	})
}

func TestCreateConversion(t *testing.T) {
	conv := &conversion{}
	item := newBlogPost(conv, model.CreateBlogPostInput{Slug: "a-post", Title: "A post",
		Authors: []string{content.GlobalID(content.KeyOf(content.TypeCoalition, strings.Repeat("c", 24)))}})
	if got := fieldsOf(conv.bad); !slices.Equal(got, []string{"input.authors.0"}) {
		t.Errorf("a coalition as an author: bad fields %v", got)
	}
	if item.Tags == nil || item.MentionKeys == nil || item.PublisherID != nil {
		t.Errorf("lists left out must be empty, not null; optional fields null: %+v", item)
	}
	// the item's own validation names the same place, so that it is reported once
	var ce *content.Error
	if err := validate(item); !asError(err, &ce) || !slices.Contains(fieldsOf(named(ce.Fields, blogPostEditing.paths)), "input.authors.0") {
		t.Errorf("validation of the item: %v", err)
	}
}

func TestStoreFieldsAreNamedByInputPaths(t *testing.T) {
	cases := []struct {
		paths       paths
		code, field string
		want        string
	}{
		{initiativeEditing.paths, content.EInvalid, "partnerIds.2", "input.partners.2"},
		{initiativeEditing.paths, content.EInvalid, "countryCodes.0", "input.countries.0"},
		{initiativeEditing.paths, content.EInvalid, "website", "input.website"},
		{initiativeEditing.paths, content.EConflict, "slug", "input.slug"},
		{initiativeEditing.paths, content.EConflict, "version", "expectedVersion"},
		{initiativeEditing.paths, content.ENotFound, "id", "id"},
		{blogPostEditing.paths, content.EInvalid, "mentionKeys.1", "input.mentions.1"},
		{blogPostEditing.paths, content.EInvalid, "publisherId", "input.publisher"},
		{blogPostEditing.paths, content.EInvalid, "authorIds.0", "input.authors.0"},
		{toolkitEditing.paths, content.EInvalid, "parentId", "input.parent"},
		{coalitionEditing.paths, content.EInvalid, "countryCode", "input.country"},
		{memberArgs, content.EInvalid, "roster.1.role", "role"},
		{memberArgs, content.EInvalid, "roster.3.stakeholderId", "stakeholder"},
		{memberArgs, content.ENotFound, "id", "coalition"},
		{memberArgs, content.EConflict, "version", "expectedVersion"},
		{moveArgs, content.EInvalid, "parentId", "parent"},
		{moveArgs, content.EInvalid, "order", "position"},
		{argument, content.ENotFound, "version", "version"}, // restore: the history's version
	}
	for _, c := range cases {
		if got := c.paths(c.code, c.field); got != c.want {
			t.Errorf("%s %s: got %s, want %s", c.code, c.field, got, c.want)
		}
	}
	got := named([]content.FieldError{{Field: "partnerIds.2", Message: "repeats partnerIds.0; give each value once"}}, initiativeEditing.paths)
	if got[0].Message != "repeats input.partners.0; give each value once" {
		t.Errorf("message %q", got[0].Message)
	}
}

func TestJSONIsWrittenAsJSON(t *testing.T) {
	for doc, want := range map[string]string{`{"name":"A","tags":[]}`: `{"name":"A","tags":[]}`, `not json`: `"not json"`} {
		var b bytes.Buffer
		relay.MarshalJSON(doc).MarshalGQL(&b)
		if b.String() != want {
			t.Errorf("%s: wrote %s, want %s", doc, b.String(), want)
		}
	}
}

func TestChangeCursorsRoundTrip(t *testing.T) {
	c := &content.Change{Revision: 42, Type: content.TypeCoalition, At: time.Now()}
	cursor := relay.EncodeCursor(changeKeys, c)
	w, err := relay.ParseWindow(nil, nil, &cursor, nil)
	if err != nil || relay.Check(w, changeKeys) != nil || w.After.Values[0] != int64(42) {
		t.Fatalf("cursor %q: %v %v", cursor, w.After, err)
	}
	other := relay.EncodeCursor([]relay.Sort[*content.Change]{{Field: "at", Type: relay.Time, Value: func(c *content.Change) any { return c.At }}}, c)
	w, _ = relay.ParseWindow(nil, nil, &other, nil)
	if err := relay.Check(w, changeKeys); content.ErrorCode(err) != content.EInvalid {
		t.Errorf("a cursor of another ordering: %v", err)
	}
}

func fieldsOf(bad []content.FieldError) []string {
	out := make([]string, len(bad))
	for i, f := range bad {
		out[i] = f.Field
	}
	return out
}

func asError(err error, target **content.Error) bool {
	e, ok := err.(*content.Error)
	*target = e
	return ok
}
