package ipsec

// AH covers the IP header with its mutable fields zeroed and its mutable but
// predictable fields set to their value at the receiver (RFC 4302 §3.3.3.1
// and Appendix A). normalize rewrites a copy of the headers before the AH
// payload; the packet itself is never modified.

// IPv4 option types that are immutable in transit (RFC 4302 Appendix A1).
// Every other option is zeroed whole, type and length included.
func immutableIPv4Option(t byte) bool {
	switch t {
	case 0, 1, // End of Options List, No Operation
		130, // Security (RFC 1108)
		133, // Extended Security
		134, // Commercial Security
		148, // Router Alert (RFC 2113)
		149: // Sender Directed Multi-Destination Delivery (RFC 1770)
		return true
	}
	return false
}

const (
	optLSRR = 131
	optSSRR = 137
)

// normalize zeroes the mutable fields of the IP header(s) in h (a copy of
// the packet up to and including the AH header at ahOff, ahLen octets) and
// the ICV field. keepIV keeps the first 8 octets of the ICV field, where
// AES-GMAC carries its IV (RFC 4543 §4).
func normalize(h []byte, version, ahOff, ahLen int, keepIV bool) error {
	if version == 4 {
		if err := normalizeIPv4(h); err != nil {
			return err
		}
	} else if err := normalizeIPv6(h, ahOff); err != nil {
		return err
	}
	icv := h[ahOff+AHFixedLen : ahOff+ahLen]
	if keepIV {
		icv = icv[8:]
	}
	clear(icv)
	return nil
}

func normalizeIPv4(h []byte) error {
	ihl := int(h[0]&0x0f) * 4
	h[1] = 0          // TOS: some routers rewrite it
	h[6], h[7] = 0, 0 // flags (DF may be set en route) and fragment offset
	h[8] = 0          // TTL
	h[10], h[11] = 0, 0
	for i := 20; i < ihl; {
		t := h[i]
		if t == 0 {
			break // End of Options List: the rest is padding, kept as is
		}
		if t == 1 {
			i++
			continue
		}
		if i+1 >= ihl {
			return errIPOptions
		}
		n := int(h[i+1])
		if n < 2 || i+n > ihl {
			return errIPOptions
		}
		if !immutableIPv4Option(t) {
			if (t == optLSRR || t == optSSRR) && n >= 7 && int(h[i+2]) <= n {
				// The destination address is mutable but predictable:
				// at the receiver it is the last address of the route.
				copy(h[16:20], h[i+n-4:i+n])
			}
			clear(h[i : i+n])
		}
		i += n
	}
	return nil
}

func normalizeIPv6(h []byte, ahOff int) error {
	h[0] &= 0xf0               // traffic class, high nibble
	h[1], h[2], h[3] = 0, 0, 0 // traffic class, flow label
	h[7] = 0                   // hop limit
	nh, off := h[6], 40
	for off < ahOff {
		n, ok := extLen(h, off, nh)
		if !ok || n < 0 || off+n > ahOff {
			return errIPv6ExtHeader
		}
		switch nh {
		case nhHopByHop, nhDestOpts:
			if err := zeroMutableOptions(h[off+2 : off+n]); err != nil {
				return err
			}
		case nhRouting:
			if err := predictRouting(h, off, n); err != nil {
				return err
			}
		}
		nh, off = h[off], off+n
	}
	return nil
}

// zeroMutableOptions zeroes the Option Data of every option whose type has
// the "may change en route" bit (0x20) set, keeping type and length (RFC
// 4302 §3.3.3.1.2.2, RFC 8200 §4.2).
func zeroMutableOptions(opts []byte) error {
	for i := 0; i < len(opts); {
		if opts[i] == 0 { // Pad1
			i++
			continue
		}
		if i+2 > len(opts) || i+2+int(opts[i+1]) > len(opts) {
			return errIPv6ExtHeader
		}
		n := int(opts[i+1])
		if opts[i]&0x20 != 0 {
			clear(opts[i+2 : i+2+n])
		}
		i += 2 + n
	}
	return nil
}

// predictRouting rewrites a type 0 or type 2 routing header and the IPv6
// destination as they will be at the final destination, with Segments Left
// 0 (RFC 4302 Appendix A2: "mutable but predictable"). Other routing types
// are covered as they are.
func predictRouting(h []byte, off, n int) error {
	typ, left := h[off+2], int(h[off+3])
	if (typ != 0 && typ != 2) || left == 0 {
		return nil
	}
	addrs := (n - 8) / 16
	if left > addrs {
		return errIPv6ExtHeader
	}
	a := func(k int) []byte { return h[off+8+16*k : off+8+16*(k+1)] }
	var final [16]byte
	copy(final[:], a(addrs-1))
	i := addrs - left
	for k := addrs - 1; k > i; k-- {
		copy(a(k), a(k-1))
	}
	copy(a(i), h[24:40])
	copy(h[24:40], final[:])
	h[off+3] = 0
	return nil
}
