package iptun

import (
	"encoding/binary"
	"iter"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// Packets splits back-to-back IPv4 and IPv6 packets, as AppendIPv4 and
// AppendIPv6 write fragments, into one slice each (aliasing b). It stops at
// the first bytes that do not hold a whole packet.
func Packets(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			n := packetLen(b)
			if n <= 0 || n > len(b) {
				return
			}
			if !yield(b[:n:n]) {
				return
			}
			b = b[n:]
		}
	}
}

func packetLen(b []byte) int {
	switch b[0] >> 4 {
	case 4:
		if len(b) < IPv4HeaderLen {
			return 0
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n < IPv4HeaderLen {
			return 0
		}
		return n
	case 6:
		if len(b) < IPv6HeaderLen {
			return 0
		}
		return IPv6HeaderLen + int(binary.BigEndian.Uint16(b[4:]))
	}
	return 0
}

// MaxFragments bounds how many fragments Reassemble takes for one datagram.
const MaxFragments = 256

// piece is one fragment's data and where it goes.
type piece struct {
	off  int
	data []byte
}

// Reassemble appends to dst the datagram rebuilt from its fragments, given
// in any order: all IPv4 (RFC 791 §3.2) or all IPv6 with a Fragment header
// (RFC 8200 §4.5). The fragments must share identification, addresses and
// protocol, cover the datagram exactly once (overlaps are refused, as
// RFC 5722 requires for IPv6) and number at most MaxFragments. The result's
// header is the first fragment's, with the fragment fields removed and the
// lengths (and IPv4 checksum) fixed. It allocates only if dst lacks room.
func Reassemble(dst []byte, layer string, frags ...[]byte) ([]byte, error) {
	if len(frags) == 0 {
		return dst, errs.Truncated(layer, "fragments", 0, 1, 0)
	}
	if len(frags) > MaxFragments {
		return dst, &errs.DecodeError{Layer: layer, Field: "fragments", Err: errs.ErrTooLarge,
			Detail: "too many fragments", Have: len(frags), Need: MaxFragments}
	}
	var pieces [MaxFragments]piece
	var head []byte     // the unfragmentable part of the first fragment
	var nextAt int      // IPv6: offset in head of the Next Header byte that named the Fragment header
	var innerProto byte // IPv6: the Fragment header's Next Header
	var key [40]byte    // identification, addresses, protocol of fragment 1
	total := -1
	v6 := len(frags[0]) > 0 && frags[0][0]>>4 == 6
	for i, f := range frags {
		var p piece
		var k [40]byte
		var last bool
		if v6 {
			h, err := ParseIPv6(f, layer, "fragment", 0)
			if err != nil {
				return dst, err
			}
			at, fh, err := findFragmentHeader(h, layer)
			if err != nil {
				return dst, err
			}
			fo := binary.BigEndian.Uint16(h[fh+2:])
			p = piece{off: int(fo &^ 7), data: h[fh+FragmentHeaderLen:]}
			last = fo&1 == 0
			copy(k[:32], h[8:40])
			copy(k[32:36], h[fh+4:fh+8])
			k[36] = h[fh]
			if p.off == 0 {
				head, nextAt, innerProto = h[:fh], at, h[fh]
			}
		} else {
			h, err := ParseIPv4(f, layer, "fragment", 0, true)
			if err != nil {
				return dst, err
			}
			p = piece{off: h.FragmentOffset() * 8, data: h.Payload()}
			last = !h.MF()
			copy(k[:8], h[12:20])
			copy(k[8:10], h[4:6])
			k[10] = h.Protocol()
			if p.off == 0 {
				head = h[:h.HeaderLen()]
			}
		}
		if i == 0 {
			key = k
		} else if k != key {
			return dst, errs.Malformed(layer, "fragment", 0, "fragments of different datagrams")
		}
		if !last && len(p.data)%8 != 0 {
			return dst, errs.MalformedValue(layer, "fragment length", 0, "a fragment other than the last is not a multiple of 8 octets", len(p.data), 0)
		}
		if last {
			end := p.off + len(p.data)
			if total >= 0 && total != end {
				return dst, errs.Malformed(layer, "fragment", 0, "two last fragments")
			}
			total = end
		}
		// Insertion into offset order.
		j := i
		for j > 0 && pieces[j-1].off > p.off {
			pieces[j] = pieces[j-1]
			j--
		}
		pieces[j] = p
	}
	if head == nil {
		return dst, errs.Malformed(layer, "fragment", 0, "no first fragment (offset 0)")
	}
	if total < 0 {
		return dst, errs.Malformed(layer, "fragment", 0, "no last fragment (M clear)")
	}
	at := 0
	for _, p := range pieces[:len(frags)] {
		if p.off != at {
			if p.off < at {
				return dst, errs.MalformedValue(layer, "fragment offset", 0, "fragments overlap", p.off, at)
			}
			return dst, errs.MalformedValue(layer, "fragment offset", 0, "gap between fragments", p.off, at)
		}
		at += len(p.data)
	}
	if at != total {
		return dst, errs.MalformedValue(layer, "fragment", 0, "data past the last fragment", at, total)
	}
	size := len(head) + total
	if (v6 && size-IPv6HeaderLen > 0xffff) || (!v6 && size > 0xffff) {
		return dst, &errs.DecodeError{Layer: layer, Field: "reassembled length", Err: errs.ErrTooLarge, Have: size, Need: 0xffff}
	}
	dst, b := grow(dst, size)
	copy(b, head)
	for _, p := range pieces[:len(frags)] {
		copy(b[len(head)+p.off:], p.data)
	}
	if v6 {
		b[nextAt] = innerProto
		binary.BigEndian.PutUint16(b[4:], uint16(size-IPv6HeaderLen))
	} else {
		binary.BigEndian.PutUint16(b[2:], uint16(size))
		binary.BigEndian.PutUint16(b[6:], binary.BigEndian.Uint16(b[6:])&IPv4FlagDF)
		b[10], b[11] = 0, 0
		h := IPv4(b)
		binary.BigEndian.PutUint16(b[10:], checksum.Checksum(h[:h.HeaderLen()], 0))
	}
	return dst, nil
}

// findFragmentHeader returns the offset of the byte naming the Fragment
// header and the Fragment header's offset.
func findFragmentHeader(h IPv6, layer string) (nextAt, fh int, err error) {
	nextAt, off := 6, IPv6HeaderLen
	for {
		switch h[nextAt] {
		case ProtoFragment:
			if len(h)-off < FragmentHeaderLen {
				return 0, 0, errs.Truncated(layer, "fragment header", off, FragmentHeaderLen, len(h)-off)
			}
			return nextAt, off, nil
		case ProtoHopByHop, ProtoDstOpts, ProtoRouting:
			if len(h)-off < 2 {
				return 0, 0, errs.Truncated(layer, "extension header", off, 2, len(h)-off)
			}
			n := (int(h[off+1]) + 1) * 8
			if n > len(h)-off {
				return 0, 0, errs.Truncated(layer, "extension header", off, n, len(h)-off)
			}
			nextAt, off = off, off+n
		default:
			return 0, 0, errs.Malformed(layer, "fragment header", off, "IPv6 packet has no Fragment header")
		}
	}
}
