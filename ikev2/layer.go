package ikev2

import (
	"encoding/binary"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// IKEv2 is an IKE message as a gopacket layer: the header and the payload
// chain, each payload's generic header kept with its body so that encoding
// a decoded message gives back its bytes exactly. The bodies are read with
// a Parser (or the typed decoders it uses); the layer itself only frames.
//
// DecodeFromBytes accepts any well-framed IKEv2 message, as tshark does:
// lengths must be consistent and SK or SKF must come last, but an
// unrecognized payload with the critical bit set is kept (Check reports
// it). A major version other than 2 is refused with a VersionError.
type IKEv2 struct {
	layers.BaseLayer
	Header
	Payloads []Payload
}

// LayerType returns LayerTypeIKEv2.
func (m *IKEv2) LayerType() gopacket.LayerType { return LayerTypeIKEv2 }

// CanDecode returns LayerTypeIKEv2.
func (m *IKEv2) CanDecode() gopacket.LayerClass { return LayerTypeIKEv2 }

// NextLayerType is LayerTypeZero: nothing follows an IKE message.
func (m *IKEv2) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes a message at the start of data, which must be the
// whole UDP payload (after the non-ESP marker on port 4500). Payloads keeps
// its capacity across calls; nothing is allocated once it is large enough.
func (m *IKEv2) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	m.Payloads = m.Payloads[:0]
	h, err := DecodeHeader(data)
	if err != nil {
		if df != nil {
			df.SetTruncated()
		}
		return err
	}
	m.Header = h
	if err := h.check(len(data)); err != nil {
		if errs, ok := err.(*DecodeError); ok && errs.Err == ErrTruncated && df != nil {
			df.SetTruncated()
		}
		return err
	}
	off, next := HeaderLen, h.NextPayload
	for next != PayloadNone {
		rest := data[off:]
		if len(rest) < PayloadHeaderLen {
			return errs.Truncated(layerName, "payload "+next.String(), off, PayloadHeaderLen, len(rest))
		}
		pl := Payload{PayloadHeader: PayloadHeader{Type: next, NextPayload: PayloadType(rest[0]),
			Critical: rest[1]&0x80 != 0, Reserved: rest[1] & 0x7f, Length: binary.BigEndian.Uint16(rest[2:]), Offset: off}}
		n := int(pl.Length)
		if n < PayloadHeaderLen {
			return errs.MalformedValue(layerName, "payload "+next.String()+": length", off+2,
				"shorter than the generic payload header", n, PayloadHeaderLen)
		}
		if n > len(rest) {
			return errs.Truncated(layerName, "payload "+next.String(), off, n, len(rest))
		}
		pl.Body = rest[PayloadHeaderLen:n]
		m.Payloads = append(m.Payloads, pl)
		off += n
		next = pl.NextPayload
		if pl.Type == PayloadSK || pl.Type == PayloadSKF {
			if off != len(data) {
				return errs.MalformedValue(layerName, "payload "+pl.Type.String(), pl.Offset,
					"not the last payload of the message", len(data)-off, 0)
			}
			next = PayloadNone
		}
	}
	if off != len(data) {
		return errs.MalformedValue(layerName, "payloads", off, "octets after the last payload", len(data)-off, 0)
	}
	m.Contents = data
	m.Payload = data[len(data):]
	return nil
}

// Check applies the receiving rules the framing does not: it parses every
// payload with a Parser (Validate), so an unrecognized critical payload
// gives a CriticalPayloadError and malformed bodies their DecodeError.
func (m *IKEv2) Check() error { return Validate(m.Contents) }

// Encrypted returns the SK or SKF payload, the last one, if the message has
// one.
func (m *IKEv2) Encrypted() (Payload, bool) {
	if n := len(m.Payloads); n > 0 {
		if p := m.Payloads[n-1]; p.Type == PayloadSK || p.Type == PayloadSKF {
			return p, true
		}
	}
	return Payload{}, false
}

// AppendBinary appends the message as decoded (or as filled in): the header
// and each payload's generic header and body, with the lengths and Next
// Payload values as they stand.
func (m *IKEv2) AppendBinary(b []byte) ([]byte, error) {
	b, err := m.Header.AppendBinary(b)
	if err != nil {
		return b, err
	}
	for i := range m.Payloads {
		b = m.Payloads[i].appendTo(b)
	}
	return b, nil
}

func (p *Payload) appendTo(b []byte) []byte {
	c := p.Reserved & 0x7f
	if p.Critical {
		c |= 0x80
	}
	b = append(b, byte(p.NextPayload), c)
	b = binary.BigEndian.AppendUint16(b, p.Length)
	return append(b, p.Body...)
}

// MarshalBinary returns the encoded message.
func (m *IKEv2) MarshalBinary() ([]byte, error) { return m.AppendBinary(nil) }

// UnmarshalBinary decodes a message; the value aliases data.
func (m *IKEv2) UnmarshalBinary(data []byte) error {
	return m.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
}

// SerializeTo prepends the message to the buffer. With opts.FixLengths it
// first rewrites the chain from Payloads: each payload's Length from its
// body, each Next Payload from the type of the payload after it (except the
// Next Payload of SK and SKF, which names the first inner payload), the
// header's Next Payload and Length.
func (m *IKEv2) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	if opts.FixLengths {
		n := HeaderLen
		m.NextPayload = PayloadNone
		for i := range m.Payloads {
			p := &m.Payloads[i]
			l := PayloadHeaderLen + len(p.Body)
			if l > 0xffff {
				return errs.New(layerName, "payload "+p.Type.String()+": length", n+2, errs.ErrTooLarge, "longer than 65535 octets")
			}
			p.Length, p.Offset = uint16(l), n
			if i == 0 {
				m.NextPayload = p.Type
			}
			if p.Type != PayloadSK && p.Type != PayloadSKF {
				p.NextPayload = PayloadNone
				if i+1 < len(m.Payloads) {
					p.NextPayload = m.Payloads[i+1].Type
				}
			}
			n += l
		}
		m.Length = uint32(n)
	}
	n := HeaderLen
	for i := range m.Payloads {
		n += PayloadHeaderLen + len(m.Payloads[i].Body)
	}
	out, err := b.PrependBytes(n)
	if err != nil {
		return err
	}
	enc, err := m.AppendBinary(out[:0])
	if err != nil {
		return err
	}
	if len(enc) != n {
		return errs.MalformedValue(layerName, "payloads", 0, "encoded size differs from the bodies", len(enc), n)
	}
	return nil
}
