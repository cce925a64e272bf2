package ipip

import (
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// plan is what the RFC rules decide for one inner packet.
type plan struct {
	inner    []byte // the inner packet, cut to its own length
	v6       bool   // inner is IPv6
	proto    uint8  // 4 or 41
	tos      uint8  // outer TOS / Traffic Class
	df       bool   // outer DF (IPv4 outer)
	limit    int    // encapsulation limit to write, -1 none
	overhead int    // outer header length
	fragment bool   // the outer packet must be fragmented
	mtu      int    // link MTU the decision used
}

// plan applies RFC 2003 §3 and §5.1 (IPv4 outer) or RFC 2473 §3-§7 (IPv6
// outer) to an inner packet.
func (t *Tunnel) plan(inner []byte) (plan, error) {
	var p plan
	if len(inner) == 0 {
		return p, errs.Truncated(layer, "inner header", 0, iptun.IPv4HeaderLen, 0)
	}
	p.limit = t.limit
	var innerDF bool
	var ttl uint8
	switch inner[0] >> 4 {
	case 4:
		h, err := iptun.ParseIPv4(inner, layer, "inner", 0, true)
		if err != nil {
			return p, err
		}
		p.inner, p.proto = h, iptun.ProtoIPv4
		innerDF, ttl = h.DF(), h.TTL()
		p.tos = h.TOS()
		if !t.v6 {
			if h.Src() == t.cfg.Local || h.Src() == t.cfg.Remote {
				return p, errs.New(layer, "inner source", 12, ErrLoop,
					"inner source is a tunnel endpoint: MUST NOT tunnel (RFC 2003 §3.2)")
			}
		}
	case 6:
		if !t.v6 {
			return p, errs.New(layer, "inner version", 0, ErrUnsupported,
				"IPv6 inner packet on an IPv4 tunnel: use package sit (RFC 4213)")
		}
		h, err := iptun.ParseIPv6(inner, layer, "inner", 0)
		if err != nil {
			return p, err
		}
		c, err := iptun.WalkIPv6(h, layer, "inner", 0)
		if err != nil {
			return p, err
		}
		if c.HasTEL() {
			// RFC 2473 §4.1.1: the packet is a tunnel packet already;
			// its limit, less one, goes in the new tunnel header.
			if c.TEL == 0 {
				return p, errs.New(layer, "inner tunnel encapsulation limit", c.TELOffset, ErrEncapLimit,
					"encapsulation limit 0: MUST NOT encapsulate (RFC 2473 §4.1.1)")
			}
			p.limit = int(c.TEL) - 1
		}
		p.inner, p.proto, p.v6 = h, iptun.ProtoIPv6, true
		ttl, p.tos = h.HopLimit(), h.TrafficClass()
		if h.Src() == t.cfg.Local || h.Src() == t.cfg.Remote {
			return p, errs.New(layer, "inner source", 8, ErrLoop,
				"inner source is a tunnel endpoint: MUST NOT tunnel (RFC 2003 §3.2, RFC 2473 §4.1.2)")
		}
	default:
		return p, errs.MalformedValue(layer, "inner version", 0, "not IPv4 or IPv6", int(inner[0]>>4), 0)
	}
	if ttl == 0 || (t.cfg.Forwarding && ttl == 1) {
		off := 8
		if p.v6 {
			off = 7
		}
		return p, errs.New(layer, "inner TTL", off, ErrTTL,
			"TTL 0 after forwarding: MUST NOT encapsulate (RFC 2003 §3.1); reply Time Exceeded")
	}
	p.tos = iptun.OuterTOS(p.tos, t.cfg.DSCP, t.cfg.DSCPValue, t.cfg.ECN)
	p.overhead = iptun.IPv6HeaderLen
	if t.v6 {
		if p.limit >= 0 {
			p.overhead += iptun.TELHeaderLen
		}
	} else {
		p.overhead = iptun.IPv4HeaderLen
		p.df = innerDF || t.cfg.DF == DFSet
	}
	p.mtu = t.LinkMTU()
	if p.overhead+len(p.inner) <= p.mtu {
		return p, nil
	}
	// §5.1 (RFC 2473 §7): too big for the tunnel.
	tunnelMTU := p.mtu - p.overhead
	switch {
	case p.v6:
		// RFC 2473 §7.1: packets up to the IPv6 minimum MTU are carried in
		// fragments; larger ones are refused with the tunnel MTU.
		tunnelMTU = max(tunnelMTU, iptun.MinIPv6LinkMTU)
		if len(p.inner) > tunnelMTU {
			return p, &TooBigError{Layer: layer, Len: len(p.inner), MTU: tunnelMTU}
		}
	case innerDF:
		return p, &TooBigError{Layer: layer, Len: len(p.inner), MTU: tunnelMTU}
	}
	p.fragment, p.df = true, false
	return p, nil
}

// Encapsulate appends to dst the outer packet carrying inner, an IPv4 or
// (on an IPv6 tunnel) IPv6 packet: the outer header built per RFC 2003 §3.1
// or RFC 2473 §5 from the configuration and the inner header, then the inner
// packet. Bytes after the inner packet's own length are not carried.
//
// When the outer packet would exceed the link MTU, an inner packet that may
// be fragmented (IPv4 without DF; IPv6 up to 1280 octets) is carried in
// outer fragments, appended back to back (Packets splits them); otherwise
// Encapsulate returns a *TooBigError with the MTU to report (Reply builds
// that report). With Config.Forwarding the inner TTL is decremented in the
// copy (the input is never modified); a TTL that would reach 0 returns
// ErrTTL. An inner IPv6 packet with a Tunnel Encapsulation Limit of 0
// returns ErrEncapLimit.
//
// It allocates only if dst lacks room.
func (t *Tunnel) Encapsulate(dst, inner []byte) ([]byte, error) {
	p, err := t.plan(inner)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	mtu := 0
	if p.fragment {
		mtu = p.mtu
	}
	id := t.state.NextID()
	innerAt := start + p.overhead
	if t.v6 {
		h := t.h6
		h.TrafficClass, h.NextHeader, h.EncapLimit, h.FragmentID = p.tos, p.proto, p.limit, id
		dst = iptun.AppendIPv6(dst, &h, p.inner, mtu)
		if p.fragment {
			innerAt += iptun.FragmentHeaderLen
		}
	} else {
		h := t.h4
		h.TOS, h.ID, h.DF = p.tos, uint16(id), p.df
		dst = iptun.AppendIPv4(dst, &h, p.inner, mtu)
	}
	if t.cfg.Forwarding {
		decTTL(dst[innerAt:], p.v6)
	}
	return dst, nil
}

// decTTL decrements the TTL (and fixes the checksum) or hop limit of the
// inner header at the start of b.
func decTTL(b []byte, v6 bool) {
	if v6 {
		iptun.IPv6(b).DecHopLimit()
		return
	}
	iptun.IPv4(b).DecTTL()
}

// Packets splits the back-to-back packets Encapsulate appends (more than
// one when the outer packet was fragmented) into one slice each.
var Packets = iptun.Packets

// Reassemble appends to dst the outer packet rebuilt from its fragments (IPv4
// fragments, or IPv6 fragments with a Fragment header), given in any order,
// ready for Decapsulate: a tunnel exit reassembles before decapsulating
// (RFC 2003 §5.1, RFC 2473 §7). It refuses overlaps, gaps, mixed datagrams
// and more than 256 fragments.
func Reassemble(dst []byte, fragments ...[]byte) ([]byte, error) {
	return iptun.Reassemble(dst, layer, fragments...)
}
