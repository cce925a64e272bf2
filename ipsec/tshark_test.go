package ipsec

import (
	"fmt"
	"net/netip"
	"strconv"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func ether(ipPacket []byte) []byte {
	et := []byte{0x08, 0x00}
	if ipPacket[0]>>4 == 6 {
		et = []byte{0x86, 0xdd}
	}
	h := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	return append(append(h, et...), ipPacket...)
}

// TestTsharkDecryptsWhatWeSeal seals packets with every transform tshark
// 4.0 can decrypt (AES-CBC, AES-CTR, AES-GCM 8/12/16, 3DES, NULL; HMAC-SHA1
// and SHA2), in tunnel and transport mode, over IPv4 and IPv6 and in UDP,
// and hands tshark the keys as esp_sa lines: every packet must decrypt to
// our payload with the ICV reported good and no warning. tshark 4.0 has no
// ChaCha20-Poly1305 or AES-GMAC: the scapy, strongSwan and Linux vectors
// check those instead.
func TestTsharkDecryptsWhatWeSeal(t *testing.T) {
	testutil.TsharkPath(t)
	type sent struct {
		payload []byte
		nh      layers.IPProtocol
		padLen  int
	}
	var frames [][]byte
	var want []sent
	var args []string
	spi := uint32(0x5000)
	for _, tc := range allTransforms(t) {
		if tc.cfg.Encr == EncrChaCha20Poly1305 || tc.cfg.Encr == EncrNULLAuthAESGMAC {
			continue
		}
		for _, shape := range []string{"tunnel4", "tunnel6-udp", "transport6", "transport4-udp"} {
			spi++
			c := tc.cfg
			c.SPI = spi
			var src, dst netip.Addr
			if shape == "tunnel6-udp" || shape == "transport6" {
				src, dst = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
			} else {
				src, dst = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
			}
			c.Src, c.Dst = src, dst
			line, err := FormatESPSA(c)
			require.NoError(t, err, tc.name)
			args = append(args, "-o", "uat:esp_sa:"+line)
			tx, err := NewOutboundESP(c)
			require.NoError(t, err)
			var pkt []byte
			var s sent
			switch shape {
			case "tunnel4", "tunnel6-udp":
				tun := &Tunnel{Src: src, Dst: dst}
				inner := udpPacket(t, shape == "tunnel6-udp", ECNECT0, true)
				if shape == "tunnel6-udp" {
					tun.UDPSrcPort, tun.UDPDstPort = 4500, 4500
				}
				pkt, err = tx.SealTunnel(nil, inner, tun)
				s = sent{inner, layers.IPProtocolIPv4, 0}
				if shape == "tunnel6-udp" {
					s.nh = layers.IPProtocolIPv6
				}
			case "transport6":
				orig := ipv6WithExtensions(t)
				pkt, err = tx.SealTransport(nil, orig, nil)
				s = sent{orig[64:], layers.IPProtocolUDP, 0}
			default:
				orig := udpPacket(t, false, 0, true)
				pkt, err = tx.SealTransport(nil, orig, &UDPPorts{4500, 4500})
				s = sent{orig[20:], layers.IPProtocolUDP, 0}
			}
			require.NoError(t, err)
			align := tx.eng.encr.padAlign()
			s.padLen = (align - (len(s.payload)+2)%align) % align
			frames = append(frames, ether(pkt))
			want = append(want, s)
		}
	}
	args = append([]string{"-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"}, args...)
	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames, args...)
	require.Len(t, got, len(frames))
	for i, f := range got {
		w := want[i]
		where := fmt.Sprintf("frame %d", i+1)
		require.Equal(t, []string{"1"}, f["esp.icv_good"], where)
		require.Equal(t, []string{colonHex(w.payload)}, f["esp.contained_data"], where)
		require.Equal(t, []string{strconv.Itoa(w.padLen)}, f["esp.pad_len"], where)
		require.Equal(t, []string{fmt.Sprintf("0x%02x", uint8(w.nh))}, f["esp.protocol"], where)
		require.Empty(t, testutil.Warnings(f), where)
	}
	t.Logf("%d packets sealed by us, decrypted and authenticated by tshark", len(got))
}

// TestTsharkReadsOurAH has tshark decode AH packets we built (tshark 4.0
// does not verify AH ICVs; our own verification is tested against Linux's
// and scapy's packets): fields as we set them, no warning, and the payload
// decoded after AH.
func TestTsharkReadsOurAH(t *testing.T) {
	testutil.TsharkPath(t)
	var frames [][]byte
	for i, c := range []Config{
		{SPI: 0x6001, Integ: IntegHMACSHA196, IntegKey: key(20, 1)},
		{SPI: 0x6002, Integ: IntegHMACSHA2512256, IntegKey: key(64, 1)},
		{SPI: 0x6003, Integ: IntegAES128GMAC, IntegKey: key(20, 1)},
	} {
		tx, err := NewOutboundAH(c)
		require.NoError(t, err)
		for _, orig := range [][]byte{ipv4WithOptions(t, udpSeg), ipv6WithExtensions(t)} {
			pkt, err := tx.SealTransport(nil, orig)
			require.NoError(t, err, "%d", i)
			frames = append(frames, ether(pkt))
		}
	}
	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames)
	for i, f := range got {
		require.Equal(t, []string{fmt.Sprintf("0x%08x", 0x6001+i/2)}, f["ah.spi"], "frame %d", i+1)
		require.Equal(t, []string{strconv.Itoa(i%2 + 1)}, f["ah.sequence"])
		require.Equal(t, []string{"17"}, f["ah.next_header"])
		require.NotEmpty(t, f["udp.srcport"], "frame %d: UDP decoded after AH", i+1)
		require.Empty(t, testutil.Warnings(f), "frame %d", i+1)
	}
}
