package main

import (
	"bytes"
	"encoding/json"
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
	require.Len(t, lines, 36)
	require.Contains(t, out, "192.0.2.1 → 192.0.2.2 Ethernet/IPv4/UDP/VXLAN[vni=300 flags=G|I gbp=0x0123 D A]/Ethernet/IPv4/ICMPv4")
	require.Contains(t, out, "VXLAN[vni=400 flags=I|P next=IPv4]/IPv4/ICMPv4")
	require.Contains(t, out, "2001:db8::1 → 2001:db8::2 Ethernet/IPv6/UDP/VXLAN[vni=200 flags=I]")
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
		require.Equal(t, "VXLAN", p.Layers[3].Type)
		require.NotEmpty(t, p.Layers[3].Fields)
	}
	require.Equal(t, 36, n)
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
