package gre_test

import (
	"fmt"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/gre"
	"github.com/tunnelcodec/tunnelcodec/internal/sre"
)

// A GRE packet as the Linux kernel's keyed, sequenced tunnel sends it,
// carrying an IPv4 header.
var packet = []byte{
	0x30, 0x00, 0x08, 0x00, // K and S, IPv4
	0x00, 0x00, 0x00, 0x2a, // key 42
	0x00, 0x00, 0x00, 0x07, // sequence 7
	0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0, 64, 0, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2,
}

func Example() {
	var g gre.GRE
	if err := g.DecodeFromBytes(packet, gopacket.NilDecodeFeedback); err != nil {
		panic(err)
	}
	fmt.Println(g.Flags, g.Protocol, g.Key, g.Sequence, g.NextLayerType(), len(g.Payload))

	// Build one: FixLengths sets K and S from the fields, ComputeChecksums
	// fills the checksum because C is set (0x6e4d, as scapy computes it).
	out := gopacket.NewSerializeBuffer()
	h := &gre.GRE{Flags: gre.FlagC, Protocol: gre.ProtoIPv4, Key: 42, Sequence: 8}
	err := gopacket.SerializeLayers(out, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		h, gopacket.Payload(g.Payload))
	fmt.Printf("%x %v\n", out.Bytes()[:16], err)
	// Output:
	// K|S IPv4 42 7 IPv4 20
	// b00008006e4d00000000002a00000008 <nil>
}

func ExampleGRE_pptp() {
	// An enhanced GRE (RFC 2637) acknowledgment with no payload.
	h := gre.GRE{Version: gre.Version1, Protocol: gre.ProtoPPP, Ack: 41}
	h.SetPPTPKey(0, 0x4001)
	buf := gopacket.NewSerializeBuffer()
	if err := h.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		panic(err)
	}
	var g gre.GRE
	_ = g.DecodeFromBytes(buf.Bytes(), nil)
	fmt.Println(g.Flags, g.CallID(), g.Ack, g.IsAckOnly(), g.CheckPPTP())
	// Output: K|A 16385 41 true <nil>
}

func ExampleGRE_routing() {
	route, _ := sre.NewIPv4(0, netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2"))
	h := gre.GRE{Flags: gre.FlagR | gre.FlagStrict, Protocol: gre.ProtoIPv4, Routing: []gre.SRE{route}}
	b, _ := h.AppendBinary(nil)

	var g gre.GRE
	_ = g.DecodeFromBytes(b, nil)
	i, _ := g.ActiveSRE()
	r, _ := g.Routing[i].IPv4()
	next, _ := r.Active()
	fmt.Println(g.Flags, len(g.Routing), r.Addr(next))
	// Output: R|s 1 203.0.113.1
}

// ExampleTerminal decodes a tunnel with two reused DecodingLayerParsers: the
// outer one stops at GRE, the inner one starts from the layer the Protocol
// Type names. Nothing is allocated per packet.
func ExampleTerminal() {
	gre.Register()
	frame := append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 52, 0, 0, 0, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2}, packet...)

	var (
		eth          layers.Ethernet
		outerIP      layers.IPv4
		tunnel       gre.GRE
		innerIP      layers.IPv4
		innerPayload gopacket.Payload
	)
	outer := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &outerIP, gre.Terminal(&tunnel))
	inner := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &innerIP, &innerPayload)
	inner.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 4)

	if err := outer.DecodeLayers(frame, &decoded); err != nil {
		panic(err)
	}
	fmt.Println(decoded, tunnel.Key)
	if tunnel.NextLayerType() == layers.LayerTypeIPv4 {
		if err := inner.DecodeLayers(tunnel.Payload, &decoded); err != nil {
			panic(err)
		}
	}
	fmt.Println(decoded, outerIP.SrcIP, innerIP.SrcIP)
	// Output:
	// [Ethernet IPv4 GRE] 42
	// [IPv4] 192.0.2.1 198.51.100.1
}
