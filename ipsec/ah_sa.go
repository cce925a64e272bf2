package ipsec

import (
	"crypto/hmac"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"

	"github.com/google/gopacket/layers"
)

// ahParams validates an AH config and builds its engine: an HMAC, or
// AES-GMAC keyed with IntegKey minus its 4-octet salt.
func ahParams(c *Config) (*engine, error) {
	integ, ok := lookupInteg(c.Integ)
	if !ok || c.Integ == IntegNone {
		return nil, cfgErr("Integ", fmt.Sprintf("%v is not an AH integrity algorithm this package implements", c.Integ))
	}
	if (c.Encr != 0 && c.Encr != EncrNULL) || len(c.EncrKey) > 0 {
		return nil, cfgErr("Encr", "AH does not encrypt; leave Encr and EncrKey unset")
	}
	if c.InsecureSkipICV {
		return nil, cfgErr("InsecureSkipICV", "AH exists only to verify")
	}
	if len(c.IntegKey) != integ.keyLen {
		return nil, cfgErr("IntegKey", fmt.Sprintf("%v takes a %d-octet key, got %d", c.Integ, integ.keyLen, len(c.IntegKey)))
	}
	if err := commonParams(c); err != nil {
		return nil, err
	}
	if integ.gmac {
		return newEngine(encrSpec{kind: kindGMAC, keyLen: integ.keyLen - 4, saltLen: 4, ivLen: 8, blockSize: 1}, c.IntegKey, integ, nil)
	}
	return newEngine(encrSpec{kind: kindNull, blockSize: 1}, nil, integ, c.IntegKey)
}

// icvField is the length of AH's Integrity Check Value field without
// alignment padding: the ICV, and for AES-GMAC the 8-octet IV before it.
func (e *engine) icvField() int {
	if e.kind == kindGMAC {
		return 8 + e.integ.icvLen
	}
	return e.integ.icvLen
}

// ahLen is the AH header length for an IP version: 32-bit aligned for IPv4,
// 64-bit for IPv6 (RFC 4302 §2.6, §3.3.3.2.1).
func (e *engine) ahLen(version int) int {
	n := AHFixedLen + e.icvField()
	align := 4
	if version == 6 {
		align = 8
	}
	return (n + align - 1) / align * align
}

// ahICV computes AH's ICV over pkt, whose AH header lies at ahOff, with the
// mutable fields of a copy of the headers normalized, and writes it into
// out. It returns false when the headers cannot be normalized.
func (e *engine) ahICV(st *opState, pkt []byte, version, ahOff, ahLen int, seq uint64, esn bool, out []byte) error {
	hdrEnd := ahOff + ahLen
	n := hdrEnd
	if e.kind == kindGMAC {
		n = len(pkt) + 4 // GMAC needs the whole packet as one AAD
	}
	if cap(st.scratch) < n {
		st.scratch = make([]byte, n, n+n/4)
	}
	h := st.scratch[:hdrEnd]
	copy(h, pkt[:hdrEnd])
	if err := normalize(h, version, ahOff, ahLen, e.kind == kindGMAC); err != nil {
		return err
	}
	binary.BigEndian.PutUint32(st.seqHi[:], uint32(seq>>32))
	if e.kind == kindGMAC {
		aad := append(h, pkt[hdrEnd:]...)
		if esn {
			aad = append(aad, st.seqHi[:]...)
		}
		iv := pkt[ahOff+AHFixedLen : ahOff+AHFixedLen+8]
		copy(out, e.aead.Seal(st.sum[:0], e.nonce(st, iv), nil, aad))
		return nil
	}
	st.mac.Reset()
	st.mac.Write(h)
	st.mac.Write(pkt[hdrEnd:])
	if esn {
		st.mac.Write(st.seqHi[:])
	}
	copy(out, st.mac.Sum(st.sum[:0])[:e.integ.icvLen])
	return nil
}

// OutboundAH is the sending side of an AH security association. It is safe
// for concurrent use.
type OutboundAH struct {
	cfg Config
	spi uint32
	esn bool
	eng *engine
	seq *sequence
	ivs ivSource
}

// NewOutboundAH builds the sending side of an AH SA. Config.Encr and
// EncrKey must be unset.
func NewOutboundAH(c Config) (*OutboundAH, error) {
	eng, err := ahParams(&c)
	if err != nil {
		return nil, err
	}
	sa := &OutboundAH{spi: c.SPI, esn: c.ESN, eng: eng, seq: newSequence(&c), ivs: ivSource{r: c.IVSource}}
	sa.cfg = redacted(c)
	return sa, nil
}

// Format prints the SA with keys redacted.
func (sa *OutboundAH) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, sa.String()) }

// String describes the SA with keys redacted.
func (sa *OutboundAH) String() string { return "outbound " + sa.cfg.describe("AH") }

// SPI returns the SA's Security Parameters Index.
func (sa *OutboundAH) SPI() uint32 { return sa.spi }

// Addrs returns the SA's source and destination (either may be unset).
func (sa *OutboundAH) Addrs() (src, dst netip.Addr) { return sa.cfg.Src, sa.cfg.Dst }

// HeaderLen returns the AH header length in a packet of IP version 4 or 6.
func (sa *OutboundAH) HeaderLen(version int) int { return sa.eng.ahLen(version) }

// SealInPlace fills in the sequence number, IV (AES-GMAC) and ICV of the AH
// header at pkt[ahOff:], in a complete IP packet whose header fields
// (protocol or next header 51, lengths) are already final. Next Header,
// Payload Len and SPI must be set; the ICV field must be HeaderLen long.
func (sa *OutboundAH) SealInPlace(pkt []byte, ahOff int) error {
	v, err := ipVersion(pkt)
	if err != nil {
		return err
	}
	n := sa.eng.ahLen(v)
	if ahOff < 0 || ahOff+n > len(pkt) || int(pkt[ahOff+1]) != n/4-2 {
		return errAHLength
	}
	seq, err := sa.seq.next()
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(pkt[ahOff+4:], sa.spi)
	binary.BigEndian.PutUint32(pkt[ahOff+8:], uint32(seq))
	icv := pkt[ahOff+AHFixedLen : ahOff+n]
	clear(icv)
	if sa.eng.kind == kindGMAC {
		if err := sa.fillIV(icv[:8], seq); err != nil {
			return err
		}
		icv = icv[8:]
	}
	st := sa.eng.get()
	defer sa.eng.put(st)
	return sa.eng.ahICV(st, pkt, v, ahOff, n, seq, sa.esn, icv)
}

func (sa *OutboundAH) fillIV(iv []byte, seq uint64) error {
	if sa.ivs.r != nil {
		return sa.ivs.read(iv)
	}
	binary.BigEndian.PutUint64(iv, seq)
	return nil
}

// SealTransport appends to dst the IP packet ipPacket with an AH header
// inserted after the IP header (IPv6: after hop-by-hop, routing and the
// destination options that precede routing), protocol and lengths fixed,
// IPv4 header checksum recomputed, and the ICV computed (RFC 4302 §3.1.1).
// It allocates nothing when dst has room.
func (sa *OutboundAH) SealTransport(dst, ipPacket []byte) ([]byte, error) {
	h, err := insertionPoint(ipPacket)
	if err != nil {
		return dst, err
	}
	ipPacket = ipPacket[:h.end]
	n := sa.eng.ahLen(h.version)
	ret, out := sliceForAppend(dst, len(ipPacket)+n)
	copy(out[h.off+n:], ipPacket[h.off:])
	copy(out, ipPacket[:h.off])
	ah := out[h.off : h.off+n]
	ah[0] = out[h.protoOff]
	ah[1] = byte(n/4 - 2)
	ah[2], ah[3] = 0, 0
	out[h.protoOff] = byte(ProtoAH)
	if err := fixIPHeader(out, h.version); err != nil {
		return dst, err
	}
	if err := sa.SealInPlace(out, h.off); err != nil {
		return dst, err
	}
	return ret, nil
}

// InboundAH is the receiving side of an AH security association. It is safe
// for concurrent use.
type InboundAH struct {
	cfg Config
	spi uint32
	esn bool
	eng *engine
	rx  receiver
}

// NewInboundAH builds the receiving side of an AH SA.
func NewInboundAH(c Config) (*InboundAH, error) {
	eng, err := ahParams(&c)
	if err != nil {
		return nil, err
	}
	sa := &InboundAH{spi: c.SPI, esn: c.ESN, eng: eng}
	sa.rx.init(&c, c.DisableReplay)
	sa.cfg = redacted(c)
	return sa, nil
}

// Format prints the SA with keys redacted.
func (sa *InboundAH) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, sa.String()) }

// String describes the SA with keys redacted.
func (sa *InboundAH) String() string { return "inbound " + sa.cfg.describe("AH") }

// SPI returns the SA's Security Parameters Index.
func (sa *InboundAH) SPI() uint32 { return sa.spi }

// Protocol returns ProtoAH.
func (sa *InboundAH) Protocol() Protocol { return ProtoAH }

// Addrs returns the SA's source and destination (either may be unset).
func (sa *InboundAH) Addrs() (src, dst netip.Addr) { return sa.cfg.Src, sa.cfg.Dst }

// HighestSeq returns the highest sequence number accepted so far.
func (sa *InboundAH) HighestSeq() uint64 { return sa.rx.highest() }

// Verified describes an IP packet whose AH ICV verified.
type Verified struct {
	Version    int // IP version, 4 or 6
	ProtoOff   int // offset of the octet that holds 51 (AH) in the packet
	Offset     int // offset of the AH header
	Len        int // AH header length
	NextHeader layers.IPProtocol
	Seq        uint64
	// Payload is what AH protects after itself, aliasing the packet
	// (without link-layer padding beyond the IP length).
	Payload []byte
}

// Verify checks the AH header of a complete IP packet (the first AH found
// after the IPv4 header or the IPv6 extension headers): SPI, anti-replay,
// the header length the SA implies, then the ICV in constant time over the
// packet with mutable fields zeroed, and advances the window. The packet is
// not modified and nothing is allocated in steady state.
func (sa *InboundAH) Verify(pkt []byte) (Verified, error) {
	h, found, err := findHeader(pkt, byte(ProtoAH))
	if err != nil {
		return Verified{}, err
	}
	if !found {
		return Verified{}, errAHNotFound
	}
	end, err := ipPayloadEnd(pkt, h.version)
	if err != nil {
		return Verified{}, err
	}
	pkt = pkt[:end]
	n := sa.eng.ahLen(h.version)
	if h.off+AHFixedLen > len(pkt) || h.off+n > len(pkt) || int(pkt[h.off+1]) != n/4-2 {
		return Verified{}, errAHLength
	}
	ah := pkt[h.off:]
	if binary.BigEndian.Uint32(ah[4:]) != sa.spi {
		return Verified{}, errAHSPI
	}
	seq, verdict := sa.rx.check(binary.BigEndian.Uint32(ah[8:]))
	switch verdict {
	case seqReplay:
		return Verified{}, errAHReplay
	case seqZero:
		return Verified{}, errAHSeqZero
	}
	st := sa.eng.get()
	defer sa.eng.put(st)
	var calc [32]byte
	icvOff := AHFixedLen
	if sa.eng.kind == kindGMAC {
		icvOff += 8
	}
	want := calc[:sa.eng.integ.icvLen]
	if err := sa.eng.ahICV(st, pkt, h.version, h.off, n, seq, sa.esn, want); err != nil {
		return Verified{}, err
	}
	if !hmac.Equal(want, ah[icvOff:icvOff+len(want)]) {
		return Verified{}, errAHAuth
	}
	if !sa.rx.accept(seq) {
		return Verified{}, errAHReplay
	}
	return Verified{Version: h.version, ProtoOff: h.protoOff, Offset: h.off, Len: n,
		NextHeader: layers.IPProtocol(ah[0]), Seq: seq, Payload: pkt[h.off+n:]}, nil
}

// OpenTransport verifies pkt and appends to dst the packet without its AH
// header: the next header moved back into the preceding header, lengths
// and the IPv4 checksum fixed.
func (sa *InboundAH) OpenTransport(dst, pkt []byte) ([]byte, error) {
	v, err := sa.Verify(pkt)
	if err != nil {
		return dst, err
	}
	ret, out := sliceForAppend(dst, v.Offset+len(v.Payload))
	copy(out, pkt[:v.Offset])
	copy(out[v.Offset:], v.Payload)
	out[v.ProtoOff] = byte(v.NextHeader)
	if err := fixIPHeader(out, v.Version); err != nil {
		return dst, err
	}
	return ret, nil
}
