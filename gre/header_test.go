package gre

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/sre"
)

var ignoreBase = cmpopts.IgnoreFields(GRE{}, "BaseLayer")

func mustIPv4SRE(t *testing.T, active int, addrs ...string) SRE {
	var as []netip.Addr
	for _, a := range addrs {
		as = append(as, netip.MustParseAddr(a))
	}
	e, err := sre.NewIPv4(active, as...)
	require.NoError(t, err)
	return e
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want GRE
		next gopacket.LayerType
	}{
		{"RFC 2784 plain IPv4 (Linux gre, kaorimatz)", []byte{0x00, 0x00, 0x08, 0x00},
			GRE{Protocol: ProtoIPv4}, layers.LayerTypeIPv4},
		{"C: checksum and offset present", []byte{0x80, 0x00, 0x86, 0xdd, 0xbe, 0xef, 0x00, 0x00},
			GRE{Flags: FlagC, Protocol: ProtoIPv6, Checksum: 0xbeef}, layers.LayerTypeIPv6},
		{"RFC 2890 key and sequence", []byte{0x30, 0x00, 0x08, 0x00, 0, 0, 0, 0x2a, 0, 0, 1, 0},
			GRE{Flags: FlagK | FlagS, Protocol: ProtoIPv4, Key: 42, Sequence: 256}, layers.LayerTypeIPv4},
		{"NVGRE: key with VSID and FlowID, Ethernet inside", []byte{0x20, 0x00, 0x65, 0x58, 0x12, 0x34, 0x56, 0x7f},
			GRE{Flags: FlagK, Protocol: ProtoTEB, Key: 0x1234567f}, layers.LayerTypeEthernet},
		{"PPTP data with sequence and ack (RFC 2637)", []byte{0x30, 0x81, 0x88, 0x0b, 0, 2, 0x40, 0x01, 0, 0, 0, 5, 0, 0, 0, 4},
			GRE{Flags: FlagK | FlagS | FlagA, Version: Version1, Protocol: ProtoPPP, Key: 0x00024001, Sequence: 5, Ack: 4}, layers.LayerTypePPP},
		{"PPTP ack-only", []byte{0x20, 0x81, 0x88, 0x0b, 0, 0, 0x40, 0x01, 0, 0, 0, 9},
			GRE{Flags: FlagK | FlagA, Version: Version1, Protocol: ProtoPPP, Key: 0x4001, Ack: 9}, layers.LayerTypePPP},
		{"strict route, recursion 5, ERSPAN III (tcpdump erspan-type-iii-pb-1)", []byte{0x1d, 0x00, 0x22, 0xeb, 0, 0, 0, 1},
			GRE{Flags: FlagS | FlagStrict, Recursion: 5, Protocol: ProtoERSPAN3, Sequence: 1}, gopacket.LayerTypePayload},
		{"ERSPAN type II: 0x88be with S", []byte{0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 7},
			GRE{Flags: FlagS, Protocol: ProtoERSPAN, Sequence: 7}, layers.LayerTypeERSPANII},
		{"ERSPAN type I: 0x88be without S is a bare Ethernet frame", []byte{0x00, 0x00, 0x88, 0xbe},
			GRE{Protocol: ProtoERSPAN}, layers.LayerTypeEthernet},
		{"reserved flag bits and unknown protocol kept", []byte{0x00, 0x78, 0x89, 0x09},
			GRE{Flags: FlagsReserved, Protocol: 0x8909}, gopacket.LayerTypePayload},
		{"MPLS", []byte{0x00, 0x00, 0x88, 0x47}, GRE{Protocol: ProtoMPLS}, layers.LayerTypeMPLS},
		{"R: IPv4 and AS SREs, Offset at the second, NULL SRE offset octet kept",
			[]byte{0x40, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x0c,
				0x08, 0x00, 0x04, 0x08, 192, 0, 2, 1, 192, 0, 2, 2,
				0xff, 0xfe, 0x00, 0x02, 0xfd, 0xe8,
				0x00, 0x00, 0x05, 0x00},
			GRE{Flags: FlagR, Protocol: ProtoIPv4, Offset: 12, NullSREOffset: 5, Routing: []SRE{
				{AddressFamily: sre.FamilyIPv4, SREOffset: 4, SRELength: 8, RoutingInformation: []byte{192, 0, 2, 1, 192, 0, 2, 2}},
				{AddressFamily: sre.FamilyAS, SREOffset: 0, SRELength: 2, RoutingInformation: []byte{0xfd, 0xe8}},
			}}, layers.LayerTypeIPv4},
		{"R: empty list, Offset at the NULL SRE", []byte{0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0},
			GRE{Flags: FlagR, Protocol: ProtoIPv4}, layers.LayerTypeIPv4},
		{"R: an SRE of family 0x0800 with length 0 is an entry, not the end",
			[]byte{0x40, 0x00, 0x08, 0x00, 0, 0, 0, 4, 0x08, 0x00, 0, 0, 0, 0, 0, 0},
			GRE{Flags: FlagR, Protocol: ProtoIPv4, Offset: 4, Routing: []SRE{{AddressFamily: sre.FamilyIPv4, RoutingInformation: []byte{}}}}, layers.LayerTypeIPv4},
		{"R with C clear keeps a non-zero checksum field", []byte{0x40, 0x00, 0x08, 0x00, 0x12, 0x34, 0, 0, 0, 0, 0, 0},
			GRE{Flags: FlagR, Protocol: ProtoIPv4, Checksum: 0x1234}, layers.LayerTypeIPv4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte{0x45, 0xde, 0xad}
			in := append(append([]byte{}, tt.in...), payload...)
			var g GRE
			require.NoError(t, g.DecodeFromBytes(in, gopacket.NilDecodeFeedback))
			require.Empty(t, cmp.Diff(tt.want, g, ignoreBase, cmpopts.EquateEmpty()))
			require.Equal(t, tt.next, g.NextLayerType())
			require.Equal(t, tt.in, g.LayerContents())
			require.Equal(t, payload, g.LayerPayload())
			require.Equal(t, len(tt.in), g.HeaderLen())
			out, err := g.AppendBinary(nil)
			require.NoError(t, err)
			require.Equal(t, tt.in, out, "exact round trip")
			buf := gopacket.NewSerializeBuffer()
			require.NoError(t, g.SerializeTo(buf, gopacket.SerializeOptions{}))
			require.Equal(t, tt.in, buf.Bytes(), "SerializeTo without options writes the fields as they are")
		})
	}
}

type feedback struct{ truncated bool }

func (f *feedback) SetTruncated() { f.truncated = true }

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		want  error
		msg   string
		trunc bool
	}{
		{"3 bytes", []byte{0, 0, 8}, ErrTruncated, "gre: header at offset 0: truncated: need 4 bytes, have 3", true},
		{"K set, key cut", []byte{0x20, 0, 8, 0, 1, 2}, ErrTruncated, "gre: key at offset 4: truncated: need 8 bytes, have 6", true},
		{"C, K, S set, sequence cut", []byte{0xb0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, ErrTruncated,
			"gre: sequence number at offset 12: truncated: need 16 bytes, have 13", true},
		{"PPTP ack number cut", []byte{0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 1, 0, 0}, ErrTruncated,
			"gre: acknowledgment number at offset 8: truncated: need 12 bytes, have 10", true},
		{"A bit on version 0", []byte{0x00, 0x80, 0x08, 0x00, 0, 0, 0, 0}, ErrAckOnVersion0,
			"gre: flags at offset 1: A bit set on a version 0 header, which has no Acknowledgment Number", false},
		{"version 7", []byte{0x00, 0x07, 0x08, 0x00}, ErrVersion,
			"gre: version at offset 1: version other than 0 (GRE) and 1 (enhanced GRE) (got 7)", false},
		{"routing without NULL SRE", []byte{0x40, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 4, 1, 2, 3, 4}, ErrNoTerminator,
			"gre: routing: SRE at offset 16: routing list without NULL SRE terminator: need 4 bytes, have 0", true},
		{"routing list cut inside an SRE header", []byte{0x40, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x00}, ErrNoTerminator,
			"gre: routing: SRE at offset 8: routing list without NULL SRE terminator: need 4 bytes, have 2", true},
		{"SRE past the end", []byte{0x40, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 9, 1, 2, 3, 4}, ErrSREPastEnd,
			"gre: routing: SRE length at offset 11: SRE runs past the end: need 13 bytes, have 8", true},
		{"Offset inside an SRE", []byte{0x40, 0, 8, 0, 0, 0, 0, 2, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0}, ErrOffsetOutside,
			"gre: offset at offset 6: offset does not point at an SRE of the routing list (got 2, want 8)", false},
		{"Offset past the NULL SRE", []byte{0x40, 0, 8, 0, 0, 0, 0, 12, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0}, ErrOffsetOutside,
			"gre: offset at offset 6: offset does not point at an SRE of the routing list (got 12, want 8)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g GRE
			var df feedback
			err := g.DecodeFromBytes(tt.in, &df)
			require.ErrorIs(t, err, tt.want)
			require.EqualError(t, err, tt.msg)
			var de *DecodeError
			require.True(t, errors.As(err, &de))
			require.Equal(t, "gre", de.Layer)
			require.Equal(t, tt.trunc, df.truncated, "decode feedback told of truncation")
		})
	}
	t.Run("the general sentinels match the named ones", func(t *testing.T) {
		require.ErrorIs(t, ErrNoTerminator, ErrTruncated)
		require.ErrorIs(t, ErrSREPastEnd, ErrTruncated)
		require.ErrorIs(t, ErrOffsetOutside, ErrMalformed)
		require.ErrorIs(t, ErrAckOnVersion0, ErrMalformed)
		require.ErrorIs(t, ErrVersion, ErrUnsupported)
		require.ErrorIs(t, ErrRecursion, ErrTooLarge)
	})
	t.Run("every prefix of a full header is refused, never a panic", func(t *testing.T) {
		full := []byte{0xf0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0}
		for n := range len(full) {
			var g GRE
			require.Error(t, g.DecodeFromBytes(full[:n], nil), "prefix %d", n)
		}
		var g GRE
		require.NoError(t, g.DecodeFromBytes(full, nil))
	})
}

func TestDecodeReuseClearsOptionalFields(t *testing.T) {
	routed := []byte{0xf0, 0x00, 0x08, 0x00, 0, 1, 0, 0, 0, 0, 0, 7, 0, 0, 0, 9, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 3, 0}
	var g GRE
	require.NoError(t, g.DecodeFromBytes(routed, nil))
	require.Len(t, g.Routing, 1)
	require.Equal(t, uint8(3), g.NullSREOffset)
	require.NoError(t, g.DecodeFromBytes([]byte{0x00, 0x00, 0x08, 0x00}, nil))
	require.Empty(t, cmp.Diff(GRE{Protocol: ProtoIPv4}, g, ignoreBase, cmpopts.EquateEmpty()),
		"nothing of the routed packet survives (gopacket keeps its GRERouting)")
	require.NoError(t, g.DecodeFromBytes(routed, nil))
	require.NoError(t, g.DecodeFromBytes([]byte{0x80, 0x00, 0x08, 0x00, 0xff, 0xff, 0, 0}, nil))
	require.Empty(t, cmp.Diff(GRE{Flags: FlagC, Protocol: ProtoIPv4, Checksum: 0xffff}, g, ignoreBase, cmpopts.EquateEmpty()),
		"key, sequence and routing of the previous packet cleared on the general path too")
}

func TestEncodeRefusesWhatTheWireCannotCarry(t *testing.T) {
	tests := []struct {
		name string
		g    GRE
		want error
	}{
		{"recursion over 3 bits", GRE{Recursion: 8}, ErrTooLarge},
		{"version 2", GRE{Version: 2}, ErrVersion},
		{"A on version 0", GRE{Flags: FlagA, Ack: 1}, ErrAckOnVersion0},
		{"flag bits where Recur and Ver go", GRE{Flags: 0x0100}, ErrMalformed},
		{"key without K", GRE{Key: 1}, ErrMalformed},
		{"sequence without S", GRE{Sequence: 1}, ErrMalformed},
		{"ack without A", GRE{Version: Version1, Ack: 1}, ErrMalformed},
		{"checksum without C or R", GRE{Checksum: 1}, ErrMalformed},
		{"routing without R", GRE{Routing: []SRE{{AddressFamily: 1, SRELength: 1, RoutingInformation: []byte{1}}}}, ErrMalformed},
		{"SRE length not matching its information", GRE{Flags: FlagR, Routing: []SRE{{AddressFamily: 1, SRELength: 2, RoutingInformation: []byte{1}}}}, ErrMalformed},
		{"a NULL SRE inside the list", GRE{Flags: FlagR, Routing: []SRE{{}}}, ErrMalformed},
		{"routing information over 255 octets", GRE{Flags: FlagR, Routing: []SRE{{AddressFamily: 1, RoutingInformation: make([]byte, 256)}}}, ErrTooLarge},
		{"Offset not at an SRE", GRE{Flags: FlagR, Offset: 3, Routing: []SRE{{AddressFamily: 1, SRELength: 1, RoutingInformation: []byte{1}}}}, ErrOffsetOutside},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.g.AppendBinary([]byte{1, 2})
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, []byte{1, 2}, b, "nothing appended on error")
			_, err = tt.g.AppendPacket(nil, []byte{1})
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, tt.g.SerializeTo(gopacket.NewSerializeBuffer(), gopacket.SerializeOptions{}), tt.want)
		})
	}
}

func TestSerializeFixLengthsAndChecksums(t *testing.T) {
	payload := []byte{0x45, 0, 0, 0x14, 1, 2, 3}
	tests := []struct {
		name string
		g    GRE
		opts gopacket.SerializeOptions
		want []byte
	}{
		{"K and S set from non-zero key and sequence", GRE{Protocol: ProtoIPv4, Key: 5, Sequence: 6},
			gopacket.SerializeOptions{FixLengths: true}, []byte{0x30, 0, 8, 0, 0, 0, 0, 5, 0, 0, 0, 6}},
		{"R and SRE Length set", GRE{Protocol: ProtoIPv4, Routing: []SRE{{AddressFamily: 0xfffe, RoutingInformation: []byte{0, 1}}}},
			gopacket.SerializeOptions{FixLengths: true}, []byte{0x40, 0, 8, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 2, 0, 1, 0, 0, 0, 0}},
		{"version 1: K, S and the payload length; A from the ack", GRE{Version: Version1, Protocol: ProtoPPP, Key: 0x4001, Sequence: 3, Ack: 2},
			gopacket.SerializeOptions{FixLengths: true}, []byte{0x30, 0x81, 0x88, 0x0b, 0, 7, 0x40, 0x01, 0, 0, 0, 3, 0, 0, 0, 2}},
		{"checksum computed over header and payload", GRE{Flags: FlagC, Protocol: ProtoIPv4},
			gopacket.SerializeOptions{ComputeChecksums: true}, []byte{0x80, 0, 8, 0, 0x2e, 0xe9, 0, 0}}, // scapy.checksum gives 0x2ee9
		{"without FixLengths a zero key is sent only with K", GRE{Flags: FlagK, Protocol: ProtoIPv4},
			gopacket.SerializeOptions{}, []byte{0x20, 0, 8, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := gopacket.NewSerializeBuffer()
			copy(must(buf.AppendBytes(len(payload))), payload)
			require.NoError(t, tt.g.SerializeTo(buf, tt.opts))
			require.Equal(t, append(append([]byte{}, tt.want...), payload...), buf.Bytes())
			var d GRE
			require.NoError(t, d.DecodeFromBytes(buf.Bytes(), nil))
			require.NoError(t, d.VerifyChecksum())
		})
	}
	t.Run("version 1 ack-only clears S", func(t *testing.T) {
		g := GRE{Version: Version1, Flags: FlagS, Protocol: ProtoPPP, Key: 0x4001, Ack: 2}
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, g.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}))
		require.Equal(t, []byte{0x20, 0x81, 0x88, 0x0b, 0, 0, 0x40, 0x01, 0, 0, 0, 2}, buf.Bytes())
		var d GRE
		require.NoError(t, d.DecodeFromBytes(buf.Bytes(), nil))
		require.True(t, d.IsAckOnly())
		require.NoError(t, d.CheckPPTP())
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestChecksum(t *testing.T) {
	// scapy's checksum.pcap frame 1: C set, IPv4 ping inside.
	pkt := testPacket(t, "checksum.pcap", 0)
	var g GRE
	require.NoError(t, g.DecodeFromBytes(pkt, nil))
	require.True(t, g.Flags.C())
	require.NoError(t, g.VerifyChecksum(), "scapy computed it")
	out, err := (&GRE{Flags: FlagC, Protocol: g.Protocol}).AppendPacket(nil, g.Payload)
	require.NoError(t, err)
	require.Equal(t, pkt, out, "AppendPacket computes the checksum scapy computed")

	t.Run("odd-length routing information keeps the sum aligned", func(t *testing.T) {
		h := GRE{Flags: FlagC | FlagR, Protocol: ProtoIPv4, Routing: []SRE{{AddressFamily: 9, SRELength: 3, RoutingInformation: []byte{1, 2, 3}}}}
		b, err := h.AppendPacket(nil, []byte{0xaa, 0xbb, 0xcc})
		require.NoError(t, err)
		require.Zero(t, checksumOf(b), "the whole packet sums to zero")
		var d GRE
		require.NoError(t, d.DecodeFromBytes(b, nil))
		require.NoError(t, d.VerifyChecksum())
		b[len(b)-1] ^= 1
		require.NoError(t, d.DecodeFromBytes(b, nil))
		err = d.VerifyChecksum()
		require.ErrorIs(t, err, ErrChecksum)
		var de *DecodeError
		require.True(t, errors.As(err, &de))
		fixed := append([]byte{}, b...)
		fixed[4], fixed[5] = 0, 0
		require.Equal(t, int(checksumOf(fixed)), de.Need, "the error names the checksum that would be right")
	})
	t.Run("C clear: nothing to verify", func(t *testing.T) {
		var d GRE
		require.NoError(t, d.DecodeFromBytes([]byte{0x40, 0, 8, 0, 0xde, 0xad, 0, 0, 0, 0, 0, 0, 1}, nil))
		require.NoError(t, d.VerifyChecksum())
	})
}

func testPacket(t *testing.T, file string, frame int) []byte {
	t.Helper()
	p := gopacket.NewPacket(readFrame(t, file, frame), layers.LayerTypeEthernet, gopacket.Default)
	g, ok := p.Layer(LayerTypeGRE).(*GRE)
	require.True(t, ok, "%s frame %d has no GRE layer", file, frame+1)
	return append(append([]byte{}, g.Contents...), g.Payload...)
}

func TestPPTP(t *testing.T) {
	var g GRE
	g.Version = Version1
	g.Protocol = ProtoPPP
	g.SetPPTPKey(3, 0x4001)
	require.Equal(t, uint16(3), g.PayloadLength())
	require.Equal(t, uint16(0x4001), g.CallID())
	require.True(t, g.Flags.K())
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"data with sequence", []byte{0x30, 0x01, 0x88, 0x0b, 0, 1, 0x40, 0x01, 0, 0, 0, 1, 0x21}, true},
		{"ack-only", []byte{0x20, 0x81, 0x88, 0x0b, 0, 0, 0x40, 0x01, 0, 0, 0, 1}, true},
		{"payload length differs from payload", []byte{0x30, 0x01, 0x88, 0x0b, 0, 9, 0x40, 0x01, 0, 0, 0, 1, 0x21}, false},
		{"S without payload", []byte{0x30, 0x01, 0x88, 0x0b, 0, 0, 0x40, 0x01, 0, 0, 0, 1}, false},
		{"payload without S", []byte{0x20, 0x01, 0x88, 0x0b, 0, 1, 0x40, 0x01, 0x21}, false},
		{"not PPP", []byte{0x30, 0x01, 0x08, 0x00, 0, 1, 0x40, 0x01, 0, 0, 0, 1, 0x45}, false},
		{"C set", []byte{0xb0, 0x01, 0x88, 0x0b, 0, 0, 0, 0, 0, 1, 0x40, 0x01, 0, 0, 0, 1, 0x21}, false},
		{"version 0", []byte{0x30, 0x00, 0x88, 0x0b, 0, 1, 0x40, 0x01, 0, 0, 0, 1, 0x21}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g GRE
			require.NoError(t, g.DecodeFromBytes(tt.in, nil))
			if tt.ok {
				require.NoError(t, g.CheckPPTP())
			} else {
				require.ErrorIs(t, g.CheckPPTP(), ErrMalformed)
			}
		})
	}
}

func TestNVGRE(t *testing.T) {
	var g GRE
	require.NoError(t, g.SetNVGRE(0x123456, 0x7f))
	require.Equal(t, uint32(0x123456), g.VSID())
	require.Equal(t, uint8(0x7f), g.FlowID())
	require.NoError(t, g.CheckNVGRE())
	b, err := g.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0x20, 0, 0x65, 0x58, 0x12, 0x34, 0x56, 0x7f}, b)
	require.ErrorIs(t, g.SetNVGRE(MaxVSID+1, 0), ErrTooLarge)
	g.Flags |= FlagS
	require.ErrorIs(t, g.CheckNVGRE(), ErrMalformed, "RFC 7637: S must be zero")
	require.ErrorIs(t, (&GRE{Flags: FlagK, Protocol: ProtoIPv4}).CheckNVGRE(), ErrMalformed)
	require.ErrorIs(t, (&GRE{Protocol: ProtoTEB}).CheckNVGRE(), ErrMalformed)
}

func TestRecursion(t *testing.T) {
	r, err := NextRecursion(3)
	require.NoError(t, err)
	require.Equal(t, uint8(2), r)
	_, err = NextRecursion(0)
	require.ErrorIs(t, err, ErrRecursion)
	require.ErrorIs(t, err, ErrTooLarge)
	_, err = NextRecursion(8)
	require.ErrorIs(t, err, ErrTooLarge)

	outer := GRE{Recursion: 6}
	require.NoError(t, outer.EncapsulateRecursion(&GRE{Recursion: 1}))
	require.Equal(t, uint8(0), outer.Recursion)
	require.ErrorIs(t, outer.EncapsulateRecursion(&GRE{}), ErrRecursion)
	require.Equal(t, uint8(0), outer.Recursion, "unchanged on refusal")

	// A chain of encapsulations from the allowed depth down stops after
	// exactly that many.
	depth := 0
	for r := uint8(MaxRecursion); ; depth++ {
		next, err := NextRecursion(r)
		if err != nil {
			break
		}
		r = next
	}
	require.Equal(t, MaxRecursion, depth)
}

func TestRoutingAccessors(t *testing.T) {
	in := []byte{0x40, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x04, 0x08, 192, 0, 2, 1, 192, 0, 2, 2,
		0xff, 0xfe, 0x00, 0x02, 0xfd, 0xe8,
		0x00, 0x00, 0x00, 0x00}
	var g GRE
	require.NoError(t, g.DecodeFromBytes(in, nil))
	i, ok := g.ActiveSRE()
	require.True(t, ok)
	require.Equal(t, 0, i)
	r, err := g.Routing[0].IPv4()
	require.NoError(t, err)
	require.Equal(t, 2, r.Len())
	a, ok := r.Active()
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("192.0.2.2"), r.Addr(a), "SRE Offset 4: the second address is next")
	as, err := g.Routing[1].AS()
	require.NoError(t, err)
	require.Equal(t, uint16(65000), as.Number(0))
	_, err = g.Routing[1].IPv4()
	require.ErrorIs(t, err, ErrMalformed)
	require.Equal(t, in[8:], g.RoutingBytes())

	g.Offset = 12
	i, ok = g.ActiveSRE()
	require.True(t, ok)
	require.Equal(t, 1, i)
	g.Offset = 18
	_, ok = g.ActiveSRE()
	require.False(t, ok, "Offset at the NULL SRE: the route is complete")

	built := GRE{Flags: FlagR | FlagStrict, Protocol: ProtoIPv4, Routing: []SRE{mustIPv4SRE(t, 1, "203.0.113.1", "203.0.113.2")}}
	b, err := built.AppendBinary(nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0x48, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x00, 4, 8, 203, 0, 113, 1, 203, 0, 113, 2, 0, 0, 0, 0}, b)
}

func TestStrings(t *testing.T) {
	require.Equal(t, "K|S", (FlagK | FlagS).String())
	require.Equal(t, "C|R|s|A|Rsv=0x0078", (FlagC | FlagR | FlagStrict | FlagA | FlagsReserved).String())
	require.Equal(t, "0", Flags(0).String())
	require.Equal(t, "Enhanced GRE", Version1.String())
	require.Equal(t, "Version(5)", Version(5).String())
	for p, name := range map[Protocol]string{
		ProtoReserved: "Reserved", ProtoSNA: "SNA", ProtoOSI: "OSI network layer", ProtoPUP: "PUP", ProtoXNS: "XNS",
		ProtoIPv4: "IPv4", ProtoChaos: "Chaos", ProtoARP: "ARP", ProtoFrameRelayARP: "Frame Relay ARP",
		ProtoVINES: "VINES", ProtoVINESEcho: "VINES Echo", ProtoVINESLoopback: "VINES Loopback",
		ProtoDECnetIV: "DECnet Phase IV", ProtoTEB: "Transparent Ethernet Bridging", ProtoRawFrameRelay: "Raw Frame Relay",
		ProtoApollo: "Apollo Domain", ProtoEthertalk: "Ethertalk", ProtoIPX: "Novell IPX",
		ProtoTCPIPCompression: "TCP/IP compression", ProtoIPAutonomousSystems: "IP Autonomous Systems",
		ProtoSecureData: "Secure Data", ProtoIPv6: "IPv6", ProtoMPLS: "MPLS", ProtoERSPAN: "ERSPAN",
		ProtoERSPAN3: "ERSPAN type III", ProtoPPP: "PPP", 0x8909: "Protocol(0x8909)",
	} {
		require.Equal(t, name, p.String())
	}
	require.Equal(t, uint16(0x6558), uint16(ProtoTEB))
	require.Equal(t, uint16(0x22eb), uint16(ProtoERSPAN3))
}

func TestAllocations(t *testing.T) {
	for _, bp := range benchPackets {
		pkt := benchPacket(bp.header)
		var g GRE
		require.NoError(t, g.DecodeFromBytes(pkt, nil)) // first decode sizes the Routing slice
		require.Zero(t, testing.AllocsPerRun(1000, func() {
			if err := g.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
				t.Fatal(err)
			}
		}), "%s: decode into a reused value", bp.name)
		buf := make([]byte, 0, 128)
		require.Zero(t, testing.AllocsPerRun(1000, func() {
			var err error
			if buf, err = g.AppendBinary(buf[:0]); err != nil {
				t.Fatal(err)
			}
		}), "%s: AppendBinary into a buffer with room", bp.name)
		require.Zero(t, testing.AllocsPerRun(1000, func() {
			var err error
			if buf, err = g.AppendPacket(buf[:0], g.Payload); err != nil {
				t.Fatal(err)
			}
		}), "%s: AppendPacket into a buffer with room", bp.name)
		require.Zero(t, testing.AllocsPerRun(1000, func() { _ = g.VerifyChecksum() }), "%s: VerifyChecksum", bp.name)
		if g.Flags.R() {
			n := 0
			require.Zero(t, testing.AllocsPerRun(1000, func() {
				for range sre.All(g.RoutingBytes()) {
					n++
				}
			}), "%s: iterating the routing bytes", bp.name)
			require.Equal(t, 2*1001, n)
		}
	}
}
