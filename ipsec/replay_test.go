package ipsec

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// refWindow is the obvious anti-replay model: a set of accepted numbers and
// the highest one. A number is acceptable when it is not zero, not accepted
// before, and above top-W.
type refWindow struct {
	w    uint64
	top  uint64
	seen map[uint64]bool
}

func (r *refWindow) ok(s uint64) bool {
	if s == 0 || r.seen[s] {
		return false
	}
	return s > r.top || r.top-s < r.w
}

func (r *refWindow) accept(s uint64) bool {
	if !r.ok(s) {
		return false
	}
	r.seen[s] = true
	r.top = max(r.top, s)
	return true
}

// TestReplayWindowMatchesModel drives the RFC 6479 bitmap and the model
// with the same random streams (in order, reordered, duplicated, jumping
// far ahead) for window sizes from the RFC minimum to 4096 and more.
func TestReplayWindowMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, size := range []int{32, 64, 65, 100, 128, 1000, 1024, 4096, 5000} {
		w := newReplayWindow(size, 0, false)
		m := &refWindow{w: uint64(size), seen: map[uint64]bool{}}
		var next uint64 = 1
		steps := 60000
		if testing.Short() {
			steps = 8000
		}
		for i := range steps {
			var s uint64
			switch x := r.IntN(100); {
			case x < 50:
				s = next
				next++
			case x < 75: // reordered or replayed, near the edge of the window
				s = next - uint64(r.IntN(2*size+2))
				if s > next {
					s = 0
				}
			case x < 85:
				s = next + uint64(r.IntN(3*size))
			case x < 88: // a jump of many windows
				s = next + uint64(r.IntN(1<<20))
				next = s + 1
			default:
				s = uint64(r.IntN(int(next) + 1))
			}
			checkOnly := r.IntN(4) == 0
			if checkOnly {
				require.Equal(t, m.ok(s), w.check(s), "size %d step %d: check(%d), top %d", size, i, s, m.top)
				continue
			}
			require.Equal(t, m.accept(s), w.accept(s), "size %d step %d: accept(%d), top %d", size, i, s, m.top)
			require.Equal(t, m.top, w.top)
		}
	}
}

// refESN is RFC 4303 Appendix A2.2 stated as a range: the 64-bit number
// congruent to lo that lies in [T-W+1, T-W+1+2^32), computed in signed
// 128-bit-free arithmetic over int64 offsets from the window bottom.
func refESN(top, w uint64, lo uint32) (uint64, bool) {
	// bottom may be "negative" when top < w-1.
	bottomNeg := top < w-1
	var bottom uint64
	if !bottomNeg {
		bottom = top - w + 1
	}
	for _, hi := range []int64{int64(top>>32) - 1, int64(top >> 32), int64(top>>32) + 1} {
		if hi < 0 || hi > 0xffffffff {
			continue
		}
		s := uint64(hi)<<32 | uint64(lo)
		var inRange bool
		if bottomNeg {
			// range is [top-w+1, top-w+1+2^32) with a negative start
			neg := w - 1 - top // bottom = -neg
			inRange = s < (1<<32)-neg
		} else {
			inRange = s >= bottom && s-bottom < 1<<32
		}
		if inRange {
			return s, true
		}
	}
	return 0, false
}

func TestESNInferenceMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	tops := []uint64{0, 1, 31, 63, 64, 65, 1 << 32, 1<<32 - 1, 1<<32 + 5, 1<<32 + 64, 5<<32 + 10, 1<<64 - 1, 1<<64 - 100}
	for range 2000 {
		tops = append(tops, r.Uint64()>>uint(r.IntN(64)))
	}
	for _, size := range []uint64{32, 64, 4096} {
		for _, top := range tops {
			w := newReplayWindow(int(size), 0, true)
			w.top = top
			los := []uint32{0, 1, uint32(top), uint32(top) + 1, uint32(top) - uint32(size) + 1, uint32(top) - uint32(size), ^uint32(0)}
			for range 20 {
				los = append(los, r.Uint32())
			}
			for _, lo := range los {
				got, gok := w.inferESN(lo)
				want, wok := refESN(top, size, lo)
				require.Equal(t, wok, gok, "top %#x W %d lo %#x", top, size, lo)
				if wok {
					require.Equal(t, want, got, "top %#x W %d lo %#x", top, size, lo)
				}
			}
		}
	}
}

// TestESNAcrossTheBoundary sends packets whose 64-bit numbers cross 2^32:
// the receiver sees only the low 32 bits, infers the rest, and the ICV
// (which covers the high bits) confirms it.
func TestESNAcrossTheBoundary(t *testing.T) {
	for _, tc := range allTransforms(t) {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			c.ESN, c.Seq = true, 1<<32-3
			tx, err := NewOutboundESP(c)
			require.NoError(t, err)
			c.Seq = 1<<32 - 4
			rx, err := NewInboundESP(c)
			require.NoError(t, err)
			var pkts [][]byte
			for range 6 {
				p, err := tx.Seal(nil, 4, []byte("crossing 2^32"))
				require.NoError(t, err)
				pkts = append(pkts, p)
			}
			// Deliver out of order across the boundary.
			for _, i := range []int{0, 3, 1, 5, 2, 4} {
				o, err := rx.Open(nil, pkts[i])
				require.NoError(t, err, "packet %d", i)
				require.Equal(t, uint64(1<<32-2+i), o.Seq)
			}
			_, err = rx.Open(nil, pkts[3])
			require.ErrorIs(t, err, ErrReplay)
		})
	}
}
