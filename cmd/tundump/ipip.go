package main

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/ipip"
	"github.com/tunnelcodec/tunnelcodec/sit"
)

// IP-in-IP tunnels are gopacket's own layers (an IPv4 or IPv6 header
// carrying protocol 4 or 41), so their describer sits on those layer types
// and speaks only for headers that carry a tunnel, handing other IP headers
// to any describer registered before it.
func init() {
	for _, lt := range []gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		prev := describers[lt]
		describers[lt] = func(l gopacket.Layer) (string, []field) {
			if s, f, ok := describeIPTunnel(l); ok {
				return s, f
			}
			if prev != nil {
				return prev(l)
			}
			return "", nil
		}
	}
}

// describeIPTunnel describes an outer IP header of an IPIP, 6in4, 4in6 or
// 6in6 packet: the kind, outer and inner endpoints, the Tunnel
// Encapsulation Limit, and what this library's decapsulation checks say
// when the outer destination is taken as the tunnel exit.
func describeIPTunnel(l gopacket.Layer) (string, []field, bool) {
	pkt := append(append([]byte(nil), l.LayerContents()...), l.LayerPayload()...)
	var kind string
	var src, dst netip.Addr
	var body []byte
	limit := -1
	var tos, ttl uint8
	df := ""
	switch h := l.(type) {
	case *layers.IPv4:
		if h.Protocol != layers.IPProtocolIPv4 && h.Protocol != layers.IPProtocolIPv6 {
			return "", nil, false
		}
		kind = "IPIP (RFC 2003)"
		if h.Protocol == layers.IPProtocolIPv6 {
			kind = "6in4 (RFC 4213)"
		}
		src, _ = netip.AddrFromSlice(h.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(h.DstIP.To4())
		body, tos, ttl, df = h.Payload, h.TOS, h.TTL, strconv.FormatBool(h.Flags&layers.IPv4DontFragment != 0)
	case *layers.IPv6:
		v6, err := iptun.ParseIPv6(pkt, "tundump", "outer", 0)
		if err != nil {
			return "", nil, false
		}
		c, err := iptun.WalkIPv6(v6, "tundump", "outer", 0)
		if err != nil || (c.Proto != iptun.ProtoIPv4 && c.Proto != iptun.ProtoIPv6) {
			return "", nil, false
		}
		kind = "4in6 (RFC 2473)"
		if c.Proto == iptun.ProtoIPv6 {
			kind = "6in6 (RFC 2473)"
		}
		if c.HasTEL() {
			limit = int(c.TEL)
		}
		src, dst = v6.Src(), v6.Dst()
		body, tos, ttl = v6[c.Offset:], v6.TrafficClass(), v6.HopLimit()
	default:
		return "", nil, false
	}
	inner := "?"
	if q, err := iptun.ParseQuoted(body, "tundump", "inner", 0); err == nil {
		inner = q.Src.String() + " → " + q.Dst.String()
	}
	s := fmt.Sprintf("%s %s → %s, inner %s", kind[:4], src, dst, inner)
	fields := []field{
		{"tunnel", kind},
		{"outer", src.String() + " → " + dst.String()},
		{"inner", inner},
		{"outer TOS", fmt.Sprintf("0x%02x (DSCP %d, %v)", tos, iptun.DSCPOf(tos), iptun.ECNOf(tos))},
		{"outer TTL", strconv.Itoa(int(ttl))},
	}
	if df != "" {
		fields = append(fields, field{"outer DF", df})
	}
	if limit >= 0 {
		s += fmt.Sprintf(" encap-limit=%d", limit)
		fields = append(fields, field{"tunnel encapsulation limit", strconv.Itoa(limit)})
	}
	if err := checkDecapsulation(kind == "6in4 (RFC 4213)", src, dst, pkt); err != nil {
		s += " !" + err.Error()
		fields = append(fields, field{"check", err.Error()})
	} else {
		fields = append(fields, field{"check", "ok"})
	}
	return s, fields, true
}

// checkDecapsulation runs this library's decapsulation on a copy, the
// outer destination taken as the tunnel exit and the source as its peer.
func checkDecapsulation(sixIn4 bool, src, dst netip.Addr, pkt []byte) error {
	if sixIn4 {
		t, err := sit.New(sit.Config{Local: dst, Remote: src})
		if err != nil {
			return err
		}
		_, err = t.Decapsulate(pkt)
		return err
	}
	t, err := ipip.New(ipip.Config{Local: dst, Remote: src})
	if err != nil {
		return err
	}
	_, err = t.Decapsulate(pkt)
	return err
}
