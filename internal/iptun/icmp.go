package iptun

import (
	"encoding/binary"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// ICMP and ICMPv6 error types and codes the tunnels send or read (RFC 792,
// RFC 1191, RFC 4443).
const (
	ICMPv4DestUnreach   = 3
	ICMPv4SourceQuench  = 4
	ICMPv4Redirect      = 5
	ICMPv4TimeExceeded  = 11
	ICMPv4ParamProblem  = 12
	ICMPv4NetUnreach    = 0
	ICMPv4HostUnreach   = 1
	ICMPv4ProtoUnreach  = 2
	ICMPv4PortUnreach   = 3
	ICMPv4FragNeeded    = 4
	ICMPv4SourceRouteFl = 5

	ICMPv6DestUnreach   = 1
	ICMPv6PacketTooBig  = 2
	ICMPv6TimeExceeded  = 3
	ICMPv6ParamProblem  = 4
	ICMPv6AddrUnreach   = 3 // Destination Unreachable code 3
	ICMPv6HopLimit      = 0 // Time Exceeded code 0
	ICMPv6ErroneousHdr  = 0 // Parameter Problem code 0
	ICMPv6UnknownNextHd = 1

	// ICMPv4MaxError is the largest ICMP error datagram (RFC 1812
	// §4.3.2.3); ICMPv6MaxError the largest ICMPv6 error packet
	// (RFC 4443 §2.4(c), the IPv6 minimum MTU).
	ICMPv4MaxError = 576
	ICMPv6MaxError = MinIPv6LinkMTU
	icmpHeaderLen  = 8
	// ICMP errors carry precedence 6, internetwork control (RFC 1812 §4.3.2.5).
	icmpErrorTOS = 0xc0
)

// AppendICMPv4Error appends an IPv4 packet from src to dst carrying an ICMP
// error: type, code, the 32 bits after the checksum (rest: a pointer in the
// top octet, a next-hop MTU in the low 16 bits, or zero) and as much of the
// invoking packet as keeps the datagram within 576 octets. It allocates only
// if dst lacks room.
func AppendICMPv4Error(dst []byte, src, to netip.Addr, id uint16, ttl, typ, code uint8, rest uint32, quote []byte) []byte {
	q := min(len(quote), ICMPv4MaxError-IPv4HeaderLen-icmpHeaderLen)
	n := IPv4HeaderLen + icmpHeaderLen + q
	dst, b := grow(dst, n)
	h := Header4{TOS: icmpErrorTOS, ID: id, TTL: ttl, Protocol: ProtoICMP, Src: src.As4(), Dst: to.As4()}
	h.Put(b, n, 0, false)
	m := b[IPv4HeaderLen:]
	m[0], m[1], m[2], m[3] = typ, code, 0, 0
	binary.BigEndian.PutUint32(m[4:], rest)
	copy(m[icmpHeaderLen:], quote[:q])
	binary.BigEndian.PutUint16(m[2:], checksum.Checksum(m, 0))
	return dst
}

// AppendICMPv6Error appends an IPv6 packet from src to dst carrying an
// ICMPv6 error (RFC 4443 §3): type, code, the 32-bit field after the
// checksum (MTU or pointer, or zero), and as much of the invoking packet as
// keeps the packet within 1280 octets (RFC 4443 §2.4(c)).
func AppendICMPv6Error(dst []byte, src, to netip.Addr, hopLimit, typ, code uint8, param uint32, quote []byte) []byte {
	q := min(len(quote), ICMPv6MaxError-IPv6HeaderLen-icmpHeaderLen)
	n := IPv6HeaderLen + icmpHeaderLen + q
	dst, b := grow(dst, n)
	h := Header6{HopLimit: hopLimit, Src: src.As16(), Dst: to.As16(), EncapLimit: -1}
	h.put(b, icmpHeaderLen+q, ProtoICMPv6)
	m := b[IPv6HeaderLen:]
	m[0], m[1], m[2], m[3] = typ, code, 0, 0
	binary.BigEndian.PutUint32(m[4:], param)
	copy(m[icmpHeaderLen:], quote[:q])
	sum := checksum.PseudoHeader(src, to, ProtoICMPv6, len(m))
	binary.BigEndian.PutUint16(m[2:], checksum.Checksum(m, sum))
	return dst
}

// ICMPError is an ICMP or ICMPv6 error message read by ParseICMPError.
type ICMPError struct {
	V6       bool       // ICMPv6
	Src, Dst netip.Addr // of the packet that carried the message
	Type     uint8
	Code     uint8
	Rest     uint32 // the 32 bits after the checksum: pointer, MTU, unused
	Quoted   []byte // the invoking packet as quoted (often cut short)
	Offset   int    // Quoted's offset in the packet
}

// Pointer is the Parameter Problem pointer: the top octet of Rest for ICMP,
// all 32 bits for ICMPv6.
func (e *ICMPError) Pointer() int {
	if e.V6 {
		return int(e.Rest)
	}
	return int(e.Rest >> 24)
}

// MTU is the MTU of a Packet Too Big (ICMPv6) or Fragmentation Needed
// (ICMP, RFC 1191: the low 16 bits) message.
func (e *ICMPError) MTU() int {
	if e.V6 {
		return int(e.Rest)
	}
	return int(e.Rest & 0xffff)
}

// IsTooBig reports a Packet Too Big or Fragmentation Needed message.
func (e *ICMPError) IsTooBig() bool {
	if e.V6 {
		return e.Type == ICMPv6PacketTooBig
	}
	return e.Type == ICMPv4DestUnreach && e.Code == ICMPv4FragNeeded
}

// ParseICMPError reads an IPv4 packet carrying an ICMP error (RFC 792: types
// 3, 4, 5, 11, 12) or an IPv6 packet carrying an ICMPv6 error (RFC 4443:
// types 1 to 4). It checks the IP header, that the packet is not a
// fragment, and the ICMP checksum.
func ParseICMPError(pkt []byte, layer string) (ICMPError, error) {
	var e ICMPError
	if len(pkt) == 0 {
		return e, errs.Truncated(layer, "ICMP packet", 0, IPv4HeaderLen, 0)
	}
	var msg []byte
	if pkt[0]>>4 == 6 {
		h, err := ParseIPv6(pkt, layer, "ICMPv6 packet", 0)
		if err != nil {
			return e, err
		}
		c, err := WalkIPv6(h, layer, "ICMPv6 packet", 0)
		if err != nil {
			return e, err
		}
		if c.Fragment {
			return e, fail(layer, "ICMPv6 packet fragment header", IPv6HeaderLen, ErrFragment, "")
		}
		if c.Proto != ProtoICMPv6 {
			return e, failValue(layer, "ICMPv6 packet next header", 6, errs.ErrMalformed, "not ICMPv6", int(c.Proto), ProtoICMPv6)
		}
		e.V6, e.Src, e.Dst, e.Offset = true, h.Src(), h.Dst(), c.Offset
		msg = h[c.Offset:]
		if len(msg) < icmpHeaderLen {
			return e, errs.Truncated(layer, "ICMPv6 header", c.Offset, icmpHeaderLen, len(msg))
		}
		if checksum.Checksum(msg, checksum.PseudoHeader(e.Src, e.Dst, ProtoICMPv6, len(msg))) != 0 {
			return e, &errs.DecodeError{Layer: layer, Field: "ICMPv6 checksum", Offset: c.Offset + 2, Err: errs.ErrChecksum, Have: -1}
		}
		if msg[0] < ICMPv6DestUnreach || msg[0] > ICMPv6ParamProblem {
			return e, failValue(layer, "ICMPv6 type", c.Offset, ErrNotRelayed, "not an ICMPv6 error message", int(msg[0]), 0)
		}
	} else {
		h, err := ParseIPv4(pkt, layer, "ICMP packet", 0, true)
		if err != nil {
			return e, err
		}
		if h.IsFragment() {
			return e, fail(layer, "ICMP packet fragment offset", 6, ErrFragment, "")
		}
		if h.Protocol() != ProtoICMP {
			return e, failValue(layer, "ICMP packet protocol", 9, errs.ErrMalformed, "not ICMP", int(h.Protocol()), ProtoICMP)
		}
		e.Src, e.Dst, e.Offset = h.Src(), h.Dst(), h.HeaderLen()
		msg = h.Payload()
		if len(msg) < icmpHeaderLen {
			return e, errs.Truncated(layer, "ICMP header", e.Offset, icmpHeaderLen, len(msg))
		}
		if checksum.Checksum(msg, 0) != 0 {
			return e, &errs.DecodeError{Layer: layer, Field: "ICMP checksum", Offset: e.Offset + 2, Err: errs.ErrChecksum, Have: -1}
		}
		switch msg[0] {
		case ICMPv4DestUnreach, ICMPv4SourceQuench, ICMPv4Redirect, ICMPv4TimeExceeded, ICMPv4ParamProblem:
		default:
			return e, failValue(layer, "ICMP type", e.Offset, ErrNotRelayed, "not an ICMP error message", int(msg[0]), 0)
		}
	}
	e.Type, e.Code = msg[0], msg[1]
	e.Rest = binary.BigEndian.Uint32(msg[4:])
	e.Quoted = msg[icmpHeaderLen:]
	e.Offset += icmpHeaderLen
	return e, nil
}

// Quoted is the start of a packet quoted in an ICMP error, read as far as
// the quoted bytes go: ICMP errors usually carry only a prefix of the
// invoking packet, so lengths are not checked against what is present.
type Quoted struct {
	V6       bool
	Src, Dst netip.Addr
	TOS      uint8 // TOS or Traffic Class
	DF       bool  // IPv4 Don't Fragment
	TotalLen int   // the length the header claims for the whole packet
	// Proto is the protocol after the header (after the IPv6 extension
	// headers), and HeaderLen where it starts in Data.
	Proto     uint8
	HeaderLen int
	// TELOffset and TEL: a Tunnel Encapsulation Limit option in the
	// quoted IPv6 headers (offset in Data), or -1.
	TELOffset int
	TEL       uint8
	Data      []byte
}

// ParseQuoted reads the IP header at the start of a quoted packet. The
// header (and for IPv6 its extension headers) must be present whole.
func ParseQuoted(b []byte, layer, which string, base int) (Quoted, error) {
	q := Quoted{Data: b, TELOffset: -1}
	if len(b) == 0 {
		return q, errs.Truncated(layer, which+" header", base, IPv4HeaderLen, 0)
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < IPv4HeaderLen {
			return q, errs.Truncated(layer, which+" IPv4 header", base, IPv4HeaderLen, len(b))
		}
		hl := int(b[0]&0x0f) * 4
		if hl < IPv4HeaderLen {
			return q, errs.MalformedValue(layer, which+" IHL", base, "header length below 20 bytes", hl, IPv4HeaderLen)
		}
		if hl > len(b) {
			return q, errs.Truncated(layer, which+" IPv4 options", base+IPv4HeaderLen, hl, len(b))
		}
		h := IPv4(b)
		q.Src, q.Dst, q.TOS, q.DF = h.Src(), h.Dst(), h.TOS(), h.DF()
		q.TotalLen, q.Proto, q.HeaderLen = h.TotalLength(), h.Protocol(), hl
	case 6:
		if len(b) < IPv6HeaderLen {
			return q, errs.Truncated(layer, which+" IPv6 header", base, IPv6HeaderLen, len(b))
		}
		h := IPv6(b)
		c, err := WalkIPv6(h, layer, which, base)
		if err != nil {
			return q, err
		}
		q.V6, q.Src, q.Dst, q.TOS = true, h.Src(), h.Dst(), h.TrafficClass()
		q.TotalLen, q.Proto, q.HeaderLen = IPv6HeaderLen+h.PayloadLength(), c.Proto, c.Offset
		q.TELOffset, q.TEL = c.TELOffset, c.TEL
		if c.Fragment && c.FragmentOffset != 0 {
			return q, errs.New(layer, which+" fragment header", base, ErrNotTunnel, "quotes a non-first fragment")
		}
	default:
		return q, failValue(layer, which+" version", base, errs.ErrMalformed, "not an IP header", int(b[0]>>4), 0)
	}
	return q, nil
}

// Plateau estimates the MTU a router without RFC 1191 support meant when it
// reported Fragmentation Needed with an MTU of 0: the largest plateau of
// RFC 1191 §7 below the size of the packet it refused.
func Plateau(size int) int {
	for _, p := range [...]int{32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296} {
		if p < size {
			return p
		}
	}
	return IPv4MinMTU
}
