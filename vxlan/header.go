package vxlan

import (
	"encoding/binary"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// HeaderLen is the length of a VXLAN header, with or without extensions.
const HeaderLen = 8

// MaxVNI is the largest 24-bit VXLAN Network Identifier.
const MaxVNI = 1<<24 - 1

// Flags is the first octet of the header.
type Flags uint8

// Bits of Flags.
const (
	FlagG       Flags = 0x80 // Group Based Policy extension: octets 1-3 are GBP
	FlagVersion Flags = 0x30 // GPE version (2 bits); must be 0
	FlagI       Flags = 0x08 // the VNI is valid (RFC 7348 §5)
	FlagP       Flags = 0x04 // GPE: octet 3 is the Next Protocol
	FlagB       Flags = 0x02 // GPE: BUM (broadcast, unknown unicast, multicast) traffic
	FlagO       Flags = 0x01 // GPE: OAM packet
)

// G reports the Group Based Policy bit.
func (f Flags) G() bool { return f&FlagG != 0 }

// I reports the Instance bit: the VNI is valid.
func (f Flags) I() bool { return f&FlagI != 0 }

// P reports the GPE Next Protocol bit.
func (f Flags) P() bool { return f&FlagP != 0 }

// B reports the GPE BUM bit.
func (f Flags) B() bool { return f&FlagB != 0 }

// O reports the GPE OAM bit.
func (f Flags) O() bool { return f&FlagO != 0 }

// Version returns the 2-bit GPE version.
func (f Flags) Version() uint8 { return uint8(f&FlagVersion) >> 4 }

// String lists the set bits, "G|I" style, with any other bits in hex.
func (f Flags) String() string {
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(s)
	}
	for _, x := range []struct {
		f Flags
		s string
	}{{FlagG, "G"}, {FlagI, "I"}, {FlagP, "P"}, {FlagB, "B"}, {FlagO, "O"}} {
		if f&x.f != 0 {
			add(x.s)
		}
	}
	if v := f.Version(); v != 0 {
		add("Ver=" + string(rune('0'+v)))
	}
	if r := f &^ (FlagG | FlagVersion | FlagI | FlagP | FlagB | FlagO); r != 0 {
		add("R=0x" + hex2(uint8(r)))
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// PolicyFlags is the second octet of the header: the D and A bits of the
// Group Based Policy extension, reserved otherwise.
type PolicyFlags uint8

// Bits of PolicyFlags.
const (
	FlagD PolicyFlags = 0x40 // Don't Learn: the egress VTEP must not learn the inner source address
	FlagA PolicyFlags = 0x08 // Policy Applied: the group policy was already applied
)

// D reports the Don't Learn bit.
func (f PolicyFlags) D() bool { return f&FlagD != 0 }

// A reports the Policy Applied bit.
func (f PolicyFlags) A() bool { return f&FlagA != 0 }

// NextProtocol is the GPE Next Protocol (draft-ietf-nvo3-vxlan-gpe §3.2).
type NextProtocol uint8

// Next Protocol values.
const (
	ProtoIPv4     NextProtocol = 0x01
	ProtoIPv6     NextProtocol = 0x02
	ProtoEthernet NextProtocol = 0x03
	ProtoNSH      NextProtocol = 0x04 // Network Service Header, RFC 8300
	ProtoMPLS     NextProtocol = 0x05
)

func (p NextProtocol) String() string {
	switch p {
	case ProtoIPv4:
		return "IPv4"
	case ProtoIPv6:
		return "IPv6"
	case ProtoEthernet:
		return "Ethernet"
	case ProtoNSH:
		return "NSH"
	case ProtoMPLS:
		return "MPLS"
	}
	return "NextProtocol(0x" + hex2(uint8(p)) + ")"
}

// Known reports whether p is one of the values defined by the draft.
func (p NextProtocol) Known() bool { return p >= ProtoIPv4 && p <= ProtoMPLS }

// LayerType returns the gopacket layer type carried after a GPE header with
// this Next Protocol: IPv4, IPv6, Ethernet or MPLS, and payload for NSH and
// unknown values.
func (p NextProtocol) LayerType() gopacket.LayerType {
	switch p {
	case ProtoIPv4:
		return layers.LayerTypeIPv4
	case ProtoIPv6:
		return layers.LayerTypeIPv6
	case ProtoEthernet:
		return layers.LayerTypeEthernet
	case ProtoMPLS:
		return layers.LayerTypeMPLS
	}
	return gopacket.LayerTypePayload
}

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// VXLAN is a VXLAN header (RFC 7348) with its GBP and GPE extensions. Fields
// are in wire order; see the package doc for how octets 1-3 are shared.
type VXLAN struct {
	layers.BaseLayer

	Flags         Flags        // octet 0: G, Ver, I, P, B, O and reserved bits
	PolicyFlags   PolicyFlags  // octet 1: GBP D and A bits; reserved otherwise
	GroupPolicyID uint16       // octets 2-3 unless the header is GPE
	Reserved1     uint8        // octet 2 of a GPE header (reserved)
	NextProtocol  NextProtocol // octet 3 of a GPE header
	VNI           uint32       // octets 4-6: VXLAN Network Identifier (24 bits)
	Reserved2     uint8        // octet 7 (reserved)
}

// IsGPE reports whether octets 2-3 are read as GPE (P set, G clear).
func (v *VXLAN) IsGPE() bool { return v.Flags&(FlagP|FlagG) == FlagP }

// LayerType returns LayerTypeVXLAN.
func (v *VXLAN) LayerType() gopacket.LayerType { return LayerTypeVXLAN }

// CanDecode returns LayerTypeVXLAN.
func (v *VXLAN) CanDecode() gopacket.LayerClass { return LayerTypeVXLAN }

// NextLayerType is Ethernet, or for a GPE header what Next Protocol names.
func (v *VXLAN) NextLayerType() gopacket.LayerType {
	if v.IsGPE() {
		return v.NextProtocol.LayerType()
	}
	return layers.LayerTypeEthernet
}

// DecodeFromBytes decodes the header at the start of data. The value's
// Contents and Payload alias data; nothing is allocated.
func (v *VXLAN) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < HeaderLen {
		if df != nil {
			df.SetTruncated()
		}
		return errs.Truncated("vxlan", "header", 0, HeaderLen, len(data))
	}
	v.Flags = Flags(data[0])
	v.PolicyFlags = PolicyFlags(data[1])
	if v.IsGPE() {
		v.GroupPolicyID = 0
		v.Reserved1 = data[2]
		v.NextProtocol = NextProtocol(data[3])
	} else {
		v.GroupPolicyID = binary.BigEndian.Uint16(data[2:4])
		v.Reserved1 = 0
		v.NextProtocol = 0
	}
	v.VNI = binary.BigEndian.Uint32(data[4:8]) >> 8
	v.Reserved2 = data[7]
	v.Contents = data[:HeaderLen]
	v.Payload = data[HeaderLen:]
	return nil
}

// Check applies the rules a receiving VTEP must: the I flag set (RFC 7348
// §5), and for a GPE header version 0 and a known Next Protocol
// (draft-ietf-nvo3-vxlan-gpe §3). Reserved bits are ignored.
func (v *VXLAN) Check() error {
	if !v.Flags.I() {
		return errs.Malformed("vxlan", "flags", 0, "I flag clear: the VNI is not valid")
	}
	if v.IsGPE() {
		if ver := v.Flags.Version(); ver != 0 {
			return &errs.DecodeError{Layer: "vxlan", Field: "version", Offset: 0, Err: errs.ErrUnsupported,
				Detail: "GPE version not supported", Have: int(ver)}
		}
		if !v.NextProtocol.Known() {
			return &errs.DecodeError{Layer: "vxlan", Field: "next protocol", Offset: 3, Err: errs.ErrUnsupported,
				Detail: "unknown GPE next protocol", Have: int(v.NextProtocol)}
		}
	}
	return nil
}

// AppendBinary appends the 8-octet header to b (encoding.BinaryAppender). It
// allocates only if b lacks room. It fails if VNI needs more than 24 bits, or
// a field is set that the flags give no place on the wire (GroupPolicyID on a
// GPE header; Reserved1 or NextProtocol on a non-GPE one).
func (v *VXLAN) AppendBinary(b []byte) ([]byte, error) {
	if err := v.validate(); err != nil {
		return b, err
	}
	o2, o3 := v.octets23()
	return append(b, byte(v.Flags), byte(v.PolicyFlags), o2, o3,
		byte(v.VNI>>16), byte(v.VNI>>8), byte(v.VNI), v.Reserved2), nil
}

func (v *VXLAN) validate() error {
	if v.VNI > MaxVNI {
		return &errs.DecodeError{Layer: "vxlan", Field: "VNI", Offset: 4, Err: errs.ErrTooLarge,
			Detail: "VNI does not fit 24 bits", Have: int(v.VNI), Need: MaxVNI}
	}
	if v.IsGPE() && v.GroupPolicyID != 0 {
		return errs.Malformed("vxlan", "group policy ID", 2, "set on a GPE header (P set, G clear), which has no room for it")
	}
	if !v.IsGPE() && (v.Reserved1 != 0 || v.NextProtocol != 0) {
		return errs.Malformed("vxlan", "next protocol", 3, "set on a header that is not GPE (set P, clear G)")
	}
	return nil
}

// octets23 returns octets 2 and 3 as the flags lay them out.
func (v *VXLAN) octets23() (byte, byte) {
	if v.IsGPE() {
		return v.Reserved1, byte(v.NextProtocol)
	}
	return byte(v.GroupPolicyID >> 8), byte(v.GroupPolicyID)
}

// put writes the header into h, which has HeaderLen bytes.
func (v *VXLAN) put(h []byte) {
	_ = h[7]
	h[0] = byte(v.Flags)
	h[1] = byte(v.PolicyFlags)
	h[2], h[3] = v.octets23()
	binary.BigEndian.PutUint32(h[4:8], v.VNI<<8|uint32(v.Reserved2))
}

// MarshalBinary returns the encoded header.
func (v *VXLAN) MarshalBinary() ([]byte, error) {
	return v.AppendBinary(make([]byte, 0, HeaderLen))
}

// UnmarshalBinary decodes a header; data must be exactly HeaderLen bytes
// long, or longer with the rest taken as payload. The value aliases data.
func (v *VXLAN) UnmarshalBinary(data []byte) error {
	return v.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
}

// SerializeTo prepends the header to the buffer (gopacket.SerializableLayer).
// With opts.FixLengths it first sets I, and P when NextProtocol is set and G
// is not.
func (v *VXLAN) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	if opts.FixLengths {
		v.Flags |= FlagI
		if v.NextProtocol != 0 && !v.Flags.G() {
			v.Flags |= FlagP
		}
	}
	if err := v.validate(); err != nil {
		return err
	}
	h, err := b.PrependBytes(HeaderLen)
	if err != nil {
		return err
	}
	v.put(h)
	return nil
}
