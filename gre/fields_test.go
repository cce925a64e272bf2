package gre

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

func bit(x bool) string {
	if x {
		return "1"
	}
	return "0"
}

// tsharkFields renders one decoded header as tshark 4.0 names its fields.
// tshark reads the PPTP layout (A bit, split key, Acknowledgment Number) when
// the Protocol Type is PPP and the version is not 0; any other header shows
// the whole key and the 5-bit RFC 1701 flags.
func tsharkFields(f testutil.Fields, g *GRE, checksumStatus string) {
	fv := uint16(g.Flags) | uint16(g.Recursion)<<8 | uint16(g.Version)
	pptp := g.Protocol == ProtoPPP && g.Version != 0
	f.Add("gre.flags_and_version", fmt.Sprintf("0x%04x", fv))
	f.Add("gre.flags.checksum", bit(g.Flags.C()))
	f.Add("gre.flags.routing", bit(g.Flags.R()))
	f.Add("gre.flags.key", bit(g.Flags.K()))
	f.Add("gre.flags.sequence_number", bit(g.Flags.S()))
	f.Add("gre.flags.strict_source_route", bit(g.Flags.StrictSourceRoute()))
	f.Add("gre.flags.recursion_control", strconv.Itoa(int(g.Recursion)))
	if pptp {
		f.Add("gre.flags.ack", bit(g.Flags.A()))
		f.Add("gre.flags.reserved", strconv.Itoa(int(g.Flags.Reserved())))
	} else {
		f.Add("gre.flags.reserved", strconv.Itoa(int(g.Flags&(FlagA|FlagsReserved))>>3))
	}
	f.Add("gre.flags.version", strconv.Itoa(int(g.Version)))
	f.Add("gre.proto", fmt.Sprintf("0x%04x", uint16(g.Protocol)))
	if g.Flags&(FlagC|FlagR) != 0 {
		f.Add("gre.checksum", fmt.Sprintf("0x%04x", g.Checksum))
		f.Add("gre.checksum.status", checksumStatus)
		f.Add("gre.offset", strconv.Itoa(int(g.Offset)))
	}
	if g.Flags.K() {
		if pptp {
			f.Add("gre.key.payload_length", strconv.Itoa(int(g.PayloadLength())))
			f.Add("gre.key.call_id", strconv.Itoa(int(g.CallID())))
		} else {
			f.Add("gre.key", fmt.Sprintf("0x%08x", g.Key))
		}
	}
	if g.Flags.S() {
		f.Add("gre.sequence_number", strconv.FormatUint(uint64(g.Sequence), 10))
	}
	if g.Flags.A() && pptp {
		f.Add("gre.ack_number", strconv.FormatUint(uint64(g.Ack), 10))
	}
	if g.Flags.R() {
		for _, e := range g.Routing {
			f.Add("gre.routing", "")
			f.Add("gre.routing.address_family", strconv.Itoa(int(e.AddressFamily)))
			f.Add("gre.routing.sre_offset", strconv.Itoa(int(e.SREOffset)))
			f.Add("gre.routing.src_length", strconv.Itoa(int(e.SRELength)))
			f.Add("gre.routing.information", colonHex(e.RoutingInformation))
		}
		f.Add("gre.routing", "")
		f.Add("gre.routing.address_family", "0")
		f.Add("gre.routing.sre_offset", strconv.Itoa(int(g.NullSREOffset)))
		f.Add("gre.routing.src_length", "0")
	}
}

func colonHex(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(':')
		}
		fmt.Fprintf(&s, "%02x", x)
	}
	return s.String()
}

// checksumStatus is tshark's gre.checksum.status for a header: 2
// (unverified) without C or when the packet is incomplete (snap length, or
// an IP fragment that was not reassembled), else 1 or 0 from VerifyChecksum.
func checksumStatus(p gopacket.Packet, g *GRE) string {
	md := p.Metadata()
	if !g.Flags.C() || md.Truncated || (md.CaptureLength != 0 && md.CaptureLength < md.Length) {
		return "2"
	}
	if g.VerifyChecksum() != nil {
		return "0"
	}
	return "1"
}

// packetFields is our decode of every GRE header of a packet, outer first.
// gre.proto is always present, empty when we decoded no GRE header, so a
// frame where tshark finds GRE and we do not is a mismatch too.
func packetFields(p gopacket.Packet) testutil.Fields {
	f := testutil.Fields{"gre.proto": []string{}}
	for _, l := range p.Layers() {
		if g, ok := l.(*GRE); ok {
			tsharkFields(f, g, checksumStatus(p, g))
		}
	}
	return f
}
