package ikev2

import (
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// TestMain checks that importing the package changed nothing in gopacket,
// then registers the port every other test relies on.
func TestMain(m *testing.M) {
	for _, port := range []layers.UDPPort{Port, PortNATT} {
		if got := port.LayerType(); got != gopacket.LayerTypePayload {
			panic("import alone changed gopacket's decoding of UDP " + port.String() + " to " + got.String())
		}
	}
	Register()
	Register() // idempotent
	if got := layers.UDPPort(PortNATT).LayerType(); got != gopacket.LayerTypePayload {
		panic("Register hooked UDP 4500, which belongs to the ipsec dispatcher: " + got.String())
	}
	os.Exit(m.Run())
}

func TestRegisterHooksPort500Only(t *testing.T) {
	require.Equal(t, LayerTypeIKEv2, layers.UDPPort(Port).LayerType())
	require.Equal(t, 1730, int(LayerTypeIKEv2))
	require.Equal(t, "IKEv2", LayerTypeIKEv2.String())
}

// TestDecodingLayerParserAllocatesNothing decodes Ethernet/IPv4/UDP/IKEv2
// frames of a capture with one reused DecodingLayerParser; the IKEv2 layer
// ends the stack.
func TestDecodingLayerParserAllocatesNothing(t *testing.T) {
	var eth layers.Ethernet
	var ip4 layers.IPv4
	var udp layers.UDP
	var ike IKEv2
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, &ike)
	decoded := make([]gopacket.LayerType, 0, 8)
	var frames [][]byte
	for _, p := range testutil.ReadCapture(t, testutil.Vectors(t, "ikev2", "scapy-ikev2_notify_redirect.pcap")) {
		frames = append(frames, p.Data)
	}
	require.Len(t, frames, 4)
	for _, f := range frames {
		require.NoError(t, parser.DecodeLayers(f, &decoded))
		require.Equal(t, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeIKEv2}, decoded)
		require.NoError(t, ike.Check())
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, f := range frames {
			if err := parser.DecodeLayers(f, &decoded); err != nil {
				t.Fatal(err)
			}
		}
	})
	require.Zero(t, allocs)
}

// TestSerializeToFixLengths changes payload bodies of a decoded message and
// serializes it with FixLengths: the chain, the lengths and the header
// Length follow, and the SK payload's Next Payload (its first inner payload)
// is kept.
func TestSerializeToFixLengths(t *testing.T) {
	msg := ikeMessages(t, testutil.Vectors(t, "ikev2", "tcpdump-ikev2pI2.pcap"))[1]
	var m IKEv2
	require.NoError(t, m.DecodeFromBytes(msg, nil))
	m.Payloads = append([]Payload{{PayloadHeader: PayloadHeader{Type: PayloadVendorID}, Body: []byte("inserted")}}, m.Payloads...)
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, m.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}))
	out := buf.Bytes()
	require.Equal(t, len(msg)+12, len(out))
	var p Parser
	h, err := p.Start(out)
	require.NoError(t, err)
	require.Equal(t, PayloadVendorID, h.NextPayload)
	ph, err := p.Next()
	require.NoError(t, err)
	require.Equal(t, PayloadSK, ph.NextPayload)
	ph, err = p.Next()
	require.NoError(t, err)
	require.Equal(t, PayloadIDi, ph.NextPayload, "SK keeps its first inner payload")
	require.True(t, ph.Critical, "flags kept")
	require.Equal(t, msg[HeaderLen:], out[HeaderLen+12:])
}

// TestNewPacketDecodesIKE decodes through gopacket.NewPacket and reports a
// broken message as a decode failure with our DecodeError.
func TestNewPacketDecodesIKE(t *testing.T) {
	msg := ikeMessages(t, testutil.Vectors(t, "ikev2", "scapy-ikev2_notify_redirect.pcap"))[0]
	frame := udpFrame(t, msg, false)
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	m, ok := pkt.Layer(LayerTypeIKEv2).(*IKEv2)
	require.True(t, ok)
	require.Equal(t, IKE_SA_INIT, m.ExchangeType)
	require.Nil(t, pkt.ErrorLayer())

	bad := udpFrame(t, msg[:len(msg)-3], false)
	pkt = gopacket.NewPacket(bad, layers.LayerTypeEthernet, gopacket.Default)
	require.NotNil(t, pkt.ErrorLayer())
	require.ErrorIs(t, pkt.ErrorLayer().Error(), ErrTruncated)
}
