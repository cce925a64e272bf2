package ipsec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"
)

type feedback struct{ truncated bool }

func (f *feedback) SetTruncated() { f.truncated = true }

func TestESPHeader(t *testing.T) {
	in := []byte{0x00, 0x00, 0x01, 0x01, 0, 0, 0, 7, 0xaa, 0xbb}
	var e ESP
	require.NoError(t, e.DecodeFromBytes(in, nil))
	require.Equal(t, uint32(0x101), e.SPI)
	require.Equal(t, uint32(7), e.SequenceNumber)
	require.Equal(t, in[:8], e.LayerContents())
	require.Equal(t, in[8:], e.LayerPayload())
	require.Equal(t, gopacket.LayerTypeZero, e.NextLayerType())
	require.NoError(t, e.Check())
	out, err := e.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, in[:8], out)
	for n := range 8 {
		var df feedback
		err := e.DecodeFromBytes(in[:n], &df)
		require.ErrorIs(t, err, ErrTruncated)
		require.True(t, df.truncated)
	}
	require.EqualError(t, e.DecodeFromBytes(in[:3], nil), "esp: header at offset 0: truncated: need 8 bytes, have 3")
	require.ErrorIs(t, (&ESP{}).Check(), ErrMalformed, "SPI 0 is never sent")
}

func TestAHHeader(t *testing.T) {
	// gopacket's testPacketIPSecAHTransport AH header: ICMP, 24 octets.
	ah := []byte{0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x25, 0x33, 0x01, 0xb1, 0xa2, 0x0b, 0xb6, 0xf1, 0xbd, 0xbf, 0x9d, 0x9e}
	in := append(append([]byte{}, ah...), 8, 0)
	var a AH
	require.NoError(t, a.DecodeFromBytes(in, nil))
	want := AH{NextHeader: layers.IPProtocolICMPv4, PayloadLen: 4, SPI: 0x101, SequenceNumber: 1, ICV: ah[12:]}
	require.Empty(t, cmp.Diff(want, a, cmpopts.IgnoreFields(AH{}, "BaseLayer")))
	require.Equal(t, layers.LayerTypeICMPv4, a.NextLayerType())
	require.Equal(t, []byte{8, 0}, a.LayerPayload())
	out, err := a.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, ah, out)

	tests := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"shorter than the fixed fields", ah[:11], ErrTruncated, "ah: header at offset 0: truncated: need 12 bytes, have 11"},
		{"payload length 0 (8 octets, below the fixed 12)", append([]byte{1, 0}, ah[2:]...), ErrMalformed,
			"ah: payload length at offset 1: shorter than the fixed fields (must be at least 1) (got 0)"},
		{"ICV runs past the data", append([]byte{1, 9}, ah[2:]...), ErrTruncated, "ah: ICV at offset 12: truncated: need 32 bytes, have 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a AH
			err := a.DecodeFromBytes(tt.in, nil)
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, tt.msg)
		})
	}

	// Encoding checks that the length field and the ICV agree.
	a.ICV = a.ICV[:10]
	_, err = a.AppendBinary(nil)
	require.ErrorIs(t, err, ErrMalformed)
	a.ICV = ah[12:20]
	_, err = a.AppendBinary(nil)
	require.ErrorIs(t, err, ErrMalformed, "PayloadLen 4 with an 8-octet ICV")
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, a.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}))
	require.Equal(t, uint8(3), buf.Bytes()[1])
}

func TestUDPEncapDispatch(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		kind    EncapKind
		next    gopacket.LayerType
		payload []byte
	}{
		{"non-ESP marker: IKE (RFC 3948 §2.2)", []byte{0, 0, 0, 0, 0x11, 0x22}, EncapIKE, gopacket.LayerTypePayload, []byte{0x11, 0x22}},
		{"lone 0xFF: NAT-keepalive (RFC 3948 §2.3)", []byte{0xff}, EncapNATKeepalive, LayerTypeNATKeepalive, []byte{0xff}},
		{"non-zero SPI: ESP", []byte{0, 0, 1, 0, 0, 0, 0, 1, 9}, EncapESP, LayerTypeESP, []byte{0, 0, 1, 0, 0, 0, 0, 1, 9}},
		{"0xFF followed by more is not a keepalive", []byte{0xff, 0}, EncapESP, LayerTypeESP, []byte{0xff, 0}},
		{"three zero octets are too short for a marker", []byte{0, 0, 0}, EncapESP, LayerTypeESP, []byte{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u UDPEncap
			require.NoError(t, u.DecodeFromBytes(tt.in, nil))
			require.Equal(t, tt.kind, u.Kind)
			require.Equal(t, tt.next, u.NextLayerType())
			require.Equal(t, tt.payload, u.LayerPayload())
			out, _ := u.AppendBinary(nil)
			require.Equal(t, tt.in, append(out, u.LayerPayload()...), "exact round trip")
		})
	}
	var u UDPEncap
	require.ErrorIs(t, u.DecodeFromBytes(nil, nil), ErrTruncated)
	var k NATKeepalive
	require.ErrorIs(t, k.DecodeFromBytes([]byte{0xfe}, nil), ErrMalformed)
	require.NoError(t, k.DecodeFromBytes([]byte{0xff}, nil))
}

// TestUDPEncapHandsIKEToIKEv2 registers a stand-in for layer 1730, as the
// ikev2 package does at init, and checks that the dispatcher then hands IKE
// to it (the ipsec package never imports ikev2).
func TestUDPEncapHandsIKEToIKEv2(t *testing.T) {
	defer ikeKnown.Store(2)
	require.Equal(t, gopacket.LayerTypePayload, (&UDPEncap{Kind: EncapIKE}).NextLayerType())
	ike := gopacket.OverrideLayerType(1730, gopacket.LayerTypeMetadata{Name: "IKEv2 (test stand-in)",
		Decoder: gopacket.DecodeFunc(func(data []byte, p gopacket.PacketBuilder) error {
			p.AddLayer(gopacket.Payload(data))
			return nil
		})})
	defer gopacket.OverrideLayerType(1730, gopacket.LayerTypeMetadata{})
	ikeKnown.Store(0)
	require.Equal(t, ike, (&UDPEncap{Kind: EncapIKE}).NextLayerType())
}
