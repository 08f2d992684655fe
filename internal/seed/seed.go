// Package seed holds the seed content (seed.json, embedded in the binary) and loads a dataset into the store
// idempotently: every item is upserted by its slug, so loading twice leaves one copy.
package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/mongostore"
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

// loader resolves slugs to the ids the store gave them.
type loader struct {
	store *mongostore.Store
	ids   map[content.TypeName]map[string]string
}

// ID is the id an item of the seed gets when it is first written: derived from its type and slug, so that the
// seed content has the same global IDs on every machine (the IDE's example queries and the README rely on them).
// An item already stored keeps the id it has.
func ID(t content.TypeName, slug string) string {
	sum := sha256.Sum256([]byte(string(t) + ":" + slug))
	return hex.EncodeToString(sum[:12])
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

func (l *loader) put(t content.TypeName, slug string, put func() (string, error)) error {
	id, err := put()
	if err != nil {
		return fmt.Errorf("seed: %s %q: %w", t, slug, err)
	}
	l.ids[t][slug] = id
	return nil
}

// Load writes the dataset into the store. It is idempotent: items are matched by slug (countries by code and
// memberships by their pair), so loading again updates them in place.
func Load(ctx context.Context, store *mongostore.Store, d *Dataset) error {
	l := &loader{store: store, ids: map[content.TypeName]map[string]string{}}
	for _, t := range []content.TypeName{content.TypeCountry, content.TypeStakeholder, content.TypeCoalition,
		content.TypeInitiative, content.TypeToolkitSection, content.TypeBlogPost} {
		l.ids[t] = map[string]string{}
	}
	steps := []func(context.Context, *Dataset) error{l.countries, l.stakeholders, l.coalitions, l.initiatives, l.toolkit, l.blogPosts}
	for _, step := range steps {
		if err := step(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) countries(ctx context.Context, d *Dataset) error {
	for _, c := range d.Countries {
		err := l.put(content.TypeCountry, c.Code, func() (string, error) {
			return l.store.Put(ctx, &content.Country{Code: c.Code, Name: c.Name, EUMember: c.EUMember})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) country(code *string) error {
	if code != nil {
		_, err := l.id(content.TypeCountry, *code)
		return err
	}
	return nil
}

func (l *loader) stakeholders(ctx context.Context, d *Dataset) error {
	for _, s := range d.Stakeholders {
		if err := l.country(s.CountryCode); err != nil {
			return err
		}
		err := l.put(content.TypeStakeholder, s.Slug, func() (string, error) {
			return l.store.Put(ctx, &content.Stakeholder{
				ID: ID(content.TypeStakeholder, s.Slug), Slug: s.Slug, Name: s.Name, Kind: s.Kind, Category: s.Category, CountryCode: s.CountryCode,
				Position: s.Position, Description: s.Description, Website: s.Website, Tags: list(s.Tags), SourceURL: s.SourceURL,
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) coalitions(ctx context.Context, d *Dataset) error {
	for _, c := range d.Coalitions {
		if err := l.country(&c.CountryCode); err != nil {
			return err
		}
		err := l.put(content.TypeCoalition, c.Slug, func() (string, error) {
			return l.store.Put(ctx, &content.Coalition{
				ID: ID(content.TypeCoalition, c.Slug), Slug: c.Slug, Name: c.Name, CountryCode: c.CountryCode, Status: c.Status, Scope: c.Scope,
				LaunchYear: c.LaunchYear, Description: c.Description, Website: c.Website, FocusAreas: list(c.FocusAreas),
				Tags: list(c.Tags), SourceURL: c.SourceURL,
			})
		})
		if err != nil {
			return err
		}
		for _, m := range c.Members {
			sid, err := l.id(content.TypeStakeholder, m.Stakeholder)
			if err != nil {
				return err
			}
			err = l.store.PutMembership(ctx, &content.Membership{
				CoalitionID: l.ids[content.TypeCoalition][c.Slug], StakeholderID: sid, Role: m.Role, Since: m.Since,
			})
			if err != nil {
				return fmt.Errorf("seed: membership of %q in %q: %w", m.Stakeholder, c.Slug, err)
			}
		}
	}
	return nil
}

func (l *loader) initiatives(ctx context.Context, d *Dataset) error {
	for _, i := range d.Initiatives {
		for _, code := range i.CountryCodes {
			if err := l.country(&code); err != nil {
				return err
			}
		}
		partners, err := l.idList(content.TypeStakeholder, i.Partners)
		if err != nil {
			return err
		}
		coalitions, err := l.idList(content.TypeCoalition, i.Coalitions)
		if err != nil {
			return err
		}
		err = l.put(content.TypeInitiative, i.Slug, func() (string, error) {
			return l.store.Put(ctx, &content.Initiative{
				ID: ID(content.TypeInitiative, i.Slug), Slug: i.Slug, Name: i.Name, Scope: i.Scope, CountryCodes: list(i.CountryCodes), StartYear: i.StartYear,
				Description: i.Description, Website: i.Website, FocusAreas: list(i.FocusAreas), Tags: list(i.Tags),
				SourceURL: i.SourceURL, PartnerIDs: partners, CoalitionIDs: coalitions,
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// toolkit writes the sections parents first, deriving each one's depth, outline number, reading-order position
// and ancestors from its parent.
func (l *loader) toolkit(ctx context.Context, d *Dataset) error {
	written := map[string]*content.ToolkitSection{}
	for _, s := range d.ToolkitSections {
		sec := &content.ToolkitSection{
			ID: ID(content.TypeToolkitSection, s.Slug), Slug: s.Slug, Title: s.Title, Order: s.Order, Summary: s.Summary, Body: s.Body, Proposed: s.Proposed,
			Tags: list(s.Tags), SourceURL: s.SourceURL,
		}
		var parent *content.ToolkitSection
		if s.Parent != nil {
			var ok bool
			if parent, ok = written[*s.Parent]; !ok {
				return fmt.Errorf("seed: toolkit section %q comes before its parent %q", s.Slug, *s.Parent)
			}
		}
		sec.Place(parent)
		err := l.put(content.TypeToolkitSection, s.Slug, func() (string, error) {
			return l.store.Put(ctx, sec)
		})
		if err != nil {
			return err
		}
		sec.ID = l.ids[content.TypeToolkitSection][s.Slug]
		written[s.Slug] = sec
	}
	return nil
}

func (l *loader) blogPosts(ctx context.Context, d *Dataset) error {
	// Posts may mention posts: give every post an id first (inserting only the new ones, so that a reload never
	// blanks a stored post) so that order in the file does not matter.
	for _, p := range d.BlogPosts {
		if err := l.put(content.TypeBlogPost, p.Slug, func() (string, error) {
			stored, err := l.store.BlogPosts().BySlug(ctx, p.Slug)
			if err == nil {
				return stored.ID, nil
			}
			if content.ErrorCode(err) != content.ENotFound {
				return "", err
			}
			return l.store.Put(ctx, &content.BlogPost{ID: ID(content.TypeBlogPost, p.Slug), Slug: p.Slug, Title: p.Title})
		}); err != nil {
			return err
		}
	}
	for _, p := range d.BlogPosts {
		post := &content.BlogPost{Slug: p.Slug, Title: p.Title, Excerpt: p.Excerpt, Body: p.Body, Tags: list(p.Tags),
			SourceURL: p.SourceURL, MentionKeys: []string{}}
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
		if err := l.put(content.TypeBlogPost, p.Slug, func() (string, error) {
			return l.store.Put(ctx, post)
		}); err != nil {
			return err
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
