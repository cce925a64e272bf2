package ipsec

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// EncrID is an IKEv2 Transform Type 1 (encryption algorithm) ID, the IANA
// number that names an ESP cipher. The ikev2 package uses the same type.
type EncrID = iana.EncrID

// IntegID is an IKEv2 Transform Type 3 (integrity algorithm) ID.
type IntegID = iana.IntegID

// The encryption transforms this package implements for ESP.
const (
	EncrNULL             = iana.EncrNULL             // RFC 2410, with an integrity algorithm
	Encr3DES             = iana.Encr3DES             // RFC 2451, for old captures (RFC 8221: SHOULD NOT)
	EncrAESCBC           = iana.EncrAESCBC           // RFC 3602, 128/192/256-bit keys
	EncrAESCTR           = iana.EncrAESCTR           // RFC 3686, key ‖ 4-octet nonce
	EncrAESGCM8          = iana.EncrAESGCM8          // RFC 4106, 8-octet ICV, key ‖ 4-octet salt
	EncrAESGCM12         = iana.EncrAESGCM12         // RFC 4106, 12-octet ICV
	EncrAESGCM16         = iana.EncrAESGCM16         // RFC 4106, 16-octet ICV
	EncrNULLAuthAESGMAC  = iana.EncrNULLAuthAESGMAC  // RFC 4543 (ENCR_NULL_AUTH_AES_GMAC), integrity only
	EncrChaCha20Poly1305 = iana.EncrChaCha20Poly1305 // RFC 7634, 32-octet key ‖ 4-octet salt
)

// The integrity transforms this package implements for ESP and AH.
const (
	IntegNone           = iana.IntegNone           // with an AEAD, or ESP confidentiality only
	IntegHMACSHA196     = iana.IntegHMACSHA196     // RFC 2404
	IntegHMACSHA2256128 = iana.IntegHMACSHA2256128 // RFC 4868
	IntegHMACSHA2384192 = iana.IntegHMACSHA2384192 // RFC 4868
	IntegHMACSHA2512256 = iana.IntegHMACSHA2512256 // RFC 4868
	IntegAES128GMAC     = iana.IntegAES128GMAC     // RFC 4543, AH only; key ‖ 4-octet salt
	IntegAES192GMAC     = iana.IntegAES192GMAC     // RFC 4543, AH only
	IntegAES256GMAC     = iana.IntegAES256GMAC     // RFC 4543, AH only
)

// cryptoKind is how a transform pair protects the packet.
type cryptoKind uint8

const (
	kindAEAD cryptoKind = iota // AES-GCM, ChaCha20-Poly1305
	kindGMAC                   // ESP ENCR_NULL_AUTH_AES_GMAC: everything is AAD
	kindCBC                    // AES-CBC, 3DES-CBC (+ HMAC)
	kindCTR                    // AES-CTR (+ HMAC)
	kindNull                   // ENCR_NULL + HMAC
)

// encrSpec describes an encryption transform as used in ESP.
type encrSpec struct {
	kind      cryptoKind
	keyLen    int // cipher key octets, without salt or nonce
	saltLen   int
	ivLen     int
	blockSize int // cipher block for CBC (ciphertext must be a multiple), 1 otherwise
	icvLen    int // AEAD tag length, 0 for the others
	chacha    bool
}

// lookupEncr validates an ESP encryption transform and its keying material
// with internal/iana's lengths and returns how to use it.
func lookupEncr(e EncrID, keyMaterial int) (encrSpec, bool) {
	var s encrSpec
	switch e {
	case EncrNULL:
		s.kind = kindNull
	case EncrAESCBC, Encr3DES:
		s.kind = kindCBC
	case EncrAESCTR:
		s.kind = kindCTR
	case EncrAESGCM8, EncrAESGCM12, EncrAESGCM16, EncrChaCha20Poly1305:
		s.kind = kindAEAD
	case EncrNULLAuthAESGMAC:
		s.kind = kindGMAC
	default:
		return s, false
	}
	bits := 0
	for _, b := range []int{128, 192, 256} {
		if n, ok := e.KeyMaterialLen(b); ok && n == keyMaterial {
			bits = b
			break
		}
	}
	if n, ok := e.KeyMaterialLen(bits); !ok || n != keyMaterial {
		return s, false
	}
	s.keyLen = bits / 8
	switch e {
	case EncrNULL:
		s.keyLen = 0
	case Encr3DES:
		s.keyLen = 24
	case EncrChaCha20Poly1305:
		s.keyLen = 32
		s.chacha = true
	}
	s.saltLen = keyMaterial - s.keyLen
	s.ivLen, _ = e.IVLen()
	s.icvLen = e.ICVLen()
	s.blockSize = 1
	if s.kind == kindCBC {
		s.blockSize = s.ivLen
	}
	return s, true
}

// integSpec describes an integrity transform.
type integSpec struct {
	hmac   func() hash.Hash // nil for GMAC and none
	keyLen int
	icvLen int
	gmac   bool
}

func lookupInteg(i IntegID) (integSpec, bool) {
	var s integSpec
	switch i {
	case IntegNone:
	case IntegHMACSHA196:
		s.hmac = sha1.New
	case IntegHMACSHA2256128:
		s.hmac = sha256.New
	case IntegHMACSHA2384192:
		s.hmac = sha512.New384
	case IntegHMACSHA2512256:
		s.hmac = sha512.New
	case IntegAES128GMAC, IntegAES192GMAC, IntegAES256GMAC:
		s.gmac = true
	default:
		return s, false
	}
	s.keyLen, _ = i.KeyLen()
	s.icvLen, _ = i.ICVLen()
	return s, true
}

// padAlign is the alignment ESP padding brings payload, pad length and next
// header to: the cipher block, and at least 4 octets so the ICV starts on a
// 32-bit boundary (RFC 4303 §2.4).
func (s encrSpec) padAlign() int {
	if s.blockSize > 4 {
		return s.blockSize
	}
	return 4
}
