package ikev2

import (
	"crypto/ecdh"
	"io"
	"math/big"
	"sync"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// KeyExchange is one side's ephemeral key for the KE payload (RFC 7296
// §1.2, §3.4) in one of the groups this package implements:
//
//   - MODP 2048, 3072, 4096, 6144 and 8192 (groups 14-18, RFC 3526),
//     generator 2, public values and g^ir as big-endian octets of the
//     prime's length;
//   - ECP 256, 384 and 521 (groups 19-21, RFC 5903), public values x | y
//     without the 0x04 prefix, g^ir the x coordinate;
//   - Curve25519 (group 31, RFC 8031), 32-octet values.
//
// Curve448 (group 32) is not implemented: the Go standard library has no
// X448. Public values received are checked as the RFCs require before use
// (CheckPublicValue). The private key never leaves the value; String
// redacts it.
type KeyExchange struct {
	group KEID
	modp  *modpGroup
	x     *big.Int // MODP private exponent
	pub   []byte
	ec    *ecdh.PrivateKey
}

type modpGroup struct {
	p, pMinus1 *big.Int
	size       int // octets
	expBits    int // private exponent size
}

var (
	modpOnce   sync.Once
	modpGroups map[KEID]*modpGroup
)

// modpExponentBits are the private exponent sizes RFC 3526 §8 suggests
// (twice the upper strength estimate of each group).
var modpExponentBits = map[KEID]int{
	iana.KEMODP2048: 320, iana.KEMODP3072: 420, iana.KEMODP4096: 480, iana.KEMODP6144: 540, iana.KEMODP8192: 620,
}

func modp(g KEID) *modpGroup {
	modpOnce.Do(func() {
		modpGroups = map[KEID]*modpGroup{}
		for id, h := range modpPrimeHex {
			p, _ := new(big.Int).SetString(h, 16)
			modpGroups[id] = &modpGroup{p: p, pMinus1: new(big.Int).Sub(p, big.NewInt(1)), size: len(h) / 2,
				expBits: modpExponentBits[id]}
		}
	})
	return modpGroups[g]
}

func ecCurve(g KEID) ecdh.Curve {
	switch g {
	case iana.KEECP256:
		return ecdh.P256()
	case iana.KEECP384:
		return ecdh.P384()
	case iana.KEECP521:
		return ecdh.P521()
	case iana.KECurve25519:
		return ecdh.X25519()
	}
	return nil
}

// PublicValueLen returns the length of a group's KE data, or 0 for a group
// this package does not implement.
func PublicValueLen(g KEID) int {
	if m := modp(g); m != nil {
		return m.size
	}
	switch g {
	case iana.KEECP256:
		return 64
	case iana.KEECP384:
		return 96
	case iana.KEECP521:
		return 132
	case iana.KECurve25519:
		return 32
	}
	return 0
}

func unsupportedGroup(g KEID) error {
	return errs.New(layerName, "ke: group", 0, errs.ErrUnsupported, "key exchange method "+g.String()+" not supported")
}

// NewKeyExchange makes a fresh private key in group g with randomness from
// rand (crypto/rand.Reader in production).
func NewKeyExchange(g KEID, rand io.Reader) (*KeyExchange, error) {
	if m := modp(g); m != nil {
		// A random exponent of the suggested size with its top bit set.
		b := make([]byte, (m.expBits+7)/8)
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, err
		}
		extra := len(b)*8 - m.expBits
		b[0] = b[0]&(0xff>>extra) | 0x80>>extra
		return keyExchangeFromPrivate(g, b)
	}
	c := ecCurve(g)
	if c == nil {
		return nil, unsupportedGroup(g)
	}
	k, err := c.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	return fromECDH(g, k), nil
}

// KeyExchangeFromPrivate rebuilds a KeyExchange from a known private value:
// the MODP exponent (big-endian), the ECP scalar, the X25519 scalar. It is
// for test vectors and reproducing captures; keys for use come from
// NewKeyExchange.
func KeyExchangeFromPrivate(g KEID, priv []byte) (*KeyExchange, error) {
	return keyExchangeFromPrivate(g, priv)
}

func keyExchangeFromPrivate(g KEID, priv []byte) (*KeyExchange, error) {
	if m := modp(g); m != nil {
		x := new(big.Int).SetBytes(priv)
		if x.Sign() == 0 || x.Cmp(m.pMinus1) >= 0 {
			return nil, errs.New(layerName, "ke: private value", 0, errs.ErrMalformed, "exponent out of range")
		}
		y := new(big.Int).Exp(big.NewInt(2), x, m.p)
		return &KeyExchange{group: g, modp: m, x: x, pub: y.FillBytes(make([]byte, m.size))}, nil
	}
	c := ecCurve(g)
	if c == nil {
		return nil, unsupportedGroup(g)
	}
	k, err := c.NewPrivateKey(priv)
	if err != nil {
		return nil, errs.New(layerName, "ke: private value", 0, errs.ErrMalformed, err.Error())
	}
	return fromECDH(g, k), nil
}

func fromECDH(g KEID, k *ecdh.PrivateKey) *KeyExchange {
	pub := k.PublicKey().Bytes()
	if g != iana.KECurve25519 {
		pub = pub[1:] // RFC 5903 §7: x | y, without the SEC1 0x04
	}
	return &KeyExchange{group: g, ec: k, pub: pub}
}

// Group returns the key exchange method.
func (k *KeyExchange) Group() KEID { return k.group }

// PublicValue returns the Key Exchange Data for the KE payload.
func (k *KeyExchange) PublicValue() []byte { return k.pub }

// String describes the key without its private part.
func (k *KeyExchange) String() string {
	return "ikev2.KeyExchange(" + k.group.String() + ", private key redacted)"
}

// GoString is String, for %#v.
func (k *KeyExchange) GoString() string { return k.String() }

// CheckPublicValue applies the checks the RFCs require of a peer's Key
// Exchange Data before use: the exact length of the group (RFC 7296 §3.4
// for MODP; RFC 5903 §7; RFC 8031 §2); for MODP 1 < y < p-1 (RFC 7296
// §3.4 with RFC 6989 §2.1: these primes are safe, so no subgroup test is
// needed beyond excluding 0, 1 and p-1); for ECP a point on the curve other
// than the point at infinity (RFC 6989 §2.3, done by crypto/ecdh).
// Curve25519's all-zero shared secret check (RFC 8031 §2.3) is made by
// SharedSecret.
func CheckPublicValue(g KEID, v []byte) error {
	want := PublicValueLen(g)
	if want == 0 {
		return unsupportedGroup(g)
	}
	if len(v) != want {
		return errs.MalformedValue(layerName, "ke: data", 4, "public value length differs from the group's", len(v), want)
	}
	if m := modp(g); m != nil {
		y := new(big.Int).SetBytes(v)
		if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(m.pMinus1) >= 0 {
			return errs.Malformed(layerName, "ke: data", 4, "MODP public value not in 2..p-2")
		}
		return nil
	}
	if _, err := ecdhPublic(g, v); err != nil {
		return err
	}
	return nil
}

func ecdhPublic(g KEID, v []byte) (*ecdh.PublicKey, error) {
	c := ecCurve(g)
	raw := v
	if g != iana.KECurve25519 {
		raw = append([]byte{4}, v...)
	}
	pk, err := c.NewPublicKey(raw)
	if err != nil {
		return nil, errs.Malformed(layerName, "ke: data", 4, "public value is not a point of the curve")
	}
	return pk, nil
}

// SharedSecret computes g^ir with the peer's Key Exchange Data, after
// CheckPublicValue: for MODP as many octets as the prime, for ECP the x
// coordinate, for Curve25519 the 32-octet X25519 output (refused when it is
// all zeros, RFC 8031 §2.3).
func (k *KeyExchange) SharedSecret(peer []byte) (Secret, error) {
	if err := CheckPublicValue(k.group, peer); err != nil {
		return nil, err
	}
	if k.modp != nil {
		y := new(big.Int).SetBytes(peer)
		z := new(big.Int).Exp(y, k.x, k.modp.p)
		if z.Cmp(big.NewInt(1)) <= 0 {
			return nil, errs.Malformed(layerName, "ke: data", 4, "degenerate MODP shared secret")
		}
		return Secret(z.FillBytes(make([]byte, k.modp.size))), nil
	}
	pk, err := ecdhPublic(k.group, peer)
	if err != nil {
		return nil, err
	}
	z, err := k.ec.ECDH(pk)
	if err != nil {
		return nil, errs.Malformed(layerName, "ke: data", 4, "low-order public value: all-zero shared secret")
	}
	return Secret(z), nil
}
