package ikev2

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"sync"
	"unsafe"
)

// CCM (Counter with CBC-MAC, NIST SP 800-38C, RFC 3610) is the mode of
// AES-CCM in RFC 4309 (ESP) and RFC 5282 (IKEv2). Neither the Go standard
// library nor golang.org/x/crypto offers it, so it is written here as a mode
// over crypto/cipher's Block: the AES primitive (with its hardware path) is
// the standard library's; this file only chains block encryptions as SP
// 800-38C §6.1 and §6.2 describe (CBC-MAC over the formatted input, CTR for
// the payload and the tag), with no table, no secret-dependent branch, and
// a constant-time tag compare. It is tested against the RFC 3610 packet
// vectors, the SP 800-38C Appendix C examples, the strongSwan AES-CCM vectors
// with RFC 4309 framing, and Wireshark's aes128ccm12 IKEv2 frames.

var errCCMOpen = errors.New("ccm: message authentication failed")

// ccm is a cipher.AEAD for CCM over a 128-bit block cipher, safe for
// concurrent use, that allocates nothing when dst has room.
type ccm struct {
	b         cipher.Block
	nonceSize int // 15 - L, 7 to 13
	tagSize   int // M: 4, 6, 8, 10, 12, 14 or 16
	states    sync.Pool
}

// ccmState is per-call scratch. It lives on the heap (in a pool) because
// blocks passed to cipher.Block, an interface, escape.
type ccmState struct {
	x, blk, a, s, tag, s0, want [16]byte
}

// newCCM returns CCM with the given nonce (7-13) and tag (4-16, even) sizes.
func newCCM(b cipher.Block, nonceSize, tagSize int) (*ccm, error) {
	if b.BlockSize() != 16 {
		return nil, errors.New("ccm: block size must be 16")
	}
	if nonceSize < 7 || nonceSize > 13 {
		return nil, errors.New("ccm: nonce size must be 7 to 13")
	}
	if tagSize < 4 || tagSize > 16 || tagSize%2 != 0 {
		return nil, errors.New("ccm: tag size must be an even number from 4 to 16")
	}
	c := &ccm{b: b, nonceSize: nonceSize, tagSize: tagSize}
	c.states.New = func() any { return new(ccmState) }
	return c, nil
}

func (c *ccm) NonceSize() int { return c.nonceSize }
func (c *ccm) Overhead() int  { return c.tagSize }

// maxLen is the largest payload the length field of L octets can hold.
func (c *ccm) maxLen() uint64 {
	l := 15 - c.nonceSize
	if l >= 8 {
		return 1<<63 - 1
	}
	return 1<<(8*l) - 1
}

// mac computes the CBC-MAC T (SP 800-38C §6.1 steps 1-4) of nonce, aad and
// plaintext into tag.
func (c *ccm) mac(st *ccmState, nonce, aad, plaintext []byte) {
	l := 15 - c.nonceSize
	x := &st.x // B0, then the running Y
	*x = [16]byte{}
	x[0] = byte((c.tagSize-2)/2)<<3 | byte(l-1)
	if len(aad) > 0 {
		x[0] |= 0x40
	}
	copy(x[1:], nonce)
	n := uint64(len(plaintext))
	for i := 15; i > c.nonceSize; i-- {
		x[i] = byte(n)
		n >>= 8
	}
	c.b.Encrypt(x[:], x[:])
	if len(aad) > 0 {
		// The associated data, after its encoded length, zero-padded to
		// whole blocks (SP 800-38C §A.2.2).
		blk := &st.blk
		*blk = [16]byte{}
		k := 0
		switch a := uint64(len(aad)); {
		case a < 1<<16-1<<8:
			binary.BigEndian.PutUint16(blk[:], uint16(a))
			k = 2
		case a <= 1<<32-1:
			blk[0], blk[1] = 0xff, 0xfe
			binary.BigEndian.PutUint32(blk[2:], uint32(a))
			k = 6
		default:
			blk[0], blk[1] = 0xff, 0xff
			binary.BigEndian.PutUint64(blk[2:], a)
			k = 10
		}
		for len(aad) > 0 {
			m := copy(blk[k:], aad)
			aad = aad[m:]
			k += m
			if k == 16 || len(aad) == 0 {
				clear(blk[k:])
				subtle.XORBytes(x[:], x[:], blk[:])
				c.b.Encrypt(x[:], x[:])
				k = 0
			}
		}
	}
	for len(plaintext) >= 16 {
		subtle.XORBytes(x[:], x[:], plaintext[:16])
		c.b.Encrypt(x[:], x[:])
		plaintext = plaintext[16:]
	}
	if len(plaintext) > 0 {
		subtle.XORBytes(x[:len(plaintext)], x[:len(plaintext)], plaintext)
		c.b.Encrypt(x[:], x[:])
	}
	st.tag = *x
}

// ctr XORs src with the key stream S_1, S_2, … into dst and returns S_0 in
// s0 (SP 800-38C §6.1 steps 5-8).
func (c *ccm) ctr(st *ccmState, dst, src []byte, nonce []byte) {
	a, s := &st.a, &st.s
	*a = [16]byte{}
	a[0] = byte(14 - c.nonceSize) // L-1
	copy(a[1:], nonce)
	c.b.Encrypt(st.s0[:], a[:])
	for len(src) > 0 {
		for i := 15; i > c.nonceSize; i-- { // increment the L-octet counter
			a[i]++
			if a[i] != 0 {
				break
			}
		}
		c.b.Encrypt(s[:], a[:])
		n := subtle.XORBytes(dst, src, s[:])
		dst, src = dst[n:], src[n:]
	}
}

func (c *ccm) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != c.nonceSize {
		panic("ccm: incorrect nonce length")
	}
	if uint64(len(plaintext)) > c.maxLen() {
		panic("ccm: plaintext too long")
	}
	st := c.states.Get().(*ccmState)
	defer c.states.Put(st)
	c.mac(st, nonce, aad, plaintext)
	ret, out := grow(dst, len(plaintext)+c.tagSize)
	if inexactOverlap(out, plaintext) {
		panic("ccm: invalid buffer overlap")
	}
	c.ctr(st, out, plaintext, nonce)
	subtle.XORBytes(out[len(plaintext):], st.tag[:c.tagSize], st.s0[:c.tagSize])
	return ret
}

func (c *ccm) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != c.nonceSize {
		panic("ccm: incorrect nonce length")
	}
	if len(ciphertext) < c.tagSize || uint64(len(ciphertext)-c.tagSize) > c.maxLen() {
		return nil, errCCMOpen
	}
	n := len(ciphertext) - c.tagSize
	received := ciphertext[n:]
	ret, out := grow(dst, n)
	if inexactOverlap(out, ciphertext) {
		panic("ccm: invalid buffer overlap")
	}
	st := c.states.Get().(*ccmState)
	defer c.states.Put(st)
	// CCM authenticates the plaintext, so it is decrypted first; it is
	// released only if the tag matches, and wiped otherwise.
	copy(st.want[:], received)
	c.ctr(st, out, ciphertext[:n], nonce)
	c.mac(st, nonce, aad, out)
	subtle.XORBytes(st.tag[:c.tagSize], st.tag[:c.tagSize], st.s0[:c.tagSize])
	if subtle.ConstantTimeCompare(st.tag[:c.tagSize], st.want[:c.tagSize]) != 1 {
		clear(out)
		return nil, errCCMOpen
	}
	return ret, nil
}

// grow extends in by n octets, reusing its capacity, and returns the whole
// slice and the n new octets.
func grow(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	return head, head[len(in):]
}

// inexactOverlap reports whether x and y share memory at different offsets
// (the same rule as crypto/cipher: in-place is fine, shifted is not).
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	return anyOverlap(x, y)
}

func anyOverlap(x, y []byte) bool {
	return len(x) > 0 && len(y) > 0 &&
		uintptrOf(x) <= uintptrOf(y[len(y)-1:]) && uintptrOf(y) <= uintptrOf(x[len(x)-1:])
}

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }
