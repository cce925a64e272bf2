package vxlan

import (
	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/layerutil"
)

// Terminal wraps a DecodingLayer (such as a *VXLAN) so that a
// gopacket.DecodingLayerParser stops after it, leaving the inner frame in its
// LayerPayload for a second parser. A parser holds one decoder per layer
// type, so without it the inner Ethernet would overwrite the outer one. See
// ExampleTerminal.
func Terminal(d gopacket.DecodingLayer) gopacket.DecodingLayer { return layerutil.Terminal(d) }
