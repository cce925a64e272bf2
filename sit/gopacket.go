package sit

import (
	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// LayerTypeSIT is the gopacket layer type of Encap, number 1715. It is
// serialize-only: gopacket keeps decoding 6in4 packets as
// layers.LayerTypeIPv4 then layers.LayerTypeIPv6 (IP protocol 41 is
// gopacket's own), so this package registers no decoder and importing it
// changes nothing.
var LayerTypeSIT = gopacket.RegisterLayerType(layernum.SIT, gopacket.LayerTypeMetadata{Name: "SIT"})

// Encap is a gopacket.SerializableLayer that prepends a tunnel's IPv4
// header to the IPv6 packet already serialized in the buffer, with the
// rules of Tunnel.Encapsulate (TOS, ECN, DF, TTL, endpoint by mode,
// lengths, checksum, hop limit decrement when forwarding):
//
//	gopacket.SerializeLayers(buf, opts, &sit.Encap{Tunnel: t}, &ipv6, &icmp6, payload)
//
// The header is written whole whatever opts says. A packet that must be
// fragmented cannot be one buffer: SerializeTo returns an error matching
// ErrTooLarge (a *TooBigError when the sender must be told).
type Encap struct {
	Tunnel *Tunnel
}

// LayerType returns LayerTypeSIT.
func (e *Encap) LayerType() gopacket.LayerType { return LayerTypeSIT }

// SerializeTo prepends the IPv4 header to the IPv6 packet in b.
func (e *Encap) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	t := e.Tunnel
	p, err := t.plan(b.Bytes())
	if err != nil {
		return err
	}
	if p.fragment {
		return errs.New(layer, "outer packet", 0, ErrTooLarge,
			"exceeds the IPv4 link MTU and must be sent in fragments: use Tunnel.Encapsulate")
	}
	if len(b.Bytes()) != len(p.inner) {
		return &DecodeError{Layer: layer, Field: "inner payload length", Offset: 4, Err: ErrMalformed,
			Detail: "buffer holds bytes after the IPv6 packet", Have: len(b.Bytes()), Need: len(p.inner)}
	}
	hdr, err := b.PrependBytes(iptun.IPv4HeaderLen)
	if err != nil {
		return err
	}
	h := t.h4
	h.TOS, h.ID, h.DF, h.Dst = p.tos, uint16(t.state.NextID()), p.df, p.dst.As4()
	h.Put(hdr, iptun.IPv4HeaderLen+len(p.inner), 0, false)
	if t.cfg.Forwarding {
		iptun.IPv6(b.Bytes()[iptun.IPv4HeaderLen:]).DecHopLimit()
	}
	return nil
}
