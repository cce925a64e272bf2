package ikev2

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

type authVectors struct {
	Octets string `json:"octets"`
	Keys   map[string]struct {
		SPKI  string `json:"spki"`
		PKCS8 string `json:"pkcs8"`
	} `json:"keys"`
	AlgorithmIdentifiers map[string]string `json:"algorithm_identifiers"`
	Signatures           []struct {
		Name          string `json:"name"`
		Method        int    `json:"method"`
		Key           string `json:"key"`
		Algorithm     string `json:"algorithm"`
		Deterministic bool   `json:"deterministic"`
		AuthData      string `json:"auth_data"`
	} `json:"signatures"`
	PSK []struct {
		PRF    int    `json:"prf"`
		Secret string `json:"secret"`
		Auth   string `json:"auth"`
	} `json:"psk"`
}

func loadAuthVectors(t *testing.T) authVectors {
	data, err := os.ReadFile(testutil.Testdata(t, "ikev2", "auth-vectors.json"))
	require.NoError(t, err)
	var v authVectors
	require.NoError(t, json.Unmarshal(data, &v))
	return v
}

var sigByName = map[string]SignatureAlgorithm{
	"sha1WithRSAEncryption": SigRSAPKCS1SHA1, "sha256WithRSAEncryption": SigRSAPKCS1SHA256,
	"sha384WithRSAEncryption": SigRSAPKCS1SHA384, "sha512WithRSAEncryption": SigRSAPKCS1SHA512,
	"RSASSA-PSS-SHA256": SigRSAPSSSHA256, "ecdsa-with-SHA256": SigECDSASHA256, "ecdsa-with-SHA384": SigECDSASHA384,
	"ecdsa-with-SHA512": SigECDSASHA512, "Ed25519": SigEd25519,
}

// TestAuthSignaturesFromOpenSSL verifies AUTH signatures OpenSSL made
// (testdata/gen/ikev2-auth-vectors.py) for every method, signs the same
// octets with the same keys (equal output for the deterministic schemes),
// and checks that a changed octet or the wrong key fails.
func TestAuthSignaturesFromOpenSSL(t *testing.T) {
	v := loadAuthVectors(t)
	octets := unhex(t, v.Octets)
	pub := map[string]crypto.PublicKey{}
	priv := map[string]crypto.Signer{}
	for name, k := range v.Keys {
		p, err := x509.ParsePKIXPublicKey(unhex(t, k.SPKI))
		require.NoError(t, err)
		pub[name] = p
		s, err := x509.ParsePKCS8PrivateKey(unhex(t, k.PKCS8))
		require.NoError(t, err)
		priv[name] = s.(crypto.Signer)
	}
	for _, s := range v.Signatures {
		t.Run(s.Name, func(t *testing.T) {
			a := Auth{Method: AuthMethod(s.Method), Data: unhex(t, s.AuthData)}
			require.NoError(t, VerifyAuth(a, pub[s.Key], octets))

			bad := append([]byte{}, octets...)
			bad[7] ^= 1
			require.ErrorIs(t, VerifyAuth(a, pub[s.Key], bad), ErrAuthentication)
			for other, k := range pub {
				if other != s.Key {
					require.Error(t, VerifyAuth(a, k, octets), "verified with the %s key", other)
				}
			}

			alg := sigByName[s.Algorithm]
			if s.Method == int(AuthDigitalSignature) {
				ai, sig, err := SplitDigitalSignature(a.Data)
				require.NoError(t, err)
				require.NotEmpty(t, sig)
				require.Equal(t, unhex(t, v.AlgorithmIdentifiers[s.Algorithm]), ai)
				got, _, err := ParseAlgorithmIdentifier(ai)
				require.NoError(t, err)
				require.Equal(t, alg, got)
				mine, err := alg.AlgorithmIdentifier()
				require.NoError(t, err)
				require.Equal(t, ai, mine, "our DER AlgorithmIdentifier")
			}
			data, err := SignAuth(AuthMethod(s.Method), alg, priv[s.Key], octets, rand.Reader)
			require.NoError(t, err)
			if s.Deterministic {
				require.Equal(t, a.Data, data, "same signature as OpenSSL")
			}
			require.NoError(t, VerifyAuth(Auth{Method: AuthMethod(s.Method), Data: data}, pub[s.Key], octets))
		})
	}
}

func TestPSKAuthFromHashlib(t *testing.T) {
	v := loadAuthVectors(t)
	octets := unhex(t, v.Octets)
	for _, c := range v.PSK {
		got, err := PSKAuth(nil, PRFID(c.PRF), unhex(t, c.Secret), octets)
		require.NoError(t, err)
		require.Equal(t, unhex(t, c.Auth), got, "PRF %v", PRFID(c.PRF))
		require.NoError(t, VerifyPSKAuth(PRFID(c.PRF), unhex(t, c.Secret), octets, got))
		got[0] ^= 1
		require.ErrorIs(t, VerifyPSKAuth(PRFID(c.PRF), unhex(t, c.Secret), octets, got), ErrAuthentication)
	}
}

func TestSignAuthRefusesMismatches(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	octets := []byte("octets")
	_, err := SignAuth(AuthECDSASHA256P256, 0, p384, octets, rand.Reader)
	require.ErrorIs(t, err, ErrMalformed, "P-384 key for the P-256 method")
	_, err = SignAuth(AuthRSASignature, 0, p256, octets, rand.Reader)
	require.ErrorIs(t, err, ErrMalformed)
	_, err = SignAuth(AuthDigitalSignature, SigEd25519, rsaKey, octets, rand.Reader)
	require.ErrorIs(t, err, ErrMalformed)
	_, err = SignAuth(AuthDSSSignature, 0, ed, octets, rand.Reader)
	require.ErrorIs(t, err, ErrUnsupported, "DSS is not implemented")
	_, _, err = ParseAlgorithmIdentifier([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	require.ErrorIs(t, err, ErrUnsupported)
	_, _, err = SplitDigitalSignature([]byte{40, 1, 2})
	require.ErrorIs(t, err, ErrMalformed)
	long := make([]byte, 256)
	long[0] = 255 // 1+255 must not wrap around in octet arithmetic
	ai, sig, err := SplitDigitalSignature(long)
	require.NoError(t, err)
	require.Len(t, ai, 255)
	require.Empty(t, sig)
}

// TestSignedOctets builds the octets of RFC 7296 §2.15 by hand and compares.
func TestSignedOctets(t *testing.T) {
	msg := []byte("the initiator's IKE_SA_INIT message")
	nonceR := []byte("responder nonce data, 32 octets.")
	skPi := []byte("SK_pi key of twenty")
	idBody := append([]byte{byte(IDFQDN), 0, 0, 0}, "a.example"...)
	got, err := SignedOctets(nil, iana.PRFHMACSHA1, skPi, msg, nonceR, idBody)
	require.NoError(t, err)
	p, _ := NewPRF(iana.PRFHMACSHA1, skPi)
	want := append(append(append([]byte{}, msg...), nonceR...), p.Compute(nil, idBody)...)
	require.Equal(t, want, got)
}

func TestHashAlgorithmsNotify(t *testing.T) {
	data := AppendHashAlgorithms(nil, HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity)
	hs, err := HashAlgorithms(data)
	require.NoError(t, err)
	require.Equal(t, []HashAlgorithm{2, 3, 4, 5}, hs)
	require.Equal(t, "SHA2-384", hs[1].String())
	_, err = HashAlgorithms([]byte{0, 2, 0})
	require.ErrorIs(t, err, ErrMalformed)
}
