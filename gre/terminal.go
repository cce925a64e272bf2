package gre

import (
	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/layerutil"
)

// Terminal wraps a DecodingLayer (such as a *GRE) so that a
// gopacket.DecodingLayerParser stops after it, leaving the inner packet in its
// LayerPayload for a second parser. A parser holds one decoder per layer
// type, so without it the inner IPv4 would overwrite the outer one. See
// ExampleTerminal.
func Terminal(d gopacket.DecodingLayer) gopacket.DecodingLayer { return layerutil.Terminal(d) }
