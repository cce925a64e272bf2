package vxlan

import "github.com/tunnelcodec/tunnelcodec/internal/errs"

// DecodeError is the error type of every decode failure: layer, field, byte
// offset and a wrapped sentinel matched with errors.Is.
type DecodeError = errs.DecodeError

// Sentinels wrapped by DecodeError.
var (
	ErrTruncated   = errs.ErrTruncated
	ErrMalformed   = errs.ErrMalformed
	ErrUnsupported = errs.ErrUnsupported
	ErrTooLarge    = errs.ErrTooLarge
)
