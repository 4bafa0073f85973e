#!/bin/bash
# t_abuse.sh: one local client cannot exhaust or monopolise the socketmap
# service.  A client that pipelines requests and never reads keeps the
# daemon's memory bounded and is dropped; a client that reads a reply too
# slowly is dropped at reply_timeout; a connection kept busy with one
# request before each idle timeout is closed at max_connection_age, and
# only between requests; one uid on a unix listener gets at most
# max_connections_per_uid connections while another uid is still served;
# at max_connections, a newcomer takes the slot of the longest-idle
# connection.  Other clients are answered throughout (abuse.py is the
# attacker, postmap the stand-in for Postfix).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_init
P=$WORLD/policies
mkdir -p "$P"
# Under ASan the quarantine (256 MB by default) keeps freed memory, which
# would count as growth; 4 MB still catches a use of a freed reply.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

# big.test: 100 mx patterns of 170 bytes, a reply of 17 KB.
mx=()
l50=$(printf 'x%.0s' $(seq 50))
for i in $(seq -w 1 100); do
	mx+=("a$l50.b$l50.c$l50.mx$i.big.test")
done
world_policy "$P/big" enforce 86400 "${mx[@]}"
world_dns_add '_mta-sts.big.test. 300 TXT "v=STSv1; id=1"'
world_site mta-sts.big.test --body "$P/big"
# slow.test: its policy server takes 3 s to answer.
world_dns_add '_mta-sts.slow.test. 300 TXT "v=STSv1; id=1"'
world_site mta-sts.slow.test --delay 3
world_dns_start
world_nginx_start

# The unix listener lives where nobody can reach it (the test dir is 0700).
chmod 0711 "$WORLD"
mkdir -m 0755 "$WORLD/sock"
SOCK=$WORLD/sock/sts.sock
cp "$WORLD_LIBDIR/abuse.py" "$WORLD/abuse.py"
chmod 0644 "$WORLD/abuse.py"

abuse() {
	world_exec "$WORLD_PYTHON" "$WORLD/abuse.py" "$@"
}
field() {	# name line: the value of name=... in line
	local v=${2#*"$1"=}
	echo "${v%% *}"
}
rss_kb() {	# VmRSS or VmHWM of the daemon
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$WORLD_DAEMON_PID/status"
}
logged() {	# ERE msg
	if grep -Eq "$1" "$WORLD/daemon.log"; then
		pass "$2"
	else
		fail "$2: no line matching /$1/ in daemon.log"
	fi
}
# answered LABEL: postmap gets the right answer within 3 s.
answered() {
	local t ms
	t=$(date +%s%N)
	world_lookup example.test
	ms=$(world_ms_since "$t")
	assert_eq "$LOOKUP_RC/$LOOKUP_OUT" "1/" "$1: postmap answered"
	if [ "$ms" -lt 3000 ]; then
		pass "$1: within 3 s ($ms ms)"
	else
		fail "$1: answer took $ms ms, want under 3000"
	fi
}

# Info, as in production: debug lines would slow the daemon down enough
# to hide the growth this test is about.
world_daemon_start "listen = 127.0.0.1:8461" "listen = unix:$SOCK" \
    "max_connections = 6" "max_connections_per_uid = 3" \
    "idle_timeout = 30s" "reply_timeout = 2s" "max_connection_age = 60s" \
    "log_level = info"
world_lookup big.test
assert_eq "$LOOKUP_RC/${#LOOKUP_OUT}" "0/17132" "big.test: a 17 KB reply"
# Written in two pieces (libevent writes 16 KiB at a time): without
# TCP_NODELAY the second waits for the client's delayed ACK, 40 ms.
res=$(abuse latency --key big.test --count 30)
p50=$(field p50_ms "$res")
if [ "${p50%.*}" -lt 30 ]; then
	pass "a 17 KB reply is not held back by Nagle ($res)"
else
	fail "a 17 KB reply: median $p50 ms, want under 30 ($res)"
fi

# --- pipelining without reading: memory bounded, dropped, others served ---

rss0=$(rss_kb VmRSS)
world_bg pipeline "$WORLD_PYTHON" "$WORLD/abuse.py" pipeline --key .com \
    --secs 10
pipepid=$WORLD_LAST_PID
for i in 1 2 3; do
	sleep 2
	answered "during pipelining ($i)"
done
wait "$pipepid" || true
res=$(cat "$WORLD/pipeline.log")
hwm=$(rss_kb VmHWM)
growth=$(((hwm - rss0) / 1024))
if [ "$growth" -lt 50 ]; then
	pass "pipelining: peak RSS grew ${growth} MB (${rss0} kB -> ${hwm} kB)"
else
	fail "pipelining: peak RSS grew ${growth} MB, want under 50"
fi
drops=$(field drops "$res")
first=$(field first_drop "$res")
if [ "${drops:-0}" -ge 1 ] && [ "${first%.*}" -ge 0 ] &&
    [ "${first%.*}" -le 8 ]; then
	pass "pipelining: dropped ($res)"
else
	fail "pipelining: want the connection dropped within 8 s, got '$res'"
fi
logged 'reply not read in time conn=[0-9]+ .*timeout=2000ms' \
    "pipelining: the drop is logged"
answered "after pipelining"

# --- a slow reader of large replies: dropped at reply_timeout --------------

# Every read moves the daemon's write on, so a timeout measured from the
# last progress would never fire; reply_timeout (2 s) counts from the
# moment the reply was queued.
res=$(abuse slowread --key big.test --count 40 --rcvbuf 4096 --chunk 1024 \
    --every 0.25 --max 20)
closed=$(field closed "$res")
read=$(field read "$res")
if [ "${closed%.*}" -ge 1 ] && [ "${closed%.*}" -le 8 ] &&
    [ "${read:-0}" -gt 0 ]; then
	pass "slow reader: dropped at reply_timeout ($res)"
else
	fail "slow reader: want dropped after 2-8 s having read some, got '$res'"
fi
answered "after the slow reader"

# --- per-uid slots on the unix listener -----------------------------------

world_bg hold-nobody setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$WORLD_PYTHON" "$WORLD/abuse.py" --unix "$SOCK" hold --count 5 \
    --secs 30
holdpid=$WORLD_LAST_PID
world_wait_until 15 grep -q served= "$WORLD/hold-nobody.log" ||
    world_die "hold as nobody: $(cat "$WORLD/hold-nobody.log")"
assert_match "$(cat "$WORLD/hold-nobody.log")" "^served=3 closed=2" \
    "nobody: 3 connections served, 2 refused at max_connections_per_uid"
t=$(date +%s%N)
rc=0
out=$(world_exec timeout 30 postmap -c "$WORLD/postfix" -q example.test \
    "socketmap:unix:$SOCK:sts" 2>&1) || rc=$?
ms=$(world_ms_since "$t")
assert_eq "$rc/$out" "1/" "root on the unix socket: still answered"
if [ "$ms" -lt 3000 ]; then
	pass "root on the unix socket: within 3 s ($ms ms)"
else
	fail "root on the unix socket: took $ms ms, want under 3000"
fi
res=$(abuse --unix "$SOCK" hold --count 3 --secs 0)
assert_eq "$res" "served=3 closed=0" "root: its own 3 slots"
logged "connections per uid at limit uid=$(id -u nobody) max=3" \
    "per-uid limit logged"
kill "$holdpid" 2>/dev/null || true
wait "$holdpid" 2>/dev/null || true

# --- at max_connections, the longest-idle connection makes room -----------

# Six idle connections fill max_connections; once they have been idle
# longer than Postfix keeps one (10 s), a newcomer takes the slot of the
# one idle longest.
world_bg hold-tcp "$WORLD_PYTHON" "$WORLD/abuse.py" hold --count 6 --secs 30
holdpid=$WORLD_LAST_PID
world_wait_until 15 grep -q served= "$WORLD/hold-tcp.log" ||
    world_die "hold: $(cat "$WORLD/hold-tcp.log")"
assert_match "$(cat "$WORLD/hold-tcp.log")" "^served=6 closed=0" \
    "6 idle connections at max_connections=6"
sleep 11
answered "at max_connections, after 11 s idle"
sleep 0.5
assert_eq "$(grep -o '^eof=[0-9]*' "$WORLD/hold-tcp.log" | tr '\n' ' ')" \
    "eof=0 " "only the longest-idle connection was closed"
logged 'conn evicted conn=[0-9]+ .*idle=[0-9]+ms' "eviction logged"
kill "$holdpid" 2>/dev/null || true
wait "$holdpid" 2>/dev/null || true
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon exits cleanly after the attacks"

# --- max_connection_age: busy forever is not allowed ----------------------

world_daemon_start "idle_timeout = 3s" "max_connection_age = 7s"
# A request every 2 s keeps the idle timeout (3 s) from ever firing.
res=$(abuse steady --key example.test --every 2 --max 20)
closed=$(field closed "$res")
if [ "${closed%.*}" -ge 6 ] && [ "${closed%.*}" -le 12 ] &&
    [ "$(field bad "$res")" = 0 ]; then
	pass "one request every 2 s: closed at max_connection_age ($res)"
else
	fail "one request every 2 s: want closed after 7 s, got '$res'"
fi
# At the age limit a lookup is in flight (slow.test takes 3 s): its reply
# arrives whole, then the connection is closed.
res=$(abuse steady --key example.test --every 2.5 --last slow.test \
    --last-at 5 --max 20)
assert_match "$res" \
    '^closed=[0-9.]+ replies=2 bad=0 last=OK_secure_match=mail.slow.test_servername=hostname ' \
    "age limit during a lookup: the reply is whole"
# Closed at once after that reply, not by the idle timeout 3 s later.
after=$(field after "$res")
if [ "${after%.*}" -ge 0 ] && [ "${after%.*}" -lt 1 ]; then
	pass "age limit during a lookup: closed right after the reply ($res)"
else
	fail "age limit during a lookup: want closed within 1 s of the" \
	    "reply, got '$res'"
fi
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon exits cleanly"

world_summary
