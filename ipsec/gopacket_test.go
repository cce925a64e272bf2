package ipsec

import (
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"
)

// TestMain checks that importing the package changed nothing in gopacket,
// then registers the decoders every other test relies on.
func TestMain(m *testing.M) {
	if got := layers.IPProtocolESP.LayerType(); got != layers.LayerTypeIPSecESP {
		panic("import alone changed gopacket's IP protocol 50 to " + got.String())
	}
	if got := layers.IPProtocolAH.LayerType(); got != layers.LayerTypeIPSecAH {
		panic("import alone changed gopacket's IP protocol 51 to " + got.String())
	}
	if got := layers.UDPPort(NATTPort).LayerType(); got != gopacket.LayerTypePayload {
		panic("import alone changed gopacket's UDP 4500 to " + got.String())
	}
	if ikeLayerType() != gopacket.LayerTypePayload {
		panic("layer 1730 (IKEv2) registered in a test binary without ikev2")
	}
	Register()
	Register() // idempotent
	os.Exit(m.Run())
}

func TestRegisterHooks(t *testing.T) {
	require.Equal(t, LayerTypeESP, layers.IPProtocolESP.LayerType())
	require.Equal(t, LayerTypeAH, layers.IPProtocolAH.LayerType())
	require.Equal(t, LayerTypeUDPEncap, layers.UDPPort(4500).LayerType())
	require.Equal(t, []int{1720, 1721, 1722, 1723},
		[]int{int(LayerTypeESP), int(LayerTypeAH), int(LayerTypeUDPEncap), int(LayerTypeNATKeepalive)})
	require.Equal(t, gopacket.LayerTypePayload, layers.UDPPort(500).LayerType(), "UDP 500 is ikev2's to hook")
}
