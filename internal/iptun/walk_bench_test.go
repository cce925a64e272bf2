package iptun

import (
	"net/netip"
	"testing"
)

func BenchmarkWalkIPv6TEL(b *testing.B) {
	p := v6packet(ProtoDstOpts, tel(4, ProtoIPv4)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WalkIPv6(IPv6(p), "ipip", "outer", 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidSource6(b *testing.B) {
	a := netip.MustParseAddr("2001:db8::1")
	for b.Loop() {
		_ = ValidSource6(a)
	}
}
