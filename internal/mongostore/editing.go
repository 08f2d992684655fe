package mongostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Editing: the two stages, and what the write gate records of every write.
//
// Every collection of content (and of memberships and tombstones) exists once per stage: the published one under
// its own name, the draft one prefixed "draft_" (see draftOf). Every write changes the draft stage. Publishing
// copies an item's draft into the published stage with its references narrowed to the items that are published
// (a published document keeps the references its draft had under "intended", so that publishing their targets
// later links them); unpublishing removes it and every published reference to it. The published stage is so
// always a closed graph, and an anonymous read, which the read gate sends to the published collections, has no
// way to a draft.

// Names of the collections of editing.
const (
	historyName    = "history"
	tombstonesName = "tombstones"
	countersName   = "counters"
	intendedField  = "intended"
)

// recorded is any content item, whose record the store keeps.
type recorded interface{ Recorded() *content.Record }

type validator interface{ Validate() error }

// authorizeWrite refuses a write of type t to a viewer below EDITOR; countries are reference data, which only
// the program itself (the System viewer) writes.
func authorizeWrite(ctx context.Context, t content.TypeName) error {
	if t == content.TypeCountry && content.ViewerOf(ctx) != content.System {
		if err := content.Authorize(ctx, content.RoleEditor, "change content"); err != nil {
			return err
		}
		return content.Errorf(content.EForbidden, "", "countries are reference data: they are read-only")
	}
	return content.Authorize(ctx, content.RoleEditor, "change content")
}

// viewerName names the viewer of ctx in records.
func viewerName(ctx context.Context) string {
	if v := content.ViewerOf(ctx); v != nil {
		return v.Name
	}
	return ""
}

// nextRevision takes the next store-wide revision from the counter, one atomic command. The in-process lock
// keeps the embedded store's read-modify-write of the counter one step.
func (s *Store) nextRevision(ctx context.Context) (int64, error) { return s.takeRevisions(ctx, 1) }

// takeRevisions takes the next n revisions as a block, one command, and returns the last of them.
func (s *Store) takeRevisions(ctx context.Context, n int) (int64, error) {
	s.revisionMu.Lock()
	defer s.revisionMu.Unlock()
	var d struct {
		Value int64 `bson:"value"`
	}
	err := s.db.Collection(countersName).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "revision"}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(n)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err == nil && d.Value > s.taken.Load() {
		s.taken.Store(d.Value) // under revisionMu: no other writer of taken
	}
	return d.Value, storeErr("take a revision", err)
}

// TakenRevision implements content.Store.
func (s *Store) TakenRevision() int64 { return s.taken.Load() }

// WatchRevision calls changed after each change of the store's revision, as a change stream on the counters
// collection tells it, until ctx ends or the stream fails. It says whether the stream opened: a server without
// change streams (the embedded store, a standalone MongoDB) refuses it at once.
func (s *Store) WatchRevision(ctx context.Context, changed func()) (bool, error) {
	cs, err := s.db.Collection(countersName).Watch(ctx, mongo.Pipeline{})
	if err != nil {
		return false, err
	}
	defer cs.Close(context.WithoutCancel(ctx))
	for cs.Next(ctx) {
		changed()
	}
	return true, cs.Err()
}

// Revision implements content.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var d struct {
		Value int64 `bson:"value"`
	}
	_, err := read(ctx, s.db.Collection(countersName), "find", bson.D{{Key: "_id", Value: "revision"}},
		func(coll *mongo.Collection, q bson.D) (bool, error) { return true, coll.FindOne(ctx, q).Decode(&d) })
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Value, err
}

// historyDoc is one version of an item, as the history collection keeps it.
type historyDoc struct {
	ID        string            `bson:"_id"`
	Type      content.TypeName  `bson:"type"`
	Item      string            `bson:"itemId"`
	Version   int               `bson:"version"`
	At        time.Time         `bson:"at"`
	By        string            `bson:"by"`
	Operation content.Operation `bson:"operation"`
	Changed   []string          `bson:"changed"`
	Snapshot  bson.D            `bson:"snapshot"`
}

// derivedFields are the stored fields the store derives or records, which are not content: history leaves them
// out of snapshots and of the changed fields.
var derivedFields = map[string]bool{"_id": true, "version": true, "updatedAt": true, "sortName": true, "keywords": true,
	"titleCount": true, "leadCount": true, "indexVersion": true, "countryName": true, "countryNames": true,
	"publishedMonth": true, "rosterIds": true, "ancestorIds": true, "depth": true, "number": true, "position": true,
	"publicationStatus": true, "publishedVersion": true, "firstPublishedAt": true, "publishedAt": true, "createdAt": true,
	"createdBy": true, "updatedBy": true, "revision": true, "operation": true, "formerSlugs": true, intendedField: true}

// contentOf is doc without its derived fields.
func contentOf(doc bson.D) bson.D {
	out := bson.D{}
	for _, e := range doc {
		if !derivedFields[e.Key] {
			out = append(out, e)
		}
	}
	return out
}

// changedFields names the content fields that differ between two versions of a document (all of next's when
// there is no prev).
func changedFields(prev, next bson.D) []string {
	before := map[string]any{}
	for _, e := range contentOf(prev) {
		before[e.Key] = e.Value
	}
	changed := []string{}
	seen := map[string]bool{}
	for _, e := range contentOf(next) {
		seen[e.Key] = true
		if v, ok := before[e.Key]; !ok || !reflect.DeepEqual(v, e.Value) || prev == nil {
			changed = append(changed, e.Key)
		}
	}
	for k := range before {
		if !seen[k] {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return changed
}

// recordHistory keeps version of the written document doc in the history. A write that lands and whose history
// entry then fails is reported as failed, though its change stands: the client reads it back.
func (s *Store) recordHistory(ctx context.Context, t content.TypeName, prev, doc bson.D, op content.Operation) error {
	if t == content.TypeCountry || t == membershipsType {
		return nil
	}
	h := historyOf(ctx, t, prev, doc, op)
	doc, err := toDoc(h)
	if err == nil {
		err = put(ctx, s.db.Collection(historyName), h.ID, doc, true)
	}
	return storeErr("record history", err)
}

// historyOf is the history entry of the version doc of an item of type t, written over prev (nil for none).
func historyOf(ctx context.Context, t content.TypeName, prev, doc bson.D, op content.Operation) historyDoc {
	id, _ := lookup(doc, "_id").(string)
	version := intOf(lookup(doc, "version"))
	at, _ := lookup(doc, "updatedAt").(time.Time)
	h := historyDoc{ID: fmt.Sprintf("%s:%d", content.KeyOf(t, id), version), Type: t, Item: id, Version: version,
		At: at, By: viewerName(ctx), Operation: op, Changed: changedFields(prev, doc), Snapshot: contentOf(doc)}
	if op != content.OpCreate && op != content.OpUpdate && op != content.OpRestore {
		h.Changed = []string{}
	}
	return h
}

// statusAfterEdit is the publication status of an item whose draft changed: CHANGED when a version is live.
func statusAfterEdit(r *content.Record) content.PublicationStatus {
	switch {
	case r.PublicationStatus == content.StatusArchived:
		return content.StatusArchived
	case r.PublishedVersion != nil:
		return content.StatusChanged
	}
	return content.StatusDraft
}

// tombstone is what a deleted item leaves in a stage, so that the change feed tells of it.
type tombstone struct {
	ID        string            `bson:"_id"`
	Type      content.TypeName  `bson:"type"`
	Item      string            `bson:"itemId"`
	Version   int               `bson:"version"`
	Revision  int64             `bson:"revision"`
	Operation content.Operation `bson:"operation"`
	At        time.Time         `bson:"at"`
	By        string            `bson:"by"`
}

func (s *Store) bury(ctx context.Context, coll *mongo.Collection, t content.TypeName, id string, version int, op content.Operation) error {
	rev, err := s.nextRevision(ctx)
	if err != nil {
		return err
	}
	ts := tombstone{ID: content.KeyOf(t, id), Type: t, Item: id, Version: version, Revision: rev, Operation: op, At: nowUTC(), By: viewerName(ctx)}
	_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: ts.ID}}, ts, options.Replace().SetUpsert(true))
	return storeErr("leave a tombstone", err)
}

// Changes implements content.Store: the documents of the request's stage written after the revision, and the
// tombstones, merged in revision order. Each type is one query on its revision index.
func (s *Store) Changes(ctx context.Context, after int64, limit int, types []content.TypeName) ([]*content.Change, bool, error) {
	if len(types) == 0 {
		types = content.ContentTypes
	}
	published := content.ScopeOf(ctx).Stage() == content.StagePublished
	since := bson.D{{Key: "revision", Value: bson.D{{Key: "$gt", Value: after}}}}
	opts := options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}).SetLimit(int64(limit + 1)).
		SetProjection(bson.D{{Key: "revision", Value: 1}, {Key: "operation", Value: 1}, {Key: "version", Value: 1},
			{Key: "updatedAt", Value: 1}, {Key: "updatedBy", Value: 1}, {Key: "publishedAt", Value: 1}})
	var out []*content.Change
	for _, t := range types {
		k, ok := s.contentKinds[t]
		if !ok {
			continue
		}
		docs, err := readAll[struct {
			ID          string            `bson:"_id"`
			Revision    int64             `bson:"revision"`
			Operation   content.Operation `bson:"operation"`
			Version     int               `bson:"version"`
			UpdatedAt   time.Time         `bson:"updatedAt"`
			UpdatedBy   string            `bson:"updatedBy"`
			PublishedAt *time.Time        `bson:"publishedAt"`
		}](ctx, k.collection(), "changes", since, func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) { return coll.Find(ctx, q, opts) })
		if err != nil {
			return nil, false, err
		}
		for _, d := range docs {
			c := &content.Change{Revision: d.Revision, Type: t, ID: d.ID, Operation: d.Operation, Version: d.Version, At: d.UpdatedAt, By: d.UpdatedBy}
			if published {
				c.Operation = content.OpPublish // a published document is there because it was published
				if d.PublishedAt != nil {
					c.At = *d.PublishedAt
				}
			}
			out = append(out, c)
		}
	}
	typeNames := make([]string, len(types))
	for i, t := range types {
		typeNames[i] = string(t)
	}
	stones, err := readAll[tombstone](ctx, s.db.Collection(tombstonesName), "changes",
		bson.D{{Key: "$and", Value: bson.A{since, inIDs("type", typeNames)}}},
		func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
			return coll.Find(ctx, q, options.Find().SetSort(bson.D{{Key: "revision", Value: 1}}).SetLimit(int64(limit+1)))
		})
	if err != nil {
		return nil, false, err
	}
	for _, ts := range stones {
		out = append(out, &content.Change{Revision: ts.Revision, Type: ts.Type, ID: ts.Item, Operation: ts.Operation, Version: ts.Version, At: ts.At, By: ts.By})
	}
	slices.SortFunc(out, func(a, b *content.Change) int { return int(a.Revision - b.Revision) })
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// History implements content.Editor: the item's versions, newest first. The history holds drafts: PREVIEW or
// above.
func (k *kind[T, F, O]) History(ctx context.Context, id string, w content.Window) (content.Page[*content.Revision], error) {
	if err := content.Authorize(ctx, content.RolePreview, "read the history"); err != nil {
		return content.Page[*content.Revision]{}, err
	}
	keys := []relay.Sort[*content.Revision]{{Field: "version", Type: relay.Int, Desc: true, Value: func(r *content.Revision) any { return r.Version }}}
	if err := relay.Check(w, keys); err != nil {
		return content.Page[*content.Revision]{}, err
	}
	if _, found, err := currentVersion(ctx, draftOf(k.coll), id); err != nil || !found {
		if err == nil {
			err = notFound(collections[k.typ].noun, id)
		}
		return content.Page[*content.Revision]{}, err
	}
	conds := bson.A{bson.D{{Key: "type", Value: string(k.typ)}}, bson.D{{Key: "itemId", Value: id}}}
	if w.After != nil {
		conds = append(conds, keyset(keys, w.After.Values, true))
	}
	if w.Before != nil {
		conds = append(conds, keyset(keys, w.Before.Values, false))
	}
	dir := -1
	if w.Backward() {
		dir = 1
	}
	docs, err := readAll[historyDoc](ctx, k.store.db.Collection(historyName), "history", bson.D{{Key: "$and", Value: conds}},
		func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) {
			return coll.Find(ctx, q, options.Find().SetSort(bson.D{{Key: "version", Value: dir}}).SetLimit(int64(w.Size()+1)))
		})
	if err != nil {
		return content.Page[*content.Revision]{}, err
	}
	revs := make([]*content.Revision, len(docs))
	for i, d := range docs {
		snap, err := plainJSON(d.Snapshot)
		if err != nil {
			return content.Page[*content.Revision]{}, storeErr("history", err)
		}
		revs[i] = &content.Revision{Type: d.Type, ID: d.Item, Version: d.Version, At: d.At, By: d.By, Operation: d.Operation, Changed: d.Changed, Snapshot: snap}
	}
	return relay.NewPage(revs, keys, w), nil
}

// plainJSON writes a stored document as plain JSON: times as RFC 3339 strings, numbers as numbers.
func plainJSON(doc bson.D) (string, error) {
	b, err := json.Marshal(plain(doc))
	return string(b), err
}

func plain(v any) any {
	switch x := v.(type) {
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = plain(e.Value)
		}
		return m
	case bson.A:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case bson.DateTime:
		return x.Time().UTC().Format(time.RFC3339Nano)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// snapshot returns the item's content at the given version from its history; NOT_FOUND naming "version".
func (k *kind[T, F, O]) snapshot(ctx context.Context, id string, version int) (*T, error) {
	var h historyDoc
	err := k.store.db.Collection(historyName).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s:%d", content.KeyOf(k.typ, id), version)}}).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, content.Errorf(content.ENotFound, "version", "the history of the %s has no version %d", collections[k.typ].noun, version)
	}
	if err != nil {
		return nil, storeErr("read history", err)
	}
	return decode[T](h.Snapshot)
}

// Restore implements content.Editor.
func (k *kind[T, F, O]) Restore(ctx context.Context, id string, revision, version int) (*T, error) {
	if err := authorizeWrite(ctx, k.typ); err != nil {
		return nil, err
	}
	old, err := k.snapshot(ctx, id, revision)
	if err != nil {
		return nil, err
	}
	return k.writable().change(ctx, id, version, content.OpRestore, func(it *T) {
		rec := *any(it).(recorded).Recorded()
		*it = *old
		*any(it).(recorded).Recorded() = rec
	}, nil)
}

// links are the fields of type t's documents that refer to other content, which publishing keeps closed: each
// relation t owns (but the countries, which are in both stages, and the toolkit's tree, which Publish keeps
// whole), and a coalition's roster.
func links(t content.TypeName) []*content.Relation {
	var out []*content.Relation
	for _, r := range content.OwnedBy(t) {
		if r.OtherType() != content.TypeCountry && r != content.ParentOf && r != content.AncestorOf {
			out = append(out, r)
		}
	}
	if t == content.TypeCoalition {
		out = append(out, rosterLink)
	}
	return out
}

// rosterLink is a coalition's roster as a link: its stakeholders' ids, which the store derives into "rosterIds".
var rosterLink = &content.Relation{Name: content.MemberOf.Name, From: content.TypeStakeholder, To: content.TypeCoalition,
	Owner: content.EndTo, Storage: content.Refs, Field: "rosterIds"}

// linkers are the links of other types (or t's own) that can refer to an item of type t.
func linkers(t content.TypeName) map[content.TypeName][]*content.Relation {
	out := map[content.TypeName][]*content.Relation{}
	for _, owner := range content.ContentTypes {
		for _, r := range links(owner) {
			if r.OtherType() == t || r.Storage == content.KeyRefs {
				out[owner] = append(out[owner], r)
			}
		}
	}
	return out
}

// refValue is the value an owner's document holds for target id through r.
func refValue(r *content.Relation, t content.TypeName, id string) string {
	if r.Storage == content.KeyRefs {
		return content.KeyOf(t, id)
	}
	return id
}

// stringsOf reads a stored list (or one string) of references.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case bson.A:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	return nil
}

// withRefs sets r's field of doc to refs: a list, or one optional reference (absent when there is none).
func withRefs(doc bson.D, r *content.Relation, refs []string) bson.D {
	if r.Storage == content.OneRef {
		doc = slices.DeleteFunc(doc, func(e bson.E) bool { return e.Key == r.Field })
		if len(refs) > 0 {
			doc = append(doc, bson.E{Key: r.Field, Value: refs[0]})
		}
		return doc
	}
	list := bson.A{}
	for _, v := range refs {
		list = append(list, v)
	}
	doc = set(doc, r.Field, list)
	if r == rosterLink { // the roster's entries follow its ids, taken from the intended roster when there is one
		entries := lookup(doc, "roster")
		if intended, ok := lookup(doc, intendedField).(bson.D); ok && lookup(intended, "roster") != nil {
			entries = lookup(intended, "roster")
		}
		keep := bson.A{}
		for _, e := range rosterEntries(entries) {
			if slices.Contains(refs, e.id) {
				keep = append(keep, e.doc)
			}
		}
		doc = set(doc, "roster", keep)
	}
	return doc
}

// rosterEntry is one member of a stored roster: the stakeholder's id, and the whole entry.
type rosterEntry struct {
	id  string
	doc any
}

// rosterEntries reads a stored roster.
func rosterEntries(v any) []rosterEntry {
	list, _ := v.(bson.A)
	var out []rosterEntry
	for _, e := range list {
		if d, ok := e.(bson.D); ok {
			id, _ := lookup(d, "stakeholderId").(string)
			out = append(out, rosterEntry{id, d})
		}
	}
	return out
}

// published tells which of the keys (type-qualified) are items of the published stage, reading each type once.
func (s *Store) published(ctx context.Context, keys []string) (map[string]bool, error) {
	byType := map[content.TypeName][]string{}
	for _, key := range keys {
		t, id, _ := cutKey(key)
		byType[t] = append(byType[t], id)
	}
	out := map[string]bool{}
	for t, ids := range byType {
		k, ok := s.contentKinds[t]
		if !ok {
			continue
		}
		found, err := project(content.WithScope(ctx, content.ScopePublished), k.collection(), inIDs("_id", ids), nil)
		if err != nil {
			return nil, err
		}
		for id := range found {
			out[content.KeyOf(t, id)] = true
		}
	}
	return out, nil
}

func cutKey(key string) (content.TypeName, string, bool) {
	t, id, ok := strings.Cut(key, ":")
	return content.TypeName(t), id, ok
}

// publishedCopy is the published document of a draft one: each link narrowed to the published items, and the
// draft's links kept under "intended".
func (s *Store) publishedCopy(ctx context.Context, t content.TypeName, draft bson.D) (bson.D, error) {
	var keys []string
	for _, r := range links(t) {
		for _, v := range stringsOf(lookup(draft, r.Field)) {
			keys = append(keys, r.RefKey(v))
		}
	}
	live, err := s.published(ctx, keys)
	if err != nil {
		return nil, err
	}
	doc := append(bson.D{}, draft...)
	intended := bson.D{}
	for _, r := range links(t) {
		all := stringsOf(lookup(draft, r.Field))
		intended = append(intended, bson.E{Key: r.Field, Value: all})
		if r == rosterLink {
			intended = append(intended, bson.E{Key: "roster", Value: lookup(draft, "roster")})
		}
		var keep []string
		for _, v := range all {
			if live[r.RefKey(v)] {
				keep = append(keep, v)
			}
		}
		doc = withRefs(doc, r, keep)
	}
	return set(doc, intendedField, intended), nil
}

// linkPublished links the published items that intend to refer to the item t:id, just published, to it.
func (s *Store) linkPublished(ctx context.Context, t content.TypeName, id string) error {
	return s.relink(ctx, t, id, func(r *content.Relation) string { return intendedField + "." + r.Field }, func(doc bson.D, r *content.Relation, v string) []string {
		cur := stringsOf(lookup(doc, r.Field))
		var keep []string
		intended, _ := lookup(doc, intendedField).(bson.D)
		for _, x := range stringsOf(lookup(intended, r.Field)) {
			if x == v || slices.Contains(cur, x) {
				keep = append(keep, x)
			}
		}
		return keep
	})
}

// unlinkPublished removes every published reference to the item t:id.
func (s *Store) unlinkPublished(ctx context.Context, t content.TypeName, id string) error {
	return s.relink(ctx, t, id, func(r *content.Relation) string { return r.Field }, func(doc bson.D, r *content.Relation, v string) []string {
		return slices.DeleteFunc(stringsOf(lookup(doc, r.Field)), func(x string) bool { return x == v })
	})
}

// relink rewrites, in the published stage, the links to t:id of the documents whose field (see field) holds it,
// as next says; a coalition whose roster changes has its published memberships follow.
func (s *Store) relink(ctx context.Context, t content.TypeName, id string, field func(*content.Relation) string,
	next func(doc bson.D, r *content.Relation, v string) []string) error {
	for owner, rels := range linkers(t) {
		coll := s.contentKinds[owner].collection()
		for _, r := range rels {
			v := refValue(r, t, id)
			docs, err := readAll[bson.D](content.WithScope(ctx, content.ScopePublished), coll, "relink", bson.D{{Key: field(r), Value: v}},
				func(coll *mongo.Collection, q bson.D) (*mongo.Cursor, error) { return coll.Find(ctx, q) })
			if err != nil {
				return err
			}
			for _, doc := range docs {
				doc = withRefs(doc, r, next(doc, r, v))
				docID, _ := lookup(doc, "_id").(string)
				if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: docID}}, doc); err != nil {
					return storeErr("relink "+coll.Name(), err)
				}
				if r == rosterLink {
					if err := s.projectRoster(ctx, s.memberships, doc, false); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// membershipID is the id of the membership of a stakeholder in a coalition: the same in both stages.
func membershipID(coalition, stakeholder string) string {
	h := sha256.Sum256([]byte(coalition + "/" + stakeholder))
	return hex.EncodeToString(h[:12])
}

// projectRoster makes the memberships collection coll hold the roster of the coalition document doc: it writes
// the memberships the roster has and removes the others of the coalition, in one bulk write. For a fresh
// coalition, which has none yet, it inserts them.
func (s *Store) projectRoster(ctx context.Context, coll *mongo.Collection, doc bson.D, fresh bool) error {
	cid, _ := lookup(doc, "_id").(string)
	entries := rosterEntries(lookup(doc, "roster"))
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.id
	}
	ends, err := endDocs(ctx, stageOf(coll, s.stakeholders.coll), content.TypeStakeholder, ids)
	if err != nil {
		return err
	}
	keep := bson.A{}
	var models []mongo.WriteModel
	for _, m := range rosterMemberships(doc, entries, ends) {
		mid := lookup(m, "_id")
		keep = append(keep, mid)
		if fresh {
			models = append(models, mongo.NewInsertOneModel().SetDocument(m))
		} else {
			models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: mid}}).SetReplacement(m).SetUpsert(true))
		}
	}
	if fresh {
		if len(models) == 0 {
			return nil
		}
		_, err := coll.BulkWrite(ctx, models)
		if !mongo.IsDuplicateKeyError(err) {
			return storeErr("write the memberships", err)
		}
		return s.projectRoster(ctx, coll, doc, false) // left over from an item of the same id: replace them
	}
	models = append(models, mongo.NewDeleteManyModel().SetFilter(bson.D{{Key: endField(content.TypeCoalition), Value: cid},
		{Key: "_id", Value: bson.D{{Key: "$nin", Value: keep}}}}))
	_, err = coll.BulkWrite(ctx, models)
	return storeErr("write the memberships", err)
}

// rosterMemberships are the membership documents of the coalition document doc, whose roster entries are
// entries, with the copies of both ends (see copiedFields); stakeholders holds the members' documents by id (a
// member not there has null copies).
func rosterMemberships(doc bson.D, entries []rosterEntry, stakeholders map[string]bson.D) []bson.D {
	cid, _ := lookup(doc, "_id").(string)
	at, _ := lookup(doc, "updatedAt").(time.Time)
	coalition := copiesOf(content.TypeCoalition, doc)
	out := make([]bson.D, 0, len(entries))
	for _, e := range entries {
		d := e.doc.(bson.D)
		m := bson.D{{Key: "_id", Value: membershipID(cid, e.id)}, {Key: endField(content.TypeCoalition), Value: cid}, {Key: endField(content.TypeStakeholder), Value: e.id},
			{Key: "role", Value: lookup(d, "role")}, {Key: "version", Value: 1}, {Key: "updatedAt", Value: at}}
		if since := lookup(d, "since"); since != nil {
			m = append(m, bson.E{Key: "since", Value: since})
		}
		m = append(append(append(m, coalition...), copiesOf(content.TypeStakeholder, stakeholders[e.id])...),
			bson.E{Key: copiesVersionField, Value: copiesVersion})
		out = append(out, m)
	}
	return out
}

// Publish implements content.Editor.
func (k *kind[T, F, O]) Publish(ctx context.Context, id string, version int) (*T, error) {
	return k.publication(ctx, id, version, content.OpPublish)
}

// Unpublish implements content.Editor.
func (k *kind[T, F, O]) Unpublish(ctx context.Context, id string, version int) (*T, error) {
	return k.publication(ctx, id, version, content.OpUnpublish)
}

// Archive implements content.Editor.
func (k *kind[T, F, O]) Archive(ctx context.Context, id string, version int) (*T, error) {
	return k.publication(ctx, id, version, content.OpArchive)
}

// publication publishes, unpublishes or archives an item. It writes the draft first, conditional on the version
// (the one step that can conflict), then the published stage in an order that never shows a dangling
// reference: a published item is written before anything links to it, and unlinked before it goes. Each step
// is idempotent, so a retry of a publication that failed half-way completes it. Publications run one at a time
// in this process, since each reads what the others write.
func (k *kind[T, F, O]) publication(ctx context.Context, id string, version int, op content.Operation) (*T, error) {
	if err := authorizeWrite(ctx, k.typ); err != nil {
		return nil, err
	}
	s := k.store
	s.publishing.Lock()
	defer s.publishing.Unlock()
	if op != content.OpPublish {
		if err := k.checkChildren(ctx, id); err != nil {
			return nil, err
		}
	}
	now := nowUTC()
	item, err := k.writable().change(ctx, id, version, op, nil, func(item *T, r *content.Record) error {
		switch op {
		case content.OpPublish:
			if err := k.publishable(ctx, item); err != nil {
				return err
			}
			v := version + 1
			r.PublishedVersion, r.PublishedAt, r.PublicationStatus = &v, &now, content.StatusPublished
			if r.FirstPublishedAt == nil {
				r.FirstPublishedAt = &now
			}
		case content.OpUnpublish, content.OpArchive:
			if op == content.OpUnpublish && r.PublishedVersion == nil {
				return content.Errorf(content.EConflict, "id", "the %s is not published", collections[k.typ].noun)
			}
			r.PublishedVersion, r.PublishedAt, r.PublicationStatus = nil, nil, content.StatusDraft
			if op == content.OpArchive {
				r.PublicationStatus = content.StatusArchived
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if op == content.OpPublish {
		return item, k.putPublished(ctx, item)
	}
	return item, k.takeDown(ctx, id, op)
}

// putPublished writes the published copy of a draft item and links the published items that refer to it.
func (k *kind[T, F, O]) putPublished(ctx context.Context, item *T) error {
	s := k.store
	doc, err := toDoc(item)
	if err != nil {
		return err
	}
	pub, err := s.publishedCopy(ctx, k.typ, doc)
	if err != nil {
		return err
	}
	id := k.id(item)
	if _, err := k.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, pub, options.Replace().SetUpsert(true)); err != nil {
		return storeErr("publish", err)
	}
	if err := putSearchEntry(ctx, k.coll, pub, false); err != nil {
		return err
	}
	switch k.typ {
	case content.TypeCoalition:
		if err := s.projectRoster(ctx, s.memberships, pub, false); err != nil {
			return err
		}
	case content.TypeStakeholder:
		if err := followEnd(ctx, s.memberships, k.typ, pub); err != nil {
			return err
		}
	}
	if err := s.linkPublished(ctx, k.typ, id); err != nil {
		return err
	}
	_, err = s.db.Collection(tombstonesName).DeleteOne(ctx, bson.D{{Key: "_id", Value: content.KeyOf(k.typ, id)}})
	return storeErr("publish", err)
}

// takeDown removes an item from the published stage: first every reference to it, then its memberships, then
// the item, which leaves a tombstone there.
func (k *kind[T, F, O]) takeDown(ctx context.Context, id string, op content.Operation) error {
	s := k.store
	_, found, err := currentVersion(ctx, k.coll, id)
	if err != nil || !found {
		return err
	}
	if err := s.unlinkPublished(ctx, k.typ, id); err != nil {
		return err
	}
	if k.typ == content.TypeCoalition || k.typ == content.TypeStakeholder {
		if _, err := s.memberships.DeleteMany(ctx, bson.D{{Key: endField(k.typ), Value: id}}); err != nil {
			return storeErr("unpublish", err)
		}
	}
	if _, err := k.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return storeErr("unpublish", err)
	}
	if err := dropSearchEntry(ctx, k.coll, id); err != nil {
		return err
	}
	if op == content.OpDelete {
		op = content.OpUnpublish
	}
	return s.bury(ctx, s.db.Collection(tombstonesName), k.typ, id, 0, op)
}

// publishable refuses to publish an item the published stage cannot take as it is: a toolkit section whose
// parent is not published (CONFLICT naming "parent"), or an item whose slug another item holds there, renamed
// since in its draft, which keeps its old slug live until it is published again (CONFLICT naming "slug").
func (k *kind[T, F, O]) publishable(ctx context.Context, item *T) error {
	if sec, ok := any(item).(*content.ToolkitSection); ok && sec.ParentID != nil {
		if _, found, err := currentVersion(ctx, k.coll, *sec.ParentID); err != nil || !found {
			if err == nil {
				err = content.Errorf(content.EConflict, "parent", "the section's parent is not published: publish it first")
			}
			return err
		}
	}
	if k.unique != "slug" {
		return nil
	}
	slug := slugOf(item)
	n, err := k.coll.CountDocuments(ctx, bson.D{{Key: "slug", Value: slug}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: k.id(item)}}}})
	if err != nil || n == 0 {
		return storeErr("publish", err)
	}
	return content.Errorf(content.EConflict, "slug", "the slug %q is live on another %s, renamed since in its draft: publish that one first", slug, collections[k.typ].noun)
}

// checkChildren keeps the published toolkit a tree: a section is taken out of the published stage only when none
// of its sub-sections is published (CONFLICT naming "children", with them as the referrers).
func (k *kind[T, F, O]) checkChildren(ctx context.Context, id string) error {
	if k.typ != content.TypeToolkitSection {
		return nil
	}
	children, err := project(content.WithScope(ctx, content.ScopePublished), k.coll, bson.D{{Key: content.ParentOf.Field, Value: id}}, nil)
	if err != nil || len(children) == 0 {
		return err
	}
	e := content.Errorf(content.EConflict, "children", "%d sub-sections of the section are published: unpublish them first", len(children))
	for cid := range children {
		e.Referrers = append(e.Referrers, content.Referrer{Type: content.TypeToolkitSection, ID: cid, Relation: content.ParentOf.Name})
	}
	return e
}

func toDoc(v any) (bson.D, error) {
	raw, err := bson.Marshal(v)
	var doc bson.D
	if err == nil {
		err = bson.Unmarshal(raw, &doc)
	}
	return doc, err
}

// intOf reads a stored whole number, whichever width it was stored with.
func intOf(v any) int {
	switch x := v.(type) {
	case int32:
		return int(x)
	case int64:
		return int(x)
	case int:
		return x
	}
	return 0
}

// prepare checks an item before it is written: its fields (Validate), that the references it holds name items
// of the draft stage and countries that exist, and places a toolkit section under its parent, which must not be
// the section or one of its sub-sections. Every bad field is reported at once, as Validate does. The seed's
// writes (content.WithPublishOnWrite), which resolve their references themselves, are only validated.
func (c writable[T]) prepare(ctx context.Context, item, prev *T) error {
	var bad []content.FieldError
	if v, ok := any(item).(validator); ok {
		var e *content.Error
		if err := v.Validate(); errors.As(err, &e) {
			bad = e.Fields
		} else if err != nil {
			return err
		}
	}
	if n, ok := any(item).(content.Node); ok && !content.PublishOnWrite(ctx) && c.typ != content.TypeCountry {
		var before content.Node
		if prev != nil {
			before, _ = any(prev).(content.Node)
		}
		missing, err := c.store.missingRefs(ctx, c.typ, n, before)
		if err != nil {
			return err
		}
		bad = append(bad, missing...)
	}
	if sec, ok := any(item).(*content.ToolkitSection); ok && !content.PublishOnWrite(ctx) && len(bad) == 0 {
		var parent *content.ToolkitSection
		if sec.ParentID != nil {
			parent = new(content.ToolkitSection)
			if err := draftOf(c.coll).FindOne(ctx, bson.D{{Key: "_id", Value: *sec.ParentID}}).Decode(parent); err != nil {
				return storeErr("read the parent", err)
			}
			if parent.ID == sec.ID || slices.Contains(parent.AncestorIDs, sec.ID) {
				bad = append(bad, content.FieldError{Field: "parentId", Message: "must not be the section itself or one of its sub-sections"})
			}
		}
		if len(bad) == 0 {
			sec.Place(parent)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return (&content.Error{Code: content.EInvalid, Fields: bad}).Summarize()
}

// refFields name, as Validate names them, the fields whose references prepare checks.
var refFields = map[string]string{"mentions": "mentionKeys", "rosterIds": "roster"}

// missingRefs are the references of n, of type t, to content that is not in the draft stage and to countries
// that do not exist, each as a bad field ("partnerIds.2", "roster.1.stakeholderId", "countryCode"). The
// references prev (the version n changes, or nil) held already are not read again: they were checked when they
// were written, and a delete never leaves one dangling. Each type referred to is one read.
func (s *Store) missingRefs(ctx context.Context, t content.TypeName, n, prev content.Node) ([]content.FieldError, error) {
	type ref struct {
		field string
		key   string
		// kind is the kind of stakeholder the relation needs: a post's authors are people, its publisher an
		// organisation
		kind content.StakeholderKind
	}
	var refs []ref
	byType := map[content.TypeName][]string{}
	rels := append(links(t), content.OwnedBy(t)...)
	seen := map[*content.Relation]bool{}
	for _, r := range rels {
		if seen[r] || r == content.AncestorOf {
			continue
		}
		seen[r] = true
		refsOf := func(n content.Node) []string {
			if c, ok := n.(*content.Coalition); ok && r == rosterLink {
				var ids []string
				for _, m := range c.Roster {
					ids = append(ids, m.StakeholderID)
				}
				return ids
			}
			return r.Refs(n)
		}
		values := refsOf(n)
		var held []string
		if prev != nil {
			held = refsOf(prev)
		}
		for i, v := range values {
			key := r.RefKey(v)
			field, ok := refFields[r.Field]
			if !ok {
				field = r.Field
			}
			switch {
			case r == rosterLink:
				field = fmt.Sprintf("roster.%d.stakeholderId", i)
			case r.Storage != content.OneRef:
				field = fmt.Sprintf("%s.%d", field, i)
			}
			rt, id, _ := cutKey(key)
			if !content.ValidLocalID(rt, id) || slices.Contains(held, v) {
				continue // Validate reports a malformed one; one held already exists
			}
			refs = append(refs, ref{field, key, map[*content.Relation]content.StakeholderKind{
				content.Authored: content.KindPerson, content.Published: content.KindOrganisation}[r]})
			byType[rt] = append(byType[rt], id)
		}
	}
	found := map[string]bool{}
	kinds := map[string]content.StakeholderKind{} // of the stakeholders referred to, by key
	for rt, ids := range byType {
		if rt == content.TypeCountry {
			names, err := s.countryNames.of(ctx, s.countries.coll, ids)
			if err != nil {
				return nil, err
			}
			for code := range names {
				found[content.KeyOf(rt, code)] = true
			}
			continue
		}
		k, ok := s.contentKinds[rt]
		if !ok {
			continue
		}
		got, err := project(content.WithScope(content.WithViewer(ctx, content.System), content.ScopeDraft), k.collection(), inIDs("_id", ids), []string{"kind"})
		if err != nil {
			return nil, err
		}
		for id, doc := range got {
			found[content.KeyOf(rt, id)] = true
			kind, _ := doc.Lookup("kind").StringValueOK()
			kinds[content.KeyOf(rt, id)] = content.StakeholderKind(kind)
		}
	}
	var bad []content.FieldError
	for _, r := range refs {
		if !found[r.key] {
			rt, _, _ := cutKey(r.key)
			msg := fmt.Sprintf("no %s with this id exists (in the draft stage)", collections[rt].noun)
			if rt == content.TypeCountry {
				msg = "no country with this code exists (see countries)"
			}
			bad = append(bad, content.FieldError{Field: r.field, Message: msg})
		} else if r.kind != "" && kinds[r.key] != r.kind {
			bad = append(bad, content.FieldError{Field: r.field, Message: fmt.Sprintf("must be a stakeholder of kind %s, not %s", r.kind, kinds[r.key])})
		}
	}
	return bad, nil
}

// treeMoved tells whether a write of a toolkit section changed its place: its parent or its order.
func treeMoved(prev, next bson.D) bool {
	return !reflect.DeepEqual(lookup(prev, "parentId"), lookup(next, "parentId")) || intOf(lookup(prev, "order")) != intOf(lookup(next, "order"))
}

type retilingKey struct{}

// retile renumbers the draft toolkit after a section moved: the sections of each parent get the orders 1, 2, …
// in their order (the moved one, moved, before a sibling that had its new order), and every section is placed
// again under its parent, so that the derived tree fields (depth, number, position, ancestors) follow. Each
// section that changes is written as a new version. The toolkit is small, so it is read whole, once.
func (s *Store) retile(ctx context.Context) error {
	if ctx.Value(retilingKey{}) != nil {
		return nil
	}
	ctx = context.WithValue(ctx, retilingKey{}, true)
	all, err := s.toolkit.All(content.WithScope(content.WithViewer(ctx, content.System), content.ScopeDraft))
	if err != nil {
		return err
	}
	children := map[string][]*content.ToolkitSection{}
	for _, sec := range all {
		p := ""
		if sec.ParentID != nil {
			p = *sec.ParentID
		}
		children[p] = append(children[p], sec)
	}
	var place func(parent *content.ToolkitSection) error
	place = func(parent *content.ToolkitSection) error {
		pid := ""
		if parent != nil {
			pid = parent.ID
		}
		list := children[pid]
		slices.SortStableFunc(list, func(a, b *content.ToolkitSection) int {
			if a.Order != b.Order {
				return a.Order - b.Order
			}
			// of two with one order, the one written last moved there
			return b.UpdatedAt.Compare(a.UpdatedAt)
		})
		for i, sec := range list {
			want := *sec
			want.Order = i + 1
			want.Place(parent)
			if want.Order != sec.Order || want.Position != sec.Position || want.Number != sec.Number || want.Depth != sec.Depth ||
				!slices.Equal(want.AncestorIDs, sec.AncestorIDs) {
				written, err := s.toolkit.writable().change(ctx, sec.ID, sec.Version, content.OpUpdate, func(t *content.ToolkitSection) {
					t.Order, t.Depth, t.Number, t.Position, t.AncestorIDs = want.Order, want.Depth, want.Number, want.Position, want.AncestorIDs
				}, nil)
				if err != nil {
					return err
				}
				*sec = *written
			}
			if err := place(sec); err != nil {
				return err
			}
		}
		return nil
	}
	return place(nil)
}

// referrers are the items of the draft stage that refer to the item t:id, with the relation through which.
func (s *Store) referrers(ctx context.Context, t content.TypeName, id string) ([]content.Referrer, error) {
	ctx = content.WithScope(content.WithViewer(ctx, content.System), content.ScopeDraft)
	var out []content.Referrer
	rels := linkers(t)
	if t == content.TypeToolkitSection {
		rels[t] = append(rels[t], content.ParentOf)
	}
	for _, owner := range content.ContentTypes {
		for _, r := range rels[owner] {
			found, err := project(ctx, s.contentKinds[owner].collection(), bson.D{{Key: r.Field, Value: refValue(r, t, id)}}, nil)
			if err != nil {
				return nil, err
			}
			ids := make([]string, 0, len(found))
			for rid := range found {
				ids = append(ids, rid)
			}
			sort.Strings(ids)
			for _, rid := range ids {
				out = append(out, content.Referrer{Type: owner, ID: rid, Relation: r.Name})
			}
		}
	}
	return out, nil
}

// remove deletes an item from both stages (see content.Writer.Delete): the references to it first (refused
// unless detach), then its published copy with every published reference to it, then its draft, which leaves
// a tombstone in each stage.
func (k *kind[T, F, O]) remove(ctx context.Context, id string, version int, detach bool) error {
	if err := authorizeWrite(ctx, k.typ); err != nil {
		return err
	}
	s := k.store
	if k.typ == content.TypeCountry {
		return k.writable().delete(ctx, id, version)
	}
	s.publishing.Lock()
	defer s.publishing.Unlock()
	v, found, err := currentVersion(ctx, draftOf(k.coll), id)
	if err != nil {
		return err
	}
	if !found {
		return notFound(collections[k.typ].noun, id)
	}
	if v != version {
		return stale(collections[k.typ].noun, v, version)
	}
	// a published section's sub-sections name it as their parent in the published stage, whatever the drafts
	// say: they are unpublished first, as for Unpublish
	if err := k.checkChildren(ctx, id); err != nil {
		return err
	}
	refs, err := s.referrers(ctx, k.typ, id)
	if err != nil {
		return err
	}
	if len(refs) > 0 && !detach {
		e := content.Errorf(content.EConflict, "id", "%d items refer to the %s: remove those references first, or delete with detach: true", len(refs), collections[k.typ].noun)
		e.Referrers = refs
		return e
	}
	for _, r := range refs {
		if err := s.contentKinds[r.Type].detach(ctx, r.ID, content.RelationNamed(r.Relation), refValue(relationOf(r), k.typ, id)); err != nil {
			return err
		}
	}
	if len(refs) > 0 && k.typ == content.TypeToolkitSection {
		// detaching its sub-sections renumbers the toolkit, which may have written the section itself
		if version, _, err = currentVersion(ctx, draftOf(k.coll), id); err != nil {
			return err
		}
	}
	if err := k.takeDown(ctx, id, content.OpDelete); err != nil {
		return err
	}
	if err := k.writable().delete(ctx, id, version); err != nil {
		return err
	}
	if k.typ == content.TypeCoalition {
		if _, err := draftOf(s.memberships).DeleteMany(ctx, bson.D{{Key: endField(k.typ), Value: id}}); err != nil {
			return storeErr("delete", err)
		}
	}
	return s.bury(ctx, draftOf(s.db.Collection(tombstonesName)), k.typ, id, version, content.OpDelete)
}

// relationOf is the link a referrer refers through (the roster for MEMBER_OF).
func relationOf(r content.Referrer) *content.Relation {
	if r.Relation == rosterLink.Name {
		return rosterLink
	}
	return content.RelationNamed(r.Relation)
}

// detach removes from the draft of the item id its references through r with value v, as a new version.
func (k *kind[T, F, O]) detach(ctx context.Context, id string, r *content.Relation, v string) error {
	if r.Name == rosterLink.Name {
		r = rosterLink
	}
	cur, found, err := currentVersion(ctx, draftOf(k.coll), id)
	if err != nil || !found {
		return err
	}
	_, err = k.writable().change(ctx, id, cur, content.OpUpdate, func(it *T) {
		if c, ok := any(it).(*content.Coalition); ok && r == rosterLink {
			c.Roster = slices.DeleteFunc(c.Roster, func(m content.MemberRef) bool { return m.StakeholderID == v })
			return
		}
		doc, err := toDoc(it)
		if err != nil {
			return
		}
		doc = withRefs(doc, r, slices.DeleteFunc(stringsOf(lookup(doc, r.Field)), func(x string) bool { return x == v }))
		if next, err := decode[T](doc); err == nil {
			*it = *next
		}
	}, nil)
	if err == nil && k.typ == content.TypeToolkitSection {
		err = k.store.retile(ctx)
	}
	return err
}
