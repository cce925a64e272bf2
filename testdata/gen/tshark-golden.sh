#!/usr/bin/env bash
# Saves tshark's decode of captures as the expected answer for the
# conformance harness (internal/testutil).
#
#   tshark-golden.sh CAPTURE...            writes CAPTURE's .tshark.json beside it
#   tshark-golden.sh -o DIR CAPTURE...     writes DIR/<name>.tshark.json instead
#                                          (for the public vectors, which live
#                                          outside the repository)
#
# The decode is `tshark -T json --no-duplicate-keys`, limited with -J to the
# protocols our tests compare (so the files stay small), with checksum
# validation on. Extra tshark arguments for one capture (a decode-as rule, a
# key table) go in <name>.tshark.args beside the output, one argument a line.
set -euo pipefail
outdir=""
if [[ ${1:-} == -o ]]; then outdir=$2; shift 2; fi
protos=${TSHARK_PROTOS:-"ip ipv6 udp vxlan nsh gre erspan pptp esp ah isakmp udpencap sstp openvpn _ws.malformed"}
for cap in "$@"; do
	name=$(basename "$cap"); name=${name%.*}
	dir=${outdir:-$(dirname "$cap")}
	json="$dir/$name.tshark.json"
	args=()
	if [[ -f "$dir/$name.tshark.args" ]]; then
		mapfile -t args < "$dir/$name.tshark.args"
	fi
	HOME=$(mktemp -d) LC_ALL=C tshark -n -r "$cap" -T json --no-duplicate-keys \
		-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		${args[@]+"${args[@]}"} -J "$protos" |
		python3 -c 'import json, sys; json.dump(json.load(sys.stdin), sys.stdout, separators=(",", ":"))' > "$json"
	echo "$json: $(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$json") frames"
done
