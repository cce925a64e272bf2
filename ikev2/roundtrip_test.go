package ikev2

import (
	"errors"
	"testing"
)

// rebuild parses msg with a Parser and writes it again with a Builder,
// payload by payload and element by element, so that comparing the result
// with msg checks both. A message in plain form (an SK payload holding its
// inner payloads in clear) is rebuilt with StartSK and the inner chain.
func rebuild(t testing.TB, msg []byte, plain bool) []byte {
	t.Helper()
	var p Parser
	h, err := p.Start(msg)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	var b Builder
	b.Start(nil, h)
	rebuildChain(t, &p, &b, plain)
	out, err := b.Finish()
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	return out
}

func rebuildChain(t testing.TB, p *Parser, b *Builder, plain bool) {
	t.Helper()
	for {
		ph, err := p.Next()
		if errors.Is(err, ErrSectionDone) {
			return
		}
		if err != nil {
			t.Fatalf("rebuild: %v", err)
		}
		rebuildPayload(t, p, b, ph, plain)
		if ph.Type != PayloadSK || !plain {
			b.SetPayloadFlags(ph.Critical, ph.Reserved)
		}
	}
}

func rebuildPayload(t testing.TB, p *Parser, b *Builder, ph PayloadHeader, plain bool) {
	t.Helper()
	fail := func(err error) {
		if err != nil && !errors.Is(err, ErrSectionDone) {
			t.Fatalf("rebuild %v: %v", ph.Type, err)
		}
	}
	switch ph.Type {
	case PayloadSA:
		b.StartSA()
		for {
			pr, err := p.Proposal()
			if err != nil {
				fail(err)
				break
			}
			b.Proposal(pr)
			for {
				tr, err := p.Transform()
				if err != nil {
					fail(err)
					break
				}
				tr.KeyLength = 0 // the attributes follow one by one
				b.Transform(tr)
				for {
					a, err := p.TransformAttribute()
					if err != nil {
						fail(err)
						break
					}
					b.TransformAttribute(a)
				}
			}
		}
	case PayloadKE:
		v, err := p.KE()
		fail(err)
		b.KE(v)
	case PayloadIDi, PayloadIDr:
		v, err := p.ID()
		fail(err)
		if ph.Type == PayloadIDi {
			b.IDi(v)
		} else {
			b.IDr(v)
		}
	case PayloadCERT:
		v, err := p.Cert()
		fail(err)
		b.Cert(v)
	case PayloadCERTREQ:
		v, err := p.CertReq()
		fail(err)
		b.CertReq(v)
	case PayloadAUTH:
		v, err := p.Auth()
		fail(err)
		b.Auth(v)
	case PayloadNonce:
		v, err := p.Nonce()
		fail(err)
		b.Nonce(v)
	case PayloadNotify:
		v, err := p.Notify()
		fail(err)
		b.Notify(v)
	case PayloadDelete:
		v, err := p.Delete()
		fail(err)
		b.Delete(v)
	case PayloadVendorID:
		v, err := p.VendorID()
		fail(err)
		b.VendorID(v)
	case PayloadTSi, PayloadTSr:
		th, err := p.TS()
		fail(err)
		if ph.Type == PayloadTSi {
			b.StartTSi(th)
		} else {
			b.StartTSr(th)
		}
		for {
			ts, err := p.TrafficSelector()
			if err != nil {
				fail(err)
				break
			}
			b.TrafficSelector(ts)
		}
	case PayloadCP:
		c, err := p.Config()
		fail(err)
		b.StartCP(c)
		for {
			a, err := p.ConfigAttribute()
			if err != nil {
				fail(err)
				break
			}
			b.ConfigAttribute(a)
		}
	case PayloadEAP:
		v, err := p.EAP()
		fail(err)
		b.EAP(v)
	case PayloadSK:
		e, err := p.Encrypted()
		fail(err)
		if !plain {
			b.Encrypted(p.EncryptedNext(), e)
			return
		}
		b.StartSK()
		b.SetPayloadFlags(ph.Critical, ph.Reserved)
		var ip Parser
		ip.StartInner(p.Header(), p.EncryptedNext(), e.Data)
		rebuildChain(t, &ip, b, false)
	case PayloadSKF:
		f, err := p.EncryptedFragment()
		fail(err)
		b.EncryptedFragment(p.EncryptedNext(), f)
	default:
		body, err := p.Body()
		fail(err)
		b.Raw(ph.Type, body)
	}
}
