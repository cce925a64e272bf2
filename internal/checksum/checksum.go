// Package checksum implements the Internet checksum of RFC 1071 with 64-bit
// accumulation, partial sums for pseudo-headers, and incremental update per
// RFC 1624.
//
// Sums are one's complement sums folded to 16 bits and not yet complemented,
// as in gVisor's header package: compute the pseudo-header sum, pass it as the
// initial value for the payload, and complement the result (Checksum does the
// last two steps together). Pieces summed separately and joined with Combine
// must each have an even length, except the last.
package checksum

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Sum returns the one's complement sum of b, folded to 16 bits and added to
// initial. An odd trailing byte is summed as if followed by a zero byte.
//
// The sum is byte-order independent (RFC 1071 §2(B)), so b is read in native
// little-endian 64-bit words with add-with-carry and the result swapped once.
func Sum(b []byte, initial uint16) uint16 {
	var acc uint64
	for len(b) >= 64 {
		w := b[:64]
		var c uint64
		s := acc
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[0:8]), 0)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[8:16]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[16:24]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[24:32]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[32:40]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[40:48]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[48:56]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(w[56:64]), c)
		acc = s + c // s is at most 2^64-2 when c is set: no wrap
		b = b[64:]
	}
	// The tail (under 64 bytes) adds 32-bit halves into a plain accumulator:
	// at most 16 terms of 2^32, no carries to track.
	tail := uint64(bits.ReverseBytes16(initial))
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		tail += x>>32 + x&0xffffffff
		b = b[8:]
	}
	if len(b) >= 4 {
		tail += uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		tail += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		tail += uint64(b[0])
	}
	s, c := bits.Add64(acc, tail, 0)
	return bits.ReverseBytes16(fold(s + c))
}

// fold reduces a 64-bit one's complement accumulator to 16 bits.
func fold(s uint64) uint16 {
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return uint16(s)
}

// Checksum returns the value to store in a checksum field: the complement of
// Sum(b, initial). Verifying a received header is Checksum(header, 0) == 0
// (with the checksum field left in place).
func Checksum(b []byte, initial uint16) uint16 {
	return ^Sum(b, initial)
}

// Combine adds two partial sums in one's complement arithmetic.
func Combine(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}

// PseudoHeader returns the partial sum of the IPv4 (RFC 768, RFC 793) or IPv6
// (RFC 8200 §8.1) pseudo-header for an upper-layer protocol proto carrying
// length bytes. src and dst must be the same family; an IPv4-mapped IPv6
// address counts as IPv6.
func PseudoHeader(src, dst netip.Addr, proto uint8, length int) uint16 {
	var acc uint64
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		acc = uint64(binary.BigEndian.Uint32(s[:])) + uint64(binary.BigEndian.Uint32(d[:]))
	} else {
		s, d := src.As16(), dst.As16()
		for i := 0; i < 16; i += 4 {
			acc += uint64(binary.BigEndian.Uint32(s[i:])) + uint64(binary.BigEndian.Uint32(d[i:]))
		}
	}
	acc += uint64(proto) + uint64(uint32(length))
	return fold(acc)
}

// Update returns the checksum field value after a 16-bit word covered by the
// checksum changes from old to new, without summing the data again
// (RFC 1624 §3, equation 3: HC' = ~(~HC + ~m + m')).
func Update(check, old, new uint16) uint16 {
	return ^Combine(Combine(^check, ^old), new)
}

// Update32 is Update for a 32-bit field (an IPv4 address): the two 16-bit
// halves change together.
func Update32(check uint16, old, new uint32) uint16 {
	check = Update(check, uint16(old>>16), uint16(new>>16))
	return Update(check, uint16(old), uint16(new))
}
