package vxlan

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// TestMain checks that importing the package changed nothing in gopacket,
// then registers the ports every other test relies on.
func TestMain(m *testing.M) {
	if got := layers.UDPPort(4789).LayerType(); got != layers.LayerTypeVXLAN {
		panic("import alone changed gopacket's decoding of UDP 4789 to " + got.String())
	}
	if got := layers.UDPPort(4790).LayerType(); got != gopacket.LayerTypePayload {
		panic("import alone changed gopacket's decoding of UDP 4790 to " + got.String())
	}
	Register()
	Register()         // idempotent
	RegisterPort(8472) // tcpdump's vxlan_port_8472.pcap (tshark: -d udp.port==8472,vxlan)
	os.Exit(m.Run())
}

func TestRegisterHooksBothPorts(t *testing.T) {
	require.Equal(t, LayerTypeVXLAN, layers.UDPPort(Port).LayerType())
	require.Equal(t, LayerTypeVXLAN, layers.UDPPort(PortGPE).LayerType())
	require.Equal(t, 1700, int(LayerTypeVXLAN))
}

// headersFromCaptures collects every VXLAN header (with its payload) that the
// kernel and public captures hold.
func headersFromCaptures(t *testing.T) [][]byte {
	var files []string
	m, _ := filepath.Glob(testutil.Testdata(t, "vxlan", "*.pcap"))
	files = append(files, m...)
	if dir := os.Getenv(testutil.VectorsEnv); dir != "" || !testing.Short() {
		m, _ = filepath.Glob(filepath.Join(testutil.Vectors(t, "vxlan"), "*.pcap"))
		files = append(files, m...)
	}
	var out [][]byte
	for _, f := range files {
		for _, p := range testutil.ReadCapture(t, f) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			for _, l := range pkt.Layers() {
				if v, ok := l.(*VXLAN); ok {
					out = append(out, append(append([]byte{}, v.Contents...), v.Payload...))
				}
			}
		}
	}
	return out
}

// diffGopacket compares our decode of one header with gopacket's and returns
// what differs beyond gopacket's known fault.
//
// Known fault, stated here once: gopacket v1.1.19 reads the GBP A bit as
// octet 1 & 0x80 (a reserved bit); the GBP draft and the Linux kernel put A
// at octet 1 & 0x08. Everything else must agree.
func diffGopacket(t *testing.T, data []byte) {
	t.Helper()
	var ours VXLAN
	var theirs layers.VXLAN
	errOurs := ours.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
	errTheirs := theirs.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
	require.Equal(t, errOurs == nil, errTheirs == nil, "both accept or both refuse %x", data)
	if errOurs != nil {
		return
	}
	octets23 := binary.BigEndian.Uint16(data[2:4])
	require.Equal(t, theirs.ValidIDFlag, ours.Flags.I(), "I for %x", data[:8])
	require.Equal(t, theirs.VNI, ours.VNI, "VNI for %x", data[:8])
	require.Equal(t, theirs.GBPExtension, ours.Flags.G(), "G for %x", data[:8])
	require.Equal(t, theirs.GBPDontLearn, ours.PolicyFlags.D(), "D for %x", data[:8])
	require.Equal(t, theirs.GBPGroupPolicyID, octets23, "octets 2-3 for %x", data[:8])
	if !ours.IsGPE() {
		require.Equal(t, theirs.GBPGroupPolicyID, ours.GroupPolicyID)
	}
	// The exception: gopacket's A is the reserved bit 0x80 of octet 1.
	require.Equal(t, theirs.GBPApplied, data[1]&0x80 != 0, "gopacket's A bit mask changed?")
	require.Equal(t, ours.PolicyFlags.A(), data[1]&0x08 != 0)
	require.Equal(t, ours.Payload, theirs.Payload)
}

func TestDifferentialGopacket(t *testing.T) {
	t.Run("every header in the captures", func(t *testing.T) {
		hs := headersFromCaptures(t)
		require.NotEmpty(t, hs)
		disagreeA := 0
		for _, h := range hs {
			diffGopacket(t, h)
			if h[1]&0x88 == 0x08 || h[1]&0x88 == 0x80 {
				disagreeA++
			}
		}
		// The kernel's gbp capture has A set (mark 0x480123): there the two decoders must disagree.
		require.NotZero(t, disagreeA, "no header exercises the A-bit difference")
	})
	t.Run("random headers", func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for i := 0; i < 20000; i++ {
			b := make([]byte, r.IntN(16))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			diffGopacket(t, b)
		}
	})
	t.Run("gopacket loses reserved bits on encode, we keep them", func(t *testing.T) {
		h := []byte{0xff, 0x01, 0xd1, 0xf2, 0, 0, 0x0b, 0x01} // suricata-verify non-zero reserved fields
		var theirs layers.VXLAN
		require.NoError(t, theirs.DecodeFromBytes(h, nil))
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, theirs.SerializeTo(buf, gopacket.SerializeOptions{}))
		require.NotEqual(t, h, buf.Bytes())
		var ours VXLAN
		require.NoError(t, ours.DecodeFromBytes(h, nil))
		out, err := ours.AppendBinary(nil)
		require.NoError(t, err)
		require.Equal(t, h, out)
	})
}

// TestParserNestedStackAllocatesNothing decodes every frame of the kernel
// IPv4 capture through two reused DecodingLayerParsers, outer stack stopped at
// the tunnel by Terminal, inner stack from the VXLAN payload.
func TestParserNestedStackAllocatesNothing(t *testing.T) {
	var (
		eth     layers.Ethernet
		ip4     layers.IPv4
		ip6     layers.IPv6
		udp     layers.UDP
		vx      VXLAN
		inEth   layers.Ethernet
		inIP4   layers.IPv4
		inIP6   layers.IPv6
		inTCP   layers.TCP
		inICMP  layers.ICMPv4
		inICMP6 layers.ICMPv6
		inARP   layers.ARP
		payload gopacket.Payload
	)
	outer := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &udp, Terminal(&vx))
	inner := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &inEth, &inIP4, &inIP6, &inTCP, &inICMP, &inICMP6, &inARP, &payload)
	inner.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	innerDecoded := make([]gopacket.LayerType, 0, 8)

	// gopacket's own IPv6 decoder allocates for hop-by-hop options
	// (layers.decodeIPv6HeaderTLVOption), so frames carrying MLD reports are
	// left out: they would measure gopacket, not this package.
	var frames [][]byte
	skipped := 0
	for _, f := range []string{"kernel-ipv4.pcap", "kernel-ipv6.pcap", "kernel-gbp.pcap"} {
		for _, p := range testutil.ReadCapture(t, testutil.Testdata(t, "vxlan", f)) {
			if gopacket.NewPacket(p.Data, p.Link, gopacket.Default).Layer(layers.LayerTypeIPv6HopByHop) != nil {
				skipped++
				continue
			}
			frames = append(frames, p.Data)
		}
	}
	require.Greater(t, len(frames), 50)
	t.Logf("%d frames through both parsers, %d with IPv6 hop-by-hop options left out", len(frames), skipped)
	tunnels := 0
	decodeAll := func() {
		tunnels = 0
		for _, fr := range frames {
			if err := outer.DecodeLayers(fr, &decoded); err != nil {
				t.Fatalf("outer: %v", err)
			}
			if decoded[len(decoded)-1] != LayerTypeVXLAN {
				t.Fatalf("outer stack %v does not end at VXLAN", decoded)
			}
			if err := inner.DecodeLayers(vx.Payload, &innerDecoded); err != nil {
				t.Fatalf("inner: %v", err)
			}
			tunnels++
		}
	}
	decodeAll()
	require.Equal(t, len(frames), tunnels)
	require.Equal(t, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeVXLAN},
		firstStack(t, outer, frames[0]))
	require.Zero(t, testing.AllocsPerRun(50, decodeAll))
}

func firstStack(t *testing.T, p *gopacket.DecodingLayerParser, data []byte) []gopacket.LayerType {
	var d []gopacket.LayerType
	require.NoError(t, p.DecodeLayers(data, &d))
	return d
}
