package ipip

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iptun"
	"github.com/tunnelcodec/tunnelcodec/internal/iptun/iptuntest"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// TestMain checks that importing the package changed nothing in how gopacket
// decodes: IP protocols 4 and 41 and the Destination Options header keep
// gopacket's own layers, and LayerTypeIPIP has no decoder.
func TestMain(m *testing.M) {
	for proto, want := range map[layers.IPProtocol]gopacket.LayerType{
		layers.IPProtocolIPv4:            layers.LayerTypeIPv4,
		layers.IPProtocolIPv6:            layers.LayerTypeIPv6,
		layers.IPProtocolIPv6Destination: layers.LayerTypeIPv6Destination,
	} {
		if got := proto.LayerType(); got != want {
			panic("import changed gopacket's decoding of IP protocol " + proto.String() + " to " + got.String())
		}
	}
	if LayerTypeIPIP.Decode(nil, nil) == nil {
		panic("LayerTypeIPIP decodes something")
	}
	os.Exit(m.Run())
}

func TestLayerTypeNumber(t *testing.T) {
	require.Equal(t, 1710, int(LayerTypeIPIP))
	require.Equal(t, "IPIP", LayerTypeIPIP.String())
}

// TestSerializeLayers: gopacket.SerializeLayers with Encap before the inner
// layers builds the same packet Encapsulate builds from the serialized inner
// packet, and gopacket decodes it back as two IP layers.
func TestSerializeLayers(t *testing.T) {
	innerLayers := func(ttl uint8) []gopacket.SerializableLayer {
		ip := &layers.IPv4{Version: 4, TOS: 0xb9, TTL: ttl, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolUDP,
			SrcIP: net.IP(hostA4.AsSlice()), DstIP: net.IP(hostB4.AsSlice())}
		udp := &layers.UDP{SrcPort: 1000, DstPort: 9}
		_ = udp.SetNetworkLayerForChecksum(ip)
		return []gopacket.SerializableLayer{ip, udp, gopacket.Payload("gopacket")}
	}
	innerLayers6 := func() []gopacket.SerializableLayer {
		ip := &layers.IPv6{Version: 6, TrafficClass: 0x2a, HopLimit: 9, NextHeader: layers.IPProtocolUDP,
			SrcIP: net.IP(hostA6.AsSlice()), DstIP: net.IP(hostB6.AsSlice())}
		udp := &layers.UDP{SrcPort: 1000, DstPort: 9}
		_ = udp.SetNetworkLayerForChecksum(ip)
		return []gopacket.SerializableLayer{ip, udp, gopacket.Payload("gopacket")}
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	tests := []struct {
		name  string
		cfg   Config
		inner []gopacket.SerializableLayer
		want  []gopacket.LayerType
	}{
		{"IPv4 in IPv4", Config{Local: entry4, Remote: exit4}, innerLayers(64),
			[]gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"forwarding hop: inner TTL decremented in the buffer", Config{Local: entry4, Remote: exit4, Forwarding: true}, innerLayers(64),
			[]gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"IPv4 in IPv6 with the encapsulation limit", Config{Local: entry6, Remote: exit6}, innerLayers(64),
			[]gopacket.LayerType{layers.LayerTypeIPv6, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"IPv6 in IPv6 without it", Config{Local: entry6, Remote: exit6, EncapLimit: NoEncapLimit}, innerLayers6(),
			[]gopacket.LayerType{layers.LayerTypeIPv6, layers.LayerTypeIPv6, layers.LayerTypeUDP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun := mustNew(t, tt.cfg)
			plain := gopacket.NewSerializeBuffer()
			require.NoError(t, gopacket.SerializeLayers(plain, opts, tt.inner...))
			want, err := tun.Encapsulate(nil, plain.Bytes())
			require.NoError(t, err)

			buf := gopacket.NewSerializeBuffer()
			require.NoError(t, gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{&Encap{Tunnel: tun}}, tt.inner...)...))
			got := buf.Bytes()
			iptuntest.SameIDs(got, want)
			require.Equal(t, want, got)

			pkt := gopacket.NewPacket(got, layers.LayerTypeIPv4, gopacket.Default)
			if tt.cfg.Local.Is6() {
				pkt = gopacket.NewPacket(got, layers.LayerTypeIPv6, gopacket.Default)
			}
			var types []gopacket.LayerType
			for _, l := range pkt.Layers() {
				if l.LayerType() != gopacket.LayerTypePayload {
					types = append(types, l.LayerType())
				}
			}
			require.Equal(t, tt.want, types)
			require.Nil(t, pkt.ErrorLayer())
		})
	}
	t.Run("behind Ethernet", func(t *testing.T) {
		tun := mustNew(t, Config{Local: entry4, Remote: exit4})
		buf := gopacket.NewSerializeBuffer()
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		require.NoError(t, gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{eth, &Encap{Tunnel: tun}}, innerLayers(64)...)...))
		p := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeEthernet, gopacket.Default)
		require.Len(t, p.Layers(), 5)
	})
	t.Run("refuses what must be fragmented", func(t *testing.T) {
		tun := mustNew(t, Config{Local: entry4, Remote: exit4, MTU: 68})
		buf := gopacket.NewSerializeBuffer()
		in := innerLayers(64)
		in[2] = gopacket.Payload(make([]byte, 100))
		err := gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{&Encap{Tunnel: tun}}, in...)...)
		var tb *TooBigError
		require.ErrorAs(t, err, &tb, "DF inner: the sender must be told")
		require.Equal(t, 48, tb.MTU)
	})
}

// TestDifferentialGopacket decodes every tunnel packet of the scapy and
// public captures with gopacket's own layers and with Decapsulate: the
// outer addresses, the inner packet and the encapsulation limit agree.
func TestDifferentialGopacket(t *testing.T) {
	want := 25 // tunnel packets in testdata alone
	files := testutil.Glob(t, testutil.Testdata(t, "ipip", "*.pcap"))
	if dir := os.Getenv(testutil.VectorsEnv); dir != "" || !testing.Short() {
		files = append(files, testutil.Glob(t, filepath.Join(testutil.Vectors(t, "ipip"), "*.pcap"))...)
		want = 40
	}
	compared := 0
	for _, f := range files {
		for _, p := range testutil.ReadCapture(t, f) {
			pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
			b := iptuntest.IPBytes(pkt)
			tun := tunnelOf(t, b)
			if b == nil || tun == nil {
				continue
			}
			res, err := tun.Decapsulate(clone(b))
			if err != nil {
				continue // refusals are TestScapyCaptures' and TestPublicVectors' business
			}
			var outer, inner gopacket.Layer
			limit := -1
			for _, l := range pkt.Layers() {
				switch l.LayerType() {
				case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
					if outer == nil {
						outer = l
					} else if inner == nil {
						inner = l
					}
				case layers.LayerTypeIPv6Destination:
					for _, o := range l.(*layers.IPv6Destination).Options {
						if o.OptionType == iptun.OptTEL && inner == nil {
							limit = int(o.OptionData[0])
						}
					}
				}
			}
			require.NotNil(t, inner, "%s frame %d: gopacket sees no inner IP", filepath.Base(f), p.Number)
			src, dst := outer.(gopacket.NetworkLayer).NetworkFlow().Endpoints()
			require.Equal(t, src.String(), res.Src.String())
			require.Equal(t, dst.String(), res.Dst.String())
			require.Equal(t, limit, res.EncapLimit)
			// gopacket applies no RFC 6040 rewrite: compare with the inner
			// packet as it arrived.
			got := append(clone(inner.LayerContents()), inner.LayerPayload()...)
			require.Equal(t, got, b[res.HeaderLen:res.HeaderLen+len(res.Inner)], "%s frame %d: inner packet", filepath.Base(f), p.Number)
			compared++
		}
	}
	require.Greater(t, compared, want)
}

// TestParserNestedStackAllocatesNothing decodes tunnel frames with reused
// DecodingLayerParsers: the outer one stops at the outer IP header
// (Terminal), Decapsulate checks the tunnel packet, and an inner parser
// takes the inner packet. gopacket v1.1.19's IPv6Destination is not a
// DecodingLayer, which is why the outer parser stops at the IPv6 header and
// Decapsulate walks the extension headers.
func TestParserNestedStackAllocatesNothing(t *testing.T) {
	var (
		eth            layers.Ethernet
		outer4         layers.IPv4
		outer6         layers.IPv6
		in4            layers.IPv4
		in6            layers.IPv6
		udp            layers.UDP
		tcp            layers.TCP
		icmp4          layers.ICMPv4
		icmp6          layers.ICMPv6
		payload        gopacket.Payload
		decoded, inner []gopacket.LayerType
	)
	outerP := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, Terminal(&outer4), Terminal(&outer6))
	inner4P := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &in4, &udp, &tcp, &icmp4, &payload)
	inner6P := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, &in6, &udp, &tcp, &icmp6, &payload)
	inner4P.IgnoreUnsupported, inner6P.IgnoreUnsupported = true, true
	decoded, inner = make([]gopacket.LayerType, 0, 8), make([]gopacket.LayerType, 0, 8)
	type frame struct {
		data []byte
		tun  *Tunnel
	}
	var frames []frame
	for _, name := range []string{"ipip-df-tos.pcap", "ipip-4in6-tel.pcap", "ipip-6in6-tel.pcap", "ipip-options.pcap"} {
		for _, p := range testutil.ReadCapture(t, testutil.Testdata(t, "ipip", name)) {
			b := iptuntest.IPBytes(gopacket.NewPacket(p.Data, p.Link, gopacket.Default))
			if tun := tunnelOf(t, b); tun != nil {
				if _, err := tun.Decapsulate(clone(b)); err == nil {
					frames = append(frames, frame{p.Data, tun})
				}
			}
		}
	}
	require.Greater(t, len(frames), 20)
	opened := 0
	run := func() {
		opened = 0
		for _, f := range frames {
			if err := outerP.DecodeLayers(f.data, &decoded); err != nil {
				t.Fatalf("outer: %v", err)
			}
			res, err := f.tun.Decapsulate(eth.Payload)
			if err != nil {
				t.Fatal(err)
			}
			p := inner4P
			if res.InnerVersion == 6 {
				p = inner6P
			}
			if err := p.DecodeLayers(res.Inner, &inner); err != nil {
				t.Fatalf("inner: %v", err)
			}
			opened++
		}
	}
	run()
	require.Equal(t, len(frames), opened)
	require.Equal(t, []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4}, firstStack(t, outerP, frames[0].data))
	require.Zero(t, testing.AllocsPerRun(20, run))
}

func firstStack(t *testing.T, p *gopacket.DecodingLayerParser, data []byte) []gopacket.LayerType {
	var d []gopacket.LayerType
	require.NoError(t, p.DecodeLayers(data, &d))
	return d
}
