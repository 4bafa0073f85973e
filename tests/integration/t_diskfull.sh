#!/bin/bash
# t_diskfull.sh: a full disk loses nothing the daemon knows (README,
# "When things fail", and cache.h "Memory").  The cache lives on a small
# tmpfs that the test fills: a policy fetched meanwhile is served from
# memory without being fetched again, the alarm shows in the log, the
# status and the metrics, and once there is room again the policy is
# written and survives a restart with DNS and HTTPS down.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
P=$WORLD/policies
mkdir -p "$P"
for d in a.test b.test; do
	world_dns_add "_mta-sts.$d. 1 TXT \"v=STSv1; id=1\""
	world_policy "$P/$d" enforce 86400 "mx.$d"
	world_site "mta-sts.$d" --body "$P/$d"
done
world_dns_start
world_nginx_start
mount -t tmpfs -o size=2m tmpfs "$WORLD/cache"
world_on_exit "umount -l '$WORLD/cache'"
SOCK=$WORLD/control.sock
CONF=("cache_map_size = 1M" "usage_flush = 4s" "txt_ttl_min = 1s"
    "metrics_listen = 127.0.0.1:9461")
world_daemon_start "${CONF[@]}"

policy() {
	echo "secure match=$1 servername=hostname"
}
expect() {	# key mx msg
	world_lookup "$1"
	assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "0|$(policy "$2")" "$3"
}
ctl() {
	world_exec "$MTA_STSCTL" -s "$SOCK" "$@"
}

expect a.test mx.a.test "a.test fetched and written"
# Fill the file system: the next write of the cache fails (ENOSPC).
dd if=/dev/zero of="$WORLD/cache/filler" bs=64k >/dev/null 2>&1 || true
assert_eq "$(df --output=avail "$WORLD/cache" | tail -1 | tr -d ' ')" 0 \
    "the cache's file system is full"

expect b.test mx.b.test "disk full: b.test fetched and answered"
world_wait_until 10 grep -q 'cache writes failing' "$WORLD/daemon.log" ||
    fail "the failing writes were not logged"
for i in 1 2 3; do
	expect b.test mx.b.test "disk full: b.test answered again ($i)"
done
assert_eq "$(world_fetch_count mta-sts.b.test)" 1 \
    "disk full: b.test served from memory, not fetched again"
sleep 1.5
expect a.test mx.a.test "disk full: a.test re-checked and answered"
assert_match "$(ctl status)" 'cache ALARM: +writes [A-Za-z]+, [1-9][0-9]* records only in memory' \
    "status shows the alarm"
assert_match "$(world_curl http://127.0.0.1:9461/metrics)" \
    'mtastsd_cache_unwritten_records [1-9]' "metrics show the alarm"
assert_eq "$(grep -c 'cache writes failing' "$WORLD/daemon.log")" 1 \
    "the alarm is logged once, not once per write"

rm -f "$WORLD/cache/filler"
world_wait_until 15 grep -q 'cache writes work again' "$WORLD/daemon.log" ||
    fail "the recovery was not logged"
out=$(ctl status)
[[ "$out" != *"cache ALARM"* ]] && pass "status: alarm cleared" ||
    fail "status still shows the alarm: $out"

# Restart with DNS and HTTPS down: b.test must come from the disk.
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_dns_edit 's/^_mta-sts.b.test. .*/_mta-sts.b.test. SERVFAIL/'
rm "$P/b.test"
world_daemon_start "${CONF[@]}"
expect b.test mx.b.test "after the disk recovered and a restart: b.test from disk"
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
