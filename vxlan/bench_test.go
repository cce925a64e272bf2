package vxlan

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// A GBP header with D and A set and a 64-byte inner frame, as the kernel
// sends them (kernel-gbp.pcap).
var benchPacket = append([]byte{0x88, 0x48, 0x01, 0x23, 0, 0x01, 0x2c, 0}, make([]byte, 64)...)

func BenchmarkDecode(b *testing.B) {
	b.Run("tunnelcodec", func(b *testing.B) {
		var v VXLAN
		b.SetBytes(HeaderLen)
		b.ReportAllocs()
		for b.Loop() {
			if err := v.DecodeFromBytes(benchPacket, gopacket.NilDecodeFeedback); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gopacket", func(b *testing.B) {
		var v layers.VXLAN
		b.SetBytes(HeaderLen)
		b.ReportAllocs()
		for b.Loop() {
			if err := v.DecodeFromBytes(benchPacket, gopacket.NilDecodeFeedback); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSerialize(b *testing.B) {
	var ours VXLAN
	var theirs layers.VXLAN
	_ = ours.DecodeFromBytes(benchPacket, nil)
	_ = theirs.DecodeFromBytes(benchPacket, nil)
	b.Run("tunnelcodec/AppendBinary", func(b *testing.B) {
		buf := make([]byte, 0, 64)
		b.SetBytes(HeaderLen)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ours.AppendBinary(buf[:0])
		}
	})
	b.Run("tunnelcodec/SerializeTo", func(b *testing.B) {
		buf := gopacket.NewSerializeBuffer()
		b.SetBytes(HeaderLen)
		b.ReportAllocs()
		for b.Loop() {
			_ = buf.Clear()
			if err := ours.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gopacket/SerializeTo", func(b *testing.B) {
		buf := gopacket.NewSerializeBuffer()
		b.SetBytes(HeaderLen)
		b.ReportAllocs()
		for b.Loop() {
			_ = buf.Clear()
			if err := theirs.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParserStack decodes Ethernet/IPv4/UDP/VXLAN with a reused
// DecodingLayerParser, ours against gopacket's VXLAN in the same stack.
func BenchmarkParserStack(b *testing.B) {
	frame := benchFrame(b)
	var (
		eth layers.Ethernet
		ip4 layers.IPv4
		udp layers.UDP
		vx  VXLAN
		gvx layers.VXLAN
	)
	decoded := make([]gopacket.LayerType, 0, 8)
	b.Run("tunnelcodec", func(b *testing.B) {
		p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, Terminal(&vx))
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			if err := p.DecodeLayers(frame, &decoded); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gopacket", func(b *testing.B) {
		layers.RegisterUDPPortLayerType(Port, layers.LayerTypeVXLAN)
		defer layers.RegisterUDPPortLayerType(Port, LayerTypeVXLAN)
		p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, Terminal(&gvx))
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			if err := p.DecodeLayers(frame, &decoded); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchFrame(b *testing.B) []byte {
	buf := gopacket.NewSerializeBuffer()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
	udp := &layers.UDP{SrcPort: 50000, DstPort: Port}
	_ = udp.SetNetworkLayerForChecksum(ip)
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4},
		ip, udp, gopacket.Payload(benchPacket))
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
