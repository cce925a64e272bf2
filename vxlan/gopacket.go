package vxlan

import (
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// LayerTypeVXLAN is the gopacket layer type of VXLAN, number 1700.
var LayerTypeVXLAN = gopacket.RegisterLayerType(layernum.VXLAN, gopacket.LayerTypeMetadata{
	Name:    "VXLAN",
	Decoder: gopacket.DecodeFunc(decodeVXLAN),
})

// UDP ports (IANA).
const (
	Port    = 4789 // VXLAN, RFC 7348 §5
	PortGPE = 4790 // VXLAN-GPE
)

func decodeVXLAN(data []byte, p gopacket.PacketBuilder) error {
	v := &VXLAN{}
	if err := v.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(v)
	return p.NextDecoder(v.NextLayerType())
}

var registerOnce sync.Once

// Register makes gopacket decode UDP ports 4789 and 4790 (either source or
// destination, as gopacket looks up both) as LayerTypeVXLAN, replacing
// gopacket's own layers.LayerTypeVXLAN on 4789. It changes nothing else and
// may be called any number of times.
func Register() {
	registerOnce.Do(func() {
		RegisterPort(Port)
		RegisterPort(PortGPE)
	})
}

// RegisterPort makes gopacket decode one more UDP port as VXLAN, such as
// 8472, the Linux kernel's default before IANA assigned 4789.
func RegisterPort(port uint16) {
	layers.RegisterUDPPortLayerType(layers.UDPPort(port), LayerTypeVXLAN)
}
