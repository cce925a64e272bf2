#!/usr/bin/python3
"""Makes testdata/gre/*.pcap with scapy 2.5, an implementation of GRE
(RFC 1701/2784/2890), PPTP's enhanced GRE (RFC 2637) and NVGRE nobody here
wrote, then saves tshark's decode of each capture beside it
(testdata/gen/tshark-golden.sh).

Every variant the GRE package decodes, one capture each, and a labelled
malformed set in testdata/gre/malformed/ whose expected errors are listed in
testdata/gre/malformed/expected.tsv (read by gre/conformance_test.go).

Run with the system python, which has scapy (the pyenv python3 on PATH does
not):  /usr/bin/python3 testdata/gen/gre.py
Only documentation addresses are used; nothing is sent.

  gre.py --vectors DIR   instead saves tshark's decode of the public captures
                         in DIR (shared/vectors/gre) into
                         testdata/vectors/gre/, limited to the GRE and ERSPAN
                         trees so the files stay small.
"""
import os
import struct
import subprocess
import sys

from scapy.all import (ARP, GRE, GRE_PPTP, GRErouting, ICMP, IP, IPv6, PPP, UDP, TCP, Ether, Raw,
                       ICMPv6EchoRequest, ICMPv6EchoReply, fragment, wrpcap, checksum)
from scapy.contrib.mpls import MPLS

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "gre"))
BAD = os.path.join(OUT, "malformed")

MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"
A4, B4 = "192.0.2.1", "192.0.2.2"           # tunnel endpoints
IN_A4, IN_B4 = "198.51.100.1", "198.51.100.2"  # inner hosts
A6, B6 = "2001:db8::1", "2001:db8::2"
IN_A6, IN_B6 = "2001:db8:1::1", "2001:db8:1::2"
T0 = 1700000000.0


def eth4(gre):
    return Ether(src=MAC_A, dst=MAC_B) / IP(src=A4, dst=B4, id=1, ttl=64) / gre


def eth6(gre):
    return Ether(src=MAC_A, dst=MAC_B) / IPv6(src=A6, dst=B6, nh=47, hlim=64) / gre


def ping(seq, reply=False):
    src, dst = (IN_B4, IN_A4) if reply else (IN_A4, IN_B4)
    return IP(src=src, dst=dst, id=seq, ttl=64) / ICMP(type=0 if reply else 8, id=0x4242, seq=seq) / Raw(b"tunnelcodec-gre!" * 2)


def ping6(seq, reply=False):
    src, dst = (IN_B6, IN_A6) if reply else (IN_A6, IN_B6)
    icmp = ICMPv6EchoReply if reply else ICMPv6EchoRequest
    return IPv6(src=src, dst=dst, hlim=64) / icmp(id=0x4242, seq=seq, data=b"tunnelcodec-gre!")


def save(path, pkts):
    for i, p in enumerate(pkts):
        p.time = T0 + i
    wrpcap(path, pkts, linktype=1)
    print(path, len(pkts), "frames")


def sre4(offset, *addrs):
    info = b"".join(bytes(int(x) for x in a.split(".")) for a in addrs)
    return GRErouting(address_family=0x0800, SRE_offset=offset, routing_info=info)


def sre_as(offset, *asns):
    return GRErouting(address_family=0xfffe, SRE_offset=offset, routing_info=b"".join(struct.pack("!H", a) for a in asns))


def null_sre():
    return GRErouting(address_family=0, SRE_offset=0, SRE_len=0)


def variants():
    c = {}
    c["plain"] = [eth4(GRE(proto=0x0800) / ping(i, i % 2 == 1)) for i in range(4)]
    c["checksum"] = [eth4(GRE(chksum_present=1, proto=0x0800) / ping(i, i % 2 == 1)) for i in range(4)]
    c["key"] = [eth4(GRE(key_present=1, key=k, proto=0x0800) / ping(i)) for i, k in enumerate([0, 0x2a, 0xdeadbeef, 0xffffffff])]
    c["sequence"] = [eth4(GRE(seqnum_present=1, sequence_number=s, proto=0x0800) / ping(i)) for i, s in enumerate([0, 1, 2, 0xffffffff])]
    c["checksum-key-sequence"] = [eth4(GRE(chksum_present=1, key_present=1, seqnum_present=1, key=0x1234 + i,
                                            sequence_number=100 + i, proto=0x0800) / ping(i, i % 2 == 1)) for i in range(4)]
    # RFC 1701 routing: an IPv4 source route and an AS route. The GRE Offset
    # points at the first SRE, the second, then the NULL SRE (route done).
    route = [sre4(4, "203.0.113.1", "203.0.113.2", "203.0.113.3"), sre_as(2, 64496, 64497), null_sre()]
    first, second, done = 0, 4 + 12, 4 + 12 + 4 + 4

    def routed(offset, **kw):
        g = GRE(routing_present=1, offset=offset, proto=0x0800, **kw)
        for s in route:
            g = g / s.copy()
        return eth4(g / ping(offset))
    c["routing"] = [routed(first), routed(second), routed(done), routed(first, chksum_present=1),
                    routed(second, chksum_present=1, key_present=1, key=7, seqnum_present=1, sequence_number=9)]
    c["strict-route"] = [eth4(GRE(routing_present=1, strict_route_source=1, offset=0, proto=0x0800) /
                              sre4(0, "203.0.113.9", "203.0.113.10") / null_sre() / ping(1))]
    c["recursion"] = [eth4(GRE(recursion_control=r, proto=0x0800) / ping(r)) for r in (1, 3, 7)]
    c["reserved-bits"] = [eth4(GRE(flags=0x0f, proto=0x0800) / ping(1)),
                          eth4(GRE(flags=0x01, key_present=1, key=5, proto=0x0800) / ping(2))]
    # PPTP (RFC 2637): data with sequence and piggybacked ack, data alone,
    # and ack-only packets with no payload.
    ppp = PPP(proto=0x0021)
    c["pptp"] = [
        eth4(GRE_PPTP(seqnum_present=1, call_id=0x4001, sequence_number=0) / PPP(proto=0x0021) / ping(0)),
        eth4(GRE_PPTP(seqnum_present=1, acknum_present=1, call_id=0x8002, sequence_number=0, ack_number=0) / ppp.copy() / ping(0, True)),
        eth4(GRE_PPTP(acknum_present=1, call_id=0x4001, ack_number=0)),
        eth4(GRE_PPTP(seqnum_present=1, acknum_present=1, call_id=0x4001, sequence_number=1, ack_number=0) / ppp.copy() / ping(1)),
        eth4(GRE_PPTP(acknum_present=1, call_id=0x8002, ack_number=1)),
    ]
    # NVGRE (RFC 7637): VSID in the key's high 24 bits, FlowID in the low 8.
    inner_eth = Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02")
    c["nvgre"] = [eth4(GRE(key_present=1, key=(vsid << 8) | flow, proto=0x6558) / inner_eth.copy() / ping(i))
                  for i, (vsid, flow) in enumerate([(0x1000, 0), (0x123456, 0x7f), (0xfffffe, 0xff)])]
    c["ipv6"] = [eth6(GRE(proto=0x86dd) / ping6(0)), eth6(GRE(proto=0x86dd, key_present=1, key=6) / ping6(0, True)),
                 eth6(GRE(proto=0x0800, chksum_present=1) / ping(1))]
    c["mpls"] = [eth4(GRE(proto=0x8847) / MPLS(label=100, s=1, ttl=64) / ping(1))]
    c["arp"] = [eth4(GRE(proto=0x0806) / ARP(psrc=IN_A4, pdst=IN_B4, hwsrc=MAC_A))]
    # One GRE packet (checksummed, keyed) cut into three IPv4 fragments.
    big = Ether(src=MAC_A, dst=MAC_B) / IP(src=A4, dst=B4, id=0x77, ttl=64) / GRE(
        chksum_present=1, key_present=1, key=0x77, proto=0x0800) / IP(src=IN_A4, dst=IN_B4) / UDP(
        sport=4000, dport=4001) / Raw(bytes(range(256)) * 5)
    frags = fragment(big[IP], fragsize=600)
    c["fragmented"] = [Ether(src=MAC_A, dst=MAC_B) / f for f in frags]
    return c


def raw4(data):
    return Ether(src=MAC_A, dst=MAC_B) / IP(src=A4, dst=B4, id=1, ttl=64, proto=47) / Raw(data)


def malformed():
    """(name, packet, stage, error, tshark, why). stage says which call must
    fail: decode (DecodeFromBytes), verify (VerifyChecksum), check
    (CheckPPTP). tshark is what tshark's golden decode must show for the
    same frame ('-' when tshark does not object)."""
    inner = bytes(ping(1))
    sre = struct.pack("!HBB", 0x0800, 0, 4) + bytes([203, 0, 113, 1])
    gre_c = bytes(GRE(chksum_present=1, proto=0x0800) / ping(1))
    bad_ck = gre_c[:4] + bytes([gre_c[4] ^ 0x5a, gre_c[5]]) + gre_c[6:]
    return [
        ("truncated-header", raw4(bytes([0x30, 0x00, 0x08, 0x00, 0, 0, 0, 1, 0, 0])),
         "decode", "ErrTruncated", "malformed", "K and S set, the packet ends inside the sequence number"),
        ("routing-no-terminator", raw4(bytes([0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0]) + sre),
         "decode", "ErrNoTerminator", "malformed", "R set, one IPv4 SRE, then the packet ends: no NULL SRE"),
        ("sre-past-end", raw4(bytes([0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0]) + struct.pack("!HBB", 0x0800, 0, 40) + bytes(8)),
         "decode", "ErrSREPastEnd", "malformed", "SRE Length 40 with 8 octets left"),
        ("offset-outside", raw4(bytes([0x40, 0x00, 0x08, 0x00, 0, 0, 0, 40]) + sre + bytes(4) + inner),
         "decode", "ErrOffsetOutside", "-", "Offset 40 with a 12-octet routing list"),
        ("ack-on-version-0", raw4(bytes([0x20, 0x80, 0x08, 0x00, 0, 0, 0, 1, 0, 0, 0, 9]) + inner),
         "decode", "ErrAckOnVersion0", "-", "the A bit of RFC 2637 on a version 0 header"),
        ("version-2", raw4(bytes([0x00, 0x02, 0x08, 0x00]) + inner),
         "decode", "ErrVersion", "-", "version 2, whose layout no RFC defines"),
        ("bad-checksum", raw4(bad_ck),
         "verify", "ErrChecksum", "Incorrect GRE Checksum", "C set, checksum octet flipped"),
        ("pptp-no-key", raw4(bytes([0x10, 0x01, 0x88, 0x0b, 0, 0, 0, 1]) + bytes(PPP(proto=0x0021) / ping(1))),
         "check", "ErrMalformed", "-", "enhanced GRE without the K bit RFC 2637 requires"),
    ]


def golden(paths):
    subprocess.run([os.path.join(HERE, "tshark-golden.sh")] + paths, check=True)


def vectors(src):
    out = os.path.normpath(os.path.join(HERE, "..", "vectors", "gre"))
    os.makedirs(out, exist_ok=True)
    caps = sorted(os.path.join(src, f) for f in os.listdir(src) if f.endswith((".pcap", ".pcapng")))
    env = dict(os.environ, TSHARK_PROTOS="gre erspan _ws.malformed")
    subprocess.run([os.path.join(HERE, "tshark-golden.sh"), "-o", out] + caps, check=True, env=env)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--vectors":
        return vectors(sys.argv[2])
    os.makedirs(BAD, exist_ok=True)
    paths = []
    for name, pkts in variants().items():
        p = os.path.join(OUT, name + ".pcap")
        save(p, pkts)
        paths.append(p)
    rows = ["# file\tstage\terror\ttshark\twhy"]
    for name, pkt, stage, err, ts, why in malformed():
        p = os.path.join(BAD, name + ".pcap")
        save(p, [pkt])
        paths.append(p)
        rows.append("\t".join([name + ".pcap", stage, err, ts, why]))
    with open(os.path.join(BAD, "expected.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    golden(paths)


if __name__ == "__main__":
    sys.exit(main())
