package gre

import (
	"encoding/binary"
	"errors"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/sre"
)

// MinHeaderLen is the length of a header with no optional field (RFC 2784).
const MinHeaderLen = 4

// Flags holds the flag bits of octets 0-1: C, R, K, S, s, the A bit of
// enhanced GRE and the reserved bits, each in its wire position. Recursion
// Control and Version, which share those octets, are separate fields of GRE.
type Flags uint16

// Bits of Flags.
const (
	FlagC      Flags = 0x8000 // Checksum Present (Checksum and Offset fields present)
	FlagR      Flags = 0x4000 // Routing Present (Checksum, Offset and Routing present)
	FlagK      Flags = 0x2000 // Key Present
	FlagS      Flags = 0x1000 // Sequence Number Present
	FlagStrict Flags = 0x0800 // s: Strict Source Route
	FlagA      Flags = 0x0080 // Acknowledgment Number Present (version 1 only)

	// FlagsReserved are bits 9-12, reserved in every version. Together with
	// FlagA they are RFC 1701's 5-bit Flags field.
	FlagsReserved Flags = 0x0078

	flagsMask = 0xf8f8 // everything but Recur and Ver
)

// C reports the Checksum Present bit.
func (f Flags) C() bool { return f&FlagC != 0 }

// R reports the Routing Present bit.
func (f Flags) R() bool { return f&FlagR != 0 }

// K reports the Key Present bit.
func (f Flags) K() bool { return f&FlagK != 0 }

// S reports the Sequence Number Present bit.
func (f Flags) S() bool { return f&FlagS != 0 }

// StrictSourceRoute reports the s bit.
func (f Flags) StrictSourceRoute() bool { return f&FlagStrict != 0 }

// A reports the Acknowledgment Number Present bit of enhanced GRE.
func (f Flags) A() bool { return f&FlagA != 0 }

// Reserved returns bits 9-12 as a 4-bit number.
func (f Flags) Reserved() uint8 { return uint8(f&FlagsReserved) >> 3 }

// String lists the set bits, "K|S" style, with reserved bits in hex.
func (f Flags) String() string {
	var b strings.Builder
	for _, x := range []struct {
		f Flags
		s string
	}{{FlagC, "C"}, {FlagR, "R"}, {FlagK, "K"}, {FlagS, "S"}, {FlagStrict, "s"}, {FlagA, "A"}} {
		if f&x.f != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(x.s)
		}
	}
	if r := f &^ (FlagC | FlagR | FlagK | FlagS | FlagStrict | FlagA); r != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("Rsv=0x" + hex4(uint16(r)))
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// Version is the 3-bit GRE version.
type Version uint8

// Versions.
const (
	Version0 Version = 0 // GRE (RFC 1701, RFC 2784)
	Version1 Version = 1 // enhanced GRE of PPTP (RFC 2637 §4.1)
)

func (v Version) String() string {
	switch v {
	case Version0:
		return "GRE"
	case Version1:
		return "Enhanced GRE"
	}
	return "Version(" + string(rune('0'+v%10)) + ")"
}

// SRE is a Source Route Entry of the Routing field (RFC 1701 §2.2).
type SRE = sre.SRE

// GRE is a GRE header: RFC 1701 in full, RFC 2784 and RFC 2890 as its common
// case, and the enhanced GRE header of PPTP (RFC 2637 §4.1) when Version is
// 1. Fields are in wire order; an optional field is on the wire exactly when
// its flag is set:
//
//	Checksum, Offset  C or R
//	Key               K (version 1: payload length and call ID)
//	Sequence          S
//	Ack               A (version 1 only)
//	Routing           R (the SREs, then the NULL SRE)
//
// Every bit is kept, reserved ones included, so encoding a decoded header
// gives back its bytes.
type GRE struct {
	layers.BaseLayer

	Flags     Flags    // C, R, K, S, s, A and reserved bits
	Recursion uint8    // Recursion Control (3 bits)
	Version   Version  // Ver (3 bits)
	Protocol  Protocol // Protocol Type
	Checksum  uint16   // present if C or R; valid if C
	Offset    uint16   // present if C or R; valid if R: offset of the active SRE in Routing
	Key       uint32   // present if K
	Sequence  uint32   // present if S
	Ack       uint32   // present if A, version 1 only
	Routing   []SRE    // present if R: the SREs before the NULL SRE (RoutingInformation aliases the packet)

	// NullSREOffset is the SRE Offset octet of the NULL SRE that ends the
	// Routing field: zero on every packet seen so far, kept so that
	// re-encoding gives back the same bytes.
	NullSREOffset uint8
}

// fixedLen is the header length without Ack and Routing, indexed by the top
// four bits of the flags (C R K S).
var fixedLen [16]uint8

func init() {
	for i := range fixedLen {
		n := 4
		if i&0xc != 0 {
			n += 4
		}
		if i&2 != 0 {
			n += 4
		}
		if i&1 != 0 {
			n += 4
		}
		fixedLen[i] = uint8(n)
	}
}

// LayerType returns LayerTypeGRE.
func (g *GRE) LayerType() gopacket.LayerType { return LayerTypeGRE }

// CanDecode returns LayerTypeGRE.
func (g *GRE) CanDecode() gopacket.LayerClass { return LayerTypeGRE }

// NextLayerType follows the Protocol Type (see Protocol.LayerType), with
// 0x88be read as ERSPAN type II when S is set (type II carries a sequence
// number, type I does not) and as the Ethernet frame of type I otherwise.
func (g *GRE) NextLayerType() gopacket.LayerType {
	if g.Protocol == ProtoERSPAN && g.Flags&FlagS != 0 {
		return layers.LayerTypeERSPANII
	}
	return g.Protocol.LayerType()
}

// HeaderLen returns the encoded length of the header.
func (g *GRE) HeaderLen() int {
	n := int(fixedLen[g.Flags>>12])
	if g.Flags&FlagA != 0 && g.Version == Version1 {
		n += 4
	}
	if g.Flags&FlagR != 0 {
		n += sre.Len(g.Routing)
	}
	return n
}

// DecodeFromBytes decodes the header at the start of data. Contents,
// Payload and the routing information alias data; the Routing slice keeps
// its capacity, so decoding into a reused value allocates nothing.
//
// It fails on a truncated header, a version other than 0 and 1 (ErrVersion),
// the A bit on version 0 (ErrAckOnVersion0) and, with R set, a routing list
// without NULL SRE (ErrNoTerminator), an SRE past the end (ErrSREPastEnd) or
// an Offset not at an SRE (ErrOffsetOutside). It does not verify the
// checksum (VerifyChecksum) or the PPTP and NVGRE rules (CheckPPTP,
// CheckNVGRE).
func (g *GRE) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < MinHeaderLen {
		return g.truncated(df, "header", 0, MinHeaderLen, len(data))
	}
	fv := binary.BigEndian.Uint16(data)
	g.Flags = Flags(fv & flagsMask)
	g.Recursion = uint8(fv>>8) & 7
	g.Version = Version(fv & 7)
	g.Protocol = Protocol(binary.BigEndian.Uint16(data[2:]))
	if fv&0xf087 == 0 {
		// RFC 2784 with no optional field: the common case, on its own path.
		g.Checksum, g.Offset, g.Key, g.Sequence, g.Ack, g.NullSREOffset = 0, 0, 0, 0, 0, 0
		if len(g.Routing) != 0 {
			g.Routing = g.Routing[:0]
		}
		g.Contents = data[:MinHeaderLen]
		g.Payload = data[MinHeaderLen:]
		return nil
	}
	n := int(fixedLen[fv>>12])
	if fv&0xc087 == 0 && len(data) >= n {
		// Version 0 with Key and/or Sequence only (RFC 2890, NVGRE).
		g.Checksum, g.Offset, g.Ack, g.NullSREOffset = 0, 0, 0, 0
		g.Key, g.Sequence = 0, 0
		if fv&uint16(FlagK) != 0 {
			g.Key = binary.BigEndian.Uint32(data[4:8])
			if fv&uint16(FlagS) != 0 {
				g.Sequence = binary.BigEndian.Uint32(data[8:12])
			}
		} else {
			g.Sequence = binary.BigEndian.Uint32(data[4:8])
		}
		if len(g.Routing) != 0 {
			g.Routing = g.Routing[:0]
		}
		g.Contents = data[:n]
		g.Payload = data[n:]
		return nil
	}
	if fv&7 != 0 || fv&uint16(FlagA) != 0 {
		switch {
		case fv&7 > 1:
			return &errs.DecodeError{Layer: "gre", Field: "version", Offset: 1, Err: ErrVersion,
				Detail: "version other than 0 (GRE) and 1 (enhanced GRE)", Have: int(fv & 7)}
		case fv&7 == 0:
			return &errs.DecodeError{Layer: "gre", Field: "flags", Offset: 1, Err: ErrAckOnVersion0,
				Detail: "A bit set on a version 0 header, which has no Acknowledgment Number", Have: -1}
		case fv&uint16(FlagA) != 0:
			n += 4
		}
	}
	if len(data) < n {
		return g.truncatedField(df, data, n)
	}
	off := 4
	if fv&uint16(FlagC|FlagR) != 0 {
		g.Checksum = binary.BigEndian.Uint16(data[4:])
		g.Offset = binary.BigEndian.Uint16(data[6:])
		off = 8
	} else {
		g.Checksum, g.Offset = 0, 0
	}
	if fv&uint16(FlagK) != 0 {
		g.Key = binary.BigEndian.Uint32(data[off:])
		off += 4
	} else {
		g.Key = 0
	}
	if fv&uint16(FlagS) != 0 {
		g.Sequence = binary.BigEndian.Uint32(data[off:])
		off += 4
	} else {
		g.Sequence = 0
	}
	if fv&uint16(FlagA) != 0 {
		g.Ack = binary.BigEndian.Uint32(data[off:])
		off += 4
	} else {
		g.Ack = 0
	}
	if len(g.Routing) != 0 {
		g.Routing = g.Routing[:0]
	}
	g.NullSREOffset = 0
	if fv&uint16(FlagR) != 0 {
		list, rlen, nullOff, err := sre.Parse(data[off:], g.Routing)
		g.Routing = list
		if err != nil {
			if df != nil && errors.Is(err, errs.ErrTruncated) {
				df.SetTruncated()
			}
			return errs.Wrap(err, "", off)
		}
		if _, err := sre.Active(list, g.Offset); err != nil {
			return errs.Wrap(err, "", 6)
		}
		g.NullSREOffset = nullOff
		off += rlen
	}
	g.Contents = data[:off]
	g.Payload = data[off:]
	return nil
}

func (g *GRE) truncated(df gopacket.DecodeFeedback, field string, off, need, have int) error {
	if df != nil {
		df.SetTruncated()
	}
	return errs.Truncated("gre", field, off, need, have)
}

// truncatedField names the first fixed field that data cuts, for the
// error; n is the length the flags announce.
func (g *GRE) truncatedField(df gopacket.DecodeFeedback, data []byte, n int) error {
	field, off := "header", 4
	for _, f := range []struct {
		on   bool
		name string
	}{
		{g.Flags&(FlagC|FlagR) != 0, "checksum"},
		{g.Flags&FlagK != 0, "key"},
		{g.Flags&FlagS != 0, "sequence number"},
		{g.Flags&FlagA != 0, "acknowledgment number"},
	} {
		if !f.on {
			continue
		}
		if len(data) < off+4 {
			field = f.name
			break
		}
		off += 4
	}
	return g.truncated(df, field, off, n, len(data))
}

// AppendBinary appends the header to b (encoding.BinaryAppender), with the
// fields as they are: the checksum is not computed (see AppendPacket). It
// allocates only if b lacks room. It fails, appending nothing, on a header
// DecodeFromBytes would refuse or a field the flags give no place on the
// wire (see SerializeTo with FixLengths, which sets those flags).
func (g *GRE) AppendBinary(b []byte) ([]byte, error) {
	if g.Flags&^(FlagStrict|FlagsReserved) == 0 && g.Version == Version0 && g.Recursion <= MaxRecursion &&
		g.Checksum|g.Offset|uint16(g.NullSREOffset) == 0 && g.Key|g.Sequence|g.Ack == 0 && len(g.Routing) == 0 {
		// RFC 2784 with no optional field: four octets.
		return append(b, byte(g.Flags>>8)|g.Recursion, byte(g.Flags), byte(g.Protocol>>8), byte(g.Protocol)), nil
	}
	if _, ok := g.short(); ok {
		// The RFC 2890 case in one pass, without validate's general checks.
		f := g.Flags
		b = append(b, byte(f>>8)|g.Recursion, byte(f), byte(g.Protocol>>8), byte(g.Protocol))
		if f&FlagC != 0 {
			b = binary.BigEndian.AppendUint32(b, uint32(g.Checksum)<<16|uint32(g.Offset))
		}
		if f&FlagK != 0 {
			b = binary.BigEndian.AppendUint32(b, g.Key)
		}
		if f&FlagS != 0 {
			b = binary.BigEndian.AppendUint32(b, g.Sequence)
		}
		return b, nil
	}
	if err := g.validate(); err != nil {
		return b, err
	}
	start, f := len(b), g.Flags
	b = append(b, byte(f>>8)|g.Recursion, byte(f)|byte(g.Version), byte(g.Protocol>>8), byte(g.Protocol))
	if f&(FlagC|FlagR) != 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(g.Checksum)<<16|uint32(g.Offset))
	}
	if f&FlagK != 0 {
		b = binary.BigEndian.AppendUint32(b, g.Key)
	}
	if f&FlagS != 0 {
		b = binary.BigEndian.AppendUint32(b, g.Sequence)
	}
	if f&FlagA != 0 {
		b = binary.BigEndian.AppendUint32(b, g.Ack)
	}
	if f&FlagR != 0 {
		n := len(b) - start
		var err error
		if b, err = sre.AppendChecked(b, g.Routing, g.NullSREOffset, g.Offset); err != nil {
			return b[:start], routingError(err, n)
		}
	}
	return b, nil
}

// routingError places an internal/sre error in the header: Offset field
// errors at the Offset field (octet 6), the others after the n octets that
// precede the routing list.
func routingError(err error, n int) error {
	var de *errs.DecodeError
	if errors.As(err, &de) && de.Field == "offset" {
		return errs.Wrap(err, "", 6)
	}
	return errs.Wrap(err, "", n)
}

// short reports whether the header is the common RFC 2890 case (version 0,
// no routing, no acknowledgment: C, K and S in any combination) with the
// checks validate makes, and returns its length. Anything else takes the
// general path (and its error reporting).
func (g *GRE) short() (int, bool) {
	f := g.Flags
	if f&^(FlagC|FlagK|FlagS|FlagStrict|FlagsReserved) != 0 || g.Version != Version0 || g.Recursion > MaxRecursion ||
		g.NullSREOffset != 0 || len(g.Routing) != 0 || g.Ack != 0 ||
		g.Checksum|g.Offset != 0 && f&FlagC == 0 || g.Key != 0 && f&FlagK == 0 || g.Sequence != 0 && f&FlagS == 0 {
		return 0, false
	}
	return int(fixedLen[f>>12]), true
}

// putShort writes a header short accepted into h, which has its length
// (SerializeTo's prepended space; AppendBinary appends the same octets).
func (g *GRE) putShort(h []byte) {
	f := g.Flags
	_ = h[3]
	h[0], h[1] = byte(f>>8)|g.Recursion, byte(f)
	h[2], h[3] = byte(g.Protocol>>8), byte(g.Protocol)
	h = h[4:]
	if f&FlagC != 0 {
		binary.BigEndian.PutUint32(h, uint32(g.Checksum)<<16|uint32(g.Offset))
		h = h[4:]
	}
	if f&FlagK != 0 {
		binary.BigEndian.PutUint32(h, g.Key)
		h = h[4:]
	}
	if f&FlagS != 0 {
		binary.BigEndian.PutUint32(h, g.Sequence)
	}
}

// MarshalBinary returns the encoded header.
func (g *GRE) MarshalBinary() ([]byte, error) {
	return g.AppendBinary(make([]byte, 0, g.HeaderLen()))
}

// UnmarshalBinary decodes a header; what follows it is the payload. The
// value aliases data.
func (g *GRE) UnmarshalBinary(data []byte) error {
	return g.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
}

// AppendPacket appends the header and payload to b. With C set it computes
// the checksum over both and stores it in g.Checksum as well; everything
// else is written as it is.
func (g *GRE) AppendPacket(b, payload []byte) ([]byte, error) {
	n, err := g.validLen()
	if err != nil {
		return b, err
	}
	start := len(b)
	b = append(b, make([]byte, n)...)
	b = append(b, payload...)
	h := b[start:]
	g.put(h)
	if g.Flags&FlagC != 0 {
		h[4], h[5] = 0, 0
		g.Checksum = checksumOf(h)
		binary.BigEndian.PutUint16(h[4:], g.Checksum)
	}
	return b, nil
}

// SerializeTo prepends the header to the buffer, whose bytes are the payload
// (gopacket.SerializableLayer).
//
// With opts.FixLengths it first sets the flags that the fields imply: K when
// Key is non-zero, S when Sequence is, R when Routing is not empty, and each
// SRE's SRE Length; on version 1 (RFC 2637 §4.1) K always, A when Ack is
// non-zero, S exactly when there is a payload, and the payload length half
// of the key. Flags are never cleared except S on version 1, so a zero Key
// or Sequence is sent by setting K or S. With opts.ComputeChecksums and C
// set, the checksum is computed over the header and payload.
func (g *GRE) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	if opts.FixLengths {
		g.fixLengths(len(b.Bytes()))
	}
	if n, ok := g.short(); ok && g.Flags&FlagC == 0 {
		h, err := b.PrependBytes(n)
		if err != nil {
			return err
		}
		g.putShort(h)
		return nil
	}
	n, err := g.validLen()
	if err != nil {
		return err
	}
	h, err := b.PrependBytes(n)
	if err != nil {
		return err
	}
	g.put(h)
	if opts.ComputeChecksums && g.Flags&FlagC != 0 {
		h[4], h[5] = 0, 0
		g.Checksum = checksumOf(b.Bytes())
		binary.BigEndian.PutUint16(h[4:], g.Checksum)
	}
	return nil
}

func (g *GRE) fixLengths(payloadLen int) {
	if g.Key != 0 {
		g.Flags |= FlagK
	}
	if g.Sequence != 0 {
		g.Flags |= FlagS
	}
	if len(g.Routing) > 0 {
		g.Flags |= FlagR
	}
	for i := range g.Routing {
		g.Routing[i].SRELength = uint8(len(g.Routing[i].RoutingInformation))
	}
	if g.Version == Version1 {
		g.Flags |= FlagK
		if g.Ack != 0 {
			g.Flags |= FlagA
		}
		if payloadLen > 0 {
			g.Flags |= FlagS
		} else {
			g.Flags &^= FlagS
		}
		g.Key = uint32(uint16(payloadLen))<<16 | g.Key&0xffff
	}
}

// validate refuses what DecodeFromBytes would refuse and values with no
// place on the wire. The common case is one test.
func (g *GRE) validate() error {
	f := g.Flags
	if f&FlagR != 0 {
		f |= FlagC // R puts Checksum and Offset on the wire as well
	}
	if g.Recursion <= MaxRecursion && f&^flagsMask == 0 && (g.Version == Version1 || g.Version == Version0 && f&FlagA == 0) &&
		(g.Checksum|g.Offset == 0 || f&FlagC != 0) && (g.Key == 0 || f&FlagK != 0) && (g.Sequence == 0 || f&FlagS != 0) &&
		(g.Ack == 0 || f&FlagA != 0) && (len(g.Routing) == 0 && g.NullSREOffset == 0 || f&FlagR != 0) {
		return nil
	}
	return g.invalidFields(f)
}

// invalidFields is validate's error path: the flags the non-zero fields
// need but f lacks, as invalid reports them.
func (g *GRE) invalidFields(f Flags) error {
	var used Flags
	if g.Checksum|g.Offset != 0 {
		used |= FlagC
	}
	if g.Key != 0 {
		used |= FlagK
	}
	if g.Sequence != 0 {
		used |= FlagS
	}
	if g.Ack != 0 {
		used |= FlagA
	}
	if len(g.Routing) != 0 || g.NullSREOffset != 0 {
		used |= FlagR
	}
	return g.invalid(used &^ f)
}

// validLen validates g and returns its encoded length, walking a routing
// list once.
func (g *GRE) validLen() (int, error) {
	if err := g.validate(); err != nil {
		return 0, err
	}
	n := int(fixedLen[g.Flags>>12])
	if g.Flags&FlagA != 0 {
		n += 4
	}
	if g.Flags&FlagR == 0 {
		return n, nil
	}
	rlen, err := sre.Validate(g.Routing, g.Offset)
	if err != nil {
		return 0, routingError(err, n)
	}
	return n + rlen, nil
}

func (g *GRE) invalid(missing Flags) error {
	switch {
	case g.Recursion > MaxRecursion:
		return &errs.DecodeError{Layer: "gre", Field: "recursion control", Offset: 0, Err: errs.ErrTooLarge,
			Detail: "recursion control does not fit 3 bits", Have: int(g.Recursion), Need: MaxRecursion}
	case g.Version > Version1:
		return &errs.DecodeError{Layer: "gre", Field: "version", Offset: 1, Err: ErrVersion,
			Detail: "version other than 0 (GRE) and 1 (enhanced GRE)", Have: int(g.Version)}
	case g.Flags&^flagsMask != 0:
		return errs.Malformed("gre", "flags", 0, "Flags has bits where Recursion Control or Version go")
	case g.Flags&FlagA != 0:
		return &errs.DecodeError{Layer: "gre", Field: "flags", Offset: 1, Err: ErrAckOnVersion0,
			Detail: "A bit set on a version 0 header, which has no Acknowledgment Number", Have: -1}
	case missing&FlagC != 0:
		return errs.Malformed("gre", "checksum", 4, "checksum or offset set but C and R clear")
	case missing&FlagK != 0:
		return errs.Malformed("gre", "key", 4, "key set but K clear")
	case missing&FlagS != 0:
		return errs.Malformed("gre", "sequence number", 4, "sequence number set but S clear")
	case missing&FlagA != 0:
		return errs.Malformed("gre", "acknowledgment number", 4, "acknowledgment number set but A clear")
	default:
		return errs.Malformed("gre", "routing", 4, "routing set but R clear")
	}
}

// put writes the header into h, which has HeaderLen bytes.
func (g *GRE) put(h []byte) {
	binary.BigEndian.PutUint16(h, uint16(g.Flags)|uint16(g.Recursion)<<8|uint16(g.Version))
	binary.BigEndian.PutUint16(h[2:], uint16(g.Protocol))
	off := 4
	if g.Flags&(FlagC|FlagR) != 0 {
		binary.BigEndian.PutUint16(h[4:], g.Checksum)
		binary.BigEndian.PutUint16(h[6:], g.Offset)
		off = 8
	}
	if g.Flags&FlagK != 0 {
		binary.BigEndian.PutUint32(h[off:], g.Key)
		off += 4
	}
	if g.Flags&FlagS != 0 {
		binary.BigEndian.PutUint32(h[off:], g.Sequence)
		off += 4
	}
	if g.Flags&FlagA != 0 {
		binary.BigEndian.PutUint32(h[off:], g.Ack)
		off += 4
	}
	if g.Flags&FlagR != 0 {
		sre.Put(h[off:], g.Routing, g.NullSREOffset)
	}
}

// RoutingBytes returns the encoded Routing field (SREs and NULL SRE) of a
// decoded header, aliasing the packet, for sre-style iteration without the
// Routing slice; nil when R is clear.
func (g *GRE) RoutingBytes() []byte {
	if g.Flags&FlagR == 0 || len(g.Contents) == 0 {
		return nil
	}
	n := int(fixedLen[g.Flags>>12])
	if g.Flags&FlagA != 0 {
		n += 4
	}
	return g.Contents[n:]
}

// ActiveSRE returns the index in Routing of the SRE the Offset field points
// at, and false when it points at the NULL SRE (the source route is
// complete) or R is clear.
func (g *GRE) ActiveSRE() (int, bool) {
	if g.Flags&FlagR == 0 {
		return 0, false
	}
	i, err := sre.Active(g.Routing, g.Offset)
	return i, err == nil && i < len(g.Routing)
}
