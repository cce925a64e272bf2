package ipsec

import (
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
// then registers the decoders every other test relies on.
func TestMain(m *testing.M) {
	if got := layers.IPProtocolESP.LayerType(); got != layers.LayerTypeIPSecESP {
		panic("import alone changed gopacket's IP protocol 50 to " + got.String())
	}
	if got := layers.IPProtocolAH.LayerType(); got != layers.LayerTypeIPSecAH {
		panic("import alone changed gopacket's IP protocol 51 to " + got.String())
	}
	if got := layers.UDPPort(NATTPort).LayerType(); got != gopacket.LayerTypePayload {
		panic("import alone changed gopacket's UDP 4500 to " + got.String())
	}
	if ikeLayerType() != gopacket.LayerTypePayload {
		panic("layer 1730 (IKEv2) registered in a test binary without ikev2")
	}
	Register()
	Register() // idempotent
	os.Exit(m.Run())
}

func TestRegisterHooks(t *testing.T) {
	require.Equal(t, LayerTypeESP, layers.IPProtocolESP.LayerType())
	require.Equal(t, LayerTypeAH, layers.IPProtocolAH.LayerType())
	require.Equal(t, LayerTypeUDPEncap, layers.UDPPort(4500).LayerType())
	require.Equal(t, []int{1720, 1721, 1722, 1723},
		[]int{int(LayerTypeESP), int(LayerTypeAH), int(LayerTypeUDPEncap), int(LayerTypeNATKeepalive)})
	require.Equal(t, gopacket.LayerTypePayload, layers.UDPPort(500).LayerType(), "UDP 500 is ikev2's to hook")
}

// espLayersFromCaptures returns every ESP (contents and payload) and AH
// (from the AH header on) the public captures hold.
func layersFromCaptures(t *testing.T, lt gopacket.LayerType) [][]byte {
	dir := testutil.Vectors(t, "ipsec")
	files := append(testutil.Glob(t, filepath.Join(dir, "*.pcap")), testutil.Glob(t, filepath.Join(dir, "*.pcapng"))...)
	return testutil.LayerSeeds(t, lt, files...)
}

// gopacketDecode runs gopacket's own decoder for lt on data, recovering a
// panic as gopacket.NewPacket does.
func gopacketDecode(data []byte, lt gopacket.LayerType) (l gopacket.Layer, failed bool) {
	p := gopacket.NewPacket(data, lt, gopacket.NoCopy)
	if ls := p.Layers(); len(ls) > 0 && ls[0].LayerType() == lt {
		return ls[0], false // what follows the header may fail: not this layer's concern
	}
	return nil, true
}

// TestDifferentialGopacket compares our ESP and AH with gopacket's
// layers.IPSecESP and layers.IPSecAH on every header in the captures and on
// random input. They agree everywhere except where gopacket v1.1.19 has no
// bounds check:
//   - ESP shorter than 8 octets: gopacket panics (recovered by NewPacket
//     into a DecodeFailure); we return ErrTruncated.
//   - AH with Payload Len 0 (8 octets, less than the fixed 12): gopacket
//     slices data[12:8] and panics; we return ErrMalformed.
//
// No other input may make them disagree.
func TestDifferentialGopacket(t *testing.T) {
	espPanics, ahPanics := 0, 0
	check := func(data []byte) {
		var e ESP
		errOurs := e.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
		theirs, failed := gopacketDecode(data, layers.LayerTypeIPSecESP)
		if len(data) < 8 {
			require.ErrorIs(t, errOurs, ErrTruncated)
			require.True(t, failed, "gopacket's ESP decoder has no bounds check")
			espPanics++
		} else {
			require.NoError(t, errOurs)
			require.False(t, failed)
			g := theirs.(*layers.IPSecESP)
			require.Equal(t, g.SPI, e.SPI)
			require.Equal(t, g.Seq, e.SequenceNumber)
			require.Equal(t, g.Encrypted, e.Payload)
		}
		var a AH
		errOurs = a.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
		theirs, failed = gopacketDecode(data, layers.LayerTypeIPSecAH)
		switch {
		case len(data) >= 12 && data[1] == 0:
			require.ErrorIs(t, errOurs, ErrMalformed)
			require.True(t, failed, "gopacket's AH decoder slices past its fixed fields")
			ahPanics++
		case errOurs != nil:
			require.True(t, failed, "ours %v, gopacket accepted %x", errOurs, data)
		default:
			require.False(t, failed, "%x", data)
			g := theirs.(*layers.IPSecAH)
			require.Equal(t, g.NextHeader, a.NextHeader)
			require.Equal(t, g.SPI, a.SPI)
			require.Equal(t, g.Seq, a.SequenceNumber)
			require.Equal(t, g.Reserved, a.Reserved)
			require.Equal(t, g.AuthenticationData, a.ICV)
			require.Equal(t, g.Contents, a.Contents)
		}
	}
	esps := layersFromCaptures(t, LayerTypeESP)
	ahs := layersFromCaptures(t, LayerTypeAH)
	require.Greater(t, len(esps), 400)
	require.GreaterOrEqual(t, len(ahs), 8)
	for _, d := range append(esps, ahs...) {
		check(d)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if len(b) > 1 && r.IntN(4) == 0 {
			b[1] = byte(r.IntN(8))
		}
		check(b)
	}
	require.NotZero(t, espPanics, "random input reached gopacket's ESP fault")
	require.NotZero(t, ahPanics, "random input reached gopacket's AH fault")
}

// TestParserNestedStackAllocatesNothing decodes every ESP-in-UDP, ESP and
// AH frame of the captures through reused DecodingLayerParsers: the outer
// stack stops at AH (Terminal) in tunnel mode, and a second parser decodes
// the inner packet.
func TestParserNestedStackAllocatesNothing(t *testing.T) {
	var (
		eth     layers.Ethernet
		ip4     layers.IPv4
		ip6     layers.IPv6
		udp     layers.UDP
		encap   UDPEncap
		esp     ESP
		ah      AH
		keep    NATKeepalive
		inIP4   layers.IPv4
		inICMP  layers.ICMPv4
		payload gopacket.Payload
	)
	outer := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &udp, &encap, &esp, &keep, Terminal(&ah), &payload)
	outer.IgnoreUnsupported = true
	innerIP := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &inIP4, &inICMP, &payload)
	innerICMP := gopacket.NewDecodingLayerParser(layers.LayerTypeICMPv4, &inICMP, &payload)
	decoded := make([]gopacket.LayerType, 0, 12)
	innerDecoded := make([]gopacket.LayerType, 0, 12)
	var frames [][]byte
	for _, f := range []string{"tcpdump-espudp1.pcap", "tcpdump-isakmp4500.pcap", "kaorimatz-ah-transport__ping__veth2.pcap",
		"kaorimatz-ah-tunnel-policy__ping__veth2.pcap", "kaorimatz-esp-transport__ping__veth2.pcap", "ndpi-ipsec_isakmp_esp.pcap"} {
		for _, p := range testutil.ReadCapture(t, testutil.Vectors(t, "ipsec", f)) {
			frames = append(frames, p.Data)
		}
	}
	counts := map[gopacket.LayerType]int{}
	decodeAll := func() {
		for _, fr := range frames {
			_ = outer.DecodeLayers(fr, &decoded)
			last := decoded[len(decoded)-1]
			counts[last]++
			if last != LayerTypeAH {
				continue
			}
			p := innerICMP
			if ah.NextHeader == layers.IPProtocolIPv4 {
				p = innerIP
			}
			if err := p.DecodeLayers(ah.Payload, &innerDecoded); err != nil {
				t.Fatalf("inner: %v", err)
			}
		}
	}
	decodeAll()
	require.NotZero(t, counts[LayerTypeESP])
	require.NotZero(t, counts[LayerTypeAH])
	require.NotZero(t, counts[LayerTypeNATKeepalive])
	require.Zero(t, testing.AllocsPerRun(20, decodeAll))
}
