#!/bin/bash
# t_burst.sh: 200 simultaneous queries for one uncached domain share one
# lookup: exactly one TXT query and one HTTPS fetch, and all 200 get the
# same correct answer.  The HTTPS answer is slowed (not DNS, so no DNS
# retransmission muddies the count) to make sure they overlap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_init
world_dns_add '_mta-sts.burst.test. 300 TXT "v=STSv1; id=1"'
world_site mta-sts.burst.test --delay 2
world_dns_add '_mta-sts.quick.test. 300 TXT "v=STSv1; id=1"'
world_site mta-sts.quick.test
world_dns_start
world_nginx_start
world_daemon_start

res=$(world_exec "$WORLD_PYTHON" - <<'PY'
import selectors, socket, time
N = 200
key = b"sts burst.test"
req = b"%d:%s," % (len(key), key)
sel = selectors.DefaultSelector()
socks = []
for i in range(N):
    s = socket.create_connection(("127.0.0.1", 8461))
    socks.append(s)
for s in socks:
    s.sendall(req)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, bytearray())
replies = {}
deadline = time.time() + 30
while len(replies) < N and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        chunk = key.fileobj.recv(4096)
        key.data.extend(chunk)
        if not chunk or key.data.endswith(b","):
            replies[key.fileobj] = bytes(key.data)
            sel.unregister(key.fileobj)
distinct = set(replies.values())
print(len(replies), len(distinct))
for r in distinct:
    print(r.decode())
PY
)
want="secure match=mail.burst.test servername=hostname"
assert_eq "$(sed -n 1p <<<"$res")" "200 1" "200 replies, all identical"
assert_eq "$(sed -n 2p <<<"$res")" "$((${#want} + 3)):OK $want," \
    "the burst's reply is the policy"
assert_eq "$(world_fetch_count mta-sts.burst.test)" 1 \
    "exactly one HTTPS fetch for the burst"
assert_eq "$(world_dns_count _mta-sts.burst.test TXT)" 1 \
    "exactly one TXT query for the burst"
assert_match "$(grep 'lookup done.*domain=burst.test' "$WORLD/daemon.log")" \
    'waiters=200' "one lookup answered 200 waiters"

# Other domains were not held up meanwhile.
world_lookup quick.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" \
    "0|secure match=mail.quick.test servername=hostname" "other domain fine"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"

# query_wait: a slow lookup answers the waiting query with the fallback
# (NOTFOUND without a cached policy) and goes on to serve the next one.
# max_lookups: beyond it, new domains get the fallback at once.
for d in slow1 slow2 slow3; do
	world_dns_add "_mta-sts.$d.test. 300 TXT \"v=STSv1; id=1\""
	world_site "mta-sts.$d.test" --delay 3
done
world_nginx_reload
world_daemon_start "query_wait = 1s" "max_lookups = 2"
t0=$(date +%s%N)
world_lookup slow1.test
ms=$(world_ms_since "$t0")
assert_eq "$LOOKUP_RC" 1 "query_wait over: fallback NOTFOUND"
[ "$ms" -ge 900 ] && [ "$ms" -lt 2900 ] &&
    pass "answered after query_wait, before the fetch (${ms} ms)" ||
    fail "answer took ${ms} ms"
world_lookup slow2.test &
bg=$!
sleep 0.3
t0=$(date +%s%N)
world_lookup slow3.test
ms=$(world_ms_since "$t0")
assert_eq "$LOOKUP_RC" 1 "third domain at max_lookups = 2: NOTFOUND"
[ "$ms" -lt 800 ] && pass "... at once (${ms} ms)" ||
    fail "at the lookup limit the answer took ${ms} ms"
wait "$bg" || true
assert_eq "$(grep -c 'lookups at limit max=2' "$WORLD/daemon.log")" 1 \
    "lookup limit logged once"
sleep 3
world_lookup slow1.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" \
    "0|secure match=mail.slow1.test servername=hostname" \
    "the lookup went on and its result serves the next query"
assert_eq "$(world_fetch_count mta-sts.slow1.test)" 1 \
    "without a second fetch"
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
