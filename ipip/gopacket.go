package ipip

import (
	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// LayerTypeIPIP is the gopacket layer type of Encap, number 1710. It is
// serialize-only: gopacket keeps decoding both headers of a tunnel packet as
// layers.LayerTypeIPv4 and layers.LayerTypeIPv6 (IP protocols 4 and 41 and
// the IPv6 Destination Options header are gopacket's own), so this package
// registers no decoder and changes nothing in how gopacket decodes.
var LayerTypeIPIP = gopacket.RegisterLayerType(layernum.IPIP, gopacket.LayerTypeMetadata{Name: "IPIP"})

// Encap is a gopacket.SerializableLayer that prepends a tunnel's outer
// header to the inner packet already serialized in the buffer, so that
// gopacket.SerializeLayers builds a whole tunnel packet with the RFC rules of
// Tunnel.Encapsulate applied: outer TOS, ECN, DF, TTL, addresses, lengths,
// checksum, Tunnel Encapsulation Limit, and the inner TTL decrement of a
// forwarding tunnel (made in the buffer). Put it before the inner layers:
//
//	gopacket.SerializeLayers(buf, opts, &ipip.Encap{Tunnel: t}, &innerIPv4, &udp, payload)
//
// The outer header is derived entirely from the tunnel and the inner packet,
// so it is written whole whatever opts says (lengths and checksum always
// computed). A packet that would have to be fragmented cannot be one
// buffer: SerializeTo then returns an error matching ErrTooLarge (a
// *TooBigError when the sender must be told); use Tunnel.Encapsulate.
type Encap struct {
	Tunnel *Tunnel
}

// LayerType returns LayerTypeIPIP.
func (e *Encap) LayerType() gopacket.LayerType { return LayerTypeIPIP }

// SerializeTo prepends the outer header to the inner packet in b.
func (e *Encap) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	return e.Tunnel.serialize(b)
}

func (t *Tunnel) serialize(b gopacket.SerializeBuffer) error {
	p, err := t.plan(b.Bytes())
	if err != nil {
		return err
	}
	if p.fragment {
		return errs.New(layer, "outer packet", 0, ErrTooLarge,
			"exceeds the link MTU and must be sent in fragments: use Tunnel.Encapsulate")
	}
	if n := len(b.Bytes()) - len(p.inner); n > 0 {
		// Bytes after the inner packet (a trailer) would be carried as if
		// inside it; refuse rather than send a wrong length.
		return &DecodeError{Layer: layer, Field: "inner total length", Offset: 2, Err: ErrMalformed,
			Detail: "buffer holds bytes after the inner packet", Have: len(b.Bytes()), Need: len(p.inner)}
	}
	hdr, err := b.PrependBytes(p.overhead)
	if err != nil {
		return err
	}
	id := t.state.NextID()
	if t.v6 {
		h := t.h6
		h.TrafficClass, h.NextHeader, h.EncapLimit = p.tos, p.proto, p.limit
		h.Put(hdr, len(p.inner))
	} else {
		h := t.h4
		h.TOS, h.ID, h.DF = p.tos, uint16(id), p.df
		h.Put(hdr, iptun.IPv4HeaderLen+len(p.inner), 0, false)
	}
	if t.cfg.Forwarding {
		decTTL(b.Bytes()[p.overhead:], p.v6)
	}
	return nil
}
