#!/bin/bash
# t_socketmap.sh: the socketmap protocol end to end.  Postfix's postmap and
# a raw client talk to the real daemon; every malformed form gets its
# defined answer and the daemon keeps serving good queries after each.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_init
world_dns_start
world_daemon_start "idle_timeout = 2s" "request_timeout = 1s" \
    "max_connections = 4"

sm() {
	world_exec "$WORLD_PYTHON" "$WORLD_LIBDIR/smclient.py" "$@"
}

good_query_works() {
	world_lookup example.test
	assert_eq "$LOOKUP_RC/$LOOKUP_OUT" "1/" "$1: postmap still answers"
}

# Postfix's own client.
world_lookup example.test
assert_eq "$LOOKUP_RC" 1 "postmap: domain without policy is NOTFOUND"
assert_eq "$LOOKUP_OUT" "" "postmap: NOTFOUND prints nothing"
world_lookup Example.TEST.
assert_eq "$LOOKUP_RC" 1 "postmap: mixed case with trailing dot"
world_lookup .example.test
assert_eq "$LOOKUP_RC" 1 "postmap: parent probe is NOTFOUND"
assert_eq "$(world_dns_count _mta-sts.example.test TXT)" 1 \
    "one TXT query: negative result cached, parent probe not looked up"
world_lookup '[192.0.2.1]'
assert_eq "$LOOKUP_RC" 1 "postmap: IP literal is NOTFOUND"

# Another table name: answered, warned about once.
world_lookup example.test postfix
assert_eq "$LOOKUP_RC" 1 "other map name answered like sts"
world_lookup example.test postfix
assert_eq "$(grep -c 'map unknown.*name=postfix' "$WORLD/daemon.log")" 1 \
    "unknown map name logged once"

# Raw protocol: pipelining, byte-by-byte, and in-sync errors.
out=$(sm --expect 2 '16:sts example.test,16:sts example.test,')
assert_eq "$out" $'NOTFOUND \nNOTFOUND \nOPEN' "two pipelined requests"
out=$(sm --split --expect 1 '16:sts example.test,')
assert_eq "$out" $'NOTFOUND \nOPEN' "request written byte by byte"
out=$(sm --pause 300 --expect 1 '16:sts exa' 'mple.test,')
assert_eq "$out" $'NOTFOUND \nOPEN' "request split across writes"

insync() {	# name chunk want-reason
	local out
	out=$(sm --expect 2 "$2" '16:sts example.test,')
	assert_eq "$out" "PERM $3"$'\nNOTFOUND \nOPEN' \
	    "$1: PERM, connection stays usable"
}
insync "no space" '3:xyz,' "no space between map name and key"
insync "empty key" '4:sts ,' "empty key"
insync "empty map" '4: abc,' "empty map name"
insync "empty request" '0:,' "empty request"
insync "NUL byte" '7:sts a\x00b,' "NUL byte in request"
insync "control byte" '7:sts a\x01b,' "control byte in request"
insync "newline" '7:sts a\nb,' "control byte in request"
out=$(sm --expect 1 '16:sts b\xc3\xbccher.test,')
assert_eq "$out" $'NOTFOUND \nOPEN' "UTF-8 key is not a protocol error"
good_query_works "after in-sync errors"

# Framing errors: one PERM reply, then the connection is closed.
broken() {	# name chunk want-reason
	local out
	out=$(sm --timeout 3 "$2")
	assert_eq "$out" "PERM $3"$'\nEOF' "$1: PERM and close"
	good_query_works "$1"
}
broken "leading zero" '016:sts example.test,' "length has a leading zero"
broken "missing comma" '16:sts example.testX' "payload not followed by ','"
broken "missing colon" '16;sts example.test,' \
    "length not followed by ':'"
broken "no length" 'sts example.test' "length does not start with a digit"
broken "NUL in length" '1\x006:sts example.test,' \
    "length not followed by ':'"
broken "length over cap" '1090:' "declared length above the request cap"
broken "huge length" '99999999999999999999999999:' \
    "declared length above the request cap"
# The cap is decided on the digits alone: no body is ever awaited.
out=$(sm --timeout 3 '100000')
assert_eq "$out" $'PERM declared length above the request cap\nEOF' \
    "over-long prefix refused before its colon"
map64=$(printf 'm%.0s' $(seq 64))
key1024=$(printf 'a%.0s' $(seq 1024))
out=$(sm --expect 1 "1089:$map64 $key1024,")
assert_eq "$out" $'NOTFOUND \nOPEN' "request of exactly 1089 bytes accepted"

# Timeouts: a half-written request and an idle connection are closed.
out=$(sm --timeout 4 '16:sts exa')
assert_eq "$out" "EOF" "half-written request times out"
out=$(sm --timeout 5)
assert_eq "$out" "EOF" "idle connection closed"
good_query_works "after timeouts"

# The connection cap: with 4 held open, a fifth waits for a free slot.
res=$(world_exec "$WORLD_PYTHON" - <<'PY'
import socket, time
held = [socket.create_connection(("127.0.0.1", 8461)) for _ in range(4)]
time.sleep(0.3)
s = socket.create_connection(("127.0.0.1", 8461))
s.sendall(b"16:sts example.test,")
s.settimeout(1.0)
try:
    first = s.recv(100)
except socket.timeout:
    first = b"none"
held[0].close()
s.settimeout(3.0)
try:
    second = s.recv(100) if first == b"none" else b"early"
except socket.timeout:
    second = b"none"
print(first.decode(), second.decode())
PY
)
assert_eq "$res" "none 9:NOTFOUND ," "at max_connections, accept pauses"
assert_match "$(cat "$WORLD/daemon.log")" "connections at limit max=4" \
    "connection limit logged"

# Signals: HUP reloads and keeps it running (t_reload.sh has the rest),
# TERM stops it cleanly.
kill -HUP "$WORLD_DAEMON_PID"
sleep 0.3
good_query_works "after SIGHUP"
assert_match "$(cat "$WORLD/daemon.log")" "reloaded config=.* applied=none" \
    "SIGHUP reloads an unchanged file"
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "SIGTERM: clean exit"
assert_match "$(tail -1 "$WORLD/daemon.log")" "stopped" "SIGTERM: stopped"
assert_fails "listener closed after stop" world_port_open 127.0.0.1 8461

world_summary
