//go:build race

package ikev2

// raceEnabled: under the race detector sync.Pool drops a share of what is
// put back on purpose, so the allocation tests of pooled code (Protector)
// cannot hold; they run in the normal test run.
const raceEnabled = true
