package ikev2

import (
	"crypto/rand"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

type natdCase struct {
	file, typ string
	frame     int
	match     bool
}

// natdFromCaptures computes the NAT detection hash of every
// NAT_DETECTION_*_IP notification in the public captures from the IP and
// UDP headers of the datagram that carries it, and reports which match:
// the hashes were made by the implementations that sent them (libreswan,
// strongSwan, Windows).
func natdFromCaptures(t *testing.T) []natdCase {
	dir := testutil.Vectors(t, "ikev2")
	var out []natdCase
	for _, f := range []string{"scapy-ikev2_notify_redirect.pcap",
		"scapy-embedded-wireshark-ikev2-decrypt-aes128ccm12-4frames.pcap"} {
		for _, p := range testutil.ReadCapture(t, filepath.Join(dir, f)) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			ip4, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			u, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
			if ip4 == nil || u == nil {
				continue
			}
			msg := u.Payload
			if u.SrcPort == PortNATT || u.DstPort == PortNATT {
				if len(msg) < 4 || msg[0]|msg[1]|msg[2]|msg[3] != 0 {
					continue
				}
				msg = msg[4:]
			}
			var ps Parser
			h, err := ps.Start(msg)
			if err != nil || h.ExchangeType != IKE_SA_INIT {
				continue
			}
			for {
				ph, err := ps.Next()
				if err != nil {
					break
				}
				if ph.Type != PayloadNotify {
					continue
				}
				n, err := ps.Notify()
				require.NoError(t, err)
				src, _ := netip.AddrFromSlice(ip4.SrcIP)
				dst, _ := netip.AddrFromSlice(ip4.DstIP)
				switch n.Type {
				case NAT_DETECTION_SOURCE_IP:
					out = append(out, natdCase{f, "source", p.Number, !NATDetected(n.Data, h.SPIi, h.SPIr, src, uint16(u.SrcPort))})
				case NAT_DETECTION_DESTINATION_IP:
					out = append(out, natdCase{f, "destination", p.Number, !NATDetected(n.Data, h.SPIi, h.SPIr, dst, uint16(u.DstPort))})
				}
			}
		}
	}
	return out
}

// TestNATDetectionHashFromCaptures: in Wireshark's AES-CCM capture (no
// NAT) all four hashes match the datagrams' headers; in scapy's REDIRECT
// capture the DESTINATION hashes match while the SOURCE ones do not: the
// initiator sent from port 10952, behind a NAT, which is what the hashes
// are there to reveal. (tcpdump's ikev2four capture, from a 2007 pre-RFC
// implementation, matches no form of the hash and is not used.)
func TestNATDetectionHashFromCaptures(t *testing.T) {
	got := map[string]int{}
	for _, c := range natdFromCaptures(t) {
		k := c.file + " " + c.typ
		if c.match {
			got[k+" matches"]++
		} else {
			got[k+" differs"]++
		}
	}
	ccm := "scapy-embedded-wireshark-ikev2-decrypt-aes128ccm12-4frames.pcap"
	redirect := "scapy-ikev2_notify_redirect.pcap"
	require.Equal(t, map[string]int{
		ccm + " source matches": 2, ccm + " destination matches": 2,
		redirect + " destination matches": 2, redirect + " source differs": 2,
	}, got)
}

func TestCookieJar(t *testing.T) {
	c, err := NewCookieJar(rand.Reader)
	require.NoError(t, err)
	ni := make([]byte, 32)
	ip := netip.MustParseAddr("192.0.2.10")
	cookie := c.Make(nil, ni, ip, 0x1122334455667788)
	require.NoError(t, CheckCookieData(cookie))
	require.True(t, c.Verify(cookie, ni, ip, 0x1122334455667788))
	require.True(t, c.Verify(cookie, ni, netip.MustParseAddr("::ffff:192.0.2.10"), 0x1122334455667788), "mapped address")
	require.False(t, c.Verify(cookie, ni, netip.MustParseAddr("192.0.2.11"), 0x1122334455667788))
	require.False(t, c.Verify(cookie, ni, ip, 0x1122334455667789))
	ni2 := append([]byte{}, ni...)
	ni2[0] = 1
	require.False(t, c.Verify(cookie, ni2, ip, 0x1122334455667788))
	require.False(t, c.Verify(cookie[:10], ni, ip, 0x1122334455667788))

	require.NoError(t, c.Rotate())
	require.True(t, c.Verify(cookie, ni, ip, 0x1122334455667788), "previous secret still accepted")
	fresh := c.Make(nil, ni, ip, 0x1122334455667788)
	require.NotEqual(t, cookie, fresh)
	require.NoError(t, c.Rotate())
	require.False(t, c.Verify(cookie, ni, ip, 0x1122334455667788), "two rotations later it expires")
	require.True(t, c.Verify(fresh, ni, ip, 0x1122334455667788))

	require.Error(t, CheckCookieData(nil))
	require.Error(t, CheckCookieData(make([]byte, 65)))
}
