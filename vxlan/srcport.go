package vxlan

import "encoding/binary"

// Dynamic port range of RFC 6335 that RFC 7348 §5 recommends for the outer
// UDP source port.
const (
	SourcePortMin = 49152
	SourcePortMax = 65535
)

// SourcePort returns an outer UDP source port for an encapsulated packet, in
// the dynamic range 49152-65535, from a hash of its inner flow (RFC 7348 §5):
// the IP addresses, protocol and TCP, UDP, SCTP or DCCP ports when the inner
// packet is IPv4 or IPv6, or the Ethernet addresses and EtherType otherwise.
// Packets of one flow get the same port, so ECMP in the underlay keeps them in
// order, and different flows spread over the range.
//
// inner is what follows the VXLAN header: an Ethernet frame (ProtoEthernet,
// and for every non-GPE header) or, for GPE, an IPv4 or IPv6 packet. A
// single 802.1Q or 802.1ad tag is skipped. The function allocates nothing.
func SourcePort(inner []byte, proto NextProtocol) uint16 {
	return SourcePortRange(inner, proto, SourcePortMin, SourcePortMax)
}

// SourcePortRange is SourcePort mapped onto [lo, hi] instead of the dynamic
// range (the kernel's "srcport lo hi" option). It panics if lo > hi.
func SourcePortRange(inner []byte, proto NextProtocol, lo, hi uint16) uint16 {
	if lo > hi {
		panic("vxlan: SourcePortRange: lo > hi")
	}
	h := flowHash(inner, proto)
	// Map the 32-bit hash onto the range by multiplication, as the Linux
	// kernel's udp_flow_src_port does, rather than by modulo.
	span := uint64(hi-lo) + 1
	return lo + uint16((uint64(h)*span)>>32)
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func fnv(h uint32, b []byte) uint32 {
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

func fnvByte(h uint32, c byte) uint32 { return (h ^ uint32(c)) * fnvPrime }

// flowHash is FNV-1a over the flow's identifying fields, finished with a
// mixing step so that nearby inputs spread across the high bits the range
// mapping uses.
func flowHash(p []byte, proto NextProtocol) uint32 {
	h := uint32(fnvOffset)
	switch proto {
	case ProtoIPv4, ProtoIPv6:
		h = ipFlowHash(h, p)
	default:
		if len(p) < 14 {
			h = fnv(h, p)
			break
		}
		et, off := binary.BigEndian.Uint16(p[12:14]), 14
		if (et == 0x8100 || et == 0x88a8) && len(p) >= 18 {
			et, off = binary.BigEndian.Uint16(p[16:18]), 18
		}
		if et == 0x0800 || et == 0x86dd {
			h = ipFlowHash(h, p[off:])
		} else {
			h = fnv(h, p[:off])
		}
	}
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func ipFlowHash(h uint32, p []byte) uint32 {
	if len(p) < 1 {
		return h
	}
	var proto byte
	var l4 []byte
	switch p[0] >> 4 {
	case 4:
		if len(p) < 20 {
			return fnv(h, p)
		}
		ihl := int(p[0]&0x0f) * 4
		proto = p[9]
		h = fnv(h, p[12:20])
		// Only the first fragment carries the ports.
		if ihl >= 20 && len(p) >= ihl && binary.BigEndian.Uint16(p[6:8])&0x1fff == 0 {
			l4 = p[ihl:]
		}
	case 6:
		if len(p) < 40 {
			return fnv(h, p)
		}
		proto = p[6]
		h = fnv(h, p[8:40])
		h = fnvByte(h, p[1]&0x0f) // the flow label identifies the flow too
		h = fnv(h, p[2:4])
		l4 = p[40:]
	default:
		return fnv(h, p)
	}
	h = fnvByte(h, proto)
	switch proto {
	case 6, 17, 33, 132, 136: // TCP, UDP, DCCP, SCTP, UDP-Lite
		if len(l4) >= 4 {
			h = fnv(h, l4[:4])
		}
	}
	return h
}
