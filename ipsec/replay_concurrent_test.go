package ipsec

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReplayWindowConcurrent drives one receiver from four goroutines at
// once, as concurrent Opens do: the lock-free check, then (the ICV having
// verified) the locked accept. Packets come in rounds of 32 consecutive
// sequence numbers, each twice, shuffled; a round ends before the next
// starts, so however the goroutines are scheduled every number is inside the
// window when it arrives. Every number must be accepted exactly once, with
// its ESN high-order bits inferred right across 2^32, and every second copy
// refused. Run under -race it also checks the lock-free reads.
func TestReplayWindowConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		esn     bool
		start   uint64
		window  int
		disable bool
	}{
		{"window 64", false, 0, 64, false},
		{"window 4096", false, 1000, 4096, false},
		{"ESN across 2^32", true, 1<<32 - 3000, 64, false},
		{"anti-replay off, ESN", true, 1<<32 - 3000, 64, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r receiver
			r.init(&Config{ESN: tc.esn, Seq: tc.start, ReplayWindow: tc.window}, tc.disable)
			const rounds, per = 200, 32
			accepted := make([]atomic.Int32, rounds*per)
			var refused atomic.Int32
			rng := rand.New(rand.NewPCG(1, 2))
			for round := range rounds {
				batch := make([]uint64, 0, 2*per)
				for i := range per {
					s := tc.start + 1 + uint64(round*per+i)
					batch = append(batch, s, s)
				}
				rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
				work := make(chan uint64, len(batch))
				for _, s := range batch {
					work <- s
				}
				close(work)
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						for want := range work {
							seq, v := r.check(uint32(want))
							if v != seqOK || !r.accept(seq) {
								refused.Add(1)
								continue
							}
							if seq != want {
								t.Errorf("sequence number %#x inferred as %#x", want, seq)
								return
							}
							accepted[seq-tc.start-1].Add(1)
						}
					})
				}
				wg.Wait()
			}
			require.Equal(t, tc.start+rounds*per, r.highest())
			if tc.disable {
				require.Zero(t, refused.Load(), "no anti-replay: copies are accepted too")
				return
			}
			require.Equal(t, int32(rounds*per), refused.Load(), "every second copy refused")
			for i := range accepted {
				require.Equal(t, int32(1), accepted[i].Load(), "sequence number %#x", tc.start+1+uint64(i))
			}
		})
	}
}
