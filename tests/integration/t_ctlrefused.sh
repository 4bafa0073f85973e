#!/bin/bash
# t_ctlrefused.sh: any local user who can reach the control socket can be
# refused as often as they like, so refusals must not flood the log: 100
# refused flush attempts from nobody make one line at once and one count
# of the rest when the quiet window ends, and the socket still serves.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
chmod 0711 "$WORLD"
mkdir -m 0755 "$WORLD/ctl"
SOCK=$WORLD/ctl/control.sock
world_daemon_start "control_socket = $SOCK" "control_socket_mode = 0666"

# 100 connections from nobody, one refused flush on each.
out=$(world_exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$WORLD_PYTHON" -c "
import json, socket
refused = 0
for i in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.connect('$SOCK')
    s.sendall(b'flush a.test\n')
    line = s.makefile().readline()
    if 'permission denied' in json.loads(line).get('error', ''):
        refused += 1
    s.close()
print(refused)")
assert_eq "$out" 100 "100 flush attempts from nobody refused"
assert_ok "root still served" world_exec "$MTA_STSCTL" -s "$SOCK" flush a.test

n=$(grep -c 'control refused' "$WORLD/daemon.log" || true)
[ "$n" -le 2 ] && pass "refusals logged at once: $n line(s)" ||
    fail "refusals logged at once: $n lines, want at most 2"
counted() {
	grep -q 'control refused suppressed=' "$WORLD/daemon.log"
}
# The quiet window is 10 s; the count follows when it ends.
if world_wait_until 20 counted; then
	pass "the rest are counted when the window ends"
else
	fail "no count of suppressed refusals"
fi
total=$(awk '/control refused/ {
	n++
	for (i = 1; i <= NF; i++)
		if ($i ~ /^suppressed=/) { split($i, kv, "="); n += kv[2] - 1 }
    } END { print n + 0 }' "$WORLD/daemon.log")
assert_eq "$total" 100 "lines plus counts account for every refusal"
n=$(grep -c 'control refused' "$WORLD/daemon.log" || true)
[ "$n" -le 3 ] && pass "at most a few lines in all ($n)" ||
    fail "$n refusal lines, want at most 3"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
