package gre

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// TestMain checks that importing the package changed nothing in gopacket,
// then registers the hook every other test relies on.
func TestMain(m *testing.M) {
	if got := layers.IPProtocolGRE.LayerType(); got != layers.LayerTypeGRE {
		panic("import alone changed gopacket's decoding of IP protocol 47 to " + got.String())
	}
	if got := layers.UDPPort(UDPPort).LayerType(); got != gopacket.LayerTypePayload {
		panic("import alone changed gopacket's decoding of UDP 4754 to " + got.String())
	}
	Register()
	Register() // idempotent
	if got := layers.UDPPort(UDPPort).LayerType(); got != gopacket.LayerTypePayload {
		panic("Register hooked UDP 4754, which it must leave alone")
	}
	RegisterUDPPort(UDPPort) // Zeek's GRE-in-UDP capture
	os.Exit(m.Run())
}

func TestRegisterHooksIPProtocol47(t *testing.T) {
	require.Equal(t, LayerTypeGRE, layers.IPProtocolGRE.LayerType())
	require.Equal(t, 1705, int(LayerTypeGRE))
	require.Equal(t, "GRE", LayerTypeGRE.String())
}

// gopacketDecode runs gopacket's decoder, turning its panics (it has no
// bounds checks) into a flag.
func gopacketDecode(data []byte) (g *layers.GRE, err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
		}
	}()
	g = &layers.GRE{}
	err = g.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
	return g, err, false
}

// Where gopacket's layers.GRE (v1.1.19) is known wrong, stated once here
// and in the package doc; everything else must agree:
//
//  1. No bounds checks: on input shorter than its flags announce gopacket
//     panics, or reads past len(data) into the slice's spare capacity.
//  2. Version and A bit: gopacket reads any version and reads an
//     Acknowledgment Number whenever A is set, version 0 included (we refuse
//     both: ErrVersion, ErrAckOnVersion0).
//  3. Routing: no check of the Offset (we refuse ErrOffsetOutside); with A
//     and R together it reads Routing before the Acknowledgment Number,
//     where RFC 2637 and tshark put Ack right after the Sequence Number.
//  4. Reuse: a value decoded again keeps the routing list of the previous
//     packet when the new one has none.
//  5. Serialization: the NULL SRE is written where the Acknowledgment Number
//     then overwrites it (routing + ack), the NULL SRE's offset octet and a
//     checksum field sent with R but not C are written as zero.
type gopacketException int

const (
	agree gopacketException = iota
	noBoundsCheck
	versionOrAck
	routingOffsetOrOrder
)

// diffGopacket decodes data with both and returns which known exception, if
// any, explains a disagreement; any other disagreement fails the test.
func diffGopacket(t testing.TB, data []byte) gopacketException {
	t.Helper()
	var ours GRE
	errOurs := ours.DecodeFromBytes(data, gopacket.NilDecodeFeedback)
	theirs, errTheirs, panicked := gopacketDecode(data)
	if errTheirs != nil {
		t.Fatalf("gopacket returned an error (it never does): %v", errTheirs)
	}
	if len(data) >= 2 && data[0]&0x40 != 0 && data[1]&0x87 == 0x81 && !errors.Is(errOurs, ErrVersion) {
		return routingOffsetOrOrder // version 1 with R and A: the two read different layouts
	}
	switch {
	case errors.Is(errOurs, ErrVersion), errors.Is(errOurs, ErrAckOnVersion0):
		return versionOrAck
	case errors.Is(errOurs, ErrTruncated):
		if !panicked && cap(data) == len(data) {
			t.Fatalf("we refuse %x as truncated (%v) but gopacket read it within bounds", data, errOurs)
		}
		return noBoundsCheck
	case errors.Is(errOurs, ErrOffsetOutside):
		return routingOffsetOrOrder
	case errOurs != nil:
		t.Fatalf("unexpected error for %x: %v", data, errOurs)
	case panicked:
		t.Fatalf("gopacket panicked on %x, which we decode", data)
	}
	f := ours.Flags
	want := layers.GRE{
		ChecksumPresent: f.C(), RoutingPresent: f.R(), KeyPresent: f.K(), SeqPresent: f.S(),
		StrictSourceRoute: f.StrictSourceRoute(), AckPresent: f.A(),
		RecursionControl: ours.Recursion, Flags: uint8(f&0xf8) >> 3, Version: uint8(ours.Version),
		Protocol: layers.EthernetType(ours.Protocol), Checksum: ours.Checksum, Offset: ours.Offset,
		Key: ours.Key, Seq: ours.Sequence, Ack: ours.Ack,
	}
	got := *theirs
	got.BaseLayer, got.GRERouting = layers.BaseLayer{}, nil
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%x: ours and gopacket differ: %s", data, d)
	}
	r := theirs.GRERouting
	for i, e := range ours.Routing {
		if r == nil || r.AddressFamily != e.AddressFamily || r.SREOffset != e.SREOffset || r.SRELength != e.SRELength ||
			!bytes.Equal(r.RoutingInformation, e.RoutingInformation) {
			t.Fatalf("%x: SRE %d differs: ours %+v, gopacket %+v", data, i, e, r)
		}
		r = r.Next
	}
	if r != nil {
		t.Fatalf("%x: gopacket has more SREs", data)
	}
	if !bytes.Equal(ours.Payload, theirs.Payload) || !bytes.Equal(ours.Contents, theirs.Contents) {
		t.Fatalf("%x: contents or payload differ", data)
	}
	return agree
}

// greFromCaptures collects every GRE header (with its payload) in the scapy
// and public captures.
func greFromCaptures(t *testing.T) [][]byte {
	files := testutil.Glob(t, testutil.Testdata(t, "gre", "*.pcap"))
	if testutil.InCI() || !testing.Short() {
		dir := testutil.Vectors(t, "gre")
		files = append(files, testutil.Glob(t, filepath.Join(dir, "*.pcap"))...)
		files = append(files, testutil.Glob(t, filepath.Join(dir, "*.pcapng"))...)
	}
	return testutil.LayerSeeds(t, LayerTypeGRE, files...)
}

func TestDifferentialGopacket(t *testing.T) {
	t.Run("every header in the captures", func(t *testing.T) {
		hs := greFromCaptures(t)
		require.Greater(t, len(hs), 2500)
		for _, h := range hs {
			require.Equal(t, agree, diffGopacket(t, h[:len(h):len(h)]))
		}
	})
	t.Run("random headers", func(t *testing.T) {
		r := rand.New(rand.NewPCG(47, 1701))
		seen := map[gopacketException]int{}
		for range 20000 {
			b := make([]byte, 4+r.IntN(40))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			// Bias towards readable headers: mostly version 0 or 1, few reserved bits.
			b[1] &= 0x81
			if r.IntN(4) == 0 {
				b[0] &= 0xbf // no routing: random bytes rarely hold a NULL SRE
			}
			seen[diffGopacket(t, b)]++
		}
		t.Logf("agree %d, no bounds check %d, version/ack %d, routing offset/order %d",
			seen[agree], seen[noBoundsCheck], seen[versionOrAck], seen[routingOffsetOrOrder])
		for _, e := range []gopacketException{agree, noBoundsCheck, versionOrAck} {
			require.NotZero(t, seen[e], "exception %d never exercised", e)
		}
	})
	t.Run("gopacket panics on a cut key, even with the bytes in spare capacity", func(t *testing.T) {
		buf := []byte{0x20, 0x00, 0x08, 0x00, 0xaa, 0xbb, 0xcc, 0xdd}
		short := buf[:6] // K set, key cut; the rest of the key is in cap
		var ours GRE
		require.ErrorIs(t, ours.DecodeFromBytes(short, nil), ErrTruncated)
		_, _, panicked := gopacketDecode(short)
		require.True(t, panicked, "it reads the key from beyond len, then slices the payload past it")
	})
	t.Run("random routing lists and offsets", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1702, 2637))
		seen := map[gopacketException]int{}
		for range 5000 {
			b := []byte{0x40 | byte(r.IntN(2))<<7, 0x00, 0x08, 0x00, 0, 0, 0, 0}
			var starts []int
			for range r.IntN(4) {
				starts = append(starts, len(b)-8)
				n := r.IntN(9)
				b = append(b, 0x08, 0x00, byte(r.IntN(n+1)), byte(n))
				for range n {
					b = append(b, byte(r.Uint32()))
				}
			}
			starts = append(starts, len(b)-8)
			b = append(b, 0, 0, byte(r.IntN(2)), 0, 0x45)
			off := starts[r.IntN(len(starts))]
			if r.IntN(3) == 0 {
				off = r.IntN(len(b))
			}
			b[6], b[7] = byte(off>>8), byte(off)
			seen[diffGopacket(t, b[:len(b):len(b)])]++
		}
		t.Logf("agree %d, offset outside %d", seen[agree], seen[routingOffsetOrOrder])
		require.Greater(t, seen[agree], 2000)
		require.Greater(t, seen[routingOffsetOrOrder], 200)
	})
	t.Run("A bit on version 0: gopacket eats 4 payload bytes as an Ack", func(t *testing.T) {
		data := []byte{0x00, 0x80, 0x08, 0x00, 0x45, 0x00, 0x00, 0x54, 0xaa}
		theirs, _, _ := gopacketDecode(data)
		require.Equal(t, uint32(0x45000054), theirs.Ack)
		require.Equal(t, []byte{0xaa}, theirs.Payload)
		var ours GRE
		require.ErrorIs(t, ours.DecodeFromBytes(data, nil), ErrAckOnVersion0)
	})
	t.Run("stale routing on reuse", func(t *testing.T) {
		routed := []byte{0x40, 0, 8, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0}
		plain := []byte{0x00, 0x00, 0x08, 0x00}
		var theirs layers.GRE
		require.NoError(t, theirs.DecodeFromBytes(routed, nil))
		require.NoError(t, theirs.DecodeFromBytes(plain, nil))
		require.NotNil(t, theirs.GRERouting, "gopacket keeps the previous packet's SRE")
		var ours GRE
		require.NoError(t, ours.DecodeFromBytes(routed, nil))
		require.NoError(t, ours.DecodeFromBytes(plain, nil))
		require.Empty(t, ours.Routing)
	})
	t.Run("routing with ack: gopacket reads Routing first", func(t *testing.T) {
		data := []byte{0x60, 0x81, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0x40, 0x01, 0, 0, 5, 0, 0, 0, 0, 0}
		var ours GRE
		require.NoError(t, ours.DecodeFromBytes(data, nil))
		require.Equal(t, uint32(0x500), ours.Ack, "RFC 2637 and tshark: Ack right after Key (and Sequence)")
		require.Empty(t, ours.Routing)
		theirs, _, panicked := gopacketDecode(data)
		require.False(t, panicked)
		require.Equal(t, uint32(0), theirs.Ack, "gopacket took the Ack's octets as a NULL SRE and the NULL SRE's as the Ack")
		require.Equal(t, routingOffsetOrOrder, diffGopacket(t, data))
	})
}

// TestSerializeDifferential: for every captured header both encoders give
// the captured bytes, except where gopacket's serializer is known wrong.
func TestSerializeDifferential(t *testing.T) {
	exercised := 0
	for _, h := range greFromCaptures(t) {
		var ours GRE
		require.NoError(t, ours.DecodeFromBytes(h, nil))
		out, err := ours.AppendBinary(nil)
		require.NoError(t, err)
		require.Equal(t, ours.Contents, out)
		var theirs layers.GRE
		require.NoError(t, theirs.DecodeFromBytes(h, nil))
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, theirs.SerializeTo(buf, gopacket.SerializeOptions{}))
		if ours.NullSREOffset == 0 && !(ours.Flags.R() && !ours.Flags.C() && ours.Checksum != 0) && !(ours.Flags.R() && ours.Flags.A()) {
			require.Equal(t, []byte(ours.Contents), buf.Bytes(), "gopacket and we encode %x alike", h)
			exercised++
		}
	}
	require.Greater(t, exercised, 2500)
	t.Run("routing + ack: gopacket overwrites the NULL SRE with the Ack", func(t *testing.T) {
		g := layers.GRE{RoutingPresent: true, AckPresent: true, KeyPresent: true, Version: 1, Protocol: layers.EthernetTypePPP,
			Ack: 0x01020304, GRERouting: &layers.GRERouting{AddressFamily: 0x0800, SRELength: 4, RoutingInformation: []byte{192, 0, 2, 1}}}
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, g.SerializeTo(buf, gopacket.SerializeOptions{}))
		b := buf.Bytes()
		require.Equal(t, []byte{1, 2, 3, 4}, b[20:24], "the Ack sits where the NULL SRE belongs")
		ours := GRE{Flags: FlagR | FlagA | FlagK, Version: Version1, Protocol: ProtoPPP, Ack: 0x01020304,
			Routing: []SRE{{AddressFamily: 0x0800, SRELength: 4, RoutingInformation: []byte{192, 0, 2, 1}}}}
		out, err := ours.AppendBinary(nil)
		require.NoError(t, err)
		require.Equal(t, []byte{0x60, 0x81, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4,
			0x08, 0x00, 0, 4, 192, 0, 2, 1, 0, 0, 0, 0}, out)
	})
}

// tunnelParser decodes a tunnel stack with reused DecodingLayerParsers and
// no allocation: the outer parser stops at the GRE header (Terminal), and
// its payload goes to the parser for the Protocol Type's layer, which stops
// at a nested GRE header in turn. Each parser owns its layer values, so the
// inner IPv4 never overwrites the outer one.
type tunnelParser struct {
	eth                  layers.Ethernet
	ip4                  layers.IPv4
	ip6                  layers.IPv6
	outerGRE             GRE
	inEth                layers.Ethernet
	inIP4                layers.IPv4
	inIP6                layers.IPv6
	inTCP                layers.TCP
	inUDP                layers.UDP
	inICMP4              layers.ICMPv4
	inICMP6              layers.ICMPv6
	inARP                layers.ARP
	inGRE                GRE
	payload              gopacket.Payload
	outer                *gopacket.DecodingLayerParser
	inner                map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded, innerLayers []gopacket.LayerType
}

func newTunnelParser() *tunnelParser {
	p := &tunnelParser{decoded: make([]gopacket.LayerType, 0, 8), innerLayers: make([]gopacket.LayerType, 0, 8)}
	p.outer = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &p.eth, &p.ip4, &p.ip6, Terminal(&p.outerGRE))
	p.inner = map[gopacket.LayerType]*gopacket.DecodingLayerParser{}
	for _, first := range []gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeEthernet} {
		dlp := gopacket.NewDecodingLayerParser(first, &p.inEth, &p.inIP4, &p.inIP6, &p.inTCP, &p.inUDP, &p.inICMP4,
			&p.inICMP6, &p.inARP, Terminal(&p.inGRE), &p.payload)
		dlp.IgnoreUnsupported = true
		p.inner[first] = dlp
	}
	return p
}

// decode returns the number of GRE headers passed through.
func (p *tunnelParser) decode(frame []byte) (int, error) {
	if err := p.outer.DecodeLayers(frame, &p.decoded); err != nil {
		return 0, err
	}
	if p.decoded[len(p.decoded)-1] != LayerTypeGRE {
		return 0, nil
	}
	g, n := &p.outerGRE, 1
	for ; n < 8; n++ {
		dlp, ok := p.inner[g.NextLayerType()]
		if !ok {
			return n, nil // PPP, MPLS, ERSPAN, opaque payloads: no gopacket DecodingLayer
		}
		if err := dlp.DecodeLayers(g.Payload, &p.innerLayers); err != nil {
			return n, err
		}
		if p.innerLayers[len(p.innerLayers)-1] != LayerTypeGRE {
			return n, nil
		}
		g = &p.inGRE
	}
	return n, nil
}

func TestParserNestedStackAllocatesNothing(t *testing.T) {
	var frames [][]byte
	files := []string{"plain.pcap", "checksum.pcap", "key.pcap", "sequence.pcap", "checksum-key-sequence.pcap",
		"routing.pcap", "strict-route.pcap", "recursion.pcap", "reserved-bits.pcap", "nvgre.pcap", "ipv6.pcap", "mpls.pcap", "arp.pcap"}
	for _, f := range files {
		for _, p := range testutil.ReadCapture(t, testutil.Testdata(t, "gre", f)) {
			frames = append(frames, p.Data)
		}
	}
	scapyFrames := len(frames)
	if testutil.InCI() || !testing.Short() {
		for _, p := range testutil.ReadCapture(t, testutil.Vectors(t, "gre", "zeek-gre-within-gre.pcap")) {
			frames = append(frames, p.Data)
		}
	}
	p := newTunnelParser()
	tunnels := 0
	decodeAll := func() {
		tunnels = 0
		for _, fr := range frames {
			n, err := p.decode(fr)
			if err != nil {
				t.Fatalf("%v (stack %v / %v)", err, p.decoded, p.innerLayers)
			}
			tunnels += n
		}
	}
	decodeAll()
	want := scapyFrames + 2*(len(frames)-scapyFrames) // one GRE header per scapy frame, two in each Zeek frame
	require.Equal(t, want, tunnels)
	t.Logf("%d frames, %d GRE headers through reused parsers", len(frames), tunnels)

	// The routing frames leave a two-SRE list's capacity in the reused
	// value; decoding them again must not grow anything.
	require.Zero(t, testing.AllocsPerRun(20, decodeAll))

	_, err := p.decode(testutil.ReadCapture(t, testutil.Testdata(t, "gre", "routing.pcap"))[4].Data)
	require.NoError(t, err)
	require.Len(t, p.outerGRE.Routing, 2, "routing list decoded into the reused value")
	require.Equal(t, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, LayerTypeGRE}, p.decoded)
	require.Equal(t, []gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeICMPv4, gopacket.LayerTypePayload}, p.innerLayers)
	require.Equal(t, "198.51.100.1", p.inIP4.SrcIP.String(), "inner IPv4 in its own value")
	require.Equal(t, "192.0.2.1", p.ip4.SrcIP.String(), "outer IPv4 untouched")
}
