package ipsec

import (
	"sync"
	"sync/atomic"
)

// Anti-replay window (RFC 4303 §3.4.3, RFC 4302 §3.4.3) kept as a ring of
// 64-bit blocks in the style of RFC 6479: advancing the window clears whole
// blocks instead of shifting a bitmap, so a window of 4096 packets costs the
// same per packet as one of 64.
//
// Concurrency. The RFC's order is: check the sequence number, verify the
// ICV, and only then update the window. The check runs without a lock: it
// reads top and one block with atomic loads. The update (accept) runs under
// the receiver's mutex, checks again and stores with atomic stores. So:
//
//   - a replay never gets through: two Opens of the same packet may both
//     pass the lock-free check, but only one accept finds the bit clear;
//   - the check can refuse a packet only if the window refuses it at some
//     moment during the check: it reads top once, and the block it reads
//     can already hold a newer part of the sequence space only after top
//     moved so far that seq is behind the window (the ring has at least
//     one block more than the window needs), where accept would refuse it
//     too;
//   - with ESN the high-order bits are inferred from the top read once,
//     as they were inferred under a lock before; a packet whose bits were
//     inferred from a top that moved meanwhile fails its ICV, as it would
//     have with the lock.
//
// With anti-replay disabled only top is kept (for ESN inference and
// HighestSeq), advanced by a compare-and-swap without the mutex.

// Window sizes accepted for anti-replay.
const (
	DefaultReplayWindow = 64 // RFC 4303 §3.4.3: "a window size of 64 ... SHOULD be employed as the default"
	MinReplayWindow     = 32 // RFC 4303 §3.4.3: "a minimum window size of 32 packets MUST be supported"
	MaxReplayWindow     = 1 << 16
)

// replayWindow is the window. top and blocks are read with atomic loads and
// written with atomic stores (under receiver.mu), so the lock-free check is
// race-free.
type replayWindow struct {
	size     uint64 // W: packets the window covers, ending at top
	top      uint64 // T: highest sequence number whose ICV verified
	mask     uint64 // len(blocks)-1
	blocks   []uint64
	disabled bool // no anti-replay: only top is tracked, for ESN inference
}

func newReplayWindow(size int, top uint64, disabled bool) replayWindow {
	n := uint64(1)
	for n < uint64(size+63)/64+1 {
		n <<= 1
	}
	w := replayWindow{size: uint64(size), top: top, mask: n - 1, blocks: make([]uint64, n), disabled: disabled}
	if top > 0 {
		// Everything at or below the starting point counts as received.
		for s := top; s > 0 && top-s < w.size; s-- {
			w.blocks[(s>>6)&w.mask] |= 1 << (s & 63)
		}
	}
	return w
}

// inferESN returns the 64-bit sequence number whose low 32 bits are lo, as
// RFC 4303 Appendix A2.2 infers it from the window: the one value in
// [T-W+1, T-W+1+2^32). ok is false when that value would be negative (a
// packet from before the SA started).
func (w *replayWindow) inferESN(lo uint32) (uint64, bool) {
	top := atomic.LoadUint64(&w.top)
	tl, th := uint32(top), uint32(top>>32)
	wm1 := uint32(w.size - 1)
	hi := th
	if tl >= wm1 {
		// Case A: the window lies within one sequence number subspace.
		if lo < tl-wm1 {
			if th == ^uint32(0) {
				return 0, false
			}
			hi = th + 1
		}
	} else if lo >= tl-wm1 {
		// Case B: the window spans two subspaces and lo is in the lower one.
		if th == 0 {
			return 0, false
		}
		hi = th - 1
	}
	return uint64(hi)<<32 | uint64(lo), true
}

// check reports whether seq may be accepted: not zero, not behind the window
// and not already received. It changes nothing and takes no lock.
func (w *replayWindow) check(seq uint64) bool {
	if seq == 0 {
		return false
	}
	top := atomic.LoadUint64(&w.top)
	if w.disabled || seq > top {
		return true
	}
	if top-seq >= w.size {
		return false
	}
	return atomic.LoadUint64(&w.blocks[(seq>>6)&w.mask])&(1<<(seq&63)) == 0
}

// accept checks seq again and records it; call it only after the ICV
// verified (RFC 4303 §3.4.3: the window is updated only then), and, unless
// the window is disabled, with receiver.mu held.
func (w *replayWindow) accept(seq uint64) bool {
	if w.disabled {
		for {
			top := atomic.LoadUint64(&w.top)
			if seq <= top || atomic.CompareAndSwapUint64(&w.top, top, seq) {
				return seq != 0
			}
		}
	}
	if !w.check(seq) {
		return false
	}
	if seq > w.top {
		cur, next := w.top>>6, seq>>6
		diff := next - cur
		if diff > w.mask+1 {
			diff = w.mask + 1
		}
		for i := uint64(1); i <= diff; i++ {
			atomic.StoreUint64(&w.blocks[(cur+i)&w.mask], 0)
		}
		atomic.StoreUint64(&w.top, seq)
	}
	b := &w.blocks[(seq>>6)&w.mask]
	atomic.StoreUint64(b, *b|1<<(seq&63))
	return true
}

// receiver is the inbound sequence number state shared by ESP and AH SAs:
// the window, checked without a lock and updated under mu, so concurrent
// Opens never accept a sequence number twice.
type receiver struct {
	mu  sync.Mutex
	win replayWindow
	esn bool
}

func (r *receiver) init(c *Config, disabled bool) {
	size := c.ReplayWindow
	if size == 0 {
		size = DefaultReplayWindow
	}
	r.esn = c.ESN
	r.win = newReplayWindow(size, c.Seq, disabled)
}

// Verdicts of receiver.check.
const (
	seqOK = iota
	seqReplay
	seqZero
)

// check infers the full sequence number from its low 32 bits and checks it
// against the window, before any cryptography (RFC 4303 §3.4.3). It takes
// no lock (see the concurrency notes above).
func (r *receiver) check(lo uint32) (uint64, int) {
	seq := uint64(lo)
	if r.esn {
		var ok bool
		if seq, ok = r.win.inferESN(lo); !ok {
			return 0, seqReplay
		}
	}
	if seq == 0 {
		return 0, seqZero
	}
	if !r.win.check(seq) {
		return 0, seqReplay
	}
	return seq, seqOK
}

// accept records seq after its ICV verified; false if a concurrent Open
// accepted it first. A disabled window needs no lock.
func (r *receiver) accept(seq uint64) bool {
	if r.win.disabled {
		return r.win.accept(seq)
	}
	r.mu.Lock()
	ok := r.win.accept(seq)
	r.mu.Unlock()
	return ok
}

func (r *receiver) highest() uint64 { return atomic.LoadUint64(&r.win.top) }
