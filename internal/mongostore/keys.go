package mongostore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The API keys, in the apiKeys collection. A key's document has the SHA-256 of its secret, in hex, as its _id,
// and its name under a unique index. The _id is the hash, not the name, because authentication is the one hot
// path (every request that carries a key) and FerretDB 1.24 pushes down only `{_id: x}` filters: a lookup by a
// `hash` field would scan the collection on every request. The name-keyed operations (revoke, install) are rare
// and admin-only, and the collection is small. The secret itself is never stored: a stolen database does not
// yield usable keys.

// keySecretBytes is the entropy of a generated secret: 256 bits.
const keySecretBytes = 32

// minSecretLen is the length of a generated secret, prefix included ("cgk_" and 43 characters of unpadded
// base64url): an installed secret must be at least as long.
var minSecretLen = len(content.APIKeyPrefix) + base64.RawURLEncoding.EncodedLen(keySecretBytes)

// maxSecretLen bounds what Authenticate hashes, so that a huge header costs nothing.
const maxSecretLen = 512

// lastUsedEvery is how often, at most, a key's lastUsedAt is written.
const lastUsedEvery = time.Minute

// secretPattern is a bearer token's characters (RFC 6750 b64token) after the prefix.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`)

// keyNamePattern is a key's name: it appears in logs, createdBy and updatedBy, so it is plain.
var keyNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// keyDoc is a key as its document stores it.
type keyDoc struct {
	Hash       string       `bson:"_id"`
	Name       string       `bson:"name"`
	Role       content.Role `bson:"role"`
	CreatedAt  time.Time    `bson:"createdAt"`
	LastUsedAt *time.Time   `bson:"lastUsedAt,omitempty"`
	ExpiresAt  *time.Time   `bson:"expiresAt,omitempty"`
	RevokedAt  *time.Time   `bson:"revokedAt,omitempty"`
}

func (d *keyDoc) key() *content.APIKey {
	return &content.APIKey{Name: d.Name, Role: d.Role, CreatedAt: d.CreatedAt, LastUsedAt: d.LastUsedAt,
		ExpiresAt: d.ExpiresAt, RevokedAt: d.RevokedAt}
}

// apiKeys implements content.Keys.
type apiKeys struct {
	coll *mongo.Collection
	mu   sync.Mutex
	// wrote is when this process last wrote (or saw) each key's lastUsedAt, by hash, so that concurrent requests
	// with one key do not all write it. It holds only keys that authenticated.
	wrote map[string]time.Time
}

var _ content.Keys = (*apiKeys)(nil)

func newKeys(db *mongo.Database) *apiKeys {
	return &apiKeys{coll: db.Collection("apiKeys"), wrote: map[string]time.Time{}}
}

// Keys implements content.Store.
func (s *Store) Keys() content.Keys { return s.keys }

// ensureIndexes creates the unique index on the keys' names unless it exists (FerretDB 1.24 fails on a
// createIndexes for an index that exists).
func (k *apiKeys) ensureIndexes(ctx context.Context) error {
	specs, err := k.coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return fmt.Errorf("list indexes of %s: %w", k.coll.Name(), err)
	}
	if slices.ContainsFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == "name" }) {
		return nil
	}
	_, err = k.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("name")})
	if err != nil {
		return fmt.Errorf("create indexes on %s: %w", k.coll.Name(), err)
	}
	return nil
}

// hashOf is the stored form of a secret.
func hashOf(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// wellFormed tells whether s can be a key at all: the prefix, then a bearer token of at most maxSecretLen.
func wellFormed(s string) bool {
	rest, ok := strings.CutPrefix(s, content.APIKeyPrefix)
	return ok && len(s) <= maxSecretLen && secretPattern.MatchString(rest)
}

// checkKey returns the BAD_USER_INPUT error listing every bad field of a key to create, or nil.
func checkKey(name string, role content.Role, expiresAt *time.Time, now time.Time) error {
	var bad []content.FieldError
	if !keyNamePattern.MatchString(name) {
		bad = append(bad, content.FieldError{Field: "name", Message: "must be 1 to 100 letters, digits, dots, dashes or underscores"})
	}
	if !slices.Contains(content.Roles, role) {
		bad = append(bad, content.FieldError{Field: "role", Message: fmt.Sprintf("must be one of %v", content.Roles)})
	}
	if expiresAt != nil && !expiresAt.After(now) {
		bad = append(bad, content.FieldError{Field: "expiresAt", Message: "must be in the future"})
	}
	if len(bad) == 0 {
		return nil
	}
	names := make([]string, len(bad))
	for i, b := range bad {
		names[i] = b.Field
	}
	what := "1 field is"
	if len(bad) > 1 {
		what = fmt.Sprintf("%d fields are", len(bad))
	}
	// Field names the first, for a client that reads one; Fields has them all, as content's Validate gives them.
	return &content.Error{Code: content.EInvalid, Field: bad[0].Field, Fields: bad,
		Message: fmt.Sprintf("%s not valid: %s", what, strings.Join(names, ", "))}
}

// Create implements content.Keys.
func (k *apiKeys) Create(ctx context.Context, name string, role content.Role, expiresAt *time.Time) (string, *content.APIKey, error) {
	if err := content.Authorize(ctx, content.RoleAdmin, "create API keys"); err != nil {
		return "", nil, err
	}
	now := nowUTC()
	if err := checkKey(name, role, expiresAt, now); err != nil {
		return "", nil, err
	}
	b := make([]byte, keySecretBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	secret := content.APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	d := keyDoc{Hash: hashOf(secret), Name: name, Role: role, CreatedAt: now}
	if expiresAt != nil {
		at := expiresAt.UTC().Truncate(time.Millisecond) // as BSON keeps it
		d.ExpiresAt = &at
	}
	if err := k.command(ctx, "create API key", func() error { _, err := k.coll.InsertOne(ctx, d); return err }); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return "", nil, content.Errorf(content.EConflict, "name", "another API key is named %q", name)
		}
		return "", nil, err
	}
	return secret, d.key(), nil
}

// Install implements content.Keys. The key keeps its creation and last use when the same secret is installed
// again (every start-up with the same ADMIN_API_KEY); a key of that name with another secret goes, so that
// changing ADMIN_API_KEY rotates the bootstrap key. A secret that was revoked is refused (CONFLICT naming
// "secret"): restarting with a leaked key that an admin revoked must not bring it back.
func (k *apiKeys) Install(ctx context.Context, name, secret string, role content.Role) error {
	if content.ViewerOf(ctx) != content.System {
		return content.Errorf(content.EForbidden, "", "only the service itself installs API keys")
	}
	if err := checkKey(name, role, nil, nowUTC()); err != nil {
		return err
	}
	if !wellFormed(secret) || len(secret) < minSecretLen {
		return content.Errorf(content.EInvalid, "secret", "an API key starts with %s and has at least %d characters after it: letters, digits and - . _ ~ + / (base64url, as generated keys are)",
			content.APIKeyPrefix, minSecretLen-len(content.APIKeyPrefix))
	}
	h := hashOf(secret)
	return k.command(ctx, "install API key", func() error {
		var d keyDoc
		err := k.coll.FindOne(ctx, bson.D{{Key: "_id", Value: h}}).Decode(&d)
		switch {
		case err == nil && d.RevokedAt != nil:
			return content.Errorf(content.EConflict, "secret", "this secret was revoked (key %q): use a new one", d.Name)
		case err != nil && !errors.Is(err, mongo.ErrNoDocuments):
			return err
		}
		if _, err := k.coll.DeleteMany(ctx, bson.D{{Key: "name", Value: name}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: h}}}}); err != nil {
			return err
		}
		_, err = k.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: h}}, bson.D{
			{Key: "$set", Value: bson.D{{Key: "name", Value: name}, {Key: "role", Value: role}}},
			{Key: "$unset", Value: bson.D{{Key: "expiresAt", Value: ""}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "createdAt", Value: nowUTC()}}},
		}, options.UpdateOne().SetUpsert(true))
		return err
	})
}

// List implements content.Keys.
func (k *apiKeys) List(ctx context.Context) ([]*content.APIKey, error) {
	if err := content.Authorize(ctx, content.RoleAdmin, "list API keys"); err != nil {
		return nil, err
	}
	var docs []keyDoc
	err := k.command(ctx, "list API keys", func() error {
		cur, err := k.coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
		if err != nil {
			return err
		}
		return cur.All(ctx, &docs)
	})
	out := make([]*content.APIKey, len(docs))
	for i := range docs {
		out[i] = docs[i].key()
	}
	return out, err
}

// Revoke implements content.Keys. Revoking a revoked key changes nothing and returns it.
func (k *apiKeys) Revoke(ctx context.Context, name string) (*content.APIKey, error) {
	if err := content.Authorize(ctx, content.RoleAdmin, "revoke API keys"); err != nil {
		return nil, err
	}
	var d keyDoc
	err := k.command(ctx, "revoke API key", func() error {
		err := k.coll.FindOneAndUpdate(ctx,
			bson.D{{Key: "name", Value: name}, {Key: "revokedAt", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: nowUTC()}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) { // revoked already, or none
			err = k.coll.FindOne(ctx, bson.D{{Key: "name", Value: name}}).Decode(&d)
		}
		return err
	})
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, content.Errorf(content.ENotFound, "name", "no API key is named %q", name)
	}
	if err != nil {
		return nil, err
	}
	return d.key(), nil
}

// Authenticate implements content.Keys: one lookup by the secret's hash, and, at most once a minute per key, a
// write of its lastUsedAt. Its errors never repeat the secret.
func (k *apiKeys) Authenticate(ctx context.Context, secret string) (*content.Viewer, error) {
	if !wellFormed(secret) {
		return nil, content.Errorf(content.EUnauthenticated, "", "the API key is not one this service issues: keys start with %s", content.APIKeyPrefix)
	}
	h := hashOf(secret)
	var d keyDoc
	err := k.command(ctx, "authenticate", func() error { return k.coll.FindOne(ctx, bson.D{{Key: "_id", Value: h}}).Decode(&d) })
	now := nowUTC()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, content.Errorf(content.EUnauthenticated, "", "the API key is not valid")
	case err != nil:
		return nil, err
	// The lookup found the hash already; the constant-time comparison only makes sure of it, and no early exit
	// tells how much of it matched.
	case subtle.ConstantTimeCompare([]byte(d.Hash), []byte(h)) != 1:
		return nil, content.Errorf(content.EUnauthenticated, "", "the API key is not valid")
	case d.RevokedAt != nil:
		return nil, content.Errorf(content.EUnauthenticated, "", "the API key %q was revoked", d.Name)
	case d.ExpiresAt != nil && !now.Before(*d.ExpiresAt):
		return nil, content.Errorf(content.EUnauthenticated, "", "the API key %q expired at %s", d.Name, d.ExpiresAt.Format(time.RFC3339))
	}
	k.used(ctx, h, d.LastUsedAt, now)
	return &content.Viewer{Name: d.Name, Role: d.Role}, nil
}

// used records a key's use at now, unless this process or another recorded it within the last minute: the
// write is conditional on the stored lastUsedAt being older (or absent), so that several processes sharing a
// database write it about once a minute between them too. A failed write is not the request's failure; the
// next use tries again.
func (k *apiKeys) used(ctx context.Context, h string, last *time.Time, now time.Time) {
	k.mu.Lock()
	if w, ok := k.wrote[h]; ok && now.Sub(w) < lastUsedEvery {
		k.mu.Unlock()
		return
	}
	if last != nil && now.Sub(*last) < lastUsedEvery {
		k.wrote[h] = *last
		k.mu.Unlock()
		return
	}
	k.wrote[h] = now // claimed before the write, so that concurrent requests do not write it too
	k.mu.Unlock()
	stale := bson.A{
		bson.D{{Key: "lastUsedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-lastUsedEvery)}}}},
		bson.D{{Key: "lastUsedAt", Value: bson.D{{Key: "$exists", Value: false}}}},
	}
	err := k.command(ctx, "record API key use", func() error {
		_, err := k.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: h}, {Key: "$or", Value: stale}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "lastUsedAt", Value: now}}}})
		return err
	})
	if err != nil {
		k.mu.Lock()
		if k.wrote[h].Equal(now) {
			delete(k.wrote, h)
		}
		k.mu.Unlock()
	}
}

// command runs the commands of one key operation within the request's share of database commands (see
// acquire); driver errors come back wrapped as internal ones (storeErr), domain errors as they are.
func (k *apiKeys) command(ctx context.Context, op string, run func() error) error {
	release, err := acquire(ctx, op)
	if err != nil {
		return err
	}
	defer release()
	var ce *content.Error
	if err := run(); !errors.As(err, &ce) {
		return storeErr(op, err)
	}
	return ce
}
