package ipsec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// cbcMode is the reusable CBC interface the standard library's CBC
// encrypter and decrypter implement (crypto/tls relies on it too): SetIV
// re-arms the mode for the next packet, so a BlockMode is built once per
// state instead of cipher.NewCBCEncrypter allocating for every packet.
type cbcMode interface {
	cipher.BlockMode
	SetIV([]byte)
}

// opState is the mutable per-operation state: HMAC, CBC modes and small
// buffers. States are pooled per SA so that concurrent Seal or Open calls
// each get their own and steady-state calls allocate nothing.
type opState struct {
	mac     hash.Hash
	enc     cbcMode
	dec     cbcMode
	sum     [64]byte
	nonce   [12]byte
	aad     [12]byte
	seqHi   [4]byte
	ks      [48]byte // CTR counter block and keystream
	tail    [16]byte
	scratch []byte // contiguous AAD for GMAC with ESN, and AH headers
}

// engine holds one SA's keyed primitives, built once. Everything in it is
// read-only after construction, so it is safe for concurrent use; mutable
// state lives in the pooled opState.
type engine struct {
	encr  encrSpec
	integ integSpec
	kind  cryptoKind
	salt  [4]byte
	aead  cipher.AEAD  // AEAD, GMAC, and for CTR the GCM whose keystream is RFC 3686's
	block cipher.Block // CBC and CTR
	icv   int          // ICV octets on the wire
	// truncated: an AEAD ICV shorter than the tag its cipher.AEAD makes
	// (AES-GCM with 8 octets).
	truncated bool
	pool      sync.Pool
}

func newEngine(encr encrSpec, encrKey []byte, integ integSpec, integKey []byte) (*engine, error) {
	e := &engine{encr: encr, integ: integ, kind: encr.kind}
	copy(e.salt[:], encrKey[encr.keyLen:])
	key := encrKey[:encr.keyLen]
	var err error
	switch encr.kind {
	case kindAEAD:
		if encr.chacha {
			e.aead, err = chacha20poly1305.New(key)
		} else {
			e.block, err = aes.NewCipher(key)
			if err == nil && encr.icvLen < minGCMTag {
				e.aead, err = cipher.NewGCM(e.block)
			} else if err == nil {
				e.aead, err = cipher.NewGCMWithTagSize(e.block, encr.icvLen)
			}
		}
		e.icv = encr.icvLen
	case kindGMAC:
		e.block, err = aes.NewCipher(key)
		if err == nil {
			e.aead, err = cipher.NewGCM(e.block)
		}
		e.icv = 16
	case kindCBC:
		if encr.blockSize == des.BlockSize {
			e.block, err = des.NewTripleDESCipher(key)
		} else {
			e.block, err = aes.NewCipher(key)
		}
		e.icv = integ.icvLen
	case kindCTR:
		e.block, err = aes.NewCipher(key)
		if err == nil {
			e.aead, err = cipher.NewGCM(e.block)
		}
		e.icv = integ.icvLen
	case kindNull:
		e.icv = integ.icvLen
	}
	if err != nil {
		return nil, err
	}
	e.truncated = e.kind == kindAEAD && e.icv < e.aead.Overhead()
	macKey := append([]byte(nil), integKey...)
	blockSize := 0
	if e.kind == kindCBC {
		blockSize = e.block.BlockSize()
	}
	e.pool.New = func() any {
		st := &opState{}
		if integ.hmac != nil {
			st.mac = hmac.New(integ.hmac, macKey)
		}
		if blockSize > 0 {
			iv := make([]byte, blockSize)
			st.enc, _ = cipher.NewCBCEncrypter(e.block, iv).(cbcMode)
			st.dec, _ = cipher.NewCBCDecrypter(e.block, iv).(cbcMode)
		}
		return st
	}
	return e, nil
}

// minGCMTag is the shortest tag crypto/cipher's GCM accepts. RFC 4106's
// 8-octet ICV is the first half of the 16-octet tag (NIST SP 800-38D
// §5.2.1.2); sealGCMShort and openGCMShort derive it from the full tag.
const minGCMTag = 12

// truncatedTag reports whether the AEAD's ICV is shorter than the tag its
// cipher.AEAD produces.
func (e *engine) truncatedTag() bool { return e.truncated }

// scratchFor returns st.scratch with room for n octets.
func (st *opState) scratchFor(n int) []byte {
	if cap(st.scratch) < n {
		st.scratch = make([]byte, n, n+n/2)
	}
	return st.scratch[:n]
}

// sealGCMShort encrypts pt into ct (same length, may be the same memory)
// and writes the truncated ICV into icv.
func (e *engine) sealGCMShort(st *opState, nonce, ct, pt, aad, icv []byte) {
	buf := st.scratchFor(len(pt) + 16)
	out := e.aead.Seal(buf[:0], nonce, pt, aad)
	copy(ct, out[:len(pt)])
	copy(icv, out[len(pt):])
}

// openGCMShort checks a truncated ICV and decrypts ct into out. GCM's
// stream is its own inverse, so sealing ct yields the candidate plaintext;
// sealing that candidate yields the full tag of ct, whose first octets are
// compared in constant time with icv. out is written only when they match,
// so no unauthenticated plaintext leaves, as with crypto/cipher's own GCM
// Open, which also decrypts while it authenticates.
func (e *engine) openGCMShort(st *opState, nonce, out, ct, aad, icv []byte) bool {
	n := len(ct)
	buf := st.scratchFor(2 * (n + 16))
	plain := e.aead.Seal(buf[:0], nonce, ct, nil)[:n]
	tag := e.aead.Seal(buf[n+16:n+16], nonce, plain, aad)[n:]
	if subtle.ConstantTimeCompare(tag[:len(icv)], icv) != 1 {
		clear(buf)
		return false
	}
	copy(out, plain)
	clear(plain)
	return true
}

func (e *engine) get() *opState   { return e.pool.Get().(*opState) }
func (e *engine) put(st *opState) { e.pool.Put(st) }

// cbc arms a CBC mode with iv; when the mode lacks SetIV (not the case in
// the standard library) a fresh one is built, which allocates.
func (e *engine) cbc(st *opState, encrypt bool, iv []byte) cipher.BlockMode {
	if encrypt {
		if st.enc != nil {
			st.enc.SetIV(iv)
			return st.enc
		}
		return cipher.NewCBCEncrypter(e.block, iv)
	}
	if st.dec != nil {
		st.dec.SetIV(iv)
		return st.dec
	}
	return cipher.NewCBCDecrypter(e.block, iv)
}

// ctrXOR sets dst to src XOR the RFC 3686 key stream for iv: counter blocks
// nonce ‖ IV ‖ 1, 2, 3, … under the AES key. dst and src have equal length
// and overlap exactly or not at all.
//
// crypto/cipher.NewCTR copies the expanded key into a new stream for every
// packet and cannot be re-armed with another IV, so it allocates per packet.
// GCM's encryption is the same counter mode (NIST SP 800-38D GCTR) with
// counter blocks N ‖ 2, 3, …: with N = nonce ‖ IV, GCM's stream is RFC 3686's
// from the second block on. The first block (counter 1) and the last 16
// octets (where Seal writes its tag, which is thrown away) are done with the
// block cipher directly; everything between goes through the SA's GCM, which
// allocates nothing and uses the hardware AES-CTR path.
func (e *engine) ctrXOR(st *opState, iv, dst, src []byte) {
	n := len(src)
	cb := st.ks[:16]
	copy(cb, e.salt[:])
	copy(cb[4:12], iv)
	binary.BigEndian.PutUint32(cb[12:], 1)
	ks := st.ks[16:32]
	e.block.Encrypt(ks, cb)
	first := min(n, 16)
	subtle.XORBytes(dst[:first], src[:first], ks[:first])
	if n <= 16 {
		return
	}
	mid := 0
	if n-16 > 16 {
		mid = n - 32 // octets 16 … n-16 go through GCM
	}
	tailOff := 16 + mid
	tail := st.tail[:n-tailOff]
	copy(tail, src[tailOff:])
	if mid > 0 {
		copy(st.nonce[:4], e.salt[:])
		copy(st.nonce[4:], iv)
		e.aead.Seal(dst[16:16], st.nonce[:], src[16:16+mid], nil)
	}
	// Key stream for the tail: it spans block tailOff/16 and maybe the next.
	b := uint32(tailOff / 16)
	binary.BigEndian.PutUint32(cb[12:], b+1)
	e.block.Encrypt(st.ks[16:32], cb)
	binary.BigEndian.PutUint32(cb[12:], b+2)
	e.block.Encrypt(st.ks[32:48], cb)
	skip := tailOff % 16
	subtle.XORBytes(dst[tailOff:], tail, st.ks[16+skip:16+skip+len(tail)])
}
