package ipip

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// sentinels names the errors a cases file may expect.
var sentinels = map[string]error{
	"ErrWrongPeer": ErrWrongPeer, "ErrVersion": ErrVersion, "ErrInvalidSource": ErrInvalidSource,
	"ErrInvalidDestination": ErrInvalidDestination, "ErrLoop": ErrLoop, "ErrTTL": ErrTTL,
	"ErrECNDrop": ErrECNDrop, "ErrEncapLimit": ErrEncapLimit, "ErrFragment": ErrFragment,
	"ErrNotRelayed": ErrNotRelayed, "ErrNotTunnel": ErrNotTunnel, "ErrTruncated": ErrTruncated,
	"ErrChecksum": ErrChecksum, "ErrTooLarge": ErrTooLarge, "ErrMalformed": ErrMalformed,
}

// configOf builds the sender's tunnel from a case's config; with receiver
// the addresses are swapped, giving the peer that decapsulates.
func configOf(t testing.TB, c *iptuntest.Case, receiver bool) *Tunnel {
	t.Helper()
	cfg := Config{
		Local: c.Addr("local"), Remote: c.Addr("remote"),
		TTL: uint8(c.Int("ttl", 0)), DSCPValue: uint8(c.Int("dscp_value", 0)),
		EncapLimit: c.Int("encap_limit", 0), MTU: c.Int("mtu", 0), Forwarding: c.Bool("forwarding"),
		FlowLabel: uint32(c.Int("flow_label", 0)), ICMPSource4: c.Addr("icmp_src4"), ICMPSource6: c.Addr("icmp_src6"),
	}
	switch c.Str("dscp", "") {
	case "copy":
		cfg.DSCP = DSCPCopy
	case "fixed":
		cfg.DSCP = DSCPFixed
	}
	if c.Str("ecn", "") == "compatibility" {
		cfg.ECN = ECNCompatibility
	}
	if c.Str("df", "") == "set" {
		cfg.DF = DFSet
	}
	if receiver {
		cfg.Local, cfg.Remote = cfg.Remote, cfg.Local
	}
	tun, err := New(cfg)
	require.NoError(t, err)
	return tun
}

var runner = iptuntest.Runner{
	Layer:     layer,
	Sentinels: sentinels,
	New: func(t testing.TB, c *iptuntest.Case, receiver bool) iptuntest.Endpoint {
		tun := configOf(t, c, receiver)
		return iptuntest.Endpoint{
			Encapsulate: tun.Encapsulate,
			Decapsulate: func(pkt []byte) ([]byte, int, iptun.ECNVerdict, error) {
				p, err := tun.Decapsulate(pkt)
				return p.Inner, p.HeaderLen, p.ECN, err
			},
			Relay:      tun.Relay,
			Reply:      tun.Reply,
			Reassemble: Reassemble,
		}
	},
}

// TestScapyCaptures holds every frame scapy built (testdata/gen/ipip.py)
// against tshark's decode, then does what the frame's case says: our
// encapsulation of the inner packet must give scapy's packet byte for byte
// (the Identification aside), decapsulation must give the inner packet back
// or refuse it with the named error, and ICMP relays and replies must equal
// scapy's messages.
func TestScapyCaptures(t *testing.T) {
	runner.Captures(t, testutil.Testdata(t, "ipip"), 7)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func addrOf(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a.Unmap()
}
