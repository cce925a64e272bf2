package ikev2

import (
	"crypto"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

// The strongSwan scenarios (testdata/strongswan, made by
// testdata/gen/strongswan.sh): two charon 5.9 daemons, their captures and
// every key they logged. These tests hold this package to what strongSwan
// did on the wire.

func swanSuite(sa *testutil.SwanIKESA) Suite {
	return Suite{Encr: sa.Encr, KeyBits: sa.EncrKeyBits, Integ: sa.Integ, PRF: sa.PRF, KE: sa.KE}
}

// swanKeys derives every IKE SA's keys from the logged shared secret and the
// nonces and SPIs, following rekeys, and requires each value strongSwan
// logged (RFC 7296 §2.14, §2.18).
func swanKeys(t *testing.T, s *testutil.StrongSwan) map[string]*Keys {
	keys := map[string]*Keys{}
	for i := range s.IKESAs {
		sa := &s.IKESAs[i]
		var k *Keys
		var err error
		if sa.RekeyOf == "" {
			k, err = DeriveKeys(swanSuite(sa), sa.SharedSecret, sa.NonceI, sa.NonceR, uint64(sa.SPIi), uint64(sa.SPIr))
		} else {
			old := keys[sa.RekeyOf]
			require.NotNil(t, old, "%s rekeys %s", sa.ID, sa.RekeyOf)
			k, err = DeriveRekeyKeys(old, swanSuite(sa), sa.SharedSecret, sa.NonceI, sa.NonceR, uint64(sa.SPIi), uint64(sa.SPIr))
		}
		require.NoError(t, err, sa.ID)
		for _, c := range []struct {
			name       string
			ours, want []byte
		}{
			{"SKEYSEED", k.SKEYSEED, sa.SKEYSEED}, {"SK_d", k.D, sa.SKd}, {"SK_ai", k.Ai, sa.SKai}, {"SK_ar", k.Ar, sa.SKar},
			{"SK_ei", k.Ei, sa.SKei}, {"SK_er", k.Er, sa.SKer}, {"SK_pi", k.Pi, sa.SKpi}, {"SK_pr", k.Pr, sa.SKpr},
		} {
			require.Equal(t, []byte(c.want), []byte(c.ours), "%s %s %s", s.Scenario, sa.ID, c.name)
		}
		require.NoError(t, CheckPublicValue(sa.KE, sa.KEi), "%s KEi", sa.ID)
		require.NoError(t, CheckPublicValue(sa.KE, sa.KEr), "%s KEr", sa.ID)
		require.Len(t, sa.SharedSecret, sharedSecretLen(sa.KE))
		keys[sa.ID] = k
	}
	return keys
}

func sharedSecretLen(g KEID) int {
	switch g {
	case iana.KEECP256, iana.KEECP384, iana.KEECP521:
		return PublicValueLen(g) / 2
	}
	return PublicValueLen(g)
}

// TestStrongSwanKeySchedule: (1) SKEYSEED and every SK_* of every IKE SA,
// rekeyed ones included, and the KEYMAT of every CHILD_SA with and without
// PFS, recomputed from the logged Diffie-Hellman secret and the nonces and
// SPIs, equal what charon logged.
func TestStrongSwanKeySchedule(t *testing.T) {
	var c swanCounts
	for _, name := range testutil.StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) { checkSwanKeySchedule(t, testutil.LoadStrongSwan(t, name), &c) })
	}
	require.GreaterOrEqual(t, c.sas, 7, "IKE SAs, rekeyed ones included")
	require.GreaterOrEqual(t, c.children, 8)
	require.GreaterOrEqual(t, c.pfs, 1, "a CHILD_SA made with PFS")
}

func checkSwanKeySchedule(t *testing.T, s *testutil.StrongSwan, c *swanCounts) {
	keys := swanKeys(t, s)
	c.sas += len(keys)
	for _, ch := range s.ChildSAs {
		k := keys[ch.IKESA]
		require.NotNil(t, k, ch.ID)
		ck, err := k.ChildKeys(ch.Encr, ch.EncrKeyBits, ch.Integ, ch.SharedSecret, ch.NonceI, ch.NonceR)
		require.NoError(t, err, ch.ID)
		require.Len(t, ch.SAs, 2)
		require.Equal(t, "i2r", ch.SAs[0].Direction)
		require.Equal(t, []byte(ch.SAs[0].EncrKey), []byte(ck.EncrI), ch.ID)
		require.Equal(t, []byte(ch.SAs[0].IntegKey), []byte(ck.IntegI), ch.ID)
		require.Equal(t, []byte(ch.SAs[1].EncrKey), []byte(ck.EncrR), ch.ID)
		require.Equal(t, []byte(ch.SAs[1].IntegKey), []byte(ck.IntegR), ch.ID)
		c.children++
		if len(ch.SharedSecret) > 0 {
			c.pfs++
		}
	}
}

// swanCounts adds up what the checks saw, for the tests to require enough.
type swanCounts struct {
	sas, children, pfs          int
	encrypted, fragments, whole int
	rekeys                      int
	auth                        map[AuthMethod]int
}

// swanMessage is one IKE datagram of a scenario with its SA's Protectors.
type swanMessage struct {
	frame int
	msg   []byte
	sa    *testutil.SwanIKESA
	info  testutil.SwanMessage
	p     *Protector
}

func swanMessages(t *testing.T, s *testutil.StrongSwan, keys map[string]*Keys) []swanMessage {
	msgs := ikeMessages(t, s.Path(s.Capture))
	var out []swanMessage
	for i := range s.IKESAs {
		sa := &s.IKESAs[i]
		ini, res, err := keys[sa.ID].Protectors()
		require.NoError(t, err)
		for _, m := range sa.Messages {
			msg := msgs[m.Frame-1]
			require.NotNil(t, msg, "frame %d", m.Frame)
			p := res
			if m.Initiator {
				p = ini
			}
			out = append(out, swanMessage{m.Frame, msg, sa, m, p})
		}
	}
	return out
}

// TestStrongSwanDecryptReassembleResealed: (2) every SK and SKF message
// decrypts with the derived keys, fragments reassemble, and the inner
// payload types are those the generator and tshark found; (4) every
// decrypted message (and fragment), re-encoded with the Builder and
// re-sealed with its IV and padding, gives back the captured bytes.
func TestStrongSwanDecryptReassembleResealed(t *testing.T) {
	var c swanCounts
	for _, name := range testutil.StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) { checkSwanMessages(t, testutil.LoadStrongSwan(t, name), &c) })
	}
	require.GreaterOrEqual(t, c.encrypted, 60)
	require.GreaterOrEqual(t, c.fragments, 16)
	require.GreaterOrEqual(t, c.whole, 5)
}

func checkSwanMessages(t *testing.T, s *testutil.StrongSwan, c *swanCounts) {
	keys := swanKeys(t, s)
	var ra Reassembler
	var fragInner []int // the generator lists a fragmented message's inner types on one of its fragments
	for _, m := range swanMessages(t, s, keys) {
		require.NoError(t, Validate(m.msg), "frame %d", m.frame)
		require.Equal(t, m.msg, rebuild(t, m.msg, false), "frame %d re-encoded", m.frame)
		if !m.info.Encrypted {
			continue
		}
		c.encrypted++
		o, err := m.p.Open(nil, m.msg)
		require.NoError(t, err, "frame %d", m.frame)
		plain := rebuild(t, o.Message, true)
		require.Equal(t, o.Message, plain, "frame %d decrypted, re-encoded", m.frame)
		again, err := m.p.SealWith(nil, plain, o.IV, o.Padding)
		require.NoError(t, err)
		require.Equal(t, m.msg, again, "frame %d re-sealed", m.frame)

		inner, first := o.Inner, o.First
		if m.info.Fragments > 0 {
			c.fragments++
			require.EqualValues(t, m.info.Fragment, o.Fragment)
			res, err := ra.Add(m.p, nil, m.msg, time.Now())
			require.NoError(t, err, "frame %d", m.frame)
			if m.info.Inner != nil {
				fragInner = m.info.Inner
			}
			if !res.Complete {
				continue
			}
			require.NoError(t, Validate(res.Message))
			inner, first = res.Inner, res.First
			m.info.Inner, fragInner = fragInner, nil
			c.whole++
		}
		var types []int
		var ip Parser
		ip.StartInner(Header{}, first, inner)
		for {
			h, err := ip.Next()
			if errors.Is(err, ErrSectionDone) {
				break
			}
			require.NoError(t, err, "frame %d", m.frame)
			types = append(types, int(h.Type))
			require.NoError(t, ip.validatePayload(h.Type), "frame %d %v", m.frame, h.Type)
		}
		require.Equal(t, m.info.Inner, orEmpty(types), "frame %d (%s)", m.frame, m.info.Summary)
	}
	require.Zero(t, ra.Pending(), "every fragmented message completed")
}

// TestStrongSwanRekeyInputs reads the inputs of every IKE SA rekey out of
// the decrypted CREATE_CHILD_SA exchange that made it: the SA proposal's
// 8-octet SPI is the new SA's SPI, and the Nonce and KE payloads are those
// its keys were derived from (RFC 7296 §1.3.2, §2.18).
func TestStrongSwanRekeyInputs(t *testing.T) {
	var c swanCounts
	for _, name := range testutil.StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) { checkSwanRekeys(t, testutil.LoadStrongSwan(t, name), &c) })
	}
	require.GreaterOrEqual(t, c.rekeys, 3)
}

func checkSwanRekeys(t *testing.T, s *testutil.StrongSwan, c *swanCounts) {
	keys := swanKeys(t, s)
	byFrame := map[int]swanMessage{}
	for _, m := range swanMessages(t, s, keys) {
		byFrame[m.frame] = m
	}
	for i := range s.IKESAs {
		sa := &s.IKESAs[i]
		if sa.RekeyOf == "" {
			continue
		}
		require.Len(t, sa.CreatedIn, 2)
		for k, f := range sa.CreatedIn {
			m := byFrame[f]
			o, err := m.p.Open(nil, m.msg)
			require.NoError(t, err)
			var ip Parser
			ip.StartInner(Header{}, o.First, o.Inner)
			for {
				h, err := ip.Next()
				if errors.Is(err, ErrSectionDone) {
					break
				}
				require.NoError(t, err)
				switch h.Type {
				case PayloadSA:
					pr, err := ip.Proposal()
					require.NoError(t, err)
					require.Equal(t, ProtoIKE, pr.ProtocolID)
					spi := uint64(sa.SPIi)
					if k == 1 {
						spi = uint64(sa.SPIr)
					}
					require.Equal(t, spi, binary.BigEndian.Uint64(pr.SPI), "%s %s frame %d", s.Scenario, sa.ID, f)
				case PayloadNonce:
					n, _ := ip.Nonce()
					require.Equal(t, []byte([]testutil.Hex{sa.NonceI, sa.NonceR}[k]), n, "%s %s frame %d", s.Scenario, sa.ID, f)
				case PayloadKE:
					ke, _ := ip.KE()
					require.Equal(t, sa.KE, ke.Group)
					require.Equal(t, []byte([]testutil.Hex{sa.KEi, sa.KEr}[k]), ke.Data)
				}
			}
		}
		c.rekeys++
	}
}

func orEmpty(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

// TestStrongSwanTsharkFields compares our decode of every frame with
// tshark's decode of the capture made with the same keys (capture.tshark.json),
// decrypted payloads included, and round-trips every IKE message.
func TestStrongSwanTsharkFields(t *testing.T) {
	var c swanCounts
	for _, name := range testutil.StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) { checkSwanTshark(t, testutil.LoadStrongSwan(t, name), &c) })
	}
}

func checkSwanTshark(t *testing.T, s *testutil.StrongSwan, c *swanCounts) {
	keys := swanKeys(t, s)
	prot := map[[2]uint64]keyPair{}
	for i := range s.IKESAs {
		sa := &s.IKESAs[i]
		if sa.Wireshark == "" {
			continue // tshark cannot decrypt it (ChaCha20-Poly1305): neither do we here
		}
		ini, res, err := keys[sa.ID].Protectors()
		require.NoError(t, err)
		prot[[2]uint64{uint64(sa.SPIi), uint64(sa.SPIr)}] = keyPair{ini, res}
	}
	open := pairOpener(prot)
	res := testutil.Check(t, testutil.Capture{
		Path:   s.Path(s.Capture),
		Golden: s.Path("capture.tshark.json"),
		Decode: decodeNATT,
		Fields: packetFields(t, open),
	})
	require.Equal(t, s.Counts.IKEMessages, res.OurLayers)
	require.Greater(t, res.FieldsSeen, 25*s.Counts.IKEMessages)
}

// TestStrongSwanAUTH: (3) the AUTH payloads. Shared-key ones (the PSK
// scenario, and the EAP-MD5 client, whose method makes no MSK so SK_pi is
// the key, RFC 7296 §2.16) are recomputed; signatures (ECDSA P-384 and
// RSASSA-PSS under RFC 7427, classic RSA) are verified with the peer's
// certificate. Each over the signed octets of §2.15 built from the
// captured IKE_SA_INIT messages.
func TestStrongSwanAUTH(t *testing.T) {
	var c swanCounts
	for _, name := range testutil.StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) { checkSwanAUTH(t, testutil.LoadStrongSwan(t, name), &c) })
	}
	require.GreaterOrEqual(t, c.auth[AuthSharedKeyMIC], 4, "PSK both ways and the two final EAP AUTHs")
	require.GreaterOrEqual(t, c.auth[AuthDigitalSignature], 3, "ECDSA both ways and RSASSA-PSS")
	require.GreaterOrEqual(t, c.auth[AuthRSASignature], 2)
}

func checkSwanAUTH(t *testing.T, s *testutil.StrongSwan, c *swanCounts) {
	if c.auth == nil {
		c.auth = map[AuthMethod]int{}
	}
	keys := swanKeys(t, s)
	msgs := swanMessages(t, s, keys)
	for i := range s.IKESAs {
		sa := &s.IKESAs[i]
		if sa.CreatedBy != "IKE_SA_INIT" {
			continue
		}
		k := keys[sa.ID]
		var initReq, initResp []byte
		var idi, idr []byte
		type authAt struct {
			a         Auth
			initiator bool
		}
		var auths []authAt
		for _, m := range msgs {
			if m.sa != sa {
				continue
			}
			switch {
			case m.info.ExchangeName == "IKE_SA_INIT" && !m.info.Response:
				initReq = m.msg // the last request: the one answered
			case m.info.ExchangeName == "IKE_SA_INIT" && m.info.Response:
				initResp = m.msg
			}
		}
		ikeAuthPayloads(t, msgs, sa, func(a Auth, initiator bool, id []byte, isIDi bool) {
			switch {
			case id == nil:
				auths = append(auths, authAt{a, initiator})
			case isIDi:
				idi = id
			default:
				idr = id
			}
		})
		require.NotNil(t, initReq)
		require.NotNil(t, initResp)
		nonceI, nonceR := nonceOf(t, initReq), nonceOf(t, initResp)
		require.Equal(t, []byte(sa.NonceI), nonceI)
		require.Equal(t, []byte(sa.NonceR), nonceR)
		require.NotEmpty(t, auths)
		for _, x := range auths {
			var octets []byte
			var err error
			peer := s.Peers["b"]
			if x.initiator {
				octets, err = SignedOctets(nil, sa.PRF, k.Pi, initReq, nonceR, idi)
				peer = s.Peers[sa.Initiator]
			} else {
				octets, err = SignedOctets(nil, sa.PRF, k.Pr, initResp, nonceI, idr)
				if sa.Initiator == "b" {
					peer = s.Peers["a"]
				}
			}
			require.NoError(t, err)
			switch x.a.Method {
			case AuthSharedKeyMIC:
				secret := []byte(peer.Auth.PSK)
				if s.Peers["a"].Auth.Method == "eap-md5" {
					// EAP-MD5 makes no MSK: both final AUTHs use SK_pi / SK_pr.
					secret = k.Pr
					if x.initiator {
						secret = k.Pi
					}
				}
				require.NoError(t, VerifyPSKAuth(sa.PRF, secret, octets, x.a.Data), "%s initiator=%v", s.Scenario, x.initiator)
			default:
				pub := certKey(t, s.Path(peer.Auth.Cert))
				require.NoError(t, VerifyAuth(x.a, pub, octets), "%s initiator=%v method %v", s.Scenario, x.initiator, x.a.Method)
				octets[0] ^= 1
				require.ErrorIs(t, VerifyAuth(x.a, pub, octets), ErrAuthentication)
			}
			c.auth[x.a.Method]++
		}
	}
}

// ikeAuthPayloads decrypts the IKE_AUTH messages of an SA (reassembling
// fragmented ones) and reports their ID and AUTH payloads.
func ikeAuthPayloads(t *testing.T, msgs []swanMessage, sa *testutil.SwanIKESA, f func(a Auth, initiator bool, id []byte, isIDi bool)) {
	var ra Reassembler
	for _, m := range msgs {
		if m.sa != sa || m.info.ExchangeName != "IKE_AUTH" {
			continue
		}
		var first PayloadType
		var inner []byte
		if m.info.Fragments > 0 {
			res, err := ra.Add(m.p, nil, m.msg, time.Now())
			require.NoError(t, err)
			if !res.Complete {
				continue
			}
			first, inner = res.First, res.Inner
		} else {
			o, err := m.p.Open(nil, m.msg)
			require.NoError(t, err)
			first, inner = o.First, o.Inner
		}
		var ip Parser
		ip.StartInner(Header{}, first, inner)
		for {
			h, err := ip.Next()
			if err != nil {
				break
			}
			body, _ := ip.Body()
			switch h.Type {
			case PayloadIDi, PayloadIDr:
				f(Auth{}, m.info.Initiator, append([]byte{}, body...), h.Type == PayloadIDi)
			case PayloadAUTH:
				a, _ := ip.Auth()
				a.Data = append([]byte{}, a.Data...)
				f(a, m.info.Initiator, nil, false)
			}
		}
	}
}

func nonceOf(t *testing.T, msg []byte) []byte {
	var p Parser
	_, err := p.Start(msg)
	require.NoError(t, err)
	for {
		h, err := p.Next()
		require.NoError(t, err)
		if h.Type == PayloadNonce {
			n, err := p.Nonce()
			require.NoError(t, err)
			return n
		}
	}
}

func certKey(t *testing.T, path string) crypto.PublicKey {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	b, _ := pem.Decode(data)
	require.NotNil(t, b, path)
	c, err := x509.ParseCertificate(b.Bytes)
	require.NoError(t, err)
	return c.PublicKey
}

// TestStrongSwanLive runs strongSwan now (testdata/gen/strongswan.sh in
// network namespaces, as root) for the scenario with fragmentation,
// signatures and rekeys, and applies every check above to that fresh run:
// new keys, nonces and SPIs that no file of this repository holds.
func TestStrongSwanLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live strongSwan run takes ~10 s: not with -short")
	}
	s := testutil.LoadStrongSwanDir(t, testutil.RunStrongSwan(t, "ecdsa-aescbc-frag"))
	var c swanCounts
	checkSwanKeySchedule(t, s, &c)
	checkSwanMessages(t, s, &c)
	checkSwanRekeys(t, s, &c)
	checkSwanTshark(t, s, &c)
	checkSwanAUTH(t, s, &c)
	require.Equal(t, 2, c.sas)
	require.Equal(t, 2, c.whole, "two IKE_AUTH messages in SKF fragments")
	require.Equal(t, 1, c.rekeys)
	require.Equal(t, 2, c.auth[AuthDigitalSignature])
}
