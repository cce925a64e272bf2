package iptun

// ECN is the 2-bit Explicit Congestion Notification field (RFC 3168 §5): the
// low bits of the IPv4 TOS octet and of the IPv6 Traffic Class.
type ECN uint8

// ECN codepoints.
const (
	NotECT ECN = 0b00 // not ECN-capable transport
	ECT1   ECN = 0b01 // ECN-capable transport, ECT(1)
	ECT0   ECN = 0b10 // ECN-capable transport, ECT(0)
	CE     ECN = 0b11 // congestion experienced
)

func (e ECN) String() string {
	switch e & 3 {
	case NotECT:
		return "Not-ECT"
	case ECT1:
		return "ECT(1)"
	case ECT0:
		return "ECT(0)"
	}
	return "CE"
}

// ECNOf returns the ECN field of a TOS or Traffic Class octet.
func ECNOf(tos uint8) ECN { return ECN(tos & 3) }

// DSCPOf returns the Differentiated Services codepoint (RFC 2474) of a TOS or
// Traffic Class octet.
func DSCPOf(tos uint8) uint8 { return tos >> 2 }

// ECNMode selects how an ingress sets the outer ECN field (RFC 6040 §4.1).
type ECNMode uint8

// ECN encapsulation modes.
const (
	// ECNNormal copies the inner ECN field to the outer header, CE
	// included (RFC 6040 §4.1, "normal mode"). It is what an ingress
	// SHOULD use.
	ECNNormal ECNMode = iota
	// ECNCompatibility sets the outer ECN field to Not-ECT (RFC 6040 §4.1,
	// "compatibility mode"), for an egress that may not understand ECN
	// (RFC 6040 §4.3: a legacy egress could forward CE as Not-ECT).
	ECNCompatibility
)

func (m ECNMode) String() string {
	if m == ECNCompatibility {
		return "compatibility"
	}
	return "normal"
}

// Encap returns the outer ECN field for an inner one (RFC 6040 §4.1,
// Figure 3).
func (m ECNMode) Encap(inner ECN) ECN {
	if m == ECNCompatibility {
		return NotECT
	}
	return inner & 3
}

// ECNVerdict says what an egress does with a packet after RFC 6040's
// decapsulation table (§4.2, Figure 4).
type ECNVerdict uint8

// ECN decapsulation verdicts.
const (
	// ECNForward: an ordinary combination; forward.
	ECNForward ECNVerdict = iota
	// ECNNote: inner ECT(1) under outer ECT(0), marked (!) in Figure 4:
	// forwarded as ECT(1); unusual, worth noting, no alarm.
	ECNNote
	// ECNLog: a currently unused combination, marked (!!!) in Figure 4:
	// forwarded with the table's codepoint; the egress SHOULD log it and
	// MAY raise an alarm (RFC 6040 §4.2).
	ECNLog
	// ECNDrop: CE outside a Not-ECT inner packet. The egress MUST drop it
	// (RFC 6040 §4.2): the transport inside cannot see congestion any
	// other way. Also marked (!!!), so SHOULD be logged.
	ECNDrop
)

func (v ECNVerdict) String() string {
	switch v {
	case ECNForward:
		return "forward"
	case ECNNote:
		return "forward (!)"
	case ECNLog:
		return "forward, log (!!!)"
	}
	return "drop (!!!)"
}

// decapTable is RFC 6040 Figure 4 indexed [inner][outer]: the ECN field of
// the packet leaving the egress, and the verdict.
var decapTable = [4][4]struct {
	out ECN
	v   ECNVerdict
}{
	NotECT: {NotECT: {NotECT, ECNForward}, ECT0: {NotECT, ECNLog}, ECT1: {NotECT, ECNLog}, CE: {NotECT, ECNDrop}},
	ECT0:   {NotECT: {ECT0, ECNForward}, ECT0: {ECT0, ECNForward}, ECT1: {ECT1, ECNForward}, CE: {CE, ECNForward}},
	ECT1:   {NotECT: {ECT1, ECNForward}, ECT0: {ECT1, ECNNote}, ECT1: {ECT1, ECNForward}, CE: {CE, ECNForward}},
	CE:     {NotECT: {CE, ECNForward}, ECT0: {CE, ECNForward}, ECT1: {CE, ECNLog}, CE: {CE, ECNForward}},
}

// DecapECN returns the ECN field the egress sets on the inner packet, given
// the arriving inner and outer fields, and the verdict (RFC 6040 §4.2,
// Figure 4). On ECNDrop the packet MUST be dropped.
func DecapECN(inner, outer ECN) (ECN, ECNVerdict) {
	c := decapTable[inner&3][outer&3]
	return c.out, c.v
}

// DSCPMode selects how an ingress sets the outer DSCP (RFC 2983 §3).
type DSCPMode uint8

// DSCP encapsulation modes.
const (
	// DSCPDefault is the owning package's default: a copy for RFC 2003 and
	// RFC 2473 tunnels, zero for RFC 4213 (§3.5) tunnels.
	DSCPDefault DSCPMode = iota
	// DSCPCopy copies the inner DSCP to the outer header (RFC 2003 §3.1,
	// the "uniform model" of RFC 2983 §3).
	DSCPCopy
	// DSCPFixed writes a configured DSCP (the "pipe model").
	DSCPFixed
)

func (m DSCPMode) String() string {
	switch m {
	case DSCPCopy:
		return "copy"
	case DSCPFixed:
		return "fixed"
	}
	return "default"
}

// OuterTOS returns the outer TOS or Traffic Class octet for an inner one:
// DSCP copied or fixed (mode, which must not be DSCPDefault, and dscp), ECN
// per RFC 6040 §4.1 (ecn).
func OuterTOS(inner uint8, mode DSCPMode, dscp uint8, ecn ECNMode) uint8 {
	d := inner >> 2
	if mode == DSCPFixed {
		d = dscp & 0x3f
	}
	return d<<2 | uint8(ecn.Encap(ECNOf(inner)))
}

// DecapTOS returns the TOS or Traffic Class octet the inner packet leaves the
// egress with, and the RFC 6040 verdict. With copyDSCP the outer DSCP
// replaces the inner one (the uniform model of RFC 2983 §3); otherwise the
// inner DSCP is kept (the pipe model, the default of RFC 2983 §6).
func DecapTOS(inner, outer uint8, copyDSCP bool) (uint8, ECNVerdict) {
	e, v := DecapECN(ECNOf(inner), ECNOf(outer))
	d := inner >> 2
	if copyDSCP {
		d = outer >> 2
	}
	return d<<2 | uint8(e), v
}
