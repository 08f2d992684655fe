package relay

import (
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
