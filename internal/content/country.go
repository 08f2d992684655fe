package content

import "time"

// Country is a country content is linked to. Its id is its ISO 3166-1 alpha-2 code.
type Country struct {
	Code      string    `bson:"_id"`
	Name      string    `bson:"name"`
	EUMember  bool      `bson:"euMember"`
	UpdatedAt time.Time `bson:"updatedAt"`
	Index     `bson:",inline"`
}

// Key implements Node.
func (c Country) Key() string { return KeyOf(TypeCountry, c.Code) }

// GlobalID is the opaque ID clients see: the GraphQL field id.
func (c Country) GlobalID() string { return GlobalID(c.Key()) }

// CountryFilter narrows a list of countries; nil fields are not given.
type CountryFilter struct {
	Code     []string
	EUMember *bool
	Search   *string
}

// CountryOrderField is a field countries can be sorted by.
type CountryOrderField string

// CountryOrder is one sort key for countries.
type CountryOrder struct {
	Field     CountryOrderField
	Direction Direction
}
