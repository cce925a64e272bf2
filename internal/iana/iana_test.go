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
