#!/bin/bash
# t_https.sh: the policy fetch (RFC 8461 §3.3) against nginx with a test
# CA and against hostile servers.  Every failure answers NOTFOUND and is
# logged with its precise reason; the daemon keeps serving meanwhile.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_init
P=$WORLD/policies
mkdir -p "$P"

txt() {	# domain...
	local d
	for d in "$@"; do
		world_dns_add "_mta-sts.$d. 300 TXT \"v=STSv1; id=1\""
	done
}

# A good policy, and one to redirect to.
txt good.test redir301.test redir302.test
world_site mta-sts.good.test
world_site mta-sts.redir301.test --redirect \
    https://mta-sts.good.test/.well-known/mta-sts.txt
world_site mta-sts.redir302.test --status 302 --redirect \
    https://mta-sts.good.test/.well-known/mta-sts.txt
# Certificates.
for v in expired wronghost selfsigned untrusted nointermediate future; do
	txt "$v.test"
	world_site "mta-sts.$v.test" --cert "$v"
done
# Statuses and media types.
for s in 404 500 204; do
	txt "s$s.test"
	world_site "mta-sts.s$s.test" --status "$s"
done
txt html.test noctype.test charset.test
world_site mta-sts.html.test --ctype text/html
world_site mta-sts.noctype.test --no-ctype
world_site mta-sts.charset.test --ctype "text/plain; charset=utf-8"
# Size: 65536 bytes is allowed, 65537 is not, with or without
# Content-Length.
mkbody() {	# file size
	world_policy "$1" enforce 86400 mx.size.test
	# Unknown keys are ignored (RFC 8461 §3.2): pad with one.
	local pad=$(($2 - $(stat -c %s "$1") - 9))
	{ printf 'x-pad: '; head -c "$pad" /dev/zero | tr '\0' 'x'
	  printf '\r\n'; } >>"$1"
	[ "$(stat -c %s "$1")" = "$2" ] || world_die "mkbody $1"
}
mkbody "$P/64k" 65536
mkbody "$P/64k1" 65537
txt size64k.test size64k1.test chunk64k.test chunk64k1.test
world_site mta-sts.size64k.test --body "$P/64k"
world_site mta-sts.size64k1.test --body "$P/64k1"
world_site mta-sts.chunk64k.test --body "$P/64k" --chunked
world_site mta-sts.chunk64k1.test --body "$P/64k1" --chunked
# Hostile servers, each on its own address.
txt silent.test trickle.test refused.test plainhttp.test slowbody.test
world_dns_add 'mta-sts.silent.test. 300 A 127.0.0.21' \
    'mta-sts.trickle.test. 300 A 127.0.0.22' \
    'mta-sts.refused.test. 300 A 127.0.0.23' \
    'mta-sts.plainhttp.test. 300 A 127.0.0.24'
world_site mta-sts.slowbody.test --rate 100 --body "$P/64k"

world_dns_start
world_nginx_start
world_hostile silent 127.0.0.21 443
world_hostile trickle-headers 127.0.0.22 443 mta-sts.trickle.test
world_hostile http 127.0.0.24 443
world_daemon_start "http_connect_timeout = 2s" "http_timeout = 3s"

GOOD="secure match=mail.good.test servername=hostname"
expect() {	# domain rc out msg
	world_lookup "$1"
	assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "$2|$3" "$4"
}
failed_with() {	# domain status-regex msg
	assert_match "$(grep "policy fetch failed.*domain=$1 " \
	    "$WORLD/daemon.log" | tail -1)" "$2" "$3"
}

expect good.test 0 "$GOOD" "valid policy over HTTP/2"
assert_eq "$(world_fetch_count mta-sts.good.test)" 1 "one fetch"
assert_match "$(grep mta-sts.good.test "$WORLD/nginx/access.log")" \
    'HTTP/2' "fetched with HTTP/2"

for r in redir301 redir302; do
	expect "$r.test" 1 "" "$r: redirect not followed"
	failed_with "$r.test" 'status=redirect' "$r: logged as redirect"
done
assert_eq "$(world_fetch_count mta-sts.good.test)" 1 \
    "redirect target never fetched"

declare -A certwhy=(
	[expired]='status=tls reason="TLS: certificate has expired'
	[wronghost]='status=tls reason="TLS: .*no alternative certificate subject name'
	[selfsigned]='status=tls reason="TLS: self-signed certificate'
	[untrusted]='status=tls reason="TLS: unable to get local issuer'
	[nointermediate]='status=tls reason="TLS: unable to get local issuer'
	[future]='status=tls reason="TLS: certificate is not yet valid'
)
for v in expired wronghost selfsigned untrusted nointermediate future; do
	expect "$v.test" 1 "" "certificate $v: NOTFOUND"
	failed_with "$v.test" "${certwhy[$v]}" "certificate $v: reason logged"
done

for s in 404 500 204; do
	expect "s$s.test" 1 "" "HTTP $s: NOTFOUND"
	failed_with "s$s.test" "status=http-status reason=\"HTTP status $s" \
	    "HTTP $s: reason logged"
done
expect html.test 1 "" "text/html: NOTFOUND"
failed_with html.test 'status=media-type reason="media type text/html' \
    "text/html: reason logged"
expect noctype.test 1 "" "no Content-Type: NOTFOUND"
failed_with noctype.test 'status=media-type' "no Content-Type: logged"
expect charset.test 0 "secure match=mail.charset.test servername=hostname" \
    "text/plain with charset accepted"

SIZE="secure match=mx.size.test servername=hostname"
expect size64k.test 0 "$SIZE" "65536-byte body with Content-Length accepted"
expect chunk64k.test 0 "$SIZE" "65536-byte chunked body accepted"
expect size64k1.test 1 "" "65537-byte body with Content-Length refused"
failed_with size64k1.test 'status=too-large' "65537 with length: logged"
expect chunk64k1.test 1 "" "65537-byte chunked body refused"
failed_with chunk64k1.test 'status=too-large' "65537 chunked: logged"

# Hostile servers: each bounded by the configured timeouts.
t0=$(date +%s%N)
expect silent.test 1 "" "server that never answers: NOTFOUND"
failed_with silent.test 'status=timeout' "never answers: timeout logged"
expect trickle.test 1 "" "trickling server: NOTFOUND"
failed_with trickle.test 'status=timeout' "trickle: timeout logged"
expect slowbody.test 1 "" "body slower than http_timeout: NOTFOUND"
failed_with slowbody.test 'status=timeout' "slow body: timeout logged"
ms=$(world_ms_since "$t0")
[ "$ms" -lt 20000 ] && pass "hostile servers bounded (${ms} ms for 3)" ||
    fail "hostile servers took ${ms} ms"
expect refused.test 1 "" "connection refused: NOTFOUND"
failed_with refused.test 'status=connect' "refused: logged"
expect plainhttp.test 1 "" "plain HTTP on 443: NOTFOUND"
failed_with plainhttp.test 'status=protocol' "plain HTTP: logged"

# A slow policy server does not delay anyone else.
world_lookup trickle.test &
slowpid=$!
sleep 0.5
t0=$(date +%s%N)
expect good.test 0 "$GOOD" "good domain answered while another is stuck"
ms=$(world_ms_since "$t0")
[ "$ms" -lt 2500 ] && pass "unrelated query not delayed (${ms} ms)" ||
    fail "unrelated query took ${ms} ms"
wait "$slowpid" || true

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
