#!/bin/bash
# t_control.sh: the control socket and mta-stsctl against the running
# daemon: status, show, dump, flush, refresh, query and metrics round
# trips; SO_PEERCRED refusal for an unprivileged user; a silent control
# client does not delay socketmap replies; /metrics over HTTP; one daemon
# per control socket, and a stale socket is replaced.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
P=$WORLD/policies
mkdir -p "$P"
for d in a.test b.test c.test; do
	world_dns_add "_mta-sts.$d. 300 TXT \"v=STSv1; id=1\""
	world_site "mta-sts.$d"
done
world_dns_start
world_nginx_start
# The socket lives where nobody can reach it (the test dir is 0700).
chmod 0711 "$WORLD"
mkdir -m 0755 "$WORLD/ctl"
SOCK=$WORLD/ctl/control.sock
world_daemon_start "control_socket = $SOCK" "control_socket_mode = 0666" \
    "metrics_listen = 127.0.0.1:9461"

ctl() {
	world_exec "$MTA_STSCTL" -s "$SOCK" "$@"
}
json() {	# python expression over j, reading JSON on stdin
	"$WORLD_PYTHON" -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

for d in a.test b.test c.test; do world_lookup "$d"; done

out=$(ctl --json status)
assert_eq "$(json 'j["ok"], j["cache"]["records"], j["counters"]["queries"]' <<<"$out")" \
    "True 3 3" "status: records and queries"
assert_match "$(ctl status)" "cache: +$WORLD/cache, 3 records" \
    "status: human output"

out=$(ctl --json show A.test.)
assert_eq "$(json 'j["record"]["mode"], j["record"]["id"], j["record"]["mx"], j["reply"]' <<<"$out")" \
    "enforce 1 ['mail.a.test'] OK secure match=mail.a.test servername=hostname" \
    "show: record and the exact reply"
assert_match "$(ctl show a.test)" "postfix reply: +OK secure match=mail.a.test" \
    "show: human output"
assert_status 1 "show of an uncached domain" ctl show nothere.test

out=$(ctl --json dump)
assert_eq "$(wc -l <<<"$out")" 3 "dump: one line per record"
assert_eq "$(json 'j["domain"]' <<<"$(head -1 <<<"$out")")" "a.test" \
    "dump: in key order"
assert_eq "$(ctl dump 2>&1 | tail -1)" "3 records" "dump: human count"

# Refresh: a new id and policy take effect at once.
world_policy "$WORLD/nginx/mta-sts.a.test.policy" enforce 86400 mx9.a.test
world_dns_edit 's/_mta-sts.a.test. 300 TXT "v=STSv1; id=1"/_mta-sts.a.test. 300 TXT "v=STSv1; id=2"/'
out=$(ctl --json refresh a.test)
assert_eq "$(json 'j["reply"]' <<<"$out")" \
    "OK secure match=mx9.a.test servername=hostname" "refresh: new policy"
world_lookup a.test
assert_eq "$LOOKUP_OUT" "secure match=mx9.a.test servername=hostname" \
    "refresh: served to Postfix"

# Flush one, then all.
assert_ok "flush b.test" ctl flush b.test
assert_status 1 "b.test gone from the cache" ctl show b.test
world_lookup b.test
assert_eq "$(world_fetch_count mta-sts.b.test)" 2 "flushed domain refetched"
assert_ok "flush --all" ctl flush --all
assert_eq "$(ctl --json status | json 'j["cache"]["records"]')" 0 \
    "flush --all empties the cache"

# query: exactly as Postfix asks.
world_lookup c.test
out=$(world_exec "$MTA_STSCTL" query c.test)
assert_match "$out" $'^OK secure match=mail.c.test servername=hostname\ntime: [0-9.]+ ms$' \
    "query prints the reply and the time"
assert_status 1 "query: NOTFOUND exits 1" world_exec "$MTA_STSCTL" query none.test

# An unprivileged user may look, not change.
asnobody() {
	world_exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$MTA_STSCTL" -s "$SOCK" "$@"
}
assert_ok "nobody: status allowed" asnobody status
rc=0
err=$(asnobody flush c.test 2>&1) || rc=$?
assert_eq "$rc" 2 "nobody: flush refused (exit status)"
assert_match "$err" "permission denied" "nobody: flush refused (message)"
assert_status 2 "nobody: refresh refused" asnobody refresh c.test
assert_ok "c.test still cached" ctl show c.test

# A control client that connects and sends nothing stalls nobody.
world_exec "$WORLD_PYTHON" -c "
import socket, time
s = socket.socket(socket.AF_UNIX); s.connect('$SOCK'); time.sleep(4)" &
idle=$!
sleep 0.3
t0=$(date +%s%N)
world_lookup c.test
ms=$(world_ms_since "$t0")
assert_eq "$LOOKUP_RC" 0 "socketmap answers beside a silent control client"
[ "$ms" -lt 2000 ] && pass "... without delay (${ms} ms)" ||
    fail "socketmap reply took ${ms} ms"
assert_ok "control still answers others" ctl status
wait "$idle" || true

# /metrics over HTTP, parsed.
m=$(world_curl http://127.0.0.1:9461/metrics)
bad=$(grep -Ev '^(# (HELP|TYPE) mtastsd_[a-z_]+ .+|mtastsd_[a-z_]+(\{[a-z_]+="[a-z-]+"\})? [0-9]+)$' <<<"$m" || true)
assert_eq "$bad" "" "every /metrics line is valid exposition format"
assert_match "$(grep '^mtastsd_queries_total ' <<<"$m")" \
    '^mtastsd_queries_total ([1-9][0-9]*)$' "queries counted in /metrics"
assert_match "$m" 'mtastsd_fetches_total\{result="ok"\} [1-9]' \
    "fetches counted in /metrics"
assert_eq "$(ctl metrics | grep -c '^# TYPE')" \
    "$(grep -c '^# TYPE' <<<"$m")" "mta-stsctl metrics: same families"
assert_eq "$(world_curl -o /dev/null -w '%{http_code}' \
    http://127.0.0.1:9461/other)" 404 "other paths: 404"
assert_eq "$(world_curl -o /dev/null -w '%{http_code}' -X POST \
    http://127.0.0.1:9461/metrics)" 405 "other methods: 405"
assert_eq "$(world_curl -o /dev/null -w '%{http_code}' \
    -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' a)" \
    http://127.0.0.1:9461/metrics)" 431 "a request head over 4 KiB: 431"
assert_eq "$(world_curl -0 -o /dev/null -w '%{http_code}' \
    'http://127.0.0.1:9461/metrics?x=1')" 200 "HTTP/1.0, with a query: 200"

# One daemon per control socket; a stale socket is replaced.
rc=0
world_exec "$MTA_STSD" -f -c /dev/stdin >"$WORLD/second.log" 2>&1 <<EOF2 || rc=$?
listen = 127.0.0.1:18461
cache_dir = $WORLD/cache2
control_socket = $SOCK
EOF2
assert_eq "$rc" 1 "second daemon on the same control socket refused"
assert_match "$(cat "$WORLD/second.log")" "another mta-stsd is running" \
    "refusal explained"
kill -KILL "$WORLD_DAEMON_PID"
wait "$WORLD_DAEMON_PID" 2>/dev/null || true
WORLD_DAEMON_PID=
[ -S "$SOCK" ] && pass "stale socket left by kill -9" ||
    fail "no stale socket"
world_daemon_start "control_socket = $SOCK" "control_socket_mode = 0666"
assert_ok "restart replaces the stale socket" ctl status
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
[ ! -e "$SOCK" ] && pass "socket removed at stop" || fail "socket left"
world_summary
