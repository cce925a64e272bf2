package sit

import (
	"math/big"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSixToFour(t *testing.T) {
	tests := []struct {
		name string
		v4   string
		want string
	}{
		{"RFC 3056 §2: 2002:V4ADDR::/48", "192.0.2.1", "2002:c000:201::/48"},
		{"the 6to4 site of Zeek's 4in6 trace (70.55.213.211)", "70.55.213.211", "2002:4637:d5d3::/48"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := SixToFour(netip.MustParseAddr(tt.v4))
			require.NoError(t, err)
			require.Equal(t, tt.want, p.String())
			back, ok := SixToFourIPv4(p.Addr())
			require.True(t, ok)
			require.Equal(t, tt.v4, back.String())
		})
	}
	for _, bad := range []string{"10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "127.0.0.1", "169.254.1.1", "224.0.0.1", "255.255.255.255", "0.1.2.3", "240.0.0.1"} {
		_, err := SixToFour(netip.MustParseAddr(bad))
		require.Error(t, err, "%s is not a global unicast V4ADDR (RFC 3964 §5.3)", bad)
	}
	_, ok := SixToFourIPv4(netip.MustParseAddr("2001:db8::1"))
	require.False(t, ok)
	// Zeek's 4in6 trace: the outer source is a 6to4 address whose V4ADDR
	// is the inner IPv4 source.
	v4, ok := SixToFourIPv4(netip.MustParseAddr("2002:4637:d5d3::4637:d5d3"))
	require.True(t, ok)
	require.Equal(t, "70.55.213.211", v4.String())
}

// delegated computes the RFC 5969 §4 delegated prefix with big integers:
// the 6rd prefix, then the low 32-IPv4MaskLen bits of the IPv4 address.
func delegated(prefix netip.Prefix, maskLen int, v4 netip.Addr) netip.Prefix {
	n, o := prefix.Bits(), 32-maskLen
	p := new(big.Int).SetBytes(prefix.Masked().Addr().AsSlice())
	a := new(big.Int).SetBytes(v4.AsSlice())
	a.And(a, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(o)), big.NewInt(1)))
	p.Or(p, a.Lsh(a, uint(128-n-o)))
	var b [16]byte
	p.FillBytes(b[:])
	return netip.PrefixFrom(netip.AddrFrom16(b), n+o)
}

func TestSixRDDelegatedPrefix(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		maskLen int
		v4      string
		want    string
	}{
		// The two worked examples CDRouter publishes for its 6rd tests
		// (support.qacafe.com, ipv6rdIPv4MaskLen).
		{"CDRouter: private WAN address, /32 prefix, mask 8", "2010:1234::/32", 8, "192.168.200.2", "2010:1234:a8c8:200::/56"},
		{"CDRouter: public WAN address, /16 prefix, mask 0", "2010::/16", 0, "12.12.12.2", "2010:c0c:c02::/48"},
		{"whole IPv4 address after a /32 (o = 32, /64)", "2001:db8::/32", 0, "192.0.2.1", "2001:db8:c000:201::/64"},
		{"all IPv4 bits common (o = 0): the 6rd prefix itself", "2001:db8:100::/40", 32, "198.51.100.7", "2001:db8:100::/40"},
		{"unaligned: /29 prefix, 19 IPv4 bits", "2001:db8::/29", 13, "10.200.100.1", delegated(netip.MustParsePrefix("2001:db8::/29"), 13, netip.MustParseAddr("10.200.100.1")).String()},
		{"a 6rd prefix crossing the 64-bit boundary", "2001:db8:0:f000::/60", 24, "198.51.100.9", "2001:db8:0:f000:9000::/68"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := SixRD{Prefix: netip.MustParsePrefix(tt.prefix), IPv4MaskLen: tt.maskLen}
			v4 := netip.MustParseAddr(tt.v4)
			p, err := d.DelegatedPrefix(v4)
			require.NoError(t, err)
			require.Equal(t, tt.want, p.String())
			require.Equal(t, delegated(d.Prefix, tt.maskLen, v4), p, "against the big-integer formula")
			// Back again: any address in the delegated prefix names the CE,
			// the common bits taken from another address of the domain.
			common := netip.AddrFrom4([4]byte{v4.As4()[0], v4.As4()[1], v4.As4()[2], v4.As4()[3] ^ 0xff})
			if tt.maskLen == 0 {
				common = netip.MustParseAddr("203.0.113.1")
			}
			in := p.Addr().Next()
			back, ok := d.IPv4(in, common)
			require.True(t, ok)
			if tt.maskLen < 32 {
				require.Equal(t, v4, back)
			}
		})
	}
	for _, bad := range []SixRD{
		{Prefix: netip.MustParsePrefix("10.0.0.0/8")},
		{Prefix: netip.MustParsePrefix("2001:db8::/100"), IPv4MaskLen: 0},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), IPv4MaskLen: 33},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), BR: netip.MustParseAddr("2001:db8::1")},
	} {
		require.Error(t, bad.Check())
	}
	d := SixRD{Prefix: netip.MustParsePrefix("2001:db8::/32"), IPv4MaskLen: 8}
	_, ok := d.IPv4(netip.MustParseAddr("2001:db9::1"), netip.MustParseAddr("10.0.0.1"))
	require.False(t, ok, "outside the 6rd prefix")
}

func TestISATAP(t *testing.T) {
	tests := []struct {
		name string
		v4   string
		want string
	}{
		// RFC 5214 §6.1: u set for a globally unique IPv4 address, clear
		// otherwise; g always clear. These are the forms Windows shows.
		{"global IPv4 address: u bit set", "192.0.2.143", "fe80::200:5efe:c000:28f"},
		{"private IPv4 address: u bit clear", "10.0.0.1", "fe80::5efe:a00:1"},
		{"shared address space: not global", "100.64.1.1", "fe80::5efe:6440:101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v4 := netip.MustParseAddr(tt.v4)
			a, err := ISATAPAddr(netip.MustParsePrefix("fe80::/64"), v4)
			require.NoError(t, err)
			require.Equal(t, tt.want, a.String())
			back, ok := ISATAPIPv4(a)
			require.True(t, ok)
			require.Equal(t, v4, back)
		})
	}
	a, err := ISATAPAddr(netip.MustParsePrefix("2001:db8:1:2::/64"), netip.MustParseAddr("198.51.100.3"))
	require.NoError(t, err)
	require.Equal(t, "2001:db8:1:2:200:5efe:c633:6403", a.String())
	for _, s := range []string{"fe80::300:5efe:c000:201", "fe80::100:5efe:c000:201", "fe80::5eff:c000:201", "2001:db8::1"} {
		_, ok := ISATAPIPv4(netip.MustParseAddr(s))
		require.False(t, ok, s)
	}
	_, err = ISATAPAddr(netip.MustParsePrefix("2001:db8::/96"), netip.MustParseAddr("10.0.0.1"))
	require.Error(t, err)
}

func TestLinkLocal(t *testing.T) {
	// RFC 4213 §3.7: fe80::/64 and the IPv4 address as the low 32 bits.
	require.Equal(t, "fe80::c000:201", LinkLocal(netip.MustParseAddr("192.0.2.1")).String())
}
