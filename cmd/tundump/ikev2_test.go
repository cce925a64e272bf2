package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/ikev2"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func TestIKEv2DecryptsWithWiresharkTable(t *testing.T) {
	dir := testutil.Vectors(t, "ikev2")
	base := filepath.Join(dir, "scapy-embedded-wireshark-ikev2-decrypt-aes128ccm12-4frames")
	code, out, errOut := tundump(t, "-r", base+".pcap", "-ikev2-keys", base+".ikev2_decryption_table.uat")
	require.Zero(t, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	require.Contains(t, lines[0], "IKEv2[IKE_SA_INIT request #0 from initiator spi=ea684d21597afd36/0000000000000000 SA KE Nonce N(NAT_DETECTION_SOURCE_IP)")
	require.Contains(t, lines[2], "IKEv2[INFORMATIONAL request #2 from initiator spi=ea684d21597afd36/d9fe2ab22dac23ac SK {D}]")
	require.Contains(t, lines[3], "INFORMATIONAL response #2 from responder spi=ea684d21597afd36/d9fe2ab22dac23ac SK {}]")

	code, out, _ = tundump(t, "-r", base+".pcap", "-ikev2-keys", base+".ikev2_decryption_table.uat", "-V")
	require.Zero(t, code)
	require.Contains(t, out, "        decryption: ENCR_AES_CCM_12/NONE, integrity verified\n          inner D: IKE\n")
	for _, key := range []string{"be83fe15f6a9976941870830fe26c014b863b3", "79e0f4476861a76e64329e787b1c4ff38d732f"} {
		require.NotContains(t, out, key, "a key was printed")
	}

	// Without keys the SK payload is described, not opened.
	code, out, _ = tundump(t, "-r", base+".pcap")
	require.Zero(t, code)
	require.Contains(t, out, "INFORMATIONAL request #2 from initiator spi=ea684d21597afd36/d9fe2ab22dac23ac SK]")
}

func TestIKEv2ReportsABadICV(t *testing.T) {
	dir := testutil.Vectors(t, "ikev2")
	base := filepath.Join(dir, "tcpdump-ikev2pI2")
	code, out, _ := tundump(t, "-r", base+".pcap", "-ikev2-keys", base+".ikev2_decryption_table.uat")
	require.Zero(t, code)
	require.Contains(t, out, "IKE_AUTH request #0 from initiator spi=0001020304050607/c02e7a3031a03188 SK !ikev2: sk: integrity checksum at offset 272: ICV does not verify]")
	require.NotContains(t, out, "IDi", "nothing decrypted from an unauthenticated message")
}

// TestIKEv2ReassemblesFragments writes an IKE_AUTH in SKF fragments on UDP
// 500 with a key file for it: tundump holds the fragments, then prints the
// reassembled inner payloads.
func TestIKEv2ReassemblesFragments(t *testing.T) {
	e := ikev2.DecryptionEntry{SPIi: 0x1111, SPIr: 0x2222, SKei: make([]byte, 20), SKer: make([]byte, 20),
		EncrName: ikev2.WiresharkEncrName(iana.EncrAESGCM16, 128), IntegName: ikev2.WiresharkIntegName(iana.IntegNone)}
	rand.Read(e.SKei)
	rand.Read(e.SKer)
	p, err := ikev2.NewProtector(iana.EncrAESGCM16, 128, iana.IntegNone, e.SKei, nil)
	require.NoError(t, err)
	var b ikev2.Builder
	b.Start(nil, ikev2.Header{SPIi: 0x1111, SPIr: 0x2222, ExchangeType: ikev2.IKE_AUTH, Flags: ikev2.FlagInitiator, MessageID: 1})
	b.StartSK()
	b.IDi(ikev2.ID{Type: ikev2.IDFQDN, Data: []byte("a.example")})
	b.Cert(ikev2.Cert{Encoding: ikev2.CertX509Signature, Data: bytes.Repeat([]byte{0x30}, 700)})
	b.Auth(ikev2.Auth{Method: ikev2.AuthSharedKeyMIC, Data: make([]byte, 32)})
	plain, err := b.Finish()
	require.NoError(t, err)
	var frames [][]byte
	require.NoError(t, p.SealFragments(nil, plain, 400, func(f []byte) error {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
		udp := &layers.UDP{SrcPort: 500, DstPort: 500}
		_ = udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
			ip, udp, gopacket.Payload(f))
		frames = append(frames, append([]byte{}, buf.Bytes()...))
		return err
	}))
	require.Len(t, frames, 3)
	pcap := testutil.WritePcap(t, layers.LinkTypeEthernet, frames...)
	keys := filepath.Join(t.TempDir(), "keys.uat")
	require.NoError(t, os.WriteFile(keys, []byte("# test keys\n"+e.Line()+"\n"), 0o600))

	code, out, errOut := tundump(t, "-r", pcap, "-ikev2-keys", keys)
	require.Zero(t, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], "SKF (fragment 1/3 held)]")
	require.Contains(t, lines[1], "SKF (fragment 2/3 held)]")
	require.Contains(t, lines[2], "SKF reassembled {IDi CERT AUTH}]")
	require.NotContains(t, out, hex.EncodeToString(e.SKei))
}

func TestIKEv2KeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.uat")
	require.NoError(t, os.WriteFile(bad, []byte(`0102,0304,,,"NULL [RFC2410]",,,"NONE [RFC4306]"`+"\n"), 0o600))
	code, _, errOut := tundump(t, "-ikev2-keys", filepath.Join(dir, "absent.uat"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "absent.uat")
	code, _, errOut = tundump(t, "-ikev2-keys", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "line 1: initiator SPI")
}

// TestIKEv2StrongSwanCapture reads a strongSwan capture whose IKE_AUTH
// travels on UDP 4500 (reached through the ipsec package's RFC 3948
// dispatcher) in SKF fragments, with the scenario's key table.
func TestIKEv2StrongSwanCapture(t *testing.T) {
	dir := testutil.Testdata(t, "strongswan", "ecdsa-aescbc-frag")
	code, out, errOut := tundump(t, "-r", filepath.Join(dir, "capture.pcap"), "-ikev2-keys", filepath.Join(dir, "ikev2_decryption_table.uat"))
	require.Zero(t, code, errOut)
	require.Equal(t, 3, strings.Count(out, "UDPEncap[IKE]/IKEv2[IKE_AUTH request #1 from initiator"), "three fragments")
	require.Equal(t, 2, strings.Count(out, " SKF reassembled {"), "two fragmented IKE_AUTH messages")
	require.Contains(t, out, "SKF reassembled {IDi CERT N(INITIAL_CONTACT) CERTREQ IDr AUTH SA TSi TSr")
	require.Contains(t, out, "CREATE_CHILD_SA request #3 from responder spi=5acf0b8a38c81b90/cece35100a3cea06 SK {SA Nonce KE}]", "the IKE SA rekey")
	require.Contains(t, out, "INFORMATIONAL request #0 from initiator spi=17f38cf2992b241a/51ef3ba17ce93781 SK {D}]", "the rekeyed SA")
	require.NotContains(t, out, "!ikev2")
	require.NotContains(t, out, "(no key)")
}
