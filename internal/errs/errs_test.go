package errs

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
		is   error
	}{
		{"truncated names need and have", Truncated("gre", "routing: SRE", 12, 7, 5),
			"gre: routing: SRE at offset 12: truncated: need 7 bytes, have 5", ErrTruncated},
		{"malformed uses detail", Malformed("vxlan", "flags", 0, "I flag clear: VNI not valid"),
			"vxlan: flags at offset 0: I flag clear: VNI not valid", ErrMalformed},
		{"malformed value shows got and want", MalformedValue("gre", "version", 1, "version 0 must not carry A", 1, 0),
			"gre: version at offset 1: version 0 must not carry A (got 1)", ErrMalformed},
		{"new without detail prints the sentinel", New("esp", "ICV", 40, ErrAuthentication, ""),
			"esp: ICV at offset 40: authentication failed", ErrAuthentication},
		{"wrap nests field and shifts offset", Wrap(Truncated("gre", "SRE", 4, 7, 5), "routing", 8),
			"gre: routing: SRE at offset 12: truncated: need 7 bytes, have 5", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.EqualError(t, tt.err, tt.want)
			require.True(t, errors.Is(tt.err, tt.is))
			var de *DecodeError
			require.True(t, errors.As(tt.err, &de))
		})
	}
}

func TestWrapLeavesForeignErrors(t *testing.T) {
	e := errors.New("plain")
	require.Same(t, e, Wrap(e, "x", 3))
}

func TestSentinelMatchesItselfAndParent(t *testing.T) {
	named := Sentinel("routing list without NULL SRE", ErrTruncated)
	err := &DecodeError{Layer: "gre", Field: "routing", Offset: 12, Err: named, Have: -1}
	if !errors.Is(err, named) || !errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed) {
		t.Fatalf("errors.Is does not follow the chain: %v", err)
	}
	if got := err.Error(); got != "gre: routing at offset 12: routing list without NULL SRE" {
		t.Fatalf("message %q", got)
	}
}
