package ipsec

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

type kat struct {
	Name, Alg, Comment                                         string
	KeyHex, IVHex, PlainHex, CipherHex, AdataHex, DataHex, Mac string
}

func (k *kat) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s := func(n string) string { v, _ := m[n].(string); return v }
	*k = kat{Name: s("name"), Alg: s("alg"), Comment: s("comment"), KeyHex: s("key_hex"), IVHex: s("iv_hex"),
		PlainHex: s("plain_hex"), CipherHex: s("cipher_hex"), AdataHex: s("adata_hex"), DataHex: s("data_hex"), Mac: s("mac_hex")}
	return nil
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// strongSwanKATs loads strongSwan's crypto test vectors (RFC 3602, 3686,
// 4106, 4868, 7634 data) for one source file.
func strongSwanKATs(t *testing.T, file string) []kat {
	raw, err := os.ReadFile(testutil.Vectors(t, "crypto", "strongswan-test-vectors.json"))
	require.NoError(t, err)
	var d struct {
		Files map[string][]kat `json:"files"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	require.NotEmpty(t, d.Files[file], file)
	return d.Files[file]
}

// TestRFC7634ESPExample opens the ESP example of RFC 7634 Appendix A and
// seals it again from the same key, IV and sequence number.
func TestRFC7634ESPExample(t *testing.T) {
	var v kat
	for _, k := range strongSwanKATs(t, "chacha20poly1305.c") {
		if k.Comment == "ESP example from RFC 7634" {
			v = k
		}
	}
	require.NotEmpty(t, v.Name)
	adata, iv, plain := unhex(t, v.AdataHex), unhex(t, v.IVHex), unhex(t, v.PlainHex)
	pkt := append(append(append([]byte{}, adata...), iv...), unhex(t, v.CipherHex)...)
	spi, seq := binary.BigEndian.Uint32(adata), binary.BigEndian.Uint32(adata[4:])
	cfg := Config{SPI: spi, Encr: EncrChaCha20Poly1305, EncrKey: unhex(t, v.KeyHex)}
	rx, err := NewInboundESP(cfg)
	require.NoError(t, err)
	o, err := rx.Open(nil, pkt)
	require.NoError(t, err)
	padLen := int(plain[len(plain)-2])
	require.Equal(t, plain[:len(plain)-2-padLen], o.Payload)
	require.Equal(t, layers.IPProtocol(plain[len(plain)-1]), o.NextHeader)
	require.Equal(t, uint64(seq), o.Seq)

	cfg.Seq, cfg.IVSource = uint64(seq)-1, bytes.NewReader(iv)
	tx, err := NewOutboundESP(cfg)
	require.NoError(t, err)
	sealed, err := tx.Seal(nil, o.NextHeader, o.Payload)
	require.NoError(t, err)
	require.Equal(t, pkt, sealed)
}

// TestAESCTRVectors runs RFC 3686's test vectors through the counter mode
// built on GCM's key stream, in place and into another buffer.
func TestAESCTRVectors(t *testing.T) {
	for _, v := range strongSwanKATs(t, "aes_ctr.c") {
		key := unhex(t, v.KeyHex)
		spec, ok := lookupEncr(EncrAESCTR, len(key))
		require.True(t, ok)
		e, err := newEngine(spec, key, integSpec{}, nil)
		require.NoError(t, err)
		st := e.get()
		plain, want := unhex(t, v.PlainHex), unhex(t, v.CipherHex)
		out := make([]byte, len(plain))
		e.ctrXOR(st, unhex(t, v.IVHex), out, plain)
		require.Equal(t, want, out, "%s (%s)", v.Name, v.Comment)
		in := bytes.Clone(plain)
		e.ctrXOR(st, unhex(t, v.IVHex), in, in)
		require.Equal(t, want, in, "%s in place", v.Name)
	}
}

// TestCTRMatchesStandardLibrary compares the GCM-based key stream with
// crypto/cipher.NewCTR for every length up to 300 octets.
func TestCTRMatchesStandardLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kl := range []int{16, 24, 32} {
		key := make([]byte, kl+4)
		for i := range key {
			key[i] = byte(r.Uint32())
		}
		spec, _ := lookupEncr(EncrAESCTR, len(key))
		e, err := newEngine(spec, key, integSpec{}, nil)
		require.NoError(t, err)
		st := e.get()
		block, _ := aes.NewCipher(key[:kl])
		for n := 0; n <= 300; n++ {
			iv := make([]byte, 8)
			binary.BigEndian.PutUint64(iv, r.Uint64())
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			cb := append(append(append([]byte{}, key[kl:]...), iv...), 0, 0, 0, 1)
			want := make([]byte, n)
			cipher.NewCTR(block, cb).XORKeyStream(want, src)
			got := make([]byte, n, n+7)
			e.ctrXOR(st, iv, got, src)
			require.Equal(t, want, got, "key %d, length %d", kl, n)
			e.ctrXOR(st, iv, src, src)
			require.Equal(t, want, src, "key %d, length %d in place", kl, n)
		}
	}
}

// TestAESCBCVectors runs RFC 3602 and SP 800-38A vectors through one
// pooled state, re-arming the same CBC modes with SetIV each time.
func TestAESCBCVectors(t *testing.T) {
	for _, kl := range []int{16, 24, 32} {
		spec, _ := lookupEncr(EncrAESCBC, kl)
		_ = spec
	}
	var st *opState
	for _, v := range strongSwanKATs(t, "aes_cbc.c") {
		key := unhex(t, v.KeyHex)
		spec, ok := lookupEncr(EncrAESCBC, len(key))
		require.True(t, ok)
		e, err := newEngine(spec, key, integSpec{}, nil)
		require.NoError(t, err)
		st = e.get()
		plain, want, iv := unhex(t, v.PlainHex), unhex(t, v.CipherHex), unhex(t, v.IVHex)
		for range 2 { // the second round reuses the armed modes
			out := make([]byte, len(plain))
			e.cbc(st, true, iv).CryptBlocks(out, plain)
			require.Equal(t, want, out, v.Name)
			back := make([]byte, len(out))
			e.cbc(st, false, iv).CryptBlocks(back, out)
			require.Equal(t, plain, back, v.Name)
		}
	}
	require.NotNil(t, st.enc, "the standard library's CBC mode offers SetIV")
}

// TestAESGCMVectors checks the RFC 4106 key ‖ salt split and the 8, 12 and
// 16-octet ICV variants against the GCM spec vectors.
func TestAESGCMVectors(t *testing.T) {
	ids := map[string]EncrID{"ENCR_AES_GCM_ICV8": EncrAESGCM8, "ENCR_AES_GCM_ICV12": EncrAESGCM12, "ENCR_AES_GCM_ICV16": EncrAESGCM16}
	n := 0
	for _, v := range strongSwanKATs(t, "aes_gcm.c") {
		key := unhex(t, v.KeyHex)
		spec, ok := lookupEncr(ids[v.Alg], len(key))
		require.True(t, ok, v.Name)
		e, err := newEngine(spec, key, integSpec{}, nil)
		require.NoError(t, err)
		st := e.get()
		plain := unhex(t, v.PlainHex)
		got := make([]byte, len(plain)+e.icv)
		if e.truncatedTag() {
			e.sealGCMShort(st, e.nonce(st, unhex(t, v.IVHex)), got, plain, unhex(t, v.AdataHex), got[len(plain):])
		} else {
			got = e.aead.Seal(nil, e.nonce(st, unhex(t, v.IVHex)), plain, unhex(t, v.AdataHex))
		}
		require.Equal(t, unhex(t, v.CipherHex), got, v.Name)
		if e.truncatedTag() {
			ct, icv := got[:len(plain)], got[len(plain):]
			back := make([]byte, len(plain))
			require.True(t, e.openGCMShort(st, e.nonce(st, unhex(t, v.IVHex)), back, ct, unhex(t, v.AdataHex), icv), v.Name)
			require.Equal(t, plain, back)
			bad := bytes.Clone(icv)
			bad[7] ^= 1
			clear(back)
			require.False(t, e.openGCMShort(st, e.nonce(st, unhex(t, v.IVHex)), back, ct, unhex(t, v.AdataHex), bad))
			require.Equal(t, make([]byte, len(plain)), back, "nothing written on a bad ICV")
		}
		n++
	}
	require.Equal(t, 21, n)
}

// TestHMACVectors checks each HMAC integrity transform's truncation against
// RFC 2202 / RFC 4868 data (strongSwan's signer vectors).
func TestHMACVectors(t *testing.T) {
	algs := map[string]IntegID{"AUTH_HMAC_SHA1_96": IntegHMACSHA196, "AUTH_HMAC_SHA2_256_128": IntegHMACSHA2256128,
		"AUTH_HMAC_SHA2_384_192": IntegHMACSHA2384192, "AUTH_HMAC_SHA2_512_256": IntegHMACSHA2512256}
	n := 0
	for _, file := range []string{"sha1_hmac.c", "sha2_hmac.c"} {
		for _, v := range strongSwanKATs(t, file) {
			id, ok := algs[v.Alg]
			if !ok {
				continue
			}
			spec, ok := lookupInteg(id)
			require.True(t, ok)
			m := hmac.New(spec.hmac, unhex(t, v.KeyHex))
			m.Write(unhex(t, v.DataHex))
			want := unhex(t, v.Mac)
			require.Equal(t, want[:spec.icvLen], m.Sum(nil)[:spec.icvLen], v.Name)
			icv, _ := iana.IntegID(id).ICVLen()
			require.Equal(t, icv, spec.icvLen)
			n++
		}
	}
	require.Equal(t, 11, n)
}
