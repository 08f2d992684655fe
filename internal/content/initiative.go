package content

import "time"

// Initiative is a multi-stakeholder partnership pursuing the Coalition's goals.
type Initiative struct {
	ID           string          `bson:"_id"`
	Slug         string          `bson:"slug"`
	Name         string          `bson:"name"`
	Scope        InitiativeScope `bson:"scope"`
	CountryCodes []string        `bson:"countryCodes"`
	// CountryNames are derived: the names of the countries, in CountryCodes order, kept by the store so that
	// search finds and shows them.
	CountryNames []string    `bson:"countryNames,omitempty" json:"-"`
	StartYear    *int        `bson:"startYear,omitempty"`
	Description  *string     `bson:"description,omitempty"`
	Website      *string     `bson:"website,omitempty"`
	FocusAreas   []FocusArea `bson:"focusAreas"`
	Tags         []string    `bson:"tags"`
	SourceURL    *string     `bson:"sourceUrl,omitempty"`
	PartnerIDs   []string    `bson:"partnerIds"`
	CoalitionIDs []string    `bson:"coalitionIds"`
	UpdatedAt    time.Time   `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
	Record  `bson:",inline"`
	Index   `bson:",inline"`
}

// Key implements Node.
func (i Initiative) Key() string { return KeyOf(TypeInitiative, i.ID) }

// GlobalID is the opaque ID clients see: the GraphQL field id.
func (i Initiative) GlobalID() string { return GlobalID(i.Key()) }

// InitiativeScope is an initiative's geographic reach.
type InitiativeScope string

// InitiativeFilter narrows a list of initiatives; nil fields are not given.
type InitiativeFilter struct {
	Scope        []InitiativeScope
	Country      []string
	FocusArea    []FocusArea
	StartYear    *IntRange
	Tags         []string
	Search       *string
	HasPartner   *string
	HasCoalition *string
	UpdatedAt    *DateTimeRange
	And          []*InitiativeFilter
	Or           []*InitiativeFilter
	Not          *InitiativeFilter
}

// InitiativeOrderField is a field initiatives can be sorted by.
type InitiativeOrderField string

// InitiativeOrder is one sort key for initiatives.
type InitiativeOrder struct {
	Field     InitiativeOrderField
	Direction Direction
}
