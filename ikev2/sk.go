package ikev2

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"math"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// Opened is the result of opening an SK or SKF payload.
type Opened struct {
	// Message is the message in plain form: the header, the payloads
	// before SK, and the SK (or SKF) payload whose body is the decrypted
	// content, with the header Length and the payload Length rewritten to
	// match. Parser.Start reads it; Protector.SealWith gives back the
	// original message from it, IV and Padding.
	Message []byte
	// Inner is the decrypted content within Message: for SK the chain of
	// inner payloads, for SKF this fragment's part of it.
	Inner []byte
	// First is the SK or SKF Next Payload field: the type of the first
	// inner payload (0 in SKF fragments after the first).
	First PayloadType
	// Fragment and Total are the SKF Fragment Number and Total Fragments,
	// zero for SK.
	Fragment, Total uint16
	// IV is the Initialization Vector as received (aliasing the input).
	IV []byte
	// Padding is the padding before the Pad Length octet (aliasing dst,
	// right after Message).
	Padding []byte
}

// Protector seals and opens the SK payloads (RFC 7296 §3.14) and SKF
// payloads (RFC 7383) of one direction of an IKE SA: SK_ei/SK_ai for
// messages from the original initiator, SK_er/SK_ar for the other way.
//
// Supported encryption: AES-CBC (RFC 3602) and AES-CTR (RFC 5930) with 128,
// 192 or 256-bit keys and 3DES-CBC, each with HMAC-SHA1-96, HMAC-SHA1-160,
// HMAC-SHA2-256-128, -384-192, -512-256 (RFC 4868), AES-XCBC-96 (RFC 3566)
// or AES-CMAC-96 (RFC 4494); and the AEAD transforms AES-GCM with 8, 12 or
// 16-octet ICVs, AES-CCM with 8, 12 or 16-octet ICVs (RFC 5282) and
// ChaCha20-Poly1305 (RFC 7634), keyed with key | salt.
//
// Open authenticates before it decrypts: the ICV over the whole message is
// compared in constant time before any decryption, and AEAD transforms
// release plaintext only after the tag verified. A Protector is safe for
// concurrent use; Seal and Open allocate nothing when dst has room.
type Protector struct {
	encr    EncrID
	keyBits int
	integ   IntegID

	aead      cipher.AEAD // AEAD transforms
	gcm8      cipher.AEAD // for GCM with an 8-octet ICV: the 16-octet GCM it truncates
	salt      [4]byte
	saltLen   int
	block     cipher.Block // CBC and CTR
	blockSize int          // alignment of the encrypted part (1 for stream modes)
	ivLen     int
	icvLen    int

	states sync.Pool // *skState
	newMAC func() hash.Hash

	ivSeq atomic.Uint64
}

// skState is the per-call state of a Seal or Open, pooled so that calls
// run concurrently without allocating: the keyed MAC, the CBC modes, and
// scratch blocks (which would escape to the heap if they were locals, since
// cipher.Block and cipher.AEAD are interfaces).
type skState struct {
	mac            hash.Hash
	sum            [64]byte
	nonce          [12]byte
	ctr, ks        [16]byte
	cbcEnc, cbcDec cipher.BlockMode
	scratch        []byte // GCM-8: the 16-octet-tag sealing
}

type ivSetter interface{ SetIV([]byte) }

func (p *Protector) state() *skState {
	if st, ok := p.states.Get().(*skState); ok {
		return st
	}
	st := new(skState)
	if p.newMAC != nil {
		st.mac = p.newMAC()
	}
	if p.blockSize > 1 {
		st.cbcEnc = cipher.NewCBCEncrypter(p.block, make([]byte, p.ivLen))
		st.cbcDec = cipher.NewCBCDecrypter(p.block, make([]byte, p.ivLen))
	}
	return st
}

// NewProtector returns a Protector for the negotiated transforms: encr with
// its Key Length in bits (0 for fixed-size keys), integ (IntegNone with an
// AEAD), the encryption key (for AEAD and CTR transforms: key | salt, as
// RFC 5282, RFC 7634 and RFC 5930 take it from the keying material) and the
// integrity key. The keys are copied.
func NewProtector(encr EncrID, keyBits int, integ IntegID, skE, skA []byte) (*Protector, error) {
	p := &Protector{encr: encr, keyBits: keyBits, integ: integ}
	unsupported := func(what string) error {
		return errs.New(layerName, "sk", 0, errs.ErrUnsupported, what)
	}
	if encr == iana.EncrAESCBC || encr == iana.EncrAESCTR || encr.IsAEAD() {
		if keyBits == 0 && encr != iana.EncrChaCha20Poly1305 {
			keyBits = 128
		}
	}
	want, ok := encr.KeyMaterialLen(keyBits)
	if !ok || encr == iana.EncrNULL || encr == iana.EncrNULLAuthAESGMAC ||
		(encr >= iana.EncrCamelliaCBC && encr <= iana.EncrCamelliaCCM16) {
		return nil, unsupported("encryption " + encr.String() + " not supported for SK")
	}
	if len(skE) != want {
		return nil, &errs.DecodeError{Layer: layerName, Field: "sk: encryption key", Err: errs.ErrMalformed,
			Detail: "wrong length for " + encr.String(), Have: len(skE), Need: want}
	}
	p.keyBits = keyBits
	if encr.IsAEAD() {
		if integ != iana.IntegNone {
			return nil, errs.New(layerName, "sk", 0, errs.ErrMalformed, "an AEAD transform takes no integrity transform")
		}
		if err := p.initAEAD(skE); err != nil {
			return nil, err
		}
		return p, nil
	}
	if err := p.initCipher(skE); err != nil {
		return nil, err
	}
	if err := p.initMAC(skA); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Protector) initAEAD(skE []byte) error {
	p.ivLen, p.blockSize = 8, 1
	switch p.encr {
	case iana.EncrChaCha20Poly1305:
		a, err := chacha20poly1305.New(skE[:32])
		if err != nil {
			return err
		}
		p.aead, p.saltLen, p.icvLen = a, 4, 16
		copy(p.salt[:], skE[32:])
		return nil
	}
	n := p.keyBits / 8
	b, err := aes.NewCipher(skE[:n])
	if err != nil {
		return err
	}
	p.icvLen = p.encr.ICVLen()
	switch p.encr {
	case iana.EncrAESGCM12, iana.EncrAESGCM16:
		p.aead, err = cipher.NewGCMWithTagSize(b, p.icvLen)
		p.saltLen = 4
	case iana.EncrAESGCM8:
		// crypto/cipher refuses tags shorter than 12 octets; an 8-octet
		// ICV is the 16-octet GCM tag truncated (RFC 4106 §3).
		p.gcm8, err = cipher.NewGCM(b)
		p.block, p.saltLen = b, 4
	case iana.EncrAESCCM8, iana.EncrAESCCM12, iana.EncrAESCCM16:
		p.aead, err = newCCM(b, 11, p.icvLen)
		p.saltLen = 3
	}
	copy(p.salt[:], skE[n:])
	return err
}

func (p *Protector) initCipher(skE []byte) error {
	var err error
	switch p.encr {
	case iana.EncrAESCBC:
		p.block, err = aes.NewCipher(skE)
		p.ivLen, p.blockSize = 16, 16
	case iana.Encr3DES:
		p.block, err = des.NewTripleDESCipher(skE)
		p.ivLen, p.blockSize = 8, 8
	case iana.EncrAESCTR:
		n := p.keyBits / 8
		p.block, err = aes.NewCipher(skE[:n])
		copy(p.salt[:], skE[n:])
		p.saltLen, p.ivLen, p.blockSize = 4, 8, 1
		return err
	}
	return err
}

func (p *Protector) initMAC(skA []byte) error {
	keyLen, ok := p.integ.KeyLen()
	icv, _ := p.integ.ICVLen()
	if !ok || p.integ == iana.IntegNone {
		return errs.New(layerName, "sk", 0, errs.ErrUnsupported, "integrity "+p.integ.String()+" not supported for SK")
	}
	if len(skA) != keyLen {
		return &errs.DecodeError{Layer: layerName, Field: "sk: integrity key", Err: errs.ErrMalformed,
			Detail: "wrong length for " + p.integ.String(), Have: len(skA), Need: keyLen}
	}
	key := append([]byte(nil), skA...)
	var newMAC func() hash.Hash
	switch p.integ {
	case iana.IntegHMACSHA196, iana.IntegHMACSHA1160:
		newMAC = func() hash.Hash { return hmac.New(sha1.New, key) }
	case iana.IntegHMACSHA2256128:
		newMAC = func() hash.Hash { return hmac.New(sha256.New, key) }
	case iana.IntegHMACSHA2384192:
		newMAC = func() hash.Hash { return hmac.New(sha512.New384, key) }
	case iana.IntegHMACSHA2512256:
		newMAC = func() hash.Hash { return hmac.New(sha512.New, key) }
	case iana.IntegAESXCBC96:
		if _, err := newXCBC(key); err != nil {
			return err
		}
		newMAC = func() hash.Hash { m, _ := newXCBC(key); return m }
	case iana.IntegAESCMAC96:
		if _, err := newCMAC(key); err != nil {
			return err
		}
		newMAC = func() hash.Hash { m, _ := newCMAC(key); return m }
	default:
		return errs.New(layerName, "sk", 0, errs.ErrUnsupported, "integrity "+p.integ.String()+" not supported for SK")
	}
	p.icvLen, p.newMAC = icv, newMAC
	return nil
}

// Encr, KeyBits and Integ return the transforms the Protector uses.
func (p *Protector) Encr() EncrID   { return p.encr }
func (p *Protector) KeyBits() int   { return p.keyBits }
func (p *Protector) Integ() IntegID { return p.integ }
func (p *Protector) IVLen() int     { return p.ivLen }
func (p *Protector) ICVLen() int    { return p.icvLen }
func (p *Protector) BlockSize() int { return p.blockSize }
func (p *Protector) String() string {
	return "ikev2.Protector(" + p.encr.String() + ", " + p.integ.String() + ", keys redacted)"
}
func (p *Protector) GoString() string { return p.String() }

// Overhead returns how many octets sealing adds to the inner payloads of a
// message at most: IV, the largest minimal padding, the Pad Length octet
// and the ICV.
func (p *Protector) Overhead() int { return p.ivLen + p.blockSize + p.icvLen }

// findEncrypted walks the generic payload chain of msg (which starts with
// an IKE header whose Length is len(msg)) to its SK or SKF payload and
// returns the offset of its generic header.
func findEncrypted(msg []byte) (off int, t PayloadType, err error) {
	h, err := DecodeHeader(msg)
	if err != nil {
		return 0, 0, err
	}
	if err := h.check(len(msg)); err != nil {
		return 0, 0, err
	}
	off, next := HeaderLen, h.NextPayload
	for next != PayloadNone {
		if len(msg)-off < PayloadHeaderLen {
			return 0, 0, errs.Truncated(layerName, "payload "+next.String(), off, PayloadHeaderLen, len(msg)-off)
		}
		n := int(binary.BigEndian.Uint16(msg[off+2:]))
		if n < PayloadHeaderLen || n > len(msg)-off {
			return 0, 0, errs.MalformedValue(layerName, "payload "+next.String()+": length", off+2,
				"does not fit the message", n, len(msg)-off)
		}
		if next == PayloadSK || next == PayloadSKF {
			if off+n != len(msg) {
				return 0, 0, errs.Malformed(layerName, "payload "+next.String(), off, "not the last payload of the message")
			}
			return off, next, nil
		}
		next = PayloadType(msg[off])
		off += n
	}
	return 0, 0, errs.New(layerName, "sk", off, errs.ErrMalformed, "message has no SK or SKF payload")
}

func encHeaderLen(t PayloadType) int {
	if t == PayloadSKF {
		return PayloadHeaderLen + 4
	}
	return PayloadHeaderLen
}

// Open authenticates and decrypts the SK or SKF payload of msg, a whole
// message as received, and appends the message in plain form to dst (see
// Opened). It allocates nothing when dst has room for msg.
func (p *Protector) Open(dst, msg []byte) (Opened, error) {
	off, t, err := findEncrypted(msg)
	if err != nil {
		return Opened{}, err
	}
	hl := encHeaderLen(t)
	if len(msg)-off < hl {
		return Opened{}, errs.Truncated(layerName, "payload SKF", off, hl, len(msg)-off)
	}
	o := Opened{First: PayloadType(msg[off])}
	if t == PayloadSKF {
		o.Fragment = binary.BigEndian.Uint16(msg[off+4:])
		o.Total = binary.BigEndian.Uint16(msg[off+6:])
		if err := checkFragmentNumbers(o.Fragment, o.Total, off+4); err != nil {
			return Opened{}, err
		}
	}
	body := msg[off+hl:]
	encLen := len(body) - p.ivLen - p.icvLen
	if encLen < 1 {
		return Opened{}, &errs.DecodeError{Layer: layerName, Field: "sk: encrypted data", Offset: off + hl,
			Err: errs.ErrTruncated, Detail: "", Need: p.ivLen + 1 + p.icvLen, Have: len(body)}
	}
	if encLen%p.blockSize != 0 {
		return Opened{}, errs.MalformedValue(layerName, "sk: encrypted data", off+hl+p.ivLen,
			"not a whole number of cipher blocks", encLen, p.blockSize)
	}
	o.IV = body[:p.ivLen]
	enc := body[p.ivLen : p.ivLen+encLen]
	icv := body[p.ivLen+encLen:]
	prefix := off + hl
	st := p.state()
	defer p.states.Put(st)
	if st.mac != nil && !p.verifyICV(st, msg[:len(msg)-p.icvLen], icv) {
		return Opened{}, errs.New(layerName, "sk: integrity checksum", len(msg)-p.icvLen, errs.ErrAuthentication,
			"ICV does not verify")
	}
	ret, out := grow(dst, prefix+encLen+p.icvLen)
	copy(out, msg[:prefix])
	pt := out[prefix : prefix+encLen]
	if err := p.decrypt(st, pt, enc, icv, o.IV, msg[:prefix]); err != nil {
		return Opened{}, errs.New(layerName, "sk: integrity checksum", len(msg)-p.icvLen, errs.ErrAuthentication,
			"AEAD tag does not verify")
	}
	padLen := int(pt[encLen-1])
	if padLen+1 > encLen {
		clear(pt)
		return Opened{}, errs.MalformedValue(layerName, "sk: pad length", off+hl+p.ivLen+encLen-1,
			"longer than the decrypted data", padLen, encLen-1)
	}
	innerLen := encLen - 1 - padLen
	o.Inner = pt[:innerLen]
	o.Padding = pt[innerLen : innerLen+padLen]
	o.Message = ret[len(dst) : len(dst)+prefix+innerLen]
	m := o.Message
	binary.BigEndian.PutUint32(m[24:], uint32(len(m)))
	binary.BigEndian.PutUint16(m[off+2:], uint16(hl+innerLen))
	return o, nil
}

// verifyICV computes the integrity checksum over data and compares it with
// icv in constant time.
func (p *Protector) verifyICV(st *skState, data, icv []byte) bool {
	st.mac.Reset()
	st.mac.Write(data)
	s := st.mac.Sum(st.sum[:0])
	return hmac.Equal(s[:p.icvLen], icv)
}

func (p *Protector) nonce(st *skState, iv []byte) []byte {
	copy(st.nonce[:], p.salt[:p.saltLen])
	copy(st.nonce[p.saltLen:], iv)
	return st.nonce[:p.saltLen+len(iv)]
}

// decrypt decrypts enc into pt (same length). For AEAD transforms tag is
// the ICV and aad the authenticated prefix; an error means the tag did not
// verify, and pt is then zeroed.
func (p *Protector) decrypt(st *skState, pt, enc, tag, iv, aad []byte) error {
	switch {
	case p.aead != nil:
		// Open needs ciphertext | tag contiguous: they are, in the input.
		ct := enc[:len(enc)+len(tag)]
		if _, err := p.aead.Open(pt[:0], p.nonce(st, iv), ct, aad); err != nil {
			clear(pt)
			return err
		}
	case p.gcm8 != nil:
		return p.openGCM8(st, pt, enc, tag, p.nonce(st, iv), aad)
	case p.encr == iana.EncrAESCTR:
		ctrXOR(st, p.block, pt, enc, p.nonce(st, iv), 1)
	default:
		st.cbcDec.(ivSetter).SetIV(iv)
		st.cbcDec.CryptBlocks(pt, enc)
	}
	return nil
}

// ctrXOR XORs src with the counter-mode key stream of nonce | counter
// (32-bit big-endian, starting at first) into dst: RFC 3686/5930 for
// AES-CTR (first 1) and the GCM key stream (first 2).
func ctrXOR(st *skState, b cipher.Block, dst, src, nonce []byte, first uint32) {
	ctr, ks := &st.ctr, &st.ks
	*ctr = [16]byte{}
	copy(ctr[:], nonce)
	n := first
	for len(src) > 0 {
		binary.BigEndian.PutUint32(ctr[12:], n)
		b.Encrypt(ks[:], ctr[:])
		k := subtle.XORBytes(dst, src, ks[:])
		dst, src = dst[k:], src[k:]
		n++
	}
}

// openGCM8 opens AES-GCM with an 8-octet ICV: it decrypts with the GCM key
// stream, computes the full 16-octet tag by sealing the plaintext again, and
// releases the plaintext only if the first 8 octets match.
func (p *Protector) openGCM8(st *skState, pt, enc, tag, nonce, aad []byte) error {
	ctrXOR(st, p.block, pt, enc, nonce, 2)
	full := p.gcm8.Seal(st.scratch[:0], nonce, pt, aad)
	st.scratch = full[:0]
	if subtle.ConstantTimeCompare(full[len(pt):len(pt)+8], tag) != 1 {
		clear(pt)
		return errCCMOpen
	}
	return nil
}

// Seal encrypts and protects a message in plain form (as Builder.Finish
// gives it after StartSK: the SK payload holding the inner payloads in
// clear) and appends the message to send to dst. The IV is fresh: random
// for CBC, a per-Protector counter for AES-CTR and the AEAD transforms (it
// refuses to seal once the 64-bit counter is exhausted); the padding is the
// minimum, zeros.
func (p *Protector) Seal(dst, plain []byte) ([]byte, error) {
	return p.seal(dst, plain, nil, nil, false)
}

// SealWith is Seal with the IV and the padding octets given: for
// reproducing a captured message exactly (Opened gives both) and for tests.
// The caller is responsible for never using an IV twice with one key: for
// the AEAD transforms and AES-CTR that would break confidentiality and
// integrity. The padding must make the encrypted part a whole number of
// cipher blocks and be at most 255 octets.
func (p *Protector) SealWith(dst, plain, iv, padding []byte) ([]byte, error) {
	if len(iv) != p.ivLen {
		return dst, &errs.DecodeError{Layer: layerName, Field: "sk: IV", Err: errs.ErrMalformed,
			Detail: "wrong IV length", Have: len(iv), Need: p.ivLen}
	}
	return p.seal(dst, plain, iv, padding, true)
}

func (p *Protector) seal(dst, plain, iv, padding []byte, explicit bool) ([]byte, error) {
	off, t, err := findEncrypted(plain)
	if err != nil {
		return dst, err
	}
	hl := encHeaderLen(t)
	if len(plain)-off < hl {
		return dst, errs.Truncated(layerName, "payload SKF", off, hl, len(plain)-off)
	}
	inner := plain[off+hl:]
	padLen := 0
	if explicit {
		padLen = len(padding)
	} else if r := (len(inner) + 1) % p.blockSize; r != 0 {
		padLen = p.blockSize - r
	}
	if padLen > 255 || (len(inner)+padLen+1)%p.blockSize != 0 {
		return dst, errs.MalformedValue(layerName, "sk: padding", 0,
			"padding must align the encrypted data to the cipher block and be at most 255 octets", padLen, 0)
	}
	encLen := len(inner) + padLen + 1
	prefix := off + hl
	total := prefix + p.ivLen + encLen + p.icvLen
	if total-off > math.MaxUint16 {
		return dst, errs.New(layerName, "payload "+t.String()+": length", off+2, errs.ErrTooLarge, "sealed payload longer than 65535 octets")
	}
	ret, out := grow(dst, total)
	copy(out, plain[:prefix])
	binary.BigEndian.PutUint32(out[24:], uint32(total))
	binary.BigEndian.PutUint16(out[off+2:], uint16(total-off))
	ivOut := out[prefix : prefix+p.ivLen]
	if explicit {
		copy(ivOut, iv)
	} else if err := p.freshIV(ivOut); err != nil {
		return dst, err
	}
	enc := out[prefix+p.ivLen : prefix+p.ivLen+encLen]
	copy(enc, inner)
	if explicit {
		copy(enc[len(inner):], padding)
	} else {
		clear(enc[len(inner) : len(inner)+padLen])
	}
	enc[encLen-1] = byte(padLen)
	st := p.state()
	defer p.states.Put(st)
	switch {
	case p.aead != nil:
		p.aead.Seal(enc[:0], p.nonce(st, ivOut), enc, out[:prefix])
	case p.gcm8 != nil:
		full := p.gcm8.Seal(st.scratch[:0], p.nonce(st, ivOut), enc, out[:prefix])
		copy(out[prefix+p.ivLen:], full[:encLen+8])
		st.scratch = full[:0]
	case p.encr == iana.EncrAESCTR:
		ctrXOR(st, p.block, enc, enc, p.nonce(st, ivOut), 1)
	default:
		st.cbcEnc.(ivSetter).SetIV(ivOut)
		st.cbcEnc.CryptBlocks(enc, enc)
	}
	if st.mac != nil {
		st.mac.Reset()
		st.mac.Write(out[:total-p.icvLen])
		s := st.mac.Sum(st.sum[:0])
		copy(out[total-p.icvLen:], s[:p.icvLen])
	}
	return ret, nil
}

// freshIV fills iv: a counter for the transforms that need uniqueness
// (AEAD, CTR), random octets for CBC, which needs unpredictability.
func (p *Protector) freshIV(iv []byte) error {
	if p.blockSize == 1 {
		n := p.ivSeq.Add(1)
		if n == 0 || n == math.MaxUint64 {
			p.ivSeq.Store(math.MaxUint64)
			return errs.New(layerName, "sk: IV", 0, errs.ErrTooLarge, "IV counter exhausted: rekey the IKE SA")
		}
		binary.BigEndian.PutUint64(iv, n)
		return nil
	}
	_, err := rand.Read(iv)
	return err
}
