package main

import (
	"fmt"
	"strconv"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/gre"
	"github.com/tunnelcodec/tunnelcodec/internal/sre"
)

func init() {
	registrations = append(registrations, gre.Register)
	describers[gre.LayerTypeGRE] = describeGRE
}

// describeGRE shows a GRE header: flags, protocol, key (split into payload
// length and call ID for PPTP, VSID and FlowID for NVGRE), sequence and
// acknowledgment numbers, the routing list and the checksum's verdict.
func describeGRE(l gopacket.Layer) (string, []field) {
	g := l.(*gre.GRE)
	s := fmt.Sprintf("v%d %s flags=%s", g.Version, g.Protocol, g.Flags)
	fields := []field{
		{"flags", g.Flags.String()},
		{"recursion control", strconv.Itoa(int(g.Recursion))},
		{"version", fmt.Sprintf("%d (%s)", g.Version, g.Version)},
		{"protocol type", fmt.Sprintf("0x%04x (%s)", uint16(g.Protocol), g.Protocol)},
	}
	if g.Flags.StrictSourceRoute() {
		s += " strict"
	}
	if g.Flags.C() || g.Flags.R() {
		verdict := "not present"
		if g.Flags.C() {
			verdict = "good"
			if err := g.VerifyChecksum(); err != nil {
				verdict = err.Error()
				s += " !checksum"
			}
		}
		fields = append(fields, field{"checksum", fmt.Sprintf("0x%04x (%s)", g.Checksum, verdict)},
			field{"offset", strconv.Itoa(int(g.Offset))})
	}
	if g.Flags.K() {
		switch {
		case g.Version == gre.Version1:
			s += fmt.Sprintf(" call=%d len=%d", g.CallID(), g.PayloadLength())
			fields = append(fields, field{"payload length", strconv.Itoa(int(g.PayloadLength()))},
				field{"call ID", strconv.Itoa(int(g.CallID()))})
		case g.Protocol == gre.ProtoTEB:
			s += fmt.Sprintf(" vsid=%d flow=%d", g.VSID(), g.FlowID())
			fields = append(fields, field{"key", fmt.Sprintf("0x%08x (NVGRE VSID %d, FlowID %d)", g.Key, g.VSID(), g.FlowID())})
		default:
			s += fmt.Sprintf(" key=0x%x", g.Key)
			fields = append(fields, field{"key", fmt.Sprintf("0x%08x", g.Key)})
		}
	}
	if g.Flags.S() {
		s += fmt.Sprintf(" seq=%d", g.Sequence)
		fields = append(fields, field{"sequence number", strconv.FormatUint(uint64(g.Sequence), 10)})
	}
	if g.Flags.A() {
		s += fmt.Sprintf(" ack=%d", g.Ack)
		fields = append(fields, field{"acknowledgment number", strconv.FormatUint(uint64(g.Ack), 10)})
	}
	if g.IsAckOnly() {
		s += " ack-only"
	}
	if g.Flags.R() {
		active, ok := g.ActiveSRE()
		s += fmt.Sprintf(" sres=%d", len(g.Routing))
		for i, e := range g.Routing {
			v := fmt.Sprintf("family 0x%04x, SRE offset %d, length %d: % x", e.AddressFamily, e.SREOffset, e.SRELength, e.RoutingInformation)
			if r, err := e.IPv4(); err == nil {
				v = "IPv4 source route " + addrs(r) + " (* next)"
			} else if r, err := e.AS(); err == nil {
				v = "AS source route " + asns(r) + " (* next)"
			}
			if ok && i == active {
				v += " (active)"
			}
			fields = append(fields, field{"SRE " + strconv.Itoa(i), v})
		}
	}
	if g.Recursion != 0 {
		s += fmt.Sprintf(" recur=%d", g.Recursion)
	}
	return s, fields
}

func addrs(r sre.IPv4Route) string {
	out := ""
	next, ok := r.Active()
	for i, a := range r.All() {
		if i > 0 {
			out += " "
		}
		if ok && i == next {
			out += "*"
		}
		out += a.String()
	}
	return out
}

func asns(r sre.ASRoute) string {
	out := ""
	next, ok := r.Active()
	for i, n := range r.All() {
		if i > 0 {
			out += " "
		}
		if ok && i == next {
			out += "*"
		}
		out += "AS" + strconv.Itoa(int(n))
	}
	return out
}
