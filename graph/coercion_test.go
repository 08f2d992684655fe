package graph

import (
	"encoding/json"
	"math"
	"testing"
)

// The scalars' input coercion as the spec words it, value by value (variables as JSON decodes them with
// UseNumber, or as a Go caller passes them).
func TestCoercionFault(t *testing.T) {
	cases := []struct {
		scalar string
		value  any
		ok     bool
	}{
		{"Int", json.Number("5"), true}, {"Int", json.Number("-2147483648"), true}, {"Int", int64(math.MaxInt32), true},
		{"Int", 5, true}, {"Int", 5.0, true},
		{"Int", "5", false}, {"Int", json.Number("5.5"), false}, {"Int", json.Number("5.0"), false},
		{"Int", json.Number("2147483648"), false}, {"Int", int64(-1)<<31 - 1, false}, {"Int", 5.5, false}, {"Int", true, false},
		{"Float", json.Number("1.5"), true}, {"Float", json.Number("1e3"), true}, {"Float", 2, true}, {"Float", 2.5, true},
		{"Float", "1.5", false}, {"Float", json.Number("1e999"), false}, {"Float", math.Inf(1), false}, {"Float", math.NaN(), false},
		{"Float", false, false},
		{"String", "x", true}, {"String", "", true},
		{"String", json.Number("5"), false}, {"String", true, false}, {"String", []any{"x"}, false},
		{"Boolean", true, true}, {"Boolean", false, true},
		{"Boolean", "true", false}, {"Boolean", json.Number("1"), false},
		{"ID", "x", true}, {"ID", json.Number("5"), true}, {"ID", int64(1) << 40, true}, {"ID", 7, true},
		{"ID", json.Number("5.5"), false}, {"ID", true, false}, {"ID", map[string]any{}, false},
		{"DateTime", "anything: custom scalars check themselves", true},
	}
	for _, c := range cases {
		if why := coercionFault(c.scalar, c.value); (why == "") != c.ok {
			t.Errorf("%s %#v: %q, want ok %v", c.scalar, c.value, why, c.ok)
		}
	}
}
