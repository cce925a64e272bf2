package ikev2

import (
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
	"github.com/tunnelcodec/tunnelcodec/internal/layerutil"
)

// LayerTypeIKEv2 is the gopacket layer type of an IKEv2 message, number
// 1730.
var LayerTypeIKEv2 = gopacket.RegisterLayerType(layernum.IKEv2, gopacket.LayerTypeMetadata{
	Name:    "IKEv2",
	Decoder: gopacket.DecodeFunc(decodeIKEv2),
})

// Port is the IKE UDP port (RFC 7296 §2). IKE on the NAT-traversal port
// 4500 is reached through the ipsec package's RFC 3948 dispatcher.
const Port = 500

// PortNATT is the UDP port IKE moves to behind a NAT (RFC 7296 §2.23), shared
// with ESP: messages there start with the four-zero non-ESP marker.
const PortNATT = 4500

func decodeIKEv2(data []byte, p gopacket.PacketBuilder) error {
	m := &IKEv2{}
	if err := m.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(m)
	return nil
}

var registerOnce sync.Once

// Register makes gopacket decode UDP port 500 (source or destination, as
// gopacket looks up both) as LayerTypeIKEv2. It changes nothing else and may
// be called any number of times.
//
// It does not hook UDP 4500: that port carries ESP and IKE together, and
// ipsec.Register installs the RFC 3948 dispatcher there, which strips the
// non-ESP marker and hands IKE messages to layer type 1730 — so with both
// packages registered, a message on either port decodes as an IKEv2 layer
// starting at the IKE header.
func Register() {
	registerOnce.Do(func() {
		layers.RegisterUDPPortLayerType(layers.UDPPort(Port), LayerTypeIKEv2)
	})
}

// Terminal wraps a DecodingLayer (such as an *IKEv2) so that a
// gopacket.DecodingLayerParser stops after it.
func Terminal(d gopacket.DecodingLayer) gopacket.DecodingLayer { return layerutil.Terminal(d) }
