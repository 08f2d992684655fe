package content

import (
	"errors"
	"fmt"
)

// Error codes. They are the `extensions.code` clients see.
const (
	EInvalid  = "BAD_USER_INPUT"
	ENotFound = "NOT_FOUND"
	EInternal = "INTERNAL_SERVER_ERROR"
	// ENodeBudget is a graph traversal that would reach more nodes than its budget.
	ENodeBudget = "NODE_BUDGET_EXCEEDED"
	// EConflict is a write that would break uniqueness (a slug another item holds) or that was made against a
	// version of the item that is no longer the current one; nothing was written.
	EConflict = "CONFLICT"
	// EUnauthenticated is a request that needs credentials and carries none, or none that are valid.
	EUnauthenticated = "UNAUTHENTICATED"
	// EForbidden is a request whose credentials do not allow what it asks.
	EForbidden = "FORBIDDEN"

	// The limits of one operation (graph.Limits), each its own code so that a client can tell what to narrow.
	ECost       = "QUERY_TOO_COMPLEX"
	ETokens     = "TOO_MANY_TOKENS"
	EFields     = "TOO_MANY_FIELDS"
	EAliases    = "TOO_MANY_ALIASES"
	EDepth      = "QUERY_TOO_DEEP"
	EDirectives = "TOO_MANY_DIRECTIVES"
	ERootFields = "TOO_MANY_ROOT_FIELDS"
	EInputDepth = "INPUT_TOO_DEEP"
	EListLength = "LIST_TOO_LONG"

	// EOverloaded is a request refused because the server is at capacity; it may be retried after Retry-After.
	EOverloaded = "SERVICE_OVERLOADED"
	// ERateLimited is a request refused because its client (its API key, else its address) has spent its rate
	// limit's points; it may be retried after Retry-After.
	ERateLimited = "RATE_LIMITED"
	// ETimeout is a request that ran out of its time (REQUEST_TIMEOUT).
	ETimeout = "TIMEOUT"

	// The codes of the GraphQL-over-HTTP transports, for requests refused before GraphQL sees them.
	EBadRequest       = "BAD_REQUEST"
	EUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	ENotAcceptable    = "NOT_ACCEPTABLE"
	EMethodNotAllowed = "METHOD_NOT_ALLOWED"
	EPayloadTooLarge  = "PAYLOAD_TOO_LARGE"
	// ETooManyErrors ends an answer whose errors were cut at MAX_ERRORS, with how many were omitted.
	ETooManyErrors = "TOO_MANY_ERRORS"
	// EPersistedQueryNotFound is gqlgen's automatic persisted query miss: the client resends the query with its
	// hash.
	EPersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
)

// Error is the application's one error type: a code, a message safe to show to clients, and the argument it is
// about. Any other error is internal and is never shown.
type Error struct {
	Code    string
	Message string
	// Field names the offending argument, such as "first" or "filter.hasMember".
	Field string
	// Fields are the bad fields of an input, each with its reason, when the error is about several at once (see
	// the Validate methods).
	Fields []FieldError
	// CurrentVersion is the version the item has now, for a CONFLICT on a stale version.
	CurrentVersion *int
	// Referrers are the items that refer to an item a delete was refused for.
	Referrers []Referrer
}

// Referrer is an item that refers to another through a relation.
type Referrer struct {
	Type     TypeName
	ID       string
	Relation string
}

// FieldError is one bad field of an input: its path (such as "name" or "members.2.role") and the reason.
type FieldError struct {
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code, argument and formatted message.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
