package content

import "time"

// Coalition is a national, regional or local multi-stakeholder partnership.
type Coalition struct {
	ID          string `bson:"_id"`
	Slug        string `bson:"slug"`
	Name        string `bson:"name"`
	CountryCode string `bson:"countryCode"`
	// CountryName is derived: the name of the country, kept by the store so that search finds and shows it.
	CountryName string          `bson:"countryName,omitempty" json:"-"`
	Status      CoalitionStatus `bson:"status"`
	Scope       CoalitionScope  `bson:"scope"`
	LaunchYear  *int            `bson:"launchYear,omitempty"`
	Description *string         `bson:"description,omitempty"`
	Website     *string         `bson:"website,omitempty"`
	FocusAreas  []FocusArea     `bson:"focusAreas"`
	Tags        []string        `bson:"tags"`
	SourceURL   *string         `bson:"sourceUrl,omitempty"`
	UpdatedAt   time.Time       `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
	Record  `bson:",inline"`
	// Roster is the coalition's members: the memberships it owns, which the store also keeps as Membership
	// documents for reading. RosterIDs are its stakeholders' ids, which the store derives.
	Roster    []MemberRef `bson:"roster"`
	RosterIDs []string    `bson:"rosterIds" json:"-"`
	Index     `bson:",inline"`
}

// Key implements Node.
func (c Coalition) Key() string { return KeyOf(TypeCoalition, c.ID) }

// GlobalID is the opaque ID clients see: the GraphQL field id.
func (c Coalition) GlobalID() string { return GlobalID(c.Key()) }

// CoalitionStatus tells whether a coalition has launched.
type CoalitionStatus string

// CoalitionScope is a coalition's geographic reach.
type CoalitionScope string

// FocusArea is one of the areas the Coalition works in.
type FocusArea string

// CoalitionFilter narrows a list of coalitions; nil fields are not given.
type CoalitionFilter struct {
	Country       []string
	Status        []CoalitionStatus
	Scope         []CoalitionScope
	FocusArea     []FocusArea
	LaunchYear    *IntRange
	Tags          []string
	Search        *string
	HasMember     *string
	HasInitiative *string
	UpdatedAt     *DateTimeRange
	And           []*CoalitionFilter
	Or            []*CoalitionFilter
	Not           *CoalitionFilter
}

// CoalitionOrderField is a field coalitions can be sorted by.
type CoalitionOrderField string

// CoalitionOrder is one sort key for coalitions.
type CoalitionOrder struct {
	Field     CoalitionOrderField
	Direction Direction
}

// MembershipRole is what a stakeholder does in a coalition.
type MembershipRole string

// MemberRef is one member of a coalition's roster.
type MemberRef struct {
	StakeholderID string         `bson:"stakeholderId"`
	Role          MembershipRole `bson:"role"`
	Since         *int           `bson:"since,omitempty"`
}

// Membership links a stakeholder to a coalition.
type Membership struct {
	ID            string         `bson:"_id"`
	CoalitionID   string         `bson:"coalitionId"`
	StakeholderID string         `bson:"stakeholderId"`
	Role          MembershipRole `bson:"role"`
	Since         *int           `bson:"since,omitempty"`
	UpdatedAt     time.Time      `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
}

// Ends reads the membership from the end of type side (TypeCoalition or TypeStakeholder): that end's id, then the
// other end's.
func (m *Membership) Ends(side TypeName) (own, other string) {
	if side == TypeCoalition {
		return m.CoalitionID, m.StakeholderID
	}
	return m.StakeholderID, m.CoalitionID
}
