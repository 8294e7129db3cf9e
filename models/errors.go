package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes shared by every domain operation. The web layer maps each to an
// HTTP status and a page; only EINTERNAL is logged as a fault.
const (
	ECONFLICT     = "conflict"     // the action clashes with the current state (409)
	EFORBIDDEN    = "forbidden"    // the user may not do this (403)
	EINTERNAL     = "internal"     // a fault on our side (500, never shown in detail)
	EINVALID      = "invalid"      // the input is wrong; Fields says where (422)
	ENOTFOUND     = "not_found"    // no such record (404)
	EUNAUTHORIZED = "unauthorized" // not logged in, or bad credentials (401 / login page)
	ETOOMANY      = "too_many"     // throttled (429)
)

// Error is a domain error: a code, a message a person can read, and for
// EINVALID the problem with each field, keyed by the form field name.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	Err     error // underlying cause, for logs only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("models: ")
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s: %s", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that carry none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the readable message of err; internal errors get a
// generic sentence so that no detail leaks to a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// FieldErrors returns the per-field problems carried by err, or nil.
func FieldErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects validation problems field by field.
type Problems map[string]string

// Add records msg for field unless the field already has a problem.
func (p Problems) Add(field, msg string) {
	if _, ok := p[field]; !ok {
		p[field] = msg
	}
}

// Err returns an EINVALID error carrying the problems, or nil when there are none.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := "Please correct the highlighted fields."
	if len(p) == 1 {
		for _, m := range p {
			msg = m
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string(p)}
}
