package ipip

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// tunnelOf returns the receiving end of the tunnel an IP packet belongs to
// (Local its destination, Remote its source), or nil when the packet
// carries no IPv4 or IPv6 directly.
func tunnelOf(t testing.TB, b []byte) *Tunnel {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	var src, dst []byte
	switch b[0] >> 4 {
	case 4:
		if len(b) < iptun.IPv4HeaderLen || b[9] != iptun.ProtoIPv4 {
			return nil
		}
		src, dst = b[12:16], b[16:20]
	case 6:
		h, err := iptun.ParseIPv6(b, layer, "outer", 0)
		if err != nil {
			return nil
		}
		c, err := iptun.WalkIPv6(h, layer, "outer", 0)
		if err != nil || (c.Proto != iptun.ProtoIPv4 && c.Proto != iptun.ProtoIPv6) {
			return nil
		}
		src, dst = b[8:24], b[24:40]
	default:
		return nil
	}
	tun, err := New(Config{Local: addrOf(dst), Remote: addrOf(src)})
	require.NoError(t, err)
	return tun
}

// decapsulateAll opens every tunnel layer of b in turn and returns how many
// it opened, or the first error.
func decapsulateAll(t testing.TB, b []byte) (int, error) {
	t.Helper()
	n := 0
	b = clone(b)
	for {
		tun := tunnelOf(t, b)
		if tun == nil {
			return n, nil
		}
		p, err := tun.Decapsulate(b)
		if err != nil {
			return n, err
		}
		n++
		b = p.Inner
	}
}

// TestPublicVectors runs the public IP-in-IP captures (Zeek, nDPI,
// suricata-verify, kaorimatz/pcaps via gopacket) through the tshark field
// comparison and decapsulates every tunnel layer they hold. Zeek's two
// invalid-version traces must be refused with the named error; the GUE
// trace carries IPv4 behind a 4-octet GUE header in UDP 6080, opened with
// Egress.
func TestPublicVectors(t *testing.T) {
	dir := testutil.Vectors(t, "ipip")
	tests := []struct {
		name   string
		file   string
		layers int   // tunnel layers decapsulated over the whole capture
		err    error // the error decapsulation of the tunnel frames must give
	}{
		{"Zeek: IPv4 in IPv4", "zeek-4in4.pcap", 1, nil},
		{"Zeek: IPv4 in IPv6 (6to4 outer addresses)", "zeek-4in6.pcap", 1, nil},
		{"Zeek: IPv6 in IPv6", "zeek-6in6.pcap", 1, nil},
		{"Zeek: IPv6 in IPv6 in IPv6", "zeek-6in6in6.pcap", 2, nil},
		{"Zeek: 6in6 with the outer addresses changing", "zeek-6in6-tunnel-change.pcap", 2, nil},
		{"Zeek: inner IPv6 cut short, then IPv4 of version 12", "zeek-mpls-6in6-6in6-4in6-invalid-version-4.pcap", 0, ErrTruncated},
		{"Zeek: inner version 14 under next header 41", "zeek-mpls-6in6-6in6-invalid-version-6.pcap", 0, ErrVersion},
		{"nDPI: IPv4 in IPv4 behind two VLAN tags", "ndpi-4in4tunnel.pcap", 5, nil},
		{"nDPI: IPv4 in IPv6, TCP and TLS", "ndpi-4in6tunnel.pcap", 4, nil},
		{"nDPI: IPv6 in IPv6", "ndpi-6in6tunnel.pcap", 2, nil},
		{"suricata-verify: ICMP in IPv4 in IPv6", "suricata-verify-tunnel-pkt-flows.pcap", 2, nil},
		{"kaorimatz: Linux ipip ping", "kaorimatz-ipip__ping__veth2.pcap", 2, nil},
		{"kaorimatz: Linux GUE carrying IPv4 (no IP protocol 4 outer)", "kaorimatz-gue-ipip__ping__veth2.pcap", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			testutil.Check(t, testutil.Capture{
				Path:   path,
				Golden: testutil.Testdata(t, "vectors", "ipip", tt.file[:len(tt.file)-5]+".tshark.json"),
				Fields: iptuntest.FieldsOf(),
			})
			total, failed := 0, 0
			for i, b := range iptuntest.IPFrames(t, path) {
				if b == nil {
					continue
				}
				n, err := decapsulateAll(t, b)
				total += n
				if tt.err != nil {
					require.ErrorIs(t, err, tt.err, "frame %d", i+1)
					var de *DecodeError
					require.ErrorAs(t, err, &de)
					t.Logf("frame %d refused: %v", i+1, err)
					failed++
					continue
				}
				require.NoError(t, err, "frame %d", i+1)
			}
			require.Equal(t, tt.layers, total, "tunnel layers decapsulated")
			if tt.err != nil {
				require.Positive(t, failed)
			}
		})
	}
}

// TestGUEEgress opens the IPv4 packets Linux's fou module sent in GUE
// (kaorimatz gue-ipip): the shim is gopacket's UDP payload, 4 octets of GUE
// header (version 0, protocol 4), then the inner packet.
func TestGUEEgress(t *testing.T) {
	path := filepath.Join(testutil.Vectors(t, "ipip"), "kaorimatz-gue-ipip__ping__veth2.pcap")
	opened := 0
	for _, p := range testutil.ReadCapture(t, path) {
		pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
		udp, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		ip4, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if udp == nil || udp.DstPort != 6080 {
			continue
		}
		gue := udp.Payload
		require.GreaterOrEqual(t, len(gue), 4)
		require.Equal(t, byte(0), gue[0]>>6, "GUE version 0")
		require.Equal(t, byte(iptun.ProtoIPv4), gue[1], "GUE protocol")
		tun, err := New(Config{Local: addrOf(ip4.DstIP), Remote: addrOf(ip4.SrcIP)})
		require.NoError(t, err)
		res, err := tun.Egress(clone(gue[4:]), 4, ip4.TOS)
		require.NoError(t, err)
		require.Equal(t, gue[4:], res.Inner)
		require.Contains(t, []string{"172.16.1.1", "172.16.2.1"}, fmt.Sprint(res.InnerSrc))
		opened++
	}
	require.Equal(t, 2, opened)
}
