package fuzz

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
	"github.com/tunnelcodec/tunnelcodec/vxlan"
)

func vxlanSeeds(f *testing.F) {
	vxlan.Register()
	files := testutil.Glob(f, testutil.Testdata(f, "vxlan", "*.pcap"))
	if dir := vectorsIfPresent(f, "vxlan"); dir != "" {
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcap"))...)
	}
	for _, s := range testutil.DistinctLayerSeeds(f, vxlan.LayerTypeVXLAN, files...) {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte{0x0c, 0, 0, 0x04, 0xff, 0xff, 0xff, 0})
}

// vectorsIfPresent returns the public vectors directory for proto, or "" in
// a clone without them: fuzz seeds are a bonus, not a requirement.
func vectorsIfPresent(f *testing.F, proto string) string {
	dir := filepath.Join(testutil.Root(f), "..", "shared", "vectors", proto)
	if d := os.Getenv(testutil.VectorsEnv); d != "" {
		dir = filepath.Join(d, proto)
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

var ignoreVXLANBase = cmpopts.IgnoreFields(vxlan.VXLAN{}, "BaseLayer")

// FuzzVXLAN: decoding never panics; what decodes encodes back to the same
// bytes and decodes again to the same value.
func FuzzVXLAN(f *testing.F) {
	vxlanSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v vxlan.VXLAN
		if err := v.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			if len(data) >= vxlan.HeaderLen {
				t.Fatalf("refused %d bytes: %v", len(data), err)
			}
			return
		}
		_ = v.Check()
		out, err := v.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		if !bytes.Equal(out, data[:vxlan.HeaderLen]) {
			t.Fatalf("round trip: %x became %x", data[:vxlan.HeaderLen], out)
		}
		var w vxlan.VXLAN
		if err := w.DecodeFromBytes(out, nil); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(v, w, ignoreVXLANBase); d != "" {
			t.Fatalf("decode(encode(decode(x))) differs: %s", d)
		}
	})
}

// FuzzVXLANGopacket compares with gopacket's layers.VXLAN. They agree on
// every field but the GBP A bit, which gopacket v1.1.19 reads from octet 1
// mask 0x80 (reserved) instead of 0x08.
func FuzzVXLANGopacket(f *testing.F) {
	vxlanSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var ours vxlan.VXLAN
		var theirs layers.VXLAN
		e1 := ours.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
		e2 := theirs.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
		if (e1 == nil) != (e2 == nil) {
			t.Fatalf("ours %v, gopacket %v", e1, e2)
		}
		if e1 != nil {
			return
		}
		switch {
		case ours.Flags.I() != theirs.ValidIDFlag:
			t.Fatal("I differs")
		case ours.Flags.G() != theirs.GBPExtension:
			t.Fatal("G differs")
		case ours.PolicyFlags.D() != theirs.GBPDontLearn:
			t.Fatal("D differs")
		case ours.VNI != theirs.VNI:
			t.Fatal("VNI differs")
		case binary.BigEndian.Uint16(data[2:4]) != theirs.GBPGroupPolicyID:
			t.Fatal("group policy octets differ")
		case theirs.GBPApplied != (data[1]&0x80 != 0): // the known fault
			t.Fatal("gopacket's A-bit reading changed")
		case ours.PolicyFlags.A() != (data[1]&0x08 != 0):
			t.Fatal("our A bit is not octet 1 mask 0x08")
		case !bytes.Equal(ours.Payload, theirs.Payload):
			t.Fatal("payload differs")
		}
	})
}
