package ikev2

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// Secret is key material. Printing it with fmt (any verb) or String shows
// only its length, so keys never reach logs by accident.
type Secret []byte

// String returns "[N-octet secret]".
func (s Secret) String() string { return "[" + strconv.Itoa(len(s)) + "-octet secret]" }

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// Format makes every fmt verb (%x and %s included) print String.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// Suite is the set of transforms negotiated for an IKE SA.
type Suite struct {
	Encr    EncrID
	KeyBits int // the Key Length attribute of the ENCR transform; 0 when it has none
	Integ   IntegID
	PRF     PRFID
	KE      KEID
}

// keyLens returns the key lengths the suite takes from prf+ (RFC 7296
// §2.14): SK_e (with the salt of AEAD and CTR transforms), SK_a and the
// PRF's preferred key length (SK_d, SK_p).
func (s Suite) keyLens() (e, a, p int, err error) {
	bits := s.KeyBits
	if bits == 0 && (s.Encr == iana.EncrAESCBC || s.Encr == iana.EncrAESCTR ||
		(s.Encr.IsAEAD() && s.Encr != iana.EncrChaCha20Poly1305)) {
		bits = 128
	}
	var ok bool
	if e, ok = s.Encr.KeyMaterialLen(bits); !ok {
		return 0, 0, 0, errs.New(layerName, "suite", 0, errs.ErrUnsupported, "encryption "+s.Encr.String()+" with this key length")
	}
	if s.Encr.IsAEAD() {
		if s.Integ != iana.IntegNone {
			return 0, 0, 0, errs.New(layerName, "suite", 0, errs.ErrMalformed, "an AEAD transform takes no integrity transform")
		}
	} else if a, ok = s.Integ.KeyLen(); !ok {
		return 0, 0, 0, errs.New(layerName, "suite", 0, errs.ErrUnsupported, "integrity "+s.Integ.String())
	}
	if p, ok = s.PRF.KeyLen(); !ok {
		return 0, 0, 0, errs.New(layerName, "suite", 0, errs.ErrUnsupported, "PRF "+s.PRF.String())
	}
	return e, a, p, nil
}

// Keys are the keys of an IKE SA (RFC 7296 §2.14). fmt prints them
// redacted.
type Keys struct {
	Suite    Suite
	SPIi     uint64
	SPIr     uint64
	SKEYSEED Secret
	D        Secret // SK_d: for Child SA keys and IKE SA rekeying
	Ai, Ar   Secret // SK_ai, SK_ar: integrity, initiator's and responder's messages
	Ei, Er   Secret // SK_ei, SK_er: encryption (with salt for AEAD and CTR)
	Pi, Pr   Secret // SK_pi, SK_pr: AUTH payload computation
}

// skeyseedKey is the PRF key for SKEYSEED = prf(Ni | Nr, g^ir): the nonces,
// except that AES128-XCBC and AES128-CMAC take only the first 64 bits of
// each (RFC 7296 §2.14).
func skeyseedKey(id PRFID, ni, nr []byte) ([]byte, error) {
	if id == iana.PRFAES128XCBC || id == iana.PRFAES128CMAC {
		if len(ni) < 8 || len(nr) < 8 {
			return nil, errs.New(layerName, "nonce", 0, errs.ErrMalformed, "nonces shorter than 64 bits")
		}
		k := make([]byte, 0, 16)
		return append(append(k, ni[:8]...), nr[:8]...), nil
	}
	return append(append(make([]byte, 0, len(ni)+len(nr)), ni...), nr...), nil
}

// DeriveKeys computes SKEYSEED and the seven SK_* keys of a new IKE SA
// (RFC 7296 §2.14):
//
//	SKEYSEED = prf(Ni | Nr, g^ir)
//	{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//
// sharedSecret is g^ir as the KeyExchange gives it (for MODP padded to the
// length of the prime; for ECP the x coordinate).
func DeriveKeys(s Suite, sharedSecret, ni, nr []byte, spii, spir uint64) (*Keys, error) {
	key, err := skeyseedKey(s.PRF, ni, nr)
	if err != nil {
		return nil, err
	}
	p, err := NewPRF(s.PRF, key)
	if err != nil {
		return nil, err
	}
	return deriveFrom(s, p.Compute(nil, sharedSecret), ni, nr, spii, spir)
}

// DeriveRekeyKeys computes the keys of the IKE SA that replaces old in a
// CREATE_CHILD_SA rekey (RFC 7296 §2.18):
//
//	SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
//
// with the old SA's PRF, then prf+ with the new suite's PRF, the new nonces
// and the new SPIs.
func DeriveRekeyKeys(old *Keys, s Suite, sharedSecret, ni, nr []byte, spii, spir uint64) (*Keys, error) {
	p, err := NewPRF(old.Suite.PRF, old.D)
	if err != nil {
		return nil, err
	}
	return deriveFrom(s, p.Compute(nil, sharedSecret, ni, nr), ni, nr, spii, spir)
}

func deriveFrom(s Suite, skeyseed, ni, nr []byte, spii, spir uint64) (*Keys, error) {
	e, a, pl, err := s.keyLens()
	if err != nil {
		return nil, err
	}
	p, err := NewPRF(s.PRF, skeyseed)
	if err != nil {
		return nil, err
	}
	km := make([]byte, 3*pl+2*a+2*e)
	var spis [16]byte
	binary.BigEndian.PutUint64(spis[:], spii)
	binary.BigEndian.PutUint64(spis[8:], spir)
	if err := p.Plus(km, ni, nr, spis[:]); err != nil {
		return nil, err
	}
	k := &Keys{Suite: s, SPIi: spii, SPIr: spir, SKEYSEED: skeyseed}
	take := func(n int) Secret {
		out := Secret(km[:n:n])
		km = km[n:]
		return out
	}
	k.D, k.Ai, k.Ar, k.Ei, k.Er, k.Pi, k.Pr = take(pl), take(a), take(a), take(e), take(e), take(pl), take(pl)
	return k, nil
}

// String describes the keys without printing them.
func (k *Keys) String() string {
	return "ikev2.Keys(" + k.Suite.Encr.String() + "/" + k.Suite.Integ.String() + "/" + k.Suite.PRF.String() +
		", spi " + hex64(k.SPIi) + "/" + hex64(k.SPIr) + ", keys redacted)"
}

// GoString is String, for %#v.
func (k *Keys) GoString() string { return k.String() }

// Protectors returns the Protectors of the SA's two directions: for the
// messages the original initiator sends (SK_ei, SK_ai) and for those the
// responder sends (SK_er, SK_ar).
func (k *Keys) Protectors() (initiator, responder *Protector, err error) {
	if initiator, err = NewProtector(k.Suite.Encr, k.Suite.KeyBits, k.Suite.Integ, k.Ei, k.Ai); err != nil {
		return nil, nil, err
	}
	if responder, err = NewProtector(k.Suite.Encr, k.Suite.KeyBits, k.Suite.Integ, k.Er, k.Ar); err != nil {
		return nil, nil, err
	}
	return initiator, responder, nil
}

// ChildKeys are the keys of a Child SA pair (RFC 7296 §2.17), in the order
// they are taken from KEYMAT: the SA carrying data from initiator to
// responder first, and for ESP the encryption key before the integrity key.
type ChildKeys struct {
	EncrI, IntegI Secret // initiator to responder
	EncrR, IntegR Secret // responder to initiator
}

// String describes the keys without printing them.
func (c *ChildKeys) String() string { return "ikev2.ChildKeys(keys redacted)" }

// GoString is String, for %#v.
func (c *ChildKeys) GoString() string { return c.String() }

// ChildKeys computes the keys of a Child SA pair (RFC 7296 §2.17):
//
//	KEYMAT = prf+(SK_d, Ni | Nr)                  without PFS (sharedSecret nil)
//	KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)     with PFS
//
// encr and keyBits are the ESP encryption transform (EncrNULL for AH or
// ESP without encryption), integ the integrity transform (IntegNone with an
// AEAD). Lengths come from internal/iana's KeyMaterialLen and KeyLen, so an
// AEAD or CTR key includes its salt. Ni and Nr are those of the exchange
// that creates the Child SA (of IKE_SA_INIT for the first one).
func (k *Keys) ChildKeys(encr EncrID, keyBits int, integ IntegID, sharedSecret, ni, nr []byte) (*ChildKeys, error) {
	if keyBits == 0 && (encr == iana.EncrAESCBC || encr == iana.EncrAESCTR ||
		(encr.IsAEAD() && encr != iana.EncrChaCha20Poly1305)) {
		keyBits = 128
	}
	e, ok := encr.KeyMaterialLen(keyBits)
	if !ok {
		return nil, errs.New(layerName, "child sa", 0, errs.ErrUnsupported, "encryption "+encr.String()+" with this key length")
	}
	a, ok := integ.KeyLen()
	if !ok {
		return nil, errs.New(layerName, "child sa", 0, errs.ErrUnsupported, "integrity "+integ.String())
	}
	p, err := NewPRF(k.Suite.PRF, k.D)
	if err != nil {
		return nil, err
	}
	km := make([]byte, 2*(e+a))
	if err := p.Plus(km, sharedSecret, ni, nr); err != nil {
		return nil, err
	}
	c := &ChildKeys{EncrI: Secret(km[:e:e]), IntegI: Secret(km[e : e+a : e+a])}
	km = km[e+a:]
	c.EncrR, c.IntegR = Secret(km[:e:e]), Secret(km[e:e+a:e+a])
	return c, nil
}
