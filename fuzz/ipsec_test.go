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

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
	"github.com/tunnelcodec/tunnelcodec/ipsec"
)

// ipsecFiles are the captures that seed the IPsec corpora: the scapy-made
// frames in testdata and the public vectors when present.
func ipsecFiles(f *testing.F) []string {
	ipsec.Register()
	files := testutil.Glob(f, testutil.Testdata(f, "ipsec", "*.pcap"))
	if dir := vectorsIfPresent(f, "ipsec"); dir != "" {
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcap"))...)
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcapng"))...)
	}
	return files
}

// addSeeds adds at most max seeds, each cut to n octets.
func addSeeds(f *testing.F, seeds [][]byte, max, n int) {
	for i, s := range seeds {
		if i >= max {
			break
		}
		f.Add(s[:min(len(s), n)])
	}
}

// FuzzESP: decoding never panics; what decodes encodes back to the same
// header; gopacket's IPSecESP agrees on every input of 8 octets or more (it
// has no bounds check below that).
func FuzzESP(f *testing.F) {
	addSeeds(f, testutil.DistinctLayerSeeds(f, ipsec.LayerTypeESP, ipsecFiles(f)...), 40, 64)
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e ipsec.ESP
		if err := e.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			if len(data) >= ipsec.ESPHeaderLen || !errors.Is(err, ipsec.ErrTruncated) {
				t.Fatalf("refused %d octets: %v", len(data), err)
			}
			return
		}
		out, err := e.AppendBinary(nil)
		if err != nil || !bytes.Equal(out, data[:8]) {
			t.Fatalf("round trip: %x became %x (%v)", data[:8], out, err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeIPSecESP, gopacket.NoCopy)
		g, ok := p.Layer(layers.LayerTypeIPSecESP).(*layers.IPSecESP)
		if !ok || g.SPI != e.SPI || g.Seq != e.SequenceNumber || !bytes.Equal(g.Encrypted, e.Payload) {
			t.Fatalf("gopacket disagrees on %x", data)
		}
	})
}

var ignoreAHBase = cmpopts.IgnoreFields(ipsec.AH{}, "BaseLayer")

// FuzzAH: the AH header decodes without panic and round-trips exactly;
// Verify with a fixed SA on the input read as an IPv4 or IPv6 packet never
// panics and never accepts it (the fuzzer cannot forge an HMAC).
func FuzzAH(f *testing.F) {
	files := ipsecFiles(f)
	addSeeds(f, testutil.DistinctLayerSeeds(f, ipsec.LayerTypeAH, files...), 30, 96)
	addSeeds(f, testutil.DistinctLayerSeeds(f, layers.LayerTypeIPv4, files...), 20, 160)
	addSeeds(f, testutil.DistinctLayerSeeds(f, layers.LayerTypeIPv6, files...), 20, 200)
	sa, err := ipsec.NewInboundAH(ipsec.Config{SPI: 0x101, Integ: ipsec.IntegHMACSHA196, IntegKey: make([]byte, 20), DisableReplay: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a ipsec.AH
		if err := a.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			out, err := a.AppendBinary(nil)
			if err != nil || !bytes.Equal(out, a.Contents) {
				t.Fatalf("round trip: %x became %x (%v)", a.Contents, out, err)
			}
			var b ipsec.AH
			if err := b.DecodeFromBytes(out, nil); err != nil || cmp.Diff(a, b, ignoreAHBase) != "" {
				t.Fatalf("decode(encode(x)) differs: %v", err)
			}
		}
		if _, err := sa.Verify(data); err == nil {
			t.Fatalf("a random packet verified: %x", data)
		}
		_, _ = sa.OpenTransport(nil, data)
	})
}

// FuzzUDPEncap: the RFC 3948 dispatcher classifies any payload without
// panic, its contents and payload give back the input, and the layer it
// names decodes what follows without panic.
func FuzzUDPEncap(f *testing.F) {
	addSeeds(f, testutil.DistinctLayerSeeds(f, ipsec.LayerTypeUDPEncap, ipsecFiles(f)...), 40, 64)
	f.Add([]byte{0xff})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var u ipsec.UDPEncap
		if err := u.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			if len(data) != 0 {
				t.Fatalf("refused %x: %v", data, err)
			}
			return
		}
		out, _ := u.AppendBinary(nil)
		if !bytes.Equal(append(out, u.Payload...), data) {
			t.Fatalf("round trip of %x", data)
		}
		switch {
		case len(data) == 1 && data[0] == 0xff:
			if u.Kind != ipsec.EncapNATKeepalive {
				t.Fatal("keepalive missed")
			}
		case len(data) >= 4 && data[0]|data[1]|data[2]|data[3] == 0:
			if u.Kind != ipsec.EncapIKE {
				t.Fatal("non-ESP marker missed")
			}
		default:
			if u.Kind != ipsec.EncapESP {
				t.Fatal("ESP missed")
			}
		}
		_ = gopacket.NewPacket(data, ipsec.LayerTypeUDPEncap, gopacket.NoCopy)
	})
}

// FuzzESPOpen feeds arbitrary bytes to Open and the tunnel and transport
// helpers of fixed SAs (AES-GCM, AES-CBC + HMAC, and a NULL SA that skips
// its ICV, which reaches the trailer checks): no panic, no output on error,
// and nothing forged is ever accepted by the authenticated SAs.
func FuzzESPOpen(f *testing.F) {
	addSeeds(f, testutil.DistinctLayerSeeds(f, ipsec.LayerTypeESP, ipsecFiles(f)...), 30, 128)
	f.Add(make([]byte, 40))
	gcm, _ := ipsec.NewInboundESP(ipsec.Config{SPI: 0x101, Encr: ipsec.EncrAESGCM16, EncrKey: make([]byte, 20), DisableReplay: true, ESN: true})
	cbc, _ := ipsec.NewInboundESP(ipsec.Config{SPI: 0x101, Encr: ipsec.EncrAESCBC, EncrKey: make([]byte, 16),
		Integ: ipsec.IntegHMACSHA196, IntegKey: make([]byte, 20), DisableReplay: true})
	open, err := ipsec.NewInboundESP(ipsec.Config{SPI: 0x101, Encr: ipsec.EncrNULL, Integ: ipsec.IntegHMACSHA196,
		InsecureSkipICV: true, DisableReplay: true})
	if err != nil || gcm == nil || cbc == nil {
		f.Fatal("SA setup", err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) >= 4 {
			data[0], data[1], data[2], data[3] = 0, 0, 1, 1 // the SAs' SPI, to get past the lookup
		}
		for _, sa := range []*ipsec.InboundESP{gcm, cbc} {
			if o, err := sa.Open([]byte{7}, data); err == nil {
				t.Fatalf("forged packet accepted: %x → %x", data, o.Payload)
			} else if len(o.Data) != 1 {
				t.Fatal("output appended on error")
			}
		}
		if o, err := open.Open(nil, data); err == nil {
			if len(o.Payload)+2+o.PadLen+12+8 != len(data) {
				t.Fatalf("lengths do not add up: %d payload, %d pad, %d packet", len(o.Payload), o.PadLen, len(data))
			}
		}
		_, _ = open.OpenTransport(nil, data)
		_, _ = open.OpenTunnel(nil, data)
	})
}
