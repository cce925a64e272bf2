package ipsec

import (
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// Layer types, registered with gopacket at init (numbers from
// internal/layernum). Registering them changes nothing in how gopacket
// decodes; Register does.
var (
	LayerTypeESP          = gopacket.RegisterLayerType(layernum.ESP, gopacket.LayerTypeMetadata{Name: "ESP", Decoder: gopacket.DecodeFunc(decodeESP)})
	LayerTypeAH           = gopacket.RegisterLayerType(layernum.AH, gopacket.LayerTypeMetadata{Name: "AH", Decoder: gopacket.DecodeFunc(decodeAH)})
	LayerTypeUDPEncap     = gopacket.RegisterLayerType(layernum.UDPEncap, gopacket.LayerTypeMetadata{Name: "UDPEncap", Decoder: gopacket.DecodeFunc(decodeUDPEncap)})
	LayerTypeNATKeepalive = gopacket.RegisterLayerType(layernum.NATKeepalive, gopacket.LayerTypeMetadata{Name: "NATKeepalive", Decoder: gopacket.DecodeFunc(decodeNATKeepalive)})
)

func decodeESP(data []byte, p gopacket.PacketBuilder) error {
	e := &ESP{}
	if err := e.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(e)
	return nil
}

func decodeAH(data []byte, p gopacket.PacketBuilder) error {
	a := &AH{}
	if err := a.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(a)
	return p.NextDecoder(a.NextHeader)
}

func decodeUDPEncap(data []byte, p gopacket.PacketBuilder) error {
	u := &UDPEncap{}
	if err := u.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(u)
	return p.NextDecoder(u.NextLayerType())
}

func decodeNATKeepalive(data []byte, p gopacket.PacketBuilder) error {
	k := &NATKeepalive{}
	if err := k.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(k)
	return nil
}

var registerOnce sync.Once

// Register hooks this package's decoders into gopacket's tables, and
// changes exactly this:
//
//   - IP protocol 50 (over IPv4 and IPv6) decodes as LayerTypeESP instead of
//     layers.LayerTypeIPSecESP, and 51 as LayerTypeAH instead of
//     layers.LayerTypeIPSecAH (layers.IPProtocolMetadata);
//   - UDP port 4500, source or destination, decodes as LayerTypeUDPEncap,
//     the RFC 3948 dispatcher, which gopacket leaves as payload otherwise.
//     IKE after the non-ESP marker goes to the ikev2 package's layer when
//     that package is linked in (ikev2.Register hooks UDP 500 only).
//
// It may be called any number of times.
func Register() {
	registerOnce.Do(func() {
		layers.IPProtocolMetadata[layers.IPProtocolESP] = layers.EnumMetadata{
			DecodeWith: LayerTypeESP, Name: "ESP", LayerType: LayerTypeESP}
		layers.IPProtocolMetadata[layers.IPProtocolAH] = layers.EnumMetadata{
			DecodeWith: LayerTypeAH, Name: "AH", LayerType: LayerTypeAH}
		layers.RegisterUDPPortLayerType(NATTPort, LayerTypeUDPEncap)
	})
}
