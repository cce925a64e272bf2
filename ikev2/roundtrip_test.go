package ikev2

import "testing"

// rebuild re-encodes msg through a Parser and a Builder (Reencode, or
// ReencodePlain for a message in plain form), failing the test on error.
func rebuild(t testing.TB, msg []byte, plain bool) []byte {
	t.Helper()
	f := Reencode
	if plain {
		f = ReencodePlain
	}
	out, err := f(nil, msg)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	return out
}
