package iptun

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// TestParseInner: the inner packet is cut to its own length (IPsec's TFC
// padding follows it), the version must match the protocol that announced
// it, and the checksum is checked only on request.
func TestParseInner(t *testing.T) {
	v4 := v4packet(8, false)
	v6 := make([]byte, IPv6HeaderLen+4)
	h6 := Header6{TrafficClass: 0xb9, HopLimit: 3, NextHeader: 17, EncapLimit: -1,
		Src: netip.MustParseAddr("2001:db8::1").As16(), Dst: netip.MustParseAddr("2001:db8::2").As16()}
	h6.Put(v6, 4)
	padded := func(b []byte) []byte { return append(append([]byte(nil), b...), 0, 0, 0, 0, 0, 0, 0) }

	var in Inner
	require.NoError(t, ParseInner(&in, padded(v4), ProtoIPv4, true, "ipsec", 0))
	require.Equal(t, v4, []byte(in.Packet), "TFC padding after Total Length cut off")
	require.Equal(t, 4, in.Version)
	require.Equal(t, uint8(0x10), in.TOS)
	require.Equal(t, netip.MustParseAddr("203.0.113.2"), in.Dst)

	require.NoError(t, ParseInner(&in, padded(v6), ProtoIPv6, false, "ipsec", 0))
	require.Equal(t, v6, []byte(in.Packet), "TFC padding after Payload Length cut off")
	require.Equal(t, 6, in.Version)
	require.Equal(t, uint8(0xb9), in.TOS)
	require.Equal(t, netip.MustParseAddr("2001:db8::1"), in.Src)

	err := ParseInner(&in, v6, ProtoIPv4, false, "ipsec", 16)
	require.ErrorIs(t, err, ErrVersion)
	require.EqualError(t, err, "ipsec: inner version at offset 16: inner IP version does not match the outer protocol (got 6, want 4)")
	require.ErrorIs(t, ParseInner(&in, nil, ProtoIPv6, false, "ipsec", 0), errs.ErrTruncated)

	bad := append([]byte(nil), v4...)
	bad[11] ^= 1
	require.ErrorIs(t, ParseInner(&in, bad, ProtoIPv4, true, "ipsec", 0), errs.ErrChecksum)
	require.NoError(t, ParseInner(&in, bad, ProtoIPv4, false, "ipsec", 0), "checksum left to the caller")
}

// TestInnerDecap applies RFC 6040 through Decap and Apply, which fixes the
// IPv4 checksum incrementally.
func TestInnerDecap(t *testing.T) {
	pkt := v4packet(8, false)
	IPv4(pkt).SetTOS(0x28 | uint8(ECT0))
	var in Inner
	require.NoError(t, ParseInner(&in, pkt, ProtoIPv4, true, "ipsec", 0))
	require.Equal(t, ECNForward, in.Decap(0x04|uint8(CE), false))
	require.Equal(t, uint8(0x28|uint8(CE)), in.NewTOS, "inner DSCP kept, CE carried in")
	in.Apply()
	require.Equal(t, uint8(0x2b), pkt[1])
	require.True(t, IPv4(pkt).ChecksumValid())

	require.Equal(t, ECNForward, in.Decap(0x04|uint8(ECT1), true))
	require.Equal(t, uint8(0x04|uint8(ECT1)), in.NewTOS, "outer DSCP copied")

	in.TOS = uint8(NotECT)
	require.Equal(t, ECNDrop, in.Decap(uint8(CE), false))
}
