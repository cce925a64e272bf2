package ipsec

import (
	"fmt"
	"strconv"
)

// Key is secret keying material. It prints as its length only, under every
// fmt verb, so keys never reach logs: fmt.Sprintf("%x", k) gives
// "[16-byte key redacted]".
type Key []byte

// String implements fmt.Stringer without revealing the key.
func (k Key) String() string { return "[" + strconv.Itoa(len(k)) + "-byte key redacted]" }

// GoString implements fmt.GoStringer without revealing the key.
func (k Key) GoString() string { return k.String() }

// Format implements fmt.Formatter so that %x, %v, %#v and %s all redact.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }
