package ikev2

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// BenchmarkParse reads an IKE_SA_INIT from tcpdump's ikev2four capture
// (five payloads, an SA of 12 transforms) and a decrypted IKE_AUTH with
// every inner payload type: with the Parser (every payload and list), with
// the gopacket layer (framing only), and through gopacket.NewPacket from
// the Ethernet frame (gopacket has no IKEv2 layer of its own to compare).
func BenchmarkParse(b *testing.B) {
	init := ikeMessages(b, filepath.Join(testutil.Vectors(b, "ikev2"), "tcpdump-ikev2four.pcap"))[0]
	p := randomProtector(b, iana.EncrAESGCM16, 256, iana.IntegNone)
	sealed, _ := p.Seal(nil, fullAuth(b))
	o, _ := p.Open(nil, sealed)
	frame := udpFrame(b, init, false)

	var ps Parser
	b.Run("IKE_SA_INIT/Parser", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(init)))
		for i := 0; i < b.N; i++ {
			if _, err := ps.Start(init); err != nil {
				b.Fatal(err)
			}
			if err := ps.validateChain(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("IKE_AUTH-decrypted/Parser", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(o.Inner)))
		for i := 0; i < b.N; i++ {
			ps.StartInner(Header{}, o.First, o.Inner)
			if err := ps.validateChain(); err != nil {
				b.Fatal(err)
			}
		}
	})
	var m IKEv2
	b.Run("IKE_SA_INIT/Layer.DecodeFromBytes", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(init)))
		for i := 0; i < b.N; i++ {
			if err := m.DecodeFromBytes(init, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("IKE_SA_INIT/gopacket.NewPacket", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(frame)))
		for i := 0; i < b.N; i++ {
			pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.NoCopy)
			if pkt.Layer(LayerTypeIKEv2) == nil {
				b.Fatal("no IKEv2 layer")
			}
		}
	})
}

// BenchmarkBuild appends messages into a reused buffer.
func BenchmarkBuild(b *testing.B) {
	buf := make([]byte, 0, 4096)
	ke, nonce := make([]byte, 256), make([]byte, 32)
	b.Run("IKE_SA_INIT", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for i := 0; i < b.N; i++ {
			var bl Builder
			bl.Start(buf, testHeader)
			bl.StartSA()
			bl.Proposal(Proposal{ProtocolID: ProtoIKE})
			bl.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 256})
			bl.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2256)})
			bl.Transform(Transform{Type: TransformKE, ID: uint16(iana.KEMODP2048)})
			bl.KE(KE{Group: iana.KEMODP2048, Data: ke})
			bl.Nonce(nonce)
			bl.Notify(Notify{Type: NAT_DETECTION_SOURCE_IP, Data: ke[:20]})
			bl.Notify(Notify{Type: NAT_DETECTION_DESTINATION_IP, Data: ke[:20]})
			bl.Notify(Notify{Type: IKEV2_FRAGMENTATION_SUPPORTED})
			out, err := bl.Finish()
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

type sealCase struct {
	encr    EncrID
	keyBits int
	integ   IntegID
}

var benchSuites = []sealCase{
	{iana.EncrAESGCM16, 256, iana.IntegNone},
	{iana.EncrAESCCM16, 256, iana.IntegNone},
	{iana.EncrChaCha20Poly1305, 0, iana.IntegNone},
	{iana.EncrAESCBC, 256, iana.IntegHMACSHA2256128},
	{iana.EncrAESGCM8, 256, iana.IntegNone},
}

// BenchmarkSealOpen seals and opens an IKE message of about 1 KiB with each
// suite, and for comparison runs the raw primitives on the same bytes
// (crypto/cipher's AES-GCM, x/crypto's ChaCha20-Poly1305, stdlib AES-CBC
// then HMAC-SHA-256): the difference is the IKEv2 framing and padding.
func BenchmarkSealOpen(b *testing.B) {
	plain := bigAuth(b, 1, 900)
	for _, s := range benchSuites {
		p := randomProtector(b, s.encr, s.keyBits, s.integ)
		name := fmt.Sprintf("%v-%d/%v", s.encr, s.keyBits, s.integ)
		sealed, _ := p.Seal(nil, plain)
		dst := make([]byte, 0, 2048)
		b.Run("Seal/"+name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(plain)))
			for i := 0; i < b.N; i++ {
				if _, err := p.Seal(dst, plain); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Open/"+name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(sealed)))
			for i := 0; i < b.N; i++ {
				if _, err := p.Open(dst, sealed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	key := make([]byte, 32)
	nonce := make([]byte, 12)
	aad := plain[:HeaderLen+4]
	body := plain[HeaderLen+4:]
	out := make([]byte, 0, 2048)
	blk, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(blk)
	b.Run("raw/AES-GCM-256 Seal (crypto/cipher)", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for i := 0; i < b.N; i++ {
			gcm.Seal(out[:0], nonce, body, aad)
		}
	})
	ch, _ := chacha20poly1305.New(key)
	b.Run("raw/ChaCha20-Poly1305 Seal (x/crypto)", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for i := 0; i < b.N; i++ {
			ch.Seal(out[:0], nonce, body, aad)
		}
	})
	cbc := cipher.NewCBCEncrypter(blk, make([]byte, 16))
	mac := hmac.New(sha256.New, key)
	padded := make([]byte, len(body)+16-len(body)%16)
	var sum [32]byte
	b.Run("raw/AES-CBC-256+HMAC-SHA-256 (crypto/cipher, crypto/hmac)", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for i := 0; i < b.N; i++ {
			cbc.CryptBlocks(padded, padded)
			mac.Reset()
			mac.Write(plain)
			mac.Sum(sum[:0])
		}
	})
}

// BenchmarkPRFPlus derives 256 octets (the size of a typical SK_* set)
// with prf+ and compares with the same HMAC-SHA-256 chain written out raw.
func BenchmarkPRFPlus(b *testing.B) {
	key, seed := make([]byte, 32), make([]byte, 80)
	out := make([]byte, 256)
	p, _ := NewPRF(iana.PRFHMACSHA2256, key)
	b.Run("ours/HMAC-SHA2-256", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(out)))
		for i := 0; i < b.N; i++ {
			if err := p.Plus(out, seed); err != nil {
				b.Fatal(err)
			}
		}
	})
	x, _ := NewPRF(iana.PRFAES128XCBC, key[:16])
	b.Run("ours/AES128-XCBC", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(out)))
		for i := 0; i < b.N; i++ {
			if err := x.Plus(out, seed); err != nil {
				b.Fatal(err)
			}
		}
	})
	mac := hmac.New(sha256.New, key)
	var t [32]byte
	var ctr [1]byte
	b.Run("raw/HMAC-SHA-256 chain (crypto/hmac)", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(out)))
		for i := 0; i < b.N; i++ {
			prev := t[:0]
			for n := 1; n <= 8; n++ {
				mac.Reset()
				mac.Write(prev)
				mac.Write(seed)
				ctr[0] = byte(n)
				mac.Write(ctr[:])
				prev = mac.Sum(t[:0])
			}
		}
	})
}
