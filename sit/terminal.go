package sit

import (
	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/layerutil"
)

// Terminal wraps a DecodingLayer (the outer *layers.IPv4 of a 6in4 packet)
// so that a gopacket.DecodingLayerParser stops after it, leaving the IPv6
// packet in its LayerPayload for Decapsulate and a second parser.
func Terminal(d gopacket.DecodingLayer) gopacket.DecodingLayer { return layerutil.Terminal(d) }
