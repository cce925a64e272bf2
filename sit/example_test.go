package sit_test

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/sit"
)

func ping6(src, dst string, size int) []byte {
	ip := &layers.IPv6{Version: 6, TrafficClass: 0x02, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: netip.MustParseAddr(src).AsSlice(), DstIP: netip.MustParseAddr(dst).AsSlice()}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	_ = icmp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	_ = gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, icmp, &layers.ICMPv6Echo{Identifier: 1, SeqNumber: 1}, gopacket.Payload(make([]byte, size)))
	return buf.Bytes()
}

func Example() {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.2")
	here, _ := sit.New(sit.Config{Local: a, Remote: b, ICMPSource6: netip.MustParseAddr("2001:db8:1::1")})
	there, _ := sit.New(sit.Config{Local: b, Remote: a})

	out, _ := here.Encapsulate(nil, ping6("2001:db8:1::10", "2001:db8:2::20", 8))
	fmt.Printf("%d bytes, protocol %d, TOS %#02x, DF %v\n", len(out), out[9], out[1], out[6]&0x40 != 0)
	p, err := there.Decapsulate(out)
	fmt.Println(p.InnerSrc, "->", p.InnerDst, err)

	// Too big for the static tunnel MTU of 1280: tell the sender.
	big := ping6("2001:db8:1::10", "2001:db8:2::20", 1300)
	_, err = here.Encapsulate(nil, big)
	var tb *sit.TooBigError
	fmt.Println(errors.As(err, &tb), tb.MTU)
	msg, _ := here.Reply(nil, big, err)
	fmt.Printf("ICMPv6 type %d, MTU %d\n", msg[40], int(msg[46])<<8|int(msg[47]))
	// Output:
	// 76 bytes, protocol 41, TOS 0x02, DF false
	// 2001:db8:1::10 -> 2001:db8:2::20 <nil>
	// true 1280
	// ICMPv6 type 2, MTU 1280
}

// A 6rd CE sends packets for other CEs of its domain straight to them, and
// everything else to the Border Relay.
func ExampleSixRD() {
	d := sit.SixRD{Prefix: netip.MustParsePrefix("2001:db8::/32"), IPv4MaskLen: 8, BR: netip.MustParseAddr("10.0.0.1")}
	p, _ := d.DelegatedPrefix(netip.MustParseAddr("10.100.100.1"))
	fmt.Println(p)
	v4, _ := d.IPv4(netip.MustParseAddr("2001:db8:6464:200::1"), netip.MustParseAddr("10.100.100.1"))
	fmt.Println(v4)
	// Output:
	// 2001:db8:6464:100::/56
	// 10.100.100.2
}

func ExampleSixToFour() {
	p, _ := sit.SixToFour(netip.MustParseAddr("192.0.2.1"))
	v4, _ := sit.SixToFourIPv4(netip.MustParseAddr("2002:c633:6409::1"))
	fmt.Println(p, v4)
	// Output:
	// 2002:c000:201::/48 198.51.100.9
}

func ExampleISATAPAddr() {
	global, _ := sit.ISATAPAddr(netip.MustParsePrefix("fe80::/64"), netip.MustParseAddr("192.0.2.143"))
	private, _ := sit.ISATAPAddr(netip.MustParsePrefix("fe80::/64"), netip.MustParseAddr("10.0.0.1"))
	fmt.Println(global, private)
	// Output:
	// fe80::200:5efe:c000:28f fe80::5efe:a00:1
}
