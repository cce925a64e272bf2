package ikev2

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net/netip"
	"sync"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// NATDetectionHash returns the data of a NAT_DETECTION_SOURCE_IP or
// NAT_DETECTION_DESTINATION_IP notification (RFC 7296 §2.23):
//
//	SHA-1(SPIi | SPIr | IP | Port)
//
// with the source (or destination) address and port of the datagram that
// carries it; SPIr is zero in the first IKE_SA_INIT request. IPv4-mapped
// IPv6 addresses are hashed as IPv4.
func NATDetectionHash(spii, spir uint64, ip netip.Addr, port uint16) [sha1.Size]byte {
	var b [8 + 8 + 16 + 2]byte
	binary.BigEndian.PutUint64(b[0:], spii)
	binary.BigEndian.PutUint64(b[8:], spir)
	n := 16
	if a := ip.Unmap(); a.Is4() {
		a4 := a.As4()
		n += copy(b[n:], a4[:])
	} else {
		a16 := a.As16()
		n += copy(b[n:], a16[:])
	}
	binary.BigEndian.PutUint16(b[n:], port)
	return sha1.Sum(b[:n+2])
}

// NATDetected compares a received NAT detection hash with the one computed
// for the address and port as this end sees them: false means a NAT is in
// between (for SOURCE_IP: the peer is behind one; for DESTINATION_IP: this
// end is).
func NATDetected(received []byte, spii, spir uint64, ip netip.Addr, port uint16) bool {
	h := NATDetectionHash(spii, spir, ip, port)
	return !hmac.Equal(received, h[:])
}

// Cookie sizes (RFC 7296 §2.6, §3.10.1: COOKIE data is 1 to 64 octets).
const (
	MaxCookieLen     = 64
	cookieVersionLen = 4
	cookieLen        = cookieVersionLen + sha256.Size
	cookieSecretLen  = 32
)

// CookieJar makes and checks the stateless COOKIE of RFC 7296 §2.6, in the
// form the RFC suggests:
//
//	Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
//
// with a 4-octet version and SHA-256. Rotate replaces the secret; cookies
// made with the previous one are still accepted, as §2.6 asks, until the
// next rotation. A CookieJar is safe for concurrent use.
type CookieJar struct {
	mu      sync.RWMutex
	version uint32
	secret  [cookieSecretLen]byte
	prev    [cookieSecretLen]byte
	hasPrev bool
	rand    io.Reader
}

// NewCookieJar returns a CookieJar with a fresh secret from rand
// (crypto/rand.Reader in production).
func NewCookieJar(rand io.Reader) (*CookieJar, error) {
	c := &CookieJar{rand: rand}
	if _, err := io.ReadFull(rand, c.secret[:]); err != nil {
		return nil, err
	}
	return c, nil
}

// Rotate makes a new secret and keeps the current one as the previous.
func (c *CookieJar) Rotate() error {
	var s [cookieSecretLen]byte
	if _, err := io.ReadFull(c.rand, s[:]); err != nil {
		return err
	}
	c.mu.Lock()
	c.prev, c.hasPrev, c.secret = c.secret, true, s
	c.version++
	c.mu.Unlock()
	return nil
}

func cookieHash(dst []byte, version uint32, secret *[cookieSecretLen]byte, ni []byte, ip netip.Addr, spii uint64) []byte {
	h := sha256.New()
	h.Write(ni)
	if a := ip.Unmap(); a.Is4() {
		a4 := a.As4()
		h.Write(a4[:])
	} else {
		a16 := a.As16()
		h.Write(a16[:])
	}
	var spi [8]byte
	binary.BigEndian.PutUint64(spi[:], spii)
	h.Write(spi[:])
	h.Write(secret[:])
	dst = binary.BigEndian.AppendUint32(dst, version)
	return h.Sum(dst)
}

// Make appends the COOKIE data for an IKE_SA_INIT request with nonce ni,
// from address ip, with initiator SPI spii.
func (c *CookieJar) Make(dst, ni []byte, ip netip.Addr, spii uint64) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cookieHash(dst, c.version, &c.secret, ni, ip, spii)
}

// Verify reports whether cookie, returned in a new IKE_SA_INIT request, is
// one this jar made for the request's nonce, source address and SPIi, with
// the current or the previous secret. The compare is constant-time.
func (c *CookieJar) Verify(cookie, ni []byte, ip netip.Addr, spii uint64) bool {
	if len(cookie) != cookieLen {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var buf [cookieLen]byte
	v := binary.BigEndian.Uint32(cookie)
	switch {
	case v == c.version:
		return hmac.Equal(cookie, cookieHash(buf[:0], c.version, &c.secret, ni, ip, spii))
	case c.hasPrev && v == c.version-1:
		return hmac.Equal(cookie, cookieHash(buf[:0], v, &c.prev, ni, ip, spii))
	}
	return false
}

// String redacts the secret.
func (c *CookieJar) String() string { return "ikev2.CookieJar(secret redacted)" }

// CheckCookieData checks the length RFC 7296 §3.10.1 allows the data of a
// COOKIE notification: 1 to 64 octets.
func CheckCookieData(data []byte) error {
	if len(data) < 1 || len(data) > MaxCookieLen {
		return errs.MalformedValue(layerName, "notify: cookie", 0, "COOKIE data must be 1 to 64 octets", len(data), MaxCookieLen)
	}
	return nil
}
