package fuzz

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/tunnelcodec/tunnelcodec/sit"
)

func sitTunnels(t testing.TB) (send, recv *sit.Tunnel, auto []*sit.Tunnel) {
	mk := func(c sit.Config) *sit.Tunnel {
		tun, err := sit.New(c)
		if err != nil {
			t.Fatal(err)
		}
		return tun
	}
	src6 := netip.MustParseAddr("2001:db8:1::1")
	auto = []*sit.Tunnel{
		mk(sit.Config{Local: exit4, Remote: netip.MustParseAddr("203.0.113.99"), Mode: sit.Mode6to4}),
		mk(sit.Config{Local: exit4, Mode: sit.Mode6rd, SixRD: sit.SixRD{Prefix: netip.MustParsePrefix("2001:db8::/32"), IPv4MaskLen: 8, BR: entry4}}),
		mk(sit.Config{Local: exit4, Remote: entry4, Mode: sit.ModeISATAP}),
	}
	return mk(sit.Config{Local: entry4, Remote: exit4, ICMPSource6: src6, PathMTU: true}), mk(sit.Config{Local: exit4, Remote: entry4}), auto
}

// FuzzSITDecapsulate: decapsulation in every mode and ICMPv4 translation
// never panic; in place and copied agree; what opens encapsulates again and
// opens to the same IPv6 packet.
func FuzzSITDecapsulate(f *testing.F) {
	ipSeeds(f, "sit")
	send, recv, auto := sitTunnels(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = send.Relay(nil, data)
		_, _ = send.Reply(nil, data, sit.ErrTTL)
		for _, a := range auto {
			_, _ = a.Decapsulate(bytes.Clone(data))
			_, _ = a.Encapsulate(nil, data)
		}
		copied, _, err2 := recv.DecapsulateTo(nil, data)
		p, err := recv.Decapsulate(bytes.Clone(data))
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Decapsulate %v, DecapsulateTo %v", err, err2)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(p.Inner, copied) {
			t.Fatalf("in place %x, copied %x", p.Inner, copied)
		}
		out, err := send.Encapsulate(nil, p.Inner)
		if err != nil {
			return
		}
		var frags [][]byte
		for q := range sit.Packets(out) {
			frags = append(frags, q)
		}
		whole := frags[0]
		if len(frags) > 1 {
			if whole, err = sit.Reassemble(nil, frags...); err != nil {
				t.Fatal(err)
			}
		}
		again, err := recv.Decapsulate(whole)
		if err != nil {
			t.Fatalf("our own encapsulation of %x refused: %v", p.Inner, err)
		}
		if !bytes.Equal(again.Inner, p.Inner) {
			t.Fatalf("round trip: %x became %x", p.Inner, again.Inner)
		}
	})
}

// FuzzSITRoundTrip: any IPv6 packet the encapsulator takes comes back whole,
// through IPv4 fragments when the link is small.
func FuzzSITRoundTrip(f *testing.F) {
	ipSeeds(f, "sit")
	f.Fuzz(func(t *testing.T, inner []byte) {
		if len(inner) < 2 {
			return
		}
		link := 68 + int(inner[len(inner)-1])*8
		send, err := sit.New(sit.Config{Local: entry4, Remote: exit4, MTU: 1480, LinkMTU: link, DSCP: sit.DSCPCopy})
		if err != nil {
			t.Fatal(err)
		}
		recv, _ := sit.New(sit.Config{Local: exit4, Remote: entry4})
		out, err := send.Encapsulate(nil, inner)
		if err != nil {
			return
		}
		var frags [][]byte
		for q := range sit.Packets(out) {
			if len(q) > link {
				t.Fatalf("packet of %d over the link MTU %d", len(q), link)
			}
			frags = append(frags, q)
		}
		whole := frags[0]
		if len(frags) > 1 {
			if whole, err = sit.Reassemble(nil, frags...); err != nil {
				t.Fatalf("reassembling our own fragments: %v", err)
			}
		}
		p, err := recv.Decapsulate(whole)
		if err != nil {
			return // source validity is the decapsulator's check alone
		}
		if n := len(p.Inner); n > len(inner) || !bytes.Equal(p.Inner, inner[:n]) {
			t.Fatalf("inner %x came back as %x", inner, p.Inner)
		}
	})
}
