#!/usr/bin/env bash
# Writes tshark's decode of the public IPsec captures (../shared/vectors/ipsec)
# into testdata/vectors/ipsec: a .tshark.args file per keyed capture, holding
# the esp_sa lines from the key files beside the capture (SOURCES.md: tcpdump's
# espudp1 uses the 02-sunrise key, so each capture gets its own table), then
# tshark-golden.sh. The large nDPI capture is decoded with fewer protocols
# and without esp.encrypted_data and udp.payload, which no test compares, to stay small.
#
#   testdata/gen/ipsec-golden.sh [VECTORS_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
V=${1:-$here/../../../shared/vectors/ipsec}
out=$here/../vectors/ipsec
mkdir -p "$out"
mkargs() { # capture-name uat-file
	{
		printf -- '-o\nesp.enable_encryption_decode:TRUE\n-o\nesp.enable_authentication_check:TRUE\n'
		grep -v '^#' "$2" | grep . | while IFS= read -r l; do printf -- '-o\nuat:esp_sa:%s\n' "$l"; done
	} >"$out/$1.tshark.args"
}
for c in tcpdump-02-sunrise-sunset-esp tcpdump-08-sunrise-sunset-esp2 tcpdump-08-sunrise-sunset-aes tcpdump-espudp1; do
	mkargs "$c" "$V/$c.esp_sa.uat"
done
for c in kaorimatz-esp-transport__ping__veth2 kaorimatz-esp-tunnel-policy__ping__veth2 kaorimatz-esp-tunnel-route__ping__veth2; do
	mkargs "$c" "$V/kaorimatz-esp.esp_sa.uat"
done
big=ndpi-ipsec_isakmp_esp
small=()
for f in "$V"/*.pcap "$V"/*.pcapng; do
	[[ $(basename "$f") == $big.* ]] || small+=("$f")
done
"$here/tshark-golden.sh" -o "$out" "${small[@]}"
TSHARK_PROTOS="udp esp ah udpencap _ws.malformed" "$here/tshark-golden.sh" -o "$out" "$V/$big.pcap"
python3 - "$out/$big.tshark.json" <<'PY'
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("esp.encrypted_data", "udp.payload")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
d = strip(json.load(open(sys.argv[1])))
json.dump(d, open(sys.argv[1], "w"), separators=(",", ":"))
PY
