package sit

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// TestMain checks that importing the package changed nothing in how gopacket
// decodes IP protocol 41, and that LayerTypeSIT has no decoder.
func TestMain(m *testing.M) {
	if got := layers.IPProtocolIPv6.LayerType(); got != layers.LayerTypeIPv6 {
		panic("import changed gopacket's decoding of IP protocol 41 to " + got.String())
	}
	if LayerTypeSIT.Decode(nil, nil) == nil {
		panic("LayerTypeSIT decodes something")
	}
	os.Exit(m.Run())
}

func icmp6Echo(t testing.TB, tc uint8) []gopacket.SerializableLayer {
	ip := &layers.IPv6{Version: 6, TrafficClass: tc, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: net.IP(hostA.AsSlice()), DstIP: net.IP(hostB.AsSlice())}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	_ = icmp.SetNetworkLayerForChecksum(ip)
	echo := &layers.ICMPv6Echo{Identifier: 7, SeqNumber: 1}
	return []gopacket.SerializableLayer{ip, icmp, echo, gopacket.Payload("6in4")}
}

func TestSerializeLayers(t *testing.T) {
	require.Equal(t, 1715, int(LayerTypeSIT))
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	tun := mustNew(t, Config{Local: local4, Remote: peer4, Forwarding: true})
	plain := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(plain, opts, icmp6Echo(t, 0xba)...))
	want, err := tun.Encapsulate(nil, plain.Bytes())
	require.NoError(t, err)
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{&Encap{Tunnel: tun}}, icmp6Echo(t, 0xba)...)...))
	got := buf.Bytes()
	iptuntest.SameIDs(got, want)
	require.Equal(t, want, got)
	require.Equal(t, uint8(0x02), got[1], "DSCP 0 (RFC 4213 §3.5), ECN copied")
	p := gopacket.NewPacket(got, layers.LayerTypeIPv4, gopacket.Default)
	require.Nil(t, p.ErrorLayer())
	require.Equal(t, layers.LayerTypeIPv6, p.Layers()[1].LayerType())
	require.Equal(t, uint8(63), p.Layers()[1].(*layers.IPv6).HopLimit)

	small := mustNew(t, Config{Local: local4, Remote: peer4, LinkMTU: 68})
	err = gopacket.SerializeLayers(gopacket.NewSerializeBuffer(), opts, append([]gopacket.SerializableLayer{&Encap{Tunnel: small}}, icmp6Echo(t, 0)...)...)
	require.ErrorIs(t, err, ErrTooLarge, "must be fragmented")
}

// TestDifferentialGopacket: gopacket's layers and Decapsulate agree on every
// 6in4 packet of the captures (outer addresses, inner packet as it arrived).
func TestDifferentialGopacket(t *testing.T) {
	want := 8 // tunnel packets in testdata alone
	files := testutil.Glob(t, testutil.Testdata(t, "sit", "*.pcap"))
	if dir := os.Getenv(testutil.VectorsEnv); dir != "" || !testing.Short() {
		files = append(files, testutil.Glob(t, filepath.Join(testutil.Vectors(t, "sit"), "*.pcap"))...)
		want = 140
	}
	compared := 0
	for _, f := range files {
		for _, p := range testutil.ReadCapture(t, f) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			b := iptuntest.IPBytes(pkt)
			if len(b) < 20 || b[0]>>4 != 4 || b[9] != iptun.ProtoIPv6 {
				continue
			}
			h := iptun.IPv4(b)
			tun := mustNew(t, Config{Local: h.Dst(), Remote: h.Src()})
			res, err := tun.Decapsulate(append([]byte(nil), b...))
			if err != nil {
				continue
			}
			ip4, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			ip6, _ := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			require.NotNil(t, ip6, "%s frame %d", filepath.Base(f), p.Number)
			require.Equal(t, ip4.SrcIP.String(), res.Src.String())
			require.Equal(t, ip6.SrcIP.String(), res.InnerSrc.String())
			require.Equal(t, append(append([]byte(nil), ip6.Contents...), ip6.Payload...), b[res.HeaderLen:res.HeaderLen+len(res.Inner)])
			compared++
		}
	}
	require.Greater(t, compared, want)
}

// TestParserNestedStackAllocatesNothing: the outer parser stops at the IPv4
// header (Terminal), Decapsulate checks the 6in4 packet, a second parser
// decodes the IPv6 packet; nothing allocates.
func TestParserNestedStackAllocatesNothing(t *testing.T) {
	var (
		eth     layers.Ethernet
		outer   layers.IPv4
		in6     layers.IPv6
		tcp     layers.TCP
		udp     layers.UDP
		icmp6   layers.ICMPv6
		payload gopacket.Payload
	)
	outerP := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, Terminal(&outer))
	innerP := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, &in6, &tcp, &udp, &icmp6, &payload)
	innerP.IgnoreUnsupported = true
	decoded, inner := make([]gopacket.LayerType, 0, 8), make([]gopacket.LayerType, 0, 8)
	var frames [][]byte
	for _, p := range testutil.ReadCapture(t, testutil.Testdata(t, "sit", "sit-icmpv6-tcp.pcap")) {
		frames = append(frames, p.Data)
	}
	tun := mustNew(t, Config{Local: peer4, Remote: local4})
	run := func() {
		for _, f := range frames {
			if err := outerP.DecodeLayers(f, &decoded); err != nil {
				t.Fatal(err)
			}
			res, err := tun.Decapsulate(eth.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if err := innerP.DecodeLayers(res.Inner, &inner); err != nil {
				t.Fatal(err)
			}
		}
	}
	run()
	require.Equal(t, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4}, decoded)
	require.Zero(t, testing.AllocsPerRun(20, run))
}
