package vxlan

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"
)

var ignoreBase = cmpopts.IgnoreFields(VXLAN{}, "BaseLayer")

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want VXLAN
		next gopacket.LayerType
	}{
		{"RFC 7348 header with I and VNI 100 (tcpdump vxlan.pcap)",
			[]byte{0x08, 0, 0, 0, 0, 0, 0x64, 0},
			VXLAN{Flags: FlagI, VNI: 100}, layers.LayerTypeEthernet},
		{"GBP with D, A and policy ID 0x0123 (kernel gbp, mark 0x480123)",
			[]byte{0x88, 0x48, 0x01, 0x23, 0, 0x01, 0x2c, 0},
			VXLAN{Flags: FlagG | FlagI, PolicyFlags: FlagD | FlagA, GroupPolicyID: 0x0123, VNI: 300}, layers.LayerTypeEthernet},
		{"GPE with NSH next protocol and the largest VNI (tcpdump nsh-over-vxlan-gpe)",
			[]byte{0x0c, 0, 0, 0x04, 0xff, 0xff, 0xff, 0},
			VXLAN{Flags: FlagI | FlagP, NextProtocol: ProtoNSH, VNI: MaxVNI}, gopacket.LayerTypePayload},
		{"GPE carrying IPv6 (kernel gpe)",
			[]byte{0x0c, 0, 0, 0x02, 0, 0x01, 0x91, 0},
			VXLAN{Flags: FlagI | FlagP, NextProtocol: ProtoIPv6, VNI: 401}, layers.LayerTypeIPv6},
		{"GPE with reserved octets 1 and 2 kept",
			[]byte{0x0c, 0xaa, 0xbb, 0x01, 0, 0, 0x01, 0xcc},
			VXLAN{Flags: FlagI | FlagP, PolicyFlags: 0xaa, Reserved1: 0xbb, NextProtocol: ProtoIPv4, VNI: 1, Reserved2: 0xcc}, layers.LayerTypeIPv4},
		{"P and G together read as GBP (G wins octets 2-3)",
			[]byte{0x8c, 0, 0x12, 0x34, 0, 0, 0x07, 0},
			VXLAN{Flags: FlagG | FlagI | FlagP, GroupPolicyID: 0x1234, VNI: 7}, layers.LayerTypeEthernet},
		{"all reserved bits set are kept (suricata non-zero reserved fields)",
			[]byte{0xff, 0x01, 0xd1, 0xf2, 0, 0, 0x0b, 0x01},
			VXLAN{Flags: 0xff, PolicyFlags: 0x01, GroupPolicyID: 0xd1f2, VNI: 11, Reserved2: 1}, layers.LayerTypeEthernet},
		{"P set on port 4789 with next protocol Ethernet (Zeek triple VXLAN)",
			[]byte{0x0c, 0, 0, 0x03, 0, 0, 0x01, 0},
			VXLAN{Flags: FlagI | FlagP, NextProtocol: ProtoEthernet, VNI: 1}, layers.LayerTypeEthernet},
		{"I clear still decodes (Check reports it)",
			[]byte{0, 0, 0, 0, 0, 0, 0x05, 0},
			VXLAN{VNI: 5}, layers.LayerTypeEthernet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte{0xde, 0xad}
			in := append(append([]byte{}, tt.in...), payload...)
			var v VXLAN
			require.NoError(t, v.DecodeFromBytes(in, gopacket.NilDecodeFeedback))
			require.Empty(t, cmp.Diff(tt.want, v, ignoreBase))
			require.Equal(t, tt.next, v.NextLayerType())
			require.Equal(t, tt.in, v.LayerContents())
			require.Equal(t, payload, v.LayerPayload())
			out, err := v.AppendBinary(nil)
			require.NoError(t, err)
			require.Equal(t, tt.in, out, "exact round trip")
		})
	}
}

func TestDecodeReuseClearsExtensionFields(t *testing.T) {
	var v VXLAN
	require.NoError(t, v.DecodeFromBytes([]byte{0x0c, 0, 0x77, 0x04, 0, 0, 1, 0}, nil))
	require.NoError(t, v.DecodeFromBytes([]byte{0x88, 0, 0x00, 0x05, 0, 0, 2, 0}, nil))
	require.Equal(t, VXLAN{Flags: FlagG | FlagI, GroupPolicyID: 5, VNI: 2}, VXLAN{Flags: v.Flags, PolicyFlags: v.PolicyFlags,
		GroupPolicyID: v.GroupPolicyID, Reserved1: v.Reserved1, NextProtocol: v.NextProtocol, VNI: v.VNI, Reserved2: v.Reserved2})
	require.NoError(t, v.DecodeFromBytes([]byte{0x0c, 0, 0x77, 0x04, 0, 0, 1, 0}, nil))
	require.Zero(t, v.GroupPolicyID, "GBP field from the previous packet must not survive")
}

type feedback struct{ truncated bool }

func (f *feedback) SetTruncated() { f.truncated = true }

func TestDecodeTruncated(t *testing.T) {
	for n := 0; n < HeaderLen; n++ {
		var v VXLAN
		var df feedback
		err := v.DecodeFromBytes(make([]byte, n), &df)
		require.ErrorIs(t, err, ErrTruncated)
		var de *DecodeError
		require.True(t, errors.As(err, &de))
		require.Equal(t, "vxlan", de.Layer)
		require.True(t, df.truncated, "decode feedback told")
		if n == 5 {
			require.EqualError(t, err, "vxlan: header at offset 0: truncated: need 8 bytes, have 5")
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		v    VXLAN
		want error
		msg  string
	}{
		{"valid RFC 7348", VXLAN{Flags: FlagI, VNI: 1}, nil, ""},
		{"reserved bits ignored on receipt", VXLAN{Flags: 0x73 | FlagI, PolicyFlags: 0xff, GroupPolicyID: 0xffff, Reserved2: 0xff}, nil, ""},
		{"I clear is refused", VXLAN{VNI: 1}, ErrMalformed, "vxlan: flags at offset 0: I flag clear: the VNI is not valid"},
		{"GPE version 1 is unsupported", VXLAN{Flags: FlagI | FlagP | 0x10, NextProtocol: ProtoIPv4}, ErrUnsupported,
			"vxlan: version at offset 0: GPE version not supported (got 1)"},
		{"GPE unknown next protocol is unsupported", VXLAN{Flags: FlagI | FlagP, NextProtocol: 0x99}, ErrUnsupported,
			"vxlan: next protocol at offset 3: unknown GPE next protocol (got 153)"},
		{"GPE with NSH is fine", VXLAN{Flags: FlagI | FlagP, NextProtocol: ProtoNSH}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Check()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, tt.msg)
		})
	}
}

func TestEncodeRefusesWhatTheWireCannotCarry(t *testing.T) {
	tests := []struct {
		name string
		v    VXLAN
		want error
	}{
		{"VNI over 24 bits", VXLAN{Flags: FlagI, VNI: 1 << 24}, ErrTooLarge},
		{"group policy ID on a GPE header", VXLAN{Flags: FlagI | FlagP, GroupPolicyID: 3}, ErrMalformed},
		{"next protocol without P", VXLAN{Flags: FlagI, NextProtocol: ProtoIPv4}, ErrMalformed},
		{"GPE reserved octet without P", VXLAN{Flags: FlagI, Reserved1: 1}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.v.AppendBinary([]byte{1, 2})
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, []byte{1, 2}, b, "nothing appended on error")
			require.ErrorIs(t, tt.v.SerializeTo(gopacket.NewSerializeBuffer(), gopacket.SerializeOptions{}), tt.want)
		})
	}
}

func TestSerializeFixLengthsSetsImpliedFlags(t *testing.T) {
	tests := []struct {
		name string
		v    VXLAN
		want []byte
	}{
		{"I is set", VXLAN{VNI: 42}, []byte{0x08, 0, 0, 0, 0, 0, 42, 0}},
		{"P is set when a next protocol is given", VXLAN{NextProtocol: ProtoIPv6, VNI: 1}, []byte{0x0c, 0, 0, 2, 0, 0, 1, 0}},
		{"G keeps octets 2-3 as policy ID", VXLAN{Flags: FlagG, GroupPolicyID: 9, VNI: 1}, []byte{0x88, 0, 0, 9, 0, 0, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := gopacket.NewSerializeBuffer()
			require.NoError(t, tt.v.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}))
			require.Equal(t, tt.want, buf.Bytes())
		})
	}
	t.Run("without FixLengths the flags are written as given", func(t *testing.T) {
		buf := gopacket.NewSerializeBuffer()
		v := VXLAN{VNI: 42}
		require.NoError(t, v.SerializeTo(buf, gopacket.SerializeOptions{}))
		require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 42, 0}, buf.Bytes())
	})
}

func TestMarshalUnmarshal(t *testing.T) {
	v := VXLAN{Flags: FlagG | FlagI, PolicyFlags: FlagA, GroupPolicyID: 0xbeef, VNI: 0xabcdef, Reserved2: 7}
	b, err := v.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, []byte{0x88, 0x08, 0xbe, 0xef, 0xab, 0xcd, 0xef, 7}, b)
	var w VXLAN
	require.NoError(t, w.UnmarshalBinary(b))
	require.Empty(t, cmp.Diff(v, w, ignoreBase))
}

func TestStrings(t *testing.T) {
	require.Equal(t, "G|I", (FlagG | FlagI).String())
	require.Equal(t, "I|P|B|O|Ver=2", (FlagI | FlagP | FlagB | FlagO | 0x20).String())
	require.Equal(t, "I|R=0x40", (FlagI | 0x40).String())
	require.Equal(t, "0", Flags(0).String())
	require.Equal(t, "NSH", ProtoNSH.String())
	require.Equal(t, "NextProtocol(0x99)", NextProtocol(0x99).String())
}

func TestAllocations(t *testing.T) {
	pkt := []byte{0x88, 0x48, 0x01, 0x23, 0, 0x01, 0x2c, 0, 1, 2, 3}
	var v VXLAN
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		if err := v.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
			t.Fatal(err)
		}
	}), "decode into a reused value")
	buf := make([]byte, 0, 64)
	require.Zero(t, testing.AllocsPerRun(1000, func() {
		var err error
		if buf, err = v.AppendBinary(buf[:0]); err != nil {
			t.Fatal(err)
		}
	}), "AppendBinary into a buffer with room")
	require.Zero(t, testing.AllocsPerRun(1000, func() { _ = v.Check() }), "Check on a valid header")
}
