#!/bin/bash
# t_ctlrefresh.sh: `mta-stsctl refresh` of a domain whose policy server
# answers only after control_timeout has passed still gets its answer:
# the client's idle timeout waits while the daemon works on its command
# (the lookup has timeouts of its own) and runs again once the answer is
# out.  Refreshes still in flight when the daemon stops, their client
# waiting or gone, are freed (the sanitizer build's LeakSanitizer makes a
# leak a non-zero exit status).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
for d in a.test b.test c.test d.test; do
	world_dns_add "_mta-sts.$d. 300 TXT \"v=STSv1; id=1\""
	world_site "mta-sts.$d" --delay 3
done
world_dns_start
world_nginx_start
chmod 0711 "$WORLD"
mkdir -m 0755 "$WORLD/ctl"
SOCK=$WORLD/ctl/control.sock
world_daemon_start "control_socket = $SOCK" "control_timeout = 1s"

ctl() {
	world_exec "$MTA_STSCTL" -s "$SOCK" "$@"
}
json() {	# python expression over j, reading JSON on stdin
	"$WORLD_PYTHON" -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

t0=$(date +%s%N)
rc=0
out=$(ctl --json refresh a.test 2>&1) || rc=$?
ms=$(world_ms_since "$t0")
assert_eq "$rc" 0 "refresh slower than control_timeout succeeds"
assert_eq "$(json 'j["ok"], j["reply"]' <<<"$out" 2>/dev/null)" \
    "True OK secure match=mail.a.test servername=hostname" \
    "refresh reports the new policy"
[ "$ms" -ge 2500 ] && pass "the fetch took longer than control_timeout ($ms ms)" ||
    fail "the refresh took $ms ms, want the site's 3 s delay"
world_lookup a.test
assert_eq "$LOOKUP_OUT" "secure match=mail.a.test servername=hostname" \
    "the refreshed policy is served"

# After the answer the idle timeout runs again; a silent client still goes.
out=$(world_exec "$WORLD_PYTHON" -c "
import json, socket, time
s = socket.socket(socket.AF_UNIX)
s.connect('$SOCK')
s.sendall(b'refresh b.test\n')
f = s.makefile('rb')
line = f.readline()
t = time.monotonic()
rest = f.read()
print(line and json.loads(line)['ok'], round(time.monotonic() - t, 1),
    len(rest))
s = socket.socket(socket.AF_UNIX)
s.connect('$SOCK')
t = time.monotonic()
s.recv(1)
print(round(time.monotonic() - t, 1))")
read -r ok after extra idle <<<"$(tr '\n' ' ' <<<"$out")"
assert_eq "$ok $extra" "True 0" "refresh on a raw connection answered"
assert_match "$after" '^(0\.[5-9]|1\.[0-9]|2\.[0-9])$' \
    "idle timeout re-armed after the answer (closed ${after} s later)"
assert_match "$idle" '^(0\.[5-9]|1\.[0-9]|2\.[0-9])$' \
    "a silent client is still closed at control_timeout (${idle} s)"

# Two refreshes in flight at stop: one client waiting, one gone.
world_bg waiting "$MTA_STSCTL" -s "$SOCK" refresh c.test
world_exec "$WORLD_PYTHON" -c "
import socket
s = socket.socket(socket.AF_UNIX)
s.connect('$SOCK')
s.sendall(b'refresh d.test\n')"
sleep 1
assert_match "$(cat "$WORLD/daemon.log")" "control refresh domain=d.test" \
    "refresh d.test started, its client gone"
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "stops with refreshes in flight, nothing leaked"
world_summary
