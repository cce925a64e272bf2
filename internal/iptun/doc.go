// Package iptun holds what the IP-in-IP tunnel packages share, so that each
// rule is written once: ECN propagation (RFC 6040) and DSCP handling
// (RFC 2983), IPv4 and IPv6 header views with the checks a decapsulator
// makes, outer-header builders, IPv6 extension-header walking with the
// Tunnel Encapsulation Limit option (RFC 2473 §5.1), outer fragmentation and
// reassembly, and ICMP/ICMPv6 error builders and parsers.
//
// Packages ipip and sit build their tunnels on it; ipsec's tunnel mode uses
// the ECN rules, the header builders and ParseInner (its inner packet may be
// followed by TFC padding, so CheckInner's exact-length and address rules do
// not apply there) without importing either. Nothing
// here allocates on the encapsulation and decapsulation paths: views alias
// the caller's bytes and builders append to the caller's buffer.
package iptun
