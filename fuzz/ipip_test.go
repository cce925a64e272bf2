package fuzz

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
	"github.com/tunnelcodec/tunnelcodec/ipip"
)

// The tunnel endpoints of the scapy captures (testdata/gen/ipip.py).
var (
	entry4, exit4 = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	entry6, exit6 = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
)

// ipSeeds adds every frame of the captures, from its IP header on.
func ipSeeds(f *testing.F, proto string) {
	files := testutil.Glob(f, testutil.Testdata(f, proto, "*.pcap"))
	if dir := vectorsIfPresent(f, proto); dir != "" {
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcap"))...)
	}
	for _, file := range files {
		for _, b := range iptuntest.IPFrames(f, file) {
			if b != nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x45})
	f.Add([]byte{0x60, 0, 0, 0, 0, 0, 0x3c, 0})
}

func ipipTunnels(t testing.TB) (send4, recv4, send6, recv6 *ipip.Tunnel) {
	mk := func(c ipip.Config) *ipip.Tunnel {
		tun, err := ipip.New(c)
		if err != nil {
			t.Fatal(err)
		}
		return tun
	}
	icmp4 := netip.MustParseAddr("198.51.100.1")
	return mk(ipip.Config{Local: entry4, Remote: exit4}), mk(ipip.Config{Local: exit4, Remote: entry4}),
		mk(ipip.Config{Local: entry6, Remote: exit6, ICMPSource4: icmp4}), mk(ipip.Config{Local: exit6, Remote: entry6, ICMPSource4: icmp4})
}

// FuzzIPIPDecapsulate: decapsulation, in place and into a buffer, and ICMP
// relay never panic on any input; the two decapsulations agree; what opens
// encapsulates again and opens to the same inner packet.
func FuzzIPIPDecapsulate(f *testing.F) {
	ipSeeds(f, "ipip")
	send4, recv4, send6, recv6 := ipipTunnels(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, pair := range [][2]*ipip.Tunnel{{send4, recv4}, {send6, recv6}} {
			send, recv := pair[0], pair[1]
			_, _ = send.Relay(nil, data)
			_, _ = send.Reply(nil, data, &ipip.TooBigError{MTU: 1280})
			_, _ = ipip.Reassemble(nil, data, data)
			copied, p2, err2 := recv.DecapsulateTo(nil, data)
			in := bytes.Clone(data)
			p, err := recv.Decapsulate(in)
			if (err == nil) != (err2 == nil) {
				t.Fatalf("Decapsulate %v, DecapsulateTo %v", err, err2)
			}
			if err != nil {
				continue
			}
			if !bytes.Equal(p.Inner, copied) || !bytes.Equal(p2.Inner, copied) {
				t.Fatalf("in place %x, copied %x", p.Inner, copied)
			}
			out, err := send.Encapsulate(nil, p.Inner)
			if err != nil {
				continue // the encapsulation rules may refuse what a peer sent
			}
			again, err := recv.Decapsulate(bytes.Clone(out))
			if err != nil {
				t.Fatalf("our own encapsulation of %x refused: %v", p.Inner, err)
			}
			if !bytes.Equal(again.Inner, p.Inner) {
				t.Fatalf("round trip: %x became %x", p.Inner, again.Inner)
			}
		}
	})
}

// FuzzIPIPRoundTrip: any inner packet the encapsulator takes, at any MTU,
// comes back whole from Reassemble and Decapsulate.
func FuzzIPIPRoundTrip(f *testing.F) {
	ipSeeds(f, "ipip")
	f.Fuzz(func(t *testing.T, inner []byte) {
		if len(inner) < 4 {
			return
		}
		mtu := 68 + int(inner[len(inner)-1])*8
		for _, v6 := range []bool{false, true} {
			cfg := ipip.Config{Local: entry4, Remote: exit4, MTU: mtu, DF: ipip.DFMode(inner[len(inner)-2] & 1)}
			if v6 {
				cfg = ipip.Config{Local: entry6, Remote: exit6, MTU: 1280 + mtu, EncapLimit: int(inner[len(inner)-3])}
			}
			send, err := ipip.New(cfg)
			if err != nil {
				continue
			}
			cfg.Local, cfg.Remote = cfg.Remote, cfg.Local
			recv, err := ipip.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			out, err := send.Encapsulate(nil, inner)
			if err != nil {
				continue
			}
			var frags [][]byte
			for p := range ipip.Packets(out) {
				if len(p) > send.LinkMTU() {
					t.Fatalf("packet of %d over the MTU %d", len(p), send.LinkMTU())
				}
				frags = append(frags, p)
			}
			whole := frags[0]
			if len(frags) > 1 {
				if whole, err = ipip.Reassemble(nil, frags...); err != nil {
					t.Fatalf("reassembling our own fragments: %v", err)
				}
			}
			p, err := recv.Decapsulate(whole)
			if err != nil {
				// The decapsulator checks what the encapsulator need not
				// (inner source validity, loops through the entry point).
				continue
			}
			if n := len(p.Inner); n > len(inner) || !bytes.Equal(p.Inner, inner[:n]) {
				t.Fatalf("inner %x came back as %x", inner, p.Inner)
			}
		}
	})
}
