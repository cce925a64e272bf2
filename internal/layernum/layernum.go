// Package layernum is the one place that lists the gopacket layer type numbers
// tunnelcodec owns: the block 1700-1749. Each protocol package registers its
// layer types at init with these numbers; no number is used twice, and a
// number is never reused for something else once released.
//
//	1700-1704  vxlan    1700 VXLAN (RFC 7348, GBP, GPE)
//	1705-1709  gre      1705 GRE (RFC 1701/2784/2890, PPTP RFC 2637, NVGRE)
//	1710-1714  ipip     1710 IPv4/IPv6 tunnel encapsulation (serialize-only)
//	1715-1719  sit      1715 6in4 encapsulation (serialize-only)
//	1720-1729  ipsec    1720 ESP, 1721 AH, 1722 UDP 4500 dispatcher (RFC 3948),
//	                    1723 NAT keepalive
//	1730-1734  ikev2    1730 IKEv2
//	1735-1739  sstp     1735 SSTP
//	1740-1744  openvpn  1740 OpenVPN
//	1745-1749  spare
//
// The numbers are constants rather than gopacket.LayerType values so that a
// package can name another package's layer (the UDP 4500 dispatcher in ipsec
// hands IKE messages to ikev2's layer) without importing it.
package layernum

// Layer type numbers, grouped by owning package.
const (
	VXLAN = 1700

	GRE = 1705

	IPIP = 1710

	SIT = 1715

	ESP          = 1720
	AH           = 1721
	UDPEncap     = 1722
	NATKeepalive = 1723

	IKEv2 = 1730

	SSTP = 1735

	OpenVPN = 1740

	First = 1700
	Last  = 1749
)
