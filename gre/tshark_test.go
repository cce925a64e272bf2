package gre

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/sre"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

var serializeAll = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// innerPing is an IPv4 ICMP echo between documentation addresses.
func innerPing(t testing.TB, seq uint16) []byte {
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, serializeAll,
		&layers.IPv4{Version: 4, TTL: 64, Id: seq, Protocol: layers.IPProtocolICMPv4,
			SrcIP: net.IP{198, 51, 100, 1}, DstIP: net.IP{198, 51, 100, 2}},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 0x4242, Seq: seq},
		gopacket.Payload("tunnelcodec encodes this")))
	return buf.Bytes()
}

func innerPing6(t testing.TB) []byte {
	buf := gopacket.NewSerializeBuffer()
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: net.ParseIP("2001:db8:1::1"), DstIP: net.ParseIP("2001:db8:1::2")}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	require.NoError(t, icmp.SetNetworkLayerForChecksum(ip))
	require.NoError(t, gopacket.SerializeLayers(buf, serializeAll, ip, icmp,
		&layers.ICMPv6Echo{Identifier: 0x4242, SeqNumber: 1}, gopacket.Payload("tunnelcodec")))
	return buf.Bytes()
}

// frame wraps a GRE header and payload, encoded by g.SerializeTo, in
// Ethernet and an outer IPv4 (or IPv6) header.
func frame(t testing.TB, g *GRE, payload []byte, v6 bool) []byte {
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.SerializableLayer = &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolGRE,
		SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{192, 0, 2, 2}}
	if v6 {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolGRE,
			SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
	}
	require.NoError(t, gopacket.SerializeLayers(buf, serializeAll, eth, ip, g, gopacket.Payload(payload)))
	return buf.Bytes()
}

type encoded struct {
	name  string
	frame []byte
}

// encoderVariants builds every variant the package encodes.
func encoderVariants(t testing.TB) []encoded {
	ping := innerPing(t, 1)
	ipv4SRE, err := sre.NewIPv4(1, netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2"))
	require.NoError(t, err)
	asSRE, err := sre.NewAS(0, 64496, 64497, 64498)
	require.NoError(t, err)
	routing := func() []SRE { return []SRE{ipv4SRE, asSRE} }
	ppp := append([]byte{0xff, 0x03, 0x00, 0x21}, ping...)
	var nvgre GRE
	require.NoError(t, nvgre.SetNVGRE(0x123456, 0x7f))
	innerEth := append([]byte{2, 0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 1, 0x08, 0x00}, ping...)
	erspan := append([]byte{0x10, 0x17, 0x00, 0x64, 0x00, 0x00, 0x00, 0x05}, innerEth...) // ERSPAN II, VLAN 23, session 100
	appended, err := (&GRE{Flags: FlagC | FlagK, Protocol: ProtoIPv4, Key: 9}).AppendPacket(nil, ping)
	require.NoError(t, err)

	return []encoded{
		{"RFC 2784 plain", frame(t, &GRE{Protocol: ProtoIPv4}, ping, false)},
		{"C", frame(t, &GRE{Flags: FlagC, Protocol: ProtoIPv4}, ping, false)},
		{"K", frame(t, &GRE{Protocol: ProtoIPv4, Key: 0xdeadbeef}, ping, false)},
		{"K zero", frame(t, &GRE{Flags: FlagK, Protocol: ProtoIPv4}, ping, false)},
		{"S", frame(t, &GRE{Protocol: ProtoIPv4, Sequence: 77}, ping, false)},
		{"C K S", frame(t, &GRE{Flags: FlagC, Protocol: ProtoIPv4, Key: 1, Sequence: 2}, ping, false)},
		{"R: IPv4 and AS SREs, Offset at the first", frame(t, &GRE{Protocol: ProtoIPv4, Routing: routing()}, ping, false)},
		{"R and C: Offset at the AS SRE", frame(t, &GRE{Flags: FlagC, Protocol: ProtoIPv4, Offset: 12, Routing: routing()}, ping, false)},
		{"R: Offset at the NULL SRE, strict", frame(t, &GRE{Flags: FlagStrict, Protocol: ProtoIPv4, Offset: 22, Routing: routing()}, ping, false)},
		{"recursion 3", frame(t, &GRE{Recursion: 3, Protocol: ProtoIPv4}, ping, false)},
		{"PPTP data with ack", frame(t, &GRE{Version: Version1, Protocol: ProtoPPP, Key: 0x4001, Sequence: 1, Ack: 1}, ppp, false)},
		{"PPTP data, sequence 0", frame(t, &GRE{Version: Version1, Protocol: ProtoPPP, Key: 0x4001}, ppp, false)},
		{"PPTP ack-only", frame(t, &GRE{Version: Version1, Protocol: ProtoPPP, Key: 0x4001, Ack: 7}, nil, false)},
		{"NVGRE", frame(t, &nvgre, innerEth, false)},
		{"ERSPAN type II", frame(t, &GRE{Protocol: ProtoERSPAN, Sequence: 5}, erspan, false)},
		{"MPLS", frame(t, &GRE{Protocol: ProtoMPLS}, append([]byte{0x00, 0x06, 0x41, 0x40}, ping...), false)},
		{"IPv6 in GRE over IPv6", frame(t, &GRE{Protocol: ProtoIPv6, Key: 6}, innerPing6(t), true)},
		{"IPv4 in GRE over IPv6 with C", frame(t, &GRE{Flags: FlagC, Protocol: ProtoIPv4}, ping, true)},
		{"AppendPacket: C and K", frame(t, mustDecode(t, appended), appended[12:], false)},
	}
}

func mustDecode(t testing.TB, b []byte) *GRE {
	var g GRE
	require.NoError(t, g.DecodeFromBytes(b, nil))
	return &g
}

// TestTsharkReadsWhatWeEncode feeds every encoded variant to tshark: the
// same fields back, no expert warning or malformed packet, and every
// checksum good by tshark's own computation.
func TestTsharkReadsWhatWeEncode(t *testing.T) {
	vs := encoderVariants(t)
	frames := make([][]byte, len(vs))
	for i, v := range vs {
		frames[i] = v.frame
	}
	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames)
	require.Len(t, got, len(vs))
	checksummed := 0
	for i, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			pkt := gopacket.NewPacket(v.frame, layers.LinkTypeEthernet, gopacket.Default)
			require.Nil(t, pkt.ErrorLayer())
			ours := packetFields(pkt)
			require.Len(t, ours["gre.proto"], 1)
			n := testutil.CompareFields(t, fmt.Sprintf("frame %d", i+1), ours, got[i])
			require.GreaterOrEqual(t, n, 10)
			require.Empty(t, testutil.Warnings(got[i]))
			g := pkt.Layer(LayerTypeGRE).(*GRE)
			if g.Version == Version1 {
				require.NoError(t, g.CheckPPTP(), "what we build follows RFC 2637")
			}
			if g.Protocol == ProtoTEB {
				require.NoError(t, g.CheckNVGRE(), "what we build follows RFC 7637")
			}
			for _, s := range got[i]["gre.checksum.status"] {
				if pkt.Layer(LayerTypeGRE).(*GRE).Flags.C() {
					require.Equal(t, "1", s, "tshark: checksum good")
					checksummed++
				}
			}
		})
	}
	require.Equal(t, 5, checksummed)
}
