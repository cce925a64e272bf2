package fuzz

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/gre"
	"github.com/tunnelcodec/tunnelcodec/internal/sre"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func greSeeds(f *testing.F) {
	gre.Register()
	files := testutil.Glob(f, testutil.Testdata(f, "gre", "*.pcap"))
	if dir := vectorsIfPresent(f, "gre"); dir != "" {
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcap"))...)
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcapng"))...)
	}
	// Thousands of captured headers differ mostly in key and sequence
	// values: keep two of each flags/version/protocol/length shape, with a
	// short payload, so the baseline pass fits the 10 s CI budget.
	seen := map[string]int{}
	for _, s := range testutil.LayerSeeds(f, gre.LayerTypeGRE, files...) {
		var g gre.GRE
		if g.DecodeFromBytes(s, nil) != nil {
			continue
		}
		key := string(s[:4]) + string(rune(len(g.Contents)))
		if seen[key] < 2 {
			seen[key]++
			f.Add(s[:min(len(s), len(g.Contents)+24)])
		}
	}
	// The crafted malformed captures, whole.
	for _, p := range testutil.Glob(f, testutil.Testdata(f, "gre", "malformed", "*.pcap")) {
		for _, fr := range testutil.ReadCapture(f, p) {
			if len(fr.Data) > 34 {
				f.Add(fr.Data[34:]) // after Ethernet and a 20-octet IPv4 header
			}
		}
	}
	for _, s := range [][]byte{
		{},
		{0x00, 0x80, 0x08, 0x00, 0, 0, 0, 1}, // A on version 0
		{0x40, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 4, 1, 2, 3}, // SRE past the end
		{0x60, 0x81, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0x40, 0x01, 0, 0, 5, 0, 0, 0, 0, 0},
	} {
		f.Add(s)
	}
}

var ignoreGREBase = cmpopts.IgnoreFields(gre.GRE{}, "BaseLayer")

// FuzzGRE: decoding never panics; what decodes encodes back to the same
// bytes (AppendBinary and SerializeTo) and decodes again to the same value;
// the checksum and the PPTP/NVGRE checks never panic.
func FuzzGRE(f *testing.F) {
	greSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var g gre.GRE
		if err := g.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			var de *gre.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a DecodeError: %v", err)
			}
			return
		}
		_, _, _ = g.VerifyChecksum(), g.CheckPPTP(), g.CheckNVGRE()
		_, _ = g.ActiveSRE()
		out, err := g.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		if !bytes.Equal(out, g.Contents) {
			t.Fatalf("round trip: %x became %x", g.Contents, out)
		}
		buf := gopacket.NewSerializeBuffer()
		copy(must(buf.AppendBytes(len(g.Payload))), g.Payload)
		if err := g.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil || !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("SerializeTo: %v, %x, want %x", err, buf.Bytes(), data)
		}
		var w gre.GRE
		if err := w.DecodeFromBytes(buf.Bytes(), nil); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(g, w, ignoreGREBase, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("decode(encode(decode(x))) differs: %s", d)
		}
		if g.Flags.C() {
			pkt, err := (&w).AppendPacket(nil, w.Payload)
			if err != nil {
				t.Fatal(err)
			}
			var v gre.GRE
			if err := v.DecodeFromBytes(pkt, nil); err != nil || v.VerifyChecksum() != nil {
				t.Fatalf("AppendPacket's checksum does not verify: %v %v", err, v.VerifyChecksum())
			}
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzGREGopacket compares with gopacket's layers.GRE. They agree on every
// field except where gopacket is known wrong (see gre's package doc): it
// panics on short input (no bounds checks), reads any version and an Ack
// whenever A is set, does not check Offset, and reads Routing before the Ack.
func FuzzGREGopacket(f *testing.F) {
	greSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)]
		var ours gre.GRE
		errOurs := ours.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
		theirs, panicked := gopacketGRE(data)
		if len(data) >= 2 && data[0]&0x40 != 0 && data[1]&0x87 == 0x81 {
			return // version 1 with R and A: Routing before or after the Ack, different layouts
		}
		switch {
		case errors.Is(errOurs, gre.ErrVersion), errors.Is(errOurs, gre.ErrAckOnVersion0), errors.Is(errOurs, gre.ErrOffsetOutside):
			return // gopacket reads these; we refuse them
		case errors.Is(errOurs, gre.ErrTruncated):
			if !panicked {
				t.Fatalf("we call %x truncated (%v), gopacket read it", data, errOurs)
			}
			return
		case errOurs != nil:
			t.Fatalf("unexpected error: %v", errOurs)
		case panicked:
			t.Fatalf("gopacket panicked on %x, which we decode", data)
		}
		f := ours.Flags
		switch {
		case theirs.ChecksumPresent != f.C(), theirs.RoutingPresent != f.R(), theirs.KeyPresent != f.K(),
			theirs.SeqPresent != f.S(), theirs.StrictSourceRoute != f.StrictSourceRoute(), theirs.AckPresent != f.A():
			t.Fatal("flags differ")
		case theirs.RecursionControl != ours.Recursion, theirs.Version != uint8(ours.Version),
			theirs.Flags != uint8(f&0xf8)>>3, uint16(theirs.Protocol) != uint16(ours.Protocol):
			t.Fatal("recursion, version, flags or protocol differ")
		case theirs.Key != ours.Key, theirs.Seq != ours.Sequence, theirs.Ack != ours.Ack:
			t.Fatal("key, sequence or ack differ")
		case (f.C() || f.R()) && (theirs.Checksum != ours.Checksum || theirs.Offset != ours.Offset):
			t.Fatal("checksum or offset differ")
		case !bytes.Equal(theirs.Payload, ours.Payload):
			t.Fatal("payload differs")
		}
		r := theirs.GRERouting
		for _, e := range ours.Routing {
			if r == nil || r.AddressFamily != e.AddressFamily || r.SRELength != e.SRELength || r.SREOffset != e.SREOffset ||
				!bytes.Equal(r.RoutingInformation, e.RoutingInformation) {
				t.Fatal("routing differs")
			}
			r = r.Next
		}
		if r != nil {
			t.Fatal("gopacket has more SREs")
		}
	})
}

func gopacketGRE(data []byte) (g *layers.GRE, panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	g = &layers.GRE{}
	_ = g.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
	return g, false
}

// FuzzSRE: the routing-list iterator, Parse and the typed accessors never
// panic or loop; Parse and the iterator agree; what parses re-encodes to the
// bytes it came from.
func FuzzSRE(f *testing.F) {
	f.Add([]byte{0x08, 0x00, 0x04, 0x08, 192, 0, 2, 1, 192, 0, 2, 2, 0xff, 0xfe, 0x02, 0x04, 0xfb, 0xf0, 0xfb, 0xf1, 0, 0, 0, 0}, uint16(12))
	f.Add([]byte{0, 0, 0, 0}, uint16(0))
	f.Add([]byte{0x08, 0x00, 0, 40, 1}, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, offset uint16) {
		list, n, nullOff, err := sre.Parse(data, nil)
		it := sre.NewIterator(data)
		count := 0
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			count++
			if count > len(data) {
				t.Fatal("iterator does not progress")
			}
			if r, err := e.IPv4(); err == nil {
				for range r.All() {
				}
				_, _ = r.Active()
			}
			if r, err := e.AS(); err == nil {
				for range r.All() {
				}
				_, _ = r.Active()
			}
		}
		if (err == nil) != (it.Err() == nil) || count != len(list) {
			t.Fatalf("Parse (%v, %d SREs) and Iterator (%v, %d) disagree", err, len(list), it.Err(), count)
		}
		if err != nil {
			return
		}
		_, _ = sre.Active(list, offset)
		out, err := sre.Append(nil, list, nullOff)
		if err != nil || !bytes.Equal(out, data[:n]) {
			t.Fatalf("re-encoding: %v, %x, want %x", err, out, data[:n])
		}
	})
}
