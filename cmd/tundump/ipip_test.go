package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tundumpOK runs tundump and requires a zero exit.
func tundumpOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := tundump(t, args...)
	require.Zero(t, code, errOut)
	return out
}

// TestIPTunnelStacks: tundump names the tunnel kind, both endpoints, the
// encapsulation limit and the decapsulation verdict of IPIP, 6in4, 4in6 and
// 6in6 packets.
func TestIPTunnelStacks(t *testing.T) {
	td := filepath.Join("..", "..", "testdata")
	tests := []struct {
		file string
		want []string
	}{
		{"ipip/ipip-df-tos.pcap", []string{"IPv4[IPIP 192.0.2.1 → 192.0.2.2, inner 198.51.100.10 → 203.0.113.20]/IPv4/ICMPv4"}},
		{"sit/sit-icmpv6-tcp.pcap", []string{"IPv4[6in4 192.0.2.1 → 192.0.2.2, inner 2001:db8:1::10 → 2001:db8:2::20]/IPv6/TCP"}},
		{"ipip/ipip-4in6-tel.pcap", []string{"IPv6[4in6 2001:db8::1 → 2001:db8::2, inner 198.51.100.10 → 203.0.113.20 encap-limit=4]/IPv6Destination/IPv4"}},
		{"ipip/ipip-6in6-tel.pcap", []string{"IPv6[6in6 2001:db8::1 → 2001:db8::2, inner 2001:db8:1::10 → 2001:db8:2::20 encap-limit=9]"}},
		{"ipip/ipip-refused.pcap", []string{"!ipip: inner ECN at offset 21: CE outer header on a Not-ECT inner packet", "!ipip: inner version at offset 20"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := tundumpOK(t, "-r", filepath.Join(td, tt.file))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	// Plain IP headers keep no describer output.
	out := tundumpOK(t, "-r", filepath.Join(td, "vxlan", "kernel-ipv4.pcap"))
	if strings.Contains(out, "IPv4[") {
		t.Errorf("the VXLAN capture's IPv4 headers got a tunnel summary:\n%s", out)
	}
	v := tundumpOK(t, "-r", filepath.Join(td, "ipip/ipip-4in6-tel.pcap"), "-V")
	for _, w := range []string{"tunnel: 4in6 (RFC 2473)", "tunnel encapsulation limit: 4", "check: ok"} {
		if !strings.Contains(v, w) {
			t.Errorf("-V lacks %q", w)
		}
	}
}
