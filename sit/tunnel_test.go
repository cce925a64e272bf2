package sit

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
)

var (
	local4, peer4 = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	hostA, hostB  = netip.MustParseAddr("2001:db8:1::10"), netip.MustParseAddr("2001:db8:2::20")
)

func mustNew(t testing.TB, cfg Config) *Tunnel {
	t.Helper()
	tun, err := New(cfg)
	require.NoError(t, err)
	return tun
}

// udp6 builds an IPv6/UDP packet of n payload octets.
func udp6(src, dst netip.Addr, tc, hop uint8, n int) []byte {
	b := make([]byte, iptun.IPv6HeaderLen+8+n)
	binary.BigEndian.PutUint32(b, 6<<28|uint32(tc)<<20)
	binary.BigEndian.PutUint16(b[4:], uint16(8+n))
	b[6], b[7] = 17, hop
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	binary.BigEndian.PutUint16(b[44:], uint16(8+n))
	return b
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"no Local", Config{Remote: peer4}},
		{"IPv6 Local", Config{Local: hostA, Remote: peer4}},
		{"configured tunnel without Remote (RFC 4213 §3.6)", Config{Local: local4}},
		{"Local and Remote the same", Config{Local: local4, Remote: local4}},
		{"static MTU 1279", Config{Local: local4, Remote: peer4, MTU: 1279}},
		{"static MTU 1481", Config{Local: local4, Remote: peer4, MTU: 1481}},
		{"6to4 with a private address", Config{Local: netip.MustParseAddr("10.0.0.1"), Mode: Mode6to4}},
		{"6rd without a prefix", Config{Local: local4, Mode: Mode6rd}},
		{"IPv6 router", Config{Local: local4, Mode: ModeISATAP, Routers: []netip.Addr{hostA}}},
		{"unknown mode", Config{Local: local4, Remote: peer4, Mode: 9}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.Error(t, err)
		})
	}
}

// TestMTURules is RFC 4213 §3.2: a static MTU (1280 by default) with DF
// never set, or the path MTU less 20 with DF set while that is at least
// 1280.
func TestMTURules(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		pmtu     int
		size     int   // IPv6 packet length
		packets  int   // outer packets
		df       bool  // on the first
		err      error // or
		errorMTU int
	}{
		{"static default 1280: 1280 fits", Config{}, 0, 1280, 1, false, nil, 0},
		{"static default 1280: 1281 is too big", Config{}, 0, 1281, 0, false, ErrTooLarge, 1280},
		{"static 1480 over a 1300 link: IPv4 fragments, DF clear", Config{MTU: 1480, LinkMTU: 1300}, 0, 1400, 2, false, nil, 0},
		{"path MTU, 1500 link: tunnel MTU 1480 with DF", Config{PathMTU: true}, 0, 1480, 1, true, nil, 0},
		{"path MTU, 1500 link: 1481 too big", Config{PathMTU: true}, 0, 1481, 0, false, ErrTooLarge, 1480},
		{"path MTU learned 1400: tunnel MTU 1380", Config{PathMTU: true}, 1400, 1381, 0, false, ErrTooLarge, 1380},
		{"path MTU 1290: tunnel MTU 1280, DF clear, fragments", Config{PathMTU: true}, 1290, 1280, 2, false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Local, cfg.Remote = local4, peer4
			tun := mustNew(t, cfg)
			tun.SetPathMTU(tt.pmtu)
			out, err := tun.Encapsulate(nil, udp6(hostA, hostB, 0, 64, tt.size-48))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				var tb *TooBigError
				require.True(t, errors.As(err, &tb))
				require.Equal(t, tt.errorMTU, tb.MTU)
				return
			}
			require.NoError(t, err)
			n := 0
			for p := range Packets(out) {
				if n == 0 {
					require.Equal(t, tt.df, iptun.IPv4(p).DF())
				}
				n++
			}
			require.Equal(t, tt.packets, n)
		})
	}
}

func endpointOf(t *testing.T, tun *Tunnel, dst string) (string, error) {
	out, err := tun.Encapsulate(nil, udp6(hostA, netip.MustParseAddr(dst), 0, 64, 4))
	if err != nil {
		return "", err
	}
	return iptun.IPv4(out).Dst().String(), nil
}

// TestModesEncapsulate: where each mode sends a packet.
func TestModesEncapsulate(t *testing.T) {
	sixToFour := mustNew(t, Config{Local: local4, Mode: Mode6to4})
	sixToFourRelay := mustNew(t, Config{Local: local4, Remote: netip.MustParseAddr("203.0.113.99"), Mode: Mode6to4})
	rd := SixRD{Prefix: netip.MustParsePrefix("2001:db8:100::/40"), IPv4MaskLen: 24, BR: netip.MustParseAddr("198.51.100.1")}
	sixRD := mustNew(t, Config{Local: netip.MustParseAddr("198.51.100.7"), Mode: Mode6rd, SixRD: rd})
	isatap := mustNew(t, Config{Local: netip.MustParseAddr("192.0.2.7"), Remote: local4, Mode: ModeISATAP})
	tests := []struct {
		name string
		tun  *Tunnel
		dst  string
		want string
		err  error
	}{
		{"6to4 destination: its V4ADDR (RFC 3056 §5)", sixToFour, "2002:c633:6409::1", "198.51.100.9", nil},
		{"native destination without a relay", sixToFour, "2001:db8::1", "", ErrUnsupported},
		{"native destination: the relay router", sixToFourRelay, "2001:db8::1", "203.0.113.99", nil},
		{"6to4 destination embedding a private address", sixToFour, "2002:a00:1::1", "", ErrInvalidDestination},
		{"6to4 destination of this very site", sixToFour, "2002:c000:201::5", "", ErrLoop},
		{"6rd destination in the domain: the CE (RFC 5969 §7.1)", sixRD, "2001:db8:109::1", "198.51.100.9", nil},
		{"6rd destination outside: the Border Relay", sixRD, "2001:db9::1", "198.51.100.1", nil},
		{"ISATAP destination: the embedded IPv4 (RFC 5214 §8.4)", isatap, "fe80::200:5efe:c000:209", "192.0.2.9", nil},
		{"other destination: the ISATAP router", isatap, "2001:db8::1", "192.0.2.1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := endpointOf(t, tt.tun, tt.dst)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// sixIn4 builds the 6in4 packet from src4 carrying an IPv6 packet src6 →
// dst6.
func sixIn4(src4, dst4 netip.Addr, src6, dst6 string) []byte {
	h := iptun.Header4{TTL: 64, Protocol: iptun.ProtoIPv6, Src: src4.As4(), Dst: dst4.As4()}
	return iptun.AppendIPv4(nil, &h, udp6(netip.MustParseAddr(src6), netip.MustParseAddr(dst6), 0, 64, 4), 0)
}

// TestModesDecapsulate: what each mode accepts from whom (RFC 4213 §3.6,
// RFC 3964 §5.2, RFC 5969 §12, RFC 5214 §7.3).
func TestModesDecapsulate(t *testing.T) {
	me := netip.MustParseAddr("192.0.2.1")
	other, relay := netip.MustParseAddr("198.51.100.9"), netip.MustParseAddr("203.0.113.99")
	sixToFour := mustNew(t, Config{Local: me, Remote: relay, Mode: Mode6to4})
	rd := SixRD{Prefix: netip.MustParsePrefix("2001:db8:100::/40"), IPv4MaskLen: 24, BR: netip.MustParseAddr("192.0.2.254")}
	sixRD := mustNew(t, Config{Local: me, Mode: Mode6rd, SixRD: rd})
	isatap := mustNew(t, Config{Local: me, Remote: netip.MustParseAddr("192.0.2.254"), Routers: []netip.Addr{netip.MustParseAddr("192.0.2.253")}, Mode: ModeISATAP})
	configured := mustNew(t, Config{Local: me, Remote: other,
		InnerSources: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}, RejectInnerSources: []netip.Prefix{netip.MustParsePrefix("2001:db8:ffff::/48")}})
	tests := []struct {
		name string
		tun  *Tunnel
		pkt  []byte
		err  error
	}{
		{"6to4 source embedding the outer source", sixToFour, sixIn4(other, me, "2002:c633:6409::1", "2002:c000:201::1"), nil},
		{"6to4 source embedding another address", sixToFour, sixIn4(other, me, "2002:c633:640a::1", "2002:c000:201::1"), ErrWrongPeer},
		{"native source from the relay", sixToFour, sixIn4(relay, me, "2001:db8::1", "2002:c000:201::1"), nil},
		{"native source from another node", sixToFour, sixIn4(other, me, "2001:db8::1", "2002:c000:201::1"), ErrWrongPeer},
		{"6to4 destination of another site", sixToFour, sixIn4(other, me, "2002:c633:6409::1", "2002:c000:202::1"), ErrWrongPeer},
		{"6rd source embedding the outer source", sixRD, sixIn4(netip.MustParseAddr("192.0.2.9"), me, "2001:db8:109::1", "2001:db8:101::1"), nil},
		{"6rd source embedding another CE", sixRD, sixIn4(netip.MustParseAddr("192.0.2.9"), me, "2001:db8:10a::1", "2001:db8:101::1"), ErrWrongPeer},
		{"foreign source from the Border Relay", sixRD, sixIn4(netip.MustParseAddr("192.0.2.254"), me, "2001:db9::1", "2001:db8:101::1"), nil},
		{"foreign source from a CE", sixRD, sixIn4(netip.MustParseAddr("192.0.2.9"), me, "2001:db9::1", "2001:db8:101::1"), ErrWrongPeer},
		{"ISATAP source embedding the outer source", isatap, sixIn4(netip.MustParseAddr("192.0.2.9"), me, "fe80::200:5efe:c000:209", "fe80::200:5efe:c000:201"), nil},
		{"native source from a PRL router", isatap, sixIn4(netip.MustParseAddr("192.0.2.253"), me, "2001:db8::1", "fe80::200:5efe:c000:201"), nil},
		{"native source from a host", isatap, sixIn4(netip.MustParseAddr("192.0.2.9"), me, "2001:db8::1", "fe80::200:5efe:c000:201"), ErrWrongPeer},
		{"ingress filter: inside the carried prefixes", configured, sixIn4(other, me, "2001:db8:5::1", "2001:db8:6::1"), nil},
		{"ingress filter: outside them", configured, sixIn4(other, me, "2001:db9::1", "2001:db8:6::1"), ErrInvalidSource},
		{"ingress filter: a refused prefix", configured, sixIn4(other, me, "2001:db8:ffff::1", "2001:db8:6::1"), ErrInvalidSource},
		{"outer destination not this node", configured, sixIn4(other, netip.MustParseAddr("192.0.2.77"), "2001:db8:5::1", "2001:db8:6::1"), ErrWrongPeer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tun.Decapsulate(tt.pkt)
			if tt.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.err)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			require.Equal(t, "sit", de.Layer)
		})
	}
}

func TestHopLimitAndReplies(t *testing.T) {
	tun := mustNew(t, Config{Local: local4, Remote: peer4, Forwarding: true, ICMPSource6: netip.MustParseAddr("2001:db8:1::1")})
	in := udp6(hostA, hostB, 0, 9, 4)
	out, err := tun.Encapsulate(nil, in)
	require.NoError(t, err)
	require.Equal(t, byte(8), out[20+7], "hop limit decremented (RFC 4213 §3.3)")
	require.Equal(t, byte(9), in[7], "input untouched")

	last := udp6(hostA, hostB, 0, 1, 4)
	_, err = tun.Encapsulate(nil, last)
	require.ErrorIs(t, err, ErrTTL)
	msg, err := tun.Reply(nil, last, err)
	require.NoError(t, err)
	e, err := iptun.ParseICMPError(msg, layer)
	require.NoError(t, err)
	require.Equal(t, uint8(iptun.ICMPv6TimeExceeded), e.Type)
	require.Equal(t, hostA, e.Dst)

	_, err = mustNew(t, Config{Local: local4, Remote: peer4}).Reply(nil, last, ErrTTL)
	require.ErrorIs(t, err, ErrNotRelayed, "no ICMPSource6")
	_, err = tun.Reply(nil, last, ErrWrongPeer)
	require.ErrorIs(t, err, ErrNotRelayed)
}

func TestDecapsulateCutsAndCopies(t *testing.T) {
	sender := mustNew(t, Config{Local: local4, Remote: peer4})
	recv := mustNew(t, Config{Local: peer4, Remote: local4})
	pkt, err := sender.Encapsulate(nil, udp6(hostA, hostB, 0x02, 64, 10))
	require.NoError(t, err)
	iptun.IPv4(pkt).SetTOS(0x03)
	orig := append([]byte(nil), pkt...)
	dst, p, err := recv.DecapsulateTo(nil, pkt)
	require.NoError(t, err)
	require.Equal(t, orig, pkt)
	require.Equal(t, CE, iptun.ECNOf(iptun.IPv6(dst).TrafficClass()), "ECT(0) under CE is marked CE (RFC 6040)")
	require.Equal(t, dst, p.Inner)
	for n := range len(pkt) {
		_, err := recv.Decapsulate(append([]byte(nil), pkt[:n]...))
		require.Error(t, err, "%d bytes", n)
	}
	relaying := mustNew(t, Config{Local: local4, Remote: peer4, ICMPSource6: netip.MustParseAddr("2001:db8:1::1")})
	for n := range len(pkt) + 1 {
		_, err := relaying.Relay(nil, iptun.AppendICMPv4Error(nil, netip.MustParseAddr("192.0.2.254"), local4, 1, 60, 3, 1, 0, pkt[:n]))
		if n < 20+48 {
			require.ErrorIs(t, err, ErrTruncated, "quote of %d bytes", n)
		} else {
			require.NoError(t, err, "quote of %d bytes", n)
		}
	}
}
