package vxlan

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// buildFrame encodes Ethernet/IPv4/UDP/VXLAN/inner with gopacket's layers
// around ours, lengths and checksums filled in.
func buildFrame(t *testing.T, v *VXLAN, port uint16, inner ...gopacket.SerializableLayer) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, Flags: layers.IPv4DontFragment,
		SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
	udp := &layers.UDP{SrcPort: 50000, DstPort: layers.UDPPort(port)}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	stack := []gopacket.SerializableLayer{
		&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
		ip, udp, v,
	}
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		append(stack, inner...)...))
	return buf.Bytes()
}

func innerEthernetICMP() []gopacket.SerializableLayer {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4,
		SrcIP: []byte{198, 51, 100, 1}, DstIP: []byte{198, 51, 100, 2}}
	return []gopacket.SerializableLayer{
		&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 1, 1}, DstMAC: []byte{2, 0, 0, 0, 1, 2}, EthernetType: layers.EthernetTypeIPv4},
		ip,
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 7, Seq: 1},
		gopacket.Payload("tunnelcodec"),
	}
}

func innerIPv6UDP() []gopacket.SerializableLayer {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
		SrcIP: []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}, DstIP: []byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}}
	udp := &layers.UDP{SrcPort: 49152, DstPort: 49153}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return []gopacket.SerializableLayer{ip, udp, gopacket.Payload("gpe")}
}

// TestTsharkReadsWhatWeEncode feeds headers we encode to tshark and requires
// the fields we meant, with no malformed-packet or checksum warnings.
func TestTsharkReadsWhatWeEncode(t *testing.T) {
	tests := []struct {
		name  string
		v     VXLAN
		port  uint16
		inner []gopacket.SerializableLayer
		proto string // the protocol tshark must find right after the outer UDP (and VXLAN)
	}{
		{"RFC 7348 with the largest VNI", VXLAN{Flags: FlagI, VNI: MaxVNI}, Port, innerEthernetICMP(), "vxlan:eth:ethertype:ip:icmp"},
		{"GBP with D, A and policy 0xbeef", VXLAN{Flags: FlagG | FlagI, PolicyFlags: FlagD | FlagA, GroupPolicyID: 0xbeef, VNI: 300},
			Port, innerEthernetICMP(), "vxlan:eth:ethertype:ip:icmp"},
		{"GPE carrying IPv6", VXLAN{Flags: FlagI | FlagP, NextProtocol: ProtoIPv6, VNI: 401}, PortGPE, innerIPv6UDP(), "ipv6:udp"},
		{"GPE carrying Ethernet with the OAM and B bits", VXLAN{Flags: FlagI | FlagP | FlagO | FlagB, NextProtocol: ProtoEthernet, VNI: 9},
			PortGPE, innerEthernetICMP(), "eth:ethertype:ip:icmp"},
		{"reserved bits kept as given", VXLAN{Flags: FlagI | 0x40, PolicyFlags: 0x01, GroupPolicyID: 0x0102, VNI: 5, Reserved2: 0x7f},
			Port, innerEthernetICMP(), "vxlan:eth:ethertype:ip:icmp"},
	}
	var frames [][]byte
	for _, tt := range tests {
		v := tt.v
		frames = append(frames, buildFrame(t, &v, tt.port, tt.inner...))
	}
	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames)
	require.Len(t, got, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := testutil.Fields{}
			v := tt.v
			tsharkFields(want, &v, tt.port == PortGPE)
			require.GreaterOrEqual(t, len(want), 9, "fields compared")
			testutil.CompareFields(t, tt.name, want, got[i])
			require.Empty(t, testutil.Warnings(got[i]))
			// tshark 4.0 leaves VXLAN-GPE out of frame.protocols; the
			// vxlan.* fields compared above show it decoded the header.
			require.Contains(t, got[i]["frame.protocols"][0], "udp:"+tt.proto)
			require.Equal(t, "1", got[i]["udp.checksum.status"][0], "tshark verified the outer UDP checksum")
		})
	}
}
