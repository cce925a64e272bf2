package gre

import (
	"math/bits"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// checksumOf returns the Internet checksum of b (RFC 1701 §2.2.1, RFC 2784
// §2.5: the GRE header, checksum field zero, and the payload).
func checksumOf(b []byte) uint16 { return checksum.Checksum(b, 0) }

// sum accumulates a one's complement sum over pieces of any length: a piece
// that starts at an odd offset of the whole contributes its byte-swapped
// sum (RFC 1071 §2(B)).
type sum struct {
	s   uint16
	odd bool
}

func (a *sum) add(b []byte) {
	s := checksum.Sum(b, 0)
	if a.odd {
		s = bits.ReverseBytes16(s)
	}
	a.s = checksum.Combine(a.s, s)
	if len(b)&1 == 1 {
		a.odd = !a.odd
	}
}

// VerifyChecksum checks the checksum of a decoded header over its contents
// and payload (RFC 2784 §2.5). With C clear there is nothing to check and it
// returns nil. A capture cut short by its snap length fails, as the payload
// covered is incomplete. It allocates nothing when the checksum is good.
func (g *GRE) VerifyChecksum() error {
	if g.Flags&FlagC == 0 {
		return nil
	}
	var a sum
	a.add(g.Contents)
	a.add(g.Payload)
	if a.s == 0xffff {
		return nil
	}
	// The sum without the received field, complemented, is what it should hold.
	want := ^checksum.Combine(a.s, ^g.Checksum)
	return &errs.DecodeError{Layer: "gre", Field: "checksum", Offset: 4, Err: errs.ErrChecksum,
		Detail: "checksum does not match header and payload", Have: int(g.Checksum), Need: int(want)}
}
