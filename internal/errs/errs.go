// Package errs defines the one decode error type every tunnelcodec package
// returns, and the sentinels callers match with errors.Is.
//
// Each protocol package re-exports these by alias (type DecodeError =
// errs.DecodeError, var ErrTruncated = errs.ErrTruncated, …) so users never
// import an internal package.
package errs

import (
	"errors"
	"strconv"
)

// Sentinels wrapped by DecodeError. Match them with errors.Is.
var (
	// ErrTruncated: the input ended before a field that must be there.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed: a field holds a value the protocol does not allow.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupported: a well-formed value this library does not implement
	// (an unknown version, a critical extension).
	ErrUnsupported = errors.New("unsupported")
	// ErrChecksum: a checksum or CRC does not match the data it covers.
	ErrChecksum = errors.New("bad checksum")
	// ErrAuthentication: an integrity check value or AEAD tag did not verify.
	ErrAuthentication = errors.New("authentication failed")
	// ErrReplay: a sequence number was already seen or fell behind the
	// anti-replay window.
	ErrReplay = errors.New("replayed")
	// ErrTooLarge: a value does not fit the field it is encoded into, or an
	// input exceeds a configured bound.
	ErrTooLarge = errors.New("too large")
)

// DecodeError reports where and why decoding (or encoding) failed: the layer,
// the field, the byte offset of that field from the start of the layer, and a
// wrapped sentinel.
//
// Its message reads like
//
//	gre: routing: SRE at offset 12: truncated: need 7 bytes, have 5
//
// Need and Have are reported when Have >= 0; Detail, when set, replaces the
// sentinel's own text after the offset. Building a DecodeError does not format
// anything: the text is made only when Error is called.
type DecodeError struct {
	Layer  string // protocol, lower case: "vxlan", "gre", "esp"
	Field  string // the field that failed, in the RFC's words
	Offset int    // byte offset of Field from the start of the layer
	Err    error  // one of the sentinels above (or a package's own)
	Detail string // optional constant text explaining the failure
	Need   int    // bytes (or value) required, with Have
	Have   int    // bytes (or value) present; -1 when not reported
}

// Error implements error.
func (e *DecodeError) Error() string {
	b := make([]byte, 0, 96)
	b = append(b, e.Layer...)
	b = append(b, ": "...)
	if e.Field != "" {
		b = append(b, e.Field...)
		b = append(b, ' ')
	}
	b = append(b, "at offset "...)
	b = strconv.AppendInt(b, int64(e.Offset), 10)
	b = append(b, ": "...)
	switch {
	case e.Detail != "":
		b = append(b, e.Detail...)
	case e.Err != nil:
		b = append(b, e.Err.Error()...)
	default:
		b = append(b, "invalid"...)
	}
	if e.Have >= 0 {
		if errors.Is(e.Err, ErrTruncated) { // derived sentinels (see Sentinel) too
			b = append(b, ": need "...)
			b = strconv.AppendInt(b, int64(e.Need), 10)
			b = append(b, " bytes, have "...)
			b = strconv.AppendInt(b, int64(e.Have), 10)
		} else {
			b = append(b, " (got "...)
			b = strconv.AppendInt(b, int64(e.Have), 10)
			if e.Need != 0 {
				b = append(b, ", want "...)
				b = strconv.AppendInt(b, int64(e.Need), 10)
			}
			b = append(b, ')')
		}
	}
	return string(b)
}

// Unwrap returns the sentinel so errors.Is matches it.
func (e *DecodeError) Unwrap() error { return e.Err }

// Truncated reports that field at off needs need bytes and only have remain.
func Truncated(layer, field string, off, need, have int) error {
	return &DecodeError{Layer: layer, Field: field, Offset: off, Err: ErrTruncated, Need: need, Have: have}
}

// Malformed reports a value the protocol forbids, described by detail.
func Malformed(layer, field string, off int, detail string) error {
	return &DecodeError{Layer: layer, Field: field, Offset: off, Err: ErrMalformed, Detail: detail, Have: -1}
}

// MalformedValue is Malformed with the offending value (and, when want is
// non-zero, the expected one) appended to the message.
func MalformedValue(layer, field string, off int, detail string, got, want int) error {
	return &DecodeError{Layer: layer, Field: field, Offset: off, Err: ErrMalformed, Detail: detail, Have: got, Need: want}
}

// New builds a DecodeError around any sentinel.
func New(layer, field string, off int, sentinel error, detail string) error {
	return &DecodeError{Layer: layer, Field: field, Offset: off, Err: sentinel, Detail: detail, Have: -1}
}

// Wrap prefixes an inner DecodeError with an outer context: the layer stays,
// the field becomes "outer: inner" and the offset is shifted by base, so
// nested structures (an SRE inside a routing list, a transform inside a
// proposal) report offsets from the start of the layer. Errors that are not
// *DecodeError are returned unchanged.
func Wrap(err error, outer string, base int) error {
	var de *DecodeError
	if !errors.As(err, &de) {
		return err
	}
	c := *de
	if outer != "" {
		if c.Field != "" {
			c.Field = outer + ": " + c.Field
		} else {
			c.Field = outer
		}
	}
	c.Offset += base
	return &c
}

// Sentinel returns a new, more specific sentinel that errors.Is matches both
// as itself and as parent (one of the sentinels above), so a package can name
// a failure ("routing list without NULL SRE") while callers that only care
// about the kind (ErrTruncated) keep working.
func Sentinel(msg string, parent error) error { return &sentinel{msg, parent} }

type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }
