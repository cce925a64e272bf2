package ipsec

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// AHFixedLen is the length of the AH fields before the ICV.
const AHFixedLen = 12

// AH is an IP Authentication Header (RFC 4302 §2) as a gopacket layer.
// Decoding continues into the payload, which AH leaves in the clear.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Next Header   |  Payload Len  |          RESERVED             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Security Parameters Index (SPI)               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Sequence Number Field                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                Integrity Check Value-ICV (variable)           |
//	~                                                               ~
type AH struct {
	layers.BaseLayer
	NextHeader layers.IPProtocol
	// PayloadLen is the AH length in 32-bit words minus 2 (RFC 4302 §2.2).
	PayloadLen uint8
	// Reserved must be sent as zero and is ignored on receipt; it is kept
	// for an exact round trip (and is covered by the ICV).
	Reserved       uint16
	SPI            uint32
	SequenceNumber uint32
	// ICV is the Integrity Check Value field as received, with any padding
	// that aligns the header to 32 bits (IPv4) or 64 bits (IPv6); the SA
	// knows how much of it is ICV. It aliases the decoded data.
	ICV []byte
}

// Len returns the header length in octets that PayloadLen gives.
func (a *AH) Len() int { return (int(a.PayloadLen) + 2) * 4 }

// LayerType returns LayerTypeAH.
func (*AH) LayerType() gopacket.LayerType { return LayerTypeAH }

// CanDecode returns LayerTypeAH.
func (*AH) CanDecode() gopacket.LayerClass { return LayerTypeAH }

// NextLayerType is the layer of the protected payload, from Next Header.
func (a *AH) NextLayerType() gopacket.LayerType { return a.NextHeader.LayerType() }

// DecodeFromBytes decodes an AH header; what follows it is the payload. It
// allocates nothing.
func (a *AH) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < AHFixedLen {
		if df != nil {
			df.SetTruncated()
		}
		return errs.Truncated("ah", "header", 0, AHFixedLen, len(data))
	}
	a.NextHeader = layers.IPProtocol(data[0])
	a.PayloadLen = data[1]
	n := a.Len()
	if n < AHFixedLen {
		return errs.MalformedValue("ah", "payload length", 1, "shorter than the fixed fields (must be at least 1)", int(a.PayloadLen), 0)
	}
	if len(data) < n {
		if df != nil {
			df.SetTruncated()
		}
		return errs.Truncated("ah", "ICV", AHFixedLen, n-AHFixedLen, len(data)-AHFixedLen)
	}
	a.Reserved = binary.BigEndian.Uint16(data[2:4])
	a.SPI = binary.BigEndian.Uint32(data[4:8])
	a.SequenceNumber = binary.BigEndian.Uint32(data[8:12])
	a.ICV = data[AHFixedLen:n]
	a.Contents = data[:n]
	a.Payload = data[n:]
	return nil
}

// Check reports what a receiver must refuse in the header alone: SPI zero
// (RFC 4302 §2.4).
func (a *AH) Check() error {
	if a.SPI == 0 {
		return errs.Malformed("ah", "SPI", 4, "zero is reserved for local use and never sent")
	}
	return nil
}

func (a *AH) validate() error {
	if len(a.ICV)%4 != 0 {
		return errs.MalformedValue("ah", "ICV", AHFixedLen, "length is not a multiple of 4 octets", len(a.ICV), 0)
	}
	if a.Len() != AHFixedLen+len(a.ICV) {
		return errs.MalformedValue("ah", "payload length", 1, "does not match the ICV length", int(a.PayloadLen), (AHFixedLen+len(a.ICV))/4-2)
	}
	return nil
}

func (a *AH) put(h []byte) {
	h[0] = byte(a.NextHeader)
	h[1] = a.PayloadLen
	binary.BigEndian.PutUint16(h[2:4], a.Reserved)
	binary.BigEndian.PutUint32(h[4:8], a.SPI)
	binary.BigEndian.PutUint32(h[8:12], a.SequenceNumber)
	copy(h[AHFixedLen:], a.ICV)
}

// AppendBinary appends the header (encoding.BinaryAppender). PayloadLen
// must agree with len(ICV); SerializeTo with FixLengths sets it.
func (a *AH) AppendBinary(b []byte) ([]byte, error) {
	if err := a.validate(); err != nil {
		return b, err
	}
	ret, h := sliceForAppend(b, AHFixedLen+len(a.ICV))
	a.put(h)
	return ret, nil
}

// MarshalBinary returns the encoded header.
func (a *AH) MarshalBinary() ([]byte, error) { return a.AppendBinary(nil) }

// UnmarshalBinary decodes a header; the value aliases data.
func (a *AH) UnmarshalBinary(data []byte) error {
	return a.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
}

// SerializeTo prepends the header (gopacket.SerializableLayer); with
// FixLengths it first sets PayloadLen from len(ICV). It writes the ICV as
// given: OutboundAH computes a real one.
func (a *AH) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	if opts.FixLengths && len(a.ICV)%4 == 0 && len(a.ICV) <= 1016 {
		a.PayloadLen = uint8((AHFixedLen+len(a.ICV))/4 - 2)
	}
	if err := a.validate(); err != nil {
		return err
	}
	h, err := b.PrependBytes(AHFixedLen + len(a.ICV))
	if err != nil {
		return err
	}
	a.put(h)
	return nil
}
