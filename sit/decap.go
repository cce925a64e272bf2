package sit

import (
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// Packet is what Decapsulate found.
type Packet struct {
	// Inner is the IPv6 packet, cut to its own length, its ECN field
	// (and with Config.DecapCopyDSCP its DSCP) set by RFC 6040.
	Inner              []byte
	Src, Dst           netip.Addr // outer IPv4 addresses
	InnerSrc, InnerDst netip.Addr
	OuterTOS, InnerTOS uint8 // as they arrived
	// ECN is RFC 6040's verdict: ECNForward, or ECNNote / ECNLog for the
	// combinations an egress SHOULD log.
	ECN       ECNVerdict
	HeaderLen int // outer header length
}

// Decapsulate checks an IPv4 packet of protocol 41 and returns the IPv6
// packet it carries, aliasing pkt, with its ECN field rewritten in place
// (RFC 6040). DecapsulateTo leaves pkt alone.
//
// RFC 4213 §3.6 and the mode's rules, each failing with a *DecodeError:
//
//   - the IPv4 header well formed with a good checksum, protocol 41, not
//     a fragment (ErrFragment: Reassemble first), destination Local;
//   - configured tunnel: the outer source MUST be Remote (ErrWrongPeer);
//     6to4: a 6to4 inner source must embed the outer source (RFC 3964
//     §5.2) and a 6to4 inner destination must be this site's, a native
//     source is taken only from the relay Remote; 6rd: an inner source in
//     the 6rd prefix must embed the outer source, others come only from the
//     Border Relay (RFC 5969 §12); ISATAP: the inner source must embed the
//     outer source, or the outer source be Remote or one of Routers
//     (RFC 5214 §7.3);
//   - inner version 6 (ErrVersion), header well formed, filling the outer
//     payload;
//   - inner source not multicast, loopback, IPv4-compatible (::/96 but
//     ::) or IPv4-mapped (ErrInvalidSource, the §3.6 list), inside
//     InnerSources if set and outside RejectInnerSources (ingress
//     filtering, §3.6);
//   - inner destination not loopback or unspecified;
//   - RFC 6040: CE on a Not-ECT packet is dropped (ErrECNDrop).
//
// The hop limit is not changed (§3.3). It allocates nothing.
func (t *Tunnel) Decapsulate(pkt []byte) (Packet, error) {
	var p Packet
	var in iptun.Inner
	if _, err := t.check(pkt, &p, &in); err != nil {
		return p, err
	}
	in.Apply()
	p.Inner = in.Packet
	return p, nil
}

// DecapsulateTo is Decapsulate that appends the IPv6 packet to dst and
// rewrites it there, leaving pkt unchanged. It allocates only if dst lacks
// room.
func (t *Tunnel) DecapsulateTo(dst, pkt []byte) ([]byte, Packet, error) {
	var p Packet
	var in iptun.Inner
	start := len(dst)
	body, err := t.check(pkt, &p, &in)
	if err != nil {
		return dst, p, err
	}
	dst = append(dst, body...)
	in.Packet = dst[start:]
	in.Apply()
	p.Inner = in.Packet
	return dst, p, nil
}

// check runs every check and returns the outer payload.
func (t *Tunnel) check(pkt []byte, p *Packet, in *iptun.Inner) ([]byte, error) {
	remote := netip.Addr{}
	if t.cfg.Mode == ModeConfigured {
		remote = t.cfg.Remote
	}
	h, err := iptun.CheckOuter4(pkt, layer, iptun.ProtoIPv6, t.cfg.Local, remote)
	if err != nil {
		return nil, err
	}
	p.Src, p.Dst, p.OuterTOS, p.HeaderLen = h.Src(), h.Dst(), h.TOS(), h.HeaderLen()
	body := h.Payload()
	if err := iptun.CheckInner(in, body, iptun.ProtoIPv6, p.OuterTOS, t.cfg.DecapCopyDSCP, netip.Addr{}, layer, p.HeaderLen); err != nil {
		return nil, err
	}
	p.InnerSrc, p.InnerDst, p.InnerTOS, p.ECN = in.Src, in.Dst, in.TOS, in.Verdict
	if err := t.checkSource(p); err != nil {
		return nil, err
	}
	return body, nil
}

// checkSource applies the mode's rule tying the inner source to the outer
// one, and the ingress filters.
func (t *Tunnel) checkSource(p *Packet) error {
	at := p.HeaderLen + 8
	switch t.cfg.Mode {
	case Mode6to4:
		if v4, ok := SixToFourIPv4(p.InnerSrc); ok {
			if v4 != p.Src || !Global4(v4) {
				return errs.New(layer, "inner source", at, ErrWrongPeer,
					"6to4 source does not embed the outer IPv4 source (RFC 3964 §5.2)")
			}
		} else if !t.cfg.Remote.IsValid() || p.Src != t.cfg.Remote {
			return errs.New(layer, "outer source", 12, ErrWrongPeer,
				"native IPv6 source from a node that is not the configured 6to4 relay (RFC 3964 §5.2)")
		}
		if v4, ok := SixToFourIPv4(p.InnerDst); ok && v4 != t.cfg.Local {
			return errs.New(layer, "inner destination", at+16, ErrWrongPeer,
				"6to4 destination of another site (RFC 3964 §5.2)")
		}
	case Mode6rd:
		if v4, ok := t.cfg.SixRD.IPv4(p.InnerSrc, t.cfg.Local); ok {
			if v4 != p.Src {
				return errs.New(layer, "inner source", at, ErrWrongPeer,
					"6rd source does not embed the outer IPv4 source (RFC 5969 §12)")
			}
		} else if p.Src != t.cfg.SixRD.BR {
			return errs.New(layer, "outer source", 12, ErrWrongPeer,
				"source outside the 6rd domain from a node that is not the Border Relay (RFC 5969 §12)")
		}
	case ModeISATAP:
		if v4, ok := ISATAPIPv4(p.InnerSrc); !(ok && v4 == p.Src) && !t.router(p.Src) {
			return errs.New(layer, "outer source", 12, ErrWrongPeer,
				"neither the ISATAP address of the outer source nor a router in the PRL (RFC 5214 §7.3)")
		}
	}
	if len(t.cfg.InnerSources) > 0 && !contains(t.cfg.InnerSources, p.InnerSrc) {
		return errs.New(layer, "inner source", at, ErrInvalidSource, "outside the prefixes this tunnel carries (ingress filter, RFC 4213 §3.6)")
	}
	if contains(t.cfg.RejectInnerSources, p.InnerSrc) {
		return errs.New(layer, "inner source", at, ErrInvalidSource, "in a prefix refused on this tunnel (ingress filter, RFC 4213 §3.6)")
	}
	return nil
}

func (t *Tunnel) router(a netip.Addr) bool {
	if a == t.cfg.Remote {
		return true
	}
	for _, r := range t.cfg.Routers {
		if r == a {
			return true
		}
	}
	return false
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
