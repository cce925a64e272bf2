package ipsec

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// capturedESP is one ESP packet of a capture with the SA that opens it.
type capturedESP struct {
	frame int
	esp   []byte // SPI through ICV
	cfg   Config
}

// espPackets returns the outermost ESP packets of a capture whose SA the
// esp_sa file knows, with that SA's config.
func espPackets(t *testing.T, capture, uat string) []capturedESP {
	k := loadUAT(t, testutil.Vectors(t, "ipsec", uat))
	var out []capturedESP
	for _, p := range testutil.ReadCapture(t, testutil.Vectors(t, "ipsec", capture)) {
		pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
		e, ok := pkt.Layer(LayerTypeESP).(*ESP)
		if !ok {
			continue
		}
		src, dst, _ := addrsOf(pkt.NetworkLayer())
		sa := k.db.ESP(e.SPI, src, dst)
		require.NotNil(t, sa, "frame %d", p.Number)
		out = append(out, capturedESP{p.Number, append(append([]byte{}, e.Contents...), e.Payload...), sa.cfg})
	}
	require.NotEmpty(t, out)
	return out
}

// keyed returns the SA config with its real keys from the esp_sa file
// (SA values keep redacted copies).
func keyed(t *testing.T, uat string, spi uint32) Config {
	for _, e := range uatEntries(t, uat) {
		if e.Config.SPI == spi {
			return e.Config
		}
	}
	t.Fatalf("no SPI 0x%x in %s", spi, uat)
	return Config{}
}

// keyedAH returns the AH SA an esp_sa file describes as a NULL-encryption
// line for spi.
func keyedAH(t *testing.T, uat string, spi uint32) Config {
	for _, e := range uatEntries(t, uat) {
		if e.Config.SPI == spi && e.Config.Encr == EncrNULL {
			c := e.Config
			c.Encr, c.EncrKey = 0, nil
			return c
		}
	}
	t.Fatalf("no SPI 0x%x in %s", spi, uat)
	return Config{}
}

func uatEntries(t *testing.T, uat string) []UATEntry {
	f, err := os.ReadFile(testutil.Vectors(t, "ipsec", uat))
	require.NoError(t, err)
	e, err := ParseESPSA(bytes.NewReader(f))
	require.NoError(t, err)
	return e
}

// TestCapturedESPTamperingRejected flips every bit position's worth of
// bytes in every Linux-made AES-GCM packet: each copy must be refused, the
// SPI with ErrMalformed, the sequence number with ErrAuthentication (or
// ErrReplay when it becomes 0), everything else with ErrAuthentication.
func TestCapturedESPTamperingRejected(t *testing.T) {
	for _, c := range []string{"kaorimatz-esp-transport__ping__veth2.pcap", "kaorimatz-esp-tunnel-policy__ping__veth2.pcap", "kaorimatz-esp-tunnel-route__ping__veth2.pcap"} {
		for _, p := range espPackets(t, c, "kaorimatz-esp.esp_sa.uat") {
			cfg := keyed(t, "kaorimatz-esp.esp_sa.uat", p.cfg.SPI)
			sa, err := NewInboundESP(cfg)
			require.NoError(t, err)
			_, err = sa.Open(nil, p.esp)
			require.NoError(t, err, "%s frame %d untouched", c, p.frame)
			for i := range p.esp {
				bad := bytes.Clone(p.esp)
				bad[i] ^= 0x01
				fresh, _ := NewInboundESP(cfg)
				_, err := fresh.Open(nil, bad)
				switch {
				case i < 4:
					require.ErrorIs(t, err, ErrMalformed, "%s frame %d byte %d", c, p.frame, i)
				case i < 8:
					require.True(t, errors.Is(err, ErrAuthentication) || errors.Is(err, ErrReplay), "%s frame %d byte %d: %v", c, p.frame, i, err)
				default:
					require.ErrorIs(t, err, ErrAuthentication, "%s frame %d byte %d", c, p.frame, i)
				}
			}
		}
	}
}

// TestCapturedAHTampering flips each byte of every Linux-made AH packet: a
// change in a field RFC 4302 treats as mutable (IPv4 TOS, the DF flag, TTL,
// checksum) must still verify; any other change must not. (A non-zero
// fragment offset, mutable too, makes the packet a fragment, which AH
// processing refuses before the ICV.)
func TestCapturedAHTampering(t *testing.T) {
	mutable := map[int]bool{1: true, 6: true, 8: true, 10: true, 11: true}
	for _, c := range []string{"kaorimatz-ah-transport__ping__veth2.pcap", "kaorimatz-ah-tunnel-policy__ping__veth2.pcap", "kaorimatz-ah-tunnel-route__ping__veth2.pcap"} {
		k := loadUAT(t, testutil.Vectors(t, "ipsec", "kaorimatz-esp.esp_sa.uat"))
		n := 0
		for _, p := range testutil.ReadCapture(t, testutil.Vectors(t, "ipsec", c)) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			ah, ok := pkt.Layer(LayerTypeAH).(*AH)
			if !ok {
				continue
			}
			ip4 := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			ip := append(append([]byte{}, ip4.Contents...), ip4.Payload...)
			src, dst, _ := addrsOf(ip4)
			require.NotNil(t, k.db.AH(ah.SPI, src, dst))
			cfg := keyedAH(t, "kaorimatz-esp.esp_sa.uat", ah.SPI)
			for i := range ip {
				bad := bytes.Clone(ip)
				bad[i] ^= 0x04
				if i == 6 {
					bad[i] ^= 0x04 | 0x40 // DF, not the fragment offset
				}
				sa, err := NewInboundAH(cfg)
				require.NoError(t, err)
				_, err = sa.Verify(bad)
				if mutable[i] {
					require.NoError(t, err, "%s frame %d: byte %d is mutable", c, p.Number, i)
				} else {
					require.Error(t, err, "%s frame %d: byte %d is covered", c, p.Number, i)
				}
			}
			n++
		}
		require.Equal(t, 2, n)
	}
}

// TestCapturedESPResealedExactly seals each captured payload again with
// the same key, sequence number and IV (injected) and requires the
// captured bytes: all of them for AES-GCM, all but the ICV for the tcpdump
// captures, whose integrity key was never published.
func TestCapturedESPResealedExactly(t *testing.T) {
	tests := []struct {
		capture, uat string
		icvKnown     bool
	}{
		{"kaorimatz-esp-transport__ping__veth2.pcap", "kaorimatz-esp.esp_sa.uat", true},
		{"kaorimatz-esp-tunnel-policy__ping__veth2.pcap", "kaorimatz-esp.esp_sa.uat", true},
		{"kaorimatz-esp-tunnel-route__ping__veth2.pcap", "kaorimatz-esp.esp_sa.uat", true},
		{"tcpdump-02-sunrise-sunset-esp.pcap", "tcpdump-02-sunrise-sunset-esp.esp_sa.uat", false},
		{"tcpdump-08-sunrise-sunset-aes.pcap", "tcpdump-08-sunrise-sunset-aes.esp_sa.uat", false},
		{"tcpdump-espudp1.pcap", "tcpdump-espudp1.esp_sa.uat", false},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			for _, p := range espPackets(t, tt.capture, tt.uat) {
				in := keyed(t, tt.uat, p.cfg.SPI)
				in.DisableReplay = true
				rx, err := NewInboundESP(in)
				require.NoError(t, err)
				o, err := rx.Open(nil, p.esp)
				require.NoError(t, err)
				out := in
				out.InsecureSkipICV, out.DisableReplay = false, false
				if !tt.icvKnown {
					out.IntegKey = make([]byte, 20)
					_, _ = rand.Read(out.IntegKey)
				}
				out.Seq = o.Seq - 1
				ivLen := rx.PayloadOffset() - ESPHeaderLen
				out.IVSource = bytes.NewReader(p.esp[8 : 8+ivLen])
				tx, err := NewOutboundESP(out)
				require.NoError(t, err)
				sealed, err := tx.Seal(nil, o.NextHeader, o.Payload)
				require.NoError(t, err)
				require.Len(t, sealed, len(p.esp))
				n := len(p.esp)
				if !tt.icvKnown {
					n -= 12
				}
				require.Equal(t, p.esp[:n], sealed[:n], "frame %d", p.frame)
			}
		})
	}
}

// TestCapturedAHResealedExactly removes AH from each Linux-made transport
// packet and adds it again with the same sequence number: the packet must
// come back byte for byte, IPv4 checksum included. In tunnel mode the ICV
// is recomputed over the captured layout.
func TestCapturedAHResealedExactly(t *testing.T) {
	for _, c := range []string{"kaorimatz-ah-transport__ping__veth2.pcap", "kaorimatz-ah-tunnel-policy__ping__veth2.pcap", "kaorimatz-ah-tunnel-route__ping__veth2.pcap"} {
		for _, p := range testutil.ReadCapture(t, testutil.Vectors(t, "ipsec", c)) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			ah, ok := pkt.Layer(LayerTypeAH).(*AH)
			if !ok {
				continue
			}
			ip := p.Data[14:]
			cfg := keyedAH(t, "kaorimatz-esp.esp_sa.uat", ah.SPI)
			rx, err := NewInboundAH(cfg)
			require.NoError(t, err)
			cfg.Seq = uint64(ah.SequenceNumber) - 1
			tx, err := NewOutboundAH(cfg)
			require.NoError(t, err)
			if ah.NextHeader == layers.IPProtocolIPv4 {
				v, err := rx.Verify(ip)
				require.NoError(t, err)
				again := bytes.Clone(ip)
				clear(again[v.Offset+AHFixedLen : v.Offset+v.Len])
				require.NoError(t, tx.SealInPlace(again, v.Offset))
				require.Equal(t, ip, again, "%s frame %d", c, p.Number)
				continue
			}
			plain, err := rx.OpenTransport(nil, ip)
			require.NoError(t, err)
			require.Equal(t, byte(layers.IPProtocolICMPv4), plain[9])
			again, err := tx.SealTransport(nil, plain)
			require.NoError(t, err)
			require.Equal(t, ip, again, "%s frame %d", c, p.Number)
		}
	}
}
