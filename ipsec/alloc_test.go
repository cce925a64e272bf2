package ipsec

import (
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/stretchr/testify/require"
)

// TestAllocations proves the hot paths allocate nothing in steady state:
// Seal and Open of every kind of transform (with ESN where it changes the
// code path), AH, the tunnel helpers, header decode and encode, and SA
// lookup.
func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items: allocation counts are measured without -race")
	}
	payload := make([]byte, 1400)
	for _, tc := range []transformCase{
		{"AES-GCM-16", Config{Encr: EncrAESGCM16, EncrKey: key(20, 1)}},
		{"AES-GCM-16 ESN", Config{Encr: EncrAESGCM16, EncrKey: key(36, 1), ESN: true}},
		{"AES-GCM-8", Config{Encr: EncrAESGCM8, EncrKey: key(20, 1)}},
		{"AES-GMAC", Config{Encr: EncrNULLAuthAESGMAC, EncrKey: key(20, 1)}},
		{"AES-GMAC ESN", Config{Encr: EncrNULLAuthAESGMAC, EncrKey: key(20, 1), ESN: true}},
		{"ChaCha20-Poly1305", Config{Encr: EncrChaCha20Poly1305, EncrKey: key(36, 1)}},
		{"AES-CBC+SHA2-256 ESN", Config{Encr: EncrAESCBC, EncrKey: key(32, 1), Integ: IntegHMACSHA2256128, IntegKey: key(32, 2), ESN: true}},
		{"AES-CTR+SHA1", Config{Encr: EncrAESCTR, EncrKey: key(20, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 2)}},
		{"NULL+SHA2-512", Config{Encr: EncrNULL, Integ: IntegHMACSHA2512256, IntegKey: key(64, 2)}},
		{"3DES+SHA1", Config{Encr: Encr3DES, EncrKey: key(24, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			c.SPI, c.DisableReplay = 99, true
			tx, rx := pair(t, c)
			sealed := make([]byte, 0, 2048)
			opened := make([]byte, 0, 2048)
			require.Zero(t, testing.AllocsPerRun(200, func() {
				var err error
				if sealed, err = tx.Seal(sealed[:0], 4, payload); err != nil {
					t.Fatal(err)
				}
			}), "Seal")
			require.Zero(t, testing.AllocsPerRun(200, func() {
				if _, err := rx.Open(opened[:0], sealed); err != nil {
					t.Fatal(err)
				}
			}), "Open")
		})
	}
	t.Run("rejections", func(t *testing.T) {
		tx, rx := pair(t, Config{SPI: 98, Encr: EncrAESGCM16, EncrKey: key(20, 1)})
		p, _ := tx.Seal(nil, 4, payload)
		_, _ = rx.Open(nil, p)
		bad := append([]byte{}, p...)
		bad[len(bad)-1] ^= 1
		require.Zero(t, testing.AllocsPerRun(200, func() { _, _ = rx.Open(nil, p) }), "replay")
		require.Zero(t, testing.AllocsPerRun(200, func() { _, _ = rx.Open(make([]byte, 0, 0), bad) }), "forgery")
	})
	t.Run("tunnel and transport helpers", func(t *testing.T) {
		c := Config{SPI: 97, Encr: EncrAESGCM16, EncrKey: key(20, 1), DisableReplay: true}
		tx, rx := pair(t, c)
		tun := &Tunnel{Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("198.51.100.2"), UDPSrcPort: 4500, UDPDstPort: 4500}
		inner := udpPacket(t, false, 0, true)
		buf := make([]byte, 0, 2048)
		out := make([]byte, 0, 2048)
		require.Zero(t, testing.AllocsPerRun(100, func() { buf, _ = tx.SealTunnel(buf[:0], inner, tun) }))
		require.Zero(t, testing.AllocsPerRun(100, func() {
			if _, err := rx.OpenTunnel(out[:0], buf); err != nil {
				t.Fatal(err)
			}
		}))
		require.Zero(t, testing.AllocsPerRun(100, func() { buf, _ = tx.SealTransport(buf[:0], inner, nil) }))
		require.Zero(t, testing.AllocsPerRun(100, func() {
			if _, err := rx.OpenTransport(out[:0], buf); err != nil {
				t.Fatal(err)
			}
		}))
	})
	for _, c := range []Config{
		{SPI: 96, Integ: IntegHMACSHA2256128, IntegKey: key(32, 1), DisableReplay: true},
		{SPI: 95, Integ: IntegAES128GMAC, IntegKey: key(20, 1), DisableReplay: true, ESN: true},
	} {
		t.Run("AH "+c.Integ.String(), func(t *testing.T) {
			tx, _ := NewOutboundAH(c)
			rx, _ := NewInboundAH(c)
			pkt := ipv6WithExtensions(t)
			buf := make([]byte, 0, 2048)
			require.Zero(t, testing.AllocsPerRun(100, func() { buf, _ = tx.SealTransport(buf[:0], pkt) }))
			require.Zero(t, testing.AllocsPerRun(100, func() {
				if _, err := rx.Verify(buf); err != nil {
					t.Fatal(err)
				}
			}))
		})
	}
	t.Run("headers and lookup", func(t *testing.T) {
		espData := []byte{0, 0, 1, 1, 0, 0, 0, 1, 9, 9, 9, 9}
		ahData := append([]byte{1, 4, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1}, make([]byte, 14)...)
		var e ESP
		var a AH
		var u UDPEncap
		b := make([]byte, 0, 64)
		require.Zero(t, testing.AllocsPerRun(1000, func() {
			_ = e.DecodeFromBytes(espData, gopacket.NilDecodeFeedback)
			_ = a.DecodeFromBytes(ahData, gopacket.NilDecodeFeedback)
			_ = u.DecodeFromBytes(espData, gopacket.NilDecodeFeedback)
			_ = u.NextLayerType()
		}), "decode")
		require.Zero(t, testing.AllocsPerRun(1000, func() {
			b, _ = e.AppendBinary(b[:0])
			b, _ = a.AppendBinary(b[:0])
		}), "AppendBinary")
		var db Database
		_, rx := pair(t, Config{SPI: 94, Encr: EncrAESGCM16, EncrKey: key(20, 1), Dst: netip.MustParseAddr("192.0.2.2")})
		require.NoError(t, db.Add(rx))
		src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
		require.Zero(t, testing.AllocsPerRun(1000, func() {
			if db.ESP(94, src, dst) == nil {
				t.Fatal("not found")
			}
		}), "lookup")
	})
}
