package relay

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"coalitiongraph/internal/content"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDate writes a time as the GraphQL Date scalar, `YYYY-MM-DD`.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.DateOnly)))
	})
}

// UnmarshalDate reads the GraphQL Date scalar.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, content.Errorf(content.EInvalid, "", "a Date is a string YYYY-MM-DD")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, content.Errorf(content.EInvalid, "", "%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}

// MarshalDateTime writes a time as the GraphQL DateTime scalar, RFC 3339 in UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalDateTime reads the GraphQL DateTime scalar: RFC 3339 with a time zone.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, content.Errorf(content.EInvalid, "", "a DateTime is an RFC 3339 string")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, content.Errorf(content.EInvalid, "", "%q is not an RFC 3339 date and time", s)
	}
	return t.UTC(), nil
}

// MarshalJSON writes a string that holds a JSON document as the GraphQL JSON scalar: the document itself, not a
// string. It lives here, with the other scalars, because the generated code cannot import package graph. A string
// that is not valid JSON (which the store never writes) goes out as a JSON string, so that a response is always
// valid JSON.
func MarshalJSON(doc string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if json.Valid([]byte(doc)) {
			_, _ = io.WriteString(w, doc)
			return
		}
		quoted, _ := json.Marshal(doc) // never fails for a string
		_, _ = w.Write(quoted)
	})
}

// UnmarshalJSON reads the GraphQL JSON scalar, any value, as the JSON document it is. No argument takes one yet;
// the scalar must have both directions.
func UnmarshalJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", content.Errorf(content.EInvalid, "", "not a JSON value")
	}
	return string(raw), nil
}
