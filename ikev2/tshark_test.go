package ikev2

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// This file renders our decode of a message in the shape of tshark 4.0's
// JSON for the isakmp protocol, so testutil.TreeFields gives every
// field's values in tshark's order. Only fields whose meaning is
// unambiguous are rendered; every one rendered is compared with tshark.

// colonHex formats bytes as tshark prints FT_BYTES: "0a:0b:0c".
func colonHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := hex.EncodeToString(b)
	var out strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			out.WriteByte(':')
		}
		out.WriteString(s[i : i+2])
	}
	return out.String()
}

func itoa[T ~uint8 | ~uint16 | ~uint32 | ~int](v T) string { return strconv.Itoa(int(v)) }

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// opened is what an opener gives the renderer: the opened SK or SKF
// payload, its ICV as received, and for the SKF fragment that completes a
// message the reassembled message.
type opened struct {
	Opened
	icv   []byte
	whole Reassembled
}

// opener decrypts the SK or SKF payload of a message for the renderer, or
// returns ok false.
type opener func(msg []byte) (o opened, ok bool)

// tsharkTree renders a whole message as tshark's "isakmp" object.
func tsharkTree(t testing.TB, msg []byte, open opener) map[string]any {
	t.Helper()
	var p Parser
	h, err := p.Start(msg)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	top := map[string]any{
		"isakmp.ispi":        colonHex(msg[0:8]),
		"isakmp.rspi":        colonHex(msg[8:16]),
		"isakmp.nextpayload": itoa(h.NextPayload),
		"isakmp.version":     fmt.Sprintf("0x%02x", msg[17]),
		"isakmp.version_tree": map[string]any{
			"isakmp.mjver": fmt.Sprintf("0x%02x", h.MajorVersion),
			"isakmp.mnver": fmt.Sprintf("0x%02x", h.MinorVersion),
		},
		"isakmp.exchangetype": itoa(h.ExchangeType),
		"isakmp.flags":        fmt.Sprintf("0x%02x", uint8(h.Flags)),
		"isakmp.flags_tree": map[string]any{
			"isakmp.flag_i": bit(h.Flags.Initiator()),
			"isakmp.flag_v": bit(h.Flags.Higher()),
			"isakmp.flag_r": bit(h.Flags.Response()),
		},
		"isakmp.messageid": fmt.Sprintf("0x%08x", h.MessageID),
		"isakmp.length":    itoa(h.Length),
	}
	types, trees := renderChain(t, &p, msg, open)
	top["isakmp.typepayload"] = types
	top["isakmp.typepayload_tree"] = trees
	return map[string]any{"isakmp": top}
}

func renderChain(t testing.TB, p *Parser, msg []byte, open opener) (types, trees []any) {
	t.Helper()
	for {
		ph, err := p.Next()
		if errors.Is(err, ErrSectionDone) {
			return types, trees
		}
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		types = append(types, itoa(ph.Type))
		trees = append(trees, renderPayload(t, p, ph, msg, open))
	}
}

// must returns v, panicking on err: the renderer reads only messages that
// Validate accepted, so an error here is a bug in the parser.
func must[T any](v T, err error) T {
	if err != nil {
		panic("render: " + err.Error())
	}
	return v
}

func renderPayload(t testing.TB, p *Parser, ph PayloadHeader, msg []byte, open opener) map[string]any {
	t.Helper()
	m := map[string]any{
		"isakmp.nextpayload":     itoa(ph.NextPayload),
		"isakmp.criticalpayload": bit(ph.Critical),
		"isakmp.reserved7":       fmt.Sprintf("0x%02x", ph.Reserved),
		"isakmp.payloadlength":   itoa(ph.Length),
	}
	switch ph.Type {
	case PayloadSA:
		var types, trees []any
		for {
			pr, err := p.Proposal()
			if errors.Is(err, ErrSectionDone) {
				break
			}
			must(0, err)
			types = append(types, "2")
			trees = append(trees, renderProposal(t, p, pr))
		}
		m["isakmp.typepayload"], m["isakmp.typepayload_tree"] = types, trees
	case PayloadKE:
		ke := must(p.KE())
		m["isakmp.key_exchange.dh_group"] = itoa(ke.Group)
		m["isakmp.key_exchange.data"] = colonHex(ke.Data)
	case PayloadIDi, PayloadIDr:
		id := must(p.ID())
		m["isakmp.id.type"] = itoa(id.Type)
		data := map[string]any{}
		switch id.Type {
		case IDIPv4Addr:
			a, _ := id.Addr()
			data["isakmp.id.data.ipv4_addr"] = a.String()
		case IDIPv6Addr:
			a, _ := id.Addr()
			data["isakmp.id.data.ipv6_addr"] = a.String()
		case IDFQDN:
			data["isakmp.id.data.fqdn"] = string(id.Data)
		case IDKeyID:
			data["isakmp.id.data.key_id"] = colonHex(id.Data)
		}
		m["isakmp.id.data"] = data
	case PayloadAUTH:
		a := must(p.Auth())
		m["isakmp.auth.method"] = itoa(a.Method)
		if a.Method != AuthDigitalSignature {
			m["isakmp.auth.data"] = colonHex(a.Data)
		}
	case PayloadCERT:
		c := must(p.Cert())
		m["isakmp.cert.encoding"] = itoa(c.Encoding)
	case PayloadCERTREQ:
		c := must(p.CertReq())
		m["isakmp.certreq.type"] = itoa(c.Encoding)
	case PayloadNonce:
		m["isakmp.nonce"] = colonHex(must(p.Nonce()))
	case PayloadNotify:
		n := must(p.Notify())
		m["isakmp.notify.protoid"] = itoa(n.ProtocolID)
		m["isakmp.spisize"] = itoa(n.SPISize)
		m["isakmp.notify.msgtype"] = itoa(n.Type)
		if len(n.SPI) > 0 {
			m["isakmp.spi"] = colonHex(n.SPI)
		}
		m["isakmp.notify.data"] = colonHex(n.Data)
	case PayloadDelete:
		d := must(p.Delete())
		m["isakmp.delete.protoid"] = itoa(d.ProtocolID)
		m["isakmp.spisize"] = itoa(d.SPISize)
		m["isakmp.spinum"] = itoa(d.NumSPIs)
		var spis []any
		for i := 0; i < int(d.NumSPIs); i++ {
			spis = append(spis, colonHex(d.SPI(i)))
		}
		if len(spis) > 0 {
			m["isakmp.delete.spi"] = spis
		}
	case PayloadVendorID:
		m["isakmp.vid_bytes"] = colonHex(must(p.VendorID()))
	case PayloadTSi, PayloadTSr:
		th := must(p.TS())
		m["isakmp.ts.number"] = itoa(th.NumTS)
		var sels []any
		for {
			ts, err := p.TrafficSelector()
			if errors.Is(err, ErrSectionDone) {
				break
			}
			must(0, err)
			s := map[string]any{
				"isakmp.ts.type":            itoa(ts.Type),
				"isakmp.ts.protoid":         itoa(ts.IPProtocol),
				"isakmp.ts.selector_length": itoa(ts.Length),
			}
			switch ts.Type {
			case TSIPv4AddrRange:
				s["isakmp.ts.start_port"], s["isakmp.ts.end_port"] = itoa(ts.StartPort), itoa(ts.EndPort)
				s["isakmp.ts.start_ipv4"], s["isakmp.ts.end_ipv4"] = ts.StartAddr.String(), ts.EndAddr.String()
			case TSIPv6AddrRange:
				s["isakmp.ts.start_port"], s["isakmp.ts.end_port"] = itoa(ts.StartPort), itoa(ts.EndPort)
				s["isakmp.ts.start_ipv6"], s["isakmp.ts.end_ipv6"] = ts.StartAddr.String(), ts.EndAddr.String()
			}
			sels = append(sels, s)
		}
		m["isakmp.ts.data"] = sels
	case PayloadCP:
		c := must(p.Config())
		m["isakmp.cfg.type"] = itoa(c.Type)
		var attrs []any
		for {
			a, err := p.ConfigAttribute()
			if errors.Is(err, ErrSectionDone) {
				break
			}
			must(0, err)
			attrs = append(attrs, map[string]any{
				"isakmp.cfg.attr.type":   itoa(a.Type),
				"isakmp.cfg.attr.length": itoa(a.Length),
			})
		}
		m["isakmp.cfg.attr"] = attrs
	case PayloadEAP:
		e := must(p.EAP())
		_ = e
	case PayloadSKF:
		f := must(p.EncryptedFragment())
		m["isakmp.frag.number"] = itoa(f.FragmentNumber)
		m["isakmp.frag.total"] = itoa(f.TotalFragments)
		if open == nil {
			break
		}
		o, ok := open(msg)
		if !ok {
			break
		}
		m["isakmp.enc.iv"] = colonHex(o.IV)
		m["isakmp.enc.icd"] = colonHex(o.icv)
		m["isakmp.enc.decrypted"] = map[string]any{"isakmp.enc.pad_length": itoa(len(o.Padding))}
		if o.whole.Complete {
			// tshark shows the reassembled message in the last fragment.
			var ip Parser
			ip.StartInner(p.Header(), o.whole.First, o.whole.Inner)
			m["isakmp.typepayload"], m["isakmp.typepayload_tree"] = renderChain(t, &ip, nil, nil)
			m["isakmp.fragments"] = map[string]any{"isakmp.reassembled.length": itoa(len(o.whole.Inner))}
		}
	case PayloadSK:
		if open == nil {
			break
		}
		o, ok := open(msg)
		if !ok {
			break
		}
		m["isakmp.enc.iv"] = colonHex(o.IV)
		m["isakmp.enc.icd"] = colonHex(o.icv)
		var ip Parser
		ip.StartInner(p.Header(), o.First, o.Inner)
		types, trees := renderChain(t, &ip, nil, nil)
		dec := map[string]any{
			"isakmp.enc.contained": map[string]any{
				"isakmp.typepayload":      types,
				"isakmp.typepayload_tree": trees,
			},
			"isakmp.enc.pad_length": itoa(len(o.Padding)),
		}
		m["isakmp.enc.decrypted"] = dec
	}
	return m
}

func renderProposal(t testing.TB, p *Parser, pr Proposal) map[string]any {
	m := map[string]any{
		"isakmp.nextpayload":     itoa(pr.Last),
		"isakmp.payloadlength":   itoa(pr.Length),
		"isakmp.prop.number":     itoa(pr.Number),
		"isakmp.prop.protoid":    itoa(pr.ProtocolID),
		"isakmp.spisize":         itoa(pr.SPISize),
		"isakmp.prop.transforms": itoa(pr.NumTransforms),
	}
	if len(pr.SPI) > 0 {
		m["isakmp.spi"] = colonHex(pr.SPI)
	}
	var types, trees []any
	for {
		tr, err := p.Transform()
		if errors.Is(err, ErrSectionDone) {
			break
		}
		must(0, err)
		tm := map[string]any{
			"isakmp.nextpayload":   itoa(tr.Last),
			"isakmp.payloadlength": itoa(tr.Length),
			"isakmp.tf.type":       itoa(tr.Type),
		}
		switch tr.Type {
		case TransformENCR:
			tm["isakmp.tf.id.encr"] = itoa(tr.ID)
		case TransformPRF:
			tm["isakmp.tf.id.prf"] = itoa(tr.ID)
		case TransformINTEG:
			tm["isakmp.tf.id.integ"] = itoa(tr.ID)
		case TransformKE:
			tm["isakmp.tf.id.dh"] = itoa(tr.ID)
		case TransformESN:
			tm["isakmp.tf.id.esn"] = itoa(tr.ID)
		default:
			tm["isakmp.tf.id"] = itoa(tr.ID)
		}
		var attrs []any
		for {
			a, err := p.TransformAttribute()
			if errors.Is(err, ErrSectionDone) {
				break
			}
			must(0, err)
			am := map[string]any{"isakmp.ike2.attr.format": bit(a.TV), "isakmp.ike2.attr.type": itoa(a.Type)}
			if a.TV {
				am["isakmp.ike2.attr.value"] = colonHex([]byte{byte(a.Value >> 8), byte(a.Value)})
				if a.Type == AttrKeyLength {
					am["isakmp.ike2.attr.key_length"] = itoa(a.Value)
				}
			}
			attrs = append(attrs, am)
		}
		if len(attrs) > 0 {
			tm["isakmp.ike2.attr"] = attrs
		}
		types = append(types, "3")
		trees = append(trees, tm)
	}
	m["isakmp.typepayload"], m["isakmp.typepayload_tree"] = types, trees
	return m
}

// packetFields is our decode of the IKE message in a packet as tshark
// fields, decrypting SK payloads with open when given.
func packetFields(t testing.TB, open opener) func(gopacket.Packet) testutil.Fields {
	return func(pkt gopacket.Packet) testutil.Fields {
		m, ok := pkt.Layer(LayerTypeIKEv2).(*IKEv2)
		if !ok {
			return testutil.Fields{}
		}
		if err := Validate(m.Contents); err != nil {
			return testutil.Fields{}
		}
		return testutil.TreeFields(tsharkTree(t, m.Contents, open))
	}
}

// keyPair is the two Protectors of an IKE SA.
type keyPair struct{ ini, res *Protector }

// pairOpener opens the SK and SKF payloads of the IKE SAs in keys (by SPIs)
// with the sender's Protector, reassembling fragments as they come.
func pairOpener(keys map[[2]uint64]keyPair) opener {
	var ra Reassembler
	return func(msg []byte) (opened, bool) {
		h, _ := DecodeHeader(msg)
		k, ok := keys[[2]uint64{h.SPIi, h.SPIr}]
		if !ok {
			return opened{}, false
		}
		p := protectorFor(msg, k.ini, k.res)
		o, err := p.Open(nil, msg)
		if err != nil {
			return opened{}, false
		}
		out := opened{Opened: o, icv: msg[len(msg)-p.ICVLen():]}
		if o.Total > 0 {
			if out.whole, err = ra.Add(p, nil, msg, time.Now()); err != nil {
				return opened{}, false
			}
		}
		return out, true
	}
}
