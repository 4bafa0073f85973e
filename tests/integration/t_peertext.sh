#!/bin/bash
# t_peertext.sh: text a hostile policy server chose -- a redirect's
# Location, a Content-Type, the subject name of its certificate, each
# with '"', '=' and spaces -- is escaped by the one rule everywhere it is
# shown: the daemon's log lines keep exactly their documented keys (no
# injected=... field), `mta-stsctl show` and `mta-stsctl check` show it
# escaped too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"
[ -x "$MTA_STSCTL" ] || { echo "SKIP: $MTA_STSCTL not built" >&2; exit 77; }

world_init
# Must match hostile.py's LOCATION and CTYPE.
LOC='https://evil.test/x" injected=location status=ok reason="y z'
CT='text/html" injected=ctype status=ok reason="a b'
CN='evil" injected=cert status=ok reason="x y'
esc() {	# the text escaped by the rule: '"' -> \x22 (nothing else here)
	printf '%s' "${1//\"/\\x22}"
}

for d in loc ctype cn kept; do
	world_dns_add "_mta-sts.$d.test. 1 TXT \"v=STSv1; id=1\""
done
world_dns_add 'mta-sts.loc.test. 300 A 127.0.0.31' \
    'mta-sts.ctype.test. 300 A 127.0.0.32' \
    'mta-sts.cn.test. 300 A 127.0.0.33'
# kept.test is served by nginx first, then by the redirecting server.
world_site mta-sts.kept.test --listen 127.0.0.1 --no-dns
world_dns_add 'mta-sts.kept.test. 1 A 127.0.0.1'
world_dns_start
world_nginx_start
world_hostile location 127.0.0.31 443 mta-sts.loc.test mta-sts.kept.test
world_hostile ctype 127.0.0.32 443 mta-sts.ctype.test
world_hostile --cert cnonly tls-silent 127.0.0.33 443 "$CN"
world_daemon_start

ctl() {
	world_exec "$MTA_STSCTL" -s "$WORLD/control.sock" "$@"
}

# fields LINE: the key=value fields of a log line after its event words,
# one key per line; fails unless the whole line is event words and then
# fields whose values are bare (no space or quote) or "quoted" (no quote
# inside).
fields() {
	"$WORLD_PYTHON" - "$1" <<-'EOF'
	import re, sys
	line = sys.argv[1]
	line = re.sub(r'^\S+ mta-stsd \w+: ', '', line)
	m = re.fullmatch(r'([a-z_ ]+?)((?: [a-z_]+=(?:"[^"]*"|[^" ]*))*)',
	                 line)
	if not m:
	    sys.exit("not event key=value ...: " + line)
	for f in re.finditer(r' ([a-z_]+)=(?:"[^"]*"|[^" ]*)', m.group(2)):
	    print(f.group(1))
	EOF
}
last_line() {	# event domain: its last log line
	grep "$1 .*domain=$2 " "$WORLD/daemon.log" | tail -1
}
keys_are() {	# line want-keys msg
	local got
	got=$(fields "$1" | xargs) || got="unparsable: $1"
	assert_eq "$got" "$2" "$3"
}

FAILED_KEYS="lookup domain id status reason"
for d in loc ctype cn; do
	world_lookup "$d.test"
	assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "1|" "$d.test: NOTFOUND"
	line=$(last_line "policy fetch failed" "$d.test")
	keys_are "$line" "$FAILED_KEYS" "$d.test: fetch failure logged with exactly its keys"
done
assert_match "$(last_line "policy fetch failed" loc.test)" \
    "status=redirect reason=\"redirect \\(HTTP 301\\) to $(esc "$LOC" | sed 's/[\\.()]/\\&/g')\"$" \
    "Location logged whole, quote escaped"
assert_match "$(last_line "policy fetch failed" ctype.test)" \
    "status=media-type reason=\"media type $(esc "$CT" | sed 's/[\\.()]/\\&/g')\"$" \
    "Content-Type logged whole, quote escaped"
assert_match "$(last_line "policy fetch failed" cn.test)" \
    "status=tls reason=\"TLS: .*'$(esc "$CN" | sed 's/[\\.()]/\\&/g')'" \
    "certificate name logged, quote escaped"
# Every line that carries the text at all still parses, with no forged key.
bad=0
while IFS= read -r line; do
	if ! k=$(fields "$line") || grep -qx injected <<<"$k"; then
		echo "forged or unparsable: $line" >&2
		bad=$((bad + 1))
	fi
done < <(grep 'injected=' "$WORLD/daemon.log")
assert_eq "$bad" 0 "no log line has an injected field"
assert_eq "$(grep -c 'injected=' "$WORLD/daemon.log")" 3 \
    "the three texts were logged once each"

# A cached policy kept through a hostile refetch: the warning, and the
# failure that `mta-stsctl show` reports.
world_lookup kept.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" \
    "0|secure match=mail.kept.test servername=hostname" "kept.test: cached"
world_dns_edit -e 's/id=1/id=2/' \
    -e 's/^mta-sts.kept.test. 1 A 127.0.0.1$/mta-sts.kept.test. 1 A 127.0.0.31/'
out=$(ctl refresh kept.test 2>&1) || true
kept_logged() {
	grep -q "policy kept domain=kept.test " "$WORLD/daemon.log"
}
world_wait_until 10 kept_logged && pass "kept.test: refetch failed, policy kept" ||
    fail "kept.test: no policy kept line ($out)"
keys_are "$(last_line "policy kept" kept.test)" "domain id expires_in reason" \
    "policy kept logged with exactly its keys"
failure=$(ctl --json show kept.test |
    "$WORLD_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["record"]["failure"])')
assert_match "$failure" "x\\\\x22 injected=location status=ok reason=\\\\x22y z" \
    "show --json: failure escaped"
human=$(ctl show kept.test)
assert_match "$human" "last failure: .*x\\\\x22 injected=location" \
    "show: failure escaped"
world_lookup kept.test
assert_eq "$LOOKUP_RC|$LOOKUP_OUT" \
    "0|secure match=mail.kept.test servername=hostname" \
    "kept.test: still served from the cache"

# mta-stsctl check shows the same escaped text, in both outputs.
check_has() {	# domain text msg
	local h j
	h=$(world_exec "$MTA_STSCTL" check "$1" 2>&1) || true
	j=$(world_exec "$MTA_STSCTL" check --json "$1" 2>&1) || true
	j=$("$WORLD_PYTHON" -c 'import json,sys
d = json.loads(sys.argv[1])
print("\n".join(f["message"] for f in d["findings"]
                if f["code"] == "MTASTS_POLICY_FETCH_FAILED"))' "$j")
	if grep -qF -- "$2" <<<"$h" && grep -qF -- "$2" <<<"$j"; then
		pass "$3"
	else
		fail "$3: human: $h; json: $j"
	fi
	assert_eq "$(grep -cF '" injected' <<<"$h$j" || true)" 0 \
	    "$3: no raw quote"
}
check_has loc.test "to $(esc "$LOC")" "check: Location escaped"
check_has ctype.test "media type $(esc "$CT")" "check: Content-Type escaped"
check_has cn.test "'$(esc "$CN")'" "check: certificate name escaped"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
