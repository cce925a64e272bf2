package gre

import (
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// LayerTypeGRE is the gopacket layer type of GRE, number 1705.
var LayerTypeGRE = gopacket.RegisterLayerType(layernum.GRE, gopacket.LayerTypeMetadata{
	Name:    "GRE",
	Decoder: gopacket.DecodeFunc(decodeGRE),
})

// IPProtocol is the IP protocol number of GRE (RFC 1702, RFC 7676).
const IPProtocol = layers.IPProtocolGRE

func decodeGRE(data []byte, p gopacket.PacketBuilder) error {
	g := &GRE{}
	if err := g.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(g)
	return p.NextDecoder(nextDecoder(g))
}

// nextDecoder guards the gopacket decoders that index their input without a
// length check (PPP, ERSPAN II in v1.1.19): a short payload becomes a
// DecodeError rather than a recovered panic.
func nextDecoder(g *GRE) gopacket.Decoder {
	switch lt := g.NextLayerType(); lt {
	case layers.LayerTypePPP:
		return gopacket.DecodeFunc(decodePPP)
	case layers.LayerTypeERSPANII:
		return gopacket.DecodeFunc(decodeERSPANII)
	default:
		return lt
	}
}

func decodePPP(data []byte, p gopacket.PacketBuilder) error {
	off := 0
	if len(data) > 0 && data[0] == 0xff {
		if len(data) < 2 {
			return errs.Truncated("ppp", "address and control", 0, 2, len(data))
		}
		if data[1] == 0x03 {
			off = 2
		}
	}
	need := off + 1
	if len(data) > off && data[off]&1 == 0 {
		need = off + 2
	}
	if len(data) < need {
		return errs.Truncated("ppp", "protocol", off, need, len(data))
	}
	return layers.LayerTypePPP.Decode(data, p)
}

func decodeERSPANII(data []byte, p gopacket.PacketBuilder) error {
	if len(data) < 8 {
		return errs.Truncated("erspan", "header", 0, 8, len(data))
	}
	return layers.LayerTypeERSPANII.Decode(data, p)
}

// UDPPort is the destination port of GRE-in-UDP (RFC 8086 §3.1).
const UDPPort = 4754

// RegisterUDPPort makes gopacket decode a UDP port (source or destination)
// as GRE: RFC 8086 GRE-in-UDP on UDPPort, or another port a deployment uses.
// Register does not do this; call it for each port wanted.
func RegisterUDPPort(port uint16) {
	layers.RegisterUDPPortLayerType(layers.UDPPort(port), LayerTypeGRE)
}

var registerOnce sync.Once

// Register makes gopacket decode IP protocol 47, over IPv4 and IPv6, as
// LayerTypeGRE, replacing gopacket's own layers.LayerTypeGRE in
// layers.IPProtocolMetadata. It changes nothing else and may be called any
// number of times.
func Register() {
	registerOnce.Do(func() {
		layers.IPProtocolMetadata[IPProtocol] = layers.EnumMetadata{
			DecodeWith: gopacket.DecodeFunc(decodeGRE),
			Name:       "GRE",
			LayerType:  LayerTypeGRE,
		}
	})
}
