package sit

import (
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

func TestZeroAllocs(t *testing.T) {
	src6 := netip.MustParseAddr("2001:db8:1::1")
	tun := mustNew(t, Config{Local: local4, Remote: peer4, Forwarding: true, ICMPSource6: src6, LinkMTU: 600})
	recv := mustNew(t, Config{Local: peer4, Remote: local4})
	rd := mustNew(t, Config{Local: netip.MustParseAddr("198.51.100.7"), Mode: Mode6rd,
		SixRD: SixRD{Prefix: netip.MustParsePrefix("2001:db8:100::/40"), IPv4MaskLen: 24, BR: netip.MustParseAddr("198.51.100.1")}})
	small := udp6(hostA, hostB, 0x02, 64, 64)
	big := udp6(hostA, hostB, 0, 64, 1200)
	to6rd := udp6(hostA, netip.MustParseAddr("2001:db8:109::1"), 0, 64, 64)
	pkt, err := tun.Encapsulate(nil, small)
	require.NoError(t, err)
	icmp := iptun.AppendICMPv4Error(nil, netip.MustParseAddr("192.0.2.254"), local4, 1, 60, 3, 1, 0, pkt)
	dst := make([]byte, 0, 4096)
	buf := gopacket.NewSerializeBuffer()
	tooBig := error(&TooBigError{MTU: 1280})
	var sink []byte
	for _, tt := range []struct {
		name string
		run  func()
	}{
		{"Encapsulate", func() { sink, _ = tun.Encapsulate(dst[:0], small) }},
		{"Encapsulate into IPv4 fragments", func() { sink, _ = tun.Encapsulate(dst[:0], big) }},
		{"Encapsulate to a 6rd CE", func() { sink, _ = rd.Encapsulate(dst[:0], to6rd) }},
		{"Decapsulate", func() { _, _ = recv.Decapsulate(pkt) }},
		{"DecapsulateTo", func() { sink, _, _ = recv.DecapsulateTo(dst[:0], pkt) }},
		{"Relay", func() { sink, _ = tun.Relay(dst[:0], icmp) }},
		{"Reply", func() { sink, _ = tun.Reply(dst[:0], small, tooBig) }},
		{"Encap.SerializeTo", func() {
			_ = buf.Clear()
			b, _ := buf.AppendBytes(len(small))
			copy(b, small)
			_ = (&Encap{Tunnel: tun}).SerializeTo(buf, gopacket.SerializeOptions{})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.run()
			require.Zero(t, testing.AllocsPerRun(100, tt.run))
		})
	}
	_ = sink
}
