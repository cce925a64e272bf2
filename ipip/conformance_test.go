package ipip

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
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

func loadCases(t testing.TB, pcap string) []iptuntest.Case {
	t.Helper()
	data, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".cases.json")
	require.NoError(t, err)
	var cs []iptuntest.Case
	require.NoError(t, json.Unmarshal(data, &cs))
	return cs
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// ipFrames returns every frame of a capture from its first IP header on.
func ipFrames(t testing.TB, path string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range testutil.ReadCapture(t, path) {
		out = append(out, iptuntest.IPBytes(gopacket.NewPacket(p.Data, p.Link, gopacket.Default)))
	}
	return out
}

// fieldsOf renders each frame through one decoder, so fragments reassemble
// across frames as in tshark.
func fieldsOf() func(gopacket.Packet) testutil.Fields {
	var d iptuntest.Decoder
	return func(p gopacket.Packet) testutil.Fields {
		return d.Fields(iptuntest.IPBytes(p))
	}
}

// TestScapyCaptures holds every frame scapy built (testdata/gen/ipip.py)
// against tshark's decode, then does what the frame's case says: our
// encapsulation of the inner packet must give scapy's packet byte for byte
// (the Identification aside), decapsulation must give the inner packet back
// or refuse it with the named error, and ICMP relays and replies must equal
// scapy's messages.
func TestScapyCaptures(t *testing.T) {
	files := testutil.Glob(t, testutil.Testdata(t, "ipip", "*.pcap"))
	require.Len(t, files, 7)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res := testutil.Check(t, testutil.Capture{Path: path, Fields: fieldsOf()})
			require.Greater(t, res.FieldsSeen, 15*res.Frames)
			runCases(t, path)
		})
	}
}

func runCases(t *testing.T, path string) {
	frames := ipFrames(t, path)
	cases := loadCases(t, path)
	require.Len(t, cases, len(frames))
	groups := map[int][]int{}
	for i := range cases {
		c := &cases[i]
		frame := frames[c.Frame-1]
		switch c.Role {
		case "encap":
			checkEncap(t, c, frame)
		case "fragment":
			groups[c.Group] = append(groups[c.Group], i)
		case "decap":
			p, err := configOf(t, c, true).Decapsulate(clone(frame))
			require.NoError(t, err, "frame %d", c.Frame)
			require.Equal(t, unhex(t, c.ExpectInner), p.Inner, "frame %d: inner after RFC 6040", c.Frame)
		case "refuse":
			_, err := configOf(t, c, true).Decapsulate(clone(frame))
			requireNamed(t, err, c)
		case "relay":
			out, err := configOf(t, c, false).Relay(nil, frame)
			if c.Expect == 0 {
				requireNamed(t, err, c)
				continue
			}
			require.NoError(t, err, "frame %d", c.Frame)
			want := frames[c.Expect-1]
			iptuntest.SameIDs(out, want)
			require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(out), "frame %d relayed", c.Frame)
		case "reply":
			tun := configOf(t, c, false)
			_, err := tun.Encapsulate(nil, frame)
			requireNamed(t, err, c)
			out, err := tun.Reply(nil, frame, err)
			require.NoError(t, err, "frame %d", c.Frame)
			want := frames[c.Expect-1]
			iptuntest.SameIDs(out, want)
			require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(out), "frame %d reply", c.Frame)
		case "expected":
		default:
			t.Fatalf("frame %d: unknown role %q", c.Frame, c.Role)
		}
	}
	for g, idx := range groups {
		c := &cases[idx[0]]
		var want, all [][]byte
		for _, i := range idx {
			want = append(want, frames[cases[i].Frame-1])
		}
		out, err := configOf(t, c, false).Encapsulate(nil, unhex(t, c.Inner))
		require.NoError(t, err)
		for p := range Packets(out) {
			all = append(all, p)
		}
		require.Len(t, all, len(want), "group %d: fragments", g)
		for i := range all {
			iptuntest.SameIDs(all[i], want[i])
			require.Equal(t, hex.EncodeToString(want[i]), hex.EncodeToString(all[i]), "group %d fragment %d", g, i+1)
		}
		whole, err := Reassemble(nil, want...)
		require.NoError(t, err)
		p, err := configOf(t, c, true).Decapsulate(whole)
		require.NoError(t, err)
		require.Equal(t, unhex(t, c.Inner), p.Inner)
	}
}

func checkEncap(t *testing.T, c *iptuntest.Case, frame []byte) {
	inner := unhex(t, c.Inner)
	out, err := configOf(t, c, false).Encapsulate(nil, inner)
	require.NoError(t, err, "frame %d", c.Frame)
	iptuntest.SameIDs(out, frame)
	require.Equal(t, hex.EncodeToString(frame), hex.EncodeToString(out), "frame %d: our encapsulation against scapy's", c.Frame)

	p, err := configOf(t, c, true).Decapsulate(clone(frame))
	require.NoError(t, err, "frame %d", c.Frame)
	require.Equal(t, frame[p.HeaderLen:], p.Inner, "frame %d", c.Frame)
	require.Equal(t, ECNForward, p.ECN)
}

func requireNamed(t *testing.T, err error, c *iptuntest.Case) {
	t.Helper()
	want, ok := sentinels[c.Error]
	require.True(t, ok, "frame %d: unknown error name %q", c.Frame, c.Error)
	require.Error(t, err, "frame %d: want %s", c.Frame, c.Error)
	require.ErrorIs(t, err, want, "frame %d", c.Frame)
	var de *DecodeError
	var tb *TooBigError
	require.True(t, errors.As(err, &de) || errors.As(err, &tb), "frame %d: %v is a DecodeError or TooBigError", c.Frame, err)
	if de != nil {
		require.Equal(t, layer, de.Layer)
		require.NotEmpty(t, de.Field)
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

var _ = iptun.ProtoIPv4

func addrOf(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a.Unmap()
}
