// Package ikev2 encodes, decodes and protects IKEv2 messages (RFC 7296):
// the header and every payload, a zero-allocation Parser and Builder, the
// SK payload's encryption and integrity, SKF fragmentation (RFC 7383), the
// key schedule, AUTH computation and verification, the key exchange groups,
// NAT detection and cookies, and a gopacket layer.
//
// # Messages
//
// Parser reads a message one payload at a time, in the manner of
// golang.org/x/net/dns/dnsmessage: Start reads the header, Next each
// payload's generic header, and a typed call the body (SA proposals,
// transforms and attributes, TS selectors and CP attributes one element at
// a time). Values alias the message; a reused Parser allocates nothing.
// Builder appends a message to a caller's buffer and writes the Next Payload
// chain, every length and count, and the Last markers of proposals and
// transforms as it goes. Reencode runs a message through both.
//
// Every payload of RFC 7296 §3 is decoded: SA (§3.3), KE (§3.4), IDi/IDr
// with every ID type (§3.5; Addr for the address types), CERT and CERTREQ
// (§3.6-3.7), AUTH with every method number and the RFC 7427 Digital
// Signature layout (§3.8), Nonce (§3.9), Notify with the whole IANA
// notify-type registry (§3.10), Delete (§3.11), Vendor ID (§3.12), TSi/TSr
// with IPv4 and IPv6 ranges (other selector types carried as octets,
// §3.13), SK (§3.14), CP with every attribute type (typed Addr/Prefix and
// length rules in ConfigAttribute.Check, §3.15), EAP (§3.16), and SKF (RFC
// 7383). The payload types other RFCs define (GSPM 49, IDg 50, GSA 51, KD
// 52, PS 54) are named and carried as octets (Body, Builder.Raw).
//
// # Receiving rules
//
// The Parser applies what RFC 7296 says a receiver MUST check of a message's
// form:
//
//   - major version 2, else a VersionError that carries the header an
//     INVALID_MAJOR_VERSION reply needs (AppendInvalidMajorVersion builds
//     it, §2.5, §1.5); the minor version is ignored (§3.1);
//   - the header Length equal to the datagram; every payload, proposal,
//     transform, attribute, selector and configuration attribute inside its
//     container; nothing after the last payload;
//   - an unrecognized payload with the critical bit set is a
//     CriticalPayloadError carrying the type for UNSUPPORTED_CRITICAL_PAYLOAD;
//     without it the payload is returned for skipping and counted
//     (Unrecognized); the bit is ignored on recognized payloads (§2.5, §3.2);
//     Recognize adds types the caller understands;
//   - SA: "the total Payload Length is consistent with the payload's internal
//     lengths and counts" (§3.3): proposal and transform lengths, the number
//     of transforms, the Last Substruc values (0 or 2, 0 or 3, and 0 exactly
//     on the last), proposal numbers starting at 1 or more and rising by
//     one, Key Length a TV attribute (§3.3.5);
//   - Nonce Data of 16 to 256 octets (§3.9); the Delete SPI count; the
//     Notify SPI size; TS counts and the fixed selector lengths; the EAP
//     Length;
//   - SK and SKF the last payload (§3.14, RFC 7383 §2.5); SKF Fragment
//     Number in 1..Total Fragments and Total Fragments not zero.
//
// The gopacket layer only frames (as tshark does, it keeps messages with an
// unrecognized critical payload); IKEv2.Check applies the Parser's rules.
// Errors are DecodeErrors naming the field and its offset; no input panics,
// allocates without bound or loops (see fuzz/ikev2_test.go).
//
// # Protection
//
// Protector seals and opens SK and SKF payloads for one direction of an IKE
// SA: AES-CBC (RFC 3602), AES-CTR (RFC 5930) and 3DES with HMAC-SHA1-96,
// HMAC-SHA1-160, HMAC-SHA2-256/384/512 (RFC 4868), AES-XCBC-96 or
// AES-CMAC-96; and AES-GCM with 8, 12 or 16-octet ICVs, AES-CCM with 8, 12
// or 16-octet ICVs (RFC 5282) and ChaCha20-Poly1305 (RFC 7634). For the AEAD
// transforms the nonce is salt | IV and the associated data everything from
// the IKE header to the end of the SK (or SKF) payload's header (RFC 5282
// §5.1, RFC 7383 §2.5); for the others the ICV covers the whole message
// (§3.14). Padding: minimal on sealing (block alignment for CBC, none for
// the stream and AEAD modes), any length that aligns accepted on opening
// (§3.14).
//
// Open authenticates before it decrypts. For the integrity transforms the
// ICV is compared (hmac.Equal) before any decryption; AES-GCM (12 and 16)
// and ChaCha20-Poly1305 check their tag inside crypto/cipher and x/crypto
// before releasing plaintext. CCM authenticates the plaintext by design, and
// crypto/cipher refuses GCM tags shorter than 12 octets, so for CCM and
// AES-GCM with an 8-octet ICV the ciphertext is decrypted into dst, the tag
// recomputed and compared in constant time, and the plaintext zeroed and
// refused on a mismatch: nothing unauthenticated is ever returned.
//
// CCM is not in the Go standard library nor in golang.org/x/crypto. It is
// implemented here (ccm.go) as a mode over crypto/cipher's AES Block, as
// NIST SP 800-38C and RFC 3610 define it: the CBC-MAC over the formatted
// nonce, associated data and payload, and counter mode for the payload and
// the tag. The block cipher, with its hardware path and constant-time
// implementation, stays the standard library's; the mode adds no table and
// no branch on secret data. It is tested against the RFC 3610 packet
// vectors, the four SP 800-38C examples (including 64 KiB of associated
// data), the strongSwan AES-CCM vectors with RFC 4309 framing, and the
// Wireshark aes128ccm12 IKEv2 frames. AES-XCBC (RFC 3566/4434) and AES-CMAC
// (RFC 4493/4615), also missing from both libraries, are modes over the same
// Block in cbcmac.go.
//
// IVs: random (crypto/rand) for CBC, which needs unpredictable IVs; a
// per-Protector 64-bit counter for CTR and the AEAD modes, which need unique
// ones, and Seal refuses to go on once it is exhausted. SealWith takes an
// explicit IV and padding, to reproduce a captured message (the caller then
// owns IV uniqueness). A Protector is safe for concurrent use, and Seal and
// Open allocate nothing when dst has room (per-call state is pooled).
//
// SealFragments splits a message into SKF fragments of a given size;
// Reassembler authenticates each fragment before keeping anything of it and
// reassembles, bounded in fragments per message, octets per message and
// messages at once; it restarts on a larger Total Fragments and refuses a
// smaller one (RFC 7383 §2.6.1), and names duplicates (ErrDuplicateFragment)
// and numbers out of range (ErrFragmentNumber). Unencrypted payloads before
// SK (no exchange of RFC 7296 has any) go in fragment 1 only: this
// package's choice.
//
// # Keys and authentication
//
// NewPRF gives HMAC-SHA1, HMAC-SHA2-256/384/512, AES128-XCBC (RFC 4434,
// with its key adjustment) and AES128-CMAC (RFC 4615) with prf+ (§2.13).
// DeriveKeys computes SKEYSEED and SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi,
// SK_pr (§2.14, using 64 bits of each nonce for the AES PRFs);
// DeriveRekeyKeys those of a rekeyed IKE SA (§2.18, the old SA's PRF for
// SKEYSEED); Keys.ChildKeys the KEYMAT of a Child SA with or without PFS,
// initiator-to-responder keys first and encryption before integrity (§2.17),
// with lengths from internal/iana. Keys, Secret, Protector, KeyExchange and
// CookieJar print redacted under every fmt verb.
//
// SignedOctets builds the octets of §2.15; PSKAuth computes shared-key AUTH
// (also for EAP methods without an MSK, with SK_pi/SK_pr, §2.16, and NULL
// authentication, RFC 7619); SignAuth and VerifyAuth handle RSA with SHA-1
// (method 1), ECDSA on P-256/384/521 (methods 9-11, RFC 4754) and RFC 7427
// Digital Signature (method 14) with sha1/256/384/512WithRSAEncryption,
// RSASSA-PSS, ecdsa-with-SHA1/256/384/512 and Ed25519 (RFC 8420), using the
// public keys crypto/x509 returns.
//
// KeyExchange implements MODP 2048-8192 (groups 14-18, RFC 3526, the primes
// checked against their definition from pi), ECP 256/384/521 (groups 19-21,
// RFC 5903, x | y) and Curve25519 (group 31, RFC 8031), with the public
// value checks of RFC 7296 §3.4, RFC 6989 and RFC 8031 (length, 1 < y < p-1,
// a point on the curve, no all-zero X25519 secret). NATDetectionHash gives
// the NAT_DETECTION_*_IP data (§2.23); CookieJar makes and checks COOKIE
// data with a rotating secret (§2.6). ReadDecryptionTable reads Wireshark's
// ikev2_decryption_table lines.
//
// # gopacket
//
// Importing the package registers LayerTypeIKEv2 (number 1730) and changes
// nothing else. Register hooks UDP port 500 (source or destination) only.
// UDP 4500 carries ESP and IKE together: the ipsec package's Register
// installs the RFC 3948 dispatcher there, which strips the four-zero
// non-ESP marker and hands the rest to layer type 1730, so this decoder
// always starts at the IKE header. The layer is a DecodingLayer; Terminal
// stops a DecodingLayerParser after it.
//
// # Conformance
//
// Tested against strongSwan 5.9 (testdata/strongswan, made by
// testdata/gen/strongswan.sh, and a live run): SKEYSEED and every SK_* and
// Child SA key recomputed from charon's logged DH secrets, through IKE SA
// and Child SA rekeys, with and without PFS; every SK and SKF message
// decrypted, fragments reassembled, inner payloads equal to tshark's, every
// decrypted message re-encoded and re-sealed to the captured bytes; the AUTH
// payloads of PSK, EAP-MD5 (no MSK), ECDSA, RSASSA-PSS and RSA runs
// verified. Also against Wireshark's aes128ccm12 frames and keys, tcpdump's
// IKEv2 captures (ikev2pI2, whose ICV is wrong, must fail), scapy and
// suricata-verify captures, tshark's decode of each, the strongSwan crypto
// test vectors (PRF, prf+, CCM, GCM, ChaCha20-Poly1305 including the RFC 7634
// IKEv2 example), RFC 3610 and SP 800-38C, RFC 5903 and RFC 7748, and
// signatures made by OpenSSL. Messages built here are fed to tshark with a
// decryption table of our keys: it decodes every payload, decrypts every
// suite it supports, reassembles our SKF fragments, and reports nothing
// malformed.
//
// # Not done
//
// Endpoint behaviour, which is not codec, is left to the caller; of the
// MUSTs of RFC 7296 these are not implemented here:
//
//   - exchanges and their state: retransmission and its timers (§2.1),
//     Message ID tracking, windows and replay of responses (§2.2, §2.3),
//     liveness (§2.4), INITIAL_CONTACT handling, crossed rekeys and
//     collisions (§2.8, §2.25), when to demand a cookie (§2.6: CookieJar
//     gives the mechanism), version negotiation beyond the VersionError reply
//     (§2.5), the rule not to answer responses (§2.21);
//   - sending UNSUPPORTED_CRITICAL_PAYLOAD, INVALID_SYNTAX and other
//     notifications: the errors carry what they need;
//   - SA negotiation: choosing a proposal, the transform sets an IKE or ESP
//     proposal must hold (§3.3.3), SPI sizes per protocol, proposal
//     numbering of a response matching the request (§3.3.1); traffic
//     selector narrowing (§2.9); CP request and reply semantics (§2.19);
//     EAP state machines (§2.16); IPComp (§2.22); NAT-T port floating and
//     keepalives (§2.23); ECN (§2.24);
//   - checks of content meaning: an ID's data against its type, start and
//     end ports or addresses in order, the Protocol ID of a Notify without
//     SPI sent as zero (§3.10), reserved fields sent as zero (the Builder
//     writes what the values hold, zero unless set, so that captured messages
//     re-encode exactly); CP attribute lengths are checked by
//     ConfigAttribute.Check, not by the Parser;
//   - certificate path validation and matching identities to certificates;
//     Hash-and-URL certificate retrieval; the SIGNATURE_HASH_ALGORITHMS rule
//     that a signature uses a hash the peer announced (the list is parsed);
//   - RFC 7383 negotiation (IKEV2_FRAGMENTATION_SUPPORTED), PMTU discovery
//     and its re-fragmentation, and retransmission only on fragment 1;
//   - algorithms: Curve448 (group 32: the Go standard library has no X448),
//     the RFC 5114 and Brainpool groups, MODP 768/1024/1536, DSS signatures
//     (method 3), GSPM (12); HMAC-MD5 and HMAC-MD5-96 (RFC 8247: MUST NOT),
//     DES, Camellia, AES-GMAC and ENCR_NULL (not allowed for IKE);
//   - other extensions: multiple key exchanges (RFC 9370), IKE_INTERMEDIATE
//     authentication (RFC 9242), PPK (RFC 8784), session resumption tickets
//     (RFC 5723), G-IKEv2 payloads (RFC 9838) and puzzles (RFC 8019) beyond
//     carrying their payloads, TCP encapsulation framing (RFC 8229);
//   - notification data formats other than COOKIE, NAT detection,
//     UNSUPPORTED_CRITICAL_PAYLOAD and SIGNATURE_HASH_ALGORITHMS (the data of
//     the others, REDIRECT for one, is carried as octets).
package ikev2
