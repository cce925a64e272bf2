package testutil

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// strongSwan captures (testdata/strongswan/<scenario>/, made by
// testdata/gen/strongswan.sh): two charon daemons talking IKEv2 and ESP (in
// UDP, kernel-libipsec) over a veth pair, with every key they derived. The
// files of a scenario directory:
//
//	capture.pcap                the underlay, both directions
//	charon-a.log, charon-b.log  the two daemons' logs (ike 4, chd 4), trimmed
//	keys.json                   every IKE SA and CHILD_SA, tied to the capture (StrongSwan)
//	esp_sa.uat                  Wireshark esp_sa lines for the ESP SAs tshark can decrypt
//	ikev2_decryption_table.uat  Wireshark ikev2_decryption_table lines likewise
//	capture.tshark.args         those lines as tshark -o arguments
//	capture.tshark.json         tshark's decode with decryption (the golden)
//	certs/                      the CA, certificates and keys of certificate runs
//	config/{a,b}/               the strongswan.conf and swanctl.conf each peer ran
//
// Peer "a" always starts the first IKE SA; keys.json says who initiated
// each later exchange. Typical use in a conformance test:
//
//	for _, name := range testutil.StrongSwanScenarios(t) {
//		s := testutil.LoadStrongSwan(t, name)
//		for _, p := range s.Packets(t) {
//			// ESP: child, sa := s.ESPSA(spi) gives sa.EncrKey, sa.IntegKey, child.Encr ...
//			// IKE: ike := s.IKESA(spiI, spiR) gives ike.SKei, ike.SKar, ike.Encr ...
//		}
//		golden := s.Golden(t) // tshark's decode, decrypted where tshark can
//	}

// StrongSwan is one scenario's keys.json, with Dir set to its directory.
type StrongSwan struct {
	Dir               string               `json:"-"`
	Scenario          string               `json:"scenario"`
	Description       string               `json:"description"`
	StrongSwanVersion string               `json:"strongswan_version"`
	Capture           string               `json:"capture"` // relative to Dir
	Logs              map[string]string    `json:"logs"`    // peer → log file, relative to Dir
	Peers             map[string]SwanPeer  `json:"peers"`   // "a" and "b"
	Counts            SwanCounts           `json:"counts"`
	IKESAs            []SwanIKESA          `json:"ike_sas"`   // in the order they were created
	ChildSAs          []SwanChildSA        `json:"child_sas"` // likewise
	byESP             map[uint32]espLookup `json:"-"`
}

// SwanPeer is one charon: its underlay address, IKE identity and how it
// authenticated.
type SwanPeer struct {
	Address string   `json:"address"`
	ID      string   `json:"id"` // an FQDN identity (ID_FQDN)
	Auth    SwanAuth `json:"auth"`
}

// SwanAuth is a peer's authentication: "psk" (PSK, the shared secret as
// configured), "pubkey" (certificate; paths relative to the scenario
// directory) or "eap-md5" (client identity and secret; the responder then
// authenticates with its certificate).
type SwanAuth struct {
	Method      string `json:"method"`
	PSK         string `json:"psk,omitempty"`
	Cert        string `json:"cert,omitempty"`
	Key         string `json:"key,omitempty"`
	CA          string `json:"ca,omitempty"`
	EAPIdentity string `json:"eap_identity,omitempty"`
	EAPSecret   string `json:"eap_secret,omitempty"`
}

// SwanCounts summarises the capture.
type SwanCounts struct {
	Frames         int            `json:"frames"`
	IKEMessages    int            `json:"ike_messages"`  // datagrams, each SKF fragment counted
	IKEEncrypted   int            `json:"ike_encrypted"` // with an SK or SKF payload
	SKFFragments   int            `json:"skf_fragments"`
	ESP            int            `json:"esp"`
	NATKeepalives  int            `json:"nat_keepalives"`
	IKESAs         int            `json:"ike_sas"`
	ChildSAs       int            `json:"child_sas"`
	ESPByAlgorithm map[string]int `json:"esp_by_algorithm"`
	IKERekeys      int            `json:"ike_rekeys"`
	ChildRekeys    int            `json:"child_rekeys"`
}

// SwanIKESA is one IKE SA: its SPIs, the negotiated transforms, the
// nonces and key exchange values from the wire, and what strongSwan logged:
// the shared Diffie-Hellman secret, SKEYSEED and SK_* (RFC 7296 §2.14; for a
// rekeyed SA, SKEYSEED = prf(SK_d of RekeyOf, g^ir | Ni | Nr), §2.18). Every
// key was recomputed from the secret and the nonces and SPIs by the
// generator, and every message in Messages decrypted with them.
type SwanIKESA struct {
	ID            string           `json:"id"` // "ike1", "ike2", ...
	SPIi          SPI64            `json:"spi_i"`
	SPIr          SPI64            `json:"spi_r"`
	Initiator     string           `json:"initiator"` // the peer that initiated this SA ("a" or "b")
	InitiatorAddr string           `json:"initiator_addr"`
	ResponderAddr string           `json:"responder_addr"`
	CreatedBy     string           `json:"created_by"` // "IKE_SA_INIT" or "CREATE_CHILD_SA" (a rekey)
	RekeyOf       string           `json:"rekey_of"`   // ID of the SA this one rekeyed, or ""
	CreatedIn     []int            `json:"created_in_frames"`
	Encr          iana.EncrID      `json:"encr"`
	EncrName      string           `json:"encr_name"`
	EncrKeyBits   int              `json:"encr_key_bits"` // the Key Length attribute; 0 when absent
	PRF           iana.PRFID       `json:"prf"`
	PRFName       string           `json:"prf_name"`
	Integ         iana.IntegID     `json:"integ"` // IntegNone with an AEAD
	IntegName     string           `json:"integ_name"`
	KE            iana.KEID        `json:"ke"`
	KEName        string           `json:"ke_name"`
	NonceI        Hex              `json:"nonce_i"`
	NonceR        Hex              `json:"nonce_r"`
	KEi           Hex              `json:"ke_i"` // key exchange data of the KE payloads
	KEr           Hex              `json:"ke_r"`
	SharedSecret  Hex              `json:"shared_secret"` // g^ir as strongSwan logged it
	SKEYSEED      Hex              `json:"skeyseed"`
	SKd           Hex              `json:"sk_d"`
	SKai          Hex              `json:"sk_ai"` // empty with an AEAD
	SKar          Hex              `json:"sk_ar"`
	SKei          Hex              `json:"sk_ei"` // key then salt for AEADs
	SKer          Hex              `json:"sk_er"`
	SKpi          Hex              `json:"sk_pi"`
	SKpr          Hex              `json:"sk_pr"`
	AuthMethods   map[string][]int `json:"auth_methods"` // peer → AUTH methods it sent, in order
	LogLines      map[string]int   `json:"log_lines"`    // peer → line of its log where this SA's keys start
	Messages      []SwanMessage    `json:"messages"`
	Wireshark     string           `json:"wireshark"` // ikev2_decryption_table line; "" when tshark lacks the cipher
}

// SwanMessage is one IKE datagram of an SA.
type SwanMessage struct {
	Frame        int    `json:"frame"` // 1-based, as tshark counts
	Exchange     int    `json:"exchange"`
	ExchangeName string `json:"exchange_name"`
	MessageID    uint32 `json:"message_id"`
	Initiator    bool   `json:"initiator"` // the I flag
	Response     bool   `json:"response"`  // the R flag
	From         string `json:"from"`      // sending peer
	UDPEncap     bool   `json:"udp_encap"` // on port 4500 after the non-ESP marker
	Payloads     []int  `json:"payloads"`  // the payload types of the datagram (SK = 46, SKF = 53 last)
	Encrypted    bool   `json:"encrypted"`
	Fragment     int    `json:"fragment"`  // SKF fragment number, 0 for an SK message
	Fragments    int    `json:"fragments"` // SKF total fragments
	Inner        []int  `json:"inner"`     // payload types inside SK, or of the reassembled SKF message
	Summary      string `json:"summary"`
	// Retransmission marks a datagram that repeats an earlier one byte for
	// byte (charon resends after 4 s without an answer; rare in these runs).
	Retransmission bool `json:"retransmission"`
}

// SwanChildSA is one CHILD_SA (a pair of ESP SAs, tunnel mode, UDP
// encapsulated, no ESN: libipsec has none). KEYMAT = prf+(SK_d of IKESA,
// [g^ir] | Ni | Nr) was recomputed by the generator (RFC 7296 §2.17) and
// every ESP packet in the capture decrypted.
type SwanChildSA struct {
	ID             string            `json:"id"`     // "child1", ...
	IKESA          string            `json:"ike_sa"` // the IKE SA whose SK_d made it (it may move to a rekeyed one)
	CreatedBy      string            `json:"created_by"`
	RekeyOf        string            `json:"rekey_of"`
	Initiator      string            `json:"initiator"` // the peer that initiated the exchange creating it
	ExchangeFrames []int             `json:"exchange_frames"`
	StrongSwanName map[string]string `json:"strongswan_name"` // peer → "tc{2}"
	LogLines       map[string]int    `json:"log_lines"`
	Protocol       string            `json:"protocol"` // "ESP"
	ProtocolID     int               `json:"protocol_id"`
	Mode           string            `json:"mode"`
	UDPEncap       bool              `json:"udp_encap"`
	ESN            bool              `json:"esn"`
	Encr           iana.EncrID       `json:"encr"`
	EncrName       string            `json:"encr_name"`
	EncrKeyBits    int               `json:"encr_key_bits"`
	Integ          iana.IntegID      `json:"integ"`
	IntegName      string            `json:"integ_name"`
	KE             iana.KEID         `json:"ke"` // the PFS group of a CREATE_CHILD_SA, else KENone
	KEName         string            `json:"ke_name"`
	NonceI         Hex               `json:"nonce_i"`
	NonceR         Hex               `json:"nonce_r"`
	SharedSecret   Hex               `json:"shared_secret"` // PFS g^ir, else empty
	KeymatSeed     Hex               `json:"keymat_seed"`   // [g^ir] | Ni | Nr, as logged
	SPIi           SPI32             `json:"spi_i"`         // chosen by the initiator: carries r2i traffic
	SPIr           SPI32             `json:"spi_r"`
	SAs            []SwanESPSA       `json:"sas"` // i2r, then r2i
}

// SwanESPSA is one direction of a CHILD_SA.
type SwanESPSA struct {
	Direction string         `json:"direction"` // "i2r" (uses the initiator's keys) or "r2i"
	SPI       SPI32          `json:"spi"`
	Src       string         `json:"src"`
	Dst       string         `json:"dst"`
	From      string         `json:"from"`      // sending peer
	EncrKey   Hex            `json:"encr_key"`  // key then salt for AEADs (RFC 4106 §8.1, RFC 7634 §2)
	IntegKey  Hex            `json:"integ_key"` // empty for AEADs
	Frames    []int          `json:"frames"`    // its ESP packets in the capture
	Packets   int            `json:"packets"`
	Inner     map[string]int `json:"inner"`     // "IPv4/ICMP" → count, from the generator's decryption
	Wireshark string         `json:"wireshark"` // esp_sa line; "" when tshark lacks the cipher
}

type espLookup struct{ child, sa int }

// Hex is bytes written as a hex string in keys.json.
type Hex []byte

// UnmarshalJSON reads a hex string.
func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// SPI64 is an IKE SPI, a 16-digit hex string in keys.json.
type SPI64 uint64

// UnmarshalJSON reads a hex string.
func (s *SPI64) UnmarshalJSON(b []byte) error {
	v, err := hexUint(b, 64)
	*s = SPI64(v)
	return err
}

func (s SPI64) String() string { return fmt.Sprintf("%016x", uint64(s)) }

// SPI32 is an ESP SPI, an 8-digit hex string in keys.json.
type SPI32 uint32

// UnmarshalJSON reads a hex string.
func (s *SPI32) UnmarshalJSON(b []byte) error {
	v, err := hexUint(b, 32)
	*s = SPI32(v)
	return err
}

func (s SPI32) String() string { return fmt.Sprintf("%08x", uint32(s)) }

func hexUint(b []byte, bits int) (uint64, error) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, err
	}
	if len(s) != bits/4 {
		return 0, fmt.Errorf("SPI %q: want %d hex digits", s, bits/4)
	}
	return strconv.ParseUint(s, 16, bits)
}

// Path returns the path of a file of the scenario (rel as keys.json names it).
func (s *StrongSwan) Path(rel string) string { return filepath.Join(s.Dir, rel) }

// Packets reads the scenario's capture.
func (s *StrongSwan) Packets(t testing.TB) []Packet {
	t.Helper()
	return ReadCapture(t, s.Path(s.Capture))
}

// Golden loads tshark's decode of the capture, made with the scenario's key
// tables (capture.tshark.json).
func (s *StrongSwan) Golden(t testing.TB) []Fields {
	t.Helper()
	return LoadTsharkJSON(t, s.Path("capture.tshark.json"))
}

// TsharkArgs returns the tshark arguments that switch on ESP decryption and
// load the scenario's esp_sa and ikev2_decryption_table lines (for RunTshark).
func (s *StrongSwan) TsharkArgs(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile(s.Path("capture.tshark.args"))
	if err != nil {
		t.Fatalf("testutil: strongSwan %s: %v", s.Scenario, err)
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

// IKESA returns the IKE SA with these SPIs, or nil.
func (s *StrongSwan) IKESA(spiI, spiR uint64) *SwanIKESA {
	for i := range s.IKESAs {
		if uint64(s.IKESAs[i].SPIi) == spiI && uint64(s.IKESAs[i].SPIr) == spiR {
			return &s.IKESAs[i]
		}
	}
	return nil
}

// IKESAByID returns the IKE SA with this ID ("ike1"), or nil.
func (s *StrongSwan) IKESAByID(id string) *SwanIKESA {
	for i := range s.IKESAs {
		if s.IKESAs[i].ID == id {
			return &s.IKESAs[i]
		}
	}
	return nil
}

// ESPSA returns the ESP SA with this SPI and the CHILD_SA it belongs to, or
// nils. SPIs are unique within a scenario.
func (s *StrongSwan) ESPSA(spi uint32) (*SwanChildSA, *SwanESPSA) {
	l, ok := s.byESP[spi]
	if !ok {
		return nil, nil
	}
	c := &s.ChildSAs[l.child]
	return c, &c.SAs[l.sa]
}

// StrongSwanScenarios returns the names of the committed scenarios
// (directories of testdata/strongswan holding a keys.json), sorted.
func StrongSwanScenarios(t testing.TB) []string {
	t.Helper()
	m := Glob(t, Testdata(t, "strongswan", "*", "keys.json"))
	out := make([]string, 0, len(m))
	for _, p := range m {
		out = append(out, filepath.Base(filepath.Dir(p)))
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatalf("testutil: no strongSwan scenarios under %s", Testdata(t, "strongswan"))
	}
	return out
}

// LoadStrongSwan loads a committed scenario from testdata/strongswan.
func LoadStrongSwan(t testing.TB, scenario string) *StrongSwan {
	t.Helper()
	return LoadStrongSwanDir(t, Testdata(t, "strongswan", scenario))
}

// LoadStrongSwanDir loads the scenario in dir (a committed one or one that
// RunStrongSwan just made).
func LoadStrongSwanDir(t testing.TB, dir string) *StrongSwan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatalf("testutil: strongSwan scenario: %v", err)
	}
	s := &StrongSwan{Dir: dir}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		t.Fatalf("testutil: %s/keys.json: %v", dir, err)
	}
	s.byESP = map[uint32]espLookup{}
	for i, c := range s.ChildSAs {
		for j, sa := range c.SAs {
			if _, dup := s.byESP[uint32(sa.SPI)]; dup {
				t.Fatalf("testutil: %s: ESP SPI %s appears twice", dir, sa.SPI)
			}
			s.byESP[uint32(sa.SPI)] = espLookup{i, j}
		}
	}
	return s
}

// StrongSwanCharon is where Debian's strongswan-charon installs the daemon.
const StrongSwanCharon = "/usr/lib/ipsec/charon"

// StrongSwanTimeout bounds one live scenario run.
const StrongSwanTimeout = 60 * time.Second

// RunStrongSwan runs testdata/gen/strongswan.sh live for one scenario into a
// temporary directory and returns the scenario's directory there (load it
// with LoadStrongSwanDir). The script builds network and mount namespaces,
// so it needs root, charon, swanctl, pki, tcpdump, tshark and
// python3-cryptography for /usr/bin/python3: without them the test is
// skipped, and under CI (CI=true) it fails, since .ci/run installs them.
// The run is bounded by StrongSwanTimeout.
func RunStrongSwan(t testing.TB, scenario string) string {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if _, err := os.Stat(StrongSwanCharon); err != nil {
		missing = append(missing, StrongSwanCharon)
	}
	for _, tool := range []string{"swanctl", "pki", "tcpdump", "tshark", "ip", "nsenter", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import cryptography").Run(); err != nil {
		missing = append(missing, "/usr/bin/python3 with python3-cryptography")
	}
	if len(missing) > 0 {
		if InCI() {
			t.Fatalf("strongSwan live run needs %s under CI: .ci/run must provide it", strings.Join(missing, ", "))
		}
		t.Skipf("strongSwan live run skipped: needs %s", strings.Join(missing, ", "))
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), StrongSwanTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(Root(t), "testdata", "gen", "strongswan.sh"), "-o", out, scenario)
	ownGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	t.Logf("strongswan.sh %s: %v\n%s", scenario, time.Since(start).Round(time.Millisecond), buf.String())
	if ctx.Err() != nil {
		t.Fatalf("strongswan.sh %s: not done after %v", scenario, StrongSwanTimeout)
	}
	if err != nil {
		t.Fatalf("strongswan.sh %s: %v", scenario, err)
	}
	return filepath.Join(out, scenario)
}
