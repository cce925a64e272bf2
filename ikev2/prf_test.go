package ikev2

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

var prfByName = map[string]PRFID{
	"PRF_HMAC_SHA1": iana.PRFHMACSHA1, "PRF_HMAC_SHA2_256": iana.PRFHMACSHA2256,
	"PRF_HMAC_SHA2_384": iana.PRFHMACSHA2384, "PRF_HMAC_SHA2_512": iana.PRFHMACSHA2512,
	"PRF_AES128_XCBC": iana.PRFAES128XCBC, "PRF_AES128_CMAC": iana.PRFAES128CMAC,
}

// TestPRFStrongswanVectors checks every PRF against strongSwan's vectors
// (RFC 2202/4231/4868 HMAC data, RFC 3566/4434 XCBC, RFC 4493/4615 CMAC,
// including the keys that are not 128 bits the AES PRFs must adjust).
func TestPRFStrongswanVectors(t *testing.T) {
	n := 0
	for _, file := range []string{"sha1_hmac.c", "sha2_hmac.c", "aes_xcbc.c", "aes_cmac.c"} {
		for _, v := range strongswanVectors(t, file) {
			id, ok := prfByName[v.str("alg")]
			if !ok || v.str("type") != "prf_test_vector_t" {
				continue
			}
			t.Run(v.str("name"), func(t *testing.T) {
				p, err := NewPRF(id, v.hex(t, "key_hex"))
				require.NoError(t, err)
				got := p.Compute(nil, v.hex(t, "seed_hex"))
				require.Equal(t, v.hex(t, "out_hex"), got)
				// Streaming in pieces gives the same.
				seed := v.hex(t, "seed_hex")
				for i := 0; i < len(seed); i += 7 {
					p.Write(seed[i:min(i+7, len(seed))])
				}
				require.Equal(t, v.hex(t, "out_hex"), p.Sum(nil))
			})
			n++
		}
	}
	require.GreaterOrEqual(t, n, 30)
}

// TestKDFStrongswanVectors: SKEYSEED-style prf(Ni|Nr, g^ir) and prf+ from
// SP 800-135 CAVP IKEv2 data and RFC 4868.
func TestKDFStrongswanVectors(t *testing.T) {
	for _, v := range strongswanVectors(t, "kdf_prf.c") {
		t.Run(v.str("name"), func(t *testing.T) {
			p, err := NewPRF(prfByName[v.str("prf")], v.hex(t, "salt_hex"))
			require.NoError(t, err)
			require.Equal(t, v.hex(t, "out_hex"), p.Compute(nil, v.hex(t, "key_hex")))
		})
	}
	for _, v := range strongswanVectors(t, "kdf_prf_plus.c") {
		t.Run(v.str("name"), func(t *testing.T) {
			p, err := NewPRF(prfByName[v.str("prf")], v.hex(t, "key_hex"))
			require.NoError(t, err)
			want := v.hex(t, "out_hex")
			got := make([]byte, len(want))
			require.NoError(t, p.Plus(got, v.hex(t, "salt_hex")))
			require.Equal(t, want, got)
			// Seed given in pieces, and a shorter output is a prefix.
			salt := v.hex(t, "salt_hex")
			short := make([]byte, len(want)-1)
			require.NoError(t, p.Plus(short, salt[:len(salt)/2], salt[len(salt)/2:]))
			require.Equal(t, want[:len(short)], short)
		})
	}
}

func TestPRFPlusLimit(t *testing.T) {
	p, err := NewPRF(iana.PRFHMACSHA1, []byte("key"))
	require.NoError(t, err)
	require.NoError(t, p.Plus(make([]byte, 255*20), []byte("seed")))
	err = p.Plus(make([]byte, 255*20+1), []byte("seed"))
	require.ErrorIs(t, err, ErrTooLarge)
	require.True(t, strings.Contains(err.Error(), "255"))
}

func TestPRFUnsupported(t *testing.T) {
	for _, id := range []PRFID{iana.PRFHMACMD5, iana.PRFHMACTiger, 99} {
		_, err := NewPRF(id, []byte("k"))
		require.ErrorIs(t, err, ErrUnsupported, id.String())
	}
}

func TestPRFPlusAllocatesNothing(t *testing.T) {
	p, _ := NewPRF(iana.PRFHMACSHA2256, make([]byte, 32))
	out := make([]byte, 200)
	seed := make([]byte, 80)
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.Plus(out, seed); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}
