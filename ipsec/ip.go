package ipsec

import (
	"encoding/binary"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
)

// IPv6 extension header numbers walked before an IPsec header.
const (
	nhHopByHop = 0
	nhRouting  = 43
	nhFragment = 44
	nhDestOpts = 60
)

// ipHeader is where the parts of an IP packet lie.
type ipHeader struct {
	version  int
	protoOff int // offset of the Next Header / Protocol octet naming what is at off
	off      int // offset of the header found (or of the insertion point)
	end      int // for insertionPoint: where the IP length field ends the packet
}

// ipVersion checks the fixed header and returns 4 or 6.
func ipVersion(pkt []byte) (int, error) {
	if len(pkt) < 1 {
		return 0, errIPTruncated
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < 20 || int(pkt[0]&0x0f)*4 < 20 || len(pkt) < int(pkt[0]&0x0f)*4 {
			return 0, errIPTruncated
		}
		return 4, nil
	case 6:
		if len(pkt) < 40 {
			return 0, errIPTruncated
		}
		return 6, nil
	}
	return 0, errIPVersion
}

// findHeader locates the first header with protocol number proto, walking
// IPv6 hop-by-hop, routing and destination options headers. A fragment
// (IPv4 MF or offset, an IPv6 fragment header on the way) is refused: the
// receiver must reassemble first and discard fragments offered to ESP or AH
// (RFC 4303 §3.4.1, RFC 4302 §3.4.1).
func findHeader(pkt []byte, proto uint8) (ipHeader, bool, error) {
	v, err := ipVersion(pkt)
	if err != nil {
		return ipHeader{}, false, err
	}
	if v == 4 {
		if binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 {
			return ipHeader{}, false, errIPFragment
		}
		h := ipHeader{version: 4, protoOff: 9, off: int(pkt[0]&0x0f) * 4}
		return h, pkt[9] == proto, nil
	}
	h := ipHeader{version: 6, protoOff: 6, off: 40}
	for range 64 {
		nh := pkt[h.protoOff]
		if nh == proto {
			return h, true, nil
		}
		if nh == nhFragment {
			return h, false, errIPFragment
		}
		n, ok := extLen(pkt, h.off, nh)
		if !ok {
			return h, false, nil
		}
		if n < 0 {
			return h, false, errIPv6ExtHeader
		}
		h.protoOff, h.off = h.off, h.off+n
	}
	return h, false, errIPv6ExtHeader
}

// extLen returns the length of the IPv6 extension header nh at off: ok is
// false when nh is not one walked here, n is -1 when it runs past pkt.
func extLen(pkt []byte, off int, nh uint8) (n int, ok bool) {
	switch nh {
	case nhHopByHop, nhRouting, nhDestOpts:
		if off+2 > len(pkt) {
			return -1, true
		}
		n = (int(pkt[off+1]) + 1) * 8
	case nhFragment:
		n = 8
	default:
		return 0, false
	}
	if off+n > len(pkt) {
		return -1, true
	}
	return n, true
}

// insertionPoint is where transport mode puts ESP or AH (RFC 4303 §3.1.1,
// RFC 4302 §3.1.1): after the IPv4 header; in IPv6 after hop-by-hop and
// routing headers and after destination options that precede a routing
// header or appear without one, as Linux and scapy place them. A fragment
// is refused: IPsec applies before fragmentation (RFC 4303 §3.3.5).
func insertionPoint(pkt []byte) (ipHeader, error) {
	h, err := insertionPointOf(pkt)
	if err != nil {
		return h, err
	}
	h.end, err = ipPayloadEnd(pkt, h.version)
	return h, err
}

func insertionPointOf(pkt []byte) (ipHeader, error) {
	v, err := ipVersion(pkt)
	if err != nil {
		return ipHeader{}, err
	}
	if v == 4 {
		if binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 {
			return ipHeader{}, errIPFragment
		}
		return ipHeader{version: 4, protoOff: 9, off: int(pkt[0]&0x0f) * 4}, nil
	}
	h := ipHeader{version: 6, protoOff: 6, off: 40}
	routing := false
	for range 64 {
		nh := pkt[h.protoOff]
		if nh == nhFragment {
			return h, errIPFragment
		}
		if nh == nhDestOpts && routing {
			return h, nil
		}
		n, ok := extLen(pkt, h.off, nh)
		if !ok {
			return h, nil
		}
		if n < 0 {
			return h, errIPv6ExtHeader
		}
		if nh == nhRouting {
			routing = true
		}
		h.protoOff, h.off = h.off, h.off+n
	}
	return h, errIPv6ExtHeader
}

// fixIPHeader sets the length field of the IP header at the front of pkt to
// len(pkt) and, for IPv4, recomputes the header checksum.
func fixIPHeader(pkt []byte, version int) error {
	if version == 4 {
		if len(pkt) > 0xffff {
			return errIPLength
		}
		ihl := int(pkt[0]&0x0f) * 4
		binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt)))
		pkt[10], pkt[11] = 0, 0
		binary.BigEndian.PutUint16(pkt[10:12], checksum.Checksum(pkt[:ihl], 0))
		return nil
	}
	if len(pkt)-40 > 0xffff {
		return errIPLength
	}
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(pkt)-40))
	return nil
}

// ipPayloadEnd returns where the packet ends according to its length field
// (dropping link-layer padding), or an error when the field is too large.
func ipPayloadEnd(pkt []byte, version int) (int, error) {
	var n int
	if version == 4 {
		n = int(binary.BigEndian.Uint16(pkt[2:4]))
		if n < int(pkt[0]&0x0f)*4 {
			return 0, errIPLength
		}
	} else {
		n = 40 + int(binary.BigEndian.Uint16(pkt[4:6]))
	}
	if n > len(pkt) {
		return 0, errIPLength
	}
	return n, nil
}
