#!/bin/bash
# t_refresh.sh: proactive renewal.  A policy in use is refetched before
# max_age runs out, so it survives an outage that starts after its first
# expiry would have come; a domain nobody queries is not refreshed and is
# deleted once its policy has expired.  Short configured periods, generous
# margins.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_need_tools mdb_dump
world_init
P=$WORLD/policies
mkdir -p "$P"
world_dns_add '_mta-sts.renew.test. 300 TXT "v=STSv1; id=1"'
world_policy "$P/renew.test" enforce 8 mx.renew.test
world_site mta-sts.renew.test --body "$P/renew.test"
world_dns_add '_mta-sts.unused.test. 300 TXT "v=STSv1; id=1"'
world_policy "$P/unused.test" enforce 2 mx.unused.test
world_site mta-sts.unused.test --body "$P/unused.test"
world_dns_start
world_nginx_start
world_daemon_start "refresh_scan = 1s" "check_interval = 3s" \
    "unused_after = 3s" "usage_flush = 1s" "retry_min = 1s"

RENEW="secure match=mx.renew.test servername=hostname"
world_lookup renew.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "0|$RENEW" "renew.test fetched"
world_lookup unused.test
assert_eq "$LOOKUP_RC" 0 "unused.test fetched"
t0=$(date +%s)

# Keep renew.test in use; renewal is due at 75 % of max_age (6 s).
for _ in 1 2 3 4 5 6 7; do
	sleep 1
	world_lookup renew.test
done
assert_match "$(world_fetch_count mta-sts.renew.test)" '^[2-9]$' \
    "policy refetched in the background before max_age"
assert_match "$(world_dns_count _mta-sts.renew.test TXT)" '^([3-9]|[1-9][0-9])$' \
    "TXT id checked periodically without waiting for queries"

# unused.test: queried once, 2 s max_age, unused after 3 s: deleted.
gone=1
for _ in $(seq 20); do
	if ! mdb_dump -s policies -p "$WORLD/cache" | grep -q '^ unused.test$'
	then
		gone=0
		break
	fi
	sleep 0.5
	world_lookup renew.test
done
assert_eq "$gone" 0 "unused expired record deleted"
n1=$(world_fetch_count mta-sts.unused.test)
for _ in 1 2 3; do sleep 1; world_lookup renew.test; done
assert_eq "$(world_fetch_count mta-sts.unused.test)" "$n1" \
    "a domain nobody queries is no longer refreshed"
assert_match "$(cat "$WORLD/daemon.log")" \
    "cache expired unused domain=unused.test deleted" "deletion logged"

# Outage from now on; the first fetch's max_age (8 s) runs out meanwhile.
kill "$WORLD_NGINX_PID"
world_dns_edit 's/^_mta-sts.renew.test. .*/_mta-sts.renew.test. SERVFAIL/'
while [ $(($(date +%s) - t0)) -lt 10 ]; do sleep 0.5; done
el=$(($(date +%s) - t0))
[ "$el" -ge 9 ] && pass "outage query ${el} s after the first fetch (max_age 8 s)" ||
    fail "outage query too early (${el} s)"
world_lookup renew.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "0|$RENEW" \
    "renewed policy still served after the first max_age, during an outage"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
