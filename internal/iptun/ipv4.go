package iptun

import (
	"encoding/binary"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// IPv4 header constants (RFC 791 §3.1).
const (
	IPv4HeaderLen    = 20     // without options
	IPv4MaxHeaderLen = 60     // IHL 15
	IPv4MinMTU       = 68     // RFC 791: every host must take 68 octets unfragmented
	IPv4FlagDF       = 0x4000 // Don't Fragment
	IPv4FlagMF       = 0x2000 // More Fragments
	IPv4FlagRB       = 0x8000 // reserved, must be zero
	ipv4OffsetMask   = 0x1fff
)

// IP protocol numbers the tunnels use.
const (
	ProtoICMP      = 1
	ProtoIPv4      = 4  // IP in IP (RFC 2003)
	ProtoIPv6      = 41 // IPv6 in IP (RFC 2473, RFC 4213)
	ProtoFragment  = 44
	ProtoICMPv6    = 58
	ProtoNoNext    = 59
	ProtoDstOpts   = 60
	ProtoHopByHop  = 0
	ProtoRouting   = 43
	ProtoAH        = 51
	ProtoESP       = 50
	DefaultTTL     = 64 // RFC 1700 / RFC 3232 "Assigned Numbers" default TTL
	MinIPv6LinkMTU = 1280
)

// IPv4 is a view of an IPv4 packet (header and payload) whose header was
// checked by ParseIPv4: accessors trust the bounds.
type IPv4 []byte

// HeaderLen is IHL in bytes.
func (h IPv4) HeaderLen() int { return int(h[0]&0x0f) * 4 }

// TOS is the Type of Service octet (DSCP and ECN).
func (h IPv4) TOS() uint8 { return h[1] }

// TotalLength is the Total Length field.
func (h IPv4) TotalLength() int { return int(binary.BigEndian.Uint16(h[2:])) }

// ID is the Identification field.
func (h IPv4) ID() uint16 { return binary.BigEndian.Uint16(h[4:]) }

// FlagsFragment is the 16 bits of flags and fragment offset.
func (h IPv4) FlagsFragment() uint16 { return binary.BigEndian.Uint16(h[6:]) }

// DF reports the Don't Fragment flag.
func (h IPv4) DF() bool { return h[6]&0x40 != 0 }

// MF reports the More Fragments flag.
func (h IPv4) MF() bool { return h[6]&0x20 != 0 }

// FragmentOffset is the fragment offset in 8-octet units.
func (h IPv4) FragmentOffset() int { return int(h.FlagsFragment() & ipv4OffsetMask) }

// IsFragment reports whether the packet is a fragment (MF or an offset).
func (h IPv4) IsFragment() bool { return h.FlagsFragment()&(IPv4FlagMF|ipv4OffsetMask) != 0 }

// TTL is the Time to Live.
func (h IPv4) TTL() uint8 { return h[8] }

// Protocol is the next protocol.
func (h IPv4) Protocol() uint8 { return h[9] }

// Checksum is the header checksum field.
func (h IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(h[10:]) }

// Src is the source address.
func (h IPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(h[12:16])) }

// Dst is the destination address.
func (h IPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(h[16:20])) }

// Options are the header's option bytes.
func (h IPv4) Options() []byte { return h[IPv4HeaderLen:h.HeaderLen()] }

// Payload is what follows the header, up to Total Length.
func (h IPv4) Payload() []byte { return h[h.HeaderLen():] }

// SetTOS rewrites the TOS octet and updates the checksum (RFC 1624).
func (h IPv4) SetTOS(tos uint8) {
	old := binary.BigEndian.Uint16(h[0:])
	h[1] = tos
	h.setChecksum(checksum.Update(h.Checksum(), old, binary.BigEndian.Uint16(h[0:])))
}

// DecTTL decrements the TTL by one and updates the checksum (RFC 1624). The
// caller checks the TTL is not zero.
func (h IPv4) DecTTL() {
	old := binary.BigEndian.Uint16(h[8:])
	h[8]--
	h.setChecksum(checksum.Update(h.Checksum(), old, binary.BigEndian.Uint16(h[8:])))
}

// SetID rewrites the Identification field and updates the checksum.
func (h IPv4) SetID(id uint16) {
	old := h.ID()
	binary.BigEndian.PutUint16(h[4:], id)
	h.setChecksum(checksum.Update(h.Checksum(), old, id))
}

func (h IPv4) setChecksum(c uint16) { binary.BigEndian.PutUint16(h[10:], c) }

// ChecksumValid reports whether the header checksum verifies.
func (h IPv4) ChecksumValid() bool { return checksum.Checksum(h[:h.HeaderLen()], 0) == 0 }

// ParseIPv4 checks that b starts with a well-formed IPv4 packet and returns
// it as a view cut to its Total Length (bytes after it, such as Ethernet
// padding, are left out). which names the header in errors ("outer",
// "inner"), base is its offset from the start of the layer. The checks:
// version 4, IHL at least 5 and within b, Total Length at least the header
// and within b, well-formed options, and with verify the header checksum.
func ParseIPv4(b []byte, layer, which string, base int, verify bool) (IPv4, error) {
	if len(b) < IPv4HeaderLen {
		return nil, errs.Truncated(layer, which+" IPv4 header", base, IPv4HeaderLen, len(b))
	}
	if v := b[0] >> 4; v != 4 {
		return nil, failValue(layer, which+" version", base, versionErr(which), "IP version is not 4", int(v), 4)
	}
	hl := int(b[0]&0x0f) * 4
	if hl < IPv4HeaderLen {
		return nil, errs.MalformedValue(layer, which+" IHL", base, "header length below 20 bytes", hl, IPv4HeaderLen)
	}
	if hl > len(b) {
		return nil, errs.Truncated(layer, which+" IPv4 options", base+IPv4HeaderLen, hl, len(b))
	}
	tl := int(binary.BigEndian.Uint16(b[2:]))
	if tl < hl {
		return nil, errs.MalformedValue(layer, which+" total length", base+2, "total length shorter than the header", tl, hl)
	}
	if tl > len(b) {
		return nil, errs.Truncated(layer, which+" total length", base+2, tl, len(b))
	}
	h := IPv4(b[:tl])
	if hl > IPv4HeaderLen {
		if err := checkIPv4Options(h.Options(), layer, which, base+IPv4HeaderLen); err != nil {
			return nil, err
		}
	}
	if verify && !h.ChecksumValid() {
		return nil, &errs.DecodeError{Layer: layer, Field: which + " header checksum", Offset: base + 10, Err: errs.ErrChecksum, Have: -1}
	}
	return h, nil
}

func versionErr(which string) error {
	if which == "inner" {
		return ErrVersion
	}
	return errs.ErrMalformed
}

// checkIPv4Options walks the option list (RFC 791 §3.1): End of Option
// List and No Operation are one octet; every other option has a length
// octet of at least 2 that stays within the header.
func checkIPv4Options(opts []byte, layer, which string, base int) error {
	for i := 0; i < len(opts); {
		switch opts[i] {
		case 0:
			return nil
		case 1:
			i++
			continue
		}
		if i+1 >= len(opts) {
			return errs.Truncated(layer, which+" IPv4 option length", base+i, 2, len(opts)-i)
		}
		n := int(opts[i+1])
		if n < 2 {
			return errs.MalformedValue(layer, which+" IPv4 option length", base+i+1, "option length below 2", n, 2)
		}
		if i+n > len(opts) {
			return errs.Truncated(layer, which+" IPv4 option", base+i, n, len(opts)-i)
		}
		i += n
	}
	return nil
}

// Header4 holds the fields of an IPv4 header a tunnel ingress writes. The
// header has no options: RFC 2003 §3.1 never copies the inner options.
type Header4 struct {
	TOS      uint8
	ID       uint16
	DF       bool
	TTL      uint8
	Protocol uint8
	Src, Dst [4]byte
}

// Put writes the 20-octet header into b with the given Total Length,
// fragment offset (in octets, a multiple of 8) and MF flag, and its checksum.
func (h *Header4) Put(b []byte, totalLen, fragOffset int, mf bool) {
	_ = b[IPv4HeaderLen-1]
	b[0] = 0x45
	b[1] = h.TOS
	binary.BigEndian.PutUint16(b[2:], uint16(totalLen))
	binary.BigEndian.PutUint16(b[4:], h.ID)
	ff := uint16(fragOffset>>3) & ipv4OffsetMask
	if h.DF {
		ff |= IPv4FlagDF
	}
	if mf {
		ff |= IPv4FlagMF
	}
	binary.BigEndian.PutUint16(b[6:], ff)
	b[8] = h.TTL
	b[9] = h.Protocol
	b[10], b[11] = 0, 0
	copy(b[12:16], h.Src[:])
	copy(b[16:20], h.Dst[:])
	binary.BigEndian.PutUint16(b[10:], checksum.Checksum(b[:IPv4HeaderLen], 0))
}

// AppendIPv4 appends the outer packet carrying payload to dst: one packet
// when it fits mtu (0: no limit), otherwise fragments of at most mtu octets,
// back to back, each with its own header (RFC 791 §3.2). The caller has
// decided fragmenting is allowed; h.DF must then be clear. It allocates only
// if dst lacks room.
func AppendIPv4(dst []byte, h *Header4, payload []byte, mtu int) []byte {
	total := IPv4HeaderLen + len(payload)
	if mtu <= 0 || total <= mtu {
		dst, b := grow(dst, total)
		h.Put(b, total, 0, false)
		copy(b[IPv4HeaderLen:], payload)
		return dst
	}
	chunk := (mtu - IPv4HeaderLen) &^ 7
	for off := 0; off < len(payload); off += chunk {
		n := min(chunk, len(payload)-off)
		var b []byte
		dst, b = grow(dst, IPv4HeaderLen+n)
		h.Put(b, IPv4HeaderLen+n, off, off+n < len(payload))
		copy(b[IPv4HeaderLen:], payload[off:off+n])
	}
	return dst
}

// IPv4FragmentCount is how many packets AppendIPv4 makes for a payload.
func IPv4FragmentCount(payloadLen, mtu int) int {
	if mtu <= 0 || IPv4HeaderLen+payloadLen <= mtu {
		return 1
	}
	chunk := (mtu - IPv4HeaderLen) &^ 7
	return (payloadLen + chunk - 1) / chunk
}

// grow extends dst by n bytes and returns it with the new tail.
func grow(dst []byte, n int) ([]byte, []byte) {
	l := len(dst)
	if cap(dst)-l < n {
		nd := make([]byte, l, 2*cap(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:l+n]
	return dst, dst[l:]
}
