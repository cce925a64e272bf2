package ikev2

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// piFixed returns floor(pi * 2^bits), by Machin's formula
// pi = 16 atan(1/5) - 4 atan(1/239) in fixed point with guard bits.
func piFixed(bits uint) *big.Int {
	const guard = 64
	one := new(big.Int).Lsh(big.NewInt(1), bits+guard)
	atanInv := func(x int64) *big.Int {
		sum := new(big.Int)
		xx := big.NewInt(x * x)
		term := new(big.Int).Div(one, big.NewInt(x))
		for n := int64(0); term.Sign() != 0; n++ {
			t := new(big.Int).Div(term, big.NewInt(2*n+1))
			if n%2 == 0 {
				sum.Add(sum, t)
			} else {
				sum.Sub(sum, t)
			}
			term.Div(term, xx)
		}
		return sum
	}
	pi := new(big.Int).Mul(atanInv(5), big.NewInt(16))
	pi.Sub(pi, new(big.Int).Mul(atanInv(239), big.NewInt(4)))
	return pi.Rsh(pi, guard)
}

// TestMODPPrimesFromPi derives every RFC 3526 prime from its definition,
// p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k), and requires
// the table to hold exactly it.
func TestMODPPrimesFromPi(t *testing.T) {
	ks := map[KEID][2]int64{iana.KEMODP2048: {2048, 124476}, iana.KEMODP3072: {3072, 1690314},
		iana.KEMODP4096: {4096, 240904}, iana.KEMODP6144: {6144, 929484}, iana.KEMODP8192: {8192, 4743158}}
	require.Len(t, modpPrimeHex, len(ks))
	for g, nk := range ks {
		n := uint(nk[0])
		p := new(big.Int).Lsh(big.NewInt(1), n)
		p.Sub(p, new(big.Int).Lsh(big.NewInt(1), n-64))
		p.Sub(p, big.NewInt(1))
		f := piFixed(n - 130)
		f.Add(f, big.NewInt(nk[1]))
		p.Add(p, f.Lsh(f, 64))
		require.Equal(t, p, modp(g).p, "group %v", g)
		require.Equal(t, int(n/8), PublicValueLen(g))
	}
}

// TestMODPAgainstPython: shared secrets computed by Python's pow
// (testdata/gen/ikev2-modp-vectors.py) for both sides of every group.
func TestMODPAgainstPython(t *testing.T) {
	data, err := os.ReadFile(testutil.Testdata(t, "ikev2", "modp-vectors.json"))
	require.NoError(t, err)
	var v struct {
		Vectors []struct {
			Group                  KEID
			XI, XR, YI, YR, Shared string
		}
	}
	require.NoError(t, json.Unmarshal(data, &v))
	require.Len(t, v.Vectors, 5)
	h := func(s string) []byte {
		if len(s)%2 == 1 {
			s = "0" + s
		}
		b, err := hex.DecodeString(s)
		require.NoError(t, err)
		return b
	}
	for _, c := range v.Vectors {
		t.Run(c.Group.String(), func(t *testing.T) {
			i, err := KeyExchangeFromPrivate(c.Group, h(c.XI))
			require.NoError(t, err)
			r, err := KeyExchangeFromPrivate(c.Group, h(c.XR))
			require.NoError(t, err)
			require.Equal(t, h(c.YI), i.PublicValue())
			require.Equal(t, h(c.YR), r.PublicValue())
			zi, err := i.SharedSecret(r.PublicValue())
			require.NoError(t, err)
			zr, err := r.SharedSecret(i.PublicValue())
			require.NoError(t, err)
			require.Equal(t, h(c.Shared), []byte(zi))
			require.Equal(t, []byte(zi), []byte(zr))
		})
	}
}

// TestECPRFC5903Vectors: RFC 5903 §8 for the three ECP groups (checked
// against OpenSSL too when written), x | y encoding and the x coordinate as
// the shared secret.
func TestECPRFC5903Vectors(t *testing.T) {
	for _, c := range []struct {
		g                    KEID
		i, gi, r, gr, shared string
	}{
		{iana.KEECP256, "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
			"dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180" +
				"5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
			"c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
			"d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" +
				"56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
			"d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"},
		{iana.KEECP384, "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
			"667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa" +
				"9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
			"41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
			"e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571" +
				"dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
			"11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746"},
		{iana.KEECP521, "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52",
			"0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e" +
				"017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
			"0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
			"00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f" +
				"015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
			"01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea"},
		// RFC 7748 §6.1, the X25519 Diffie-Hellman example (RFC 8031 uses it).
		{iana.KECurve25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
			"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
			"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	} {
		t.Run(c.g.String(), func(t *testing.T) {
			i, err := KeyExchangeFromPrivate(c.g, unhex(t, c.i))
			require.NoError(t, err)
			r, err := KeyExchangeFromPrivate(c.g, unhex(t, c.r))
			require.NoError(t, err)
			require.Equal(t, unhex(t, c.gi), i.PublicValue())
			require.Equal(t, unhex(t, c.gr), r.PublicValue())
			require.Equal(t, PublicValueLen(c.g), len(i.PublicValue()))
			z, err := i.SharedSecret(r.PublicValue())
			require.NoError(t, err)
			require.Equal(t, unhex(t, c.shared), []byte(z))
			z2, err := r.SharedSecret(i.PublicValue())
			require.NoError(t, err)
			require.Equal(t, z, z2)
		})
	}
}

// TestPublicValueChecks feeds the values the RFCs say to refuse.
func TestPublicValueChecks(t *testing.T) {
	m := modp(iana.KEMODP2048)
	fill := func(v *big.Int) []byte { return v.FillBytes(make([]byte, 256)) }
	pm1 := new(big.Int).Sub(m.p, big.NewInt(1))
	for name, v := range map[string][]byte{
		"zero": fill(big.NewInt(0)), "one": fill(big.NewInt(1)), "p-1 (order 2)": fill(pm1), "p": fill(m.p),
		"short by an octet": make([]byte, 255), "long by an octet": append([]byte{0}, fill(big.NewInt(5))...),
	} {
		require.Error(t, CheckPublicValue(iana.KEMODP2048, v), "MODP: %s", name)
	}
	require.NoError(t, CheckPublicValue(iana.KEMODP2048, fill(big.NewInt(2))))

	k, err := NewKeyExchange(iana.KEECP256, rand.Reader)
	require.NoError(t, err)
	off := append([]byte{}, k.PublicValue()...)
	off[63] ^= 1
	for name, v := range map[string][]byte{
		"point off the curve": off, "all zeros (infinity)": make([]byte, 64), "SEC1 prefixed": append([]byte{4}, k.PublicValue()...),
		"x only": k.PublicValue()[:32],
	} {
		require.Error(t, CheckPublicValue(iana.KEECP256, v), "ECP: %s", name)
		_, err := k.SharedSecret(v)
		require.Error(t, err)
	}

	x, err := NewKeyExchange(iana.KECurve25519, rand.Reader)
	require.NoError(t, err)
	// Low-order points give an all-zero secret (RFC 8031 §2.3: MUST refuse).
	for _, lo := range []string{"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"} {
		_, err := x.SharedSecret(unhex(t, lo))
		require.ErrorIs(t, err, ErrMalformed, lo)
	}
	require.Error(t, CheckPublicValue(iana.KECurve25519, make([]byte, 31)))

	for _, g := range []KEID{iana.KECurve448, iana.KEMODP1024, iana.KEMODP1536, iana.KEBrainpoolP256, 99} {
		_, err := NewKeyExchange(g, rand.Reader)
		require.ErrorIs(t, err, ErrUnsupported, g.String())
	}
}

func TestKeyExchangeRoundTripEveryGroup(t *testing.T) {
	groups := []KEID{iana.KEMODP2048, iana.KEMODP3072, iana.KEECP256, iana.KEECP384, iana.KEECP521, iana.KECurve25519}
	if !testing.Short() {
		groups = append(groups, iana.KEMODP4096, iana.KEMODP6144, iana.KEMODP8192)
	}
	for _, g := range groups {
		i, err := NewKeyExchange(g, rand.Reader)
		require.NoError(t, err)
		r, err := NewKeyExchange(g, rand.Reader)
		require.NoError(t, err)
		a, err := i.SharedSecret(r.PublicValue())
		require.NoError(t, err)
		b, err := r.SharedSecret(i.PublicValue())
		require.NoError(t, err)
		require.Equal(t, a, b, g.String())
		require.Len(t, i.PublicValue(), PublicValueLen(g))
		require.Contains(t, fmt.Sprintf("%v %#v", i, i), "redacted")
	}
}
