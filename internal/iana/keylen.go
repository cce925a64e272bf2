package iana

// KeyMaterialLen returns how many octets of keying material an SA with this
// encryption transform takes (RFC 7296 §2.17 order: encryption key first),
// given the transform's Key Length attribute in bits (ignored for fixed-key
// algorithms). The AEAD and counter modes take a salt or nonce after the key:
// 4 octets for AES-CTR (RFC 3686), AES-GCM (RFC 4106), AES-GMAC (RFC 4543)
// and ChaCha20-Poly1305 (RFC 7634), 3 for AES-CCM (RFC 4309). ok is false for
// an unknown algorithm or a key length it does not allow.
func (e EncrID) KeyMaterialLen(keyBits int) (n int, ok bool) {
	aes := keyBits == 128 || keyBits == 192 || keyBits == 256
	switch e {
	case EncrNULL:
		return 0, true
	case Encr3DES:
		return 24, true
	case EncrAESCBC, EncrCamelliaCBC:
		return keyBits / 8, aes
	case EncrAESCTR, EncrCamelliaCTR, EncrAESGCM8, EncrAESGCM12, EncrAESGCM16, EncrNULLAuthAESGMAC:
		return keyBits/8 + 4, aes
	case EncrAESCCM8, EncrAESCCM12, EncrAESCCM16, EncrCamelliaCCM8, EncrCamelliaCCM12, EncrCamelliaCCM16:
		return keyBits/8 + 3, aes
	case EncrChaCha20Poly1305:
		return 32 + 4, keyBits == 0 || keyBits == 256
	}
	return 0, false
}

// IsAEAD reports whether the transform provides integrity itself, so no
// INTEG transform is negotiated with it (RFC 5282, RFC 4106, RFC 7634).
func (e EncrID) IsAEAD() bool {
	switch e {
	case EncrAESCCM8, EncrAESCCM12, EncrAESCCM16, EncrAESGCM8, EncrAESGCM12, EncrAESGCM16,
		EncrNULLAuthAESGMAC, EncrCamelliaCCM8, EncrCamelliaCCM12, EncrCamelliaCCM16, EncrChaCha20Poly1305:
		return true
	}
	return false
}

// ICVLen returns the integrity check value length of an AEAD transform in
// octets, or 0 for one that is not AEAD.
func (e EncrID) ICVLen() int {
	switch e {
	case EncrAESCCM8, EncrAESGCM8, EncrCamelliaCCM8:
		return 8
	case EncrAESCCM12, EncrAESGCM12, EncrCamelliaCCM12:
		return 12
	case EncrAESCCM16, EncrAESGCM16, EncrCamelliaCCM16, EncrNULLAuthAESGMAC, EncrChaCha20Poly1305:
		return 16
	}
	return 0
}

// IVLen returns the length of the explicit IV carried in each ESP or SK
// payload, in octets: the cipher block for CBC modes, 8 for the counter and
// AEAD modes, 0 for NULL; ok is false for an unknown algorithm.
func (e EncrID) IVLen() (n int, ok bool) {
	switch e {
	case EncrNULL:
		return 0, true
	case Encr3DES:
		return 8, true
	case EncrAESCBC, EncrCamelliaCBC:
		return 16, true
	case EncrAESCTR, EncrCamelliaCTR, EncrAESCCM8, EncrAESCCM12, EncrAESCCM16, EncrAESGCM8, EncrAESGCM12,
		EncrAESGCM16, EncrNULLAuthAESGMAC, EncrCamelliaCCM8, EncrCamelliaCCM12, EncrCamelliaCCM16, EncrChaCha20Poly1305:
		return 8, true
	}
	return 0, false
}

// KeyLen returns the key length in octets of an integrity transform (for
// the GMAC transforms the key followed by the 4-octet salt, RFC 4543 §3.2).
func (i IntegID) KeyLen() (n int, ok bool) {
	switch i {
	case IntegNone:
		return 0, true
	case IntegHMACMD596, IntegHMACMD5128, IntegAESXCBC96, IntegAESCMAC96:
		return 16, true
	case IntegHMACSHA196, IntegHMACSHA1160:
		return 20, true
	case IntegAES128GMAC:
		return 16 + 4, true
	case IntegAES192GMAC:
		return 24 + 4, true
	case IntegAES256GMAC:
		return 32 + 4, true
	case IntegHMACSHA2256128:
		return 32, true
	case IntegHMACSHA2384192:
		return 48, true
	case IntegHMACSHA2512256:
		return 64, true
	}
	return 0, false
}

// ICVLen returns the truncated output (ICV) length in octets of an
// integrity transform.
func (i IntegID) ICVLen() (n int, ok bool) {
	switch i {
	case IntegNone:
		return 0, true
	case IntegHMACMD596, IntegHMACSHA196, IntegAESXCBC96, IntegAESCMAC96:
		return 12, true
	case IntegHMACMD5128, IntegAES128GMAC, IntegAES192GMAC, IntegAES256GMAC, IntegHMACSHA2256128:
		return 16, true
	case IntegHMACSHA1160:
		return 20, true
	case IntegHMACSHA2384192:
		return 24, true
	case IntegHMACSHA2512256:
		return 32, true
	}
	return 0, false
}

// KeyLen returns the preferred key length (and output length) in octets of
// a PRF: the hash output for HMAC PRFs (RFC 7296 §2.14, RFC 4868), 16 for the
// AES-based ones (RFC 4434, RFC 4615).
func (p PRFID) KeyLen() (n int, ok bool) {
	switch p {
	case PRFHMACMD5, PRFAES128XCBC, PRFAES128CMAC:
		return 16, true
	case PRFHMACSHA1:
		return 20, true
	case PRFHMACSHA2256:
		return 32, true
	case PRFHMACSHA2384:
		return 48, true
	case PRFHMACSHA2512, PRFHMACStreebog512:
		return 64, true
	}
	return 0, false
}
