#!/usr/bin/python3
"""Ties strongSwan's logged keys to the SAs in a capture and proves them.

    strongswan-keys.py --scenario NAME --log a=A.log --log b=B.log [...] DIR
        reads DIR/capture.pcap and the two charon logs ("ike 4, chd 4"), and
        writes DIR/keys.json, DIR/esp_sa.uat, DIR/ikev2_decryption_table.uat,
        DIR/capture.tshark.args and the trimmed logs DIR/charon-{a,b}.log.
    strongswan-keys.py --check-tshark DIR
        runs tshark with DIR/capture.tshark.args and fails unless it decrypted
        every ESP packet and every SK/SKF payload whose algorithm it has.

Used by strongswan.sh. Nothing here is trusted blindly: every IKE key block
in the logs is matched to an IKE SA by decrypting that SA's messages with
it, SKEYSEED and SK_* are recomputed from the logged DH secret and the
nonces and SPIs on the wire (RFC 7296 2.14, 2.18), every CHILD_SA's KEYMAT
from SK_d (2.17), and every ESP packet and every SK/SKF payload in the
capture must decrypt and authenticate (python3-cryptography, i.e. OpenSSL).
Both peers' logs must agree on every key.
"""
import argparse
import hmac
import json
import os
import re
import struct
import subprocess
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.exceptions import InvalidTag

# --------------------------------------------------------------- registry --
# IANA IKEv2 transform IDs (the numbers internal/iana uses) of what these
# scenarios negotiate, with what it takes to use them.
ENCR_NAMES = {11: "ENCR_NULL", 12: "ENCR_AES_CBC", 13: "ENCR_AES_CTR", 18: "ENCR_AES_GCM_8",
              19: "ENCR_AES_GCM_12", 20: "ENCR_AES_GCM_16", 28: "ENCR_CHACHA20_POLY1305"}
AEAD = {18: 8, 19: 12, 20: 16, 28: 16}  # AEAD transform: ICV length
INTEG = {2: ("sha1", 12), 12: ("sha256", 16), 13: ("sha384", 24), 14: ("sha512", 32)}  # hash, ICV length
INTEG_NAMES = {0: "NONE", 2: "AUTH_HMAC_SHA1_96", 12: "AUTH_HMAC_SHA2_256_128",
               13: "AUTH_HMAC_SHA2_384_192", 14: "AUTH_HMAC_SHA2_512_256"}
PRF = {2: "sha1", 5: "sha256", 6: "sha384", 7: "sha512"}  # HMAC PRFs: hash
PRF_NAMES = {2: "PRF_HMAC_SHA1", 5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512"}
KE_NAMES = {0: "NONE", 14: "MODP_2048", 15: "MODP_3072", 19: "ECP_256", 20: "ECP_384", 21: "ECP_521",
            31: "CURVE25519", 32: "CURVE448"}
EXCHANGES = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}
PAYLOADS = {33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ", 39: "AUTH", 40: "Nonce",
            41: "N", 42: "D", 43: "V", 44: "TSi", 45: "TSr", 46: "SK", 47: "CP", 48: "EAP", 53: "SKF"}

# ------------------------------------------------------------------ pcap --


def read_pcap(path):
    """Frames of a classic pcap (Ethernet): (number, ts, src, dst, sport, dport, udp payload)."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end, nsec = "<", False
    elif magic == b"\xa1\xb2\xc3\xd4":
        end, nsec = ">", False
    elif magic == b"\x4d\x3c\xb2\xa1":
        end, nsec = "<", True
    else:
        sys.exit("%s: not a pcap file" % path)
    link = struct.unpack(end + "I", data[20:24])[0]
    if link != 1:
        sys.exit("%s: link type %d, want Ethernet" % (path, link))
    off, n, out = 24, 0, []
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + caplen]
        off += caplen
        n += 1
        ts = sec + frac / (1e9 if nsec else 1e6)
        eth = struct.unpack(">H", pkt[12:14])[0]
        p = pkt[14:]
        if eth == 0x0800:
            ihl = (p[0] & 15) * 4
            if p[9] != 17 or struct.unpack(">H", p[6:8])[0] & 0x3FFF:
                sys.exit("frame %d: not an unfragmented UDP datagram" % n)
            src, dst = ip4(p[12:16]), ip4(p[16:20])
            udp = p[ihl:struct.unpack(">H", p[2:4])[0]]
        elif eth == 0x86DD:
            if p[6] != 17:
                sys.exit("frame %d: IPv6 next header %d, want UDP" % (n, p[6]))
            src, dst = ip6(p[8:24]), ip6(p[24:40])
            udp = p[40:40 + struct.unpack(">H", p[4:6])[0]]
        else:
            sys.exit("frame %d: ethertype %#x" % (n, eth))
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        out.append((n, ts, src, dst, sport, dport, udp[8:ulen]))
    return out


def ip4(b):
    return ".".join(str(x) for x in b)


def ip6(b):
    import ipaddress
    return str(ipaddress.IPv6Address(b))


# ------------------------------------------------------------------- logs --
LINE = re.compile(r"^(\d\d:\d\d:\d\d) (\d\d)\[(\w+)\] (?:<([^>]*)> )?(.*)$")
DUMP = re.compile(r"^\s*(\d+): ((?:[0-9A-F]{2} ){1,16})")
HEAD = re.compile(r"^(.*) => (\d+) bytes @ (?:0x[0-9a-f]+|\(nil\))$")


class Log:
    """A charon log: lines, and the hex dumps of "NAME => N bytes @ ADDR"."""

    def __init__(self, path):
        self.path = path
        self.lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
        self.entries = []  # (index, thread, group, ctx, text, data or None)
        i = 0
        while i < len(self.lines):
            m = LINE.match(self.lines[i])
            if not m:
                i += 1
                continue
            _, thread, group, ctx, text = m.groups()
            h = HEAD.match(text)
            if h:
                want, data, j = int(h.group(2)), bytearray(), i + 1
                while len(data) < want and j < len(self.lines):
                    mm = LINE.match(self.lines[j])
                    d = DUMP.match(mm.group(5)) if mm and mm.group(2) == thread else None
                    if not d:
                        break
                    data += bytes.fromhex(d.group(2).replace(" ", ""))
                    j += 1
                if len(data) != want:
                    sys.exit("%s:%d: %s: %d of %d bytes" % (path, i + 1, h.group(1), len(data), want))
                self.entries.append((i, thread, group, ctx, h.group(1), bytes(data)))
                i = j
                continue
            self.entries.append((i, thread, group, ctx, text, None))
            i += 1

    def ike_blocks(self):
        """IKE key blocks: the DH secret, SKEYSEED and SK_* in logged order."""
        blocks, cur = [], None
        names = {"shared Diffie Hellman secret": "shared_secret", "SKEYSEED": "skeyseed",
                 "Sk_d secret": "sk_d", "Sk_ai secret": "sk_ai", "Sk_ar secret": "sk_ar",
                 "Sk_ei secret": "sk_ei", "Sk_er secret": "sk_er", "Sk_pi secret": "sk_pi",
                 "Sk_pr secret": "sk_pr"}
        for idx, thread, group, ctx, text, data in self.entries:
            if data is None or group != "IKE" or text not in names:
                continue
            key = names[text]
            if key == "shared_secret":
                cur = {"line": idx + 1, "thread": thread}
                blocks.append(cur)
            if cur is None or cur["thread"] != thread:
                sys.exit("%s:%d: %s outside a key block" % (self.path, idx + 1, text))
            cur[key] = data
        for b in blocks:
            for k in ("skeyseed", "sk_d", "sk_ei", "sk_er", "sk_pi", "sk_pr"):
                if k not in b:
                    sys.exit("%s:%d: key block without %s" % (self.path, b["line"], k))
        return blocks

    def child_blocks(self):
        """CHILD_SA key blocks: keys, then the inbound and outbound SPIs."""
        blocks, open_ = [], {}
        names = {"DH secret": "shared_secret", "seed": "seed",
                 "encryption initiator key": "encr_i", "encryption responder key": "encr_r",
                 "integrity initiator key": "integ_i", "integrity responder key": "integ_r"}
        pending = {}
        for n, (idx, thread, group, ctx, text, data) in enumerate(self.entries):
            if group != "CHD":
                continue
            m = re.match(r"CHILD_SA (\S+)\{(\d+)\} state change: CREATED => INSTALLING", text)
            if m:
                open_[thread] = {"line": idx + 1, "name": m.group(1), "unique_id": int(m.group(2)),
                                 "thread": thread}
                blocks.append(open_[thread])
                continue
            b = open_.get(thread)
            if b is None:
                continue
            if data is not None and text in names:
                b[names[text]] = data
                continue
            m = re.match(r"(adding|registering) (inbound|outbound) (ESP|AH) SA", text)
            if m:
                pending[thread] = (m.group(2), m.group(3))
                continue
            m = re.match(r"SPI 0x([0-9a-f]{8}), src (\S+) dst (\S+)", text.strip())
            if m and thread in pending:
                d, proto = pending.pop(thread)
                b.setdefault(d, {"spi": m.group(1), "src": m.group(2), "dst": m.group(3), "protocol": proto})
                if "inbound" in b and "outbound" in b:
                    del open_[thread]
        for b in blocks:
            for k in ("seed", "encr_i", "encr_r", "inbound", "outbound"):
                if k not in b:
                    sys.exit("%s:%d: CHILD_SA block without %s" % (self.path, b["line"], k))
        return blocks

    def trimmed(self):
        """The log without the noise between the lines that matter: vici
        chatter, the socket threads' duplicates and the connection dumps."""
        keep, idx = [], {}
        noise = re.compile(r"^\S+ \d\d\[(?:NET|CFG|JOB|LIB)\] (?:"
                           r"waiting for data on sockets|sending packet: from \S+ to \S+$|"
                           r"received packet: from \S+ to \S+$|vici client \d+ |"
                           r"  +\w+ = |spawning \d+ worker)")
        for i, line in enumerate(self.lines):
            if not noise.match(line):
                keep.append(line)
            idx[i] = len(keep)
        return "\n".join(keep) + "\n", idx


# ------------------------------------------------------------------- IKE --
def prf(alg, key, data):
    return hmac.new(key, data, alg).digest()


def prf_plus(alg, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(alg, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


class Msg:
    """One IKE datagram: header fields and payloads (SK/SKF still sealed)."""

    def __init__(self, frame, data, src, dst, sport, dport):
        self.frame, self.raw, self.src, self.dst, self.sport, self.dport = frame, data, src, dst, sport, dport
        self.spi_i, self.spi_r = data[0:8].hex(), data[8:16].hex()
        self.np, self.version, self.exchange, self.flags = data[16], data[17], data[18], data[19]
        self.mid, self.length = struct.unpack(">II", data[20:28])
        if self.length != len(data):
            sys.exit("frame %d: IKE length %d, datagram %d" % (frame, self.length, len(data)))
        self.initiator = bool(self.flags & 0x08)
        self.response = bool(self.flags & 0x20)
        self.payloads = walk(self.np, data, 28)
        self.sk = None  # (type, offset of payload, fragment number, total)
        for t, off, body in self.payloads:
            if t == 46:
                self.sk = (46, off, 1, 1)
            if t == 53:
                num, total = struct.unpack(">HH", body[:4])
                self.sk = (53, off, num, total)
        self.full = None  # decrypted payloads of the whole message
        self.orig = None  # the first copy of a retransmitted datagram
        self.plain = None  # decrypted inner payload bytes (this fragment)
        self.inner_np = None
        self.ike_sa = None

    def key(self):
        return (self.spi_i, self.spi_r, self.mid, self.response, self.initiator)


def walk(np, data, off):
    """Payload chain from off: [(type, offset, body)]; stops after SK/SKF."""
    out = []
    while np != 0:
        if off + 4 > len(data):
            sys.exit("payload chain runs past the end")
        nxt, _, plen = struct.unpack(">BBH", data[off:off + 4])
        if plen < 4 or off + plen > len(data):
            sys.exit("bad payload length %d at %d" % (plen, off))
        out.append((np, off, data[off + 4:off + plen]))
        if np in (46, 53):
            break
        np, off = nxt, off + plen
    return out


def sk_open(msg, encr, integ, ke, ka):
    """Decrypts msg's SK/SKF with encryption key ke and integrity key ka (None
    for AEAD): returns the plaintext payloads or None if it does not verify."""
    typ, off, num, total = msg.sk
    raw = msg.raw
    plen = struct.unpack(">H", raw[off + 2:off + 4])[0]
    hdr = 8 if typ == 53 else 4
    body = raw[off + hdr:off + plen]
    if encr in AEAD:
        icv = AEAD[encr]
        iv, ct = body[:8], body[8:]
        aad = raw[:off + hdr]
        nonce = ke[-4:] + iv
        try:
            if encr == 28:
                pt = ChaCha20Poly1305(ke[:-4]).decrypt(nonce, ct, aad)
            else:
                dec = Cipher(algorithms.AES(ke[:-4]), modes.GCM(nonce, ct[-icv:], min_tag_length=icv)).decryptor()
                dec.authenticate_additional_data(aad)
                pt = dec.update(ct[:-icv]) + dec.finalize()
        except (InvalidTag, ValueError):
            return None
    else:
        h, trunc = INTEG[integ]
        icv = raw[len(raw) - trunc:]
        want = hmac.new(ka, raw[:len(raw) - trunc], h).digest()[:trunc]
        if not hmac.compare_digest(icv, want):
            return None
        iv, ct = body[:16], body[16:len(body) - trunc]
        dec = Cipher(algorithms.AES(ke), modes.CBC(iv)).decryptor()
        pt = dec.update(ct) + dec.finalize()
    padlen = pt[-1]
    if padlen + 1 > len(pt):
        return None
    return pt[:len(pt) - padlen - 1]


def parse_sa(body):
    """SA payload -> [(proto, spi hex, {type: (id, keylen)})]."""
    props, off = [], 0
    while off < len(body):
        last, _, plen, num, proto, spisize, ntrans = struct.unpack(">BBHBBBB", body[off:off + 8])
        spi = body[off + 8:off + 8 + spisize].hex()
        toff, trans = off + 8 + spisize, {}
        for _ in range(ntrans):
            tlast, _, tlen, ttype, _, tid = struct.unpack(">BBHBBH", body[toff:toff + 8])
            keylen = 0
            aoff = toff + 8
            while aoff < toff + tlen:
                atype, aval = struct.unpack(">HH", body[aoff:aoff + 4])
                if atype == 0x800E:
                    keylen = aval
                aoff += 4 if atype & 0x8000 else 4 + aval
            trans.setdefault(ttype, (tid, keylen))
            toff += tlen
        props.append((proto, spi, trans))
        off += plen
        if last == 0:
            break
    return props


def inner_payloads(np, plain):
    """Decrypted payload chain -> [(type, body)]."""
    out, off = [], 0
    while np != 0:
        nxt, _, plen = struct.unpack(">BBH", plain[off:off + 4])
        out.append((np, plain[off + 4:off + plen]))
        np, off = nxt, off + plen
    return out


# ------------------------------------------------------------------- ESP --
def esp_open(pkt, encr, integ, ke, ka):
    """ESP (RFC 4303) without ESN: returns (next header, payload) or None."""
    spi_seq = pkt[:8]
    if encr in AEAD:
        iv, ct = pkt[8:16], pkt[16:]
        nonce = ke[-4:] + iv
        try:
            if encr == 28:
                pt = ChaCha20Poly1305(ke[:-4]).decrypt(nonce, ct, spi_seq)
            else:
                pt = AESGCM(ke[:-4]).decrypt(nonce, ct, spi_seq)
        except InvalidTag:
            return None
    else:
        h, trunc = INTEG[integ]
        if not hmac.compare_digest(pkt[-trunc:], hmac.new(ka, pkt[:-trunc], h).digest()[:trunc]):
            return None
        iv, ct = pkt[8:24], pkt[24:-trunc]
        dec = Cipher(algorithms.AES(ke), modes.CBC(iv)).decryptor()
        pt = dec.update(ct) + dec.finalize()
    padlen, nh = pt[-2], pt[-1]
    pad = pt[len(pt) - 2 - padlen:len(pt) - 2]
    if pad != bytes(range(1, padlen + 1)):
        sys.exit("ESP padding is not 1, 2, 3, ...")
    return nh, pt[:len(pt) - 2 - padlen]


# ------------------------------------------------------------------ model --
def hx(b):
    return b.hex() if b is not None else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario")
    ap.add_argument("--description", default="")
    ap.add_argument("--log", action="append", default=[])
    ap.add_argument("--auth", action="append", default=[])
    ap.add_argument("--psk", default="")
    ap.add_argument("--eap", default="")
    ap.add_argument("--peer", action="append", default=[], help="SIDE=ADDRESS of each peer's underlay")
    ap.add_argument("--id", action="append", default=[], help="SIDE=IKE identity")
    ap.add_argument("--check-tshark", action="store_true")
    ap.add_argument("dir")
    a = ap.parse_args()
    if a.check_tshark:
        return check_tshark(a.dir)
    extract(a)


def extract(a):
    d = a.dir
    frames = read_pcap(os.path.join(d, "capture.pcap"))
    logs = {}
    for spec in a.log:
        side, path = spec.split("=", 1)
        logs[side] = Log(path)
    global PEERS
    PEERS = {}
    for spec in a.peer:
        side, addr = spec.split("=", 1)
        PEERS[addr] = side

    # Classify datagrams (RFC 3948): port 500 is IKE, port 4500 is IKE after
    # the four-zero non-ESP marker, a lone 0xff a keepalive, ESP otherwise.
    ike, esp, keepalives = [], [], 0
    for n, ts, src, dst, sport, dport, p in frames:
        if 500 in (sport, dport):
            ike.append(Msg(n, p, src, dst, sport, dport))
        elif p == b"\xff":
            keepalives += 1
        elif p[:4] == b"\0\0\0\0":
            ike.append(Msg(n, p[4:], src, dst, sport, dport))
        else:
            esp.append((n, src, dst, p))

    # IKE SAs from the wire. The IKE_SA_INIT exchange gives SPIs, nonces and
    # the chosen proposal in clear.
    sas = []
    by_spis = {}

    def new_sa(**kw):
        sa = dict(kw)
        sa["messages"] = []
        sas.append(sa)
        by_spis[(sa["spi_i"], sa["spi_r"])] = sa
        return sa

    init_req = {}
    for m in ike:
        if m.exchange != 34:
            continue
        pl = {t: body for t, off, body in m.payloads}
        if not m.response:
            init_req[m.spi_i] = (m, pl)
            continue
        if 33 not in pl:
            continue  # INVALID_KE_PAYLOAD or COOKIE
        req, rpl = init_req[m.spi_i]
        (proto, spi, trans), = parse_sa(pl[33])
        sa = new_sa(spi_i=m.spi_i, spi_r=m.spi_r, initiator_addr=req.src, responder_addr=req.dst,
                    created_by="IKE_SA_INIT", rekey_of=None, parent=None,
                    nonce_i=rpl[40], nonce_r=pl[40], trans=trans,
                    ke_i=rpl[34][4:], ke_r=pl[34][4:])
        sa["messages"] += [req, m]
        req.ike_sa = m.ike_sa = sa

    # Every IKE key block of a log decrypts exactly one SA's messages.
    blocks = {side: log.ike_blocks() for side, log in logs.items()}
    encrypted = [m for m in ike if m.sk]

    def try_block(b, sa, m):
        encr, kb = sa["trans"][1]
        integ = sa["trans"].get(3, (0, 0))[0]
        ke = b["sk_ei"] if m.initiator else b["sk_er"]
        ka = b.get("sk_ai" if m.initiator else "sk_ar")
        return sk_open(m, encr, integ, ke, ka)

    # Messages are processed in capture order, so an IKE SA's keys are known
    # before the CREATE_CHILD_SA that makes its successor is decrypted.
    pending_frag = {}
    child_wire = []  # CHILD_SAs as negotiated on the wire
    exch_req = {}
    seen = {}  # retransmissions repeat a datagram byte for byte
    for m in encrypted:
        sa = by_spis.get((m.spi_i, m.spi_r))
        if sa is None:
            sys.exit("frame %d: IKE SPIs %s/%s of no known IKE SA" % (m.frame, m.spi_i, m.spi_r))
        if "keys" not in sa:
            for side, bl in blocks.items():
                for b in bl:
                    if "sa" not in b and try_block(b, sa, m) is not None:
                        b["sa"] = sa
                        sa.setdefault("blocks", {})[side] = b
                        sa["keys"] = b
            if "keys" not in sa:
                sys.exit("frame %d: no logged key decrypts IKE SA %s/%s" % (m.frame, m.spi_i, m.spi_r))
        plain = try_block(sa["keys"], sa, m)
        if plain is None:
            sys.exit("frame %d: does not authenticate with its IKE SA's keys" % m.frame)
        m.plain, m.ike_sa = plain, sa
        sa["messages"].append(m)
        typ, off, num, total = m.sk
        m.inner_np = struct.unpack(">B", m.raw[off:off + 1])[0]
        if m.raw in seen:
            m.orig = seen[m.raw]
            continue
        seen[m.raw] = m
        if typ == 53:
            k = m.key()
            frag = pending_frag.setdefault(k, {})
            if num in frag:
                continue  # a retransmitted fragment
            frag[num] = m
            if len(frag) < total:
                continue
            parts = [frag[i] for i in range(1, total + 1)]
            plain = b"".join(p.plain for p in parts)
            np = parts[0].inner_np
            del pending_frag[k]
        else:
            parts = [m]
            np = m.inner_np
        pls = inner_payloads(np, plain)
        for p in parts:
            p.full = pls
        process_exchange(m, pls, sa, exch_req, child_wire, new_sa)
    if pending_frag:
        sys.exit("incomplete fragment sets: %s" % list(pending_frag))

    # Recompute every IKE SA's keys (RFC 7296 2.14; 2.18 for a rekeyed SA)
    # and check both logs logged the same.
    for sa in sas:
        if "keys" not in sa:
            sys.exit("IKE SA %s/%s: no encrypted message, no keys" % (sa["spi_i"], sa["spi_r"]))
        k = sa["keys"]
        for side, bl in blocks.items():
            twin = [b for b in bl if b is not k and b["skeyseed"] == k["skeyseed"]]
            if side not in sa["blocks"]:
                if len(twin) != 1:
                    sys.exit("IKE SA %s: peer %s did not log the same keys" % (sa["spi_i"], side))
                sa["blocks"][side] = twin[0]
                twin[0]["sa"] = sa
            for f in ("shared_secret", "skeyseed", "sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"):
                if sa["blocks"][side].get(f) != k.get(f):
                    sys.exit("IKE SA %s: peers logged different %s" % (sa["spi_i"], f))
        prf_id = sa["trans"][2][0]
        alg = PRF[prf_id]
        ni, nr = sa["nonce_i"], sa["nonce_r"]
        if sa["rekey_of"] is None:
            skeyseed = prf(alg, ni + nr, k["shared_secret"])
        else:
            skeyseed = prf(alg, sa["rekey_of"]["keys"]["sk_d"], k["shared_secret"] + ni + nr)
        if skeyseed != k["skeyseed"]:
            sys.exit("IKE SA %s: SKEYSEED does not recompute" % sa["spi_i"])
        sizes = [("sk_d", len(k["sk_d"])), ("sk_ai", len(k.get("sk_ai", b""))), ("sk_ar", len(k.get("sk_ar", b""))),
                 ("sk_ei", len(k["sk_ei"])), ("sk_er", len(k["sk_er"])), ("sk_pi", len(k["sk_pi"])),
                 ("sk_pr", len(k["sk_pr"]))]
        stream = prf_plus(alg, skeyseed, ni + nr + bytes.fromhex(sa["spi_i"]) + bytes.fromhex(sa["spi_r"]),
                          sum(n for _, n in sizes))
        off = 0
        for f, n in sizes:
            if n and stream[off:off + n] != k[f]:
                sys.exit("IKE SA %s: %s does not recompute" % (sa["spi_i"], f))
            off += n

    # CHILD_SAs: the logged blocks, keyed by SPI, checked against the wire
    # and KEYMAT recomputed from SK_d (2.17).
    cblocks = {side: log.child_blocks() for side, log in logs.items()}
    children = []
    for cw in child_wire:
        i2r, r2i = cw["spi_r"], cw["spi_i"]  # the responder's SPI carries i->r traffic
        found = {}
        for side, bl in cblocks.items():
            for b in bl:
                if {b["inbound"]["spi"], b["outbound"]["spi"]} == {i2r, r2i}:
                    found[side] = b
        if set(found) != set(logs):
            sys.exit("CHILD_SA %s/%s: not logged by both peers" % (i2r, r2i))
        first = found[sorted(found)[0]]
        for side, b in found.items():
            for f in ("shared_secret", "seed", "encr_i", "encr_r", "integ_i", "integ_r"):
                if b.get(f) != first.get(f):
                    sys.exit("CHILD_SA %s: peers logged different %s" % (i2r, f))
            init_side = cw["initiator"]
            want_out = i2r if side == init_side else r2i
            if b["outbound"]["spi"] != want_out:
                sys.exit("CHILD_SA %s: peer %s's outbound SPI is %s" % (i2r, side, b["outbound"]["spi"]))
        sa = cw["ike_sa"]
        alg = PRF[sa["trans"][2][0]]
        encr, kbits = cw["trans"][1]
        integ = cw["trans"].get(3, (0, 0))[0]
        seed = (first.get("shared_secret") or b"") + cw["nonce_i"] + cw["nonce_r"]
        if seed != first["seed"]:
            sys.exit("CHILD_SA %s: logged seed is not [g^ir] | Ni | Nr" % i2r)
        el, il = len(first["encr_i"]), len(first.get("integ_i", b""))
        km = prf_plus(alg, sa["keys"]["sk_d"], seed, 2 * (el + il))
        want = [km[:el], km[el:el + il], km[el + il:2 * el + il], km[2 * el + il:]]
        got = [first["encr_i"], first.get("integ_i", b""), first["encr_r"], first.get("integ_r", b"")]
        if want != got:
            sys.exit("CHILD_SA %s: KEYMAT does not recompute from SK_d" % i2r)
        cw["keys"] = first
        cw["blocks"] = found
        children.append(cw)

    # Every ESP packet decrypts with its SA.
    by_spi = {}
    for cw in children:
        k = cw["keys"]
        encr = cw["trans"][1][0]
        integ = cw["trans"].get(3, (0, 0))[0]
        ia, ra = cw["initiator_addr"], cw["responder_addr"]
        cw["esp"] = {
            "i2r": {"spi": cw["spi_r"], "src": ia, "dst": ra, "encr_key": k["encr_i"], "integ_key": k.get("integ_i"),
                    "frames": [], "inner": {}},
            "r2i": {"spi": cw["spi_i"], "src": ra, "dst": ia, "encr_key": k["encr_r"], "integ_key": k.get("integ_r"),
                    "frames": [], "inner": {}},
        }
        for dirn, e in cw["esp"].items():
            by_spi[e["spi"]] = (cw, e, encr, integ)
    inner_names = {4: "IPv4", 41: "IPv6", 59: "no next header"}
    for n, src, dst, p in esp:
        spi = p[:4].hex()
        if spi not in by_spi:
            sys.exit("frame %d: ESP SPI %s has no keys" % (n, spi))
        cw, e, encr, integ = by_spi[spi]
        if (src, dst) != (e["src"], e["dst"]):
            sys.exit("frame %d: ESP SPI %s from %s to %s, SA is %s to %s" % (n, spi, src, dst, e["src"], e["dst"]))
        r = esp_open(p, encr, integ, e["encr_key"], e["integ_key"])
        if r is None:
            sys.exit("frame %d: ESP SPI %s does not authenticate" % (n, spi))
        nh, payload = r
        name = inner_names.get(nh, str(nh))
        if nh == 4:
            name += "/" + {1: "ICMP"}.get(payload[9], str(payload[9]))
        elif nh == 41:
            name += "/" + {58: "ICMPv6"}.get(payload[6], str(payload[6]))
        e["frames"].append(n)
        e["inner"][name] = e["inner"].get(name, 0) + 1

    write(a, d, frames, ike, esp, keepalives, sas, children, logs)


def process_exchange(m, pls, sa, exch_req, child_wire, new_sa):
    """Learns CHILD_SAs and rekeyed IKE SAs from a decrypted exchange."""
    m.inner = pls
    for t, body in pls:
        if t == 39:  # AUTH: remember each peer's authentication methods, in order
            sa.setdefault("auth_methods", {}).setdefault(PEERS[m.src], []).append(body[0])
    k = (sa["spi_i"], sa["spi_r"], m.mid, m.initiator)
    if not m.response:
        exch_req[k] = (m, pls)
        if m.exchange == 35:
            # with EAP, the SA travels in the first IKE_AUTH request and the
            # responder's SA in the last response
            sa.setdefault("auth_req", []).append(pls)
        return
    req, rpls = exch_req.pop((sa["spi_i"], sa["spi_r"], m.mid, not m.initiator))
    rq = {}
    for t, body in rpls:
        rq.setdefault(t, []).append(body)
    rs = {}
    for t, body in pls:
        rs.setdefault(t, []).append(body)
    if m.exchange == 35 and 33 in rs:
        first = {}
        for t, body in [x for p in sa["auth_req"] for x in p]:
            first.setdefault(t, []).append(body)
        (proto, spi_r, trans), = parse_sa(rs[33][0])
        spi_i = [p for p in parse_sa(first[33][0]) if p[0] == proto][0][1]
        child_wire.append(dict(ike_sa=sa, created_by="IKE_AUTH", rekey_of=None, protocol=proto,
                               spi_i=spi_i, spi_r=spi_r, trans=trans, initiator=req_side(sa, req),
                               initiator_addr=req.src, responder_addr=req.dst,
                               nonce_i=sa["nonce_i"], nonce_r=sa["nonce_r"], frames=[req.frame, m.frame]))
    if m.exchange == 36 and 33 in rs:
        (proto, spi_r, trans), = parse_sa(rs[33][0])
        spi_i = [p for p in parse_sa(rq[33][0]) if p[0] == proto][0][1]
        if proto == 1:  # a new IKE SA (2.18)
            new_sa(spi_i=spi_i, spi_r=spi_r, initiator_addr=req.src, responder_addr=req.dst,
                         created_by="CREATE_CHILD_SA", rekey_of=sa, parent=sa,
                         nonce_i=rq[40][0], nonce_r=rs[40][0], trans=trans,
                         ke_i=rq[34][0][4:], ke_r=rs[34][0][4:],
                         rekey_frames=[req.frame, m.frame])
            return
        rekey_of = None
        for body in rq.get(41, []):
            ntype = struct.unpack(">H", body[2:4])[0]
            if ntype == 16393:  # REKEY_SA: the SPI the requester receives on
                rekey_of = body[4:4 + body[1]].hex()
        child_wire.append(dict(ike_sa=sa, created_by="CREATE_CHILD_SA", rekey_of=rekey_of, protocol=proto,
                               spi_i=spi_i, spi_r=spi_r, trans=trans, initiator=req_side(sa, req),
                               initiator_addr=req.src, responder_addr=req.dst,
                               nonce_i=rq[40][0], nonce_r=rs[40][0], frames=[req.frame, m.frame],
                               pfs=34 in rq))


def req_side(sa, req):
    return PEERS[req.src]


ESP_WS = {12: "AES-CBC [RFC3602]", 20: "AES-GCM with 16 octet ICV [RFC4106]",
          19: "AES-GCM with 12 octet ICV [RFC4106]", 18: "AES-GCM with 8 octet ICV [RFC4106]"}
ESP_WS_INTEG = {0: "NULL", 2: "HMAC-SHA-1-96 [RFC2404]", 12: "HMAC-SHA-256-128 [RFC4868]",
                13: "HMAC-SHA-384-192 [RFC4868]", 14: "HMAC-SHA-512-256 [RFC4868]"}
IKE_WS_INTEG = {0: "NONE [RFC4306]", 2: "HMAC_SHA1_96 [RFC2404]", 12: "HMAC_SHA2_256_128 [RFC4868]",
                13: "HMAC_SHA2_384_192 [RFC4868]", 14: "HMAC_SHA2_512_256 [RFC4868]"}


def ike_ws_encr(encr, bits):
    if encr == 12:
        return "AES-CBC-%d [RFC3602]" % bits
    if encr in (18, 19, 20):
        return "AES-GCM-%d with %d octet ICV [RFC5282]" % (bits, AEAD[encr])
    return None  # tshark 4.0 has no ChaCha20-Poly1305 for IKEv2 or ESP


def summary(types):
    return " ".join(PAYLOADS.get(t, str(t)) for t in types)


def write(a, d, frames, ike, esp, keepalives, sas, children, logs):
    # trimmed logs, with a map from raw line to trimmed line number
    lineno = {}
    for side, log in logs.items():
        text, idx = log.trimmed()
        open(os.path.join(d, "charon-%s.log" % side), "w").write(text)
        lineno[side] = idx
    version = ""
    for line in next(iter(logs.values())).lines[:5]:
        m = re.search(r"strongSwan (\d+\.\d+\.\d+)", line)
        if m:
            version = m.group(1)

    for i, sa in enumerate(sas):
        sa["id"] = "ike%d" % (i + 1)
    for i, cw in enumerate(children):
        cw["id"] = "child%d" % (i + 1)
    spi_child = {}
    for cw in children:
        spi_child[cw["spi_i"]] = cw
        spi_child[cw["spi_r"]] = cw

    ike_out, uat_ike = [], []
    for sa in sas:
        k = sa["keys"]
        encr, bits = sa["trans"][1]
        prf_id = sa["trans"][2][0]
        integ = sa["trans"].get(3, (0, 0))[0]
        ke = sa["trans"][4][0]
        msgs = []
        for m in sorted(sa["messages"], key=lambda m: m.frame):
            e = {"frame": m.frame, "exchange": m.exchange, "exchange_name": EXCHANGES.get(m.exchange, str(m.exchange)),
                 "message_id": m.mid, "initiator": m.initiator, "response": m.response,
                 "from": PEERS[m.src], "udp_encap": m.dport == 4500 or m.sport == 4500,
                 "payloads": [t for t, _, _ in m.payloads]}
            if m.sk:
                typ, off, num, total = m.sk
                e["encrypted"] = True
                if typ == 53:
                    e["fragment"], e["fragments"] = num, total
                e["inner"] = [t for t, _ in (m.orig or m).full]
                if m.orig:
                    e["retransmission"] = True
            e["summary"] = summary(e.get("inner", e["payloads"]))
            msgs.append(e)
        ws = ike_ws_encr(encr, bits)
        line = None
        if ws:
            line = '%s,%s,%s,%s,"%s",%s,%s,"%s"' % (sa["spi_i"], sa["spi_r"], hx(k["sk_ei"]), hx(k["sk_er"]), ws,
                                                      hx(k.get("sk_ai")), hx(k.get("sk_ar")), IKE_WS_INTEG[integ])
            uat_ike.append(line)
        init_side = PEERS[sa["initiator_addr"]]
        o = {
            "id": sa["id"], "spi_i": sa["spi_i"], "spi_r": sa["spi_r"],
            "initiator": init_side, "initiator_addr": sa["initiator_addr"], "responder_addr": sa["responder_addr"],
            "created_by": sa["created_by"], "rekey_of": sa["rekey_of"]["id"] if sa["rekey_of"] else None,
            "encr": encr, "encr_name": ENCR_NAMES[encr], "encr_key_bits": bits,
            "prf": prf_id, "prf_name": PRF_NAMES[prf_id], "integ": integ, "integ_name": INTEG_NAMES[integ],
            "ke": ke, "ke_name": KE_NAMES[ke],
            "nonce_i": hx(sa["nonce_i"]), "nonce_r": hx(sa["nonce_r"]), "ke_i": hx(sa["ke_i"]), "ke_r": hx(sa["ke_r"]),
            "shared_secret": hx(k["shared_secret"]), "skeyseed": hx(k["skeyseed"]),
            "sk_d": hx(k["sk_d"]), "sk_ai": hx(k.get("sk_ai")), "sk_ar": hx(k.get("sk_ar")),
            "sk_ei": hx(k["sk_ei"]), "sk_er": hx(k["sk_er"]), "sk_pi": hx(k["sk_pi"]), "sk_pr": hx(k["sk_pr"]),
            "log_lines": {side: lineno[side][b["line"] - 1] for side, b in sorted(sa["blocks"].items())},
            "auth_methods": sa.get("auth_methods", {}),
            "messages": msgs,
            "wireshark": line,
        }
        if sa.get("rekey_frames"):
            o["created_in_frames"] = sa["rekey_frames"]
        ike_out.append(o)

    child_out, uat_esp = [], []
    esp_count = {}
    for cw in children:
        encr, bits = cw["trans"][1]
        integ = cw["trans"].get(3, (0, 0))[0]
        ke = cw["trans"].get(4, (0, 0))[0]
        esn = cw["trans"].get(5, (0, 0))[0]
        k = cw["keys"]
        sas_out = []
        for dirn in ("i2r", "r2i"):
            e = cw["esp"][dirn]
            fam = "IPv6" if ":" in e["src"] else "IPv4"
            line = None
            if encr in ESP_WS:
                line = '"%s","%s","%s","0x%s","%s","0x%s","%s","%s"' % (
                    fam, e["src"], e["dst"], e["spi"], ESP_WS[encr], hx(e["encr_key"]), ESP_WS_INTEG[integ],
                    "0x" + hx(e["integ_key"]) if e["integ_key"] else "")
                uat_esp.append(line)
            sas_out.append({"direction": dirn, "spi": e["spi"], "src": e["src"], "dst": e["dst"],
                            "from": PEERS[e["src"]],
                            "encr_key": hx(e["encr_key"]), "integ_key": hx(e["integ_key"]),
                            "frames": e["frames"], "packets": len(e["frames"]), "inner": e["inner"],
                            "wireshark": line})
            name = ENCR_NAMES[encr] + ("" if integ == 0 else "+" + INTEG_NAMES[integ])
            esp_count[name] = esp_count.get(name, 0) + len(e["frames"])
        rk = None
        if cw["rekey_of"]:
            rk = spi_child[cw["rekey_of"]]["id"]
        child_out.append({
            "id": cw["id"], "ike_sa": cw["ike_sa"]["id"], "created_by": cw["created_by"], "rekey_of": rk,
            "initiator": cw["initiator"], "exchange_frames": cw["frames"],
            "strongswan_name": {side: "%s{%d}" % (b["name"], b["unique_id"]) for side, b in sorted(cw["blocks"].items())},
            "log_lines": {side: lineno[side][b["line"] - 1] for side, b in sorted(cw["blocks"].items())},
            "protocol": {3: "ESP", 2: "AH"}[cw["protocol"]], "protocol_id": cw["protocol"], "mode": "tunnel",
            "udp_encap": True, "esn": bool(esn),
            "encr": encr, "encr_name": ENCR_NAMES[encr], "encr_key_bits": bits,
            "integ": integ, "integ_name": INTEG_NAMES[integ], "ke": ke, "ke_name": KE_NAMES[ke],
            "nonce_i": hx(cw["nonce_i"]), "nonce_r": hx(cw["nonce_r"]),
            "shared_secret": hx(k.get("shared_secret")), "keymat_seed": hx(k["seed"]),
            "spi_i": cw["spi_i"], "spi_r": cw["spi_r"],
            "sas": sas_out,
        })

    peers = {}
    for addr, side in sorted(PEERS.items(), key=lambda x: x[1]):
        peers[side] = {"address": addr}
    for spec in a.id:
        side, v = spec.split("=", 1)
        peers[side]["id"] = v
    for spec in a.auth:
        side, method = spec.split("=", 1)
        au = {"method": method}
        if method == "pubkey":
            au["cert"] = "certs/%s.crt" % side
            au["key"] = "certs/%s.key" % side
            au["ca"] = "certs/ca.crt"
        if method == "psk":
            au["psk"] = a.psk
        if method == "eap-md5":
            ident, secret = a.eap.split(":", 1)
            au["eap_identity"], au["eap_secret"] = ident, secret
        peers[side]["auth"] = au

    skf = sum(1 for m in ike if m.sk and m.sk[0] == 53)
    out = {
        "scenario": a.scenario, "description": a.description, "strongswan_version": version,
        "capture": "capture.pcap", "logs": {side: "charon-%s.log" % side for side in sorted(logs)},
        "peers": peers,
        "counts": {"frames": len(frames), "ike_messages": len(ike), "ike_encrypted": sum(1 for m in ike if m.sk),
                   "skf_fragments": skf, "esp": len(esp), "nat_keepalives": keepalives,
                   "ike_sas": len(sas), "child_sas": len(children), "esp_by_algorithm": esp_count,
                   "ike_rekeys": sum(1 for s in sas if s["rekey_of"]),
                   "child_rekeys": sum(1 for c in children if c["rekey_of"])},
        "ike_sas": ike_out, "child_sas": child_out,
    }
    with open(os.path.join(d, "keys.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    note = ("# Generated by testdata/gen/strongswan.sh from strongSwan's own logs (%s).\n"
            "# Pass each line to tshark as -o 'uat:%s:LINE' or copy the file into a profile as %s.\n")
    with open(os.path.join(d, "esp_sa.uat"), "w") as f:
        f.write(note % (a.scenario, "esp_sa", "esp_sa"))
        if any(c["encr"] not in ESP_WS for c in child_out):
            f.write("# tshark 4.0 has no ChaCha20-Poly1305: those SAs are only in keys.json.\n")
        for line in uat_esp:
            f.write(line + "\n")
    with open(os.path.join(d, "ikev2_decryption_table.uat"), "w") as f:
        f.write(note % (a.scenario, "ikev2_decryption_table", "ikev2_decryption_table"))
        if any(s["wireshark"] is None for s in ike_out):
            f.write("# tshark 4.0 has no ChaCha20-Poly1305: those IKE SAs are only in keys.json.\n")
        for line in uat_ike:
            f.write(line + "\n")
    args = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]
    for line in uat_esp:
        args += ["-o", "uat:esp_sa:" + line]
    for line in uat_ike:
        args += ["-o", "uat:ikev2_decryption_table:" + line]
    with open(os.path.join(d, "capture.tshark.args"), "w") as f:
        f.write("\n".join(args) + "\n")
    print("%s: %d frames, %d IKE messages (%d encrypted, %d SKF), %d ESP %s, %d IKE SAs, %d CHILD_SAs" % (
        a.scenario, len(frames), len(ike), out["counts"]["ike_encrypted"], skf, len(esp),
        json.dumps(esp_count), len(sas), len(children)))


def check_tshark(d):
    """tshark with capture.tshark.args must decrypt every ESP packet and every
    SK/SKF payload of the SAs it has keys for, with integrity verified where
    tshark checks it (HMAC for ESP; every IKEv2 ICV)."""
    keys = json.load(open(os.path.join(d, "keys.json")))
    args = open(os.path.join(d, "capture.tshark.args")).read().splitlines()
    env = dict(os.environ, LC_ALL="C", HOME=d + "/.nohome")
    out = subprocess.run(["tshark", "-n", "-r", os.path.join(d, "capture.pcap"), "-V"] + args,
                         capture_output=True, text=True, env=env, check=True).stdout
    frames = {}
    cur = None
    for line in out.splitlines():
        m = re.match(r"^Frame (\d+):", line)
        if m:
            cur = int(m.group(1))
            frames[cur] = []
        elif cur:
            frames[cur].append(line)
    bad, checked_esp, checked_ike = [], 0, 0
    for c in keys["child_sas"]:
        for sa in c["sas"]:
            if not sa["wireshark"]:
                continue
            for n in sa["frames"]:
                text = "\n".join(frames[n])
                ok = "ESP Decrypted Data" in text and ("Checksum Status: Good" in text)
                if c["integ"] != 0:
                    ok = ok and "[Good: True]" in text
                if not ok:
                    bad.append("frame %d: ESP SPI %s not decrypted/verified by tshark" % (n, sa["spi"]))
                checked_esp += 1
    for s in keys["ike_sas"]:
        if not s["wireshark"]:
            continue
        for m in s["messages"]:
            if not m.get("encrypted"):
                continue
            text = "\n".join(frames[m["frame"]])
            if not re.search(r"Integrity Checksum Data: [0-9a-f]+ \(\d+ bytes\)[^\n]*\[correct\]", text) or \
                    "Decrypted Data" not in text:
                bad.append("frame %d: IKE message not decrypted/verified by tshark" % m["frame"])
            checked_ike += 1
    if "decryption failed" in out.lower() or "incorrect" in out.lower():
        bad.append("tshark reports a failed decryption or an incorrect checksum")
    if bad:
        sys.exit("\n".join(bad))
    print("%s: tshark decrypted and verified %d ESP packets and %d encrypted IKE messages" % (
        keys["scenario"], checked_esp, checked_ike))


if __name__ == "__main__":
    main()
