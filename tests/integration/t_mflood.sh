#!/bin/bash
# t_mflood.sh: the metrics endpoint shares the open-files limit with
# c-ares and curl.  With the daemon at 256 descriptors, 300 metrics
# connections held open (each trickling a header byte a second) must not
# take the sockets DNS and HTTPS need: the endpoint stops accepting at
# metrics_max_connections, lookups of domains not cached still succeed,
# nothing logs a want of descriptors, and /metrics answers again once
# the flood is over.  50 control connections held at the same time stay
# within control_max_clients.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
BIN=${MTA_STSD:-$top_builddir/src/mta-stsd}

world_init
DOMAINS="d1.test d2.test d3.test d4.test d5.test d6.test"
for d in $DOMAINS; do
	world_dns_add "_mta-sts.$d. 300 TXT \"v=STSv1; id=1\""
	world_site "mta-sts.$d"
done
world_dns_start
world_nginx_start

# The daemon at a hard limit of 256 descriptors (it raises soft to hard).
cat >"$WORLD/limited-mta-stsd" <<EOF
#!/bin/sh
exec prlimit --nofile=256:256 -- "$BIN" "\$@"
EOF
chmod 0755 "$WORLD/limited-mta-stsd"
MTA_STSD=$WORLD/limited-mta-stsd world_daemon_start \
    "metrics_listen = 127.0.0.1:9461" "max_lookups = 32" "max_rechecks = 16"
assert_eq "$(awk '/Max open files/ { print $4 }' \
    "/proc/$WORLD_DAEMON_PID/limits")" 256 "daemon runs at 256 descriptors"
# 256 - (64 kept back + 32 lookups + 16 re-checks + 16 control + 16 metrics)
assert_match "$(grep -o 'started .*' "$WORLD/daemon.log")" "max_connections=112 " \
    "socketmap connections leave room for control and metrics clients"

FLOOD=300
world_bg flood "$WORLD_PYTHON" -c "
import socket, time
socks = []
for i in range($FLOOD):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(('127.0.0.1', 9461))
    socks.append(s)
for i in range(50):
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    s.connect_ex('$WORLD/control.sock')
    socks.append(s)
open('$WORLD/flood.ready', 'w').close()
# A header byte a second keeps a read timeout from firing; 12 s in all.
for i in range(12):
    time.sleep(1)
    for s in socks:
        try:
            s.send(b'GET /metrics HTTP/1.1\r\nX: y\r\n'[i:i + 1])
        except OSError:
            pass
"
FLOOD_PID=$WORLD_LAST_PID
world_wait_until 10 test -e "$WORLD/flood.ready" ||
    fail "flood client did not start"
sleep 1
fds=$(ls "/proc/$WORLD_DAEMON_PID/fd" | wc -l)
[ "$fds" -lt 100 ] && pass "flood held off: the daemon has $fds descriptors" ||
    fail "the daemon holds $fds descriptors during the flood"

ok=0
t0=$(date +%s%N)
for d in $DOMAINS; do
	world_lookup "$d"
	if [ "$LOOKUP_OUT" = "secure match=mail.$d servername=hostname" ]; then
		ok=$((ok + 1))
	else
		echo "# $d: rc=$LOOKUP_RC out='$LOOKUP_OUT'"
	fi
done
ms=$(world_ms_since "$t0")
assert_eq "$ok" 6 "uncached lookups (DNS and HTTPS) succeed during the flood"
[ "$ms" -lt 5000 ] && pass "... promptly (6 lookups in $ms ms)" ||
    fail "6 lookups took $ms ms"
assert_eq "$(world_fetch_count "mta-sts.d1.test")" 1 "policy fetched over HTTPS"
_world_alive "$FLOOD_PID" && pass "the flood lasted through the lookups" ||
    fail "the flood ended before the lookups"

wait "$FLOOD_PID" 2>/dev/null || true
code=$(world_curl -o /dev/null -w '%{http_code}' \
    http://127.0.0.1:9461/metrics || true)
assert_eq "$code" 200 "/metrics answers once the flood is over"
bad=$(grep -Ei 'too many open files|EMFILE|socket failure|could not contact|descriptor' \
    "$WORLD/daemon.log" | head -3 || true)
assert_eq "$bad" "" "no lack of descriptors logged"
assert_eq "$(grep -c 'metrics connections at limit' "$WORLD/daemon.log")" 1 \
    "the cap is logged once"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
