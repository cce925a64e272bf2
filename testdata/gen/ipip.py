#!/usr/bin/python3
"""Builds the IP-in-IP and 6in4 conformance captures with scapy.

    /usr/bin/python3 testdata/gen/ipip.py        # from the module root
    TSHARK_PROTOS="ip ipv6 icmp icmpv6 _ws.malformed" \
        testdata/gen/tshark-golden.sh testdata/ipip/*.pcap testdata/sit/*.pcap

The Linux kernel here has no ipip or sit module, so scapy is the independent
implementation: for every frame, scapy builds the outer header the way the
RFC rule in the comment says (RFC 2003 §3.1 and §5.1, RFC 2473 §5 and §7,
RFC 4213 §3, RFC 6040 §4), computing lengths and checksums itself. Beside
each capture, NAME.cases.json says what every frame is for the Go tests:

    encap      outer packet our Encapsulate of "inner" must reproduce
               (the IPv4 Identification aside), and Decapsulate must open
    fragment   one of the fragments of one encapsulation ("group")
    decap      a packet Decapsulate must open, giving "inner"
    refuse     a packet Decapsulate must refuse with the sentinel "error"
    relay      an ICMP error from inside the tunnel; Relay must produce
               frame "expect", or fail with "error"
    reply      an inner packet Encapsulate refuses with "error"; Reply
               must produce frame "expect"
    expected   the answer to a relay or reply frame

"config" is the tunnel of the sending (encapsulating) node.
"""
import json
import os
import sys

from scapy.all import (IP, UDP, TCP, ICMP, Ether, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, HBHOptUnknown,
                       ICMPv6EchoRequest, ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6TimeExceeded,
                       ICMPv6ParamProblem, IPOption_RR, IPOption_Router_Alert, IPOption_Timestamp, Raw,
                       fragment, fragment6, raw, wrpcap)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

# Documentation ranges only (RFC 5737, RFC 3849).
ENTRY4, EXIT4, ROUTER4 = "192.0.2.1", "192.0.2.2", "192.0.2.254"
ENTRY6, EXIT6, ROUTER6 = "2001:db8::1", "2001:db8::2", "2001:db8::fe"
HOST_A4, HOST_B4 = "198.51.100.10", "203.0.113.20"
HOST_A6, HOST_B6 = "2001:db8:1::10", "2001:db8:2::20"
ICMP_SRC4 = "198.51.100.1"  # the 4in6 entry point's IPv4 address
ICMP_SRC6 = "2001:db8:1::1"  # the 6in4 entry point's IPv6 address
MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"

TEL = 4  # Tunnel Encapsulation Limit option type (RFC 2473 §5.1)


def tel(limit, nh):
    return IPv6ExtHdrDestOpt(nh=nh, options=[HBHOptUnknown(otype=TEL, optdata=bytes([limit]))])


def icmp4(typ, code, rest=0):
    """An ICMP header; rest is the next-hop MTU of Fragmentation Needed
    (RFC 1191) or the Parameter Problem pointer."""
    icmp = ICMP(type=typ, code=code)
    if typ == 3 and code == 4:
        icmp.nexthopmtu = rest
    elif typ == 12:
        icmp.ptr = rest
    return icmp


def cfg(local, remote, **kw):
    c = {"local": local, "remote": remote}
    c.update(kw)
    return c


class Capture:
    def __init__(self, proto, name):
        self.path = os.path.join(ROOT, proto, name)
        self.frames, self.cases = [], []

    def add(self, pkt, **case):
        """Adds an IP packet (bytes or scapy) as one Ethernet frame."""
        b = raw(pkt)
        eth = Ether(src=MAC_A, dst=MAC_B, type=0x86DD if b[0] >> 4 == 6 else 0x0800) / Raw(b)
        eth.time = 1700000000 + len(self.frames)
        self.frames.append(eth)
        case["frame"] = len(self.frames)
        for k in ("inner", "expect_inner"):
            if k in case:
                case[k] = raw(case[k]).hex()
        self.cases.append(case)
        return case["frame"]

    def write(self):
        wrpcap(self.path + ".pcap", self.frames)
        with open(self.path + ".cases.json", "w") as f:
            json.dump(self.cases, f, indent=1)
            f.write("\n")
        print(self.path + ".pcap", len(self.frames), "frames", file=sys.stderr)


def v4_outer(inner, tos=None, df=None, ttl=64, ident=0x1000, src=ENTRY4, dst=EXIT4, proto=4, options=None):
    """RFC 2003 §3.1: TOS copied, DF copied (or set), TTL 64, protocol 4,
    entry and exit as addresses, inner options never copied."""
    i = IP(raw(inner)) if proto == 4 else None
    if tos is None:
        tos = i.tos
    if df is None:
        df = bool(i.flags.DF)
    o = IP(src=src, dst=dst, tos=tos, ttl=ttl, id=ident, proto=proto, flags="DF" if df else 0)
    if options:
        o.options = options
    return IP(raw(o / Raw(raw(inner))))


def v6_outer(inner, tc, limit=TEL, hlim=64, src=ENTRY6, dst=EXIT6, fl=0):
    """RFC 2473 §5: traffic class per configuration, hop limit 64, next
    header 4 or 41, a Tunnel Encapsulation Limit option when configured."""
    nh = 4 if raw(inner)[0] >> 4 == 4 else 41
    o = IPv6(src=src, dst=dst, tc=tc, hlim=hlim, fl=fl)
    if limit is not None:
        return IPv6(raw(o / tel(limit, nh) / Raw(raw(inner))))
    o.nh = nh
    return IPv6(raw(o / Raw(raw(inner))))


def ipip_df_tos():
    """IPv4 in IPv4: TOS and ECN copied (RFC 2003 §3.1, RFC 6040 normal
    mode), DF copied or set, fixed DSCP, compatibility-mode ECN, forwarding
    hop, configured TTL."""
    c = Capture("ipip", "ipip-df-tos")
    base = cfg(ENTRY4, EXIT4)
    cases = [
        # (inner, config, outer overrides)
        (IP(src=HOST_A4, dst=HOST_B4, tos=0xb8 | 2, flags="DF", id=7) / ICMP(id=1, seq=1) / (b"ping" * 8), {}, {}),
        (IP(src=HOST_A4, dst=HOST_B4, tos=0x00, id=8) / UDP(sport=5000, dport=9) / b"query", {}, {}),
        (IP(src=HOST_A4, dst=HOST_B4, tos=0x28 | 3, flags="DF", id=9) / TCP(sport=40000, dport=80, flags="S"), {}, {}),
        (IP(src=HOST_A4, dst=HOST_B4, tos=0x01, id=10) / UDP(sport=5001, dport=5001) / b"ect1", {}, {}),
        # DF set by configuration (RFC 2003 §5.1: path MTU discovery).
        (IP(src=HOST_A4, dst=HOST_B4, tos=0x10, id=11) / UDP(sport=5002, dport=9) / b"df-set", {"df": "set"}, {"df": True}),
        # Fixed DSCP (pipe model), ECN still copied.
        (IP(src=HOST_A4, dst=HOST_B4, tos=0xb8 | 2, id=12) / UDP(sport=5003, dport=9) / b"pipe", {"dscp": "fixed", "dscp_value": 10}, {"tos": 10 << 2 | 2}),
        # Compatibility mode: outer Not-ECT (RFC 6040 §4.1).
        (IP(src=HOST_A4, dst=HOST_B4, tos=0xb8 | 3, id=13) / UDP(sport=5004, dport=9) / b"compat", {"ecn": "compatibility"}, {"tos": 0xb8}),
        # Configured outer TTL.
        (IP(src=HOST_A4, dst=HOST_B4, id=14, ttl=3) / UDP(sport=5005, dport=9) / b"ttl", {"ttl": 200}, {"ttl": 200}),
    ]
    for n, (inner, over, outer) in enumerate(cases):
        inner = IP(raw(inner))
        conf = dict(base, **over)
        c.add(v4_outer(inner, ident=0x1000 + n, **outer), role="encap", config=conf, inner=inner)
    # Forwarding hop (RFC 2003 §3.1): inner TTL decremented, checksum fixed.
    inner = IP(raw(IP(src=HOST_A4, dst=HOST_B4, ttl=17, id=15) / UDP(sport=5006, dport=9) / b"forwarded"))
    fwd = inner.copy()
    fwd.ttl -= 1
    del fwd.chksum
    c.add(v4_outer(IP(raw(fwd)), ident=0x1100), role="encap", config=dict(base, forwarding=True), inner=inner)
    c.write()


def ipip_options():
    """Inner IPv4 options are carried inside, never copied out (RFC 2003
    §3.1); an outer header with options of its own still decapsulates."""
    c = Capture("ipip", "ipip-options")
    base = cfg(ENTRY4, EXIT4)
    inners = [
        IP(src=HOST_A4, dst=HOST_B4, id=20, options=[IPOption_RR()]) / ICMP(id=2, seq=1),
        IP(src=HOST_A4, dst=HOST_B4, id=21, tos=0x20, options=[IPOption_Router_Alert()]) / UDP(sport=1, dport=2) / b"ra",
        IP(src=HOST_A4, dst=HOST_B4, id=22, flags="DF", options=[IPOption_Timestamp(flg=0, length=8, pointer=9, timestamp=12345)]) / UDP(sport=3, dport=4) / b"ts",
    ]
    for n, inner in enumerate(inners):
        inner = IP(raw(inner))
        c.add(v4_outer(inner, ident=0x2000 + n), role="encap", config=base, inner=inner)
    inner = IP(raw(inners[0]))
    c.add(v4_outer(inner, ident=0x2100, options=[IPOption_Router_Alert()]), role="decap", config=base, expect_inner=inner)
    c.write()


def ipip_4in6_6in6():
    """RFC 2473: IPv4 and IPv6 in IPv6 with the Tunnel Encapsulation Limit
    destination option (§5.1), honoured when the packet is a tunnel packet
    already (§4.1.1: limit less one)."""
    for name, inner4 in (("ipip-4in6-tel", True), ("ipip-6in6-tel", False)):
        c = Capture("ipip", name)
        base = cfg(ENTRY6, EXIT6, icmp_src4=ICMP_SRC4)
        if inner4:
            inners = [
                IP(src=HOST_A4, dst=HOST_B4, tos=0x48 | 2, flags="DF", id=30) / ICMP(id=3, seq=1) / b"4in6",
                IP(src=HOST_A4, dst=HOST_B4, id=31) / TCP(sport=1234, dport=443, flags="S"),
            ]
        else:
            inners = [
                IPv6(src=HOST_A6, dst=HOST_B6, tc=0x48 | 2) / ICMPv6EchoRequest(id=4, seq=1, data=b"6in6"),
                IPv6(src=HOST_A6, dst=HOST_B6, fl=0x12345) / TCP(sport=1234, dport=443, flags="S"),
            ]
        for inner in inners:
            inner = raw(inner)
            tc = inner[1] if inner4 else (inner[0] << 4 | inner[1] >> 4) & 0xff
            c.add(v6_outer(inner, tc=tc), role="encap", config=base, inner=inner)
        inner = raw(inners[0])
        tc = inner[1] if inner4 else (inner[0] << 4 | inner[1] >> 4) & 0xff
        # Configured limit, no limit, a limit of zero.
        c.add(v6_outer(inner, tc=tc, limit=9), role="encap", config=dict(base, encap_limit=9), inner=inner)
        c.add(v6_outer(inner, tc=tc, limit=None), role="encap", config=dict(base, encap_limit=-1), inner=inner)
        c.add(v6_outer(inner, tc=tc, limit=0), role="encap", config=dict(base, encap_limit=256), inner=inner)
        # Configured flow label and hop limit.
        c.add(v6_outer(inner, tc=tc, fl=0xbeef, hlim=9), role="encap", config=dict(base, flow_label=0xbeef, ttl=9), inner=inner)
        if not inner4:
            # A tunnel packet (limit 3) entering a second tunnel: the new
            # header carries 2 even though this tunnel is set to omit it.
            first = v6_outer(inner, tc=tc, limit=3, src="2001:db8:9::1", dst="2001:db8:9::2")
            c.add(v6_outer(first, tc=tc, limit=2), role="encap", config=dict(base, encap_limit=-1), inner=first)
            # Limit 0 arriving: MUST NOT encapsulate; ICMPv6 Parameter
            # Problem code 0 pointing at the limit octet (offset 44).
            spent = v6_outer(inner, tc=tc, limit=0, src="2001:db8:9::1", dst="2001:db8:9::2")
            c.add(spent, role="reply", config=base, error="ErrEncapLimit", expect=len(c.frames) + 2)
            c.add(IPv6(src=ENTRY6, dst="2001:db8:9::1", hlim=64) / ICMPv6ParamProblem(code=0, ptr=44) / Raw(raw(spent)), role="expected")
        c.write()


def ipip_fragmented():
    """The outer packet is fragmented when it exceeds the link MTU and the
    inner packet may be fragmented (RFC 2003 §5.1; RFC 2473 §7.1 for
    packets up to 1280 octets); otherwise the sender is told the MTU."""
    c = Capture("ipip", "ipip-fragmented")
    base = cfg(ENTRY4, EXIT4, mtu=576)
    inner = IP(raw(IP(src=HOST_A4, dst=HOST_B4, id=40) / UDP(sport=7, dport=7) / (bytes(range(256)) * 4)))
    whole = v4_outer(inner, ident=0x3000)
    for f in fragment(whole, fragsize=576 - 20):
        c.add(f, role="fragment", group=1, config=base, inner=inner)
    # DF set inside: Fragmentation Needed with MTU 576 - 20 (RFC 2003 §5.1).
    big = IP(raw(IP(src=HOST_A4, dst=HOST_B4, id=41, flags="DF") / UDP(sport=7, dport=7) / (b"D" * 1000)))
    c.add(big, role="reply", config=base, error="ErrTooLarge", expect=len(c.frames) + 2)
    c.add(IP(src=ENTRY4, dst=HOST_A4, tos=0xc0, ttl=64, id=0) / ICMP(type=3, code=4, nexthopmtu=556) / Raw(raw(big)[:576 - 28]), role="expected")
    # IPv6 outer, IPv6 inner of 1200 octets (under 1280): fragmented.
    base6 = cfg(ENTRY6, EXIT6, mtu=1280)
    inner6 = IPv6(raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=7, dport=7) / (bytes(range(256)) * 5)[:1200]))
    pkt = IPv6(src=ENTRY6, dst=EXIT6, hlim=64) / IPv6ExtHdrFragment(id=0x4000) / tel(4, 41) / Raw(raw(inner6))
    for f in fragment6(pkt, 1280):
        c.add(f, role="fragment", group=2, config=base6, inner=inner6)
    # IPv6 inner over 1280 octets: Packet Too Big with 1280 - 48.
    big6 = IPv6(raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=7, dport=7) / (b"B" * 1300)))
    c.add(big6, role="reply", config=base6, error="ErrTooLarge", expect=len(c.frames) + 2)
    c.add(IPv6(src=ENTRY6, dst=HOST_A6, hlim=64) / ICMPv6PacketTooBig(mtu=1280) / Raw(raw(big6)[:1280 - 48]), role="expected")
    c.write()


def ipip_relay():
    """ICMP errors from inside the tunnel and what the original sender
    gets (RFC 2003 §4, RFC 2473 §8.1)."""
    c = Capture("ipip", "ipip-icmp-relay")
    base = cfg(ENTRY4, EXIT4)
    inner = IP(raw(IP(src=HOST_A4, dst=HOST_B4, id=50, flags="DF") / UDP(sport=9, dport=9) / (b"R" * 1400)))
    outer = v4_outer(inner, ident=0x5000)
    quote = raw(outer)[:576 - 28]  # a router quoting as much as fits (RFC 1812)

    def reply4(typ, code, rest=0):
        return IP(src=ENTRY4, dst=HOST_A4, tos=0xc0, ttl=64, id=0) / icmp4(typ, code, rest) / Raw(quote[20:][:576 - 28])

    def router4(typ, code, rest=0, q=quote):
        return IP(src=ROUTER4, dst=ENTRY4, tos=0xc0, ttl=60, id=0x77) / icmp4(typ, code, rest) / Raw(q)

    relayed = [
        (router4(3, 4, 1400), reply4(3, 4, 1380)),   # §4.1 MUST relay, MTU less 20 (§5.1)
        (router4(3, 0), reply4(3, 0)),               # §4.1: code 0
        (router4(3, 1), reply4(3, 1)),               # §4.1: host unreachable relayed
        (router4(3, 2), reply4(3, 0)),               # §4.1: protocol unreachable becomes code 0
        (router4(3, 13), reply4(3, 1)),              # administratively prohibited: host unreachable
        (router4(11, 0), reply4(3, 1)),              # §4.4 MUST: host unreachable
        (router4(12, 0, 20 + 8), reply4(12, 0, 8)),  # §4.5: pointer into the inner header
    ]
    for got, want in relayed:
        c.add(got, role="relay", config=base, expect=len(c.frames) + 2)
        c.add(want, role="expected")
    for got in (router4(3, 3), router4(3, 5), router4(4, 0), router4(5, 1), router4(12, 0, 8)):
        c.add(got, role="relay", config=base, error="ErrNotRelayed")
    # A router quoting only the outer header and 8 octets: nothing to relay.
    c.add(router4(3, 1, q=quote[:28]), role="relay", config=base, error="ErrTruncated")
    # Not a packet of this tunnel (another exit).
    other = v4_outer(inner, ident=0x5001, dst="192.0.2.99")
    c.add(router4(3, 1, q=raw(other)[:548]), role="relay", config=base, error="ErrNotTunnel")

    # IPv6 tunnel, IPv6 inside (RFC 2473 §8.1).
    base6 = cfg(ENTRY6, EXIT6, icmp_src4=ICMP_SRC4)
    inner6 = IPv6(raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=9, dport=9) / (b"S" * 1400)))
    outer6 = raw(v6_outer(inner6, tc=0))
    q6 = outer6[:1280 - 48]

    def router6(msg, q=q6):
        return IPv6(src=ROUTER6, dst=ENTRY6, hlim=60) / msg / Raw(q)

    def reply6(msg):
        return IPv6(src=ENTRY6, dst=HOST_A6, hlim=64) / msg / Raw(q6[48:][:1280 - 48])

    spent = raw(v6_outer(inner6, tc=0, limit=0))[:1280 - 48]
    for got, want in (
        (router6(ICMPv6PacketTooBig(mtu=1400)), reply6(ICMPv6PacketTooBig(mtu=1400 - 48))),
        (router6(ICMPv6DestUnreach(code=0)), reply6(ICMPv6DestUnreach(code=3))),
        (router6(ICMPv6TimeExceeded(code=0)), reply6(ICMPv6DestUnreach(code=3))),
        (router6(ICMPv6ParamProblem(code=0, ptr=44), q=spent), reply6(ICMPv6DestUnreach(code=3))),
    ):
        c.add(got, role="relay", config=base6, expect=len(c.frames) + 2)
        c.add(want, role="expected")
    c.add(router6(ICMPv6ParamProblem(code=0, ptr=6)), role="relay", config=base6, error="ErrNotRelayed")
    c.add(router6(ICMPv6TimeExceeded(code=1)), role="relay", config=base6, error="ErrNotRelayed")

    # IPv4 inside an IPv6 tunnel: the original sender gets ICMP (RFC 2473
    # §8.2), from the entry point's IPv4 address.
    inner4 = IP(raw(IP(src=HOST_A4, dst=HOST_B4, id=51, flags="DF") / UDP(sport=9, dport=9) / (b"T" * 1400)))
    q46 = raw(v6_outer(inner4, tc=0))[:1280 - 48]
    c.add(router6(ICMPv6DestUnreach(code=0), q=q46), role="relay", config=base6, expect=len(c.frames) + 2)
    c.add(IP(src=ICMP_SRC4, dst=HOST_A4, tos=0xc0, ttl=64, id=0) / ICMP(type=3, code=1) / Raw(q46[48:][:576 - 28]), role="expected")
    c.add(router6(ICMPv6PacketTooBig(mtu=1300), q=q46), role="relay", config=base6, expect=len(c.frames) + 2)
    c.add(IP(src=ICMP_SRC4, dst=HOST_A4, tos=0xc0, ttl=64, id=0) / ICMP(type=3, code=4, nexthopmtu=1300 - 48) / Raw(q46[48:][:576 - 28]), role="expected")

    # Forwarding hop reaching TTL 0: Time Exceeded (RFC 2003 §3.1 SHOULD).
    dying = IP(raw(IP(src=HOST_A4, dst=HOST_B4, ttl=1, id=52) / UDP(sport=9, dport=9) / b"last hop"))
    c.add(dying, role="reply", config=dict(base, forwarding=True), error="ErrTTL", expect=len(c.frames) + 2)
    c.add(IP(src=ENTRY4, dst=HOST_A4, tos=0xc0, ttl=64, id=0) / ICMP(type=11, code=0) / Raw(raw(dying)), role="expected")
    c.write()


def ipip_refused():
    """What a decapsulator must refuse (RFC 2003 §3.1, §3.2, RFC 6040)."""
    c = Capture("ipip", "ipip-refused")
    base = cfg(ENTRY4, EXIT4)
    good = IP(raw(IP(src=HOST_A4, dst=HOST_B4, id=60) / UDP(sport=1, dport=2) / b"x"))
    c.add(v4_outer(good, src="192.0.2.77"), role="refuse", config=base, error="ErrWrongPeer")
    c.add(v4_outer(good, dst="192.0.2.78"), role="refuse", config=base, error="ErrWrongPeer")
    c.add(v4_outer(IP(raw(IP(src=HOST_A4, dst=HOST_B4, ttl=0) / UDP(sport=1, dport=2) / b"x"))), role="refuse", config=base, error="ErrTTL")
    c.add(v4_outer(IP(raw(IP(src="127.0.0.1", dst=HOST_B4) / UDP(sport=1, dport=2) / b"x"))), role="refuse", config=base, error="ErrInvalidSource")
    c.add(v4_outer(IP(raw(IP(src="224.0.0.5", dst=HOST_B4) / UDP(sport=1, dport=2) / b"x"))), role="refuse", config=base, error="ErrInvalidSource")
    c.add(v4_outer(IP(raw(IP(src=HOST_A4, dst=ENTRY4) / UDP(sport=1, dport=2) / b"x"))), role="refuse", config=base, error="ErrLoop")
    # CE outside Not-ECT: MUST drop (RFC 6040 §4.2).
    c.add(v4_outer(good, tos=0x03), role="refuse", config=base, error="ErrECNDrop")
    # IPv6 inside protocol 4: version mismatch.
    six = raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=1, dport=2) / b"x")
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=4, id=0x6000) / Raw(six), role="refuse", config=base, error="ErrVersion")
    # Inner checksum wrong.
    bad = bytearray(raw(good))
    bad[10] ^= 0xff
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=4, id=0x6001) / Raw(bytes(bad)), role="refuse", config=base, error="ErrChecksum")
    # Inner cut short (total length past the outer payload).
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=4, id=0x6002) / Raw(raw(good)[:24]), role="refuse", config=base, error="ErrTruncated")
    # A fragment: reassemble first.
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=4, id=0x6003, flags="MF") / Raw(raw(good)[:16]), role="refuse", config=base, error="ErrFragment")
    # RFC 6040 rewrites: outer CE over ECT(0) marks the inner CE; outer
    # ECT(1) over ECT(0) gives ECT(1).
    for inner_tos, outer_tos in ((0x02, 0x03), (0x02, 0x01), (0x01, 0x02)):
        i = IP(raw(IP(src=HOST_A4, dst=HOST_B4, tos=inner_tos, id=61) / UDP(sport=1, dport=2) / b"ecn"))
        out, _ = {(2, 3): (3, 0), (2, 1): (1, 0), (1, 2): (1, 0)}[(inner_tos, outer_tos)]
        want = i.copy()
        want.tos = inner_tos & 0xfc | out
        del want.chksum
        c.add(v4_outer(i, tos=outer_tos), role="decap", config=base, expect_inner=IP(raw(want)))
    c.write()


def sit_captures():
    """RFC 4213 §3: IPv6 in IPv4 (protocol 41). Outer TOS 0 unless
    configured (§3.5) with the ECN field copied (RFC 6040 normal mode), TTL
    64 (§3.3), DF clear with a static tunnel MTU (§3.2.1)."""
    c = Capture("sit", "sit-icmpv6-tcp")
    base = cfg(ENTRY4, EXIT4)
    inners = [
        IPv6(src=HOST_A6, dst=HOST_B6) / ICMPv6EchoRequest(id=5, seq=1, data=b"6in4 ping"),
        IPv6(src=HOST_A6, dst=HOST_B6, tc=0xb8 | 2) / TCP(sport=40000, dport=443, flags="S", seq=1000),
        IPv6(src=HOST_A6, dst=HOST_B6, fl=7) / TCP(sport=40000, dport=443, flags="PA", seq=1001, ack=5) / b"GET / HTTP/1.1\r\n\r\n",
        IPv6(src=HOST_A6, dst=HOST_B6, tc=0x03) / UDP(sport=5353, dport=9) / b"ce",
    ]
    for n, inner in enumerate(inners):
        inner = IPv6(raw(inner))
        tos = inner.tc & 3
        c.add(IP(src=ENTRY4, dst=EXIT4, tos=tos, ttl=64, id=0x7000 + n, proto=41) / Raw(raw(inner)),
              role="encap", config=base, inner=inner)
    inner = IPv6(raw(inners[1]))
    # Uniform DSCP (copied) and path MTU mode (DF set, §3.2.2).
    c.add(IP(src=ENTRY4, dst=EXIT4, tos=0xba, ttl=64, id=0x7100, proto=41) / Raw(raw(inner)),
          role="encap", config=dict(base, dscp="copy"), inner=inner)
    c.add(IP(src=ENTRY4, dst=EXIT4, tos=2, ttl=64, id=0x7101, proto=41, flags="DF") / Raw(raw(inner)),
          role="encap", config=dict(base, path_mtu=True), inner=inner)
    # Forwarding: hop limit decremented (§3.3: the tunnel is one hop).
    fwd = inner.copy()
    fwd.hlim -= 1
    c.add(IP(src=ENTRY4, dst=EXIT4, tos=2, ttl=64, id=0x7102, proto=41) / Raw(raw(fwd)),
          role="encap", config=dict(base, forwarding=True), inner=inner)
    c.write()

    c = Capture("sit", "sit-fragmented")
    base = cfg(ENTRY4, EXIT4, mtu=1480, link_mtu=1300)
    inner = IPv6(raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=7, dport=7) / (bytes(range(256)) * 6)[:1400]))
    whole = IP(src=ENTRY4, dst=EXIT4, ttl=64, id=0x7200, proto=41) / Raw(raw(inner))
    for f in fragment(whole, fragsize=1280):
        c.add(f, role="fragment", group=1, config=base, inner=inner)
    big = IPv6(raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=7, dport=7) / (b"P" * 1500)))
    c.add(big, role="reply", config=dict(base, icmp_src6=ICMP_SRC6), error="ErrTooLarge", expect=len(c.frames) + 2)
    c.add(IPv6(src=ICMP_SRC6, dst=HOST_A6, hlim=64) / ICMPv6PacketTooBig(mtu=1480) / Raw(raw(big)[:1280 - 48]), role="expected")
    c.write()

    c = Capture("sit", "sit-icmp-relay")
    base = cfg(ENTRY4, EXIT4, icmp_src6=ICMP_SRC6, path_mtu=True)
    inner = IPv6(raw(IPv6(src=HOST_A6, dst=HOST_B6) / UDP(sport=9, dport=9) / (b"Q" * 1400)))
    outer = IP(src=ENTRY4, dst=EXIT4, ttl=64, id=0x7300, proto=41, flags="DF") / Raw(raw(inner))
    quote = raw(outer)[:576 - 28]

    def router(typ, code, rest=0, q=quote):
        return IP(src=ROUTER4, dst=ENTRY4, tos=0xc0, ttl=60, id=0x78) / icmp4(typ, code, rest) / Raw(q)

    def reply(msg):
        return IPv6(src=ICMP_SRC6, dst=HOST_A6, hlim=64) / msg / Raw(quote[20:])

    # §3.4: Fragmentation Needed becomes Packet Too Big with the MTU less
    # the IPv4 header; unreachables become address unreachable.
    for got, want in (
        (router(3, 4, 1400), reply(ICMPv6PacketTooBig(mtu=1380))),
        (router(3, 1), reply(ICMPv6DestUnreach(code=3))),
        (router(3, 2), reply(ICMPv6DestUnreach(code=3))),
        (router(11, 0), reply(ICMPv6DestUnreach(code=3))),
        (router(12, 0, 20 + 7), reply(ICMPv6ParamProblem(code=0, ptr=7))),
    ):
        c.add(got, role="relay", config=base, expect=len(c.frames) + 2)
        c.add(want, role="expected")
    for got in (router(3, 3), router(3, 5), router(5, 1), router(12, 0, 9), router(11, 1)):
        c.add(got, role="relay", config=base, error="ErrNotRelayed")
    c.add(router(3, 1, q=quote[:28]), role="relay", config=base, error="ErrTruncated")
    c.write()

    c = Capture("sit", "sit-refused")
    base = cfg(ENTRY4, EXIT4)

    def sit(src6, dst6=HOST_B6, src4=ENTRY4, dst4=EXIT4, tos=0, inner_tc=0):
        return IP(src=src4, dst=dst4, tos=tos, id=0x7400, proto=41) / IPv6(src=src6, dst=dst6, tc=inner_tc) / UDP(sport=1, dport=2) / b"x"

    # §3.6: MUST verify the outer source; SHOULD drop these inner sources.
    c.add(sit(HOST_A6, src4="192.0.2.77"), role="refuse", config=base, error="ErrWrongPeer")
    c.add(sit("::192.0.2.33"), role="refuse", config=base, error="ErrInvalidSource")
    c.add(sit("::ffff:192.0.2.33"), role="refuse", config=base, error="ErrInvalidSource")
    c.add(sit("ff02::1"), role="refuse", config=base, error="ErrInvalidSource")
    c.add(sit("::1"), role="refuse", config=base, error="ErrInvalidSource")
    c.add(sit(HOST_A6, tos=3), role="refuse", config=base, error="ErrECNDrop")
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=41, id=0x7401) / IP(src=HOST_A4, dst=HOST_B4) / UDP(sport=1, dport=2) / b"x",
          role="refuse", config=base, error="ErrVersion")
    # The unspecified source (Duplicate Address Detection) and link-local
    # sources are valid on a tunnel link.
    ok = IPv6(raw(IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) / ICMPv6EchoRequest()))
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=41, id=0x7402) / Raw(raw(ok)), role="decap", config=base, expect_inner=ok)
    ll = IPv6(raw(IPv6(src="fe80::c000:201", dst="fe80::c000:202") / ICMPv6EchoRequest()))
    c.add(IP(src=ENTRY4, dst=EXIT4, proto=41, id=0x7403) / Raw(raw(ll)), role="decap", config=base, expect_inner=ll)
    c.write()


def main():
    ipip_df_tos()
    ipip_options()
    ipip_4in6_6in6()
    ipip_fragmented()
    ipip_relay()
    ipip_refused()
    sit_captures()


if __name__ == "__main__":
    main()
