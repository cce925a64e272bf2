package ikev2

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"io"
	"math/big"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// keyPad is the constant of PSK authentication (RFC 7296 §2.15).
var keyPad = []byte("Key Pad for IKEv2")

// SignedOctets appends to dst the octets an AUTH payload signs or MACs
// (RFC 7296 §2.15):
//
//	InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
//	ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
//	MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
//
// realMessage is the first message the signer sent (its IKE_SA_INIT
// message, whole, as sent), peerNonce the Nonce Data of the other side's
// IKE_SA_INIT message, skP the signer's SK_pi or SK_pr, and idBody the body
// of the signer's IDi or IDr payload (ID Type, RESERVED and data: the
// payload without its generic header).
func SignedOctets(dst []byte, prf PRFID, skP, realMessage, peerNonce, idBody []byte) ([]byte, error) {
	p, err := NewPRF(prf, skP)
	if err != nil {
		return dst, err
	}
	dst = append(append(dst, realMessage...), peerNonce...)
	return p.Compute(dst, idBody), nil
}

// PSKAuth appends the Authentication Data of a shared-key AUTH payload
// (RFC 7296 §2.15): prf(prf(Shared Secret, "Key Pad for IKEv2"), octets).
// The same computation, with SK_pi or SK_pr as the shared secret, gives the
// AUTH of EAP methods that make no MSK (§2.16) and of NULL authentication
// (RFC 7619 §2.1); with the MSK, that of EAP methods that make one.
func PSKAuth(dst []byte, prf PRFID, secret, octets []byte) ([]byte, error) {
	p, err := NewPRF(prf, secret)
	if err != nil {
		return dst, err
	}
	var k [64]byte
	inner, err := NewPRF(prf, p.Compute(k[:0], keyPad))
	if err != nil {
		return dst, err
	}
	return inner.Compute(dst, octets), nil
}

// VerifyPSKAuth recomputes a shared-key AUTH and compares it with got in
// constant time.
func VerifyPSKAuth(prf PRFID, secret, octets, got []byte) error {
	want, err := PSKAuth(nil, prf, secret, octets)
	if err != nil {
		return err
	}
	if !hmac.Equal(want, got) {
		return errs.New(layerName, "auth", 0, errs.ErrAuthentication, "shared-key AUTH does not verify")
	}
	return nil
}

// SignatureAlgorithm is a signature scheme an AUTH payload can carry: the
// schemes of the RFC 7296 methods (RSA with SHA-1, ECDSA of RFC 4754) and
// the AlgorithmIdentifiers of RFC 7427 Digital Signature (method 14).
type SignatureAlgorithm int

// Signature algorithms.
const (
	SigUnknown SignatureAlgorithm = iota
	SigRSAPKCS1SHA1
	SigRSAPKCS1SHA256
	SigRSAPKCS1SHA384
	SigRSAPKCS1SHA512
	SigRSAPSSSHA256 // RSASSA-PSS, MGF1 with the same hash, salt the hash length (RFC 7427 App. A.4)
	SigRSAPSSSHA384
	SigRSAPSSSHA512
	SigECDSASHA1
	SigECDSASHA256
	SigECDSASHA384
	SigECDSASHA512
	SigEd25519 // RFC 8420
)

var sigNames = [...]string{"unknown", "sha1WithRSAEncryption", "sha256WithRSAEncryption", "sha384WithRSAEncryption",
	"sha512WithRSAEncryption", "RSASSA-PSS-SHA256", "RSASSA-PSS-SHA384", "RSASSA-PSS-SHA512", "ecdsa-with-SHA1",
	"ecdsa-with-SHA256", "ecdsa-with-SHA384", "ecdsa-with-SHA512", "Ed25519"}

func (s SignatureAlgorithm) String() string {
	if int(s) < len(sigNames) {
		return sigNames[s]
	}
	return "SignatureAlgorithm(?)"
}

func (s SignatureAlgorithm) hash() crypto.Hash {
	switch s {
	case SigRSAPKCS1SHA1, SigECDSASHA1:
		return crypto.SHA1
	case SigRSAPKCS1SHA256, SigRSAPSSSHA256, SigECDSASHA256:
		return crypto.SHA256
	case SigRSAPKCS1SHA384, SigRSAPSSSHA384, SigECDSASHA384:
		return crypto.SHA384
	case SigRSAPKCS1SHA512, SigRSAPSSSHA512, SigECDSASHA512:
		return crypto.SHA512
	}
	return 0
}

func (s SignatureAlgorithm) isPSS() bool { return s >= SigRSAPSSSHA256 && s <= SigRSAPSSSHA512 }
func (s SignatureAlgorithm) isECDSA() bool {
	return s >= SigECDSASHA1 && s <= SigECDSASHA512
}

var (
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSASHA1     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength   int                      `asn1:"explicit,tag:2"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

var nullParams = asn1.RawValue{Tag: asn1.TagNull}

// AlgorithmIdentifier returns the DER AlgorithmIdentifier RFC 7427 puts in
// the AUTH payload for the algorithm (the encodings of RFC 7427 Appendix A:
// NULL parameters for RSA PKCS#1, none for ECDSA and Ed25519, explicit
// RSASSA-PSS-params for PSS).
func (s SignatureAlgorithm) AlgorithmIdentifier() ([]byte, error) {
	var ai pkix.AlgorithmIdentifier
	switch s {
	case SigRSAPKCS1SHA1:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidSHA1WithRSA, Parameters: nullParams}
	case SigRSAPKCS1SHA256:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidSHA256WithRSA, Parameters: nullParams}
	case SigRSAPKCS1SHA384:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidSHA384WithRSA, Parameters: nullParams}
	case SigRSAPKCS1SHA512:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidSHA512WithRSA, Parameters: nullParams}
	case SigECDSASHA1:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA1}
	case SigECDSASHA256:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA256}
	case SigECDSASHA384:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA384}
	case SigECDSASHA512:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA512}
	case SigEd25519:
		ai = pkix.AlgorithmIdentifier{Algorithm: oidEd25519}
	case SigRSAPSSSHA256, SigRSAPSSSHA384, SigRSAPSSSHA512:
		h := map[SignatureAlgorithm]asn1.ObjectIdentifier{SigRSAPSSSHA256: oidSHA256, SigRSAPSSSHA384: oidSHA384,
			SigRSAPSSSHA512: oidSHA512}[s]
		hashAI := pkix.AlgorithmIdentifier{Algorithm: h, Parameters: nullParams}
		hashDER, err := asn1.Marshal(hashAI)
		if err != nil {
			return nil, err
		}
		params, err := asn1.Marshal(pssParams{Hash: hashAI,
			MGF:        pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: hashDER}},
			SaltLength: s.hash().Size(), TrailerField: 1})
		if err != nil {
			return nil, err
		}
		ai = pkix.AlgorithmIdentifier{Algorithm: oidRSAPSS, Parameters: asn1.RawValue{FullBytes: params}}
	default:
		return nil, errs.New(layerName, "auth", 0, errs.ErrUnsupported, "signature algorithm "+s.String())
	}
	return asn1.Marshal(ai)
}

// ParseAlgorithmIdentifier identifies the signature algorithm of an RFC
// 7427 AlgorithmIdentifier. RSASSA-PSS is accepted with MGF1 over the same
// hash as the message hash and any salt length, which it returns.
func ParseAlgorithmIdentifier(der []byte) (SignatureAlgorithm, int, error) {
	var ai pkix.AlgorithmIdentifier
	rest, err := asn1.Unmarshal(der, &ai)
	if err != nil || len(rest) != 0 {
		return SigUnknown, 0, errs.New(layerName, "auth: algorithm identifier", 1, errs.ErrMalformed, "not a DER AlgorithmIdentifier")
	}
	simple := map[string]SignatureAlgorithm{
		oidSHA1WithRSA.String(): SigRSAPKCS1SHA1, oidSHA256WithRSA.String(): SigRSAPKCS1SHA256,
		oidSHA384WithRSA.String(): SigRSAPKCS1SHA384, oidSHA512WithRSA.String(): SigRSAPKCS1SHA512,
		oidECDSASHA1.String(): SigECDSASHA1, oidECDSASHA256.String(): SigECDSASHA256,
		oidECDSASHA384.String(): SigECDSASHA384, oidECDSASHA512.String(): SigECDSASHA512, oidEd25519.String(): SigEd25519,
	}
	if s, ok := simple[ai.Algorithm.String()]; ok {
		return s, 0, nil
	}
	if !ai.Algorithm.Equal(oidRSAPSS) {
		return SigUnknown, 0, errs.New(layerName, "auth: algorithm identifier", 1, errs.ErrUnsupported,
			"signature algorithm "+ai.Algorithm.String()+" not supported")
	}
	var pp pssParams
	if _, err := asn1.Unmarshal(ai.Parameters.FullBytes, &pp); err != nil {
		return SigUnknown, 0, errs.New(layerName, "auth: algorithm identifier", 1, errs.ErrMalformed, "bad RSASSA-PSS parameters")
	}
	var mgfHash pkix.AlgorithmIdentifier
	if !pp.MGF.Algorithm.Equal(oidMGF1) {
		return SigUnknown, 0, errs.New(layerName, "auth: algorithm identifier", 1, errs.ErrUnsupported, "RSASSA-PSS mask other than MGF1")
	}
	if _, err := asn1.Unmarshal(pp.MGF.Parameters.FullBytes, &mgfHash); err != nil || !mgfHash.Algorithm.Equal(pp.Hash.Algorithm) {
		return SigUnknown, 0, errs.New(layerName, "auth: algorithm identifier", 1, errs.ErrUnsupported,
			"RSASSA-PSS with MGF1 over another hash")
	}
	for s, h := range map[SignatureAlgorithm]asn1.ObjectIdentifier{SigRSAPSSSHA256: oidSHA256, SigRSAPSSSHA384: oidSHA384,
		SigRSAPSSSHA512: oidSHA512} {
		if pp.Hash.Algorithm.Equal(h) {
			return s, pp.SaltLength, nil
		}
	}
	return SigUnknown, 0, errs.New(layerName, "auth: algorithm identifier", 1, errs.ErrUnsupported, "RSASSA-PSS hash not supported")
}

// SplitDigitalSignature splits the Authentication Data of an RFC 7427
// Digital Signature AUTH (method 14): one octet ASN.1 length, the
// AlgorithmIdentifier, the signature value.
func SplitDigitalSignature(data []byte) (algID, sig []byte, err error) {
	if len(data) < 1 || int(data[0])+1 > len(data) {
		return nil, nil, errs.New(layerName, "auth: ASN.1 length", 0, errs.ErrMalformed, "AlgorithmIdentifier runs past the data")
	}
	n := 1 + int(data[0])
	return data[1:n], data[n:], nil
}

// methodAlgorithm gives the fixed algorithm of the RFC 7296 and RFC 4754
// signature methods, with the curve ECDSA methods require.
func methodAlgorithm(m AuthMethod) (SignatureAlgorithm, elliptic.Curve, error) {
	switch m {
	case AuthRSASignature:
		return SigRSAPKCS1SHA1, nil, nil
	case AuthECDSASHA256P256:
		return SigECDSASHA256, elliptic.P256(), nil
	case AuthECDSASHA384P384:
		return SigECDSASHA384, elliptic.P384(), nil
	case AuthECDSASHA512P521:
		return SigECDSASHA512, elliptic.P521(), nil
	}
	return SigUnknown, nil, errs.New(layerName, "auth: method", 0, errs.ErrUnsupported,
		"signature method "+m.String()+" not supported")
}

// VerifyAuth verifies the signature of an AUTH payload over octets (from
// SignedOctets) with the signer's public key as crypto/x509 gives it
// (*rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey). Methods: RSA
// Digital Signature (1, PKCS#1 v1.5 with SHA-1), ECDSA with SHA-256/384/512
// on P-256/384/521 (9-11, RFC 4754: r | s), and Digital Signature (14, RFC
// 7427) with the algorithms of SignatureAlgorithm.
func VerifyAuth(a Auth, pub crypto.PublicKey, octets []byte) error {
	var alg SignatureAlgorithm
	var curve elliptic.Curve
	sig, salt := a.Data, 0
	var err error
	if a.Method == AuthDigitalSignature {
		var algID []byte
		if algID, sig, err = SplitDigitalSignature(a.Data); err != nil {
			return err
		}
		if alg, salt, err = ParseAlgorithmIdentifier(algID); err != nil {
			return err
		}
	} else if alg, curve, err = methodAlgorithm(a.Method); err != nil {
		return err
	}
	bad := errs.New(layerName, "auth", 0, errs.ErrAuthentication, "signature does not verify")
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg.isECDSA() || alg == SigEd25519 {
			return keyMismatch(alg)
		}
		h := alg.hash().New()
		h.Write(octets)
		if alg.isPSS() {
			err = rsa.VerifyPSS(k, alg.hash(), h.Sum(nil), sig, &rsa.PSSOptions{SaltLength: salt, Hash: alg.hash()})
		} else {
			err = rsa.VerifyPKCS1v15(k, alg.hash(), h.Sum(nil), sig)
		}
		if err != nil {
			return bad
		}
		return nil
	case *ecdsa.PublicKey:
		if !alg.isECDSA() {
			return keyMismatch(alg)
		}
		if curve != nil && k.Curve != curve {
			return errs.New(layerName, "auth", 0, errs.ErrMalformed, "ECDSA method "+a.Method.String()+" needs another curve")
		}
		h := alg.hash().New()
		h.Write(octets)
		digest := h.Sum(nil)
		if curve != nil {
			// RFC 4754 §7: r and s as fixed-length big-endian integers.
			n := (k.Curve.Params().BitSize + 7) / 8
			if len(sig) != 2*n {
				return bad
			}
			r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
			if !ecdsa.Verify(k, digest, r, s) {
				return bad
			}
			return nil
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return bad
		}
		return nil
	case ed25519.PublicKey:
		if alg != SigEd25519 {
			return keyMismatch(alg)
		}
		if !ed25519.Verify(k, octets, sig) {
			return bad
		}
		return nil
	}
	return errs.New(layerName, "auth", 0, errs.ErrUnsupported, "public key type not supported")
}

func keyMismatch(alg SignatureAlgorithm) error {
	return errs.New(layerName, "auth", 0, errs.ErrMalformed, "public key does not fit "+alg.String())
}

// SignAuth signs octets (from SignedOctets) for an AUTH payload and returns
// its Authentication Data: for method 14 (RFC 7427) the ASN.1 length, the
// AlgorithmIdentifier of alg and the signature; for methods 1 and 9-11 the
// signature alone (alg is then ignored: the method fixes it). rand is used
// by ECDSA and RSA-PSS.
func SignAuth(method AuthMethod, alg SignatureAlgorithm, signer crypto.Signer, octets []byte, rand io.Reader) ([]byte, error) {
	var curve elliptic.Curve
	var out []byte
	if method == AuthDigitalSignature {
		ai, err := alg.AlgorithmIdentifier()
		if err != nil {
			return nil, err
		}
		if len(ai) > 255 {
			return nil, errs.New(layerName, "auth", 0, errs.ErrTooLarge, "AlgorithmIdentifier longer than 255 octets")
		}
		out = append([]byte{byte(len(ai))}, ai...)
	} else {
		var err error
		if alg, curve, err = methodAlgorithm(method); err != nil {
			return nil, err
		}
	}
	var digest []byte
	var opts crypto.SignerOpts = crypto.Hash(0)
	if h := alg.hash(); h != 0 {
		hh := h.New()
		hh.Write(octets)
		digest = hh.Sum(nil)
		opts = h
		if alg.isPSS() {
			opts = &rsa.PSSOptions{SaltLength: h.Size(), Hash: h}
		}
	} else {
		digest = octets // Ed25519 signs the message itself
	}
	switch k := signer.Public().(type) {
	case *rsa.PublicKey:
		if alg.isECDSA() || alg == SigEd25519 {
			return nil, keyMismatch(alg)
		}
	case *ecdsa.PublicKey:
		if !alg.isECDSA() {
			return nil, keyMismatch(alg)
		}
		if curve != nil && k.Curve != curve {
			return nil, errs.New(layerName, "auth", 0, errs.ErrMalformed, "ECDSA method "+method.String()+" needs another curve")
		}
	case ed25519.PublicKey:
		if alg != SigEd25519 {
			return nil, keyMismatch(alg)
		}
	default:
		return nil, errs.New(layerName, "auth", 0, errs.ErrUnsupported, "signer key type not supported")
	}
	sig, err := signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, err
	}
	if curve != nil {
		// The signer gives ASN.1; RFC 4754 wants r | s of fixed length.
		var v struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &v); err != nil {
			return nil, errors.New("ikev2: ECDSA signer returned no ASN.1 signature")
		}
		n := (curve.Params().BitSize + 7) / 8
		fixed := make([]byte, 2*n)
		v.R.FillBytes(fixed[:n])
		v.S.FillBytes(fixed[n:])
		sig = fixed
	}
	return append(out, sig...), nil
}

// HashAlgorithm is an RFC 7427 hash algorithm identifier, as listed in the
// SIGNATURE_HASH_ALGORITHMS notification.
type HashAlgorithm uint16

// Hash algorithms (IANA "IKEv2 Hash Algorithms").
const (
	HashSHA1     HashAlgorithm = 1
	HashSHA2_256 HashAlgorithm = 2
	HashSHA2_384 HashAlgorithm = 3
	HashSHA2_512 HashAlgorithm = 4
	HashIdentity HashAlgorithm = 5 // RFC 8420
)

func (h HashAlgorithm) String() string {
	return iana.EnumString(map[HashAlgorithm]string{HashSHA1: "SHA1", HashSHA2_256: "SHA2-256", HashSHA2_384: "SHA2-384",
		HashSHA2_512: "SHA2-512", HashIdentity: "Identity"}, h, "HashAlgorithm", 1024)
}

// HashAlgorithms reads the data of a SIGNATURE_HASH_ALGORITHMS notification
// (RFC 7427 §4): a list of 16-bit identifiers.
func HashAlgorithms(data []byte) ([]HashAlgorithm, error) {
	if len(data)%2 != 0 {
		return nil, errs.MalformedValue(layerName, "notify: signature hash algorithms", 0, "odd length", len(data), 0)
	}
	out := make([]HashAlgorithm, 0, len(data)/2)
	for i := 0; i < len(data); i += 2 {
		out = append(out, HashAlgorithm(binary.BigEndian.Uint16(data[i:])))
	}
	return out, nil
}

// AppendHashAlgorithms appends the data of a SIGNATURE_HASH_ALGORITHMS
// notification.
func AppendHashAlgorithms(b []byte, hs ...HashAlgorithm) []byte {
	for _, h := range hs {
		b = binary.BigEndian.AppendUint16(b, uint16(h))
	}
	return b
}
