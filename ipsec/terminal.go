package ipsec

import (
	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/layerutil"
)

// Terminal wraps a DecodingLayer (such as an *AH in tunnel mode) so that a
// gopacket.DecodingLayerParser stops after it, leaving the inner packet in
// its LayerPayload for a second parser. A parser holds one decoder per layer
// type, so without it the inner IPv4 header of an AH tunnel would overwrite
// the outer one.
func Terminal(d gopacket.DecodingLayer) gopacket.DecodingLayer { return layerutil.Terminal(d) }
