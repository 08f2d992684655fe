package content

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestApplyChangesExactlyTheGivenField gives each field of each update type alone (and clears each nullable one)
// and checks that Apply changes the item's field of the same name to it and no other field, and that the update
// is not Empty; and that every field of an item is in its update type but the ones no update sets. Walking the
// types by reflection covers a field added later.
func TestApplyChangesExactlyTheGivenField(t *testing.T) {
	c, s, i, ts, b, co, m := validItems()
	c.UpdatedAt, c.CountryName, c.Index = time.Now(), "Ireland", Index{SortName: "ireland", Keywords: []string{"ireland"}}
	for _, tc := range []struct{ item, update any }{
		{&c, CoalitionUpdate{}}, {&s, StakeholderUpdate{}}, {&i, InitiativeUpdate{}}, {&ts, ToolkitSectionUpdate{}},
		{&b, BlogPostUpdate{}}, {&co, CountryUpdate{}}, {&m, MembershipUpdate{}},
	} {
		before, ut := reflect.ValueOf(tc.item).Elem(), reflect.TypeOf(tc.update)
		if !tc.update.(interface{ Empty() bool }).Empty() {
			t.Errorf("%s{} is not Empty", ut.Name())
		}
		for k := range before.NumField() {
			name := before.Type().Field(k).Name
			derived := slices.Contains(notUpdated, name) || slices.Contains(notUpdated, before.Type().Name()+"."+name)
			if _, ok := ut.FieldByName(name); !ok && !derived {
				t.Errorf("%s has no field %s", ut.Name(), name)
			}
		}
		for f := range ut.NumField() {
			name := ut.Field(f).Name
			current := before.FieldByName(name)
			if !current.IsValid() {
				t.Errorf("%s.%s changes no field of %s", ut.Name(), name, before.Type().Name())
				continue
			}
			wants := []reflect.Value{differentFrom(current)}
			optional := ut.Field(f).Type.Elem().Kind() == reflect.Struct && current.Kind() == reflect.Pointer
			if optional {
				wants = append(wants, reflect.Zero(current.Type())) // cleared
			}
			for _, want := range wants {
				u := reflect.New(ut).Elem()
				u.Field(f).Set(reflect.New(ut.Field(f).Type.Elem()))
				if optional {
					u.Field(f).Elem().Field(0).Set(want)
				} else {
					u.Field(f).Elem().Set(want)
				}
				item := reflect.New(before.Type())
				item.Elem().Set(before)
				u.MethodByName("Apply").Call([]reflect.Value{item})
				for k := range before.NumField() {
					got, field := item.Elem().Field(k).Interface(), before.Type().Field(k).Name
					if field == name && !reflect.DeepEqual(got, want.Interface()) {
						t.Errorf("%s.%s: %s is %v, want %v", ut.Name(), name, field, got, want)
					}
					if field != name && !reflect.DeepEqual(got, before.Field(k).Interface()) {
						t.Errorf("%s.%s changed %s", ut.Name(), name, field)
					}
				}
				if u.Interface().(interface{ Empty() bool }).Empty() {
					t.Errorf("%s with %s is Empty", ut.Name(), name)
				}
			}
		}
	}
}

// notUpdated are the fields of items that no update sets: the identity, the ends of a membership, and the
// fields the store or Place derive.
var notUpdated = []string{"ID", "Version", "UpdatedAt", "Index", "Country.Code", "Membership.CoalitionID",
	"Membership.StakeholderID", "Coalition.CountryName", "Stakeholder.CountryName", "Initiative.CountryNames",
	"BlogPost.PublishedMonth", "ToolkitSection.Depth", "ToolkitSection.Number", "ToolkitSection.Position",
	"ToolkitSection.AncestorIDs",
	// the store's record of every item, and a coalition's roster, which the member mutations edit (see
	// graph/editing.go) and the store derives RosterIDs from
	"Record", "Coalition.Roster", "Coalition.RosterIDs"}

// differentFrom returns a value of v's type that differs from v.
func differentFrom(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.String:
		out.SetString(v.String() + "-changed")
	case reflect.Int:
		out.SetInt(v.Int() + 1)
	case reflect.Bool:
		out.SetBool(!v.Bool())
	case reflect.Struct: // time.Time
		out.Set(reflect.ValueOf(v.Interface().(time.Time).AddDate(0, 0, 1)))
	case reflect.Pointer:
		current := reflect.New(v.Type().Elem()).Elem()
		if !v.IsNil() {
			current = v.Elem()
		}
		out.Set(reflect.New(v.Type().Elem()))
		out.Elem().Set(differentFrom(current))
	case reflect.Slice:
		out.Set(reflect.Append(reflect.AppendSlice(reflect.MakeSlice(v.Type(), 0, v.Len()+1), v),
			differentFrom(reflect.New(v.Type().Elem()).Elem())))
	default:
		panic("differentFrom: no value for " + v.Type().String())
	}
	return out
}

func TestApplyClearsAndCopies(t *testing.T) {
	c, _, _, ts, _, _, _ := validItems()
	tags, year := []string{"new"}, 2020
	CoalitionUpdate{Description: None[string](), LaunchYear: &Optional[int]{Value: &year}, Tags: &tags,
		FocusAreas: &[]FocusArea{}}.Apply(&c)
	tags[0], year = "changed after Apply", 1999
	if c.Description != nil || *c.LaunchYear != 2020 || !slices.Equal(c.Tags, []string{"new"}) ||
		c.FocusAreas == nil || len(c.FocusAreas) != 0 {
		t.Errorf("got description %v, launch year %v, tags %v, focus areas %#v", c.Description, *c.LaunchYear, c.Tags,
			c.FocusAreas)
	}

	// a move records the new parent and order; Place derives the rest
	ts.Place(&ToolkitSection{ID: id2, Order: 2, Number: "2", Position: "0002"})
	u := ToolkitSectionUpdate{ParentID: None[string](), Order: ptr(3)}
	if !u.Moves() || (ToolkitSectionUpdate{Title: ptr("T")}).Moves() {
		t.Error("Moves is wrong")
	}
	u.Apply(&ts)
	if ts.ParentID != nil || ts.Order != 3 || ts.Number != "2.1" {
		t.Errorf("after Apply: parent %v, order %d, number %s", ts.ParentID, ts.Order, ts.Number)
	}
	ts.Place(nil)
	if ts.Depth != 0 || ts.Number != "3" || len(ts.AncestorIDs) != 0 {
		t.Errorf("after Place: depth %d, number %s, ancestors %v", ts.Depth, ts.Number, ts.AncestorIDs)
	}
}
