#!/bin/bash
# t_sockpath.sh: started as root with user = nobody, the daemon makes its
# control socket (in a directory it creates for nobody, so nobody may
# write there) and a unix listener (in a directory nobody owns, like the
# recommended Postfix spool set-up) with no chmod or chown by path: the
# mode comes from the umask at bind(), and the control socket gets its
# owner inside a private root-owned 0700 directory, through that
# directory's descriptor, before it is renamed into place.  A symlink
# planted between bind() and chown() cannot be forced in a test, so the
# mechanism is checked: strace records every chmod/chown-family call, and
# the sockets end up with the configured owner, group and mode.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"
BIN=${MTA_STSD:-$top_builddir/src/mta-stsd}
command -v strace >/dev/null ||
    { echo "SKIP: strace is not installed" >&2; exit 77; }

world_need_tools strace
world_init
chmod 0711 "$WORLD"
chmod -R a+rX "$WORLD/pki"
RUN=$WORLD/run
SPOOL=$WORLD/spool
mkdir -m 0755 "$RUN"
install -d -o nobody -g nogroup -m 0750 "$SPOOL"
TRACE=$WORLD/strace.log

# The daemon under strace; WORLD_DAEMON_PID is strace's pid.
# LeakSanitizer cannot run under ptrace (sanitizer builds); the other
# scripts check the same start and stop for leaks.
cat >"$WORLD/traced-mta-stsd" <<EOF
#!/bin/sh
ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
exec strace -f -qq -y -o "$TRACE" \\
    -e trace=chmod,fchmod,fchmodat,chown,fchown,fchownat,lchown,mkdir,rename,renameat,renameat2 \\
    -- "$BIN" "\$@"
EOF
chmod 0755 "$WORLD/traced-mta-stsd"
MTA_STSD=$WORLD/traced-mta-stsd world_daemon_start \
    "user = nobody" "group = nogroup" "cache_dir = $RUN/cache" \
    "control_socket = $RUN/ctl/sock" "control_socket_mode = 0640" \
    "control_group = mail" \
    "listen = 127.0.0.1:$WORLD_DAEMON_PORT" "listen = unix:$SPOOL/sts.sock" \
    "unix_socket_mode = 0660"

assert_eq "$(stat -c '%U %a' "$RUN/ctl")" "nobody 755" \
    "control directory created for the daemon's user (it may write there)"
assert_eq "$(stat -c '%F %U %G %a' "$RUN/ctl/sock")" "socket nobody mail 640" \
    "control socket: the daemon's user, control_group, control_socket_mode"
assert_eq "$(stat -c '%F %U %a' "$SPOOL/sts.sock")" "socket root 660" \
    "unix listener: unix_socket_mode"
assert_eq "$(ls -A "$RUN/ctl")" "sock" "no private directory left behind"
assert_ok "control socket answers" world_exec "$MTA_STSCTL" \
    -s "$RUN/ctl/sock" status
rc=0
world_exec timeout 30 postmap -c "$WORLD/postfix" -q '[192.0.2.1]' \
    "socketmap:unix:$SPOOL/sts.sock:sts" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "unix listener answers (NOTFOUND for an IP literal)"

# What the trace must show.  -y prints each descriptor's path in <...>.
calls() {	# ERE: matching lines of the trace
	grep -E "$1" "$TRACE" || true
}
assert_eq "$(calls '(^|[0-9] )(chmod|fchmod|fchmodat)\(')" "" \
    "nothing is chmod()ed: the umask at bind() sets every mode"
assert_eq "$(calls '(^|[0-9] )(chown|lchown)\(')" "" \
    "nothing is chown()ed by path"
assert_eq "$(calls 'fchownat\(AT_FDCWD')" "" \
    "no fchownat() relative to the working directory"
own=$(calls 'fchownat\(')
assert_match "$own" "^[0-9]+ +fchownat\\([0-9]+<$RUN/ctl/\\.mta-stsd\\.[A-Za-z0-9]{6}>, \"sock\", $(id -u nobody), $(getent group mail | cut -d: -f3), AT_SYMLINK_NOFOLLOW\\) = 0$" \
    "the control socket's owner is set inside the private directory, no symlink followed"
assert_eq "$(grep -c . <<<"$own" || true)" 1 "one fchownat() in all"
tmp=$(sed -nE 's/.*fchownat\([0-9]+<([^>]*)>.*/\1/p' <<<"$own")
assert_match "$(calls "mkdir\\(\"$tmp\"")" "mkdir\\(\"$tmp\", 0700\\) = 0" \
    "the private directory was made by the daemon (root), mode 0700"
assert_match "$(calls 'renameat2?\(')" \
    "renameat2?\\([0-9]+<$tmp>, \"sock\", [0-9]+<$RUN/ctl>, \"sock\"" \
    "the socket is renamed into place by descriptor"
assert_match "$(calls 'fchown\(')" "fchown\\([0-9]+<$RUN/ctl>, $(id -u nobody), " \
    "the new control directory is given away by descriptor"
assert_eq "$(calls "(chmod|chown)[a-z]*\\(\"?[^,]*$SPOOL")" "" \
    "no chmod or chown in the listener's directory (nobody's)"

# Stop the daemon itself (strace does not pass SIGTERM on), then strace.
dpid=$(pgrep -P "$WORLD_DAEMON_PID" -x mta-stsd || true)
[ -n "$dpid" ] && kill -TERM "$dpid"
world_wait_until 10 _world_dead "$WORLD_DAEMON_PID" || true
rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
assert_eq "$(ls -A "$RUN/ctl")" "" "control socket removed at exit"
world_summary
