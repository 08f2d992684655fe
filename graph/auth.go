package graph

import (
	"errors"

	"coalitiongraph/internal/content"
)

// inInput returns err with the fields it names (content.Error's Field and Fields) as paths under the input
// argument, such as "input.name", which is where a client finds them in its request.
func inInput(err error) error {
	var ce *content.Error
	if !errors.As(err, &ce) || (ce.Field == "" && len(ce.Fields) == 0) {
		return err
	}
	out := *ce
	if out.Field != "" {
		out.Field = "input." + out.Field
	}
	out.Fields = make([]content.FieldError, len(ce.Fields))
	for i, f := range ce.Fields {
		out.Fields[i] = content.FieldError{Field: "input." + f.Field, Message: f.Message}
	}
	return &out
}
