package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/codegen/config"
	gqlast "github.com/vektah/gqlparser/v2/ast"

	"coalitiongraph/graph/generated"
	"coalitiongraph/internal/content"
)

// contentEnums are the value lists content declares, one per enum type.
var contentEnums = []any{
	content.PublicationStatuses, content.Operations,
	content.CoalitionStatuses, content.CoalitionScopes, content.FocusAreas, content.MembershipRoles,
	content.StakeholderKinds, content.StakeholderCategories, content.InitiativeScopes, content.ContentTypeValues,
	content.Directions, content.CoalitionOrderFields, content.StakeholderOrderFields, content.InitiativeOrderFields,
	content.ToolkitSectionOrderFields, content.BlogPostOrderFields, content.CountryOrderFields,
	content.CoalitionDimensions, content.StakeholderDimensions, content.InitiativeDimensions,
	content.BlogPostDimensions, content.MembershipDimensions, content.Roles,
}

// TestEnumsMatchContent checks that every GraphQL enum bound to a content type (as gqlgen.yml binds it: by its
// models entry, else by autobind, a content type of the same name) has exactly the values content declares for
// that type, and that content declares no list for a type no enum is bound to. A value added on one side only,
// or a new enum whose values content does not declare, fails here.
func TestEnumsMatchContent(t *testing.T) {
	cfg, err := config.LoadConfig("../gqlgen.yml")
	if err != nil {
		t.Fatal(err)
	}
	contentPkg := reflect.TypeFor[content.Direction]().PkgPath()
	declared := typeNames(t, "../internal/content")
	declares := map[string][]string{} // content type name → values
	for _, list := range contentEnums {
		v := reflect.ValueOf(list)
		names := make([]string, v.Len())
		for i := range names {
			names[i] = v.Index(i).String()
		}
		declares[v.Type().Elem().Name()] = names
	}

	bound := map[string]bool{}
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, def := range schema.Types {
		if def.Kind != gqlast.Enum || def.BuiltIn {
			continue
		}
		goType := ""
		if m := cfg.Models[def.Name]; len(m.Model) > 0 {
			goType = m.Model[0]
		} else if slices.Contains(cfg.AutoBind, contentPkg) && declared[def.Name] {
			goType = contentPkg + "." + def.Name
		}
		typeName, inContent := strings.CutPrefix(goType, contentPkg+".")
		if !inContent {
			continue
		}
		bound[typeName] = true
		want, ok := declares[typeName]
		if !ok {
			t.Errorf("enum %s is bound to content.%s, which declares no list of its values (add it to contentEnums)", def.Name, typeName)
			continue
		}
		var got []string
		for _, v := range def.EnumValues {
			got = append(got, v.Name)
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("enum %s has values %v, content.%s declares %v", def.Name, got, typeName, want)
		}
	}
	for name := range declares {
		if !bound[name] {
			t.Errorf("content declares values of %s, but no GraphQL enum is bound to it", name)
		}
	}
	if len(bound) < 7 {
		t.Errorf("only %d enums found bound to content; is the binding read right?", len(bound))
	}
}

// typeNames are the types the non-test Go files in dir declare, as autobind finds them.
func typeNames(t *testing.T, dir string) map[string]bool {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, spec := range g.Specs {
					names[spec.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
	return names
}
