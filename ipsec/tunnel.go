package ipsec

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"

	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// ECN codepoints (RFC 3168 §5).
const (
	ECNNotECT = 0
	ECNECT1   = 1
	ECNECT0   = 2
	ECNCE     = 3
)

// ECNMode is how a tunnel sets the outer ECN field (RFC 6040 §4.1).
type ECNMode uint8

// ECN modes.
const (
	ECNNormal ECNMode = iota // copy the inner ECN field to the outer header (the default)
	ECNCompat                // compatibility mode: the outer header is Not-ECT
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
// Its own builder follows the rules of RFC 4301 §5.1.2.1 and RFC 6040 (to be
// unified with the ipip package later). A Tunnel is safe for concurrent use
// once set up; it must not be copied after first use.
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

	id atomic.Uint32
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
		return innerInfo{v, inner[1], inner[6]&0x40 != 0, layers.IPProtocolIPv4}, nil
	}
	return innerInfo{v, inner[0]<<4 | inner[1]>>4, true, layers.IPProtocolIPv6}, nil
}

// writeHeader fills the outer IP (and UDP) header at h, in front of
// payloadLen octets of ESP or AH starting at h[t.headerLen():].
func (t *Tunnel) writeHeader(h []byte, in innerInfo, proto layers.IPProtocol, total int) error {
	version, tos, innerDF := in.version, in.tos, in.df
	ttl := t.TTL
	if ttl == 0 {
		ttl = 64
	}
	dscp := tos &^ 3
	if t.SetDSCP {
		dscp = t.DSCP << 2
	}
	ecn := tos & 3
	if t.ECN == ECNCompat {
		ecn = ECNNotECT
	}
	ipProto := byte(proto)
	if t.UDPDstPort != 0 {
		ipProto = byte(layers.IPProtocolUDP)
	}
	ipLen := 20
	if version == 4 {
		if total > 0xffff {
			return errs.New("ipsec", "tunnel", 0, errs.ErrTooLarge, "packet exceeds 65535 octets")
		}
		df := innerDF
		switch t.DF {
		case DFSet:
			df = true
		case DFClear:
			df = false
		}
		h[0], h[1] = 0x45, dscp|ecn
		binary.BigEndian.PutUint16(h[2:], uint16(total))
		var id uint16
		var flags byte
		if df {
			flags = 0x40 // an atomic datagram: RFC 6864 lets its ID be anything
		} else {
			id = uint16(t.id.Add(1))
		}
		binary.BigEndian.PutUint16(h[4:], id)
		h[6], h[7], h[8], h[9] = flags, 0, ttl, ipProto
		h[10], h[11] = 0, 0
		s, d := t.Src.As4(), t.Dst.As4()
		copy(h[12:16], s[:])
		copy(h[16:20], d[:])
		binary.BigEndian.PutUint16(h[10:], checksum.Checksum(h[:20], 0))
	} else {
		ipLen = 40
		if total-40 > 0xffff {
			return errs.New("ipsec", "tunnel", 0, errs.ErrTooLarge, "payload exceeds 65535 octets")
		}
		tc := dscp | ecn
		binary.BigEndian.PutUint32(h[0:], 6<<28|uint32(tc)<<20|t.FlowLabel&0xfffff)
		binary.BigEndian.PutUint16(h[4:], uint16(total-40))
		h[6], h[7] = ipProto, ttl
		s, d := t.Src.As16(), t.Dst.As16()
		copy(h[8:24], s[:])
		copy(h[24:40], d[:])
	}
	if t.UDPDstPort != 0 {
		writeUDP(h[ipLen:ipLen+8], h[ipLen:total], t.Src, t.Dst, t.UDPSrcPort, t.UDPDstPort, version)
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
	outerECN := outerECNOf(pkt, h.version)
	o, err := sa.Open(dst, pkt[espOff:end])
	if err != nil {
		return dst, err
	}
	return finishTunnel(dst, o.Data, o.Payload, o.NextHeader, outerECN)
}

func outerECNOf(pkt []byte, version int) uint8 {
	if version == 4 {
		return pkt[1] & 3
	}
	return pkt[1] >> 4 & 3
}

// finishTunnel checks the inner packet of a tunnel, trims it to its own
// length and applies RFC 6040 decapsulation.
func finishTunnel(dst, data, inner []byte, nh layers.IPProtocol, outerECN uint8) ([]byte, error) {
	switch nh {
	case NoNextHeader:
		return dst, ErrDummyPacket
	case layers.IPProtocolIPv4, layers.IPProtocolIPv6:
	default:
		return dst, errTunnelProtocol
	}
	v, err := ipVersion(inner)
	if err != nil {
		return dst, err
	}
	if (v == 4) != (nh == layers.IPProtocolIPv4) {
		return dst, errTunnelProtocol
	}
	n, err := ipPayloadEnd(inner, v)
	if err != nil {
		return dst, err
	}
	inner = inner[:n]
	if !decapECN(inner, v, outerECN) {
		return dst, ErrECNDrop
	}
	return data[:len(dst)+n], nil
}

// DecapECN returns the inner ECN codepoint after decapsulation (RFC 6040
// §4.2, Figure 4), or ok false when the packet must be dropped.
func DecapECN(outer, inner uint8) (ecn uint8, ok bool) {
	switch {
	case inner == ECNNotECT:
		return ECNNotECT, outer != ECNCE
	case inner == ECNCE || outer == ECNCE:
		return ECNCE, true
	case outer == ECNECT1:
		return ECNECT1, true
	}
	return inner, true
}

// decapECN rewrites the inner header's ECN field in place.
func decapECN(inner []byte, version int, outer uint8) bool {
	var cur uint8
	if version == 4 {
		cur = inner[1] & 3
	} else {
		cur = inner[1] >> 4 & 3
	}
	ecn, ok := DecapECN(outer, cur)
	if !ok {
		return false
	}
	if ecn == cur {
		return true
	}
	if version == 4 {
		old := binary.BigEndian.Uint16(inner[0:2])
		inner[1] = inner[1]&^3 | ecn
		binary.BigEndian.PutUint16(inner[10:], checksum.Update(binary.BigEndian.Uint16(inner[10:]), old, binary.BigEndian.Uint16(inner[0:2])))
	} else {
		inner[1] = inner[1]&^0x30 | ecn<<4
	}
	return true
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
	return finishTunnel(dst, ret, out, v.NextHeader, outerECNOf(pkt, v.Version))
}
