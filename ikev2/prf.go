package ikev2

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// PRF is an IKEv2 pseudorandom function with its key (RFC 7296 §2.13):
// HMAC-SHA1, HMAC-SHA2-256/384/512 (RFC 4868), AES128-XCBC (RFC 4434) or
// AES128-CMAC (RFC 4615). It is keyed once; Sum and Plus then allocate
// nothing when given room. A PRF is not safe for concurrent use.
type PRF struct {
	id    PRFID
	h     hash.Hash
	size  int
	ctr   [1]byte
	block [64]byte
}

// NewPRF keys a PRF. HMAC PRFs take a key of any length; the AES PRFs
// adjust theirs to 128 bits as their RFCs say: AES128-XCBC pads a shorter
// key with zeros and replaces a longer one by its XCBC-MAC under the zero
// key (RFC 4434 §2); AES128-CMAC replaces any key that is not 128 bits by
// its CMAC under the zero key (RFC 4615 §3).
func NewPRF(id PRFID, key []byte) (*PRF, error) {
	p := &PRF{id: id}
	switch id {
	case iana.PRFHMACSHA1:
		p.h = hmac.New(sha1.New, key)
	case iana.PRFHMACSHA2256:
		p.h = hmac.New(sha256.New, key)
	case iana.PRFHMACSHA2384:
		p.h = hmac.New(sha512.New384, key)
	case iana.PRFHMACSHA2512:
		p.h = hmac.New(sha512.New, key)
	case iana.PRFAES128XCBC:
		m, err := aesPRF(key, newXCBC, len(key) <= 16)
		if err != nil {
			return nil, err
		}
		p.h = m
	case iana.PRFAES128CMAC:
		m, err := aesPRF(key, newCMAC, len(key) == 16)
		if err != nil {
			return nil, err
		}
		p.h = m
	default:
		return nil, errs.New(layerName, "prf", 0, errs.ErrUnsupported, "PRF "+id.String()+" not supported")
	}
	p.size = p.h.Size()
	return p, nil
}

// aesPRF keys an AES-based PRF with a 128-bit key made from key: key itself
// zero-padded when direct, else the MAC of key under the all-zero key.
func aesPRF(key []byte, newMAC func([]byte) (*cbcMAC, error), direct bool) (*cbcMAC, error) {
	var k [16]byte
	if direct {
		copy(k[:], key)
	} else {
		z, err := newMAC(k[:])
		if err != nil {
			return nil, err
		}
		z.Write(key)
		z.Sum(k[:0])
	}
	return newMAC(k[:])
}

// ID returns the PRF's transform ID.
func (p *PRF) ID() PRFID { return p.id }

// Size returns the output length in octets.
func (p *PRF) Size() int { return p.size }

// Write adds data to the input of the next Sum.
func (p *PRF) Write(b []byte) { p.h.Write(b) }

// Sum appends prf(key, input written since the last Sum) to dst and resets
// the input.
func (p *PRF) Sum(dst []byte) []byte {
	dst = p.h.Sum(dst)
	p.h.Reset()
	return dst
}

// Compute appends prf(key, a | b | c …) to dst.
func (p *PRF) Compute(dst []byte, data ...[]byte) []byte {
	p.h.Reset()
	for _, d := range data {
		p.h.Write(d)
	}
	return p.Sum(dst)
}

// maxPlusBlocks is the largest counter prf+ may use (RFC 7296 §2.13: the
// counter is one octet, so at most 255 blocks).
const maxPlusBlocks = 255

// Plus fills out with prf+(key, seed) (RFC 7296 §2.13):
//
//	T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), output T1 | T2 | …
//
// where S is the seed pieces concatenated. It fails when out is longer
// than 255 PRF outputs.
func (p *PRF) Plus(out []byte, seed ...[]byte) error {
	if len(out) > maxPlusBlocks*p.size {
		return &errs.DecodeError{Layer: layerName, Field: "prf+", Err: errs.ErrTooLarge,
			Detail: "more keying material than 255 PRF outputs", Have: len(out), Need: maxPlusBlocks * p.size}
	}
	var prev []byte
	for n, o := 1, 0; o < len(out); n++ {
		p.h.Reset()
		p.h.Write(prev)
		for _, s := range seed {
			p.h.Write(s)
		}
		p.ctr[0] = byte(n)
		p.h.Write(p.ctr[:])
		t := p.Sum(p.block[:0])
		c := copy(out[o:], t)
		prev = out[o : o+c]
		if c < len(t) {
			break
		}
		o += c
	}
	clear(p.block[:])
	return nil
}
