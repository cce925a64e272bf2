package iptun

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDecapECNFigure4 is RFC 6040 §4.2 Figure 4, every cell: the ECN field
// the egress forwards for each arriving inner (row) and outer (column)
// codepoint, with the cells marked (!!!), (!) and <drop>.
func TestDecapECNFigure4(t *testing.T) {
	tests := []struct {
		inner, outer ECN
		want         ECN
		verdict      ECNVerdict
	}{
		{NotECT, NotECT, NotECT, ECNForward},
		{NotECT, ECT0, NotECT, ECNLog},
		{NotECT, ECT1, NotECT, ECNLog},
		{NotECT, CE, NotECT, ECNDrop},
		{ECT0, NotECT, ECT0, ECNForward},
		{ECT0, ECT0, ECT0, ECNForward},
		{ECT0, ECT1, ECT1, ECNForward},
		{ECT0, CE, CE, ECNForward},
		{ECT1, NotECT, ECT1, ECNForward},
		{ECT1, ECT0, ECT1, ECNNote},
		{ECT1, ECT1, ECT1, ECNForward},
		{ECT1, CE, CE, ECNForward},
		{CE, NotECT, CE, ECNForward},
		{CE, ECT0, CE, ECNForward},
		{CE, ECT1, CE, ECNLog},
		{CE, CE, CE, ECNForward},
	}
	require.Len(t, tests, 16, "every cell of Figure 4")
	for _, tt := range tests {
		t.Run(tt.inner.String()+" inner, "+tt.outer.String()+" outer", func(t *testing.T) {
			got, v := DecapECN(tt.inner, tt.outer)
			require.Equal(t, tt.verdict, v)
			if v != ECNDrop {
				require.Equal(t, tt.want, got)
			}
			// DecapTOS keeps the inner DSCP and applies the same cell.
			tos, v2 := DecapTOS(0xb8|uint8(tt.inner), 0x28|uint8(tt.outer), false)
			require.Equal(t, v, v2)
			if v != ECNDrop {
				require.Equal(t, 0xb8|uint8(tt.want), tos)
			}
			tos, _ = DecapTOS(0xb8|uint8(tt.inner), 0x28|uint8(tt.outer), true)
			if v != ECNDrop {
				require.Equal(t, 0x28|uint8(tt.want), tos, "uniform model copies the outer DSCP")
			}
		})
	}
}

// TestEncapECNFigure3 is RFC 6040 §4.1 Figure 3: normal mode copies every
// codepoint, CE included; compatibility mode sends Not-ECT.
func TestEncapECNFigure3(t *testing.T) {
	for _, e := range []ECN{NotECT, ECT0, ECT1, CE} {
		require.Equal(t, e, ECNNormal.Encap(e), "normal mode, %v", e)
		require.Equal(t, NotECT, ECNCompatibility.Encap(e), "compatibility mode, %v", e)
	}
}

func TestOuterTOS(t *testing.T) {
	tests := []struct {
		name  string
		inner uint8
		mode  DSCPMode
		dscp  uint8
		ecn   ECNMode
		want  uint8
	}{
		{"EF with ECT(0) copied whole", 0xba, DSCPCopy, 0, ECNNormal, 0xba},
		{"CE copied in normal mode (not ECT(0) as RFC 3168 full functionality)", 0x03, DSCPCopy, 0, ECNNormal, 0x03},
		{"fixed DSCP keeps the inner ECN", 0xba, DSCPFixed, 10, ECNNormal, 10<<2 | 2},
		{"compatibility mode clears ECN", 0xbb, DSCPCopy, 0, ECNCompatibility, 0xb8},
		{"fixed DSCP masked to 6 bits", 0x01, DSCPFixed, 0xff, ECNNormal, 0xfd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, OuterTOS(tt.inner, tt.mode, tt.dscp, tt.ecn))
		})
	}
}

func TestStrings(t *testing.T) {
	require.Equal(t, "ECT(0)", ECT0.String())
	require.Equal(t, "drop (!!!)", ECNDrop.String())
	require.Equal(t, "compatibility", ECNCompatibility.String())
	require.Equal(t, "fixed", DSCPFixed.String())
}
