package ipsec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/crypto/chacha20poly1305"
)

var benchSizes = []int{64, 512, 1400, 8192}

type benchCase struct {
	name string
	cfg  Config
	// raw seals size octets in place with the bare primitives on the same
	// buffer layout: header, IV, payload, trailer, ICV.
	raw func(size int) func(buf []byte)
}

func benchCases() []benchCase {
	gcmKey, chachaKey, cbcKey, macKey := key(20, 1), key(36, 2), key(32, 3), key(32, 4)
	return []benchCase{
		{"AES-GCM-128", Config{SPI: 1, Encr: EncrAESGCM16, EncrKey: gcmKey, DisableReplay: true}, func(size int) func([]byte) {
			b, _ := aes.NewCipher(gcmKey[:16])
			g, _ := cipher.NewGCM(b)
			nonce := make([]byte, 12)
			return func(buf []byte) { g.Seal(buf[16:16], nonce, buf[16:16+size], buf[:8]) }
		}},
		{"ChaCha20-Poly1305", Config{SPI: 2, Encr: EncrChaCha20Poly1305, EncrKey: chachaKey, DisableReplay: true}, func(size int) func([]byte) {
			a, _ := chacha20poly1305.New(chachaKey[:32])
			nonce := make([]byte, 12)
			return func(buf []byte) { a.Seal(buf[16:16], nonce, buf[16:16+size], buf[:8]) }
		}},
		{"AES-256-CBC+HMAC-SHA2-256-128", Config{SPI: 3, Encr: EncrAESCBC, EncrKey: cbcKey, Integ: IntegHMACSHA2256128, IntegKey: macKey, DisableReplay: true}, func(size int) func([]byte) {
			b, _ := aes.NewCipher(cbcKey)
			m := hmac.New(sha256.New, macKey)
			n := (size + 2 + 15) / 16 * 16
			var sum [32]byte
			return func(buf []byte) {
				cipher.NewCBCEncrypter(b, buf[8:24]).CryptBlocks(buf[24:24+n], buf[24:24+n])
				m.Reset()
				m.Write(buf[:24+n])
				copy(buf[24+n:], m.Sum(sum[:0])[:16])
			}
		}},
	}
}

// BenchmarkSeal compares Seal with the bare primitives doing the same
// cryptography on the same buffer in the same run.
func BenchmarkSeal(b *testing.B) {
	for _, bc := range benchCases() {
		for _, size := range benchSizes {
			payload := make([]byte, size)
			b.Run(fmt.Sprintf("%s/%d/tunnelcodec", bc.name, size), func(b *testing.B) {
				tx, err := NewOutboundESP(bc.cfg)
				if err != nil {
					b.Fatal(err)
				}
				buf := make([]byte, 0, size+128)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					buf, _ = tx.Seal(buf[:0], 4, payload)
				}
			})
			b.Run(fmt.Sprintf("%s/%d/raw", bc.name, size), func(b *testing.B) {
				f := bc.raw(size)
				buf := make([]byte, size+128)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					f(buf)
				}
			})
		}
	}
}

// BenchmarkOpen measures Open (replay check, ICV, decryption, padding
// check) against the bare AEAD Open / HMAC + CBC decryption.
func BenchmarkOpen(b *testing.B) {
	for _, bc := range benchCases() {
		for _, size := range benchSizes {
			tx, _ := NewOutboundESP(bc.cfg)
			rx, _ := NewInboundESP(bc.cfg)
			pkt, _ := tx.Seal(nil, 4, make([]byte, size))
			b.Run(fmt.Sprintf("%s/%d/tunnelcodec", bc.name, size), func(b *testing.B) {
				out := make([]byte, 0, len(pkt))
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := rx.Open(out[:0], pkt); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/%d/raw", bc.name, size), func(b *testing.B) {
				open := rawOpen(b, bc, pkt)
				out := make([]byte, len(pkt))
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					open(out)
				}
			})
		}
	}
}

func rawOpen(b *testing.B, bc benchCase, pkt []byte) func(out []byte) {
	nonce := make([]byte, 12)
	copy(nonce, bc.cfg.EncrKey[len(bc.cfg.EncrKey)-4:])
	copy(nonce[4:], pkt[8:16])
	switch bc.cfg.Encr {
	case EncrAESGCM16:
		c, _ := aes.NewCipher(bc.cfg.EncrKey[:16])
		g, _ := cipher.NewGCM(c)
		return func(out []byte) {
			if _, err := g.Open(out[:0], nonce, pkt[16:], pkt[:8]); err != nil {
				b.Fatal(err)
			}
		}
	case EncrChaCha20Poly1305:
		a, _ := chacha20poly1305.New(bc.cfg.EncrKey[:32])
		return func(out []byte) {
			if _, err := a.Open(out[:0], nonce, pkt[16:], pkt[:8]); err != nil {
				b.Fatal(err)
			}
		}
	}
	c, _ := aes.NewCipher(bc.cfg.EncrKey)
	m := hmac.New(sha256.New, bc.cfg.IntegKey)
	var sum [32]byte
	icv := len(pkt) - 16
	return func(out []byte) {
		m.Reset()
		m.Write(pkt[:icv])
		if !hmac.Equal(m.Sum(sum[:0])[:16], pkt[icv:]) {
			b.Fatal("icv")
		}
		cipher.NewCBCDecrypter(c, pkt[8:24]).CryptBlocks(out[:icv-24], pkt[24:icv])
	}
}

var benchESP = append([]byte{0, 0, 1, 1, 0, 0, 0, 1}, make([]byte, 72)...)

var benchAH = append([]byte{1, 4, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1}, make([]byte, 12+64)...)

// BenchmarkDecode compares our ESP and AH layers with gopacket's
// layers.IPSecESP and layers.IPSecAH. gopacket's have no DecodeFromBytes,
// so both go through gopacket.NewPacket as well.
func BenchmarkDecode(b *testing.B) {
	b.Run("ESP/tunnelcodec/DecodeFromBytes", func(b *testing.B) {
		var e ESP
		b.ReportAllocs()
		for b.Loop() {
			_ = e.DecodeFromBytes(benchESP, gopacket.NilDecodeFeedback)
		}
	})
	for _, c := range []struct {
		name string
		data []byte
		lt   gopacket.LayerType
	}{
		{"ESP/tunnelcodec/NewPacket", benchESP, LayerTypeESP},
		{"ESP/gopacket/NewPacket", benchESP, layers.LayerTypeIPSecESP},
		{"AH/tunnelcodec/NewPacket", benchAH, LayerTypeAH},
		{"AH/gopacket/NewPacket", benchAH, layers.LayerTypeIPSecAH},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = gopacket.NewPacket(c.data, c.lt, gopacket.NoCopy)
			}
		})
	}
	b.Run("AH/tunnelcodec/DecodeFromBytes", func(b *testing.B) {
		var a AH
		b.ReportAllocs()
		for b.Loop() {
			_ = a.DecodeFromBytes(benchAH, gopacket.NilDecodeFeedback)
		}
	})
}
