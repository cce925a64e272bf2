package ikev2

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// udpFrame wraps an IKE message in Ethernet/IPv4/UDP (port 500, or 4500
// with the non-ESP marker) with lengths and checksums filled in.
func udpFrame(t testing.TB, msg []byte, natt bool) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
	udp := &layers.UDP{SrcPort: Port, DstPort: Port}
	payload := msg
	if natt {
		udp.SrcPort, udp.DstPort = PortNATT, PortNATT
		payload = append([]byte{0, 0, 0, 0}, msg...)
	}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4},
		ip, udp, gopacket.Payload(payload)))
	return buf.Bytes()
}

// liveSA is one IKE SA of the live test: its SPIs, keys and a decryption
// table line for tshark (empty when tshark has no name for the cipher).
type liveSA struct {
	spii, spir uint64
	ini, res   *Protector
	line       string
}

func newLiveSA(t testing.TB, n int, encr EncrID, keyBits int, integ IntegID) liveSA {
	bits := keyBits
	if bits == 0 && encr != iana.EncrChaCha20Poly1305 && encr != iana.Encr3DES {
		bits = 128
	}
	el, _ := encr.KeyMaterialLen(bits)
	al, _ := integ.KeyLen()
	e := DecryptionEntry{SPIi: 0x1000 + uint64(n), SPIr: 0x2000 + uint64(n), SKei: make([]byte, el), SKer: make([]byte, el),
		SKai: make([]byte, al), SKar: make([]byte, al), EncrName: WiresharkEncrName(encr, keyBits), IntegName: WiresharkIntegName(integ)}
	for _, k := range []Secret{e.SKei, e.SKer, e.SKai, e.SKar} {
		rand.Read(k)
	}
	s := liveSA{spii: e.SPIi, spir: e.SPIr}
	var err error
	s.ini, err = NewProtector(encr, keyBits, integ, e.SKei, e.SKai)
	require.NoError(t, err)
	s.res, err = NewProtector(encr, keyBits, integ, e.SKer, e.SKar)
	require.NoError(t, err)
	if e.EncrName != "" && e.IntegName != "" && encr != iana.EncrChaCha20Poly1305 {
		s.line = e.Line()
	}
	return s
}

// TestTsharkReadsWhatWeBuild builds messages with every payload type —
// plain IKE_SA_INIT exchanges and IKE_AUTH, CREATE_CHILD_SA and
// INFORMATIONAL messages sealed with every suite tshark 4.0 can decrypt —
// and requires tshark's decode (with a decryption table of our keys) to
// equal ours field by field, decrypted payloads included, with no
// malformed-packet or expert warning.
func TestTsharkReadsWhatWeBuild(t *testing.T) {
	var frames [][]byte
	var args []string
	var names []string
	sas := map[[2]uint64]liveSA{}
	add := func(name string, msg []byte, natt bool) {
		frames = append(frames, udpFrame(t, msg, natt))
		names = append(names, name)
	}

	add("IKE_SA_INIT request, two proposals, every transform type", saInitFull(t), false)
	add("IKE_SA_INIT response", saInitResponse(t), false)

	for i, s := range suites {
		sa := newLiveSA(t, i, s.encr, s.keyBits, s.integ)
		sas[[2]uint64{sa.spii, sa.spir}] = sa
		if sa.line != "" {
			args = append(args, "-o", "uat:ikev2_decryption_table:"+sa.line)
		}
		suite := fmt.Sprintf("%v-%d/%v", s.encr, s.keyBits, s.integ)
		for _, m := range []struct {
			name  string
			plain []byte
			p     *Protector
		}{
			{"IKE_AUTH request", withSPIs(fullAuth(t), sa), sa.ini},
			{"CREATE_CHILD_SA response", withSPIs(createChildResponse(t), sa), sa.res},
			{"INFORMATIONAL delete", withSPIs(informationalDelete(t), sa), sa.ini},
		} {
			sealed, err := m.p.Seal(nil, m.plain)
			require.NoError(t, err)
			add(m.name+" "+suite, sealed, true)
		}
	}

	// An IKE_AUTH in SKF fragments (RFC 7383) of at most 300 octets.
	fragSA := newLiveSA(t, 99, iana.EncrAESCBC, 256, iana.IntegHMACSHA2256128)
	sas[[2]uint64{fragSA.spii, fragSA.spir}] = fragSA
	args = append(args, "-o", "uat:ikev2_decryption_table:"+fragSA.line)
	nfrag := 0
	require.NoError(t, fragSA.ini.SealFragments(nil, withSPIs(fullAuth(t), fragSA), 300, func(f []byte) error {
		nfrag++
		add(fmt.Sprintf("IKE_AUTH fragment %d", nfrag), append([]byte{}, f...), true)
		return nil
	}))
	require.Greater(t, nfrag, 3)

	got := testutil.TsharkPackets(t, layers.LinkTypeEthernet, frames, args...)

	require.Len(t, got, len(frames))
	keys := map[[2]uint64]keyPair{}
	for spis, sa := range sas {
		if sa.line != "" {
			keys[spis] = keyPair{sa.ini, sa.res}
		}
	}
	open := pairOpener(keys)
	decrypted := 0
	for i, f := range frames {
		t.Run(names[i], func(t *testing.T) {
			pkt := decodeNATT(testutil.Packet{Data: f, Link: layers.LinkTypeEthernet})
			m := pkt.Layer(LayerTypeIKEv2).(*IKEv2)
			ours := testutil.TreeFields(tsharkTree(t, m.Contents, open))
			n := testutil.CompareFields(t, names[i], ours, got[i])
			require.Greater(t, n, 15)
			require.Empty(t, testutil.Warnings(got[i]), "tshark warnings")
			if len(got[i]["isakmp.enc.pad_length"]) > 0 {
				decrypted++
			}
		})
	}
	// Every suite but ChaCha20-Poly1305 and the AES-XCBC-96 and AES-CMAC-96
	// integrity transforms, which tshark 4.0 cannot decrypt or check.
	require.Equal(t, 3*(len(suites)-3)+nfrag, decrypted)
}

// withSPIs sets the SPIs of a message in plain form.
func withSPIs(msg []byte, sa liveSA) []byte {
	m := append([]byte{}, msg...)
	h := Header{SPIi: sa.spii, SPIr: sa.spir}
	enc, _ := h.AppendBinary(nil)
	copy(m[:16], enc[:16])
	return m
}

func saInitFull(t testing.TB) []byte {
	return mk(t, Header{SPIi: 0x0a0b0c0d0e0f1011, ExchangeType: IKE_SA_INIT, Flags: FlagInitiator}, func(b *Builder) {
		b.StartSA()
		b.Proposal(Proposal{ProtocolID: ProtoIKE})
		for _, bits := range []uint16{128, 192, 256} {
			b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESCBC), KeyLength: bits})
		}
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.Encr3DES)})
		b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2256)})
		b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFAES128XCBC)})
		b.Transform(Transform{Type: TransformINTEG, ID: uint16(iana.IntegHMACSHA2256128)})
		b.Transform(Transform{Type: TransformINTEG, ID: uint16(iana.IntegAESCMAC96)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KEMODP2048)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KECurve25519)})
		b.Proposal(Proposal{ProtocolID: ProtoIKE})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 256})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrChaCha20Poly1305)})
		b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2512)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KEECP384)})
		b.KE(KE{Group: iana.KEMODP2048, Data: make([]byte, 256)})
		b.Nonce(make([]byte, 32))
		b.Notify(Notify{Type: NAT_DETECTION_SOURCE_IP, Data: make([]byte, 20)})
		b.Notify(Notify{Type: NAT_DETECTION_DESTINATION_IP, Data: make([]byte, 20)})
		b.Notify(Notify{Type: IKEV2_FRAGMENTATION_SUPPORTED})
		b.Notify(Notify{Type: SIGNATURE_HASH_ALGORITHMS, Data: AppendHashAlgorithms(nil, HashSHA2_256, HashSHA2_384, HashSHA2_512)})
		b.CertReq(CertReq{Encoding: CertX509Signature, Data: make([]byte, 20)})
		b.VendorID([]byte("tunnelcodec ikev2"))
	})
}

func saInitResponse(t testing.TB) []byte {
	return mk(t, Header{SPIi: 0x0a0b0c0d0e0f1011, SPIr: 0x2122232425262728, ExchangeType: IKE_SA_INIT, Flags: FlagResponse},
		func(b *Builder) {
			b.StartSA()
			b.Proposal(Proposal{Number: 2, ProtocolID: ProtoIKE})
			b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 256})
			b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2512)})
			b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KEECP384)})
			b.KE(KE{Group: iana.KEECP384, Data: make([]byte, 96)})
			b.Nonce(make([]byte, 64))
			b.Notify(Notify{Type: MULTIPLE_AUTH_SUPPORTED})
		})
}

func createChildResponse(t testing.TB) []byte {
	return mk(t, Header{ExchangeType: CREATE_CHILD_SA, Flags: FlagResponse, MessageID: 2}, func(b *Builder) {
		b.StartSK()
		b.StartSA()
		b.Proposal(Proposal{ProtocolID: ProtoESP, SPI: []byte{0xca, 0xfe, 0, 1}})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESCBC), KeyLength: 128})
		b.Transform(Transform{Type: TransformINTEG, ID: uint16(iana.IntegHMACSHA2256128)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KEECP256)})
		b.Transform(Transform{Type: TransformESN, ID: uint16(iana.ESN)})
		b.Nonce(make([]byte, 32))
		b.KE(KE{Group: iana.KEECP256, Data: make([]byte, 64)})
		b.StartTSi(TSHeader{})
		b.TrafficSelector(TrafficSelector{Type: TSIPv6AddrRange, IPProtocol: 58, StartAddr: netip.MustParseAddr("2001:db8::"),
			EndAddr: netip.MustParseAddr("2001:db8::ffff"), EndPort: 65535})
		b.StartTSr(TSHeader{})
		b.TrafficSelector(TrafficSelector{Type: TSIPv6AddrRange, StartAddr: netip.MustParseAddr("2001:db8:1::"),
			EndAddr: netip.MustParseAddr("2001:db8:1::ffff"), EndPort: 65535})
		b.StartCP(Config{Type: CFGReply})
		b.ConfigAttribute(ConfigAttribute{Type: InternalIP4Address, Value: []byte{198, 51, 100, 7}})
		b.ConfigAttribute(ConfigAttribute{Type: InternalIP4DNS, Value: []byte{198, 51, 100, 53}})
	})
}

func informationalDelete(t testing.TB) []byte {
	return mk(t, Header{ExchangeType: INFORMATIONAL, Flags: FlagInitiator, MessageID: 3}, func(b *Builder) {
		b.StartSK()
		b.Delete(Delete{ProtocolID: ProtoESP, SPISize: 4, NumSPIs: 2, SPIs: []byte{1, 2, 3, 4, 5, 6, 7, 8}})
		b.Notify(Notify{ProtocolID: ProtoESP, Type: INVALID_SELECTORS, SPI: []byte{9, 9, 9, 9}, Data: []byte("packet")})
	})
}

func TestWiresharkNames(t *testing.T) {
	for _, s := range suites {
		if s.encr == iana.EncrChaCha20Poly1305 || s.integ == iana.IntegAESXCBC96 || s.integ == iana.IntegAESCMAC96 {
			if s.encr == iana.EncrChaCha20Poly1305 {
				require.Equal(t, "CHACHA20-POLY1305 [RFC7634]", WiresharkEncrName(s.encr, s.keyBits), "our extension")
			} else {
				require.Empty(t, WiresharkIntegName(s.integ), "no Wireshark name for %v", s.integ)
			}
			continue
		}
		name := WiresharkEncrName(s.encr, s.keyBits)
		require.NotEmpty(t, name, s.encr.String())
		e, err := ParseDecryptionLine(strings.Join([]string{"0000000000000001", "0000000000000002", "", "", `"` + name + `"`,
			"", "", `"` + WiresharkIntegName(s.integ) + `"`}, ","))
		require.NoError(t, err)
		require.Equal(t, s.encr, e.Encr)
	}
}
