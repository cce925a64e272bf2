package iana

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNames(t *testing.T) {
	require.Equal(t, "ENCR_AES_GCM_16", EncrAESGCM16.String())
	require.Equal(t, "ENCR_CHACHA20_POLY1305", EncrID(28).String())
	require.Equal(t, "PRF_HMAC_SHA2_256", PRFHMACSHA2256.String())
	require.Equal(t, "AUTH_HMAC_SHA2_256_128", IntegID(12).String())
	require.Equal(t, "CURVE25519", KEID(31).String())
	require.Equal(t, "EncrID(17)", EncrID(17).String(), "17 is unassigned")
	require.Equal(t, "ADDKE3", TransformType(8).String())
	require.Equal(t, "ESN", ESN.String())
}

func TestKeyLengths(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"AES-GCM-16 128 takes key and 4-octet salt (RFC 4106 §8.1)", must(EncrAESGCM16.KeyMaterialLen(128)), 20},
		{"AES-CCM-8 256 takes key and 3-octet salt (RFC 4309 §7.1)", must(EncrAESCCM8.KeyMaterialLen(256)), 35},
		{"AES-CTR 192 takes key and 4-octet nonce (RFC 3686 §5.1)", must(EncrAESCTR.KeyMaterialLen(192)), 28},
		{"ChaCha20-Poly1305 takes 32 and 4 (RFC 7634 §2)", must(EncrChaCha20Poly1305.KeyMaterialLen(0)), 36},
		{"AES-CBC 256", must(EncrAESCBC.KeyMaterialLen(256)), 32},
		{"HMAC-SHA2-512-256 key (RFC 4868 §2.1.1)", must(IntegHMACSHA2512256.KeyLen()), 64},
		{"HMAC-SHA2-384-192 ICV", must(IntegHMACSHA2384192.ICVLen()), 24},
		{"HMAC-SHA1-96 ICV (RFC 2404)", must(IntegHMACSHA196.ICVLen()), 12},
		{"AES-256-GMAC key with salt (RFC 4543)", must(IntegAES256GMAC.KeyLen()), 36},
		{"PRF AES128-XCBC (RFC 4434)", must(PRFAES128XCBC.KeyLen()), 16},
		{"AES-CBC IV", must(EncrAESCBC.IVLen()), 16},
		{"GCM IV", must(EncrAESGCM16.IVLen()), 8},
		{"GCM-12 ICV", EncrAESGCM12.ICVLen(), 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { require.Equal(t, tt.want, tt.got) })
	}
	_, ok := EncrAESCBC.KeyMaterialLen(100)
	require.False(t, ok, "AES with a 100-bit key")
	_, ok = EncrID(99).KeyMaterialLen(128)
	require.False(t, ok)
	require.True(t, EncrChaCha20Poly1305.IsAEAD())
	require.False(t, EncrAESCBC.IsAEAD())
}

func must(n int, ok bool) int {
	if !ok {
		return -1
	}
	return n
}
