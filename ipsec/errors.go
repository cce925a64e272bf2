package ipsec

import (
	"errors"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// DecodeError is the error type of every decode and open failure: layer,
// field, byte offset and a wrapped sentinel matched with errors.Is.
type DecodeError = errs.DecodeError

// Sentinels wrapped by DecodeError.
var (
	ErrTruncated      = errs.ErrTruncated
	ErrMalformed      = errs.ErrMalformed
	ErrUnsupported    = errs.ErrUnsupported
	ErrAuthentication = errs.ErrAuthentication
	ErrReplay         = errs.ErrReplay
	ErrTooLarge       = errs.ErrTooLarge
)

// ErrRekeyNeeded is returned by Seal when the SA's sequence number space is
// exhausted (2^32-1 packets, or 2^64-1 with ESN): the sender must not let the
// counter cycle (RFC 4303 §3.3.3, RFC 4302 §3.3.2) and a new SA is needed.
var ErrRekeyNeeded = errors.New("ipsec: sequence number exhausted: rekey needed")

// ErrDummyPacket is returned by the transport and tunnel helpers for an ESP
// dummy packet (Next Header 59, RFC 4303 §2.6), which the receiver must
// discard. Open itself returns such packets with NextHeader 59.
var ErrDummyPacket = errors.New("ipsec: dummy packet (next header 59) to be discarded")

// ErrECNDrop is returned by the tunnel decapsulation helpers when RFC 6040
// §4.2 says the packet must be dropped: the outer header is CE but the inner
// packet is not ECN-capable. It is the ipip and sit packages' ErrECNDrop and
// matches ErrMalformed.
var ErrECNDrop = iptun.ErrECNDrop

// Pre-built errors for the rejections an attacker can trigger at will, so
// rejecting a flood costs no allocation.
var (
	errESPAuth        = errs.New("esp", "ICV", 0, errs.ErrAuthentication, "integrity check failed")
	errESPReplay      = errs.New("esp", "sequence number", 4, errs.ErrReplay, "already received or behind the anti-replay window")
	errESPSeqZero     = errs.New("esp", "sequence number", 4, errs.ErrReplay, "sequence number 0 is never sent")
	errESPSPI         = errs.New("esp", "SPI", 0, errs.ErrMalformed, "SPI does not belong to this SA")
	errAHAuth         = errs.New("ah", "ICV", 12, errs.ErrAuthentication, "integrity check failed")
	errAHReplay       = errs.New("ah", "sequence number", 8, errs.ErrReplay, "already received or behind the anti-replay window")
	errAHSeqZero      = errs.New("ah", "sequence number", 8, errs.ErrReplay, "sequence number 0 is never sent")
	errAHSPI          = errs.New("ah", "SPI", 4, errs.ErrMalformed, "SPI does not belong to this SA")
	errESPPadding     = errs.New("esp", "padding", 0, errs.ErrMalformed, "padding bytes are not 1, 2, 3, …")
	errESPPadLen      = errs.New("esp", "pad length", 0, errs.ErrMalformed, "pad length runs past the payload")
	errESPBlockAlign  = errs.New("esp", "ciphertext", 0, errs.ErrMalformed, "ciphertext is not a whole number of cipher blocks")
	errESPTruncated   = errs.New("esp", "packet", 0, errs.ErrTruncated, "shorter than header, IV, trailer and ICV")
	errAHLength       = errs.New("ah", "payload length", 1, errs.ErrMalformed, "AH length does not match the SA's ICV length")
	errAHNotFound     = errs.New("ah", "header", 0, errs.ErrMalformed, "no AH header in the IP packet")
	errESPNotFound    = errs.New("esp", "header", 0, errs.ErrMalformed, "no ESP header in the IP packet")
	errIPTruncated    = errs.New("ip", "header", 0, errs.ErrTruncated, "IP header runs past the packet")
	errIPVersion      = errs.New("ip", "version", 0, errs.ErrUnsupported, "not IPv4 or IPv6")
	errIPOptions      = errs.New("ip", "options", 20, errs.ErrMalformed, "an IPv4 option runs past the header")
	errIPv6ExtHeader  = errs.New("ipv6", "extension header", 40, errs.ErrMalformed, "an extension header or option runs past the packet")
	errIPFragment     = errs.New("ip", "fragment", 6, errs.ErrMalformed, "a fragment: reassemble before IPsec processing")
	errIPLength       = errs.New("ip", "length", 2, errs.ErrMalformed, "length field disagrees with the packet")
	errECNDrop        = errs.New("ipsec", "inner ECN", 1, ErrECNDrop, "outer CE on a Not-ECT inner packet (RFC 6040 §4.2)")
	errTunnelProtocol = errs.New("ipsec", "next header", 0, errs.ErrUnsupported, "tunnel mode payload is not IPv4 or IPv6")
)
