package ikev2

import (
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
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
