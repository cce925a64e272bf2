package gre

import (
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Protocol is the GRE Protocol Type: the EtherType of the payload (RFC 1701
// §2.2 table, RFC 2784 §2.4).
type Protocol uint16

// Protocol Type values: the RFC 1701 table, then later assignments.
const (
	ProtoReserved            Protocol = 0x0000
	ProtoSNA                 Protocol = 0x0004
	ProtoOSI                 Protocol = 0x00fe // OSI network layer
	ProtoPUP                 Protocol = 0x0200
	ProtoXNS                 Protocol = 0x0600
	ProtoIPv4                Protocol = 0x0800
	ProtoChaos               Protocol = 0x0804
	ProtoARP                 Protocol = 0x0806 // RFC 826 ARP
	ProtoFrameRelayARP       Protocol = 0x0808
	ProtoVINES               Protocol = 0x0bad
	ProtoVINESEcho           Protocol = 0x0bae
	ProtoVINESLoopback       Protocol = 0x0baf
	ProtoDECnetIV            Protocol = 0x6003 // DECnet Phase IV
	ProtoTEB                 Protocol = 0x6558 // Transparent Ethernet Bridging; NVGRE (RFC 7637)
	ProtoRawFrameRelay       Protocol = 0x6559
	ProtoApollo              Protocol = 0x8019 // Apollo Domain
	ProtoEthertalk           Protocol = 0x809b // Ethertalk (AppleTalk)
	ProtoIPX                 Protocol = 0x8137 // Novell IPX
	ProtoTCPIPCompression    Protocol = 0x876b // RFC 1144 TCP/IP compression
	ProtoIPAutonomousSystems Protocol = 0x876c
	ProtoSecureData          Protocol = 0x876d
	ProtoReservedFFFF        Protocol = 0xffff

	ProtoIPv6          Protocol = 0x86dd
	ProtoMPLS          Protocol = 0x8847 // MPLS unicast (RFC 4023)
	ProtoMPLSMulticast Protocol = 0x8848
	ProtoPPP           Protocol = 0x880b // PPP; PPTP enhanced GRE (RFC 2637)
	ProtoERSPAN        Protocol = 0x88be // ERSPAN type II (with S), type I (without)
	ProtoERSPAN3       Protocol = 0x22eb // ERSPAN type III
)

var protocolNames = map[Protocol]string{
	ProtoReserved:            "Reserved",
	ProtoSNA:                 "SNA",
	ProtoOSI:                 "OSI network layer",
	ProtoPUP:                 "PUP",
	ProtoXNS:                 "XNS",
	ProtoIPv4:                "IPv4",
	ProtoChaos:               "Chaos",
	ProtoARP:                 "ARP",
	ProtoFrameRelayARP:       "Frame Relay ARP",
	ProtoVINES:               "VINES",
	ProtoVINESEcho:           "VINES Echo",
	ProtoVINESLoopback:       "VINES Loopback",
	ProtoDECnetIV:            "DECnet Phase IV",
	ProtoTEB:                 "Transparent Ethernet Bridging",
	ProtoRawFrameRelay:       "Raw Frame Relay",
	ProtoApollo:              "Apollo Domain",
	ProtoEthertalk:           "Ethertalk",
	ProtoIPX:                 "Novell IPX",
	ProtoTCPIPCompression:    "TCP/IP compression",
	ProtoIPAutonomousSystems: "IP Autonomous Systems",
	ProtoSecureData:          "Secure Data",
	ProtoReservedFFFF:        "Reserved",
	ProtoIPv6:                "IPv6",
	ProtoMPLS:                "MPLS",
	ProtoMPLSMulticast:       "MPLS multicast",
	ProtoPPP:                 "PPP",
	ProtoERSPAN:              "ERSPAN",
	ProtoERSPAN3:             "ERSPAN type III",
}

// String returns the name from the table, or "Protocol(0x8909)".
func (p Protocol) String() string {
	if s, ok := protocolNames[p]; ok {
		return s
	}
	return "Protocol(0x" + hex4(uint16(p)) + ")"
}

func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// LayerType returns the gopacket layer that decodes a payload of this
// protocol: IPv4, IPv6, ARP, Ethernet (0x6558), PPP, MPLS, and for 0x88be
// Ethernet as well (ERSPAN type I has no header of its own; type II, which
// sets S, is chosen by GRE.NextLayerType). Everything else, ERSPAN type III
// included (gopacket v1.1.19 has no decoder for it), is payload.
func (p Protocol) LayerType() gopacket.LayerType {
	switch p {
	case ProtoIPv4:
		return layers.LayerTypeIPv4
	case ProtoIPv6:
		return layers.LayerTypeIPv6
	case ProtoARP:
		return layers.LayerTypeARP
	case ProtoTEB, ProtoERSPAN:
		return layers.LayerTypeEthernet
	case ProtoPPP:
		return layers.LayerTypePPP
	case ProtoMPLS, ProtoMPLSMulticast:
		return layers.LayerTypeMPLS
	}
	return gopacket.LayerTypePayload
}
