package sit

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

var sentinels = map[string]error{
	"ErrWrongPeer": ErrWrongPeer, "ErrVersion": ErrVersion, "ErrInvalidSource": ErrInvalidSource,
	"ErrInvalidDestination": ErrInvalidDestination, "ErrTTL": ErrTTL, "ErrECNDrop": ErrECNDrop,
	"ErrFragment": ErrFragment, "ErrNotRelayed": ErrNotRelayed, "ErrNotTunnel": ErrNotTunnel,
	"ErrTruncated": ErrTruncated, "ErrChecksum": ErrChecksum, "ErrTooLarge": ErrTooLarge,
}

func configOf(t testing.TB, c *iptuntest.Case, receiver bool) *Tunnel {
	t.Helper()
	cfg := Config{
		Local: c.Addr("local"), Remote: c.Addr("remote"), TTL: uint8(c.Int("ttl", 0)),
		MTU: c.Int("mtu", 0), LinkMTU: c.Int("link_mtu", 0), PathMTU: c.Bool("path_mtu"),
		Forwarding: c.Bool("forwarding"), ICMPSource6: c.Addr("icmp_src6"), DSCPValue: uint8(c.Int("dscp_value", 0)),
	}
	switch c.Str("dscp", "") {
	case "copy":
		cfg.DSCP = DSCPCopy
	case "fixed":
		cfg.DSCP = DSCPFixed
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

// TestScapyCaptures: the 6in4 frames scapy built (testdata/gen/ipip.py)
// against tshark's decode, and what each frame's case says: our
// encapsulation equals scapy's, decapsulation opens it or refuses with the
// named error, ICMPv4 errors translate to scapy's ICMPv6 messages.
func TestScapyCaptures(t *testing.T) {
	runner.Captures(t, testutil.Testdata(t, "sit"), 4)
}

// TestPublicVectors: Zeek's and nDPI's 6in4 captures field by field
// against tshark, every tunnel frame decapsulated by a configured tunnel
// whose peer is the packet's outer source.
func TestPublicVectors(t *testing.T) {
	dir := testutil.Vectors(t, "sit")
	tests := []struct {
		name   string
		file   string
		opened int
	}{
		{"Zeek: UDP in 6in4", "zeek-6in4.pcap", 1},
		{"Zeek: ping6 in IPv4", "zeek-ping6-in-ipv4.pcap", 10},
		{"nDPI: a Hurricane Electric 6in4 tunnel, ICMPv6, TCP, TLS, DNS", "ndpi-6in4tunnel.pcap", 127},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			testutil.Check(t, testutil.Capture{
				Path:   path,
				Golden: testutil.Testdata(t, "vectors", "sit", tt.file[:len(tt.file)-5]+".tshark.json"),
				Fields: iptuntest.FieldsOf(),
			})
			opened := 0
			for i, b := range iptuntest.IPFrames(t, path) {
				h := iptun.IPv4(b)
				if len(b) < 20 || b[0]>>4 != 4 || h.Protocol() != iptun.ProtoIPv6 {
					continue
				}
				tun, err := New(Config{Local: h.Dst(), Remote: h.Src()})
				require.NoError(t, err)
				p, err := tun.Decapsulate(append([]byte(nil), b...))
				require.NoError(t, err, "frame %d", i+1)
				require.Equal(t, 6, int(p.Inner[0]>>4))
				opened++
			}
			require.Equal(t, tt.opened, opened)
		})
	}
}
