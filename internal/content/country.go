package content

import "time"

// Country is a country content is linked to. Its id is its ISO 3166-1 alpha-2 code.
type Country struct {
	Code      string    `bson:"_id"`
	Name      string    `bson:"name"`
	EUMember  bool      `bson:"euMember"`
	UpdatedAt time.Time `bson:"updatedAt"`
	// Version counts the writes of the item: 1 when created, one more on each update. An update or delete names
	// the version it was made against, and fails with CONFLICT when the item has moved on.
	Version int `bson:"version"`
	Index   `bson:",inline"`
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
