package sit

import (
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// DecodeError is the error type of every check that fails: layer "sit",
// field, byte offset and a wrapped sentinel matched with errors.Is.
type DecodeError = errs.DecodeError

// TooBigError reports a packet that does not fit the tunnel and may not be
// fragmented; MTU is what the sender must be told (RFC 4213 §3.2).
// Reply builds the ICMPv6 Packet Too Big carrying it. It matches
// ErrTooLarge.
type TooBigError = iptun.TooBigError

// Sentinels. The tunnel ones refine the general ones: errors.Is(err,
// ErrMalformed) also holds for ErrWrongPeer, ErrVersion, ErrInvalidSource,
// ErrInvalidDestination, ErrLoop, ErrTTL and ErrECNDrop.
var (
	ErrTruncated   = errs.ErrTruncated
	ErrMalformed   = errs.ErrMalformed
	ErrUnsupported = errs.ErrUnsupported
	ErrChecksum    = errs.ErrChecksum
	ErrTooLarge    = errs.ErrTooLarge

	ErrWrongPeer          = iptun.ErrWrongPeer
	ErrVersion            = iptun.ErrVersion
	ErrInvalidSource      = iptun.ErrInvalidSource
	ErrInvalidDestination = iptun.ErrInvalidDestination
	ErrLoop               = iptun.ErrLoop
	ErrTTL                = iptun.ErrTTL
	ErrECNDrop            = iptun.ErrECNDrop
	ErrFragment           = iptun.ErrFragment
	ErrNotRelayed         = iptun.ErrNotRelayed
	ErrNotTunnel          = iptun.ErrNotTunnel
)
