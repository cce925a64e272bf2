// Package ipip builds and opens IP-in-IP tunnel packets: IPv4 in IPv4
// (RFC 2003) and IPv4 or IPv6 in IPv6 (RFC 2473), with ECN propagation per
// RFC 6040, DSCP handling per RFC 2983, the path MTU rules of RFC 2003 §5.1
// and RFC 2473 §7, and the relay of ICMP errors from inside the tunnel to
// the original sender (RFC 2003 §4, RFC 2473 §8). IPv6 in IPv4 (protocol
// 41) is package sit.
//
// A Tunnel is one configured endpoint (Config: Local, Remote, TTL, DSCP,
// ECN mode, DF mode, MTU, encapsulation limit, forwarding). It is safe for
// concurrent use, and nothing on its data path allocates when the
// destination buffer has room:
//
//	t, _ := ipip.New(ipip.Config{Local: a, Remote: b})
//	out, err := t.Encapsulate(buf[:0], innerPacket)  // outer header built by the RFC rules
//	p, err := peer.Decapsulate(out)                    // checked, ECN applied, p.Inner
//	msg, err := t.Relay(buf[:0], icmpFromTheTunnel)     // ICMP error for the original sender
//	msg, err := t.Reply(buf[:0], innerPacket, err)      // ICMP error an Encapsulate failure calls for
//
// # RFC 2003 §3.1: the outer IPv4 header
//
// Version 4, IHL 5 (the inner options are never copied; no options are
// added), TOS: the inner DSCP copied (or Config.DSCPValue with DSCPFixed)
// and the ECN field per RFC 6040 §4.1 (normal mode copies it, CE included;
// compatibility mode sends Not-ECT), Total Length, a new Identification per
// packet (a per-tunnel counter with a random start), DF copied from the
// inner header (or always set with DFSet; an inner DF is never cleared, a
// MUST), MF and Fragment Offset when the outer packet is fragmented, TTL 64
// or Config.TTL, Protocol 4, Source the entry point (Local), Destination
// the exit point (Remote), header checksum. With Config.Forwarding the
// inner TTL is decremented (checksum fixed per RFC 1624) in the copy;
// a TTL that is or would become 0 is refused with ErrTTL (MUST NOT
// encapsulate), and Reply builds the Time Exceeded the RFC says SHOULD be
// returned.
//
// §3.2 routing failures: an inner packet whose source is Local or Remote is
// refused (ErrLoop, MUST NOT tunnel). New refuses Local == Remote
// (RFC 2473 §4.1.2 loopback encapsulation).
//
// # RFC 2003 §5.1 and RFC 2473 §7: tunnel MTU
//
// The tunnel keeps its path MTU as soft state (SetPathMTU, updated by Relay
// from Fragmentation Needed and Packet Too Big). When the outer packet would
// exceed it: an IPv4 inner packet with DF set is refused with a
// *TooBigError whose MTU is the link MTU less the outer header (§5.1
// SHOULD), which Reply turns into Fragmentation Needed (RFC 1191); without
// DF the outer packet is fragmented (DF clear on the fragments), the
// fragments appended back to back (Packets splits them). An IPv6 inner
// packet of at most 1280 octets is carried in IPv6 fragments; a larger one
// gets Packet Too Big with max(1280, link MTU less the tunnel headers)
// (RFC 2473 §7.1). Reassemble rebuilds a fragmented outer packet at the
// exit before Decapsulate.
//
// # RFC 2473: IPv6 tunnels and the Tunnel Encapsulation Limit
//
// The outer IPv6 header has Traffic Class built as the IPv4 TOS above,
// Config.FlowLabel, hop limit 64 or Config.TTL, Next Header 4 or 41, and by
// default a Destination Options header carrying the Tunnel Encapsulation
// Limit option (type 4) with limit 4 (Config.EncapLimit: a value,
// ZeroEncapLimit, or NoEncapLimit). An inner packet that is itself a tunnel
// packet with a limit keeps it honoured (§4.1.1): the new header carries
// that limit less one; a limit of 0 is refused with ErrEncapLimit and Reply
// sends the ICMPv6 Parameter Problem (code 0, pointing at the limit octet).
//
// # RFC 6040: ECN at the egress
//
// Decapsulate sets the inner ECN field from RFC 6040 Figure 4: all sixteen
// combinations, Packet.ECN reporting the cells an egress SHOULD log
// (ECNLog, "(!!!)") or note (ECNNote, "(!)"), and CE on a Not-ECT inner
// packet refused with ErrECNDrop (MUST drop). The inner DSCP is kept (pipe
// model) or replaced by the outer one (Config.DecapCopyDSCP, uniform
// model).
//
// # Decapsulation checks
//
// Decapsulate (in place) and DecapsulateTo (into another buffer) refuse, each
// with a *DecodeError naming field and offset and wrapping a sentinel: an
// outer header that is malformed, has a bad checksum or is a fragment
// (ErrFragment); a protocol other than 4 (IPv4 outer) or a next header
// other than 4 or 41 after checked extension headers (IPv6 outer); an
// outer source other than Remote or destination other than Local
// (ErrWrongPeer, RFC 2003 §6.2); an inner version that does not match the
// protocol (ErrVersion: Zeek's invalid-version traces); an inner header
// malformed, with a bad checksum, or not filling the outer payload; an
// inner source that is loopback, multicast, broadcast or 0/8, or IPv6
// multicast, loopback, IPv4-compatible or IPv4-mapped (ErrInvalidSource);
// an inner destination that is loopback or unspecified
// (ErrInvalidDestination); an inner TTL of 0 (ErrTTL, §3.1 MUST discard);
// an inner destination equal to the entry point Remote, which would loop
// (ErrLoop); and RFC 6040's drop case (ErrECNDrop). Egress applies the same
// inner checks to a packet that came behind a shim (GRE, GUE).
//
// # ICMP relay (RFC 2003 §4, RFC 2473 §8)
//
// Relay reads an ICMP error the entry point received from a router in the
// tunnel, checks that it quotes a packet this tunnel sent, and builds the
// ICMP error for the original sender; its doc has the whole mapping. It
// needs the quote to hold the original header and 64 bits of its data
// (RFC 2003 §4: routers that quote less leave nothing to relay; Linux's
// ipip gives up for the same reason).
//
// # gopacket
//
// LayerTypeIPIP (1710) is serialize-only: Encap, placed before the inner
// layers in gopacket.SerializeLayers, prepends the outer header built by the
// rules above. Decoding is gopacket's own: both headers stay
// layers.LayerTypeIPv4/IPv6 (protocols 4 and 41 and the Destination
// Options header are gopacket's), and importing this package changes
// nothing; there is no Register. For a DecodingLayerParser, stop the outer
// parser at the outer IP header with Terminal and hand the packet to
// Decapsulate and the inner packet to a second parser (ExampleTerminal).
//
// # Conformance
//
// testdata/gen/ipip.py builds with scapy (the Linux kernel here has no ipip
// module) IPv4 in IPv4 with DF, TOS, fixed DSCP, compatibility ECN, TTL and
// forwarding; inner options; 4in6 and 6in6 with the limit option, none, 0
// and a nested tunnel packet; fragmented outer packets; the ICMP relay and
// reply cases; and the refusals. Every field of every frame, and of the
// public captures of Zeek, nDPI, suricata-verify and kaorimatz, equals
// tshark's decode; our encapsulation of each inner packet equals scapy's
// outer packet byte for byte (the Identification aside); our relays and
// replies equal scapy's messages. Everything the encoder builds is also fed
// to tshark live: same fields, no warnings, checksums good.
//
// # Not done
//
//   - RFC 2003 §3.1 "new options specific to the tunnel path MAY be added":
//     the encoder adds none (Decapsulate accepts outer options).
//   - RFC 2003 §4.1 Network Unreachable: the MAY of Code 1 when the
//     destination is on the encapsulator's network is not taken (this
//     package cannot know); Code 0 is always sent, as the MUST requires
//     otherwise. Codes 6-15 are relayed as Host Unreachable, as Linux does.
//   - RFC 2003 §4.1 "MUST relay ICMP Datagram Too Big": relayed when the
//     original packet had DF set and no longer fits; an original without DF
//     is carried in fragments instead and its sender is not told (RFC 1191
//     gives it no use for the message), the path MTU soft state is updated
//     either way. This is Linux's behaviour.
//   - RFC 2003 §4.2 and §5.2 congestion soft state and §5 reachability soft
//     state: not kept (source quench is simply not relayed); the path MTU
//     soft state has no aging (SetPathMTU(0) resets it).
//   - RFC 2003 §6.2: admitting only authenticated or related sources beyond
//     the configured peer is the caller's policy.
//   - RFC 2473 §7.2: IPv4 original packets without DF are carried in IPv6
//     fragments of the tunnel packet; fragmenting the IPv4 packet before
//     encapsulation is not offered.
//   - RFC 2473 §5.1 other tunnel extension headers (routing headers through
//     the tunnel, AH/ESP in the tunnel header) are not built; Decapsulate
//     walks them.
//   - Jumbograms (RFC 2675) are refused as unsupported.
package ipip
