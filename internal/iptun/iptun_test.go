package iptun

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

func v4packet(payload int, df bool) []byte {
	h := Header4{TOS: 0x10, ID: 0x1234, DF: df, TTL: 9, Protocol: 17, Src: [4]byte{198, 51, 100, 1}, Dst: [4]byte{203, 0, 113, 2}}
	b := make([]byte, IPv4HeaderLen+payload)
	h.Put(b, len(b), 0, false)
	for i := IPv4HeaderLen; i < len(b); i++ {
		b[i] = byte(i)
	}
	return b
}

func TestParseIPv4Errors(t *testing.T) {
	good := v4packet(8, false)
	mut := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"19 bytes", good[:19], errs.ErrTruncated, "ipip: inner IPv4 header at offset 0: truncated: need 20 bytes, have 19"},
		{"version 6 under protocol 4", mut(func(b []byte) { b[0] = 0x65 }), ErrVersion, "ipip: inner version at offset 0: IP version is not 4 (got 6, want 4)"},
		{"IHL 4", mut(func(b []byte) { b[0] = 0x44 }), errs.ErrMalformed, "ipip: inner IHL at offset 0: header length below 20 bytes (got 16, want 20)"},
		{"IHL past the end", mut(func(b []byte) { b[0] = 0x4f }), errs.ErrTruncated, "ipip: inner IPv4 options at offset 20: truncated: need 60 bytes, have 28"},
		{"total length 10", mut(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 10) }), errs.ErrMalformed, "ipip: inner total length at offset 2: total length shorter than the header (got 10, want 20)"},
		{"total length past the end", mut(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 29) }), errs.ErrTruncated, "ipip: inner total length at offset 2: truncated: need 29 bytes, have 28"},
		{"checksum wrong", mut(func(b []byte) { b[11] ^= 1 }), errs.ErrChecksum, "ipip: inner header checksum at offset 10: bad checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIPv4(tt.in, "ipip", "inner", 0, true)
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, tt.msg)
		})
	}
	h, err := ParseIPv4(append(append([]byte(nil), good...), 0, 0, 0), "ipip", "inner", 0, true)
	require.NoError(t, err)
	require.Len(t, h, 28, "Ethernet padding after Total Length is cut off")
}

func TestIPv4Options(t *testing.T) {
	withOpts := func(opts ...byte) []byte {
		b := make([]byte, IPv4HeaderLen+len(opts))
		h := Header4{TTL: 1, Protocol: 17}
		h.Put(b, len(b), 0, false)
		b[0] = 0x40 | byte(len(b)/4)
		copy(b[IPv4HeaderLen:], opts)
		binary.BigEndian.PutUint16(b[10:], 0)
		binary.BigEndian.PutUint16(b[10:], checksum.Checksum(b, 0))
		return b
	}
	tests := []struct {
		name string
		opts []byte
		want error
	}{
		{"record route then end of list", []byte{7, 3, 4, 0}, nil},
		{"no-operation padding", []byte{1, 1, 1, 1}, nil},
		{"router alert", []byte{0x94, 4, 0, 0}, nil},
		{"option length 1", []byte{7, 1, 0, 0}, errs.ErrMalformed},
		{"option runs past the header", []byte{1, 1, 7, 9}, errs.ErrTruncated},
		{"length octet missing", []byte{1, 1, 1, 7}, errs.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIPv4(withOpts(tt.opts...), "ipip", "inner", 0, true)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestIncrementalChecksum(t *testing.T) {
	b := v4packet(4, true)
	h := IPv4(b)
	h.DecTTL()
	h.SetTOS(0xbb)
	h.SetID(0xfffe)
	require.True(t, h.ChecksumValid())
	require.Equal(t, uint8(8), h.TTL())
	require.Equal(t, uint8(0xbb), h.TOS())
}

func tel(limit byte, next byte) []byte {
	return []byte{next, 0, OptTEL, 1, limit, optPadN, 1, 0}
}

func v6packet(next byte, ext ...byte) []byte {
	h := Header6{HopLimit: 5, Src: netip.MustParseAddr("2001:db8::1").As16(), Dst: netip.MustParseAddr("2001:db8::2").As16(), EncapLimit: -1}
	b := make([]byte, IPv6HeaderLen+len(ext))
	h.put(b, len(ext), next)
	copy(b[IPv6HeaderLen:], ext)
	return b
}

func TestWalkIPv6(t *testing.T) {
	tests := []struct {
		name   string
		pkt    []byte
		proto  uint8
		offset int
		tel    int
		want   error
	}{
		{"no extension headers", v6packet(ProtoIPv4), ProtoIPv4, 40, -1, nil},
		{"TEL 4 before IPv4", v6packet(ProtoDstOpts, tel(4, ProtoIPv4)...), ProtoIPv4, 48, 4, nil},
		{"hop-by-hop router alert then TEL", v6packet(ProtoHopByHop, append([]byte{ProtoDstOpts, 0, 5, 2, 0, 0, 1, 0}, tel(0, ProtoIPv6)...)...), ProtoIPv6, 56, 0, nil},
		{"Pad1 options", v6packet(ProtoDstOpts, ProtoIPv6, 0, 0, 0, 0, 0, 0, 0), ProtoIPv6, 48, -1, nil},
		{"first fragment", v6packet(ProtoFragment, ProtoDstOpts, 0, 0, 1, 0, 0, 0, 7), ProtoDstOpts, 48, -1, errs.ErrTruncated},
		{"hop-by-hop not first", v6packet(ProtoDstOpts, append(tel(4, ProtoHopByHop), 41, 0, 1, 4, 0, 0, 0, 0)...), 0, 0, 0, errs.ErrMalformed},
		{"header past the end", v6packet(ProtoDstOpts, ProtoIPv4, 1, 1, 0), 0, 0, 0, errs.ErrTruncated},
		{"option past its header", v6packet(ProtoDstOpts, ProtoIPv4, 0, 1, 9, 0, 0, 0, 0), 0, 0, 0, errs.ErrTruncated},
		{"TEL with 2 octets", v6packet(ProtoDstOpts, ProtoIPv4, 0, OptTEL, 2, 1, 1, 0, 0), 0, 0, 0, errs.ErrMalformed},
		{"unknown option to discard", v6packet(ProtoDstOpts, ProtoIPv4, 0, 0x85, 1, 0, 1, 1, 0), 0, 0, 0, errs.ErrUnsupported},
		{"unknown option to skip", v6packet(ProtoDstOpts, ProtoIPv4, 0, 0x1e, 1, 0, 1, 1, 0), ProtoIPv4, 48, -1, nil},
		{"jumbo option", v6packet(ProtoHopByHop, ProtoIPv4, 0, optJumbo, 4, 0, 0, 0, 0), 0, 0, 0, errs.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := WalkIPv6(IPv6(tt.pkt), "ipip", "outer", 0)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.proto, c.Proto)
			require.Equal(t, tt.offset, c.Offset)
			if tt.tel < 0 {
				require.False(t, c.HasTEL())
			} else {
				require.True(t, c.HasTEL())
				require.Equal(t, uint8(tt.tel), c.TEL)
				require.Equal(t, tt.pkt[c.TELOffset], c.TEL)
			}
		})
	}
}

func TestFragmentAndReassemble(t *testing.T) {
	inner := v4packet(1000, false)
	t.Run("IPv4", func(t *testing.T) {
		h := Header4{TTL: 64, Protocol: ProtoIPv4, ID: 77, Src: [4]byte{192, 0, 2, 1}, Dst: [4]byte{192, 0, 2, 2}}
		out := AppendIPv4(nil, &h, inner, 300)
		var frags [][]byte
		for p := range Packets(out) {
			require.LessOrEqual(t, len(p), 300)
			require.True(t, IPv4(p).ChecksumValid())
			frags = append(frags, p)
		}
		require.Len(t, frags, IPv4FragmentCount(len(inner), 300))
		// Any order.
		frags[0], frags[2] = frags[2], frags[0]
		whole, err := Reassemble(nil, "ipip", frags...)
		require.NoError(t, err)
		require.Equal(t, AppendIPv4(nil, &h, inner, 0), whole)
	})
	t.Run("IPv6 with TEL", func(t *testing.T) {
		h := Header6{HopLimit: 64, NextHeader: ProtoIPv4, EncapLimit: 4, FragmentID: 9,
			Src: netip.MustParseAddr("2001:db8::1").As16(), Dst: netip.MustParseAddr("2001:db8::2").As16()}
		big := v4packet(1400, false)
		out := AppendIPv6(nil, &h, big, 1280)
		var frags [][]byte
		for p := range Packets(out) {
			require.LessOrEqual(t, len(p), 1280)
			frags = append(frags, p)
		}
		require.Len(t, frags, IPv6FragmentCount(&h, len(big), 1280))
		whole, err := Reassemble(nil, "ipip", frags[1], frags[0])
		require.NoError(t, err)
		require.Equal(t, AppendIPv6(nil, &h, big, 0), whole)
	})
	t.Run("refused", func(t *testing.T) {
		h := Header4{TTL: 64, Protocol: ProtoIPv4, ID: 77}
		out := AppendIPv4(nil, &h, inner, 300)
		var f [][]byte
		for p := range Packets(out) {
			f = append(f, p)
		}
		other := append([]byte(nil), f[1]...)
		IPv4(other).SetID(78)
		for _, tt := range []struct {
			name  string
			frags [][]byte
			want  error
		}{
			{"a gap", [][]byte{f[0], f[2], f[3]}, errs.ErrMalformed},
			{"no last fragment", f[:2], errs.ErrMalformed},
			{"no first fragment", f[1:], errs.ErrMalformed},
			{"overlap (a fragment twice)", [][]byte{f[0], f[1], f[1], f[2], f[3]}, errs.ErrMalformed},
			{"another datagram", [][]byte{f[0], other, f[2], f[3]}, errs.ErrMalformed},
			{"none", nil, errs.ErrTruncated},
			{"too many", make([][]byte, MaxFragments+1), errs.ErrTooLarge},
		} {
			_, err := Reassemble(nil, "ipip", tt.frags...)
			require.ErrorIs(t, err, tt.want, tt.name)
		}
	})
}

func TestICMPBuildersStayWithinLimits(t *testing.T) {
	big := v4packet(2000, true)
	out := AppendICMPv4Error(nil, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1"), 1, 64, 3, 4, 1400, big)
	require.Len(t, out, ICMPv4MaxError)
	e, err := ParseICMPError(out, "ipip")
	require.NoError(t, err)
	require.Equal(t, 1400, e.MTU())
	require.True(t, bytes.Equal(big[:len(e.Quoted)], e.Quoted))

	out = AppendICMPv6Error(nil, netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::9"), 64, 2, 0, 1280, make([]byte, 3000))
	require.Len(t, out, ICMPv6MaxError)
	e, err = ParseICMPError(out, "ipip")
	require.NoError(t, err)
	require.True(t, e.V6)
	require.True(t, e.IsTooBig())

	out[len(out)-1] ^= 1
	_, err = ParseICMPError(out, "ipip")
	require.ErrorIs(t, err, errs.ErrChecksum)
}

func TestSentinelsRefineGeneralErrors(t *testing.T) {
	for _, s := range []error{ErrWrongPeer, ErrVersion, ErrInvalidSource, ErrInvalidDestination, ErrLoop, ErrTTL, ErrECNDrop, ErrNotTunnel} {
		require.True(t, errors.Is(s, errs.ErrMalformed), s.Error())
	}
	require.True(t, errors.Is(ErrFragment, errs.ErrUnsupported))
	require.True(t, errors.Is(ErrEncapLimit, errs.ErrTooLarge))
	require.True(t, errors.Is(&TooBigError{}, errs.ErrTooLarge))
}

func TestValidSources(t *testing.T) {
	for a, want := range map[string]bool{
		"198.51.100.1": true, "0.0.0.0": false, "127.0.0.1": false, "224.0.0.1": false, "255.255.255.255": false,
		"2001:db8::1": true, "fe80::1": true, "::": true, "::1": false, "ff02::1": false,
		"::192.0.2.1": false, "::ffff:192.0.2.1": false,
	} {
		ad := netip.MustParseAddr(a)
		if ad.Is4() {
			require.Equal(t, want, ValidSource4(ad), a)
		} else {
			require.Equal(t, want, ValidSource6(ad), a)
		}
	}
}

func TestPlateau(t *testing.T) {
	for size, want := range map[int]int{1500: 1492, 1492: 1006, 600: 508, 100: 68, 65535: 32000} {
		require.Equal(t, want, Plateau(size), "%d", size)
	}
}
