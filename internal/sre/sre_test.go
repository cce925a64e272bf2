package sre

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// A routing list as RFC 1702 draws it: an IPv4 source route whose next hop
// is the second address, an AS route, and the NULL SRE.
var list = []byte{
	0x08, 0x00, 0x04, 0x08, 192, 0, 2, 1, 192, 0, 2, 2,
	0xff, 0xfe, 0x02, 0x04, 0xfb, 0xf0, 0xfb, 0xf1,
	0x00, 0x00, 0x00, 0x00,
	0xaa, 0xbb, // payload after the list
}

func TestIterator(t *testing.T) {
	it := NewIterator(list)
	var got []SRE
	var offs []int
	for off := it.Offset(); ; off = it.Offset() {
		e, ok := it.Next()
		if !ok {
			break
		}
		got = append(got, e)
		offs = append(offs, off)
	}
	require.NoError(t, it.Err())
	require.Equal(t, []int{0, 12}, offs)
	require.Equal(t, 24, it.Offset(), "after the NULL SRE: the field's length")
	require.Len(t, got, 2)
	require.Equal(t, SRE{AddressFamily: FamilyIPv4, SREOffset: 4, SRELength: 8, RoutingInformation: list[4:12]}, got[0])
	require.Equal(t, SRE{AddressFamily: FamilyAS, SREOffset: 2, SRELength: 4, RoutingInformation: list[16:20]}, got[1])
	got[0].RoutingInformation[0] = 193
	require.Equal(t, byte(193), list[4], "routing information aliases the input")
	list[4] = 192
	_, ok := it.Next()
	require.False(t, ok, "stays done")
}

func TestAllAndParse(t *testing.T) {
	n := 0
	for off, e := range All(list) {
		require.False(t, e.IsNull())
		require.Contains(t, []int{0, 12}, off)
		n++
	}
	require.Equal(t, 2, n)
	for range All(list) {
		break // stopping early is fine
	}
	reused := make([]SRE, 0, 4)
	out, flen, nullOff, err := Parse(list, reused)
	require.NoError(t, err)
	require.Equal(t, 24, flen)
	require.Zero(t, nullOff)
	require.Len(t, out, 2)
	require.Equal(t, &reused[:1][0], &out[0], "the reused slice's array is filled, not a new one")
	b, err := Append(nil, out, 0)
	require.NoError(t, err)
	require.Equal(t, list[:24], b, "exact round trip")
	require.Equal(t, 24, Len(out))
	dst := make([]byte, 24)
	Put(dst, out, 0)
	require.Equal(t, list[:24], dst)
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty: no NULL SRE", nil, ErrNoTerminator, "gre: routing: SRE at offset 0: routing list without NULL SRE terminator: need 4 bytes, have 0"},
		{"ends after an SRE", list[:20], ErrNoTerminator, "gre: routing: SRE at offset 20: routing list without NULL SRE terminator: need 4 bytes, have 0"},
		{"ends inside the NULL SRE", list[:22], ErrNoTerminator, "gre: routing: SRE at offset 20: routing list without NULL SRE terminator: need 4 bytes, have 2"},
		{"SRE longer than what is left", list[:10], ErrPastEnd, "gre: routing: SRE length at offset 3: SRE runs past the end: need 12 bytes, have 10"},
		{"length 255 SRE", []byte{0, 1, 0, 255, 1, 2}, ErrPastEnd, "gre: routing: SRE length at offset 3: SRE runs past the end: need 259 bytes, have 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := Parse(tt.in, nil)
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, err, errs.ErrTruncated)
			require.EqualError(t, err, tt.msg)
			it := NewIterator(tt.in)
			for _, ok := it.Next(); ok; _, ok = it.Next() {
			}
			require.ErrorIs(t, it.Err(), tt.want)
		})
	}
}

func TestActive(t *testing.T) {
	out, _, _, err := Parse(list, nil)
	require.NoError(t, err)
	for _, tt := range []struct {
		offset uint16
		index  int
		ok     bool
	}{{0, 0, true}, {12, 1, true}, {20, 2, true}, {4, 0, false}, {24, 0, false}, {0xffff, 0, false}} {
		i, err := Active(out, tt.offset)
		if tt.ok {
			require.NoError(t, err, "offset %d", tt.offset)
			require.Equal(t, tt.index, i)
		} else {
			require.ErrorIs(t, err, ErrOffsetOutside, "offset %d", tt.offset)
			require.ErrorIs(t, err, errs.ErrMalformed)
		}
	}
}

func TestTypedAccessors(t *testing.T) {
	out, _, _, err := Parse(list, nil)
	require.NoError(t, err)
	r, err := out[0].IPv4()
	require.NoError(t, err)
	require.Equal(t, 2, r.Len())
	i, ok := r.Active()
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("192.0.2.2"), r.Addr(i))
	var addrs []netip.Addr
	for _, a := range r.All() {
		addrs = append(addrs, a)
	}
	require.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")}, addrs)

	as, err := out[1].AS()
	require.NoError(t, err)
	i, ok = as.Active()
	require.True(t, ok)
	require.Equal(t, uint16(64497), as.Number(i))
	var nums []uint16
	for _, n := range as.All() {
		nums = append(nums, n)
	}
	require.Equal(t, []uint16{64496, 64497}, nums)

	consumed := SRE{AddressFamily: FamilyIPv4, SREOffset: 4, SRELength: 4, RoutingInformation: []byte{1, 2, 3, 4}}
	r, err = consumed.IPv4()
	require.NoError(t, err)
	_, ok = r.Active()
	require.False(t, ok, "SRE Offset equal to SRE Length: the SRE is consumed")

	for name, e := range map[string]SRE{
		"other family":           out[1],
		"length not a multiple":  {AddressFamily: FamilyIPv4, SRELength: 5, RoutingInformation: make([]byte, 5)},
		"offset inside an entry": {AddressFamily: FamilyIPv4, SREOffset: 2, SRELength: 4, RoutingInformation: make([]byte, 4)},
		"offset past the end":    {AddressFamily: FamilyIPv4, SREOffset: 8, SRELength: 4, RoutingInformation: make([]byte, 4)},
	} {
		_, err := e.IPv4()
		require.ErrorIs(t, err, errs.ErrMalformed, name)
	}
	_, err = SRE{AddressFamily: FamilyAS, SRELength: 3, RoutingInformation: make([]byte, 3)}.AS()
	require.ErrorIs(t, err, ErrEntry)
}

func TestBuilders(t *testing.T) {
	e, err := NewIPv4(1, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"))
	require.NoError(t, err)
	a, err := NewAS(1, 64496, 64497)
	require.NoError(t, err)
	b, err := Append(nil, []SRE{e, a}, 0)
	require.NoError(t, err)
	require.Equal(t, list[:24], b)
	_, err = NewIPv4(0, netip.MustParseAddr("2001:db8::1"))
	require.ErrorIs(t, err, errs.ErrMalformed)
	_, err = NewIPv4(3, netip.MustParseAddr("192.0.2.1"))
	require.ErrorIs(t, err, errs.ErrTooLarge)
	_, err = NewAS(0, make([]uint16, 128)...)
	require.ErrorIs(t, err, errs.ErrTooLarge)

	for name, bad := range map[string]SRE{
		"length mismatch": {AddressFamily: 1, SRELength: 3, RoutingInformation: []byte{1}},
		"NULL SRE inside": {},
		"too long":        {AddressFamily: 1, RoutingInformation: make([]byte, 256)},
	} {
		out, err := Append([]byte{9}, []SRE{e, bad}, 0)
		require.Error(t, err, name)
		require.Equal(t, []byte{9}, out, "%s: nothing appended", name)
		var de *errs.DecodeError
		require.True(t, errors.As(err, &de))
		require.Error(t, Check([]SRE{bad}))
		_, err = bad.AppendBinary(nil)
		require.Error(t, err)
	}
	one, err := e.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, list[:12], one)
}

func TestAllocations(t *testing.T) {
	reused := make([]SRE, 0, 2)
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		var err error
		if reused, _, _, err = Parse(list, reused); err != nil {
			t.Fatal(err)
		}
	}), "Parse into a reused slice")
	n := 0
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		for _, e := range All(list) {
			if e.AddressFamily != FamilyIPv4 {
				continue
			}
			if r, err := e.IPv4(); err == nil {
				for range r.All() {
					n++
				}
			}
		}
	}), "All and the typed iterators")
	buf := make([]byte, 0, 64)
	require.Zero(t, testing.AllocsPerRun(1000, func() { buf, _ = Append(buf[:0], reused, 0) }), "Append with room")
}
