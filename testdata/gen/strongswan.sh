#!/usr/bin/env bash
# Makes testdata/strongswan/<scenario>/ with strongSwan as a real IKEv2/ESP
# peer: two charon daemons, each in its own network namespace (joined by a
# veth pair) and its own mount namespace (a private /run, since charon's pid
# file and vici socket paths are fixed, and /etc/swanctl and
# /etc/strongswan.conf bind-mounted from a per-instance directory). ESP runs
# in userspace through the kernel-libipsec plugin (TUN device, always UDP
# encapsulated on port 4500, no ESN), so the kernel needs no ESP/XFRM.
#
# charon logs with "ike 4, chd 4", which prints the shared Diffie-Hellman
# secret, SKEYSEED, every SK_* key and the CHILD_SA keys. The underlay is
# captured with tcpdump while pings cross the tunnel. Then
# strongswan-keys.py ties every logged key to its IKE_SA/CHILD_SA in the
# capture, recomputes SKEYSEED/SK_*/KEYMAT from the logged DH secrets and the
# nonces on the wire, decrypts every ESP packet and every SK/SKF payload
# (python3-cryptography), and writes keys.json and Wireshark's esp_sa and
# ikev2_decryption_table UAT lines. tshark's decode WITH those keys is saved
# as capture.tshark.json and the script checks tshark decrypted every ESP
# packet and every encrypted IKE message it has the algorithm for (tshark 4.0
# has no ChaCha20-Poly1305).
#
# Usage (root; needs charon, swanctl, pki, iproute2, tcpdump, tshark,
# /usr/bin/python3 with python3-cryptography):
#   testdata/gen/strongswan.sh [-o OUTDIR] [-l] [-k] [SCENARIO...]
#     -o OUTDIR  write OUTDIR/<scenario>/ (default testdata/strongswan)
#     -l         list the scenarios and exit
#     -k         keep each run's work directory (raw logs, configs) and say where
#   With no SCENARIO, all of them. Re-running replaces a scenario's directory.
#
# Only documentation addresses are used (192.0.2.0/24, 2001:db8::/32
# underlay; 198.51.100.0/24, 203.0.113.0/24, 2001:db8:100::/64 inside the
# tunnels). Namespaces are named tcsw-<pid>-a/b; every wait is bounded and
# every process is ended by its PID.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../strongswan
charon=${CHARON:-/usr/lib/ipsec/charon}
py=/usr/bin/python3

scenarios=(psk-aesgcm ecdsa-aescbc-frag rsa-chacha-frag eap-md5-ipv6)
describe() {
	case $1 in
	psk-aesgcm) echo "PSK; IKE AES-GCM-16-256/PRF-HMAC-SHA2-256/MODP-2048; ESP AES-GCM-16-128; CHILD_SA rekey with PFS (MODP-2048) and IKE_SA rekey by the initiator; delete" ;;
	ecdsa-aescbc-frag) echo "ECDSA P-384 certificates (RFC 7427 signatures); IKE AES-CBC-256/HMAC-SHA2-256-128/PRF-HMAC-SHA2-256/ECP-384; ESP AES-CBC-256/HMAC-SHA2-256-128; forced IKE fragmentation (SKF); CHILD_SA and IKE_SA rekeyed by the responder; delete" ;;
	rsa-chacha-frag) echo "RSA-2048 certificates (classic RSA AUTH, RFC 7427 off); IKE ChaCha20-Poly1305/PRF-HMAC-SHA2-512/Curve25519; ESP ChaCha20-Poly1305 plus a second CHILD_SA with AES-CBC-128/HMAC-SHA1-96; forced IKE fragmentation (SKF); IKE_SA rekey; delete" ;;
	eap-md5-ipv6) echo "IPv6 underlay; EAP-MD5 (with EAP-Identity) initiator, RSA-PSS certificate responder; IKE AES-GCM-16-128/PRF-HMAC-SHA2-384/ECP-256; ESP AES-GCM-16-256 (IPv4 inside) and AES-CBC-128/HMAC-SHA2-384-192 (IPv6 inside, a second CHILD_SA); CHILD_SA delete, then IKE delete" ;;
	*) return 1 ;;
	esac
}

keep=""
while getopts "o:lk" opt; do
	case $opt in
	o) out=$OPTARG ;;
	k) keep=1 ;;
	l)
		for s in "${scenarios[@]}"; do echo "$s: $(describe "$s")"; done
		exit 0
		;;
	*) echo "usage: $0 [-o OUTDIR] [-l] [-k] [SCENARIO...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
want=("$@")
if ((${#want[@]} == 0)); then want=("${scenarios[@]}"); fi
for s in "${want[@]}"; do
	describe "$s" >/dev/null || { echo "unknown scenario $s (have: ${scenarios[*]})" >&2; exit 2; }
done
if ((EUID != 0)); then echo "$0: needs root (network and mount namespaces)" >&2; exit 1; fi
for tool in "$charon" swanctl pki ip tcpdump tshark nsenter unshare "$py"; do
	command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

A=tcsw-$$-a B=tcsw-$$-b
work=""
pids=()
declare -A cpid=()

cleanup() {
	local p i
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for i in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	pids=()
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	if [[ -n $work && -z $keep ]]; then rm -rf "$work"; fi
	if [[ -n $work && -n $keep ]]; then echo "kept $work" >&2; fi
	work=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- network --
# net v4|v6: namespaces A and B joined by veth va/vb, offloads off so the
# capture holds wire checksums, IPv6 DAD off so no late address events make
# charon send MOBIKE updates at random times.
net() {
	ip netns add "$A"
	ip netns add "$B"
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		ip -n "$ns" link set lo up
	done
	ip link add va netns "$A" type veth peer name vb netns "$B"
	ip -n "$A" addr add 192.0.2.1/24 dev va
	ip -n "$B" addr add 192.0.2.2/24 dev vb
	ip -n "$A" addr add 2001:db8::1/64 dev va nodad
	ip -n "$B" addr add 2001:db8::2/64 dev vb nodad
	ip netns exec "$A" ethtool -K va tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	ip netns exec "$B" ethtool -K vb tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	ip -n "$A" link set va up
	ip -n "$B" link set vb up
	# tunnel-inner addresses live on lo; charon routes the peer's through ipsec0
	ip -n "$A" addr add 198.51.100.1/32 dev lo
	ip -n "$B" addr add 198.51.100.2/32 dev lo
	ip -n "$A" addr add 203.0.113.1/32 dev lo
	ip -n "$B" addr add 203.0.113.2/32 dev lo
	ip -n "$A" addr add 2001:db8:100::1/128 dev lo nodad
	ip -n "$B" addr add 2001:db8:100::2/128 dev lo nodad
}

# ---------------------------------------------------------------- configs --
ID_A=a.tunnelcodec.example ID_B=b.tunnelcodec.example
PSK=tunnelcodec-test-psk-not-secret
EAP_ID=alice@tunnelcodec.example EAP_SECRET=tunnelcodec-test-eap-md5

# strongswan_conf SIDE EXTRA: charon with exactly the plugins it needs.
strongswan_conf() {
	local side=$1 extra=$2
	cat >"$work/$side/strongswan.conf" <<EOF
# generated by testdata/gen/strongswan.sh ($scenario, peer $side)
charon {
	load_modular = no
	load = random nonce aes sha1 sha2 hmac gcm chapoly curve25519 gmp openssl kdf pem pkcs1 pkcs8 x509 pubkey constraints revocation kernel-libipsec kernel-netlink socket-default vici eap-identity eap-md5
	# a short run: no automatic retries
	retransmit_tries = 2
	$extra
	filelog {
		charon {
			path = $work/$side/charon.log
			time_format = %H:%M:%S
			flush_line = yes
			ike_name = yes
			default = 1
			ike = 4
			chd = 4
			cfg = 2
			knl = 2
			net = 2
			enc = 1
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
}

# certs TYPE SIZE: a CA and one end-entity certificate per peer, made with pki.
certs() {
	local type=$1 size=$2 c=$work/certs
	mkdir -p "$c"
	# only the plugins pki needs (the default set drags in tpm and its noise)
	printf 'pki {\n\tload = random nonce openssl pem pkcs1 pkcs8 x509 pubkey gmp sha1 sha2\n}\n' >"$work/pki.conf"
	local STRONGSWAN_CONF=$work/pki.conf
	export STRONGSWAN_CONF
	pki --gen --type "$type" --size "$size" --outform pem >"$c/ca.key"
	# fixed validity 2020-2040, so a verifier's clock does not matter
	local valid=(--dateform "%Y-%m-%d" --not-before 2020-01-01 --not-after 2040-01-01)
	pki --self --ca "${valid[@]}" --in "$c/ca.key" --type "$type" \
		--dn "C=ZZ, O=tunnelcodec test, CN=tunnelcodec test CA" --outform pem >"$c/ca.crt"
	local side id
	for side in a b; do
		id=$ID_A
		[[ $side == b ]] && id=$ID_B
		pki --gen --type "$type" --size "$size" --outform pem >"$c/$side.key"
		pki --pub --in "$c/$side.key" --type "$type" |
			pki --issue "${valid[@]}" --cacert "$c/ca.crt" --cakey "$c/ca.key" \
				--dn "C=ZZ, O=tunnelcodec test, CN=$id" --san "$id" --outform pem >"$c/$side.crt"
		cp "$c/ca.crt" "$work/$side/swanctl/x509ca/ca.crt"
		cp "$c/$side.crt" "$work/$side/swanctl/x509/$side.crt"
		cp "$c/$side.key" "$work/$side/swanctl/private/$side.key"
	done
}

# swanctl_conf SIDE: the scenario's connection as seen from one peer.
# Everything depends on variables the scenario sets: IKE, FRAG, AUTH_A/B,
# CHILDREN ("name|esp_proposals|a_ts|b_ts" ...), UNDERLAY (4 or 6).
swanctl_conf() {
	local side=$1 me peer la ra lauth rauth
	if [[ $side == a ]]; then
		me=$ID_A peer=$ID_B lauth=$AUTH_A rauth=$AUTH_B
	else
		me=$ID_B peer=$ID_A lauth=$AUTH_B rauth=$AUTH_A
	fi
	la=$(underlay "$side")
	ra=$(underlay "$([[ $side == a ]] && echo b || echo a)")
	{
		echo "# generated by testdata/gen/strongswan.sh ($scenario, peer $side)"
		echo "connections {"
		echo "	tc {"
		echo "		local_addrs = $la"
		echo "		remote_addrs = $ra"
		echo "		proposals = $IKE"
		echo "		fragmentation = $FRAG"
		echo "		rekey_time = 0"
		echo "		reauth_time = 0"
		echo "		local {"
		authblock "$lauth" "$me" local "$side"
		echo "		}"
		echo "		remote {"
		authblock "$rauth" "$peer" remote "$side"
		echo "		}"
		echo "		children {"
		local c name esp ats bts lts rts
		for c in "${CHILDREN[@]}"; do
			IFS="|" read -r name esp ats bts <<<"$c"
			if [[ $side == a ]]; then lts=$ats rts=$bts; else lts=$bts rts=$ats; fi
			echo "			$name {"
			echo "				local_ts = $lts"
			echo "				remote_ts = $rts"
			echo "				esp_proposals = $esp"
			echo "				rekey_time = 0"
			echo "				life_time = 0"
			echo "			}"
		done
		echo "		}"
		echo "	}"
		echo "}"
		echo "secrets {"
		if [[ $AUTH_A == psk ]]; then
			echo "	ike-tc {"
			echo "		id-a = $ID_A"
			echo "		id-b = $ID_B"
			echo "		secret = \"$PSK\""
			echo "	}"
		fi
		if [[ $AUTH_A == eap-md5 ]]; then
			echo "	eap-alice {"
			echo "		id = $EAP_ID"
			echo "		secret = \"$EAP_SECRET\""
			echo "	}"
		fi
		echo "}"
	} >"$work/$side/swanctl/swanctl.conf"
}

# underlay SIDE: that peer's underlay address
underlay() {
	if [[ $UNDERLAY == 6 ]]; then
		[[ $1 == a ]] && echo 2001:db8::1 || echo 2001:db8::2
	else
		[[ $1 == a ]] && echo 192.0.2.1 || echo 192.0.2.2
	fi
}

# authblock METHOD ID local|remote SIDE
authblock() {
	local method=$1 id=$2 which=$3 side=$4
	case $method in
	psk) echo "			auth = psk" ;;
	pubkey)
		echo "			auth = pubkey"
		if [[ $which == local ]]; then echo "			certs = $side.crt"; fi
		;;
	eap-md5)
		echo "			auth = eap-md5"
		if [[ $which == local ]]; then echo "			eap_id = $EAP_ID"; else echo "			eap_id = %any"; fi
		;;
	esac
	echo "			id = $id"
}

# ----------------------------------------------------------------- charon --
# start SIDE NS: charon in NS, in a fresh mount namespace with its own /run,
# /etc/swanctl and /etc/strongswan.conf. ip netns exec, unshare and sh all
# exec, so $! is charon's PID.
start() {
	local side=$1 ns=$2 d=$work/$1 i
	mkdir -p "$d/run"
	ip netns exec "$ns" unshare --mount --propagation private -- /bin/sh -c '
		mount --bind "$1/run" /run &&
		mount --bind "$1/swanctl" /etc/swanctl &&
		mount --bind "$1/strongswan.conf" /etc/strongswan.conf &&
		exec "$2"' sh "$d" "$charon" >"$d/charon.stderr" 2>&1 &
	cpid[$side]=$!
	pids+=("$!")
	for i in $(seq 100); do
		[[ -S $d/run/charon.vici ]] && break
		kill -0 "${cpid[$side]}" 2>/dev/null || { cat "$d/charon.stderr" >&2; echo "charon $side died" >&2; return 1; }
		sleep 0.1
	done
	[[ -S $d/run/charon.vici ]] || { echo "charon $side: no vici socket after 10 s" >&2; return 1; }
	sw "$side" --load-all --noprompt >>"$work/swanctl.out"
}

# sw SIDE ARGS...: swanctl in that charon's namespaces.
sw() {
	local side=$1
	shift
	timeout 20 nsenter -t "${cpid[$side]}" -m -n -- swanctl "$@"
}

# ping_ok SIDE DST SRC: three pings through the tunnel, all must come back.
ping_ok() {
	local ns=$A
	[[ $1 == b ]] && ns=$B
	ip netns exec "$ns" ping -q -c 3 -i 0.2 -W 2 -I "$3" "$2" >>"$work/ping.out" ||
		{ echo "ping $3 -> $2 through the tunnel failed" >&2; return 1; }
}

# wait_log SIDE PATTERN N: until charon SIDE logged PATTERN N times (<= 10 s).
wait_log() {
	local i
	for i in $(seq 100); do
		(($(grep -c -E -- "$2" "$work/$1/charon.log" || true) >= $3)) && return 0
		sleep 0.1
	done
	echo "timeout waiting for '$2' x$3 in charon $1 log" >&2
	return 1
}

# settle: let retransmission-free traffic finish before the next step.
settle() { sleep 0.3; }

# up CHILD: peer a initiates the CHILD_SA (and the IKE SA if there is none).
up() { sw a --initiate --child "$1" --timeout 15 >>"$work/swanctl.out"; }

# rekey SIDE child|ike: SIDE rekeys the first CHILD_SA or IKE SA and waits
# until the old one is gone.
rekey() {
	sw "$1" --rekey "--$2" tc >>"$work/swanctl.out"
	if [[ $2 == child ]]; then
		wait_log "$1" 'CHILD_SA tc\{1\} state change: .* => DELETED' 1
	else
		wait_log "$1" 'IKE_SA tc\[1\] state change: DELETING => DESTROYING' 1
	fi
	settle
}

# down SIDE child|ike NAME: SIDE deletes a CHILD_SA or the IKE SA.
down() { sw "$1" --terminate "--$2" "$3" --timeout 15 >>"$work/swanctl.out"; }

# ------------------------------------------------------------- scenarios --
# Each sets the connection variables; run_<scenario> drives the exchanges.
setup_psk-aesgcm() {
	UNDERLAY=4 FRAG=yes AUTH_A=psk AUTH_B=psk
	IKE=aes256gcm16-prfsha256-modp2048
	CHILDREN=("tc|aes128gcm16-modp2048|198.51.100.1/32|198.51.100.2/32")
	EXTRA_A="" EXTRA_B=""
}
# rekey_cycle SIDE: CHILD_SA tc up, then SIDE rekeys it, rekeys the IKE SA
# and deletes it, with pings before and after each step.
rekey_cycle() {
	up tc
	ping_ok a 198.51.100.2 198.51.100.1
	rekey "$1" child
	ping_ok a 198.51.100.2 198.51.100.1
	rekey "$1" ike
	ping_ok b 198.51.100.1 198.51.100.2
	down "$1" ike tc
}
run_psk-aesgcm() { rekey_cycle a; }

setup_ecdsa-aescbc-frag() {
	UNDERLAY=4 FRAG=force AUTH_A=pubkey AUTH_B=pubkey
	IKE=aes256-sha256-ecp384
	CHILDREN=("tc|aes256-sha256|198.51.100.1/32|198.51.100.2/32")
	EXTRA_A="fragment_size = 440" EXTRA_B="fragment_size = 440"
	certs ecdsa 384
}
run_ecdsa-aescbc-frag() { rekey_cycle b; }

setup_rsa-chacha-frag() {
	UNDERLAY=4 FRAG=force AUTH_A=pubkey AUTH_B=pubkey
	IKE=chacha20poly1305-prfsha512-curve25519
	CHILDREN=("tc|chacha20poly1305|198.51.100.1/32|198.51.100.2/32"
		"sha1|aes128-sha1|203.0.113.1/32|203.0.113.2/32")
	EXTRA_A="fragment_size = 512
	signature_authentication = no"
	EXTRA_B=$EXTRA_A
	certs rsa 2048
}
run_rsa-chacha-frag() {
	up tc
	ping_ok a 198.51.100.2 198.51.100.1
	up sha1
	ping_ok a 203.0.113.2 203.0.113.1
	rekey a ike
	ping_ok b 198.51.100.1 198.51.100.2
	ping_ok b 203.0.113.1 203.0.113.2
	down a ike tc
}

setup_eap-md5-ipv6() {
	UNDERLAY=6 FRAG=yes AUTH_A=eap-md5 AUTH_B=pubkey
	IKE=aes128gcm16-prfsha384-ecp256
	CHILDREN=("v4|aes256gcm16|198.51.100.1/32|198.51.100.2/32"
		"v6|aes128-sha384|2001:db8:100::1/128|2001:db8:100::2/128")
	EXTRA_A="" EXTRA_B="rsa_pss = yes"
	certs rsa 2048
	# the EAP client has no certificate of its own
	rm -f "$work/a/swanctl/x509/a.crt" "$work/a/swanctl/private/a.key" "$work/certs/a.crt" "$work/certs/a.key"
}
run_eap-md5-ipv6() {
	up v4
	ping_ok a 198.51.100.2 198.51.100.1
	up v6
	ping_ok a 2001:db8:100::2 2001:db8:100::1
	ping_ok b 198.51.100.1 198.51.100.2
	down a child v6
	settle
	down a ike tc
}

# ------------------------------------------------------------------- main --
for scenario in "${want[@]}"; do
	t0=$SECONDS
	work=$(mktemp -d /tmp/tcsw-XXXXXX)
	for side in a b; do
		mkdir -p "$work/$side/swanctl/"{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,private,rsa,ecdsa,bliss,pkcs8,pkcs12,pubkey,conf.d}
	done
	CHILDREN=()
	"setup_$scenario"
	strongswan_conf a "$EXTRA_A"
	strongswan_conf b "$EXTRA_B"
	swanctl_conf a
	swanctl_conf b
	net
	start a "$A"
	start b "$B"
	ip netns exec "$A" tcpdump -i va -U --immediate-mode -s 0 -w "$work/capture.pcap" 'udp port 500 or udp port 4500' 2>"$work/tcpdump.err" &
	tpid=$!
	pids+=("$tpid")
	for i in $(seq 50); do [[ -s $work/capture.pcap ]] && break; sleep 0.1; done
	sleep 0.3
	"run_$scenario"
	settle
	kill "$tpid"
	wait "$tpid" 2>/dev/null || true
	for side in a b; do kill "${cpid[$side]}"; done
	for side in a b; do
		for i in $(seq 50); do kill -0 "${cpid[$side]}" 2>/dev/null || break; sleep 0.1; done
	done

	dir=$out/$scenario
	rm -rf "$dir"
	mkdir -p "$dir/config/a" "$dir/config/b"
	cp "$work/capture.pcap" "$dir/capture.pcap"
	for side in a b; do
		sed -e "s|$work|<work>|g" -e '/^[[:space:]]*$/d' "$work/$side/strongswan.conf" >"$dir/config/$side/strongswan.conf"
		cp "$work/$side/swanctl/swanctl.conf" "$dir/config/$side/swanctl.conf"
	done
	if [[ -d $work/certs ]]; then
		mkdir -p "$dir/certs"
		cp "$work"/certs/*.crt "$work"/certs/*.key "$dir/certs/"
	fi
	"$py" "$here/strongswan-keys.py" --scenario "$scenario" --description "$(describe "$scenario")" \
		--psk "$([[ $AUTH_A == psk ]] && echo "$PSK")" \
		--eap "$([[ $AUTH_A == eap-md5 ]] && echo "$EAP_ID:$EAP_SECRET")" \
		--auth "a=$AUTH_A" --auth "b=$AUTH_B" --id "a=$ID_A" --id "b=$ID_B" \
		--peer "a=$(underlay a)" --peer "b=$(underlay b)" \
		--log a="$work/a/charon.log" --log b="$work/b/charon.log" \
		"$dir"
	TSHARK_PROTOS="ip ipv6 udp udpencap esp isakmp icmp icmpv6 _ws.malformed _ws.expert" \
		"$here/tshark-golden.sh" "$dir/capture.pcap" 2>&1 >/dev/null | { grep -v '^Running as user' || true; } >&2
	"$py" "$here/strongswan-keys.py" --check-tshark "$dir"
	cleanup
	echo "$scenario: done in $((SECONDS - t0)) s -> $dir"
done
