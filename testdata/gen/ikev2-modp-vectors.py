#!/usr/bin/python3
# Writes testdata/ikev2/modp-vectors.json: Diffie-Hellman in the RFC 3526
# MODP groups 14-18 computed with Python's own big integers (pow), for the
# ikev2 package's KeyExchange tests. The primes are derived from pi as RFC
# 3526 defines them (mpmath), not taken from the package.
#
#   /usr/bin/python3 testdata/gen/ikev2-modp-vectors.py > testdata/ikev2/modp-vectors.json
import hashlib, json, sys
from mpmath import mp, mpf, floor, pi

mp.prec = 9000
groups = {14: (2048, 124476), 15: (3072, 1690314), 16: (4096, 240904), 17: (6144, 929484), 18: (8192, 4743158)}
out = []
for g, (n, k) in groups.items():
    p = 2**n - 2**(n - 64) - 1 + 2**64 * (int(floor(mpf(2)**(n - 130) * pi)) + k)
    size = n // 8
    xi = int.from_bytes(hashlib.sha512(b"initiator %d" % g).digest()[:40], "big")
    xr = int.from_bytes(hashlib.sha512(b"responder %d" % g).digest()[:40], "big")
    yi, yr = pow(2, xi, p), pow(2, xr, p)
    z = pow(yr, xi, p)
    assert z == pow(yi, xr, p)
    out.append({"group": g, "xi": format(xi, "x"), "xr": format(xr, "x"),
                "yi": yi.to_bytes(size, "big").hex(), "yr": yr.to_bytes(size, "big").hex(),
                "shared": z.to_bytes(size, "big").hex()})
json.dump({"generator": "testdata/gen/ikev2-modp-vectors.py (Python pow, primes from pi via mpmath)",
           "vectors": out}, sys.stdout, indent=1)
print()
