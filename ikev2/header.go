package ikev2

import (
	"encoding/binary"
	"strings"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// HeaderLen is the length of the fixed IKE header (RFC 7296 §3.1).
const HeaderLen = 28

// Version is the only major version this package speaks.
const Version = 2

// Flags is the Flags octet of the IKE header (RFC 7296 §3.1). Bits other
// than I, V and R are reserved: sent as zero, ignored on receipt, and kept
// here for an exact round trip.
type Flags uint8

// Bits of Flags.
const (
	FlagInitiator Flags = 0x08 // I: sent by the original initiator of the IKE SA
	FlagVersion   Flags = 0x10 // V: the sender can speak a higher major version
	FlagResponse  Flags = 0x20 // R: this message is a response
)

// Initiator reports the I bit.
func (f Flags) Initiator() bool { return f&FlagInitiator != 0 }

// Higher reports the V bit.
func (f Flags) Higher() bool { return f&FlagVersion != 0 }

// Response reports the R bit.
func (f Flags) Response() bool { return f&FlagResponse != 0 }

// String lists the set bits, "I|R" style, with reserved bits in hex.
func (f Flags) String() string {
	var parts []string
	if f.Initiator() {
		parts = append(parts, "I")
	}
	if f.Higher() {
		parts = append(parts, "V")
	}
	if f.Response() {
		parts = append(parts, "R")
	}
	if r := f &^ (FlagInitiator | FlagVersion | FlagResponse); r != 0 {
		parts = append(parts, "reserved=0x"+hex2(uint8(r)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// Header is the fixed IKE header (RFC 7296 §3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       IKE SA Initiator's SPI                  |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       IKE SA Responder's SPI                  |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Message ID                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                            Length                             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Header struct {
	SPIi         uint64 // IKE SA Initiator's SPI
	SPIr         uint64 // IKE SA Responder's SPI; zero in the first IKE_SA_INIT request
	NextPayload  PayloadType
	MajorVersion uint8 // 4 bits
	MinorVersion uint8 // 4 bits; ignored on receipt
	ExchangeType ExchangeType
	Flags        Flags
	MessageID    uint32
	Length       uint32 // of the whole message, header included
}

// DecodeHeader reads the fixed header at the start of b. It checks only that
// 28 octets are there; Parser.Start and the gopacket layer add the version
// and length checks.
func DecodeHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, errs.Truncated(layerName, "header", 0, HeaderLen, len(b))
	}
	return Header{
		SPIi:         binary.BigEndian.Uint64(b[0:8]),
		SPIr:         binary.BigEndian.Uint64(b[8:16]),
		NextPayload:  PayloadType(b[16]),
		MajorVersion: b[17] >> 4,
		MinorVersion: b[17] & 0x0f,
		ExchangeType: ExchangeType(b[18]),
		Flags:        Flags(b[19]),
		MessageID:    binary.BigEndian.Uint32(b[20:24]),
		Length:       binary.BigEndian.Uint32(b[24:28]),
	}, nil
}

// AppendBinary appends the 28-octet header. It fails if a version does not
// fit its 4 bits.
func (h *Header) AppendBinary(b []byte) ([]byte, error) {
	if h.MajorVersion > 15 || h.MinorVersion > 15 {
		return b, errs.MalformedValue(layerName, "version", 17, "does not fit 4 bits",
			int(max(h.MajorVersion, h.MinorVersion)), 15)
	}
	b = binary.BigEndian.AppendUint64(b, h.SPIi)
	b = binary.BigEndian.AppendUint64(b, h.SPIr)
	b = append(b, byte(h.NextPayload), h.MajorVersion<<4|h.MinorVersion, byte(h.ExchangeType), byte(h.Flags))
	b = binary.BigEndian.AppendUint32(b, h.MessageID)
	return binary.BigEndian.AppendUint32(b, h.Length), nil
}

// check applies the receiving rules of RFC 7296 §3.1 and §2.5 to a header
// decoded from a datagram of n octets: major version 2, Length at least the
// header and equal to the datagram.
func (h *Header) check(n int) error {
	if h.MajorVersion != Version {
		return newVersionError(h)
	}
	if h.Length < HeaderLen {
		return errs.MalformedValue(layerName, "length", 24, "shorter than the IKE header", int(h.Length), HeaderLen)
	}
	if int64(h.Length) > int64(n) {
		return errs.Truncated(layerName, "message", 0, int(min(h.Length, 1<<31-1)), n)
	}
	if int64(h.Length) < int64(n) {
		return &errs.DecodeError{Layer: layerName, Field: "length", Offset: 24, Err: errs.ErrMalformed,
			Detail: "datagram longer than the message Length", Have: n, Need: int(h.Length)}
	}
	return nil
}

// IsRequest reports whether the message is a request (R clear).
func (h *Header) IsRequest() bool { return !h.Flags.Response() }

// String is a one-line summary: "IKE_AUTH request #1 I spi=0102…/0a0b…".
func (h Header) String() string {
	var b strings.Builder
	b.WriteString(h.ExchangeType.String())
	if h.Flags.Response() {
		b.WriteString(" response #")
	} else {
		b.WriteString(" request #")
	}
	b.WriteString(uitoa(uint64(h.MessageID)))
	if h.Flags.Initiator() {
		b.WriteString(" from initiator")
	} else {
		b.WriteString(" from responder")
	}
	b.WriteString(" spi=")
	b.WriteString(hex64(h.SPIi))
	b.WriteByte('/')
	b.WriteString(hex64(h.SPIr))
	return b.String()
}

func hex64(v uint64) string {
	var buf [16]byte
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		buf[i] = digits[v&15]
		v >>= 4
	}
	return string(buf[:])
}

func uitoa(v uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(buf[i:])
}
