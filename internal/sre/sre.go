// Package sre parses and builds the Routing field of an RFC 1701 GRE header:
// a list of Source Route Entries (SREs) ended by the NULL SRE.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|       Address Family          |  SRE Offset   |  SRE Length   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Routing Information ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The list ends at the first SRE with address family 0 and length 0 (RFC
// 1701 §2.2), as tshark, tcpdump and gopacket read it: an SRE of another
// family with length 0 is an empty entry, not the end. The GRE Offset field
// gives the active SRE as a byte offset from the start of the list; each
// SRE's SRE Offset gives its active entry as a byte offset into its routing
// information (RFC 1702: an IPv4 address for family 0x0800, a 2-octet AS
// number for family 0xfffe).
//
// Iterator walks raw bytes without allocating; Parse fills a reused slice.
// Both alias the input.
package sre

import (
	"encoding/binary"
	"iter"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// HeaderLen is the length of an SRE without its routing information, and of
// the NULL SRE.
const HeaderLen = 4

// Address families with typed accessors (RFC 1702).
const (
	FamilyIPv4 uint16 = 0x0800 // a list of IPv4 addresses, a source route
	FamilyAS   uint16 = 0xfffe // a list of 2-octet autonomous system numbers
)

// Errors, each wrapping errs.ErrMalformed or errs.ErrTruncated, so that
// errors.Is matches both the specific and the general sentinel.
var (
	// ErrNoTerminator: the Routing field ends without a NULL SRE.
	ErrNoTerminator = errs.Sentinel("routing list without NULL SRE terminator", errs.ErrTruncated)
	// ErrPastEnd: an SRE's length runs past the end of the data.
	ErrPastEnd = errs.Sentinel("SRE runs past the end", errs.ErrTruncated)
	// ErrOffsetOutside: the GRE Offset does not point at an SRE of the list.
	ErrOffsetOutside = errs.Sentinel("offset does not point at an SRE of the routing list", errs.ErrMalformed)
	// ErrEntry: an SRE's routing information does not hold whole entries of
	// its address family, or its SRE Offset is not at an entry.
	ErrEntry = errs.Sentinel("SRE routing information does not fit its address family", errs.ErrMalformed)
)

// SRE is one Source Route Entry. RoutingInformation aliases the bytes it was
// decoded from.
type SRE struct {
	AddressFamily      uint16
	SREOffset          uint8 // offset of the active entry in RoutingInformation
	SRELength          uint8 // length of RoutingInformation in octets
	RoutingInformation []byte
}

// IsNull reports whether e is the NULL SRE that ends a list.
func (e SRE) IsNull() bool { return e.AddressFamily == 0 && e.SRELength == 0 }

// Len is the encoded length of e.
func (e SRE) Len() int { return HeaderLen + len(e.RoutingInformation) }

// AppendBinary appends e. It fails if SRELength does not match the routing
// information or the routing information is longer than 255 octets.
func (e SRE) AppendBinary(b []byte) ([]byte, error) {
	if err := e.validate(0); err != nil {
		return b, err
	}
	b = binary.BigEndian.AppendUint16(b, e.AddressFamily)
	b = append(b, e.SREOffset, e.SRELength)
	return append(b, e.RoutingInformation...), nil
}

func (e SRE) validate(off int) error {
	if len(e.RoutingInformation) > 255 {
		return &errs.DecodeError{Layer: "gre", Field: "routing: SRE length", Offset: off + 3, Err: errs.ErrTooLarge,
			Detail: "routing information longer than 255 octets", Have: len(e.RoutingInformation), Need: 255}
	}
	if int(e.SRELength) != len(e.RoutingInformation) {
		return errs.MalformedValue("gre", "routing: SRE length", off+3,
			"SRE Length does not match the routing information", int(e.SRELength), len(e.RoutingInformation))
	}
	if e.IsNull() {
		return errs.Malformed("gre", "routing: SRE", off, "a NULL SRE (family 0, length 0) inside the list would end it")
	}
	return nil
}

// Iterator walks a Routing field without allocating, in the style of
// dnsmessage.Parser:
//
//	it := sre.NewIterator(routing)
//	for e, ok := it.Next(); ok; e, ok = it.Next() { … }
//	if err := it.Err(); err != nil { … }
type Iterator struct {
	b    []byte
	off  int
	err  error
	done bool
}

// NewIterator returns an iterator over the SREs at the start of b.
func NewIterator(b []byte) Iterator { return Iterator{b: b} }

// Next returns the next SRE before the NULL SRE. It returns false at the NULL
// SRE or on an error (see Err).
func (it *Iterator) Next() (SRE, bool) {
	if it.done {
		return SRE{}, false
	}
	rest := it.b[it.off:]
	if len(rest) < HeaderLen {
		it.fail(&errs.DecodeError{Layer: "gre", Field: "routing: SRE", Offset: it.off, Err: ErrNoTerminator,
			Need: HeaderLen, Have: len(rest)})
		return SRE{}, false
	}
	e := SRE{AddressFamily: binary.BigEndian.Uint16(rest), SREOffset: rest[2], SRELength: rest[3]}
	if e.IsNull() {
		it.done = true
		it.off += HeaderLen
		return SRE{}, false
	}
	n := HeaderLen + int(e.SRELength)
	if len(rest) < n {
		it.fail(&errs.DecodeError{Layer: "gre", Field: "routing: SRE length", Offset: it.off + 3, Err: ErrPastEnd,
			Need: n, Have: len(rest)})
		return SRE{}, false
	}
	e.RoutingInformation = rest[HeaderLen:n:n]
	it.off += n
	return e, true
}

func (it *Iterator) fail(err error) {
	it.err = err
	it.done = true
}

// Err returns the error that stopped the iteration, nil at a NULL SRE.
func (it *Iterator) Err() error { return it.err }

// Offset returns the byte offset of the next SRE from the start of the
// list; after the NULL SRE, the length of the whole Routing field.
func (it *Iterator) Offset() int { return it.off }

// NullOffset returns the SRE Offset octet of the NULL SRE, valid once Next
// has returned false with a nil Err.
func (it *Iterator) NullOffset() uint8 { return it.b[it.off-2] }

// All returns a Go iterator over the SREs of b and their offsets from the
// start of the list. It stops at the NULL SRE or an error; Parse or Iterator
// report which.
func All(b []byte) iter.Seq2[int, SRE] {
	return func(yield func(int, SRE) bool) { all(b, yield) } // small enough to inline: no allocation
}

func all(b []byte, yield func(int, SRE) bool) {
	it := NewIterator(b)
	for {
		off := it.off
		e, ok := it.Next()
		if !ok || !yield(off, e) {
			return
		}
	}
}

// Parse reads the Routing field at the start of b into list (reusing its
// capacity) and returns the list, the length of the field including the
// NULL SRE, and the NULL SRE's SRE Offset octet.
func Parse(b []byte, list []SRE) ([]SRE, int, uint8, error) {
	list = list[:0]
	it := NewIterator(b)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		list = append(list, e)
	}
	if it.err != nil {
		return list, 0, 0, it.err
	}
	return list, it.off, it.NullOffset(), nil
}

// Len returns the encoded length of a Routing field holding list and the
// NULL SRE.
func Len(list []SRE) int {
	n := HeaderLen
	for _, e := range list {
		n += e.Len()
	}
	return n
}

// Append appends list and a NULL SRE whose SRE Offset octet is nullOffset.
// It fails, appending nothing, if an SRE is inconsistent (see
// SRE.AppendBinary) or is a NULL SRE, which would end the list early.
func Append(b []byte, list []SRE, nullOffset uint8) ([]byte, error) {
	off := 0
	for _, e := range list {
		if err := e.validate(off); err != nil {
			return b, err
		}
		off += e.Len()
	}
	for _, e := range list {
		b = binary.BigEndian.AppendUint16(b, e.AddressFamily)
		b = append(b, e.SREOffset, e.SRELength)
		b = append(b, e.RoutingInformation...)
	}
	return append(b, 0, 0, nullOffset, 0), nil
}

// AppendChecked is Append and Validate in one pass: it appends list and
// the NULL SRE (with nullOffset) to b, checking each SRE as Append does and
// offset as Validate does. On error b is returned at its original length;
// offset errors have offset 0 (the caller shifts them to the Offset field),
// the others count from the start of the list.
func AppendChecked(b []byte, list []SRE, nullOffset uint8, offset uint16) ([]byte, error) {
	start := len(b)
	at := false
	for i := range list {
		e := &list[i]
		off := len(b) - start
		if e.SRELength == 0 && e.AddressFamily == 0 || int(e.SRELength) != len(e.RoutingInformation) {
			return b[:start], e.validate(off)
		}
		at = at || int(offset) == off
		b = append(b, byte(e.AddressFamily>>8), byte(e.AddressFamily), e.SREOffset, e.SRELength)
		b = append(b, e.RoutingInformation...)
	}
	if !at && int(offset) != len(b)-start {
		_, err := Active(list, offset)
		return b[:start], err
	}
	return append(b, 0, 0, nullOffset, 0), nil
}

// Put writes list and the NULL SRE into dst, which has Len(list) bytes, after
// Append's checks passed.
func Put(dst []byte, list []SRE, nullOffset uint8) {
	off := 0
	for i := range list {
		e := &list[i]
		binary.BigEndian.PutUint16(dst[off:], e.AddressFamily)
		dst[off+2], dst[off+3] = e.SREOffset, e.SRELength
		off += HeaderLen + copy(dst[off+HeaderLen:], e.RoutingInformation)
	}
	dst[off], dst[off+1], dst[off+2], dst[off+3] = 0, 0, nullOffset, 0
}

// Check validates list as Append would, without encoding.
func Check(list []SRE) error {
	off := 0
	for i := range list {
		if err := list[i].validate(off); err != nil {
			return err
		}
		off += list[i].Len()
	}
	return nil
}

// Validate checks list as Append would and offset as Active would, in one
// pass, and returns Len(list). Errors from the offset check have offset 0
// (the caller shifts them); the others count from the start of the list.
func Validate(list []SRE, offset uint16) (int, error) {
	off, at := 0, false
	for i := range list {
		e := &list[i]
		if e.SRELength == 0 && e.AddressFamily == 0 || int(e.SRELength) != len(e.RoutingInformation) {
			return 0, e.validate(off)
		}
		at = at || int(offset) == off
		off += HeaderLen + len(e.RoutingInformation)
	}
	if !at && int(offset) != off {
		_, err := Active(list, offset)
		return 0, err
	}
	return off + HeaderLen, nil
}

// Active returns the index in list of the SRE that the GRE Offset field
// points at, or len(list) when it points at the NULL SRE (the source route
// is complete). An Offset that falls inside an SRE or past the NULL SRE is
// ErrOffsetOutside, its DecodeError offset 0 (the caller shifts it to where
// the Offset field is).
func Active(list []SRE, offset uint16) (int, error) {
	off := 0
	for i, e := range list {
		if int(offset) == off {
			return i, nil
		}
		off += e.Len()
	}
	if int(offset) == off {
		return len(list), nil
	}
	return 0, &errs.DecodeError{Layer: "gre", Field: "offset", Offset: 0, Err: ErrOffsetOutside,
		Detail: "offset does not point at an SRE of the routing list", Have: int(offset), Need: off}
}

// entries checks that e is of family with whole entries of size n and an
// SRE Offset at an entry (or at the end: the SRE is consumed).
func (e SRE) entries(family uint16, n int) error {
	if e.AddressFamily != family {
		return errs.MalformedValue("gre", "routing: address family", 0, "SRE is of another address family",
			int(e.AddressFamily), int(family))
	}
	if len(e.RoutingInformation)%n != 0 {
		return &errs.DecodeError{Layer: "gre", Field: "routing: SRE length", Offset: 3, Err: ErrEntry,
			Detail: "routing information is not a whole number of entries", Have: len(e.RoutingInformation), Need: n}
	}
	if int(e.SREOffset)%n != 0 || int(e.SREOffset) > len(e.RoutingInformation) {
		return &errs.DecodeError{Layer: "gre", Field: "routing: SRE offset", Offset: 2, Err: ErrEntry,
			Detail: "SRE Offset is not at an entry", Have: int(e.SREOffset), Need: len(e.RoutingInformation)}
	}
	return nil
}

// IPv4Route is an SRE of family 0x0800: an IPv4 source route (RFC 1702).
type IPv4Route struct{ e SRE }

// IPv4 returns e as an IPv4 source route, or an error if e is of another
// family, its length is not a multiple of 4, or its SRE Offset is not at an
// address.
func (e SRE) IPv4() (IPv4Route, error) {
	if err := e.entries(FamilyIPv4, 4); err != nil {
		return IPv4Route{}, err
	}
	return IPv4Route{e}, nil
}

// Len returns the number of addresses.
func (r IPv4Route) Len() int { return len(r.e.RoutingInformation) / 4 }

// Addr returns the i-th address.
func (r IPv4Route) Addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte(r.e.RoutingInformation[4*i : 4*i+4]))
}

// Active returns the index of the next destination and true, or false when
// the SRE Offset has reached the SRE Length: this SRE is consumed.
func (r IPv4Route) Active() (int, bool) {
	i := int(r.e.SREOffset) / 4
	return i, i < r.Len()
}

// All iterates over the addresses in order.
func (r IPv4Route) All() iter.Seq2[int, netip.Addr] {
	return func(yield func(int, netip.Addr) bool) { r.all(yield) }
}

func (r IPv4Route) all(yield func(int, netip.Addr) bool) {
	for i := range r.Len() {
		if !yield(i, r.Addr(i)) {
			return
		}
	}
}

// ASRoute is an SRE of family 0xfffe: an autonomous system source route of
// 2-octet AS numbers (RFC 1702).
type ASRoute struct{ e SRE }

// AS returns e as an AS source route, or an error if e is of another family,
// its length is odd, or its SRE Offset is not at an AS number.
func (e SRE) AS() (ASRoute, error) {
	if err := e.entries(FamilyAS, 2); err != nil {
		return ASRoute{}, err
	}
	return ASRoute{e}, nil
}

// Len returns the number of AS numbers.
func (r ASRoute) Len() int { return len(r.e.RoutingInformation) / 2 }

// Number returns the i-th AS number.
func (r ASRoute) Number(i int) uint16 { return binary.BigEndian.Uint16(r.e.RoutingInformation[2*i:]) }

// Active returns the index of the next AS and true, or false when the SRE is
// consumed.
func (r ASRoute) Active() (int, bool) {
	i := int(r.e.SREOffset) / 2
	return i, i < r.Len()
}

// All iterates over the AS numbers in order.
func (r ASRoute) All() iter.Seq2[int, uint16] {
	return func(yield func(int, uint16) bool) { r.all(yield) }
}

func (r ASRoute) all(yield func(int, uint16) bool) {
	for i := range r.Len() {
		if !yield(i, r.Number(i)) {
			return
		}
	}
}

// NewIPv4 builds an IPv4 source route SRE whose active entry is addrs[active]
// (len(addrs) for a consumed SRE). It allocates the routing information.
func NewIPv4(active int, addrs ...netip.Addr) (SRE, error) {
	if len(addrs) > 63 || active < 0 || active > len(addrs) {
		return SRE{}, errs.New("gre", "routing: SRE", 0, errs.ErrTooLarge, "at most 63 IPv4 addresses, active within them")
	}
	info := make([]byte, 0, 4*len(addrs))
	for _, a := range addrs {
		if !a.Is4() {
			return SRE{}, errs.Malformed("gre", "routing: SRE", 0, "not an IPv4 address")
		}
		b := a.As4()
		info = append(info, b[:]...)
	}
	return SRE{AddressFamily: FamilyIPv4, SREOffset: uint8(4 * active), SRELength: uint8(len(info)), RoutingInformation: info}, nil
}

// NewAS builds an AS source route SRE whose active entry is as[active]. It
// allocates the routing information.
func NewAS(active int, as ...uint16) (SRE, error) {
	if len(as) > 127 || active < 0 || active > len(as) {
		return SRE{}, errs.New("gre", "routing: SRE", 0, errs.ErrTooLarge, "at most 127 AS numbers, active within them")
	}
	info := make([]byte, 0, 2*len(as))
	for _, n := range as {
		info = binary.BigEndian.AppendUint16(info, n)
	}
	return SRE{AddressFamily: FamilyAS, SREOffset: uint8(2 * active), SRELength: uint8(len(info)), RoutingInformation: info}, nil
}
