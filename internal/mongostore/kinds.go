package mongostore

import (
	"context"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The order fields every content type shares.
func nameSort[T any](name func(*T) string) relay.Sort[*T] {
	return relay.Sort[*T]{Field: "sortName", Type: relay.String, Value: func(t *T) any { return name(t) }}
}

func (s *Store) coalitionKind() *kind[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder] {
	type C = content.Coalition
	return &kind[C, content.CoalitionFilter, *content.CoalitionOrder]{
		store: s, coll: s.db.Collection(collections[content.TypeCoalition].name), typ: content.TypeCoalition, unique: "slug", arg: "slug",
		id: func(c *C) string { return c.ID },
		fields: map[string]relay.Sort[*C]{
			"NAME":        nameSort(func(c *C) string { return c.SortName }),
			"COUNTRY":     {Field: "countryCode", Type: relay.String, Value: func(c *C) any { return c.CountryCode }},
			"STATUS":      {Field: "status", Type: relay.String, Value: func(c *C) any { return string(c.Status) }},
			"LAUNCH_YEAR": {Field: "launchYear", Type: relay.Int, Null: true, Value: func(c *C) any { return c.LaunchYear }},
			"UPDATED_AT":  {Field: "updatedAt", Type: relay.Time, Value: func(c *C) any { return c.UpdatedAt }},
		},
		def:       []*content.CoalitionOrder{{Field: "NAME", Direction: content.ASC}},
		countries: func(c *C) []string { return []string{c.CountryCode} },
		index: func(c *C, countries map[string]string) {
			c.CountryName = countries[c.CountryCode]
			c.Index = content.NewIndex(c.Name, c.SearchFields())
			c.RosterIDs = make([]string, len(c.Roster))
			for i, m := range c.Roster {
				c.RosterIDs[i] = m.StakeholderID
			}
		},
		compile: s.compileCoalition,
	}
}

func (s *Store) compileCoalition(ctx context.Context, f *content.CoalitionFilter) (bson.D, error) {
	var c conds
	in(&c, content.CoalitionCountry.Field, codes(f.Country))
	in(&c, "status", f.Status)
	in(&c, "scope", f.Scope)
	in(&c, "focusAreas", f.FocusArea)
	c.intRange("launchYear", f.LaunchYear)
	c.all("tags", f.Tags)
	if err := c.search(f.Search); err != nil {
		return nil, err
	}
	c.timeRange("updatedAt", f.UpdatedAt)
	if err := s.members(ctx, &c, "filter.hasMember", content.TypeStakeholder, f.HasMember); err != nil {
		return nil, err
	}
	if err := s.referredBy(ctx, &c, "filter.hasInitiative", content.LinkedTo, f.HasInitiative); err != nil {
		return nil, err
	}
	return combine(ctx, c, f.And, f.Or, f.Not, s.compileCoalition)
}

func (s *Store) stakeholderKind() *kind[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder] {
	type S = content.Stakeholder
	return &kind[S, content.StakeholderFilter, *content.StakeholderOrder]{
		store: s, coll: s.db.Collection(collections[content.TypeStakeholder].name), typ: content.TypeStakeholder, unique: "slug", arg: "slug",
		id: func(x *S) string { return x.ID },
		fields: map[string]relay.Sort[*S]{
			"NAME":       nameSort(func(x *S) string { return x.SortName }),
			"KIND":       {Field: "kind", Type: relay.String, Value: func(x *S) any { return string(x.Kind) }},
			"CATEGORY":   {Field: "category", Type: relay.String, Value: func(x *S) any { return string(x.Category) }},
			"COUNTRY":    {Field: "countryCode", Type: relay.String, Null: true, Value: func(x *S) any { return x.CountryCode }},
			"UPDATED_AT": {Field: "updatedAt", Type: relay.Time, Value: func(x *S) any { return x.UpdatedAt }},
		},
		def: []*content.StakeholderOrder{{Field: "NAME", Direction: content.ASC}},
		countries: func(x *S) []string {
			if x.CountryCode == nil {
				return nil
			}
			return []string{*x.CountryCode}
		},
		index: func(x *S, countries map[string]string) {
			x.CountryName = ""
			if x.CountryCode != nil {
				x.CountryName = countries[*x.CountryCode]
			}
			x.Index = content.NewIndex(x.Name, x.SearchFields())
		},
		compile: s.compileStakeholder,
	}
}

func (s *Store) compileStakeholder(ctx context.Context, f *content.StakeholderFilter) (bson.D, error) {
	var c conds
	in(&c, "kind", f.Kind)
	in(&c, "category", f.Category)
	in(&c, content.StakeholderCountry.Field, codes(f.Country))
	c.all("tags", f.Tags)
	if err := c.search(f.Search); err != nil {
		return nil, err
	}
	c.timeRange("updatedAt", f.UpdatedAt)
	if err := s.members(ctx, &c, "filter.memberOf", content.TypeCoalition, f.MemberOf); err != nil {
		return nil, err
	}
	if err := s.referredBy(ctx, &c, "filter.partnerOf", content.PartnerOf, f.PartnerOf); err != nil {
		return nil, err
	}
	return combine(ctx, c, f.And, f.Or, f.Not, s.compileStakeholder)
}

func (s *Store) initiativeKind() *kind[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder] {
	type I = content.Initiative
	return &kind[I, content.InitiativeFilter, *content.InitiativeOrder]{
		store: s, coll: s.db.Collection(collections[content.TypeInitiative].name), typ: content.TypeInitiative, unique: "slug", arg: "slug",
		id: func(x *I) string { return x.ID },
		fields: map[string]relay.Sort[*I]{
			"NAME":       nameSort(func(x *I) string { return x.SortName }),
			"SCOPE":      {Field: "scope", Type: relay.String, Value: func(x *I) any { return string(x.Scope) }},
			"START_YEAR": {Field: "startYear", Type: relay.Int, Null: true, Value: func(x *I) any { return x.StartYear }},
			"UPDATED_AT": {Field: "updatedAt", Type: relay.Time, Value: func(x *I) any { return x.UpdatedAt }},
		},
		def:       []*content.InitiativeOrder{{Field: "NAME", Direction: content.ASC}},
		countries: func(x *I) []string { return x.CountryCodes },
		index: func(x *I, countries map[string]string) {
			x.CountryNames = make([]string, len(x.CountryCodes))
			for i, code := range x.CountryCodes {
				x.CountryNames[i] = countries[code]
			}
			x.Index = content.NewIndex(x.Name, x.SearchFields())
		},
		compile: s.compileInitiative,
	}
}

func (s *Store) compileInitiative(ctx context.Context, f *content.InitiativeFilter) (bson.D, error) {
	var c conds
	in(&c, "scope", f.Scope)
	in(&c, content.InitiativeCountries.Field, codes(f.Country))
	in(&c, "focusAreas", f.FocusArea)
	c.intRange("startYear", f.StartYear)
	c.all("tags", f.Tags)
	if err := c.search(f.Search); err != nil {
		return nil, err
	}
	c.timeRange("updatedAt", f.UpdatedAt)
	if err := c.refersTo("filter.hasPartner", content.PartnerOf, f.HasPartner); err != nil {
		return nil, err
	}
	if err := c.refersTo("filter.hasCoalition", content.LinkedTo, f.HasCoalition); err != nil {
		return nil, err
	}
	return combine(ctx, c, f.And, f.Or, f.Not, s.compileInitiative)
}

func (s *Store) toolkitKind() *kind[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder] {
	type T = content.ToolkitSection
	return &kind[T, content.ToolkitSectionFilter, *content.ToolkitSectionOrder]{
		store: s, coll: s.db.Collection(collections[content.TypeToolkitSection].name), typ: content.TypeToolkitSection, unique: "slug", arg: "slug",
		id: func(x *T) string { return x.ID },
		fields: map[string]relay.Sort[*T]{
			"POSITION":   {Field: "position", Type: relay.String, Value: func(x *T) any { return x.Position }},
			"TITLE":      nameSort(func(x *T) string { return x.SortName }),
			"UPDATED_AT": {Field: "updatedAt", Type: relay.Time, Value: func(x *T) any { return x.UpdatedAt }},
		},
		def: []*content.ToolkitSectionOrder{{Field: "POSITION", Direction: content.ASC}},
		index: func(x *T, _ map[string]string) {
			x.Index = content.NewIndex(x.Title, x.SearchFields())
		},
		compile: s.compileToolkit,
	}
}

func (s *Store) compileToolkit(ctx context.Context, f *content.ToolkitSectionFilter) (bson.D, error) {
	var c conds
	if err := c.refersTo("filter.parent", content.ParentOf, f.Parent); err != nil {
		return nil, err
	}
	if err := c.refersTo("filter.ancestor", content.AncestorOf, f.Ancestor); err != nil {
		return nil, err
	}
	c.intRange("depth", f.Depth)
	if f.Proposed != nil {
		c.eq("proposed", *f.Proposed)
	}
	c.all("tags", f.Tags)
	if err := c.search(f.Search); err != nil {
		return nil, err
	}
	c.timeRange("updatedAt", f.UpdatedAt)
	return combine(ctx, c, f.And, f.Or, f.Not, s.compileToolkit)
}

func (s *Store) blogPostKind() *kind[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder] {
	type B = content.BlogPost
	return &kind[B, content.BlogPostFilter, *content.BlogPostOrder]{
		store: s, coll: s.db.Collection(collections[content.TypeBlogPost].name), typ: content.TypeBlogPost, unique: "slug", arg: "slug",
		id: func(x *B) string { return x.ID },
		fields: map[string]relay.Sort[*B]{
			"PUBLISHED_ON": {Field: "publishedOn", Type: relay.Time, Null: true, Value: func(x *B) any { return x.PublishedOn }},
			"TITLE":        nameSort(func(x *B) string { return x.SortName }),
			"UPDATED_AT":   {Field: "updatedAt", Type: relay.Time, Value: func(x *B) any { return x.UpdatedAt }},
		},
		def: []*content.BlogPostOrder{{Field: "PUBLISHED_ON", Direction: content.DESC}},
		index: func(x *B, _ map[string]string) {
			x.Index = content.NewIndex(x.Title, x.SearchFields())
			x.PublishedMonth = month(x.PublishedOn)
		},
		compile: s.compileBlogPost,
	}
}

func (s *Store) compileBlogPost(ctx context.Context, f *content.BlogPostFilter) (bson.D, error) {
	var c conds
	if err := c.refersTo("filter.author", content.Authored, f.Author); err != nil {
		return nil, err
	}
	if err := c.refersTo("filter.publisher", content.Published, f.Publisher); err != nil {
		return nil, err
	}
	if err := c.refersTo("filter.mentions", content.Mentions, f.Mentions); err != nil {
		return nil, err
	}
	c.dateRange("publishedOn", f.PublishedOn)
	c.all("tags", f.Tags)
	if err := c.search(f.Search); err != nil {
		return nil, err
	}
	c.timeRange("updatedAt", f.UpdatedAt)
	return combine(ctx, c, f.And, f.Or, f.Not, s.compileBlogPost)
}

func (s *Store) countryKind() *kind[content.Country, content.CountryFilter, *content.CountryOrder] {
	type C = content.Country
	return &kind[C, content.CountryFilter, *content.CountryOrder]{
		store: s, coll: s.db.Collection(collections[content.TypeCountry].name), typ: content.TypeCountry, unique: "_id", arg: "code",
		id: func(x *C) string { return x.Code },
		fields: map[string]relay.Sort[*C]{
			"NAME": nameSort(func(x *C) string { return x.SortName }),
			"CODE": {Field: "_id", Type: relay.String, Value: func(x *C) any { return x.Code }},
		},
		def: []*content.CountryOrder{{Field: "NAME", Direction: content.ASC}},
		index: func(x *C, _ map[string]string) {
			x.Index = content.NewIndex(x.Name, x.SearchFields())
		},
		compile: func(ctx context.Context, f *content.CountryFilter) (bson.D, error) {
			var c conds
			in(&c, "_id", codes(f.Code))
			if f.EUMember != nil {
				c.eq("euMember", *f.EUMember)
			}
			if err := c.search(f.Search); err != nil {
				return nil, err
			}
			return combine[content.CountryFilter](ctx, c, nil, nil, nil, nil)
		},
	}
}
