// Package gre encodes and decodes GRE headers as gopacket layers: RFC 1701
// in full (checksum, offset, key, sequence number, strict source route,
// recursion control and the routing list of Source Route Entries), RFC 2784
// and RFC 2890 as its common case, the enhanced GRE header of PPTP (RFC 2637
// §4.1) and NVGRE (RFC 7637).
//
// # Header
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |  Flags, Recursion, Version, Protocol
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Checksum (optional)      |       Offset (optional)       |  C or R
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Key (optional; version 1: Payload Length | Call ID)         |  K
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Sequence Number (optional)                    |  S
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Acknowledgment Number (optional, version 1)            |  A
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Routing (optional): SREs, NULL SRE ...           R
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// One struct, GRE, holds every field; each optional field is on the wire
// exactly when its flag is set, and every bit is kept (reserved flags, a
// checksum field sent with R but not C, the NULL SRE's offset octet), so
// encoding a decoded header gives back its bytes. DecodeFromBytes allocates
// nothing: Contents, Payload and the SREs' routing information alias the
// packet, and the Routing slice keeps its capacity across calls.
// AppendBinary, MarshalBinary and AppendPacket append; SerializeTo prepends
// into a gopacket.SerializeBuffer and honours FixLengths (K, S, R, A and SRE
// lengths from the fields; on version 1 K, S from the payload's presence and
// the payload length) and ComputeChecksums.
//
// # RFC coverage
//
//   - RFC 1701 §2.1-2.2: every field, including Routing as a list of SREs
//     (address family, SRE Offset, SRE Length, routing information) ended by
//     the NULL SRE, read and built by internal/sre with a zero-allocation
//     iterator (RoutingBytes with sre.All) and a reused slice (Routing).
//     ActiveSRE gives the SRE the Offset field points at; an IPv4 (0x0800)
//     or AS (0xfffe) SRE has typed accessors (SRE.IPv4, SRE.AS, RFC 1702)
//     with the SRE Offset's active entry. A list without NULL SRE
//     (ErrNoTerminator), an SRE past the end (ErrSREPastEnd) and an Offset
//     not at an SRE or the NULL SRE (ErrOffsetOutside) are refused.
//   - RFC 1701 §2.1 Recursion Control: NextRecursion and
//     GRE.EncapsulateRecursion give the value for one more encapsulation and
//     refuse (ErrRecursion) past the allowed depth.
//   - RFC 1701 §2.2 Protocol Type table, with IPv6, MPLS, PPP and ERSPAN
//     (0x88be, 0x22eb): Protocol, with String.
//   - RFC 2784 §2 (C, Reserved0, Ver, Reserved1, Protocol Type) and RFC 2890
//     §2 (Key, Sequence Number): the common case, on a fast path.
//   - RFC 2784 §2.5 checksum: computed by SerializeTo (ComputeChecksums) and
//     AppendPacket over header and payload with internal/checksum, verified
//     on request by VerifyChecksum (ErrChecksum).
//   - RFC 2637 §4.1 enhanced GRE: version 1, the key split into
//     PayloadLength and CallID, S and A, the Acknowledgment Number after the
//     Sequence Number, ack-only packets (IsAckOnly); CheckPPTP applies its
//     rules. The A bit on version 0 is refused (ErrAckOnVersion0).
//   - RFC 7637 §3.2 NVGRE: VSID and FlowID over the key, SetNVGRE, and
//     CheckNVGRE (K set, C and S clear, Protocol Type 0x6558).
//   - RFC 8086 GRE-in-UDP: RegisterUDPPort(UDPPort) decodes UDP 4754 as GRE.
//
// # Decisions
//
//   - The list ends at the first SRE with family 0 and length 0, as tshark,
//     tcpdump and gopacket read it; an SRE of another family with length 0
//     is an empty entry (RFC 1701 also says "SRE Length 0 is the last SRE").
//   - Versions other than 0 and 1 have no defined layout and are refused
//     (ErrVersion, RFC 2784 §2.3.1). The A bit on version 0 is refused rather
//     than ignored (as RFC 2784 §2.2 would have bits 6-12), because senders
//     that set it (gopacket's serializer does) also append an
//     Acknowledgment Number, so the header's length is ambiguous.
//   - On version 1 the Acknowledgment Number follows the Sequence Number and
//     precedes any Routing, as RFC 2637's diagram and tshark have it.
//   - 0x88be with S is ERSPAN type II (gopacket's layers.ERSPANII); without S
//     it is type I, a bare Ethernet frame. ERSPAN type III (0x22eb) and
//     anything gopacket cannot decode stays Payload.
//
// # gopacket
//
// Importing the package registers LayerTypeGRE (number 1705) and changes
// nothing else. Register replaces gopacket's IP protocol 47 entry
// (layers.IPProtocolMetadata), over IPv4 and IPv6, with LayerTypeGRE; the
// next layer follows the Protocol Type: IPv4, IPv6, ARP, Ethernet (0x6558,
// ERSPAN type I), PPP (0x880b), MPLS, ERSPAN II. The PPP and ERSPAN II
// decoders of gopacket v1.1.19 index their input unchecked, so a short
// payload becomes a DecodeError instead of a recovered panic.
//
// A gopacket.DecodingLayerParser holds one decoder per layer type, so the
// inner IPv4 of a GRE packet would overwrite the outer one. Stop the first
// parser at the tunnel with Terminal and hand the payload to a second
// parser chosen by NextLayerType; ExampleTerminal shows the pattern, which
// allocates nothing, routing lists included. gopacket's PPP and MPLS are not
// DecodingLayers, so PPTP and MPLS payloads need gopacket.NewPacket.
//
// # Conformance
//
// Tested against scapy's encoding of every variant (testdata/gre, made by
// testdata/gen/gre.py) and the public captures in shared/vectors/gre
// (tcpdump, Zeek, suricata-verify, nDPI, gopacket, kaorimatz): every field
// equals tshark's decode and every header encodes back to its bytes; a
// labelled malformed set fails with the named error; everything the
// encoders build is read back by tshark with the same fields, no expert
// warning and good checksums.
//
// gopacket's layers.GRE is known wrong in these places, which the
// differential tests and fuzz target name exactly: it has no bounds checks
// (short input panics), reads any version and an Acknowledgment Number
// whenever A is set (version 0 included), does not check Offset, reads
// Routing before the Acknowledgment Number, keeps the previous packet's
// routing list when a reused value decodes one without, and serializes the
// Acknowledgment Number over the NULL SRE (routing with ack), and the NULL
// SRE's offset octet and a checksum sent with R but not C as zero.
//
// # Not done
//
//   - RFC 1701 §3 forwarding (processing SREs, advancing Offset and SRE
//     Offset, dropping a strict source route whose next hop is not
//     adjacent, RFC 1702's "MUST use the SRE Offset") is router behaviour:
//     the package exposes the active SRE and entry, the caller forwards.
//   - RFC 1702 "the payload packet's TTL MUST be decremented" on
//     decapsulation belongs to the caller (the ipip package does it for IP
//     in IP).
//   - RFC 2784 §2.5 "the Reserved1 field ... MUST be transmitted as zero"
//     and RFC 1701's "Flags MUST be transmitted as 0": the encoder writes
//     the reserved bits it is given, so that decoded headers round-trip;
//     leave them zero to comply.
//   - RFC 2890 §2.2 sequence number handling at the receiver (the window,
//     dropping out-of-order packets) is endpoint state, not codec.
//   - RFC 2637 §4.2-4.4 PPTP flow control, acknowledgment timing and the
//     control connection (TCP 1723) are not implemented.
//   - RFC 7637 §3.2's rule that the inner frame carry no 802.1Q tag, and its
//     reserved VSID ranges, are left to the caller.
package gre
