package iptun

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// State is the per-tunnel soft state an ingress keeps (RFC 2003 §5): the
// Identification counter for outer IPv4 headers and IPv6 fragments, and the
// path MTU to the exit point learned from ICMP. It is safe for concurrent
// use.
type State struct {
	id   atomic.Uint32
	pmtu atomic.Int32
}

// SeedID sets the next identification value.
func (s *State) SeedID(v uint32) { s.id.Store(v) }

// NextID returns a new identification value for each packet.
func (s *State) NextID() uint32 { return s.id.Add(1) }

// PathMTU is the path MTU to the exit point (the largest outer packet), or
// 0 when none was learned.
func (s *State) PathMTU() int { return int(s.pmtu.Load()) }

// SetPathMTU records a path MTU; 0 forgets it.
func (s *State) SetPathMTU(mtu int) { s.pmtu.Store(int32(mtu)) }

// EffectiveMTU is the largest outer packet to send: the configured link MTU
// or a smaller learned path MTU.
func (s *State) EffectiveMTU(link int) int {
	if p := s.PathMTU(); p > 0 && (link <= 0 || p < link) {
		return p
	}
	return link
}

// ValidSource4 reports whether an inner IPv4 source may arrive over a
// tunnel: not "this network" (0.0.0.0/8), loopback, multicast or the limited
// broadcast address (RFC 1812 §5.3.7 martians).
func ValidSource4(a netip.Addr) bool { return validSource4(a.As4()) }

func validSource4(b [4]byte) bool {
	return b[0] != 0 && b[0] != 127 && b[0]&0xf0 != 0xe0 && b != [4]byte{255, 255, 255, 255}
}

// ValidSource6 reports whether an inner IPv6 source may arrive over a
// tunnel. RFC 4213 §3.6 lists what a decapsulator SHOULD refuse at least:
// multicast, the loopback address, IPv4-compatible addresses (::/96 other
// than the unspecified address, which Duplicate Address Detection uses), and
// IPv4-mapped addresses.
func ValidSource6(a netip.Addr) bool {
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	switch {
	case hi>>56 == 0xff:
		return false // multicast
	case hi != 0:
		return true
	case lo>>32 == 0xffff:
		return false // IPv4-mapped
	case lo>>32 == 0:
		return lo == 0 // :: (DAD) valid; ::1 and IPv4-compatible not
	}
	return true
}

// validDestination refuses loopback and unspecified inner destinations:
// no node forwards those (RFC 1812 §5.3.7, RFC 4291 §2.5.2-3).
func validDestination(a netip.Addr) bool {
	return !a.IsLoopback() && !a.IsUnspecified() && !(a.Is4() && a.As4()[0] == 0)
}

// Inner is what CheckInner found in an inner packet.
type Inner struct {
	Packet   []byte // the inner packet, cut to its own length
	Version  int    // 4 or 6
	Src, Dst netip.Addr
	TOS      uint8 // the arriving TOS or Traffic Class
	NewTOS   uint8 // what the egress rules make of it
	Verdict  ECNVerdict
}

// Apply writes NewTOS into the inner packet (fixing the IPv4 checksum).
func (in *Inner) Apply() {
	if in.NewTOS == in.TOS {
		return
	}
	if in.Version == 4 {
		IPv4(in.Packet).SetTOS(in.NewTOS)
	} else {
		IPv6(in.Packet).SetTrafficClass(in.NewTOS)
	}
}

// ParseInner reads the inner packet at the start of b that an outer header
// (or a shim such as ESP, whose Next Header says 4 or 41) announced with
// proto: the version must match proto (ErrVersion) and the header be well
// formed, with an IPv4 checksum that verifies when verify is set. It fills
// in's Packet (cut to the inner packet's own length, which may be shorter
// than b: IPsec carries TFC padding after it, RFC 4303 §2.7), Version, Src,
// Dst and TOS. base is b's offset in the layer, for error offsets.
func ParseInner(in *Inner, b []byte, proto uint8, verify bool, layer string, base int) error {
	if len(b) == 0 {
		return errs.Truncated(layer, "inner header", base, IPv4HeaderLen, 0)
	}
	want := 4
	if proto == ProtoIPv6 {
		want = 6
	}
	if v := int(b[0] >> 4); v != want {
		return failValue(layer, "inner version", base, ErrVersion, "", v, want)
	}
	if want == 4 {
		h, err := ParseIPv4(b, layer, "inner", base, verify)
		if err != nil {
			return err
		}
		in.Packet, in.Src, in.Dst, in.TOS = h, h.Src(), h.Dst(), h.TOS()
	} else {
		h, err := ParseIPv6(b, layer, "inner", base)
		if err != nil {
			return err
		}
		in.Packet, in.Src, in.Dst, in.TOS = h, h.Src(), h.Dst(), h.TrafficClass()
	}
	in.Version = want
	return nil
}

// Decap works out the TOS or Traffic Class the inner packet leaves the
// egress with (RFC 6040 §4.2 for ECN; with copyDSCP the outer DSCP replaces
// the inner one, RFC 2983 §3) and records it in NewTOS and Verdict; Apply
// writes it. On ECNDrop the packet MUST be dropped.
func (in *Inner) Decap(outerTOS uint8, copyDSCP bool) ECNVerdict {
	in.NewTOS, in.Verdict = DecapTOS(in.TOS, outerTOS, copyDSCP)
	return in.Verdict
}

// CheckInner checks the inner packet b that an outer header announced with
// proto (4 or 41) and works out what the egress rules make of it; Apply
// then writes it:
//
//   - the version matches proto (ErrVersion);
//   - the header is well formed and (IPv4) its checksum verifies;
//   - its length is exactly what the outer packet carried;
//   - the source passes ValidSource4/6 (ErrInvalidSource) and the
//     destination is neither loopback nor unspecified;
//   - an IPv4 TTL of zero is refused: RFC 2003 §3.1 MUST discard (ErrTTL);
//   - the destination is not entry, the tunnel entry point the packet
//     came from: forwarding it would send it back into the tunnel (ErrLoop);
//   - the ECN field is set per RFC 6040 Figure 4 (ErrECNDrop for the drop
//     case) and, with copyDSCP, the outer DSCP replaces the inner.
//
// base is b's offset in the layer, for error offsets.
func CheckInner(in *Inner, b []byte, proto, outerTOS uint8, copyDSCP bool, entry netip.Addr, layer string, base int) error {
	if err := ParseInner(in, b, proto, true, layer, base); err != nil {
		return err
	}
	if in.Version == 4 {
		h := IPv4(in.Packet)
		if len(h) != len(b) {
			return errs.MalformedValue(layer, "inner total length", base+2, "inner packet shorter than the outer payload", len(h), len(b))
		}
		if !validSource4([4]byte(h[12:16])) {
			return fail(layer, "inner source", base+12, ErrInvalidSource, "")
		}
		if d := h[16]; d == 0 || d == 127 {
			return fail(layer, "inner destination", base+16, ErrInvalidDestination, "")
		}
		if in.Dst == entry {
			return fail(layer, "inner destination", base+16, ErrLoop, "inner destination is the tunnel entry point: forwarding it would loop")
		}
		if h.TTL() == 0 {
			return fail(layer, "inner TTL", base+8, ErrTTL, "inner TTL is 0 after decapsulation (RFC 2003 §3.1: MUST discard)")
		}
	} else {
		if len(in.Packet) != len(b) {
			return errs.MalformedValue(layer, "inner payload length", base+4, "inner packet shorter than the outer payload", len(in.Packet), len(b))
		}
		if !ValidSource6(in.Src) {
			return fail(layer, "inner source", base+8, ErrInvalidSource, "")
		}
		if !validDestination(in.Dst) {
			return fail(layer, "inner destination", base+24, ErrInvalidDestination, "")
		}
		if in.Dst == entry {
			return fail(layer, "inner destination", base+24, ErrLoop, "inner destination is the tunnel entry point: forwarding it would loop")
		}
	}
	if in.Decap(outerTOS, copyDSCP) == ECNDrop {
		return fail(layer, "inner ECN", base+1, ErrECNDrop, "")
	}
	return nil
}

// AppendTooBig appends the ICMP error that tells the sender of inner the MTU
// it must use: Destination Unreachable, Fragmentation Needed with the
// next-hop MTU (RFC 1191 §4) for IPv4, Packet Too Big (RFC 4443 §3.2) for
// IPv6. src is the address the tunnel entry point sends it from, in inner's
// family.
func AppendTooBig(dst, inner []byte, src netip.Addr, id uint16, mtu int) []byte {
	if inner[0]>>4 == 6 {
		return AppendICMPv6Error(dst, src, IPv6(inner).Src(), DefaultTTL, ICMPv6PacketTooBig, 0, uint32(mtu), inner)
	}
	return AppendICMPv4Error(dst, src, IPv4(inner).Src(), id, DefaultTTL, ICMPv4DestUnreach, ICMPv4FragNeeded, uint32(mtu&0xffff), inner)
}

// AppendTimeExceeded appends the Time Exceeded error (TTL or hop limit
// exceeded in transit) for inner's sender.
func AppendTimeExceeded(dst, inner []byte, src netip.Addr, id uint16) []byte {
	if inner[0]>>4 == 6 {
		return AppendICMPv6Error(dst, src, IPv6(inner).Src(), DefaultTTL, ICMPv6TimeExceeded, ICMPv6HopLimit, 0, inner)
	}
	return AppendICMPv4Error(dst, src, IPv4(inner).Src(), id, DefaultTTL, ICMPv4TimeExceeded, 0, 0, inner)
}

// AppendUnreachable appends a Destination Unreachable error for inner's
// sender: ICMPv6 code 3, address unreachable, or ICMP with code4 (host or
// network unreachable).
func AppendUnreachable(dst, inner []byte, src netip.Addr, id uint16, code4 uint8) []byte {
	if inner[0]>>4 == 6 {
		return AppendICMPv6Error(dst, src, IPv6(inner).Src(), DefaultTTL, ICMPv6DestUnreach, ICMPv6AddrUnreach, 0, inner)
	}
	return AppendICMPv4Error(dst, src, IPv4(inner).Src(), id, DefaultTTL, ICMPv4DestUnreach, code4, 0, inner)
}

// CheckOuter4 checks an outer IPv4 tunnel packet on arrival: a well-formed
// header with a good checksum, not a fragment (ErrFragment: reassemble
// first), protocol proto, source remote and destination local
// (ErrWrongPeer; an invalid local or remote address skips that check). It
// returns the header view, cut to Total Length.
func CheckOuter4(pkt []byte, layer string, proto uint8, local, remote netip.Addr) (IPv4, error) {
	h, err := ParseIPv4(pkt, layer, "outer", 0, true)
	if err != nil {
		return nil, err
	}
	if h.IsFragment() {
		return nil, fail(layer, "outer fragment offset", 6, ErrFragment, "")
	}
	if h.Protocol() != proto {
		return nil, failValue(layer, "outer protocol", 9, errs.ErrUnsupported, "not a tunnel packet of this kind", int(h.Protocol()), int(proto))
	}
	if remote.IsValid() && h.Src() != remote {
		return nil, fail(layer, "outer source", 12, ErrWrongPeer, "")
	}
	if local.IsValid() && h.Dst() != local {
		return nil, fail(layer, "outer destination", 16, ErrWrongPeer, "")
	}
	return h, nil
}

// MayReply reports whether an ICMP error may be sent about a packet whose
// start q holds (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7, RFC 4443 §2.4(e)): not
// about an ICMP error message, a non-first fragment, or a packet from a
// source that names no single node. It returns a reason when not.
func MayReply(q *Quoted) (bool, string) {
	if !q.Src.IsValid() || q.Src.IsUnspecified() || q.Src.IsMulticast() || (q.Src.Is4() && !ValidSource4(q.Src)) {
		return false, "the original source names no single node"
	}
	if !q.V6 && len(q.Data) >= IPv4HeaderLen && IPv4(q.Data).FragmentOffset() != 0 {
		return false, "the original packet is a non-first fragment"
	}
	if len(q.Data) > q.HeaderLen {
		t := q.Data[q.HeaderLen]
		if (!q.V6 && q.Proto == ProtoICMP && (t == ICMPv4DestUnreach || t == ICMPv4SourceQuench || t == ICMPv4Redirect || t == ICMPv4TimeExceeded || t == ICMPv4ParamProblem)) ||
			(q.V6 && q.Proto == ProtoICMPv6 && t < 128) {
			return false, "the original packet is itself an ICMP error"
		}
	}
	return true, ""
}
