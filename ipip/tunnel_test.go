package ipip

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

var (
	entry4, exit4  = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	entry6, exit6  = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	hostA4, hostB4 = netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("203.0.113.20")
	hostA6, hostB6 = netip.MustParseAddr("2001:db8:1::10"), netip.MustParseAddr("2001:db8:2::20")
)

func mustNew(t testing.TB, cfg Config) *Tunnel {
	t.Helper()
	tun, err := New(cfg)
	require.NoError(t, err)
	return tun
}

// udp4 builds an IPv4/UDP packet of n payload octets.
func udp4(src, dst netip.Addr, tos, ttl uint8, df bool, n int) []byte {
	h := iptun.Header4{TOS: tos, ID: 0x4242, DF: df, TTL: ttl, Protocol: 17, Src: src.As4(), Dst: dst.As4()}
	b := make([]byte, iptun.IPv4HeaderLen+8+n)
	h.Put(b, len(b), 0, false)
	binary.BigEndian.PutUint16(b[20:], 1000)
	binary.BigEndian.PutUint16(b[22:], 9)
	binary.BigEndian.PutUint16(b[24:], uint16(8+n))
	return b
}

// udp6 builds an IPv6/UDP packet of n payload octets, with ext inserted
// after the IPv6 header (its first octet's Next Header is 17).
func udp6(src, dst netip.Addr, tc, hop uint8, n int, ext ...byte) []byte {
	b := make([]byte, iptun.IPv6HeaderLen+len(ext)+8+n)
	binary.BigEndian.PutUint32(b, 6<<28|uint32(tc)<<20)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40))
	b[6], b[7] = 17, hop
	if len(ext) > 0 {
		b[6] = iptun.ProtoDstOpts
		copy(b[40:], ext)
	}
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	u := b[40+len(ext):]
	binary.BigEndian.PutUint16(u[4:], uint16(8+n))
	return b
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no addresses", Config{}},
		{"mixed families (that is sit)", Config{Local: entry4, Remote: exit6}},
		{"loopback encapsulation, RFC 2473 §4.1.2", Config{Local: entry4, Remote: entry4}},
		{"multicast remote", Config{Local: entry4, Remote: netip.MustParseAddr("224.0.0.1")}},
		{"unspecified local", Config{Local: netip.IPv6Unspecified(), Remote: exit6}},
		{"IPv4 MTU below 68", Config{Local: entry4, Remote: exit4, MTU: 67}},
		{"IPv6 MTU below 1280", Config{Local: entry6, Remote: exit6, MTU: 1279}},
		{"encapsulation limit 300", Config{Local: entry6, Remote: exit6, EncapLimit: 300}},
		{"DSCP over 63", Config{Local: entry4, Remote: exit4, DSCP: DSCPFixed, DSCPValue: 64}},
		{"flow label over 20 bits", Config{Local: entry6, Remote: exit6, FlowLabel: 1 << 20}},
		{"IPv6 ICMP source for IPv4 senders", Config{Local: entry6, Remote: exit6, ICMPSource4: hostA6}},
		{"unknown DF mode", Config{Local: entry4, Remote: exit4, DF: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.Error(t, err)
		})
	}
	tun := mustNew(t, Config{Local: entry6, Remote: exit6})
	require.Equal(t, DefaultTTL, int(tun.Config().TTL))
	require.Equal(t, 48, tun.Overhead(), "IPv6 header and the default TEL option")
	require.Equal(t, 1500-48, tun.MTU())
	require.Equal(t, 40, mustNew(t, Config{Local: entry6, Remote: exit6, EncapLimit: NoEncapLimit}).Overhead())
}

// TestEncapsulateRules: what RFC 2003 §3.1/§5.1 and RFC 2473 §4-§7 decide
// for one inner packet.
func TestEncapsulateRules(t *testing.T) {
	v4 := Config{Local: entry4, Remote: exit4}
	v6 := Config{Local: entry6, Remote: exit6, ICMPSource4: netip.MustParseAddr("198.51.100.1")}
	withMTU := func(c Config, mtu int) Config { c.MTU = mtu; return c }
	tests := []struct {
		name    string
		cfg     Config
		inner   []byte
		packets int   // outer packets
		df      bool  // outer DF on the first packet (IPv4 outer)
		err     error // or this
		mtu     int   // the MTU a TooBigError reports
	}{
		{"DF copied from the inner header", v4, udp4(hostA4, hostB4, 0, 64, true, 10), 1, true, nil, 0},
		{"DF clear inherited", v4, udp4(hostA4, hostB4, 0, 64, false, 10), 1, false, nil, 0},
		{"DF set by configuration", Config{Local: entry4, Remote: exit4, DF: DFSet}, udp4(hostA4, hostB4, 0, 64, false, 10), 1, true, nil, 0},
		{"exactly the MTU fits", withMTU(v4, 100), udp4(hostA4, hostB4, 0, 64, true, 52), 1, true, nil, 0},
		{"one octet over with DF: fragmentation needed, MTU less 20", withMTU(v4, 100), udp4(hostA4, hostB4, 0, 64, true, 53), 0, false, ErrTooLarge, 80},
		{"one octet over without DF: two outer fragments", withMTU(v4, 100), udp4(hostA4, hostB4, 0, 64, false, 53), 2, false, nil, 0},
		{"DF set by configuration yields to fragmenting a DF-clear packet", withMTU(Config{Local: entry4, Remote: exit4, DF: DFSet}, 100), udp4(hostA4, hostB4, 0, 64, false, 200), 3, false, nil, 0},
		{"TTL 0: MUST NOT encapsulate", v4, udp4(hostA4, hostB4, 0, 0, false, 1), 0, false, ErrTTL, 0},
		{"inner source is this entry point: loop (§3.2)", v4, udp4(entry4, hostB4, 0, 64, false, 1), 0, false, ErrLoop, 0},
		{"inner source is the exit point: loop (§3.2)", v4, udp4(exit4, hostB4, 0, 64, false, 1), 0, false, ErrLoop, 0},
		{"IPv6 on an IPv4 tunnel is sit's", v4, udp6(hostA6, hostB6, 0, 64, 1), 0, false, ErrUnsupported, 0},
		{"not an IP packet", v4, []byte{0x50, 1, 2}, 0, false, ErrMalformed, 0},
		{"empty", v4, nil, 0, false, ErrTruncated, 0},
		{"IPv4 in IPv6", v6, udp4(hostA4, hostB4, 0, 64, true, 10), 1, false, nil, 0},
		{"IPv6 in IPv6", v6, udp6(hostA6, hostB6, 0, 64, 10), 1, false, nil, 0},
		{"IPv6 of 1280 octets over a 1280 link: fragmented (RFC 2473 §7.1)", withMTU(v6, 1280), udp6(hostA6, hostB6, 0, 64, 1280-48), 2, false, nil, 0},
		{"IPv6 over 1280 octets: packet too big", withMTU(v6, 1280), udp6(hostA6, hostB6, 0, 64, 1281-48), 0, false, ErrTooLarge, 1280},
		{"IPv4 with DF over an IPv6 tunnel: MTU less 48", withMTU(v6, 1280), udp4(hostA4, hostB4, 0, 64, true, 1300), 0, false, ErrTooLarge, 1232},
		{"IPv4 without DF over an IPv6 tunnel: IPv6 fragments", withMTU(v6, 1280), udp4(hostA4, hostB4, 0, 64, false, 1300), 2, false, nil, 0},
		{"inner TEL 0: MUST NOT encapsulate (RFC 2473 §4.1.1)", v6, udp6(hostA6, hostB6, 0, 64, 4, 17, 0, 4, 1, 0, 1, 1, 0), 0, false, ErrEncapLimit, 0},
		{"inner IPv6 hop limit 0", v6, udp6(hostA6, hostB6, 0, 0, 4), 0, false, ErrTTL, 0},
		{"inner IPv6 from this entry point: loop", v6, udp6(entry6, hostB6, 0, 9, 4), 0, false, ErrLoop, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun := mustNew(t, tt.cfg)
			out, err := tun.Encapsulate([]byte{0xee}, tt.inner)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				require.Equal(t, []byte{0xee}, out, "nothing appended on error")
				var tb *TooBigError
				if errors.As(err, &tb) {
					require.Equal(t, tt.mtu, tb.MTU)
				} else {
					var de *DecodeError
					require.ErrorAs(t, err, &de)
				}
				return
			}
			require.NoError(t, err)
			n := 0
			var first []byte
			for p := range Packets(out[1:]) {
				if n == 0 {
					first = p
				}
				n++
				require.LessOrEqual(t, len(p), tun.LinkMTU())
			}
			require.Equal(t, tt.packets, n)
			if tt.cfg.Local.Is4() {
				require.Equal(t, tt.df, iptun.IPv4(first).DF())
			}
		})
	}
}

// TestEncapLimitHonoured: a packet that is already a tunnel packet carries
// its limit less one into the new header (RFC 2473 §4.1.1), even on a
// tunnel set to write none.
func TestEncapLimitHonoured(t *testing.T) {
	tun := mustNew(t, Config{Local: entry6, Remote: exit6, EncapLimit: NoEncapLimit})
	inner := udp6(hostA6, hostB6, 0, 64, 4, 17, 0, 4, 1, 3, 1, 1, 0)
	out, err := tun.Encapsulate(nil, inner)
	require.NoError(t, err)
	h, err := iptun.ParseIPv6(out, layer, "outer", 0)
	require.NoError(t, err)
	c, err := iptun.WalkIPv6(h, layer, "outer", 0)
	require.NoError(t, err)
	require.True(t, c.HasTEL())
	require.Equal(t, uint8(2), c.TEL)
	require.Equal(t, uint8(iptun.ProtoIPv6), c.Proto)

	// Limit 0: refused, and Reply points the sender at the limit octet.
	spent := udp6(hostA6, hostB6, 0, 64, 4, 17, 0, 4, 1, 0, 1, 1, 0)
	_, err = tun.Encapsulate(nil, spent)
	require.ErrorIs(t, err, ErrEncapLimit)
	msg, err := tun.Reply(nil, spent, err)
	require.NoError(t, err)
	e, err := iptun.ParseICMPError(msg, layer)
	require.NoError(t, err)
	require.Equal(t, uint8(iptun.ICMPv6ParamProblem), e.Type)
	require.Equal(t, 44, e.Pointer())
	require.Equal(t, hostA6, e.Dst)
}

func TestForwardingDecrementsTheCopyOnly(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   Config
		inner []byte
		at    int
	}{
		{"IPv4 TTL, checksum fixed", Config{Local: entry4, Remote: exit4, Forwarding: true}, udp4(hostA4, hostB4, 0, 17, false, 10), 20 + 8},
		{"IPv6 hop limit", Config{Local: entry6, Remote: exit6, Forwarding: true}, udp6(hostA6, hostB6, 0, 17, 10), 48 + 7},
		{"IPv4 TTL in the first of several fragments", Config{Local: entry4, Remote: exit4, Forwarding: true, MTU: 100}, udp4(hostA4, hostB4, 0, 17, false, 300), 20 + 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			orig := clone(tt.inner)
			out, err := mustNew(t, tt.cfg).Encapsulate(nil, tt.inner)
			require.NoError(t, err)
			require.Equal(t, orig, tt.inner, "input untouched")
			require.Equal(t, byte(16), out[tt.at])
			if tt.inner[0]>>4 == 4 {
				require.True(t, iptun.IPv4(out[20:]).ChecksumValid())
			}
		})
	}
	_, err := mustNew(t, Config{Local: entry4, Remote: exit4, Forwarding: true}).Encapsulate(nil, udp4(hostA4, hostB4, 0, 1, false, 1))
	require.ErrorIs(t, err, ErrTTL, "TTL 1 forwarded would be 0")
}

func TestPathMTUSoftState(t *testing.T) {
	tun := mustNew(t, Config{Local: entry4, Remote: exit4})
	require.Equal(t, 1480, tun.MTU())
	tun.SetPathMTU(1400)
	require.Equal(t, 1380, tun.MTU())
	_, err := tun.Encapsulate(nil, udp4(hostA4, hostB4, 0, 64, true, 1400-28))
	var tb *TooBigError
	require.ErrorAs(t, err, &tb)
	require.Equal(t, 1380, tb.MTU)
	tun.SetPathMTU(10)
	require.Equal(t, 68, tun.PathMTU(), "raised to the IPv4 minimum")
	tun.SetPathMTU(0)
	require.Equal(t, 1480, tun.MTU())
}

// TestDecapsulateMessages: the named error, field and offset of each
// refusal.
func TestDecapsulateMessages(t *testing.T) {
	sender := mustNew(t, Config{Local: entry4, Remote: exit4})
	recv := mustNew(t, Config{Local: exit4, Remote: entry4})
	good, err := sender.Encapsulate(nil, udp4(hostA4, hostB4, 0, 64, false, 4))
	require.NoError(t, err)
	_, err = recv.Decapsulate(clone(good))
	require.NoError(t, err)

	other := mustNew(t, Config{Local: exit4, Remote: netip.MustParseAddr("192.0.2.9")})
	_, err = other.Decapsulate(clone(good))
	require.ErrorIs(t, err, ErrWrongPeer)
	require.EqualError(t, err, "ipip: outer source at offset 12: outer address is not the configured tunnel endpoint")

	six := mustNew(t, Config{Local: exit6, Remote: entry6})
	_, err = six.Decapsulate(clone(good))
	require.ErrorIs(t, err, ErrMalformed)
	require.EqualError(t, err, "ipip: outer version at offset 0: IP version is not 6 (got 4, want 6)")

	bad := clone(good)
	bad[9] = 47
	iptun.IPv4(bad).SetID(1) // fixes nothing but the checksum arithmetic
	binary.BigEndian.PutUint16(bad[10:], 0)
	_, err = recv.Decapsulate(bad)
	require.ErrorIs(t, err, ErrChecksum)

	// Every cut of a valid packet is refused, never a panic.
	for n := range len(good) {
		_, err := recv.Decapsulate(clone(good[:n]))
		require.Error(t, err, "%d bytes", n)
	}
}

func TestDecapsulateToLeavesInputAlone(t *testing.T) {
	sender := mustNew(t, Config{Local: entry4, Remote: exit4})
	recv := mustNew(t, Config{Local: exit4, Remote: entry4})
	pkt, err := sender.Encapsulate(nil, udp4(hostA4, hostB4, 0x02, 64, false, 4))
	require.NoError(t, err)
	iptun.IPv4(pkt).SetTOS(pkt[1] | 3) // CE on the way: RFC 6040 marks the ECT(0) inner packet CE
	orig := clone(pkt)
	dst, p, err := recv.DecapsulateTo(make([]byte, 0, 64), pkt)
	require.NoError(t, err)
	require.Equal(t, orig, pkt)
	require.Equal(t, CE, iptun.ECNOf(p.Inner[1]))
	require.True(t, iptun.IPv4(p.Inner).ChecksumValid())
	require.Equal(t, dst, p.Inner)
	require.Equal(t, uint8(0x02), p.InnerTOS)
	require.Equal(t, uint8(0x03), p.OuterTOS)
}

func TestReplyRules(t *testing.T) {
	tun := mustNew(t, Config{Local: entry4, Remote: exit4, MTU: 100})
	big := udp4(hostA4, hostB4, 0, 64, true, 200)
	_, err := tun.Encapsulate(nil, big)
	msg, err := tun.Reply(nil, big, err)
	require.NoError(t, err)
	e, err := iptun.ParseICMPError(msg, layer)
	require.NoError(t, err)
	require.True(t, e.IsTooBig())
	require.Equal(t, 80, e.MTU())
	require.Equal(t, entry4, e.Src)

	// No ICMP error about an ICMP error (RFC 1122 §3.2.2).
	_, err = tun.Reply(nil, msg, &TooBigError{MTU: 80})
	require.ErrorIs(t, err, ErrNotRelayed)
	// Nor for errors that call for none.
	_, err = tun.Reply(nil, big, ErrWrongPeer)
	require.ErrorIs(t, err, ErrNotRelayed)
	// A 4in6 tunnel without an IPv4 address cannot answer IPv4 senders.
	t6 := mustNew(t, Config{Local: entry6, Remote: exit6, MTU: 1280})
	big = udp4(hostA4, hostB4, 0, 64, true, 1300)
	_, err = t6.Encapsulate(nil, big)
	_, err = t6.Reply(nil, big, err)
	require.ErrorIs(t, err, ErrNotRelayed)
}

func TestRelayUpdatesPathMTU(t *testing.T) {
	tun := mustNew(t, Config{Local: entry4, Remote: exit4})
	small := udp4(hostA4, hostB4, 0, 64, true, 100)
	outer, err := tun.Encapsulate(nil, small)
	require.NoError(t, err)
	router := netip.MustParseAddr("192.0.2.254")
	msg := iptun.AppendICMPv4Error(nil, router, entry4, 1, 60, 3, 4, 0, outer)
	// MTU 0 from a pre-RFC 1191 router: the plateau below 148 octets is
	// 68, which leaves the 128-octet original no room: relayed with the
	// IPv4 minimum.
	out, err := tun.Relay(nil, msg)
	require.NoError(t, err)
	require.Equal(t, 68, tun.PathMTU())
	e, err := iptun.ParseICMPError(out, layer)
	require.NoError(t, err)
	require.Equal(t, 68, e.MTU())
	// A later report of a larger MTU: the original fits, nothing to relay.
	msg = iptun.AppendICMPv4Error(nil, router, entry4, 1, 60, 3, 4, 1400, outer)
	_, err = tun.Relay(nil, msg)
	require.ErrorIs(t, err, ErrNotRelayed)
	require.Equal(t, 1400, tun.PathMTU())

	// Not addressed to this entry point.
	msg = iptun.AppendICMPv4Error(nil, router, netip.MustParseAddr("192.0.2.77"), 1, 60, 3, 1, 0, outer)
	_, err = tun.Relay(nil, msg)
	require.ErrorIs(t, err, ErrNotTunnel)
	// Not an error message.
	echo := clone(msg)
	echo[20] = 8
	binary.BigEndian.PutUint16(echo[22:], 0)
	_, err = tun.Relay(nil, echo)
	require.Error(t, err)
	// Every cut is refused cleanly.
	msg = iptun.AppendICMPv4Error(nil, router, entry4, 1, 60, 3, 1, 0, outer)
	for n := range len(msg) {
		_, err := tun.Relay(nil, msg[:n])
		require.Error(t, err, "%d bytes", n)
	}
}
