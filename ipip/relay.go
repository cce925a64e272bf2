package ipip

import (
	"errors"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// Relay reads an ICMP error that the tunnel entry point received from inside
// the tunnel (pkt: the IPv4 packet carrying an ICMP message, or the IPv6
// packet carrying an ICMPv6 message, whose quoted packet is one this tunnel
// sent) and appends to dst the ICMP error for the original sender, built per
// RFC 2003 §4 (IPv4 tunnel) or RFC 2473 §8 (IPv6 tunnel):
//
// IPv4 tunnel, from ICMP type/code to what the original sender gets:
//
//	3/0 network unreachable       3/0 (§4.1 MUST: code 0)
//	3/1 host unreachable          3/1
//	3/2 protocol unreachable      3/0 (the sender never used protocol 4)
//	3/3 port unreachable          not relayed (§4.1 MUST NOT)
//	3/4 fragmentation needed      3/4 with MTU less the outer header (§4.1 MUST, §5.1)
//	3/5 source route failed       not relayed (§4.1 MUST NOT)
//	3/6-15                        3/1 (as Linux: the tunnel cannot reach)
//	4 source quench               not relayed (§4.2 SHOULD NOT)
//	5 redirect                    not relayed (§4.3 MUST NOT)
//	11 time exceeded              3/1 host unreachable (§4.4 MUST)
//	12 parameter problem          12, pointer moved into the inner header,
//	                              when it points past the outer header;
//	                              otherwise not relayed (§4.5)
//
// IPv6 tunnel (RFC 2473 §8.1): Destination Unreachable, Time Exceeded (hop
// limit) and a Parameter Problem pointing at a Tunnel Encapsulation Limit of
// 0 become Destination Unreachable, address unreachable (ICMPv6 code 3; for
// an IPv4 original packet ICMP 3/1); Packet Too Big becomes Packet Too Big
// (or Fragmentation Needed) with the MTU less the tunnel headers; the rest
// are not relayed.
//
// Fragmentation Needed and Packet Too Big also update the tunnel's path MTU
// (RFC 2003 §5.1 soft state), and are relayed only when the original packet
// no longer fits and may not be fragmented: an IPv4 packet without DF is
// carried in fragments instead (RFC 1191 gives a sender without DF no use
// for the message). An MTU of 0 (routers before RFC 1191) is estimated from
// the plateau table of RFC 1191 §7.
//
// Errors: ErrNotRelayed (with the reason), ErrNotTunnel when the message
// does not quote a packet this tunnel sent to Remote, ErrTruncated when the
// quote lacks the original header and 64 bits of its data (RFC 2003 §4:
// routers quoting only 8 octets past the outer header leave nothing to
// relay), and the header checks of the ICMP packet itself.
//
// The relayed message is sent from ICMPSource4/ICMPSource6, carries as
// much of the original packet as was quoted (within 576 octets for ICMP,
// 1280 for ICMPv6) and allocates nothing when dst has room.
func (t *Tunnel) Relay(dst, pkt []byte) ([]byte, error) {
	e, err := iptun.ParseICMPError(pkt, layer)
	if err != nil {
		return dst, err
	}
	if e.V6 != t.v6 {
		return dst, errs.New(layer, "ICMP version", 0, ErrNotTunnel, "ICMP error of the other IP version than the tunnel")
	}
	if e.Dst != t.cfg.Local {
		return dst, errs.New(layer, "ICMP destination", 0, ErrNotTunnel, "ICMP error not addressed to the tunnel entry point")
	}
	q, err := iptun.ParseQuoted(e.Quoted, layer, "quoted outer", e.Offset)
	if err != nil {
		return dst, err
	}
	if q.V6 != t.v6 || q.Src != t.cfg.Local || q.Dst != t.cfg.Remote ||
		!(q.Proto == iptun.ProtoIPv4 || (t.v6 && q.Proto == iptun.ProtoIPv6)) {
		return dst, errs.New(layer, "quoted outer header", e.Offset, ErrNotTunnel, "")
	}
	origin := e.Quoted[q.HeaderLen:]
	base := e.Offset + q.HeaderLen
	o, err := iptun.ParseQuoted(origin, layer, "quoted inner", base)
	if err != nil {
		return dst, err
	}
	if o.V6 != (q.Proto == iptun.ProtoIPv6) {
		return dst, errs.New(layer, "quoted inner version", base, ErrVersion, "")
	}
	if len(origin) < o.HeaderLen+8 {
		return dst, errs.Truncated(layer, "quoted inner packet", base, o.HeaderLen+8, len(origin))
	}
	if ok, why := iptun.MayReply(&o); !ok {
		return dst, errs.New(layer, "quoted inner packet", base, ErrNotRelayed, why)
	}
	src, err := t.icmpSource(o.V6)
	if err != nil {
		return dst, err
	}
	if t.v6 {
		return t.relay6(dst, &e, &q, &o, src)
	}
	return t.relay4(dst, &e, &q, &o, src)
}

func notRelayed(off int, why string) error {
	return errs.New(layer, "ICMP type", off, ErrNotRelayed, why)
}

// relay4 is RFC 2003 §4 for an IPv4 tunnel.
func (t *Tunnel) relay4(dst []byte, e *iptun.ICMPError, q, o *iptun.Quoted, src netip.Addr) ([]byte, error) {
	off := e.Offset - 8
	id := uint16(t.state.NextID())
	switch e.Type {
	case iptun.ICMPv4DestUnreach:
		switch e.Code {
		case iptun.ICMPv4NetUnreach, iptun.ICMPv4ProtoUnreach:
			return iptun.AppendUnreachable(dst, o.Data, src, id, iptun.ICMPv4NetUnreach), nil
		case iptun.ICMPv4PortUnreach:
			return dst, notRelayed(off, "port unreachable: MUST NOT be relayed (RFC 2003 §4.1)")
		case iptun.ICMPv4SourceRouteFl:
			return dst, notRelayed(off, "source route failed: handled by the encapsulator, MUST NOT be relayed (RFC 2003 §4.1)")
		case iptun.ICMPv4FragNeeded:
			return t.relayTooBig(dst, e, q, o, src, id)
		}
		return iptun.AppendUnreachable(dst, o.Data, src, id, iptun.ICMPv4HostUnreach), nil
	case iptun.ICMPv4TimeExceeded:
		return iptun.AppendUnreachable(dst, o.Data, src, id, iptun.ICMPv4HostUnreach), nil
	case iptun.ICMPv4ParamProblem:
		ptr := e.Pointer()
		if ptr < q.HeaderLen {
			return dst, notRelayed(off, "parameter problem in the outer header the encapsulator built (RFC 2003 §4.5)")
		}
		return iptun.AppendICMPv4Error(dst, src, o.Src, id, DefaultTTL, iptun.ICMPv4ParamProblem, e.Code,
			uint32(ptr-q.HeaderLen)<<24, o.Data), nil
	case iptun.ICMPv4SourceQuench:
		return dst, notRelayed(off, "source quench: SHOULD NOT be relayed (RFC 2003 §4.2)")
	}
	return dst, notRelayed(off, "redirect: MUST NOT be relayed (RFC 2003 §4.3)")
}

// relay6 is RFC 2473 §8.1 for an IPv6 tunnel.
func (t *Tunnel) relay6(dst []byte, e *iptun.ICMPError, q, o *iptun.Quoted, src netip.Addr) ([]byte, error) {
	off := e.Offset - 8
	id := uint16(t.state.NextID())
	switch e.Type {
	case iptun.ICMPv6DestUnreach:
	case iptun.ICMPv6TimeExceeded:
		if e.Code != iptun.ICMPv6HopLimit {
			return dst, notRelayed(off, "fragment reassembly time exceeded at the tunnel exit")
		}
	case iptun.ICMPv6ParamProblem:
		if e.Code != iptun.ICMPv6ErroneousHdr || q.TELOffset < 0 || e.Pointer() != q.TELOffset || q.TEL != 0 {
			return dst, notRelayed(off, "parameter problem in the tunnel headers the entry point built (RFC 2473 §8.1)")
		}
	case iptun.ICMPv6PacketTooBig:
		return t.relayTooBig(dst, e, q, o, src, id)
	}
	return iptun.AppendUnreachable(dst, o.Data, src, id, iptun.ICMPv4HostUnreach), nil
}

// relayTooBig handles Fragmentation Needed / Packet Too Big: update the
// path MTU, and tell the original sender when its packet no longer fits
// and may not be fragmented.
func (t *Tunnel) relayTooBig(dst []byte, e *iptun.ICMPError, q, o *iptun.Quoted, src netip.Addr, id uint16) ([]byte, error) {
	mtu := e.MTU()
	if mtu == 0 && !e.V6 {
		mtu = iptun.Plateau(q.TotalLen)
	}
	t.SetPathMTU(mtu)
	inner := t.LinkMTU() - q.HeaderLen
	if o.V6 {
		inner = max(inner, iptun.MinIPv6LinkMTU)
	} else {
		inner = max(inner, iptun.IPv4MinMTU)
	}
	if o.TotalLen <= inner {
		return dst, notRelayed(e.Offset-8, "path MTU updated; the original packet fits the tunnel")
	}
	if !o.V6 && !o.DF {
		return dst, notRelayed(e.Offset-8, "path MTU updated; the original packet has DF clear and is carried in fragments")
	}
	return iptun.AppendTooBig(dst, o.Data, src, id, inner), nil
}

func (t *Tunnel) icmpSource(v6 bool) (netip.Addr, error) {
	if v6 {
		if !t.cfg.ICMPSource6.IsValid() {
			return netip.Addr{}, errs.New(layer, "ICMP source", 0, ErrNotRelayed, "no ICMPSource6 configured to send ICMPv6 from")
		}
		return t.cfg.ICMPSource6, nil
	}
	if !t.cfg.ICMPSource4.IsValid() {
		return netip.Addr{}, errs.New(layer, "ICMP source", 0, ErrNotRelayed, "no ICMPSource4 configured to send ICMP from")
	}
	return t.cfg.ICMPSource4, nil
}

// Reply appends to dst the ICMP error that Encapsulate's failure on inner
// calls for, addressed to inner's sender:
//
//   - *TooBigError: Fragmentation Needed with the tunnel MTU (RFC 2003
//     §5.1, RFC 1191) or Packet Too Big (RFC 2473 §7.1);
//   - ErrTTL: Time Exceeded (RFC 2003 §3.1 SHOULD);
//   - ErrEncapLimit: ICMPv6 Parameter Problem, code 0, pointing at the
//     Tunnel Encapsulation Limit octet (RFC 2473 §4.1.1).
//
// Other errors call for no ICMP message (ErrNotRelayed), nor do packets
// RFC 1122 §3.2.2 exempts (ICMP errors, non-first fragments, sources naming
// no single node).
func (t *Tunnel) Reply(dst, inner []byte, cause error) ([]byte, error) {
	o, err := iptun.ParseQuoted(inner, layer, "inner", 0)
	if err != nil {
		return dst, err
	}
	if ok, why := iptun.MayReply(&o); !ok {
		return dst, errs.New(layer, "inner packet", 0, ErrNotRelayed, why)
	}
	src, err := t.icmpSource(o.V6)
	if err != nil {
		return dst, err
	}
	id := uint16(t.state.NextID())
	if tb, ok := errors.AsType[*TooBigError](cause); ok {
		return iptun.AppendTooBig(dst, inner, src, id, tb.MTU), nil
	}
	switch {
	case errors.Is(cause, ErrTTL):
		return iptun.AppendTimeExceeded(dst, inner, src, id), nil
	case errors.Is(cause, ErrEncapLimit) && o.V6 && o.TELOffset >= 0:
		return iptun.AppendICMPv6Error(dst, src, o.Src, DefaultTTL, iptun.ICMPv6ParamProblem, iptun.ICMPv6ErroneousHdr,
			uint32(o.TELOffset), inner), nil
	}
	return dst, errs.New(layer, "cause", 0, ErrNotRelayed, "this error calls for no ICMP message")
}
