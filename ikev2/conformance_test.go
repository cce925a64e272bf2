package ikev2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// decodeNATT decodes a frame through gopacket; where UDP port 4500 carries
// IKE (the four-zero non-ESP marker), it returns a packet holding the IKEv2
// layer decoded from after the marker. In a program the ipsec package's
// RFC 3948 dispatcher does that; these tests must not depend on it.
func decodeNATT(p testutil.Packet) gopacket.Packet {
	pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
	u, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok || (u.SrcPort != PortNATT && u.DstPort != PortNATT) {
		return pkt
	}
	if len(u.Payload) > 4 && u.Payload[0]|u.Payload[1]|u.Payload[2]|u.Payload[3] == 0 {
		return gopacket.NewPacket(u.Payload[4:], LayerTypeIKEv2, gopacket.Default)
	}
	return gopacket.NewPacket(nil, gopacket.LayerTypePayload, gopacket.Default)
}

func goldenFor(t *testing.T, file string) string {
	return testutil.Testdata(t, "vectors", "ikev2", strings.TrimSuffix(file, filepath.Ext(file))+".tshark.json")
}

// TestPublicVectors decodes every frame of the public IKEv2 captures: every
// field we render equals tshark's, every message encodes back to its bytes,
// and the malformed regressions fail with the error they must.
func TestPublicVectors(t *testing.T) {
	dir := testutil.Vectors(t, "ikev2")
	tests := []struct {
		name     string
		file     string
		messages int
		errors   map[int]error
		differs  map[int]string
	}{
		{"tcpdump: four IKE SAs, SA_INIT to CREATE_CHILD_SA and INFORMATIONAL", "tcpdump-ikev2four.pcap", 21, nil, nil},
		{"tcpdump: IKE_SA_INIT and an IKE_AUTH with a critical SK (its ICV is wrong: fields not decrypted)",
			"tcpdump-ikev2pI2.pcap", 2, nil,
			map[int]string{2: "tshark decrypts despite the wrong ICV; Open refuses (TestTcpdumpIkev2pI2IntegrityFails)"}},
		{"scapy: NAT traversal on port 4500 with ESP between", "scapy-ikev2_nat_t.pcapng", 30, nil, nil},
		{"scapy: REDIRECT notifications", "scapy-ikev2_notify_redirect.pcap", 4, nil, nil},
		{"suricata-verify: IKE_SA_INIT with weak groups", "suricata-verify-IKEv2_SA_INIT_2-8-weak.pcap", 1, nil, nil},
		{"Wireshark (via scapy): AES-CCM-12 exchange", "scapy-embedded-wireshark-ikev2-decrypt-aes128ccm12-4frames.pcap", 4, nil, nil},
		{"tcpdump regression: ID payload shorter than the message (oobr)", "tcpdump-ikev2-id-normal.pcap", 0,
			map[int]error{1: ErrMalformed}, nil},
		{"tcpdump regression: ID payload shorter than its fixed part", "tcpdump-ikev2-id-short.pcap", 0,
			map[int]error{1: ErrMalformed}, nil},
		{"tcpdump regression: garbage SA that crashed tcpdump", "tcpdump-ikev2pI2-segfault.pcapng", 0,
			map[int]error{1: ErrTruncated}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := testutil.Check(t, testutil.Capture{
				Path:    filepath.Join(dir, tt.file),
				Golden:  goldenFor(t, tt.file),
				Decode:  decodeNATT,
				Fields:  packetFields(t, tableOpener(t, filepath.Join(dir, tt.file))),
				Errors:  tt.errors,
				Differs: tt.differs,
			})
			require.Equal(t, tt.messages, res.OurLayers, "IKEv2 messages decoded")
			require.Equal(t, len(tt.errors), res.Errors)
			if tt.messages > 0 {
				require.Greater(t, res.FieldsSeen, 10*tt.messages)
			}
		})
	}
}

// tableOpener returns an opener with the keys of the decryption table
// beside a capture (CAPTURE.ikev2_decryption_table.uat), or nil.
func tableOpener(t *testing.T, capture string) opener {
	path := strings.TrimSuffix(capture, filepath.Ext(capture)) + ".ikev2_decryption_table.uat"
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	keys := map[[2]uint64]keyPair{}
	for _, e := range readTable(t, path) {
		ini, res, err := e.Protectors()
		require.NoError(t, err)
		keys[[2]uint64{e.SPIi, e.SPIr}] = keyPair{ini, res}
	}
	return pairOpener(keys)
}
