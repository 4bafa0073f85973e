#!/bin/bash
# t_privdrop.sh: started as root with user/group set, the daemon opens its
# listener and control socket, creates its directories for that user,
# drops groups, gid and uid, and then works as that user (DNS, HTTPS,
# cache writes, control socket, configuration reloads).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
chmod 0711 "$WORLD"
chmod -R a+rX "$WORLD/pki"
world_dns_add '_mta-sts.drop.test. 300 TXT "v=STSv1; id=1"'
world_site mta-sts.drop.test
world_dns_start
world_nginx_start
mkdir -m 0755 "$WORLD/run"
world_daemon_start "user = nobody" "group = nogroup" \
    "cache_dir = $WORLD/run/cache" "control_socket = $WORLD/run/ctl/sock"

status=$(cat "/proc/$(pgrep -P "$WORLD_DAEMON_PID" -x mta-stsd ||
    echo "$WORLD_DAEMON_PID")/status")
uid=$(id -u nobody)
gid=$(getent group nogroup | cut -d: -f3)
assert_match "$status" $'Uid:\t'"$uid"$'\t'"$uid"$'\t'"$uid"$'\t'"$uid" \
    "all uids are nobody's"
assert_match "$status" $'Gid:\t'"$gid"$'\t'"$gid"$'\t'"$gid"$'\t'"$gid" \
    "all gids are nogroup's"
assert_eq "$(sed -n 's/^Groups:[[:space:]]*//p' <<<"$status" | xargs)" \
    "$gid" "supplementary groups dropped"
assert_match "$status" $'CapEff:\t0000000000000000' "no capabilities left"
assert_match "$(cat "$WORLD/daemon.log")" \
    "privileges dropped user=nobody uid=$uid gid=$gid" "drop logged"
assert_eq "$(stat -c %U:%a "$WORLD/run/cache")" "nobody:750" \
    "cache directory created for the user, mode 0750"
assert_eq "$(stat -c %U "$WORLD/run/ctl/sock")" "nobody" \
    "control socket given to the user"

world_lookup drop.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" \
    "0|secure match=mail.drop.test servername=hostname" \
    "discovery works after the drop"
assert_eq "$(stat -c %U "$WORLD/run/cache/data.mdb")" "nobody" \
    "cache files belong to the user"
assert_ok "control socket answers" world_exec "$MTA_STSCTL" \
    -s "$WORLD/run/ctl/sock" show drop.test

# A reload reads the file as the user: fine while it may, a clear error
# (and nothing changed) when it may not.
logged() {
	grep -Eq -- "$1" "$WORLD/daemon.log"
}
chmod 0644 "$WORLD/mta-stsd.conf"
kill -HUP "$WORLD_DAEMON_PID"
world_wait_until 10 logged 'reloaded config=' && pass "reload as the user" ||
    fail "reload as the user: no reloaded line"
chmod 0600 "$WORLD/mta-stsd.conf"
kill -HUP "$WORLD_DAEMON_PID"
world_wait_until 10 logged "reload failed: $WORLD/mta-stsd.conf: Permission denied" &&
    pass "unreadable file: reload refused with the reason" ||
    fail "unreadable file: no reload failed line"
world_lookup drop.test
assert_eq "$LOOKUP_RC" 0 "still serving after the refused reload"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
