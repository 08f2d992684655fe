package content

import "slices"

// The values of each string enum type, declared once, in schema order. The GraphQL enum bound to each type has
// exactly these values (graph/enums_test.go checks it against the schema), and Validate accepts only them.

// The statuses of a coalition.
const (
	StatusActive  CoalitionStatus = "ACTIVE"
	StatusForming CoalitionStatus = "FORMING"
)

// CoalitionStatuses are the valid coalition statuses.
var CoalitionStatuses = []CoalitionStatus{StatusActive, StatusForming}

// Valid tells whether s is one of CoalitionStatuses.
func (s CoalitionStatus) Valid() bool { return slices.Contains(CoalitionStatuses, s) }

// The geographic reaches of a coalition.
const (
	CoalitionNational CoalitionScope = "NATIONAL"
	CoalitionRegional CoalitionScope = "REGIONAL"
	CoalitionLocal    CoalitionScope = "LOCAL"
)

// CoalitionScopes are the valid coalition scopes.
var CoalitionScopes = []CoalitionScope{CoalitionNational, CoalitionRegional, CoalitionLocal}

// Valid tells whether s is one of CoalitionScopes.
func (s CoalitionScope) Valid() bool { return slices.Contains(CoalitionScopes, s) }

// The areas the Coalition works in.
const (
	FocusIndustryLedTraining FocusArea = "INDUSTRY_LED_TRAINING"
	FocusSkillsCertification FocusArea = "SKILLS_CERTIFICATION"
	FocusEducationCurricula  FocusArea = "EDUCATION_CURRICULA"
	FocusICTCareersAwareness FocusArea = "ICT_CAREERS_AWARENESS"
)

// FocusAreas are the valid focus areas.
var FocusAreas = []FocusArea{FocusIndustryLedTraining, FocusSkillsCertification, FocusEducationCurricula,
	FocusICTCareersAwareness}

// Valid tells whether a is one of FocusAreas.
func (a FocusArea) Valid() bool { return slices.Contains(FocusAreas, a) }

// The roles of a member in a coalition (RoleCoordinator is declared with the contact rule).
const (
	RoleMember  MembershipRole = "MEMBER"
	RolePartner MembershipRole = "PARTNER"
)

// MembershipRoles are the valid membership roles.
var MembershipRoles = []MembershipRole{RoleCoordinator, RoleMember, RolePartner}

// Valid tells whether r is one of MembershipRoles.
func (r MembershipRole) Valid() bool { return slices.Contains(MembershipRoles, r) }

// The kinds of stakeholder.
const (
	KindOrganisation StakeholderKind = "ORGANISATION"
	KindPerson       StakeholderKind = "PERSON"
)

// StakeholderKinds are the valid stakeholder kinds.
var StakeholderKinds = []StakeholderKind{KindOrganisation, KindPerson}

// Valid tells whether k is one of StakeholderKinds.
func (k StakeholderKind) Valid() bool { return slices.Contains(StakeholderKinds, k) }

// StakeholderCategories are the valid stakeholder categories, the Coalition's member taxonomy.
var StakeholderCategories = []StakeholderCategory{"ICT_COMPANY", "ICT_USING_COMPANY", "EDUCATION_PROVIDER",
	"EDUCATION_MINISTRY", "EMPLOYMENT_MINISTRY", "EMPLOYMENT_SERVICE", "PUBLIC_AUTHORITY", "ASSOCIATION", "NGO",
	"SOCIAL_PARTNER", "EU_INSTITUTION", "OTHER"}

// Valid tells whether c is one of StakeholderCategories.
func (c StakeholderCategory) Valid() bool { return slices.Contains(StakeholderCategories, c) }

// The geographic reaches of an initiative.
const (
	InitiativeEuropean InitiativeScope = "EUROPEAN"
	InitiativeNational InitiativeScope = "NATIONAL"
	InitiativeRegional InitiativeScope = "REGIONAL"
	InitiativeLocal    InitiativeScope = "LOCAL"
)

// InitiativeScopes are the valid initiative scopes.
var InitiativeScopes = []InitiativeScope{InitiativeEuropean, InitiativeNational, InitiativeRegional, InitiativeLocal}

// Valid tells whether s is one of InitiativeScopes.
func (s InitiativeScope) Valid() bool { return slices.Contains(InitiativeScopes, s) }

// ContentTypeValues are the valid ContentType values, one per type of ContentTypes (that name was taken by the
// node types).
var ContentTypeValues = []ContentType{"COALITION", "STAKEHOLDER", "INITIATIVE", "TOOLKIT_SECTION", "BLOG_POST"}

// Valid tells whether c is one of ContentTypeValues.
func (c ContentType) Valid() bool { return slices.Contains(ContentTypeValues, c) }

// Directions are the valid sort directions.
var Directions = []Direction{ASC, DESC}

// Valid tells whether d is one of Directions.
func (d Direction) Valid() bool { return slices.Contains(Directions, d) }

// CoalitionOrderFields are the fields coalitions can be sorted by.
var CoalitionOrderFields = []CoalitionOrderField{"NAME", "COUNTRY", "STATUS", "LAUNCH_YEAR", "UPDATED_AT"}

// Valid tells whether f is one of CoalitionOrderFields.
func (f CoalitionOrderField) Valid() bool { return slices.Contains(CoalitionOrderFields, f) }

// StakeholderOrderFields are the fields stakeholders can be sorted by.
var StakeholderOrderFields = []StakeholderOrderField{"NAME", "KIND", "CATEGORY", "COUNTRY", "UPDATED_AT"}

// Valid tells whether f is one of StakeholderOrderFields.
func (f StakeholderOrderField) Valid() bool { return slices.Contains(StakeholderOrderFields, f) }

// InitiativeOrderFields are the fields initiatives can be sorted by.
var InitiativeOrderFields = []InitiativeOrderField{"NAME", "SCOPE", "START_YEAR", "UPDATED_AT"}

// Valid tells whether f is one of InitiativeOrderFields.
func (f InitiativeOrderField) Valid() bool { return slices.Contains(InitiativeOrderFields, f) }

// ToolkitSectionOrderFields are the fields toolkit sections can be sorted by.
var ToolkitSectionOrderFields = []ToolkitSectionOrderField{"POSITION", "TITLE", "UPDATED_AT"}

// Valid tells whether f is one of ToolkitSectionOrderFields.
func (f ToolkitSectionOrderField) Valid() bool { return slices.Contains(ToolkitSectionOrderFields, f) }

// BlogPostOrderFields are the fields blog posts can be sorted by.
var BlogPostOrderFields = []BlogPostOrderField{"PUBLISHED_ON", "TITLE", "UPDATED_AT"}

// Valid tells whether f is one of BlogPostOrderFields.
func (f BlogPostOrderField) Valid() bool { return slices.Contains(BlogPostOrderFields, f) }

// CountryOrderFields are the fields countries can be sorted by.
var CountryOrderFields = []CountryOrderField{"NAME", "CODE"}

// Valid tells whether f is one of CountryOrderFields.
func (f CountryOrderField) Valid() bool { return slices.Contains(CountryOrderFields, f) }

// CoalitionDimensions are the fields coalitions can be grouped by.
var CoalitionDimensions = []CoalitionDimension{"STATUS", "COUNTRY", "SCOPE", "FOCUS_AREA", "LAUNCH_YEAR"}

// Valid tells whether d is one of CoalitionDimensions.
func (d CoalitionDimension) Valid() bool { return slices.Contains(CoalitionDimensions, d) }

// StakeholderDimensions are the fields stakeholders can be grouped by.
var StakeholderDimensions = []StakeholderDimension{"KIND", "CATEGORY", "COUNTRY"}

// Valid tells whether d is one of StakeholderDimensions.
func (d StakeholderDimension) Valid() bool { return slices.Contains(StakeholderDimensions, d) }

// InitiativeDimensions are the fields initiatives can be grouped by.
var InitiativeDimensions = []InitiativeDimension{"SCOPE", "COUNTRY"}

// Valid tells whether d is one of InitiativeDimensions.
func (d InitiativeDimension) Valid() bool { return slices.Contains(InitiativeDimensions, d) }

// BlogPostDimensions are the fields blog posts can be grouped by.
var BlogPostDimensions = []BlogPostDimension{"MONTH", "AUTHOR"}

// Valid tells whether d is one of BlogPostDimensions.
func (d BlogPostDimension) Valid() bool { return slices.Contains(BlogPostDimensions, d) }

// MembershipDimensions are the fields memberships can be grouped by.
var MembershipDimensions = []MembershipDimension{"ROLE", "STAKEHOLDER_CATEGORY", "STAKEHOLDER_KIND",
	"COALITION_STATUS", "COALITION_COUNTRY"}

// Valid tells whether d is one of MembershipDimensions.
func (d MembershipDimension) Valid() bool { return slices.Contains(MembershipDimensions, d) }
