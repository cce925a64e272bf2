package ipsec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/checksum"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

type scapyVector struct {
	Title         string `json:"title"`
	SPI           uint32 `json:"spi"`
	CryptAlgo     string `json:"crypt_algo"`
	CryptKeyHex   string `json:"crypt_key_hex"`
	AuthAlgo      string `json:"auth_algo"`
	AuthKeyHex    string `json:"auth_key_hex"`
	ESN           bool   `json:"esn_en"`
	ESNHigh       uint32 `json:"esn"`
	RefSeq        uint32 `json:"ref_seq"`
	RefSPI        uint32 `json:"ref_spi"`
	RefDataHex    string `json:"ref_data_hex"`
	ExpectedHex   string `json:"expected_encrypt_output_hex"`
	IVHex         string `json:"iv_hex"`
	PlainInnerHex string `json:"plaintext_inner_payload_hex_after_decrypt"`
}

func scapyVectors(t *testing.T) []scapyVector {
	raw, err := os.ReadFile(testutil.Vectors(t, "ipsec", "scapy-ipsec-esp-vectors.json"))
	require.NoError(t, err)
	var d struct {
		Vectors []scapyVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	require.Len(t, d.Vectors, 12)
	return d.Vectors
}

var scapyEncr = map[string]EncrID{"AES-CBC": EncrAESCBC, "AES-CTR": EncrAESCTR, "AES-GCM": EncrAESGCM16,
	"AES-NULL-GMAC": EncrNULLAuthAESGMAC, "3DES": Encr3DES}

// TestLinuxXfrmVectors opens the ESP packets the Linux kernel (xfrm) made
// for scapy's test suite, including AES-GCM and AES-GMAC with ESN (the high
// half inferred from a window just past 2^32). Each must give an IPv4 ICMP
// echo whose header checksum is valid. DES, Blowfish, CAST and AES-CCM are
// not implemented and must be refused as such.
func TestLinuxXfrmVectors(t *testing.T) {
	opened := 0
	for _, v := range scapyVectors(t) {
		if v.RefDataHex == "" {
			continue
		}
		t.Run(v.Title, func(t *testing.T) {
			c := Config{SPI: v.RefSPI, EncrKey: unhex(t, v.CryptKeyHex), ESN: v.ESN}
			encr, ok := scapyEncr[v.CryptAlgo]
			if !ok {
				c.Encr = 0
				_, err := NewInboundESP(c)
				require.ErrorIs(t, err, ErrConfig, "%s is not implemented", v.CryptAlgo)
				return
			}
			c.Encr = encr
			if v.ESN {
				c.Seq = uint64(v.ESNHigh) << 32 // the receiver's window sits at the start of that subspace
			}
			rx, err := NewInboundESP(c)
			require.NoError(t, err)
			pkt := binary.BigEndian.AppendUint32(nil, v.RefSPI)
			pkt = binary.BigEndian.AppendUint32(pkt, v.RefSeq)
			pkt = append(pkt, unhex(t, v.RefDataHex)...)
			o, err := rx.Open(nil, pkt)
			require.NoError(t, err)
			require.Equal(t, layers.IPProtocolIPv4, o.NextHeader, "tunnel mode")
			require.Equal(t, uint64(v.ESNHigh)<<32|uint64(v.RefSeq), o.Seq)
			p := gopacket.NewPacket(o.Payload, layers.LayerTypeIPv4, gopacket.Default)
			require.Nil(t, p.ErrorLayer())
			require.NotNil(t, p.Layer(layers.LayerTypeICMPv4))
			require.Zero(t, checksum.Checksum(o.Payload[:20], 0), "inner IPv4 checksum")
			opened++
		})
	}
	require.Equal(t, 7, opened, "3DES, AES-CBC, AES-CTR, AES-GCM (2), AES-GMAC (2)")
}

// TestScapyESNExactBytes reproduces scapy's AES-CBC / HMAC-SHA2-256-128
// vector with ESN (high half 68) byte for byte: an ICV that left out the
// high-order bits, or put them anywhere but after the ciphertext, differs.
func TestScapyESNExactBytes(t *testing.T) {
	var v scapyVector
	for _, x := range scapyVectors(t) {
		if x.ExpectedHex != "" {
			v = x
		}
	}
	require.True(t, v.ESN)
	want := unhex(t, v.ExpectedHex)
	ip := want[:20]
	esp := want[20:]
	seqLo := binary.BigEndian.Uint32(esp[4:])
	c := Config{SPI: v.SPI, Encr: EncrAESCBC, EncrKey: unhex(t, v.CryptKeyHex), Integ: IntegHMACSHA2256128,
		IntegKey: unhex(t, v.AuthKeyHex), ESN: true, Seq: uint64(v.ESNHigh)<<32 | uint64(seqLo-1),
		IVSource: bytes.NewReader(unhex(t, v.IVHex))}
	tx, err := NewOutboundESP(c)
	require.NoError(t, err)
	plain := unhex(t, v.PlainInnerHex)
	padLen := int(plain[len(plain)-2])
	payload := plain[:len(plain)-2-padLen]
	got, err := tx.Seal(nil, layers.IPProtocol(plain[len(plain)-1]), payload)
	require.NoError(t, err)
	require.Equal(t, esp, got)

	// The same through the transport-mode helper, from the original packet.
	orig := append(bytes.Clone(ip), payload...)
	orig[9] = byte(layers.IPProtocolTCP)
	require.NoError(t, fixIPHeader(orig, 4))
	c.IVSource = bytes.NewReader(unhex(t, v.IVHex))
	tx, err = NewOutboundESP(c)
	require.NoError(t, err)
	full, err := tx.SealTransport(nil, orig, nil)
	require.NoError(t, err)
	require.Equal(t, want, full)

	c.Seq = uint64(v.ESNHigh) << 32
	rx, err := NewInboundESP(c)
	require.NoError(t, err)
	back, err := rx.OpenTransport(nil, want)
	require.NoError(t, err)
	require.Equal(t, orig, back)
}
