#!/bin/bash
# fault_soak.sh [SECONDS] [SEED]: a randomised fault soak of the lookup
# engine in a private fake internet (needs root, like the integration
# tests; run from a build: top_builddir=build tests/soak/fault_soak.sh).
#
# Twelve domains flip between healthy, SERVFAIL, TXT removed and a new id
# whose policy is 404, and now and then publish a new id with a new valid
# policy, under steady query load.  It prints, per state that preceded a
# publication, how long the daemon went on serving an older policy
# (README, "When things fail", says what to expect).  Not part of
# `make check`: it runs for minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$here/../../build}"
export top_builddir
. "$here/../integration/lib.sh"

secs=${1:-180}
seed=${2:-1}
world_init
P=$WORLD/policies
mkdir -p "$P"
doms=()
for i in $(seq 0 11); do
	d=s$i.test
	doms+=("$d")
	world_dns_add "_mta-sts.$d. 2 TXT \"v=STSv1; id=1\""
	world_policy "$P/$d" enforce 86400 "mx1.$d"
	world_site "mta-sts.$d" --body "$P/$d"
done
world_dns_start
world_nginx_start
world_daemon_start "query_wait = 2s" "txt_ttl_min = 1s" \
    "failure_ttl = 10s" "negative_ttl = 5s" "retry_min = 20s" \
    "retry_max = 1m" "dns_timeout = 1s" "dns_tries = 1"
for d in "${doms[@]}"; do
	world_lookup "$d"
done
list=$(IFS=,; echo "${doms[*]}")
world_exec "$WORLD_PYTHON" "$here/fault_soak.py" --zone "$WORLD/dns/zone" \
    --policies "$P" --domains "$list" --seconds "$secs" --seed "$seed" \
    --port "$WORLD_DAEMON_PORT" --ttl 2
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
