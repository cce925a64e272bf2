package checksum_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
)

// A UDP checksum (scapy computes the same 0xc2e5 for this datagram): the
// pseudo-header sum is the initial value for the
// header and payload (checksum field zero), and the result is stored.
func Example() {
	src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	udp := []byte{0xc3, 0x50, 0x12, 0xb5, 0, 12, 0, 0, 'v', 'x', 'l', 'n'}
	sum := checksum.Checksum(udp, checksum.PseudoHeader(src, dst, 17, len(udp)))
	binary.BigEndian.PutUint16(udp[6:], sum)
	// Verifying: summing again with the checksum in place gives zero.
	fmt.Printf("%#04x %v\n", sum, checksum.Checksum(udp, checksum.PseudoHeader(src, dst, 17, len(udp))) == 0)
	// Output: 0xc2e5 true
}

// A router decrements the TTL without summing the header again (RFC 1624);
// scapy computes the same 0x5252 for the header with TTL 63.
func ExampleUpdate() {
	h := []byte{0x45, 0x00, 0x00, 0x86, 0xd2, 0xc0, 0x40, 0x00, 0x40, 0x11, 0x51, 0x52,
		0xc0, 0xa8, 0xcb, 0x01, 0xc0, 0xa8, 0xca, 0x01}
	old := binary.BigEndian.Uint16(h[8:])
	h[8]-- // TTL 64 → 63
	binary.BigEndian.PutUint16(h[10:], checksum.Update(binary.BigEndian.Uint16(h[10:]), old, binary.BigEndian.Uint16(h[8:])))
	fmt.Printf("%#04x %v\n", binary.BigEndian.Uint16(h[10:]), checksum.Checksum(h, 0) == 0)
	// Output: 0x5252 true
}
