package iptuntest

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// Endpoint is one tunnel end as the case runner drives it; ipip and sit
// adapt their Tunnel to it.
type Endpoint struct {
	Encapsulate func(dst, inner []byte) ([]byte, error)
	// Decapsulate returns the inner packet, the outer header length and
	// the RFC 6040 verdict.
	Decapsulate func(pkt []byte) (inner []byte, headerLen int, ecn iptun.ECNVerdict, err error)
	Relay       func(dst, pkt []byte) ([]byte, error)
	Reply       func(dst, inner []byte, cause error) ([]byte, error)
	Reassemble  func(dst []byte, frags ...[]byte) ([]byte, error)
}

// Runner runs a capture's cases file against a package's tunnels.
type Runner struct {
	Layer     string
	Sentinels map[string]error
	// New returns the tunnel a case configures; with receiver the
	// addresses are swapped, giving the peer that decapsulates.
	New func(t testing.TB, c *Case, receiver bool) Endpoint
}

// FieldsOf renders each frame through one Decoder, so fragments reassemble
// across frames as in tshark.
func FieldsOf() func(gopacket.Packet) testutil.Fields {
	var d Decoder
	return func(p gopacket.Packet) testutil.Fields {
		return d.Fields(IPBytes(p))
	}
}

// IPFrames returns every frame of a capture from its first IP header on.
func IPFrames(t testing.TB, path string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range testutil.ReadCapture(t, path) {
		out = append(out, IPBytes(gopacket.NewPacket(p.Data, p.Link, gopacket.Default)))
	}
	return out
}

// LoadCases reads NAME.cases.json beside NAME.pcap.
func LoadCases(t testing.TB, pcap string) []Case {
	t.Helper()
	data, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + ".cases.json")
	require.NoError(t, err)
	var cs []Case
	require.NoError(t, json.Unmarshal(data, &cs))
	return cs
}

// Unhex decodes a hex string of a cases file.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Run checks every frame of the capture as its case says: our encapsulation
// of the inner packet must give scapy's packet byte for byte (the
// Identification aside) and decapsulate back; fragments must match and
// reassemble; refusals must carry the named error; relays and replies must
// equal scapy's messages.
func (r *Runner) Run(t *testing.T, path string) {
	frames := IPFrames(t, path)
	cases := LoadCases(t, path)
	require.Len(t, cases, len(frames))
	groups := map[int][]int{}
	for i := range cases {
		c := &cases[i]
		frame := frames[c.Frame-1]
		switch c.Role {
		case "encap":
			r.encap(t, c, frame)
		case "fragment":
			groups[c.Group] = append(groups[c.Group], i)
		case "decap":
			inner, _, _, err := r.New(t, c, true).Decapsulate(clone(frame))
			require.NoError(t, err, "frame %d", c.Frame)
			require.Equal(t, Unhex(t, c.ExpectInner), inner, "frame %d: inner after RFC 6040", c.Frame)
		case "refuse":
			_, _, _, err := r.New(t, c, true).Decapsulate(clone(frame))
			r.requireNamed(t, err, c)
		case "relay":
			out, err := r.New(t, c, false).Relay(nil, frame)
			if c.Expect == 0 {
				r.requireNamed(t, err, c)
				continue
			}
			require.NoError(t, err, "frame %d", c.Frame)
			r.requireSame(t, frames[c.Expect-1], out, c)
		case "reply":
			e := r.New(t, c, false)
			_, err := e.Encapsulate(nil, frame)
			r.requireNamed(t, err, c)
			out, err := e.Reply(nil, frame, err)
			require.NoError(t, err, "frame %d", c.Frame)
			r.requireSame(t, frames[c.Expect-1], out, c)
		case "expected":
		default:
			t.Fatalf("frame %d: unknown role %q", c.Frame, c.Role)
		}
	}
	for g, idx := range groups {
		c := &cases[idx[0]]
		var want, got [][]byte
		for _, i := range idx {
			want = append(want, frames[cases[i].Frame-1])
		}
		out, err := r.New(t, c, false).Encapsulate(nil, Unhex(t, c.Inner))
		require.NoError(t, err)
		for p := range iptun.Packets(out) {
			got = append(got, p)
		}
		require.Len(t, got, len(want), "group %d: fragments", g)
		for i := range got {
			SameIDs(got[i], want[i])
			require.Equal(t, hex.EncodeToString(want[i]), hex.EncodeToString(got[i]), "group %d fragment %d", g, i+1)
		}
		recv := r.New(t, c, true)
		whole, err := recv.Reassemble(nil, want...)
		require.NoError(t, err)
		inner, _, _, err := recv.Decapsulate(whole)
		require.NoError(t, err)
		require.Equal(t, Unhex(t, c.Inner), inner)
	}
}

func (r *Runner) encap(t *testing.T, c *Case, frame []byte) {
	out, err := r.New(t, c, false).Encapsulate(nil, Unhex(t, c.Inner))
	require.NoError(t, err, "frame %d", c.Frame)
	r.requireSame(t, frame, out, c)
	inner, hl, ecn, err := r.New(t, c, true).Decapsulate(clone(frame))
	require.NoError(t, err, "frame %d", c.Frame)
	require.Equal(t, frame[hl:], inner, "frame %d", c.Frame)
	require.Equal(t, iptun.ECNForward, ecn)
}

func (r *Runner) requireSame(t *testing.T, want, got []byte, c *Case) {
	t.Helper()
	SameIDs(got, want)
	require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got), "frame %d against scapy's", c.Frame)
}

func (r *Runner) requireNamed(t *testing.T, err error, c *Case) {
	t.Helper()
	want, ok := r.Sentinels[c.Error]
	require.True(t, ok, "frame %d: unknown error name %q", c.Frame, c.Error)
	require.Error(t, err, "frame %d: want %s", c.Frame, c.Error)
	require.ErrorIs(t, err, want, "frame %d", c.Frame)
	var de *errs.DecodeError
	var tb *iptun.TooBigError
	require.True(t, errors.As(err, &de) || errors.As(err, &tb), "frame %d: %v is a DecodeError or TooBigError", c.Frame, err)
	if de != nil {
		require.Equal(t, r.Layer, de.Layer)
		require.NotEmpty(t, de.Field)
	}
}

// Captures runs every capture in dir (there must be want of them): each
// frame's fields against tshark's saved decode, then its cases.
func (r *Runner) Captures(t *testing.T, dir string, want int) {
	files := testutil.Glob(t, filepath.Join(dir, "*.pcap"))
	require.Len(t, files, want)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res := testutil.Check(t, testutil.Capture{Path: path, Fields: FieldsOf()})
			require.Greater(t, res.FieldsSeen, 15*res.Frames)
			r.Run(t, path)
		})
	}
}
