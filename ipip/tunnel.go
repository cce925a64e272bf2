package ipip

import (
	"errors"
	"math/rand/v2"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

const layer = "ipip"

// ECNMode selects how the outer ECN field is set (RFC 6040 §4.1).
type ECNMode = iptun.ECNMode

// ECN encapsulation modes.
const (
	ECNNormal        = iptun.ECNNormal        // copy the inner ECN field (the default)
	ECNCompatibility = iptun.ECNCompatibility // outer Not-ECT
)

// ECN is an ECN codepoint; ECNVerdict what RFC 6040's decapsulation table
// says of a packet.
type (
	ECN        = iptun.ECN
	ECNVerdict = iptun.ECNVerdict
)

// ECN codepoints and decapsulation verdicts.
const (
	NotECT     = iptun.NotECT
	ECT0       = iptun.ECT0
	ECT1       = iptun.ECT1
	CE         = iptun.CE
	ECNForward = iptun.ECNForward
	ECNNote    = iptun.ECNNote
	ECNLog     = iptun.ECNLog
	ECNDrop    = iptun.ECNDrop
)

// DSCPMode selects how the outer DSCP is set.
type DSCPMode = iptun.DSCPMode

// DSCP modes. The default copies the inner DSCP, as RFC 2003 §3.1 copies
// the TOS.
const (
	DSCPDefault = iptun.DSCPDefault
	DSCPCopy    = iptun.DSCPCopy
	DSCPFixed   = iptun.DSCPFixed
)

// DFMode selects the outer Don't Fragment bit of an IPv4 outer header.
type DFMode uint8

// DF modes. Neither clears a DF the inner header has set: RFC 2003 §3.1
// says it MUST be set in the outer header then.
const (
	// DFInherit copies the inner DF bit (RFC 2003 §3.1).
	DFInherit DFMode = iota
	// DFSet sets DF on every outer packet that is not a fragment, so the
	// tunnel discovers its path MTU (RFC 2003 §5.1 SHOULD).
	DFSet
)

func (m DFMode) String() string {
	if m == DFSet {
		return "set"
	}
	return "inherit"
}

// Encapsulation limit settings for Config.EncapLimit.
const (
	DefaultEncapLimit = iptun.DefaultEncapLimit // 4 (RFC 2473 §6.6)
	// NoEncapLimit sends no Tunnel Encapsulation Limit option (a packet
	// that arrives with one still gets one, RFC 2473 §4.1.1).
	NoEncapLimit = -1
	// ZeroEncapLimit sends a limit of 0: the packet must not be
	// encapsulated again.
	ZeroEncapLimit = 256
)

// DefaultTTL is the outer TTL or hop limit unless configured: the value of
// "Assigned Numbers" (RFC 1700, RFC 3232).
const DefaultTTL = iptun.DefaultTTL

// DefaultMTU is the outer link MTU assumed unless configured (Ethernet).
const DefaultMTU = 1500

// Config describes one end of an IP-in-IP tunnel.
type Config struct {
	// Local is this node's outer address, the tunnel entry point for
	// what it sends; Remote the peer, the exit point. Both IPv4 make an
	// RFC 2003 tunnel (IPv4 in IPv4, protocol 4); both IPv6 an RFC 2473
	// tunnel (IPv4 or IPv6 in IPv6, next header 4 or 41). IPv6 in IPv4 is
	// package sit.
	Local, Remote netip.Addr

	// TTL is the outer TTL or hop limit; 0 means DefaultTTL.
	TTL uint8
	// DSCP and DSCPValue set the outer DSCP: copied from the inner
	// packet (DSCPDefault, DSCPCopy) or DSCPValue (DSCPFixed).
	DSCP      DSCPMode
	DSCPValue uint8
	// ECN sets the outer ECN field (RFC 6040 §4.1).
	ECN ECNMode
	// DF sets the outer DF bit (IPv4 outer only).
	DF DFMode
	// FlowLabel is the outer flow label (IPv6 outer only, 20 bits).
	FlowLabel uint32
	// EncapLimit is the Tunnel Encapsulation Limit written in IPv6 outer
	// headers (RFC 2473 §5.1): 0 means DefaultEncapLimit, 1-255 that
	// value, ZeroEncapLimit a limit of 0, NoEncapLimit none.
	EncapLimit int
	// MTU is the largest outer packet the link towards Remote takes; 0
	// means DefaultMTU. A smaller path MTU learned from ICMP (Relay,
	// SetPathMTU) takes precedence. At least 68 for IPv4, 1280 for IPv6.
	MTU int
	// Forwarding says the tunnel is a forwarding hop for the inner
	// packet: its TTL (hop limit) is decremented on encapsulation
	// (RFC 2003 §3.1, RFC 2473 §3.1). Leave it false for packets this
	// node originates.
	Forwarding bool
	// DecapCopyDSCP copies the outer DSCP into the inner header on
	// decapsulation (the uniform model of RFC 2983); by default the inner
	// DSCP is kept (the pipe model).
	DecapCopyDSCP bool
	// ICMPSource4 and ICMPSource6 are the addresses ICMP errors to
	// original senders are sent from, in the original sender's family.
	// They default to Local where the family matches; a 4in6 tunnel needs
	// ICMPSource4 set to send ICMP errors to IPv4 senders.
	ICMPSource4, ICMPSource6 netip.Addr
}

// Tunnel is one configured IP-in-IP tunnel endpoint: it encapsulates what it
// sends to Remote and decapsulates what Remote sends. It keeps the
// Identification counter and the path MTU soft state (RFC 2003 §5), and is
// safe for concurrent use.
type Tunnel struct {
	cfg      Config
	v6       bool // IPv6 outer (RFC 2473)
	mtu      int
	limit    int // emitted encapsulation limit, -1 for none
	overhead int // outer header bytes
	h4       iptun.Header4
	h6       iptun.Header6
	state    iptun.State
}

// New checks a configuration and returns its tunnel.
func New(cfg Config) (*Tunnel, error) {
	if !cfg.Local.IsValid() || !cfg.Remote.IsValid() {
		return nil, errors.New("ipip: Local and Remote addresses are required")
	}
	cfg.Local, cfg.Remote = cfg.Local.Unmap(), cfg.Remote.Unmap()
	if cfg.Local.Is4() != cfg.Remote.Is4() {
		return nil, errors.New("ipip: Local and Remote must be the same family (IPv6 in IPv4 is package sit)")
	}
	if cfg.Local == cfg.Remote {
		return nil, errors.New("ipip: Local and Remote are the same node: loopback encapsulation (RFC 2473 §4.1.2)")
	}
	if cfg.Remote.IsUnspecified() || cfg.Remote.IsMulticast() || cfg.Local.IsUnspecified() || cfg.Local.IsMulticast() {
		return nil, errors.New("ipip: tunnel endpoints must be unicast addresses")
	}
	if cfg.Local.Zone() != "" || cfg.Remote.Zone() != "" {
		return nil, errors.New("ipip: tunnel endpoints must not carry a zone")
	}
	t := &Tunnel{cfg: cfg, v6: cfg.Local.Is6()}
	if t.cfg.TTL == 0 {
		t.cfg.TTL = DefaultTTL
	}
	if t.cfg.DSCP == DSCPDefault {
		t.cfg.DSCP = DSCPCopy
	}
	if t.cfg.DSCPValue > 63 {
		return nil, errors.New("ipip: DSCPValue does not fit 6 bits")
	}
	if t.cfg.ECN > ECNCompatibility || t.cfg.DF > DFSet || t.cfg.DSCP > DSCPFixed {
		return nil, errors.New("ipip: unknown ECN, DF or DSCP mode")
	}
	t.mtu = cfg.MTU
	if t.mtu == 0 {
		t.mtu = DefaultMTU
	}
	min := iptun.IPv4MinMTU
	if t.v6 {
		min = iptun.MinIPv6LinkMTU
	}
	if t.mtu < min || t.mtu > 65535 {
		return nil, errors.New("ipip: MTU out of range (IPv4 68-65535, IPv6 1280-65535)")
	}
	switch l := cfg.EncapLimit; {
	case l == 0:
		t.limit = DefaultEncapLimit
	case l == NoEncapLimit:
		t.limit = -1
	case l == ZeroEncapLimit:
		t.limit = 0
	case l >= 1 && l <= 255:
		t.limit = l
	default:
		return nil, errors.New("ipip: EncapLimit out of range")
	}
	if cfg.FlowLabel > 0xfffff {
		return nil, errors.New("ipip: FlowLabel does not fit 20 bits")
	}
	if !t.cfg.ICMPSource4.IsValid() && cfg.Local.Is4() {
		t.cfg.ICMPSource4 = cfg.Local
	}
	if !t.cfg.ICMPSource6.IsValid() && cfg.Local.Is6() {
		t.cfg.ICMPSource6 = cfg.Local
	}
	if (t.cfg.ICMPSource4.IsValid() && !t.cfg.ICMPSource4.Is4()) || (t.cfg.ICMPSource6.IsValid() && !t.cfg.ICMPSource6.Is6()) {
		return nil, errors.New("ipip: ICMPSource4 must be IPv4 and ICMPSource6 IPv6")
	}
	if t.v6 {
		t.h6 = iptun.Header6{FlowLabel: cfg.FlowLabel, HopLimit: t.cfg.TTL, Src: cfg.Local.As16(), Dst: cfg.Remote.As16(), EncapLimit: t.limit}
		t.overhead = t.h6.HeaderLen()
	} else {
		t.h4 = iptun.Header4{TTL: t.cfg.TTL, Protocol: iptun.ProtoIPv4, Src: cfg.Local.As4(), Dst: cfg.Remote.As4()}
		t.overhead = iptun.IPv4HeaderLen
	}
	t.state.SeedID(rand.Uint32())
	return t, nil
}

// Config returns the configuration with defaults filled in.
func (t *Tunnel) Config() Config { return t.cfg }

// Overhead is the length of the outer headers the tunnel adds: 20 for IPv4,
// 40 for IPv6, 48 with a Tunnel Encapsulation Limit option.
func (t *Tunnel) Overhead() int { return t.overhead }

// LinkMTU is the largest outer packet sent now: Config.MTU, or a smaller
// path MTU learned from ICMP.
func (t *Tunnel) LinkMTU() int { return t.state.EffectiveMTU(t.mtu) }

// MTU is the tunnel MTU: the largest inner packet sent without
// fragmentation now (RFC 2003 §5.1: the link MTU minus the outer header).
func (t *Tunnel) MTU() int { return t.LinkMTU() - t.overhead }

// SetPathMTU records the path MTU to Remote (the soft state of RFC 2003
// §5.1), as an ICMP Fragmentation Needed or Packet Too Big reported it;
// 0 forgets it. Values below the family's minimum are raised to it.
func (t *Tunnel) SetPathMTU(mtu int) {
	if mtu > 0 {
		if t.v6 {
			mtu = max(mtu, iptun.MinIPv6LinkMTU)
		} else {
			mtu = max(mtu, iptun.IPv4MinMTU)
		}
	}
	t.state.SetPathMTU(mtu)
}

// PathMTU is the learned path MTU, 0 when none.
func (t *Tunnel) PathMTU() int { return t.state.PathMTU() }
