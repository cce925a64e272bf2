package vxlan

import (
	"math/rand/v2"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"
)

func tcpFrame(t *testing.T, vlan bool, srcPort uint16, payload string) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: []byte{198, 51, 100, 1}, DstIP: []byte{198, 51, 100, 2}}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(srcPort), DstPort: 80, Seq: rand.Uint32()}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	eth := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	stack := []gopacket.SerializableLayer{eth}
	if vlan {
		eth.EthernetType = layers.EthernetTypeDot1Q
		stack = append(stack, &layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4})
	}
	stack = append(stack, ip, tcp, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, stack...))
	return buf.Bytes()
}

func TestSourcePortFollowsTheFlow(t *testing.T) {
	a := SourcePort(tcpFrame(t, false, 40000, "first"), ProtoEthernet)
	require.Equal(t, a, SourcePort(tcpFrame(t, false, 40000, "second segment, other seq"), ProtoEthernet),
		"packets of one flow share the port")
	require.Equal(t, a, SourcePort(tcpFrame(t, true, 40000, "tagged"), ProtoEthernet),
		"an 802.1Q tag does not change the flow")
	require.NotEqual(t, a, SourcePort(tcpFrame(t, false, 40001, "first"), ProtoEthernet),
		"another source port is another flow")
	require.GreaterOrEqual(t, a, uint16(SourcePortMin))

	// A GPE header carries the IP packet without Ethernet.
	f := tcpFrame(t, false, 40000, "x")
	require.Equal(t, a, SourcePort(f[14:], ProtoIPv4))
}

func TestSourcePortSpreadsOverTheRange(t *testing.T) {
	const flows, buckets = 16384, 16
	var count [buckets]int
	r := rand.New(rand.NewPCG(1, 1))
	frame := make([]byte, 14+20+20)
	frame[12], frame[13] = 0x08, 0x00
	frame[14] = 0x45
	frame[14+9] = 6
	for i := 0; i < flows; i++ {
		for j := 14 + 12; j < len(frame); j++ {
			frame[j] = byte(r.Uint32())
		}
		p := SourcePort(frame, ProtoEthernet)
		require.GreaterOrEqual(t, p, uint16(SourcePortMin))
		count[(int(p)-SourcePortMin)*buckets/(SourcePortMax-SourcePortMin+1)]++
	}
	for i, c := range count {
		require.InDelta(t, flows/buckets, c, flows/buckets/5, "bucket %d of the dynamic range", i)
	}
}

func TestSourcePortRange(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	b := make([]byte, 60)
	for i := 0; i < 5000; i++ {
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		p := SourcePortRange(b, ProtoEthernet, 32768, 61000) // the kernel's default ip_local_port_range
		require.True(t, p >= 32768 && p <= 61000, "%d", p)
		require.Equal(t, uint16(4789), SourcePortRange(b, ProtoEthernet, 4789, 4789))
	}
	require.Panics(t, func() { SourcePortRange(b, ProtoEthernet, 2, 1) })
}

func TestSourcePortShortAndOddInputs(t *testing.T) {
	for n := 0; n < 80; n++ {
		b := make([]byte, n)
		if n > 14 {
			b[12], b[13], b[14] = 0x86, 0xdd, 0x60
		}
		_ = SourcePort(b, ProtoEthernet)
		_ = SourcePort(b, ProtoIPv6)
		_ = SourcePort(b, ProtoIPv4)
	}
}

func TestSourcePortAllocatesNothing(t *testing.T) {
	f := tcpFrame(t, true, 1234, "x")
	require.Zero(t, testing.AllocsPerRun(1000, func() { _ = SourcePort(f, ProtoEthernet) }))
}
