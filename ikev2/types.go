package ikev2

import (
	"strconv"

	"github.com/tunnelcodec/tunnelcodec/internal/iana"
)

// Transform registries shared with the ipsec package (RFC 7296 §3.3.2).
type (
	TransformType = iana.TransformType
	EncrID        = iana.EncrID
	PRFID         = iana.PRFID
	IntegID       = iana.IntegID
	KEID          = iana.KEID
	ESNID         = iana.ESNID
)

// Transform types.
const (
	TransformENCR  = iana.TransformENCR
	TransformPRF   = iana.TransformPRF
	TransformINTEG = iana.TransformINTEG
	TransformKE    = iana.TransformKE
	TransformESN   = iana.TransformESN
)

// ExchangeType is the Exchange Type field of the IKE header (RFC 7296 §3.1,
// IANA "IKEv2 Exchange Types").
type ExchangeType uint8

// Exchange types.
const (
	IKE_SA_INIT        ExchangeType = 34
	IKE_AUTH           ExchangeType = 35
	CREATE_CHILD_SA    ExchangeType = 36
	INFORMATIONAL      ExchangeType = 37
	IKE_SESSION_RESUME ExchangeType = 38 // RFC 5723
	GSA_AUTH           ExchangeType = 39 // RFC 9838
	GSA_REGISTRATION   ExchangeType = 40 // RFC 9838
	GSA_REKEY          ExchangeType = 41 // RFC 9838
	IKE_INTERMEDIATE   ExchangeType = 43 // RFC 9242
	IKE_FOLLOWUP_KE    ExchangeType = 44 // RFC 9370
)

var exchangeNames = map[ExchangeType]string{
	IKE_SA_INIT: "IKE_SA_INIT", IKE_AUTH: "IKE_AUTH", CREATE_CHILD_SA: "CREATE_CHILD_SA",
	INFORMATIONAL: "INFORMATIONAL", IKE_SESSION_RESUME: "IKE_SESSION_RESUME", GSA_AUTH: "GSA_AUTH",
	GSA_REGISTRATION: "GSA_REGISTRATION", GSA_REKEY: "GSA_REKEY", IKE_INTERMEDIATE: "IKE_INTERMEDIATE",
	IKE_FOLLOWUP_KE: "IKE_FOLLOWUP_KE",
}

func (e ExchangeType) String() string {
	if s, ok := exchangeNames[e]; ok {
		return s
	}
	switch {
	case e <= 33:
		return "ExchangeType(" + strconv.Itoa(int(e)) + ", reserved)"
	case e >= 240:
		return "ExchangeType(" + strconv.Itoa(int(e)) + ", private use)"
	}
	return "ExchangeType(" + strconv.Itoa(int(e)) + ")"
}

// PayloadType is a Next Payload value (RFC 7296 §3.2, IANA "IKEv2 Payload
// Types").
type PayloadType uint8

// Payload types. 1-32 are IKEv1 values and mean nothing in IKEv2.
const (
	PayloadNone     PayloadType = 0
	PayloadSA       PayloadType = 33 // Security Association
	PayloadKE       PayloadType = 34 // Key Exchange
	PayloadIDi      PayloadType = 35 // Identification - Initiator
	PayloadIDr      PayloadType = 36 // Identification - Responder
	PayloadCERT     PayloadType = 37 // Certificate
	PayloadCERTREQ  PayloadType = 38 // Certificate Request
	PayloadAUTH     PayloadType = 39 // Authentication
	PayloadNonce    PayloadType = 40 // Nonce (Ni, Nr)
	PayloadNotify   PayloadType = 41 // Notify (N)
	PayloadDelete   PayloadType = 42 // Delete (D)
	PayloadVendorID PayloadType = 43 // Vendor ID (V)
	PayloadTSi      PayloadType = 44 // Traffic Selector - Initiator
	PayloadTSr      PayloadType = 45 // Traffic Selector - Responder
	PayloadSK       PayloadType = 46 // Encrypted and Authenticated
	PayloadCP       PayloadType = 47 // Configuration
	PayloadEAP      PayloadType = 48 // Extensible Authentication
	PayloadGSPM     PayloadType = 49 // Generic Secure Password Method, RFC 6467
	PayloadIDg      PayloadType = 50 // Group Identification, RFC 9838
	PayloadGSA      PayloadType = 51 // Group Security Association, RFC 9838
	PayloadKD       PayloadType = 52 // Key Download, RFC 9838
	PayloadSKF      PayloadType = 53 // Encrypted and Authenticated Fragment, RFC 7383
	PayloadPS       PayloadType = 54 // Puzzle Solution, RFC 8019
)

var payloadNames = [...]string{
	PayloadSA - PayloadSA: "SA", PayloadKE - PayloadSA: "KE", PayloadIDi - PayloadSA: "IDi",
	PayloadIDr - PayloadSA: "IDr", PayloadCERT - PayloadSA: "CERT", PayloadCERTREQ - PayloadSA: "CERTREQ",
	PayloadAUTH - PayloadSA: "AUTH", PayloadNonce - PayloadSA: "Nonce", PayloadNotify - PayloadSA: "N",
	PayloadDelete - PayloadSA: "D", PayloadVendorID - PayloadSA: "V", PayloadTSi - PayloadSA: "TSi",
	PayloadTSr - PayloadSA: "TSr", PayloadSK - PayloadSA: "SK", PayloadCP - PayloadSA: "CP",
	PayloadEAP - PayloadSA: "EAP", PayloadGSPM - PayloadSA: "GSPM", PayloadIDg - PayloadSA: "IDg",
	PayloadGSA - PayloadSA: "GSA", PayloadKD - PayloadSA: "KD", PayloadSKF - PayloadSA: "SKF",
	PayloadPS - PayloadSA: "PS",
}

// String returns the RFC notation ("SA", "KE", "N", "SKF", …).
func (t PayloadType) String() string {
	if t == PayloadNone {
		return "NONE"
	}
	if t >= PayloadSA && t <= PayloadPS {
		return payloadNames[t-PayloadSA]
	}
	switch {
	case t <= 32:
		return "PayloadType(" + strconv.Itoa(int(t)) + ", IKEv1)"
	case t >= 128:
		return "PayloadType(" + strconv.Itoa(int(t)) + ", private use)"
	}
	return "PayloadType(" + strconv.Itoa(int(t)) + ")"
}

// Decoded reports whether this package decodes the payload's contents: the
// payloads of RFC 7296 (33-48) and SKF (53). It is the set the parser
// treats as recognized for the critical bit (RFC 7296 §2.5).
func (t PayloadType) Decoded() bool {
	return (t >= PayloadSA && t <= PayloadEAP) || t == PayloadSKF
}

// Named reports whether IANA has assigned the type: Decoded, or one of the
// payloads other RFCs define that this package carries opaquely (GSPM, IDg,
// GSA, KD, PS).
func (t PayloadType) Named() bool { return t >= PayloadSA && t <= PayloadPS }

// ProtocolID is a Security Protocol Identifier (RFC 7296 §3.3.1, IANA
// "IKEv2 Security Protocol Identifiers").
type ProtocolID uint8

// Security protocol IDs.
const (
	ProtoNone               ProtocolID = 0
	ProtoIKE                ProtocolID = 1
	ProtoAH                 ProtocolID = 2
	ProtoESP                ProtocolID = 3
	ProtoFCESPHeader        ProtocolID = 4 // RFC 4595
	ProtoFCCTAuthentication ProtocolID = 5 // RFC 4595
	ProtoGIKEUpdate         ProtocolID = 6 // RFC 9838
)

var protocolNames = map[ProtocolID]string{
	ProtoNone:               "NONE",
	ProtoIKE:                "IKE",
	ProtoAH:                 "AH",
	ProtoESP:                "ESP",
	ProtoFCESPHeader:        "FC_ESP_HEADER",
	ProtoFCCTAuthentication: "FC_CT_AUTHENTICATION",
	ProtoGIKEUpdate:         "GIKE_UPDATE",
}

func (p ProtocolID) String() string { return iana.EnumString(protocolNames, p, "ProtocolID", 201) }

// IDType is an Identification payload ID Type (RFC 7296 §3.5, IANA "IKEv2
// Identification Payload ID Types").
type IDType uint8

// ID types.
const (
	IDIPv4Addr   IDType = 1
	IDFQDN       IDType = 2
	IDRFC822Addr IDType = 3
	IDIPv6Addr   IDType = 5
	IDDERASN1DN  IDType = 9
	IDDERASN1GN  IDType = 10
	IDKeyID      IDType = 11
	IDFCName     IDType = 12 // RFC 4595
	IDNull       IDType = 13 // RFC 7619
)

var idNames = map[IDType]string{
	IDIPv4Addr:   "ID_IPV4_ADDR",
	IDFQDN:       "ID_FQDN",
	IDRFC822Addr: "ID_RFC822_ADDR",
	IDIPv6Addr:   "ID_IPV6_ADDR",
	IDDERASN1DN:  "ID_DER_ASN1_DN",
	IDDERASN1GN:  "ID_DER_ASN1_GN",
	IDKeyID:      "ID_KEY_ID",
	IDFCName:     "ID_FC_NAME",
	IDNull:       "ID_NULL",
}

func (t IDType) String() string { return iana.EnumString(idNames, t, "IDType", 201) }

// CertEncoding is a CERT/CERTREQ Cert Encoding (RFC 7296 §3.6, IANA "IKEv2
// Certificate Encodings").
type CertEncoding uint8

// Certificate encodings.
const (
	CertPKCS7X509     CertEncoding = 1
	CertPGP           CertEncoding = 2
	CertDNSSignedKey  CertEncoding = 3
	CertX509Signature CertEncoding = 4
	CertKerberosToken CertEncoding = 6
	CertCRL           CertEncoding = 7
	CertARL           CertEncoding = 8
	CertSPKI          CertEncoding = 9
	CertX509Attribute CertEncoding = 10
	CertRawRSAKey     CertEncoding = 11 // deprecated by RFC 7296
	CertHashURLX509   CertEncoding = 12
	CertHashURLBundle CertEncoding = 13
	CertOCSPContent   CertEncoding = 14 // RFC 4806
	CertRawPublicKey  CertEncoding = 15 // RFC 7670
)

var certNames = map[CertEncoding]string{
	CertPKCS7X509: "PKCS #7 wrapped X.509 certificate", CertPGP: "PGP Certificate",
	CertDNSSignedKey: "DNS Signed Key", CertX509Signature: "X.509 Certificate - Signature",
	CertKerberosToken: "Kerberos Token", CertCRL: "Certificate Revocation List (CRL)",
	CertARL: "Authority Revocation List (ARL)", CertSPKI: "SPKI Certificate",
	CertX509Attribute: "X.509 Certificate - Attribute", CertRawRSAKey: "Raw RSA Key",
	CertHashURLX509: "Hash and URL of X.509 certificate", CertHashURLBundle: "Hash and URL of X.509 bundle",
	CertOCSPContent: "OCSP Content", CertRawPublicKey: "Raw Public Key",
}

func (c CertEncoding) String() string { return iana.EnumString(certNames, c, "CertEncoding", 201) }

// AuthMethod is an AUTH payload Auth Method (RFC 7296 §3.8, IANA "IKEv2
// Authentication Method").
type AuthMethod uint8

// Authentication methods.
const (
	AuthRSASignature     AuthMethod = 1  // RSASSA-PKCS1-v1_5 with SHA-1
	AuthSharedKeyMIC     AuthMethod = 2  // pre-shared key
	AuthDSSSignature     AuthMethod = 3  // DSS with SHA-1
	AuthECDSASHA256P256  AuthMethod = 9  // RFC 4754
	AuthECDSASHA384P384  AuthMethod = 10 // RFC 4754
	AuthECDSASHA512P521  AuthMethod = 11 // RFC 4754
	AuthGSPM             AuthMethod = 12 // RFC 6467
	AuthNULL             AuthMethod = 13 // RFC 7619
	AuthDigitalSignature AuthMethod = 14 // RFC 7427
)

var authNames = map[AuthMethod]string{
	AuthRSASignature: "RSA Digital Signature", AuthSharedKeyMIC: "Shared Key Message Integrity Code",
	AuthDSSSignature: "DSS Digital Signature", AuthECDSASHA256P256: "ECDSA with SHA-256 on the P-256 curve",
	AuthECDSASHA384P384: "ECDSA with SHA-384 on the P-384 curve",
	AuthECDSASHA512P521: "ECDSA with SHA-512 on the P-521 curve",
	AuthGSPM:            "Generic Secure Password Authentication Method", AuthNULL: "NULL Authentication",
	AuthDigitalSignature: "Digital Signature",
}

func (m AuthMethod) String() string { return iana.EnumString(authNames, m, "AuthMethod", 201) }

// TSType is a Traffic Selector Type (RFC 7296 §3.13.1, IANA "IKEv2 Traffic
// Selector Types").
type TSType uint8

// Traffic selector types.
const (
	TSIPv4AddrRange TSType = 7
	TSIPv6AddrRange TSType = 8
	TSFCAddrRange   TSType = 9  // RFC 4595
	TSSecLabel      TSType = 10 // RFC 9478
)

var tsNames = map[TSType]string{
	TSIPv4AddrRange: "TS_IPV4_ADDR_RANGE",
	TSIPv6AddrRange: "TS_IPV6_ADDR_RANGE",
	TSFCAddrRange:   "TS_FC_ADDR_RANGE",
	TSSecLabel:      "TS_SECLABEL",
}

func (t TSType) String() string { return iana.EnumString(tsNames, t, "TSType", 241) }

// CFGType is a Configuration payload CFG Type (RFC 7296 §3.15).
type CFGType uint8

// CFG types.
const (
	CFGRequest CFGType = 1
	CFGReply   CFGType = 2
	CFGSet     CFGType = 3
	CFGAck     CFGType = 4
)

var cfgNames = map[CFGType]string{
	CFGRequest: "CFG_REQUEST",
	CFGReply:   "CFG_REPLY",
	CFGSet:     "CFG_SET",
	CFGAck:     "CFG_ACK",
}

func (t CFGType) String() string { return iana.EnumString(cfgNames, t, "CFGType", 128) }

// CPAttrType is a Configuration Attribute Type (RFC 7296 §3.15.1, IANA
// "IKEv2 Configuration Payload Attribute Types"): 15 bits.
type CPAttrType uint16

// Configuration attribute types.
const (
	InternalIP4Address            CPAttrType = 1
	InternalIP4Netmask            CPAttrType = 2
	InternalIP4DNS                CPAttrType = 3
	InternalIP4NBNS               CPAttrType = 4
	InternalAddressExpiry         CPAttrType = 5 // reserved by RFC 7296 (was RFC 4306)
	InternalIP4DHCP               CPAttrType = 6
	ApplicationVersion            CPAttrType = 7
	InternalIP6Address            CPAttrType = 8
	InternalIP6DNS                CPAttrType = 10
	InternalIP6DHCP               CPAttrType = 12
	InternalIP4Subnet             CPAttrType = 13
	SupportedAttributes           CPAttrType = 14
	InternalIP6Subnet             CPAttrType = 15
	MIP6HomePrefix                CPAttrType = 16 // RFC 5026
	InternalIP6Link               CPAttrType = 17 // RFC 5739
	InternalIP6Prefix             CPAttrType = 18 // RFC 5739
	HomeAgentAddress              CPAttrType = 19 // RFC 5213
	PCSCFIP4Address               CPAttrType = 20 // RFC 7651
	PCSCFIP6Address               CPAttrType = 21 // RFC 7651
	FTTKAT                        CPAttrType = 22 // RFC 6311 companion (3GPP)
	ExternalSourceIP4NATInfo      CPAttrType = 23 // 3GPP TS 24.302
	TimeoutPeriodForLivenessCheck CPAttrType = 24 // 3GPP TS 24.302
	InternalDNSDomain             CPAttrType = 25 // RFC 8598
	InternalDNSSECTA              CPAttrType = 26 // RFC 8598
	ENCDNSIP4                     CPAttrType = 27 // RFC 9464
	ENCDNSIP6                     CPAttrType = 28 // RFC 9464
	ENCDNSDigestInfo              CPAttrType = 29 // RFC 9464
)

var cpAttrNames = map[CPAttrType]string{
	InternalIP4Address: "INTERNAL_IP4_ADDRESS", InternalIP4Netmask: "INTERNAL_IP4_NETMASK",
	InternalIP4DNS: "INTERNAL_IP4_DNS", InternalIP4NBNS: "INTERNAL_IP4_NBNS",
	InternalAddressExpiry: "INTERNAL_ADDRESS_EXPIRY", InternalIP4DHCP: "INTERNAL_IP4_DHCP",
	ApplicationVersion: "APPLICATION_VERSION", InternalIP6Address: "INTERNAL_IP6_ADDRESS",
	9: "INTERNAL_IP6_NETMASK", InternalIP6DNS: "INTERNAL_IP6_DNS", 11: "INTERNAL_IP6_NBNS",
	InternalIP6DHCP: "INTERNAL_IP6_DHCP", InternalIP4Subnet: "INTERNAL_IP4_SUBNET",
	SupportedAttributes: "SUPPORTED_ATTRIBUTES", InternalIP6Subnet: "INTERNAL_IP6_SUBNET",
	MIP6HomePrefix: "MIP6_HOME_PREFIX", InternalIP6Link: "INTERNAL_IP6_LINK",
	InternalIP6Prefix: "INTERNAL_IP6_PREFIX", HomeAgentAddress: "HOME_AGENT_ADDRESS",
	PCSCFIP4Address: "P_CSCF_IP4_ADDRESS", PCSCFIP6Address: "P_CSCF_IP6_ADDRESS", FTTKAT: "FTT_KAT",
	ExternalSourceIP4NATInfo:      "EXTERNAL_SOURCE_IP4_NAT_INFO",
	TimeoutPeriodForLivenessCheck: "TIMEOUT_PERIOD_FOR_LIVENESS_CHECK",
	InternalDNSDomain:             "INTERNAL_DNS_DOMAIN", InternalDNSSECTA: "INTERNAL_DNSSEC_TA",
	ENCDNSIP4: "ENCDNS_IP4", ENCDNSIP6: "ENCDNS_IP6", ENCDNSDigestInfo: "ENCDNS_DIGEST_INFO",
}

func (t CPAttrType) String() string { return iana.EnumString(cpAttrNames, t, "CPAttrType", 16384) }

// TransformAttrType is a Transform Attribute Type (RFC 7296 §3.3.5): 15
// bits. Only Key Length is defined for IKEv2.
type TransformAttrType uint16

// AttrKeyLength is the Key Length attribute, a TV attribute in bits.
const AttrKeyLength TransformAttrType = 14

func (t TransformAttrType) String() string {
	if t == AttrKeyLength {
		return "Key Length"
	}
	return "TransformAttrType(" + strconv.Itoa(int(t)) + ")"
}

// EAPCode is the Code of an EAP packet (RFC 3748 §4).
type EAPCode uint8

// EAP codes.
const (
	EAPRequest  EAPCode = 1
	EAPResponse EAPCode = 2
	EAPSuccess  EAPCode = 3
	EAPFailure  EAPCode = 4
	EAPInitiate EAPCode = 5 // RFC 6696
	EAPFinish   EAPCode = 6 // RFC 6696
)

var eapNames = map[EAPCode]string{
	EAPRequest:  "Request",
	EAPResponse: "Response",
	EAPSuccess:  "Success",
	EAPFailure:  "Failure",
	EAPInitiate: "Initiate",
	EAPFinish:   "Finish",
}

func (c EAPCode) String() string { return iana.EnumString(eapNames, c, "EAPCode", 0) }

// HasType reports whether packets with this code carry a Type octet
// (Request, Response, and the RFC 6696 Initiate and Finish).
func (c EAPCode) HasType() bool {
	return c == EAPRequest || c == EAPResponse || c == EAPInitiate || c == EAPFinish
}
