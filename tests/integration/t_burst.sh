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
world_summary
