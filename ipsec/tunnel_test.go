package ipsec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/ipip"
)

// TestDecapECN is RFC 6040 §4.2, Figure 4, cell by cell.
func TestDecapECN(t *testing.T) {
	const drop = 0xff
	names := []string{"Not-ECT", "ECT(1)", "ECT(0)", "CE"}
	// want[inner][outer]
	want := [4][4]uint8{
		ECNNotECT: {ECNNotECT: ECNNotECT, ECNECT1: ECNNotECT, ECNECT0: ECNNotECT, ECNCE: drop},
		ECNECT1:   {ECNNotECT: ECNECT1, ECNECT1: ECNECT1, ECNECT0: ECNECT1, ECNCE: ECNCE},
		ECNECT0:   {ECNNotECT: ECNECT0, ECNECT1: ECNECT1, ECNECT0: ECNECT0, ECNCE: ECNCE},
		ECNCE:     {ECNNotECT: ECNCE, ECNECT1: ECNCE, ECNECT0: ECNCE, ECNCE: ECNCE},
	}
	for inner := range uint8(4) {
		for outer := range uint8(4) {
			got, ok := DecapECN(outer, inner)
			if want[inner][outer] == drop {
				require.False(t, ok, "inner %s outer %s must drop", names[inner], names[outer])
				continue
			}
			require.True(t, ok)
			require.Equal(t, want[inner][outer], got, "inner %s outer %s", names[inner], names[outer])
		}
	}
}

// udpSeg is a UDP datagram (port 4660 to 9, "hello"); setUDPChecksum fills
// in its checksum once it sits in a packet.
var udpSeg = []byte("\x12\x34\x00\x09\x00\x0d\x00\x00hello")

// setUDPChecksum computes the checksum of the UDP datagram in an IP packet.
func setUDPChecksum(t testing.TB, p []byte) {
	h, found, err := findHeader(p, 17)
	if err != nil || !found {
		return // a fragment keeps its checksum as it is
	}
	u := p[h.off:]
	u[6], u[7] = 0, 0
	src, dst := ipAddrs(p, h.version)
	c := checksum.Checksum(u, checksum.PseudoHeader(src, dst, 17, len(u)))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:], c)
}

func ipv6Packet(t testing.TB, nh byte, ext, payload []byte) []byte {
	p := make([]byte, 40, 40+len(ext)+len(payload))
	p[0], p[6], p[7] = 0x60, nh, 64
	a := netip.MustParseAddr("2001:db8::1").As16()
	b := netip.MustParseAddr("2001:db8::2").As16()
	copy(p[8:], a[:])
	copy(p[24:], b[:])
	p = append(append(p, ext...), payload...)
	require.NoError(t, fixIPHeader(p, 6))
	setUDPChecksum(t, p)
	return p
}

// udpPacket is an IPv4 or IPv6 UDP datagram with a valid checksum and the
// given TOS / traffic class and DF.
func udpPacket(t testing.TB, v6 bool, tos uint8, df bool) []byte {
	payload := udpSeg
	var p []byte
	if v6 {
		p = ipv6Packet(t, 17, nil, payload)
		p[0], p[1] = 0x60|tos>>4, tos<<4
	} else {
		p = ipv4Packet(t, 17, payload)
		p[1] = tos
		if df {
			p[6] = 0x40
		}
		require.NoError(t, fixIPHeader(p, 4))
	}
	return p
}

func tos(p []byte) uint8 {
	if p[0]>>4 == 4 {
		return p[1]
	}
	return p[0]<<4 | p[1]>>4
}

func TestTunnelModeRoundTrips(t *testing.T) {
	outer4 := func() *Tunnel {
		return &Tunnel{Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("198.51.100.2")}
	}
	outer6 := func() *Tunnel {
		return &Tunnel{Src: netip.MustParseAddr("2001:db8:1::1"), Dst: netip.MustParseAddr("2001:db8:1::2"), FlowLabel: 0x12345}
	}
	for _, oc := range []struct {
		name string
		t    func() *Tunnel
	}{{"IPv4 outer", outer4}, {"IPv6 outer", outer6}} {
		for _, v6 := range []bool{false, true} {
			for _, udp := range []bool{false, true} {
				for _, c := range []Config{
					{SPI: 0x300, Encr: EncrAESGCM16, EncrKey: key(20, 1)},
					{SPI: 0x301, Encr: EncrAESCBC, EncrKey: key(16, 1), Integ: IntegHMACSHA2256128, IntegKey: key(32, 2)},
				} {
					t.Run(fmt.Sprintf("%s/inner v6=%v/udp=%v/%v", oc.name, v6, udp, c.Encr), func(t *testing.T) {
						tun := oc.t()
						if udp {
							tun.UDPSrcPort, tun.UDPDstPort = 4500, 4500
						}
						tx, rx := pair(t, c)
						inner := udpPacket(t, v6, 0xb8|ECNECT0, true) // EF, ECT(0)
						pkt, err := tx.SealTunnel([]byte{0xee}, inner, tun)
						require.NoError(t, err)
						require.Equal(t, byte(0xee), pkt[0])
						pkt = pkt[1:]
						first := layers.LayerTypeIPv4
						if tun.Src.Is6() {
							first = layers.LayerTypeIPv6
						}
						gp := gopacket.NewPacket(pkt, first, gopacket.Default)
						require.Nil(t, gp.ErrorLayer())
						require.NotNil(t, gp.Layer(LayerTypeESP))
						require.Equal(t, udp, gp.Layer(LayerTypeUDPEncap) != nil)
						require.Equal(t, uint8(0xb8|ECNECT0), tos(pkt), "DSCP and ECN copied (RFC 4301 §5.1.2.1, RFC 6040 normal mode)")
						if first == layers.LayerTypeIPv4 {
							require.Zero(t, checksum.Checksum(pkt[:20], 0))
							require.Equal(t, byte(0x40), pkt[6], "DF copied from the inner header")
						} else if udp {
							u := gp.Layer(layers.LayerTypeUDP).(*layers.UDP)
							require.NotZero(t, u.Checksum)
							src, dst := tun.Src, tun.Dst
							require.Zero(t, checksum.Checksum(pkt[40:], checksum.PseudoHeader(src, dst, 17, len(pkt)-40)))
						}
						got, err := rx.OpenTunnel(nil, pkt)
						require.NoError(t, err)
						require.Equal(t, inner, got)

						// A router marks CE on the outer header: the inner packet
						// becomes CE with a valid checksum (RFC 6040 §4.2).
						tx2, rx2 := pair(t, c)
						pkt, _ = tx2.SealTunnel(nil, inner, tun)
						markCE(pkt)
						got, err = rx2.OpenTunnel(nil, pkt)
						require.NoError(t, err)
						require.Equal(t, uint8(ECNCE), tos(got)&3)
						if !v6 {
							require.Zero(t, checksum.Checksum(got[:20], 0))
						}
						// A Not-ECT inner packet under outer CE must be dropped.
						tx3, rx3 := pair(t, c)
						plain := udpPacket(t, v6, 0, false)
						pkt, _ = tx3.SealTunnel(nil, plain, tun)
						require.Equal(t, uint8(0), tos(pkt)&3)
						markCE(pkt)
						_, err = rx3.OpenTunnel(nil, pkt)
						require.ErrorIs(t, err, ErrECNDrop)
					})
				}
			}
		}
	}
}

func markCE(pkt []byte) {
	if pkt[0]>>4 == 4 {
		pkt[1] |= ECNCE
		pkt[10], pkt[11] = 0, 0
		binary.BigEndian.PutUint16(pkt[10:], checksum.Checksum(pkt[:20], 0))
		return
	}
	pkt[1] |= ECNCE << 4
}

func TestTunnelOptions(t *testing.T) {
	c := Config{SPI: 0x310, Encr: EncrAESGCM16, EncrKey: key(20, 1)}
	inner := udpPacket(t, false, 0x28|ECNECT1, false)
	tun := &Tunnel{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"),
		ECN: ECNCompat, SetDSCP: true, DSCP: 10, DF: DFSet, TTL: 9}
	tx, rx := pair(t, c)
	pkt, err := tx.SealTunnel(nil, inner, tun)
	require.NoError(t, err)
	require.Equal(t, uint8(10<<2), pkt[1], "DSCP set, ECN compatibility mode (Not-ECT)")
	require.Equal(t, byte(0x40), pkt[6])
	require.Equal(t, byte(9), pkt[8])
	got, err := rx.OpenTunnel(nil, pkt)
	require.NoError(t, err)
	require.Equal(t, inner, got, "Not-ECT outer leaves the inner ECN alone")

	// TFC padding after the inner packet is trimmed by its own length.
	tx, rx = pair(t, c)
	esp, err := tx.SealTFC(nil, layers.IPProtocolIPv4, inner, 100)
	require.NoError(t, err)
	outer := append(append([]byte{}, inner[:20]...), esp...)
	outer[9] = byte(ProtoESP)
	require.NoError(t, fixIPHeader(outer, 4))
	got, err = rx.OpenTunnel(nil, outer)
	require.NoError(t, err)
	require.Equal(t, inner, got)

	_, err = tx.SealTunnel(nil, inner, &Tunnel{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("2001:db8::1")})
	require.ErrorIs(t, err, ErrMalformed)
}

// ipv4WithOptions is an IPv4 packet with Router Alert (immutable), a
// Timestamp (mutable) and End of Options List padding.
func ipv4WithOptions(t testing.TB, payload []byte) []byte {
	opts := []byte{148, 4, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0}
	p := make([]byte, 20+len(opts))
	p[0], p[8], p[9] = 0x40|byte(len(p)/4), 64, 17
	copy(p[12:], []byte{192, 0, 2, 1})
	copy(p[16:], []byte{192, 0, 2, 2})
	copy(p[20:], opts)
	p = append(p, payload...)
	require.NoError(t, fixIPHeader(p, 4))
	setUDPChecksum(t, p)
	return p
}

// ipv6WithExtensions has hop-by-hop options (a router alert, which may not
// change, and an experimental option 0x3e with the may-change bit), then
// destination options, then UDP.
func ipv6WithExtensions(t testing.TB) []byte {
	hbh := []byte{60, 1, 0x05, 2, 0, 0, 0x3e, 4, 1, 2, 3, 4, 1, 0, 0, 0}
	dst := []byte{17, 0, 0x1e, 4, 9, 9, 9, 9}
	return ipv6Packet(t, 0, append(hbh, dst...), udpSeg)
}

func TestTransportModeRoundTrips(t *testing.T) {
	for _, mk := range []struct {
		name string
		pkt  func(testing.TB) []byte
		// where ESP/AH must be inserted
		at int
	}{
		{"IPv4 with options", func(t testing.TB) []byte { return ipv4WithOptions(t, udpSeg) }, 32},
		{"IPv6 with hop-by-hop and destination options", ipv6WithExtensions, 64},
	} {
		t.Run(mk.name, func(t *testing.T) {
			orig := mk.pkt(t)
			for _, udp := range []*UDPPorts{nil, {4500, 4500}} {
				tx, rx := pair(t, Config{SPI: 0x400, Encr: EncrAESGCM16, EncrKey: key(20, 1)})
				pkt, err := tx.SealTransport(nil, orig, udp)
				require.NoError(t, err)
				_, espOff, _, err := locateESP(pkt)
				require.NoError(t, err)
				if udp == nil {
					require.Equal(t, mk.at, espOff, "ESP inserted after the unfragmentable headers")
				} else {
					require.Equal(t, mk.at+8, espOff, "UDP, then ESP")
				}
				got, err := rx.OpenTransport(nil, pkt)
				require.NoError(t, err)
				require.Equal(t, orig, got)
				first := layers.LayerTypeIPv4
				if orig[0]>>4 == 6 {
					first = layers.LayerTypeIPv6
				}
				gp := gopacket.NewPacket(pkt, first, gopacket.Default)
				require.NotNil(t, gp.Layer(LayerTypeESP), "%v", gp)
			}
			// AH over the same packet, every HMAC and AES-GMAC, with ESN.
			for _, c := range []Config{
				{SPI: 0x500, Integ: IntegHMACSHA196, IntegKey: key(20, 1)},
				{SPI: 0x501, Integ: IntegHMACSHA2256128, IntegKey: key(32, 1), ESN: true, Seq: 1<<32 - 1},
				{SPI: 0x502, Integ: IntegHMACSHA2384192, IntegKey: key(48, 1)},
				{SPI: 0x503, Integ: IntegHMACSHA2512256, IntegKey: key(64, 1)},
				{SPI: 0x504, Integ: IntegAES128GMAC, IntegKey: key(20, 1)},
				{SPI: 0x505, Integ: IntegAES192GMAC, IntegKey: key(28, 1), ESN: true, Seq: 1<<32 - 1},
				{SPI: 0x506, Integ: IntegAES256GMAC, IntegKey: key(36, 1)},
			} {
				tx, err := NewOutboundAH(c)
				require.NoError(t, err)
				rx, err := NewInboundAH(c)
				require.NoError(t, err)
				pkt, err := tx.SealTransport(nil, orig)
				require.NoError(t, err, "%v", c.Integ)
				v, err := rx.Verify(pkt)
				require.NoError(t, err, "%v", c.Integ)
				require.Equal(t, mk.at, v.Offset)
				require.Zero(t, v.Len%map[int]int{4: 4, 6: 8}[v.Version], "AH aligned to 32/64 bits")
				// Mutable fields change en route and the ICV still holds.
				routed := bytes.Clone(pkt)
				if v.Version == 4 {
					routed[8]--           // TTL
					routed[1] = 0x2a      // TOS
					routed[6] = 0x40      // DF set by a router
					routed[20+4+2] = 0x99 // timestamp pointer (a mutable option)
					routed[10], routed[11] = 0, 0
					binary.BigEndian.PutUint16(routed[10:], checksum.Checksum(routed[:32], 0))
				} else {
					routed[7]--       // hop limit
					routed[1] ^= 0x5f // traffic class and flow label
					routed[40+8] = 9  // data of the may-change option 0x3e
				}
				rx2, _ := NewInboundAH(c)
				_, err = rx2.Verify(routed)
				require.NoError(t, err, "%v: mutable fields", c.Integ)
				// An immutable option is covered.
				bad := bytes.Clone(pkt)
				if v.Version == 4 {
					bad[22] = 1 // router alert value
				} else {
					bad[40+4] = 1 // router alert value
				}
				rx3, _ := NewInboundAH(c)
				_, err = rx3.Verify(bad)
				require.ErrorIs(t, err, ErrAuthentication, "%v", c.Integ)
				back, err := rx.OpenTransport(nil, pkt)
				require.ErrorIs(t, err, ErrReplay, "already verified")
				_ = back
				rx4, _ := NewInboundAH(c)
				back, err = rx4.OpenTransport(nil, pkt)
				require.NoError(t, err)
				require.Equal(t, orig, back)
			}
		})
	}
}

// TestAHRoutingHeaderPredicted sends an IPv6 packet through two
// intermediate nodes with a type 0 routing header: the sender covers the
// header as it will look at the destination (RFC 4302 Appendix A2), each
// hop rewrites it, and the receiver's ICV matches. The same for IPv4 loose
// source routing.
func TestAHRoutingHeaderPredicted(t *testing.T) {
	c := Config{SPI: 0x600, Integ: IntegHMACSHA2256128, IntegKey: key(32, 1)}
	a1 := netip.MustParseAddr("2001:db8::a1").As16()
	a2 := netip.MustParseAddr("2001:db8::a2").As16()
	d := netip.MustParseAddr("2001:db8::d").As16()
	rh := []byte{17, 4, 0, 2, 0, 0, 0, 0}
	rh = append(append(rh, a2[:]...), d[:]...)
	pkt := ipv6Packet(t, nhRouting, rh, udpSeg)
	copy(pkt[24:40], a1[:])
	tx, _ := NewOutboundAH(c)
	sealed, err := tx.SealTransport(nil, pkt)
	require.NoError(t, err)
	// Two hops of type 0 processing.
	for range 2 {
		left := int(sealed[40+3])
		n := int(sealed[40+1]) / 2
		i := n - left
		addr := sealed[40+8+16*i : 40+8+16*(i+1)]
		var tmp [16]byte
		copy(tmp[:], addr)
		copy(addr, sealed[24:40])
		copy(sealed[24:40], tmp[:])
		sealed[40+3]--
		sealed[7]--
	}
	require.Equal(t, d[:], sealed[24:40])
	rx, _ := NewInboundAH(c)
	_, err = rx.Verify(sealed)
	require.NoError(t, err)

	// IPv4 loose source route 192.0.2.1 → [198.51.100.7] → 192.0.2.99.
	opt := []byte{131, 11, 4, 198, 51, 100, 7, 192, 0, 2, 99, 0}
	p := make([]byte, 32)
	p[0], p[8], p[9] = 0x48, 64, 17
	copy(p[12:], []byte{192, 0, 2, 1})
	copy(p[16:], []byte{198, 51, 100, 7})
	copy(p[20:], opt)
	p = append(p, udpSeg...)
	require.NoError(t, fixIPHeader(p, 4))
	tx, _ = NewOutboundAH(c)
	sealed, err = tx.SealTransport(nil, p)
	require.NoError(t, err)
	// The hop records itself and forwards to the next address.
	copy(sealed[16:20], sealed[20+7:20+11])
	copy(sealed[20+3:20+7], []byte{198, 51, 100, 7})
	sealed[20+2] = 12
	sealed[8]--
	rx, _ = NewInboundAH(c)
	_, err = rx.Verify(sealed)
	require.NoError(t, err)
}

func TestAHTunnelRoundTrips(t *testing.T) {
	for _, tun := range []*Tunnel{
		{Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("198.51.100.2")},
		{Src: netip.MustParseAddr("2001:db8:1::1"), Dst: netip.MustParseAddr("2001:db8:1::2")},
	} {
		for _, v6 := range []bool{false, true} {
			c := Config{SPI: 0x700, Integ: IntegAES256GMAC, IntegKey: key(36, 3)}
			tx, _ := NewOutboundAH(c)
			rx, _ := NewInboundAH(c)
			inner := udpPacket(t, v6, ECNECT0, false)
			pkt, err := tx.SealTunnel(nil, inner, tun)
			require.NoError(t, err)
			got, err := rx.OpenTunnel(nil, pkt)
			require.NoError(t, err)
			require.Equal(t, inner, got)
		}
	}
	tx, _ := NewOutboundAH(Config{SPI: 0x701, Integ: IntegHMACSHA196, IntegKey: key(20, 1)})
	_, err := tx.SealTunnel(nil, udpPacket(t, false, 0, false), &Tunnel{Src: netip.MustParseAddr("192.0.2.1"),
		Dst: netip.MustParseAddr("192.0.2.2"), UDPDstPort: 4500})
	require.ErrorIs(t, err, ErrUnsupported)
}

// TestFragmentsRefused: ESP and AH processing refuse IP fragments (RFC 4303
// §3.4.1, RFC 4302 §3.4.1) and transport mode refuses to protect one.
func TestFragmentsRefused(t *testing.T) {
	tx, rx := pair(t, Config{SPI: 0x800, Encr: EncrAESGCM16, EncrKey: key(20, 1)})
	pkt, err := tx.SealTransport(nil, udpPacket(t, false, 0, false), nil)
	require.NoError(t, err)
	for _, flags := range [][2]byte{{0x20, 0}, {0, 0x10}} {
		frag := bytes.Clone(pkt)
		frag[6], frag[7] = flags[0], flags[1]
		_, err = rx.OpenTransport(nil, frag)
		require.ErrorIs(t, err, ErrMalformed)
		_, err = tx.SealTransport(nil, frag, nil)
		require.ErrorIs(t, err, ErrMalformed)
		ah, _ := NewInboundAH(Config{SPI: 1, Integ: IntegHMACSHA196, IntegKey: key(20, 1)})
		_, err = ah.Verify(frag)
		require.ErrorIs(t, err, ErrMalformed)
	}
	v6 := ipv6Packet(t, nhFragment, []byte{17, 0, 0, 0, 0, 0, 0, 1}, udpSeg)
	_, err = tx.SealTransport(nil, v6, nil)
	require.ErrorIs(t, err, ErrMalformed)
}

// TestTunnelDecapInnerChecks: the inner packet is read with the checks the
// ipip and sit exits make (internal/iptun): TFC padding after an IPv6 inner
// packet is trimmed by its Payload Length, a Next Header that disagrees with
// the inner version is refused as malformed, and the RFC 6040 drop is the
// error ipip and sit return.
func TestTunnelDecapInnerChecks(t *testing.T) {
	c := Config{SPI: 0x320, Encr: EncrChaCha20Poly1305, EncrKey: key(36, 1)}
	outer := func(esp []byte, tos uint8) []byte {
		p := ipv4Packet(t, byte(ProtoESP), esp)
		p[1] = tos
		require.NoError(t, fixIPHeader(p, 4))
		return p
	}
	inner := udpPacket(t, true, 0x28|ECNECT1, false)

	tx, rx := pair(t, c)
	esp, err := tx.SealTFC(nil, layers.IPProtocolIPv6, inner, 37)
	require.NoError(t, err)
	got, err := rx.OpenTunnel(nil, outer(esp, ECNCE))
	require.NoError(t, err)
	require.Len(t, got, len(inner), "TFC padding trimmed by the IPv6 Payload Length")
	require.Equal(t, uint8(0x28|ECNCE), tos(got), "inner DSCP kept, CE carried in (RFC 6040 §4.2)")

	tx, rx = pair(t, c)
	esp, err = tx.Seal(nil, layers.IPProtocolIPv4, inner)
	require.NoError(t, err)
	_, err = rx.OpenTunnel(nil, outer(esp, 0))
	require.ErrorIs(t, err, ErrMalformed, "Next Header 4 over an IPv6 packet")

	tx, rx = pair(t, c)
	esp, err = tx.Seal(nil, layers.IPProtocolIPv6, udpPacket(t, true, 0, false))
	require.NoError(t, err)
	_, err = rx.OpenTunnel(nil, outer(esp, ECNCE))
	require.ErrorIs(t, err, ErrECNDrop)
	require.ErrorIs(t, err, ErrMalformed)
	require.ErrorIs(t, err, ipip.ErrECNDrop, "the same sentinel as the ipip package's")
}
