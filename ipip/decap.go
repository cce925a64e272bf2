package ipip

import (
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// Packet is what Decapsulate found.
type Packet struct {
	// Inner is the inner packet, cut to its own length, with its ECN
	// field (and with Config.DecapCopyDSCP its DSCP) set by the egress
	// rules.
	Inner []byte
	// InnerVersion is 4 or 6.
	InnerVersion int
	// Src and Dst are the outer addresses; InnerSrc and InnerDst the
	// inner ones.
	Src, Dst           netip.Addr
	InnerSrc, InnerDst netip.Addr
	// OuterTOS and InnerTOS are the TOS (Traffic Class) octets as they
	// arrived.
	OuterTOS, InnerTOS uint8
	// ECN is RFC 6040's verdict on the ECN combination: ECNForward, or
	// ECNNote and ECNLog for the unusual combinations an egress SHOULD
	// log (the drop case is the error ErrECNDrop).
	ECN ECNVerdict
	// EncapLimit is the Tunnel Encapsulation Limit of an IPv6 outer
	// header, or -1.
	EncapLimit int
	// HeaderLen is the length of the outer headers.
	HeaderLen int
}

// Decapsulate checks an outer packet received from Remote and returns its
// inner packet, aliasing pkt. It rewrites the inner ECN field in place
// (RFC 6040 §4.2). DecapsulateTo leaves pkt alone.
//
// The checks, each failing with a *DecodeError naming field and offset:
//
//   - outer header well formed, IPv4 checksum good, not a fragment
//     (ErrFragment: Reassemble first);
//   - outer protocol 4 (IPv4 outer) or next header 4 or 41 after the IPv6
//     extension headers, whose options are checked (RFC 8200 §4.2);
//   - outer source Remote and destination Local (ErrWrongPeer);
//   - inner version matching the protocol (ErrVersion), inner header well
//     formed with a good checksum, exactly filling the outer payload;
//   - inner source valid (ErrInvalidSource), destination not loopback or
//     unspecified (ErrInvalidDestination), inner TTL not 0 (ErrTTL,
//     RFC 2003 §3.1);
//   - no loop: the inner destination is not the tunnel entry point
//     Remote (ErrLoop), which would send the packet back into the tunnel;
//   - RFC 6040: CE outside a Not-ECT inner packet is dropped (ErrECNDrop).
//
// It allocates nothing.
func (t *Tunnel) Decapsulate(pkt []byte) (Packet, error) {
	var p Packet
	body, err := t.outer(pkt, &p)
	if err == nil {
		err = t.inner(&p, body, p.HeaderLen)
	}
	return p, err
}

// DecapsulateTo is Decapsulate that appends the inner packet to dst and
// rewrites it there, leaving pkt unchanged; Packet.Inner aliases dst. It
// allocates only if dst lacks room.
func (t *Tunnel) DecapsulateTo(dst, pkt []byte) ([]byte, Packet, error) {
	var p Packet
	body, err := t.outer(pkt, &p)
	if err != nil {
		return dst, p, err
	}
	start := len(dst)
	dst = append(dst, body...)
	if err := t.inner(&p, dst[start:], p.HeaderLen); err != nil {
		return dst[:start], p, err
	}
	return dst, p, nil
}

// outer checks the outer headers and returns the outer payload.
func (t *Tunnel) outer(pkt []byte, p *Packet) ([]byte, error) {
	p.EncapLimit = -1
	if t.v6 {
		h, err := iptun.ParseIPv6(pkt, layer, "outer", 0)
		if err != nil {
			return nil, err
		}
		c, err := iptun.WalkIPv6(h, layer, "outer", 0)
		if err != nil {
			return nil, err
		}
		if c.Fragment {
			return nil, errs.New(layer, "outer fragment header", iptun.IPv6HeaderLen, ErrFragment, "")
		}
		if c.Proto != iptun.ProtoIPv4 && c.Proto != iptun.ProtoIPv6 {
			return nil, &DecodeError{Layer: layer, Field: "outer next header", Offset: 6, Err: ErrUnsupported,
				Detail: "not an IPv4 or IPv6 tunnel packet (next header 4 or 41)", Have: int(c.Proto)}
		}
		if h.Src() != t.cfg.Remote {
			return nil, errs.New(layer, "outer source", 8, ErrWrongPeer, "")
		}
		if h.Dst() != t.cfg.Local {
			return nil, errs.New(layer, "outer destination", 24, ErrWrongPeer, "")
		}
		if c.HasTEL() {
			p.EncapLimit = int(c.TEL)
		}
		p.Src, p.Dst, p.OuterTOS, p.HeaderLen = h.Src(), h.Dst(), h.TrafficClass(), c.Offset
		p.InnerVersion = 4
		if c.Proto == iptun.ProtoIPv6 {
			p.InnerVersion = 6
		}
		return h[c.Offset:], nil
	}
	h, err := iptun.CheckOuter4(pkt, layer, iptun.ProtoIPv4, t.cfg.Local, t.cfg.Remote)
	if err != nil {
		return nil, err
	}
	p.Src, p.Dst, p.OuterTOS, p.HeaderLen, p.InnerVersion = h.Src(), h.Dst(), h.TOS(), h.HeaderLen(), 4
	return h.Payload(), nil
}

// inner checks and rewrites the inner packet b, at offset base.
func (t *Tunnel) inner(p *Packet, b []byte, base int) error {
	proto := uint8(iptun.ProtoIPv4)
	if p.InnerVersion == 6 {
		proto = iptun.ProtoIPv6
	}
	var in iptun.Inner
	if err := iptun.CheckInner(&in, b, proto, p.OuterTOS, t.cfg.DecapCopyDSCP, t.cfg.Remote, layer, base); err != nil {
		return err
	}
	in.Apply()
	p.Inner, p.InnerSrc, p.InnerDst, p.InnerTOS, p.ECN = in.Packet, in.Src, in.Dst, in.TOS, in.Verdict
	return nil
}

// Egress applies the decapsulation checks and rules of Decapsulate to an
// inner packet that arrived behind a shim header rather than directly after
// the outer IP header: GRE, GUE (draft-ietf-intarea-gue, "IP over UDP" with
// protocol 4 or 41), or any tunnel RFC 9601 brings under RFC 6040. The
// caller has checked the outer packet (its source is the peer); outerTOS is
// its TOS or Traffic Class, version the inner IP version the shim announced.
// The inner packet is rewritten in place and returned in Packet.Inner; the
// outer fields of Packet are left zero.
func (t *Tunnel) Egress(inner []byte, version int, outerTOS uint8) (Packet, error) {
	p := Packet{EncapLimit: -1, InnerVersion: version, OuterTOS: outerTOS}
	if version != 4 && version != 6 {
		return p, &DecodeError{Layer: layer, Field: "inner version", Err: ErrUnsupported, Detail: "not 4 or 6", Have: version}
	}
	return p, t.inner(&p, inner, 0)
}
