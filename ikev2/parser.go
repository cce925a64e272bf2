package ikev2

import (
	"encoding/binary"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// Parser reads an IKE message one payload at a time without allocating,
// in the manner of golang.org/x/net/dns/dnsmessage: Start reads the header,
// Next returns each payload's generic header in order, and a typed call
// (KE, Notify, Proposal, …) reads the body of the current payload. Lists
// inside a payload — the proposals, transforms and attributes of an SA, the
// selectors of a TS payload, the attributes of a CP payload — are read with
// one call per element, each returning ErrSectionDone after the last.
// Calling Next skips whatever of the current payload was not read.
//
// Values returned alias the message. A Parser may be reused: Start resets
// it, and a reused Parser allocates nothing on any message that parses.
//
// The Parser applies the receiving rules of RFC 7296: major version 2
// (VersionError otherwise), Length equal to the datagram, every length
// consistent with its container, SK and SKF last, proposals numbered and
// marked last as §3.3.1 says, transform counts matching, Nonce Data of 16 to
// 256 octets, and a payload it does not recognize rejected with a
// CriticalPayloadError when its critical bit is set, or returned (counted
// by Unrecognized) for the caller to skip when it is not.
type Parser struct {
	msg     []byte
	hdr     Header
	inner   bool
	off     int         // offset of the next generic payload header
	next    PayloadType // type of the next payload; PayloadNone ends the chain
	cur     PayloadHeader
	body    []byte // body of the current payload
	bodyOff int
	have    bool
	read    bool // the current payload's fixed part was read by a typed call
	skNext  PayloadType
	unknown int
	accept  [4]uint64

	// Lists within the current payload; offsets are into body.
	list     int // next proposal / selector / CP attribute
	listN    int
	listWant int // TS: NumTS
	prevNum  uint8
	prop     int // transforms of the current proposal: next and end
	propEnd  int
	trans    int // attributes of the current transform: next and end
	transEnd int
	inList   bool
	inProp   bool
	inTrans  bool
}

// Start reads the IKE header of msg, a whole UDP payload (on port 4500,
// after the non-ESP marker), and prepares to read its payloads.
func (p *Parser) Start(msg []byte) (Header, error) {
	accept := p.accept
	*p = Parser{accept: accept}
	h, err := DecodeHeader(msg)
	if err != nil {
		return Header{}, err
	}
	if err := h.check(len(msg)); err != nil {
		return h, err
	}
	p.msg, p.hdr, p.off, p.next = msg, h, HeaderLen, h.NextPayload
	return h, nil
}

// StartInner prepares to read a chain of payloads that is not preceded by
// an IKE header: the decrypted content of an SK payload, or the reassembled
// content of SKF fragments (Protector.Open and Reassembler give it), whose
// first payload has type first. Header returns h. Offsets in errors and
// PayloadHeader are from the start of inner.
func (p *Parser) StartInner(h Header, first PayloadType, inner []byte) {
	accept := p.accept
	*p = Parser{accept: accept, msg: inner, hdr: h, next: first, inner: true}
}

// Header returns the header read by Start (or given to StartInner).
func (p *Parser) Header() Header { return p.hdr }

// Recognize marks a payload type as understood by the caller, so that the
// critical bit on it is not an error (RFC 7296 §2.5). The payloads this
// package decodes (PayloadType.Decoded) are always recognized. It survives
// Start.
func (p *Parser) Recognize(t PayloadType) { p.accept[t>>6] |= 1 << (t & 63) }

func (p *Parser) recognized(t PayloadType) bool {
	return t.Decoded() || p.accept[t>>6]&(1<<(t&63)) != 0
}

// Unrecognized returns how many payloads Next returned that the parser did
// not recognize (and whose critical bit was clear): RFC 7296 §2.5 says to
// ignore them, and this count is how they are reported.
func (p *Parser) Unrecognized() int { return p.unknown }

// EncryptedNext returns the Next Payload field of the SK or SKF payload
// read last: the type of the first payload inside it (0 in SKF fragments
// after the first).
func (p *Parser) EncryptedNext() PayloadType { return p.skNext }

// Next returns the generic header of the next payload, or ErrSectionDone
// after the last. The body of the payload is read with the typed call for
// its type (or Body); an unread body is skipped by the following Next.
func (p *Parser) Next() (PayloadHeader, error) {
	p.have, p.read, p.inList, p.inProp, p.inTrans = false, false, false, false, false
	if p.next == PayloadNone {
		if p.off != len(p.msg) {
			return PayloadHeader{}, errs.MalformedValue(layerName, "payloads", p.off,
				"octets after the last payload", len(p.msg)-p.off, 0)
		}
		return PayloadHeader{}, ErrSectionDone
	}
	if p.msg == nil {
		return PayloadHeader{}, ErrSectionDone
	}
	t := p.next
	rest := p.msg[p.off:]
	if len(rest) < PayloadHeaderLen {
		return PayloadHeader{}, errs.Truncated(layerName, "payload "+t.String(), p.off, PayloadHeaderLen, len(rest))
	}
	h := PayloadHeader{
		Type:        t,
		NextPayload: PayloadType(rest[0]),
		Critical:    rest[1]&0x80 != 0,
		Reserved:    rest[1] & 0x7f,
		Length:      binary.BigEndian.Uint16(rest[2:]),
		Offset:      p.off,
	}
	n := int(h.Length)
	if n < PayloadHeaderLen {
		return PayloadHeader{}, errs.MalformedValue(layerName, "payload "+t.String()+": length", p.off+2,
			"shorter than the generic payload header", n, PayloadHeaderLen)
	}
	if n > len(rest) {
		return PayloadHeader{}, errs.Truncated(layerName, "payload "+t.String(), p.off, n, len(rest))
	}
	if !p.recognized(t) {
		if h.Critical {
			return PayloadHeader{}, newCriticalPayloadError(t, p.off)
		}
		p.unknown++
	}
	if m := minBody(t); n-PayloadHeaderLen < m {
		return PayloadHeader{}, errs.MalformedValue(layerName, "payload "+t.String()+": length", p.off+2,
			"shorter than the payload's fixed part", n, PayloadHeaderLen+m)
	}
	p.cur, p.have = h, true
	p.body, p.bodyOff = rest[PayloadHeaderLen:n], p.off+PayloadHeaderLen
	p.off += n
	p.next = h.NextPayload
	if t == PayloadSK || t == PayloadSKF {
		// RFC 7296 §3.14, RFC 7383 §2.5: the last payload; its Next Payload
		// names the first payload inside it.
		if p.inner {
			return PayloadHeader{}, errs.Malformed(layerName, "payload "+t.String(), h.Offset,
				"an encrypted payload inside an encrypted payload")
		}
		if p.off != len(p.msg) {
			return PayloadHeader{}, errs.MalformedValue(layerName, "payload "+t.String(), h.Offset,
				"not the last payload of the message", len(p.msg)-p.off, 0)
		}
		p.skNext, p.next = h.NextPayload, PayloadNone
	}
	return h, nil
}

// Body returns the body of the current payload (after the generic header),
// whatever its type: the way to read payloads carried opaquely (GSPM, IDg,
// GSA, KD, PS, private and unrecognized types).
func (p *Parser) Body() ([]byte, error) {
	if !p.have {
		return nil, errs.New(layerName, "payload", p.off, errs.ErrMalformed, "no current payload: call Next first")
	}
	return p.body, nil
}

func (p *Parser) want(t1, t2 PayloadType) error {
	if !p.have || (p.cur.Type != t1 && p.cur.Type != t2) {
		return errs.New(layerName, "payload "+t1.String(), p.cur.Offset, errs.ErrMalformed,
			"the current payload is not of this type")
	}
	return nil
}

// KE reads the current Key Exchange payload.
func (p *Parser) KE() (KE, error) {
	if err := p.want(PayloadKE, PayloadKE); err != nil {
		return KE{}, err
	}
	return decodeKE(p.body), nil
}

// ID reads the current IDi or IDr payload.
func (p *Parser) ID() (ID, error) {
	if err := p.want(PayloadIDi, PayloadIDr); err != nil {
		return ID{}, err
	}
	return decodeID(p.body), nil
}

// Cert reads the current Certificate payload.
func (p *Parser) Cert() (Cert, error) {
	if err := p.want(PayloadCERT, PayloadCERT); err != nil {
		return Cert{}, err
	}
	return Cert{Encoding: CertEncoding(p.body[0]), Data: p.body[1:]}, nil
}

// CertReq reads the current Certificate Request payload.
func (p *Parser) CertReq() (CertReq, error) {
	if err := p.want(PayloadCERTREQ, PayloadCERTREQ); err != nil {
		return CertReq{}, err
	}
	return CertReq{Encoding: CertEncoding(p.body[0]), Data: p.body[1:]}, nil
}

// Auth reads the current Authentication payload.
func (p *Parser) Auth() (Auth, error) {
	if err := p.want(PayloadAUTH, PayloadAUTH); err != nil {
		return Auth{}, err
	}
	return decodeAuth(p.body), nil
}

// Nonce reads the current Nonce payload's data, which RFC 7296 §3.9 says
// MUST be 16 to 256 octets.
func (p *Parser) Nonce() ([]byte, error) {
	if err := p.want(PayloadNonce, PayloadNonce); err != nil {
		return nil, err
	}
	if n := len(p.body); n < MinNonceLen || n > MaxNonceLen {
		return nil, &errs.DecodeError{Layer: layerName, Field: "nonce", Offset: p.bodyOff, Err: errs.ErrMalformed,
			Detail: "Nonce Data must be 16 to 256 octets", Have: n, Need: MinNonceLen}
	}
	return p.body, nil
}

// Nonce Data bounds (RFC 7296 §3.9).
const (
	MinNonceLen = 16
	MaxNonceLen = 256
)

// Notify reads the current Notify payload.
func (p *Parser) Notify() (Notify, error) {
	if err := p.want(PayloadNotify, PayloadNotify); err != nil {
		return Notify{}, err
	}
	return decodeNotify(p.body, p.bodyOff)
}

// Delete reads the current Delete payload.
func (p *Parser) Delete() (Delete, error) {
	if err := p.want(PayloadDelete, PayloadDelete); err != nil {
		return Delete{}, err
	}
	return decodeDelete(p.body, p.bodyOff)
}

// VendorID reads the current Vendor ID payload.
func (p *Parser) VendorID() ([]byte, error) {
	if err := p.want(PayloadVendorID, PayloadVendorID); err != nil {
		return nil, err
	}
	return p.body, nil
}

// Encrypted reads the current SK payload.
func (p *Parser) Encrypted() (Encrypted, error) {
	if err := p.want(PayloadSK, PayloadSK); err != nil {
		return Encrypted{}, err
	}
	return Encrypted{Data: p.body}, nil
}

// EncryptedFragment reads the current SKF payload and checks its numbering
// (RFC 7383 §2.5: Fragment Number and Total Fragments non-zero, the number
// at most the total).
func (p *Parser) EncryptedFragment() (EncryptedFragment, error) {
	if err := p.want(PayloadSKF, PayloadSKF); err != nil {
		return EncryptedFragment{}, err
	}
	f := EncryptedFragment{
		FragmentNumber: binary.BigEndian.Uint16(p.body),
		TotalFragments: binary.BigEndian.Uint16(p.body[2:]),
		Data:           p.body[4:],
	}
	if err := checkFragmentNumbers(f.FragmentNumber, f.TotalFragments, p.bodyOff); err != nil {
		return EncryptedFragment{}, err
	}
	return f, nil
}

func checkFragmentNumbers(num, total uint16, off int) error {
	switch {
	case total == 0:
		return &errs.DecodeError{Layer: layerName, Field: "fragment: total fragments", Offset: off + 2,
			Err: ErrFragmentNumber, Detail: "Total Fragments is zero", Have: 0}
	case num == 0 || num > total:
		return &errs.DecodeError{Layer: layerName, Field: "fragment: fragment number", Offset: off,
			Err: ErrFragmentNumber, Detail: "Fragment Number outside 1..Total Fragments", Have: int(num), Need: int(total)}
	}
	return nil
}

// EAP reads the current EAP payload.
func (p *Parser) EAP() (EAP, error) {
	if err := p.want(PayloadEAP, PayloadEAP); err != nil {
		return EAP{}, err
	}
	return decodeEAP(p.body, p.bodyOff)
}

// Proposal returns the next proposal of the current SA payload, or
// ErrSectionDone after the last. It checks the proposal's own length, its
// Last marker (0 on the last proposal, 2 before), its number (one more than
// the previous proposal's; RFC 7296 §3.3.1), and that its transforms fill it
// exactly and number NumTransforms.
func (p *Parser) Proposal() (Proposal, error) {
	if err := p.want(PayloadSA, PayloadSA); err != nil {
		return Proposal{}, err
	}
	if !p.inList {
		if len(p.body) == 0 {
			return Proposal{}, errs.Malformed(layerName, "sa", p.cur.Offset, "SA payload without proposals")
		}
		p.inList, p.list, p.listN = true, 0, 0
	}
	p.inProp, p.inTrans = false, false
	if p.list == len(p.body) {
		return Proposal{}, ErrSectionDone
	}
	off := p.bodyOff + p.list
	b := p.body[p.list:]
	if len(b) < 8 {
		return Proposal{}, errs.Truncated(layerName, "sa: proposal", off, 8, len(b))
	}
	pr := Proposal{Last: b[0], Reserved: b[1], Length: binary.BigEndian.Uint16(b[2:]), Number: b[4],
		ProtocolID: ProtocolID(b[5]), SPISize: b[6], NumTransforms: b[7]}
	n := int(pr.Length)
	switch {
	case n < 8+int(pr.SPISize):
		return Proposal{}, errs.MalformedValue(layerName, "sa: proposal: length", off+2, "shorter than its fixed part and SPI", n, 8+int(pr.SPISize))
	case n > len(b):
		return Proposal{}, errs.Truncated(layerName, "sa: proposal", off, n, len(b))
	case pr.Last != 0 && pr.Last != 2:
		return Proposal{}, errs.MalformedValue(layerName, "sa: proposal: last substruc", off, "must be 0 or 2", int(pr.Last), 0)
	case pr.Last == 0 && n != len(b):
		return Proposal{}, errs.Malformed(layerName, "sa: proposal: last substruc", off, "0 (last) but more proposals follow")
	case pr.Last == 2 && n == len(b):
		return Proposal{}, errs.Malformed(layerName, "sa: proposal: last substruc", off, "2 (more) on the last proposal")
	case pr.Number == 0:
		return Proposal{}, errs.MalformedValue(layerName, "sa: proposal: number", off+4, "proposal numbers start at 1", 0, 1)
	case p.listN > 0 && pr.Number != p.prevNum+1:
		return Proposal{}, errs.MalformedValue(layerName, "sa: proposal: number", off+4,
			"not one more than the previous proposal's", int(pr.Number), int(p.prevNum)+1)
	}
	pr.SPI = b[8 : 8+int(pr.SPISize)]
	start := p.list + 8 + int(pr.SPISize)
	end := p.list + n
	if err := p.checkTransforms(start, end, int(pr.NumTransforms)); err != nil {
		return Proposal{}, err
	}
	p.prevNum = pr.Number
	p.list += n
	p.listN++
	p.inProp, p.prop, p.propEnd = true, start, end
	return pr, nil
}

// checkTransforms walks the transforms in body[start:end] to verify their
// framing, Last markers, attributes and count.
func (p *Parser) checkTransforms(start, end, want int) error {
	got := 0
	for o := start; o < end; {
		_, n, err := p.decodeTransform(o, end)
		if err != nil {
			return err
		}
		o += n
		got++
	}
	if got != want {
		return errs.MalformedValue(layerName, "sa: proposal: number of transforms", p.bodyOff+start-1,
			"does not match the transforms present", want, got)
	}
	return nil
}

// decodeTransform reads the transform at body[o:end] and verifies its
// attributes.
func (p *Parser) decodeTransform(o, end int) (Transform, int, error) {
	off := p.bodyOff + o
	b := p.body[o:end]
	if len(b) < 8 {
		return Transform{}, 0, errs.Truncated(layerName, "sa: transform", off, 8, len(b))
	}
	t := Transform{Last: b[0], Reserved: b[1], Length: binary.BigEndian.Uint16(b[2:]), Type: TransformType(b[4]),
		Reserved2: b[5], ID: binary.BigEndian.Uint16(b[6:])}
	n := int(t.Length)
	switch {
	case n < 8:
		return Transform{}, 0, errs.MalformedValue(layerName, "sa: transform: length", off+2, "shorter than its fixed part", n, 8)
	case n > len(b):
		return Transform{}, 0, errs.Truncated(layerName, "sa: transform", off, n, len(b))
	case t.Last != 0 && t.Last != 3:
		return Transform{}, 0, errs.MalformedValue(layerName, "sa: transform: last substruc", off, "must be 0 or 3", int(t.Last), 0)
	case t.Last == 0 && n != len(b):
		return Transform{}, 0, errs.Malformed(layerName, "sa: transform: last substruc", off, "0 (last) but more transforms follow")
	case t.Last == 3 && n == len(b):
		return Transform{}, 0, errs.Malformed(layerName, "sa: transform: last substruc", off, "3 (more) on the last transform")
	}
	for a := 8; a < n; {
		attr, an, err := decodeTransformAttribute(b[a:n], off+a)
		if err != nil {
			return Transform{}, 0, err
		}
		if attr.Type == AttrKeyLength {
			if !attr.TV {
				return Transform{}, 0, errs.Malformed(layerName, "sa: transform: key length", off+a, "Key Length must be a TV attribute")
			}
			t.KeyLength = attr.Value
		}
		a += an
	}
	return t, n, nil
}

func decodeTransformAttribute(b []byte, off int) (TransformAttribute, int, error) {
	if len(b) < 4 {
		return TransformAttribute{}, 0, errs.Truncated(layerName, "sa: transform: attribute", off, 4, len(b))
	}
	v := binary.BigEndian.Uint16(b)
	a := TransformAttribute{TV: v&0x8000 != 0, Type: TransformAttrType(v & 0x7fff)}
	if a.TV {
		a.Value = binary.BigEndian.Uint16(b[2:])
		return a, 4, nil
	}
	n := 4 + int(binary.BigEndian.Uint16(b[2:]))
	if n > len(b) {
		return TransformAttribute{}, 0, errs.Truncated(layerName, "sa: transform: attribute value", off+4, n-4, len(b)-4)
	}
	a.Data = b[4:n]
	return a, n, nil
}

// Transform returns the next transform of the current proposal, or
// ErrSectionDone after the last.
func (p *Parser) Transform() (Transform, error) {
	if !p.have || p.cur.Type != PayloadSA || !p.inProp {
		return Transform{}, errs.New(layerName, "sa: transform", p.cur.Offset, errs.ErrMalformed, "no current proposal: call Proposal first")
	}
	p.inTrans = false
	if p.prop == p.propEnd {
		return Transform{}, ErrSectionDone
	}
	t, n, err := p.decodeTransform(p.prop, p.propEnd)
	if err != nil {
		return Transform{}, err
	}
	p.inTrans, p.trans, p.transEnd = true, p.prop+8, p.prop+n
	p.prop += n
	return t, nil
}

// TransformAttribute returns the next attribute of the current transform,
// or ErrSectionDone after the last.
func (p *Parser) TransformAttribute() (TransformAttribute, error) {
	if !p.have || p.cur.Type != PayloadSA || !p.inTrans {
		return TransformAttribute{}, errs.New(layerName, "sa: transform: attribute", p.cur.Offset, errs.ErrMalformed,
			"no current transform: call Transform first")
	}
	if p.trans == p.transEnd {
		return TransformAttribute{}, ErrSectionDone
	}
	a, n, err := decodeTransformAttribute(p.body[p.trans:p.transEnd], p.bodyOff+p.trans)
	if err != nil {
		return TransformAttribute{}, err
	}
	p.trans += n
	return a, nil
}

// TS reads the fixed part of the current TSi or TSr payload and checks that
// exactly Number of TSs selectors fill it; TrafficSelector then returns them.
func (p *Parser) TS() (TSHeader, error) {
	if err := p.want(PayloadTSi, PayloadTSr); err != nil {
		return TSHeader{}, err
	}
	h := TSHeader{NumTS: p.body[0], Reserved: [3]byte(p.body[1:4])}
	got := 0
	for o := 4; o < len(p.body); got++ {
		_, n, err := decodeTrafficSelector(p.body[o:], p.bodyOff+o)
		if err != nil {
			return TSHeader{}, err
		}
		o += n
	}
	if got != int(h.NumTS) {
		return TSHeader{}, errs.MalformedValue(layerName, "ts: number of TSs", p.bodyOff,
			"does not match the selectors present", int(h.NumTS), got)
	}
	p.inList, p.list, p.listN, p.listWant = true, 4, 0, got
	return h, nil
}

// TrafficSelector returns the next selector of the current TS payload (after
// TS), or ErrSectionDone after the last.
func (p *Parser) TrafficSelector() (TrafficSelector, error) {
	if !p.have || (p.cur.Type != PayloadTSi && p.cur.Type != PayloadTSr) || !p.inList {
		return TrafficSelector{}, errs.New(layerName, "ts: traffic selector", p.cur.Offset, errs.ErrMalformed,
			"no current TS payload: call TS first")
	}
	if p.list == len(p.body) {
		return TrafficSelector{}, ErrSectionDone
	}
	ts, n, err := decodeTrafficSelector(p.body[p.list:], p.bodyOff+p.list)
	if err != nil {
		return TrafficSelector{}, err
	}
	p.list += n
	p.listN++
	return ts, nil
}

// Config reads the fixed part of the current Configuration payload and
// checks the framing of its attributes; ConfigAttribute then returns them.
func (p *Parser) Config() (Config, error) {
	if err := p.want(PayloadCP, PayloadCP); err != nil {
		return Config{}, err
	}
	c := Config{Type: CFGType(p.body[0]), Reserved: [3]byte(p.body[1:4])}
	for o := 4; o < len(p.body); {
		_, n, err := decodeConfigAttribute(p.body[o:], p.bodyOff+o)
		if err != nil {
			return Config{}, err
		}
		o += n
	}
	p.inList, p.list, p.listN = true, 4, 0
	return c, nil
}

// ConfigAttribute returns the next attribute of the current Configuration
// payload (after Config), or ErrSectionDone after the last.
func (p *Parser) ConfigAttribute() (ConfigAttribute, error) {
	if !p.have || p.cur.Type != PayloadCP || !p.inList {
		return ConfigAttribute{}, errs.New(layerName, "cp: attribute", p.cur.Offset, errs.ErrMalformed,
			"no current CP payload: call Config first")
	}
	if p.list == len(p.body) {
		return ConfigAttribute{}, ErrSectionDone
	}
	a, n, err := decodeConfigAttribute(p.body[p.list:], p.bodyOff+p.list)
	if err != nil {
		return ConfigAttribute{}, err
	}
	p.list += n
	p.listN++
	return a, nil
}

// Validate parses a whole message with a Parser, reading every payload and
// every list inside SA, TS and CP payloads, and returns the first error.
// SK and SKF payloads are checked only as far as their framing (their
// content needs the keys).
func Validate(msg []byte) error {
	var p Parser
	if _, err := p.Start(msg); err != nil {
		return err
	}
	return p.validateChain()
}

// validateChain reads every remaining payload of the parser's chain.
func (p *Parser) validateChain() error {
	for {
		h, err := p.Next()
		if err == ErrSectionDone {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.validatePayload(h.Type); err != nil {
			return err
		}
	}
}

func (p *Parser) validatePayload(t PayloadType) error {
	var err error
	switch t {
	case PayloadSA:
		for {
			if _, err = p.Proposal(); err != nil {
				break
			}
			for {
				if _, err = p.Transform(); err != nil {
					break
				}
				for err == nil {
					_, err = p.TransformAttribute()
				}
				if err != ErrSectionDone {
					break
				}
			}
			if err != ErrSectionDone {
				break
			}
		}
	case PayloadKE:
		_, err = p.KE()
	case PayloadIDi, PayloadIDr:
		_, err = p.ID()
	case PayloadCERT:
		_, err = p.Cert()
	case PayloadCERTREQ:
		_, err = p.CertReq()
	case PayloadAUTH:
		_, err = p.Auth()
	case PayloadNonce:
		_, err = p.Nonce()
	case PayloadNotify:
		_, err = p.Notify()
	case PayloadDelete:
		_, err = p.Delete()
	case PayloadVendorID:
		_, err = p.VendorID()
	case PayloadTSi, PayloadTSr:
		if _, err = p.TS(); err == nil {
			for err == nil {
				_, err = p.TrafficSelector()
			}
		}
	case PayloadSK:
		_, err = p.Encrypted()
	case PayloadSKF:
		_, err = p.EncryptedFragment()
	case PayloadCP:
		if _, err = p.Config(); err == nil {
			for err == nil {
				_, err = p.ConfigAttribute()
			}
		}
	case PayloadEAP:
		_, err = p.EAP()
	default:
		_, err = p.Body()
	}
	if err == ErrSectionDone {
		return nil
	}
	return err
}
