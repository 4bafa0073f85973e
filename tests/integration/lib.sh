# shellcheck shell=bash
#
# lib.sh - a private fake internet for the mta-stsd integration tests.
#
# A scenario script sources this file and builds its own throwaway world:
# a network namespace with only loopback (127.0.0.0/8 and ::1), a test CA
# trusted inside it (and nothing else), a DNS server answering from a zone
# file, nginx serving policy hosts with SNI, hostile servers, and the daemon
# under test.  Everything lives in a temporary directory ($WORLD) and an
# EXIT trap tears it all down: the processes in the namespace, the namespace,
# /etc/netns/$WORLD_NS and $WORLD (kept, and its path printed, when
# KEEP_WORLD=1).  Scripts must run as root; independent scripts may run in
# parallel.
#
#	#!/bin/bash
#	set -euo pipefail
#	. "$(dirname "$0")/lib.sh"
#	world_init
#	world_dns_add '_mta-sts.a.test. TXT "v=STSv1; id=1"'
#	world_dns_start
#	world_site mta-sts.a.test
#	world_nginx_start
#	world_daemon_start
#	world_lookup a.test
#	assert_eq "$LOOKUP_OUT" "secure match=mx.a.test servername=hostname" \
#	    "policy found"
#	world_summary
#
# World helpers print "world: ..." on stderr and return non-zero on any
# failure, so under `set -e` a broken world stops the script (the EXIT trap
# then counts the abort as a failure).  Assertions record a result and
# return 0, so one failed check does not hide the next ones.  Do not set
# your own EXIT trap; use world_on_exit CMD instead.
#
# Files in $WORLD:
#	pki/NAME.pem, pki/NAME.key   certificates made by world_cert (chain)
#	pki/root.pem                 the test root (the only trust anchor)
#	dns/zone                     the zone file (world_dns_zone prints it)
#	dns/queries.log              "qname qtype proto" per query
#	nginx/access.log             "$host $request_uri $status ..." per request
#	nginx/error.log, dns/dns.log, hostile/*.log, daemon.log

: "${WORLD_PYTHON:=/usr/bin/python3}"
WORLD_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$WORLD_LIBDIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
WORLD_ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
WORLD_DAEMON_PORT=8461
: "${WORLD_DNS_PORT:=53}"

WORLD=
WORLD_NS=
WORLD_ETC=
WORLD_DNS_PID=
WORLD_NGINX_PID=
WORLD_DAEMON_PID=
WORLD_LAST_PID=
LOOKUP_OUT=
LOOKUP_RC=
passed=0
failed=0
_world_pids=()
_world_hooks=()
_world_summarised=0
_world_nhostile=0

# --- small utilities -------------------------------------------------------

world_die() {
	echo "world: $*" >&2
	return 1
}

_world_need() {
	[ -n "$WORLD_NS" ] || world_die "${FUNCNAME[1]}: call world_init first"
}

# world_wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds
# (gives up at once if CMD returns 99).
world_wait_until() {
	local t=$1 i=0
	shift
	local rc
	while :; do
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		[ "$rc" != 0 ] || return 0
		# 99: the thing waited for died, no point in waiting further
		[ "$rc" != 99 ] || return 1
		i=$((i + 1))
		if [ "$i" -ge $((t * 10)) ]; then
			return 1
		fi
		sleep 0.1
	done
}

# world_ms_since T0: milliseconds since T0, a `date +%s%N` reading.
world_ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# world_exec CMD...: run CMD inside the namespace.
world_exec() {
	_world_need || return 1
	ip netns exec "$WORLD_NS" "$@"
}

# world_bg NAME CMD...: start CMD in the background inside the namespace,
# output to $WORLD/NAME.log; its pid is left in WORLD_LAST_PID.  Must be
# called from the script's own shell (not inside $(...)).
world_bg() {
	_world_need || return 1
	local name=$1
	shift
	ip netns exec "$WORLD_NS" "$@" >"$WORLD/$name.log" 2>&1 </dev/null &
	WORLD_LAST_PID=$!
	_world_pids+=("$WORLD_LAST_PID")
}

# _world_alive PID: PID runs (a zombie, dead but not yet reaped, does not).
_world_alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# world_port_open ADDR PORT: true when ADDR:PORT accepts TCP in the ns.
world_port_open() {
	# shellcheck disable=SC2016
	world_exec bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# world_on_exit CMD: run CMD (one string, eval'd) at teardown.
world_on_exit() {
	_world_hooks+=("$1")
}

# world_curl ARGS...: curl inside the ns, silent, errors shown, 10 s cap.
world_curl() {
	world_exec curl -sS --max-time 10 "$@"
}

# world_dig [--server ADDR] [--tcp] [--timeout S] NAME TYPE: see dnsq.py.
world_dig() {
	world_exec "$WORLD_PYTHON" "$WORLD_LIBDIR/dnsq.py" "$@"
}

# --- world life cycle ------------------------------------------------------

# world_need_tools TOOL...: skip the script (exit 77, which automake
# reports as SKIP, never as a pass) and say why when a tool it needs
# beyond the world's own is missing (README lists the test packages).
world_need_tools() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "SKIP: $0 needs $t (see README, test dependencies)" >&2
			exit 77
		fi
	done
}

# world_init [TAG]: namespace, directories, CA, trap.
world_init() {
	local tag=${1:-$(basename "$0" .sh)} c
	[ -z "$WORLD_NS" ] || world_die "world_init: already initialised" ||
	    return 1
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $0 needs root (network namespaces)" >&2
		exit 77
	fi
	for c in ip openssl nginx curl "$WORLD_PYTHON"; do
		command -v "$c" >/dev/null ||
		    world_die "world_init: $c not found" || return 1
	done
	tag=${tag#t_}
	tag=$(printf '%s' "$tag" | tr -c 'a-zA-Z0-9' '-' | cut -c1-8)
	world_gc
	WORLD=$(mktemp -d "/tmp/mts-$tag-$$.XXXXXX") || return 1
	WORLD_NS="mts-$tag-$$"
	WORLD_ETC="/etc/netns/$WORLD_NS"
	trap '_world_exit' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir -p "$WORLD"/{pki,dns,nginx/sites,nginx/tmp,hostile,cache} \
	    "$WORLD"/postfix "$WORLD_ETC/ssl/certs" || return 1
	# postmap reads a main.cf; the system's may not exist (Debian's
	# postfix package installed with "No configuration" has none).
	echo "compatibility_level = 3.6" >"$WORLD/postfix/main.cf"
	ip netns add "$WORLD_NS" ||
	    world_die "world_init: ip netns add $WORLD_NS failed" || return 1
	ip -n "$WORLD_NS" link set lo up || return 1
	cat >"$WORLD_ETC/resolv.conf" <<-EOF
	nameserver 127.0.0.1
	options timeout:1 attempts:2
	EOF
	cat >"$WORLD_ETC/hosts" <<-EOF
	127.0.0.1	localhost
	::1	localhost ip6-localhost ip6-loopback
	EOF
	cp /etc/ssl/openssl.cnf "$WORLD_ETC/ssl/openssl.cnf" || return 1
	cat >"$WORLD/dns/zone" <<-EOF
	; zone file for world $WORLD_NS (see dnsserver.py)
	test. 300 SOA ns.test. hostmaster.test. 1 3600 600 86400 60
	EOF
	_world_ca_init || world_die "world_init: CA setup failed" || return 1
	cp "$WORLD/pki/root.pem" "$WORLD_ETC/ssl/certs/ca-certificates.crt"
	openssl rehash "$WORLD_ETC/ssl/certs" >/dev/null 2>&1 ||
	    world_die "world_init: openssl rehash failed" || return 1
}

# world_gc: remove what killed (SIGKILL) test scripts left behind: every
# namespace mts-*-PID whose script PID is gone, with the processes inside
# it, /etc/netns/mts-*-PID and /tmp/mts-*-PID.*.
world_gc() {
	local d n pid p
	for d in /run/netns/mts-* /etc/netns/mts-*; do
		[ -e "$d" ] || continue
		n=${d##*/}
		pid=${n##*-}
		case $pid in '' | *[!0-9]*) continue ;; esac
		! kill -0 "$pid" 2>/dev/null || continue
		echo "world: removing stale world $n" >&2
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null || true
		done
		ip netns del "$n" 2>/dev/null || true
		rm -rf "/etc/netns/$n" "/tmp/$n".*
	done
}

# world_teardown: kill everything in the ns, delete it and its files.
# Idempotent; called by the EXIT trap.
world_teardown() {
	local ns=$WORLD_NS h i p sig pids alive
	[ -n "$ns" ] || return 0
	for h in "${_world_hooks[@]}"; do
		eval "$h" || true
	done
	_world_hooks=()
	# SIGTERM everything in the ns (and our children), SIGKILL after 3 s
	for i in $(seq 1 30); do
		mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
		alive=()
		for p in "${_world_pids[@]}"; do
			if _world_alive "$p"; then
				alive+=("$p")
			else
				wait "$p" 2>/dev/null || true
			fi
		done
		_world_pids=("${alive[@]}")
		pids+=("${alive[@]}")
		[ ${#pids[@]} -gt 0 ] || break
		case $i in
		1) sig=TERM ;;
		30) sig=KILL ;;
		*) sig= ;;
		esac
		if [ -n "$sig" ]; then
			kill -"$sig" "${pids[@]}" 2>/dev/null || true
		fi
		sleep 0.1
	done
	for p in "${_world_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	_world_pids=()
	ip netns del "$ns" 2>/dev/null ||
	    echo "world: ip netns del $ns failed" >&2
	rm -rf "$WORLD_ETC"
	if [ "${KEEP_WORLD:-0}" = 1 ]; then
		echo "world: kept $WORLD" >&2
	else
		rm -rf "$WORLD"
	fi
	WORLD_NS=
	WORLD_ETC=
}

_world_exit() {
	local rc=$?
	set +e
	if [ "$_world_summarised" = 0 ]; then
		echo "FAIL - aborted (exit status $rc) before world_summary"
		failed=$((failed + 1))
	fi
	world_teardown
	if [ "$_world_summarised" = 0 ]; then
		echo "$passed passed, $failed failed"
		exit 1
	fi
	exit "$rc"
}

# --- assertions -----------------------------------------------------------

pass() {
	passed=$((passed + 1))
	echo "ok - $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - $*"
}

# assert_eq GOT WANT MSG
assert_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3: got '$1', want '$2'"
	fi
}

# assert_ne GOT NOTWANT MSG
assert_ne() {
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3: got '$1', want anything else"
	fi
}

# assert_match GOT ERE MSG
assert_match() {
	if [[ $1 =~ $2 ]]; then
		pass "$3"
	else
		fail "$3: got '$1', want match for /$2/"
	fi
}

# assert_ok MSG CMD...: CMD must succeed.
assert_ok() {
	local msg=$1 rc=0
	shift
	"$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$msg"
	else
		fail "$msg: '$*' exited $rc, want 0"
	fi
}

# assert_fails MSG CMD...: CMD must fail.
assert_fails() {
	local msg=$1 rc=0
	shift
	"$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		pass "$msg"
	else
		fail "$msg: '$*' succeeded, want failure"
	fi
}

# assert_status WANT MSG CMD...: CMD must exit with status WANT.
assert_status() {
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" >/dev/null 2>&1 || rc=$?
	assert_eq "$rc" "$want" "$msg (exit status)"
}

# world_summary: print "N passed, M failed"; status 0 only if none failed.
# Call it last: `world_summary` as the script's final command.
world_summary() {
	_world_summarised=1
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

# --- PKI -------------------------------------------------------------------

_world_ca_cnf() {
	cat >"$WORLD/pki/ca.cnf" <<-'EOF'
	[ ca ]
	default_ca = mts
	[ mts ]
	dir = $ENV::MTS_CADIR
	database = $dir/index.txt
	serial = $dir/serial
	new_certs_dir = $dir
	default_md = sha256
	policy = anything
	unique_subject = no
	copy_extensions = none
	email_in_dn = no
	[ anything ]
	commonName = supplied
	[ v3_ca ]
	basicConstraints = critical,CA:true
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid:always
	[ v3_leaf ]
	basicConstraints = critical,CA:false
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid:always
	subjectAltName = $ENV::MTS_SAN
	EOF
}

# _world_key_csr PREFIX CN: PREFIX.key and PREFIX.csr
_world_key_csr() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
}

# _world_sign CA CSR OUT EXT SAN START END: CA is root, inter or rogue.
_world_sign() {
	local ca=$WORLD/pki/$1
	MTS_CADIR=$ca.db MTS_SAN=${5:-DNS:unused.invalid} \
	openssl ca -batch -config "$WORLD/pki/ca.cnf" -cert "$ca.pem" \
	    -keyfile "$ca.key" -in "$2" -out "$3" -extensions "$4" -notext \
	    -startdate "$6" -enddate "$7" >/dev/null 2>&1 ||
	    world_die "openssl ca ($1) failed for $3"
}

_world_date() {
	date -u -d "$1" +%Y%m%d%H%M%SZ
}

_world_ca_init() {
	local p=$WORLD/pki c start end
	_world_ca_cnf
	start=$(_world_date '-2 days')
	end=$(_world_date '+3650 days')
	for c in root rogue; do
		openssl req -x509 -new -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$p/$c.key" \
		    -out "$p/$c.pem" -days 3650 -subj "/CN=mta-stsd test $c CA" \
		    -addext "basicConstraints=critical,CA:true" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" \
		    2>/dev/null || return 1
	done
	for c in root rogue inter; do
		mkdir -p "$p/$c.db"
		: >"$p/$c.db/index.txt"
		openssl rand -hex 8 >"$p/$c.db/serial"
	done
	_world_key_csr "$p/inter" "mta-stsd test intermediate CA" || return 1
	_world_sign root "$p/inter.csr" "$p/inter.pem" v3_ca "" "$start" "$end"
}

# world_cert NAME VARIANT DNSNAME...: make $WORLD/pki/NAME.pem (the chain a
# server sends) and $WORLD/pki/NAME.key.  VARIANT:
#	good            leaf (for DNSNAMEs) + intermediate
#	expired         like good, valid from 400 to 30 days ago
#	future          like good, valid only from 30 days from now
#	wronghost       good chain, but for not-this-host.invalid only
#	cnonly          good chain, the first DNSNAME (any text, even with
#	                quotes and spaces) as the subject CN only, and a
#	                URI subjectAltName: verifiers fall back to the CN and
#	                curl quotes it in its error when it does not match
#	selfsigned      self-signed leaf for DNSNAMEs
#	untrusted       leaf signed by a CA the namespace does not trust
#	nointermediate  leaf signed by the intermediate, sent without it
world_cert() {
	_world_need || return 1
	[ $# -ge 3 ] || world_die "usage: world_cert NAME VARIANT DNSNAME..." ||
	    return 1
	local name=$1 variant=$2 p=$WORLD/pki n san="" ca=inter chain=1
	local start end
	shift 2
	start=$(_world_date '-1 day')
	end=$(_world_date '+365 days')
	case $variant in
	good | nointermediate) ;;
	expired)
		start=$(_world_date '-400 days')
		end=$(_world_date '-30 days')
		;;
	future)
		start=$(_world_date '+30 days')
		end=$(_world_date '+400 days')
		;;
	wronghost) set -- not-this-host.invalid ;;
	cnonly) san="URI:https://$1/" ;;
	untrusted) ca=rogue ;;
	selfsigned) ;;
	*) world_die "world_cert: unknown variant '$variant'"; return 1 ;;
	esac
	[ "$variant" = nointermediate ] && chain=0
	[ "$variant" = untrusted ] && chain=0
	if [ "$variant" != cnonly ]; then
		for n in "$@"; do
			san="${san:+$san,}DNS:$n"
		done
	fi
	if [ "$variant" = selfsigned ]; then
		openssl req -x509 -new -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$p/$name.key" -out "$p/$name.pem" -days 365 \
		    -subj "/CN=$1" -addext "subjectAltName=$san" \
		    -addext "basicConstraints=critical,CA:false" \
		    -addext "extendedKeyUsage=serverAuth" 2>/dev/null ||
		    world_die "world_cert: openssl req failed for $name"
		return
	fi
	_world_key_csr "$p/$name" "$1" ||
	    world_die "world_cert: openssl req failed for $name" || return 1
	_world_sign "$ca" "$p/$name.csr" "$p/$name.leaf" v3_leaf "$san" \
	    "$start" "$end" || return 1
	if [ "$chain" = 1 ]; then
		cat "$p/$name.leaf" "$p/inter.pem" >"$p/$name.pem"
	else
		cp "$p/$name.leaf" "$p/$name.pem"
	fi
}

# --- DNS -------------------------------------------------------------------

# world_dns_zone: print the path of the zone file (append records to it).
world_dns_zone() {
	_world_need || return 1
	echo "$WORLD/dns/zone"
}

# world_dns_add LINE...: append records/directives (atomic replace).
world_dns_add() {
	_world_need || return 1
	local z=$WORLD/dns/zone
	{ cat "$z" && printf '%s\n' "$@"; } >"$z.new" && mv "$z.new" "$z"
}

# world_dns_edit SED-ARGS...: edit the zone with sed (atomic replace), e.g.
# world_dns_edit 's/id=1/id=2/'.  The server picks the change up at once.
world_dns_edit() {
	_world_need || return 1
	local z=$WORLD/dns/zone
	sed "$@" "$z" >"$z.new" && mv "$z.new" "$z"
}

# world_dns_start [ADDR...]: start dnsserver.py on port $WORLD_DNS_PORT
# (53; the resolv.conf of the ns and the daemon use 53) (default on
# 127.0.0.1 and ::1) and wait until it listens.
world_dns_start() {
	_world_need || return 1
	local a args=()
	[ $# -gt 0 ] || set -- 127.0.0.1 ::1
	for a in "$@"; do
		args+=(--addr "$a")
	done
	rm -f "$WORLD/dns/ready"
	world_bg dns/dns "$WORLD_PYTHON" "$WORLD_LIBDIR/dnsserver.py" \
	    --zone "$WORLD/dns/zone" --log "$WORLD/dns/queries.log" \
	    --ready "$WORLD/dns/ready" --port "$WORLD_DNS_PORT" "${args[@]}" ||
	    return 1
	WORLD_DNS_PID=$WORLD_LAST_PID
	: >>"$WORLD/dns/queries.log"
	world_wait_until 10 _world_ready "$WORLD_DNS_PID" "$WORLD/dns/ready" ||
	    world_die "dns server did not start: $(cat "$WORLD/dns/dns.log")"
}

_world_ready() {
	_world_alive "$1" || return 99
	[ -e "$2" ]
}

# world_dns_reload: force a zone reload (SIGHUP); normally not needed.
world_dns_reload() {
	[ -n "$WORLD_DNS_PID" ] || world_die "dns server not running" || return 1
	kill -HUP "$WORLD_DNS_PID"
}

# world_dns_count QNAME [QTYPE]: number of queries seen (any type if none).
world_dns_count() {
	_world_need || return 1
	local q=${1,,}
	q=${q%.}.
	awk -v q="$q" -v t="${2:-}" \
	    '$1 == q && (t == "" || toupper($2) == toupper(t)) { n++ }
	    END { print n + 0 }' "$WORLD/dns/queries.log"
}

# --- nginx -----------------------------------------------------------------

# world_site HOST [options]: add (or redefine) the server block for
# https://HOST; world_nginx_start or world_nginx_reload applies it.  The
# first site on an address is the default server there (its certificate
# goes to unknown SNI names).  Options:
#	--body FILE       serve FILE (default: a valid enforce policy with
#	                  mx mail.<HOST minus "mta-sts.">); the file is read on
#	                  every request, so it can be changed mid-test
#	--status N        answer with status N (204, 404, 500 ...; the body, if
#	                  any, is still sent for N >= 300)
#	--ctype TYPE      Content-Type (default text/plain)
#	--no-ctype        no Content-Type header at all
#	--delay SEC       wait SEC seconds before answering
#	--rate BYTES      send the body at BYTES per second
#	--chunked         send the body chunked, without Content-Length
#	--redirect URL    redirect (301, or --status 302/307/308) to URL
#	--cert VARIANT    certificate variant (see world_cert; default good)
#	--listen ADDR     listen on ADDR (127.0.0.5, [::1], 127.0.0.5:8443);
#	                  repeatable; default 127.0.0.1 and [::1], port 443
#	--path PATH       the served path (default /.well-known/mta-sts.txt)
#	--no-dns          do not add A/AAAA records for HOST to the zone
world_site() {
	_world_need || return 1
	[ $# -ge 1 ] || world_die "usage: world_site HOST [options]" || return 1
	local host=$1 body="" status=200 ctype=text/plain delay="" rate=""
	local chunked=0 redirect="" variant=good path=/.well-known/mta-sts.txt
	local dns=1 listens=() l a conf act cert
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--body) body=$(realpath "$2") || return 1; shift ;;
		--status) status=$2; shift ;;
		--ctype) ctype=$2; shift ;;
		--no-ctype) ctype="" ;;
		--delay) delay=$2; shift ;;
		--rate) rate=$2; shift ;;
		--chunked) chunked=1 ;;
		--redirect) redirect=$2; shift ;;
		--cert) variant=$2; shift ;;
		--listen) listens+=("$2"); shift ;;
		--path) path=$2; shift ;;
		--no-dns) dns=0 ;;
		*) world_die "world_site: unknown option '$1'"; return 1 ;;
		esac
		shift
	done
	[ ${#listens[@]} -gt 0 ] || listens=(127.0.0.1 "[::1]")
	if [ -z "$body" ]; then
		body=$WORLD/nginx/$host.policy
		world_policy "$body" enforce 86400 "mail.${host#mta-sts.}"
	fi
	[ -r "$body" ] || world_die "world_site: cannot read $body" || return 1
	cert=site-$host-$variant
	if [ ! -e "$WORLD/pki/$cert.pem" ]; then
		world_cert "$cert" "$variant" "$host" || return 1
	fi
	if [ -n "$redirect" ]; then
		case $status in
		301 | 302 | 303 | 307 | 308) ;;
		*) status=301 ;;
		esac
		act="return $status \"$redirect\";"
	elif [ "$status" = 200 ] && [ "$chunked" = 1 ]; then
		act="echo_location /__mts_body;"
	elif [ "$status" = 200 ]; then
		act="alias \"$body\";"
	elif [ "$status" -ge 300 ] && [ "$status" -le 599 ]; then
		act="error_page $status /__mts_body; return $status;"
	else
		act="return $status;"
	fi
	conf=$(_world_site_conf "$host")
	{
		echo "server {"
		for l in "${listens[@]}"; do
			a=$l
			case $a in
			\[*\]:*) ;;
			\[*\]) a="$a:443" ;;
			*:*:*) a="[$a]:443" ;;
			*:*) ;;
			*) a="$a:443" ;;
			esac
			echo "	listen $a ssl http2;"
			if [ "$dns" = 1 ]; then
				case $a in
				\[*) _world_zone_addr "$host" AAAA "${a%]:*}" ;;
				*) _world_zone_addr "$host" A "${a%:*}" ;;
				esac
			fi
		done
		echo "	server_name $host;"
		echo "	ssl_certificate $WORLD/pki/$cert.pem;"
		echo "	ssl_certificate_key $WORLD/pki/$cert.key;"
		echo "	default_type \"$ctype\";"
		echo "	location / { return 404; }"
		echo "	location = $path {"
		[ -z "$rate" ] || echo "		limit_rate $rate;"
		if [ -n "$delay" ]; then
			echo "		echo_sleep $delay;"
			echo "		echo_exec /__mts_do;"
			echo "	}"
			echo "	location = /__mts_do {"
			echo "		internal;"
			[ -z "$rate" ] || echo "		limit_rate $rate;"
		fi
		echo "		$act"
		echo "	}"
		echo "	location = /__mts_body {"
		echo "		internal;"
		[ -z "$rate" ] || echo "		limit_rate $rate;"
		echo "		alias \"$body\";"
		echo "	}"
		echo "}"
	} >"$conf"
}

# _world_site_conf HOST: the config file of HOST's server block (the same
# one again when a site is redefined, so its order is kept).
_world_site_conf() {
	local f
	for f in "$WORLD"/nginx/sites/*-"$1".conf; do
		if [ -e "$f" ]; then
			echo "$f"
			return
		fi
	done
	# Called inside $(...): count the files, a variable would not stick.
	local n
	n=$(find "$WORLD/nginx/sites" -name '*.conf' | wc -l)
	printf '%s/nginx/sites/%03d-%s.conf\n' "$WORLD" "$((n + 1))" "$1"
}

# _world_zone_addr HOST TYPE ADDR: add HOST TYPE ADDR unless present.
_world_zone_addr() {
	local line="$1. 300 $2 ${3#[}"
	grep -qxF "$line" "$WORLD/dns/zone" || world_dns_add "$line"
}

# world_policy FILE MODE MAX_AGE MX...: write a policy file (CRLF lines).
world_policy() {
	local f=$1 mode=$2 age=$3 mx
	shift 3
	{
		printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
		for mx in "$@"; do
			printf 'mx: %s\r\n' "$mx"
		done
		printf 'max_age: %s\r\n' "$age"
	} >"$f"
}

_world_nginx_conf() {
	local n=$WORLD/nginx
	cat >"$n/nginx.conf" <<-EOF
	load_module $WORLD_ECHO_MODULE;
	daemon off;
	user root;
	worker_processes 1;
	pid $n/nginx.pid;
	error_log $n/error.log info;
	events { worker_connections 512; }
	http {
		log_format mts '\$host \$request_uri \$status \$server_protocol '
		    '\$body_bytes_sent \$server_addr \$ssl_server_name';
		access_log $n/access.log mts;
		client_body_temp_path $n/tmp/body;
		proxy_temp_path $n/tmp/proxy;
		fastcgi_temp_path $n/tmp/fastcgi;
		uwsgi_temp_path $n/tmp/uwsgi;
		scgi_temp_path $n/tmp/scgi;
		types { }
		server_tokens off;
		keepalive_timeout 10s;
		ssl_protocols TLSv1.2 TLSv1.3;
		include $n/sites/*.conf;
	}
	EOF
}

# world_nginx_start: write nginx.conf (including every world_site) and
# start nginx; waits until every listen address accepts.
world_nginx_start() {
	_world_need || return 1
	local n=$WORLD/nginx
	[ -e "$WORLD_ECHO_MODULE" ] ||
	    world_die "$WORLD_ECHO_MODULE missing (libnginx-mod-http-echo)" ||
	    return 1
	_world_nginx_conf
	: >>"$n/access.log"
	world_exec nginx -e "$n/error.log" -c "$n/nginx.conf" -t \
	    >"$n/check.log" 2>&1 ||
	    world_die "nginx config test failed: $(cat "$n/check.log")" ||
	    return 1
	world_bg nginx/nginx nginx -e "$n/error.log" -c "$n/nginx.conf" ||
	    return 1
	WORLD_NGINX_PID=$WORLD_LAST_PID
	world_wait_until 10 _world_nginx_listening ||
	    world_die "nginx did not start: $(tail -5 "$n/error.log")"
}

_world_nginx_listening() {
	local a
	_world_alive "$WORLD_NGINX_PID" || return 99
	# shellcheck disable=SC2013
	for a in $(sed -n 's/^	listen \(.*\) ssl http2;$/\1/p' \
	    "$WORLD"/nginx/sites/*.conf 2>/dev/null | sort -u); do
		a=${a/\[/}
		a=${a/\]/}
		world_port_open "${a%:*}" "${a##*:}" || return 1
	done
}

# world_nginx_reload: rewrite the config from the sites and reload nginx;
# returns once the new workers run and the old ones are gone.
world_nginx_reload() {
	_world_need || return 1
	local n=$WORLD/nginx old
	_world_alive "${WORLD_NGINX_PID:-0}" ||
	    world_die "world_nginx_reload: nginx not running" || return 1
	_world_nginx_conf
	world_exec nginx -e "$n/error.log" -c "$n/nginx.conf" -t \
	    >"$n/check.log" 2>&1 ||
	    world_die "nginx config test failed: $(cat "$n/check.log")" ||
	    return 1
	old=$(ps -o pid= --ppid "$WORLD_NGINX_PID" | tr -d ' ' | sort)
	kill -HUP "$WORLD_NGINX_PID"
	world_wait_until 10 _world_nginx_reloaded "$old" ||
	    world_die "nginx reload did not finish" || return 1
	world_wait_until 10 _world_nginx_listening ||
	    world_die "nginx not listening after reload"
}

_world_nginx_reloaded() {
	local now p
	now=$(ps -o pid= --ppid "$WORLD_NGINX_PID" | tr -d ' ' | sort)
	[ -n "$now" ] || return 1
	for p in $1; do
		if printf '%s\n' "$now" | grep -qx "$p"; then
			return 1
		fi
	done
}

# world_fetch_count HOST [URI]: requests nginx answered for HOST (and URI).
world_fetch_count() {
	_world_need || return 1
	awk -v h="${1,,}" -v u="${2:-}" \
	    'tolower($1) == h && (u == "" || $2 == u) { n++ } END { print n + 0 }' \
	    "$WORLD/nginx/access.log"
}

# --- hostile servers ---------------------------------------------------------

# world_hostile [--cert VARIANT] KIND ADDR PORT [DNSNAME...]: start
# hostile.py (see there for the kinds); TLS kinds get a certificate of
# world_cert's VARIANT (default good) for DNSNAMEs (default localhost).
# Waits until it listens.  Log: $WORLD/hostile/ADDR_PORT.log.
world_hostile() {
	_world_need || return 1
	local variant=good
	if [ "${1:-}" = --cert ]; then
		variant=$2
		shift 2
	fi
	[ $# -ge 3 ] ||
	    world_die "usage: world_hostile [--cert V] KIND ADDR PORT [NAME...]" ||
	    return 1
	local kind=$1 addr=$2 port=$3 h args=() cert
	shift 3
	addr=${addr#[}
	addr=${addr%]}
	[ $# -gt 0 ] || set -- localhost
	h=$WORLD/hostile/${addr}_$port
	case $kind in
	tls-silent | trickle | trickle-headers | flood | location | ctype)
		_world_nhostile=$((_world_nhostile + 1))
		cert=hostile-$_world_nhostile
		world_cert "$cert" "$variant" "$@" || return 1
		args=(--cert "$WORLD/pki/$cert.pem" --key "$WORLD/pki/$cert.key")
		;;
	esac
	rm -f "$h.ready"
	world_bg "hostile/${addr}_$port.out" "$WORLD_PYTHON" \
	    "$WORLD_LIBDIR/hostile.py" "$kind" --addr "$addr" --port "$port" \
	    --log "$h.log" --ready "$h.ready" "${args[@]}" || return 1
	world_wait_until 10 _world_ready "$WORLD_LAST_PID" "$h.ready" ||
	    world_die "hostile $kind on $addr:$port did not start:" \
	    "$(cat "$h.out.log")"
}

# world_hostile_count ADDR PORT: connections the hostile server accepted.
world_hostile_count() {
	local addr=${1#[}
	addr=${addr%]}
	if [ -e "$WORLD/hostile/${addr}_$2.log" ]; then
		wc -l <"$WORLD/hostile/${addr}_$2.log" | tr -d ' '
	else
		echo 0
	fi
}

# --- the daemon under test ---------------------------------------------------
#
# The daemon's configuration format is not final: the keys below are the
# agreed ones, written as "key = value".  Adjust _world_daemon_conf when the
# config parser lands.

_world_daemon_conf() {
	# Defaults for the test world; a key given in "$@" replaces its
	# default (the daemon refuses duplicate keys).
	local line key skip l
	echo "# generated by tests/integration/lib.sh"
	while IFS= read -r line; do
		key=${line%% =*}
		skip=0
		for l in "$@"; do
			[ "${l%% =*}" = "$key" ] && skip=1
		done
		[ "$skip" = 1 ] || echo "$line"
	done <<-EOF
	listen = 127.0.0.1:$WORLD_DAEMON_PORT
	map_name = sts
	cache_dir = $WORLD/cache
	control_socket = $WORLD/control.sock
	log_level = debug
	dns_servers = 127.0.0.1
	ca_file = $WORLD/pki/root.pem
	EOF
	printf '%s\n' "$@"
}

# world_daemon_start [CONFIG-LINE...]: write $WORLD/mta-stsd.conf (the
# lines are appended) and run "$MTA_STSD -f -c $WORLD/mta-stsd.conf" in the
# ns (output in $WORLD/daemon.log); waits until 127.0.0.1:8461 accepts.
world_daemon_start() {
	_world_need || return 1
	local bin=${MTA_STSD:-$top_builddir/src/mta-stsd}
	[ -x "$bin" ] || world_die "daemon not found: $bin (set MTA_STSD)" ||
	    return 1
	_world_daemon_conf "$@" >"$WORLD/mta-stsd.conf"
	world_bg daemon "$bin" -f -c "$WORLD/mta-stsd.conf" || return 1
	WORLD_DAEMON_PID=$WORLD_LAST_PID
	world_wait_until 10 _world_daemon_up ||
	    world_die "daemon did not start: $(tail -20 "$WORLD/daemon.log")"
}

_world_daemon_up() {
	_world_alive "$WORLD_DAEMON_PID" || return 99
	world_port_open 127.0.0.1 "$WORLD_DAEMON_PORT"
}

# world_daemon_stop: SIGTERM the daemon, wait (5 s, then SIGKILL) and
# return its exit status (non-zero also on a sanitizer report at exit).
world_daemon_stop() {
	local pid=$WORLD_DAEMON_PID rc=0
	[ -n "$pid" ] || world_die "world_daemon_stop: daemon not started" ||
	    return 1
	kill -TERM "$pid" 2>/dev/null || true
	if ! world_wait_until 5 _world_dead "$pid"; then
		echo "world: daemon ignored SIGTERM, killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	WORLD_DAEMON_PID=
	if [ "$rc" != 0 ]; then
		echo "world: daemon exited with status $rc; log tail:" >&2
		tail -20 "$WORLD/daemon.log" >&2
	fi
	return "$rc"
}

_world_dead() {
	! _world_alive "$1"
}

# world_postmap KEY [MAP]: print what postmap -q prints for KEY through the
# daemon's socketmap; returns postmap's status (0 found, 1 not found, other:
# error).  Use `out=$(world_postmap k) || rc=$?` or world_lookup.
world_postmap() {
	world_exec timeout 30 postmap -c "$WORLD/postfix" -q "$1" \
	    "socketmap:inet:127.0.0.1:$WORLD_DAEMON_PORT:${2:-sts}"
}

# world_lookup KEY [MAP]: like world_postmap, but sets LOOKUP_OUT (stdout)
# and LOOKUP_RC (status) and returns 0, for use under set -e.
# shellcheck disable=SC2034
world_lookup() {
	LOOKUP_RC=0
	LOOKUP_OUT=$(world_postmap "$@" 2>"$WORLD/postmap.err") ||
	    LOOKUP_RC=$?
}
