#!/usr/bin/python3
# Writes testdata/ikev2/auth-vectors.json: AUTH payload signatures made by
# OpenSSL (python3-cryptography) over fixed octets, for the ikev2 package's
# signature tests to verify (and, for the deterministic schemes, to equal).
# Test keys only, generated fresh here; they protect nothing.
#
#   /usr/bin/python3 testdata/gen/ikev2-auth-vectors.py > testdata/ikev2/auth-vectors.json
import hashlib, hmac, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519, padding, utils

octets = hashlib.sha512(b"tunnelcodec ikev2 signed octets").digest() * 3  # 192 octets

def spki(k):
    return k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex()

def pkcs8(k):
    return k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).hex()

# DER AlgorithmIdentifiers (RFC 7427 Appendix A; RSASSA-PSS in the DER form of
# RFC 4055, trailerField omitted as DEFAULT; RFC 8420 for Ed25519).
algid = {
    "sha1WithRSAEncryption": "300d06092a864886f70d0101050500",
    "sha256WithRSAEncryption": "300d06092a864886f70d01010b0500",
    "sha384WithRSAEncryption": "300d06092a864886f70d01010c0500",
    "sha512WithRSAEncryption": "300d06092a864886f70d01010d0500",
    "RSASSA-PSS-SHA256": "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
    "ecdsa-with-SHA256": "300a06082a8648ce3d040302",
    "ecdsa-with-SHA384": "300a06082a8648ce3d040303",
    "ecdsa-with-SHA512": "300a06082a8648ce3d040304",
    "Ed25519": "300506032b6570",
}

rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
keys = {"rsa2048": rsa_key, "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()), "p521": ec.generate_private_key(ec.SECP521R1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate()}

def raw_ecdsa(k, h, size):
    r, s = utils.decode_dss_signature(k.sign(octets, ec.ECDSA(h)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")

def with_algid(name, sig):
    a = bytes.fromhex(algid[name])
    return bytes([len(a)]) + a + sig

cases = [
    ("RSA Digital Signature (method 1, PKCS#1 v1.5, SHA-1)", 1, "rsa2048", "", True,
     rsa_key.sign(octets, padding.PKCS1v15(), hashes.SHA1())),
    ("ECDSA SHA-256 P-256 (method 9, RFC 4754)", 9, "p256", "", False, raw_ecdsa(keys["p256"], hashes.SHA256(), 32)),
    ("ECDSA SHA-384 P-384 (method 10)", 10, "p384", "", False, raw_ecdsa(keys["p384"], hashes.SHA384(), 48)),
    ("ECDSA SHA-512 P-521 (method 11)", 11, "p521", "", False, raw_ecdsa(keys["p521"], hashes.SHA512(), 66)),
]
for name, h in [("sha1WithRSAEncryption", hashes.SHA1()), ("sha256WithRSAEncryption", hashes.SHA256()),
                ("sha384WithRSAEncryption", hashes.SHA384()), ("sha512WithRSAEncryption", hashes.SHA512())]:
    cases.append(("Digital Signature " + name, 14, "rsa2048", name, True,
                  with_algid(name, rsa_key.sign(octets, padding.PKCS1v15(), h))))
cases.append(("Digital Signature RSASSA-PSS-SHA256", 14, "rsa2048", "RSASSA-PSS-SHA256", False,
              with_algid("RSASSA-PSS-SHA256", rsa_key.sign(octets, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()))))
for name, key, h in [("ecdsa-with-SHA256", "p256", hashes.SHA256()), ("ecdsa-with-SHA384", "p384", hashes.SHA384()),
                     ("ecdsa-with-SHA512", "p521", hashes.SHA512())]:
    cases.append(("Digital Signature " + name, 14, key, name, False, with_algid(name, keys[key].sign(octets, ec.ECDSA(h)))))
cases.append(("Digital Signature Ed25519 (RFC 8420)", 14, "ed25519", "Ed25519", True,
              with_algid("Ed25519", keys["ed25519"].sign(octets))))

# Shared-key AUTH (RFC 7296 2.15) with HMAC from Python's hashlib.
psk = []
for prf, hname in [(2, "sha1"), (5, "sha256"), (6, "sha384"), (7, "sha512")]:
    secret = b"tunnelcodec test pre-shared key"
    pad = hmac.new(secret, b"Key Pad for IKEv2", hname).digest()
    psk.append({"prf": prf, "secret": secret.hex(), "auth": hmac.new(pad, octets, hname).hexdigest()})

json.dump({
    "generator": "testdata/gen/ikev2-auth-vectors.py with python3-cryptography (OpenSSL) and hashlib",
    "octets": octets.hex(),
    "keys": {n: {"spki": spki(k), "pkcs8": pkcs8(k)} for n, k in keys.items()},
    "algorithm_identifiers": algid,
    "signatures": [{"name": n, "method": m, "key": k, "algorithm": a, "deterministic": d, "auth_data": s.hex()}
                   for n, m, k, a, d, s in cases],
    "psk": psk,
}, sys.stdout, indent=1)
print()
