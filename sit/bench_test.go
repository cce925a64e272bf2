package sit

import (
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Ours against gopacket's layers doing the 6in4 header work by hand (no
// RFC rules: the floor), on the same packets in one run.

func BenchmarkEncapsulate(b *testing.B) {
	for _, n := range []int{64, 1200} {
		in := tcp6(b, hostA, hostB, 0x02, n)
		tun := mustNew(b, Config{Local: local4, Remote: peer4, MTU: 1480})
		name := map[int]string{64: "6in4/64B", 1200: "6in4/1200B"}[n]
		b.Run(name+"/tunnelcodec", func(b *testing.B) {
			dst := make([]byte, 0, 2048)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tun.Encapsulate(dst[:0], in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/gopacket", func(b *testing.B) {
			buf := gopacket.NewSerializeBuffer()
			opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolIPv6, SrcIP: net.IP(local4.AsSlice()), DstIP: net.IP(peer4.AsSlice())}
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				ip.TOS = (in[0]<<4 | in[1]>>4) & 3
				ip.Id++
				if err := gopacket.SerializeLayers(buf, opts, ip, gopacket.Payload(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecapsulate(b *testing.B) {
	pkt, err := mustNew(b, Config{Local: local4, Remote: peer4}).Encapsulate(nil, tcp6(b, hostA, hostB, 0x02, 64))
	if err != nil {
		b.Fatal(err)
	}
	recv := mustNew(b, Config{Local: peer4, Remote: local4})
	b.Run("6in4/64B/tunnelcodec", func(b *testing.B) {
		b.SetBytes(int64(len(pkt)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := recv.Decapsulate(pkt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("6in4/64B/gopacket", func(b *testing.B) {
		var ip4 layers.IPv4
		var ip6 layers.IPv6
		b.SetBytes(int64(len(pkt)))
		b.ReportAllocs()
		for b.Loop() {
			if err := ip4.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
				b.Fatal(err)
			}
			if err := ip6.DecodeFromBytes(ip4.Payload, gopacket.NilDecodeFeedback); err != nil {
				b.Fatal(err)
			}
		}
	})
}
