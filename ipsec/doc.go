// Package ipsec implements the IP Authentication Header (AH, RFC 4302) and
// the Encapsulating Security Payload (ESP, RFC 4303) with their real
// cryptography, as gopacket layers and as security associations that seal
// and open packets without allocating: for userspace VPN endpoints, test
// generators, and reading captures with the keys Wireshark uses.
//
// # Layers
//
// ESP (cleartext SPI and sequence number; the rest is opaque without keys),
// AH (every field, ICV with its alignment padding), UDPEncap (the RFC 3948
// dispatcher for UDP port 4500) and NATKeepalive are DecodingLayers with
// AppendBinary, MarshalBinary and SerializeTo; decoding allocates nothing
// and encoding a decoded header gives back its bytes exactly. Importing the
// package registers layer types 1720-1723 and changes nothing else;
// Register hooks IP protocols 50 and 51 and UDP port 4500 (its doc lists
// exactly what changes). The UDP 4500 dispatcher sends a payload starting
// with the 4-octet zero non-ESP marker to IKE — the ikev2 package's layer
// (number 1730) when that package is linked in, gopacket.LayerTypePayload
// otherwise; ipsec does not import ikev2 — a lone 0xFF octet to
// NATKeepalive, and anything else to ESP. A gopacket.DecodingLayerParser
// holds one decoder per layer type, so for AH in tunnel mode stop the outer
// parser with Terminal and decode the inner packet with a second parser.
//
// # Security associations
//
// OutboundESP, InboundESP, OutboundAH and InboundAH are built from a Config
// that names the transforms by their IANA IKEv2 IDs (internal/iana, shared
// with ikev2) with the keying material in IKEv2 order. The transforms:
//
//	ESP  AES-GCM (RFC 4106), ICV 8, 12 or 16, 128/192/256-bit keys ‖ 4-octet salt
//	     AES-GMAC (RFC 4543, ENCR_NULL_AUTH_AES_GMAC), 128/192/256
//	     ChaCha20-Poly1305 (RFC 7634, golang.org/x/crypto)
//	     AES-CBC (RFC 3602) and AES-CTR (RFC 3686), 128/192/256, and 3DES-CBC
//	     (RFC 2451, for old captures), each with HMAC-SHA1-96 (RFC 2404) or
//	     HMAC-SHA2-256-128/384-192/512-256 (RFC 4868)
//	     NULL encryption (RFC 2410) with any of those HMACs
//	AH   the same HMACs, and AES-GMAC 128/192/256 (RFC 4543 §4)
//
// Seal and Open are append-style like cipher.AEAD: Seal(dst, nextHeader,
// payload) appends SPI through ICV, Open(dst, packet) appends the payload,
// and neither allocates when dst has room; both work in place
// (PayloadOffset). An outbound SA is safe for concurrent Seal (the sequence
// number is taken with a compare-and-swap; per-call state comes from a
// per-SA sync.Pool), an inbound SA for concurrent Open (the anti-replay
// check before the ICV reads the window without a lock; the update after it
// takes the window's mutex and checks again, so a sequence number is never
// accepted twice — replay.go has the argument).
// SealTransport/OpenTransport and SealTunnel/OpenTunnel add and remove ESP
// or AH in a whole IPv4 or IPv6 packet, fixing protocol, lengths and the
// IPv4 checksum; Tunnel builds the outer header (DSCP copied or set, ECN by
// RFC 6040 normal or compatibility mode, DF copied, set or cleared, UDP
// encapsulation for NAT traversal) with the rules and header writers the
// ipip and sit packages use (internal/iptun: ECNMode is their type,
// ErrECNDrop their error), and decapsulation reads the inner packet and
// applies RFC 6040 with them too. Database finds the inbound SA by
// protocol, SPI and addresses; ParseESPSA reads Wireshark's esp_sa table
// and FormatESPSA writes it.
//
// Keys are copied at construction and print redacted under every fmt verb
// (Key, Config and the SA types implement fmt.Formatter).
//
// # How the cryptography is built without allocating
//
// Standard library and golang.org/x/crypto only; no primitive is written
// here. HMACs are built once per pooled state and Reset per packet.
//
// Per-call state: cipher.AEAD is safe for concurrent use, but the nonce (and
// the ESN AAD) handed to it through the interface escapes to the heap, so a
// stack array would allocate on every packet. Each Seal and Open therefore
// takes one state from the SA's sync.Pool (nonce, AAD, HMAC, CBC modes) and
// returns it; that, the sequence-number compare-and-swap and, on Open with
// anti-replay, the window's mutex are the fixed per-packet costs on top of
// the cryptography (bench_test.go measures them against the bare
// primitives).
//
// IVs: the counter and AEAD modes use the 64-bit sequence number (unique per
// packet, RFC 3686 §3, RFC 4106 §3.1, RFC 7634 §2). AES-CBC needs an
// unpredictable IV (RFC 3602 §3): it is the block cipher under the SA's key
// applied to S ⊕ sequence number, S 16 octets drawn from crypto/rand when
// the SA is built — NIST SP 800-38A Appendix C's first method, the nonce
// never repeating within the SA and S making it differ between SAs that
// share a key; Linux's echainiv does the same for ESP. It costs one block
// encryption where crypto/rand costs several (TestCBCIVs checks the
// construction). 3DES-CBC IVs come from crypto/rand.
//
// AES-CBC: cipher.NewCBCEncrypter allocates a mode per call. The modes it
// returns for crypto/aes and for the generic block-cipher path both have a
// SetIV method (crypto/tls relies on it through the same interface), so each
// pooled state builds its encrypter and decrypter once and re-arms them with
// SetIV; if a future Go dropped the method, cbc falls back to
// NewCBCEncrypter (correct, but allocating, which TestAllocations catches).
//
// AES-CTR: cipher.NewCTR copies the expanded key into a new stream per call
// and cannot be re-armed. GCM's encryption is the same counter mode (SP
// 800-38D GCTR) with counter blocks nonce ‖ 2, 3, …; with nonce = RFC 3686
// nonce ‖ IV, GCM's key stream is RFC 3686's from the second block on. So the
// first block (counter 1) and the last 16 octets (where GCM.Seal writes the
// tag that is thrown away) go through cipher.Block directly and the rest
// through the SA's cipher.AEAD. RFC 3686's test vectors and a comparison
// with cipher.NewCTR at every length up to 300 octets check it.
//
// AES-GCM with an 8-octet ICV: crypto/cipher accepts tags of 12 to 16
// octets. RFC 4106's 8-octet ICV is the first half of the full tag (SP
// 800-38D §5.2.1.2), so Seal cuts it, and Open recomputes the full tag by
// sealing the candidate plaintext (GCM's stream is its own inverse), compares
// 8 octets in constant time and writes nothing to dst unless they match — as
// crypto/cipher's own GCM Open also decrypts while it authenticates.
//
// # RFC 4303 (ESP) and RFC 4302 (AH): what is done
//
//   - SPI 0 is never sent (§2.1 of each); Config refuses it.
//   - Sequence numbers start at 1 and never cycle: Seal returns
//     ErrRekeyNeeded at 2^32-1 (2^64-1 with ESN) (RFC 4303 §3.3.3, RFC 4302
//     §3.3.2). This package refuses to cycle even with anti-replay off, which
//     the RFCs would allow.
//   - ESN (RFC 4303 §2.2.1, Appendix A): 64-bit counters; the high 32 bits
//     are appended to the HMAC input, put in the AEAD AAD (RFC 4106 §5, RFC
//     7634 §2.1) and between SPI and sequence number for GMAC (RFC 4543
//     §3.3), appended to AH's ICV input; on receive they are inferred from
//     the window (Appendix A2.2).
//   - Anti-replay (RFC 4303 §3.4.3, RFC 4302 §3.4.3): window of 32 (the
//     MUST) to 65536 packets, 64 by default (the SHOULD), an RFC 6479 ring of
//     64-bit blocks; checked before the ICV, advanced only after it
//     verifies; sequence number 0 refused.
//   - ICV verified in constant time before decryption (§3.4.4), then
//     padding (1, 2, 3, …, RFC 4303 §2.4 SHOULD) and pad length checked.
//     Padding aligns the trailer to the cipher block and to 4 octets.
//   - TFC padding (§2.7) with SealTFC; tunnel decapsulation trims the inner
//     packet to its own length. Dummy packets (Next Header 59, §2.6) are
//     sent with Seal(…, NoNextHeader, …), reported by Opened.Dummy and
//     refused with ErrDummyPacket by the helpers.
//   - Confidentiality-only ESP is allowed (RFC 4303 §3.2 MAY; no
//     anti-replay then), NULL with no integrity refused; AEADs take no
//     separate integrity transform.
//   - Header placement (RFC 4303 §3.1, RFC 4302 §3.1): after the IPv4 header
//     or, in IPv6, after hop-by-hop, routing and the destination options
//     before routing (as Linux and scapy place them); tunnel mode with the
//     outer header of RFC 4301 §5.1.2.1.
//   - AH ICV input (RFC 4302 §3.3.3.1, Appendix A): IPv4 TOS, flags,
//     fragment offset, TTL and checksum zeroed; options other than EOL, NOP,
//     Security, Extended and Commercial Security, Router Alert and SDMDD
//     zeroed whole; with loose or strict source routing the destination is
//     the route's last address. IPv6 traffic class, flow label and hop limit
//     zeroed; option data of hop-by-hop and destination options with the
//     may-change bit zeroed; type 0 and type 2 routing headers and the
//     destination covered as they will be at the final destination
//     (segments left 0). AH is padded to 32 bits (IPv4) or 64 bits (IPv6)
//     (§3.3.3.2.1); AES-GMAC's field is IV ‖ tag with the IV covered (RFC
//     4543 §4, with erratum 3643's IPv6 padding).
//   - Fragments are refused (§3.4.1 of each: reassemble first).
//   - RFC 3948: UDP encapsulation on send (zero UDP checksum over IPv4, the
//     SHOULD; computed over IPv6), ESP found in UDP port 4500 on receive,
//     the non-ESP marker and NAT-keepalive recognised.
//   - RFC 6040: normal and compatibility mode encapsulation, the full
//     decapsulation table including the drop (ErrECNDrop).
//
// # Not done
//
//   - AES-CCM (RFC 4309), AES-XCBC and AES-CMAC integrity, HMAC-MD5, DES,
//     Blowfish, CAST, Camellia, implicit-IV transforms (RFC 8750) and GOST:
//     Config refuses them with ErrConfig.
//   - IP fragmentation and reassembly (RFC 4303 §3.3.5, §3.4.1; RFC 4302
//     §3.3.4, §3.4.1) are the caller's: fragments are refused, not
//     reassembled. IPv6 jumbograms are not handled.
//   - ESN resynchronisation after 2^32 lost packets (RFC 4303 Appendix A3).
//   - Transport-mode NAT fix-up of TCP/UDP checksums from NAT-OA (RFC 3948
//     §3.1.3): OpenTransport returns the packet as decrypted.
//   - Security Policy Database processing (RFC 4301 §4.4.1: selectors,
//     BYPASS/DISCARD) and SA lifetimes are the caller's; Database is an
//     inbound SAD only.
//   - AH routing headers other than types 0 and 2 (such as RFC 8754's SRH)
//     are covered as they are, not predicted.
//   - AH with AES-GMAC follows RFC 4543 §4 as read here (IV kept in the ICV
//     input, tag zeroed); no implementation at hand (Linux and libipsec have
//     no AH-GMAC) gave an independent vector.
//   - RFC 6040's logging of the currently unused ECN combinations.
//   - Wireshark esp_sa partial address wildcards ("10.0.*") and wildcard
//     SPIs.
//
// # Conformance
//
// Every ESP packet of the public captures with published keys (tcpdump, the
// Linux kernel via kaorimatz and scapy's reference vectors, including AES-GCM
// and AES-GMAC with ESN) and of the strongSwan captures (AES-GCM,
// AES-CBC + HMAC-SHA2, ChaCha20-Poly1305, in UDP) decrypts to the plaintext
// tshark decrypted, every Linux AH ICV verifies, tampered copies are refused,
// and sealing the plaintext again with the same key, sequence number and
// injected IV reproduces the captured bytes. testdata/gen/esp.py makes ESP
// and AH with scapy 2.5 (both modes, IPv4 options, IPv6 extension headers,
// ESN across 2^32, NAT-T; it fixes four scapy bugs, listed there), which
// this package opens and reproduces byte for byte. tshark decrypts and
// authenticates what this package seals. gopacket's layers.IPSecESP and
// IPSecAH panic on ESP shorter than 8 octets and AH with Payload Len 0; the
// differential tests expect exactly those differences.
package ipsec
