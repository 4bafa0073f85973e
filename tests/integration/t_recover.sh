#!/bin/bash
# t_recover.sh: the lookup engine keeps its promises when DNS or HTTPS
# fail and recover (README, "When things fail"):
#   - a new valid id is in effect within the TXT TTL + 1 s after a failed
#     fetch of an earlier id, not after the fetch back-off (retry_min);
#   - within the TXT failure back-off after SERVFAIL, and within the
#     negative TTL after the record vanished;
#   - while the last check failed, queries get the cached policy at once;
#   - a flush during a lookup wins: the record does not come back;
#   - lookups of unknown domains filling max_lookups do not stop the
#     re-check of a cached domain.
# Times use short configured values; each bound has a generous margin but
# stays far below retry_min (10 min here), which the old engine waited.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
P=$WORLD/policies
mkdir -p "$P"

site() {	# domain ttl mx [delay]
	world_dns_add "_mta-sts.$1. $2 TXT \"v=STSv1; id=1\""
	world_policy "$P/$1" enforce 86400 "$3"
	world_site "mta-sts.$1" --body "$P/$1" ${4:+--delay "$4"}
}
site fetchfail.test 2 mx1.fetchfail.test
site servfail.test 2 mx1.servfail.test
site vanish.test 2 mx1.vanish.test
site flush.test 1 mx1.flush.test
site kept.test 1 mx1.kept.test
site swr.test 1 mx1.swr.test
for i in 1 2 3 4; do
	site "hog$i.test" 300 "mx.hog$i.test" 8
done
world_dns_start
world_nginx_start
SOCK=$WORLD/control.sock
world_daemon_start "query_wait = 3s" "retry_min = 10m" "retry_max = 1h" \
    "failure_ttl = 20s" "negative_ttl = 3s" "txt_ttl_min = 1s" \
    "dns_timeout = 1s" "dns_tries = 1" "max_lookups = 2" \
    "max_rechecks = 4"

policy() {	# mx -> the enforce reply
	echo "secure match=$1 servername=hostname"
}
expect() {	# key mx msg
	world_lookup "$1"
	assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "0|$(policy "$2")" "$3"
}
# until_reply KEY MX LIMIT_S: poll every 0.25 s until KEY answers the
# policy for MX; print the milliseconds it took, or fail after LIMIT_S.
until_reply() {
	local t0 want
	t0=$(date +%s%N)
	want="0|$(policy "$2")"
	while :; do
		world_lookup "$1"
		[ "$LOOKUP_RC|$LOOKUP_OUT" = "$want" ] && break
		[ "$(world_ms_since "$t0")" -gt $(($3 * 1000)) ] && {
			echo "-1"
			return 0
		}
		sleep 0.25
	done
	world_ms_since "$t0"
}
ctl() {
	world_exec "$MTA_STSCTL" -s "$SOCK" "$@"
}
# within KEY MX LIMIT_MS WHAT: the policy for MX is served for KEY within
# LIMIT_MS (polled; gives up after 30 s).
within() {
	local ms
	ms=$(until_reply "$1" "$2" 30)
	[ "$ms" -ge 0 ] && [ "$ms" -le "$3" ] &&
	    pass "$4: new id in effect in ${ms} ms" ||
	    fail "$4: new id took ${ms} ms, want <= $3"
}

for d in fetchfail servfail vanish flush kept swr; do
	expect "$d.test" "mx1.$d.test" "$d: primed"
done

# 1. A new id whose fetch fails (404), then the owner publishes a fixed
#    policy under another id: in effect within the TTL (2 s) + 1 s.
rm "$P/fetchfail.test"
world_dns_edit 's/_mta-sts.fetchfail.test. 2 TXT "v=STSv1; id=1"/_mta-sts.fetchfail.test. 2 TXT "v=STSv1; id=2"/'
sleep 3
expect fetchfail.test mx1.fetchfail.test "fetch of id 2 fails: id 1 kept"
world_wait_until 10 grep -q 'policy fetch failed.*domain=fetchfail.test id=2' \
    "$WORLD/daemon.log" || fail "the failed fetch of id 2 was not logged"
world_policy "$P/fetchfail.test" enforce 86400 mx2.fetchfail.test
world_dns_edit 's/fetchfail.test. 2 TXT "v=STSv1; id=2"/fetchfail.test. 2 TXT "v=STSv1; id=3"/'
within fetchfail.test mx2.fetchfail.test 6000 "after a failed fetch (TTL 2 s)"

# 2. SERVFAIL, then the record is back with a new id: within the first
#    failure back-off (5 s) plus the re-check.
world_dns_edit 's/^_mta-sts.servfail.test. .*/_mta-sts.servfail.test. SERVFAIL/'
sleep 3
expect servfail.test mx1.servfail.test "SERVFAIL: cached policy kept"
world_policy "$P/servfail.test" enforce 86400 mx2.servfail.test
world_dns_edit 's/^_mta-sts.servfail.test. SERVFAIL/_mta-sts.servfail.test. 2 TXT "v=STSv1; id=2"/'
within servfail.test mx2.servfail.test 12000 "after SERVFAIL (back-off 5 s)"

# 3. The record vanishes (NXDOMAIN), then comes back with a new id:
#    within negative_ttl (3 s) plus the re-check.
world_dns_edit '/^_mta-sts.vanish.test. /d'
sleep 3
expect vanish.test mx1.vanish.test "TXT gone: cached policy kept"
world_policy "$P/vanish.test" enforce 86400 mx2.vanish.test
world_dns_add '_mta-sts.vanish.test. 2 TXT "v=STSv1; id=2"'
within vanish.test mx2.vanish.test 10000 "after NXDOMAIN (negative TTL 3 s)"

# 4. While the last check failed, a due re-check does not make queries
#    wait: DNS drops every query for swr.test (timeout 1 s), yet each
#    query is answered at once from the cached policy.
world_dns_edit 's/^_mta-sts.swr.test. .*/_mta-sts.swr.test. DROP/'
sleep 2
world_lookup swr.test		# the re-check that fails (waits)
sleep 2
slow=0
for i in 1 2 3 4 5 6 7 8; do
	t0=$(date +%s%N)
	world_lookup swr.test
	ms=$(world_ms_since "$t0")
	[ "$LOOKUP_RC|$LOOKUP_OUT" = "0|$(policy mx1.swr.test)" ] ||
	    slow=$((slow + 100))
	[ "$ms" -lt 900 ] || slow=$((slow + 1))
	sleep 1
done
assert_eq "$slow" 0 "DNS timing out: 8 queries over 8 s answered at once"

# 5. A flush during a lookup wins: DNS never answers for flush.test, a
#    query starts its re-check, the record is flushed meanwhile, and when
#    the lookup gives up the record does not come back.
world_dns_edit 's/^_mta-sts.flush.test. .*/_mta-sts.flush.test. DROP/'
sleep 2
world_lookup flush.test &
bg=$!
sleep 0.5
ctl flush flush.test >/dev/null
wait "$bg" || true
sleep 3			# the lookup's DNS timeout has long run out
rc=0
out=$(ctl show flush.test 2>&1) || rc=$?
assert_match "$out" "not in the cache" "flushed during a lookup: stays gone"
world_lookup flush.test
assert_eq "$LOOKUP_RC" 1 "flushed, DNS down: NOTFOUND (first contact)"

# 6. Unknown domains fill max_lookups (2) with slow fetches; a cached
#    domain's new id is still fetched (max_rechecks, a pool of its own).
world_policy "$P/kept.test" enforce 86400 mx2.kept.test
world_dns_edit 's/kept.test. 1 TXT "v=STSv1; id=1"/kept.test. 1 TXT "v=STSv1; id=2"/'
hogs=()
for i in 1 2 3 4; do
	world_lookup "hog$i.test" &
	hogs+=($!)
done
sleep 1.5
world_lookup hog4.test
assert_eq "$LOOKUP_RC" 1 "max_lookups full: an unknown domain gets NOTFOUND"
assert_match "$(grep 'lookups at limit max=2' "$WORLD/daemon.log")" \
    'at limit' "the full pool is logged"
expect kept.test mx2.kept.test \
    "pool full of unknown domains: the cached domain's new id is fetched"
wait "${hogs[@]}" || true

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
