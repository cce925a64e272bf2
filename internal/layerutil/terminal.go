// Package layerutil holds small gopacket helpers shared by the protocol
// packages.
package layerutil

import "github.com/google/gopacket"

// Terminal wraps a DecodingLayer so that a gopacket.DecodingLayerParser
// stops after it: the wrapper's NextLayerType is LayerTypeZero, which the
// parser treats as the end of the packet. The tunnel's payload is then in the
// wrapped layer's LayerPayload, ready for a second parser.
//
// A DecodingLayerParser keeps one decoder per layer type, so without this the
// inner Ethernet or IP header of a tunnel would be decoded into the same value
// as the outer one, overwriting it.
func Terminal(d gopacket.DecodingLayer) gopacket.DecodingLayer { return terminal{d} }

type terminal struct{ gopacket.DecodingLayer }

func (terminal) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }
