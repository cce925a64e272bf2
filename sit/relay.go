package sit

import (
	"errors"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// Relay reads an ICMPv4 error the encapsulator received from a router in
// the IPv4 path (pkt: the IPv4 packet carrying it, quoting a 6in4 packet
// this tunnel sent) and appends to dst the ICMPv6 error for the IPv6
// packet's sender (RFC 4213 §3.4), from ICMPSource6:
//
//	3/4 fragmentation needed    Packet Too Big with the new tunnel MTU (path
//	                            MTU less 20, at least 1280), when the
//	                            packet no longer fits; the path MTU soft
//	                            state is updated either way (§3.2.2)
//	3/0-2, 3/6-15 unreachable   Destination Unreachable, address unreachable
//	11/0 TTL exceeded           Destination Unreachable, address unreachable
//	                            (the tunnel's TTL, not the IPv6 hop limit)
//	12 parameter problem        Parameter Problem, code 0, pointer moved into
//	                            the IPv6 header, when it points there
//	3/3, 3/5, 4, 5, 11/1, 12    not relayed (ErrNotRelayed): port and source
//	in the IPv4 header          route failures cannot concern the IPv6
//	                            packet; quench, redirect and reassembly
//	                            timeouts are the IPv4 layer's
//
// The quote must hold the IPv4 header, the IPv6 header and 8 more octets;
// many routers quote only 8 octets past the IPv4 header (RFC 792), which
// leaves nothing to translate (ErrTruncated). It allocates nothing when dst
// has room.
func (t *Tunnel) Relay(dst, pkt []byte) ([]byte, error) {
	e, err := iptun.ParseICMPError(pkt, layer)
	if err != nil {
		return dst, err
	}
	if e.V6 || e.Dst != t.cfg.Local {
		return dst, errs.New(layer, "ICMP destination", 16, ErrNotTunnel, "not an ICMPv4 error addressed to this encapsulator")
	}
	q, err := iptun.ParseQuoted(e.Quoted, layer, "quoted outer", e.Offset)
	if err != nil {
		return dst, err
	}
	if q.V6 || q.Src != t.cfg.Local || q.Proto != iptun.ProtoIPv6 || (t.cfg.Mode == ModeConfigured && q.Dst != t.cfg.Remote) {
		return dst, errs.New(layer, "quoted outer header", e.Offset, ErrNotTunnel, "")
	}
	origin := e.Quoted[q.HeaderLen:]
	base := e.Offset + q.HeaderLen
	if len(origin) > 0 && origin[0]>>4 != 6 {
		return dst, errs.New(layer, "quoted inner version", base, ErrVersion, "")
	}
	o, err := iptun.ParseQuoted(origin, layer, "quoted inner", base)
	if err != nil {
		return dst, err
	}
	if len(origin) < iptun.IPv6HeaderLen+8 {
		return dst, errs.Truncated(layer, "quoted inner packet", base, iptun.IPv6HeaderLen+8, len(origin))
	}
	if ok, why := iptun.MayReply(&o); !ok {
		return dst, errs.New(layer, "quoted inner packet", base, ErrNotRelayed, why)
	}
	if !t.cfg.ICMPSource6.IsValid() {
		return dst, errs.New(layer, "ICMP source", 0, ErrNotRelayed, "no ICMPSource6 configured to send ICMPv6 from")
	}
	off := e.Offset - 8
	notRelayed := func(why string) error { return errs.New(layer, "ICMP type", off, ErrNotRelayed, why) }
	switch {
	case e.Type == iptun.ICMPv4DestUnreach && e.Code == iptun.ICMPv4FragNeeded:
		mtu := e.MTU()
		if mtu == 0 {
			mtu = iptun.Plateau(q.TotalLen)
		}
		t.SetPathMTU(mtu)
		tunnelMTU, _ := t.MTU()
		if o.TotalLen <= tunnelMTU {
			return dst, notRelayed("path MTU updated; the IPv6 packet fits the tunnel")
		}
		return iptun.AppendTooBig(dst, o.Data, t.cfg.ICMPSource6, 0, tunnelMTU), nil
	case e.Type == iptun.ICMPv4DestUnreach && (e.Code == iptun.ICMPv4PortUnreach || e.Code == iptun.ICMPv4SourceRouteFl):
		return dst, notRelayed("port unreachable or source route failed cannot concern the IPv6 packet")
	case e.Type == iptun.ICMPv4DestUnreach, e.Type == iptun.ICMPv4TimeExceeded && e.Code == 0:
		return iptun.AppendUnreachable(dst, o.Data, t.cfg.ICMPSource6, 0, 0), nil
	case e.Type == iptun.ICMPv4ParamProblem && e.Pointer() >= q.HeaderLen:
		return iptun.AppendICMPv6Error(dst, t.cfg.ICMPSource6, o.Src, DefaultTTL, iptun.ICMPv6ParamProblem, iptun.ICMPv6ErroneousHdr,
			uint32(e.Pointer()-q.HeaderLen), o.Data), nil
	}
	return dst, notRelayed("the IPv4 layer's own business (quench, redirect, reassembly, a problem in the IPv4 header)")
}

// Reply appends to dst the ICMPv6 error an Encapsulate failure on inner calls
// for, from ICMPSource6 to inner's sender: Packet Too Big with the tunnel
// MTU for a *TooBigError (RFC 4213 §3.2), Time Exceeded for ErrTTL. Other
// errors, and packets RFC 4443 §2.4(e) exempts, call for none
// (ErrNotRelayed).
func (t *Tunnel) Reply(dst, inner []byte, cause error) ([]byte, error) {
	o, err := iptun.ParseQuoted(inner, layer, "inner", 0)
	if err != nil {
		return dst, err
	}
	if !o.V6 {
		return dst, errs.New(layer, "inner version", 0, ErrVersion, "")
	}
	if ok, why := iptun.MayReply(&o); !ok {
		return dst, errs.New(layer, "inner packet", 0, ErrNotRelayed, why)
	}
	if !t.cfg.ICMPSource6.IsValid() {
		return dst, errs.New(layer, "ICMP source", 0, ErrNotRelayed, "no ICMPSource6 configured to send ICMPv6 from")
	}
	if tb, ok := errors.AsType[*TooBigError](cause); ok {
		return iptun.AppendTooBig(dst, inner, t.cfg.ICMPSource6, 0, tb.MTU), nil
	}
	if errors.Is(cause, ErrTTL) {
		return iptun.AppendTimeExceeded(dst, inner, t.cfg.ICMPSource6, 0), nil
	}
	return dst, errs.New(layer, "cause", 0, ErrNotRelayed, "this error calls for no ICMP message")
}
