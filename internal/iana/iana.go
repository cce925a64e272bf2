// Package iana holds the IANA "Internet Key Exchange Version 2 (IKEv2)
// Parameters" transform registries that both ipsec (to name ESP and AH
// algorithms) and ikev2 (to negotiate them) use, so neither imports the
// other. The protocol packages re-export these types by alias.
//
// Source: https://www.iana.org/assignments/ikev2-parameters, RFC 7296
// §3.3.2, RFC 9370 (additional key exchanges).
package iana

import "strconv"

// TransformType is an IKEv2 transform type (RFC 7296 §3.3.2).
type TransformType uint8

// Transform types.
const (
	TransformENCR   TransformType = 1  // Encryption Algorithm
	TransformPRF    TransformType = 2  // Pseudorandom Function
	TransformINTEG  TransformType = 3  // Integrity Algorithm
	TransformKE     TransformType = 4  // Key Exchange Method (formerly Diffie-Hellman Group)
	TransformESN    TransformType = 5  // Extended Sequence Numbers
	TransformADDKE1 TransformType = 6  // Additional Key Exchange 1 (RFC 9370)
	TransformADDKE7 TransformType = 12 // Additional Key Exchange 7 (RFC 9370)
)

func (t TransformType) String() string {
	switch t {
	case TransformENCR:
		return "ENCR"
	case TransformPRF:
		return "PRF"
	case TransformINTEG:
		return "INTEG"
	case TransformKE:
		return "KE"
	case TransformESN:
		return "ESN"
	}
	if t >= TransformADDKE1 && t <= TransformADDKE7 {
		return "ADDKE" + strconv.Itoa(int(t-TransformADDKE1+1))
	}
	return "TransformType(" + strconv.Itoa(int(t)) + ")"
}

// EncrID is a Transform Type 1 (encryption algorithm) ID.
type EncrID uint16

// Encryption algorithm IDs.
const (
	EncrDESIV64               EncrID = 1
	EncrDES                   EncrID = 2
	Encr3DES                  EncrID = 3
	EncrRC5                   EncrID = 4
	EncrIDEA                  EncrID = 5
	EncrCAST                  EncrID = 6
	EncrBlowfish              EncrID = 7
	Encr3IDEA                 EncrID = 8
	EncrDESIV32               EncrID = 9
	EncrNULL                  EncrID = 11 // RFC 2410
	EncrAESCBC                EncrID = 12 // RFC 3602
	EncrAESCTR                EncrID = 13 // RFC 3686
	EncrAESCCM8               EncrID = 14 // RFC 4309
	EncrAESCCM12              EncrID = 15
	EncrAESCCM16              EncrID = 16
	EncrAESGCM8               EncrID = 18 // RFC 4106
	EncrAESGCM12              EncrID = 19
	EncrAESGCM16              EncrID = 20
	EncrNULLAuthAESGMAC       EncrID = 21 // RFC 4543
	EncrCamelliaCBC           EncrID = 23 // RFC 5529
	EncrCamelliaCTR           EncrID = 24
	EncrCamelliaCCM8          EncrID = 25
	EncrCamelliaCCM12         EncrID = 26
	EncrCamelliaCCM16         EncrID = 27
	EncrChaCha20Poly1305      EncrID = 28 // RFC 7634
	EncrAESCCM8IIV            EncrID = 29 // RFC 8750
	EncrAESGCM16IIV           EncrID = 30
	EncrChaCha20Poly1305IIV   EncrID = 31
	EncrKuznyechikMGMKTree    EncrID = 32 // RFC 9227
	EncrMagmaMGMKTree         EncrID = 33
	EncrKuznyechikMGMMACKTree EncrID = 34
	EncrMagmaMGMMACKTree      EncrID = 35
)

var encrNames = map[EncrID]string{
	EncrDESIV64: "ENCR_DES_IV64", EncrDES: "ENCR_DES", Encr3DES: "ENCR_3DES", EncrRC5: "ENCR_RC5",
	EncrIDEA: "ENCR_IDEA", EncrCAST: "ENCR_CAST", EncrBlowfish: "ENCR_BLOWFISH", Encr3IDEA: "ENCR_3IDEA",
	EncrDESIV32: "ENCR_DES_IV32", EncrNULL: "ENCR_NULL", EncrAESCBC: "ENCR_AES_CBC", EncrAESCTR: "ENCR_AES_CTR",
	EncrAESCCM8: "ENCR_AES_CCM_8", EncrAESCCM12: "ENCR_AES_CCM_12", EncrAESCCM16: "ENCR_AES_CCM_16",
	EncrAESGCM8: "ENCR_AES_GCM_8", EncrAESGCM12: "ENCR_AES_GCM_12", EncrAESGCM16: "ENCR_AES_GCM_16",
	EncrNULLAuthAESGMAC: "ENCR_NULL_AUTH_AES_GMAC", EncrCamelliaCBC: "ENCR_CAMELLIA_CBC",
	EncrCamelliaCTR: "ENCR_CAMELLIA_CTR", EncrCamelliaCCM8: "ENCR_CAMELLIA_CCM_8_ICV",
	EncrCamelliaCCM12: "ENCR_CAMELLIA_CCM_12_ICV", EncrCamelliaCCM16: "ENCR_CAMELLIA_CCM_16_ICV",
	EncrChaCha20Poly1305: "ENCR_CHACHA20_POLY1305", EncrAESCCM8IIV: "ENCR_AES_CCM_8_IIV",
	EncrAESGCM16IIV: "ENCR_AES_GCM_16_IIV", EncrChaCha20Poly1305IIV: "ENCR_CHACHA20_POLY1305_IIV",
	EncrKuznyechikMGMKTree: "ENCR_KUZNYECHIK_MGM_KTREE", EncrMagmaMGMKTree: "ENCR_MAGMA_MGM_KTREE",
	EncrKuznyechikMGMMACKTree: "ENCR_KUZNYECHIK_MGM_MAC_KTREE", EncrMagmaMGMMACKTree: "ENCR_MAGMA_MGM_MAC_KTREE",
}

func (e EncrID) String() string { return EnumString(encrNames, e, "EncrID", 0) }

// PRFID is a Transform Type 2 (pseudorandom function) ID.
type PRFID uint16

// PRF IDs.
const (
	PRFHMACMD5         PRFID = 1
	PRFHMACSHA1        PRFID = 2
	PRFHMACTiger       PRFID = 3
	PRFAES128XCBC      PRFID = 4 // RFC 4434
	PRFHMACSHA2256     PRFID = 5 // RFC 4868
	PRFHMACSHA2384     PRFID = 6
	PRFHMACSHA2512     PRFID = 7
	PRFAES128CMAC      PRFID = 8 // RFC 4615
	PRFHMACStreebog512 PRFID = 9
)

var prfNames = map[PRFID]string{
	PRFHMACMD5: "PRF_HMAC_MD5", PRFHMACSHA1: "PRF_HMAC_SHA1", PRFHMACTiger: "PRF_HMAC_TIGER",
	PRFAES128XCBC: "PRF_AES128_XCBC", PRFHMACSHA2256: "PRF_HMAC_SHA2_256", PRFHMACSHA2384: "PRF_HMAC_SHA2_384",
	PRFHMACSHA2512: "PRF_HMAC_SHA2_512", PRFAES128CMAC: "PRF_AES128_CMAC", PRFHMACStreebog512: "PRF_HMAC_STREEBOG_512",
}

func (p PRFID) String() string { return EnumString(prfNames, p, "PRFID", 0) }

// IntegID is a Transform Type 3 (integrity algorithm) ID.
type IntegID uint16

// Integrity algorithm IDs.
const (
	IntegNone           IntegID = 0
	IntegHMACMD596      IntegID = 1
	IntegHMACSHA196     IntegID = 2 // RFC 2404
	IntegDESMAC         IntegID = 3
	IntegKPDKMD5        IntegID = 4
	IntegAESXCBC96      IntegID = 5 // RFC 3566
	IntegHMACMD5128     IntegID = 6
	IntegHMACSHA1160    IntegID = 7
	IntegAESCMAC96      IntegID = 8 // RFC 4494
	IntegAES128GMAC     IntegID = 9 // RFC 4543
	IntegAES192GMAC     IntegID = 10
	IntegAES256GMAC     IntegID = 11
	IntegHMACSHA2256128 IntegID = 12 // RFC 4868
	IntegHMACSHA2384192 IntegID = 13
	IntegHMACSHA2512256 IntegID = 14
)

var integNames = map[IntegID]string{
	IntegNone: "NONE", IntegHMACMD596: "AUTH_HMAC_MD5_96", IntegHMACSHA196: "AUTH_HMAC_SHA1_96",
	IntegDESMAC: "AUTH_DES_MAC", IntegKPDKMD5: "AUTH_KPDK_MD5", IntegAESXCBC96: "AUTH_AES_XCBC_96",
	IntegHMACMD5128: "AUTH_HMAC_MD5_128", IntegHMACSHA1160: "AUTH_HMAC_SHA1_160", IntegAESCMAC96: "AUTH_AES_CMAC_96",
	IntegAES128GMAC: "AUTH_AES_128_GMAC", IntegAES192GMAC: "AUTH_AES_192_GMAC", IntegAES256GMAC: "AUTH_AES_256_GMAC",
	IntegHMACSHA2256128: "AUTH_HMAC_SHA2_256_128", IntegHMACSHA2384192: "AUTH_HMAC_SHA2_384_192",
	IntegHMACSHA2512256: "AUTH_HMAC_SHA2_512_256",
}

func (i IntegID) String() string { return EnumString(integNames, i, "IntegID", 0) }

// KEID is a Transform Type 4 (key exchange method, formerly Diffie-Hellman
// group) ID.
type KEID uint16

// Key exchange method IDs.
const (
	KENone          KEID = 0
	KEMODP768       KEID = 1
	KEMODP1024      KEID = 2
	KEMODP1536      KEID = 5  // RFC 3526
	KEMODP2048      KEID = 14 // RFC 3526
	KEMODP3072      KEID = 15
	KEMODP4096      KEID = 16
	KEMODP6144      KEID = 17
	KEMODP8192      KEID = 18
	KEECP256        KEID = 19 // RFC 5903
	KEECP384        KEID = 20
	KEECP521        KEID = 21
	KEMODP1024S160  KEID = 22 // RFC 5114
	KEMODP2048S224  KEID = 23
	KEMODP2048S256  KEID = 24
	KEECP192        KEID = 25
	KEECP224        KEID = 26
	KEBrainpoolP224 KEID = 27 // RFC 6954
	KEBrainpoolP256 KEID = 28
	KEBrainpoolP384 KEID = 29
	KEBrainpoolP512 KEID = 30
	KECurve25519    KEID = 31 // RFC 8031
	KECurve448      KEID = 32
	KEGOST3410256   KEID = 33 // RFC 9385
	KEGOST3410512   KEID = 34
	KEMLKEM512      KEID = 35 // draft-ietf-ipsecme-ikev2-mlkem
	KEMLKEM768      KEID = 36
	KEMLKEM1024     KEID = 37
)

var keNames = map[KEID]string{
	KENone: "NONE", KEMODP768: "MODP_768", KEMODP1024: "MODP_1024", KEMODP1536: "MODP_1536",
	KEMODP2048: "MODP_2048", KEMODP3072: "MODP_3072", KEMODP4096: "MODP_4096", KEMODP6144: "MODP_6144",
	KEMODP8192: "MODP_8192", KEECP256: "ECP_256", KEECP384: "ECP_384", KEECP521: "ECP_521",
	KEMODP1024S160: "MODP_1024_160", KEMODP2048S224: "MODP_2048_224", KEMODP2048S256: "MODP_2048_256",
	KEECP192: "ECP_192", KEECP224: "ECP_224", KEBrainpoolP224: "BRAINPOOL_P224", KEBrainpoolP256: "BRAINPOOL_P256",
	KEBrainpoolP384: "BRAINPOOL_P384", KEBrainpoolP512: "BRAINPOOL_P512", KECurve25519: "CURVE25519",
	KECurve448: "CURVE448", KEGOST3410256: "GOST3410_2012_256", KEGOST3410512: "GOST3410_2012_512",
	KEMLKEM512: "ML_KEM_512", KEMLKEM768: "ML_KEM_768", KEMLKEM1024: "ML_KEM_1024",
}

func (k KEID) String() string { return EnumString(keNames, k, "KEID", 0) }

// ESNID is a Transform Type 5 (extended sequence numbers) ID.
type ESNID uint16

// ESN IDs.
const (
	NoESN ESNID = 0
	ESN   ESNID = 1
)

func (e ESNID) String() string {
	switch e {
	case NoESN:
		return "NO_ESN"
	case ESN:
		return "ESN"
	}
	return "ESNID(" + strconv.Itoa(int(e)) + ")"
}

// EnumString names v from names, or writes it as "Type(17)", marked
// "private use" at or above private (0 when the registry has no such range).
// The IKEv2 registries in this package and in ikev2 share it.
func EnumString[K ~uint8 | ~uint16](names map[K]string, v K, typ string, private K) string {
	if s, ok := names[v]; ok {
		return s
	}
	s := typ + "(" + strconv.Itoa(int(v))
	if private != 0 && v >= private {
		return s + ", private use)"
	}
	return s + ")"
}
