package gre

import (
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/sre"
)

// DecodeError is the error type of every decode failure: layer, field, byte
// offset and a wrapped sentinel matched with errors.Is.
type DecodeError = errs.DecodeError

// Sentinels wrapped by DecodeError.
var (
	ErrTruncated   = errs.ErrTruncated
	ErrMalformed   = errs.ErrMalformed
	ErrUnsupported = errs.ErrUnsupported
	ErrChecksum    = errs.ErrChecksum
	ErrTooLarge    = errs.ErrTooLarge
)

// Named errors. Each also matches the general sentinel it wraps with
// errors.Is (given in brackets).
var (
	// ErrNoTerminator: the Routing field ends without a NULL SRE [ErrTruncated].
	ErrNoTerminator = sre.ErrNoTerminator
	// ErrSREPastEnd: an SRE's length runs past the end of the packet [ErrTruncated].
	ErrSREPastEnd = sre.ErrPastEnd
	// ErrOffsetOutside: with R set, Offset does not point at an SRE of the
	// routing list or at its NULL SRE [ErrMalformed].
	ErrOffsetOutside = sre.ErrOffsetOutside
	// ErrSREEntry: an IPv4 or AS SRE does not hold whole entries, or its SRE
	// Offset is not at one [ErrMalformed]. Only the typed accessors return it.
	ErrSREEntry = sre.ErrEntry
	// ErrAckOnVersion0: the A bit (RFC 2637) is set in a version 0 header,
	// where no Acknowledgment Number is defined [ErrMalformed].
	ErrAckOnVersion0 = errs.Sentinel("A bit set on a version 0 header", errs.ErrMalformed)
	// ErrVersion: a version other than 0 (GRE) and 1 (enhanced GRE, PPTP),
	// whose header layout is not defined [ErrUnsupported].
	ErrVersion = errs.Sentinel("unknown GRE version", errs.ErrUnsupported)
	// ErrRecursion: encapsulating once more would exceed the Recursion
	// Control limit [ErrTooLarge].
	ErrRecursion = errs.Sentinel("recursion control forbids another encapsulation", errs.ErrTooLarge)
)
