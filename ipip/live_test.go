package ipip

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// serialize builds a packet from gopacket layers with lengths and checksums.
func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...))
	return buf.Bytes()
}

func inner4(t testing.TB, tos uint8, df bool, ttl uint8, n int) []byte {
	ip := &layers.IPv4{Version: 4, TOS: tos, TTL: ttl, Id: 77, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP(hostA4.AsSlice()), DstIP: net.IP(hostB4.AsSlice())}
	if df {
		ip.Flags = layers.IPv4DontFragment
	}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 7}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serialize(t, ip, udp, gopacket.Payload(make([]byte, n)))
}

func inner6(t testing.TB, tc uint8, n int) []byte {
	ip := &layers.IPv6{Version: 6, TrafficClass: tc, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
		SrcIP: net.IP(hostA6.AsSlice()), DstIP: net.IP(hostB6.AsSlice())}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 7}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serialize(t, ip, udp, gopacket.Payload(make([]byte, n)))
}

// ethernet frames an IP packet for the capture tshark reads.
func ethernet(b []byte) []byte {
	typ := byte(0x00)
	if b[0]>>4 == 6 {
		typ = 0xdd
	}
	hdr := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, typ}
	if typ == 0xdd {
		hdr[12] = 0x86
	}
	return append(hdr, b...)
}

// TestLiveTshark encodes every variant this package builds, hands the
// packets to tshark, and requires tshark's decode to agree with ours field
// by field, with no expert warning or malformed packet and every checksum
// good.
func TestLiveTshark(t *testing.T) {
	testutil.TsharkPath(t)
	v4 := func(c Config) Config { c.Local, c.Remote = entry4, exit4; return c }
	v6 := func(c Config) Config {
		c.Local, c.Remote = entry6, exit6
		c.ICMPSource4 = netip.MustParseAddr("198.51.100.1")
		return c
	}
	var packets [][]byte
	encap := func(name string, cfg Config, in []byte) {
		out, err := mustNew(t, cfg).Encapsulate(nil, in)
		require.NoError(t, err, name)
		for p := range Packets(out) {
			packets = append(packets, p)
		}
	}
	encap("IPv4 in IPv4, EF and ECT(0), DF", v4(Config{}), inner4(t, 0xba, true, 64, 32))
	encap("CE copied", v4(Config{}), inner4(t, 0x03, false, 64, 32))
	encap("fixed DSCP, compatibility ECN, DF set, TTL 9", v4(Config{DSCP: DSCPFixed, DSCPValue: 46, ECN: ECNCompatibility, DF: DFSet, TTL: 9}), inner4(t, 0x02, false, 64, 32))
	encap("forwarding hop", v4(Config{Forwarding: true}), inner4(t, 0, false, 30, 32))
	encap("outer IPv4 fragments", v4(Config{MTU: 576}), inner4(t, 0, false, 64, 1400))
	encap("IPv4 in IPv6 with TEL 4", v6(Config{}), inner4(t, 0xba, true, 64, 32))
	encap("IPv6 in IPv6 without TEL, flow label", v6(Config{EncapLimit: NoEncapLimit, FlowLabel: 0xabcde}), inner6(t, 0x2a, 32))
	encap("IPv6 in IPv6 with TEL 0", v6(Config{EncapLimit: ZeroEncapLimit}), inner6(t, 0, 32))
	encap("outer IPv6 fragments with TEL", v6(Config{MTU: 1280}), inner6(t, 0, 1200))
	encap("IPv4 without DF in IPv6 fragments", v6(Config{MTU: 1280}), inner4(t, 0, false, 64, 1400))

	reply := func(name string, cfg Config, in []byte) {
		tun := mustNew(t, cfg)
		_, err := tun.Encapsulate(nil, in)
		require.Error(t, err, name)
		out, err := tun.Reply(nil, in, err)
		require.NoError(t, err, name)
		packets = append(packets, out)
	}
	reply("fragmentation needed", v4(Config{MTU: 576}), inner4(t, 0, true, 64, 1000))
	reply("time exceeded", v4(Config{Forwarding: true}), inner4(t, 0, false, 1, 8))
	reply("packet too big", v6(Config{MTU: 1280}), inner6(t, 0, 1400))
	reply("fragmentation needed for IPv4 in IPv6", v6(Config{MTU: 1280}), inner4(t, 0, true, 64, 1400))
	spent, err := mustNew(t, v6(Config{EncapLimit: ZeroEncapLimit})).Encapsulate(nil, inner6(t, 0, 8))
	require.NoError(t, err)
	reply("parameter problem at the encapsulation limit", v6(Config{}), spent)

	relay := func(name string, cfg Config, build func(outer []byte) []byte, in []byte) {
		tun := mustNew(t, cfg)
		outer, err := tun.Encapsulate(nil, in)
		require.NoError(t, err, name)
		msg := build(outer)
		out, err := tun.Relay(nil, msg)
		require.NoError(t, err, name)
		packets = append(packets, msg, out)
	}
	router4, router6 := netip.MustParseAddr("192.0.2.254"), netip.MustParseAddr("2001:db8::fe")
	icmp4 := func(typ, code uint8, rest uint32) func([]byte) []byte {
		return func(o []byte) []byte { return iptun.AppendICMPv4Error(nil, router4, entry4, 9, 60, typ, code, rest, o) }
	}
	icmp6 := func(typ, code uint8, rest uint32) func([]byte) []byte {
		return func(o []byte) []byte { return iptun.AppendICMPv6Error(nil, router6, entry6, 60, typ, code, rest, o) }
	}
	relay("relayed fragmentation needed", v4(Config{}), icmp4(3, 4, 1300), inner4(t, 0, true, 64, 1400))
	relay("relayed host unreachable", v4(Config{}), icmp4(3, 1, 0), inner4(t, 0, false, 64, 100))
	relay("time exceeded relayed as host unreachable", v4(Config{}), icmp4(11, 0, 0), inner4(t, 0, false, 64, 100))
	relay("parameter problem moved into the inner header", v4(Config{}), icmp4(12, 0, 28<<24), inner4(t, 0, false, 64, 100))
	relay("relayed packet too big", v6(Config{}), icmp6(2, 0, 1300), inner6(t, 0, 1400))
	relay("address unreachable", v6(Config{}), icmp6(1, 0, 0), inner6(t, 0, 100))
	relay("ICMPv4 host unreachable for IPv4 in IPv6", v6(Config{}), icmp6(3, 0, 0), inner4(t, 0, false, 64, 100))

	frames := make([][]byte, len(packets))
	for i, p := range packets {
		frames[i] = ethernet(p)
	}
	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames, "-o", "ipv6.use_geoip:FALSE")
	require.Len(t, got, len(packets))
	var ours iptuntest.Decoder
	seen := 0
	for i, f := range got {
		require.Empty(t, testutil.Warnings(f), "packet %d", i+1)
		for _, name := range []string{"ip.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status"} {
			for _, v := range f[name] {
				require.NotEqual(t, "0", v, "packet %d: %s bad", i+1, name)
			}
		}
		seen += testutil.CompareFields(t, fmt.Sprintf("packet %d", i+1), ours.Fields(packets[i]), f)
	}
	require.Equal(t, 2, ours.Reassembled-1, "IPv4 and IPv6 outer fragments, and IPv4 in IPv6 fragments, reassembled")
	require.Greater(t, seen, 20*len(packets))
}
