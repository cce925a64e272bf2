package ikev2

import (
	"errors"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

const layerName = "ikev2"

// DecodeError is the error type of every decode failure: layer, field, byte
// offset and a wrapped sentinel matched with errors.Is.
type DecodeError = errs.DecodeError

// Sentinels wrapped by DecodeError.
var (
	ErrTruncated      = errs.ErrTruncated
	ErrMalformed      = errs.ErrMalformed
	ErrUnsupported    = errs.ErrUnsupported
	ErrAuthentication = errs.ErrAuthentication
	ErrTooLarge       = errs.ErrTooLarge
)

// ErrSectionDone is returned by the Parser when a list has no more
// elements: the payload chain, the proposals of an SA, the transforms of a
// proposal, the attributes of a transform, the selectors of a TS payload,
// the attributes of a CP payload. It is not a failure.
var ErrSectionDone = errors.New("ikev2: section done")

// Sentinels of SKF fragment handling (RFC 7383), wrapped by DecodeError.
var (
	// ErrFragmentNumber: Fragment Number zero or above Total Fragments, or
	// Total Fragments zero.
	ErrFragmentNumber = errors.New("fragment number out of range")
	// ErrDuplicateFragment: a fragment already held was received again.
	ErrDuplicateFragment = errors.New("duplicate fragment")
	// ErrFragmentMismatch: a fragment disagrees with the others of its
	// message (Total Fragments smaller than before, or a first fragment
	// whose Next Payload is zero, or a later one whose is not).
	ErrFragmentMismatch = errors.New("fragment does not match its message")
)

// VersionError is returned for a message whose major version is not 2 (RFC
// 7296 §2.5: such a message MUST be dropped). It carries the received header,
// which holds what an INVALID_MAJOR_VERSION reply needs (SPIs, Exchange
// Type, Message ID); AppendInvalidMajorVersion builds that reply. It wraps a
// DecodeError with ErrUnsupported.
type VersionError struct {
	Header Header
	de     DecodeError
}

func newVersionError(h *Header) *VersionError {
	return &VersionError{Header: *h, de: DecodeError{Layer: layerName, Field: "version", Offset: 17,
		Err: errs.ErrUnsupported, Detail: "major version not supported", Have: int(h.MajorVersion), Need: Version}}
}

func (e *VersionError) Error() string { return e.de.Error() }

// Unwrap returns the DecodeError, so errors.As finds it and errors.Is
// matches ErrUnsupported.
func (e *VersionError) Unwrap() error { return &e.de }

// Higher reports whether the received major version is above 2: the case
// in which RFC 7296 §2.5 says the receiver SHOULD answer INVALID_MAJOR_VERSION
// (a lower major version is IKEv1, which an IKEv2 reply cannot help).
func (e *VersionError) Higher() bool { return e.Header.MajorVersion > Version }

// AppendInvalidMajorVersion appends the unauthenticated INVALID_MAJOR_VERSION
// response to the message described by e (RFC 7296 §1.5, §2.5): the same
// IKE SPIs, Exchange Type and Message ID, the R flag set, the I flag set only
// if the sender of the offending message was not the initiator, version 2.0,
// and one Notify payload with protocol 0 and no SPI or data.
func (e *VersionError) AppendInvalidMajorVersion(b []byte) []byte {
	flags := FlagResponse
	if !e.Header.Flags.Initiator() {
		flags |= FlagInitiator
	}
	var bl Builder
	bl.Start(b, Header{SPIi: e.Header.SPIi, SPIr: e.Header.SPIr, MajorVersion: Version,
		ExchangeType: e.Header.ExchangeType, Flags: flags, MessageID: e.Header.MessageID})
	bl.Notify(Notify{Type: INVALID_MAJOR_VERSION})
	out, _ := bl.Finish() // cannot fail: fixed, small payloads
	return out
}

// CriticalPayloadError is returned when a payload the parser does not
// recognize has its critical bit set (RFC 7296 §2.5): the message MUST be
// rejected, and a response to a request MUST carry an
// UNSUPPORTED_CRITICAL_PAYLOAD Notify whose data is the one-octet payload
// type (Notify returns it). It wraps a DecodeError with ErrUnsupported.
type CriticalPayloadError struct {
	Type   PayloadType // the unrecognized payload type
	Offset int         // of its generic payload header in the message
	de     DecodeError
}

func newCriticalPayloadError(t PayloadType, off int) *CriticalPayloadError {
	return &CriticalPayloadError{Type: t, Offset: off, de: DecodeError{Layer: layerName, Field: "payload", Offset: off,
		Err: errs.ErrUnsupported, Detail: "unrecognized payload type with the critical bit set", Have: int(t)}}
}

func (e *CriticalPayloadError) Error() string { return e.de.Error() }

// Unwrap returns the DecodeError.
func (e *CriticalPayloadError) Unwrap() error { return &e.de }

// Notify returns the UNSUPPORTED_CRITICAL_PAYLOAD notification to send.
func (e *CriticalPayloadError) Notify() Notify {
	return Notify{Type: UNSUPPORTED_CRITICAL_PAYLOAD, Data: []byte{byte(e.Type)}}
}
