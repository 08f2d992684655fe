package content

import "time"

// The update types say what a write changes; a nil field leaves it unchanged. They have one convention per shape
// of field:
//   - a required field is *T: nil leaves it, a value sets it;
//   - a nullable field is *Optional[T]: nil leaves it, Some(v) sets it, None() clears it;
//   - a list is *[]T: nil leaves it, a list (empty or not) replaces it.
//
// Apply copies what it sets, so the item never shares memory with the update, and it never touches the fields the
// store or the domain derives (ID, Version, UpdatedAt, CountryName, Index, the toolkit's tree fields). Each
// update field has the name of the item's field it changes. Validate the item after Apply.

// Optional is the new value of a nullable field: Value nil clears the field, otherwise the field becomes *Value.
// A nil *Optional leaves the field unchanged.
type Optional[T any] struct{ Value *T }

// Some is the change that sets a nullable field to v.
func Some[T any](v T) *Optional[T] { return &Optional[T]{Value: &v} }

// None is the change that clears a nullable field.
func None[T any]() *Optional[T] { return &Optional[T]{} }

// CoalitionUpdate changes some fields of a coalition.
type CoalitionUpdate struct {
	Slug        *string
	Name        *string
	CountryCode *string
	Status      *CoalitionStatus
	Scope       *CoalitionScope
	LaunchYear  *Optional[int]
	Description *Optional[string]
	Website     *Optional[string]
	FocusAreas  *[]FocusArea
	Tags        *[]string
	SourceURL   *Optional[string]
}

// Apply makes the changes to c.
func (u CoalitionUpdate) Apply(c *Coalition) {
	applyValue(&c.Slug, u.Slug)
	applyValue(&c.Name, u.Name)
	applyValue(&c.CountryCode, u.CountryCode)
	applyValue(&c.Status, u.Status)
	applyValue(&c.Scope, u.Scope)
	applyOptional(&c.LaunchYear, u.LaunchYear)
	applyOptional(&c.Description, u.Description)
	applyOptional(&c.Website, u.Website)
	applyList(&c.FocusAreas, u.FocusAreas)
	applyList(&c.Tags, u.Tags)
	applyOptional(&c.SourceURL, u.SourceURL)
}

// Empty tells whether u changes nothing.
func (u CoalitionUpdate) Empty() bool { return u == CoalitionUpdate{} }

// StakeholderUpdate changes some fields of a stakeholder.
type StakeholderUpdate struct {
	Slug        *string
	Name        *string
	Kind        *StakeholderKind
	Category    *StakeholderCategory
	CountryCode *Optional[string]
	Position    *Optional[string]
	Description *Optional[string]
	Website     *Optional[string]
	Tags        *[]string
	SourceURL   *Optional[string]
}

// Apply makes the changes to s.
func (u StakeholderUpdate) Apply(s *Stakeholder) {
	applyValue(&s.Slug, u.Slug)
	applyValue(&s.Name, u.Name)
	applyValue(&s.Kind, u.Kind)
	applyValue(&s.Category, u.Category)
	applyOptional(&s.CountryCode, u.CountryCode)
	applyOptional(&s.Position, u.Position)
	applyOptional(&s.Description, u.Description)
	applyOptional(&s.Website, u.Website)
	applyList(&s.Tags, u.Tags)
	applyOptional(&s.SourceURL, u.SourceURL)
}

// Empty tells whether u changes nothing.
func (u StakeholderUpdate) Empty() bool { return u == StakeholderUpdate{} }

// InitiativeUpdate changes some fields of an initiative.
type InitiativeUpdate struct {
	Slug         *string
	Name         *string
	Scope        *InitiativeScope
	CountryCodes *[]string
	StartYear    *Optional[int]
	Description  *Optional[string]
	Website      *Optional[string]
	FocusAreas   *[]FocusArea
	Tags         *[]string
	SourceURL    *Optional[string]
	PartnerIDs   *[]string
	CoalitionIDs *[]string
}

// Apply makes the changes to i.
func (u InitiativeUpdate) Apply(i *Initiative) {
	applyValue(&i.Slug, u.Slug)
	applyValue(&i.Name, u.Name)
	applyValue(&i.Scope, u.Scope)
	applyList(&i.CountryCodes, u.CountryCodes)
	applyOptional(&i.StartYear, u.StartYear)
	applyOptional(&i.Description, u.Description)
	applyOptional(&i.Website, u.Website)
	applyList(&i.FocusAreas, u.FocusAreas)
	applyList(&i.Tags, u.Tags)
	applyOptional(&i.SourceURL, u.SourceURL)
	applyList(&i.PartnerIDs, u.PartnerIDs)
	applyList(&i.CoalitionIDs, u.CoalitionIDs)
}

// Empty tells whether u changes nothing.
func (u InitiativeUpdate) Empty() bool { return u == InitiativeUpdate{} }

// ToolkitSectionUpdate changes some fields of a toolkit section. A new Order or ParentID moves the section (see
// Moves): Apply only records them, and the caller then places the section under its parent, read from the store,
// with (*ToolkitSection).Place, and places its sub-sections again under it, since their tree fields derive from
// its own.
type ToolkitSectionUpdate struct {
	Slug      *string
	Title     *string
	Order     *int
	ParentID  *Optional[string]
	Summary   *Optional[string]
	Body      *Optional[string]
	Proposed  *bool
	Tags      *[]string
	SourceURL *Optional[string]
}

// Apply makes the changes to t, leaving its tree fields (Depth, Number, Position, AncestorIDs) to Place.
func (u ToolkitSectionUpdate) Apply(t *ToolkitSection) {
	applyValue(&t.Slug, u.Slug)
	applyValue(&t.Title, u.Title)
	applyValue(&t.Order, u.Order)
	applyOptional(&t.ParentID, u.ParentID)
	applyOptional(&t.Summary, u.Summary)
	applyOptional(&t.Body, u.Body)
	applyValue(&t.Proposed, u.Proposed)
	applyList(&t.Tags, u.Tags)
	applyOptional(&t.SourceURL, u.SourceURL)
}

// Moves tells whether u gives the section a new Order or ParentID, so that it must be placed again.
func (u ToolkitSectionUpdate) Moves() bool { return u.Order != nil || u.ParentID != nil }

// Empty tells whether u changes nothing.
func (u ToolkitSectionUpdate) Empty() bool { return u == ToolkitSectionUpdate{} }

// BlogPostUpdate changes some fields of a blog post.
type BlogPostUpdate struct {
	Slug        *string
	Title       *string
	PublishedOn *Optional[time.Time]
	Excerpt     *Optional[string]
	Body        *Optional[string]
	Tags        *[]string
	SourceURL   *Optional[string]
	PublisherID *Optional[string]
	AuthorIDs   *[]string
	MentionKeys *[]string
}

// Apply makes the changes to b; the store derives PublishedMonth again on write.
func (u BlogPostUpdate) Apply(b *BlogPost) {
	applyValue(&b.Slug, u.Slug)
	applyValue(&b.Title, u.Title)
	applyOptional(&b.PublishedOn, u.PublishedOn)
	applyOptional(&b.Excerpt, u.Excerpt)
	applyOptional(&b.Body, u.Body)
	applyList(&b.Tags, u.Tags)
	applyOptional(&b.SourceURL, u.SourceURL)
	applyOptional(&b.PublisherID, u.PublisherID)
	applyList(&b.AuthorIDs, u.AuthorIDs)
	applyList(&b.MentionKeys, u.MentionKeys)
}

// Empty tells whether u changes nothing.
func (u BlogPostUpdate) Empty() bool { return u == BlogPostUpdate{} }

// CountryUpdate changes some fields of a country. Its code is its id and does not change.
type CountryUpdate struct {
	Name     *string
	EUMember *bool
}

// Apply makes the changes to c.
func (u CountryUpdate) Apply(c *Country) {
	applyValue(&c.Name, u.Name)
	applyValue(&c.EUMember, u.EUMember)
}

// Empty tells whether u changes nothing.
func (u CountryUpdate) Empty() bool { return u == CountryUpdate{} }

// MembershipUpdate changes some fields of a membership. Its ends (the coalition and the stakeholder) are what the
// membership is and do not change: moving a member is deleting one membership and creating another.
type MembershipUpdate struct {
	Role  *MembershipRole
	Since *Optional[int]
}

// Apply makes the changes to m.
func (u MembershipUpdate) Apply(m *Membership) {
	applyValue(&m.Role, u.Role)
	applyOptional(&m.Since, u.Since)
}

// Empty tells whether u changes nothing.
func (u MembershipUpdate) Empty() bool { return u == MembershipUpdate{} }

// applyValue sets a required field to *v, if v is given.
func applyValue[T any](field *T, v *T) {
	if v != nil {
		*field = *v
	}
}

// applyOptional sets or clears a nullable field, if o is given, to a copy of its value.
func applyOptional[T any](field **T, o *Optional[T]) {
	switch {
	case o == nil:
	case o.Value == nil:
		*field = nil
	default:
		v := *o.Value
		*field = &v
	}
}

// applyList replaces a list, if v is given, with a copy of it; never with nil, which the store would keep as null.
func applyList[T any](field *[]T, v *[]T) {
	if v != nil {
		*field = append(make([]T, 0, len(*v)), *v...)
	}
}
