// Package iptuntest renders IP tunnel packets as tshark field trees, for the
// conformance tests of the ipip and sit packages: the values come from the
// iptun header views, in the nesting tshark 4.0 uses, so that
// testutil.CompareFields can hold them against tshark's decode.
package iptuntest

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// Decoder renders packets one after another, reassembling fragments the way
// tshark does: a fragment shows its own header, and the fragment that
// completes a datagram also shows what the reassembled datagram carries.
type Decoder struct {
	frags map[string][][]byte
	// Reassembled counts datagrams this decoder rebuilt.
	Reassembled int
}

// Fields returns the tshark fields of the IP packet b and what it carries.
func (d *Decoder) Fields(b []byte) testutil.Fields {
	top := map[string]any{}
	d.ip(top, b, false)
	return testutil.TreeFields(top)
}

func add(m map[string]any, key string, obj map[string]any) {
	switch v := m[key].(type) {
	case nil:
		m[key] = obj
	case map[string]any:
		m[key] = []any{v, obj}
	case []any:
		m[key] = append(v, obj)
	}
}

func bit(x bool) string {
	if x {
		return "1"
	}
	return "0"
}

// Addr formats an address as tshark does: IPv6 in RFC 5952 form, except
// that an address whose first 96 bits are zero (an IPv4-compatible address)
// ends in dotted IPv4, as inet_ntop writes it.
func Addr(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		b := a.As16()
		zero := true
		for _, x := range b[:12] {
			zero = zero && x == 0
		}
		if zero && (b[12] != 0 || b[13] != 0) {
			return "::" + netip.AddrFrom4([4]byte(b[12:])).String()
		}
	}
	return a.String()
}

// ip renders the IP packet b into parent (the top level, or an ICMP message
// that quotes it).
func (d *Decoder) ip(parent map[string]any, b []byte, quoted bool) {
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.ipv4(parent, b, quoted)
	case 6:
		d.ipv6(parent, b, quoted)
	}
}

func (d *Decoder) ipv4(parent map[string]any, b []byte, quoted bool) {
	if len(b) < 1 {
		return
	}
	if v := b[0] >> 4; v != 4 {
		// tshark names a bogus version and stops.
		add(parent, "ip", map[string]any{"ip.version": strconv.Itoa(int(v))})
		return
	}
	h := iptun.IPv4(b)
	hl := int(b[0]&0x0f) * 4
	// tshark adds fields until the bytes run out: a quoted header cut
	// short shows its first fields only.
	o := map[string]any{"ip.version": "4", "ip.hdr_len": strconv.Itoa(hl)}
	add(parent, "ip", o)
	fields := []struct {
		end  int
		name string
		v    func() string
	}{
		{2, "ip.dsfield.dscp", func() string { return strconv.Itoa(int(iptun.DSCPOf(h.TOS()))) }},
		{2, "ip.dsfield.ecn", func() string { return strconv.Itoa(int(iptun.ECNOf(h.TOS()))) }},
		{4, "ip.len", func() string { return strconv.Itoa(h.TotalLength()) }},
		{6, "ip.id", func() string { return fmt.Sprintf("0x%04x", h.ID()) }},
		{8, "ip.flags.rb", func() string { return bit(h.FlagsFragment()&iptun.IPv4FlagRB != 0) }},
		{8, "ip.flags.df", func() string { return bit(h.DF()) }},
		{8, "ip.flags.mf", func() string { return bit(h.MF()) }},
		{8, "ip.frag_offset", func() string { return strconv.Itoa(h.FragmentOffset()) }},
		{9, "ip.ttl", func() string { return strconv.Itoa(int(h.TTL())) }},
		{10, "ip.proto", func() string { return strconv.Itoa(int(h.Protocol())) }},
		{12, "ip.checksum", func() string { return fmt.Sprintf("0x%04x", h.Checksum()) }},
		{16, "ip.src", func() string { return h.Src().String() }},
		{20, "ip.dst", func() string { return h.Dst().String() }},
	}
	for _, f := range fields {
		if f.end > len(b) {
			return
		}
		o[f.name] = f.v()
	}
	if hl < iptun.IPv4HeaderLen || hl > len(b) {
		return
	}
	end := min(len(b), max(h.TotalLength(), hl))
	payload := b[hl:end]
	if h.IsFragment() {
		if quoted {
			return
		}
		full := d.fragment(b[:end], fmt.Sprintf("4 %x %x %d", b[12:20], b[4:6], b[9]))
		if full == nil {
			return
		}
		payload = iptun.IPv4(full).Payload()
	}
	d.upper(parent, h.Protocol(), payload, quoted)
}

func (d *Decoder) ipv6(parent map[string]any, b []byte, quoted bool) {
	if len(b) == 0 {
		return
	}
	v := strconv.Itoa(int(b[0] >> 4))
	o := map[string]any{"ipv6.version": v, "ip.version": v}
	add(parent, "ipv6", o)
	if b[0]>>4 != 6 {
		return // tshark names a bogus version and stops
	}
	h := iptun.IPv6(b)
	fields := []struct {
		end  int
		name string
		v    func() string
	}{
		{2, "ipv6.tclass.dscp", func() string { return strconv.Itoa(int(iptun.DSCPOf(h.TrafficClass()))) }},
		{2, "ipv6.tclass.ecn", func() string { return strconv.Itoa(int(iptun.ECNOf(h.TrafficClass()))) }},
		{4, "ipv6.flow", func() string { return fmt.Sprintf("0x%06x", h.FlowLabel()) }},
		{6, "ipv6.plen", func() string { return strconv.Itoa(h.PayloadLength()) }},
		{7, "ipv6.nxt", func() string { return strconv.Itoa(int(h.NextHeader())) }},
		{8, "ipv6.hlim", func() string { return strconv.Itoa(int(h.HopLimit())) }},
		{24, "ipv6.src", func() string { return Addr(h.Src()) }},
		{40, "ipv6.dst", func() string { return Addr(h.Dst()) }},
	}
	for _, f := range fields {
		if f.end > len(b) {
			return
		}
		o[f.name] = f.v()
	}
	end := min(len(b), iptun.IPv6HeaderLen+h.PayloadLength())
	next, rest := d.ext(o, h.NextHeader(), b[iptun.IPv6HeaderLen:end])
	if next == iptun.ProtoFragment {
		f := rest
		if len(f) < iptun.FragmentHeaderLen {
			return
		}
		fo := binary.BigEndian.Uint16(f[2:])
		o["ipv6.fraghdr"] = map[string]any{
			"ipv6.fraghdr.nxt":    strconv.Itoa(int(f[0])),
			"ipv6.fraghdr.offset": strconv.Itoa(int(fo >> 3)),
			"ipv6.fraghdr.more":   bit(fo&1 != 0),
			"ipv6.fraghdr.ident":  fmt.Sprintf("0x%08x", binary.BigEndian.Uint32(f[4:])),
		}
		if quoted {
			return
		}
		full := d.fragment(b[:end], fmt.Sprintf("6 %x %x", b[8:40], f[4:8]))
		if full == nil {
			return
		}
		// The reassembled datagram's Fragment header is gone: walk what
		// followed it.
		at := len(b[:end]) - len(rest)
		next, rest = d.ext(o, f[0], full[at:])
	}
	d.upper(parent, next, rest, quoted)
}

// ext renders Hop-by-Hop and Destination Options headers into the IPv6
// object and returns the next header and what follows; it stops at a
// Fragment header (returning it) or any other protocol.
func (d *Decoder) ext(o map[string]any, next uint8, b []byte) (uint8, []byte) {
	for next == iptun.ProtoDstOpts || next == iptun.ProtoHopByHop {
		if len(b) < 2 || len(b) < (int(b[1])+1)*8 {
			return next, b
		}
		n := (int(b[1]) + 1) * 8
		name := "ipv6.dstopts"
		if next == iptun.ProtoHopByHop {
			name = "ipv6.hopopts"
		}
		x := map[string]any{
			name + ".nxt": strconv.Itoa(int(b[0])),
			name + ".len": strconv.Itoa(int(b[1])),
		}
		var opts []any
		for i := 2; i < n; {
			t := b[i]
			if t == 0 {
				opts = append(opts, map[string]any{"ipv6.opt.type": "0x00"})
				i++
				continue
			}
			if i+2 > n || i+2+int(b[i+1]) > n {
				break
			}
			l := int(b[i+1])
			opt := map[string]any{"ipv6.opt.type": fmt.Sprintf("0x%02x", t), "ipv6.opt.length": strconv.Itoa(l)}
			if t == iptun.OptTEL && l == 1 {
				opt["ipv6.opt.tel"] = strconv.Itoa(int(b[i+2]))
			}
			opts = append(opts, opt)
			i += 2 + l
		}
		x["ipv6.opt"] = opts
		o[name] = x
		next, b = b[0], b[n:]
	}
	return next, b
}

// upper renders what an IP header carries: another IP header at the same
// level, or an ICMP error with the packet it quotes nested inside.
func (d *Decoder) upper(parent map[string]any, proto uint8, b []byte, quoted bool) {
	switch proto {
	case iptun.ProtoIPv4:
		d.ipv4(parent, b, quoted)
	case iptun.ProtoIPv6:
		d.ipv6(parent, b, quoted)
	case iptun.ProtoICMP:
		if len(b) < 8 {
			return
		}
		m := map[string]any{
			"icmp.type":     strconv.Itoa(int(b[0])),
			"icmp.code":     strconv.Itoa(int(b[1])),
			"icmp.checksum": fmt.Sprintf("0x%04x", binary.BigEndian.Uint16(b[2:])),
		}
		add(parent, "icmp", m)
		switch b[0] {
		case iptun.ICMPv4DestUnreach, iptun.ICMPv4TimeExceeded, iptun.ICMPv4ParamProblem, iptun.ICMPv4SourceQuench, iptun.ICMPv4Redirect:
			if b[0] == iptun.ICMPv4DestUnreach && b[1] == iptun.ICMPv4FragNeeded {
				m["icmp.mtu"] = strconv.Itoa(int(binary.BigEndian.Uint16(b[6:])))
			}
			q := b[8:]
			if b[0] == iptun.ICMPv4Redirect && len(q) > 0 {
				// tshark reads a Redirect's quote as the header and
				// 64 bits only (RFC 792).
				q = q[:min(len(q), int(q[0]&0x0f)*4+8)]
			}
			d.ip(m, q, true)
		}
	case iptun.ProtoICMPv6:
		if len(b) < 8 {
			return
		}
		m := map[string]any{
			"icmpv6.type":     strconv.Itoa(int(b[0])),
			"icmpv6.code":     strconv.Itoa(int(b[1])),
			"icmpv6.checksum": fmt.Sprintf("0x%04x", binary.BigEndian.Uint16(b[2:])),
		}
		add(parent, "icmpv6", m)
		if b[0] < 128 {
			switch b[0] {
			case iptun.ICMPv6PacketTooBig:
				m["icmpv6.mtu"] = strconv.Itoa(int(binary.BigEndian.Uint32(b[4:])))
			case iptun.ICMPv6ParamProblem:
				m["icmpv6.pointer"] = strconv.Itoa(int(binary.BigEndian.Uint32(b[4:])))
			}
			d.ip(m, b[8:], true)
		}
	}
}

// fragment stores one fragment under key and, once the datagram is whole,
// returns it reassembled by iptun.Reassemble.
func (d *Decoder) fragment(b []byte, key string) []byte {
	if d.frags == nil {
		d.frags = map[string][][]byte{}
	}
	d.frags[key] = append(d.frags[key], append([]byte(nil), b...))
	full, err := iptun.Reassemble(nil, "test", d.frags[key]...)
	if err != nil {
		return nil
	}
	delete(d.frags, key)
	d.Reassembled++
	return full
}

// Case is one frame's entry in a NAME.cases.json file written by
// testdata/gen/ipip.py.
type Case struct {
	Frame       int            `json:"frame"`
	Role        string         `json:"role"`
	Config      map[string]any `json:"config"`
	Inner       string         `json:"inner"`
	ExpectInner string         `json:"expect_inner"`
	Group       int            `json:"group"`
	Error       string         `json:"error"`
	Expect      int            `json:"expect"`
}

// Str, Int and Bool read a config value, with a default when absent.
func (c *Case) Str(k, def string) string {
	if v, ok := c.Config[k].(string); ok {
		return v
	}
	return def
}

// Int reads a numeric config value.
func (c *Case) Int(k string, def int) int {
	if v, ok := c.Config[k].(float64); ok {
		return int(v)
	}
	return def
}

// Bool reads a boolean config value.
func (c *Case) Bool(k string) bool {
	v, _ := c.Config[k].(bool)
	return v
}

// Addr reads an address config value (the zero Addr when absent).
func (c *Case) Addr(k string) netip.Addr {
	if v, ok := c.Config[k].(string); ok {
		return netip.MustParseAddr(v)
	}
	return netip.Addr{}
}

// SameIDs copies the IPv4 Identification (and fixes the checksum) or the
// IPv6 fragment identification of want into got, for every packet of a
// back-to-back run: the one field scapy and a tunnel choose freely.
func SameIDs(got, want []byte) {
	for len(got) > 0 && len(want) > 0 {
		n := packetLen(got)
		if n <= 0 || n > len(got) || len(want) < n {
			return
		}
		switch got[0] >> 4 {
		case 4:
			iptun.IPv4(got).SetID(iptun.IPv4(want).ID())
		case 6:
			if got[6] == iptun.ProtoFragment && n >= 48 {
				copy(got[44:48], want[44:48])
			}
		}
		got, want = got[n:], want[n:]
	}
}

func packetLen(b []byte) int {
	for p := range iptun.Packets(b) {
		return len(p)
	}
	return 0
}

// IPBytes returns the packet's bytes from its first IPv4 or IPv6 header on,
// as gopacket found it (after Ethernet, VLAN tags, MPLS labels).
func IPBytes(p gopacket.Packet) []byte {
	data := p.Data()
	for _, l := range p.Layers() {
		if lt := l.LayerType(); lt == layers.LayerTypeIPv4 || lt == layers.LayerTypeIPv6 {
			return data[cap(data)-cap(l.LayerContents()):]
		}
	}
	return nil
}
