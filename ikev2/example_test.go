package ikev2_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"

	"github.com/tunnelcodec/tunnelcodec/ikev2"
	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// Build an IKE_SA_INIT request into a buffer, then walk it with a Parser.
func ExampleBuilder() {
	buf := make([]byte, 0, 1500)
	var b ikev2.Builder
	b.Start(buf, ikev2.Header{SPIi: 0x0102030405060708, ExchangeType: ikev2.IKE_SA_INIT, Flags: ikev2.FlagInitiator})
	b.StartSA()
	b.Proposal(ikev2.Proposal{ProtocolID: ikev2.ProtoIKE})
	b.Transform(ikev2.Transform{Type: ikev2.TransformENCR, ID: uint16(iana.EncrAESGCM16), KeyLength: 256})
	b.Transform(ikev2.Transform{Type: ikev2.TransformPRF, ID: uint16(iana.PRFHMACSHA2256)})
	b.Transform(ikev2.Transform{Type: ikev2.TransformKE, ID: uint16(iana.KECurve25519)})
	b.KE(ikev2.KE{Group: iana.KECurve25519, Data: make([]byte, 32)})
	b.Nonce(make([]byte, 32))
	nat := ikev2.NATDetectionHash(0x0102030405060708, 0, netip.MustParseAddr("192.0.2.1"), 500)
	b.Notify(ikev2.Notify{Type: ikev2.NAT_DETECTION_SOURCE_IP, Data: nat[:]})
	msg, err := b.Finish()
	if err != nil {
		panic(err)
	}

	var p ikev2.Parser
	h, _ := p.Start(msg)
	fmt.Println(h.ExchangeType, len(msg), "octets")
	for {
		ph, err := p.Next()
		if errors.Is(err, ikev2.ErrSectionDone) {
			break
		}
		switch ph.Type {
		case ikev2.PayloadSA:
			for {
				pr, err := p.Proposal()
				if err != nil {
					break
				}
				fmt.Println("proposal", pr.Number, pr.ProtocolID, pr.NumTransforms, "transforms")
			}
		case ikev2.PayloadNotify:
			n, _ := p.Notify()
			fmt.Println("notify", n.Type)
		default:
			fmt.Println(ph.Type, ph.Length)
		}
	}
	// Output:
	// IKE_SA_INIT 172 octets
	// proposal 1 IKE 3 transforms
	// KE 40
	// Nonce 36
	// notify NAT_DETECTION_SOURCE_IP
}

// Seal an IKE_AUTH message built in plain form, and open it on the other
// side.
func ExampleProtector() {
	key := make([]byte, 36) // AES-256 key and 4-octet salt, from prf+ in practice
	rand.Read(key)
	out, _ := ikev2.NewProtector(iana.EncrAESGCM16, 256, iana.IntegNone, key, nil)
	in, _ := ikev2.NewProtector(iana.EncrAESGCM16, 256, iana.IntegNone, key, nil)

	var b ikev2.Builder
	b.Start(nil, ikev2.Header{SPIi: 1, SPIr: 2, ExchangeType: ikev2.IKE_AUTH, Flags: ikev2.FlagInitiator, MessageID: 1})
	b.StartSK()
	b.IDi(ikev2.ID{Type: ikev2.IDFQDN, Data: []byte("a.example")})
	b.Auth(ikev2.Auth{Method: ikev2.AuthSharedKeyMIC, Data: make([]byte, 32)})
	plain, _ := b.Finish()

	sealed, _ := out.Seal(nil, plain)
	fmt.Println(len(plain), "octets in plain form,", len(sealed), "sealed")

	opened, err := in.Open(nil, sealed)
	fmt.Println(err, opened.First, len(opened.Inner), "octets inside")
	sealed[40] ^= 1
	_, err = in.Open(nil, sealed)
	fmt.Println(errors.Is(err, ikev2.ErrAuthentication))
	// Output:
	// 89 octets in plain form, 114 sealed
	// <nil> IDi 57 octets inside
	// true
}

// Derive the keys of an IKE SA from the Diffie-Hellman secret.
func ExampleDeriveKeys() {
	i, _ := ikev2.NewKeyExchange(iana.KECurve25519, rand.Reader)
	r, _ := ikev2.NewKeyExchange(iana.KECurve25519, rand.Reader)
	gir, _ := i.SharedSecret(r.PublicValue())
	ni, nr := make([]byte, 32), make([]byte, 32)
	rand.Read(ni)
	rand.Read(nr)
	suite := ikev2.Suite{Encr: iana.EncrAESGCM16, KeyBits: 256, PRF: iana.PRFHMACSHA2256, KE: iana.KECurve25519}
	keys, _ := ikev2.DeriveKeys(suite, gir, ni, nr, 0x0102030405060708, 0x1112131415161718)
	fmt.Println(len(keys.Ei), len(keys.D), len(keys.Pi))
	fmt.Printf("%x\n", keys.Ei) // keys never print
	// Output:
	// 36 32 32
	// [36-octet secret]
}
