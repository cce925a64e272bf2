package gre

import "github.com/tunnelcodec/tunnelcodec/internal/errs"

// MaxVSID is the largest 24-bit NVGRE Virtual Subnet ID.
const MaxVSID = 1<<24 - 1

// VSID is the Virtual Subnet ID of an NVGRE header: the high 24 bits of the
// Key (RFC 7637 §3.2).
func (g *GRE) VSID() uint32 { return g.Key >> 8 }

// FlowID is the low 8 bits of an NVGRE Key: per-flow entropy, zero when the
// sender generates none.
func (g *GRE) FlowID() uint8 { return uint8(g.Key) }

// SetNVGRE makes g an NVGRE header: K set, Protocol Type 0x6558, and the
// key from vsid and flowID.
func (g *GRE) SetNVGRE(vsid uint32, flowID uint8) error {
	if vsid > MaxVSID {
		return &errs.DecodeError{Layer: "gre", Field: "VSID", Offset: 4, Err: errs.ErrTooLarge,
			Detail: "VSID does not fit 24 bits", Have: int(vsid), Need: MaxVSID}
	}
	g.Key = vsid<<8 | uint32(flowID)
	g.Flags |= FlagK
	g.Protocol = ProtoTEB
	return nil
}

// CheckNVGRE applies RFC 7637 §3.2 to a decoded header: version 0, K set,
// C and S clear, Protocol Type 0x6558.
func (g *GRE) CheckNVGRE() error {
	switch {
	case g.Version != Version0:
		return errs.MalformedValue("gre", "version", 1, "NVGRE is version 0", int(g.Version), 0)
	case g.Flags&FlagK == 0:
		return errs.Malformed("gre", "flags", 0, "K clear: NVGRE carries the VSID in the key")
	case g.Flags&(FlagC|FlagS) != 0:
		return errs.Malformed("gre", "flags", 0, "C or S set: NVGRE requires both clear")
	case g.Protocol != ProtoTEB:
		return errs.MalformedValue("gre", "protocol type", 2, "NVGRE carries Ethernet, 0x6558", int(g.Protocol), int(ProtoTEB))
	}
	return nil
}
