package ipsec

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Protocol is the IPsec security protocol of an SA.
type Protocol uint8

// Security protocols (IP protocol numbers).
const (
	ProtoESP Protocol = 50 // RFC 4303
	ProtoAH  Protocol = 51 // RFC 4302
)

func (p Protocol) String() string {
	switch p {
	case ProtoESP:
		return "ESP"
	case ProtoAH:
		return "AH"
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

// Config holds the parameters of one security association (RFC 4301 §4.4.2)
// as IKEv2 or a Wireshark key table gives them. The same Config type builds
// the outbound and the inbound side; fields that concern only one side are
// marked.
//
// Keys are copied when an SA is built; Config and the SAs print their keys
// redacted under every fmt verb.
type Config struct {
	// SPI of the SA. Zero is reserved for local use and is never sent on the
	// wire (RFC 4303 §2.1, RFC 4302 §2.4).
	SPI uint32

	// Encr is the ESP encryption transform (IANA IKEv2 Transform Type 1).
	// EncrKey is its keying material in IKEv2 order: the cipher key
	// followed by the salt or nonce the transform takes (4 octets for
	// AES-CTR, AES-GCM, AES-GMAC and ChaCha20-Poly1305). The key length
	// (128, 192 or 256 bits for AES) follows from len(EncrKey). Unused by AH.
	Encr    EncrID
	EncrKey Key

	// Integ is the integrity transform (Transform Type 3), IntegNone with an
	// AEAD cipher. For AH it is the algorithm, one of the HMACs or an
	// AES-GMAC (IntegKey is then key ‖ 4-octet salt).
	Integ    IntegID
	IntegKey Key

	// ESN selects 64-bit Extended Sequence Numbers (RFC 4303 §2.2.1).
	ESN bool

	// Seq is where the counter starts. Outbound: the last sequence number
	// already used (zero for a new SA, so the first packet carries 1).
	// Inbound: the highest sequence number already received; it and the
	// window below it count as seen.
	Seq uint64

	// ReplayWindow is the inbound anti-replay window in packets, between
	// MinReplayWindow and MaxReplayWindow; zero means DefaultReplayWindow.
	ReplayWindow int
	// DisableReplay turns inbound anti-replay checking off (RFC 4303
	// §3.4.3 lets a receiver do so). The window still tracks the highest
	// sequence number to infer ESN high-order bits. Without an integrity
	// service there is no anti-replay either.
	DisableReplay bool

	// InsecureSkipICV makes an inbound ESP SA strip the ICV without
	// verifying it. It exists to read captures whose integrity key is
	// unknown (Wireshark's "ANY 96 bit authentication [no checking]"):
	// IntegKey may then be empty. Never use it on live traffic. AEAD
	// ciphers cannot skip their tag.
	InsecureSkipICV bool

	// IVSource, when set, supplies every outbound IV (tests use it to
	// reproduce captured packets). Otherwise AES-CBC IVs are the SA's
	// block cipher applied to a secret random S ⊕ the sequence number
	// (unpredictable, as RFC 3602 requires; NIST SP 800-38A Appendix C),
	// 3DES IVs come from crypto/rand, and the counter and AEAD modes use
	// the 64-bit sequence number, unique per packet as RFC 3686, 4106,
	// 4543 and 7634 require.
	IVSource io.Reader

	// Src and Dst are the SA's addresses: the database matches inbound
	// packets on Dst (and Src when set). Either may be left unset (the zero
	// netip.Addr) to match any address.
	Src, Dst netip.Addr
}

// Format prints the SA parameters with keys redacted, under every verb.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.describe("")) }

// String implements fmt.Stringer without revealing keys.
func (c Config) String() string { return c.describe("") }

func (c Config) describe(proto string) string {
	var b strings.Builder
	if proto != "" {
		b.WriteString(proto + " ")
	}
	fmt.Fprintf(&b, "SPI 0x%08x", c.SPI)
	if proto != "AH" {
		fmt.Fprintf(&b, " %v %v", c.Encr, c.EncrKey)
	}
	fmt.Fprintf(&b, " %v %v", c.Integ, c.IntegKey)
	if c.ESN {
		b.WriteString(" ESN")
	}
	if c.Src.IsValid() || c.Dst.IsValid() {
		fmt.Fprintf(&b, " %v→%v", addrOrAny(c.Src), addrOrAny(c.Dst))
	}
	return b.String()
}

func addrOrAny(a netip.Addr) string {
	if !a.IsValid() {
		return "*"
	}
	return a.String()
}

// ConfigError reports an SA parameter that cannot be used.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "ipsec: config: " + e.Field + ": " + e.Reason }

// ErrConfig is matched by errors.Is for every *ConfigError.
var ErrConfig = errors.New("ipsec: invalid SA config")

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

func cfgErr(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }

// espParams validates an ESP config and builds its engine.
func espParams(c *Config, inbound bool) (*engine, error) {
	encr, ok := lookupEncr(c.Encr, len(c.EncrKey))
	if !ok {
		return nil, cfgErr("Encr", fmt.Sprintf("%v with %d octets of keying material is not supported", c.Encr, len(c.EncrKey)))
	}
	integ, ok := lookupInteg(c.Integ)
	if !ok || integ.gmac {
		return nil, cfgErr("Integ", fmt.Sprintf("%v is not supported for ESP", c.Integ))
	}
	if encr.kind == kindAEAD || encr.kind == kindGMAC {
		if c.Integ != IntegNone {
			return nil, cfgErr("Integ", fmt.Sprintf("%v combined with the AEAD transform %v", c.Integ, c.Encr))
		}
		if c.InsecureSkipICV {
			return nil, cfgErr("InsecureSkipICV", "an AEAD cannot decrypt without checking its tag")
		}
	} else if encr.kind == kindNull && c.Integ == IntegNone {
		return nil, cfgErr("Integ", "NULL encryption and no integrity: ESP would protect nothing (RFC 4303 §3.2)")
	}
	skip := inbound && c.InsecureSkipICV
	if c.InsecureSkipICV && !inbound {
		return nil, cfgErr("InsecureSkipICV", "only an inbound SA may skip ICV checks")
	}
	if !skip && len(c.IntegKey) != integ.keyLen {
		return nil, cfgErr("IntegKey", fmt.Sprintf("%v takes a %d-octet key, got %d", c.Integ, integ.keyLen, len(c.IntegKey)))
	}
	if err := commonParams(c); err != nil {
		return nil, err
	}
	key := c.IntegKey
	if skip {
		key = nil
		integ.hmac = nil
	}
	return newEngine(encr, c.EncrKey, integ, key)
}

func commonParams(c *Config) error {
	if c.SPI == 0 {
		return cfgErr("SPI", "zero is reserved and never sent (RFC 4303 §2.1)")
	}
	if c.ReplayWindow != 0 && (c.ReplayWindow < MinReplayWindow || c.ReplayWindow > MaxReplayWindow) {
		return cfgErr("ReplayWindow", fmt.Sprintf("%d is outside %d…%d", c.ReplayWindow, MinReplayWindow, MaxReplayWindow))
	}
	if !c.ESN && c.Seq > maxSeq32 {
		return cfgErr("Seq", "above 2^32-1 without ESN")
	}
	return nil
}

const maxSeq32 = 1<<32 - 1
