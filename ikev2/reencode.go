package ikev2

// Reencode parses msg with a Parser and writes it again with a Builder,
// payload by payload and element by element, appending the result to dst.
// For every message Validate accepts, the result equals msg: a
// canonicalizing round trip that exercises every decoder and encoder, as
// the fuzz targets and conformance tests use it. SK and SKF payloads are
// carried as ciphertext.
func Reencode(dst, msg []byte) ([]byte, error) { return reencode(dst, msg, false) }

// ReencodePlain is Reencode for a message in plain form (Protector.Open,
// Reassembler and Builder.Finish after StartSK give it): the SK payload's
// body is parsed and written again as its inner payload chain.
func ReencodePlain(dst, msg []byte) ([]byte, error) { return reencode(dst, msg, true) }

func reencode(dst, msg []byte, plain bool) ([]byte, error) {
	var p Parser
	h, err := p.Start(msg)
	if err != nil {
		return dst, err
	}
	var b Builder
	b.Start(dst, h)
	if err := reencodeChain(&p, &b, plain); err != nil {
		return dst, err
	}
	return b.Finish()
}

func reencodeChain(p *Parser, b *Builder, plain bool) error {
	for {
		ph, err := p.Next()
		if err == ErrSectionDone {
			return nil
		}
		if err != nil {
			return err
		}
		if err := reencodePayload(p, b, ph, plain); err != nil {
			return err
		}
		if ph.Type != PayloadSK || !plain {
			b.SetPayloadFlags(ph.Critical, ph.Reserved)
		}
	}
}

// done turns the ErrSectionDone that ends a list into nil.
func done(err error) error {
	if err == ErrSectionDone {
		return nil
	}
	return err
}

func reencodePayload(p *Parser, b *Builder, ph PayloadHeader, plain bool) error {
	switch ph.Type {
	case PayloadSA:
		b.StartSA()
		for {
			pr, err := p.Proposal()
			if err != nil {
				return done(err)
			}
			b.Proposal(pr)
			for {
				tr, err := p.Transform()
				if err != nil {
					if err = done(err); err != nil {
						return err
					}
					break
				}
				tr.KeyLength = 0 // the attributes follow one by one
				b.Transform(tr)
				for {
					a, err := p.TransformAttribute()
					if err != nil {
						if err = done(err); err != nil {
							return err
						}
						break
					}
					b.TransformAttribute(a)
				}
			}
		}
	case PayloadKE:
		v, err := p.KE()
		b.KE(v)
		return err
	case PayloadIDi, PayloadIDr:
		v, err := p.ID()
		if ph.Type == PayloadIDi {
			b.IDi(v)
		} else {
			b.IDr(v)
		}
		return err
	case PayloadCERT:
		v, err := p.Cert()
		b.Cert(v)
		return err
	case PayloadCERTREQ:
		v, err := p.CertReq()
		b.CertReq(v)
		return err
	case PayloadAUTH:
		v, err := p.Auth()
		b.Auth(v)
		return err
	case PayloadNonce:
		v, err := p.Nonce()
		if err != nil {
			return err
		}
		b.Nonce(v)
	case PayloadNotify:
		v, err := p.Notify()
		b.Notify(v)
		return err
	case PayloadDelete:
		v, err := p.Delete()
		if err != nil {
			return err
		}
		b.Delete(v)
	case PayloadVendorID:
		v, err := p.VendorID()
		b.VendorID(v)
		return err
	case PayloadTSi, PayloadTSr:
		th, err := p.TS()
		if err != nil {
			return err
		}
		if ph.Type == PayloadTSi {
			b.StartTSi(th)
		} else {
			b.StartTSr(th)
		}
		for {
			ts, err := p.TrafficSelector()
			if err != nil {
				return done(err)
			}
			b.TrafficSelector(ts)
		}
	case PayloadCP:
		c, err := p.Config()
		if err != nil {
			return err
		}
		b.StartCP(c)
		for {
			a, err := p.ConfigAttribute()
			if err != nil {
				return done(err)
			}
			b.ConfigAttribute(a)
		}
	case PayloadEAP:
		v, err := p.EAP()
		if err != nil {
			return err
		}
		b.EAP(v)
	case PayloadSK:
		e, err := p.Encrypted()
		if err != nil {
			return err
		}
		if !plain {
			b.Encrypted(p.EncryptedNext(), e)
			return nil
		}
		b.StartSK()
		b.SetPayloadFlags(ph.Critical, ph.Reserved)
		var ip Parser
		ip.StartInner(p.Header(), p.EncryptedNext(), e.Data)
		return reencodeChain(&ip, b, false)
	case PayloadSKF:
		f, err := p.EncryptedFragment()
		if err != nil {
			return err
		}
		b.EncryptedFragment(p.EncryptedNext(), f)
	default:
		body, err := p.Body()
		b.Raw(ph.Type, body)
		return err
	}
	return nil
}
