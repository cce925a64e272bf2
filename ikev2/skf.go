package ikev2

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// SealFragments splits a message in plain form (an SK payload holding the
// inner payloads in clear, as Builder.Finish gives it after StartSK) into
// SKF fragments (RFC 7383 §2.5), seals each with a fresh IV, and calls emit
// with each datagram in order, Fragment Number 1 first. Every fragment is at
// most maxLen octets (the IKE message, without a non-ESP marker or UDP/IP
// headers; RFC 7383 §2.5.1 suggests 1280 minus those for IPv6, 576 minus
// them for IPv4). The first fragment carries the SK payload's Next Payload
// and any unencrypted payloads that precede it; the others have Next
// Payload 0 and the header alone.
//
// The datagram passed to emit lives in buf (reused for every fragment) and
// is only valid during the call; with enough room in buf nothing is
// allocated.
func (p *Protector) SealFragments(buf, plain []byte, maxLen int, emit func(fragment []byte) error) error {
	off, t, err := findEncrypted(plain)
	if err != nil {
		return err
	}
	if t != PayloadSK {
		return errs.New(layerName, "skf", off, errs.ErrMalformed, "message to fragment must hold an SK payload")
	}
	inner := plain[off+PayloadHeaderLen:]
	first := PayloadType(plain[off])
	// The room for inner octets in one fragment: what is left of maxLen
	// after the header (and, in the first, the unencrypted payloads), the
	// SKF header, IV and ICV, rounded down to the cipher block, less the Pad
	// Length octet.
	room := func(prefix int) int {
		avail := maxLen - prefix - PayloadHeaderLen - 4 - p.ivLen - p.icvLen
		avail -= avail % p.blockSize
		return avail - 1
	}
	r1, rn := room(off), room(HeaderLen)
	if r1 < 1 || rn < 1 {
		return errs.MalformedValue(layerName, "skf", 0, "maximum fragment length leaves no room for data", maxLen, 0)
	}
	total := 1
	if len(inner) > r1 {
		total += (len(inner) - r1 + rn - 1) / rn
	}
	if total > 0xffff {
		return errs.New(layerName, "skf", 0, errs.ErrTooLarge, "more than 65535 fragments")
	}
	for n, pos := 1, 0; n <= total; n++ {
		prefix, r, np := off, r1, first
		if n > 1 {
			prefix, r, np = HeaderLen, rn, PayloadNone
		}
		chunk := inner[pos:min(pos+r, len(inner))]
		pos += len(chunk)
		// The fragment in plain form: header (and, in the first, the
		// unencrypted payloads), SKF header, this chunk.
		f := append(buf[:0], plain[:prefix]...)
		if n > 1 {
			f[16] = byte(PayloadSKF)
		} else if off == HeaderLen {
			f[16] = byte(PayloadSKF)
		} else {
			f[lastNextPayload(plain, off)] = byte(PayloadSKF)
		}
		f = append(f, byte(np), 0, 0, 0, byte(n>>8), byte(n), byte(total>>8), byte(total))
		f = append(f, chunk...)
		binary.BigEndian.PutUint16(f[prefix+2:], uint16(len(f)-prefix))
		binary.BigEndian.PutUint32(f[24:], uint32(len(f)))
		plainLen := len(f)
		sealed, err := p.Seal(f[plainLen:], f)
		if err != nil {
			return err
		}
		if err := emit(sealed); err != nil {
			return err
		}
		buf = f[:0]
	}
	return nil
}

// lastNextPayload returns the offset of the Next Payload field that names
// the payload at off: the header's, or that of the payload before it.
func lastNextPayload(msg []byte, off int) int {
	at, o := 16, HeaderLen
	for o < off {
		at = o
		o += int(binary.BigEndian.Uint16(msg[o+2:]))
	}
	return at
}

// Reassembler collects the SKF fragments of messages (RFC 7383 §2.6) and
// returns each message, once complete, in plain form. Every fragment is
// authenticated (Protector.Open) before anything of it is kept. It holds
// hard bounds against hostile peers: fragments per message, decrypted
// octets per message, and messages being reassembled at once; a fragment
// that would exceed one is refused with ErrTooLarge.
//
// Per RFC 7383 §2.6.1 a fragment with a larger Total Fragments than the
// ones held (the sender re-fragmented for a smaller path MTU) discards them
// and starts over; one with a smaller Total is refused (ErrFragmentMismatch).
// A fragment number out of range is ErrFragmentNumber and a repeat
// ErrDuplicateFragment; neither disturbs the fragments held.
//
// A Reassembler is safe for concurrent use.
type Reassembler struct {
	// MaxFragments bounds Total Fragments (default 128: a 64 KiB message
	// in fragments of 576 octets needs 120).
	MaxFragments int
	// MaxBytes bounds the decrypted octets of one message (default and
	// most 65531, what one SK payload can hold).
	MaxBytes int
	// MaxMessages bounds the messages reassembled at once (default 8).
	MaxMessages int

	mu      sync.Mutex
	pending []*reassembly
	scratch []byte
}

type reassemblyKey struct {
	spii, spir uint64
	msgID      uint32
	response   bool
}

type reassembly struct {
	key     reassemblyKey
	total   uint16
	have    int
	bytes   int
	first   PayloadType
	prefix  []byte   // fragment 1's header and unencrypted payloads
	frags   [][]byte // decrypted content, by Fragment Number - 1
	started time.Time
}

// Reassembled is what Reassembler.Add returns.
type Reassembled struct {
	// Complete is true when this fragment completed its message.
	Complete bool
	// Message is the whole message in plain form: its header (Next Payload
	// naming SK where fragment 1 named SKF), the unencrypted payloads of
	// fragment 1, and an SK payload whose body is the reassembled inner
	// payloads. Parser.Start reads it; Protector.Seal would send it
	// unfragmented.
	Message []byte
	// Inner is the reassembled inner payload chain within Message, and
	// First the type of its first payload.
	Inner []byte
	First PayloadType
	// Fragment and Total describe the fragment just added.
	Fragment, Total uint16
}

// maxInner is the most inner octets one SK payload can hold.
const maxInner = 0xffff - PayloadHeaderLen

func (r *Reassembler) limits() (frags, bytes, msgs int) {
	frags, bytes, msgs = r.MaxFragments, r.MaxBytes, r.MaxMessages
	if frags <= 0 {
		frags = 128
	}
	if bytes <= 0 || bytes > maxInner {
		bytes = maxInner
	}
	if msgs <= 0 {
		msgs = 8
	}
	return
}

// Pending returns how many messages are being reassembled.
func (r *Reassembler) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Expire drops the reassemblies whose first fragment arrived before t.
func (r *Reassembler) Expire(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keep := r.pending[:0]
	for _, m := range r.pending {
		if !m.started.Before(t) {
			keep = append(keep, m)
		}
	}
	clear(r.pending[len(keep):])
	r.pending = keep
}

func (r *Reassembler) drop(i int) {
	r.pending = append(r.pending[:i], r.pending[i+1:]...)
	r.pending[len(r.pending):cap(r.pending)][0] = nil
}

func fragErr(field string, off int, sentinel error, detail string, have, need int) error {
	return &errs.DecodeError{Layer: layerName, Field: "fragment: " + field, Offset: off, Err: sentinel,
		Detail: detail, Have: have, Need: need}
}

// Add authenticates and decrypts one SKF datagram with p (the sender's
// Protector), keeps its content, and when it completes its message appends
// the message in plain form to dst and returns it. now stamps a new
// reassembly for Expire.
func (r *Reassembler) Add(p *Protector, dst, msg []byte, now time.Time) (Reassembled, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, err := p.Open(r.scratch[:0], msg)
	if err != nil {
		return Reassembled{}, err
	}
	r.scratch = o.Message[:0]
	res := Reassembled{Fragment: o.Fragment, Total: o.Total}
	if o.Total == 0 {
		return res, errs.New(layerName, "fragment", 0, errs.ErrMalformed, "not an SKF message")
	}
	maxFrags, maxBytes, maxMsgs := r.limits()
	if int(o.Total) > maxFrags {
		return res, fragErr("total fragments", HeaderLen+6, errs.ErrTooLarge, "more fragments than the reassembler allows",
			int(o.Total), maxFrags)
	}
	h, _ := DecodeHeader(msg)
	key := reassemblyKey{h.SPIi, h.SPIr, h.MessageID, h.Flags.Response()}
	idx := -1
	for i, m := range r.pending {
		if m.key == key {
			idx = i
		}
	}
	if idx >= 0 && o.Total != r.pending[idx].total {
		if o.Total < r.pending[idx].total {
			return res, fragErr("total fragments", HeaderLen+6, ErrFragmentMismatch,
				"fewer Total Fragments than the fragments held", int(o.Total), int(r.pending[idx].total))
		}
		r.drop(idx) // re-fragmented for a smaller MTU: start over
		idx = -1
	}
	if (o.Fragment == 1) != (o.First != PayloadNone) {
		return res, fragErr("next payload", 0, ErrFragmentMismatch,
			"Next Payload must name the first inner payload in fragment 1 and be zero after", int(o.First), 0)
	}
	if idx < 0 {
		if len(r.pending) >= maxMsgs {
			return res, fragErr("message", 0, errs.ErrTooLarge, "too many messages being reassembled", len(r.pending), maxMsgs)
		}
		r.pending = append(r.pending, &reassembly{key: key, total: o.Total, frags: make([][]byte, o.Total), started: now})
		idx = len(r.pending) - 1
	}
	m := r.pending[idx]
	if m.frags[o.Fragment-1] != nil {
		return res, fragErr("fragment number", 0, ErrDuplicateFragment, "fragment already received", int(o.Fragment), 0)
	}
	if m.bytes+len(o.Inner) > maxBytes {
		r.drop(idx)
		return res, fragErr("message", 0, errs.ErrTooLarge, "reassembled message larger than the reassembler allows",
			m.bytes+len(o.Inner), maxBytes)
	}
	m.frags[o.Fragment-1] = append(make([]byte, 0, len(o.Inner)), o.Inner...)
	m.bytes += len(o.Inner)
	m.have++
	if o.Fragment == 1 {
		m.first = o.First
		skf := len(o.Message) - len(o.Inner) - PayloadHeaderLen - 4
		m.prefix = append([]byte(nil), o.Message[:skf]...)
	}
	if m.have < int(m.total) {
		return res, nil
	}
	r.drop(idx)
	ret, out := grow(dst, len(m.prefix)+PayloadHeaderLen+m.bytes)
	n := copy(out, m.prefix)
	if len(m.prefix) == HeaderLen {
		out[16] = byte(PayloadSK)
	} else {
		out[lastNextPayload(m.prefix, len(m.prefix))] = byte(PayloadSK)
	}
	out[n] = byte(m.first)
	out[n+1] = 0
	binary.BigEndian.PutUint16(out[n+2:], uint16(PayloadHeaderLen+m.bytes))
	n += PayloadHeaderLen
	for _, f := range m.frags {
		n += copy(out[n:], f)
	}
	binary.BigEndian.PutUint32(out[24:], uint32(len(out)))
	res.Complete, res.First = true, m.first
	res.Message = ret[len(dst):]
	res.Inner = res.Message[len(m.prefix)+PayloadHeaderLen:]
	return res, nil
}
