package ipsec

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCBCIVs: an AES-CBC SA makes its IVs as NIST SP 800-38A Appendix C
// recommends, the block cipher under the SA's key applied to a nonce that
// never repeats: S ⊕ sequence number, with S drawn at random per SA.
// Decrypting the IVs with the key shows exactly that (the nonces of packets
// i and 1 differ by i ⊕ 1), no IV repeats, two SAs with the same key pick
// different S, and the packets open.
func TestCBCIVs(t *testing.T) {
	c := Config{SPI: 9, Encr: EncrAESCBC, EncrKey: key(32, 7), Integ: IntegHMACSHA2256128, IntegKey: key(32, 8)}
	tx, rx := pair(t, c)
	block, err := aes.NewCipher(c.EncrKey)
	require.NoError(t, err)
	seen := map[[16]byte]bool{}
	var first [16]byte
	for i := uint64(1); i <= 2000; i++ {
		p, err := tx.Seal(nil, 4, []byte("payload"))
		require.NoError(t, err)
		iv := [16]byte(p[8:24])
		require.False(t, seen[iv], "IV of packet %d repeats", i)
		seen[iv] = true
		var nonce, diff, want [16]byte
		block.Decrypt(nonce[:], iv[:])
		if i == 1 {
			first = nonce
		}
		subtle.XORBytes(diff[:], nonce[:], first[:])
		binary.BigEndian.PutUint64(want[8:], i^1)
		require.Equal(t, want, diff, "packet %d: E⁻¹(IV) is S ⊕ sequence number", i)
		_, err = rx.Open(nil, p)
		require.NoError(t, err)
	}
	other, err := NewOutboundESP(c)
	require.NoError(t, err)
	p, err := other.Seal(nil, 4, []byte("payload"))
	require.NoError(t, err)
	var nonce [16]byte
	block.Decrypt(nonce[:], p[8:24])
	require.NotEqual(t, first, nonce, "a second SA with the same key draws its own S")
}
