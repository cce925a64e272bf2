package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/gopacket"

	"github.com/tunnelcodec/tunnelcodec/ikev2"
)

// With -ikev2-keys FILE (Wireshark ikev2_decryption_table lines), tundump
// opens the SK payloads of the IKE SAs the file names, reassembles SKF
// fragments, and prints the inner payloads. A message whose ICV does not
// verify is reported, never decrypted.
var ikev2KeyFile string

type ikev2Keys struct{ ini, res *ikev2.Protector }

var (
	ikev2Table       = map[[2]uint64]ikev2Keys{}
	ikev2Reassembler = &ikev2.Reassembler{}
)

func init() {
	flagSetups = append(flagSetups, func(fs *flag.FlagSet) {
		fs.StringVar(&ikev2KeyFile, "ikev2-keys", "", "Wireshark ikev2_decryption_table file: decrypt IKEv2 SK/SKF payloads with these keys")
	})
	registrations = append(registrations, ikev2.Register)
	preRun = append(preRun, loadIKEv2Keys)
	describers[ikev2.LayerTypeIKEv2] = describeIKEv2
}

func loadIKEv2Keys() error {
	ikev2Table = map[[2]uint64]ikev2Keys{}
	ikev2Reassembler = &ikev2.Reassembler{}
	f, name, err := openKeys(ikev2KeyFile, sampleIKEv2Keys)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	entries, err := ikev2.ReadDecryptionTable(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, e := range entries {
		if !e.Supported {
			fmt.Fprintf(os.Stderr, "tundump: %s line %d: %s / %s not supported, skipped\n", name, e.LineNumber, e.EncrName, e.IntegName)
			continue
		}
		ini, res, err := e.Protectors()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ikev2Table[[2]uint64{e.SPIi, e.SPIr}] = ikev2Keys{ini, res}
	}
	return nil
}

// describeIKEv2 summarizes a message as "IKE_AUTH request #1 from
// initiator spi=…/… SK{IDi AUTH SA TSi TSr}" and lists every payload.
func describeIKEv2(l gopacket.Layer) (string, []field) {
	m := l.(*ikev2.IKEv2)
	h := m.Header
	fields := []field{
		{"initiator SPI", fmt.Sprintf("%016x", h.SPIi)},
		{"responder SPI", fmt.Sprintf("%016x", h.SPIr)},
		{"version", fmt.Sprintf("%d.%d", h.MajorVersion, h.MinorVersion)},
		{"exchange", h.ExchangeType.String()},
		{"flags", h.Flags.String()},
		{"message ID", strconv.FormatUint(uint64(h.MessageID), 10)},
		{"length", strconv.FormatUint(uint64(h.Length), 10)},
	}
	var p ikev2.Parser
	if _, err := p.Start(m.Contents); err != nil {
		return h.String() + " !" + err.Error(), append(fields, field{"error", err.Error()})
	}
	names, pf, err := describeChain(&p, "")
	fields = append(fields, pf...)
	summary := h.String() + " " + strings.Join(names, " ")
	if err != nil {
		summary += " !" + err.Error()
		fields = append(fields, field{"error", err.Error()})
	}
	if enc, ok := m.Encrypted(); ok {
		s, f := describeEncrypted(m, enc)
		summary += s
		fields = append(fields, f...)
	}
	return summary, fields
}

// describeChain lists the payloads of a chain: their notation for the
// summary, and one field each (with the details of its body).
func describeChain(p *ikev2.Parser, indent string) ([]string, []field, error) {
	var names []string
	var fields []field
	for {
		ph, err := p.Next()
		if errors.Is(err, ikev2.ErrSectionDone) {
			return names, fields, nil
		}
		if err != nil {
			return names, fields, err
		}
		name := ph.Type.String()
		detail, err := describePayload(p, ph)
		if err != nil {
			detail += " !" + err.Error()
		}
		if ph.Type == ikev2.PayloadNotify {
			if n, err := p.Notify(); err == nil {
				name = "N(" + n.Type.String() + ")"
			}
		}
		if ph.Critical {
			detail += " [critical]"
		}
		names = append(names, name)
		fields = append(fields, field{indent + ph.Type.String(), detail})
	}
}

func short(b []byte) string {
	if len(b) > 24 {
		return hex.EncodeToString(b[:24]) + "… (" + strconv.Itoa(len(b)) + " octets)"
	}
	return hex.EncodeToString(b)
}

func describePayload(p *ikev2.Parser, ph ikev2.PayloadHeader) (string, error) {
	switch ph.Type {
	case ikev2.PayloadSA:
		var props []string
		for {
			pr, err := p.Proposal()
			if errors.Is(err, ikev2.ErrSectionDone) {
				return strings.Join(props, "; "), nil
			}
			if err != nil {
				return strings.Join(props, "; "), err
			}
			s := fmt.Sprintf("#%d %v", pr.Number, pr.ProtocolID)
			if len(pr.SPI) > 0 {
				s += " spi=" + hex.EncodeToString(pr.SPI)
			}
			for {
				t, err := p.Transform()
				if errors.Is(err, ikev2.ErrSectionDone) {
					break
				}
				if err != nil {
					return s, err
				}
				s += " " + transformName(t)
			}
			props = append(props, s)
		}
	case ikev2.PayloadKE:
		k, err := p.KE()
		return fmt.Sprintf("%v, %d octets", k.Group, len(k.Data)), err
	case ikev2.PayloadIDi, ikev2.PayloadIDr:
		id, err := p.ID()
		return idString(id), err
	case ikev2.PayloadCERT:
		c, err := p.Cert()
		return fmt.Sprintf("%v, %d octets", c.Encoding, len(c.Data)), err
	case ikev2.PayloadCERTREQ:
		c, err := p.CertReq()
		n, _ := c.Authorities()
		return fmt.Sprintf("%v, %d CA hashes", c.Encoding, n), err
	case ikev2.PayloadAUTH:
		a, err := p.Auth()
		s := fmt.Sprintf("%v, %d octets", a.Method, len(a.Data))
		if a.Method == ikev2.AuthDigitalSignature {
			if ai, _, err := ikev2.SplitDigitalSignature(a.Data); err == nil {
				if alg, _, err := ikev2.ParseAlgorithmIdentifier(ai); err == nil {
					s += " (" + alg.String() + ")"
				}
			}
		}
		return s, err
	case ikev2.PayloadNonce:
		n, err := p.Nonce()
		return strconv.Itoa(len(n)) + " octets", err
	case ikev2.PayloadNotify:
		n, err := p.Notify()
		s := n.Type.String()
		if n.ProtocolID != ikev2.ProtoNone || len(n.SPI) > 0 {
			s += fmt.Sprintf(" %v spi=%x", n.ProtocolID, n.SPI)
		}
		if len(n.Data) > 0 {
			s += " data=" + short(n.Data)
		}
		return s, err
	case ikev2.PayloadDelete:
		d, err := p.Delete()
		if err != nil {
			return "", err
		}
		s := d.ProtocolID.String()
		for i := 0; i < int(d.NumSPIs); i++ {
			s += " " + hex.EncodeToString(d.SPI(i))
		}
		return s, nil
	case ikev2.PayloadVendorID:
		v, err := p.VendorID()
		return short(v), err
	case ikev2.PayloadTSi, ikev2.PayloadTSr:
		if _, err := p.TS(); err != nil {
			return "", err
		}
		var sels []string
		for {
			ts, err := p.TrafficSelector()
			if errors.Is(err, ikev2.ErrSectionDone) {
				return strings.Join(sels, ", "), nil
			}
			if err != nil {
				return strings.Join(sels, ", "), err
			}
			if ts.StartAddr.IsValid() {
				sels = append(sels, fmt.Sprintf("%v-%v proto %d ports %d-%d", ts.StartAddr, ts.EndAddr, ts.IPProtocol, ts.StartPort, ts.EndPort))
			} else {
				sels = append(sels, ts.Type.String())
			}
		}
	case ikev2.PayloadCP:
		c, err := p.Config()
		if err != nil {
			return "", err
		}
		s := c.Type.String()
		for {
			a, err := p.ConfigAttribute()
			if errors.Is(err, ikev2.ErrSectionDone) {
				return s, nil
			}
			if err != nil {
				return s, err
			}
			s += " " + a.Type.String()
			if pfx, ok := a.Prefix(); ok {
				s += "=" + pfx.String()
			} else if ad, ok := a.Addr(); ok {
				s += "=" + ad.String()
			}
		}
	case ikev2.PayloadEAP:
		e, err := p.EAP()
		s := fmt.Sprintf("%v id=%d", e.Code, e.Identifier)
		if e.Code.HasType() {
			s += fmt.Sprintf(" type=%d", e.Type)
		}
		return s, err
	case ikev2.PayloadSK:
		e, err := p.Encrypted()
		return fmt.Sprintf("first inner %v, %d octets", p.EncryptedNext(), len(e.Data)), err
	case ikev2.PayloadSKF:
		f, err := p.EncryptedFragment()
		return fmt.Sprintf("fragment %d of %d, first inner %v", f.FragmentNumber, f.TotalFragments, p.EncryptedNext()), err
	}
	b, err := p.Body()
	return short(b), err
}

func transformName(t ikev2.Transform) string {
	var s string
	switch t.Type {
	case ikev2.TransformENCR:
		s = t.Encr().String()
	case ikev2.TransformPRF:
		s = t.PRF().String()
	case ikev2.TransformINTEG:
		s = t.Integ().String()
	case ikev2.TransformKE:
		s = t.KE().String()
	case ikev2.TransformESN:
		s = t.ESN().String()
	default:
		s = fmt.Sprintf("%v:%d", t.Type, t.ID)
	}
	if t.KeyLength != 0 {
		s += "/" + strconv.Itoa(int(t.KeyLength))
	}
	return s
}

func idString(id ikev2.ID) string { return id.Type.String() + " " + id.String() }

// describeEncrypted opens the SK or SKF payload when the key table has the
// SA, and describes the inner payloads (for SKF, once the message is whole).
func describeEncrypted(m *ikev2.IKEv2, enc ikev2.Payload) (string, []field) {
	keys, ok := ikev2Table[[2]uint64{m.SPIi, m.SPIr}]
	if !ok {
		if ikev2KeyFile == "" {
			return "", nil
		}
		return " (no key)", []field{{"decryption", "no key for this IKE SA"}}
	}
	p := keys.res
	if m.Flags.Initiator() {
		p = keys.ini
	}
	var first ikev2.PayloadType
	var inner []byte
	if enc.Type == ikev2.PayloadSKF {
		r, err := ikev2Reassembler.Add(p, nil, m.Contents, time.Now())
		if err != nil {
			return " !" + err.Error(), []field{{"decryption", err.Error()}}
		}
		if !r.Complete {
			return fmt.Sprintf(" (fragment %d/%d held)", r.Fragment, r.Total), nil
		}
		first, inner = r.First, r.Inner
	} else {
		o, err := p.Open(nil, m.Contents)
		if err != nil {
			return " !" + err.Error(), []field{{"decryption", err.Error()}}
		}
		first, inner = o.First, o.Inner
	}
	var ip ikev2.Parser
	ip.StartInner(m.Header, first, inner)
	names, fields, err := describeChain(&ip, "  inner ")
	s := " {" + strings.Join(names, " ") + "}"
	if enc.Type == ikev2.PayloadSKF {
		s = " reassembled" + s
	}
	if err != nil {
		s += " !" + err.Error()
		fields = append(fields, field{"  inner error", err.Error()})
	}
	return s, append([]field{{"decryption", p.Encr().String() + "/" + p.Integ().String() + ", integrity verified"}}, fields...)
}
