package ipsec

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
	"github.com/tunnelcodec/tunnelcodec/internal/testutil"
)

type scapyFrame struct {
	Frame     int         `json:"frame"`
	Name      string      `json:"name"`
	Proto     string      `json:"proto"`
	Mode      string      `json:"mode"`
	SPI       uint32      `json:"spi"`
	Encr      iana.EncrID `json:"encr"`
	EncrKey   string      `json:"encr_key"`
	Integ     IntegID     `json:"integ"`
	IntegKey  string      `json:"integ_key"`
	ESN       bool        `json:"esn"`
	Seq       uint64      `json:"seq"`
	IV        string      `json:"iv"`
	NATT      bool        `json:"natt"`
	Plain     string      `json:"plain"`
	ScapyFixs []string    `json:"scapy_fixes"`
}

// TestScapyGenerated checks every frame testdata/gen/esp.py made with
// scapy 2.5 (ESP and AH, transport and tunnel, IPv4 with options and IPv6
// with extension headers, every shared algorithm, ESN across 2^32, NAT-T):
// our SA opens each to scapy's plaintext, refuses a tampered copy, and
// seals the plaintext again, with the same sequence number and IV, to the
// same packet byte for byte, outer headers included.
func TestScapyGenerated(t *testing.T) {
	raw, err := os.ReadFile(testutil.Testdata(t, "ipsec", "scapy-esp.json"))
	require.NoError(t, err)
	var d struct {
		Frames []scapyFrame `json:"frames"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	pkts := testutil.ReadCapture(t, testutil.Testdata(t, "ipsec", "scapy-esp.pcap"))
	require.Len(t, pkts, len(d.Frames))
	fixed := map[string]int{}
	for _, f := range d.Frames {
		t.Run(f.Name, func(t *testing.T) {
			pkt := pkts[f.Frame-1].Data[14:]
			plain := unhex(t, f.Plain)
			cfg := Config{SPI: f.SPI, Encr: f.Encr, EncrKey: unhex(t, f.EncrKey), Integ: f.Integ, IntegKey: unhex(t, f.IntegKey),
				ESN: f.ESN, Seq: f.Seq - 1}
			var tun *Tunnel
			if f.Mode == "tunnel" {
				src, dst := ipAddrs(pkt, int(pkt[0]>>4))
				tun = &Tunnel{Src: src, Dst: dst}
				if f.NATT {
					tun.UDPSrcPort, tun.UDPDstPort = 4500, 4500
				}
			}
			var udp *UDPPorts
			if f.NATT && tun == nil {
				udp = &UDPPorts{4500, 4500}
			}
			var got, again []byte
			if f.Proto == "ah" {
				cfg.Encr, cfg.EncrKey = 0, nil
				rx, err := NewInboundAH(cfg)
				require.NoError(t, err)
				if tun != nil {
					got, err = rx.OpenTunnel(nil, pkt)
				} else {
					got, err = rx.OpenTransport(nil, pkt)
				}
				require.NoError(t, err)
				tx, err := NewOutboundAH(cfg)
				require.NoError(t, err)
				if tun != nil {
					again, err = tx.SealTunnel(nil, plain, tun)
				} else {
					again, err = tx.SealTransport(nil, plain)
				}
				require.NoError(t, err)
			} else {
				rx, err := NewInboundESP(cfg)
				require.NoError(t, err)
				if tun != nil {
					got, err = rx.OpenTunnel(nil, pkt)
				} else {
					got, err = rx.OpenTransport(nil, pkt)
				}
				require.NoError(t, err)
				out := cfg
				out.IVSource = bytes.NewReader(unhex(t, f.IV))
				tx, err := NewOutboundESP(out)
				require.NoError(t, err)
				if tun != nil {
					again, err = tx.SealTunnel(nil, plain, tun)
				} else {
					again, err = tx.SealTransport(nil, plain, udp)
				}
				require.NoError(t, err)
			}
			require.Equal(t, plain, got, "opened to scapy's plaintext")
			require.Equal(t, pkt, again, "sealed to scapy's bytes")
			for _, x := range f.ScapyFixs {
				fixed[x]++
			}

			bad := bytes.Clone(pkt)
			bad[len(bad)-1] ^= 0x80
			if f.Proto == "ah" {
				rx, _ := NewInboundAH(cfg)
				_, err = rx.Verify(bad)
			} else {
				rx, _ := NewInboundESP(cfg)
				_, err = rx.OpenTransport(nil, bad)
			}
			require.ErrorIs(t, err, ErrAuthentication)
		})
	}
	require.Equal(t, 2*4, fixed["esn-hmac"], "ESN HMAC frames whose ICV the generator fixed")
	require.Equal(t, 4, fixed["natt-udp-length"])
	require.Equal(t, 16, fixed["gcm-icv-length"], "AES-GCM-8 and -12 frames whose tag the generator cut")
	_ = netip.Addr{}
}
