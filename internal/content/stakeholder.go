package content

import "time"

// Stakeholder is an organisation or a person.
type Stakeholder struct {
	ID          string              `bson:"_id"`
	Slug        string              `bson:"slug"`
	Name        string              `bson:"name"`
	Kind        StakeholderKind     `bson:"kind"`
	Category    StakeholderCategory `bson:"category"`
	CountryCode *string             `bson:"countryCode,omitempty"`
	// CountryName is derived: the name of the country, kept by the store so that search finds and shows it.
	CountryName string    `bson:"countryName,omitempty" json:"-"`
	Position    *string   `bson:"position,omitempty"`
	Description *string   `bson:"description,omitempty"`
	Website     *string   `bson:"website,omitempty"`
	Tags        []string  `bson:"tags"`
	SourceURL   *string   `bson:"sourceUrl,omitempty"`
	UpdatedAt   time.Time `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
	Record  `bson:",inline"`
	Index   `bson:",inline"`
}

// Key implements Node.
func (s Stakeholder) Key() string { return KeyOf(TypeStakeholder, s.ID) }

// GlobalID is the opaque ID clients see: the GraphQL field id.
func (s Stakeholder) GlobalID() string { return GlobalID(s.Key()) }

// StakeholderKind is ORGANISATION or PERSON.
type StakeholderKind string

// StakeholderCategory is the sector a stakeholder belongs to.
type StakeholderCategory string

// StakeholderFilter narrows a list of stakeholders; nil fields are not given.
type StakeholderFilter struct {
	Kind      []StakeholderKind
	Category  []StakeholderCategory
	Country   []string
	Tags      []string
	Search    *string
	MemberOf  *string
	PartnerOf *string
	UpdatedAt *DateTimeRange
	And       []*StakeholderFilter
	Or        []*StakeholderFilter
	Not       *StakeholderFilter
}

// StakeholderOrderField is a field stakeholders can be sorted by.
type StakeholderOrderField string

// StakeholderOrder is one sort key for stakeholders.
type StakeholderOrder struct {
	Field     StakeholderOrderField
	Direction Direction
}

// Member is one side of a membership seen from the other: a coalition's member, or a stakeholder's coalition.
type Member struct {
	Coalition   *Coalition
	Stakeholder *Stakeholder
	Role        MembershipRole
	Since       *int
}

// RoleCoordinator is the role of the member that coordinates a coalition, its contact.
const RoleCoordinator MembershipRole = "COORDINATOR"

// SecretariatTag marks the stakeholder that is the Coalition's Secretariat, the contact of last resort.
const SecretariatTag = "secretariat"

// Contact is the rule for whom to contact about a coalition or an initiative: its lead (a coalition's first
// coordinator, an initiative's first partner, by name) when it has one, else the Secretariat, read only then.
func Contact(lead *Stakeholder, secretariat func() (*Stakeholder, error)) (*Stakeholder, error) {
	if lead != nil {
		return lead, nil
	}
	return secretariat()
}
