package ikev2

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"math/big"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

var testHeader = Header{SPIi: 0x0102030405060708, SPIr: 0x1112131415161718, ExchangeType: IKE_SA_INIT,
	Flags: FlagInitiator}

func mk(t testing.TB, h Header, fill func(b *Builder)) []byte {
	t.Helper()
	var b Builder
	b.Start(nil, h)
	fill(&b)
	out, err := b.Finish()
	require.NoError(t, err)
	return out
}

// saInit is an IKE_SA_INIT request with a two-proposal SA.
func saInit(t testing.TB) []byte {
	return mk(t, testHeader, func(b *Builder) {
		b.StartSA()
		b.Proposal(Proposal{ProtocolID: ProtoIKE})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESCBC), KeyLength: 256})
		b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2256)})
		b.Transform(Transform{Type: TransformINTEG, ID: uint16(iana.IntegHMACSHA2256128)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KECurve25519)})
		b.Proposal(Proposal{ProtocolID: ProtoIKE})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 128})
		b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2256)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KEECP256)})
		b.KE(KE{Group: iana.KECurve25519, Data: make([]byte, 32)})
		b.Nonce(make([]byte, 32))
		b.Notify(Notify{Type: NAT_DETECTION_SOURCE_IP, Data: make([]byte, 20)})
		b.Notify(Notify{Type: IKEV2_FRAGMENTATION_SUPPORTED})
	})
}

// Offsets in saInit: header 28, SA payload at 28 (4-octet header), the
// first proposal at 32, its first transform at 40.
const (
	saOff    = HeaderLen
	prop1Off = HeaderLen + 4
	trans1   = prop1Off + 8
)

func mutate(msg []byte, f func(m []byte) []byte) []byte {
	return f(append([]byte{}, msg...))
}

func put16(m []byte, off int, v uint16) []byte { binary.BigEndian.PutUint16(m[off:], v); return m }

func TestParserRefusesMalformed(t *testing.T) {
	good := saInit(t)
	require.NoError(t, Validate(good))
	tests := []struct {
		name     string
		msg      []byte
		sentinel error
		field    string
	}{
		{"empty datagram", nil, ErrTruncated, "header"},
		{"27 octets", good[:27], ErrTruncated, "header"},
		{"Length beyond the datagram", good[:len(good)-1], ErrTruncated, "message"},
		{"datagram beyond Length", append(append([]byte{}, good...), 0), ErrMalformed, "length"},
		{"Length below 28", mutate(good, func(m []byte) []byte { binary.BigEndian.PutUint32(m[24:], 20); return m }), ErrMalformed, "length"},
		{"major version 3", mutate(good, func(m []byte) []byte { m[17] = 0x30; return m }), ErrUnsupported, "version"},
		{"major version 1 (IKEv1)", mutate(good, func(m []byte) []byte { m[17] = 0x10; return m }), ErrUnsupported, "version"},
		{"payload length below 4", mutate(good, func(m []byte) []byte { return put16(m, saOff+2, 3) }), ErrMalformed, "payload SA: length"},
		{"payload overruns the message", mutate(good, func(m []byte) []byte { return put16(m, saOff+2, 0xffff) }), ErrTruncated, "payload SA"},
		{"chain promises a payload that is not there", mutate(good, func(m []byte) []byte {
			m[len(m)-8] = byte(PayloadNonce) // the last Notify's Next Payload
			return m
		}), ErrTruncated, "payload Nonce"},
		{"octets after the last payload", mutate(good, func(m []byte) []byte {
			m = append(m, 0, 0, 0, 0)
			binary.BigEndian.PutUint32(m[24:], uint32(len(m)))
			return m
		}), ErrMalformed, "payloads"},
		{"SA without proposals", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadSA, nil) }), ErrMalformed, "sa"},
		{"proposal last marker 0 with more after", mutate(good, func(m []byte) []byte { m[prop1Off] = 0; return m }), ErrMalformed, "sa: proposal: last substruc"},
		{"proposal last marker 2 on the last", mutate(good, func(m []byte) []byte {
			second := prop1Off + int(binary.BigEndian.Uint16(m[prop1Off+2:]))
			m[second] = 2
			return m
		}), ErrMalformed, "sa: proposal: last substruc"},
		{"proposal last marker 3", mutate(good, func(m []byte) []byte { m[prop1Off] = 3; return m }), ErrMalformed, "sa: proposal: last substruc"},
		{"proposal number 0", mutate(good, func(m []byte) []byte { m[prop1Off+4] = 0; return m }), ErrMalformed, "sa: proposal: number"},
		{"proposals numbered 1, 3", mutate(good, func(m []byte) []byte {
			second := prop1Off + int(binary.BigEndian.Uint16(m[prop1Off+2:]))
			m[second+4] = 3
			return m
		}), ErrMalformed, "sa: proposal: number"},
		{"transform count says 5, 4 present", mutate(good, func(m []byte) []byte { m[prop1Off+7] = 5; return m }), ErrMalformed, "sa: proposal: number of transforms"},
		{"transform last marker 0 before the end", mutate(good, func(m []byte) []byte { m[trans1] = 0; return m }), ErrMalformed, "sa: transform: last substruc"},
		{"transform length below 8", mutate(good, func(m []byte) []byte { return put16(m, trans1+2, 7) }), ErrMalformed, "sa: transform: length"},
		{"transform runs past its proposal", mutate(good, func(m []byte) []byte { return put16(m, trans1+2, 0x400) }), ErrTruncated, "sa: transform"},
		{"TLV attribute runs past its transform", mutate(good, func(m []byte) []byte {
			m[trans1+8] &^= 0x80 // Key Length becomes TLV with length 256
			return m
		}), ErrTruncated, "sa: transform: attribute value"},
		{"proposal SPI longer than the proposal", mutate(good, func(m []byte) []byte { m[prop1Off+6] = 200; return m }), ErrMalformed, "sa: proposal: length"},
		{"nonce of 15 octets", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadNonce, make([]byte, 15)) }), ErrMalformed, "nonce"},
		{"nonce of 257 octets", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadNonce, make([]byte, 257)) }), ErrMalformed, "nonce"},
		{"KE shorter than its fixed part", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadKE, []byte{0, 31}) }), ErrMalformed, "payload KE: length"},
		{"ID shorter than its fixed part", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadIDi, []byte{1}) }), ErrMalformed, "payload IDi: length"},
		{"notify SPI size 253 (8-bit overflow regression from fuzzing)", mk(t, testHeader, func(b *Builder) {
			b.Raw(PayloadNotify, append([]byte{3, 253, 0, 1}, make([]byte, 40)...))
		}), ErrTruncated, "notify: SPI"},
		{"proposal SPI size 250 (8-bit overflow)", mutate(good, func(m []byte) []byte { m[prop1Off+6] = 250; return m }), ErrMalformed, "sa: proposal: length"},
		{"notify SPI past the payload", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadNotify, []byte{3, 4, 0, 1, 0xaa}) }), ErrTruncated, "notify: SPI"},
		{"delete SPI count disagrees", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadDelete, []byte{3, 4, 0, 2, 1, 2, 3, 4}) }), ErrMalformed, "delete: SPIs"},
		{"TS count disagrees", mk(t, testHeader, func(b *Builder) {
			b.Raw(PayloadTSi, append([]byte{2, 0, 0, 0}, tsBytes(t, TSIPv4AddrRange)...))
		}), ErrMalformed, "ts: number of TSs"},
		{"TS IPv4 range of 17 octets", mk(t, testHeader, func(b *Builder) {
			b.Raw(PayloadTSi, append([]byte{1, 0, 0, 0}, append(put16(tsBytes(t, TSIPv4AddrRange), 2, 17), 0)...))
		}), ErrMalformed, "traffic selector: length"},
		{"TS IPv6 range of 16 octets", mk(t, testHeader, func(b *Builder) {
			b.Raw(PayloadTSr, append([]byte{1, 0, 0, 0}, put16(tsBytes(t, TSIPv4AddrRange), 0, uint16(TSIPv6AddrRange)<<8)...))
		}), ErrMalformed, "traffic selector: length"},
		{"CP attribute past the payload", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadCP, []byte{1, 0, 0, 0, 0, 1, 0, 8, 1}) }), ErrTruncated, "configuration attribute: value"},
		{"EAP Length disagrees with the payload", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadEAP, []byte{1, 1, 0, 9, 1}) }), ErrMalformed, "eap: length"},
		{"EAP request without its type", mk(t, testHeader, func(b *Builder) { b.Raw(PayloadEAP, []byte{1, 1, 0, 4}) }), ErrTruncated, "eap: type"},
		{"SK not last", mutate(mk(t, testHeader, func(b *Builder) {
			b.Encrypted(PayloadIDi, Encrypted{Data: make([]byte, 32)})
		}), func(m []byte) []byte {
			m = append(m, 0, 0, 0, 4)
			m[HeaderLen] = byte(PayloadIDi)
			binary.BigEndian.PutUint16(m[HeaderLen+2:], 4+16)
			binary.BigEndian.PutUint32(m[24:], uint32(len(m)))
			return m
		}), ErrMalformed, "payload SK"},
		{"SKF fragment number 0", mk(t, testHeader, func(b *Builder) {
			b.EncryptedFragment(PayloadIDi, EncryptedFragment{FragmentNumber: 0, TotalFragments: 2, Data: make([]byte, 16)})
		}), ErrFragmentNumber, "fragment: fragment number"},
		{"SKF total 0", mk(t, testHeader, func(b *Builder) {
			b.EncryptedFragment(PayloadIDi, EncryptedFragment{FragmentNumber: 1, TotalFragments: 0, Data: make([]byte, 16)})
		}), ErrFragmentNumber, "fragment: total fragments"},
		{"unknown critical payload", mutate(mk(t, testHeader, func(b *Builder) {
			b.Raw(PayloadType(200), []byte("x"))
			b.SetPayloadFlags(true, 0)
		}), func(m []byte) []byte { return m }), ErrUnsupported, "payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.msg)
			require.ErrorIs(t, err, tt.sentinel)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.field, de.Field)
			require.NotEmpty(t, err.Error())
			// The layer frames the same bytes; it must never panic either.
			var m IKEv2
			_ = m.DecodeFromBytes(tt.msg, nil)
		})
	}
}

func tsBytes(t testing.TB, typ TSType) []byte {
	ts := TrafficSelector{Type: typ, IPProtocol: 6, StartPort: 0, EndPort: 65535,
		StartAddr: netip.MustParseAddr("192.0.2.0"), EndAddr: netip.MustParseAddr("192.0.2.255")}
	b, err := ts.appendTo(nil)
	require.NoError(t, err)
	return b
}

func TestVersionErrorCarriesTheReply(t *testing.T) {
	msg := mutate(saInit(t), func(m []byte) []byte { m[17] = 0x31; return m })
	var p Parser
	_, err := p.Start(msg)
	var ve *VersionError
	require.ErrorAs(t, err, &ve)
	require.ErrorIs(t, err, ErrUnsupported)
	require.True(t, ve.Higher())
	require.Equal(t, uint8(3), ve.Header.MajorVersion)
	require.Equal(t, testHeader.SPIi, ve.Header.SPIi)

	reply := ve.AppendInvalidMajorVersion(nil)
	h, err := p.Start(reply)
	require.NoError(t, err)
	require.Equal(t, IKE_SA_INIT, h.ExchangeType)
	require.Equal(t, testHeader.SPIi, h.SPIi)
	require.Equal(t, testHeader.SPIr, h.SPIr)
	require.True(t, h.Flags.Response())
	require.False(t, h.Flags.Initiator(), "the receiver of the initiator's request is not the initiator")
	require.Equal(t, uint8(2), h.MajorVersion)
	ph, err := p.Next()
	require.NoError(t, err)
	require.Equal(t, PayloadNotify, ph.Type)
	n, err := p.Notify()
	require.NoError(t, err)
	require.Equal(t, INVALID_MAJOR_VERSION, n.Type)

	var ve1 *VersionError
	_, err = p.Start(mutate(msg, func(m []byte) []byte { m[17] = 0x10; return m }))
	require.ErrorAs(t, err, &ve1)
	require.False(t, ve1.Higher(), "IKEv1 is lower: no INVALID_MAJOR_VERSION")
}

// TestCriticalBit: RFC 7296 §2.5. An unrecognized payload with C set is a
// CriticalPayloadError carrying the type for UNSUPPORTED_CRITICAL_PAYLOAD;
// without C it is returned, counted and skipped; on a recognized payload C
// is ignored (tcpdump's ikev2pI2 sets it on SK).
func TestCriticalBit(t *testing.T) {
	msg := mk(t, testHeader, func(b *Builder) {
		b.Nonce(make([]byte, 16))
		b.SetPayloadFlags(true, 0) // recognized: ignored
		b.Raw(PayloadType(150), []byte("private, not critical"))
		b.Raw(PayloadGSPM, []byte("opaque, not critical"))
		b.Raw(PayloadType(99), []byte("unassigned, critical"))
		b.SetPayloadFlags(true, 0x15)
		b.VendorID([]byte("after"))
	})
	var p Parser
	_, err := p.Start(msg)
	require.NoError(t, err)
	var seen []PayloadType
	for {
		h, err := p.Next()
		if err != nil {
			var ce *CriticalPayloadError
			require.ErrorAs(t, err, &ce)
			require.ErrorIs(t, err, ErrUnsupported)
			require.Equal(t, PayloadType(99), ce.Type)
			n := ce.Notify()
			require.Equal(t, UNSUPPORTED_CRITICAL_PAYLOAD, n.Type)
			require.Equal(t, []byte{99}, n.Data)
			break
		}
		seen = append(seen, h.Type)
	}
	require.Equal(t, []PayloadType{PayloadNonce, 150, PayloadGSPM}, seen)
	require.Equal(t, 2, p.Unrecognized())

	// The caller may declare the type understood.
	p.Recognize(99)
	_, err = p.Start(msg)
	require.NoError(t, err)
	n := 0
	for {
		if _, err := p.Next(); err != nil {
			require.ErrorIs(t, err, ErrSectionDone)
			break
		}
		n++
	}
	require.Equal(t, 5, n)
	require.Equal(t, 2, p.Unrecognized())

	// The layer keeps the message (it frames, like tshark) and Check reports it.
	var m IKEv2
	require.NoError(t, m.DecodeFromBytes(msg, nil))
	require.Len(t, m.Payloads, 5)
	var ce *CriticalPayloadError
	require.ErrorAs(t, m.Check(), &ce)
}

// TestRebuildCaptures parses every message of the public captures with the
// Parser, writes it again with the Builder, and requires the same bytes;
// the decrypted plain forms of the AES-CCM capture likewise.
func TestRebuildCaptures(t *testing.T) {
	dir := testutil.Vectors(t, "ikev2")
	files := []string{"tcpdump-ikev2four.pcap", "tcpdump-ikev2pI2.pcap", "scapy-ikev2_nat_t.pcapng",
		"scapy-ikev2_notify_redirect.pcap", "suricata-verify-IKEv2_SA_INIT_2-8-weak.pcap",
		"scapy-embedded-wireshark-ikev2-decrypt-aes128ccm12-4frames.pcap"}
	n := 0
	for _, f := range files {
		open := tableOpener(t, filepath.Join(dir, f))
		for i, msg := range ikeMessages(t, filepath.Join(dir, f)) {
			if msg == nil {
				continue
			}
			require.Equal(t, msg, rebuild(t, msg, false), "%s frame %d", f, i+1)
			n++
			if open != nil {
				if o, ok := open(msg); ok {
					require.Equal(t, o.Message, rebuild(t, o.Message, true), "%s frame %d decrypted", f, i+1)
					n++
				}
			}
		}
	}
	require.Equal(t, 64, n)
}

// TestParserAllocatesNothing walks an IKE_SA_INIT from a capture and a
// decrypted IKE_AUTH, every payload and every list, on a reused Parser.
func TestParserAllocatesNothing(t *testing.T) {
	dir := testutil.Vectors(t, "ikev2")
	init := ikeMessages(t, filepath.Join(dir, "tcpdump-ikev2four.pcap"))[0]
	p := randomProtector(t, iana.EncrAESGCM16, 256, iana.IntegNone)
	sealed, err := p.Seal(nil, fullAuth(t))
	require.NoError(t, err)
	o, err := p.Open(nil, sealed)
	require.NoError(t, err)
	var ps Parser
	walk := func(msg []byte) {
		if _, err := ps.Start(msg); err != nil {
			t.Fatal(err)
		}
		if err := ps.validateChain(); err != nil {
			t.Fatal(err)
		}
	}
	walkInner := func() {
		ps.StartInner(Header{}, o.First, o.Inner)
		if err := ps.validateChain(); err != nil {
			t.Fatal(err)
		}
	}
	require.Zero(t, testing.AllocsPerRun(200, func() { walk(init) }))
	require.Zero(t, testing.AllocsPerRun(200, walkInner))

	var m IKEv2
	require.NoError(t, m.DecodeFromBytes(init, nil))
	require.Zero(t, testing.AllocsPerRun(200, func() {
		if err := m.DecodeFromBytes(init, nil); err != nil {
			t.Fatal(err)
		}
	}))
}

// fullAuth is an IKE_AUTH request in plain form with every kind of inner
// payload an IKE_AUTH may carry.
func fullAuth(t testing.TB) []byte {
	return mk(t, Header{SPIi: 1, SPIr: 2, ExchangeType: IKE_AUTH, Flags: FlagInitiator, MessageID: 1}, func(b *Builder) {
		b.StartSK()
		b.IDi(ID{Type: IDRFC822Addr, Data: []byte("user@example.org")})
		b.Cert(Cert{Encoding: CertX509Signature, Data: testCert(t)})
		b.CertReq(CertReq{Encoding: CertX509Signature, Data: make([]byte, 40)})
		b.Notify(Notify{Type: INITIAL_CONTACT})
		b.IDr(ID{Type: IDIPv6Addr, Data: netip.MustParseAddr("2001:db8::1").AsSlice()})
		b.Auth(Auth{Method: AuthDigitalSignature, Data: testSignature(t)})
		b.StartCP(Config{Type: CFGRequest})
		b.ConfigAttribute(ConfigAttribute{Type: InternalIP4Address})
		b.ConfigAttribute(ConfigAttribute{Type: InternalIP6Address})
		b.ConfigAttribute(ConfigAttribute{Type: InternalIP4DNS})
		b.StartSA()
		b.Proposal(Proposal{ProtocolID: ProtoESP, SPI: []byte{0xc0, 1, 2, 3}})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 256})
		b.Transform(Transform{Type: TransformESN, ID: uint16(iana.NoESN)})
		b.StartTSi(TSHeader{})
		b.TrafficSelector(TrafficSelector{Type: TSIPv4AddrRange, StartAddr: netip.MustParseAddr("0.0.0.0"),
			EndAddr: netip.MustParseAddr("255.255.255.255"), EndPort: 65535})
		b.TrafficSelector(TrafficSelector{Type: TSIPv6AddrRange, StartAddr: netip.MustParseAddr("::"),
			EndAddr: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), EndPort: 65535})
		b.StartTSr(TSHeader{})
		b.TrafficSelector(TrafficSelector{Type: TSIPv4AddrRange, IPProtocol: 17, StartPort: 53, EndPort: 53,
			StartAddr: netip.MustParseAddr("198.51.100.0"), EndAddr: netip.MustParseAddr("198.51.100.255")})
		b.Notify(Notify{Type: USE_TRANSPORT_MODE})
		b.Notify(Notify{ProtocolID: ProtoESP, Type: REKEY_SA, SPI: []byte{1, 2, 3, 4}})
		b.EAP(EAP{Code: EAPResponse, Identifier: 7, Type: 1, Data: []byte("user@example.org")})
		b.VendorID([]byte("tunnelcodec"))
	})
}

func TestBuilderRefusesMisuse(t *testing.T) {
	cases := []struct {
		name string
		fill func(b *Builder)
		err  error
	}{
		{"proposal outside an SA", func(b *Builder) { b.Proposal(Proposal{}) }, ErrMalformed},
		{"transform before a proposal", func(b *Builder) { b.StartSA(); b.Transform(Transform{}) }, ErrMalformed},
		{"attribute before a transform", func(b *Builder) {
			b.StartSA()
			b.Proposal(Proposal{})
			b.TransformAttribute(TransformAttribute{})
		}, ErrMalformed},
		{"SA left without proposals", func(b *Builder) { b.StartSA() }, ErrMalformed},
		{"selector outside a TS payload", func(b *Builder) { b.TrafficSelector(TrafficSelector{}) }, ErrMalformed},
		{"IPv6 address in an IPv4 selector", func(b *Builder) {
			b.StartTSi(TSHeader{})
			b.TrafficSelector(TrafficSelector{Type: TSIPv4AddrRange, StartAddr: netip.MustParseAddr("::1"),
				EndAddr: netip.MustParseAddr("::1")})
		}, ErrMalformed},
		{"attribute outside a CP payload", func(b *Builder) { b.ConfigAttribute(ConfigAttribute{}) }, ErrMalformed},
		{"nonce of 15 octets", func(b *Builder) { b.Nonce(make([]byte, 15)) }, ErrMalformed},
		{"nonce of 257 octets", func(b *Builder) { b.Nonce(make([]byte, 257)) }, ErrMalformed},
		{"payload longer than 65535", func(b *Builder) { b.VendorID(make([]byte, 65532)) }, ErrTooLarge},
		{"delete SPIs disagree with the count", func(b *Builder) { b.Delete(Delete{SPISize: 4, NumSPIs: 2, SPIs: make([]byte, 4)}) }, ErrMalformed},
		{"payload after ciphertext", func(b *Builder) {
			b.Encrypted(PayloadIDi, Encrypted{Data: make([]byte, 16)})
			b.VendorID(nil)
		}, ErrMalformed},
		{"two SK payloads", func(b *Builder) { b.StartSK(); b.StartSK() }, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b Builder
			b.Start(nil, testHeader)
			c.fill(&b)
			_, err := b.Finish()
			require.ErrorIs(t, err, c.err)
		})
	}
}

func TestBuilderAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 2048)
	fill := func() {
		var b Builder
		b.Start(buf, testHeader)
		b.StartSA()
		b.Proposal(Proposal{ProtocolID: ProtoIKE})
		b.Transform(Transform{Type: TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 256})
		b.Transform(Transform{Type: TransformPRF, ID: uint16(iana.PRFHMACSHA2256)})
		b.Transform(Transform{Type: TransformKE, ID: uint16(iana.KECurve25519)})
		b.KE(KE{Group: iana.KECurve25519, Data: buf[:32:32]})
		b.Nonce(buf[:32:32])
		b.Notify(Notify{Type: IKEV2_FRAGMENTATION_SUPPORTED})
		if _, err := b.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	require.Zero(t, testing.AllocsPerRun(200, fill))
}

func TestEveryPayloadRoundTrips(t *testing.T) {
	plain := fullAuth(t)
	require.NoError(t, Validate(plain))
	require.Equal(t, plain, rebuild(t, plain, true))
	var p Parser
	_, err := p.Start(plain)
	require.NoError(t, err)
	_, err = p.Next()
	require.NoError(t, err)
	e, _ := p.Encrypted()
	var ip Parser
	ip.StartInner(Header{}, p.EncryptedNext(), e.Data)
	var types []PayloadType
	for {
		h, err := ip.Next()
		if errors.Is(err, ErrSectionDone) {
			break
		}
		require.NoError(t, err)
		types = append(types, h.Type)
		switch h.Type {
		case PayloadIDr:
			id, _ := ip.ID()
			a, ok := id.Addr()
			require.True(t, ok)
			require.Equal(t, "2001:db8::1", a.String())
		case PayloadCERTREQ:
			c, _ := ip.CertReq()
			n, exact := c.Authorities()
			require.Equal(t, 2, n)
			require.True(t, exact)
		case PayloadSA:
			pr, _ := ip.Proposal()
			require.Equal(t, []byte{0xc0, 1, 2, 3}, pr.SPI)
			tr, _ := ip.Transform()
			require.Equal(t, uint16(256), tr.KeyLength)
			require.Equal(t, iana.EncrAESGCM16, tr.Encr())
		case PayloadEAP:
			e, _ := ip.EAP()
			require.Equal(t, EAPResponse, e.Code)
			require.Equal(t, uint8(1), e.Type)
			require.Equal(t, "user@example.org", string(e.Data))
		}
	}
	require.Equal(t, []PayloadType{PayloadIDi, PayloadCERT, PayloadCERTREQ, PayloadNotify, PayloadIDr, PayloadAUTH,
		PayloadCP, PayloadSA, PayloadTSi, PayloadTSr, PayloadNotify, PayloadNotify, PayloadEAP, PayloadVendorID}, types)
}

var (
	testCertOnce sync.Once
	testCertDER  []byte
	testSig      []byte
)

// testCert is a self-signed ECDSA certificate (made once per run), so that
// tshark's X.509 dissector finds a real one; testSignature an RFC 7427
// ecdsa-with-SHA256 AUTH made with its key.
func testCert(t testing.TB) []byte {
	testCertOnce.Do(func() {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "a.example"},
			NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0), DNSNames: []string{"a.example"}}
		testCertDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		require.NoError(t, err)
		testSig, err = SignAuth(AuthDigitalSignature, SigECDSASHA256, k, []byte("octets"), rand.Reader)
		require.NoError(t, err)
	})
	return testCertDER
}

func testSignature(t testing.TB) []byte {
	testCert(t)
	return testSig
}

func TestIDString(t *testing.T) {
	dn, err := asn1.Marshal(pkix.Name{CommonName: "gw.example", Organization: []string{"Example"}}.ToRDNSequence())
	require.NoError(t, err)
	for _, c := range []struct {
		id   ID
		want string
	}{
		{ID{Type: IDIPv4Addr, Data: []byte{192, 0, 2, 7}}, "192.0.2.7"},
		{ID{Type: IDIPv6Addr, Data: netip.MustParseAddr("2001:db8::7").AsSlice()}, "2001:db8::7"},
		{ID{Type: IDFQDN, Data: []byte("gw.example")}, `"gw.example"`},
		{ID{Type: IDRFC822Addr, Data: []byte("a@example.org")}, `"a@example.org"`},
		{ID{Type: IDDERASN1DN, Data: dn}, "CN=gw.example,O=Example"},
		{ID{Type: IDKeyID, Data: []byte{1, 2, 0xff}}, "0102ff"},
		{ID{Type: IDNull}, "(null)"},
		{ID{Type: IDIPv4Addr, Data: []byte{1, 2, 3}}, "010203"},
	} {
		require.Equal(t, c.want, c.id.String(), c.id.Type.String())
	}
}
