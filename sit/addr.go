package sit

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// SixToFourPrefix is 2002::/16, the 6to4 prefix (RFC 3056 §2).
var SixToFourPrefix = netip.MustParsePrefix("2002::/16")

// SixToFour returns the /48 a 6to4 site with IPv4 address v4 owns:
// 2002:V4ADDR::/48 (RFC 3056 §2). V4ADDR must be a global unicast address
// (RFC 3056 §2, RFC 3964 §5.3): private, shared, loopback, link-local,
// multicast, broadcast, 0/8 and 240/4 addresses are refused.
func SixToFour(v4 netip.Addr) (netip.Prefix, error) {
	if !v4.Is4() {
		return netip.Prefix{}, errors.New("sit: 6to4 needs an IPv4 address")
	}
	if !Global4(v4) {
		return netip.Prefix{}, errors.New("sit: 6to4 V4ADDR must be a global unicast address (RFC 3056 §2)")
	}
	b := v4.As4()
	var a [16]byte
	a[0], a[1] = 0x20, 0x02
	copy(a[2:6], b[:])
	return netip.PrefixFrom(netip.AddrFrom16(a), 48), nil
}

// SixToFourIPv4 returns the IPv4 address a 6to4 address embeds (bits 16-47,
// RFC 3056 §2), and false if a is not in 2002::/16.
func SixToFourIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() || a.Is4In6() || !SixToFourPrefix.Contains(a) {
		return netip.Addr{}, false
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[2:6])), true
}

// Global4 reports whether an IPv4 address may be embedded in a 6to4
// prefix: not unspecified or 0/8, loopback, private (RFC 1918), shared
// (RFC 6598), link-local, multicast, 240/4 or broadcast (RFC 3964 §5.3).
func Global4(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	b := a.As4()
	switch {
	case b[0] == 0, b[0] == 127, b[0] >= 224, a.IsPrivate(), a.IsLinkLocalUnicast():
		return false
	case b[0] == 100 && b[1]&0xc0 == 64: // 100.64.0.0/10
		return false
	}
	return true
}

// SixRD is a 6rd domain (RFC 5969 §4): the provider's 6rd prefix, how many
// high-order bits all its CEs' IPv4 addresses share (IPv4MaskLen), and the
// Border Relay's IPv4 address, as the OPTION_6RD DHCPv4 option (§7.1.1)
// carries them.
type SixRD struct {
	Prefix      netip.Prefix // 6rd prefix, n bits
	IPv4MaskLen int          // high-order bits common to every CE's IPv4 address (0-32)
	BR          netip.Addr   // Border Relay
}

// Check reports a domain that cannot work: the prefix must be IPv6 and
// n + (32 - IPv4MaskLen) at most 128 (RFC 5969 §4 recommends at most 64).
func (d *SixRD) Check() error {
	if !d.Prefix.IsValid() || !d.Prefix.Addr().Is6() || d.Prefix.Addr().Is4In6() {
		return errors.New("sit: 6rd prefix must be an IPv6 prefix")
	}
	if d.IPv4MaskLen < 0 || d.IPv4MaskLen > 32 {
		return errors.New("sit: 6rd IPv4MaskLen out of range 0-32")
	}
	if d.Prefix.Bits()+32-d.IPv4MaskLen > 128 {
		return errors.New("sit: 6rd prefix and IPv4 bits exceed 128 bits")
	}
	if d.BR.IsValid() && !d.BR.Is4() {
		return errors.New("sit: 6rd BR must be an IPv4 address")
	}
	return nil
}

// DelegatedPrefix returns the 6rd delegated prefix of the CE with IPv4
// address v4: the 6rd prefix followed by the IPv4 address without its
// IPv4MaskLen common bits, of length n + 32 - IPv4MaskLen (RFC 5969 §4).
func (d *SixRD) DelegatedPrefix(v4 netip.Addr) (netip.Prefix, error) {
	if err := d.Check(); err != nil {
		return netip.Prefix{}, err
	}
	if !v4.Is4() {
		return netip.Prefix{}, errors.New("sit: 6rd needs an IPv4 address")
	}
	o := 32 - d.IPv4MaskLen
	a := d.Prefix.Masked().Addr().As16()
	suffix := binary.BigEndian.Uint32(v4.AsSlice()) << d.IPv4MaskLen // the o low bits, left-aligned
	n := d.Prefix.Bits()
	hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	hi, lo = orBits(hi, lo, uint64(suffix)<<32, n, o)
	binary.BigEndian.PutUint64(a[:8], hi)
	binary.BigEndian.PutUint64(a[8:], lo)
	return netip.PrefixFrom(netip.AddrFrom16(a), n+o), nil
}

// IPv4 returns the IPv4 address of the CE a 6rd address belongs to: the
// IPv4MaskLen common bits, taken from common (any address of the domain,
// such as this node's own), followed by the o bits after the 6rd prefix
// (RFC 5969 §4, §7.2). It returns false if a is outside the 6rd prefix.
func (d *SixRD) IPv4(a netip.Addr, common netip.Addr) (netip.Addr, bool) {
	if d.Check() != nil || !a.Is6() || a.Is4In6() || !d.Prefix.Contains(a) || !common.Is4() {
		return netip.Addr{}, false
	}
	o := 32 - d.IPv4MaskLen
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	bitsOut := extractBits(hi, lo, d.Prefix.Bits(), o) // o bits, right-aligned
	var mask uint32
	if d.IPv4MaskLen > 0 {
		mask = ^uint32(0) << o
	}
	v := binary.BigEndian.Uint32(common.AsSlice())&mask | uint32(bitsOut)
	var v4 [4]byte
	binary.BigEndian.PutUint32(v4[:], v)
	return netip.AddrFrom4(v4), true
}

// orBits ORs the top width bits of x into the 128-bit value hi:lo starting
// at bit position at (0 is the most significant).
func orBits(hi, lo, x uint64, at, width int) (uint64, uint64) {
	if width == 0 {
		return hi, lo
	}
	x &= ^uint64(0) << (64 - width)
	switch {
	case at >= 64:
		lo |= x >> (at - 64)
	case at+width <= 64:
		hi |= x >> at
	default:
		hi |= x >> at
		lo |= x << (64 - at)
	}
	return hi, lo
}

// extractBits returns width bits of hi:lo starting at bit position at,
// right-aligned.
func extractBits(hi, lo uint64, at, width int) uint64 {
	if width == 0 {
		return 0
	}
	var top uint64 // the 64 bits starting at 'at'
	switch {
	case at >= 64:
		top = lo << (at - 64)
	case at == 0:
		top = hi
	default:
		top = hi<<at | lo>>(64-at)
	}
	return top >> (64 - width)
}

// ISATAPInterfaceID returns the ISATAP interface identifier for an IPv4
// address (RFC 5214 §6.1): the IANA OUI 00-00-5E and 0xFE, then the IPv4
// address, in Modified EUI-64 format with the u bit set (02-00-5E-FE) when
// the IPv4 address is globally unique (Global4) and clear (00-00-5E-FE)
// when it is not; the g bit is always clear.
func ISATAPInterfaceID(v4 netip.Addr) [8]byte {
	id := [8]byte{0x00, 0x00, 0x5e, 0xfe}
	if Global4(v4) {
		id[0] = 0x02
	}
	b := v4.As4()
	copy(id[4:], b[:])
	return id
}

// ISATAPAddr returns the ISATAP address of an IPv4 address under a /64
// prefix (fe80::/64 for the link-local one).
func ISATAPAddr(prefix netip.Prefix, v4 netip.Addr) (netip.Addr, error) {
	if !prefix.Addr().Is6() || prefix.Bits() > 64 || !v4.Is4() {
		return netip.Addr{}, errors.New("sit: ISATAP needs an IPv6 prefix of at most 64 bits and an IPv4 address")
	}
	a := prefix.Masked().Addr().As16()
	id := ISATAPInterfaceID(v4)
	copy(a[8:], id[:])
	return netip.AddrFrom16(a), nil
}

// ISATAPIPv4 returns the IPv4 address an ISATAP address embeds: interface
// identifier 00-00-5E-FE or 02-00-5E-FE (u either way, g clear) followed by
// the IPv4 address (RFC 5214 §6.1).
func ISATAPIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() || a.Is4In6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	if b[8]&^0x02 != 0 || b[9] != 0 || b[10] != 0x5e || b[11] != 0xfe {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(b[12:])), true
}

// LinkLocal returns the IPv6 link-local address of a configured tunnel
// interface with IPv4 address v4: fe80::/64 and the IPv4 address as the low
// 32 bits of the interface identifier (RFC 4213 §3.7).
func LinkLocal(v4 netip.Addr) netip.Addr {
	a := [16]byte{0: 0xfe, 1: 0x80}
	b := v4.As4()
	copy(a[12:], b[:])
	return netip.AddrFrom16(a)
}
