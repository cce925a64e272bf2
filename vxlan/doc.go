// Package vxlan encodes and decodes VXLAN headers (RFC 7348) with the Group
// Based Policy extension (draft-smith-vxlan-group-policy, the Linux kernel's
// "gbp" option) and the Generic Protocol Extension (draft-ietf-nvo3-vxlan-gpe),
// as gopacket layers.
//
// # Header
//
// One struct, VXLAN, holds the 8-octet header with every bit kept, so that
// encoding a decoded header gives back the same bytes, reserved bits
// included:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|G|R|Ver|I|P|B|O|R|D|R|R|A|R|R|R|  Group Policy ID / Next Proto |  Flags, PolicyFlags, …
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            VXLAN Network Identifier (VNI)     |   Reserved    |  VNI, Reserved2
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The extensions share octets 1 to 3, and the flags decide how they are read,
// never the UDP port: with G set (GBP), octet 1 carries the D and A bits and
// octets 2-3 the Group Policy ID; with P set and G clear (GPE), octet 2 is
// reserved (Reserved1) and octet 3 is the Next Protocol; otherwise octets 2-3
// are kept in GroupPolicyID as received (reserved in RFC 7348). The Linux
// kernel never sets G and P together.
//
// # Receiving rules
//
// DecodeFromBytes accepts any 8 octets, as tshark and the kernel's packet
// taps do, so captures decode and round-trip exactly. Check applies what a
// receiving VTEP must: the I flag set for a valid VNI (RFC 7348 §5), GPE
// version 0 and a Next Protocol it knows (draft-ietf-nvo3-vxlan-gpe §3,
// "MUST drop"). Reserved bits are ignored on receipt (RFC 7348 §5) and
// preserved for round trip. On transmission, AppendBinary writes the fields
// as they are; SerializeTo with FixLengths sets I, and P when a Next Protocol
// is given without G.
//
// # gopacket
//
// Importing the package registers LayerTypeVXLAN with gopacket (number 1700)
// and changes nothing else. Register hooks it into gopacket's UDP port table:
// destination or source port 4789 (IANA VXLAN, replacing gopacket's own
// layers.LayerTypeVXLAN there) and 4790 (VXLAN-GPE). RegisterPort adds
// another port, such as Linux's historical default 8472. Decoding continues
// into the inner Ethernet frame, or for GPE into IPv4, IPv6, Ethernet or MPLS
// as Next Protocol says (NSH, which gopacket v1.1.19 lacks, ends as payload).
//
// A gopacket.DecodingLayerParser holds one decoder per layer type, so the
// inner Ethernet of a VXLAN packet would overwrite the outer one. Stop the
// first parser at the tunnel with Terminal and hand the payload to a second
// parser; ExampleTerminal shows the pattern and allocates nothing.
//
// # Conformance
//
// Tested against packets the Linux kernel's vxlan driver sent over IPv4 and
// IPv6 underlays, with GBP and with GPE (testdata/vxlan, made by
// testdata/gen/vxlan.sh), and the public captures in shared/vectors/vxlan
// (tcpdump, Zeek, suricata-verify, nDPI, gopacket): every field equals
// tshark's decode and every header encodes back to its bytes.
//
// gopacket's layers.VXLAN reads the GBP A bit from the wrong position (mask
// 0x80 of octet 1, a reserved bit, where the draft puts A at 0x08) and does not
// keep reserved bits; the differential tests in this package name exactly
// that difference.
//
// # Not done
//
//   - Multicast group management and VTEP learning (RFC 7348 §4) are endpoint
//     behaviour, not codec: this package gives the header and the source-port
//     hash only.
//   - The RFC 7348 §4.3 rule that a VTEP drops packets for VNIs it does not
//     serve belongs to the caller.
package vxlan
