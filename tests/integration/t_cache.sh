#!/bin/bash
# t_cache.sh: the persistent policy cache (RFC 8461 §3.1, §5.1): served
# without network traffic while valid, re-checked when the TXT TTL runs
# out, kept through DNS and HTTPS failures, never served once expired,
# and still there after kill -9.  Time-based checks use short configured
# values and generous margins.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_need_tools mdb_load
world_init
P=$WORLD/policies
mkdir -p "$P"

site() {	# domain ttl max_age mx
	world_dns_add "_mta-sts.$1. $2 TXT \"v=STSv1; id=1\""
	world_policy "$P/$1" enforce "$3" "$4"
	world_site "mta-sts.$1" --body "$P/$1"
}
site hit.test 300 86400 mx.hit.test
site change.test 2 86400 mx1.change.test
site gone404.test 1 86400 mx.gone404.test
site servfail.test 1 86400 mx.servfail.test
site removed.test 1 86400 mx.removed.test
site short.test 1 3 mx.short.test
site failing.test 300 86400 mx.failing.test
rm "$P/failing.test"		# 404 from the start
site corrupt.test 300 86400 mx.corrupt.test
site corrupt2.test 300 86400 mx.corrupt2.test
site zero.test 300 0 mx.zero.test

world_dns_start
world_nginx_start
CONF=("query_wait = 5s" "failure_ttl = 1s" "negative_ttl = 300s"
    "retry_min = 60s" "txt_ttl_min = 1s")
world_daemon_start "${CONF[@]}"

policy() {	# domain mx -> the enforce reply
	echo "secure match=$2 servername=hostname"
}
expect() {	# key rc out msg
	world_lookup "$1"
	assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "$2|$3" "$4"
}

# First query fetches once, later ones cost nothing.
expect hit.test 0 "$(policy hit.test mx.hit.test)" "first query fetches"
expect hit.test 0 "$(policy hit.test mx.hit.test)" "second query from cache"
expect HIT.test. 0 "$(policy hit.test mx.hit.test)" "third query from cache"
assert_eq "$(world_fetch_count mta-sts.hit.test)" 1 "one fetch for three"
assert_eq "$(world_dns_count _mta-sts.hit.test TXT)" 1 "one TXT query"

# Negative results are cached: no DNS traffic for repeated queries.
expect nothing.test 1 "" "no policy"
expect nothing.test 1 "" "no policy again"
assert_eq "$(world_dns_count _mta-sts.nothing.test TXT)" 1 \
    "negative result cached"

# A fetch that failed is not retried for the same id before retry_min.
expect failing.test 1 "" "failing fetch: NOTFOUND"
sleep 2	# past failure_ttl: DNS is asked again, HTTPS is not
expect failing.test 1 "" "failing fetch again: NOTFOUND"
assert_eq "$(world_dns_count _mta-sts.failing.test TXT)" 2 \
    "TXT re-checked after failure_ttl"
assert_eq "$(world_fetch_count mta-sts.failing.test)" 1 \
    "failed id not refetched before retry_min"

# max_age 0: the policy applies to the query that fetched it only.
expect zero.test 0 "$(policy zero.test mx.zero.test)" "max_age 0 applies"
# Remembered for a moment (failure_ttl = 1s here), so a stream of
# queries is no stream of fetches; never stored.
expect zero.test 0 "$(policy zero.test mx.zero.test)" "max_age 0 again"
assert_eq "$(world_fetch_count mta-sts.zero.test)" 1 \
    "max_age 0: not fetched again at once"
sleep 1.5
expect zero.test 0 "$(policy zero.test mx.zero.test)" "max_age 0 refetched"
assert_eq "$(world_fetch_count mta-sts.zero.test)" 2 "max_age 0 not cached"

# Prime the others.
expect change.test 0 "$(policy change.test mx1.change.test)" "change: v1"
expect gone404.test 0 "$(policy gone404.test mx.gone404.test)" "404: primed"
expect servfail.test 0 "$(policy servfail.test mx.servfail.test)" \
    "servfail: primed"
expect removed.test 0 "$(policy removed.test mx.removed.test)" \
    "removed: primed"
expect short.test 0 "$(policy short.test mx.short.test)" "short: primed"
expect corrupt.test 0 "$(policy corrupt.test mx.corrupt.test)" \
    "corrupt: primed"

# Garbage in one record, written with LMDB's own tools while the daemon
# runs: logged, answered from the copy the daemon read lately (no first
# discovery for a domain in use), and repaired on disk from it.
printf 'corrupt.test\nthis is not a record\n' |
    mdb_load -T -s policies "$WORLD/cache"
expect corrupt.test 0 "$(policy corrupt.test mx.corrupt.test)" \
    "corrupt record: answered from memory, not a crash"
assert_eq "$(world_fetch_count mta-sts.corrupt.test)" 1 \
    "corrupt record: no fetch needed"
assert_match "$(cat "$WORLD/daemon.log")" \
    "cache corrupt_record domain=corrupt.test" "corrupt record logged"
assert_match "$(cat "$WORLD/daemon.log")" \
    "cache get domain=corrupt.test served=memory" "served from memory, logged"
# The daemon never read corrupt2.test: the next query fetches it again.
printf 'corrupt2.test\nthis is not a record\n' |
    mdb_load -T -s policies "$WORLD/cache"
expect corrupt2.test 0 "$(policy corrupt2.test mx.corrupt2.test)" \
    "corrupt record unknown to the daemon: refetched, not a crash"
assert_eq "$(world_fetch_count mta-sts.corrupt2.test)" 1 \
    "corrupt record unknown to the daemon: replaced by a fetch"

# The domain owner changes id and policy: in effect within TTL + 1 s.
world_policy "$P/change.test" enforce 86400 mx2.change.test
world_dns_edit 's/_mta-sts.change.test. 2 TXT "v=STSv1; id=1"/_mta-sts.change.test. 2 TXT "v=STSv1; id=2"/'
# New id, but the new policy is gone (404): the old one stays.
world_dns_edit 's/_mta-sts.gone404.test. 1 TXT "v=STSv1; id=1"/_mta-sts.gone404.test. 1 TXT "v=STSv1; id=2"/'
rm "$P/gone404.test"
# DNS breaks; the TXT record disappears; the short policy's server fails.
world_dns_edit 's/^_mta-sts.servfail.test. .*/_mta-sts.servfail.test. SERVFAIL/'
world_dns_edit '/^_mta-sts.removed.test. /d'
rm "$P/short.test"
world_dns_edit 's/_mta-sts.short.test. 1 TXT "v=STSv1; id=1"/_mta-sts.short.test. 1 TXT "v=STSv1; id=9"/'
sleep 3

expect change.test 0 "$(policy change.test mx2.change.test)" \
    "new id and policy served within TTL + 1 s"
assert_eq "$(world_fetch_count mta-sts.change.test)" 2 "new policy fetched"
expect gone404.test 0 "$(policy gone404.test mx.gone404.test)" \
    "new id with 404: cached policy kept"
expect servfail.test 0 "$(policy servfail.test mx.servfail.test)" \
    "SERVFAIL: cached policy kept"
expect removed.test 0 "$(policy removed.test mx.removed.test)" \
    "TXT removed: cached policy kept"
sleep 3	# short.test's max_age of 3 s is over
expect short.test 1 "" "expired policy never served"
log=$(cat "$WORLD/daemon.log")
assert_match "$log" "policy kept domain=gone404.test id=1" \
    "kept policy logged as a warning"
assert_match "$log" "policy updated domain=change.test old_id=1 new_id=2" \
    "policy update logged"

# kill -9, then restart with DNS and HTTPS both down.
kill -KILL "$WORLD_DAEMON_PID"
wait "$WORLD_DAEMON_PID" 2>/dev/null || true
WORLD_DAEMON_PID=
kill "$WORLD_NGINX_PID"
world_dns_edit 's/^\(_mta-sts\.[a-z0-9.]*\) .*/\1 SERVFAIL/'
world_daemon_start "${CONF[@]}"
expect hit.test 0 "$(policy hit.test mx.hit.test)" \
    "after kill -9 and restart, DNS and HTTPS down: cached policy"
expect change.test 0 "$(policy change.test mx2.change.test)" \
    "after restart: the updated policy"
expect corrupt.test 0 "$(policy corrupt.test mx.corrupt.test)" \
    "after restart: the repaired record"
expect corrupt2.test 0 "$(policy corrupt2.test mx.corrupt2.test)" \
    "after restart: the replaced record"
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
