package ikev2

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// bigAuth builds an IKE_AUTH request in plain form whose inner payloads
// take about n octets (a large CERT), as fragmentation is for.
func bigAuth(t testing.TB, msgID uint32, n int) []byte {
	var b Builder
	b.Start(nil, Header{SPIi: 0xa1a2a3a4a5a6a7a8, SPIr: 0xb1b2b3b4b5b6b7b8, ExchangeType: IKE_AUTH,
		Flags: FlagInitiator, MessageID: msgID})
	b.StartSK()
	b.IDi(ID{Type: IDFQDN, Data: []byte("a.example")})
	cert := make([]byte, n)
	for i := range cert {
		cert[i] = byte(i * 7)
	}
	b.Cert(Cert{Encoding: CertX509Signature, Data: cert})
	b.Auth(Auth{Method: AuthDigitalSignature, Data: bytes.Repeat([]byte{1}, 64)})
	out, err := b.Finish()
	require.NoError(t, err)
	return out
}

func fragmentsOf(t testing.TB, p *Protector, plain []byte, maxLen int) [][]byte {
	var frags [][]byte
	err := p.SealFragments(nil, plain, maxLen, func(f []byte) error {
		require.LessOrEqual(t, len(f), maxLen)
		require.NoError(t, Validate(f))
		frags = append(frags, append([]byte{}, f...))
		return nil
	})
	require.NoError(t, err)
	return frags
}

// TestFragmentReassembleEverySuite splits messages of several sizes into
// fragments for several path MTUs, and reassembles them in every order
// tried: the result is the original message in plain form.
func TestFragmentReassembleEverySuite(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range suites {
		for _, size := range []int{1, 500, 3000} {
			for _, mtu := range []int{576 - 28, 1280 - 48} {
				t.Run(fmt.Sprintf("%v/%v/%d/%d", s.encr, s.integ, size, mtu), func(t *testing.T) {
					p := randomProtector(t, s.encr, s.keyBits, s.integ)
					plain := bigAuth(t, 1, size)
					frags := fragmentsOf(t, p, plain, mtu)
					for _, f := range frags[:len(frags)-1] {
						require.Greater(t, len(f), mtu-p.BlockSize(), "fragments before the last are full")
					}
					for i, f := range frags {
						o, err := p.Open(nil, f)
						require.NoError(t, err)
						require.EqualValues(t, i+1, o.Fragment)
						require.EqualValues(t, len(frags), o.Total)
						again, err := p.SealWith(nil, o.Message, o.IV, o.Padding)
						require.NoError(t, err)
						require.Equal(t, f, again, "fragment %d re-sealed", i+1)
					}
					for _, order := range [][]int{ascending(len(frags)), r.Perm(len(frags))} {
						var ra Reassembler
						var got Reassembled
						for k, i := range order {
							res, err := ra.Add(p, nil, frags[i], time.Now())
							require.NoError(t, err)
							require.Equal(t, k == len(order)-1, res.Complete)
							got = res
						}
						require.Equal(t, plain, got.Message)
						require.Zero(t, ra.Pending())
					}
				})
			}
		}
	}
}

func ascending(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// sealFragment seals a hand-made SKF fragment: any numbers, any Next
// Payload, any content, as a hostile (but key-holding) peer could.
func sealFragment(t testing.TB, p *Protector, msgID uint32, num, total uint16, next PayloadType, chunk []byte) []byte {
	h := Header{SPIi: 0xa1a2a3a4a5a6a7a8, SPIr: 0xb1b2b3b4b5b6b7b8, MajorVersion: 2, ExchangeType: IKE_AUTH,
		Flags: FlagInitiator, MessageID: msgID, NextPayload: PayloadSKF}
	f, err := h.AppendBinary(nil)
	require.NoError(t, err)
	f = append(f, byte(next), 0, 0, 0)
	f = binary.BigEndian.AppendUint16(f, num)
	f = binary.BigEndian.AppendUint16(f, total)
	f = append(f, chunk...)
	binary.BigEndian.PutUint16(f[HeaderLen+2:], uint16(len(f)-HeaderLen))
	binary.BigEndian.PutUint32(f[24:], uint32(len(f)))
	sealed, err := p.Seal(nil, f)
	require.NoError(t, err)
	return sealed
}

// TestReassemblerHostileSequences feeds the sequences a hostile peer (or a
// broken one) could send. A recent CVE in a widely used IKE stack was a
// double free in exactly this code; here each case must end in a named
// error or a correct message, with the state bounded.
func TestReassemblerHostileSequences(t *testing.T) {
	p := randomProtector(t, iana.EncrAESGCM16, 128, iana.IntegNone)
	chunk := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 10) }
	// A valid inner chain split in three: a Vendor ID of 26 octets.
	vid := append([]byte{0, 0, 0, 30}, bytes.Repeat([]byte{0xee}, 26)...)
	part := [][]byte{vid[:10], vid[10:20], vid[20:]}
	good := func(msgID uint32, n uint16) []byte {
		np := PayloadNone
		if n == 1 {
			np = PayloadVendorID
		}
		return sealFragment(t, p, msgID, n, 3, np, part[n-1])
	}
	add := func(ra *Reassembler, f []byte) (Reassembled, error) { return ra.Add(p, nil, f, time.Unix(100, 0)) }

	t.Run("duplicate fragment is refused and the message still completes", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, good(1, 1))
		require.NoError(t, err)
		_, err = add(&ra, good(1, 1))
		require.ErrorIs(t, err, ErrDuplicateFragment)
		_, err = add(&ra, good(1, 3))
		require.NoError(t, err)
		_, err = add(&ra, good(1, 3))
		require.ErrorIs(t, err, ErrDuplicateFragment)
		res, err := add(&ra, good(1, 2))
		require.NoError(t, err)
		require.True(t, res.Complete)
		require.Equal(t, vid, res.Inner)
		require.NoError(t, Validate(res.Message))
	})
	t.Run("fragment number zero", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, sealFragment(t, p, 1, 0, 3, PayloadNone, chunk(0)))
		require.ErrorIs(t, err, ErrFragmentNumber)
		require.Zero(t, ra.Pending())
	})
	t.Run("fragment number above total", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, sealFragment(t, p, 1, 4, 3, PayloadNone, chunk(4)))
		require.ErrorIs(t, err, ErrFragmentNumber)
		_, err = add(&ra, sealFragment(t, p, 1, 0xffff, 3, PayloadNone, chunk(4)))
		require.ErrorIs(t, err, ErrFragmentNumber)
		require.Zero(t, ra.Pending())
	})
	t.Run("total fragments zero", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, sealFragment(t, p, 1, 0, 0, PayloadNone, chunk(0)))
		require.ErrorIs(t, err, ErrFragmentNumber)
	})
	t.Run("total above the bound", func(t *testing.T) {
		ra := Reassembler{MaxFragments: 16}
		_, err := add(&ra, sealFragment(t, p, 1, 1, 17, PayloadVendorID, chunk(1)))
		require.ErrorIs(t, err, ErrTooLarge)
		_, err = add(&ra, sealFragment(t, p, 1, 65535, 65535, PayloadNone, chunk(1)))
		require.ErrorIs(t, err, ErrTooLarge)
		require.Zero(t, ra.Pending())
	})
	t.Run("larger total restarts, smaller total is refused", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, sealFragment(t, p, 1, 1, 2, PayloadVendorID, chunk(1)))
		require.NoError(t, err)
		_, err = add(&ra, sealFragment(t, p, 1, 2, 1, PayloadNone, chunk(2)))
		require.ErrorIs(t, err, ErrFragmentNumber, "2 of 1")
		_, err = add(&ra, sealFragment(t, p, 1, 1, 1, PayloadVendorID, chunk(2)))
		require.ErrorIs(t, err, ErrFragmentMismatch, "smaller total")
		_, err = add(&ra, good(1, 2)) // 2 of 3: discards 1 of 2
		require.NoError(t, err)
		_, err = add(&ra, good(1, 1))
		require.NoError(t, err)
		res, err := add(&ra, good(1, 3))
		require.NoError(t, err)
		require.True(t, res.Complete)
		require.Equal(t, vid, res.Inner)
	})
	t.Run("next payload on the wrong fragment", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, sealFragment(t, p, 1, 1, 3, PayloadNone, chunk(1)))
		require.ErrorIs(t, err, ErrFragmentMismatch)
		_, err = add(&ra, sealFragment(t, p, 1, 2, 3, PayloadCERT, chunk(2)))
		require.ErrorIs(t, err, ErrFragmentMismatch)
		require.Zero(t, ra.Pending())
	})
	t.Run("forged fragment leaves no state", func(t *testing.T) {
		var ra Reassembler
		f := good(1, 1)
		f[len(f)-1] ^= 1
		_, err := add(&ra, f)
		require.ErrorIs(t, err, ErrAuthentication)
		require.Zero(t, ra.Pending())
		other := randomProtector(t, iana.EncrAESGCM16, 128, iana.IntegNone)
		_, err = ra.Add(other, nil, good(1, 1), time.Now())
		require.ErrorIs(t, err, ErrAuthentication, "wrong key")
		require.Zero(t, ra.Pending())
	})
	t.Run("concurrent reassemblies are bounded, Expire frees them", func(t *testing.T) {
		ra := Reassembler{MaxMessages: 4}
		for id := uint32(1); id <= 4; id++ {
			_, err := ra.Add(p, nil, good(id, 1), time.Unix(int64(id), 0))
			require.NoError(t, err)
		}
		_, err := add(&ra, good(5, 1))
		require.ErrorIs(t, err, ErrTooLarge)
		require.Equal(t, 4, ra.Pending())
		ra.Expire(time.Unix(3, 0))
		require.Equal(t, 2, ra.Pending())
		_, err = add(&ra, good(5, 1))
		require.NoError(t, err)
		for _, n := range []uint16{2, 3} {
			_, err = add(&ra, good(4, n))
			require.NoError(t, err)
		}
		require.Equal(t, 2, ra.Pending(), "message 4 completed and left")
	})
	t.Run("byte bound drops the message", func(t *testing.T) {
		ra := Reassembler{MaxBytes: 25}
		_, err := add(&ra, good(1, 1))
		require.NoError(t, err)
		_, err = add(&ra, good(1, 2))
		require.NoError(t, err)
		_, err = add(&ra, good(1, 3))
		require.ErrorIs(t, err, ErrTooLarge)
		require.Zero(t, ra.Pending())
	})
	t.Run("interleaved messages and a late retransmission", func(t *testing.T) {
		var ra Reassembler
		var done int
		for _, f := range [][]byte{good(7, 3), good(8, 1), good(7, 1), good(8, 3), good(8, 2), good(7, 2), good(7, 2)} {
			res, err := add(&ra, f)
			require.NoError(t, err)
			if res.Complete {
				done++
				require.Equal(t, vid, res.Inner)
			}
		}
		require.Equal(t, 2, done)
		require.Equal(t, 1, ra.Pending(), "the retransmitted fragment starts a new, bounded reassembly")
	})
	t.Run("responses and requests with one message ID stay apart", func(t *testing.T) {
		var ra Reassembler
		_, err := add(&ra, good(3, 1))
		require.NoError(t, err)
		resp := sealFragmentResponse(t, p, 3, 1, 3, PayloadVendorID, part[0])
		_, err = add(&ra, resp)
		require.NoError(t, err)
		require.Equal(t, 2, ra.Pending())
	})
	t.Run("random sequences with repeats always end well", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		all := [][]byte{good(1, 1), good(1, 2), good(1, 3),
			sealFragment(t, p, 1, 4, 3, PayloadNone, chunk(4)), sealFragment(t, p, 1, 1, 2, PayloadVendorID, chunk(1))}
		for i := 0; i < 2000; i++ {
			ra := Reassembler{MaxMessages: 2}
			for k := 0; k < 8; k++ {
				res, err := add(&ra, all[r.IntN(len(all))])
				if err == nil && res.Complete {
					require.Equal(t, vid, res.Inner)
				}
				require.LessOrEqual(t, ra.Pending(), 2)
			}
		}
	})
}

func sealFragmentResponse(t testing.TB, p *Protector, msgID uint32, num, total uint16, next PayloadType, chunk []byte) []byte {
	f := sealFragment(t, p, msgID, num, total, next, chunk)
	o, err := p.Open(nil, f)
	require.NoError(t, err)
	o.Message[19] |= byte(FlagResponse)
	out, err := p.Seal(nil, o.Message)
	require.NoError(t, err)
	return out
}

func TestSealFragmentsRefusesTinyMTU(t *testing.T) {
	p := randomProtector(t, iana.EncrAESCBC, 256, iana.IntegHMACSHA2512256)
	err := p.SealFragments(nil, bigAuth(t, 1, 100), 80, func([]byte) error { return nil })
	require.ErrorIs(t, err, ErrMalformed)
}
