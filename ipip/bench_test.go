package ipip

import (
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The benchmarks build and open the same tunnel packets three ways: this
// package's Encapsulate/Decapsulate, this package's Encap layer through
// gopacket.SerializeLayers, and gopacket's own layers.IPv4/IPv6 doing the
// header work by hand (no RFC rules applied, so the floor).

func benchInner(b *testing.B, v6 bool, n int) []byte {
	if v6 {
		return inner6(b, 0x2a, n)
	}
	return inner4(b, 0xba, true, 64, n)
}

func BenchmarkEncapsulate(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  Config
		v6   bool
		n    int
	}{
		{"4in4/64B", Config{Local: entry4, Remote: exit4}, false, 64},
		{"4in4/1400B", Config{Local: entry4, Remote: exit4}, false, 1400},
		{"6in6+TEL/64B", Config{Local: entry6, Remote: exit6}, true, 64},
		{"6in6+TEL/1400B", Config{Local: entry6, Remote: exit6}, true, 1400},
	} {
		tun := mustNew(b, c.cfg)
		in := benchInner(b, c.v6, c.n)
		b.Run(c.name+"/tunnelcodec", func(b *testing.B) {
			dst := make([]byte, 0, 2048)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tun.Encapsulate(dst[:0], in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/tunnelcodec-gopacket", func(b *testing.B) {
			buf := gopacket.NewSerializeBuffer()
			e := &Encap{Tunnel: tun}
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				_ = buf.Clear()
				p, _ := buf.AppendBytes(len(in))
				copy(p, in)
				if err := e.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/gopacket", func(b *testing.B) {
			buf := gopacket.NewSerializeBuffer()
			opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
			var outer gopacket.SerializableLayer
			if c.v6 {
				dest := &layers.IPv6Destination{Options: []*layers.IPv6DestinationOption{
					{OptionType: 4, OptionLength: 1, OptionData: []byte{4}}, {OptionType: 1, OptionLength: 1, OptionData: []byte{0}}}}
				dest.NextHeader = layers.IPProtocolIPv6
				ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Destination,
					SrcIP: net.IP(entry6.AsSlice()), DstIP: net.IP(exit6.AsSlice())}
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					ip.TrafficClass = in[0]<<4 | in[1]>>4
					if err := gopacket.SerializeLayers(buf, opts, ip, dest, gopacket.Payload(in)); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolIPv4,
				SrcIP: net.IP(entry4.AsSlice()), DstIP: net.IP(exit4.AsSlice())}
			outer = ip
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				ip.TOS, ip.Flags = in[1], layers.IPv4Flag(in[6]>>5)&layers.IPv4DontFragment
				ip.Id++
				if err := gopacket.SerializeLayers(buf, opts, outer, gopacket.Payload(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecapsulate(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  Config
		v6   bool
		n    int
	}{
		{"4in4/64B", Config{Local: entry4, Remote: exit4}, false, 64},
		{"4in4/1400B", Config{Local: entry4, Remote: exit4}, false, 1400},
		{"6in6+TEL/64B", Config{Local: entry6, Remote: exit6}, true, 64},
	} {
		pkt, err := mustNew(b, c.cfg).Encapsulate(nil, benchInner(b, c.v6, c.n))
		if err != nil {
			b.Fatal(err)
		}
		rcfg := c.cfg
		rcfg.Local, rcfg.Remote = c.cfg.Remote, c.cfg.Local
		recv := mustNew(b, rcfg)
		b.Run(c.name+"/tunnelcodec", func(b *testing.B) {
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := recv.Decapsulate(pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/gopacket", func(b *testing.B) {
			// Decoding only: both headers with gopacket's layers, no checks
			// beyond gopacket's own.
			var outer4, inner4 layers.IPv4
			var outer6, inner6 layers.IPv6
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				if c.v6 {
					if err := outer6.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
						b.Fatal(err)
					}
					// The TEL destination options header is 8 octets.
					if err := inner6.DecodeFromBytes(outer6.Payload[8:], gopacket.NilDecodeFeedback); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if err := outer4.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
					b.Fatal(err)
				}
				if err := inner4.DecodeFromBytes(outer4.Payload, gopacket.NilDecodeFeedback); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
