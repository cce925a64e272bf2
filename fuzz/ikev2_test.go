package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/ikev2"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// ikev2Messages returns the IKE messages (after the non-ESP marker on port
// 4500) of the public captures and the strongSwan scenarios.
func ikev2Messages(f *testing.F) [][]byte {
	files := testutil.Glob(f, testutil.Testdata(f, "strongswan", "*", "capture.pcap"))
	if dir := vectorsIfPresent(f, "ikev2"); dir != "" {
		files = append(files, testutil.Glob(f, filepath.Join(dir, "*.pcap*"))...)
	}
	var out [][]byte
	for _, file := range files {
		for _, p := range testutil.ReadCapture(f, file) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			u, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
			if !ok {
				continue
			}
			switch {
			case u.SrcPort == ikev2.Port || u.DstPort == ikev2.Port:
				out = append(out, u.Payload)
			case len(u.Payload) > 4 && u.Payload[0]|u.Payload[1]|u.Payload[2]|u.Payload[3] == 0:
				out = append(out, u.Payload[4:])
			}
		}
	}
	return out
}

var ignoreIKEv2Base = cmpopts.IgnoreFields(ikev2.IKEv2{}, "BaseLayer")

// FuzzIKEv2Parse: neither the Parser (Validate, every payload and list) nor
// the gopacket layer panics; what the layer decodes encodes back to the same
// bytes and decodes again to the same value; what the Parser accepts, the
// Builder writes again byte for byte (Reencode).
func FuzzIKEv2Parse(f *testing.F) {
	for _, m := range ikev2Messages(f) {
		f.Add(m)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		verr := ikev2.Validate(data)
		var m ikev2.IKEv2
		if err := m.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			out, err := m.AppendBinary(nil)
			if err != nil {
				t.Fatalf("decoded message does not encode: %v", err)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("layer round trip:\n%x\nbecame\n%x", data, out)
			}
			var w ikev2.IKEv2
			if err := w.DecodeFromBytes(out, nil); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(m, w, ignoreIKEv2Base); d != "" {
				t.Fatalf("decode(encode(decode(x))) differs: %s", d)
			}
			if (m.Check() == nil) != (verr == nil) {
				t.Fatalf("Check and Validate disagree: %v / %v", m.Check(), verr)
			}
		} else if verr == nil {
			t.Fatalf("Validate accepts what the layer refuses: %v", err)
		}
		if verr != nil {
			var de *ikev2.DecodeError
			if !errors.As(verr, &de) {
				t.Fatalf("error is not a DecodeError: %v", verr)
			}
			return
		}
		out, err := ikev2.Reencode(nil, data)
		if err != nil {
			t.Fatalf("Reencode refuses what Validate accepts: %v", err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("Parser/Builder round trip:\n%x\nbecame\n%x", data, out)
		}
	})
}

// fuzzProtectors are fixed-key Protectors for the SK fuzz target.
func fuzzProtectors(t testing.TB) []*ikev2.Protector {
	key := func(n int) []byte { return bytes.Repeat([]byte{0x5a}, n) }
	var out []*ikev2.Protector
	for _, s := range []struct {
		encr       ikev2.EncrID
		bits       int
		integ      ikev2.IntegID
		eLen, aLen int
	}{
		{iana.EncrAESGCM16, 256, iana.IntegNone, 36, 0},
		{iana.EncrAESCCM12, 128, iana.IntegNone, 19, 0},
		{iana.EncrChaCha20Poly1305, 0, iana.IntegNone, 36, 0},
		{iana.EncrAESCBC, 128, iana.IntegHMACSHA196, 16, 20},
		{iana.EncrAESGCM8, 128, iana.IntegNone, 20, 0},
	} {
		p, err := ikev2.NewProtector(s.encr, s.bits, s.integ, key(s.eLen), key(s.aLen))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func fuzzPlainAuth(t testing.TB) []byte {
	var b ikev2.Builder
	b.Start(nil, ikev2.Header{SPIi: 1, SPIr: 2, ExchangeType: ikev2.IKE_AUTH, Flags: ikev2.FlagInitiator, MessageID: 1})
	b.StartSK()
	b.IDi(ikev2.ID{Type: ikev2.IDFQDN, Data: []byte("a.example")})
	b.Auth(ikev2.Auth{Method: ikev2.AuthSharedKeyMIC, Data: bytes.Repeat([]byte{7}, 32)})
	out, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzIKEv2SKOpen: Open with fixed keys never panics on any input; what it
// opens is a valid plain form that SealWith (same IV and padding) turns back
// into the input exactly; a message sealed with the key and then changed in
// one octet never opens.
func FuzzIKEv2SKOpen(f *testing.F) {
	ps := fuzzProtectors(f)
	plain := fuzzPlainAuth(f)
	for i, p := range ps {
		sealed, err := p.Seal(nil, plain)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), sealed, uint16(0))
		f.Add(uint8(i), sealed, uint16(len(sealed)-1))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte, flip uint16) {
		p := ps[int(which)%len(ps)]
		o, err := p.Open(nil, data)
		if err == nil {
			if err := ikev2.Validate(o.Message); err != nil {
				// The inner payloads need not be valid, but the framing must.
				var de *ikev2.DecodeError
				if !errors.As(err, &de) {
					t.Fatal(err)
				}
			}
			again, err := p.SealWith(nil, o.Message, o.IV, o.Padding)
			if err != nil {
				t.Fatalf("SealWith refuses what Open gave: %v", err)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("re-seal differs:\n%x\n%x", data, again)
			}
		}
		// A fresh seal of the plain form, with one octet changed, must fail.
		sealed, err := p.Seal(nil, plain)
		if err != nil {
			t.Fatal(err)
		}
		sealed[int(flip)%len(sealed)] ^= 0x80
		if _, err := p.Open(nil, sealed); err == nil {
			t.Fatalf("tampered message opened (octet %d)", int(flip)%len(sealed))
		}
	})
}

// FuzzIKEv2SKFReassembly drives a bounded Reassembler with sequences of
// authenticated fragments a key-holding peer could send: each 3-octet step
// picks a message ID, a Fragment Number (0 and above Total included), a
// Total Fragments and whether Next Payload is set. The reassembler must
// never panic, never hold more than its bounds, and every message it
// completes must be the chunks of that message in order.
func FuzzIKEv2SKFReassembly(f *testing.F) {
	p := fuzzProtectors(f)[0]
	f.Add([]byte{0, 1, 3, 0, 2, 3, 0, 3, 3})
	f.Add([]byte{0, 1, 3, 0, 1, 3, 0, 2, 3, 0, 3, 2, 0, 3, 4, 0, 0, 3})
	f.Add([]byte{1, 1, 2, 2, 1, 2, 3, 1, 2, 4, 1, 2, 1, 2, 2})
	f.Fuzz(func(t *testing.T, steps []byte) {
		if len(steps) > 3*64 {
			steps = steps[:3*64]
		}
		ra := ikev2.Reassembler{MaxFragments: 8, MaxBytes: 200, MaxMessages: 3}
		now := time.Unix(0, 0)
		for i := 0; i+3 <= len(steps); i += 3 {
			msgID := uint32(steps[i] & 7)
			num := uint16(steps[i+1] % 10)
			total := uint16(steps[i+2] % 10)
			next := ikev2.PayloadNone
			if num == 1 {
				next = ikev2.PayloadVendorID
			}
			if steps[i+2]&0x80 != 0 {
				next ^= ikev2.PayloadVendorID // the wrong Next Payload for its position
			}
			frag := fuzzFragment(t, p, msgID, num, total, next)
			res, err := ra.Add(p, nil, frag, now)
			if ra.Pending() > 3 {
				t.Fatalf("%d reassemblies pending, bound 3", ra.Pending())
			}
			if err != nil {
				var de *ikev2.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("not a DecodeError: %v", err)
				}
				continue
			}
			if res.Complete {
				want := fuzzChunks(msgID, res.Total)
				if !bytes.Equal(res.Inner, want) {
					t.Fatalf("message %d of %d fragments reassembled wrong:\n%x\n%x", msgID, res.Total, res.Inner, want)
				}
				if err := ikev2.Validate(res.Message); err != nil {
					t.Fatalf("reassembled message: %v", err)
				}
			}
			now = now.Add(time.Second)
			if i%30 == 27 {
				ra.Expire(now.Add(-5 * time.Second))
			}
		}
	})
}

// fuzzChunks is the inner content of message msgID in total fragments of
// six octets: one Vendor ID payload filling it.
func fuzzChunks(msgID uint32, total uint16) []byte {
	n := 6 * int(total)
	b := make([]byte, n)
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	for i := 4; i < n; i++ {
		b[i] = byte(msgID)<<4 | byte(i)
	}
	return b
}

func fuzzFragment(t *testing.T, p *ikev2.Protector, msgID uint32, num, total uint16, next ikev2.PayloadType) []byte {
	whole := fuzzChunks(msgID, max(total, 1))
	var chunk []byte
	if num >= 1 && num <= total {
		chunk = whole[6*int(num-1) : 6*int(num)]
	} else {
		chunk = []byte("stray!")
	}
	h := ikev2.Header{SPIi: 1, SPIr: 2, MajorVersion: 2, ExchangeType: ikev2.IKE_AUTH, Flags: ikev2.FlagInitiator,
		MessageID: msgID, NextPayload: ikev2.PayloadSKF}
	m, _ := h.AppendBinary(nil)
	m = append(m, byte(next), 0, 0, byte(8+len(chunk)))
	m = binary.BigEndian.AppendUint16(m, num)
	m = binary.BigEndian.AppendUint16(m, total)
	m = append(m, chunk...)
	binary.BigEndian.PutUint32(m[24:], uint32(len(m)))
	out, err := p.Seal(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
