package gre

import (
	"os"

	"github.com/google/gopacket"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"
)

// TestMain checks that importing the package changed nothing in gopacket,
// then registers the hook every other test relies on.
func TestMain(m *testing.M) {
	if got := layers.IPProtocolGRE.LayerType(); got != layers.LayerTypeGRE {
		panic("import alone changed gopacket's decoding of IP protocol 47 to " + got.String())
	}
	if got := layers.UDPPort(UDPPort).LayerType(); got != gopacket.LayerTypePayload {
		panic("import alone changed gopacket's decoding of UDP 4754 to " + got.String())
	}
	Register()
	Register() // idempotent
	if got := layers.UDPPort(UDPPort).LayerType(); got != gopacket.LayerTypePayload {
		panic("Register hooked UDP 4754, which it must leave alone")
	}
	RegisterUDPPort(UDPPort) // Zeek's GRE-in-UDP capture
	os.Exit(m.Run())
}

func TestRegisterHooksIPProtocol47(t *testing.T) {
	require.Equal(t, LayerTypeGRE, layers.IPProtocolGRE.LayerType())
	require.Equal(t, 1705, int(LayerTypeGRE))
	require.Equal(t, "GRE", LayerTypeGRE.String())
}
