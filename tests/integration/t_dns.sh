#!/bin/bash
# t_dns.sh: discovery decisions driven by the _mta-sts TXT record and the
# policy host's DNS (RFC 8461 §3.1), against a real DNS server and nginx.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

world_init
P=$WORLD/policies
mkdir -p "$P"

site() {	# domain mode mx... : TXT id=1 and an HTTPS policy
	local d=$1 mode=$2
	shift 2
	world_dns_add "_mta-sts.$d. 300 TXT \"v=STSv1; id=1\""
	world_policy "$P/$d" "$mode" 86400 "$@"
	world_site "mta-sts.$d" --body "$P/$d"
}

site exact.test enforce mx1.exact.test mx2.exact.test
site wild.test enforce "*.wild.test" mx.Other.test mx.other.test.
site testing.test testing mx.testing.test
site none.test none
world_policy "$P/none-mx.test" none 86400 mx.none-mx.test
# TXT variants
world_dns_add 'nodata.test. 300 A 127.0.0.1'
world_dns_add '_mta-sts.two.test. 300 TXT "v=STSv1; id=1"' \
    '_mta-sts.two.test. 300 TXT "v=STSv1; id=2"'
world_policy "$P/two.test" enforce 86400 mx.two.test
world_site mta-sts.two.test --body "$P/two.test"
world_dns_add '_mta-sts.other.test. 300 TXT "v=spf1 -all"' \
    '_mta-sts.other.test. 300 TXT "v=STSv1; id=7"'
world_policy "$P/other.test" enforce 86400 mx.other.test
world_site mta-sts.other.test --body "$P/other.test"
world_dns_add '_mta-sts.split.test. 300 TXT "v=STSv1; " "id=2024" "0101"'
world_policy "$P/split.test" enforce 86400 mx.split.test
world_site mta-sts.split.test --body "$P/split.test"
world_dns_add '_mta-sts.badtxt.test. 300 TXT "v=STSv1; id=has space"'
world_site mta-sts.badtxt.test
world_dns_add '_mta-sts.noid.test. 300 TXT "v=STSv1; foo=bar"'
world_site mta-sts.noid.test
world_dns_add '_mta-sts.case.test. 300 TXT "V=stsv1; id=1"'
world_site mta-sts.case.test
world_dns_add '_mta-sts.servfail.test. SERVFAIL' \
    '_mta-sts.drop.test. DROP' \
    '_mta-sts.refused.test. REFUSED'
world_site mta-sts.servfail.test
# CNAMEs: the TXT record and the policy host may both be aliases.
world_dns_add '_mta-sts.alias.test. 300 CNAME _mta-sts.target.test.' \
    '_mta-sts.target.test. 300 TXT "v=STSv1; id=5"'
world_policy "$P/alias.test" enforce 86400 mx.alias.test
world_site mta-sts.alias.test --body "$P/alias.test" --no-dns
world_dns_add 'mta-sts.alias.test. 300 CNAME web.hosting.test.' \
    'web.hosting.test. 300 A 127.0.0.1'
# IPv6-only policy host.
world_dns_add '_mta-sts.v6.test. 300 TXT "v=STSv1; id=6"'
world_policy "$P/v6.test" enforce 86400 mx.v6.test
world_site mta-sts.v6.test --body "$P/v6.test" --listen '[::1]'
# TXT record but the policy host does not exist.
world_dns_add '_mta-sts.nohost.test. 300 TXT "v=STSv1; id=1"'
# Slow DNS: an answer after 1.2 s is still used.
world_dns_add '_mta-sts.slowdns.test. 300 TXT "v=STSv1; id=1"' \
    '_mta-sts.slowdns.test. DELAY 1.2'
world_policy "$P/slowdns.test" enforce 86400 mx.slowdns.test
world_site mta-sts.slowdns.test --body "$P/slowdns.test"

world_dns_start
world_nginx_start
world_daemon_start "dns_timeout = 1500ms" "dns_tries = 2"

expect() {	# key rc out msg
	world_lookup "$1"
	assert_eq "$LOOKUP_RC|$LOOKUP_OUT" "$2|$3" "$4"
}

expect exact.test 0 "secure match=mx1.exact.test:mx2.exact.test servername=hostname" \
    "enforce, exact mx"
expect wild.test 0 "secure match=.wild.test:mx.other.test servername=hostname" \
    "enforce, wildcard mx and duplicates folded"
expect EXACT.test. 0 "secure match=mx1.exact.test:mx2.exact.test servername=hostname" \
    "key case and trailing dot normalised"
expect '[exact.test]:25' 0 "secure match=mx1.exact.test:mx2.exact.test servername=hostname" \
    "relay next-hop [host]:port uses the host's policy"
expect 'exact.test:2525' 0 "secure match=mx1.exact.test:mx2.exact.test servername=hostname" \
    "domain:port uses the domain's policy"
expect testing.test 1 "" "testing mode: NOTFOUND"
expect none.test 1 "" "mode none: NOTFOUND"
expect nxdomain.test 1 "" "no TXT (NXDOMAIN): NOTFOUND"
expect nodata.test 1 "" "no TXT (NODATA): NOTFOUND"
expect two.test 1 "" "two STSv1 records: NOTFOUND"
expect other.test 0 "secure match=mx.other.test servername=hostname" \
    "unrelated TXT records are ignored"
expect split.test 0 "secure match=mx.split.test servername=hostname" \
    "TXT character-strings are joined"
expect badtxt.test 1 "" "malformed TXT: NOTFOUND"
expect noid.test 1 "" "TXT without id: NOTFOUND"
expect case.test 1 "" "v=STSv1 is case-sensitive"
expect servfail.test 1 "" "SERVFAIL: NOTFOUND"
expect refused.test 1 "" "REFUSED: NOTFOUND"
start=$(date +%s%N)
expect drop.test 1 "" "DNS timeout: NOTFOUND"
ms=$(world_ms_since "$start")
assert_match "$ms" '^[0-9]+$' "DNS timeout measured"
[ "$ms" -lt 9000 ] && pass "DNS timeout bounded (${ms} ms)" ||
    fail "DNS timeout took ${ms} ms"
expect alias.test 0 "secure match=mx.alias.test servername=hostname" \
    "TXT via CNAME, policy host via CNAME"
expect v6.test 0 "secure match=mx.v6.test servername=hostname" \
    "IPv6-only policy host"
expect nohost.test 1 "" "policy host missing: NOTFOUND"
expect slowdns.test 0 "secure match=mx.slowdns.test servername=hostname" \
    "slow DNS answer (1.2 s) still used"

# What the daemon said, and what it did not do.
log=$(cat "$WORLD/daemon.log")
assert_match "$log" 'txt no policy [^
]*domain=two.test result=multiple' "two records logged"
assert_match "$log" 'txt lookup failed [^
]*domain=servfail.test dns=servfail' "SERVFAIL logged"
assert_match "$log" 'txt lookup failed [^
]*domain=drop.test dns=timeout' "timeout logged"
assert_match "$log" 'policy fetch failed [^
]*domain=nohost.test [^
]*status=dns' "missing policy host logged"
assert_eq "$(world_fetch_count mta-sts.badtxt.test)" 0 \
    "no fetch for an invalid TXT record"
assert_eq "$(world_fetch_count mta-sts.servfail.test)" 0 \
    "no fetch when DNS fails"
assert_eq "$(world_dns_count .test)" 0 "no query for a parent probe"
world_lookup .exact.test
assert_eq "$LOOKUP_RC|$(world_dns_count _mta-sts.exact.test TXT)" "1|1" \
    "four keys for exact.test and a parent probe: one TXT query (cache)"

rc=0
world_daemon_stop || rc=$?
assert_eq "$rc" 0 "daemon stops cleanly"
world_summary
