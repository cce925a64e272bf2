package sit

import (
	"errors"
	"math/rand/v2"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

const layer = "sit"

// ECN, DSCP and verdict types, shared with package ipip.
type (
	ECN        = iptun.ECN
	ECNMode    = iptun.ECNMode
	ECNVerdict = iptun.ECNVerdict
	DSCPMode   = iptun.DSCPMode
)

// ECN modes and codepoints, DSCP modes and RFC 6040 verdicts.
const (
	ECNNormal        = iptun.ECNNormal
	ECNCompatibility = iptun.ECNCompatibility
	NotECT           = iptun.NotECT
	ECT0             = iptun.ECT0
	ECT1             = iptun.ECT1
	CE               = iptun.CE
	ECNForward       = iptun.ECNForward
	ECNNote          = iptun.ECNNote
	ECNLog           = iptun.ECNLog
	ECNDrop          = iptun.ECNDrop
	// DSCPDefault writes DSCP 0 (RFC 4213 §3.5: "0 unless otherwise
	// specified").
	DSCPDefault = iptun.DSCPDefault
	DSCPCopy    = iptun.DSCPCopy
	DSCPFixed   = iptun.DSCPFixed
)

// Mode is how the tunnel finds the IPv4 endpoint of a packet.
type Mode uint8

// Tunnel modes.
const (
	// ModeConfigured is the point-to-point tunnel of RFC 4213 §3: one
	// peer, Remote.
	ModeConfigured Mode = iota
	// Mode6to4 is RFC 3056: packets for 2002:V4ADDR::/48 go to V4ADDR,
	// others to the relay router Remote (if set); arriving packets from
	// 6to4 sources must come from the IPv4 address they embed.
	Mode6to4
	// Mode6rd is RFC 5969 with the domain in Config.SixRD: packets for the
	// 6rd prefix go to the CE whose IPv4 address their destination
	// embeds, others to the Border Relay.
	Mode6rd
	// ModeISATAP is RFC 5214: packets for ISATAP addresses go to the IPv4
	// address their interface identifier embeds, others to the router
	// Remote; arriving packets must come from the IPv4 address their
	// source embeds, or from a router in Config.Routers.
	ModeISATAP
)

func (m Mode) String() string {
	switch m {
	case Mode6to4:
		return "6to4"
	case Mode6rd:
		return "6rd"
	case ModeISATAP:
		return "isatap"
	}
	return "configured"
}

// Static tunnel MTU bounds (RFC 4213 §3.2.1).
const (
	MinMTU     = 1280
	MaxMTU     = 1480
	DefaultMTU = 1280
)

// DefaultTTL is the outer TTL unless configured (RFC 4213 §3.3: the value of
// "Assigned Numbers").
const DefaultTTL = iptun.DefaultTTL

// Config describes one end of a 6in4 tunnel.
type Config struct {
	// Local is this node's IPv4 address, the encapsulator's source.
	// Remote is the peer of a configured tunnel, the relay router of a
	// 6to4 site, or the ISATAP router (6rd uses SixRD.BR).
	Local, Remote netip.Addr
	Mode          Mode
	SixRD         SixRD
	// Routers are the ISATAP Potential Router List (RFC 5214 §8.3.2):
	// IPv4 addresses whose packets are accepted whatever their inner
	// source. Remote is always one.
	Routers []netip.Addr

	// TTL is the outer TTL; 0 means DefaultTTL (RFC 4213 §3.3).
	TTL uint8
	// DSCP sets the outer DSCP: 0 by default (RFC 4213 §3.5), copied
	// (DSCPCopy) or DSCPValue (DSCPFixed).
	DSCP      DSCPMode
	DSCPValue uint8
	// ECN sets the outer ECN field (RFC 6040 §4.1).
	ECN ECNMode
	// MTU is the static tunnel MTU, the largest IPv6 packet sent
	// (RFC 4213 §3.2.1): 1280 to 1480, 0 meaning 1280. Ignored with
	// PathMTU.
	MTU int
	// PathMTU selects the dynamic tunnel MTU of RFC 4213 §3.2.2: the IPv4
	// path MTU less 20 (at least 1280), DF set when that is above 1280.
	PathMTU bool
	// LinkMTU is the MTU of the IPv4 link towards the endpoint, 0 meaning
	// 1500; outer packets larger than it (or than a learned path MTU) are
	// fragmented when DF is clear.
	LinkMTU int
	// Forwarding decrements the inner hop limit on encapsulation: the
	// tunnel is one IPv6 hop (RFC 4213 §3.3).
	Forwarding bool
	// DecapCopyDSCP copies the outer DSCP into the inner header on
	// decapsulation (uniform model); by default the inner one is kept.
	DecapCopyDSCP bool
	// InnerSources, when set, is the ingress filter of RFC 4213 §3.6: an
	// inner source outside every prefix is refused. RejectInnerSources
	// are refused always (for example the site's own prefixes on a tunnel
	// towards the Internet).
	InnerSources, RejectInnerSources []netip.Prefix
	// ICMPSource6 is the IPv6 address ICMPv6 errors to original senders
	// come from (RFC 4213 §3.4); without it Relay and Reply send nothing.
	ICMPSource6 netip.Addr
}

// Tunnel is one configured 6in4 endpoint. It is safe for concurrent use.
type Tunnel struct {
	cfg     Config
	linkMTU int
	h4      iptun.Header4
	state   iptun.State
}

// New checks a configuration and returns its tunnel.
func New(cfg Config) (*Tunnel, error) {
	if !cfg.Local.Is4() || cfg.Local.IsUnspecified() || cfg.Local.IsMulticast() {
		return nil, errors.New("sit: Local must be a unicast IPv4 address")
	}
	if cfg.Remote.IsValid() && (!cfg.Remote.Is4() || cfg.Remote.IsUnspecified() || cfg.Remote.IsMulticast()) {
		return nil, errors.New("sit: Remote must be a unicast IPv4 address")
	}
	if cfg.Remote == cfg.Local {
		return nil, errors.New("sit: Local and Remote are the same node")
	}
	switch cfg.Mode {
	case ModeConfigured:
		if !cfg.Remote.IsValid() {
			return nil, errors.New("sit: a configured tunnel needs Remote (RFC 4213 §3.6: the decapsulator MUST know its peer)")
		}
	case Mode6to4:
		if !Global4(cfg.Local) {
			return nil, errors.New("sit: a 6to4 router needs a global IPv4 address (RFC 3056 §2)")
		}
	case Mode6rd:
		if err := cfg.SixRD.Check(); err != nil {
			return nil, err
		}
	case ModeISATAP:
	default:
		return nil, errors.New("sit: unknown mode")
	}
	for _, r := range cfg.Routers {
		if !r.Is4() {
			return nil, errors.New("sit: Routers must be IPv4 addresses")
		}
	}
	t := &Tunnel{cfg: cfg}
	if t.cfg.TTL == 0 {
		t.cfg.TTL = DefaultTTL
	}
	if t.cfg.DSCP == DSCPDefault {
		t.cfg.DSCP, t.cfg.DSCPValue = DSCPFixed, 0
	}
	if t.cfg.DSCPValue > 63 || t.cfg.DSCP > DSCPFixed || t.cfg.ECN > ECNCompatibility {
		return nil, errors.New("sit: bad DSCP or ECN setting")
	}
	if t.cfg.MTU == 0 {
		t.cfg.MTU = DefaultMTU
	}
	if t.cfg.MTU < MinMTU || t.cfg.MTU > MaxMTU {
		return nil, errors.New("sit: static tunnel MTU must be 1280-1480 (RFC 4213 §3.2.1)")
	}
	t.linkMTU = cfg.LinkMTU
	if t.linkMTU == 0 {
		t.linkMTU = 1500
	}
	if t.linkMTU < iptun.IPv4MinMTU || t.linkMTU > 65535 {
		return nil, errors.New("sit: LinkMTU out of range 68-65535")
	}
	if t.cfg.ICMPSource6.IsValid() && (!t.cfg.ICMPSource6.Is6() || t.cfg.ICMPSource6.Is4In6()) {
		return nil, errors.New("sit: ICMPSource6 must be an IPv6 address")
	}
	t.h4 = iptun.Header4{TTL: t.cfg.TTL, Protocol: iptun.ProtoIPv6, Src: cfg.Local.As4()}
	t.state.SeedID(rand.Uint32())
	return t, nil
}

// Config returns the configuration with defaults filled in.
func (t *Tunnel) Config() Config { return t.cfg }

// PathMTU is the learned IPv4 path MTU, 0 when none.
func (t *Tunnel) PathMTU() int { return t.state.PathMTU() }

// SetPathMTU records the IPv4 path MTU (0 forgets it); values below 68 are
// raised to it.
func (t *Tunnel) SetPathMTU(mtu int) {
	if mtu > 0 {
		mtu = max(mtu, iptun.IPv4MinMTU)
	}
	t.state.SetPathMTU(mtu)
}

// MTU is the tunnel MTU now, the largest IPv6 packet the tunnel takes, and
// whether outer packets carry DF (RFC 4213 §3.2): the static MTU with DF
// clear, or with Config.PathMTU the IPv4 path MTU less 20 with DF set, or
// 1280 with DF clear when the path is smaller than that.
func (t *Tunnel) MTU() (mtu int, df bool) {
	if !t.cfg.PathMTU {
		return t.cfg.MTU, false
	}
	m := t.state.EffectiveMTU(t.linkMTU) - iptun.IPv4HeaderLen
	if m < MinMTU {
		return MinMTU, false
	}
	return m, true
}
