package ipsec

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// ESPHeaderLen is the length of the cleartext ESP header: SPI and Sequence
// Number.
const ESPHeaderLen = 8

// ESP is the cleartext header of an Encapsulating Security Payload packet
// (RFC 4303 §2) as a gopacket layer. Without keys the rest (IV, ciphertext,
// padding, trailer and ICV) is opaque: it is the layer's payload, and
// decoding stops there. An InboundESP SA opens it.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|               Security Parameters Index (SPI)                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Sequence Number                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        IV, Payload Data, Padding, Pad Length, Next Header,    |
//	~        ICV (encrypted and opaque without the SA)              ~
type ESP struct {
	layers.BaseLayer
	SPI uint32
	// SequenceNumber is the low-order 32 bits (all of them without ESN).
	SequenceNumber uint32
}

// LayerType returns LayerTypeESP.
func (*ESP) LayerType() gopacket.LayerType { return LayerTypeESP }

// CanDecode returns LayerTypeESP.
func (*ESP) CanDecode() gopacket.LayerClass { return LayerTypeESP }

// NextLayerType returns gopacket.LayerTypeZero: the payload is encrypted.
func (*ESP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes the header; the rest of data becomes the payload.
// It allocates nothing.
func (e *ESP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < ESPHeaderLen {
		if df != nil {
			df.SetTruncated()
		}
		return errs.Truncated("esp", "header", 0, ESPHeaderLen, len(data))
	}
	e.SPI = binary.BigEndian.Uint32(data[0:4])
	e.SequenceNumber = binary.BigEndian.Uint32(data[4:8])
	e.Contents = data[:ESPHeaderLen]
	e.Payload = data[ESPHeaderLen:]
	return nil
}

// Check reports what a receiver must refuse in the header alone: SPI zero,
// which is reserved and never sent (RFC 4303 §2.1).
func (e *ESP) Check() error {
	if e.SPI == 0 {
		return errs.Malformed("esp", "SPI", 0, "zero is reserved for local use and never sent")
	}
	return nil
}

// AppendBinary appends the 8-octet header (encoding.BinaryAppender).
func (e *ESP) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, e.SPI)
	return binary.BigEndian.AppendUint32(b, e.SequenceNumber), nil
}

// MarshalBinary returns the encoded header.
func (e *ESP) MarshalBinary() ([]byte, error) { return e.AppendBinary(make([]byte, 0, ESPHeaderLen)) }

// UnmarshalBinary decodes a header; the value aliases data.
func (e *ESP) UnmarshalBinary(data []byte) error {
	return e.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
}

// SerializeTo prepends the header to the buffer, which holds the encrypted
// part already (gopacket.SerializableLayer). Use OutboundESP.Seal to build
// a protected packet; this only writes the cleartext header.
func (e *ESP) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	h, err := b.PrependBytes(ESPHeaderLen)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(h[0:4], e.SPI)
	binary.BigEndian.PutUint32(h[4:8], e.SequenceNumber)
	return nil
}
