package checksum

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	_ "unsafe" // for go:linkname to gopacket's checksum

	_ "github.com/google/gopacket/layers" // links the checksum benchmarked against

	"github.com/stretchr/testify/require"
)

// naive is RFC 1071 §4.1 as written: 16-bit words into a 32-bit accumulator,
// folded at the end.
func naive(b []byte, initial uint16) uint16 {
	s := uint32(initial)
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
		s = (s & 0xffff) + s>>16
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = (s & 0xffff) + s>>16
	}
	return uint16(s)
}

func TestSumMatchesNaiveOnRandomInputs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 9100)
	for i := 0; i < 20000; i++ {
		n := r.IntN(len(buf))
		if i%4 == 0 {
			n = r.IntN(80) // dense coverage of the tail paths
		}
		b := buf[:n]
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		if i%7 == 0 { // all-ones data exercises every carry
			for j := range b {
				b[j] = 0xff
			}
		}
		init := uint16(r.Uint32())
		require.Equal(t, naive(b, init), Sum(b, init), "len %d initial %#04x", n, init)
	}
}

func TestRFC1071Example(t *testing.T) {
	// RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	require.Equal(t, uint16(0xddf2), Sum(b, 0))
	require.Equal(t, uint16(^uint16(0xddf2)), Checksum(b, 0))
}

func TestIPv4HeaderVerifies(t *testing.T) {
	// The outer IPv4 header of frame 1 of tcpdump's tests/vxlan.pcap, checksum 0x5152 in place.
	h := []byte{0x45, 0x00, 0x00, 0x86, 0xd2, 0xc0, 0x40, 0x00, 0x40, 0x11, 0x51, 0x52,
		0xc0, 0xa8, 0xcb, 0x01, 0xc0, 0xa8, 0xca, 0x01}
	stored := binary.BigEndian.Uint16(h[10:])
	require.Equal(t, uint16(0x5152), stored)
	require.Equal(t, uint16(0), Checksum(h, 0), "a valid header sums to all ones")
	binary.BigEndian.PutUint16(h[10:], 0)
	require.Equal(t, stored, Checksum(h, 0))
}

func TestSplitSumsCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 1501)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for cut := 0; cut < len(b); cut += 2 {
		require.Equal(t, Sum(b, 0), Combine(Sum(b[:cut], 0), Sum(b[cut:], 0)), "cut %d", cut)
		require.Equal(t, Sum(b, 0), Sum(b[cut:], Sum(b[:cut], 0)), "chained at %d", cut)
	}
}

func TestPseudoHeader(t *testing.T) {
	for _, tt := range []struct {
		name     string
		src, dst string
	}{
		{"ipv4", "192.0.2.1", "198.51.100.7"},
		{"ipv6", "2001:db8::1", "2001:db8:ffff::2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, dst := netip.MustParseAddr(tt.src), netip.MustParseAddr(tt.dst)
			var ph []byte
			s, d := src.AsSlice(), dst.AsSlice()
			ph = append(ph, s...)
			ph = append(ph, d...)
			if src.Is4() {
				ph = append(ph, 0, 17, 0x05, 0xdc)
			} else {
				ph = append(ph, 0, 0, 0x05, 0xdc, 0, 0, 0, 17)
			}
			require.Equal(t, naive(ph, 0), PseudoHeader(src, dst, 17, 1500))
		})
	}
}

func TestUpdateMatchesRecompute(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	h := make([]byte, 20)
	for i := 0; i < 5000; i++ {
		for j := range h {
			h[j] = byte(r.Uint32())
		}
		binary.BigEndian.PutUint16(h[10:], 0)
		binary.BigEndian.PutUint16(h[10:], Checksum(h, 0))
		// Decrement TTL (word 4) the way a router does, and a 32-bit address change.
		w := 2 * r.IntN(10)
		if w == 10 {
			continue
		}
		old := binary.BigEndian.Uint16(h[w:])
		nw := uint16(r.Uint32())
		binary.BigEndian.PutUint16(h[w:], nw)
		binary.BigEndian.PutUint16(h[10:], Update(binary.BigEndian.Uint16(h[10:]), old, nw))
		require.Equal(t, uint16(0), Checksum(h, 0), "iteration %d word %d", i, w)

		old32 := binary.BigEndian.Uint32(h[12:])
		new32 := r.Uint32()
		binary.BigEndian.PutUint32(h[12:], new32)
		binary.BigEndian.PutUint16(h[10:], Update32(binary.BigEndian.Uint16(h[10:]), old32, new32))
		require.Equal(t, uint16(0), Checksum(h, 0), "iteration %d 32-bit", i)
	}
}

func TestSumAllocatesNothing(t *testing.T) {
	b := make([]byte, 1500)
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = Sum(b, 0) }))
}

// gopacketChecksum is gopacket v1.1.19's layers.tcpipChecksum, the function
// its TCP, UDP and ICMPv6 layers use, linked directly so the benchmark
// measures exactly what gopacket runs.
//
//go:linkname gopacketChecksum github.com/google/gopacket/layers.tcpipChecksum
func gopacketChecksum(data []byte, csum uint32) uint16

func TestGopacketChecksumAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, 1499)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	require.Equal(t, gopacketChecksum(b, 0), Checksum(b, 0))
}

var sink uint16

func BenchmarkChecksum(b *testing.B) {
	for _, n := range []int{20, 64, 1500, 9000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		b.Run("tunnelcodec/"+itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				sink = Checksum(data, 0)
			}
		})
		b.Run("gopacket/"+itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				sink = gopacketChecksum(data, 0)
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}
