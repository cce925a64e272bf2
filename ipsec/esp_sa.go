package ipsec

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/google/gopacket/layers"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// NoNextHeader is the Next Header value of an ESP dummy packet (RFC 4303
// §2.6, IPv6 "No Next Header").
const NoNextHeader layers.IPProtocol = 59

// sequence is an outbound SA's sequence number counter (RFC 4303 §3.3.3).
type sequence struct {
	last atomic.Uint64
	max  uint64
}

// next reserves the next sequence number, refusing to cycle.
func (s *sequence) next() (uint64, error) {
	for {
		cur := s.last.Load()
		if cur >= s.max {
			return 0, ErrRekeyNeeded
		}
		if s.last.CompareAndSwap(cur, cur+1) {
			return cur + 1, nil
		}
	}
}

func newSequence(c *Config) *sequence {
	s := &sequence{max: maxSeq32}
	if c.ESN {
		s.max = ^uint64(0)
	}
	s.last.Store(c.Seq)
	return s
}

// OutboundESP is the sending side of an ESP security association. It is
// safe for concurrent use: each Seal takes the next sequence number
// atomically and works on its own pooled crypto state.
type OutboundESP struct {
	cfg     Config // keys cleared; for printing and addresses
	spi     uint32
	esn     bool
	eng     *engine
	seq     *sequence
	ivs     ivSource
	ptOff   int      // SPI, sequence number and IV
	padMask int      // padding alignment - 1 (a power of two)
	ivSalt  [16]byte // AES-CBC IV generation (fillIV), random per SA
}

// ivSource is an injected IV reader (Config.IVSource), serialised because
// an io.Reader need not be safe for concurrent use.
type ivSource struct {
	mu sync.Mutex
	r  io.Reader
}

func (s *ivSource) read(iv []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.ReadFull(s.r, iv); err != nil {
		return fmt.Errorf("ipsec: IV source: %w", err)
	}
	return nil
}

// NewOutboundESP builds the sending side of an ESP SA.
func NewOutboundESP(c Config) (*OutboundESP, error) {
	eng, err := espParams(&c, false)
	if err != nil {
		return nil, err
	}
	sa := &OutboundESP{spi: c.SPI, esn: c.ESN, eng: eng, seq: newSequence(&c), ivs: ivSource{r: c.IVSource},
		ptOff: 8 + eng.encr.ivLen, padMask: eng.encr.padAlign() - 1}
	_, _ = rand.Read(sa.ivSalt[:]) // never fails (crypto/rand, Go 1.24+)
	sa.cfg = redacted(c)
	return sa, nil
}

// redacted keeps a Config's description without its key bytes.
func redacted(c Config) Config {
	c.EncrKey = make(Key, len(c.EncrKey))
	c.IntegKey = make(Key, len(c.IntegKey))
	c.IVSource = nil
	return c
}

// Format prints the SA with keys redacted.
func (sa *OutboundESP) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "outbound "+sa.cfg.describe("ESP"))
}

// String describes the SA with keys redacted.
func (sa *OutboundESP) String() string { return "outbound " + sa.cfg.describe("ESP") }

// SPI returns the SA's Security Parameters Index.
func (sa *OutboundESP) SPI() uint32 { return sa.spi }

// Addrs returns the SA's source and destination (either may be unset).
func (sa *OutboundESP) Addrs() (src, dst netip.Addr) { return sa.cfg.Src, sa.cfg.Dst }

// LastSeq returns the last sequence number used.
func (sa *OutboundESP) LastSeq() uint64 { return sa.seq.last.Load() }

// PayloadOffset is where the payload sits in a sealed packet: after SPI,
// sequence number and IV. A payload placed at buf[PayloadOffset():] and
// sealed with Seal(buf[:0], nh, payload) is encrypted in place.
func (sa *OutboundESP) PayloadOffset() int { return sa.ptOff }

// Overhead returns how many octets Seal adds to a payload of n octets (with
// no TFC padding): header, IV, padding, trailer and ICV.
func (sa *OutboundESP) Overhead(n int) int { return sa.ptOff + sa.padLen(n) + 2 + sa.eng.icv }

// padLen is the padding that aligns plain octets of payload and the 2-octet
// trailer to the cipher block and to 32 bits (RFC 4303 §2.4).
func (sa *OutboundESP) padLen(plain int) int { return -(plain + 2) & sa.padMask }

// padding is the ESP padding, 1, 2, 3, … (RFC 4303 §2.4), as long as the
// longest padLen (a cipher block).
var padding = [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// Seal appends to dst the ESP packet (SPI through ICV, RFC 4303 §2) carrying
// payload, whose protocol is nextHeader (4 or 41 in tunnel mode, the
// transport protocol in transport mode, NoNextHeader for a dummy packet).
// It allocates nothing when dst has room for the result.
//
// The payload may overlap dst's spare capacity, in particular lie exactly at
// dst[len(dst)+PayloadOffset():] to be encrypted in place.
func (sa *OutboundESP) Seal(dst []byte, nextHeader layers.IPProtocol, payload []byte) ([]byte, error) {
	return sa.seal(dst, nextHeader, payload, 0)
}

// SealTFC is Seal with tfc octets of Traffic Flow Confidentiality padding
// (RFC 4303 §2.7) between the payload and the ESP padding, to hide the
// payload's length. The receiver must be able to find the payload's end
// (an IP packet in tunnel mode, or a transport header with a length).
func (sa *OutboundESP) SealTFC(dst []byte, nextHeader layers.IPProtocol, payload []byte, tfc int) ([]byte, error) {
	if tfc < 0 {
		return dst, errs.New("esp", "TFC padding", 0, errs.ErrMalformed, "negative length")
	}
	return sa.seal(dst, nextHeader, payload, tfc)
}

func (sa *OutboundESP) seal(dst []byte, nh layers.IPProtocol, payload []byte, tfc int) ([]byte, error) {
	e := sa.eng
	plain := len(payload) + tfc
	ptOff := sa.ptOff
	padLen := sa.padLen(plain)
	icvOff := ptOff + plain + padLen + 2
	seq, err := sa.seq.next()
	if err != nil {
		return dst, err
	}
	ret, out := sliceForAppend(dst, icvOff+e.icv)
	if len(payload) > 0 && &out[ptOff] != &payload[0] {
		copy(out[ptOff:], payload) // first: payload may overlap the header area
	}
	if tfc > 0 {
		clear(out[ptOff+len(payload) : ptOff+plain])
	}
	copy(out[ptOff+plain:], padding[:padLen])
	out[icvOff-2] = byte(padLen)
	out[icvOff-1] = byte(nh)
	binary.BigEndian.PutUint32(out[0:4], sa.spi)
	binary.BigEndian.PutUint32(out[4:8], uint32(seq))
	iv := out[8:ptOff]
	if err := sa.fillIV(iv, seq); err != nil {
		return dst, err
	}
	st := e.get()
	e.seal(st, out[:icvOff], iv, out[icvOff:], seq, sa.esn)
	e.put(st)
	return ret, nil
}

// fillIV writes the packet's IV (RFC 4303 §2.3): from Config.IVSource when
// set; for AES-CBC, which needs an unpredictable IV (RFC 3602 §3), the
// block cipher under the SA's key applied to a nonce that never repeats,
// ivSalt XOR the sequence number (NIST SP 800-38A, Appendix C, the first
// method; Linux's echainiv does the same for ESP); for 3DES-CBC fresh
// random octets; for the counter and AEAD modes the sequence number, unique
// per packet as RFC 3686, 4106, 4543 and 7634 require.
func (sa *OutboundESP) fillIV(iv []byte, seq uint64) error {
	switch {
	case len(iv) == 0:
	case sa.ivs.r != nil:
		return sa.ivs.read(iv)
	case sa.eng.kind != kindCBC:
		binary.BigEndian.PutUint64(iv, seq)
	case len(iv) == len(sa.ivSalt):
		copy(iv, sa.ivSalt[:8])
		binary.BigEndian.PutUint64(iv[8:], binary.BigEndian.Uint64(sa.ivSalt[8:])^seq)
		sa.eng.block.Encrypt(iv, iv)
	default:
		_, _ = rand.Read(iv) // never fails (crypto/rand, Go 1.24+)
	}
	return nil
}

// seal encrypts and authenticates pkt, an ESP packet from SPI to Next
// Header with its IV at pkt[8:], and writes the ICV into icv, which follows
// pkt in memory.
func (e *engine) seal(st *opState, pkt, iv, icv []byte, seq uint64, esn bool) {
	body := pkt[8+len(iv):]
	switch e.kind {
	case kindAEAD:
		if e.truncated {
			e.sealGCMShort(st, e.nonce(st, iv), body, body, espAAD(st, pkt, seq, esn), icv)
		} else {
			e.aead.Seal(body[:0], e.nonce(st, iv), body, espAAD(st, pkt, seq, esn))
		}
		return
	case kindGMAC:
		e.aead.Seal(icv[:0], e.nonce(st, iv), nil, gmacAAD(st, pkt, seq, esn))
		return
	case kindCBC:
		e.cbc(st, true, iv).CryptBlocks(body, body)
	case kindCTR:
		e.ctrXOR(st, iv, body, body)
	}
	if st.mac != nil {
		copy(icv, espICV(st, pkt, seq, esn))
	}
}

// nonce is salt ‖ IV (RFC 4106 §4, RFC 4543 §3.2, RFC 7634 §2); every
// transform that uses it has an 8-octet IV.
func (e *engine) nonce(st *opState, iv []byte) []byte {
	*(*[4]byte)(st.nonce[:4]) = e.salt
	*(*[8]byte)(st.nonce[4:]) = [8]byte(iv)
	return st.nonce[:]
}

// espAAD is SPI ‖ sequence number, or SPI ‖ high ‖ low 32 bits with ESN
// (RFC 4106 §5, RFC 7634 §2.1).
func espAAD(st *opState, hdr []byte, seq uint64, esn bool) []byte {
	if !esn {
		return hdr[:8]
	}
	copy(st.aad[:4], hdr[:4])
	binary.BigEndian.PutUint64(st.aad[4:], seq)
	return st.aad[:12]
}

// gmacAAD is the whole packet before the ICV; with ESN the high-order 32
// bits go between SPI and sequence number (RFC 4543 §3.3, Figure 4), which
// needs a copy.
func gmacAAD(st *opState, pkt []byte, seq uint64, esn bool) []byte {
	if !esn {
		return pkt
	}
	a := st.scratchFor(len(pkt) + 4)
	copy(a[:4], pkt[:4])
	binary.BigEndian.PutUint32(a[4:], uint32(seq>>32))
	copy(a[8:], pkt[4:])
	return a
}

// espICV is the HMAC over SPI through ciphertext, followed with ESN by the
// implicit high-order 32 bits (RFC 4303 §2.2.1, §3.3.2.1).
func espICV(st *opState, covered []byte, seq uint64, esn bool) []byte {
	st.mac.Reset()
	st.mac.Write(covered)
	if esn {
		binary.BigEndian.PutUint32(st.seqHi[:], uint32(seq>>32))
		st.mac.Write(st.seqHi[:])
	}
	return st.mac.Sum(st.sum[:0])
}

// InboundESP is the receiving side of an ESP security association: it
// checks anti-replay, verifies the ICV before decrypting, and checks the
// padding. It is safe for concurrent use.
type InboundESP struct {
	cfg       Config
	spi       uint32
	esn       bool
	skip      bool
	eng       *engine
	ptOff     int // SPI, sequence number and IV
	blockMask int // cipher block - 1 (a power of two)
	rx        receiver
}

// NewInboundESP builds the receiving side of an ESP SA.
func NewInboundESP(c Config) (*InboundESP, error) {
	eng, err := espParams(&c, true)
	if err != nil {
		return nil, err
	}
	disabled := c.DisableReplay || (eng.integ.hmac == nil && eng.kind != kindAEAD && eng.kind != kindGMAC)
	sa := &InboundESP{spi: c.SPI, esn: c.ESN, skip: c.InsecureSkipICV, eng: eng,
		ptOff: 8 + eng.encr.ivLen, blockMask: eng.encr.blockSize - 1}
	sa.rx.init(&c, disabled)
	sa.cfg = redacted(c)
	return sa, nil
}

// Format prints the SA with keys redacted.
func (sa *InboundESP) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "inbound "+sa.cfg.describe("ESP"))
}

// String describes the SA with keys redacted.
func (sa *InboundESP) String() string { return "inbound " + sa.cfg.describe("ESP") }

// SPI returns the SA's Security Parameters Index.
func (sa *InboundESP) SPI() uint32 { return sa.spi }

// Protocol returns ProtoESP.
func (sa *InboundESP) Protocol() Protocol { return ProtoESP }

// Addrs returns the SA's source and destination (either may be unset).
func (sa *InboundESP) Addrs() (src, dst netip.Addr) { return sa.cfg.Src, sa.cfg.Dst }

// VerifiesICV reports whether Open checks an ICV: false for
// confidentiality-only SAs and those built with InsecureSkipICV.
func (sa *InboundESP) VerifiesICV() bool {
	return !sa.skip && (sa.eng.integ.hmac != nil || sa.eng.kind == kindAEAD || sa.eng.kind == kindGMAC)
}

// PayloadOffset is where the ciphertext starts in an ESP packet: Open with
// dst = packet[PayloadOffset():][:0] decrypts in place.
func (sa *InboundESP) PayloadOffset() int { return sa.ptOff }

// HighestSeq returns the highest sequence number accepted so far.
func (sa *InboundESP) HighestSeq() uint64 { return sa.rx.highest() }

// Opened is what Open recovered from an ESP packet.
type Opened struct {
	// Data is dst with the payload appended; Payload is the appended part.
	Data, Payload []byte
	// NextHeader is the payload's protocol; NoNextHeader marks a dummy
	// packet, which the caller must discard (RFC 4303 §2.6).
	NextHeader layers.IPProtocol
	// Seq is the full sequence number, with the inferred high-order bits
	// under ESN.
	Seq uint64
	// PadLen is the Pad Length field.
	PadLen int
}

// Dummy reports whether the packet was an RFC 4303 §2.6 dummy packet.
func (o Opened) Dummy() bool { return o.NextHeader == NoNextHeader }

// Open authenticates and decrypts one ESP packet (SPI through ICV) and
// appends its payload to dst. In order (RFC 4303 §3.4): the sequence number
// is checked against the anti-replay window (high-order bits inferred under
// ESN), the ICV is verified in constant time, the window is advanced, then
// the payload is decrypted and its padding checked. Nothing is appended
// unless every check passes.
//
// It allocates nothing when dst has room for len(packet) octets. dst must
// not overlap packet, except exactly at packet[PayloadOffset():] to decrypt
// in place; then, as with cipher.AEAD, a packet that fails authentication
// may be left overwritten.
func (sa *InboundESP) Open(dst, packet []byte) (Opened, error) {
	e := sa.eng
	ptOff := sa.ptOff
	if len(packet) < ptOff+2+e.icv {
		return Opened{Data: dst}, errESPTruncated
	}
	if binary.BigEndian.Uint32(packet) != sa.spi {
		return Opened{Data: dst}, errESPSPI
	}
	seq, verdict := sa.rx.check(binary.BigEndian.Uint32(packet[4:]))
	switch verdict {
	case seqReplay:
		return Opened{Data: dst}, errESPReplay
	case seqZero:
		return Opened{Data: dst}, errESPSeqZero
	}
	icvOff := len(packet) - e.icv
	if (icvOff-ptOff)&sa.blockMask != 0 {
		return Opened{Data: dst}, errESPBlockAlign
	}
	ret, out := sliceForAppend(dst, icvOff-ptOff)
	st := e.get()
	ok := e.open(st, out, packet[:icvOff], packet[8:ptOff], packet[icvOff:], seq, sa.esn)
	e.put(st)
	if !ok {
		return Opened{Data: dst}, errESPAuth
	}
	if !sa.rx.accept(seq) {
		clear(out)
		return Opened{Data: dst}, errESPReplay
	}
	n := len(out)
	padLen := int(out[n-2])
	if padLen+2 > n {
		return Opened{Data: dst}, errESPPadLen
	}
	end := n - 2 - padLen
	for i, b := range out[end : n-2] {
		if b != byte(i+1) {
			return Opened{Data: dst}, errESPPadding
		}
	}
	return Opened{Data: ret[:len(dst)+end], Payload: out[:end], NextHeader: layers.IPProtocol(out[n-1]),
		Seq: seq, PadLen: padLen}, nil
}

// open verifies the ICV icv of pkt (SPI through Next Header, IV iv at
// pkt[8:]) and decrypts into out. It reports false, with nothing written to
// out except as cipher.AEAD's Open may, when the ICV does not verify.
func (e *engine) open(st *opState, out, pkt, iv, icv []byte, seq uint64, esn bool) bool {
	ct := pkt[8+len(iv):]
	switch e.kind {
	case kindAEAD:
		if e.truncated {
			return e.openGCMShort(st, e.nonce(st, iv), out, ct, espAAD(st, pkt, seq, esn), icv)
		}
		// ct and icv are adjacent: the AEAD's ciphertext is both.
		_, err := e.aead.Open(out[:0], e.nonce(st, iv), ct[:len(ct)+len(icv)], espAAD(st, pkt, seq, esn))
		return err == nil
	case kindGMAC:
		if _, err := e.aead.Open(st.sum[:0], e.nonce(st, iv), icv, gmacAAD(st, pkt, seq, esn)); err != nil {
			return false
		}
		copy(out, ct)
		return true
	}
	if st.mac != nil && !hmac.Equal(espICV(st, pkt, seq, esn)[:e.icv], icv) {
		return false
	}
	switch e.kind {
	case kindCBC:
		e.cbc(st, false, iv).CryptBlocks(out, ct)
	case kindCTR:
		e.ctrXOR(st, iv, out, ct)
	default:
		copy(out, ct)
	}
	return true
}

// sliceForAppend extends in by n octets, reusing its capacity when it can,
// and returns the whole slice and the new part.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	return head, head[len(in):]
}
