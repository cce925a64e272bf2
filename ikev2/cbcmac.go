package ikev2

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
)

// AES-XCBC-MAC (RFC 3566) and AES-CMAC (RFC 4493) are CBC-MACs over AES
// that differ only in the subkeys they derive and XOR into the last block.
// Neither is in the Go standard library or golang.org/x/crypto; as with CCM
// they are written here as modes over crypto/aes's Block, with the AES
// primitive left to the standard library. They back the PRFs
// PRF_AES128_XCBC (RFC 4434) and PRF_AES128_CMAC (RFC 4615) and the
// integrity algorithms AUTH_AES_XCBC_96 and AUTH_AES_CMAC_96.

// cbcMAC is a streaming CBC-MAC with a special last block: complete last
// blocks are XORed with kFull, padded ones (10* padding) with kPad. It is
// not safe for concurrent use; Reset makes it reusable without allocating.
type cbcMAC struct {
	b     cipher.Block
	kFull [16]byte
	kPad  [16]byte
	x     [16]byte // running CBC state
	buf   [16]byte // pending input, held back until more arrives
	n     int
	tx    [16]byte // Sum's scratch: blocks given to cipher.Block escape,
	tl    [16]byte // so they live here rather than on the stack
}

// newXCBC returns AES-XCBC-MAC keyed with a 16-octet key (RFC 3566 §4):
// K1 = E(K, 0x01…), K2 = E(K, 0x02…), K3 = E(K, 0x03…); blocks are
// encrypted with K1, the last XORed with K2 if complete, K3 if padded.
func newXCBC(key []byte) (*cbcMAC, error) {
	k, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var k1, c [16]byte
	m := new(cbcMAC)
	for i := range c {
		c[i] = 1
	}
	k.Encrypt(k1[:], c[:])
	for i := range c {
		c[i] = 2
	}
	k.Encrypt(m.kFull[:], c[:])
	for i := range c {
		c[i] = 3
	}
	k.Encrypt(m.kPad[:], c[:])
	if m.b, err = aes.NewCipher(k1[:]); err != nil {
		return nil, err
	}
	return m, nil
}

// newCMAC returns AES-CMAC keyed with a 16, 24 or 32-octet key (RFC 4493
// §2.3): L = E(K, 0), K1 = dbl(L), K2 = dbl(K1).
func newCMAC(key []byte) (*cbcMAC, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	m := &cbcMAC{b: b}
	var l [16]byte
	b.Encrypt(l[:], l[:])
	m.kFull = dbl(l)
	m.kPad = dbl(m.kFull)
	return m, nil
}

// dbl doubles in GF(2^128) with the CMAC polynomial (constant-time).
func dbl(in [16]byte) [16]byte {
	var out [16]byte
	carry := in[0] >> 7
	for i := 0; i < 15; i++ {
		out[i] = in[i]<<1 | in[i+1]>>7
	}
	out[15] = in[15]<<1 ^ (0x87 & -carry)
	return out
}

func (m *cbcMAC) Reset() {
	m.x, m.buf, m.n = [16]byte{}, [16]byte{}, 0
}

func (m *cbcMAC) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if m.n == 16 {
			subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
			m.b.Encrypt(m.x[:], m.x[:])
			m.n = 0
		}
		k := copy(m.buf[m.n:], p)
		m.n += k
		p = p[k:]
	}
	return total, nil
}

// Sum appends the 16-octet MAC to b and leaves the state untouched.
func (m *cbcMAC) Sum(b []byte) []byte {
	m.tl, m.tx = m.buf, m.x
	last, x := &m.tl, &m.tx
	if m.n == 16 {
		subtle.XORBytes(last[:], last[:], m.kFull[:])
	} else {
		last[m.n] = 0x80
		clear(last[m.n+1:])
		subtle.XORBytes(last[:], last[:], m.kPad[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	m.b.Encrypt(x[:], x[:])
	return append(b, x[:]...)
}

func (m *cbcMAC) Size() int      { return 16 }
func (m *cbcMAC) BlockSize() int { return 16 }
