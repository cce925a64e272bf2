package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/vxlan"
)

type portList []uint16

func (p *portList) String() string { return fmt.Sprint(*p) }
func (p *portList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16)
		if err != nil {
			return fmt.Errorf("bad UDP port %q", f)
		}
		*p = append(*p, uint16(n))
	}
	return nil
}

func init() {
	var extra portList
	flagSetups = append(flagSetups, func(fs *flag.FlagSet) {
		fs.Var(&extra, "vxlan-port", "also decode these UDP ports as VXLAN (comma-separated, e.g. 8472)")
	})
	registrations = append(registrations, func() {
		vxlan.Register()
		for _, p := range extra {
			vxlan.RegisterPort(p)
		}
	})
	describers[vxlan.LayerTypeVXLAN] = describeVXLAN
}

func describeVXLAN(l gopacket.Layer) (string, []field) {
	v := l.(*vxlan.VXLAN)
	s := fmt.Sprintf("vni=%d flags=%s", v.VNI, v.Flags)
	fields := []field{
		{"flags", v.Flags.String()},
		{"policy flags", fmt.Sprintf("0x%02x (D=%t A=%t)", uint8(v.PolicyFlags), v.PolicyFlags.D(), v.PolicyFlags.A())},
	}
	switch {
	case v.IsGPE():
		s += " next=" + v.NextProtocol.String()
		fields = append(fields, field{"reserved1", strconv.Itoa(int(v.Reserved1))}, field{"next protocol", v.NextProtocol.String()})
	case v.Flags.G():
		s += fmt.Sprintf(" gbp=0x%04x", v.GroupPolicyID)
		if v.PolicyFlags.D() {
			s += " D"
		}
		if v.PolicyFlags.A() {
			s += " A"
		}
		fields = append(fields, field{"group policy ID", fmt.Sprintf("0x%04x", v.GroupPolicyID)})
	default:
		fields = append(fields, field{"reserved (octets 2-3)", fmt.Sprintf("0x%04x", v.GroupPolicyID)})
	}
	fields = append(fields, field{"VNI", strconv.Itoa(int(v.VNI))}, field{"reserved2", strconv.Itoa(int(v.Reserved2))})
	if err := v.Check(); err != nil {
		s += " !" + err.Error()
		fields = append(fields, field{"check", err.Error()})
	}
	return s, fields
}
