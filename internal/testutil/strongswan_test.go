package testutil

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// TestStrongSwanCommitted checks every committed strongSwan scenario: its
// keys.json agrees with the capture (every IKE and ESP SPI there has keys,
// every frame is accounted for), with the charon logs it was extracted from,
// with the key lengths internal/iana gives, and with tshark's golden decode
// (tshark decrypted every packet it has the cipher for).
func TestStrongSwanCommitted(t *testing.T) {
	for _, name := range StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) {
			s := LoadStrongSwan(t, name)
			require.Equal(t, name, s.Scenario)
			checkStrongSwan(t, s)
		})
	}
}

// TestStrongSwanScenarioSet pins the committed scenarios, so a lost
// directory fails instead of shrinking the conformance runs.
func TestStrongSwanScenarioSet(t *testing.T) {
	require.Equal(t, []string{"eap-md5-ipv6", "ecdsa-aescbc-frag", "psk-aesgcm", "rsa-chacha-frag"},
		StrongSwanScenarios(t))
}

// TestStrongSwanLive runs the quick PSK scenario against two live charon
// daemons and checks the fresh capture and keys as the committed ones are
// checked, and that the run negotiated what the committed run did.
func TestStrongSwanLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live strongSwan run skipped in -short mode")
	}
	const name = "psk-aesgcm"
	s := LoadStrongSwanDir(t, RunStrongSwan(t, name))
	checkStrongSwan(t, s)
	want := LoadStrongSwan(t, name)
	require.Equal(t, shape(want), shape(s), "live run negotiated differently from the committed one")
}

// shape is what must not change between runs of a scenario: the SAs, their
// algorithms and lineage, and which exchanges made them.
func shape(s *StrongSwan) []string {
	var out []string
	for _, sa := range s.IKESAs {
		out = append(out, fmt.Sprintf("%s by %s (%s, rekey of %q): %v/%d %v %v %v auth %v",
			sa.ID, sa.Initiator, sa.CreatedBy, sa.RekeyOf, sa.Encr, sa.EncrKeyBits, sa.PRF, sa.Integ, sa.KE, sa.AuthMethods))
	}
	for _, c := range s.ChildSAs {
		out = append(out, fmt.Sprintf("%s in %s by %s (%s, rekey of %q): %v/%d %v %v, %d+%d packets",
			c.ID, c.IKESA, c.Initiator, c.CreatedBy, c.RekeyOf, c.Encr, c.EncrKeyBits, c.Integ, c.KE,
			c.SAs[0].Packets, c.SAs[1].Packets))
	}
	return out
}

// Lengths strongSwan's key exchange values and shared secrets have (RFC 3526:
// the modulus; RFC 5903: x||y public values and the x coordinate as secret;
// RFC 8031: 32 octets both).
var swanKELen = map[iana.KEID]struct{ public, secret int }{
	iana.KEMODP2048:   {256, 256},
	iana.KEECP256:     {64, 32},
	iana.KEECP384:     {96, 48},
	iana.KECurve25519: {32, 32},
}

func checkStrongSwan(t *testing.T, s *StrongSwan) {
	t.Helper()
	checkSwanKeys(t, s)
	checkSwanCapture(t, s)
	checkSwanLogs(t, s)
	checkSwanGolden(t, s)
	checkSwanUAT(t, s)
}

// checkSwanKeys: lengths against internal/iana, lineage, counts.
func checkSwanKeys(t *testing.T, s *StrongSwan) {
	require.Len(t, s.IKESAs, s.Counts.IKESAs)
	require.Len(t, s.ChildSAs, s.Counts.ChildSAs)
	require.Contains(t, s.Peers, "a")
	require.Contains(t, s.Peers, "b")
	rekeys := 0
	for _, sa := range s.IKESAs {
		where := "IKE SA " + sa.ID
		prfLen, ok := sa.PRF.KeyLen()
		require.True(t, ok, where)
		encrLen, ok := sa.Encr.KeyMaterialLen(sa.EncrKeyBits)
		require.True(t, ok, "%s: %v with %d bits", where, sa.Encr, sa.EncrKeyBits)
		integLen, ok := sa.Integ.KeyLen()
		require.True(t, ok, where)
		require.Equal(t, sa.Encr.IsAEAD(), sa.Integ == iana.IntegNone, "%s: AEAD xor integrity", where)
		require.Len(t, sa.SKEYSEED, prfLen, where)
		for name, k := range map[string]Hex{"SK_d": sa.SKd, "SK_pi": sa.SKpi, "SK_pr": sa.SKpr} {
			require.Len(t, k, prfLen, "%s %s", where, name)
		}
		require.Len(t, sa.SKei, encrLen, where)
		require.Len(t, sa.SKer, encrLen, where)
		require.Len(t, sa.SKai, integLen, where)
		require.Len(t, sa.SKar, integLen, where)
		kl, ok := swanKELen[sa.KE]
		require.True(t, ok, "%s: key exchange %v", where, sa.KE)
		require.Len(t, sa.KEi, kl.public, where)
		require.Len(t, sa.KEr, kl.public, where)
		require.Len(t, sa.SharedSecret, kl.secret, where)
		for _, n := range []Hex{sa.NonceI, sa.NonceR} {
			require.True(t, len(n) >= 16 && len(n) <= 256, "%s: nonce of %d octets (RFC 7296 §3.9)", where, len(n))
		}
		require.Equal(t, sa.CreatedBy == "IKE_SA_INIT", sa.RekeyOf == "", where)
		if sa.RekeyOf != "" {
			require.NotNil(t, s.IKESAByID(sa.RekeyOf), where)
			require.Len(t, sa.CreatedIn, 2, where)
			rekeys++
		}
		require.Contains(t, []string{"a", "b"}, sa.Initiator, where)
		require.Equal(t, s.Peers[sa.Initiator].Address, sa.InitiatorAddr, where)
		require.NotEmpty(t, sa.Messages, where)
	}
	require.Equal(t, s.Counts.IKERekeys, rekeys)
	rekeys = 0
	for _, c := range s.ChildSAs {
		where := "CHILD_SA " + c.ID
		require.NotNil(t, s.IKESAByID(c.IKESA), where)
		require.Equal(t, "ESP", c.Protocol, where)
		require.True(t, c.UDPEncap, "%s: libipsec always encapsulates", where)
		require.False(t, c.ESN, "%s: libipsec has no ESN", where)
		encrLen, ok := c.Encr.KeyMaterialLen(c.EncrKeyBits)
		require.True(t, ok, where)
		integLen, ok := c.Integ.KeyLen()
		require.True(t, ok, where)
		require.Equal(t, c.Encr.IsAEAD(), c.Integ == iana.IntegNone, where)
		wantSeed := slices.Concat(c.SharedSecret, c.NonceI, c.NonceR)
		require.Equal(t, Hex(wantSeed), c.KeymatSeed, "%s: KEYMAT seed is [g^ir] | Ni | Nr (RFC 7296 §2.17)", where)
		require.Equal(t, c.KE != iana.KENone, len(c.SharedSecret) > 0, "%s: PFS iff a KE group", where)
		if c.RekeyOf != "" {
			rekeys++
			require.Equal(t, "CREATE_CHILD_SA", c.CreatedBy, where)
		}
		require.Len(t, c.SAs, 2, where)
		require.Equal(t, "i2r", c.SAs[0].Direction, where)
		require.Equal(t, "r2i", c.SAs[1].Direction, where)
		require.Equal(t, c.SPIr, c.SAs[0].SPI, "%s: the responder's SPI carries i2r traffic", where)
		require.Equal(t, c.SPIi, c.SAs[1].SPI, where)
		require.Equal(t, c.Initiator, c.SAs[0].From, where)
		for _, e := range c.SAs {
			require.Len(t, e.EncrKey, encrLen, "%s %s", where, e.Direction)
			require.Len(t, e.IntegKey, integLen, "%s %s", where, e.Direction)
			require.Len(t, e.Frames, e.Packets, where)
			require.Equal(t, s.Peers[e.From].Address, e.Src, where)
		}
	}
	require.Equal(t, s.Counts.ChildRekeys, rekeys)
}

// swanDatagram is the UDP payload of one frame, as RFC 3948 splits port 4500.
type swanDatagram struct {
	frame    int
	src, dst string
	ike      []byte // the IKE message (non-ESP marker removed)
	encap    bool   // IKE on port 4500
	esp      []byte
}

func swanDatagrams(t *testing.T, s *StrongSwan) (out []swanDatagram, keepalives int) {
	for _, p := range s.Packets(t) {
		pkt := gopacket.NewPacket(p.Data, p.Link, gopacket.Default)
		udp, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		require.NotNil(t, udp, "frame %d: not UDP", p.Number)
		net := pkt.NetworkLayer()
		d := swanDatagram{frame: p.Number, src: net.NetworkFlow().Src().String(), dst: net.NetworkFlow().Dst().String()}
		pl := udp.Payload
		switch {
		case udp.SrcPort == 500 || udp.DstPort == 500:
			d.ike = pl
		case len(pl) == 1 && pl[0] == 0xff:
			keepalives++
			continue
		case len(pl) >= 4 && binary.BigEndian.Uint32(pl) == 0:
			d.ike, d.encap = pl[4:], true
		default:
			d.esp = pl
		}
		out = append(out, d)
	}
	return out, keepalives
}

// checkSwanCapture: every datagram belongs to an SA with keys, and every
// frame keys.json names is that datagram.
func checkSwanCapture(t *testing.T, s *StrongSwan) {
	dgs, keepalives := swanDatagrams(t, s)
	require.Equal(t, s.Counts.NATKeepalives, keepalives)
	ikeMsgs := map[int]*SwanMessage{}
	ikeSA := map[int]*SwanIKESA{}
	for i := range s.IKESAs {
		for j := range s.IKESAs[i].Messages {
			m := &s.IKESAs[i].Messages[j]
			require.NotContains(t, ikeMsgs, m.Frame, "frame %d in two IKE SAs", m.Frame)
			ikeMsgs[m.Frame], ikeSA[m.Frame] = m, &s.IKESAs[i]
		}
	}
	espFrame := map[int]uint32{}
	for _, c := range s.ChildSAs {
		for _, e := range c.SAs {
			for _, f := range e.Frames {
				espFrame[f] = uint32(e.SPI)
			}
		}
	}
	var nIKE, nEnc, nSKF, nESP int
	lastSeq := map[uint32]uint32{}
	for _, d := range dgs {
		where := fmt.Sprintf("%s frame %d", s.Scenario, d.frame)
		if d.esp != nil {
			nESP++
			require.GreaterOrEqual(t, len(d.esp), 8, where)
			spi, seq := binary.BigEndian.Uint32(d.esp), binary.BigEndian.Uint32(d.esp[4:])
			c, e := s.ESPSA(spi)
			require.NotNil(t, e, "%s: ESP SPI %08x has no keys", where, spi)
			require.Equal(t, e.Src, d.src, where)
			require.Equal(t, e.Dst, d.dst, where)
			require.Equal(t, spi, espFrame[d.frame], "%s: keys.json lists it under another SA", where)
			require.Greater(t, seq, lastSeq[spi], "%s: sequence numbers rise", where)
			lastSeq[spi] = seq
			if c.Encr.IsAEAD() {
				icv := c.Encr.ICVLen()
				require.Zero(t, (len(d.esp)-8-8-icv)%4, "%s: ESP payload is 4-octet aligned", where)
			}
			continue
		}
		nIKE++
		require.GreaterOrEqual(t, len(d.ike), 28, where)
		h := d.ike
		spiI, spiR := binary.BigEndian.Uint64(h), binary.BigEndian.Uint64(h[8:])
		m := ikeMsgs[d.frame]
		require.NotNil(t, m, "%s: IKE message not in keys.json", where)
		sa := ikeSA[d.frame]
		require.Equal(t, uint64(sa.SPIi), spiI, where)
		if !(h[18] == 34 && h[19]&0x20 == 0) { // an IKE_SA_INIT request has no responder SPI yet
			require.Equal(t, uint64(sa.SPIr), spiR, where)
		}
		require.Equal(t, m.Exchange, int(h[18]), where)
		require.Equal(t, m.Initiator, h[19]&0x08 != 0, where)
		require.Equal(t, m.Response, h[19]&0x20 != 0, where)
		require.Equal(t, m.MessageID, binary.BigEndian.Uint32(h[20:]), where)
		require.Equal(t, m.UDPEncap, d.encap, where)
		last := m.Payloads[len(m.Payloads)-1]
		require.Equal(t, m.Encrypted, last == 46 || last == 53, where)
		if m.Encrypted {
			nEnc++
			require.NotEmpty(t, sa.SKei, "%s: encrypted message of an SA without keys", where)
			require.NotNil(t, m.Inner, "%s: decrypted payload list (empty for an empty INFORMATIONAL)", where)
		}
		if last == 53 {
			nSKF++
			require.True(t, m.Fragment >= 1 && m.Fragment <= m.Fragments, where)
		}
	}
	require.Equal(t, s.Counts.IKEMessages, nIKE)
	require.Equal(t, s.Counts.IKEEncrypted, nEnc)
	require.Equal(t, s.Counts.SKFFragments, nSKF)
	require.Equal(t, s.Counts.ESP, nESP)
	require.Len(t, ikeMsgs, nIKE, "keys.json names frames that are not IKE")
	require.Len(t, espFrame, nESP, "keys.json names frames that are not ESP")
	require.Equal(t, s.Counts.Frames, len(dgs)+keepalives)
}

// checkSwanLogs: the keys in keys.json are the ones the logs show, for
// both peers, at the lines keys.json points to.
func checkSwanLogs(t *testing.T, s *StrongSwan) {
	for _, peer := range []string{"a", "b"} {
		log := readSwanLog(t, s.Path(s.Logs[peer]))
		for _, sa := range s.IKESAs {
			where := fmt.Sprintf("%s peer %s IKE SA %s", s.Scenario, peer, sa.ID)
			at := sa.LogLines[peer]
			require.Contains(t, log.text(at), "shared Diffie Hellman secret", where)
			for name, want := range map[string]Hex{
				"shared Diffie Hellman secret": sa.SharedSecret, "SKEYSEED": sa.SKEYSEED,
				"Sk_d secret": sa.SKd, "Sk_ei secret": sa.SKei, "Sk_er secret": sa.SKer,
				"Sk_pi secret": sa.SKpi, "Sk_pr secret": sa.SKpr,
			} {
				require.Equal(t, want, log.dump(t, at, name), "%s: %s", where, name)
			}
			if len(sa.SKai) > 0 {
				require.Equal(t, sa.SKai, log.dump(t, at, "Sk_ai secret"), where)
				require.Equal(t, sa.SKar, log.dump(t, at, "Sk_ar secret"), where)
			}
		}
		for _, c := range s.ChildSAs {
			where := fmt.Sprintf("%s peer %s CHILD_SA %s", s.Scenario, peer, c.ID)
			at := c.LogLines[peer]
			require.Contains(t, log.text(at), c.StrongSwanName[peer]+" state change: CREATED => INSTALLING", where)
			require.Equal(t, c.SAs[0].EncrKey, log.dump(t, at, "encryption initiator key"), where)
			require.Equal(t, c.SAs[1].EncrKey, log.dump(t, at, "encryption responder key"), where)
			require.Equal(t, c.KeymatSeed, log.dump(t, at, "seed"), where)
			if len(c.SAs[0].IntegKey) > 0 {
				require.Equal(t, c.SAs[0].IntegKey, log.dump(t, at, "integrity initiator key"), where)
				require.Equal(t, c.SAs[1].IntegKey, log.dump(t, at, "integrity responder key"), where)
			}
			if len(c.SharedSecret) > 0 {
				require.Equal(t, c.SharedSecret, log.dump(t, at, "DH secret"), where)
			}
		}
	}
}

type swanLog []string

var (
	swanLogLine = regexp.MustCompile(`^\d\d:\d\d:\d\d (\d\d)\[\w+\] (?:<[^>]*> )?(.*)$`)
	swanLogDump = regexp.MustCompile(`^\s*\d+: ((?:[0-9A-F]{2} )+)`)
	swanLogHead = regexp.MustCompile(` => (\d+) bytes @ `)
)

func readSwanLog(t *testing.T, path string) swanLog {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out swanLog
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	require.NoError(t, sc.Err())
	return out
}

// text is line n (1-based).
func (l swanLog) text(n int) string {
	if n < 1 || n > len(l) {
		return ""
	}
	return l[n-1]
}

// dump returns the hex dump "NAME => N bytes" logged by the same thread
// within 80 lines from line n.
func (l swanLog) dump(t *testing.T, n int, name string) Hex {
	t.Helper()
	first := swanLogLine.FindStringSubmatch(l.text(n))
	require.NotNil(t, first, "log line %d", n)
	for i := n; i < n+80 && i <= len(l); i++ {
		m := swanLogLine.FindStringSubmatch(l[i-1])
		if m == nil || m[1] != first[1] || !strings.HasPrefix(m[2], name+" => ") {
			continue
		}
		h := swanLogHead.FindStringSubmatch(m[2])
		size, _ := strconv.Atoi(h[1])
		var out []byte
		for j := i; len(out) < size && j < len(l); j++ {
			d := swanLogLine.FindStringSubmatch(l[j])
			require.NotNil(t, d, "log line %d", j+1)
			x := swanLogDump.FindStringSubmatch(d[2])
			require.NotNil(t, x, "log line %d: not a hex dump", j+1)
			b, err := hex.DecodeString(strings.ReplaceAll(x[1], " ", ""))
			require.NoError(t, err)
			out = append(out, b...)
		}
		require.Len(t, out, size, "log line %d: %s", i, name)
		return out
	}
	t.Fatalf("no %q within 80 lines of log line %d", name, n)
	return nil
}

// swanEAPMD5Warning is tshark's EAP dissector judging EAP-MD5 itself, not
// a fault in the packet.
const swanEAPMD5Warning = "expert: Vulnerable to MITM attacks. If possible, change EAP type."

// checkSwanGolden: tshark's saved decode decrypted every ESP packet and
// every SK/SKF payload of the SAs it has the cipher for, showed the inner
// packets, verified HMAC ICVs, and warned about nothing.
func checkSwanGolden(t *testing.T, s *StrongSwan) {
	golden := s.Golden(t)
	require.Len(t, golden, s.Counts.Frames)
	for i, f := range golden {
		w := slices.DeleteFunc(Warnings(f), func(w string) bool { return w == swanEAPMD5Warning })
		require.Empty(t, w, "%s frame %d: tshark warnings", s.Scenario, i+1)
	}
	decrypted := 0
	for _, c := range s.ChildSAs {
		for _, e := range c.SAs {
			for _, n := range e.Frames {
				f := golden[n-1]
				where := fmt.Sprintf("%s frame %d (ESP %s)", s.Scenario, n, e.SPI)
				require.Equal(t, []string{"0x" + e.SPI.String()}, f["esp.spi"], where)
				if e.Wireshark == "" {
					require.NotContains(t, f, "esp.decrypted_data", "%s: tshark 4.0 cannot decrypt %v", where, c.Encr)
					continue
				}
				decrypted++
				require.Contains(t, f, "esp.decrypted_data", where)
				if c.Integ != iana.IntegNone {
					require.Equal(t, []string{"1"}, f["esp.icv_good"], "%s: tshark verified the ICV", where)
				}
				inner := ""
				for k := range e.Inner {
					inner = k
				}
				outer6 := strings.Contains(e.Src, ":")
				switch inner {
				case "IPv4/ICMP":
					src := f["ip.src"]
					require.Len(t, src, map[bool]int{false: 2, true: 1}[outer6], "%s: inner IPv4 decoded", where)
					require.NotEqual(t, e.Src, src[len(src)-1], where)
					require.Equal(t, []string{"1"}, f["icmp.checksum.status"], where)
				case "IPv6/ICMPv6":
					src := f["ipv6.src"]
					require.Len(t, src, map[bool]int{false: 1, true: 2}[outer6], "%s: inner IPv6 decoded", where)
					require.NotEqual(t, e.Src, src[len(src)-1], where)
					require.Equal(t, []string{"1"}, f["icmpv6.checksum.status"], where)
				default:
					t.Fatalf("%s: inner %q", where, inner)
				}
			}
		}
	}
	for _, sa := range s.IKESAs {
		for _, m := range sa.Messages {
			if !m.Encrypted {
				continue
			}
			f := golden[m.Frame-1]
			where := fmt.Sprintf("%s frame %d (IKE SA %s)", s.Scenario, m.Frame, sa.ID)
			if sa.Wireshark == "" {
				require.NotContains(t, f, "isakmp.enc.pad_length", "%s: tshark 4.0 cannot decrypt %v", where, sa.Encr)
				continue
			}
			decrypted++
			require.Contains(t, f, "isakmp.enc.pad_length", "%s: decrypted", where)
		}
	}
	t.Logf("%s: tshark decrypted %d packets in the golden decode", s.Scenario, decrypted)
}

// checkSwanUAT: the key tables hold exactly the lines keys.json gives, and
// capture.tshark.args loads them.
func checkSwanUAT(t *testing.T, s *StrongSwan) {
	var esp, ike []string
	for _, c := range s.ChildSAs {
		for _, e := range c.SAs {
			if e.Wireshark != "" {
				esp = append(esp, e.Wireshark)
			}
		}
	}
	for _, sa := range s.IKESAs {
		if sa.Wireshark != "" {
			ike = append(ike, sa.Wireshark)
		}
	}
	require.Equal(t, esp, uatLines(t, s.Path("esp_sa.uat")))
	require.Equal(t, ike, uatLines(t, s.Path("ikev2_decryption_table.uat")))
	args := s.TsharkArgs(t)
	for _, l := range esp {
		require.Contains(t, args, "uat:esp_sa:"+l)
	}
	for _, l := range ike {
		require.Contains(t, args, "uat:ikev2_decryption_table:"+l)
	}
	require.Contains(t, args, "esp.enable_encryption_decode:TRUE")
}

func uatLines(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestStrongSwanReextract runs the generator's extractor on each committed
// capture and trimmed logs again: it must re-prove every key (recompute,
// decrypt, authenticate) and write the same keys.json and key tables.
func TestStrongSwanReextract(t *testing.T) {
	py := swanPython(t)
	for _, name := range StrongSwanScenarios(t) {
		t.Run(name, func(t *testing.T) {
			s := LoadStrongSwan(t, name)
			dir := t.TempDir()
			copyFile(t, s.Path(s.Capture), filepath.Join(dir, "capture.pcap"))
			args := []string{Testdata(t, "gen", "strongswan-keys.py"),
				"--scenario", s.Scenario, "--description", s.Description}
			for _, peer := range []string{"a", "b"} {
				p := s.Peers[peer]
				log := filepath.Join(dir, "raw-"+peer+".log")
				copyFile(t, s.Path(s.Logs[peer]), log)
				args = append(args, "--log", peer+"="+log, "--peer", peer+"="+p.Address,
					"--id", peer+"="+p.ID, "--auth", peer+"="+p.Auth.Method)
				if p.Auth.PSK != "" {
					args = append(args, "--psk", p.Auth.PSK)
				}
				if p.Auth.EAPIdentity != "" {
					args = append(args, "--eap", p.Auth.EAPIdentity+":"+p.Auth.EAPSecret)
				}
			}
			out, err := exec.Command(py, append(args, dir)...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			for _, f := range []string{"keys.json", "esp_sa.uat", "ikev2_decryption_table.uat", "capture.tshark.args",
				"charon-a.log", "charon-b.log"} {
				want, err := os.ReadFile(s.Path(f))
				require.NoError(t, err)
				got, err := os.ReadFile(filepath.Join(dir, f))
				require.NoError(t, err)
				require.Equal(t, string(want), string(got), "%s: %s differs when extracted again", name, f)
			}
		})
	}
}

// swanPython is /usr/bin/python3 with python3-cryptography, which the
// generator uses; skipped without it, failing under CI.
func swanPython(t *testing.T) string {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import cryptography").Run(); err != nil {
		if InCI() {
			t.Fatalf("%s with python3-cryptography missing under CI: .ci/run installs it", py)
		}
		t.Skipf("%s with python3-cryptography missing: %v", py, err)
	}
	return py
}

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, data, 0o644))
}
