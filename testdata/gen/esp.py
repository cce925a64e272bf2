#!/usr/bin/python3
"""Makes testdata/ipsec/scapy-esp.pcap and scapy-esp.json with scapy 2.5.

ESP in transport and tunnel mode over IPv4 (with options) and IPv6 (with
hop-by-hop and destination options) for every algorithm scapy and
tunnelcodec share, ESN sequences that cross 2^32, AH with HMAC-SHA1-96 and
HMAC-SHA2-256-128, and ESP in UDP (RFC 3948 NAT traversal). The JSON gives
each frame's SA (IANA transform IDs, keys), 64-bit sequence number, IV and
the reference plaintext: the original packet (transport) or the inner one
(tunnel), which the Go tests decrypt to and seal again from.

Four scapy 2.5 bugs are fixed here, after scapy built the packet:
  * with ESN, scapy's ESP HMAC leaves out the high-order 32 bits of the
    sequence number (SecurityAssociation._encrypt_esp calls sign() without
    esn); RFC 4303 §2.2.1 puts them after the ciphertext in the ICV input,
    so the ICV is recomputed with hmac from the packet and the high bits;
  * with nat_t_header, scapy fixes the UDP length before ESP is attached,
    so it says 8; it is set to the real length (and, over IPv6, the UDP
    checksum computed, which IPv6 requires; over IPv4 it stays zero, as
    RFC 3948 §2.1 says it SHOULD);
  * with cryptography's AEAD API scapy ignores crypt_icv_size and always
    sends AES-GCM's full 16-octet tag; for the 8- and 12-octet ICVs of RFC
    4106 the tag is cut to its first octets (NIST SP 800-38D §5.2.1.2);
  * with nat_t_header over IPv6 with extension headers, scapy leaves the
    last extension header's Next Header at 50 although UDP follows; it is
    set to 17.
The fixes are checked: every HMAC ICV is verified again with hmac over the
packet, and every frame is decrypted back with scapy itself where scapy can
(AEAD with ESN, and every non-ESN frame).

Run with the system python (scapy is not in pyenv's):
    /usr/bin/python3 testdata/gen/esp.py
"""
import hashlib
import hmac
import json
import os
import struct
import sys

from scapy.all import (AH, ESP, IP, TCP, UDP, ICMP, IPv6, Ether, Raw, ICMPv6EchoRequest,
                       IPOption_Router_Alert, IPOption_NOP, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrDestOpt, RouterAlert, HBHOptUnknown, PadN, wrpcap, raw)
from scapy.layers.ipsec import SecurityAssociation

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "ipsec")

# IANA IKEv2 transform IDs (RFC 7296 §3.3.2 registries).
ENCR = {"NULL": 11, "3DES": 3, "AES-CBC": 12, "AES-CTR": 13, "AES-GCM": {8: 18, 12: 19, 16: 20},
        "CHACHA20-POLY1305": 28}
INTEG = {"NULL": 0, "HMAC-SHA1-96": 2, "SHA2-256-128": 12, "SHA2-384-192": 13, "SHA2-512-256": 14}
HASH = {"HMAC-SHA1-96": (hashlib.sha1, 12), "SHA2-256-128": (hashlib.sha256, 16),
        "SHA2-384-192": (hashlib.sha384, 24), "SHA2-512-256": (hashlib.sha512, 32)}

MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"


def keybytes(n, seed):
    return bytes((seed + 7 * i) & 0xff for i in range(n))


def ipv4(payload):
    """IPv4 with an immutable option (Router Alert) and NOPs, DF set."""
    return IP(src="192.0.2.1", dst="192.0.2.2", id=0x1234, flags="DF", tos=0x10,
              options=[IPOption_Router_Alert(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()]) / payload


def ipv6(payload):
    """IPv6 with hop-by-hop options (router alert, an option with the
    may-change bit) and destination options."""
    hbh = IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), HBHOptUnknown(otype=0x3e, optdata=b"\x01\x02\x03\x04"), PadN(optdata=b"")])
    dst = IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e, optdata=b"\x09\x09\x09\x09")])
    return IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0x20, fl=0x12345) / hbh / dst / payload


def inner_v4():
    return IP(src="203.0.113.1", dst="203.0.113.2", id=0, flags="DF", tos=0xb8 | 2) / ICMP(id=7, seq=1) / Raw(b"ping payload 0123456789")


def inner_v6():
    return IPv6(src="2001:db8:100::1", dst="2001:db8:100::2", tc=0x02) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping payload")


def tunnel_header(inner, v6):
    """The outer header tunnelcodec's Tunnel builds: DSCP and ECN copied
    (RFC 4301 §5.1.2.1, RFC 6040 normal mode), TTL 64, DF copied (set for an
    IPv6 inner packet) with ID 0 for such an atomic datagram."""
    if isinstance(inner, IP):
        tos, df = inner.tos, "DF" in str(inner.flags)
    else:
        tos, df = inner.tc, True
    if v6:
        return IPv6(src="2001:db8:1::1", dst="2001:db8:1::2", tc=tos, fl=0, hlim=64)
    return IP(src="198.51.100.1", dst="198.51.100.2", tos=tos, ttl=64, id=0, flags="DF" if df else 0)


def fix_esn_hmac(pkt, auth, akey, esn_hi):
    """Recompute the ESP ICV with the ESN high-order bits (scapy 2.5 bug)."""
    esp = pkt[ESP]
    h, n = HASH[auth]
    body = raw(esp)[:-n]
    icv = hmac.new(akey, body + struct.pack("!L", esn_hi), h).digest()[:n]
    esp.data = esp.data[:-n] + icv
    return pkt


def fix_natt(pkt):
    """Set the UDP length scapy leaves at 8, and the IPv6 UDP checksum.
    Over IPv6 with extension headers scapy also leaves the last extension
    header's Next Header at 50 (ESP) in front of the UDP header: set it
    to 17."""
    b = bytearray(raw(pkt))
    if b[0] >> 4 == 6:
        nh_at, off = 6, 40
        while b[nh_at] in (0, 43, 60):
            nh_at, off = off, off + (b[off + 1] + 1) * 8
        b[nh_at] = 17
    pkt = pkt.__class__(bytes(b))
    u = pkt[UDP]
    u.len = len(u)
    u.chksum = 0
    if isinstance(pkt, IPv6):
        del u.chksum
    return pkt.__class__(raw(pkt))


def truncate_gcm_icv(pkt, icv):
    """scapy 2.5 ignores crypt_icv_size with cryptography's AEAD API and
    always sends the 16-octet GCM tag; RFC 4106's 8- and 12-octet ICVs are
    its first octets (NIST SP 800-38D §5.2.1.2), so the rest is cut and the
    IP length fixed."""
    b = raw(pkt)
    b = b[:len(b) - 16 + icv]
    p = pkt.__class__(b)
    if isinstance(p, IPv6):
        p.plen = None
    else:
        p.len = None
        p.chksum = None
    return p.__class__(raw(p))


def verify_hmac(pkt, auth, akey, esn, esn_hi):
    h, n = HASH[auth]
    b = raw(pkt[ESP])
    extra = struct.pack("!L", esn_hi) if esn else b""
    want = hmac.new(akey, b[:-n] + extra, h).digest()[:n]
    assert b[-n:] == want, "ICV does not verify"


frames, records = [], []


def emit(pkt, rec):
    frames.append(Ether(src=MAC_A, dst=MAC_B) / pkt)
    rec["frame"] = len(frames)
    records.append(rec)


def esp_case(name, encr, ekey_len, auth, mode, v6, esn=False, seq=1, esn_hi=0, icv=None, natt=False, inner6=False):
    ekey = keybytes(ekey_len, len(records) + 1)
    akey = keybytes(HASH[auth][0]().digest_size, 100 + len(records)) if auth != "NULL" else b""
    salt = 4 if encr in ("AES-CTR", "AES-GCM", "CHACHA20-POLY1305") else 0
    iv_len = {"NULL": 0, "3DES": 8, "AES-CBC": 16}.get(encr, 8)
    iv = keybytes(iv_len, 200 + len(records))
    orig = (ipv6 if v6 else ipv4)(UDP(sport=1234, dport=9) / Raw(b"hello from scapy " + name.encode()))
    orig = orig.__class__(raw(orig))
    inner = None
    kw = {}
    if mode == "tunnel":
        inner = inner_v6() if inner6 else inner_v4()
        inner = inner.__class__(raw(inner))
        kw["tunnel_header"] = tunnel_header(inner, v6)
    if natt:
        kw["nat_t_header"] = UDP(sport=4500, dport=4500)
    if icv is not None:
        kw["crypt_icv_size"] = icv
    sa = SecurityAssociation(ESP, spi=0x1000 + len(records), seq_num=seq, crypt_algo=encr,
                             crypt_key=ekey, auth_algo=auth, auth_key=akey or None, esn_en=esn, esn=esn_hi, **kw)
    plain = inner if inner is not None else orig
    pkt = sa.encrypt(plain, iv=iv)
    pkt = pkt.__class__(raw(pkt))
    if esn and auth != "NULL":
        pkt = fix_esn_hmac(pkt, auth, akey, esn_hi)
    if encr == "AES-GCM" and icv and icv < 16:
        assert not natt
        pkt = truncate_gcm_icv(pkt, icv)
    if natt:
        pkt = fix_natt(pkt)
    if auth != "NULL":
        verify_hmac(pkt, auth, akey, esn, esn_hi)
    if not (esn and auth != "NULL") and not (icv and icv < 16):
        # scapy opens its own packet (its ESN HMAC check is the bug above)
        back = sa.decrypt(pkt.__class__(raw(pkt)))
        if mode == "tunnel" and not natt:
            assert raw(back) == raw(plain), f"{name}: scapy does not decrypt its own packet"
    encr_id = ENCR[encr][icv or 16] if encr == "AES-GCM" else ENCR[encr]
    emit(pkt, {"name": name, "proto": "esp", "mode": mode, "family": 6 if v6 else 4, "spi": sa.spi,
               "encr": encr_id, "encr_key": ekey.hex(), "integ": INTEG[auth], "integ_key": akey.hex(),
               "esn": esn, "seq": (esn_hi << 32) | seq, "iv": iv.hex(), "natt": natt,
               "plain": raw(plain).hex(), "scapy_fixes": (["esn-hmac"] if esn and auth != "NULL" else []) + (["gcm-icv-length"] if icv and icv < 16 else []) + (["natt-udp-length"] + (["natt-ipv6-next-header"] if v6 else []) if natt else [])})


def ah_case(name, auth, mode, v6, esn=False, seq=1, esn_hi=0, inner6=False):
    akey = keybytes(HASH[auth][0]().digest_size, 150 + len(records))
    orig = (ipv6 if v6 else ipv4)(UDP(sport=1234, dport=9) / Raw(b"hello from scapy " + name.encode()))
    orig = orig.__class__(raw(orig))
    kw, inner = {}, None
    if mode == "tunnel":
        inner = inner_v6() if inner6 else inner_v4()
        inner = inner.__class__(raw(inner))
        kw["tunnel_header"] = tunnel_header(inner, v6)
    sa = SecurityAssociation(AH, spi=0x2000 + len(records), seq_num=seq, auth_algo=auth, auth_key=akey,
                             esn_en=esn, esn=esn_hi, **kw)
    plain = inner if inner is not None else orig
    pkt = sa.encrypt(plain)
    pkt = pkt.__class__(raw(pkt))
    sa.decrypt(pkt.__class__(raw(pkt)), esn_en=esn, esn=esn_hi)  # scapy verifies its own ICV
    emit(pkt, {"name": name, "proto": "ah", "mode": mode, "family": 6 if v6 else 4, "spi": sa.spi,
               "integ": INTEG[auth], "integ_key": akey.hex(), "esn": esn, "seq": (esn_hi << 32) | seq,
               "plain": raw(plain).hex(), "scapy_fixes": []})


def main():
    for v6 in (False, True):
        fam = "IPv6" if v6 else "IPv4"
        for mode in ("transport", "tunnel"):
            for bits in (128, 192, 256):
                esp_case(f"{fam} {mode} AES-CBC-{bits} HMAC-SHA1-96", "AES-CBC", bits // 8, "HMAC-SHA1-96", mode, v6)
            for auth in ("SHA2-256-128", "SHA2-384-192", "SHA2-512-256"):
                esp_case(f"{fam} {mode} AES-CBC-128 {auth}", "AES-CBC", 16, auth, mode, v6)
            esp_case(f"{fam} {mode} AES-CTR-128 SHA2-256-128", "AES-CTR", 20, "SHA2-256-128", mode, v6)
            esp_case(f"{fam} {mode} AES-CTR-256 HMAC-SHA1-96", "AES-CTR", 36, "HMAC-SHA1-96", mode, v6)
            for icv in (8, 12, 16):
                for bits in (128, 256):
                    esp_case(f"{fam} {mode} AES-GCM-{icv}-{bits}", "AES-GCM", bits // 8 + 4, "NULL", mode, v6, icv=icv)
            esp_case(f"{fam} {mode} ChaCha20-Poly1305", "CHACHA20-POLY1305", 36, "NULL", mode, v6)
            esp_case(f"{fam} {mode} NULL HMAC-SHA1-96", "NULL", 0, "HMAC-SHA1-96", mode, v6)
            esp_case(f"{fam} {mode} 3DES HMAC-SHA1-96", "3DES", 24, "HMAC-SHA1-96", mode, v6)
            esp_case(f"{fam} {mode} AES-GCM-16 IPv6 inner", "AES-GCM", 20, "NULL", mode, v6, inner6=True) if mode == "tunnel" else None
            for auth in ("HMAC-SHA1-96", "SHA2-256-128"):
                ah_case(f"{fam} {mode} AH {auth}", auth, mode, v6)
        # ESN: 64-bit sequence numbers crossing 2^32
        for hi, lo in ((0, 0xfffffffe), (0, 0xffffffff), (1, 0), (1, 1)):
            esp_case(f"{fam} ESN {hi}:{lo:#x} AES-CBC-128 SHA2-256-128", "AES-CBC", 16, "SHA2-256-128", "tunnel", v6, esn=True, seq=lo, esn_hi=hi)
            esp_case(f"{fam} ESN {hi}:{lo:#x} AES-GCM-16-128", "AES-GCM", 20, "NULL", "tunnel", v6, esn=True, seq=lo, esn_hi=hi, icv=16)
            esp_case(f"{fam} ESN {hi}:{lo:#x} ChaCha20-Poly1305", "CHACHA20-POLY1305", 36, "NULL", "transport", v6, esn=True, seq=lo, esn_hi=hi)
            ah_case(f"{fam} ESN {hi}:{lo:#x} AH SHA2-256-128", "SHA2-256-128", "transport", v6, esn=True, seq=lo, esn_hi=hi)
        # NAT traversal: ESP in UDP 4500
        esp_case(f"{fam} NAT-T tunnel AES-GCM-16-128", "AES-GCM", 20, "NULL", "tunnel", v6, natt=True, icv=16)
        esp_case(f"{fam} NAT-T transport AES-CBC-128 HMAC-SHA1-96", "AES-CBC", 16, "HMAC-SHA1-96", "transport", v6, natt=True)
    os.makedirs(OUT, exist_ok=True)
    wrpcap(os.path.join(OUT, "scapy-esp.pcap"), frames)
    with open(os.path.join(OUT, "scapy-esp.json"), "w") as f:
        json.dump({"generator": "testdata/gen/esp.py", "scapy": __import__("scapy").VERSION, "frames": records}, f, indent=1)
    print(f"{len(frames)} frames", file=sys.stderr)


if __name__ == "__main__":
    main()
