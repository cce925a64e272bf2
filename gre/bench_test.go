package gre

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The same bytes for both decoders: an inner 64-byte IPv4 packet behind
//   - plain: RFC 2784 with no optional field (the kernel's default gre tunnel),
//   - keyseq: RFC 2890 key and sequence number,
//   - routing: RFC 1701 checksum, offset and a two-SRE routing list.
var benchPackets = []struct {
	name   string
	header []byte
}{
	{"plain", []byte{0x00, 0x00, 0x08, 0x00}},
	{"keyseq", []byte{0x30, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x01, 0x00}},
	{"routing", []byte{0xc0, 0x00, 0x08, 0x00, 0xac, 0x1c, 0x00, 0x00, // checksum by scapy.checksum
		0x08, 0x00, 0x04, 0x08, 192, 0, 2, 1, 192, 0, 2, 2,
		0xff, 0xfe, 0x00, 0x04, 0xfd, 0xe8, 0xfd, 0xe9,
		0x00, 0x00, 0x00, 0x00}},
}

func benchPacket(h []byte) []byte { return append(append([]byte{}, h...), make([]byte, 64)...) }

func BenchmarkDecode(b *testing.B) {
	for _, bp := range benchPackets {
		pkt := benchPacket(bp.header)
		b.Run(bp.name+"/tunnelcodec", func(b *testing.B) {
			var g GRE
			b.SetBytes(int64(len(bp.header)))
			b.ReportAllocs()
			for b.Loop() {
				if err := g.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bp.name+"/gopacket", func(b *testing.B) {
			var g layers.GRE
			b.SetBytes(int64(len(bp.header)))
			b.ReportAllocs()
			for b.Loop() {
				if err := g.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, bp := range benchPackets {
		pkt := benchPacket(bp.header)
		var ours GRE
		var theirs layers.GRE
		if err := ours.DecodeFromBytes(pkt, nil); err != nil {
			b.Fatal(err)
		}
		_ = theirs.DecodeFromBytes(pkt, nil)
		b.Run(bp.name+"/tunnelcodec/AppendBinary", func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.SetBytes(int64(len(bp.header)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = ours.AppendBinary(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bp.name+"/tunnelcodec/SerializeTo", func(b *testing.B) {
			buf := gopacket.NewSerializeBuffer()
			b.SetBytes(int64(len(bp.header)))
			b.ReportAllocs()
			for b.Loop() {
				_ = buf.Clear()
				if err := ours.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bp.name+"/gopacket/SerializeTo", func(b *testing.B) {
			buf := gopacket.NewSerializeBuffer()
			b.SetBytes(int64(len(bp.header)))
			b.ReportAllocs()
			for b.Loop() {
				_ = buf.Clear()
				if err := theirs.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
