package testutil

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
)

// Capture describes one conformance run: a capture, tshark's decode of it,
// and how to read our decode as tshark fields.
type Capture struct {
	// Path of the pcap or pcapng file.
	Path string
	// Golden is the path of tshark's saved JSON decode of Path. When empty,
	// Path with its extension replaced by ".tshark.json" is used.
	Golden string
	// Fields returns our decode of one packet as tshark field names and
	// values. Every name it returns is compared with tshark's values for
	// that name, all occurrences in order.
	Fields func(p gopacket.Packet) Fields
	// Decode overrides how a frame is decoded (default gopacket.NewPacket
	// with the capture's link type and gopacket.Default).
	Decode func(p Packet) gopacket.Packet
	// Differs lists frames (1-based) whose field comparison is known to
	// differ from tshark, with the reason. Round trip is still checked.
	Differs map[int]string
	// Errors lists frames (1-based) where one of our layers must fail to
	// decode, with the sentinel its error must wrap.
	Errors map[int]error
	// Layer and CountField, when set, make every frame (outside Differs)
	// hold as many layers of type Layer as tshark has values of CountField
	// (a field every header of the protocol has, such as "vxlan.vni"), so a
	// header tshark finds and we miss, or the reverse, is a failure rather
	// than a frame with nothing to compare.
	Layer      gopacket.LayerType
	CountField string
}

// Result counts what a conformance run checked.
type Result struct {
	Frames     int // packets in the capture
	OurLayers  int // layers of ours decoded (and round-tripped)
	FieldsSeen int // field values compared with tshark
	Errors     int // expected decode errors seen
}

// IsOurs reports whether a layer type is in tunnelcodec's block.
func IsOurs(lt gopacket.LayerType) bool {
	return int(lt) >= layernum.First && int(lt) <= layernum.Last
}

// Check runs a conformance case: every frame is decoded through gopacket
// with our layers, our fields are compared to tshark's for the same frame,
// and every layer of ours is encoded again and must give back exactly the
// bytes it was decoded from. A mismatch reports the frame number, the field,
// our value and tshark's.
func Check(t testing.TB, c Capture) Result {
	t.Helper()
	golden := c.Golden
	if golden == "" {
		golden = strings.TrimSuffix(c.Path, filepath.Ext(c.Path)) + ".tshark.json"
	}
	pkts := ReadCapture(t, c.Path)
	want := LoadTsharkJSON(t, golden)
	if len(want) != len(pkts) {
		t.Fatalf("%s: capture has %d frames, tshark decode %s has %d", c.Path, len(pkts), golden, len(want))
	}
	decode := c.Decode
	if decode == nil {
		decode = func(p Packet) gopacket.Packet {
			return gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
		}
	}
	var res Result
	res.Frames = len(pkts)
	name := filepath.Base(c.Path)
	for i, p := range pkts {
		pkt := decode(p)
		res.OurLayers += RoundTrip(t, fmt.Sprintf("%s frame %d", name, p.Number), pkt)

		if sentinel, ok := c.Errors[p.Number]; ok {
			el := pkt.ErrorLayer()
			if el == nil || !errors.Is(el.Error(), sentinel) {
				t.Errorf("%s frame %d: want a decode error wrapping %q, got %v", name, p.Number, sentinel, el)
			} else {
				res.Errors++
			}
		} else if el := pkt.ErrorLayer(); el != nil {
			var de *errs.DecodeError
			if errors.As(el.Error(), &de) {
				t.Errorf("%s frame %d: unexpected decode error: %v", name, p.Number, el.Error())
			}
		}

		if why, ok := c.Differs[p.Number]; ok {
			t.Logf("%s frame %d: field comparison skipped: %s", name, p.Number, why)
			continue
		}
		if c.CountField != "" {
			n := 0
			for _, l := range pkt.Layers() {
				if l.LayerType() == c.Layer {
					n++
				}
			}
			if w := len(want[i][c.CountField]); n != w {
				t.Errorf("%s frame %d: we decoded %d %v layers, tshark has %d %s", name, p.Number, n, c.Layer, w, c.CountField)
			}
		}
		if c.Fields == nil {
			continue
		}
		ours := c.Fields(pkt)
		res.FieldsSeen += CompareFields(t, fmt.Sprintf("%s frame %d", name, p.Number), ours, want[i])
	}
	return res
}

// CompareFields requires every field in ours to have exactly tshark's values
// for that name, and returns how many values it compared.
func CompareFields(t testing.TB, where string, ours, theirs Fields) int {
	t.Helper()
	n := 0
	for _, name := range ours.Names() {
		o, w := ours[name], theirs[name]
		if !slices.Equal(o, w) {
			t.Errorf("%s: field %s: ours %q, tshark %q", where, name, o, w)
			continue
		}
		n += len(o)
	}
	return n
}

// RoundTrip checks every layer of ours in pkt: AppendBinary gives back its
// LayerContents exactly, and SerializeTo on a buffer already holding its
// payload gives back contents and payload. It returns how many layers it
// checked.
func RoundTrip(t testing.TB, where string, pkt gopacket.Packet) int {
	t.Helper()
	n := 0
	for _, l := range pkt.Layers() {
		if !IsOurs(l.LayerType()) {
			continue
		}
		n++
		if err := RoundTripLayer(l); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	return n
}

// RoundTripLayer is the check RoundTrip makes on one layer.
func RoundTripLayer(l gopacket.Layer) error {
	lt := l.LayerType()
	if ba, ok := l.(encoding.BinaryAppender); ok {
		got, err := ba.AppendBinary(nil)
		if err != nil {
			return fmt.Errorf("%v: AppendBinary: %w", lt, err)
		}
		if !bytes.Equal(got, l.LayerContents()) {
			return fmt.Errorf("%v: AppendBinary gives\n  %x\nwant\n  %x", lt, got, l.LayerContents())
		}
	}
	sl, ok := l.(gopacket.SerializableLayer)
	if !ok {
		return nil
	}
	buf := gopacket.NewSerializeBuffer()
	payload := l.LayerPayload()
	b, err := buf.AppendBytes(len(payload))
	if err != nil {
		return err
	}
	copy(b, payload)
	if err := sl.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
		return fmt.Errorf("%v: SerializeTo: %w", lt, err)
	}
	want := append(slices.Clip(l.LayerContents()), payload...)
	if !bytes.Equal(buf.Bytes(), want) {
		return fmt.Errorf("%v: SerializeTo gives\n  %x\nwant\n  %x", lt, buf.Bytes(), want)
	}
	return nil
}

// LayerSeeds decodes every packet of the given captures through gopacket and
// returns, for each layer of type lt found, its contents followed by its
// payload: the bytes a DecodeFromBytes call for that layer saw. Missing files
// are skipped.
func LayerSeeds(t testing.TB, lt gopacket.LayerType, files ...string) [][]byte {
	t.Helper()
	return layerSeeds(t, lt, false, files)
}

// DistinctLayerSeeds is LayerSeeds keeping one seed per distinct header
// (same contents, another payload are left out), for fuzz corpora: the
// fuzzer's baseline pass over thousands of near-copies would not fit CI's
// short fuzz runs.
func DistinctLayerSeeds(t testing.TB, lt gopacket.LayerType, files ...string) [][]byte {
	t.Helper()
	return layerSeeds(t, lt, true, files)
}

func layerSeeds(t testing.TB, lt gopacket.LayerType, distinct bool, files []string) [][]byte {
	t.Helper()
	var out [][]byte
	seen := map[string]bool{}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		for _, p := range ReadCapture(t, f) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			for _, l := range pkt.Layers() {
				if l.LayerType() == lt && !(distinct && seen[string(l.LayerContents())]) {
					seen[string(l.LayerContents())] = true
					out = append(out, append(slices.Clip(l.LayerContents()), l.LayerPayload()...))
				}
			}
		}
	}
	return out
}

// Glob returns the files matching pattern, sorted; a bad pattern fails the test.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatalf("testutil: glob %s: %v", pattern, err)
	}
	return m
}
