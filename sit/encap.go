package sit

import (
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// plan is what RFC 4213 §3 decides for one IPv6 packet.
type plan struct {
	inner    []byte // the IPv6 packet, cut to its own length
	dst      netip.Addr
	tos      uint8
	df       bool
	fragment bool
	mtu      int // IPv4 link MTU the decision used
}

func (t *Tunnel) plan(inner []byte) (plan, error) {
	var p plan
	if len(inner) == 0 {
		return p, errs.Truncated(layer, "inner header", 0, iptun.IPv6HeaderLen, 0)
	}
	if inner[0]>>4 != 6 {
		return p, errs.MalformedValue(layer, "inner version", 0, "not IPv6 (IPv4 in IPv4 is package ipip)", int(inner[0]>>4), 6)
	}
	h, err := iptun.ParseIPv6(inner, layer, "inner", 0)
	if err != nil {
		return p, err
	}
	if hl := h.HopLimit(); hl == 0 || (t.cfg.Forwarding && hl == 1) {
		return p, errs.New(layer, "inner hop limit", 7, ErrTTL, "hop limit exhausted on forwarding into the tunnel (RFC 4213 §3.3); reply Time Exceeded")
	}
	p.inner = h
	if p.dst, err = t.endpoint(h.Dst()); err != nil {
		return p, err
	}
	p.tos = iptun.OuterTOS(h.TrafficClass(), t.cfg.DSCP, t.cfg.DSCPValue, t.cfg.ECN)
	tunnelMTU, df := t.MTU()
	if len(h) > tunnelMTU {
		return p, &TooBigError{Layer: layer, Len: len(h), MTU: tunnelMTU}
	}
	p.df = df
	p.mtu = t.state.EffectiveMTU(t.linkMTU)
	if iptun.IPv4HeaderLen+len(h) > p.mtu {
		// Only with DF clear (a static MTU, or a path under 1300): the
		// IPv4 layer fragments (RFC 4213 §3.2).
		p.fragment, p.df = true, false
	}
	return p, nil
}

// endpoint is the IPv4 address a packet for dst is sent to, by the mode.
func (t *Tunnel) endpoint(dst netip.Addr) (netip.Addr, error) {
	var v4 netip.Addr
	switch t.cfg.Mode {
	case ModeConfigured:
		v4 = t.cfg.Remote
	case Mode6to4:
		if a, ok := SixToFourIPv4(dst); ok {
			if !Global4(a) {
				return v4, errs.New(layer, "inner destination", 24, ErrInvalidDestination,
					"6to4 destination embeds an IPv4 address that is not global (RFC 3964 §5.3)")
			}
			v4 = a
		} else {
			v4 = t.cfg.Remote
		}
	case Mode6rd:
		if a, ok := t.cfg.SixRD.IPv4(dst, t.cfg.Local); ok {
			v4 = a
		} else {
			v4 = t.cfg.SixRD.BR
		}
	case ModeISATAP:
		if a, ok := ISATAPIPv4(dst); ok {
			v4 = a
		} else {
			v4 = t.cfg.Remote
		}
	}
	if !v4.IsValid() {
		return v4, errs.New(layer, "inner destination", 24, ErrUnsupported,
			"no IPv4 endpoint for this destination: configure the relay, Border Relay or router")
	}
	if v4 == t.cfg.Local {
		return v4, errs.New(layer, "inner destination", 24, ErrLoop, "the destination maps to this node's own IPv4 address")
	}
	if b := v4.As4(); b[0] == 0 || b[0] == 127 || b[0] >= 224 {
		return v4, errs.New(layer, "inner destination", 24, ErrInvalidDestination,
			"the destination maps to an IPv4 address that is not unicast")
	}
	return v4, nil
}

// Encapsulate appends to dst the IPv4 packet carrying the IPv6 packet inner
// (RFC 4213 §3.5): version 4, IHL 5, TOS per Config (DSCP 0 unless
// configured, ECN per RFC 6040), a new Identification, DF per §3.2, TTL 64
// or Config.TTL (§3.3), protocol 41, Local as source, the endpoint the mode
// gives as destination, and the IPv6 packet unchanged (its options
// preserved) but for the hop limit decremented with Config.Forwarding.
//
// A packet larger than the tunnel MTU returns a *TooBigError (Reply builds
// the Packet Too Big, RFC 4213 §3.2); an outer packet larger than the IPv4
// link with DF clear is carried in IPv4 fragments appended back to back
// (Packets splits them). It allocates only if dst lacks room.
func (t *Tunnel) Encapsulate(dst, inner []byte) ([]byte, error) {
	p, err := t.plan(inner)
	if err != nil {
		return dst, err
	}
	h := t.h4
	h.TOS, h.ID, h.DF, h.Dst = p.tos, uint16(t.state.NextID()), p.df, p.dst.As4()
	mtu := 0
	if p.fragment {
		mtu = p.mtu
	}
	start := len(dst)
	dst = iptun.AppendIPv4(dst, &h, p.inner, mtu)
	if t.cfg.Forwarding {
		iptun.IPv6(dst[start+iptun.IPv4HeaderLen:]).DecHopLimit()
	}
	return dst, nil
}

// Packets splits the back-to-back packets Encapsulate appends.
var Packets = iptun.Packets

// Reassemble appends to dst the IPv4 packet rebuilt from its fragments,
// given in any order; a decapsulator MUST accept reassembled packets of at
// least 1500 octets (RFC 4213 §3.2.1) and this takes any up to 65535.
func Reassemble(dst []byte, fragments ...[]byte) ([]byte, error) {
	return iptun.Reassemble(dst, layer, fragments...)
}
