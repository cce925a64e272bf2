package ipsec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// colonHex renders bytes as tshark does: "01:02:0a".
func colonHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := hex.EncodeToString(b)
	var out strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			out.WriteByte(':')
		}
		out.WriteString(s[i : i+2])
	}
	return out.String()
}

// keyring is the SAs a test decrypts a capture with: ESP SAs from an
// esp_sa table, and AH SAs (for the table's NULL-encryption lines, and any
// given directly).
type keyring struct {
	db        Database
	decrypted int // ESP packets opened
	verified  int // AH headers verified
	skipped   int // ESP packets opened without an ICV check
}

// loadUAT builds inbound SAs from an esp_sa file. Like Wireshark, the first
// line wins when two name the same SA. Anti-replay stays on: captures hold
// no replays.
func loadUAT(t testing.TB, path string) *keyring {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	entries, err := ParseESPSA(f)
	require.NoError(t, err, path)
	k := &keyring{}
	for _, e := range entries {
		sa, err := NewInboundESP(e.Config)
		require.NoError(t, err, "%s: %s", path, e.Config)
		if err := k.db.Add(sa); err != nil && !errors.Is(err, ErrDuplicateSA) {
			t.Fatal(err)
		}
		if e.Config.Encr == EncrNULL && !e.Config.InsecureSkipICV {
			c := e.Config
			c.Encr, c.EncrKey = 0, nil
			ah, err := NewInboundAH(c)
			require.NoError(t, err)
			require.NoError(t, k.db.Add(ah))
		}
	}
	return k
}

func addrsOf(l gopacket.Layer) (src, dst netip.Addr, ok bool) {
	switch ip := l.(type) {
	case *layers.IPv4:
		s, _ := netip.AddrFromSlice(ip.SrcIP.To4())
		d, _ := netip.AddrFromSlice(ip.DstIP.To4())
		return s, d, true
	case *layers.IPv6:
		s, _ := netip.AddrFromSlice(ip.SrcIP)
		d, _ := netip.AddrFromSlice(ip.DstIP)
		return s, d, true
	}
	return netip.Addr{}, netip.Addr{}, false
}

// nextLayerFor is the gopacket layer type that decodes an IPsec payload.
func nextLayerFor(nh layers.IPProtocol) gopacket.LayerType {
	switch nh {
	case layers.IPProtocolIPv4:
		return layers.LayerTypeIPv4
	case layers.IPProtocolIPv6:
		return layers.LayerTypeIPv6
	}
	return nh.LayerType()
}

// fields renders our decode of a packet as tshark fields, decrypting ESP
// with the keyring (recursively, for ESP inside ESP) and verifying AH.
func (k *keyring) fields(t testing.TB, pkt gopacket.Packet) testutil.Fields {
	f := testutil.Fields{}
	k.walk(t, f, pkt.Layers())
	return f
}

func (k *keyring) walk(t testing.TB, f testutil.Fields, ls []gopacket.Layer) {
	var src, dst netip.Addr
	var ipLayer gopacket.Layer
	for _, l := range ls {
		if s, d, ok := addrsOf(l); ok {
			src, dst, ipLayer = s, d, l
		}
		switch l := l.(type) {
		case *UDPEncap:
			f["udpencap.non_esp_marker"] = f["udpencap.non_esp_marker"][:len(f["udpencap.non_esp_marker"]):len(f["udpencap.non_esp_marker"])]
			f["udpencap.nat_keepalive"] = f["udpencap.nat_keepalive"][:len(f["udpencap.nat_keepalive"]):len(f["udpencap.nat_keepalive"])]
			switch l.Kind {
			case EncapIKE:
				f.Add("udpencap.non_esp_marker", "")
			case EncapNATKeepalive:
				f.Add("udpencap.nat_keepalive", "")
			}
		case *ESP:
			f.Add("esp.spi", fmt.Sprintf("0x%08x", l.SPI))
			f.Add("esp.sequence", strconv.FormatUint(uint64(l.SequenceNumber), 10))
			sa := k.db.ESP(l.SPI, src, dst)
			if sa == nil {
				continue
			}
			pkt := append(append([]byte{}, l.Contents...), l.Payload...)
			o, err := sa.Open(nil, pkt)
			if err != nil {
				t.Errorf("ESP SPI 0x%08x seq %d: %v", l.SPI, l.SequenceNumber, err)
				continue
			}
			k.decrypted++
			good := "1"
			if sa.skip {
				good = "0"
				k.skipped++
			}
			f.Add("esp.icv_good", good)
			f.Add("esp.icv_bad", "0")
			f.Add("esp.contained_data", colonHex(o.Payload))
			f.Add("esp.pad_len", strconv.Itoa(o.PadLen))
			f.Add("esp.protocol", fmt.Sprintf("0x%02x", uint8(o.NextHeader)))
			inner := gopacket.NewPacket(o.Payload, nextLayerFor(o.NextHeader), gopacket.Default)
			k.walk(t, f, inner.Layers())
		case *AH:
			f.Add("ah.next_header", strconv.Itoa(int(l.NextHeader)))
			f.Add("ah.length", strconv.Itoa(int(l.PayloadLen)))
			f.Add("ah.reserved", colonHex([]byte{byte(l.Reserved >> 8), byte(l.Reserved)}))
			f.Add("ah.spi", fmt.Sprintf("0x%08x", l.SPI))
			f.Add("ah.sequence", strconv.FormatUint(uint64(l.SequenceNumber), 10))
			f.Add("ah.icv", colonHex(l.ICV))
			if sa := k.db.AH(l.SPI, src, dst); sa != nil && ipLayer != nil {
				ip := append(append([]byte{}, ipLayer.LayerContents()...), ipLayer.LayerPayload()...)
				v, err := sa.Verify(ip)
				if err != nil {
					t.Errorf("AH SPI 0x%08x seq %d: %v", l.SPI, l.SequenceNumber, err)
					continue
				}
				require.Equal(t, l.NextHeader, v.NextHeader)
				require.Equal(t, l.Payload, v.Payload)
				k.verified++
			}
		}
	}
}

func vectorsCase(t *testing.T, file string) testutil.Capture {
	dir := testutil.Vectors(t, "ipsec")
	name := strings.TrimSuffix(file, filepath.Ext(file))
	return testutil.Capture{
		Path:   filepath.Join(dir, file),
		Golden: testutil.Testdata(t, "vectors", "ipsec", name+".tshark.json"),
	}
}

// TestPublicCaptures decodes every public IPsec capture through gopacket
// with our layers, compares every ESP, AH and UDP-encapsulation field with
// tshark's decode of the same frame, round-trips every layer exactly, and
// where keys are published decrypts every ESP packet (comparing the
// plaintext, pad length and next header with what tshark decrypted) and
// verifies every AH ICV.
func TestPublicCaptures(t *testing.T) {
	kaoriAH := func(t *testing.T) *keyring {
		return loadUAT(t, testutil.Vectors(t, "ipsec", "kaorimatz-esp.esp_sa.uat"))
	}
	uat := func(name string) func(t *testing.T) *keyring {
		return func(t *testing.T) *keyring { return loadUAT(t, testutil.Vectors(t, "ipsec", name)) }
	}
	tests := []struct {
		name      string
		file      string
		keys      func(t *testing.T) *keyring
		ours      int // our layers decoded
		decrypted int // ESP packets opened
		skipped   int // of those, without ICV (unknown integrity key)
		verified  int // AH ICVs verified
	}{
		{"kaorimatz: Linux ESP AES-GCM-16 transport", "kaorimatz-esp-transport__ping__veth2.pcap", uat("kaorimatz-esp.esp_sa.uat"), 2, 2, 0, 0},
		{"kaorimatz: Linux ESP AES-GCM-16 tunnel (policy)", "kaorimatz-esp-tunnel-policy__ping__veth2.pcap", uat("kaorimatz-esp.esp_sa.uat"), 2, 2, 0, 0},
		{"kaorimatz: Linux ESP AES-GCM-16 tunnel (route)", "kaorimatz-esp-tunnel-route__ping__veth2.pcap", uat("kaorimatz-esp.esp_sa.uat"), 2, 2, 0, 0},
		{"kaorimatz: Linux AH HMAC-SHA1-96 transport", "kaorimatz-ah-transport__ping__veth2.pcap", kaoriAH, 2, 0, 0, 2},
		{"kaorimatz: Linux AH HMAC-SHA1-96 tunnel (policy)", "kaorimatz-ah-tunnel-policy__ping__veth2.pcap", kaoriAH, 2, 0, 0, 2},
		{"kaorimatz: Linux AH HMAC-SHA1-96 tunnel (route)", "kaorimatz-ah-tunnel-route__ping__veth2.pcap", kaoriAH, 2, 0, 0, 2},
		{"gopacket: AH transport (from kaorimatz)", "gopacket-testPacketIPSecAHTransport.pcap", kaoriAH, 1, 0, 0, 1},
		{"gopacket: AH tunnel (from kaorimatz)", "gopacket-testPacketIPSecAHTunnel.pcap", kaoriAH, 1, 0, 0, 1},
		{"gopacket: ESP (no key)", "gopacket-testPacketIPSecESP.pcap", nil, 1, 0, 0, 0},
		{"tcpdump: 3DES-CBC, ICV unchecked (02-sunrise key)", "tcpdump-02-sunrise-sunset-esp.pcap", uat("tcpdump-02-sunrise-sunset-esp.esp_sa.uat"), 8, 8, 8, 0},
		{"tcpdump: AES-256-CBC, ICV unchecked", "tcpdump-08-sunrise-sunset-aes.pcap", uat("tcpdump-08-sunrise-sunset-aes.esp_sa.uat"), 8, 8, 8, 0},
		{"tcpdump: ESP in ESP, two 3DES SAs", "tcpdump-08-sunrise-sunset-esp2.pcap", uat("tcpdump-08-sunrise-sunset-esp2.esp_sa.uat"), 8, 16, 16, 0},
		{"tcpdump: ESP in UDP 4500 (decrypts with the 02-sunrise key, SOURCES.md)", "tcpdump-espudp1.pcap", uat("tcpdump-espudp1.esp_sa.uat"), 16, 8, 8, 0},
		{"tcpdump: IKE and ESP on 4500 with the non-ESP marker", "tcpdump-isakmp4500.pcap", nil, 35, 0, 0, 0},
		{"tcpdump: ESP in UDP cut by the snap length", "tcpdump-esp_truncated.pcap", nil, 0, 0, 0, 0},
		{"Zeek: ESP over IPv6", "zeek-ip6_esp.pcap", nil, 120, 0, 0, 0},
		{"suricata-verify: ESP flows over IPv4 and IPv6", "suricata-verify-eve-flow-esp.pcap", nil, 8, 0, 0, 0},
		{"nDPI: ESP", "ndpi-esp.pcapng", nil, 2, 0, 0, 0},
		{"nDPI: IKE and ESP in UDP", "ndpi-ipsec_isakmp_esp.pcap", nil, 870, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &keyring{}
			if tt.keys != nil {
				k = tt.keys(t)
			}
			c := vectorsCase(t, tt.file)
			c.Fields = func(p gopacket.Packet) testutil.Fields { return k.fields(t, p) }
			res := testutil.Check(t, c)
			require.Equal(t, tt.ours, res.OurLayers, "our layers decoded")
			require.Equal(t, tt.decrypted, k.decrypted, "ESP packets decrypted")
			require.Equal(t, tt.skipped, k.skipped, "ESP packets opened without an ICV check")
			require.Equal(t, tt.verified, k.verified, "AH ICVs verified")
			if k.decrypted > 0 {
				require.GreaterOrEqual(t, res.FieldsSeen, 7*k.decrypted, "seven ESP fields per decrypted packet compared")
			}
		})
	}
}

var _ = bytes.Equal
