package gre

import "github.com/tunnelcodec/tunnelcodec/internal/errs"

// PayloadLength is the high half of the Key of an enhanced GRE header (RFC
// 2637 §4.1): the length of the payload, not including the GRE header.
func (g *GRE) PayloadLength() uint16 { return uint16(g.Key >> 16) }

// CallID is the low half of the Key of an enhanced GRE header: the peer's
// Call ID for the session the packet belongs to.
func (g *GRE) CallID() uint16 { return uint16(g.Key) }

// SetPPTPKey sets the Key of an enhanced GRE header and the K bit.
func (g *GRE) SetPPTPKey(payloadLength, callID uint16) {
	g.Key = uint32(payloadLength)<<16 | uint32(callID)
	g.Flags |= FlagK
}

// IsAckOnly reports whether an enhanced GRE packet only acknowledges: A set,
// S clear, no payload.
func (g *GRE) IsAckOnly() bool {
	return g.Version == Version1 && g.Flags&(FlagA|FlagS) == FlagA && len(g.Payload) == 0
}

// CheckPPTP applies RFC 2637 §4.1 to a decoded enhanced GRE header: version
// 1, Protocol Type 0x880b, K set, C, R, s, Recursion Control and the
// reserved flags zero, S set exactly when a payload is present, and the
// payload length in the key equal to the payload received.
func (g *GRE) CheckPPTP() error {
	switch {
	case g.Version != Version1:
		return errs.MalformedValue("gre", "version", 1, "PPTP uses enhanced GRE, version 1", int(g.Version), 1)
	case g.Protocol != ProtoPPP:
		return errs.MalformedValue("gre", "protocol type", 2, "PPTP carries PPP, 0x880b", int(g.Protocol), int(ProtoPPP))
	case g.Flags&FlagK == 0:
		return errs.Malformed("gre", "flags", 0, "K clear: enhanced GRE requires the key (payload length and call ID)")
	case g.Flags&(FlagC|FlagR|FlagStrict) != 0 || g.Recursion != 0 || g.Flags&FlagsReserved != 0:
		return errs.Malformed("gre", "flags", 0, "C, R, s, recursion control and reserved flags must be zero in enhanced GRE")
	case g.Flags&FlagS != 0 && len(g.Payload) == 0:
		return errs.Malformed("gre", "flags", 0, "S set without a payload")
	case g.Flags&FlagS == 0 && len(g.Payload) != 0:
		return errs.Malformed("gre", "flags", 0, "payload present but S clear")
	case int(g.PayloadLength()) != len(g.Payload):
		return errs.MalformedValue("gre", "payload length", 4, "payload length differs from the payload", int(g.PayloadLength()), len(g.Payload))
	}
	return nil
}
