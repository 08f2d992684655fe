package mongostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"coalitiongraph/internal/content"
	"coalitiongraph/internal/relay"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// queryKeys is every key a compiled filter or keyset query may hold: the operators the compiler writes and the
// stored fields it filters on. A key outside it came from input.
var queryKeys = map[string]bool{
	"$and": true, "$or": true, "$nor": true, "$in": true, "$all": true, "$ne": true, "$gt": true, "$gte": true,
	"$lt": true, "$lte": true, "$regex": true,
	"_id": true, "countryCode": true, "countryCodes": true, "status": true, "scope": true, "focusAreas": true,
	"launchYear": true, "startYear": true, "tags": true, "keywords": true, "updatedAt": true, "partnerIds": true,
	"coalitionIds": true, "authorIds": true, "publisherId": true, "mentions": true, "publishedOn": true,
	"sortName": true,
}

// foreignKey returns the first key of q that is not in queryKeys, walking every document and array in it.
func foreignKey(q any) (string, bool) {
	switch x := q.(type) {
	case bson.D:
		for _, e := range x {
			if !queryKeys[e.Key] {
				return e.Key, true
			}
			if k, ok := foreignKey(e.Value); ok {
				return k, true
			}
		}
	case bson.A:
		for _, v := range x {
			if k, ok := foreignKey(v); ok {
				return k, true
			}
		}
	case conds:
		return foreignKey(bson.A(x))
	}
	return "", false
}

// shape reads fuzz bytes as choices; past the end every choice is 0.
type shape struct {
	b    []byte
	strs []string
	n    int
}

func (s *shape) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

// str is one of the fuzz strings, as given or as a part of a dotted or `$` path.
func (s *shape) str() string {
	s.n++
	v := s.strs[s.n%len(s.strs)]
	switch s.next() % 4 {
	case 1:
		return "$" + v
	case 2:
		return v + ".$ne"
	}
	return v
}

func (s *shape) strs3() []string {
	if s.next()%2 == 0 {
		return nil
	}
	return []string{s.str(), s.str()}
}

func (s *shape) optStr() *string {
	if s.next()%2 == 0 {
		return nil
	}
	v := s.str()
	return &v
}

// id is a global ID: a well-formed one of type t (its local id derived from a fuzz string), or a fuzz string.
func (s *shape) id(t content.TypeName) *string {
	switch s.next() % 3 {
	case 0:
		return nil
	case 1:
		sum := sha256.Sum256([]byte(s.str()))
		v := content.GlobalID(content.KeyOf(t, hex.EncodeToString(sum[:12])))
		return &v
	}
	v := s.str()
	return &v
}

func (s *shape) ints() *content.IntRange {
	if s.next()%2 == 0 {
		return nil
	}
	from, to := int(s.next()), int(s.next())+1000
	return &content.IntRange{From: &from, To: &to}
}

func (s *shape) times() *content.DateTimeRange {
	if s.next()%2 == 0 {
		return nil
	}
	from := time.Unix(int64(s.next())*1e7, 0)
	return &content.DateTimeRange{From: &from}
}

func (s *shape) coalition(depth int) *content.CoalitionFilter {
	f := &content.CoalitionFilter{Country: s.strs3(), Tags: s.strs3(), Search: s.optStr(), LaunchYear: s.ints(), UpdatedAt: s.times()}
	for _, v := range s.strs3() {
		f.Status = append(f.Status, content.CoalitionStatus(v))
		f.FocusArea = append(f.FocusArea, content.FocusArea(v))
	}
	if depth < 3 {
		for range s.next() % 3 {
			f.And = append(f.And, s.coalition(depth+1))
		}
		for range s.next() % 3 {
			f.Or = append(f.Or, s.coalition(depth+1))
		}
		if s.next()%2 == 1 {
			f.Not = s.coalition(depth + 1)
		}
	}
	return f
}

func (s *shape) initiative(depth int) *content.InitiativeFilter {
	f := &content.InitiativeFilter{Country: s.strs3(), Tags: s.strs3(), Search: s.optStr(), StartYear: s.ints(),
		HasPartner: s.id(content.TypeStakeholder), HasCoalition: s.id(content.TypeCoalition), UpdatedAt: s.times()}
	if depth < 3 {
		for range s.next() % 3 {
			f.Or = append(f.Or, s.initiative(depth+1))
		}
		if s.next()%2 == 1 {
			f.Not = s.initiative(depth + 1)
		}
	}
	return f
}

func (s *shape) blogPost(depth int) *content.BlogPostFilter {
	f := &content.BlogPostFilter{Author: s.id(content.TypeStakeholder), Publisher: s.id(content.TypeStakeholder),
		Mentions: s.id(content.ContentTypes[int(s.next())%len(content.ContentTypes)]), Tags: s.strs3(), Search: s.optStr()}
	if depth < 3 {
		for range s.next() % 3 {
			f.And = append(f.And, s.blogPost(depth+1))
		}
	}
	return f
}

// fuzzStore is a store whose compilers can run without a server: a filter by a coalition's members or an
// initiative's partners would query, so the fuzz filters leave those out.
func fuzzStore(t testing.TB) *Store {
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1").SetServerSelectionTimeout(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return New(client.Database("fuzz"))
}

// FuzzFilter builds filters of any shape from the input (nested and/or/not; strings with `$` and dots as tags,
// codes, enum values and search texts; well-formed and garbage IDs), compiles them, and checks that every key of
// the query is one the compiler writes: no input string ever becomes an operator or a field name. It does the
// same for the keyset query of a cursor the input spells, once relay.Check has passed it.
func FuzzFilter(f *testing.F) {
	f.Add([]byte{1, 1, 1, 1, 2, 1, 1, 1, 2, 2, 1, 1}, "$where", "a.b", "sleep(1)")
	f.Add([]byte{255, 3, 7, 9, 1, 0, 2, 2, 2, 2}, `{"$ne": null}`, "$gt", "x")
	f.Add([]byte{}, "", "", "")
	store := fuzzStore(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, b []byte, s1, s2, s3 string) {
		s := &shape{b: b, strs: []string{s1, s2, s3}}
		var queries []bson.D
		add := func(q bson.D, err error) {
			if err != nil {
				if content.ErrorCode(err) != content.EInvalid {
					t.Fatalf("error %v, want BAD_USER_INPUT", err)
				}
				return
			}
			queries = append(queries, q)
		}
		add(store.coalitions.where(ctx, s.coalition(0)))
		add(store.initiatives.where(ctx, s.initiative(0)))
		add(store.blogPosts.where(ctx, s.blogPost(0)))
		for _, cursor := range []string{s1, s2, s3} {
			w, err := relay.ParseWindow(nil, nil, &cursor, nil)
			for _, field := range []content.CoalitionOrderField{"NAME", "COUNTRY", "LAUNCH_YEAR", "UPDATED_AT"} {
				keys, _ := store.coalitions.sort([]*content.CoalitionOrder{{Field: field}})
				if err == nil && relay.Check(w, keys) == nil {
					queries = append(queries, keyset(keys, w.After.Values, true), keyset(keys, w.After.Values, false))
				}
			}
		}
		for _, q := range queries {
			if k, ok := foreignKey(q); ok {
				t.Fatalf("key %q in %v", k, fmt.Sprint(q))
			}
		}
	})
}

// A cursor made by an ordering passes Check and its keyset query holds only compiler keys: the positive case
// FuzzFilter cannot reach by chance.
func TestKeysetOfRealCursorHasOnlyCompilerKeys(t *testing.T) {
	store := fuzzStore(t)
	year := 2017
	c := &content.Coalition{ID: strings.Repeat("a", 24), Index: content.Index{SortName: "x"}, LaunchYear: &year}
	for _, field := range []string{"NAME", "COUNTRY", "LAUNCH_YEAR", "UPDATED_AT", "STATUS"} {
		keys, err := store.coalitions.sort([]*content.CoalitionOrder{{Field: content.CoalitionOrderField(field)}})
		if err != nil {
			t.Fatal(err)
		}
		cursor := relay.EncodeCursor(keys, c)
		w, err := relay.ParseWindow(nil, nil, &cursor, nil)
		if err == nil {
			err = relay.Check(w, keys)
		}
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		if k, ok := foreignKey(keyset(keys, w.After.Values, true)); ok {
			t.Errorf("%s: key %q", field, k)
		}
	}
}
