// Package sit builds and opens IPv6-in-IPv4 tunnel packets (IP protocol 41)
// per RFC 4213 §3, for configured tunnels and the automatic kinds that
// derive the IPv4 endpoint from the IPv6 address: 6to4 (RFC 3056, with the
// checks of RFC 3964), 6rd (RFC 5969) and ISATAP (RFC 5214). ECN follows
// RFC 6040; the ICMP rules of RFC 4213 §3.4 translate ICMPv4 errors from the
// IPv4 path into ICMPv6 errors for the IPv6 sender. IPv4 in IPv4 and
// anything in IPv6 is package ipip; both share one implementation of
// headers, ECN, fragmentation and ICMP.
//
// A Tunnel is one configured endpoint; it is safe for concurrent use and
// its data path allocates nothing when the destination buffer has room:
//
//	t, _ := sit.New(sit.Config{Local: v4a, Remote: v4b, ICMPSource6: v6a})
//	out, err := t.Encapsulate(buf[:0], ipv6Packet)
//	p, err := peer.Decapsulate(out)                 // p.Inner is the IPv6 packet
//	msg, err := t.Relay(buf[:0], icmpv4Error)        // ICMPv6 for the IPv6 sender
//
// # RFC 4213 §3.5: the IPv4 header
//
// Version 4, IHL 5, TOS with DSCP 0 (§3.5 "0 unless otherwise
// specified"; DSCPCopy or DSCPFixed to specify) and the ECN field per
// RFC 6040 §4.1 (normal mode copies it; ECNCompatibility sends Not-ECT),
// Total Length, a new Identification per packet, DF per §3.2, TTL 64 or
// Config.TTL (§3.3), protocol 41, Local as source, the endpoint as
// destination, checksum; the IPv6 packet follows unchanged, its extension
// headers preserved. With Config.Forwarding its hop limit is decremented
// (§3.3: the tunnel is one IPv6 hop) and a hop limit that would reach 0 is
// refused with ErrTTL (Reply sends Time Exceeded).
//
// # RFC 4213 §3.2: tunnel MTU and fragmentation
//
// Static MTU (§3.2.1): Config.MTU, 1280 to 1480, default 1280; DF is never
// set (MUST NOT); an IPv6 packet over the MTU is refused with a
// *TooBigError and Reply sends ICMPv6 Packet Too Big with the MTU; an outer
// packet over the IPv4 link MTU (Config.LinkMTU) is sent in IPv4 fragments.
// Dynamic MTU (§3.2.2, Config.PathMTU): the tunnel MTU is the IPv4 path MTU
// (learned by Relay or SetPathMTU) less 20 with DF set, or 1280 with DF
// clear and IPv4 fragmentation when the path cannot take 1300 octets.
// Reassemble rebuilds a fragmented IPv4 packet before Decapsulate (§3.6:
// at least 1500 octets MUST be accepted; any size up to 65535 is).
//
// # RFC 4213 §3.4: ICMPv4 errors
//
// Relay translates an ICMPv4 error quoting a 6in4 packet this tunnel sent:
// Fragmentation Needed updates the path MTU and becomes Packet Too Big
// when the IPv6 packet no longer fits; unreachables and TTL exceeded become
// Destination Unreachable, address unreachable; a Parameter Problem inside
// the IPv6 header becomes an ICMPv6 Parameter Problem with the pointer
// moved; the rest is the IPv4 layer's business (ErrNotRelayed). The quote
// must hold the IPv6 header and 8 more octets (ErrTruncated otherwise).
//
// # RFC 4213 §3.6: decapsulation
//
// Decapsulate checks the IPv4 header (checksum, protocol 41, not a
// fragment: ErrFragment, destination Local) and the source: a configured
// tunnel's outer source MUST be Remote (ErrWrongPeer); the automatic modes
// tie it to the inner source (6to4: RFC 3964 §5.2; 6rd: the source's
// embedded IPv4 address or the Border Relay; ISATAP: RFC 5214 §7.3, the
// source's embedded IPv4 address or a router of the Potential Router
// List). The inner packet must be IPv6 (ErrVersion), well formed and fill
// the outer payload; its source MUST NOT be one of §3.6's invalid sources
// (multicast, loopback, IPv4-compatible other than ::, IPv4-mapped:
// ErrInvalidSource); Config.InnerSources and RejectInnerSources are the
// ingress filter §3.6 recommends. RFC 6040 sets the inner ECN field (CE on
// Not-ECT: ErrECNDrop). The hop limit is not changed.
//
// # Address helpers
//
// SixToFour and SixToFourIPv4 (2002:V4ADDR::/48, RFC 3056 §2, refusing
// V4ADDRs that are not global, RFC 3964 §5.3); SixRD.DelegatedPrefix and
// SixRD.IPv4 (the 6rd prefix followed by the IPv4 address without its
// IPv4MaskLen common bits, RFC 5969 §4); ISATAPInterfaceID, ISATAPAddr and
// ISATAPIPv4 (00-00-5E-FE or, for a global IPv4 address, 02-00-5E-FE with
// the u bit set, g clear, RFC 5214 §6.1); LinkLocal (fe80::V4ADDR,
// RFC 4213 §3.7).
//
// # gopacket
//
// LayerTypeSIT (1715) is serialize-only: Encap prepends the IPv4 header in
// gopacket.SerializeLayers. Decoding stays gopacket's own (protocol 41 is
// layers.LayerTypeIPv6) and importing the package changes nothing.
//
// # Conformance
//
// testdata/gen/ipip.py builds with scapy 6in4 packets carrying ICMPv6, TCP
// and UDP with the TOS, DF and hop-limit rules, fragmented outer packets,
// the ICMPv4-to-ICMPv6 cases and the refusals; every field of those and of
// Zeek's and nDPI's 6in4 captures equals tshark's decode, our encapsulation
// equals scapy's byte for byte (Identification aside), and our relays equal
// scapy's messages. Everything the encoder builds is fed to tshark live.
//
// # Not done
//
//   - §3.8 Neighbor Discovery over tunnels (NUD on a configured tunnel)
//     and ISATAP router discovery (RFC 5214 §8.3): endpoint behaviour, not
//     codec. The Potential Router List is a configured list.
//   - §3.6 "MAY perform ingress filtering ... strict RPF": the check of the
//     arriving IPv4 interface is the caller's; prefix filters are offered.
//   - §3.4 with routers that quote only 8 octets past the IPv4 header
//     (RFC 792 minimum): nothing can be translated, as the RFC itself says;
//     such messages only update nothing (ErrTruncated).
//   - The path MTU soft state has no aging (SetPathMTU(0) resets it).
//   - 6to4 anycast relay (192.88.99.1, deprecated by RFC 7526) is not a
//     default: a relay must be configured as Remote.
package sit
