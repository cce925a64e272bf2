package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func TestESPSAFile(t *testing.T) {
	t.Run("strongSwan AES-GCM in UDP 4500: every ESP packet decrypted to its inner ICMP", func(t *testing.T) {
		dir := testutil.Testdata(t, "strongswan", "psk-aesgcm")
		code, out, errOut := tundump(t, "-r", dir+"/capture.pcap", "-esp-sa", dir+"/esp_sa.uat")
		require.Zero(t, code, errOut)
		require.Equal(t, 18, strings.Count(out, "decrypted next=IPv4 ICV good]/IPv4/ICMPv4"), out)
		require.Contains(t, out, "UDPEncap[IKE]")
	})
	t.Run("tcpdump ESP in ESP: both layers opened", func(t *testing.T) {
		dir := testutil.Vectors(t, "ipsec")
		code, out, errOut := tundump(t, "-r", dir+"/tcpdump-08-sunrise-sunset-esp2.pcap", "-esp-sa", dir+"/tcpdump-08-sunrise-sunset-esp2.esp_sa.uat")
		require.Zero(t, code, errOut)
		require.Equal(t, 8, strings.Count(out, "ESP[spi=0xabcdabcd"), out)
		require.Contains(t, out, "ICV not checked (no integrity key)]/IPv4/ICMPv4")
	})
	t.Run("Linux AH tunnel: ICV verified, inner stack printed", func(t *testing.T) {
		dir := testutil.Vectors(t, "ipsec")
		code, out, errOut := tundump(t, "-r", dir+"/kaorimatz-ah-tunnel-policy__ping__veth2.pcap", "-esp-sa", dir+"/kaorimatz-esp.esp_sa.uat", "-V")
		require.Zero(t, code, errOut)
		require.Equal(t, 2, strings.Count(out, "ICV good]/IPv4/ICMPv4"), out)
		require.Contains(t, out, "        verification: ICV good\n")
	})
	t.Run("without keys ESP stays opaque", func(t *testing.T) {
		dir := testutil.Vectors(t, "ipsec")
		code, out, _ := tundump(t, "-r", dir+"/zeek-ip6_esp.pcap")
		require.Zero(t, code)
		require.Contains(t, out, "Ethernet/IPv6/ESP[spi=")
	})
	t.Run("a bad key file is refused", func(t *testing.T) {
		f := t.TempDir() + "/bad.uat"
		require.NoError(t, writeFile(f, `"IPv4","*","*","0x1","TWOFISH-CBC","0x00",NULL,""`))
		code, _, errOut := tundump(t, "-esp-sa", f)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "line 1")
	})
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
