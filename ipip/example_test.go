package ipip_test

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/ipip"
)

// udpPacket is an IPv4/UDP packet from 198.51.100.10 to 203.0.113.20, DF
// set, DSCP AF41 and ECT(0).
func udpPacket(payload string) []byte {
	ip := &layers.IPv4{Version: 4, TOS: 34<<2 | 2, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolUDP,
		SrcIP: []byte{198, 51, 100, 10}, DstIP: []byte{203, 0, 113, 20}}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 7}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	_ = gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, udp, gopacket.Payload(payload))
	return buf.Bytes()
}

var inner = udpPacket("hello")

func Example() {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	entry, _ := ipip.New(ipip.Config{Local: a, Remote: b})
	exit, _ := ipip.New(ipip.Config{Local: b, Remote: a})

	buf := make([]byte, 0, 1500)
	out, err := entry.Encapsulate(buf, inner)
	if err != nil {
		panic(err)
	}
	fmt.Printf("outer: %d bytes, TOS %#02x, DF %v, TTL %d, protocol %d\n", len(out), out[1], out[6]&0x40 != 0, out[8], out[9])

	p, err := exit.Decapsulate(out)
	if err != nil {
		panic(err)
	}
	fmt.Println("inner:", p.InnerSrc, "->", p.InnerDst, len(p.Inner), "bytes, ECN", p.ECN)

	// A tunnel whose peer is another node refuses the packet.
	other, _ := ipip.New(ipip.Config{Local: b, Remote: netip.MustParseAddr("192.0.2.99")})
	_, err = other.Decapsulate(out)
	fmt.Println(err, errors.Is(err, ipip.ErrWrongPeer))
	// Output:
	// outer: 53 bytes, TOS 0x8a, DF true, TTL 64, protocol 4
	// inner: 198.51.100.10 -> 203.0.113.20 33 bytes, ECN forward
	// ipip: outer source at offset 12: outer address is not the configured tunnel endpoint true
}

// A packet with DF set that does not fit the tunnel is refused with the MTU
// the sender must use; Reply builds the ICMP message that tells it.
func ExampleTunnel_Reply() {
	t, _ := ipip.New(ipip.Config{Local: netip.MustParseAddr("192.0.2.1"), Remote: netip.MustParseAddr("192.0.2.2"), MTU: 576})
	big := udpPacket(string(make([]byte, 1000)))
	_, err := t.Encapsulate(nil, big)
	var tb *ipip.TooBigError
	fmt.Println(errors.As(err, &tb), tb.MTU)
	msg, _ := t.Reply(nil, big, err)
	fmt.Printf("ICMP type %d code %d next-hop MTU %d to %d.%d.%d.%d\n", msg[20], msg[21], int(msg[26])<<8|int(msg[27]), msg[16], msg[17], msg[18], msg[19])
	// Output:
	// true 556
	// ICMP type 3 code 4 next-hop MTU 556 to 198.51.100.10
}

// Encap lets gopacket.SerializeLayers build the whole tunnel packet: the
// outer header comes from the tunnel and the inner packet below it.
func ExampleEncap() {
	t, _ := ipip.New(ipip.Config{Local: netip.MustParseAddr("2001:db8::1"), Remote: netip.MustParseAddr("2001:db8::2")})
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{198, 51, 100, 10}, DstIP: []byte{203, 0, 113, 20}}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 7}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&ipip.Encap{Tunnel: t}, ip, udp, gopacket.Payload("hello"))
	if err != nil {
		panic(err)
	}
	for _, l := range gopacket.NewPacket(buf.Bytes(), layers.LayerTypeIPv6, gopacket.Default).Layers() {
		fmt.Print(l.LayerType(), " ")
	}
	fmt.Println()
	// Output:
	// IPv6 IPv6Destination IPv4 UDP Payload
}

// ExampleTerminal decodes a tunnel packet with reused DecodingLayerParsers:
// the outer parser stops at the outer IP header, Decapsulate checks the
// tunnel packet, a second parser decodes the inner packet.
func ExampleTerminal() {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	entry, _ := ipip.New(ipip.Config{Local: a, Remote: b})
	exit, _ := ipip.New(ipip.Config{Local: b, Remote: a})
	pkt, _ := entry.Encapsulate(nil, inner)

	var outer, in layers.IPv4
	var udp layers.UDP
	var payload gopacket.Payload
	outerP := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, ipip.Terminal(&outer))
	innerP := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &in, &udp, &payload)
	var decoded []gopacket.LayerType

	_ = outerP.DecodeLayers(pkt, &decoded)
	fmt.Println("outer:", decoded, outer.SrcIP, "->", outer.DstIP)
	p, err := exit.Decapsulate(pkt)
	if err != nil {
		panic(err)
	}
	_ = innerP.DecodeLayers(p.Inner, &decoded)
	fmt.Println("inner:", decoded, in.SrcIP, "->", in.DstIP, string(payload))
	// Output:
	// outer: [IPv4] 192.0.2.1 -> 192.0.2.2
	// inner: [IPv4 UDP Payload] 198.51.100.10 -> 203.0.113.20 hello
}
