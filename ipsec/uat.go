package ipsec

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Wireshark's esp_sa key table ("Edit › Preferences › Protocols › ESP ›
// ESP SAs", or tshark -o 'uat:esp_sa:LINE') has one SA per line:
//
//	"IPv4","192.0.2.1","192.0.2.2","0x00000101","AES-GCM with 16 octet ICV [RFC4106]","0x…","NULL",""
//
// protocol, source, destination, SPI, encryption, encryption key,
// authentication, authentication key. Keys are 0x-prefixed hex or text.
// Later Wireshark versions append columns, which are ignored.

// UATEntry is one line of an esp_sa table turned into SA parameters.
type UATEntry struct {
	// Family is "IPv4" or "IPv6" as written.
	Family string
	// Config has SPI, Src, Dst (unset for "*"), the transforms and keys.
	// "ANY n bit authentication [no checking]" gives an integrity
	// transform with an ICV of n bits and InsecureSkipICV set.
	Config Config
	// Encryption and Authentication are the names as written.
	Encryption, Authentication string
}

var uatEncr = map[string]EncrID{
	"NULL":                                EncrNULL,
	"TripleDES-CBC [RFC2451]":             Encr3DES,
	"AES-CBC [RFC3602]":                   EncrAESCBC,
	"AES-CTR [RFC3686]":                   EncrAESCTR,
	"AES-GCM [RFC4106]":                   EncrAESGCM16,
	"AES-GCM with 8 octet ICV [RFC4106]":  EncrAESGCM8,
	"AES-GCM with 12 octet ICV [RFC4106]": EncrAESGCM12,
	"AES-GCM with 16 octet ICV [RFC4106]": EncrAESGCM16,
	"ChaCha20 with Poly1305 [RFC7634]":    EncrChaCha20Poly1305,
}

var uatInteg = map[string]IntegID{
	"NULL":                       IntegNone,
	"HMAC-SHA-1-96 [RFC2404]":    IntegHMACSHA196,
	"HMAC-SHA-256-128 [RFC4868]": IntegHMACSHA2256128,
	"HMAC-SHA-384-192 [RFC4868]": IntegHMACSHA2384192,
	"HMAC-SHA-512-256 [RFC4868]": IntegHMACSHA2512256,
}

// "ANY n bit" entries: the integrity transform with that ICV length.
var uatAny = map[string]IntegID{
	"ANY 96 bit authentication [no checking]":  IntegHMACSHA196,
	"ANY 128 bit authentication [no checking]": IntegHMACSHA2256128,
	"ANY 192 bit authentication [no checking]": IntegHMACSHA2384192,
	"ANY 256 bit authentication [no checking]": IntegHMACSHA2512256,
}

// ParseESPSA reads an esp_sa table: one entry per line, blank lines and
// lines starting with # skipped. Errors name the line.
func ParseESPSA(r io.Reader) ([]UATEntry, error) {
	var out []UATEntry
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := ParseESPSALine(line)
		if err != nil {
			return out, fmt.Errorf("esp_sa line %d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// ParseESPSALine parses one esp_sa line.
func ParseESPSALine(line string) (UATEntry, error) {
	f, err := uatFields(line)
	if err != nil {
		return UATEntry{}, err
	}
	if len(f) < 8 {
		return UATEntry{}, fmt.Errorf("%d fields, want at least 8", len(f))
	}
	e := UATEntry{Family: f[0], Encryption: f[4], Authentication: f[6]}
	if f[0] != "IPv4" && f[0] != "IPv6" {
		return e, fmt.Errorf("protocol %q: want IPv4 or IPv6", f[0])
	}
	c := &e.Config
	if c.Src, err = uatAddr(f[1]); err != nil {
		return e, fmt.Errorf("source: %w", err)
	}
	if c.Dst, err = uatAddr(f[2]); err != nil {
		return e, fmt.Errorf("destination: %w", err)
	}
	spi, err := strconv.ParseUint(f[3], 0, 32)
	if err != nil {
		return e, fmt.Errorf("SPI %q: want a number (wildcard SPIs are not supported)", f[3])
	}
	c.SPI = uint32(spi)
	var ok bool
	if c.Encr, ok = uatEncr[f[4]]; !ok {
		return e, fmt.Errorf("encryption %q is not supported", f[4])
	}
	if c.EncrKey, err = uatKey(f[5]); err != nil {
		return e, fmt.Errorf("encryption key: %w", err)
	}
	if c.Integ, ok = uatInteg[f[6]]; !ok {
		if c.Integ, ok = uatAny[f[6]]; !ok {
			return e, fmt.Errorf("authentication %q is not supported", f[6])
		}
		c.InsecureSkipICV = true
	}
	if c.IntegKey, err = uatKey(f[7]); err != nil {
		return e, fmt.Errorf("authentication key: %w", err)
	}
	return e, nil
}

// uatFields splits a line of comma-separated, double-quoted fields; inside
// quotes \xHH escapes a byte, as Wireshark writes UAT files.
func uatFields(line string) ([]string, error) {
	var out []string
	for i := 0; i < len(line); {
		if line[i] != '"' {
			return nil, fmt.Errorf("column %d: want a double-quoted field", i+1)
		}
		i++
		var b strings.Builder
		for {
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated field")
			}
			c := line[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' && i+3 < len(line) && line[i+1] == 'x' {
				v, err := strconv.ParseUint(line[i+2:i+4], 16, 8)
				if err != nil {
					return nil, fmt.Errorf("column %d: bad escape", i+1)
				}
				b.WriteByte(byte(v))
				i += 4
				continue
			}
			b.WriteByte(c)
			i++
		}
		out = append(out, b.String())
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i < len(line) {
			if line[i] != ',' {
				return nil, fmt.Errorf("column %d: want a comma", i+1)
			}
			i++
			for i < len(line) && line[i] == ' ' {
				i++
			}
		}
	}
	return out, nil
}

func uatAddr(s string) (netip.Addr, error) {
	if s == "*" || s == "" {
		return netip.Addr{}, nil
	}
	if strings.Contains(s, "*") {
		return netip.Addr{}, fmt.Errorf("%q: partial wildcards are not supported, only *", s)
	}
	return netip.ParseAddr(s)
}

// uatKey decodes a key as Wireshark does: 0x-prefixed hex (an odd digit
// count gets a leading zero), otherwise the text itself.
func uatKey(s string) (Key, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		h := s[2:]
		if len(h)%2 == 1 {
			h = "0" + h
		}
		k, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("bad hex")
		}
		return k, nil
	}
	return Key(s), nil
}

// FormatESPSA writes the esp_sa line for an ESP SA config with tshark's
// algorithm names, for handing keys to Wireshark. It fails for transforms
// Wireshark has no name for (AES-GMAC). The line contains the keys.
func FormatESPSA(c Config) (string, error) {
	family := "IPv4"
	if c.Src.Is6() || c.Dst.Is6() {
		family = "IPv6"
	}
	encr, integ := "", ""
	for name, id := range uatEncr {
		if id == c.Encr && name != "AES-GCM [RFC4106]" {
			encr = name
		}
	}
	for name, id := range uatInteg {
		if id == c.Integ {
			integ = name
		}
	}
	if encr == "" || integ == "" {
		return "", fmt.Errorf("esp_sa has no name for %v with %v", c.Encr, c.Integ)
	}
	key := func(k Key) string {
		if len(k) == 0 {
			return ""
		}
		return "0x" + hex.EncodeToString(k)
	}
	return fmt.Sprintf("%q,%q,%q,\"0x%08x\",%q,%q,%q,%q", family, addrOrAny(c.Src), addrOrAny(c.Dst), c.SPI,
		encr, key(c.EncrKey), integ, key(c.IntegKey)), nil
}
