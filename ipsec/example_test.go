package ipsec_test

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/ipsec"
)

// Seal a payload with AES-GCM and open it on the other side. The IV source
// is fixed here only to make the output reproducible; leave it unset.
func ExampleOutboundESP_Seal() {
	key := ipsec.Key(bytes.Repeat([]byte{0x42}, 20)) // AES-128 key ‖ 4-octet salt
	cfg := ipsec.Config{SPI: 0x1001, Encr: ipsec.EncrAESGCM16, EncrKey: key}
	tx, _ := ipsec.NewOutboundESP(cfg)
	rx, _ := ipsec.NewInboundESP(cfg)

	buf := make([]byte, 0, 1500)
	pkt, err := tx.Seal(buf, layers.IPProtocolUDP, []byte("hello"))
	if err != nil {
		panic(err)
	}
	o, err := rx.Open(make([]byte, 0, 1500), pkt)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d octets on the wire, seq %d, %v payload %q\n", len(pkt), o.Seq, o.NextHeader, o.Payload)
	_, err = rx.Open(nil, pkt)
	fmt.Println(err)
	fmt.Println(cfg)
	// Output:
	// 40 octets on the wire, seq 1, UDP payload "hello"
	// esp: sequence number at offset 4: already received or behind the anti-replay window
	// SPI 0x00001001 ENCR_AES_GCM_16 [20-byte key redacted] NONE [0-byte key redacted]
}

// Tunnel mode over NAT: an IPv4 packet inside ESP inside UDP 4500.
func ExampleOutboundESP_SealTunnel() {
	cfg := ipsec.Config{SPI: 0x2002, Encr: ipsec.EncrChaCha20Poly1305, EncrKey: make(ipsec.Key, 36)}
	tx, _ := ipsec.NewOutboundESP(cfg)
	rx, _ := ipsec.NewInboundESP(cfg)
	tun := &ipsec.Tunnel{Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("203.0.113.7"),
		UDPSrcPort: 4500, UDPDstPort: 4500}

	inner := gopacket.NewSerializeBuffer()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4,
		SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
	_ = gopacket.SerializeLayers(inner, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, gopacket.Payload("ping"))

	pkt, _ := tx.SealTunnel(nil, inner.Bytes(), tun)
	ipsec.Register()
	p := gopacket.NewPacket(pkt, layers.LayerTypeIPv4, gopacket.Default)
	for _, l := range p.Layers() {
		fmt.Print(l.LayerType(), " ")
	}
	back, _ := rx.OpenTunnel(nil, pkt)
	fmt.Println(bytes.Equal(back, inner.Bytes()))
	// Output: IPv4 UDP UDPEncap ESP true
}

// Read keys from a Wireshark esp_sa table and find the SA for a packet.
func ExampleParseESPSA() {
	table := `"IPv4","*","192.0.2.45","0x00000101","AES-CBC [RFC3602]","0x000102030405060708090a0b0c0d0e0f","HMAC-SHA-1-96 [RFC2404]","0x000102030405060708090a0b0c0d0e0f10111213"`
	entries, err := ipsec.ParseESPSA(bytes.NewBufferString(table))
	if err != nil {
		panic(err)
	}
	var db ipsec.Database
	for _, e := range entries {
		sa, _ := ipsec.NewInboundESP(e.Config)
		_ = db.Add(sa)
	}
	fmt.Println(db.ESP(0x101, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.45")))
	// Output: inbound ESP SPI 0x00000101 ENCR_AES_CBC [16-byte key redacted] AUTH_HMAC_SHA1_96 [20-byte key redacted] *→192.0.2.45
}
