package sit

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...))
	return buf.Bytes()
}

// tcp6 is an IPv6/TCP segment with n payload octets and good checksums.
func tcp6(t testing.TB, src, dst netip.Addr, tc uint8, n int) []byte {
	ip := &layers.IPv6{Version: 6, TrafficClass: tc, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
		SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 443, Seq: 1, ACK: true, PSH: true, Window: 1000}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, ip, tcp, gopacket.Payload(make([]byte, n)))
}

// udp6cs is an IPv6/UDP datagram with n payload octets and a good checksum.
// The packets ICMP errors quote are UDP: tshark 4.0 checks a quoted TCP
// checksum over the quoted (cut) segment and reports it bad.
func udp6cs(t testing.TB, src, dst netip.Addr, n int) []byte {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 7}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serialize(t, ip, udp, gopacket.Payload(make([]byte, n)))
}

// TestLiveTshark encodes every variant this package builds and requires
// tshark's decode of them to match ours, with no expert warnings and good
// checksums.
func TestLiveTshark(t *testing.T) {
	testutil.TsharkPath(t)
	src6 := netip.MustParseAddr("2001:db8:1::1")
	base := Config{Local: local4, Remote: peer4, ICMPSource6: src6}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	var packets [][]byte
	encap := func(cfg Config, in []byte) {
		out, err := mustNew(t, cfg).Encapsulate(nil, in)
		require.NoError(t, err)
		for p := range Packets(out) {
			packets = append(packets, p)
		}
	}
	encap(base, serialize(t, icmp6Echo(t, 0)...))
	encap(with(func(c *Config) { c.DSCP = DSCPCopy }), tcp6(t, hostA, hostB, 0xba, 100))
	encap(with(func(c *Config) { c.ECN = ECNCompatibility; c.TTL = 9; c.Forwarding = true }), tcp6(t, hostA, hostB, 0x03, 10))
	encap(with(func(c *Config) { c.PathMTU = true }), tcp6(t, hostA, hostB, 0, 1000))
	encap(with(func(c *Config) { c.MTU = 1480; c.LinkMTU = 1000 }), tcp6(t, hostA, hostB, 0, 1400))
	encap(Config{Local: local4, Mode: Mode6to4}, tcp6(t, hostA, netip.MustParseAddr("2002:c633:6409::1"), 0, 10))
	encap(Config{Local: local4, Mode: Mode6rd, SixRD: SixRD{Prefix: netip.MustParsePrefix("2001:db8:100::/40"), IPv4MaskLen: 24, BR: peer4}},
		tcp6(t, hostA, netip.MustParseAddr("2001:db8:109::1"), 0, 10))
	encap(Config{Local: local4, Remote: peer4, Mode: ModeISATAP}, tcp6(t, netip.MustParseAddr("fe80::200:5efe:c000:201"), netip.MustParseAddr("fe80::200:5efe:c000:209"), 0, 10))

	tun := mustNew(t, base)
	big := udp6cs(t, hostA, hostB, 1300)
	_, err := tun.Encapsulate(nil, big)
	msg, err := tun.Reply(nil, big, err)
	require.NoError(t, err)
	packets = append(packets, msg)
	fwd := mustNew(t, with(func(c *Config) { c.Forwarding = true }))
	last := tcp6(t, hostA, hostB, 0, 10)
	last[7] = 1
	_, err = fwd.Encapsulate(nil, last)
	msg, err = fwd.Reply(nil, last, err)
	require.NoError(t, err)
	packets = append(packets, msg)

	router := netip.MustParseAddr("192.0.2.254")
	for _, r := range []struct {
		typ, code uint8
		rest      uint32
	}{{3, 4, 1300}, {3, 1, 0}, {11, 0, 0}, {12, 0, 27 << 24}} {
		tun := mustNew(t, with(func(c *Config) { c.PathMTU = true }))
		outer, err := tun.Encapsulate(nil, udp6cs(t, hostA, hostB, 1400))
		require.NoError(t, err)
		in := iptun.AppendICMPv4Error(nil, router, local4, 5, 60, r.typ, r.code, r.rest, outer)
		out, err := tun.Relay(nil, in)
		require.NoError(t, err, "ICMP %d/%d", r.typ, r.code)
		packets = append(packets, in, out)
	}

	frames := make([][]byte, len(packets))
	for i, p := range packets {
		typ := []byte{0x08, 0x00}
		if p[0]>>4 == 6 {
			typ = []byte{0x86, 0xdd}
		}
		frames[i] = append(append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, typ...), p...)
	}
	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames)
	require.Len(t, got, len(packets))
	var ours iptuntest.Decoder
	seen := 0
	for i, f := range got {
		require.Empty(t, testutil.Warnings(f), "packet %d", i+1)
		for _, name := range []string{"ip.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status", "tcp.checksum.status"} {
			for _, v := range f[name] {
				require.NotEqual(t, "0", v, "packet %d: %s bad", i+1, name)
			}
		}
		seen += testutil.CompareFields(t, fmt.Sprintf("packet %d", i+1), ours.Fields(packets[i]), f)
	}
	require.Equal(t, 1, ours.Reassembled, "the IPv4 fragments reassembled")
	require.Greater(t, seen, 15*len(packets))
}
