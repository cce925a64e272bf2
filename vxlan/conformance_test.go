package vxlan

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// tsharkFields renders a decoded header as tshark 4.0 names its fields.
// tshark picks the layout from the UDP port (4790 reads GPE, any other VXLAN
// port the GBP layout), not from the flags, so the caller says which view.
func tsharkFields(f testutil.Fields, v *VXLAN, gpeView bool) {
	octet2, octet3 := byte(v.GroupPolicyID>>8), byte(v.GroupPolicyID)
	if v.IsGPE() {
		octet2, octet3 = v.Reserved1, byte(v.NextProtocol)
	}
	bit := func(x bool) string {
		if x {
			return "1"
		}
		return "0"
	}
	if gpeView {
		f.Add("vxlan.flags", fmt.Sprintf("0x%02x", uint8(v.Flags)))
		f.Add("vxlan.ver", strconv.Itoa(int(v.Flags.Version())))
		f.Add("vxlan.i_bit", bit(v.Flags.I()))
		f.Add("vxlan.p_bit", bit(v.Flags.P()))
		f.Add("vxlan.o_bit", bit(v.Flags.O()))
		f.Add("vxlan.flags_reserved", strconv.Itoa(int(v.Flags&0xc2)>>1)) // tshark 4.0 counts B as reserved
		f.Add("vxlan.reserved_16", strconv.Itoa(int(v.PolicyFlags)<<8|int(octet2)))
		f.Add("vxlan.next_proto", strconv.Itoa(int(octet3)))
	} else {
		flags16 := uint16(v.Flags)<<8 | uint16(v.PolicyFlags)
		f.Add("vxlan.flags", fmt.Sprintf("0x%04x", flags16))
		f.Add("vxlan.flag_g", bit(v.Flags.G()))
		f.Add("vxlan.flag_i", bit(v.Flags.I()))
		f.Add("vxlan.flag_d", bit(v.PolicyFlags.D()))
		f.Add("vxlan.flag_a", bit(v.PolicyFlags.A()))
		f.Add("vxlan.flags_reserved", fmt.Sprintf("0x%04x", flags16&0x77b7))
		f.Add("vxlan.gbp", strconv.Itoa(int(octet2)<<8|int(octet3)))
	}
	f.Add("vxlan.vni", strconv.Itoa(int(v.VNI)))
	f.Add("vxlan.reserved8", strconv.Itoa(int(v.Reserved2)))
}

// tsharkGPEView reports whether tshark reads the VXLAN header after this UDP
// header as GPE: it tries the lower port first, then the higher.
func tsharkGPEView(u *layers.UDP) bool {
	lo, hi := u.SrcPort, u.DstPort
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo == PortGPE {
		return true
	}
	return hi == PortGPE && lo != Port && lo != 8472
}

// packetFields is our decode of every VXLAN header in a packet, outer first.
func packetFields(p gopacket.Packet) testutil.Fields {
	f := testutil.Fields{}
	var udp *layers.UDP
	for _, l := range p.Layers() {
		switch l := l.(type) {
		case *layers.UDP:
			udp = l
		case *VXLAN:
			tsharkFields(f, l, udp != nil && tsharkGPEView(udp))
		}
	}
	return f
}

func TestKernelCaptures(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		minLayers int // VXLAN headers the capture must hold
	}{
		{"IPv4 underlay, ping and TCP", "kernel-ipv4.pcap", 20},
		{"IPv6 underlay, ping and TCP", "kernel-ipv6.pcap", 20},
		{"GBP with group policy ID, D and A bits from the packet mark", "kernel-gbp.pcap", 14},
		{"GPE carrying IPv4 and IPv6", "kernel-gpe.pcap", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := testutil.Check(t, testutil.Capture{
				Path:   testutil.Testdata(t, "vxlan", tt.file),
				Fields: packetFields,
				Layer:  LayerTypeVXLAN, CountField: "vxlan.vni",
			})
			require.GreaterOrEqual(t, res.OurLayers, tt.minLayers)
			require.GreaterOrEqual(t, res.FieldsSeen, 8*tt.minLayers)
		})
	}
}

// The kernel's gbp capture must really carry what the test says: the A bit
// that gopacket reads from the wrong position, set by the Linux kernel.
func TestKernelGBPCarriesDAndA(t *testing.T) {
	var seen = map[[3]int]bool{}
	for _, p := range testutil.ReadCapture(t, testutil.Testdata(t, "vxlan", "kernel-gbp.pcap")) {
		pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
		if v, ok := pkt.Layer(LayerTypeVXLAN).(*VXLAN); ok && v.Flags.G() {
			seen[[3]int{int(v.GroupPolicyID), b2i(v.PolicyFlags.D()), b2i(v.PolicyFlags.A())}] = true
		}
	}
	require.True(t, seen[[3]int{0x0123, 0, 0}], "mark 0x0123: ID only")
	require.True(t, seen[[3]int{0x0123, 1, 1}], "mark 0x480123: D and A")
	require.True(t, seen[[3]int{0x0abc, 1, 0}], "mark 0x400abc: D only")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPublicVectors(t *testing.T) {
	dir := testutil.Vectors(t, "vxlan")
	tests := []struct {
		name      string
		file      string
		minLayers int
	}{
		{"tcpdump: VXLAN ping and ARP", "tcpdump-vxlan.pcap", 10},
		{"tcpdump: port 8472 (Linux default before IANA)", "tcpdump-vxlan_port_8472.pcap", 10},
		{"tcpdump: GPE with NSH", "tcpdump-nsh-over-vxlan-gpe.pcap", 1},
		{"tcpdump: GSO IPv4 in VXLAN in IPv4", "tcpdump-gso-ipv4-vxlan-ipv4.pcap", 1},
		{"tcpdump: GSO IPv6 in VXLAN in IPv6", "tcpdump-gso-ipv6-vxlan-ipv6.pcap", 1},
		{"Zeek: VXLAN", "zeek-vxlan.pcap", 10},
		{"Zeek: HTTP inside VXLAN", "zeek-vxlan-encapsulated-http.pcap", 12},
		{"Zeek: IGMPv2 inside VXLAN", "zeek-vxlan-encapsulated-igmp-v2.pcap", 3},
		{"Zeek: inner TCP with a bad checksum", "zeek-vxlan-inner-tcp-bad-checksum.pcap", 1},
		{"Zeek: VXLAN nested three deep, P bit set on port 4789", "zeek-vxlan-triple-v2.pcap", 3},
		{"Zeek: VXLAN inside Geneve, DNS cut by the snap length", "zeek-geneve-vxlan-dns-truncated.pcap", 2},
		{"suricata-verify: ARP inside VXLAN", "suricata-verify-vxlan-arp.pcap", 2},
		{"suricata-verify: decoder test 01", "suricata-verify-vxlan-decoder-01.pcap", 1},
		{"suricata-verify: AWS traffic mirroring", "suricata-verify-vxlan-decoder-03-aws-mirror.pcap", 100},
		{"suricata-verify: non-zero reserved fields", "suricata-verify-vxlan-non-zero-reserved-fields.pcap", 10},
		{"nDPI: VXLAN", "ndpi-vxlan.pcap", 127},
		{"gopacket: testPacketVXLAN", "gopacket-testPacketVXLAN.pcap", 1},
		{"kaorimatz: Linux vxlan ping", "kaorimatz-vxlan__ping__veth2.pcap", 6},
		{"gopacket: Geneve 1 (no VXLAN: must stay untouched)", "gopacket-testPacketGeneve1.pcap", 0},
		{"gopacket: Geneve 2 (no VXLAN)", "gopacket-testPacketGeneve2.pcap", 0},
		{"gopacket: Geneve 3 (no VXLAN)", "gopacket-testPacketGeneve3.pcap", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := testutil.Check(t, testutil.Capture{
				Path:   filepath.Join(dir, tt.file),
				Golden: testutil.Testdata(t, "vectors", "vxlan", tt.file[:len(tt.file)-len(filepath.Ext(tt.file))]+".tshark.json"),
				Fields: packetFields,
				Layer:  LayerTypeVXLAN, CountField: "vxlan.vni",
			})
			require.Equal(t, tt.minLayers, res.OurLayers, "VXLAN headers decoded")
		})
	}
}
