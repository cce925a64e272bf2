package vxlan_test

import (
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/vxlan"
)

// frame builds Ethernet/IPv4/UDP/VXLAN around an inner Ethernet frame.
func frame() []byte {
	inner := gopacket.NewSerializeBuffer()
	_ = gopacket.SerializeLayers(inner, gopacket.SerializeOptions{FixLengths: true},
		&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 1, 1}, DstMAC: []byte{2, 0, 0, 0, 1, 2}, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: []byte{2, 0, 0, 0, 1, 1}, SourceProtAddress: []byte{198, 51, 100, 1},
			DstHwAddress: make([]byte, 6), DstProtAddress: []byte{198, 51, 100, 2}})

	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
	udp := &layers.UDP{SrcPort: layers.UDPPort(vxlan.SourcePort(inner.Bytes(), vxlan.ProtoEthernet)), DstPort: vxlan.Port}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	_ = gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
		ip, udp,
		&vxlan.VXLAN{Flags: vxlan.FlagG, PolicyFlags: vxlan.FlagA, GroupPolicyID: 0x0123, VNI: 300},
		gopacket.Payload(inner.Bytes()))
	return buf.Bytes()
}

// Build a GBP header with gopacket.SerializeLayers (FixLengths sets the I
// flag) and decode it back through gopacket.
func Example() {
	vxlan.Register()
	pkt := gopacket.NewPacket(frame(), layers.LayerTypeEthernet, gopacket.Default)
	v := pkt.Layer(vxlan.LayerTypeVXLAN).(*vxlan.VXLAN)
	fmt.Println(v.Flags, v.VNI, v.GroupPolicyID, v.PolicyFlags.A(), v.Check())
	fmt.Println(pkt.Layer(layers.LayerTypeARP) != nil)
	// Output:
	// G|I 300 291 true <nil>
	// true
}

// Decode a tunnel with two reused DecodingLayerParsers and no allocation:
// the first stops at VXLAN (Terminal), the second starts from its payload,
// so the inner Ethernet does not overwrite the outer one.
func ExampleTerminal() {
	vxlan.Register()
	var (
		eth, innerEth layers.Ethernet
		ip4           layers.IPv4
		udp           layers.UDP
		vx            vxlan.VXLAN
		arp           layers.ARP
		padding       gopacket.Payload // Ethernet padding after the ARP message
	)
	outer := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, vxlan.Terminal(&vx))
	inner := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &innerEth, &arp, &padding)
	var decoded []gopacket.LayerType

	data := frame()
	if err := outer.DecodeLayers(data, &decoded); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(decoded, eth.SrcMAC, "vni", vx.VNI)
	if err := inner.DecodeLayers(vx.LayerPayload(), &decoded); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(decoded, innerEth.SrcMAC, "who-has", ip4String(arp.DstProtAddress))
	// Output:
	// [Ethernet IPv4 UDP VXLAN] 02:00:00:00:00:01 vni 300
	// [Ethernet ARP Payload] 02:00:00:00:01:01 who-has 198.51.100.2
}

func ip4String(b []byte) string { return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3]) }

// Append a header into a reused buffer: no allocation once it has room.
func ExampleVXLAN_AppendBinary() {
	v := vxlan.VXLAN{Flags: vxlan.FlagI | vxlan.FlagP, NextProtocol: vxlan.ProtoIPv6, VNI: 401}
	buf := make([]byte, 0, 64)
	buf, err := v.AppendBinary(buf)
	fmt.Printf("% x %v\n", buf, err)
	// Output: 0c 00 00 02 00 01 91 00 <nil>
}

// The outer UDP source port follows the inner flow, in 49152-65535.
func ExampleSourcePort() {
	inner := []byte{ // an IPv4/UDP packet as a GPE header would carry it
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2,
		0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0}
	p := vxlan.SourcePort(inner, vxlan.ProtoIPv4)
	fmt.Println(p >= vxlan.SourcePortMin, p == vxlan.SourcePort(inner, vxlan.ProtoIPv4))
	// Output: true true
}
