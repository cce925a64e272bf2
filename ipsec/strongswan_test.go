package ipsec

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// TestStrongSwanESP decrypts every ESP packet of every strongSwan scenario
// (AES-GCM-16 128/256, AES-CBC-256 + HMAC-SHA2-256-128, ChaCha20-Poly1305,
// AES-CBC-128 + HMAC-SHA1-96 and HMAC-SHA2-384-192; UDP-encapsulated,
// tunnel mode, IPv4 and IPv6 underlay) with the keys the daemons derived:
// anti-replay on, every ICV verified, each inner packet of the kind the
// generator counted, the plaintext equal to what tshark decrypted where
// tshark 4.0 can (not ChaCha20), and every packet sealed again from the same
// key, sequence number and IV to the captured bytes exactly.
func TestStrongSwanESP(t *testing.T) {
	scenarios := testutil.StrongSwanScenarios(t)
	require.NotEmpty(t, scenarios)
	byAlg := map[string]int{}
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			s := testutil.LoadStrongSwan(t, name)
			golden := s.Golden(t)
			inbound := map[uint32]*InboundESP{}
			inner := map[uint32]map[string]int{}
			opened, comparedWithTshark := 0, 0
			for i, p := range s.Packets(t) {
				pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
				e, ok := pkt.Layer(LayerTypeESP).(*ESP)
				if !ok {
					continue
				}
				require.NotNil(t, pkt.Layer(LayerTypeUDPEncap), "libipsec always encapsulates in UDP")
				child, sa := s.ESPSA(e.SPI)
				require.NotNil(t, sa, "frame %d: SPI 0x%08x", p.Number, e.SPI)
				cfg := Config{SPI: e.SPI, Encr: child.Encr, EncrKey: Key(sa.EncrKey), Integ: child.Integ,
					IntegKey: Key(sa.IntegKey), Src: netip.MustParseAddr(sa.Src), Dst: netip.MustParseAddr(sa.Dst)}
				rx := inbound[e.SPI]
				if rx == nil {
					var err error
					rx, err = NewInboundESP(cfg)
					require.NoError(t, err, "%s %v", name, cfg)
					inbound[e.SPI] = rx
					inner[e.SPI] = map[string]int{}
				}
				esp := append(append([]byte{}, e.Contents...), e.Payload...)
				o, err := rx.Open(nil, esp)
				require.NoError(t, err, "frame %d", p.Number)
				opened++
				byAlg[fmt.Sprintf("%v+%v", child.Encr, child.Integ)]++
				require.Contains(t, []layers.IPProtocol{layers.IPProtocolIPv4, layers.IPProtocolIPv6}, o.NextHeader, "tunnel mode")
				ip := gopacket.NewPacket(o.Payload, nextLayerFor(o.NextHeader), gopacket.Default)
				require.Nil(t, ip.ErrorLayer(), "frame %d inner packet", p.Number)
				inner[e.SPI][innerKind(ip)]++
				if c := golden[i]["esp.contained_data"]; len(c) > 0 {
					require.Equal(t, []string{colonHex(o.Payload)}, c, "frame %d: tshark's plaintext", p.Number)
					require.Equal(t, []string{"1"}, golden[i]["esp.icv_good"])
					comparedWithTshark++
				}

				out := cfg
				out.Seq = o.Seq - 1
				out.IVSource = bytes.NewReader(esp[ESPHeaderLen:rx.PayloadOffset()])
				tx, err := NewOutboundESP(out)
				require.NoError(t, err)
				again, err := tx.Seal(nil, o.NextHeader, o.Payload)
				require.NoError(t, err)
				require.Equal(t, esp, again, "frame %d resealed", p.Number)
			}
			require.Equal(t, s.Counts.ESP, opened, "every ESP packet opened")
			for _, c := range s.ChildSAs {
				for _, sa := range c.SAs {
					if sa.Packets == 0 {
						continue
					}
					require.Equal(t, sa.Inner, inner[uint32(sa.SPI)], "SPI %v inner packets", sa.SPI)
				}
			}
			t.Logf("%s: %d ESP packets opened and resealed, %d plaintexts equal to tshark's", name, opened, comparedWithTshark)
		})
	}
	for _, want := range []string{"ENCR_AES_GCM_16+NONE", "ENCR_AES_CBC+AUTH_HMAC_SHA2_256_128", "ENCR_CHACHA20_POLY1305+NONE"} {
		require.NotZero(t, byAlg[want], "the issue's three strongSwan algorithms: %s", want)
	}
}

// innerKind names an inner packet as the strongSwan generator counts them:
// "IPv4/ICMP", "IPv6/ICMPv6", …
func innerKind(p gopacket.Packet) string {
	ls := p.Layers()
	if len(ls) < 2 {
		return "?"
	}
	n := map[string]string{"IPv4": "IPv4", "IPv6": "IPv6", "ICMPv4": "ICMP", "ICMPv6": "ICMPv6", "UDP": "UDP", "TCP": "TCP"}
	return n[ls[0].LayerType().String()] + "/" + n[ls[1].LayerType().String()]
}
