package ikev2

import (
	"encoding/binary"
	"math"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// Builder appends an IKE message to a caller's buffer, one payload at a
// time, in the manner of golang.org/x/net/dns/dnsmessage's Builder: each
// call writes its payload after the previous one and links it into the Next
// Payload chain; lengths (payload, proposal, transform, message) and counts
// (transforms, selectors) and the Last markers of proposals and transforms
// are written when the next element starts or at Finish. No tree of values
// is built, and appending into a buffer with room allocates nothing.
//
// The first error sticks: later calls do nothing and Finish returns it.
//
// After StartSK, payloads go inside the SK payload, and Finish returns the
// message in plain form: the SK payload's body is the chain of inner
// payloads, not yet encrypted. Protector.Seal turns it into the message to
// send; Protector.SealFragments into SKF fragments (RFC 7383).
type Builder struct {
	buf    []byte
	start  int // offset of the IKE header in buf
	np     int // offset of the Next Payload octet the next payload is linked from
	cur    int // offset of the current payload's generic header, -1 before the first
	curT   PayloadType
	last   int // offset of the generic header written last (SK included), -1 before the first
	sk     int // offset of the SK payload, -1 when there is none
	closed bool
	err    error

	prop, trans      int // offsets of the open proposal and transform, -1 when none
	propNum          uint8
	nTrans           int
	list             int // offset of the count octet of a TS payload
	nList            int
	lastProp         int // offsets of the previous proposal / transform, to mark "more"
	lastTrans        int
	inSA, inTS, inCP bool
}

// Start begins a message in buf (appending after what buf holds) with
// header h; NextPayload and Length are written by the Builder.
func (b *Builder) Start(buf []byte, h Header) {
	*b = Builder{buf: buf, start: len(buf), cur: -1, last: -1, sk: -1, prop: -1, trans: -1, lastProp: -1, lastTrans: -1}
	h.NextPayload, h.Length = PayloadNone, 0
	if h.MajorVersion == 0 {
		h.MajorVersion = Version
	}
	b.buf, b.err = h.AppendBinary(b.buf)
	b.np = b.start + 16
}

// NewBuilder returns a Builder started with Start.
func NewBuilder(buf []byte, h Header) *Builder {
	b := new(Builder)
	b.Start(buf, h)
	return b
}

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// begin closes the current payload and opens one of type t with a zeroed
// generic header, linking it from the previous Next Payload field.
func (b *Builder) begin(t PayloadType) bool {
	if b.err != nil {
		return false
	}
	if b.closed {
		b.fail(errs.New(layerName, "payload "+t.String(), len(b.buf)-b.start, errs.ErrMalformed,
			"no payload may follow an SK or SKF payload holding ciphertext"))
		return false
	}
	b.closePayload()
	if b.err != nil {
		return false
	}
	b.buf[b.np] = byte(t)
	b.cur, b.curT, b.last = len(b.buf), t, len(b.buf)
	b.np = b.cur
	b.buf = append(b.buf, 0, 0, 0, 0)
	return true
}

// closePayload writes the length of the current payload and of any open
// proposal, transform or list.
func (b *Builder) closePayload() {
	if b.cur < 0 {
		return
	}
	switch {
	case b.inSA:
		b.closeProposal()
		if b.lastProp < 0 {
			b.fail(errs.Malformed(layerName, "sa", b.cur-b.start, "SA payload without proposals"))
		}
	case b.inTS:
		if b.nList > 255 {
			b.fail(errs.New(layerName, "ts: number of TSs", b.list-b.start, errs.ErrTooLarge, "more than 255 selectors"))
		}
		b.buf[b.list] = byte(b.nList)
	}
	b.inSA, b.inTS, b.inCP = false, false, false
	b.setLength(b.cur+2, len(b.buf)-b.cur, "payload "+b.curT.String())
}

func (b *Builder) setLength(at, n int, what string) {
	if n > math.MaxUint16 {
		b.fail(&errs.DecodeError{Layer: layerName, Field: what + ": length", Offset: at - b.start,
			Err: errs.ErrTooLarge, Detail: "longer than 65535 octets", Have: n, Need: math.MaxUint16})
		return
	}
	binary.BigEndian.PutUint16(b.buf[at:], uint16(n))
}

// SetPayloadFlags sets the critical bit and the 7 reserved bits of the
// payload written last (RFC 7296 §3.2: the critical bit MUST be clear on
// the payloads it defines; this is for extensions, tests and re-encoding
// what was received).
func (b *Builder) SetPayloadFlags(critical bool, reserved uint8) {
	if b.err != nil || b.last < 0 {
		return
	}
	v := reserved & 0x7f
	if critical {
		v |= 0x80
	}
	b.buf[b.last+1] = v
}

// Finish closes the last payload, writes the message Length, and returns
// the message (buf with the message appended).
func (b *Builder) Finish() ([]byte, error) {
	if b.err != nil {
		return b.buf, b.err
	}
	b.closePayload()
	if b.sk >= 0 && !b.closed {
		b.setLength(b.sk+2, len(b.buf)-b.sk, "payload SK")
	}
	n := len(b.buf) - b.start
	if int64(n) > math.MaxUint32 {
		b.fail(errs.New(layerName, "length", 24, errs.ErrTooLarge, "message longer than 2^32-1 octets"))
	}
	if b.err != nil {
		return b.buf, b.err
	}
	binary.BigEndian.PutUint32(b.buf[b.start+24:], uint32(n))
	return b.buf, nil
}

// Raw appends a payload of any type with the given body: the way to write
// the payloads carried opaquely (GSPM, IDg, GSA, KD, PS) and private ones.
func (b *Builder) Raw(t PayloadType, body []byte) {
	if b.begin(t) {
		b.buf = append(b.buf, body...)
	}
}

// KE appends a Key Exchange payload.
func (b *Builder) KE(k KE) {
	if b.begin(PayloadKE) {
		b.buf = k.appendBody(b.buf)
	}
}

// IDi appends an Identification - Initiator payload.
func (b *Builder) IDi(id ID) { b.id(PayloadIDi, id) }

// IDr appends an Identification - Responder payload.
func (b *Builder) IDr(id ID) { b.id(PayloadIDr, id) }

func (b *Builder) id(t PayloadType, id ID) {
	if b.begin(t) {
		b.buf = id.appendBody(b.buf)
	}
}

// Cert appends a Certificate payload.
func (b *Builder) Cert(c Cert) {
	if b.begin(PayloadCERT) {
		b.buf = append(append(b.buf, byte(c.Encoding)), c.Data...)
	}
}

// CertReq appends a Certificate Request payload.
func (b *Builder) CertReq(c CertReq) {
	if b.begin(PayloadCERTREQ) {
		b.buf = append(append(b.buf, byte(c.Encoding)), c.Data...)
	}
}

// Auth appends an Authentication payload.
func (b *Builder) Auth(a Auth) {
	if b.begin(PayloadAUTH) {
		b.buf = a.appendBody(b.buf)
	}
}

// Nonce appends a Nonce payload; RFC 7296 §3.9 requires 16 to 256 octets.
func (b *Builder) Nonce(nonce []byte) {
	if n := len(nonce); n < MinNonceLen || n > MaxNonceLen {
		b.fail(&errs.DecodeError{Layer: layerName, Field: "nonce", Offset: len(b.buf) - b.start, Err: errs.ErrMalformed,
			Detail: "Nonce Data must be 16 to 256 octets", Have: n, Need: MinNonceLen})
		return
	}
	if b.begin(PayloadNonce) {
		b.buf = append(b.buf, nonce...)
	}
}

// Notify appends a Notify payload; SPISize is taken from len(n.SPI).
func (b *Builder) Notify(n Notify) {
	if len(n.SPI) > 255 {
		b.fail(errs.New(layerName, "notify: SPI", len(b.buf)-b.start, errs.ErrTooLarge, "SPI longer than 255 octets"))
		return
	}
	if b.begin(PayloadNotify) {
		b.buf = n.appendBody(b.buf)
	}
}

// Delete appends a Delete payload. SPIs must hold NumSPIs SPIs of SPISize
// octets.
func (b *Builder) Delete(d Delete) {
	if int(d.SPISize)*int(d.NumSPIs) != len(d.SPIs) {
		b.fail(errs.MalformedValue(layerName, "delete: SPIs", len(b.buf)-b.start,
			"SPI Size times Number of SPIs does not match the SPIs given", len(d.SPIs), int(d.SPISize)*int(d.NumSPIs)))
		return
	}
	if b.begin(PayloadDelete) {
		b.buf = d.appendBody(b.buf)
	}
}

// VendorID appends a Vendor ID payload.
func (b *Builder) VendorID(v []byte) {
	if b.begin(PayloadVendorID) {
		b.buf = append(b.buf, v...)
	}
}

// EAP appends an EAP payload; the EAP Length is computed.
func (b *Builder) EAP(e EAP) {
	if b.begin(PayloadEAP) {
		var err error
		if b.buf, err = e.appendBody(b.buf); err != nil {
			b.fail(err)
		}
	}
}

// StartSA begins a Security Association payload; Proposal and Transform
// fill it.
func (b *Builder) StartSA() {
	if b.begin(PayloadSA) {
		b.inSA, b.prop, b.trans, b.lastProp, b.lastTrans, b.propNum = true, -1, -1, -1, -1, 0
	}
}

// Proposal begins a proposal in the current SA payload. Number, ProtocolID,
// Reserved and SPI are taken from p; Last, Length, SPISize and
// NumTransforms are written by the Builder. A zero Number is replaced by one
// more than the previous proposal's (1 for the first).
func (b *Builder) Proposal(p Proposal) {
	if b.err != nil {
		return
	}
	if !b.inSA {
		b.fail(errs.New(layerName, "sa: proposal", len(b.buf)-b.start, errs.ErrMalformed, "no SA payload open: call StartSA"))
		return
	}
	if len(p.SPI) > 255 {
		b.fail(errs.New(layerName, "sa: proposal: SPI", len(b.buf)-b.start, errs.ErrTooLarge, "SPI longer than 255 octets"))
		return
	}
	b.closeProposal()
	if b.lastProp >= 0 {
		b.buf[b.lastProp] = 2
	}
	if p.Number == 0 {
		p.Number = b.propNum + 1
	}
	b.propNum = p.Number
	b.prop, b.lastProp, b.lastTrans, b.nTrans = len(b.buf), len(b.buf), -1, 0
	b.buf = append(b.buf, 0, p.Reserved, 0, 0, p.Number, byte(p.ProtocolID), byte(len(p.SPI)), 0)
	b.buf = append(b.buf, p.SPI...)
}

func (b *Builder) closeProposal() {
	b.closeTransform()
	if b.prop < 0 {
		return
	}
	if b.nTrans > 255 {
		b.fail(errs.New(layerName, "sa: proposal: number of transforms", b.prop+7-b.start, errs.ErrTooLarge, "more than 255 transforms"))
	}
	b.buf[b.prop+7] = byte(b.nTrans)
	b.setLength(b.prop+2, len(b.buf)-b.prop, "sa: proposal")
	b.prop = -1
}

// Transform appends a transform to the current proposal, with a Key Length
// attribute when t.KeyLength is non-zero. Type, ID and the reserved octets
// are taken from t; Last and Length are written by the Builder.
func (b *Builder) Transform(t Transform) {
	if b.err != nil {
		return
	}
	if b.prop < 0 {
		b.fail(errs.New(layerName, "sa: transform", len(b.buf)-b.start, errs.ErrMalformed, "no proposal open: call Proposal"))
		return
	}
	b.closeTransform()
	if b.lastTrans >= 0 {
		b.buf[b.lastTrans] = 3
	}
	b.trans, b.lastTrans = len(b.buf), len(b.buf)
	b.nTrans++
	b.buf = append(b.buf, 0, t.Reserved, 0, 0, byte(t.Type), t.Reserved2)
	b.buf = binary.BigEndian.AppendUint16(b.buf, t.ID)
	if t.KeyLength != 0 {
		b.buf = append(b.buf, 0x80, byte(AttrKeyLength))
		b.buf = binary.BigEndian.AppendUint16(b.buf, t.KeyLength)
	}
}

// TransformAttribute appends an attribute to the current transform.
func (b *Builder) TransformAttribute(a TransformAttribute) {
	if b.err != nil {
		return
	}
	if b.trans < 0 {
		b.fail(errs.New(layerName, "sa: transform: attribute", len(b.buf)-b.start, errs.ErrMalformed, "no transform open: call Transform"))
		return
	}
	if a.Type > 0x7fff || len(a.Data) > math.MaxUint16 {
		b.fail(errs.New(layerName, "sa: transform: attribute", len(b.buf)-b.start, errs.ErrTooLarge, "type or value too large"))
		return
	}
	if a.TV {
		b.buf = binary.BigEndian.AppendUint16(b.buf, 0x8000|uint16(a.Type))
		b.buf = binary.BigEndian.AppendUint16(b.buf, a.Value)
		return
	}
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(a.Type))
	b.buf = binary.BigEndian.AppendUint16(b.buf, uint16(len(a.Data)))
	b.buf = append(b.buf, a.Data...)
}

func (b *Builder) closeTransform() {
	if b.trans < 0 {
		return
	}
	b.setLength(b.trans+2, len(b.buf)-b.trans, "sa: transform")
	b.trans = -1
}

// StartTSi begins a Traffic Selector - Initiator payload; TrafficSelector
// fills it and the Builder writes Number of TSs.
func (b *Builder) StartTSi(h TSHeader) { b.startTS(PayloadTSi, h) }

// StartTSr begins a Traffic Selector - Responder payload.
func (b *Builder) StartTSr(h TSHeader) { b.startTS(PayloadTSr, h) }

func (b *Builder) startTS(t PayloadType, h TSHeader) {
	if b.begin(t) {
		b.inTS, b.list, b.nList = true, len(b.buf), 0
		b.buf = append(b.buf, 0, h.Reserved[0], h.Reserved[1], h.Reserved[2])
	}
}

// TrafficSelector appends a selector to the current TS payload. For the
// address range types the addresses must be of the type's family; the
// Selector Length is written by the Builder.
func (b *Builder) TrafficSelector(ts TrafficSelector) {
	if b.err != nil {
		return
	}
	if !b.inTS {
		b.fail(errs.New(layerName, "ts: traffic selector", len(b.buf)-b.start, errs.ErrMalformed, "no TS payload open: call StartTSi or StartTSr"))
		return
	}
	var err error
	if b.buf, err = ts.appendTo(b.buf); err != nil {
		b.fail(err)
		return
	}
	b.nList++
}

// StartCP begins a Configuration payload; ConfigAttribute fills it.
func (b *Builder) StartCP(c Config) {
	if b.begin(PayloadCP) {
		b.inCP = true
		b.buf = append(b.buf, byte(c.Type), c.Reserved[0], c.Reserved[1], c.Reserved[2])
	}
}

// ConfigAttribute appends an attribute to the current Configuration payload.
func (b *Builder) ConfigAttribute(a ConfigAttribute) {
	if b.err != nil {
		return
	}
	if !b.inCP {
		b.fail(errs.New(layerName, "cp: attribute", len(b.buf)-b.start, errs.ErrMalformed, "no CP payload open: call StartCP"))
		return
	}
	var err error
	if b.buf, err = a.appendTo(b.buf); err != nil {
		b.fail(err)
	}
}

// StartSK begins the SK payload of a message in plain form: the payloads
// appended after it are its inner payloads, and its Next Payload names the
// first of them. Protector.Seal encrypts the result of Finish.
func (b *Builder) StartSK() {
	if b.sk >= 0 {
		b.fail(errs.New(layerName, "payload SK", len(b.buf)-b.start, errs.ErrMalformed, "a message holds one SK payload"))
		return
	}
	if b.begin(PayloadSK) {
		b.sk = b.cur
		b.cur = -1 // the SK payload's length is written by Finish
	}
}

// Encrypted appends an SK payload holding ciphertext as received, whose
// Next Payload field is first: for re-encoding a parsed message. No payload
// may follow it.
func (b *Builder) Encrypted(first PayloadType, e Encrypted) {
	if b.begin(PayloadSK) {
		b.buf[b.cur] = byte(first)
		b.buf = append(b.buf, e.Data...)
		b.closePayload()
		b.cur, b.closed = -1, true
	}
}

// EncryptedFragment appends an SKF payload holding ciphertext as received
// (RFC 7383 §2.5), whose Next Payload field is first. No payload may follow
// it.
func (b *Builder) EncryptedFragment(first PayloadType, f EncryptedFragment) {
	if b.begin(PayloadSKF) {
		b.buf[b.cur] = byte(first)
		b.buf = binary.BigEndian.AppendUint16(b.buf, f.FragmentNumber)
		b.buf = binary.BigEndian.AppendUint16(b.buf, f.TotalFragments)
		b.buf = append(b.buf, f.Data...)
		b.closePayload()
		b.cur, b.closed = -1, true
	}
}
