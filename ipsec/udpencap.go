package ipsec

import (
	"strconv"
	"sync/atomic"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// NATTPort is the UDP port of IKE and UDP-encapsulated ESP behind NAT
// (RFC 3948 §2, RFC 7296 §2.23).
const NATTPort = 4500

// EncapKind is what a UDP 4500 datagram carries (RFC 3948 §2).
type EncapKind uint8

// Kinds of UDP 4500 payload.
const (
	EncapESP          EncapKind = iota // an ESP packet (its SPI is never zero)
	EncapIKE                           // the 4-octet zero non-ESP marker, then an IKE message
	EncapNATKeepalive                  // a single 0xFF octet (RFC 3948 §2.3)
)

func (k EncapKind) String() string {
	switch k {
	case EncapESP:
		return "ESP"
	case EncapIKE:
		return "IKE"
	case EncapNATKeepalive:
		return "NAT-keepalive"
	}
	return "EncapKind(" + strconv.Itoa(int(k)) + ")"
}

// NonESPMarkerLen is the length of the zero non-ESP marker before IKE on
// port 4500.
const NonESPMarkerLen = 4

// UDPEncap is the dispatcher of RFC 3948 for a UDP 4500 payload, as a
// gopacket layer: a payload starting with four zero octets (the non-ESP
// marker, where an ESP SPI can never be zero) is IKE, a lone 0xFF octet is
// a NAT-keepalive, and anything else is ESP. Its contents are the marker
// (IKE) or nothing (ESP, NAT-keepalive); its payload is what follows.
type UDPEncap struct {
	layers.BaseLayer
	Kind EncapKind
}

// LayerType returns LayerTypeUDPEncap.
func (*UDPEncap) LayerType() gopacket.LayerType { return LayerTypeUDPEncap }

// CanDecode returns LayerTypeUDPEncap.
func (*UDPEncap) CanDecode() gopacket.LayerClass { return LayerTypeUDPEncap }

// NextLayerType is LayerTypeESP, LayerTypeNATKeepalive, or for IKE the
// ikev2 package's layer (number layernum.IKEv2) when that package is linked
// in, gopacket.LayerTypePayload otherwise. ipsec does not import ikev2.
func (u *UDPEncap) NextLayerType() gopacket.LayerType {
	switch u.Kind {
	case EncapIKE:
		return ikeLayerType()
	case EncapNATKeepalive:
		return LayerTypeNATKeepalive
	}
	return LayerTypeESP
}

// ikeKnown caches whether gopacket knows layer number layernum.IKEv2:
// 0 not looked yet, 1 yes, 2 no. Layer types are registered in package
// init, before any packet is decoded.
var ikeKnown atomic.Uint32

func ikeLayerType() gopacket.LayerType {
	lt := gopacket.LayerType(layernum.IKEv2)
	switch ikeKnown.Load() {
	case 1:
		return lt
	case 2:
		return gopacket.LayerTypePayload
	}
	if lt.String() != strconv.Itoa(layernum.IKEv2) {
		ikeKnown.Store(1)
		return lt
	}
	ikeKnown.Store(2)
	return gopacket.LayerTypePayload
}

// DecodeFromBytes classifies a UDP 4500 payload. It allocates nothing.
func (u *UDPEncap) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	switch {
	case len(data) == 1 && data[0] == 0xff:
		u.Kind = EncapNATKeepalive
		u.Contents, u.Payload = data[:0], data
	case len(data) >= NonESPMarkerLen && data[0]|data[1]|data[2]|data[3] == 0:
		u.Kind = EncapIKE
		u.Contents, u.Payload = data[:NonESPMarkerLen], data[NonESPMarkerLen:]
	case len(data) == 0:
		if df != nil {
			df.SetTruncated()
		}
		return errs.Truncated("udpencap", "payload", 0, 1, 0)
	default:
		u.Kind = EncapESP
		u.Contents, u.Payload = data[:0], data
	}
	return nil
}

// AppendBinary appends the non-ESP marker for IKE and nothing otherwise.
func (u *UDPEncap) AppendBinary(b []byte) ([]byte, error) {
	if u.Kind == EncapIKE {
		b = append(b, 0, 0, 0, 0)
	}
	return b, nil
}

// SerializeTo prepends the non-ESP marker for IKE and nothing otherwise.
func (u *UDPEncap) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	if u.Kind != EncapIKE {
		return nil
	}
	h, err := b.PrependBytes(NonESPMarkerLen)
	if err != nil {
		return err
	}
	clear(h)
	return nil
}

// NATKeepalive is the one-octet 0xFF NAT-keepalive of RFC 3948 §2.3, which
// receivers ignore.
type NATKeepalive struct {
	layers.BaseLayer
}

// LayerType returns LayerTypeNATKeepalive.
func (*NATKeepalive) LayerType() gopacket.LayerType { return LayerTypeNATKeepalive }

// CanDecode returns LayerTypeNATKeepalive.
func (*NATKeepalive) CanDecode() gopacket.LayerClass { return LayerTypeNATKeepalive }

// NextLayerType returns gopacket.LayerTypeZero.
func (*NATKeepalive) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes accepts exactly the octet 0xFF.
func (k *NATKeepalive) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) == 0 {
		if df != nil {
			df.SetTruncated()
		}
		return errs.Truncated("natkeepalive", "octet", 0, 1, 0)
	}
	if len(data) != 1 || data[0] != 0xff {
		return errs.Malformed("natkeepalive", "octet", 0, "a NAT-keepalive is the single octet 0xFF")
	}
	k.Contents, k.Payload = data, data[1:]
	return nil
}

// AppendBinary appends 0xFF.
func (k *NATKeepalive) AppendBinary(b []byte) ([]byte, error) { return append(b, 0xff), nil }

// SerializeTo prepends 0xFF.
func (k *NATKeepalive) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	h, err := b.PrependBytes(1)
	if err != nil {
		return err
	}
	h[0] = 0xff
	return nil
}
