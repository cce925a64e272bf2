package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func tundump(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestBuiltInSample(t *testing.T) {
	code, out, errOut := tundump(t)
	require.Zero(t, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 71)
	for _, want := range []string{
		"192.0.2.1 → 192.0.2.2 Ethernet/IPv4/UDP/VXLAN[vni=300 flags=G|I gbp=0x0123 D A]/Ethernet/IPv4/ICMPv4",
		"VXLAN[vni=400 flags=I|P next=IPv4]/IPv4/ICMPv4",
		"2001:db8::1 → 2001:db8::2 Ethernet/IPv6/UDP/VXLAN[vni=200 flags=I]",
		"GRE[v1 PPP flags=K|A call=16385 len=0 ack=0 ack-only]",
		"GRE[v0 IPv4 flags=C|R|K|S key=0x7 seq=9 sres=2]/IPv4/ICMPv4",
		"IPv6[4in6 2001:db8::1 → 2001:db8::2, inner 198.51.100.10 → 203.0.113.20 encap-limit=4]",
		"IPv4[6in4 192.0.2.1 → 192.0.2.2, inner 2001:db8:1::10 → 2001:db8:2::20]/IPv6/TCP",
		// The strongSwan session opens with the built-in keys from its logs.
		"UDPEncap[IKE]/IKEv2[IKE_AUTH request #1 from initiator spi=c1dab06562199afa/069b1348df0afbfd SK {IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr",
		"ESP[spi=0x5351dc83 seq=1 decrypted next=IPv4 ICV good]/IPv4/ICMPv4",
	} {
		require.Contains(t, out, want)
	}
	// Time runs forward through the whole sample.
	prev := -1.0
	for _, l := range lines {
		var n int
		var ts float64
		_, err := fmt.Sscanf(l, "%d %f", &n, &ts)
		require.NoError(t, err, l)
		require.GreaterOrEqual(t, ts, prev, l)
		prev = ts
	}
}

func TestSampleKeysOnlyForTheSample(t *testing.T) {
	// Given a file, tundump uses no built-in keys: the same strongSwan
	// capture shows its ESP undecrypted.
	out := tundumpOK(t, "-r", testutil.Testdata(t, "strongswan", "psk-aesgcm", "capture.pcap"))
	require.NotContains(t, out, "decrypted")
	require.Contains(t, out, "ESP[spi=0x5351dc83 seq=1")
}

func TestVerbose(t *testing.T) {
	code, out, _ := tundump(t, "-V")
	require.Zero(t, code)
	require.Contains(t, out, "    VXLAN (8 bytes)\n        flags: G|I\n        policy flags: 0x48 (D=true A=true)\n        group policy ID: 0x0123\n        VNI: 300\n")
}

func TestJSON(t *testing.T) {
	code, out, _ := tundump(t, "-json")
	require.Zero(t, code)
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var p jsonPacket
		require.NoError(t, json.Unmarshal([]byte(line), &p), line)
		n++
		require.Equal(t, n, p.Frame)
		if n <= 36 {
			require.Equal(t, "VXLAN", p.Layers[3].Type)
			require.NotEmpty(t, p.Layers[3].Fields)
		}
	}
	require.Equal(t, 71, n)
}

func TestExtraVXLANPort(t *testing.T) {
	f := testutil.Vectors(t, "vxlan", "tcpdump-vxlan_port_8472.pcap")
	code, out, _ := tundump(t, "-r", f, "-vxlan-port", "8472")
	require.Zero(t, code)
	require.Equal(t, 10, strings.Count(out, "VXLAN[vni=100 flags=I]"))
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.pcap")
	require.NoError(t, os.WriteFile(corrupt, []byte("definitely not a capture file"), 0o644))

	// A real capture cut in the middle of its third packet.
	data, err := os.ReadFile(testutil.Testdata(t, "vxlan", "kernel-gbp.pcap"))
	require.NoError(t, err)
	cut := filepath.Join(dir, "cut.pcap")
	require.NoError(t, os.WriteFile(cut, data[:24+2*(16+92)+40], 0o644))

	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		packets int
	}{
		{"missing file names it", []string{"-r", filepath.Join(dir, "absent.pcap")}, 1, "absent.pcap: no such file or directory", 0},
		{"corrupt file names it", []string{"-r", corrupt}, 1, "corrupt.pcap: pcap:", 0},
		{"truncated capture prints what it read, then the frame that broke", []string{"-r", cut}, 1, "cut.pcap: frame 3:", 2},
		{"bad flag", []string{"-nope"}, 2, "flag provided but not defined", 0},
		{"stray argument", []string{"file.pcap"}, 2, `unexpected argument "file.pcap"`, 0},
		{"bad port list", []string{"-vxlan-port", "70000"}, 2, `bad UDP port "70000"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := tundump(t, tt.args...)
			require.Equal(t, tt.code, code)
			require.Contains(t, errOut, tt.stderr)
			require.Equal(t, tt.packets, strings.Count(out, "VXLAN["))
		})
	}
}
