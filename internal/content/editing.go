package content

import (
	"context"
	"slices"
	"time"
)

// Editing: who may read and write what, the two stages of the graph, and what the store records of every write.

// Stage is one of the two copies of the whole graph. Every write changes the DRAFT stage; publishing copies an
// item's draft into PUBLISHED, which is what the public reads.
type Stage string

// The stages.
const (
	StagePublished Stage = "PUBLISHED"
	StageDraft     Stage = "DRAFT"
)

// Role is what an API key allows; each role allows what the ones before it do.
type Role string

// The roles, from least to most.
const (
	// RolePreview reads the draft stage.
	RolePreview Role = "PREVIEW"
	// RoleEditor also writes and publishes content.
	RoleEditor Role = "EDITOR"
	// RoleAdmin also manages API keys.
	RoleAdmin Role = "ADMIN"
)

// Roles are the roles, from least to most.
var Roles = []Role{RolePreview, RoleEditor, RoleAdmin}

// Allows tells whether r allows what need allows.
func (r Role) Allows(need Role) bool {
	i := slices.Index(Roles, r)
	return i >= 0 && i >= slices.Index(Roles, need)
}

// Viewer is who makes a request: the name and role of the API key it carries.
type Viewer struct {
	Name string
	Role Role
}

// System is the viewer of the program's own writes: the seed loader and start-up maintenance.
var System = &Viewer{Name: "system", Role: RoleAdmin}

type viewerKey struct{}

// WithViewer returns ctx on behalf of v (nil: anonymous).
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerOf is the viewer of ctx, or nil for an anonymous request.
func ViewerOf(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// Authorize returns nil when the viewer of ctx has at least the role need: UNAUTHENTICATED for an anonymous
// request, FORBIDDEN for a key with too low a role. what names the action in the message, such as "read the
// draft stage".
func Authorize(ctx context.Context, need Role, what string) error {
	v := ViewerOf(ctx)
	switch {
	case v == nil:
		return Errorf(EUnauthenticated, "", "to %s, send an API key with the %s role or above: Authorization: Bearer <key>", what, need)
	case !v.Role.Allows(need):
		return Errorf(EForbidden, "", "to %s needs the %s role or above; this key (%s) has %s", what, need, v.Name, v.Role)
	}
	return nil
}

// PublicationStatus says how an item's draft stands to its published copy.
type PublicationStatus string

// The publication statuses.
const (
	// StatusDraft is an item that is not live: never published, or unpublished since.
	StatusDraft PublicationStatus = "DRAFT"
	// StatusPublished is live and unchanged since.
	StatusPublished PublicationStatus = "PUBLISHED"
	// StatusChanged is live, with changes to its draft that are not published yet.
	StatusChanged PublicationStatus = "CHANGED"
	// StatusArchived is taken off the site and set aside; publishing it again brings it back.
	StatusArchived PublicationStatus = "ARCHIVED"
)

// PublicationStatuses are the publication statuses, in schema order.
var PublicationStatuses = []PublicationStatus{StatusDraft, StatusPublished, StatusChanged, StatusArchived}

// Operation is what a write did to an item.
type Operation string

// The operations.
const (
	OpCreate    Operation = "CREATE"
	OpUpdate    Operation = "UPDATE"
	OpDelete    Operation = "DELETE"
	OpPublish   Operation = "PUBLISH"
	OpUnpublish Operation = "UNPUBLISH"
	OpArchive   Operation = "ARCHIVE"
	OpRestore   Operation = "RESTORE"
)

// Operations are the operations, in schema order.
var Operations = []Operation{OpCreate, OpUpdate, OpDelete, OpPublish, OpUnpublish, OpArchive, OpRestore}

// Record is what the store keeps of an item's life; it sets every field, whatever a client sends. It is part of
// every content type.
type Record struct {
	// PublicationStatus is how the draft stands to the published copy.
	PublicationStatus PublicationStatus `bson:"publicationStatus"`
	// PublishedVersion is the version that is live, nil when none is.
	PublishedVersion *int `bson:"publishedVersion,omitempty"`
	// FirstPublishedAt is when the item first went live; PublishedAt when its live version was published.
	FirstPublishedAt *time.Time `bson:"firstPublishedAt,omitempty"`
	PublishedAt      *time.Time `bson:"publishedAt,omitempty"`
	// CreatedAt is when the item was created; CreatedBy and UpdatedBy name the keys that created it and wrote
	// its current version.
	CreatedAt time.Time `bson:"createdAt"`
	CreatedBy string    `bson:"createdBy"`
	UpdatedBy string    `bson:"updatedBy"`
	// Revision is the store-wide revision of the item's last write (see Change), and Operation that write.
	Revision  int64     `bson:"revision" json:"-"`
	Operation Operation `bson:"operation" json:"-"`
	// FormerSlugs are the slugs the item had before, which still find it, so that published URLs do not break.
	FormerSlugs []string `bson:"formerSlugs,omitempty" json:"-"`
}

// Revision is one version of an item, as its history keeps it.
type Revision struct {
	Type    TypeName
	ID      string
	Version int
	// At is when the version was written, By the key that wrote it, Operation how.
	At        time.Time
	By        string
	Operation Operation
	// Changed names the fields that differ from the version before (all of them for the first).
	Changed []string
	// Snapshot is the item at that version, as JSON.
	Snapshot string
}

// Change is one entry of the change feed: the last write of an item, at its store-wide revision.
type Change struct {
	Revision  int64
	Type      TypeName
	ID        string
	Operation Operation
	Version   int
	At        time.Time
	By        string
}

// Key is the changed item's type-qualified key.
func (c Change) Key() string { return KeyOf(c.Type, c.ID) }

// Editor is the editing side of one content type T. Every method is authorised, validated, version-checked and
// recorded (history, revision, change feed) at the store's one write gate: UNAUTHENTICATED or FORBIDDEN unless
// the viewer is an EDITOR or above; NOT_FOUND naming "id" for an id with no item; CONFLICT naming "version",
// with CurrentVersion, when the item is not at version; and nothing is written when a method fails. They change
// the DRAFT stage and return the draft, except where they say otherwise.
type Editor[T any] interface {
	// Publish copies the item's draft at version into PUBLISHED, with the relations it owns to published items,
	// and links it to the published items that refer to it; the draft becomes version+1 and PUBLISHED.
	// CONFLICT naming "parent" for a toolkit section whose parent is not published.
	Publish(ctx context.Context, id string, version int) (*T, error)
	// Unpublish removes the item from PUBLISHED, and every published reference to it; the draft stays, at
	// version+1. CONFLICT naming "id" for an item that is not published, or naming "children" for a toolkit
	// section with published sub-sections.
	Unpublish(ctx context.Context, id string, version int) (*T, error)
	// Archive unpublishes the item, as Unpublish does, and marks it ARCHIVED.
	Archive(ctx context.Context, id string, version int) (*T, error)
	// Restore writes the item as it was at the history's version revision back as its draft, version+1.
	// NOT_FOUND naming "version" for a version the history does not hold.
	Restore(ctx context.Context, id string, revision, version int) (*T, error)
	// History returns one page of the item's versions, newest first. NOT_FOUND naming "id" for an id with no
	// item.
	History(ctx context.Context, id string, w Window) (Page[*Revision], error)
}

// APIKey is a key to the API, as the store keeps it: never the secret, only its hash.
type APIKey struct {
	Name       string
	Role       Role
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// APIKeyPrefix begins every key, so that secret scanners can spot a leaked one.
const APIKeyPrefix = "cgk_"

// Keys are the API keys.
type Keys interface {
	// Create makes a key with a new secret, which it returns: the only time it is seen. ADMIN only (or the
	// System viewer); BAD_USER_INPUT naming "name", "role" or "expiresAt" for a bad one; CONFLICT naming "name"
	// for a name another key has.
	Create(ctx context.Context, name string, role Role, expiresAt *time.Time) (secret string, key *APIKey, err error)
	// Install stores secret as the key name with role, replacing the key of that name: the bootstrap key of
	// ADMIN_API_KEY. System viewer only.
	Install(ctx context.Context, name, secret string, role Role) error
	// List returns every key, revoked ones included, by name. ADMIN only.
	List(ctx context.Context) ([]*APIKey, error)
	// Revoke revokes the named key, which no request can use after. ADMIN only; NOT_FOUND naming "name".
	Revoke(ctx context.Context, name string) (*APIKey, error)
	// Authenticate returns the viewer a secret stands for: UNAUTHENTICATED for an unknown, revoked or expired
	// key. It records the key's use at most once a minute.
	Authenticate(ctx context.Context, secret string) (*Viewer, error)
}

type publishOnWriteKey struct{}

// WithPublishOnWrite returns ctx whose writes, by the System viewer, also publish what they write, as it is:
// the seed loader's, whose references all point at items it wrote before (so the published graph stays closed)
// and which loads both stages at once.
func WithPublishOnWrite(ctx context.Context) context.Context {
	return context.WithValue(WithViewer(ctx, System), publishOnWriteKey{}, true)
}

// PublishOnWrite tells whether ctx's writes publish what they write (see WithPublishOnWrite).
func PublishOnWrite(ctx context.Context) bool {
	on, _ := ctx.Value(publishOnWriteKey{}).(bool)
	return on && ViewerOf(ctx) == System
}

// Recorded gives the store the record of any content item (it is promoted to every content type).
func (r *Record) Recorded() *Record { return r }
