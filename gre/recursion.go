package gre

import "github.com/tunnelcodec/tunnelcodec/internal/errs"

// MaxRecursion is the largest Recursion Control value (3 bits).
const MaxRecursion = 7

// NextRecursion returns the Recursion Control value for a GRE header that
// encapsulates a packet whose own GRE header carries inner: Recursion Control
// counts the additional encapsulations still permitted (RFC 1701 §2.1), so
// each one uses one up. With inner 0 none is left, and it returns
// ErrRecursion.
func NextRecursion(inner uint8) (uint8, error) {
	if inner > MaxRecursion {
		return 0, &errs.DecodeError{Layer: "gre", Field: "recursion control", Offset: 0, Err: errs.ErrTooLarge,
			Detail: "recursion control does not fit 3 bits", Have: int(inner), Need: MaxRecursion}
	}
	if inner == 0 {
		return 0, &errs.DecodeError{Layer: "gre", Field: "recursion control", Offset: 0, Err: ErrRecursion,
			Detail: "no further encapsulation is permitted", Have: 0}
	}
	return inner - 1, nil
}

// EncapsulateRecursion sets g.Recursion for a header wrapped around a packet
// that already carries inner, and refuses (ErrRecursion, g unchanged) when
// inner permits no further encapsulation.
func (g *GRE) EncapsulateRecursion(inner *GRE) error {
	r, err := NextRecursion(inner.Recursion)
	if err != nil {
		return err
	}
	g.Recursion = r
	return nil
}
