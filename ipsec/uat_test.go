package ipsec

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseESPSALine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Config
	}{
		{"AES-GCM-16 with key and salt, exact addresses (kaorimatz)",
			`"IPv4","192.168.1.1","192.168.1.2","0x00000101","AES-GCM with 16 octet ICV [RFC4106]","0x9876543210987654321098765432109876543210","NULL",""`,
			Config{SPI: 0x101, Encr: EncrAESGCM16, EncrKey: unhexKey("9876543210987654321098765432109876543210"), Integ: IntegNone,
				Src: netip.MustParseAddr("192.168.1.1"), Dst: netip.MustParseAddr("192.168.1.2")}},
		{"wildcard source, ICV of unknown key skipped (tcpdump)",
			`"IPv4","*","192.1.2.45","0x12345678","TripleDES-CBC [RFC2451]","0x4043434545464649494a4a4c4c4f4f515152525454575758","ANY 96 bit authentication [no checking]",""`,
			Config{SPI: 0x12345678, Encr: Encr3DES, EncrKey: unhexKey("4043434545464649494a4a4c4c4f4f515152525454575758"),
				Integ: IntegHMACSHA196, InsecureSkipICV: true, Dst: netip.MustParseAddr("192.1.2.45")}},
		{"IPv6, AES-CBC with HMAC-SHA-384-192, text key, extra columns of newer Wireshark ignored",
			`"IPv6","2001:db8::1","2001:db8::2","0xa63c14b5","AES-CBC [RFC3602]","sixteenbytes key","HMAC-SHA-384-192 [RFC4868]","0x01","extra","more"`,
			Config{SPI: 0xa63c14b5, Encr: EncrAESCBC, EncrKey: Key("sixteenbytes key"), Integ: IntegHMACSHA2384192, IntegKey: Key{1},
				Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("2001:db8::2")}},
		{"odd hex digits get a leading zero, ChaCha20 by its newer name",
			`"IPv4","*","*","0x1","ChaCha20 with Poly1305 [RFC7634]","0x123","NULL",""`,
			Config{SPI: 1, Encr: EncrChaCha20Poly1305, EncrKey: Key{0x01, 0x23}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseESPSALine(tt.line)
			require.NoError(t, err)
			require.Equal(t, tt.want, e.Config)
		})
	}
	for _, bad := range []string{
		`"IPv4","*","*","0x1","TWOFISH-CBC","","NULL",""`,
		`"IPv4","*","*","*","NULL","","HMAC-SHA-1-96 [RFC2404]","0x00"`,
		`"IPv4","10.0.*","*","0x1","NULL","","HMAC-SHA-1-96 [RFC2404]","0x00"`,
		`"IPv4","*","*","0x1","NULL","","HMAC-MD5-96 [RFC2403]",""`,
		`"IPv4","*","*","0x1","NULL"`,
		`"IPv4,"*"`,
		`IPv4,*,*`,
	} {
		_, err := ParseESPSALine(bad)
		require.Error(t, err, bad)
	}
	entries, err := ParseESPSA(strings.NewReader("# comment\n\n" + tests[0].line + "\n" + tests[1].line + "\n"))
	require.NoError(t, err)
	require.Len(t, entries, 2)
	_, err = ParseESPSA(strings.NewReader(tests[0].line + "\n\"bad\n"))
	require.ErrorContains(t, err, "esp_sa line 2")

	line, err := FormatESPSA(tests[0].want)
	require.NoError(t, err)
	require.Equal(t, tests[0].line, line, "written as Wireshark writes it")
	_, err = FormatESPSA(Config{SPI: 1, Encr: EncrNULLAuthAESGMAC})
	require.Error(t, err, "Wireshark has no name for AES-GMAC")
}

func unhexKey(s string) Key {
	k, _ := uatKey("0x" + s)
	return k
}

func TestDatabase(t *testing.T) {
	var db Database
	mk := func(spi uint32, src, dst string) *InboundESP {
		c := Config{SPI: spi, Encr: EncrAESGCM16, EncrKey: key(20, 1)}
		if src != "" {
			c.Src = netip.MustParseAddr(src)
		}
		if dst != "" {
			c.Dst = netip.MustParseAddr(dst)
		}
		_, rx := pair(t, c)
		return rx
	}
	anyAddr := mk(7, "", "")
	toB := mk(7, "", "192.0.2.2")
	aToB := mk(7, "192.0.2.1", "192.0.2.2")
	other := mk(8, "", "")
	for _, sa := range []Inbound{anyAddr, toB, aToB, other} {
		require.NoError(t, db.Add(sa))
	}
	require.ErrorIs(t, db.Add(mk(7, "", "192.0.2.2")), ErrDuplicateSA)
	ah, _ := NewInboundAH(Config{SPI: 7, Integ: IntegHMACSHA196, IntegKey: key(20, 1)})
	require.NoError(t, db.Add(ah), "AH and ESP SPIs are separate")
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	require.Same(t, aToB, db.ESP(7, a, b), "most specific wins")
	require.Same(t, toB, db.ESP(7, c, b), "destination match")
	require.Same(t, anyAddr, db.ESP(7, a, c), "wildcard")
	require.Same(t, ah, db.AH(7, a, b))
	require.Nil(t, db.ESP(9, a, b))
	require.Equal(t, 5, db.Len())
	require.True(t, db.Remove(aToB))
	require.False(t, db.Remove(aToB))
	require.Same(t, toB, db.ESP(7, a, b))
}
