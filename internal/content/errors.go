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
)

// Error is the application's one error type: a code, a message safe to show to clients, and the argument it is
// about. Any other error is internal and is never shown.
type Error struct {
	Code    string
	Message string
	// Field names the offending argument, such as "first" or "filter.hasMember".
	Field string
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
