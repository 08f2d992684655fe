package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// The spec's input coercion of the built-in scalars (https://spec.graphql.org/October2021/#sec-Scalars) is
// strict: an Int is a whole number in the 32-bit range, never a string; a Float a finite number; a String only a
// string; a Boolean only true or false; an ID a string or an integer. gqlparser and gqlgen are lax: a variable "5"
// passes as an Int, 5 as a String, "1.5" as a Float, and an Int literal of 2^40 reaches the resolvers. These two
// close the gap: InputCoercion for variables (a request error, BAD_USER_INPUT) and ValidationRules for literals
// (a validation error, as every other literal of the wrong type).

// InputCoercion refuses, before anything runs, variables whose values the spec's input coercion does not accept.
type InputCoercion struct {
	// Schema is the schema the operations run on: it says which input types have which fields.
	Schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = InputCoercion{}

// ExtensionName implements graphql.HandlerExtension.
func (InputCoercion) ExtensionName() string { return "InputCoercion" }

// Validate implements graphql.HandlerExtension.
func (InputCoercion) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (c InputCoercion) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	for _, v := range oc.Operation.VariableDefinitions {
		if val, ok := oc.Variables[v.Variable]; ok {
			if err := c.check(v.Type, val, ast.Path{ast.PathName("variable"), ast.PathName(v.Variable)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// check walks a variable's value along its type; the validator has already checked nulls, lists, input objects'
// fields and enums, so this looks only at the built-in scalars' values.
func (c InputCoercion) check(t *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil {
		return nil
	}
	if t.Elem != nil {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			return c.check(t.Elem, v, path) // one value stands for a list of one
		}
		for i := range rv.Len() {
			if err := c.check(t.Elem, rv.Index(i).Interface(), append(path[:len(path):len(path)], ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := c.Schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range def.Fields {
			if fv, ok := m[f.Name]; ok {
				if err := c.check(f.Type, fv, append(path[:len(path):len(path)], ast.PathName(f.Name))); err != nil {
					return err
				}
			}
		}
	case ast.Scalar:
		if why := coercionFault(t.NamedType, v); why != "" {
			err := gqlerror.ErrorPathf(path, "%s", why)
			err.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
			return err
		}
	}
	return nil
}

// coercionFault says why v (a variable's value as JSON decodes it with numbers kept exact, or as a Go caller
// passes it) is not a value of the built-in scalar named, or "" when it is (or the scalar is not built in).
func coercionFault(scalar string, v any) string {
	switch scalar {
	case "Int":
		if n, ok := integer(v); !ok {
			return fmt.Sprintf("an Int must be a whole number, not %s", describe(v))
		} else if n < math.MinInt32 || n > math.MaxInt32 {
			return fmt.Sprintf("an Int must lie between %d and %d, not %d", math.MinInt32, math.MaxInt32, n)
		}
	case "Float":
		var f float64
		switch n := v.(type) {
		case json.Number:
			var err error
			if f, err = strconv.ParseFloat(string(n), 64); err != nil {
				return "a Float must be a finite number"
			}
		case float64:
			f = n
		case float32:
			f = float64(n)
		case int, int32, int64:
			return ""
		default:
			return fmt.Sprintf("a Float must be a number, not %s", describe(v))
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return "a Float must be a finite number"
		}
	case "String":
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("a String must be a string, not %s", describe(v))
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("a Boolean must be true or false, not %s", describe(v))
		}
	case "ID":
		if _, ok := v.(string); ok {
			return ""
		}
		if _, ok := integer(v); !ok {
			return fmt.Sprintf("an ID must be a string or a whole number, not %s", describe(v))
		}
	}
	return ""
}

// integer reads a whole number: a JSON integer, a Go integer, or a whole float64 from a Go caller.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// describe names a JSON value's kind for an error, never its Go type.
func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, float32, int, int32, int64:
		return "a number of another kind"
	case map[string]any:
		return "an object"
	}
	if reflect.ValueOf(v).Kind() == reflect.Slice {
		return "a list"
	}
	return "a value of another kind"
}

// ValidationRules are gqlparser's rules and one more: an Int literal must lie in the 32-bit range.
func ValidationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule("IntLiteralInRange", func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnValue(func(_ *core.Walker, value *ast.Value) {
			if value.Kind != ast.IntValue || value.Definition == nil || value.Definition.Name != "Int" {
				return
			}
			if n, err := strconv.ParseInt(value.Raw, 10, 64); err == nil && (n < math.MinInt32 || n > math.MaxInt32) {
				addError(core.Message("Int cannot represent %s: an Int lies between %d and %d", value.Raw, math.MinInt32, math.MaxInt32), core.At(value.Position))
			}
		})
	})
	return r
}
