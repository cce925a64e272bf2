package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/layernum"
	"github.com/tunnelcodec/tunnelcodec/ipsec"
)

// With -esp-sa FILE (Wireshark esp_sa lines), tundump opens ESP with the
// SAs the file names and decodes the plaintext as the inner stack, and
// verifies AH against the file's NULL-encryption lines (their integrity
// algorithm and key). Anti-replay is off: a capture is read, not received.
var espSAFile string

var ipsecDB = new(ipsec.Database)

func init() {
	flagSetups = append(flagSetups, func(fs *flag.FlagSet) {
		fs.StringVar(&espSAFile, "esp-sa", "", "Wireshark esp_sa key table: decrypt ESP and verify AH with these SAs")
	})
	registrations = append(registrations, registerIPsec)
	preRun = append(preRun, loadESPSA)
	describers[ipsec.LayerTypeESP] = describeESP
	describers[ipsec.LayerTypeAH] = describeAH
	describers[ipsec.LayerTypeUDPEncap] = describeUDPEncap
}

// registerIPsec hooks IP protocols 50 and 51 and UDP 4500, then routes ESP
// and AH through decoders that open and verify them with the loaded SAs.
func registerIPsec() {
	ipsec.Register()
	gopacket.OverrideLayerType(layernum.ESP, gopacket.LayerTypeMetadata{Name: "ESP", Decoder: gopacket.DecodeFunc(decodeESP)})
	gopacket.OverrideLayerType(layernum.AH, gopacket.LayerTypeMetadata{Name: "AH", Decoder: gopacket.DecodeFunc(decodeAH)})
}

func loadESPSA() error {
	ipsecDB = new(ipsec.Database)
	f, name, err := openKeys(espSAFile, sampleESPSA)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	entries, err := ipsec.ParseESPSA(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, e := range entries {
		c := e.Config
		c.DisableReplay = true
		sa, err := ipsec.NewInboundESP(c)
		if err != nil {
			return fmt.Errorf("%s: SPI 0x%08x: %w", name, c.SPI, err)
		}
		if err := ipsecDB.Add(sa); err != nil && !errors.Is(err, ipsec.ErrDuplicateSA) {
			return err
		}
		if c.Encr == ipsec.EncrNULL && !c.InsecureSkipICV {
			c.Encr, c.EncrKey = 0, nil
			if ah, err := ipsec.NewInboundAH(c); err == nil {
				_ = ipsecDB.Add(ah)
			}
		}
	}
	return nil
}

// innermostIP returns the addresses and the whole IP packet of the last
// IPv4 or IPv6 layer decoded so far.
func innermostIP(p gopacket.PacketBuilder) (src, dst netip.Addr, pkt []byte) {
	pk, ok := p.(gopacket.Packet)
	if !ok {
		return
	}
	ls := pk.Layers()
	for i := len(ls) - 1; i >= 0; i-- {
		switch ip := ls[i].(type) {
		case *layers.IPv4:
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		default:
			continue
		}
		return src, dst, append(append([]byte{}, ls[i].LayerContents()...), ls[i].LayerPayload()...)
	}
	return
}

// espLayer is an ESP header with what opening it gave: when it opened, its
// payload is the plaintext, which gopacket decodes next.
type espLayer struct {
	*ipsec.ESP
	opened    *ipsec.Opened
	unchecked bool // the SA skips its ICV (unknown integrity key)
	err       error
}

func (e *espLayer) LayerPayload() []byte {
	if e.opened != nil {
		return e.opened.Payload
	}
	return e.ESP.LayerPayload()
}

func decodeESP(data []byte, p gopacket.PacketBuilder) error {
	e := &ipsec.ESP{}
	if err := e.DecodeFromBytes(data, p); err != nil {
		return err
	}
	l := &espLayer{ESP: e}
	p.AddLayer(l)
	src, dst, _ := innermostIP(p)
	sa := ipsecDB.ESP(e.SPI, src, dst)
	if sa == nil {
		return nil
	}
	o, err := sa.Open(nil, data)
	if err != nil {
		l.err = err
		return nil
	}
	l.opened, l.unchecked = &o, !sa.VerifiesICV()
	if o.Dummy() {
		return nil
	}
	return p.NextDecoder(innerDecoder(o.NextHeader))
}

func innerDecoder(nh layers.IPProtocol) gopacket.Decoder {
	switch nh {
	case layers.IPProtocolIPv4:
		return layers.LayerTypeIPv4
	case layers.IPProtocolIPv6:
		return layers.LayerTypeIPv6
	}
	return nh
}

// ahLayer is an AH header with the verdict on its ICV.
type ahLayer struct {
	*ipsec.AH
	verified *ipsec.Verified
	err      error
}

func decodeAH(data []byte, p gopacket.PacketBuilder) error {
	a := &ipsec.AH{}
	if err := a.DecodeFromBytes(data, p); err != nil {
		return err
	}
	l := &ahLayer{AH: a}
	p.AddLayer(l)
	src, dst, ip := innermostIP(p)
	if sa := ipsecDB.AH(a.SPI, src, dst); sa != nil {
		v, err := sa.Verify(ip)
		if err != nil {
			l.err = err
		} else {
			l.verified = &v
		}
	}
	return p.NextDecoder(a.NextHeader)
}

func describeESP(l gopacket.Layer) (string, []field) {
	var e *ipsec.ESP
	var st *espLayer
	switch x := l.(type) {
	case *espLayer:
		e, st = x.ESP, x
	case *ipsec.ESP:
		e = x
	}
	s := fmt.Sprintf("spi=0x%08x seq=%d", e.SPI, e.SequenceNumber)
	fields := []field{{"SPI", fmt.Sprintf("0x%08x", e.SPI)}, {"sequence number", strconv.FormatUint(uint64(e.SequenceNumber), 10)}}
	switch {
	case st == nil || (st.opened == nil && st.err == nil):
		fields = append(fields, field{"encrypted", fmt.Sprintf("%d octets (no SA)", len(e.LayerPayload()))})
	case st.err != nil:
		s += " !" + st.err.Error()
		fields = append(fields, field{"open", st.err.Error()})
	default:
		o := st.opened
		verdict := "ICV good"
		if st.unchecked {
			verdict = "ICV not checked (no integrity key)"
		}
		s += fmt.Sprintf(" decrypted next=%v %s", o.NextHeader, verdict)
		fields = append(fields, field{"ICV", verdict}, field{"next header", fmt.Sprintf("%d (%v)", uint8(o.NextHeader), o.NextHeader)},
			field{"pad length", strconv.Itoa(o.PadLen)}, field{"payload", fmt.Sprintf("%d octets", len(o.Payload))})
		if o.Dummy() {
			s += " dummy"
		}
	}
	return s, fields
}

func describeAH(l gopacket.Layer) (string, []field) {
	var a *ipsec.AH
	var st *ahLayer
	switch x := l.(type) {
	case *ahLayer:
		a, st = x.AH, x
	case *ipsec.AH:
		a = x
	}
	s := fmt.Sprintf("spi=0x%08x seq=%d next=%v", a.SPI, a.SequenceNumber, a.NextHeader)
	fields := []field{{"next header", fmt.Sprintf("%d (%v)", uint8(a.NextHeader), a.NextHeader)},
		{"payload length", fmt.Sprintf("%d (%d octets)", a.PayloadLen, a.Len())},
		{"reserved", strconv.Itoa(int(a.Reserved))}, {"SPI", fmt.Sprintf("0x%08x", a.SPI)},
		{"sequence number", strconv.FormatUint(uint64(a.SequenceNumber), 10)}, {"ICV", fmt.Sprintf("%x", a.ICV)}}
	switch {
	case st != nil && st.verified != nil:
		s += " ICV good"
		fields = append(fields, field{"verification", "ICV good"})
	case st != nil && st.err != nil:
		s += " !" + st.err.Error()
		fields = append(fields, field{"verification", st.err.Error()})
	}
	return s, fields
}

func describeUDPEncap(l gopacket.Layer) (string, []field) {
	u := l.(*ipsec.UDPEncap)
	return u.Kind.String(), []field{{"carries", u.Kind.String()}}
}
