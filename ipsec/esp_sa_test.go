package ipsec

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

type transformCase struct {
	name string
	cfg  Config
}

func key(n int, seed byte) Key {
	k := make(Key, n)
	for i := range k {
		k[i] = seed + byte(i)*7
	}
	return k
}

// allTransforms is every ESP transform combination the package offers.
func allTransforms(t testing.TB) []transformCase {
	var out []transformCase
	add := func(name string, c Config) {
		c.SPI = 0x1000 + uint32(len(out))
		out = append(out, transformCase{name, c})
	}
	for _, bits := range []int{128, 192, 256} {
		for _, e := range []EncrID{EncrAESGCM8, EncrAESGCM12, EncrAESGCM16} {
			add(fmt.Sprintf("%v-%d", e, bits), Config{Encr: e, EncrKey: key(bits/8+4, 1)})
		}
		add(fmt.Sprintf("AES-GMAC-%d", bits), Config{Encr: EncrNULLAuthAESGMAC, EncrKey: key(bits/8+4, 2)})
	}
	add("ChaCha20-Poly1305", Config{Encr: EncrChaCha20Poly1305, EncrKey: key(36, 3)})
	integs := []IntegID{IntegHMACSHA196, IntegHMACSHA2256128, IntegHMACSHA2384192, IntegHMACSHA2512256}
	for _, i := range integs {
		kl, _ := i.KeyLen()
		for _, bits := range []int{128, 192, 256} {
			add(fmt.Sprintf("AES-CBC-%d+%v", bits, i), Config{Encr: EncrAESCBC, EncrKey: key(bits/8, 4), Integ: i, IntegKey: key(kl, 5)})
			add(fmt.Sprintf("AES-CTR-%d+%v", bits, i), Config{Encr: EncrAESCTR, EncrKey: key(bits/8+4, 6), Integ: i, IntegKey: key(kl, 7)})
		}
		add(fmt.Sprintf("NULL+%v", i), Config{Encr: EncrNULL, Integ: i, IntegKey: key(kl, 8)})
		add(fmt.Sprintf("3DES+%v", i), Config{Encr: Encr3DES, EncrKey: key(24, 9), Integ: i, IntegKey: key(kl, 10)})
	}
	return out
}

func pair(t testing.TB, c Config) (*OutboundESP, *InboundESP) {
	tx, err := NewOutboundESP(c)
	require.NoError(t, err)
	rx, err := NewInboundESP(c)
	require.NoError(t, err)
	return tx, rx
}

func TestRoundTripEveryTransform(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range allTransforms(t) {
		for _, esn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/ESN=%v", tc.name, esn), func(t *testing.T) {
				c := tc.cfg
				c.ESN = esn
				tx, rx := pair(t, c)
				sizes := []int{0, 1, 2, 3, 15, 16, 17, 63, 64, 100, 1400, 8192}
				if testing.Short() {
					sizes = []int{0, 1, 3, 16, 17, 100}
				}
				for _, n := range sizes {
					payload := make([]byte, n)
					for i := range payload {
						payload[i] = byte(r.Uint32())
					}
					tfc := 0
					if n%2 == 1 {
						tfc = 5
					}
					pkt, err := tx.SealTFC([]byte("prefix"), layers.IPProtocolTCP, payload, tfc)
					require.NoError(t, err)
					require.Equal(t, "prefix", string(pkt[:6]), "appended after dst")
					pkt = pkt[6:]
					if tfc == 0 {
						require.Len(t, pkt, n+tx.Overhead(n))
					}
					align := rx.eng.encr.padAlign()
					require.Zero(t, (len(pkt)-rx.PayloadOffset()-rx.eng.icv)%align, "trailer aligned")
					o, err := rx.Open([]byte("x"), pkt)
					require.NoError(t, err)
					require.Equal(t, append(payload, make([]byte, tfc)...), o.Payload)
					require.Equal(t, "x", string(o.Data[:1]))
					require.Equal(t, layers.IPProtocolTCP, o.NextHeader)
					require.Equal(t, tx.LastSeq(), o.Seq)
				}
			})
		}
	}
}

func TestSealAndOpenInPlace(t *testing.T) {
	for _, tc := range allTransforms(t) {
		t.Run(tc.name, func(t *testing.T) {
			tx, rx := pair(t, tc.cfg)
			payload := []byte("the quick brown fox jumps over the lazy dog")
			buf := make([]byte, 2048)
			off := tx.PayloadOffset()
			copy(buf[off:], payload)
			pkt, err := tx.Seal(buf[:0], 17, buf[off:off+len(payload)])
			require.NoError(t, err)
			require.Equal(t, &buf[0], &pkt[0], "sealed where the buffer is")
			o, err := rx.Open(pkt[rx.PayloadOffset():][:0], pkt)
			require.NoError(t, err)
			require.Equal(t, payload, o.Payload)
			require.Equal(t, &pkt[rx.PayloadOffset()], &o.Payload[0], "opened in place")
		})
	}
}

func TestSealRefusesToCycle(t *testing.T) {
	c := Config{SPI: 1000, Encr: EncrAESGCM16, EncrKey: key(20, 1), Seq: 1<<32 - 2}
	tx, rx := pair(t, Config{SPI: 1000, Encr: EncrAESGCM16, EncrKey: key(20, 1), Seq: 0})
	_ = rx
	tx, err := NewOutboundESP(c)
	require.NoError(t, err)
	p, err := tx.Seal(nil, 4, nil)
	require.NoError(t, err)
	require.Equal(t, uint32(1<<32-1), binary.BigEndian.Uint32(p[4:]), "the last sequence number is used")
	_, err = tx.Seal(nil, 4, nil)
	require.ErrorIs(t, err, ErrRekeyNeeded)
	_, err = tx.Seal(nil, 4, nil)
	require.ErrorIs(t, err, ErrRekeyNeeded, "and stays exhausted")

	c.ESN, c.Seq = true, 1<<64-2
	tx, err = NewOutboundESP(c)
	require.NoError(t, err)
	_, err = tx.Seal(nil, 4, nil)
	require.NoError(t, err)
	_, err = tx.Seal(nil, 4, nil)
	require.ErrorIs(t, err, ErrRekeyNeeded)

	ah, err := NewOutboundAH(Config{SPI: 1001, Integ: IntegHMACSHA196, IntegKey: key(20, 1), Seq: 1<<32 - 1})
	require.NoError(t, err)
	_, err = ah.SealTransport(nil, ipv4Packet(t, 1, []byte("x")))
	require.ErrorIs(t, err, ErrRekeyNeeded)
}

// nullHMAC seals by hand with NULL encryption and HMAC-SHA2-256-128 so that
// tests can build trailers Seal never would, with a valid ICV.
func nullHMAC(spi, seq uint32, plain []byte, k Key) []byte {
	p := binary.BigEndian.AppendUint32(nil, spi)
	p = binary.BigEndian.AppendUint32(p, seq)
	p = append(p, plain...)
	m := hmac.New(sha256.New, k)
	m.Write(p)
	return append(p, m.Sum(nil)[:16]...)
}

func TestOpenRejects(t *testing.T) {
	k := key(32, 1)
	c := Config{SPI: 0x4242, Encr: EncrNULL, Integ: IntegHMACSHA2256128, IntegKey: k}
	good := nullHMAC(0x4242, 1, []byte{0xaa, 0xbb, 1, 2, 2, 6}, k)
	tests := []struct {
		name string
		pkt  []byte
		want error
		msg  string
	}{
		{"valid", good, nil, ""},
		{"truncated below header, trailer and ICV", good[:8+2+15], ErrTruncated, "esp: packet at offset 0: shorter than header, IV, trailer and ICV"},
		{"another SA's SPI", nullHMAC(0x4243, 1, []byte{0, 4}, k), ErrMalformed, "esp: SPI at offset 0: SPI does not belong to this SA"},
		{"sequence number zero", nullHMAC(0x4242, 0, []byte{0, 4}, k), ErrReplay, "esp: sequence number at offset 4: sequence number 0 is never sent"},
		{"wrong ICV", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1), ErrAuthentication, "esp: ICV at offset 0: integrity check failed"},
		{"padding not 1, 2, 3", nullHMAC(0x4242, 1, []byte{0xaa, 0xbb, 1, 3, 2, 6}, k), ErrMalformed, "esp: padding at offset 0: padding bytes are not 1, 2, 3, …"},
		{"pad length past the payload", nullHMAC(0x4242, 1, []byte{0xaa, 0xbb, 9, 6}, k), ErrMalformed, "esp: pad length at offset 0: pad length runs past the payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rx := pair(t, c)
			o, err := rx.Open([]byte{9}, tt.pkt)
			if tt.want == nil {
				require.NoError(t, err)
				require.Equal(t, []byte{0xaa, 0xbb}, o.Payload)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, tt.msg)
			require.Equal(t, []byte{9}, o.Data, "nothing appended")
			var de *DecodeError
			require.True(t, errors.As(err, &de))
		})
	}
	t.Run("replayed and behind the window", func(t *testing.T) {
		tx, rx := pair(t, Config{SPI: 9, Encr: EncrAESGCM16, EncrKey: key(20, 1), ReplayWindow: 64})
		first, _ := tx.Seal(nil, 4, nil)
		_, err := rx.Open(nil, first)
		require.NoError(t, err)
		_, err = rx.Open(nil, first)
		require.ErrorIs(t, err, ErrReplay)
		for range 70 {
			p, _ := tx.Seal(nil, 4, nil)
			_, err = rx.Open(nil, p)
			require.NoError(t, err)
		}
		tx2, _ := NewOutboundESP(Config{SPI: 9, Encr: EncrAESGCM16, EncrKey: key(20, 1), Seq: 5})
		old, _ := tx2.Seal(nil, 4, nil) // seq 6, now behind the window
		_, err = rx.Open(nil, old)
		require.ErrorIs(t, err, ErrReplay)
	})
	t.Run("ICV is checked before the window moves", func(t *testing.T) {
		tx, rx := pair(t, Config{SPI: 9, Encr: EncrAESCBC, EncrKey: key(16, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 2)})
		p, _ := tx.Seal(nil, 4, []byte("data"))
		forged := bytes.Clone(p)
		forged[len(forged)-1] ^= 1
		_, err := rx.Open(nil, forged)
		require.ErrorIs(t, err, ErrAuthentication)
		require.Zero(t, rx.HighestSeq(), "a forgery does not advance the window")
		_, err = rx.Open(nil, p)
		require.NoError(t, err, "the genuine packet is still accepted")
	})
	t.Run("CBC ciphertext not a whole number of blocks", func(t *testing.T) {
		tx, rx := pair(t, Config{SPI: 9, Encr: EncrAESCBC, EncrKey: key(16, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 2)})
		p, _ := tx.Seal(nil, 4, []byte("data"))
		p = append(p[:len(p)-12-1], p[len(p)-12:]...)
		_, err := rx.Open(nil, p)
		require.ErrorIs(t, err, ErrMalformed)
	})
}

func TestDummyPacket(t *testing.T) {
	tx, rx := pair(t, Config{SPI: 77, Encr: EncrAESGCM16, EncrKey: key(20, 1)})
	p, err := tx.Seal(nil, NoNextHeader, []byte("random-looking filler"))
	require.NoError(t, err)
	o, err := rx.Open(nil, p)
	require.NoError(t, err)
	require.True(t, o.Dummy())
	tun := ipv4Packet(t, 1, []byte("x"))
	outer := append(bytes.Clone(tun[:20]), p...)
	outer[9] = byte(ProtoESP)
	require.NoError(t, fixIPHeader(outer, 4))
	_, rx2 := pair(t, Config{SPI: 77, Encr: EncrAESGCM16, EncrKey: key(20, 1)})
	_, err = rx2.OpenTunnel(nil, outer)
	require.ErrorIs(t, err, ErrDummyPacket)
}

func TestKeysNeverPrinted(t *testing.T) {
	secret := Key{0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b}
	c := Config{SPI: 5, Encr: EncrAESGCM16, EncrKey: secret}
	tx, rx := pair(t, c)
	ah := Config{SPI: 6, Integ: IntegHMACSHA196, IntegKey: secret}
	atx, _ := NewOutboundAH(ah)
	arx, _ := NewInboundAH(ah)
	for _, v := range []any{c, &c, secret, tx, rx, atx, arx, ah, struct{ C Config }{c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
			s := fmt.Sprintf(verb, v)
			require.NotContains(t, strings.ToLower(s), "deadbeef", "%s of %T: %s", verb, v, s)
			require.NotContains(t, s, "\xde\xad", "%s of %T", verb, v)
		}
	}
	require.Equal(t, "[20-byte key redacted]", secret.String())
	require.Contains(t, tx.String(), "ENCR_AES_GCM_16")
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		ah   bool
	}{
		{"SPI zero", Config{Encr: EncrAESGCM16, EncrKey: key(20, 1)}, false},
		{"GCM key of 17 octets", Config{SPI: 1, Encr: EncrAESGCM16, EncrKey: key(17, 1)}, false},
		{"AEAD with an integrity transform", Config{SPI: 1, Encr: EncrAESGCM16, EncrKey: key(20, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 1)}, false},
		{"NULL and no integrity", Config{SPI: 1, Encr: EncrNULL}, false},
		{"HMAC key of the wrong length", Config{SPI: 1, Encr: EncrAESCBC, EncrKey: key(16, 1), Integ: IntegHMACSHA2256128, IntegKey: key(20, 1)}, false},
		{"AES-CCM is not implemented", Config{SPI: 1, Encr: iana.EncrAESCCM16, EncrKey: key(19, 1)}, false},
		{"DES is not implemented", Config{SPI: 1, Encr: iana.EncrDES, EncrKey: key(8, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 1)}, false},
		{"window below 32", Config{SPI: 1, Encr: EncrAESGCM16, EncrKey: key(20, 1), ReplayWindow: 16}, false},
		{"sequence above 2^32 without ESN", Config{SPI: 1, Encr: EncrAESGCM16, EncrKey: key(20, 1), Seq: 1 << 32}, false},
		{"skipping the ICV of an AEAD", Config{SPI: 1, Encr: EncrAESGCM16, EncrKey: key(20, 1), InsecureSkipICV: true}, false},
		{"AH with encryption", Config{SPI: 1, Encr: EncrAESCBC, EncrKey: key(16, 1), Integ: IntegHMACSHA196, IntegKey: key(20, 1)}, true},
		{"AH without integrity", Config{SPI: 1}, true},
		{"AH-GMAC key without salt", Config{SPI: 1, Integ: IntegAES128GMAC, IntegKey: key(16, 1)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.ah {
				_, err = NewOutboundAH(tt.c)
			} else {
				_, err = NewInboundESP(tt.c)
			}
			require.ErrorIs(t, err, ErrConfig)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
		})
	}
	_, err := NewOutboundESP(Config{SPI: 1, Encr: EncrAESCBC, EncrKey: key(16, 1), Integ: IntegHMACSHA196, InsecureSkipICV: true})
	require.ErrorIs(t, err, ErrConfig, "outbound cannot skip the ICV")
}

// TestConcurrentSealAndOpen seals from several goroutines and opens from
// several others, in any order: every packet is opened exactly once and
// every replay refused (run with -race).
func TestConcurrentSealAndOpen(t *testing.T) {
	for _, c := range []Config{
		{SPI: 1, Encr: EncrAESGCM16, EncrKey: key(20, 1), ReplayWindow: 4096},
		{SPI: 2, Encr: EncrAESCBC, EncrKey: key(32, 1), Integ: IntegHMACSHA2256128, IntegKey: key(32, 2), ReplayWindow: 4096, ESN: true},
	} {
		tx, rx := pair(t, c)
		const senders, each = 4, 300
		pkts := make(chan []byte, senders*each)
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for i := range each {
					p, err := tx.Seal(nil, 4, []byte(fmt.Sprint("payload ", i)))
					if err != nil {
						t.Error(err)
						return
					}
					pkts <- p
				}
			})
		}
		wg.Wait()
		close(pkts)
		all := make([][]byte, 0, senders*each)
		for p := range pkts {
			all = append(all, p, p) // every packet twice: one copy must be refused
		}
		var mu sync.Mutex
		seen := map[uint64]int{}
		replays := 0
		work := make(chan []byte)
		var rg sync.WaitGroup
		for range 4 {
			rg.Go(func() {
				for p := range work {
					o, err := rx.Open(nil, p)
					mu.Lock()
					if err != nil {
						if !errors.Is(err, ErrReplay) {
							t.Error(err)
						}
						replays++
					} else {
						seen[o.Seq]++
					}
					mu.Unlock()
				}
			})
		}
		for _, p := range all {
			work <- p
		}
		close(work)
		rg.Wait()
		require.Len(t, seen, senders*each)
		require.Equal(t, senders*each, replays)
		for s, n := range seen {
			require.Equal(t, 1, n, "seq %d", s)
		}
	}
}

// ipv4Packet builds a valid IPv4 packet of protocol proto around payload.
func ipv4Packet(t testing.TB, proto byte, payload []byte) []byte {
	p := make([]byte, 20, 20+len(payload))
	p[0], p[8], p[9] = 0x45, 64, proto
	copy(p[12:], []byte{192, 0, 2, 1})
	copy(p[16:], []byte{192, 0, 2, 2})
	p = append(p, payload...)
	require.NoError(t, fixIPHeader(p, 4))
	setUDPChecksum(t, p)
	return p
}
