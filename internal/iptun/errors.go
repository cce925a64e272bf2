package iptun

import (
	"strconv"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// sentinel is a named tunnel error that also matches the broader errs
// sentinel it refines, so errors.Is(err, errs.ErrMalformed) holds for
// errors.Is(err, ErrWrongPeer).
type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

// Tunnel sentinels, wrapped by the DecodeError a check returns.
var (
	// ErrWrongPeer: the outer source (or destination) is not the
	// configured tunnel endpoint (RFC 4213 §3.6, RFC 2003 §6.2).
	ErrWrongPeer error = &sentinel{"outer address is not the configured tunnel endpoint", errs.ErrMalformed}
	// ErrVersion: the inner header's version does not match the protocol
	// that announced it (4 for IPv4, 41 for IPv6).
	ErrVersion error = &sentinel{"inner IP version does not match the outer protocol", errs.ErrMalformed}
	// ErrInvalidSource: the inner source address may not appear on a
	// tunnel (multicast, loopback, IPv4-compatible, … RFC 4213 §3.6).
	ErrInvalidSource error = &sentinel{"inner source address not allowed", errs.ErrMalformed}
	// ErrInvalidDestination: the inner destination may not arrive over a
	// tunnel (loopback, unspecified).
	ErrInvalidDestination error = &sentinel{"inner destination address not allowed", errs.ErrMalformed}
	// ErrLoop: the packet would loop (RFC 2003 §3.2).
	ErrLoop error = &sentinel{"tunnel loop", errs.ErrMalformed}
	// ErrTTL: the TTL or hop limit is exhausted (RFC 2003 §3.1).
	ErrTTL error = &sentinel{"TTL exhausted", errs.ErrMalformed}
	// ErrECNDrop: CE in the outer header of a Not-ECT inner packet; the
	// egress MUST drop it (RFC 6040 §4.2).
	ErrECNDrop error = &sentinel{"CE outer header on a Not-ECT inner packet: must be dropped (RFC 6040 §4.2)", errs.ErrMalformed}
	// ErrEncapLimit: the packet's Tunnel Encapsulation Limit is zero, so it
	// must not be encapsulated again (RFC 2473 §4.1.1).
	ErrEncapLimit error = &sentinel{"tunnel encapsulation limit reached", errs.ErrTooLarge}
	// ErrFragment: the outer packet is an IP fragment; reassemble it
	// before decapsulation (RFC 2003 §5.1, RFC 4213 §3.6).
	ErrFragment error = &sentinel{"outer packet is a fragment: reassemble first", errs.ErrUnsupported}
	// ErrNotRelayed: an ICMP error from inside the tunnel that the rules
	// say must not (or need not) reach the original sender.
	ErrNotRelayed error = &sentinel{"ICMP error not relayed to the original sender", errs.ErrUnsupported}
	// ErrNotTunnel: an ICMP error that does not quote a packet of this
	// tunnel.
	ErrNotTunnel error = &sentinel{"ICMP error does not quote a packet of this tunnel", errs.ErrMalformed}
)

// TooBigError reports that a packet does not fit the tunnel and may not be
// fragmented: the sender must be told the MTU (RFC 2003 §5.1, RFC 2473 §7,
// RFC 4213 §3.2). MTU is the largest inner packet the tunnel carries.
// It matches errs.ErrTooLarge.
type TooBigError struct {
	Layer string // "ipip", "sit"
	Len   int    // the inner packet's length
	MTU   int    // the largest inner packet the tunnel takes now
}

func (e *TooBigError) Error() string {
	return e.Layer + ": packet of " + strconv.Itoa(e.Len) + " bytes does not fit the tunnel and may not be fragmented: MTU " + strconv.Itoa(e.MTU)
}

// Unwrap returns errs.ErrTooLarge.
func (e *TooBigError) Unwrap() error { return errs.ErrTooLarge }

// fail builds a DecodeError around a tunnel sentinel.
func fail(layer, field string, off int, s error, detail string) error {
	return &errs.DecodeError{Layer: layer, Field: field, Offset: off, Err: s, Detail: detail, Have: -1}
}

// failValue is fail with the offending value reported.
func failValue(layer, field string, off int, s error, detail string, got, want int) error {
	return &errs.DecodeError{Layer: layer, Field: field, Offset: off, Err: s, Detail: detail, Have: got, Need: want}
}
