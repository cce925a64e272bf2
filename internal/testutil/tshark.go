package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
)

// Fields is one packet's decode flattened to field name → values, in the
// order the values appear in the packet (outer layers first). Values are the
// strings tshark's JSON gives ("4096", "0x0800", "1").
type Fields map[string][]string

// Add appends values for name.
func (f Fields) Add(name string, values ...string) { f[name] = append(f[name], values...) }

// Names returns the field names in sorted order.
func (f Fields) Names() []string {
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseTsharkJSON parses the output of `tshark -T json --no-duplicate-keys`
// into one Fields per frame.
func ParseTsharkJSON(data []byte) ([]Fields, error) {
	var frames []struct {
		Source struct {
			Layers json.RawMessage `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(data, &frames); err != nil {
		return nil, fmt.Errorf("tshark json: %w", err)
	}
	out := make([]Fields, len(frames))
	for i, fr := range frames {
		f := Fields{}
		var v any
		dec := json.NewDecoder(bytes.NewReader(fr.Source.Layers))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("tshark json: frame %d: %w", i+1, err)
		}
		flatten(f, "", v)
		out[i] = f
	}
	return out, nil
}

// flatten walks tshark's tree. Objects nest (protocol → field → field_tree);
// --no-duplicate-keys turns repeated keys into arrays, kept in packet order.
// json.Unmarshal into map loses key order between different keys, which the
// per-name comparison does not need.
func flatten(f Fields, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "filtered" {
				continue
			}
			flatten(f, k, x[k])
		}
	case []any:
		for _, e := range x {
			flatten(f, key, e)
		}
	case string:
		f.Add(key, x)
	case json.Number:
		f.Add(key, x.String())
	case bool:
		f.Add(key, strconv.FormatBool(x))
	}
}

// LoadTsharkJSON reads a golden tshark decode saved beside a capture.
func LoadTsharkJSON(t testing.TB, path string) []Fields {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testutil: golden tshark decode: %v (regenerate with testdata/gen/tshark-golden.sh)", err)
	}
	f, err := ParseTsharkJSON(data)
	if err != nil {
		t.Fatalf("testutil: %s: %v", path, err)
	}
	return f
}

// TsharkPath returns tshark's path. Without tshark the test is skipped, but
// under CI (CI=true) it fails: .ci/run installs tshark.
func TsharkPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		if InCI() {
			t.Fatalf("tshark not on PATH under CI: .ci/run must install it")
		}
		t.Skip("tshark not on PATH: live tshark cross-check skipped (apt-get install tshark)")
	}
	return p
}

// RunTshark decodes a capture file with tshark (any extra args, such as
// "-d", "udp.port==8472,vxlan" or "-o", "uat:esp_sa:…") and returns
// one Fields per frame.
func RunTshark(t testing.TB, capture string, args ...string) []Fields {
	t.Helper()
	bin := TsharkPath(t)
	argv := append([]string{"-n", "-r", capture, "-T", "json", "--no-duplicate-keys"}, args...)
	cmd := exec.Command(bin, argv...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "HOME="+t.TempDir()) // no user profile
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	f, err := ParseTsharkJSON(out)
	if err != nil {
		t.Fatalf("tshark %s: %v", strings.Join(argv, " "), err)
	}
	return f
}

// TsharkPackets writes packets to a pcap and decodes them with tshark, with
// checksum validation switched on for IP, UDP, TCP and ICMP so bad checksums
// show up as expert warnings.
func TsharkPackets(t testing.TB, link layers.LinkType, packets [][]byte, args ...string) []Fields {
	t.Helper()
	TsharkPath(t)
	path := WritePcap(t, link, packets...)
	base := []string{
		"-o", "ip.check_checksum:TRUE",
		"-o", "udp.check_checksum:TRUE",
		"-o", "tcp.check_checksum:TRUE",
	}
	return RunTshark(t, path, append(base, args...)...)
}

// Expert severities, as tshark prints them in _ws.expert.severity.
const (
	SeverityChat    = 0x00200000
	SeverityNote    = 0x00400000
	SeverityWarning = 0x00600000
	SeverityError   = 0x00800000
)

// Warnings returns tshark's malformed-packet markers and every expert item of
// warning severity or above in f ("Bad checksum", "Malformed Packet", …).
// The flattened fields keep messages and severities in the same order, so
// they pair up.
func Warnings(f Fields) []string {
	var out []string
	for _, m := range f["_ws.malformed"] {
		out = append(out, "malformed: "+m)
	}
	for name, v := range f {
		if strings.HasPrefix(name, "_ws.malformed") && name != "_ws.malformed" {
			out = append(out, "malformed: "+name+" "+strings.Join(v, ","))
		}
	}
	msgs, sevs := f["_ws.expert.message"], f["_ws.expert.severity"]
	for i, m := range msgs {
		if i < len(sevs) {
			if s, err := strconv.Atoi(sevs[i]); err == nil && s < SeverityWarning {
				continue
			}
		}
		out = append(out, "expert: "+m)
	}
	sort.Strings(out)
	return out
}
