#!/bin/bash
# t_ctlperm.sh: who may change state through the control socket is
# decided from the credentials the kernel recorded at connect()
# (SO_PEERCRED, SO_PEERGROUPS) and control_group's gid resolved at start,
# with no NSS call on the event loop: a slow LDAP or SSSD behind
# getpwuid()/getgrouplist() would stall the socketmap service for every
# local user who can reach the socket.  strace watches the running daemon
# while root, nobody and control_group members (by primary or by
# supplementary group) send flush: no passwd, group or nsswitch file is
# opened and no NSS socket (nscd, sssd, systemd-userdb) is connected.
# Membership is the client process's: a user listed in the group file
# whose process does not carry the group is refused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"
command -v strace >/dev/null ||
    { echo "SKIP: strace is not installed" >&2; exit 77; }

world_need_tools strace
world_init
# The namespace's own group file (ip netns exec binds it over /etc/group):
# control_group "mtsctl", with nobody listed as a member.
GID=4711
cp /etc/group "$WORLD_ETC/group"
echo "mtsctl:x:$GID:nobody" >>"$WORLD_ETC/group"
chmod 0711 "$WORLD"
mkdir -m 0755 "$WORLD/ctl"
SOCK=$WORLD/ctl/control.sock
world_daemon_start "control_socket = $SOCK" "control_socket_mode = 0666" \
    "control_group = mtsctl"

# as UID GID SUPPLEMENTARY-GROUPS ARGS...: mta-stsctl ARGS as that
# identity ("" for no supplementary groups).
as() {
	local uid=$1 gid=$2 groups=(--clear-groups)
	[ -z "$3" ] || groups=(--groups "$3")
	shift 3
	world_exec setpriv --reuid="$uid" --regid="$gid" "${groups[@]}" \
	    "$MTA_STSCTL" -s "$SOCK" "$@"
}
as_ctl() {
	local uid=$1 gid=$2 groups=$3
	shift 3
	rc=0
	out=$(as "$uid" "$gid" "$groups" "$@" 2>&1) || rc=$?
}

# Watch the daemon from here on; start-up (getgrnam) is over.
TRACE=$WORLD/strace.log
world_bg strace strace -f -qq -p "$WORLD_DAEMON_PID" -o "$TRACE" \
    -e trace=%file,%network
STRACE_PID=$WORLD_LAST_PID
traced() {	# a status round trip shows up in the trace once attached
	world_exec "$MTA_STSCTL" -s "$SOCK" status >/dev/null 2>&1 || return 99
	grep -q 'accept' "$TRACE"
}
if world_wait_until 10 traced; then
	pass "strace attached to the daemon"
else
	fail "strace did not attach: $(cat "$WORLD/strace.log")"
fi

as_ctl 0 0 "" flush a.test
assert_eq "$rc" 0 "root may flush"
as_ctl nobody nogroup "" flush a.test
assert_eq "$rc" 2 "nobody may not flush (exit status)"
assert_match "$out" "permission denied" "nobody: refusal explained"
as_ctl nobody nogroup "" refresh a.test
assert_eq "$rc" 2 "nobody may not refresh"
as_ctl nobody nogroup "" reload
assert_eq "$rc" 2 "nobody may not reload"
as_ctl nobody "$GID" "" flush a.test
assert_eq "$rc" 0 "control_group as the primary group may flush"
as_ctl nobody nogroup "$GID" flush a.test
assert_eq "$rc" 0 "control_group as a supplementary group may flush"
as_ctl nobody nogroup "100,200,$GID,300" flush a.test
assert_eq "$rc" 0 "control_group among several supplementary groups"
many=$(seq -s, 5000 5100)
as_ctl nobody nogroup "$many,$GID" flush a.test
assert_eq "$rc" 0 "control_group after 101 other groups (buffer grown)"
as_ctl nobody nogroup "$many" flush a.test
assert_eq "$rc" 2 "101 other groups only: refused"
as_ctl 65000 65000 "" flush a.test
assert_eq "$rc" 2 "a uid with no passwd entry: refused, no lookup"
as_ctl 65000 "$GID" "" flush a.test
assert_eq "$rc" 0 "a uid with no passwd entry in control_group: allowed"

kill -INT "$STRACE_PID" 2>/dev/null || true
wait "$STRACE_PID" 2>/dev/null || true
n=$(grep -c 'accept' "$TRACE" || true)
[ "$n" -ge 12 ] && pass "strace saw every control client ($n accepts)" ||
    fail "strace saw $n accepts, want 12 or more"
nss=$(grep -E '/etc/(passwd|group|shadow|gshadow|nsswitch\.conf|initgroups)|nscd|sss|userdb|varlink' \
    "$TRACE" | head -3 || true)
assert_eq "$nss" "" "no NSS file or socket touched after start"

# Membership is the process's, as for files: listed in the group file
# but started without the group, nobody is refused.
as_ctl nobody nogroup "" flush a.test
assert_eq "$rc" 2 "group file membership alone does not count"
assert_ok "root still may" as 0 0 "" flush --all

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
