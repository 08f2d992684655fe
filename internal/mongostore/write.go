package mongostore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"sync"
	"time"

	"coalitiongraph/internal/content"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The write primitives: Create, Update and Delete of one document, each one command that the database applies
// only to the version it was made against, and All, which reads what exists. They all end in Store.write.

// writeKind is what a write does to its document.
type writeKind int

const (
	opCreate writeKind = iota
	opUpdate
	opDelete
)

// String names the write in operation names, such as "update coalition".
func (k writeKind) String() string { return [...]string{"create", "update", "delete"}[k] }

// writeOp is one write of one document, as the write gate receives it.
type writeOp struct {
	kind writeKind
	coll *mongo.Collection
	// noun names the type in messages ("toolkit section"); idField names its id ("id", or "code" for countries).
	noun, idField string
	id            string
	// version is the version an update or delete was made against: it applies only while the document has it.
	version int
	// doc is the whole document to insert, or to replace the current one with.
	doc bson.D
	// unique matches the documents that hold the document's values of its unique field(s) besides the id, such
	// as its slug, and taken is the CONFLICT when another one does; both nil when there are none.
	unique bson.D
	taken  *content.Error
}

// write is the command of the write gate: every write of an item's draft (and of a country) passes through it as
// one command, conditional on the expected version for an update or a delete. What every write must do around it
// is done by its callers, writable.create and writable.change and their commit (authorisation, validation and
// the references, the record, the revision, the history) and kind.publication and kind.remove (the published
// stage, tombstones). Start-up's maintenance in EnsureIndexes, which re-derives the derived fields and gives old
// documents a version, changes no content and writes directly, as the projections of memberships and the
// published copies do, which follow a write the gate has made.
//
// It maps storage errors to domain ones at the storage edge: a unique value another document holds is CONFLICT
// naming the field; an update or delete that matched nothing (the document changed or went since it was read) is
// CONFLICT with the current version, or NOT_FOUND. Any other driver error is internal and its text is never
// shown.
func (s *Store) write(ctx context.Context, w writeOp) error {
	op := w.kind.String() + " " + w.noun
	release, err := acquire(ctx, op)
	if err != nil {
		return err
	}
	defer release()
	current := bson.D{{Key: "_id", Value: w.id}, {Key: "version", Value: w.version}}
	var matched int64 = 1
	switch w.kind {
	case opCreate:
		_, err = w.coll.InsertOne(ctx, w.doc)
	case opUpdate:
		defer s.locks.hold(w.coll.Name(), w.id)()
		var res *mongo.UpdateResult
		if res, err = w.coll.ReplaceOne(ctx, current, w.doc); err == nil {
			matched = res.MatchedCount
		}
	case opDelete:
		defer s.locks.hold(w.coll.Name(), w.id)()
		var res *mongo.DeleteResult
		if res, err = w.coll.DeleteOne(ctx, current); err == nil {
			matched = res.DeletedCount
		}
	}
	if err != nil {
		if conflict := duplicate(ctx, w, err); conflict != nil {
			return conflict
		}
		return storeErr(op, err)
	}
	if matched == 0 {
		return moved(ctx, w)
	}
	if w.kind == opDelete {
		err = dropSearchEntry(ctx, w.coll, w.id)
	} else {
		err = putSearchEntry(ctx, w.coll, w.doc, w.kind == opCreate)
	}
	if err != nil {
		return err
	}
	if w.coll == s.countries.coll {
		s.countryNames.wrote(w)
	}
	return nil
}

// writeMany is the write gate's command for a block of new documents (see kind.CreateMany): one insert, in the
// request's share of commands. A value another document holds (an id, a slug) is a CONFLICT, and nothing of the
// block is reported written, though the documents before it may be: the seed that writes blocks writes only
// items it found missing.
func (s *Store) writeMany(ctx context.Context, coll *mongo.Collection, noun string, docs []bson.D) error {
	op := "create " + noun
	release, err := acquire(ctx, op)
	if err != nil {
		return err
	}
	defer release()
	if err := insertAll(ctx, coll, docs); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return content.Errorf(content.EConflict, "", "another %s has the id or unique value of one created: %s", noun, op)
		}
		return storeErr(op, err)
	}
	if coll == s.countries.coll {
		for _, d := range docs {
			id, _ := lookup(d, "_id").(string)
			s.countryNames.wrote(writeOp{kind: opCreate, id: id, doc: d})
		}
	}
	return nil
}

// countryMemo holds the names of countries by code, which the derived fields of the items linked to them repeat
// (see kind.derive), so that writing such an item is one command rather than two. It reads a code's name the first
// time an item needs it, and follows every write of a country through this store's write gate, so that it holds
// what the database holds. A country renamed by another process is seen after a restart; countries change only
// with the seed content.
type countryMemo struct {
	mu    sync.Mutex
	names map[string]string
}

// of returns the names of the countries with the given codes, by code, reading the ones it does not know in one
// query; unknown codes are absent.
func (m *countryMemo) of(ctx context.Context, coll *mongo.Collection, codes []string) (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names == nil {
		m.names = map[string]string{}
	}
	out := map[string]string{}
	var missing []string
	for _, c := range codes {
		if name, ok := m.names[c]; ok {
			out[c] = name
		} else {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := countryNames(ctx, coll, missing)
	for c, name := range found {
		m.names[c], out[c] = name, name
	}
	return out, err
}

// wrote follows a write of the country w.
func (m *countryMemo) wrote(w writeOp) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names == nil {
		m.names = map[string]string{}
	}
	delete(m.names, w.id)
	if name, ok := lookup(w.doc, "name").(string); ok && w.kind != opDelete {
		m.names[w.id] = name
	}
}

// documentLocks serialise the conditional writes (update, delete) of each document within this process. MongoDB
// applies a write's filter and change as one step; FerretDB 1.24 does not: it finds the documents that match the
// filter, then writes them by id, so that two writers made against one version could both match it. Holding the
// document's lock across the command makes the version check and the write one step for every writer in this
// process, which is the embedded store's one client. (Writers in several processes sharing one FerretDB are not
// covered; MongoDB needs no lock.) The locks are striped by a hash of collection and id.
type documentLocks [64]sync.Mutex

// hold locks the document's stripe and returns the function that unlocks it.
func (l *documentLocks) hold(coll, id string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(coll + "\x00" + id))
	m := &l[h.Sum32()%uint32(len(l))]
	m.Lock()
	return m.Unlock
}

// duplicate tells whether a failed create or update was refused for a unique value another document holds, and
// returns that CONFLICT, or nil. It asks the database rather than reading the error: MongoDB reports a duplicate
// key (E11000) but FerretDB 1.24 reports one on update as an internal error. A create's own id comes first.
func duplicate(ctx context.Context, w writeOp, err error) error {
	var server mongo.ServerError
	if w.kind == opDelete || !errors.As(err, &server) {
		return nil
	}
	if w.kind == opCreate && mongo.IsDuplicateKeyError(err) {
		if _, found, err := currentVersion(ctx, w.coll, w.id); err == nil && (found || w.unique == nil) {
			return content.Errorf(content.EConflict, w.idField, "another %s has the %s %q", w.noun, w.idField, w.id)
		}
	}
	if w.unique == nil {
		return nil
	}
	other := append(bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: w.id}}}}, w.unique...)
	if n, err := w.coll.CountDocuments(ctx, other, options.Count().SetLimit(1)); err == nil && n > 0 {
		return w.taken
	}
	return nil
}

// moved is the error of an update or delete that matched nothing: the document is gone, or it has another
// version than the one the write was made against.
func moved(ctx context.Context, w writeOp) error {
	v, found, err := currentVersion(ctx, w.coll, w.id)
	if err != nil {
		return err
	}
	if !found {
		return notFound(w.noun, w.id)
	}
	return stale(w.noun, v, w.version)
}

func notFound(noun, id string) error {
	return content.Errorf(content.ENotFound, "id", "no %s with id %q", noun, id)
}

func stale(noun string, current, expected int) error {
	e := content.Errorf(content.EConflict, "version", "the %s is at version %d, not %d: it changed since it was read", noun, current, expected)
	e.CurrentVersion = &current
	return e
}

// currentVersion reads the version of the document with the given id, and whether there is one.
func currentVersion(ctx context.Context, coll *mongo.Collection, id string) (int, bool, error) {
	var d struct {
		Version int `bson:"version"`
	}
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, storeErr("read the version in "+coll.Name(), err)
	}
	return d.Version, true, nil
}

// writable is what the write primitives need to know of one collection of documents of type T.
type writable[T any] struct {
	store *Store
	// coll is the published collection (whose draft twin the writes change), typ the type of its documents.
	coll *mongo.Collection
	typ  content.TypeName
	noun string
	// idField names the id in errors; newID tells whether Create gives an id to an item without one (a country's
	// id is its code, which it must have).
	idField string
	newID   bool
	// derive fills in the derived fields of an item before it is written.
	derive func(context.Context, *T) error
	// unique returns the filter of the documents that hold doc's values of the unique field(s) besides the id,
	// and the CONFLICT when another one does (see writeOp); nil for none.
	unique func(doc bson.D) (bson.D, *content.Error)
}

// create inserts item as a new document of the draft stage (and, under content.WithPublishOnWrite, of the
// published one): with its own id, or a new one; version 1; updatedAt now; its record and derived fields. It
// returns the stored item; item itself is not changed.
func (c writable[T]) create(ctx context.Context, item *T) (*T, error) {
	if err := authorizeWrite(ctx, c.typ); err != nil {
		return nil, err
	}
	doc, err := c.newDocument(ctx, item, nowUTC())
	if err != nil {
		return nil, err
	}
	id, _ := lookup(doc, "_id").(string)
	return c.commit(ctx, writeOp{kind: opCreate, coll: draftOf(c.coll), noun: c.noun, idField: c.idField, id: id, doc: doc}, nil, content.OpCreate)
}

// newDocument is the document a create of item writes at now: its record (published at once under
// content.WithPublishOnWrite), checked (prepare), with its derived fields, its own id or a new one, version 1.
func (c writable[T]) newDocument(ctx context.Context, item *T, now time.Time) (bson.D, error) {
	next := *item
	if r, ok := any(&next).(recorded); ok {
		rec := r.Recorded()
		*rec = content.Record{PublicationStatus: content.StatusDraft, CreatedAt: now, CreatedBy: viewerName(ctx), UpdatedBy: viewerName(ctx), Operation: content.OpCreate}
		if content.PublishOnWrite(ctx) {
			one := 1
			rec.PublicationStatus, rec.PublishedVersion, rec.FirstPublishedAt, rec.PublishedAt = content.StatusPublished, &one, &now, &now
		}
	}
	if err := c.prepare(ctx, &next, nil); err != nil {
		return nil, err
	}
	doc, err := c.document(ctx, &next)
	if err != nil {
		return nil, err
	}
	id, _ := lookup(doc, "_id").(string)
	if id == "" {
		if !c.newID {
			return nil, content.Errorf(content.EInvalid, c.idField, "a %s needs its %s", c.noun, c.idField)
		}
		id = bson.NewObjectID().Hex()
	}
	return set(doc, "_id", id, "version", 1, "updatedAt", now), nil
}

// commit runs a write of the draft stage through the write gate, stamped with the next revision, then keeps
// the version in the history and what derives from the document: a coalition's memberships, and the published
// copy under content.WithPublishOnWrite.
func (c writable[T]) commit(ctx context.Context, w writeOp, prev bson.D, op content.Operation) (*T, error) {
	if c.unique != nil {
		w.unique, w.taken = c.unique(w.doc)
	}
	// the revision is taken before the command, which carries it: a write the database then refuses (a taken
	// slug, a version another writer moved on) leaves a gap in the revisions, which are increasing, not dense
	if _, ok := any(new(T)).(recorded); ok {
		rev, err := c.store.nextRevision(ctx)
		if err != nil {
			return nil, err
		}
		w.doc = set(w.doc, "revision", rev)
	}
	if err := c.store.write(ctx, w); err != nil {
		return nil, err
	}
	if err := c.store.recordHistory(ctx, c.typ, prev, w.doc, op); err != nil {
		return nil, err
	}
	fresh := w.kind == opCreate // a new item: nothing derived from it exists yet
	end := c.typ == content.TypeCoalition || c.typ == content.TypeStakeholder
	switch {
	case c.typ == content.TypeCoalition && (prev == nil || !reflect.DeepEqual(lookup(prev, "roster"), lookup(w.doc, "roster"))):
		if err := c.store.projectRoster(ctx, draftOf(c.store.memberships), w.doc, fresh); err != nil {
			return nil, err
		}
	case end && !fresh && copiesChanged(c.typ, prev, w.doc):
		if err := followEnd(ctx, draftOf(c.store.memberships), c.typ, w.doc); err != nil {
			return nil, err
		}
	}
	if content.PublishOnWrite(ctx) && w.coll != c.coll {
		pub := set(append(bson.D{}, w.doc...), intendedField, bson.D{})
		if err := put(ctx, c.coll, w.id, pub, fresh); err != nil {
			return nil, storeErr("publish "+c.noun, err)
		}
		if err := putSearchEntry(ctx, c.coll, pub, fresh); err != nil {
			return nil, err
		}
		if c.typ == content.TypeCoalition {
			if err := c.store.projectRoster(ctx, c.store.memberships, pub, fresh); err != nil {
				return nil, err
			}
		}
		// the published copy replaced may have had other copies than the draft: follow it whatever changed
		if c.typ == content.TypeStakeholder && !fresh {
			if err := followEnd(ctx, c.store.memberships, c.typ, pub); err != nil {
				return nil, err
			}
		}
	}
	return decode[T](w.doc)
}

// put stores doc as the document with the given id of coll, replacing the one there is. A fresh one is inserted,
// which is one cheap command on the embedded store, where a replace of a missing document reads the collection.
func put(ctx context.Context, coll *mongo.Collection, id string, doc bson.D, fresh bool) error {
	if fresh {
		_, err := coll.InsertOne(ctx, doc)
		if !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	_, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	return err
}

// update applies apply to the current draft of the document with the given id, if it is at version, and writes
// it back as version+1 (see change).
func (c writable[T]) update(ctx context.Context, id string, version int, apply func(*T)) (*T, error) {
	if err := authorizeWrite(ctx, c.typ); err != nil {
		return nil, err
	}
	return c.change(ctx, id, version, content.OpUpdate, apply, nil)
}

// change writes a new version of the draft of the document with the given id, if it is at version: apply (when
// not nil) changes a copy of the current item, whose record it cannot change; mark (when not nil) changes the
// record (of the item as changed), or refuses the change; the id, version, updatedAt, record and derived fields are the store's. One command conditional on the
// id and version. Nothing is written on an error: NOT_FOUND when there is no such document, CONFLICT when it is
// at another version (with the current one) or when the change takes a unique value another document holds,
// BAD_USER_INPUT for an item that is not valid.
func (c writable[T]) change(ctx context.Context, id string, version int, op content.Operation, apply func(*T), mark func(*T, *content.Record) error) (*T, error) {
	coll := draftOf(c.coll)
	// the current document, read by id whatever the reader's scope (a write must see what it changes), within
	// the request's share of commands
	release, err := acquire(ctx, "update "+c.noun)
	if err != nil {
		return nil, err
	}
	var prev bson.D
	err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&prev)
	release()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notFound(c.noun, id)
	}
	if err != nil {
		return nil, storeErr("update "+c.noun, err)
	}
	if cur := intOf(lookup(prev, "version")); cur != version {
		return nil, stale(c.noun, cur, version)
	}
	next, err := decode[T](prev)
	if err != nil {
		return nil, storeErr("update "+c.noun, err)
	}
	before := *next
	if apply != nil {
		var rec content.Record
		r, ok := any(next).(recorded)
		if ok {
			rec = *r.Recorded()
		}
		apply(next)
		if ok {
			*r.Recorded() = rec
		}
	}
	if r, ok := any(next).(recorded); ok {
		rec := r.Recorded()
		rec.UpdatedBy, rec.Operation = viewerName(ctx), op
		if op == content.OpUpdate || op == content.OpRestore {
			rec.PublicationStatus = statusAfterEdit(rec)
		}
		if old, _ := lookup(prev, "slug").(string); old != "" && old != slugOf(next) {
			rec.FormerSlugs = append(slices.DeleteFunc(rec.FormerSlugs, func(s string) bool { return s == old || s == slugOf(next) }), old)
		}
		if mark != nil {
			if err := mark(next, rec); err != nil {
				return nil, err
			}
		}
	}
	if err := c.prepare(ctx, next, &before); err != nil {
		return nil, err
	}
	doc, err := c.document(ctx, next)
	if err != nil {
		return nil, err
	}
	doc = set(doc, "_id", id, "version", version+1, "updatedAt", nowUTC())
	item, err := c.commit(ctx, writeOp{kind: opUpdate, coll: coll, noun: c.noun, idField: c.idField, id: id, version: version, doc: doc}, prev, op)
	if err == nil && c.typ == content.TypeToolkitSection && op != content.OpPublish && treeMoved(prev, doc) {
		// renumbering may write the moved section again: answer with what is stored, as the payload promises
		if err = c.store.retile(ctx); err == nil {
			var now bson.D
			if err = storeErr("update "+c.noun, coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&now)); err == nil {
				item, err = decode[T](now)
			}
		}
	}
	return item, err
}

// slugOf is an item's slug ("" for a type without one).
func slugOf(item any) string {
	v := reflect.ValueOf(item).Elem().FieldByName("Slug")
	if v.IsValid() && v.Kind() == reflect.String {
		return v.String()
	}
	return ""
}

// delete removes the document with the given id if it is at version, in one command; else NOT_FOUND, or
// CONFLICT with the current version, and nothing is removed.
func (c writable[T]) delete(ctx context.Context, id string, version int) error {
	return c.store.write(ctx, writeOp{kind: opDelete, coll: draftOf(c.coll), noun: c.noun, idField: c.idField, id: id, version: version})
}

// document derives item's fields and returns it as the document to store.
func (c writable[T]) document(ctx context.Context, item *T) (bson.D, error) {
	if c.derive != nil {
		if err := c.derive(ctx, item); err != nil {
			return nil, err
		}
	}
	raw, err := bson.Marshal(item)
	var doc bson.D
	if err == nil {
		err = bson.Unmarshal(raw, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", c.noun, err)
	}
	return doc, nil
}

func decode[T any](doc bson.D) (*T, error) {
	raw, err := bson.Marshal(doc)
	var t T
	if err == nil {
		err = bson.Unmarshal(raw, &t)
	}
	if err != nil {
		return nil, fmt.Errorf("decode the written document: %w", err)
	}
	return &t, nil
}

// lookup returns the value of the document's field key, or nil.
func lookup(doc bson.D, key string) any {
	for _, e := range doc {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// set sets fields of doc, given as key, value, key, value…, replacing a field it has and appending one it lacks.
func set(doc bson.D, kv ...any) bson.D {
	for i := 0; i+1 < len(kv); i += 2 {
		key, value := kv[i].(string), kv[i+1]
		found := false
		for j := range doc {
			if doc[j].Key == key {
				doc[j].Value, found = value, true
			}
		}
		if !found {
			doc = append(doc, bson.E{Key: key, Value: value})
		}
	}
	return doc
}

func (k *kind[T, F, O]) writable() writable[T] {
	noun := collections[k.typ].noun
	w := writable[T]{store: k.store, coll: k.coll, typ: k.typ, noun: noun, idField: "id", newID: true,
		derive: func(ctx context.Context, item *T) error { return k.derive(ctx, []*T{item}) }}
	if k.unique == "_id" {
		w.idField, w.newID = k.arg, false // the unique field is the id, which the item must have (a country's code)
		return w
	}
	w.unique = func(doc bson.D) (bson.D, *content.Error) {
		v := lookup(doc, k.unique)
		return bson.D{{Key: k.unique, Value: v}}, content.Errorf(content.EConflict, k.arg, "another %s has the %s %q", noun, k.arg, v)
	}
	return w
}

// Create implements content.Collection: it stores item as a new document and returns it as stored: with its own id (the seed's stable ids) or a new
// one, version 1, updatedAt now and its derived fields; item itself is not changed. A slug (a country's code)
// another item holds is a CONFLICT naming the field, and nothing is written.
func (k *kind[T, F, O]) Create(ctx context.Context, item *T) (*T, error) {
	return k.writable().create(ctx, item)
}

// Update implements content.Collection: it changes the item with the given id, made against its version: it applies apply to a copy of the stored
// item and writes that as version+1, with its id, updatedAt now and its derived fields, in one command that
// applies only while the item is still at version. It returns the stored item. Errors, with nothing written:
// NOT_FOUND when there is no such item; CONFLICT with CurrentVersion when it is at another version (another write
// came first); CONFLICT on "slug" when the new slug is another item's, which stays as it is.
func (k *kind[T, F, O]) Update(ctx context.Context, id string, version int, apply func(*T)) (*T, error) {
	return k.writable().update(ctx, id, version, apply)
}

// Delete implements content.Collection: it removes the item with the given id, made against its version, in one command that applies only while
// the item is at version. Errors, with nothing removed: NOT_FOUND when there is no such item; CONFLICT with
// CurrentVersion when it is at another version.
func (k *kind[T, F, O]) Delete(ctx context.Context, id string, version int, detach bool) error {
	return k.remove(ctx, id, version, detach)
}

// All implements content.Collection: every stored item, in one query.
func (k *kind[T, F, O]) All(ctx context.Context) ([]*T, error) {
	return k.find(ctx, bson.D{}, nil, false, 0)
}

// All implements content.Memberships: every stored membership, in one query.
func (m memberships) All(ctx context.Context) ([]*content.Membership, error) {
	return m.s.findMemberships(ctx, bson.D{})
}
