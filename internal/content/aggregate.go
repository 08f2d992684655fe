package content

import (
	"slices"
)

// MaxGroupBy is the number of dimensions an aggregate can group by at once.
const MaxGroupBy = 2

// CoalitionDimension is a field coalitions can be grouped by: STATUS, COUNTRY, SCOPE, FOCUS_AREA or LAUNCH_YEAR.
type CoalitionDimension string

// StakeholderDimension is a field stakeholders can be grouped by: KIND, CATEGORY or COUNTRY.
type StakeholderDimension string

// InitiativeDimension is a field initiatives can be grouped by: SCOPE or COUNTRY.
type InitiativeDimension string

// BlogPostDimension is a field blog posts can be grouped by: MONTH or AUTHOR.
type BlogPostDimension string

// MembershipDimension is a field memberships can be grouped by: the membership's ROLE, or a field of either end
// (STAKEHOLDER_CATEGORY, STAKEHOLDER_KIND, COALITION_STATUS, COALITION_COUNTRY).
type MembershipDimension string

// MembershipFilter narrows a set of memberships by their role and by filters on either end; nil fields are not
// given.
type MembershipFilter struct {
	Role        []MembershipRole
	Coalition   *CoalitionFilter
	Stakeholder *StakeholderFilter
}

// Aggregate is the answer to a group-by: how many items match, and how many fall in each group.
type Aggregate struct {
	// Count is the number of matching items; an item in several groups (an array dimension) counts once here.
	Count  int
	Groups []*AggregateGroup
}

// AggregateGroup is the items that share one value of each dimension grouped by.
type AggregateGroup struct {
	Count int
	// Keys holds one key per dimension, in the order of groupBy.
	Keys []*GroupKey
}

// GroupKey is the value of one dimension for a group.
type GroupKey struct {
	// Dimension is the name of the dimension, such as "STATUS".
	Dimension string
	// Value is the value as text (an enum value, an ISO country code, a year, a month "YYYY-MM" or a global ID);
	// nil when unknown.
	Value *string
	// NodeType and NodeID name the node the value stands for (a Country by code, a Stakeholder by local id), if any.
	NodeType TypeName `json:"-"`
	NodeID   string   `json:"-"`
}

// CheckGroupBy checks a groupBy argument: at most MaxGroupBy dimensions, none twice. The error is BAD_USER_INPUT
// naming "groupBy".
func CheckGroupBy[D ~string](by []D) error {
	if len(by) > MaxGroupBy {
		return Errorf(EInvalid, "groupBy", "group by at most %d dimensions, got %d", MaxGroupBy, len(by))
	}
	for i, d := range by {
		if slices.Contains(by[:i], d) {
			return Errorf(EInvalid, "groupBy", "%s is given twice", d)
		}
	}
	return nil
}
