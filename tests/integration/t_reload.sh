#!/bin/bash
# t_reload.sh: re-reading the configuration without a restart, by SIGHUP
# and by `mta-stsctl reload`: live keys take effect at once (map_name,
# log_level, the TXT TTL floor the lookup engine copied at start, the
# fetcher's CA file and timeouts); keys
# that need a restart keep their running value and are reported; a file
# with an error changes nothing and the daemon keeps serving; a storm of
# SIGHUPs during queries loses nothing, and the daemon still exits
# cleanly (leak-free under the sanitizers).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"

world_init
world_dns_add '_mta-sts.a.test. 1 TXT "v=STSv1; id=1"'
world_policy "$WORLD/a.policy" enforce 86400 mx1.a.test
world_site mta-sts.a.test --body "$WORLD/a.policy"
world_dns_add '_mta-sts.b.test. 300 TXT "v=STSv1; id=1"'
world_site mta-sts.b.test
world_dns_start
world_nginx_start

# The first configuration: the TXT TTL floor is an hour, so the 1 s TTL
# of a.test is not enough to re-check its id.
# The socket is reachable by nobody, so that the peer check is what
# refuses it (see t_control.sh).
chmod 0711 "$WORLD"
mkdir -m 0755 "$WORLD/ctl"
SOCK=$WORLD/ctl/control.sock
world_daemon_start "log_level = info" "txt_ttl_min = 3600" \
    "control_socket = $SOCK" "control_socket_mode = 0666"
CONF=$WORLD/mta-stsd.conf
BASE=$(cat "$CONF")

ctl() {
	world_exec "$MTA_STSCTL" -s "$SOCK" "$@"
}
json() {	# python expression over j, reading JSON on stdin
	"$WORLD_PYTHON" -c "import json,sys; j=json.load(sys.stdin); print($1)"
}
# conf KEY=VALUE...: the first configuration with KEY replaced or added.
conf() {
	local kv key val
	printf '%s\n' "$BASE" >"$CONF.new"
	for kv in "$@"; do
		key=${kv%%=*}
		val=${kv#*=}
		sed -i "/^$key = /d" "$CONF.new"
		echo "$key = $val" >>"$CONF.new"
	done
	mv "$CONF.new" "$CONF"
}
log_count() {	# ERE: lines of the daemon log that match
	grep -Ec -- "$1" "$WORLD/daemon.log" || true
}
reloaded_n() {	# wait until the log shows N "reloaded" lines
	[ "$(log_count '^.*reloaded config=')" -ge "$1" ]
}

world_lookup a.test
assert_eq "$LOOKUP_OUT" "secure match=mx1.a.test servername=hostname" \
    "first policy"
assert_eq "$(log_count 'conn close conn=')" 0 "log_level=info: no debug lines"

# 1. SIGHUP with live changes: log_level and map_name apply at once.
conf log_level=debug map_name=mtasts
kill -HUP "$WORLD_DAEMON_PID"
world_wait_until 10 reloaded_n 1 || fail "no reloaded line after SIGHUP"
assert_match "$(grep 'reloaded config=' "$WORLD/daemon.log")" \
    "applied=map_name,log_level pending=0" "HUP: applied keys logged"
world_lookup a.test mtasts
assert_eq "$LOOKUP_OUT" "secure match=mx1.a.test servername=hostname" \
    "HUP: the new map name answers"
if world_wait_until 5 eval '[ "$(log_count "conn close conn=")" -gt 0 ]'; then
	pass "HUP: debug lines now"
else
	fail "HUP: debug lines now: none logged"
fi
world_lookup a.test sts
assert_eq "$(log_count 'map unknown .*name=sts configured=mtasts')" 1 \
    "HUP: the old map name is now unknown (and logged)"

# 2. A live key the lookup engine copied at start: the TXT TTL floor.
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx2.a.test\r\nmax_age: 86400\r\n' \
    >"$WORLD/a.policy"
world_dns_edit 's/id=1"/id=2"/'
sleep 2
world_lookup a.test mtasts
assert_eq "$LOOKUP_OUT" "secure match=mx1.a.test servername=hostname" \
    "txt_ttl_min=3600: the id is not re-checked yet"
conf log_level=debug map_name=mtasts txt_ttl_min=1
out=$(ctl reload)
assert_match "$out" "applied: +txt_ttl_min" "ctl reload: applied keys"
world_lookup a.test mtasts
assert_eq "$LOOKUP_OUT" "secure match=mx2.a.test servername=hostname" \
    "txt_ttl_min=1 after reload: the new id's policy"

# The fetcher's settings: a CA file that does not know the test CA makes
# the next fetch fail; the right one, reloaded, makes it work again.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORLD/wrong.key" \
    -subj /CN=wrong-ca -days 2 -out "$WORLD/wrong.pem" 2>/dev/null
conf log_level=debug map_name=mtasts txt_ttl_min=1 \
    "ca_file=$WORLD/wrong.pem" http_timeout=20s
out=$(ctl --json reload)
assert_eq "$(json 'j["applied"]' <<<"$out")" "['http_timeout', 'ca_file']" \
    "ca_file and http_timeout apply live"
world_lookup b.test mtasts
assert_eq "$LOOKUP_RC" 1 "wrong CA file after reload: the fetch fails"
assert_match "$(grep 'domain=b.test' "$WORLD/daemon.log")" \
    "policy fetch failed .*certificate" "wrong CA file: a TLS failure"
conf log_level=debug map_name=mtasts txt_ttl_min=1
assert_ok "the right CA file again" ctl reload
assert_ok "forget b.test's failure" ctl flush b.test
world_lookup b.test mtasts
assert_eq "$LOOKUP_OUT" "secure match=mail.b.test servername=hostname" \
    "right CA file after reload: the fetch works"

# 3. Keys that need a restart keep their running value and say so.
conf log_level=debug map_name=mtasts txt_ttl_min=1 \
    "listen=127.0.0.1:8599" "cache_dir=$WORLD/elsewhere"
out=$(ctl --json reload)
assert_eq "$(json 'j["ok"], j["restart_pending"], j["applied"]' <<<"$out")" \
    "True ['listen', 'cache_dir'] []" "restart keys reported, not applied"
world_lookup a.test mtasts
assert_eq "$LOOKUP_RC" 0 "still listening on the old address"
assert_eq "$(world_exec "$WORLD_PYTHON" -c "
import socket
s = socket.socket()
print(s.connect_ex(('127.0.0.1', 8599)))")" 111 "the new address is not opened"
assert_eq "$(log_count 'reload key=listen changed, takes effect at the next restart')" \
    1 "restart key logged"
[ ! -e "$WORLD/elsewhere" ] && pass "new cache_dir not created" ||
    fail "new cache_dir created"
out=$(ctl --json status)
assert_eq "$(json 'j["config"]["restart_pending"], j["config"]["reloads_ok"], j["config"]["last_error"]' <<<"$out")" \
    "['listen', 'cache_dir'] 5 None" "status: pending keys and counts"
assert_match "$(ctl status)" "restart needed: +listen, cache_dir" \
    "status: human output names pending keys"

# 4. A broken file changes nothing, by either path.
conf log_level=info map_name=other bogus_key=1
rc=0
err=$(ctl reload 2>&1) || rc=$?
assert_eq "$rc" 2 "broken file: ctl reload exits 2"
assert_match "$err" "reload failed: $CONF:[0-9]+: unknown key" \
    "broken file: FILE:LINE in the error"
kill -HUP "$WORLD_DAEMON_PID"
world_wait_until 10 eval '[ "$(log_count "reload failed: ")" -ge 2 ]' ||
    fail "no reload failed line after SIGHUP"
world_lookup a.test mtasts
assert_eq "$LOOKUP_OUT" "secure match=mx2.a.test servername=hostname" \
    "broken file: still serving the old map name"
out=$(ctl --json status)
assert_match "$(json 'j["config"]["last_error"], j["config"]["reloads_failed"]' <<<"$out")" \
    "unknown key.* 2$" "status: last error and failure count"
# A key that is not UTF-8: escaped in the answer, and status still works.
conf log_level=info map_name=other "bad$(printf '\xff')key=1"
rc=0
err=$(ctl reload 2>&1) || rc=$?
assert_eq "$rc:$(grep -cF "unknown key 'bad\xffkey'" <<<"$err")" "2:1" \
    "non-UTF-8 key: escaped in the error"
out=$(ctl --json status)
assert_eq "$(json 'j["ok"], j["config"]["reloads_failed"]' <<<"$out")" \
    "True 3" "non-UTF-8 key: status still answers"
metrics=$(ctl metrics)
assert_match "$metrics" $'mtastsd_config_last_reload_successful 0' \
    "metrics: last reload failed"
assert_match "$metrics" $'mtastsd_config_reloads_total\\{result="failed"\\} 3' \
    "metrics: failures counted"

# 5. Fixed again; a storm of SIGHUPs while queries run loses nothing.
conf log_level=info map_name=mtasts txt_ttl_min=1
assert_ok "fixed file reloads" ctl reload
assert_match "$(ctl metrics)" 'mtastsd_config_last_reload_successful 1' \
    "metrics: last reload ok"
before=$(log_count 'reloaded config=')
bad=0
for i in $(seq 1 20); do
	kill -HUP "$WORLD_DAEMON_PID"
	world_lookup a.test mtasts
	[ "$LOOKUP_OUT" = "secure match=mx2.a.test servername=hostname" ] ||
	    bad=$((bad + 1))
done
assert_eq "$bad" 0 "20 SIGHUPs between queries: every answer right"
world_wait_until 10 eval '[ "$(log_count "reloaded config=")" -ge $((before + 20)) ]' ||
    fail "not every SIGHUP reloaded"

# An unprivileged client may not reload.
rc=0
err=$(world_exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$MTA_STSCTL" -s "$SOCK" reload 2>&1) || rc=$?
assert_eq "$rc:$(grep -c 'permission denied' <<<"$err")" "2:1" \
    "nobody: reload refused"

assert_ok "daemon exits cleanly after reloads" world_daemon_stop

# Detached and started with a relative -c path: daemon() moves to "/",
# and reloads still find the file.
sed -e "s|^listen = .*|listen = 127.0.0.1:8471|" \
    -e "s|^control_socket = .*|control_socket = $WORLD/ctl/detached.sock|" \
    -e "s|^cache_dir = .*|cache_dir = $WORLD/cache2|" \
    "$CONF" >"$WORLD/detached.conf"
(cd "$WORLD" && world_exec "${MTA_STSD:-$top_builddir/src/mta-stsd}" \
    -c detached.conf)
dctl() {
	world_exec "$MTA_STSCTL" -s "$WORLD/ctl/detached.sock" "$@"
}
world_wait_until 10 dctl status || fail "detached daemon did not start"
dpid=$(dctl --json status | json 'j["pid"]')
world_on_exit "kill -KILL $dpid 2>/dev/null || true"
out=$(dctl --json reload)
assert_eq "$(json 'j["ok"], j["path"]' <<<"$out")" \
    "True $WORLD/detached.conf" "detached, relative -c: reload finds the file"
kill -TERM "$dpid"
world_wait_until 10 eval "! kill -0 $dpid" || fail "detached daemon did not stop"
world_summary
