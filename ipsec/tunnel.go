package ipsec

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// ECN codepoints (RFC 3168 §5), internal/iptun's, which ipip and sit use.
const (
	ECNNotECT = uint8(iptun.NotECT)
	ECNECT1   = uint8(iptun.ECT1)
	ECNECT0   = uint8(iptun.ECT0)
	ECNCE     = uint8(iptun.CE)
)

// ECNMode is how a tunnel sets the outer ECN field (RFC 6040 §4.1): the
// type of packages ipip and sit.
type ECNMode = iptun.ECNMode

// ECN modes.
const (
	ECNNormal = iptun.ECNNormal        // copy the inner ECN field to the outer header (the default)
	ECNCompat = iptun.ECNCompatibility // compatibility mode: the outer header is Not-ECT
)

// DFMode is how an IPv4 outer header's DF bit is set (RFC 4301 §8.1).
type DFMode uint8

// DF modes.
const (
	DFCopy  DFMode = iota // copy DF from an IPv4 inner header, set it for IPv6 inner (the default)
	DFSet                 // always set DF
	DFClear               // never set DF
)

// Tunnel describes the outer IP header tunnel mode puts in front of ESP or
// AH (RFC 4301 §5.1.2) and, for ESP behind NAT, the UDP header of RFC 3948.
// The header follows RFC 4301 §5.1.2.1 and RFC 6040, built with the rules
// and header writers the ipip and sit packages share (internal/iptun). A
// Tunnel is safe for concurrent use once set up; it must not be copied after
// first use.
type Tunnel struct {
	Src, Dst netip.Addr // outer addresses, both IPv4 or both IPv6
	TTL      uint8      // TTL or hop limit; 0 means 64
	// DSCP is copied from the inner header unless SetDSCP is true, in
	// which case DSCP is written instead.
	SetDSCP bool
	DSCP    uint8
	ECN     ECNMode
	DF      DFMode
	// FlowLabel for an IPv6 outer header.
	FlowLabel uint32
	// UDPSrcPort and UDPDstPort, when UDPDstPort is non-zero, put ESP in
	// UDP (RFC 3948 §2.1, normally 4500 both). The UDP checksum is zero
	// over IPv4 (RFC 3948 §2.1: SHOULD) and computed over IPv6.
	UDPSrcPort, UDPDstPort uint16

	state iptun.State // the IPv4 Identification counter
}

func (t *Tunnel) version() (int, error) {
	switch {
	case t.Src.Is4() && t.Dst.Is4():
		return 4, nil
	case t.Src.Is6() && t.Dst.Is6() && !t.Src.Is4In6() && !t.Dst.Is4In6():
		return 6, nil
	}
	return 0, errs.New("ipsec", "tunnel addresses", 0, errs.ErrMalformed, "Src and Dst must both be IPv4 or both IPv6")
}

func (t *Tunnel) headerLen(version int) int {
	n := 20
	if version == 6 {
		n = 40
	}
	if t.UDPDstPort != 0 {
		n += 8
	}
	return n
}

// innerInfo is what the outer header takes from the inner packet.
type innerInfo struct {
	version int               // of the outer header
	tos     uint8             // inner TOS / traffic class
	df      bool              // inner DF (true for IPv6, which routers never fragment)
	proto   layers.IPProtocol // 4 or 41
}

// inner checks the tunnel's addresses and reads the inner packet's header.
func (t *Tunnel) inner(inner []byte) (innerInfo, error) {
	v, err := t.version()
	if err != nil {
		return innerInfo{}, err
	}
	iv, err := ipVersion(inner)
	if err != nil {
		return innerInfo{}, err
	}
	if iv == 4 {
		h := iptun.IPv4(inner)
		return innerInfo{v, h.TOS(), h.DF(), layers.IPProtocolIPv4}, nil
	}
	return innerInfo{v, iptun.IPv6(inner).TrafficClass(), true, layers.IPProtocolIPv6}, nil
}

// writeHeader fills the outer IP (and UDP) header at h, in front of the ESP
// or AH that follows, for an outer packet of total octets: DSCP copied or
// set (RFC 4301 §5.1.2.1), ECN by RFC 6040 §4.1, DF copied, set or cleared.
func (t *Tunnel) writeHeader(h []byte, in innerInfo, proto layers.IPProtocol, total int) error {
	ttl := t.TTL
	if ttl == 0 {
		ttl = iptun.DefaultTTL
	}
	dscp := iptun.DSCPCopy
	if t.SetDSCP {
		dscp = iptun.DSCPFixed
	}
	tos := iptun.OuterTOS(in.tos, dscp, t.DSCP, t.ECN)
	ipProto := uint8(proto)
	if t.UDPDstPort != 0 {
		ipProto = uint8(layers.IPProtocolUDP)
	}
	ipLen := iptun.IPv4HeaderLen
	if in.version == 4 {
		if total > 0xffff {
			return errs.New("ipsec", "tunnel", 0, errs.ErrTooLarge, "packet exceeds 65535 octets")
		}
		df := in.df
		switch t.DF {
		case DFSet:
			df = true
		case DFClear:
			df = false
		}
		var id uint16
		if !df {
			id = uint16(t.state.NextID()) // with DF set, an atomic datagram: RFC 6864 lets its ID be anything
		}
		hdr := iptun.Header4{TOS: tos, ID: id, DF: df, TTL: ttl, Protocol: ipProto, Src: t.Src.As4(), Dst: t.Dst.As4()}
		hdr.Put(h, total, 0, false)
	} else {
		ipLen = iptun.IPv6HeaderLen
		if total-ipLen > 0xffff {
			return errs.New("ipsec", "tunnel", 0, errs.ErrTooLarge, "payload exceeds 65535 octets")
		}
		hdr := iptun.Header6{TrafficClass: tos, FlowLabel: t.FlowLabel, HopLimit: ttl, Src: t.Src.As16(), Dst: t.Dst.As16(),
			NextHeader: ipProto, EncapLimit: -1}
		hdr.Put(h, total-ipLen)
	}
	if t.UDPDstPort != 0 {
		writeUDP(h[ipLen:ipLen+8], h[ipLen:total], t.Src, t.Dst, t.UDPSrcPort, t.UDPDstPort, in.version)
	}
	return nil
}

// writeUDP fills the UDP header u at the front of seg (header and payload):
// zero checksum over IPv4 (RFC 3948 §2.1), the real one over IPv6.
func writeUDP(u, seg []byte, src, dst netip.Addr, sport, dport uint16, version int) {
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(len(seg)))
	u[6], u[7] = 0, 0
	if version == 6 {
		c := checksum.Checksum(seg, checksum.PseudoHeader(src, dst, 17, len(seg)))
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(u[6:], c)
	}
}

// SealTunnel appends to dst a tunnel-mode packet: t's outer IP header (and
// UDP header for NAT traversal), then ESP carrying the whole inner IP
// packet (RFC 4303 §3.1.2). The outer DSCP and ECN follow RFC 4301
// §5.1.2.1 and RFC 6040 §4.1. It allocates nothing when dst has room.
func (sa *OutboundESP) SealTunnel(dst, inner []byte, t *Tunnel) ([]byte, error) {
	in, err := t.inner(inner)
	if err != nil {
		return dst, err
	}
	base := len(dst)
	ret, _ := sliceForAppend(dst, t.headerLen(in.version))
	ret, err = sa.Seal(ret, in.proto, inner)
	if err != nil {
		return dst, err
	}
	if err := t.writeHeader(ret[base:], in, layers.IPProtocolESP, len(ret)-base); err != nil {
		return dst, err
	}
	return ret, nil
}

// UDPPorts puts transport-mode ESP in UDP (RFC 3948 §2.1).
type UDPPorts struct{ Src, Dst uint16 }

// SealTransport appends to dst the IP packet ipPacket with its payload
// protected by ESP in transport mode (RFC 4303 §3.1.1): the ESP header goes
// after the IPv4 header, or in IPv6 after hop-by-hop, routing and the
// destination options that precede routing; protocol, lengths and the IPv4
// checksum are fixed. With udp non-nil ESP rides in UDP (RFC 3948).
func (sa *OutboundESP) SealTransport(dst, ipPacket []byte, udp *UDPPorts) ([]byte, error) {
	h, err := insertionPoint(ipPacket)
	if err != nil {
		return dst, err
	}
	end := h.end
	ul := 0
	if udp != nil {
		ul = 8
	}
	nh := layers.IPProtocol(ipPacket[h.protoOff])
	base := len(dst)
	ret, out := sliceForAppend(dst, h.off+ul)
	copy(out, ipPacket[:h.off])
	ret, err = sa.Seal(ret, nh, ipPacket[h.off:end])
	if err != nil {
		return dst, err
	}
	pkt := ret[base:]
	if udp != nil {
		pkt[h.protoOff] = byte(layers.IPProtocolUDP)
		src, dstAddr := ipAddrs(pkt, h.version)
		writeUDP(pkt[h.off:h.off+8], pkt[h.off:], src, dstAddr, udp.Src, udp.Dst, h.version)
	} else {
		pkt[h.protoOff] = byte(layers.IPProtocolESP)
	}
	if err := fixIPHeader(pkt, h.version); err != nil {
		return dst, err
	}
	return ret, nil
}

func ipAddrs(pkt []byte, version int) (src, dst netip.Addr) {
	if version == 4 {
		return netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
	}
	return netip.AddrFrom16([16]byte(pkt[8:24])), netip.AddrFrom16([16]byte(pkt[24:40]))
}

// locateESP finds ESP in an IP packet: directly (protocol 50) or in UDP with
// port 4500 at either end and a non-zero SPI (RFC 3948).
func locateESP(pkt []byte) (h ipHeader, espOff, end int, err error) {
	h, found, err := findHeader(pkt, byte(ProtoESP))
	if err != nil {
		return h, 0, 0, err
	}
	if end, err = ipPayloadEnd(pkt, h.version); err != nil {
		return h, 0, 0, err
	}
	if found {
		return h, h.off, end, nil
	}
	if pkt[h.protoOff] == byte(layers.IPProtocolUDP) && h.off+8+ESPHeaderLen <= end {
		u := pkt[h.off:]
		sport, dport := binary.BigEndian.Uint16(u), binary.BigEndian.Uint16(u[2:])
		if (sport == NATTPort || dport == NATTPort) && binary.BigEndian.Uint32(u[8:]) != 0 {
			return h, h.off + 8, end, nil
		}
	}
	return h, 0, 0, errESPNotFound
}

// OpenTransport opens a transport-mode packet (ESP directly after the IP
// headers, or in UDP port 4500) and appends to dst the IP packet with ESP
// (and UDP) removed, its next header restored and lengths and IPv4
// checksum fixed. A dummy packet gives ErrDummyPacket.
func (sa *InboundESP) OpenTransport(dst, pkt []byte) ([]byte, error) {
	h, espOff, end, err := locateESP(pkt)
	if err != nil {
		return dst, err
	}
	base := len(dst)
	ret, out := sliceForAppend(dst, h.off)
	copy(out, pkt[:h.off])
	o, err := sa.Open(ret, pkt[espOff:end])
	if err != nil {
		return dst, err
	}
	if o.Dummy() {
		return dst, ErrDummyPacket
	}
	res := o.Data[base:]
	res[h.protoOff] = byte(o.NextHeader)
	if err := fixIPHeader(res, h.version); err != nil {
		return dst, err
	}
	return o.Data, nil
}

// OpenTunnel opens a tunnel-mode packet (outer IP, optional UDP 4500, ESP)
// and appends to dst the inner IP packet, trimmed of TFC padding, with its
// ECN field combined with the outer one as RFC 6040 §4.2 says (and its IPv4
// checksum updated). Outer CE on a Not-ECT inner packet gives ErrECNDrop; a
// dummy packet gives ErrDummyPacket.
func (sa *InboundESP) OpenTunnel(dst, pkt []byte) ([]byte, error) {
	h, espOff, end, err := locateESP(pkt)
	if err != nil {
		return dst, err
	}
	tos := outerTOS(pkt, h.version)
	o, err := sa.Open(dst, pkt[espOff:end])
	if err != nil {
		return dst, err
	}
	return finishTunnel(dst, o.Data, o.Payload, o.NextHeader, tos)
}

func outerTOS(pkt []byte, version int) uint8 {
	if version == 4 {
		return iptun.IPv4(pkt).TOS()
	}
	return iptun.IPv6(pkt).TrafficClass()
}

// finishTunnel checks the inner packet of a tunnel, trims it to its own
// length (dropping TFC padding) and applies the egress rules of RFC 4301
// §5.1.2.1: the inner DSCP is kept, ECN combined per RFC 6040 §4.2.
func finishTunnel(dst, data, inner []byte, nh layers.IPProtocol, outerTOS uint8) ([]byte, error) {
	switch nh {
	case NoNextHeader:
		return dst, ErrDummyPacket
	case layers.IPProtocolIPv4, layers.IPProtocolIPv6:
	default:
		return dst, errTunnelProtocol
	}
	var in iptun.Inner
	if err := iptun.ParseInner(&in, inner, uint8(nh), false, "ipsec", 0); err != nil {
		return dst, err
	}
	if in.Decap(outerTOS, false) == iptun.ECNDrop {
		return dst, errECNDrop
	}
	in.Apply()
	return data[:len(dst)+len(in.Packet)], nil
}

// DecapECN returns the inner ECN codepoint after decapsulation (RFC 6040
// §4.2, Figure 4), or ok false when the packet must be dropped.
func DecapECN(outer, inner uint8) (ecn uint8, ok bool) {
	e, v := iptun.DecapECN(iptun.ECN(inner), iptun.ECN(outer))
	return uint8(e), v != iptun.ECNDrop
}

// SealTunnel appends to dst a tunnel-mode AH packet: t's outer IP header,
// AH, then the inner IP packet (RFC 4302 §3.1.2). UDP encapsulation does
// not apply to AH.
func (sa *OutboundAH) SealTunnel(dst, inner []byte, t *Tunnel) ([]byte, error) {
	if t.UDPDstPort != 0 {
		return dst, errs.New("ah", "tunnel", 0, errs.ErrUnsupported, "AH cannot be UDP-encapsulated (RFC 3948 covers ESP only)")
	}
	in, err := t.inner(inner)
	if err != nil {
		return dst, err
	}
	hl := t.headerLen(in.version)
	n := sa.eng.ahLen(in.version)
	base := len(dst)
	ret, out := sliceForAppend(dst, hl+n+len(inner))
	copy(out[hl+n:], inner)
	if err := t.writeHeader(out, in, layers.IPProtocolAH, len(out)); err != nil {
		return dst, err
	}
	out[hl], out[hl+1], out[hl+2], out[hl+3] = byte(in.proto), byte(n/4-2), 0, 0
	if err := sa.SealInPlace(ret[base:], hl); err != nil {
		return dst, err
	}
	return ret, nil
}

// OpenTunnel verifies a tunnel-mode AH packet and appends to dst the inner
// IP packet with RFC 6040 ECN decapsulation applied.
func (sa *InboundAH) OpenTunnel(dst, pkt []byte) ([]byte, error) {
	v, err := sa.Verify(pkt)
	if err != nil {
		return dst, err
	}
	ret, out := sliceForAppend(dst, len(v.Payload))
	copy(out, v.Payload)
	return finishTunnel(dst, ret, out, v.NextHeader, outerTOS(pkt, v.Version))
}
