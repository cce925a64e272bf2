package ikev2

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// DecryptionEntry is one line of Wireshark's "ikev2_decryption_table" UAT
// (Preferences > Protocols > ISAKMP > IKEv2 Decryption Table): the SPIs of
// an IKE SA, its encryption and integrity algorithms as Wireshark names them,
// and the four keys.
//
//	ispi,rspi,sk_ei,sk_er,"encryption algorithm",sk_ai,sk_ar,"integrity algorithm"
//
// fmt prints the keys redacted.
type DecryptionEntry struct {
	SPIi, SPIr uint64
	SKei, SKer Secret
	SKai, SKar Secret
	EncrName   string // as in the table, e.g. "AES-CBC-256 [RFC3602]"
	IntegName  string // e.g. "HMAC_SHA2_256_128 [RFC4868]"
	Encr       EncrID
	KeyBits    int
	Integ      IntegID
	// Supported is false for algorithms the table can name but this
	// package does not implement (NULL, HMAC-MD5, HMAC_SHA2_256_96, and
	// Wireshark's "ANY n-bits of Authentication [No Checking]", which skips
	// the integrity check this package never skips).
	Supported  bool
	LineNumber int // 1-based line number in the file
}

// wiresharkEncr maps Wireshark 4.0's encryption names (packet-isakmp.c
// vs_ikev2_encr_algs) to transform and key length.
var wiresharkEncr = map[string]struct {
	id   EncrID
	bits int
}{
	"NULL [RFC2410]": {iana.EncrNULL, 0}, "3DES [RFC2451]": {iana.Encr3DES, 0},
	"AES-CBC-128 [RFC3602]": {iana.EncrAESCBC, 128}, "AES-CBC-192 [RFC3602]": {iana.EncrAESCBC, 192},
	"AES-CBC-256 [RFC3602]": {iana.EncrAESCBC, 256},
	"AES-CTR-128 [RFC5930]": {iana.EncrAESCTR, 128}, "AES-CTR-192 [RFC5930]": {iana.EncrAESCTR, 192},
	"AES-CTR-256 [RFC5930]": {iana.EncrAESCTR, 256},
	// Not in Wireshark 4.0, which cannot decrypt it; accepted so tundump
	// can use one file for every suite.
	"CHACHA20-POLY1305 [RFC7634]": {iana.EncrChaCha20Poly1305, 256},
}

var wiresharkInteg = map[string]IntegID{
	"NONE [RFC4306]": iana.IntegNone, "HMAC_MD5_96 [RFC2403]": iana.IntegHMACMD596,
	"HMAC_SHA1_96 [RFC2404]": iana.IntegHMACSHA196, "HMAC_MD5_128 [RFC4595]": iana.IntegHMACMD5128,
	"HMAC_SHA1_160 [RFC4595]": iana.IntegHMACSHA1160, "HMAC_SHA2_256_128 [RFC4868]": iana.IntegHMACSHA2256128,
	"HMAC_SHA2_384_192 [RFC4868]": iana.IntegHMACSHA2384192, "HMAC_SHA2_512_256 [RFC4868]": iana.IntegHMACSHA2512256,
}

func init() {
	for _, mode := range []struct {
		name string
		icv  map[int]EncrID
	}{
		{"GCM", map[int]EncrID{8: iana.EncrAESGCM8, 12: iana.EncrAESGCM12, 16: iana.EncrAESGCM16}},
		{"CCM", map[int]EncrID{8: iana.EncrAESCCM8, 12: iana.EncrAESCCM12, 16: iana.EncrAESCCM16}},
	} {
		for _, bits := range []int{128, 192, 256} {
			for icv, id := range mode.icv {
				name := fmt.Sprintf("AES-%s-%d with %d octet ICV [RFC5282]", mode.name, bits, icv)
				wiresharkEncr[name] = struct {
					id   EncrID
					bits int
				}{id, bits}
			}
		}
	}
}

// WiresharkEncrName returns Wireshark's decryption-table name of an
// encryption transform with its key length, or "" if Wireshark has none.
func WiresharkEncrName(id EncrID, keyBits int) string {
	for name, e := range wiresharkEncr {
		if e.id == id && (e.bits == keyBits || e.bits == 0 || (keyBits == 0 && e.bits == 256 && id == iana.EncrChaCha20Poly1305)) {
			return name
		}
	}
	return ""
}

// WiresharkIntegName returns Wireshark's decryption-table name of an
// integrity transform, or "".
func WiresharkIntegName(id IntegID) string {
	for name, i := range wiresharkInteg {
		if i == id {
			return name
		}
	}
	return ""
}

// Line formats the entry as a table line Wireshark reads (for -o
// uat:ikev2_decryption_table:LINE). It contains the keys: write it only
// where they belong.
func (e *DecryptionEntry) Line() string {
	return fmt.Sprintf("%016x,%016x,%s,%s,%q,%s,%s,%q", e.SPIi, e.SPIr, hex.EncodeToString(e.SKei),
		hex.EncodeToString(e.SKer), e.EncrName, hex.EncodeToString(e.SKai), hex.EncodeToString(e.SKar), e.IntegName)
}

// String describes the entry without its keys.
func (e *DecryptionEntry) String() string {
	return fmt.Sprintf("ikev2 SA %016x/%016x %s %s (keys redacted)", e.SPIi, e.SPIr, e.EncrName, e.IntegName)
}

// GoString is String, for %#v.
func (e *DecryptionEntry) GoString() string { return e.String() }

// Protectors returns the Protectors for the messages the initiator sends
// and those the responder sends.
func (e *DecryptionEntry) Protectors() (initiator, responder *Protector, err error) {
	if !e.Supported {
		return nil, nil, fmt.Errorf("ikev2 decryption table line %d: %s / %s not supported", e.LineNumber, e.EncrName, e.IntegName)
	}
	if initiator, err = NewProtector(e.Encr, e.KeyBits, e.Integ, e.SKei, e.SKai); err != nil {
		return nil, nil, fmt.Errorf("ikev2 decryption table line %d: %w", e.LineNumber, err)
	}
	if responder, err = NewProtector(e.Encr, e.KeyBits, e.Integ, e.SKer, e.SKar); err != nil {
		return nil, nil, fmt.Errorf("ikev2 decryption table line %d: %w", e.LineNumber, err)
	}
	return initiator, responder, nil
}

// ReadDecryptionTable reads the lines of a Wireshark ikev2_decryption_table
// file (blank lines and lines starting with # are skipped). An algorithm
// name it does not know is an error; a known one this package does not
// implement gives an entry with Supported false.
func ReadDecryptionTable(r io.Reader) ([]DecryptionEntry, error) {
	var out []DecryptionEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := ParseDecryptionLine(line)
		if err != nil {
			return out, fmt.Errorf("ikev2 decryption table line %d: %w", n, err)
		}
		e.LineNumber = n
		out = append(out, e)
	}
	return out, sc.Err()
}

// ParseDecryptionLine parses one table line.
func ParseDecryptionLine(line string) (DecryptionEntry, error) {
	f, err := uatFields(line)
	if err != nil {
		return DecryptionEntry{}, err
	}
	if len(f) != 8 {
		return DecryptionEntry{}, fmt.Errorf("want 8 fields, have %d", len(f))
	}
	var e DecryptionEntry
	if e.SPIi, err = strconv.ParseUint(f[0], 16, 64); err != nil || len(f[0]) != 16 {
		return e, fmt.Errorf("initiator SPI %q: want 16 hex digits", f[0])
	}
	if e.SPIr, err = strconv.ParseUint(f[1], 16, 64); err != nil || len(f[1]) != 16 {
		return e, fmt.Errorf("responder SPI %q: want 16 hex digits", f[1])
	}
	keys := []*Secret{&e.SKei, &e.SKer, nil, &e.SKai, &e.SKar}
	for i, k := range keys {
		if k == nil {
			continue
		}
		b, err := hex.DecodeString(f[2+i])
		if err != nil {
			return e, fmt.Errorf("field %d: key is not hex", 3+i)
		}
		*k = b
	}
	e.EncrName, e.IntegName = f[4], f[7]
	enc, ok := wiresharkEncr[e.EncrName]
	if !ok {
		return e, fmt.Errorf("unknown encryption algorithm %q", e.EncrName)
	}
	e.Encr, e.KeyBits = enc.id, enc.bits
	e.Integ, ok = wiresharkInteg[e.IntegName]
	if !ok {
		if !strings.HasPrefix(e.IntegName, "ANY ") && !strings.HasPrefix(e.IntegName, "HMAC_SHA2_256_96 ") {
			return e, fmt.Errorf("unknown integrity algorithm %q", e.IntegName)
		}
		return e, nil // known to Wireshark, not implemented here
	}
	e.Supported = e.Encr != iana.EncrNULL && e.Integ != iana.IntegHMACMD596 && e.Integ != iana.IntegHMACMD5128 &&
		e.Encr.IsAEAD() == (e.Integ == iana.IntegNone)
	return e, nil
}

// uatFields splits a UAT line: comma-separated fields, each either bare or
// a double-quoted string with \" and \xNN escapes.
func uatFields(line string) ([]string, error) {
	var out []string
	for i := 0; ; {
		if i < len(line) && line[i] == '"' {
			var b strings.Builder
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unterminated quoted field")
				}
				c := line[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' && i+1 < len(line) {
					if line[i+1] == 'x' && i+3 < len(line) {
						v, err := strconv.ParseUint(line[i+2:i+4], 16, 8)
						if err != nil {
							return nil, fmt.Errorf("bad \\x escape")
						}
						b.WriteByte(byte(v))
						i += 4
						continue
					}
					b.WriteByte(line[i+1])
					i += 2
					continue
				}
				b.WriteByte(c)
				i++
			}
			out = append(out, b.String())
		} else {
			j := strings.IndexByte(line[i:], ',')
			if j < 0 {
				out = append(out, strings.TrimSpace(line[i:]))
				return out, nil
			}
			out = append(out, strings.TrimSpace(line[i:i+j]))
			i += j
		}
		if i >= len(line) {
			return out, nil
		}
		if line[i] != ',' {
			return nil, fmt.Errorf("expected a comma at column %d", i+1)
		}
		i++
		if i == len(line) {
			return append(out, ""), nil
		}
	}
}
