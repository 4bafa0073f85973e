#!/bin/bash
#
# t_world.sh - self-test of the integration harness (lib.sh, dnsserver.py,
# hostile.py): builds a world and checks it with real clients inside the
# namespace.  Does not need the daemon (a stand-in, fakemap.py, checks the
# world_daemon_* and world_postmap plumbing).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

world_init world

# --- namespace ---------------------------------------------------------------

assert_eq "$(ip -n "$WORLD_NS" -4 route show | wc -l)" 0 "ns has no IPv4 route"
assert_eq "$(ip -n "$WORLD_NS" -o link show | wc -l)" 1 "ns has only lo"
assert_eq "$(world_exec grep -c BEGIN /etc/ssl/certs/ca-certificates.crt)" 1 \
    "ns CA bundle holds one CA"
assert_eq "$(world_exec ls /etc/ssl/certs | wc -l)" 2 \
    "ns CA dir holds only the bundle and its hash link"
assert_eq "$(world_exec cat /etc/resolv.conf | head -1)" \
    "nameserver 127.0.0.1" "ns resolv.conf"
assert_ok "127.0.0.0/8 bindable in ns" world_exec "$WORLD_PYTHON" -c \
    'import socket; socket.socket().bind(("127.0.0.42", 443))'

# --- DNS ---------------------------------------------------------------------

world_dns_add \
    'a.test. 300 SOA ns.a.test. hostmaster.a.test. 7 3600 600 86400 60' \
    '_mta-sts.a.test. 300 TXT "v=STSv1; id=1"' \
    '_mta-sts.two.test. TXT "v=STSv1; " "id=2"' \
    '_mta-sts.multi.test. TXT "v=STSv1; id=1"' \
    '_mta-sts.multi.test. TXT "v=STSv1; id=2"' \
    '_mta-sts.alias.test. CNAME hop.a.test.' \
    'hop.a.test. CNAME _mta-sts.a.test.' \
    'a.test. MX 10 mx.a.test.' \
    'deep.sub.a.test. A 127.0.0.9' \
    '_mta-sts.fail.test. SERVFAIL' \
    '_mta-sts.refused.test. REFUSED' \
    '_mta-sts.drop.test. DROP' \
    '_mta-sts.slow.test. DELAY 1' \
    '_mta-sts.slow.test. TXT "v=STSv1; id=slow"' \
    '_mta-sts.big.test. TRUNCATE' \
    '_mta-sts.big.test. TXT "v=STSv1; id=big"'
world_dns_start

out=$(world_dig _mta-sts.a.test TXT)
assert_match "$out" 'answer _mta-sts\.a\.test\. TXT "v=STSv1; id=1"' \
    "TXT answer"
out=$(world_dig --server ::1 --tcp _mta-sts.two.test TXT)
assert_match "$out" 'answer _mta-sts\.two\.test\. TXT "v=STSv1; " "id=2"' \
    "TXT with two strings (TCP, ::1)"
out=$(world_dig _mta-sts.multi.test TXT)
assert_eq "$(grep -c '^answer.*TXT' <<<"$out")" 2 "two TXT RRs"
out=$(world_dig _MTA-STS.Alias.TEST TXT)
assert_eq "$(grep '^answer' <<<"$out" | awk '{print $3}' | tr '\n' ' ')" \
    "CNAME CNAME TXT " "CNAME chain followed"
assert_match "$out" 'answer _mta-sts\.a\.test\. TXT "v=STSv1; id=1"' \
    "CNAME target record"
out=$(world_dig nope.a.test TXT)
assert_match "$out" 'status NXDOMAIN' "NXDOMAIN"
assert_match "$out" 'authority a\.test\. SOA ns\.a\.test\. [^ ]+ 7 3600 ' \
    "NXDOMAIN carries the zone SOA"
out=$(world_dig _mta-sts.nothere.test TXT)
assert_match "$out" 'authority test\. SOA ns\.test\.' "default zone SOA"
out=$(world_dig a.test TXT)
assert_match "$out" 'status NOERROR' "NODATA status"
assert_eq "$(grep -c '^answer' <<<"$out" || true)" 0 "NODATA has no answer"
assert_match "$out" 'authority a\.test\. SOA' "NODATA carries the SOA"
assert_match "$(world_dig sub.a.test A)" 'status NOERROR' \
    "empty non-terminal is NODATA"
assert_match "$(world_dig a.test MX)" 'answer a\.test\. MX 10 mx\.a\.test\.' \
    "MX answer"
assert_match "$(world_dig _mta-sts.fail.test TXT)" 'status SERVFAIL' "SERVFAIL"
assert_match "$(world_dig _mta-sts.refused.test TXT)" 'status REFUSED' \
    "REFUSED"
assert_status 3 "DROP never answers" \
    world_dig --timeout 1 _mta-sts.drop.test TXT
t0=$(date +%s%N)
out=$(world_dig --timeout 3 _mta-sts.slow.test TXT)
t1=$(date +%s%N)
assert_match "$out" 'id=slow' "DELAY still answers"
assert_eq "$(( (t1 - t0) >= 1000000000 ))" 1 "DELAY answers late"
out=$(world_dig _mta-sts.big.test TXT)
assert_match "$out" 'flags qr aa tc' "TRUNCATE sets TC over UDP"
assert_match "$(world_dig --tcp _mta-sts.big.test TXT)" 'id=big' \
    "TRUNCATE answers over TCP"

world_dns_edit 's/id=1"$/id=2"/'
assert_match "$(world_dig _mta-sts.a.test TXT)" '"v=STSv1; id=2"' \
    "zone change picked up"
world_dns_add 'new.a.test. 300 A 127.0.0.3'
assert_match "$(world_dig new.a.test A)" 'new\.a\.test\. A 127\.0\.0\.3$' \
    "added record picked up"
world_dns_reload
assert_match "$(world_dig new.a.test A)" '127\.0\.0\.3' "SIGHUP reload"
echo 'garbage line without type' >>"$(world_dns_zone)"
assert_match "$(world_dig new.a.test A)" '127\.0\.0\.3' \
    "bad zone keeps the old one"
world_dns_edit '$d'
# a malformed packet must not kill the server
world_exec "$WORLD_PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"\x12\x34\xff", ("127.0.0.1", 53))
s.sendto(b"", ("127.0.0.1", 53))'
assert_match "$(world_dig _mta-sts.a.test TXT)" 'id=2' "survives bad packets"
assert_eq "$(world_dns_count _mta-sts.a.test TXT)" 3 "query count (TXT)"
assert_eq "$(world_dns_count _mta-sts.alias.test. txt)" 1 "query count (case)"
assert_eq "$(world_dns_count new.a.test)" 3 "query count (any type)"

# --- HTTPS sites and certificates --------------------------------------------

pol=$WORLD/policy.txt
world_policy "$pol" enforce 604800 mx.a.test '*.a.test'
head -c 65536 /dev/zero | tr '\0' x >"$WORLD/big"
world_site mta-sts.a.test --body "$pol"
for v in expired future wronghost selfsigned untrusted nointermediate; do
	world_site "mta-sts.$v.test" --cert "$v"
done
world_site mta-sts.e404.test --status 404 --body "$pol"
world_site mta-sts.e500.test --status 500
world_site mta-sts.e204.test --status 204
world_site mta-sts.html.test --ctype text/html
world_site mta-sts.utf8.test --ctype 'text/plain; charset=utf-8'
world_site mta-sts.noct.test --no-ctype
world_site mta-sts.r301.test \
    --redirect https://mta-sts.a.test/.well-known/mta-sts.txt
world_site mta-sts.r302.test --status 302 \
    --redirect https://mta-sts.a.test/.well-known/mta-sts.txt
world_site mta-sts.slow.test --delay 1
world_site mta-sts.size.test --body "$WORLD/big"
world_site mta-sts.chunk.test --body "$WORLD/big" --chunked
world_site mta-sts.v6.test --listen '[::1]'
world_site mta-sts.own.test --listen 127.0.0.7
world_nginx_start

url=/.well-known/mta-sts.txt
out=$(world_curl "https://mta-sts.a.test$url")
assert_eq "$out" "$(cat "$pol")" "HTTPS 200 trusted via /etc/netns ssl"
assert_ok "OpenSSL default paths trust the CA too" world_exec "$WORLD_PYTHON" \
    -c "import urllib.request as u
u.urlopen('https://mta-sts.a.test$url', timeout=5)"
assert_status 60 "a store without the test root fails" world_curl \
    --cacert "$WORLD/pki/rogue.pem" --capath "$WORLD/dns" \
    "https://mta-sts.a.test$url"
for v in expired future wronghost selfsigned untrusted nointermediate; do
	assert_status 60 "cert $v rejected" world_curl "https://mta-sts.$v.test$url"
done
assert_ok "cert nointermediate ok with the intermediate" world_curl \
    --cacert "$WORLD/pki/inter.pem" "https://mta-sts.nointermediate.test$url"
assert_status 0 "expired cert accepted with -k (it is only expired)" \
    world_curl -k "https://mta-sts.expired.test$url"

hc() { world_curl -o /dev/null -w "$1" "https://$2$url"; }
assert_eq "$(hc '%{http_code}' mta-sts.e404.test)" 404 "status 404"
assert_eq "$(world_curl "https://mta-sts.e404.test$url")" "$(cat "$pol")" \
    "status 404 with body"
assert_eq "$(hc '%{http_code}' mta-sts.e500.test)" 500 "status 500"
assert_eq "$(hc '%{http_code} %{size_download}' mta-sts.e204.test)" "204 0" \
    "status 204"
assert_eq "$(hc '%{content_type}' mta-sts.a.test)" text/plain "ctype default"
assert_eq "$(hc '%{content_type}' mta-sts.html.test)" text/html "ctype html"
assert_eq "$(hc '%{content_type}' mta-sts.utf8.test)" \
    "text/plain; charset=utf-8" "ctype with charset"
hdr=$(world_curl -D - -o /dev/null "https://mta-sts.noct.test$url")
assert_eq "$(grep -ci '^content-type' <<<"$hdr" || true)" 0 "no Content-Type"
assert_eq "$(hc '%{http_code} %{redirect_url}' mta-sts.r301.test)" \
    "301 https://mta-sts.a.test$url" "redirect 301"
assert_eq "$(hc '%{http_code}' mta-sts.r302.test)" 302 "redirect 302"
assert_eq "$(world_curl -L "https://mta-sts.r302.test$url")" "$(cat "$pol")" \
    "redirect target served"
out=$(hc '%{http_code} %{time_total}' mta-sts.slow.test)
assert_match "$out" '^200 (1\.|2\.)' "delay 1 s"
hdr=$(world_curl --http1.1 -D - -o "$WORLD/got" "https://mta-sts.size.test$url")
assert_match "$hdr" $'[Cc]ontent-[Ll]ength: 65536\r' "size with Content-Length"
assert_eq "$(stat -c %s "$WORLD/got")" 65536 "size body"
hdr=$(world_curl --http1.1 -D - -o "$WORLD/got" \
    "https://mta-sts.chunk.test$url")
assert_match "$hdr" $'Transfer-Encoding: chunked\r' "chunked"
assert_eq "$(grep -ci '^content-length' <<<"$hdr" || true)" 0 \
    "chunked has no Content-Length"
assert_eq "$(stat -c %s "$WORLD/got")" 65536 "chunked body size"
hdr=$(world_curl -D - -o /dev/null "https://mta-sts.chunk.test$url")
assert_match "$hdr" '^HTTP/2 200' "HTTP/2 offered"
assert_ok "IPv6-only site over ::1" world_curl -6 "https://mta-sts.v6.test$url"
assert_status 6 "IPv6-only site has no A record" \
    world_curl -4 "https://mta-sts.v6.test$url"
assert_eq "$(hc '%{remote_ip}' mta-sts.own.test)" 127.0.0.7 \
    "site on its own address"
assert_eq "$(world_fetch_count mta-sts.a.test "$url")" 4 "fetch count a.test"
assert_eq "$(world_fetch_count mta-sts.r302.test)" 2 "fetch count r302"
assert_eq "$(world_fetch_count mta-sts.nothere.test)" 0 "fetch count none"
printf 'changed\n' >"$pol"
assert_eq "$(world_curl "https://mta-sts.a.test$url")" changed \
    "body file change served"

world_site mta-sts.late.test --cert good
world_site mta-sts.e500.test --status 503
world_nginx_reload
assert_ok "site added by reload" world_curl "https://mta-sts.late.test$url"
assert_eq "$(hc '%{http_code}' mta-sts.e500.test)" 503 "site redefined"

# --- hostile servers ---------------------------------------------------------

world_hostile silent 127.0.0.11 443
world_hostile trickle-tcp 127.0.0.12 443
world_hostile trickle 127.0.0.13 443 mta-sts.trickle.test
world_hostile trickle-headers 127.0.0.14 443 mta-sts.trickleh.test
world_hostile http 127.0.0.15 443
world_hostile flood 127.0.0.16 443 mta-sts.flood.test
world_hostile reset 127.0.0.17 443
world_hostile close 127.0.0.18 443
world_hostile tls-silent 127.0.0.20 443 mta-sts.tlssilent.test
world_dns_add 'mta-sts.trickle.test. A 127.0.0.13' \
    'mta-sts.trickleh.test. A 127.0.0.14' 'mta-sts.flood.test. A 127.0.0.16' \
    'mta-sts.tlssilent.test. A 127.0.0.20'
assert_status 28 "silent server times out" \
    world_exec curl -s -m 1 https://127.0.0.11/
assert_status 28 "trickle before TLS times out" \
    world_exec curl -s -m 1 https://127.0.0.12/
out=$(world_exec curl -s -m 2 -w '%{http_code} %{size_download}' \
    -o /dev/null "https://mta-sts.trickle.test$url" || true)
assert_match "$out" '^200 [1-3]$' "trickle: headers then 1 byte/s"
assert_status 28 "trickle headers time out" \
    world_exec curl -s -m 1 "https://mta-sts.trickleh.test$url"
assert_status 35 "plain HTTP on 443 fails TLS" \
    world_exec curl -s -m 2 https://127.0.0.15/
assert_match "$(world_exec curl -s -m 2 http://127.0.0.15:443/)" \
    'version: STSv1' "plain HTTP on 443 answers HTTP"
assert_eq "$(world_exec curl -s -m 10 -o /dev/null -w '%{size_download}' \
    "https://mta-sts.flood.test$url")" $((64 << 20)) "flood sends 64 MiB"
assert_fails "reset server" world_exec curl -s -m 2 https://127.0.0.17/
assert_fails "closing server" world_exec curl -s -m 2 https://127.0.0.18/
assert_status 28 "TLS then silence times out" \
    world_exec curl -s -m 1 "https://mta-sts.tlssilent.test$url"
assert_status 7 "nothing listening: connection refused" \
    world_exec curl -s -m 2 https://127.0.0.19/
assert_eq "$(world_hostile_count 127.0.0.11 443)" 1 "hostile accept count"

# --- daemon plumbing (with a stand-in) ----------------------------------------

MTA_STSD=$here/fakemap.py world_daemon_start 'fake_found = a.test'
grep -q '^cache_dir = '"$WORLD"'/cache$' "$WORLD/mta-stsd.conf" &&
    pass "daemon config written" || fail "daemon config written"
world_lookup A.test
assert_eq "$LOOKUP_RC:$LOOKUP_OUT" \
    "0:secure match=mx.a.test servername=hostname" "postmap found"
world_lookup b.test
assert_eq "$LOOKUP_RC:$LOOKUP_OUT" "1:" "postmap not found"
rc=0
out=$(world_postmap a.test) || rc=$?
assert_eq "$rc:$out" "0:secure match=mx.a.test servername=hostname" \
    "world_postmap"
assert_status 0 "daemon stops cleanly" world_daemon_stop

# gone PID: PID has exited (a zombie waiting for its reaper counts as gone)
gone() {
	local st
	st=$(ps -o stat= -p "$1") || return 0
	[[ $st == Z* ]]
}

# --- teardown ----------------------------------------------------------------

# A child world with every kind of server, left running at exit.
child='set -euo pipefail; . "$1/lib.sh"; world_init child
world_dns_start; world_site mta-sts.c.test; world_nginx_start
world_hostile silent 127.0.0.11 443; world_bg sleeper sleep 300
echo "$WORLD_NS $WORLD $WORLD_LAST_PID"; pass child; '
out=$(bash -c "$child world_summary" _ "$here")
read -r cns cdir cpid <<<"$(head -1 <<<"$out")"
assert_match "$out" '1 passed, 0 failed$' "child world summary"
assert_fails "child ns gone" test -e "/run/netns/$cns"
assert_fails "child /etc/netns gone" test -e "/etc/netns/$cns"
assert_fails "child temp dir gone" test -e "$cdir"
assert_fails "child processes gone" pgrep -f -- "$cdir"
assert_ok "child sleeper gone" gone "$cpid"

rc=0
out=$(KEEP_WORLD=1 bash -c "$child false" _ "$here" 2>&1) || rc=$?
read -r cns cdir cpid <<<"$(head -1 <<<"$out")"
assert_eq "$rc" 1 "aborted child exits 1"
assert_match "$out" '1 passed, 1 failed' "aborted child counts a failure"
assert_match "$out" "world: kept $cdir" "KEEP_WORLD prints the path"
assert_ok "KEEP_WORLD keeps the dir" test -s "$cdir/dns/queries.log" -o \
    -e "$cdir/dns/zone"
assert_fails "kept child ns gone anyway" test -e "/run/netns/$cns"
assert_fails "kept child processes gone" pgrep -f -- "$cdir"
rm -rf "$cdir"

# A child world killed with SIGKILL is collected by world_gc.
bash -c "$child sleep 60" _ "$here" >"$WORLD/killed.out" 2>&1 &
kpid=$!
disown "$kpid"
world_wait_until 20 grep -q '^ok - child' "$WORLD/killed.out"
read -r cns cdir cpid <"$WORLD/killed.out"
kill -KILL "$kpid"
world_wait_until 5 gone "$kpid"
assert_ok "killed child left its ns" test -e "/run/netns/$cns"
world_gc 2>/dev/null
assert_fails "world_gc removed the ns" test -e "/run/netns/$cns"
assert_fails "world_gc removed /etc/netns" test -e "/etc/netns/$cns"
assert_fails "world_gc removed the temp dir" test -e "$cdir"
assert_fails "world_gc killed the processes" pgrep -f -- "$cdir"
assert_ok "world_gc killed the sleeper" gone "$cpid"

world_summary
