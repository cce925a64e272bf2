package ikev2

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"

	"github.com/tunnelcodec/tunnelcodec/internal/errs"
)

// PayloadHeaderLen is the length of the generic payload header.
const PayloadHeaderLen = 4

// PayloadHeader is the generic payload header (RFC 7296 §3.2) with the type
// of the payload it introduces:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Next Payload  |C|  RESERVED   |         Payload Length        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type PayloadHeader struct {
	Type        PayloadType // this payload's type, named by the previous Next Payload field
	NextPayload PayloadType // for SK and SKF: the type of the first inner payload
	Critical    bool
	Reserved    uint8  // the 7 bits after C
	Length      uint16 // of the payload, generic header included
	Offset      int    // of the generic header, from the start of the message (or of the decrypted content)
}

// Payload is one payload of a message as the gopacket layer keeps it: the
// generic header and the body that follows it, aliasing the packet.
type Payload struct {
	PayloadHeader
	Body []byte
}

// Proposal is a Proposal substructure of an SA payload (RFC 7296 §3.3.1).
// Transforms follow; the Parser walks them with Transform.
type Proposal struct {
	Last          uint8 // 0 for the last proposal, 2 when more follow
	Reserved      uint8
	Length        uint16
	Number        uint8
	ProtocolID    ProtocolID
	SPISize       uint8
	NumTransforms uint8
	SPI           []byte
}

// Transform is a Transform substructure of a proposal (RFC 7296 §3.3.2).
// Attributes follow; the Parser walks them with TransformAttribute.
type Transform struct {
	Last      uint8 // 0 for the last transform of the proposal, 3 when more follow
	Reserved  uint8
	Length    uint16
	Type      TransformType
	Reserved2 uint8
	ID        uint16 // an EncrID, PRFID, IntegID, KEID or ESNID as Type says
	// KeyLength is the value of the Key Length attribute in bits, 0 when the
	// transform has none. The Parser fills it; the Builder writes the
	// attribute when it is non-zero.
	KeyLength uint16
}

// Encr, PRF, Integ, KE and ESN return ID typed for the transform type.
func (t Transform) Encr() EncrID   { return EncrID(t.ID) }
func (t Transform) PRF() PRFID     { return PRFID(t.ID) }
func (t Transform) Integ() IntegID { return IntegID(t.ID) }
func (t Transform) KE() KEID       { return KEID(t.ID) }
func (t Transform) ESN() ESNID     { return ESNID(t.ID) }

// TransformAttribute is a data attribute of a transform (RFC 7296 §3.3.5):
// Type/Value with a 2-octet value when TV is set (AF=1), Type/Length/Value
// otherwise.
type TransformAttribute struct {
	TV    bool
	Type  TransformAttrType
	Value uint16 // when TV
	Data  []byte // when not TV
}

// KE is a Key Exchange payload body (RFC 7296 §3.4).
type KE struct {
	Group    KEID
	Reserved uint16
	Data     []byte
}

// ID is an Identification payload body, IDi or IDr (RFC 7296 §3.5).
type ID struct {
	Type     IDType
	Reserved [3]byte
	Data     []byte
}

// Addr returns the address of an ID_IPV4_ADDR or ID_IPV6_ADDR identity.
func (id ID) Addr() (netip.Addr, bool) {
	switch {
	case id.Type == IDIPv4Addr && len(id.Data) == 4:
		return netip.AddrFrom4([4]byte(id.Data)), true
	case id.Type == IDIPv6Addr && len(id.Data) == 16:
		return netip.AddrFrom16([16]byte(id.Data)), true
	}
	return netip.Addr{}, false
}

// String renders the identity as its type reads: the address, the FQDN or
// RFC 822 name (quoted), the DER distinguished name in RFC 4514 form, or
// the octets in hex for the other types.
func (id ID) String() string {
	if a, ok := id.Addr(); ok {
		return a.String()
	}
	switch id.Type {
	case IDFQDN, IDRFC822Addr:
		return strconv.Quote(string(id.Data))
	case IDDERASN1DN:
		var dn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(id.Data, &dn); err == nil && len(rest) == 0 {
			return dn.String()
		}
	case IDNull:
		if len(id.Data) == 0 {
			return "(null)"
		}
	}
	return hex.EncodeToString(id.Data)
}

// Cert is a Certificate payload body (RFC 7296 §3.6).
type Cert struct {
	Encoding CertEncoding
	Data     []byte
}

// CertReq is a Certificate Request payload body (RFC 7296 §3.7). For X.509
// encodings Data is a list of 20-octet SHA-1 hashes of CA public keys.
type CertReq struct {
	Encoding CertEncoding
	Data     []byte
}

// Authorities returns how many 20-octet CA hashes Data holds, and whether
// it is a whole number of them.
func (c CertReq) Authorities() (n int, exact bool) { return len(c.Data) / 20, len(c.Data)%20 == 0 }

// Authority returns the i-th CA hash.
func (c CertReq) Authority(i int) []byte { return c.Data[i*20 : i*20+20] }

// Auth is an Authentication payload body (RFC 7296 §3.8).
type Auth struct {
	Method   AuthMethod
	Reserved [3]byte
	Data     []byte
}

// Notify is a Notify payload body (RFC 7296 §3.10).
type Notify struct {
	ProtocolID ProtocolID
	SPISize    uint8 // set from SPI by the Builder
	Type       NotifyType
	SPI        []byte
	Data       []byte
}

// Delete is a Delete payload body (RFC 7296 §3.11).
type Delete struct {
	ProtocolID ProtocolID
	SPISize    uint8
	NumSPIs    uint16
	SPIs       []byte // NumSPIs SPIs of SPISize octets each
}

// SPI returns the i-th SPI.
func (d Delete) SPI(i int) []byte {
	n := int(d.SPISize)
	return d.SPIs[i*n : i*n+n]
}

// TSHeader is the fixed part of a Traffic Selector payload (RFC 7296
// §3.13); the selectors follow and the Parser walks them.
type TSHeader struct {
	NumTS    uint8
	Reserved [3]byte
}

// TrafficSelector is one selector of a TS payload (RFC 7296 §3.13.1). For
// TS_IPV4_ADDR_RANGE and TS_IPV6_ADDR_RANGE the ports and addresses are
// decoded; for any other type Data holds the octets after Selector Length.
type TrafficSelector struct {
	Type       TSType
	IPProtocol uint8
	Length     uint16 // Selector Length, set by the Builder
	StartPort  uint16
	EndPort    uint16
	StartAddr  netip.Addr
	EndAddr    netip.Addr
	Data       []byte
}

// Encrypted is the body of an SK payload (RFC 7296 §3.14): IV, ciphertext
// and ICV, which only the negotiated algorithms can split.
type Encrypted struct {
	Data []byte
}

// EncryptedFragment is the body of an SKF payload (RFC 7383 §2.5).
type EncryptedFragment struct {
	FragmentNumber uint16
	TotalFragments uint16
	Data           []byte // IV, ciphertext and ICV
}

// Config is the fixed part of a Configuration payload (RFC 7296 §3.15); the
// attributes follow and the Parser walks them.
type Config struct {
	Type     CFGType
	Reserved [3]byte
}

// ConfigAttribute is a configuration attribute (RFC 7296 §3.15.1).
type ConfigAttribute struct {
	Reserved bool // the R bit
	Type     CPAttrType
	Length   uint16 // set by the Builder
	Value    []byte
}

// EAP is an Extensible Authentication payload body (RFC 7296 §3.16): an EAP
// packet (RFC 3748 §4).
type EAP struct {
	Code       EAPCode
	Identifier uint8
	Length     uint16 // the EAP Length field, set by the Builder
	Type       uint8  // for Request and Response
	Data       []byte // Type-Data, or the Data of other codes
}

// Minimum body lengths (after the generic header) of the payloads with a
// fixed part.
func minBody(t PayloadType) int {
	switch t {
	case PayloadKE, PayloadIDi, PayloadIDr, PayloadAUTH, PayloadTSi, PayloadTSr, PayloadCP, PayloadDelete, PayloadNotify:
		return 4
	case PayloadCERT, PayloadCERTREQ:
		return 1
	case PayloadEAP:
		return 4
	case PayloadSKF:
		return 4
	}
	return 0
}

func decodeKE(b []byte) KE {
	return KE{Group: KEID(binary.BigEndian.Uint16(b)), Reserved: binary.BigEndian.Uint16(b[2:]), Data: b[4:]}
}

func (k *KE) appendBody(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(k.Group))
	b = binary.BigEndian.AppendUint16(b, k.Reserved)
	return append(b, k.Data...)
}

func decodeID(b []byte) ID {
	return ID{Type: IDType(b[0]), Reserved: [3]byte(b[1:4]), Data: b[4:]}
}

func (id *ID) appendBody(b []byte) []byte {
	b = append(b, byte(id.Type), id.Reserved[0], id.Reserved[1], id.Reserved[2])
	return append(b, id.Data...)
}

func decodeAuth(b []byte) Auth {
	return Auth{Method: AuthMethod(b[0]), Reserved: [3]byte(b[1:4]), Data: b[4:]}
}

func (a *Auth) appendBody(b []byte) []byte {
	b = append(b, byte(a.Method), a.Reserved[0], a.Reserved[1], a.Reserved[2])
	return append(b, a.Data...)
}

func decodeNotify(b []byte, off int) (Notify, error) {
	n := Notify{ProtocolID: ProtocolID(b[0]), SPISize: b[1], Type: NotifyType(binary.BigEndian.Uint16(b[2:]))}
	if 4+int(n.SPISize) > len(b) {
		return Notify{}, errs.Truncated(layerName, "notify: SPI", off+4, int(n.SPISize), len(b)-4)
	}
	n.SPI = b[4 : 4+int(n.SPISize)]
	n.Data = b[4+int(n.SPISize):]
	return n, nil
}

func (n *Notify) appendBody(b []byte) []byte {
	b = append(b, byte(n.ProtocolID), byte(len(n.SPI)))
	b = binary.BigEndian.AppendUint16(b, uint16(n.Type))
	b = append(b, n.SPI...)
	return append(b, n.Data...)
}

func decodeDelete(b []byte, off int) (Delete, error) {
	d := Delete{ProtocolID: ProtocolID(b[0]), SPISize: b[1], NumSPIs: binary.BigEndian.Uint16(b[2:]), SPIs: b[4:]}
	if want := int(d.SPISize) * int(d.NumSPIs); want != len(d.SPIs) {
		return Delete{}, errs.MalformedValue(layerName, "delete: SPIs", off+4,
			"SPI Size times Number of SPIs does not match the payload length", len(d.SPIs), want)
	}
	return d, nil
}

func (d *Delete) appendBody(b []byte) []byte {
	b = append(b, byte(d.ProtocolID), d.SPISize)
	b = binary.BigEndian.AppendUint16(b, d.NumSPIs)
	return append(b, d.SPIs...)
}

// TS selector lengths for the address range types.
const (
	tsIPv4Len = 16
	tsIPv6Len = 40
)

func decodeTrafficSelector(b []byte, off int) (TrafficSelector, int, error) {
	if len(b) < 4 {
		return TrafficSelector{}, 0, errs.Truncated(layerName, "traffic selector", off, 4, len(b))
	}
	ts := TrafficSelector{Type: TSType(b[0]), IPProtocol: b[1], Length: binary.BigEndian.Uint16(b[2:])}
	n := int(ts.Length)
	if n < 4 {
		return TrafficSelector{}, 0, errs.MalformedValue(layerName, "traffic selector: length", off+2, "shorter than its header", n, 4)
	}
	if n > len(b) {
		return TrafficSelector{}, 0, errs.Truncated(layerName, "traffic selector", off, n, len(b))
	}
	switch ts.Type {
	case TSIPv4AddrRange:
		if n != tsIPv4Len {
			return TrafficSelector{}, 0, errs.MalformedValue(layerName, "traffic selector: length", off+2,
				"TS_IPV4_ADDR_RANGE must be 16 octets", n, tsIPv4Len)
		}
		ts.StartPort = binary.BigEndian.Uint16(b[4:])
		ts.EndPort = binary.BigEndian.Uint16(b[6:])
		ts.StartAddr = netip.AddrFrom4([4]byte(b[8:12]))
		ts.EndAddr = netip.AddrFrom4([4]byte(b[12:16]))
	case TSIPv6AddrRange:
		if n != tsIPv6Len {
			return TrafficSelector{}, 0, errs.MalformedValue(layerName, "traffic selector: length", off+2,
				"TS_IPV6_ADDR_RANGE must be 40 octets", n, tsIPv6Len)
		}
		ts.StartPort = binary.BigEndian.Uint16(b[4:])
		ts.EndPort = binary.BigEndian.Uint16(b[6:])
		ts.StartAddr = netip.AddrFrom16([16]byte(b[8:24]))
		ts.EndAddr = netip.AddrFrom16([16]byte(b[24:40]))
	default:
		ts.Data = b[4:n]
	}
	return ts, n, nil
}

func (ts *TrafficSelector) appendTo(b []byte) ([]byte, error) {
	switch ts.Type {
	case TSIPv4AddrRange, TSIPv6AddrRange:
		is4 := ts.Type == TSIPv4AddrRange
		if ts.StartAddr.Is4() != is4 || ts.EndAddr.Is4() != is4 || !ts.StartAddr.IsValid() || !ts.EndAddr.IsValid() {
			return b, errs.Malformed(layerName, "traffic selector: address", 8, "address family does not match the selector type")
		}
		n := tsIPv6Len
		if is4 {
			n = tsIPv4Len
		}
		b = append(b, byte(ts.Type), ts.IPProtocol)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		b = binary.BigEndian.AppendUint16(b, ts.StartPort)
		b = binary.BigEndian.AppendUint16(b, ts.EndPort)
		if is4 {
			s, e := ts.StartAddr.As4(), ts.EndAddr.As4()
			return append(append(b, s[:]...), e[:]...), nil
		}
		s, e := ts.StartAddr.As16(), ts.EndAddr.As16()
		return append(append(b, s[:]...), e[:]...), nil
	}
	if 4+len(ts.Data) > 0xffff {
		return b, errs.New(layerName, "traffic selector: length", 2, errs.ErrTooLarge, "selector longer than 65535 octets")
	}
	b = append(b, byte(ts.Type), ts.IPProtocol)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(ts.Data)))
	return append(b, ts.Data...), nil
}

func decodeConfigAttribute(b []byte, off int) (ConfigAttribute, int, error) {
	if len(b) < 4 {
		return ConfigAttribute{}, 0, errs.Truncated(layerName, "configuration attribute", off, 4, len(b))
	}
	v := binary.BigEndian.Uint16(b)
	a := ConfigAttribute{Reserved: v&0x8000 != 0, Type: CPAttrType(v & 0x7fff), Length: binary.BigEndian.Uint16(b[2:])}
	n := 4 + int(a.Length)
	if n > len(b) {
		return ConfigAttribute{}, 0, errs.Truncated(layerName, "configuration attribute: value", off+4, int(a.Length), len(b)-4)
	}
	a.Value = b[4:n]
	return a, n, nil
}

func (a *ConfigAttribute) appendTo(b []byte) ([]byte, error) {
	if a.Type > 0x7fff {
		return b, errs.New(layerName, "configuration attribute: type", 0, errs.ErrTooLarge, "type does not fit 15 bits")
	}
	if len(a.Value) > 0xffff {
		return b, errs.New(layerName, "configuration attribute: length", 2, errs.ErrTooLarge, "value longer than 65535 octets")
	}
	v := uint16(a.Type)
	if a.Reserved {
		v |= 0x8000
	}
	b = binary.BigEndian.AppendUint16(b, v)
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
	return append(b, a.Value...), nil
}

// Addr returns the address an attribute of an address type carries:
// INTERNAL_IP4_ADDRESS, _NETMASK, _DNS, _NBNS, _DHCP, INTERNAL_IP6_DNS,
// _DHCP, P_CSCF_IP4/6_ADDRESS, and the address part of INTERNAL_IP6_ADDRESS
// and HOME_AGENT_ADDRESS. An empty value (a request) gives false.
func (a ConfigAttribute) Addr() (netip.Addr, bool) {
	switch a.Type {
	case InternalIP4Address, InternalIP4Netmask, InternalIP4DNS, InternalIP4NBNS, InternalIP4DHCP, PCSCFIP4Address:
		if len(a.Value) == 4 {
			return netip.AddrFrom4([4]byte(a.Value)), true
		}
	case InternalIP6DNS, InternalIP6DHCP, PCSCFIP6Address, InternalIP6Address, HomeAgentAddress:
		if len(a.Value) == 16 || len(a.Value) == 17 || (a.Type == HomeAgentAddress && len(a.Value) == 20) {
			return netip.AddrFrom16([16]byte(a.Value[:16])), true
		}
	}
	return netip.Addr{}, false
}

// Prefix returns the prefix of INTERNAL_IP6_ADDRESS, INTERNAL_IP6_SUBNET,
// INTERNAL_IP6_PREFIX (address and prefix length), MIP6_HOME_PREFIX
// (lifetime first) and INTERNAL_IP4_SUBNET (address and netmask).
func (a ConfigAttribute) Prefix() (netip.Prefix, bool) {
	switch a.Type {
	case InternalIP6Address, InternalIP6Subnet, InternalIP6Prefix:
		if len(a.Value) == 17 && a.Value[16] <= 128 {
			return netip.PrefixFrom(netip.AddrFrom16([16]byte(a.Value[:16])), int(a.Value[16])), true
		}
	case MIP6HomePrefix:
		if len(a.Value) == 21 && a.Value[20] <= 128 {
			return netip.PrefixFrom(netip.AddrFrom16([16]byte(a.Value[4:20])), int(a.Value[20])), true
		}
	case InternalIP4Subnet:
		if len(a.Value) == 8 {
			m := binary.BigEndian.Uint32(a.Value[4:])
			ones := 0
			for m&0x80000000 != 0 {
				ones++
				m <<= 1
			}
			if m != 0 {
				return netip.Prefix{}, false // not a contiguous netmask
			}
			return netip.PrefixFrom(netip.AddrFrom4([4]byte(a.Value[:4])), ones), true
		}
	}
	return netip.Prefix{}, false
}

// Check verifies the value length the attribute's type allows (RFC 7296
// §3.15.1 and the RFCs defining later types); unknown types pass.
func (a ConfigAttribute) Check() error {
	n := len(a.Value)
	ok := true
	switch a.Type {
	case InternalIP4Address, InternalIP4Netmask, InternalIP4DNS, InternalIP4NBNS, InternalIP4DHCP, PCSCFIP4Address,
		ExternalSourceIP4NATInfo:
		ok = n == 0 || n == 4 || (a.Type == ExternalSourceIP4NATInfo && n == 6)
	case InternalAddressExpiry, TimeoutPeriodForLivenessCheck:
		ok = n == 0 || n == 4
	case InternalIP6Address, InternalIP6Subnet, InternalIP6Prefix:
		ok = n == 0 || n == 17
	case InternalIP6DNS, InternalIP6DHCP, PCSCFIP6Address:
		ok = n == 0 || n == 16 || (a.Type == PCSCFIP6Address && n == 17)
	case InternalIP4Subnet:
		ok = n == 0 || n == 8
	case SupportedAttributes:
		ok = n%2 == 0
	case MIP6HomePrefix:
		ok = n == 0 || n == 21
	case InternalIP6Link:
		ok = n == 0 || n >= 8
	case HomeAgentAddress:
		ok = n == 0 || n == 16 || n == 20
	case InternalDNSSECTA:
		ok = n == 0 || n >= 4
	}
	if !ok {
		return errs.MalformedValue(layerName, "configuration attribute "+a.Type.String(), 2,
			"value length not allowed for the type", n, 0)
	}
	return nil
}

func decodeEAP(b []byte, off int) (EAP, error) {
	e := EAP{Code: EAPCode(b[0]), Identifier: b[1], Length: binary.BigEndian.Uint16(b[2:])}
	if int(e.Length) != len(b) {
		return EAP{}, errs.MalformedValue(layerName, "eap: length", off+2, "EAP Length differs from the payload", int(e.Length), len(b))
	}
	if e.Code.HasType() {
		if len(b) < 5 {
			return EAP{}, errs.Truncated(layerName, "eap: type", off+4, 1, 0)
		}
		e.Type = b[4]
		e.Data = b[5:]
	} else {
		e.Data = b[4:]
	}
	return e, nil
}

func (e *EAP) appendBody(b []byte) ([]byte, error) {
	n := 4 + len(e.Data)
	if e.Code.HasType() {
		n++
	}
	if n > 0xffff-PayloadHeaderLen {
		return b, errs.New(layerName, "eap: length", 2, errs.ErrTooLarge, "EAP packet longer than the payload allows")
	}
	b = append(b, byte(e.Code), e.Identifier)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	if e.Code.HasType() {
		b = append(b, e.Type)
	}
	return append(b, e.Data...), nil
}
