#!/usr/bin/env bash
# Makes testdata/vxlan/kernel-*.pcap with the Linux kernel's vxlan driver:
# two network namespaces joined by a veth pair, documentation address ranges
# only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), ping
# and a short TCP transfer through each tunnel, captured on the underlay with
# tcpdump; then tshark's decode of each capture is saved beside it.
#
# Needs root, iproute2, tcpdump, tshark and python3. Every loop is bounded and
# every process it starts is ended by PID. Run from anywhere:
#   testdata/gen/vxlan.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../vxlan" && pwd)
A=tcvx-a B=tcvx-b
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for ns in tcvx-a tcvx-b tcvx-c tcvx-d; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup

# pair NS_A NS_B: two namespaces joined by veth va/vb, 192.0.2.1-2 and 2001:db8::1-2
pair() {
	ip netns add "$1"
	ip netns add "$2"
	ip link add va netns "$1" type veth peer name vb netns "$2"
	for ns in "$1" "$2"; do ip -n "$ns" link set lo up; done
	ip -n "$1" addr add 192.0.2.1/24 dev va
	ip -n "$2" addr add 192.0.2.2/24 dev vb
	ip -n "$1" addr add 2001:db8::1/64 dev va nodad
	ip -n "$2" addr add 2001:db8::2/64 dev vb nodad
	ip -n "$1" link set va up
	ip -n "$2" link set vb up
}
pair tcvx-a tcvx-b
# A vxlan socket is shared per UDP port and must agree on its flags, so the
# gbp tunnel on 4789 lives in a second pair of namespaces.
pair tcvx-c tcvx-d

# tunnel NAME ID OVERLAY_A OVERLAY_B EXTRA... : the same vxlan device on both sides
tunnel() {
	local name=$1 id=$2 oa=$3 ob=$4
	shift 4
	local la=192.0.2.1 lb=192.0.2.2
	if [[ $name == *6 ]]; then la=2001:db8::1 lb=2001:db8::2; fi
	# "dev" lets the kernel size the tunnel MTU (1450 over IPv4, 1430 over
	# IPv6) so the underlay never fragments.
	ip -n "$A" link add "$name" type vxlan id "$id" local "$la" remote "$lb" dev va "$@"
	ip -n "$B" link add "$name" type vxlan id "$id" local "$lb" remote "$la" dev vb "$@"
	ip -n "$A" addr add "$oa" dev "$name"
	ip -n "$B" addr add "$ob" dev "$name"
	ip -n "$A" link set "$name" up
	ip -n "$B" link set "$name" up
}
tunnel vx4 100 198.51.100.1/26 198.51.100.2/26 dstport 4789
tunnel vx6 200 198.51.100.65/26 198.51.100.66/26 dstport 4789
ip -n "$A" addr add 2001:db8:200::1/64 dev vx6 nodad
ip -n "$B" addr add 2001:db8:200::2/64 dev vx6 nodad
A=tcvx-c B=tcvx-d tunnel vxgbp4 300 198.51.100.129/26 198.51.100.130/26 dstport 4789 gbp

# GPE devices are layer 3 and need collect-metadata ("external") mode: the
# VNI and remote come from a lightweight-tunnel route.
for ns in "$A" "$B"; do
	ip -n "$ns" link add vxgpe type vxlan gpe external dstport 4790
	ip -n "$ns" link set vxgpe mtu 1450
	ip -n "$ns" link set vxgpe up
done
ip -n "$A" addr add 203.0.113.1/32 dev vxgpe
ip -n "$B" addr add 203.0.113.2/32 dev vxgpe
ip -n "$A" route add 203.0.113.2/32 encap ip id 400 dst 192.0.2.2 dev vxgpe
ip -n "$B" route add 203.0.113.1/32 encap ip id 400 dst 192.0.2.1 dev vxgpe
ip -n "$A" addr add 2001:db8:400::1/128 dev vxgpe nodad
ip -n "$B" addr add 2001:db8:400::2/128 dev vxgpe nodad
ip -n "$A" route add 2001:db8:400::2/128 encap ip id 401 dst 192.0.2.2 dev vxgpe
ip -n "$B" route add 2001:db8:400::1/128 encap ip id 401 dst 192.0.2.1 dev vxgpe
sleep 1

# A TCP sink in B on every overlay address, closed after one transfer or 10 s.
sink() {
	ip netns exec "$B" timeout 10 python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(10)
c, _ = s.accept(); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.sendall(b"got %d\n" % n); c.close()' "$1" &
	pids+=($!)
	sleep 0.5
}
send() {
	ip netns exec "$A" timeout 10 python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.create_connection((sys.argv[1], 5001), timeout=5)
s.sendall(bytes(range(256)) * 16); s.shutdown(socket.SHUT_WR); print(s.recv(100).decode().strip())' "$1"
}

# capture NAME FILTER CMD... : run CMD while tcpdump records the underlay
capture() {
	local name=$1 filter=$2
	shift 2
	local ns=$A
	if [[ $name == *gbp* ]]; then ns=tcvx-c; fi
	ip netns exec "$ns" tcpdump -i va -U -s 0 -w "$out/$name.pcap" "$filter" 2>/dev/null &
	local tp=$!
	pids+=($tp)
	sleep 1
	"$@"
	sleep 1
	kill "$tp"
	wait "$tp" 2>/dev/null || true
	echo "$name: $(tshark -r "$out/$name.pcap" 2>/dev/null | wc -l) packets"
}

run_ipv4() {
	ip netns exec "$A" ping -c 3 -i 0.2 198.51.100.2 >/dev/null
	sink 198.51.100.2
	send 198.51.100.2
}
run_ipv6() {
	ip netns exec "$A" ping -c 2 -i 0.2 198.51.100.66 >/dev/null
	ip netns exec "$A" ping -c 2 -i 0.2 2001:db8:200::2 >/dev/null
	sink 2001:db8:200::2
	send 2001:db8:200::2
}
run_gbp() {
	local A=tcvx-c
	# With gbp, the kernel takes the Group Policy ID from the packet mark, and
	# the D and A bits from mark bits 22 and 19 (VXLAN_GBP_DONT_LEARN,
	# VXLAN_GBP_POLICY_APPLIED): 0x480123 sends ID 0x0123 with D and A set.
	ip netns exec "$A" ping -c 2 -i 0.2 -m $((0x0123)) 198.51.100.130 >/dev/null
	ip netns exec "$A" ping -c 2 -i 0.2 -m $((0x480123)) 198.51.100.130 >/dev/null
	ip netns exec "$A" ping -c 2 -i 0.2 -m $((0x400abc)) 198.51.100.130 >/dev/null
}
run_gpe() {
	ip netns exec "$A" ping -c 3 -i 0.2 -I 203.0.113.1 203.0.113.2 >/dev/null
	ip netns exec "$A" ping -c 2 -i 0.2 -I 2001:db8:400::1 2001:db8:400::2 >/dev/null
	sink 203.0.113.2
	send 203.0.113.2
}

# ethtool is not always there: turn segmentation offload off through the
# feature flags of the devices so the capture sees wire-sized packets.
for ns in tcvx-a tcvx-b tcvx-c tcvx-d; do
	for dev in va vb; do
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off 2>/dev/null || true
	done
done

capture kernel-ipv4 "ip and udp port 4789" run_ipv4
capture kernel-ipv6 "ip6 and udp port 4789" run_ipv6
capture kernel-gbp "ip and udp port 4789" run_gbp
capture kernel-gpe "udp port 4790" run_gpe

"$here/tshark-golden.sh" "$out"/kernel-*.pcap
