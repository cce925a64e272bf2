//go:build !race

package ikev2

const raceEnabled = false
