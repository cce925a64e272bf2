package ikev2

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// swVector is one strongSwan test vector from the public vectors'
// crypto/strongswan-test-vectors.json (see SOURCES.md there).
type swVector map[string]any

func (v swVector) str(k string) string {
	s, _ := v[k].(string)
	return s
}

func (v swVector) hex(t testing.TB, k string) []byte {
	t.Helper()
	b, err := hex.DecodeString(v.str(k))
	if err != nil {
		t.Fatalf("%s: %s: %v", v.str("name"), k, err)
	}
	return b
}

func (v swVector) int(t testing.TB, k string) int {
	t.Helper()
	n, err := strconv.Atoi(v.str(k))
	if err != nil {
		t.Fatalf("%s: %s: %v", v.str("name"), k, err)
	}
	return n
}

// strongswanVectors returns the vectors extracted from one strongSwan
// test_vectors/*.c file.
func strongswanVectors(t testing.TB, file string) []swVector {
	t.Helper()
	data, err := os.ReadFile(testutil.Vectors(t, "crypto", "strongswan-test-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Files map[string][]swVector `json:"files"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	vs := all.Files[file]
	if len(vs) == 0 {
		t.Fatalf("no vectors for %s", file)
	}
	return vs
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
