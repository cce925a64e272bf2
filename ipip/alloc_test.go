package ipip

import (
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

// TestZeroAllocs: the hot paths allocate nothing when the destination
// buffer has room (testing.AllocsPerRun).
func TestZeroAllocs(t *testing.T) {
	v4 := mustNew(t, Config{Local: entry4, Remote: exit4, Forwarding: true})
	v4r := mustNew(t, Config{Local: exit4, Remote: entry4})
	v6 := mustNew(t, Config{Local: entry6, Remote: exit6, MTU: 1280})
	v6r := mustNew(t, Config{Local: exit6, Remote: entry6})
	small4 := udp4(hostA4, hostB4, 0xb8|2, 64, true, 64)
	big4 := udp4(hostA4, hostB4, 0, 64, false, 3000)
	small6 := udp6(hostA6, hostB6, 0x2a, 64, 64)
	pkt4, err := v4.Encapsulate(nil, small4)
	require.NoError(t, err)
	pkt6, err := v6.Encapsulate(nil, small6)
	require.NoError(t, err)
	icmp := iptun.AppendICMPv4Error(nil, netip.MustParseAddr("192.0.2.254"), entry4, 1, 60, 3, 1, 0, pkt4)
	dst := make([]byte, 0, 8192)
	buf := gopacket.NewSerializeBuffer()
	var sink []byte
	tooBig := error(&TooBigError{MTU: 1000})
	tests := []struct {
		name string
		run  func()
	}{
		{"Encapsulate IPv4 in IPv4 (forwarding)", func() { sink, _ = v4.Encapsulate(dst[:0], small4) }},
		{"Encapsulate into three outer fragments", func() { sink, _ = v4.Encapsulate(dst[:0], big4) }},
		{"Encapsulate IPv6 in IPv6 with TEL", func() { sink, _ = v6.Encapsulate(dst[:0], small6) }},
		{"Decapsulate IPv4 in IPv4", func() { _, _ = v4r.Decapsulate(pkt4) }},
		{"Decapsulate IPv6 in IPv6", func() { _, _ = v6r.Decapsulate(pkt6) }},
		{"DecapsulateTo", func() { sink, _, _ = v4r.DecapsulateTo(dst[:0], pkt4) }},
		{"Relay host unreachable", func() { sink, _ = v4.Relay(dst[:0], icmp) }},
		{"Reply fragmentation needed", func() { sink, _ = v4.Reply(dst[:0], small4, tooBig) }},
		{"Encap.SerializeTo with a reused buffer", func() {
			_ = buf.Clear()
			b, _ := buf.AppendBytes(len(small4))
			copy(b, small4)
			_ = (&Encap{Tunnel: v4}).SerializeTo(buf, gopacket.SerializeOptions{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run()
			require.Zero(t, testing.AllocsPerRun(100, tt.run))
		})
	}
	_ = sink
}
