package iptun

import (
	"encoding/binary"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// IPv6 header constants (RFC 8200).
const (
	IPv6HeaderLen     = 40
	FragmentHeaderLen = 8
	// TELHeaderLen is a Destination Options header holding only the Tunnel
	// Encapsulation Limit option and a 1-octet PadN, as Linux and scapy
	// build it (RFC 2473 §5.1).
	TELHeaderLen = 8
	// OptTEL is the Tunnel Encapsulation Limit option type (RFC 2473 §5.1).
	OptTEL = 0x04
	// DefaultEncapLimit is the limit an entry point writes unless told
	// otherwise (RFC 2473 §6.6, the Linux ip6_tunnel default).
	DefaultEncapLimit = 4
	optPad1           = 0x00
	optPadN           = 0x01
	optRouterAlert    = 0x05
	optJumbo          = 0xc2
)

// IPv6 is a view of an IPv6 packet checked by ParseIPv6.
type IPv6 []byte

// TrafficClass is the Traffic Class octet (DSCP and ECN).
func (h IPv6) TrafficClass() uint8 { return uint8(binary.BigEndian.Uint16(h[0:]) >> 4) }

// FlowLabel is the 20-bit flow label.
func (h IPv6) FlowLabel() uint32 { return binary.BigEndian.Uint32(h[0:]) & 0xfffff }

// PayloadLength is the Payload Length field.
func (h IPv6) PayloadLength() int { return int(binary.BigEndian.Uint16(h[4:])) }

// NextHeader is the Next Header field.
func (h IPv6) NextHeader() uint8 { return h[6] }

// HopLimit is the Hop Limit.
func (h IPv6) HopLimit() uint8 { return h[7] }

// Src is the source address.
func (h IPv6) Src() netip.Addr { return netip.AddrFrom16([16]byte(h[8:24])) }

// Dst is the destination address.
func (h IPv6) Dst() netip.Addr { return netip.AddrFrom16([16]byte(h[24:40])) }

// SetTrafficClass rewrites the Traffic Class.
func (h IPv6) SetTrafficClass(tc uint8) {
	w := binary.BigEndian.Uint32(h[0:])
	w = w&^(0xff<<20) | uint32(tc)<<20
	binary.BigEndian.PutUint32(h[0:], w)
}

// DecHopLimit decrements the hop limit; the caller checks it is not zero.
func (h IPv6) DecHopLimit() { h[7]-- }

// ParseIPv6 checks that b starts with an IPv6 header whose Payload Length
// fits in b and returns the packet cut to it. A zero Payload Length (a
// jumbogram, RFC 2675) is refused as unsupported.
func ParseIPv6(b []byte, layer, which string, base int) (IPv6, error) {
	if len(b) < IPv6HeaderLen {
		return nil, errs.Truncated(layer, which+" IPv6 header", base, IPv6HeaderLen, len(b))
	}
	if v := b[0] >> 4; v != 6 {
		return nil, failValue(layer, which+" version", base, versionErr(which), "IP version is not 6", int(v), 6)
	}
	pl := int(binary.BigEndian.Uint16(b[4:]))
	if pl == 0 && b[6] == ProtoHopByHop {
		return nil, errs.New(layer, which+" payload length", base+4, errs.ErrUnsupported, "jumbogram (RFC 2675) not supported")
	}
	if IPv6HeaderLen+pl > len(b) {
		return nil, errs.Truncated(layer, which+" payload length", base+4, IPv6HeaderLen+pl, len(b))
	}
	return IPv6(b[:IPv6HeaderLen+pl]), nil
}

// Chain is what walking an IPv6 packet's extension headers found.
type Chain struct {
	// Proto is the first header that is not an extension header walked
	// here (4 or 41 for a tunnel packet), and Offset where it starts.
	Proto  uint8
	Offset int
	// TELOffset is the offset of the Tunnel Encapsulation Limit value
	// octet in the last Destination Options header that had one, or -1.
	TELOffset int
	TEL       uint8
	// Fragment reports a Fragment header. FragmentOffset and More are its
	// fields; when FragmentOffset is not zero Proto is the fragment's
	// Next Header and Offset points at fragment data, not a header.
	Fragment       bool
	FragmentOffset int
	More           bool
	FragmentID     uint32
}

// HasTEL reports whether the chain carried a Tunnel Encapsulation Limit.
func (c *Chain) HasTEL() bool { return c.TELOffset >= 0 }

// WalkIPv6 walks the extension headers of a packet checked by ParseIPv6:
// Hop-by-Hop Options (first only), Destination Options, Routing, Fragment
// and AH, each checked to lie within the packet, and the options of the
// option headers checked (RFC 8200 §4.2): an unrecognized option whose
// action bits are not "skip" is refused. base is h's offset in the layer.
func WalkIPv6(h IPv6, layer, which string, base int) (Chain, error) {
	c := Chain{Proto: h.NextHeader(), Offset: IPv6HeaderLen, TELOffset: -1}
	err := c.walk(h, layer, which, base)
	return c, err
}

func (c *Chain) walk(h IPv6, layer, which string, base int) error {
	for off := IPv6HeaderLen; ; {
		var n int
		switch c.Proto {
		case ProtoHopByHop, ProtoDstOpts, ProtoRouting:
			if c.Proto == ProtoHopByHop && off != IPv6HeaderLen {
				return errs.Malformed(layer, which+" hop-by-hop header", base+off, "hop-by-hop options not first (RFC 8200 §4.1)")
			}
			if len(h)-off < 2 {
				return errs.Truncated(layer, which+" extension header", base+off, 2, len(h)-off)
			}
			n = (int(h[off+1]) + 1) * 8
		case ProtoFragment:
			n = FragmentHeaderLen
		case ProtoAH:
			if len(h)-off < 2 {
				return errs.Truncated(layer, which+" AH header", base+off, 2, len(h)-off)
			}
			n = (int(h[off+1]) + 2) * 4
		default:
			return nil
		}
		if n > len(h)-off {
			return errs.Truncated(layer, which+" extension header", base+off, n, len(h)-off)
		}
		ext := h[off : off+n]
		switch c.Proto {
		case ProtoHopByHop, ProtoDstOpts:
			if err := c.options(ext, off, layer, which, base); err != nil {
				return err
			}
		case ProtoFragment:
			fo := binary.BigEndian.Uint16(ext[2:])
			c.Fragment = true
			c.FragmentOffset = int(fo &^ 7)
			c.More = fo&1 != 0
			c.FragmentID = binary.BigEndian.Uint32(ext[4:])
			if c.FragmentOffset != 0 {
				c.Proto, c.Offset = ext[0], off+n
				return nil
			}
		}
		off += n
		c.Proto, c.Offset = ext[0], off
	}
}

// options checks the TLV options of a Hop-by-Hop or Destination Options
// header at off and records a Tunnel Encapsulation Limit (destination
// options only).
func (c *Chain) options(ext []byte, off int, layer, which string, base int) error {
	dest := c.Proto == ProtoDstOpts
	for i := 2; i < len(ext); {
		t := ext[i]
		if t == optPad1 {
			i++
			continue
		}
		if i+2 > len(ext) {
			return errs.Truncated(layer, which+" option", base+off+i, 2, len(ext)-i)
		}
		l := int(ext[i+1])
		if i+2+l > len(ext) {
			return errs.Truncated(layer, which+" option", base+off+i, 2+l, len(ext)-i)
		}
		switch {
		case t == optPadN:
		case t == OptTEL && dest:
			if l != 1 {
				return errs.MalformedValue(layer, which+" tunnel encapsulation limit", base+off+i+1, "option data length is not 1", l, 1)
			}
			c.TELOffset, c.TEL = off+i+2, ext[i+2]
		case t == optRouterAlert && !dest:
		case t == optJumbo:
			return errs.New(layer, which+" jumbo payload option", base+off+i, errs.ErrUnsupported, "jumbogram (RFC 2675) not supported")
		case t>>6 != 0:
			return failValue(layer, which+" option", base+off+i, errs.ErrUnsupported,
				"unrecognized option whose action is to discard (RFC 8200 §4.2)", int(t), 0)
		}
		i += 2 + l
	}
	return nil
}

// Header6 holds the fields of the IPv6 header (and tunnel extension header)
// a tunnel ingress writes (RFC 2473 §5).
type Header6 struct {
	TrafficClass uint8
	FlowLabel    uint32
	HopLimit     uint8
	Src, Dst     [16]byte
	// NextHeader is the protocol of the payload: 4 or 41.
	NextHeader uint8
	// EncapLimit, when 0-255, is written as a Tunnel Encapsulation Limit
	// option in a Destination Options header before the payload
	// (RFC 2473 §5.1); a negative value writes none.
	EncapLimit int
	// FragmentID identifies the fragments if the packet is fragmented.
	FragmentID uint32
}

// HeaderLen is the length of the tunnel headers: 40, plus 8 with a Tunnel
// Encapsulation Limit option.
func (h *Header6) HeaderLen() int {
	if h.EncapLimit >= 0 {
		return IPv6HeaderLen + TELHeaderLen
	}
	return IPv6HeaderLen
}

func (h *Header6) put(b []byte, payloadLen int, next uint8) {
	_ = b[IPv6HeaderLen-1]
	binary.BigEndian.PutUint32(b[0:], 6<<28|uint32(h.TrafficClass)<<20|h.FlowLabel&0xfffff)
	binary.BigEndian.PutUint16(b[4:], uint16(payloadLen))
	b[6] = next
	b[7] = h.HopLimit
	copy(b[8:24], h.Src[:])
	copy(b[24:40], h.Dst[:])
}

// Put writes the tunnel headers (HeaderLen bytes) into b for a payload of
// payloadLen octets.
func (h *Header6) Put(b []byte, payloadLen int) {
	if h.EncapLimit < 0 {
		h.put(b, payloadLen, h.NextHeader)
		return
	}
	h.put(b, TELHeaderLen+payloadLen, ProtoDstOpts)
	tel := h.telHeader()
	copy(b[IPv6HeaderLen:], tel[:])
}

// telHeader returns the Destination Options header carrying the limit.
func (h *Header6) telHeader() [TELHeaderLen]byte {
	return [TELHeaderLen]byte{h.NextHeader, 0, OptTEL, 1, uint8(h.EncapLimit), optPadN, 1, 0}
}

// AppendIPv6 appends the tunnel packet carrying payload to dst: the IPv6
// header, the Tunnel Encapsulation Limit option if configured, and the
// payload; or, if that exceeds mtu (0: no limit), fragments of at most mtu
// octets with a Fragment header after the IPv6 header, the destination
// options travelling in the fragmentable part (RFC 8200 §4.5). The caller has
// decided fragmenting is allowed. It allocates only if dst lacks room.
func AppendIPv6(dst []byte, h *Header6, payload []byte, mtu int) []byte {
	var tel [TELHeaderLen]byte
	var pre []byte
	first := h.NextHeader
	if h.EncapLimit >= 0 {
		tel = h.telHeader()
		pre = tel[:]
		first = ProtoDstOpts
	}
	body := len(pre) + len(payload)
	if mtu <= 0 || IPv6HeaderLen+body <= mtu {
		dst, b := grow(dst, IPv6HeaderLen+body)
		h.put(b, body, first)
		copy(b[IPv6HeaderLen:], pre)
		copy(b[IPv6HeaderLen+len(pre):], payload)
		return dst
	}
	chunk := (mtu - IPv6HeaderLen - FragmentHeaderLen) &^ 7
	for off := 0; off < body; off += chunk {
		n := min(chunk, body-off)
		var b []byte
		dst, b = grow(dst, IPv6HeaderLen+FragmentHeaderLen+n)
		h.put(b, FragmentHeaderLen+n, ProtoFragment)
		f := b[IPv6HeaderLen:]
		f[0], f[1] = first, 0
		fo := uint16(off)
		if off+n < body {
			fo |= 1
		}
		binary.BigEndian.PutUint16(f[2:], fo)
		binary.BigEndian.PutUint32(f[4:], h.FragmentID)
		copyJoined(f[FragmentHeaderLen:FragmentHeaderLen+n], pre, payload, off)
	}
	return dst
}

// IPv6FragmentCount is how many packets AppendIPv6 makes.
func IPv6FragmentCount(h *Header6, payloadLen, mtu int) int {
	body := h.HeaderLen() - IPv6HeaderLen + payloadLen
	if mtu <= 0 || IPv6HeaderLen+body <= mtu {
		return 1
	}
	chunk := (mtu - IPv6HeaderLen - FragmentHeaderLen) &^ 7
	return (body + chunk - 1) / chunk
}

// copyJoined fills b from the concatenation of x and y starting at off.
func copyJoined(b, x, y []byte, off int) {
	if off < len(x) {
		n := copy(b, x[off:])
		copy(b[n:], y)
		return
	}
	copy(b, y[off-len(x):])
}
