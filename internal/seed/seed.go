// Package seed holds the seed content (seed.json, embedded in the binary) and loads a dataset into the store
// idempotently through the store's write primitives: items are matched by slug, so loading twice leaves one copy,
// and loading unchanged content writes nothing.
package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"coalitiongraph/internal/content"
)

//go:embed seed.json
var seedJSON []byte

// Dataset is content written with slugs for references, as in seed.json (see FORMAT.md).
type Dataset struct {
	Countries       []Country     `json:"countries"`
	Stakeholders    []Stakeholder `json:"stakeholders"`
	Coalitions      []Coalition   `json:"coalitions"`
	Initiatives     []Initiative  `json:"initiatives"`
	ToolkitSections []Section     `json:"toolkitSections"`
	BlogPosts       []BlogPost    `json:"blogPosts"`
}

// Country is a country of the dataset.
type Country struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	EUMember bool   `json:"euMember"`
}

// Stakeholder is a stakeholder of the dataset.
type Stakeholder struct {
	Slug        string                      `json:"slug"`
	Name        string                      `json:"name"`
	Kind        content.StakeholderKind     `json:"kind"`
	Category    content.StakeholderCategory `json:"category"`
	CountryCode *string                     `json:"countryCode"`
	Position    *string                     `json:"position"`
	Description *string                     `json:"description"`
	Website     *string                     `json:"website"`
	Tags        []string                    `json:"tags"`
	SourceURL   *string                     `json:"sourceUrl"`
}

// Coalition is a coalition of the dataset, with its members by stakeholder slug.
type Coalition struct {
	Slug        string                  `json:"slug"`
	Name        string                  `json:"name"`
	CountryCode string                  `json:"countryCode"`
	Status      content.CoalitionStatus `json:"status"`
	Scope       content.CoalitionScope  `json:"scope"`
	LaunchYear  *int                    `json:"launchYear"`
	Description *string                 `json:"description"`
	Website     *string                 `json:"website"`
	FocusAreas  []content.FocusArea     `json:"focusAreas"`
	Tags        []string                `json:"tags"`
	SourceURL   *string                 `json:"sourceUrl"`
	Members     []Member                `json:"members"`
}

// Member is a membership of a coalition, by stakeholder slug.
type Member struct {
	Stakeholder string                 `json:"stakeholder"`
	Role        content.MembershipRole `json:"role"`
	Since       *int                   `json:"since"`
}

// Initiative is an initiative of the dataset, with partners and coalitions by slug.
type Initiative struct {
	Slug         string                  `json:"slug"`
	Name         string                  `json:"name"`
	Scope        content.InitiativeScope `json:"scope"`
	CountryCodes []string                `json:"countryCodes"`
	StartYear    *int                    `json:"startYear"`
	Description  *string                 `json:"description"`
	Website      *string                 `json:"website"`
	FocusAreas   []content.FocusArea     `json:"focusAreas"`
	Tags         []string                `json:"tags"`
	SourceURL    *string                 `json:"sourceUrl"`
	Partners     []string                `json:"partners"`
	Coalitions   []string                `json:"coalitions"`
}

// Section is a toolkit section of the dataset; Parent is the parent's slug. Parents come before their children.
type Section struct {
	Slug      string   `json:"slug"`
	Title     string   `json:"title"`
	Parent    *string  `json:"parent"`
	Order     int      `json:"order"`
	Summary   *string  `json:"summary"`
	Body      *string  `json:"body"`
	Proposed  bool     `json:"proposed"`
	Tags      []string `json:"tags"`
	SourceURL *string  `json:"sourceUrl"`
}

// BlogPost is a blog post of the dataset; people, publisher and mentions by slug.
type BlogPost struct {
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	PublishedOn *string   `json:"publishedOn"`
	Excerpt     *string   `json:"excerpt"`
	Body        *string   `json:"body"`
	Authors     []string  `json:"authors"`
	Publisher   *string   `json:"publisher"`
	Mentions    []Mention `json:"mentions"`
	Tags        []string  `json:"tags"`
	SourceURL   *string   `json:"sourceUrl"`
}

// Mention names a piece of content by type and slug.
type Mention struct {
	Type content.TypeName `json:"type"`
	Slug string           `json:"slug"`
}

// Content returns the embedded seed content.
func Content() (*Dataset, error) {
	var d Dataset
	dec := json.NewDecoder(bytes.NewReader(seedJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("seed: read seed.json: %w", err)
	}
	return &d, nil
}

// ID is the id an item of the seed gets when it is first written: derived from its type and slug, so that the
// seed content has the same global IDs on every machine (the IDE's example queries and the README rely on them).
// An item already stored keeps the id it has.
func ID(t content.TypeName, slug string) string {
	sum := sha256.Sum256([]byte(string(t) + ":" + slug))
	return hex.EncodeToString(sum[:12])
}

// collection is what the seed needs of one collection of the store: what is stored, and the write primitives.
type collection[T any] interface {
	All(context.Context) ([]*T, error)
	Create(context.Context, *T) (*T, error)
	Update(ctx context.Context, id string, version int, apply func(*T)) (*T, error)
}

// bulk is a collection that creates a block of new items at once (the store's CreateMany): one command per
// collection and stage rather than several per item, with the same result.
type bulk[T any] interface {
	CreateMany(context.Context, []*T) ([]*T, error)
}

// family is one collection as the seed writes it: the items stored before the load, by key (a slug; a country's
// code; a membership's pair), read once.
type family[T any] struct {
	coll   collection[T]
	stored map[string]*T
	used   map[string]bool // the ids stored or given
	// fresh are the new items put and not yet created, with their keys (see flush)
	fresh     []*T
	freshKeys []string
	// ref returns an item's id and version; kept copies to dst the fields the store sets (id, version, updatedAt
	// and the derived ones), so that an item of the dataset compares equal to the same item stored.
	ref  func(*T) (string, int)
	kept func(dst, src *T)
}

func newFamily[T any](ctx context.Context, c collection[T], key func(*T) string, ref func(*T) (string, int), kept func(dst, src *T)) (*family[T], error) {
	all, err := c.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed: read what is stored: %w", err)
	}
	f := &family[T]{coll: c, stored: map[string]*T{}, used: map[string]bool{}, ref: ref, kept: kept}
	for _, it := range all {
		f.stored[key(it)] = it
		id, _ := ref(it)
		f.used[id] = true
	}
	return f, nil
}

// id is the id of the item with the given key: the stored item's, else the seed's ID of the slug, or, when
// another stored item has that one (it was renamed), the first free variant of it.
func (f *family[T]) id(t content.TypeName, key string) string {
	if it, ok := f.stored[key]; ok {
		id, _ := f.ref(it)
		return id
	}
	id := ID(t, key)
	for i := 1; f.used[id]; i++ {
		id = ID(t, fmt.Sprintf("%s#%d", key, i))
	}
	f.used[id] = true
	return id
}

// put writes want, which has the id its key gives it (see id): a new item is created; a stored one that differs
// is replaced whole (a field want lacks is gone) against the version read; an equal one is left as it is.
// changed forces the write of an equal item whose derived fields are out of date.
//
// New items are created when the family is flushed, as a block when the collection can (see bulk): a new item
// is valid (Validate, as the store checks it) or refused at once, and one key given twice is a CONFLICT.
func (f *family[T]) put(ctx context.Context, key string, want *T, changed bool) error {
	cur, ok := f.stored[key]
	if !ok {
		if _, ok := f.coll.(bulk[T]); !ok {
			_, err := f.coll.Create(ctx, want)
			return err
		}
		if v, ok := any(want).(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return err
			}
		}
		if slices.Contains(f.freshKeys, key) {
			return content.Errorf(content.EConflict, "slug", "the dataset gives %q twice", key)
		}
		f.fresh, f.freshKeys = append(f.fresh, want), append(f.freshKeys, key)
		return nil
	}
	same := *want
	f.kept(&same, cur)
	if !changed && reflect.DeepEqual(&same, cur) {
		return nil
	}
	id, version := f.ref(cur)
	_, err := f.coll.Update(ctx, id, version, func(it *T) { *it = *want })
	return err
}

// flush creates the new items put since the last flush, as one block.
func (f *family[T]) flush(ctx context.Context) error {
	if len(f.fresh) == 0 {
		return nil
	}
	_, err := f.coll.(bulk[T]).CreateMany(ctx, f.fresh)
	f.fresh, f.freshKeys = nil, nil
	return err
}

// loader writes a dataset: the families of the store, and the ids of the dataset's items by type and slug, as
// far as they are known (references must name items of the dataset).
type loader struct {
	countries    *family[content.Country]
	stakeholders *family[content.Stakeholder]
	coalitions   *family[content.Coalition]
	initiatives  *family[content.Initiative]
	toolkit      *family[content.ToolkitSection]
	posts        *family[content.BlogPost]
	ids          map[content.TypeName]map[string]string
	// renamed are the codes of the countries whose name this load changed: the items linked to them are written
	// again, so that their derived country names follow.
	renamed map[string]bool
}

// Load writes the dataset into the store through its write primitives. It reads what is stored once per
// collection, then writes the items of the dataset that are new (Create; as one block per collection when the
// store can, see bulk) and each that differs from the stored one (Update against the version read); an unchanged
// item is not written, so that loading the same dataset again writes nothing. It writes as the System viewer and publishes what it writes (see
// content.WithPublishOnWrite), so that the dataset is in both stages. Items are matched by slug (countries by code, memberships by their pair), and
// keep the id they have.
func Load(ctx context.Context, store content.Store, d *Dataset) error {
	ctx = content.WithScope(content.WithPublishOnWrite(ctx), content.ScopeDraft)
	l := &loader{ids: map[content.TypeName]map[string]string{}, renamed: map[string]bool{}}
	for _, t := range []content.TypeName{content.TypeCountry, content.TypeStakeholder, content.TypeCoalition,
		content.TypeInitiative, content.TypeToolkitSection, content.TypeBlogPost} {
		l.ids[t] = map[string]string{}
	}
	var err error
	if l.countries, err = newFamily(ctx, store.Countries(), func(c *content.Country) string { return c.Code },
		func(c *content.Country) (string, int) { return c.Code, c.Version },
		func(dst, src *content.Country) {
			dst.Version, dst.UpdatedAt, dst.Index = src.Version, src.UpdatedAt, src.Index
		}); err != nil {
		return err
	}
	if l.stakeholders, err = newFamily(ctx, store.Stakeholders(), func(s *content.Stakeholder) string { return s.Slug },
		func(s *content.Stakeholder) (string, int) { return s.ID, s.Version },
		func(dst, src *content.Stakeholder) {
			dst.Version, dst.UpdatedAt, dst.Index, dst.CountryName = src.Version, src.UpdatedAt, src.Index, src.CountryName
			dst.Record = src.Record
		}); err != nil {
		return err
	}
	if l.coalitions, err = newFamily(ctx, store.Coalitions(), func(c *content.Coalition) string { return c.Slug },
		func(c *content.Coalition) (string, int) { return c.ID, c.Version },
		func(dst, src *content.Coalition) {
			dst.Version, dst.UpdatedAt, dst.Index, dst.CountryName = src.Version, src.UpdatedAt, src.Index, src.CountryName
			dst.Record, dst.RosterIDs = src.Record, src.RosterIDs
		}); err != nil {
		return err
	}
	if l.initiatives, err = newFamily(ctx, store.Initiatives(), func(i *content.Initiative) string { return i.Slug },
		func(i *content.Initiative) (string, int) { return i.ID, i.Version },
		func(dst, src *content.Initiative) {
			dst.Version, dst.UpdatedAt, dst.Index, dst.CountryNames = src.Version, src.UpdatedAt, src.Index, src.CountryNames
			dst.Record = src.Record
		}); err != nil {
		return err
	}
	if l.toolkit, err = newFamily(ctx, store.ToolkitSections(), func(s *content.ToolkitSection) string { return s.Slug },
		func(s *content.ToolkitSection) (string, int) { return s.ID, s.Version },
		func(dst, src *content.ToolkitSection) {
			dst.Version, dst.UpdatedAt, dst.Index = src.Version, src.UpdatedAt, src.Index
			dst.Record = src.Record
		}); err != nil {
		return err
	}
	if l.posts, err = newFamily(ctx, store.BlogPosts(), func(p *content.BlogPost) string { return p.Slug },
		func(p *content.BlogPost) (string, int) { return p.ID, p.Version },
		func(dst, src *content.BlogPost) {
			dst.Version, dst.UpdatedAt, dst.Index, dst.PublishedMonth = src.Version, src.UpdatedAt, src.Index, src.PublishedMonth
			dst.Record = src.Record
		}); err != nil {
		return err
	}
	// each step's new items are created before the next step, whose items refer to them
	steps := []struct {
		write func(context.Context, *Dataset) error
		flush func(context.Context) error
		t     content.TypeName
	}{{l.writeCountries, l.countries.flush, content.TypeCountry}, {l.writeStakeholders, l.stakeholders.flush, content.TypeStakeholder},
		{l.writeCoalitions, l.coalitions.flush, content.TypeCoalition}, {l.writeInitiatives, l.initiatives.flush, content.TypeInitiative},
		{l.writeToolkit, l.toolkit.flush, content.TypeToolkitSection}, {l.writePosts, l.posts.flush, content.TypeBlogPost}}
	for _, step := range steps {
		if err := step.write(ctx, d); err != nil {
			return err
		}
		if err := step.flush(ctx); err != nil {
			return fmt.Errorf("seed: create the new %s items: %w", step.t, err)
		}
	}
	return nil
}

func (l *loader) id(t content.TypeName, slug string) (string, error) {
	id, ok := l.ids[t][slug]
	if !ok {
		return "", fmt.Errorf("seed: unknown %s %q", t, slug)
	}
	return id, nil
}

func (l *loader) idList(t content.TypeName, slugs []string) ([]string, error) {
	out := []string{}
	for _, s := range slugs {
		id, err := l.id(t, s)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// country checks that the codes name countries of the dataset, and tells whether this load renamed one.
func (l *loader) country(codes ...string) (renamed bool, err error) {
	for _, code := range codes {
		if _, err := l.id(content.TypeCountry, code); err != nil {
			return false, err
		}
		renamed = renamed || l.renamed[code]
	}
	return renamed, nil
}

func failed(t content.TypeName, slug string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("seed: %s %q: %w", t, slug, err)
}

func (l *loader) writeCountries(ctx context.Context, d *Dataset) error {
	for _, c := range d.Countries {
		if cur, ok := l.countries.stored[c.Code]; ok && cur.Name != c.Name {
			l.renamed[c.Code] = true
		}
		err := l.countries.put(ctx, c.Code, &content.Country{Code: c.Code, Name: c.Name, EUMember: c.EUMember}, false)
		if err != nil {
			return failed(content.TypeCountry, c.Code, err)
		}
		l.ids[content.TypeCountry][c.Code] = c.Code
	}
	return nil
}

func (l *loader) writeStakeholders(ctx context.Context, d *Dataset) error {
	for _, s := range d.Stakeholders {
		var renamed bool
		var err error
		if s.CountryCode != nil {
			if renamed, err = l.country(*s.CountryCode); err != nil {
				return err
			}
		}
		id := l.stakeholders.id(content.TypeStakeholder, s.Slug)
		err = l.stakeholders.put(ctx, s.Slug, &content.Stakeholder{
			ID: id, Slug: s.Slug, Name: s.Name, Kind: s.Kind, Category: s.Category, CountryCode: s.CountryCode,
			Position: s.Position, Description: s.Description, Website: s.Website, Tags: list(s.Tags), SourceURL: s.SourceURL,
		}, renamed)
		if err != nil {
			return failed(content.TypeStakeholder, s.Slug, err)
		}
		l.ids[content.TypeStakeholder][s.Slug] = id
	}
	return nil
}

func (l *loader) writeCoalitions(ctx context.Context, d *Dataset) error {
	for _, c := range d.Coalitions {
		renamed, err := l.country(c.CountryCode)
		if err != nil {
			return err
		}
		roster := []content.MemberRef{}
		for _, m := range c.Members {
			sid, err := l.id(content.TypeStakeholder, m.Stakeholder)
			if err != nil {
				return err
			}
			roster = append(roster, content.MemberRef{StakeholderID: sid, Role: m.Role, Since: m.Since})
		}
		id := l.coalitions.id(content.TypeCoalition, c.Slug)
		err = l.coalitions.put(ctx, c.Slug, &content.Coalition{
			ID: id, Slug: c.Slug, Name: c.Name, CountryCode: c.CountryCode, Status: c.Status, Scope: c.Scope,
			LaunchYear: c.LaunchYear, Description: c.Description, Website: c.Website, FocusAreas: list(c.FocusAreas),
			Tags: list(c.Tags), SourceURL: c.SourceURL, Roster: roster,
		}, renamed)
		if err != nil {
			return failed(content.TypeCoalition, c.Slug, err)
		}
		l.ids[content.TypeCoalition][c.Slug] = id
	}
	return nil
}

func (l *loader) writeInitiatives(ctx context.Context, d *Dataset) error {
	for _, i := range d.Initiatives {
		renamed, err := l.country(i.CountryCodes...)
		if err != nil {
			return err
		}
		partners, err := l.idList(content.TypeStakeholder, i.Partners)
		if err != nil {
			return err
		}
		coalitions, err := l.idList(content.TypeCoalition, i.Coalitions)
		if err != nil {
			return err
		}
		id := l.initiatives.id(content.TypeInitiative, i.Slug)
		err = l.initiatives.put(ctx, i.Slug, &content.Initiative{
			ID: id, Slug: i.Slug, Name: i.Name, Scope: i.Scope, CountryCodes: list(i.CountryCodes), StartYear: i.StartYear,
			Description: i.Description, Website: i.Website, FocusAreas: list(i.FocusAreas), Tags: list(i.Tags),
			SourceURL: i.SourceURL, PartnerIDs: partners, CoalitionIDs: coalitions,
		}, renamed)
		if err != nil {
			return failed(content.TypeInitiative, i.Slug, err)
		}
		l.ids[content.TypeInitiative][i.Slug] = id
	}
	return nil
}

// writeToolkit writes the sections parents first, each placed under its parent (content.ToolkitSection.Place).
func (l *loader) writeToolkit(ctx context.Context, d *Dataset) error {
	placed := map[string]*content.ToolkitSection{}
	for _, s := range d.ToolkitSections {
		sec := &content.ToolkitSection{
			ID: l.toolkit.id(content.TypeToolkitSection, s.Slug), Slug: s.Slug, Title: s.Title, Order: s.Order, Summary: s.Summary,
			Body: s.Body, Proposed: s.Proposed, Tags: list(s.Tags), SourceURL: s.SourceURL,
		}
		var parent *content.ToolkitSection
		if s.Parent != nil {
			var ok bool
			if parent, ok = placed[*s.Parent]; !ok {
				return fmt.Errorf("seed: toolkit section %q comes before its parent %q", s.Slug, *s.Parent)
			}
		}
		sec.Place(parent)
		if err := l.toolkit.put(ctx, s.Slug, sec, false); err != nil {
			return failed(content.TypeToolkitSection, s.Slug, err)
		}
		l.ids[content.TypeToolkitSection][s.Slug] = sec.ID
		placed[s.Slug] = sec
	}
	return nil
}

// writePosts writes the blog posts. Posts may mention posts in any order: their ids are known before any is
// written (stored, or derived from the slug), so each post is written once, with its mentions.
func (l *loader) writePosts(ctx context.Context, d *Dataset) error {
	for _, p := range d.BlogPosts {
		l.ids[content.TypeBlogPost][p.Slug] = l.posts.id(content.TypeBlogPost, p.Slug)
	}
	for _, p := range d.BlogPosts {
		post := &content.BlogPost{ID: l.ids[content.TypeBlogPost][p.Slug], Slug: p.Slug, Title: p.Title, Excerpt: p.Excerpt,
			Body: p.Body, Tags: list(p.Tags), SourceURL: p.SourceURL, MentionKeys: []string{}}
		if p.PublishedOn != nil {
			day, err := time.Parse(time.DateOnly, *p.PublishedOn)
			if err != nil {
				return fmt.Errorf("seed: blog post %q: %w", p.Slug, err)
			}
			post.PublishedOn = &day
		}
		var err error
		if post.AuthorIDs, err = l.idList(content.TypeStakeholder, p.Authors); err != nil {
			return err
		}
		if p.Publisher != nil {
			id, err := l.id(content.TypeStakeholder, *p.Publisher)
			if err != nil {
				return err
			}
			post.PublisherID = &id
		}
		for _, m := range p.Mentions {
			id, err := l.id(m.Type, m.Slug)
			if err != nil {
				return err
			}
			post.MentionKeys = append(post.MentionKeys, content.KeyOf(m.Type, id))
		}
		if err := l.posts.put(ctx, p.Slug, post, false); err != nil {
			return failed(content.TypeBlogPost, p.Slug, err)
		}
	}
	return nil
}

func list[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
