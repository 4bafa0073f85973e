#!/bin/bash
# t_check.sh: `mta-stsctl check DOMAIN`, the diagnostic, against a real DNS
# server, nginx with the test CA and tiny STARTTLS SMTP servers.  Every
# finding code is provoked by a real scenario and asserted in the --json
# output, with the exit status and the Postfix reply; the human output is
# checked for layout and for escaping of hostile peer text.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${MTA_STSCTL:=$top_builddir/src/mta-stsctl}"
[ -x "$MTA_STSCTL" ] || { echo "SKIP: $MTA_STSCTL not built" >&2; exit 77; }

world_init
P=$WORLD/policies
mkdir -p "$P"

txt() {	# domain [record]: the _mta-sts TXT record (default id=1)
	world_dns_add "_mta-sts.$1. 300 TXT \"${2:-v=STSv1; id=1}\""
}
mx() {	# domain host...: MX records, preference 10, 20, ...
	local d=$1 h p=10
	shift
	for h in "$@"; do
		world_dns_add "$d. 300 MX $p $h."
		p=$((p + 10))
	done
}
site() {	# domain mode max_age mx...: TXT, MX = the mx, policy
	local d=$1 mode=$2 age=$3
	shift 3
	txt "$d"
	world_policy "$P/$d" "$mode" "$age" "$@"
	world_site "mta-sts.$d" --body "$P/$d"
}
raw_site() {	# domain printf-format: TXT and a policy written verbatim
	txt "$1"
	# shellcheck disable=SC2059
	printf "$2" >"$P/$1"
	world_site "mta-sts.$1" --body "$P/$1"
}

# --- the world ---------------------------------------------------------------

# A policy that works, with TLS-RPT.
site good.test enforce 604800 mx1.good.test mx2.good.test
mx good.test mx1.good.test mx2.good.test
world_dns_add '_smtp._tls.good.test. 300 TXT "v=TLSRPTv1; rua=mailto:tls@good.test,https://r.good.test/x"'
# TXT problems.
world_dns_add '_mta-sts.nodata.test. 300 A 127.0.0.1'
world_dns_add '_mta-sts.servfail.test. SERVFAIL TXT'
world_dns_add '_mta-sts.drop.test. DROP TXT'
world_dns_add '_mta-sts.spf.test. 300 TXT "v=spf1 -all"'
txt noid.test "v=STSv1; foo=bar"
txt two.test "v=STSv1; id=1"
txt two.test "v=STSv1; id=2"
world_site mta-sts.two.test
txt badtxt.test "v=STSv1; id=has space"
world_site mta-sts.badtxt.test
mx badtxt.test mail.badtxt.test
# Hostile TXT: terminal escapes in the record.
txt esc.test 'v=STSv1; id=1\027[2J\027]0;pwned\007'
world_site mta-sts.esc.test
# Fetch failures.
txt expired.test
world_site mta-sts.expired.test --cert expired
txt nohost.test
txt s404.test
world_site mta-sts.s404.test --status 404
txt redir.test
world_site mta-sts.redir.test --redirect https://elsewhere.test/policy
txt html.test
world_site mta-sts.html.test --ctype text/html
# Policy file problems.
raw_site badver.test 'version: STSv2\r\nmode: enforce\r\nmx: mx.badver.test\r\nmax_age: 86400\r\n'
raw_site badmode.test 'version: STSv1\r\nmode: enforcing\r\nmx: mx.badmode.test\r\nmax_age: 86400\r\n'
raw_site badage.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.badage.test\r\nmax_age: 1w\r\n'
raw_site nomx.test 'version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n'
raw_site invmx.test 'version: STSv1\r\nmode: enforce\r\nmx: mx.invmx.test:25\r\nmax_age: 86400\r\n'
raw_site page.test '<html><body>Policy</body></html>\n'
raw_site escpol.test 'version: STSv1\r\nmode: enforce\033[31m\r\nmx: mx.escpol.test\r\nmax_age: 86400\r\n'
# Modes and MX consistency.
site none.test none 86400
mx none.test mx.none.test
site testing.test testing 3600 mx.testing.test unused.testing.test
mx testing.test mx.testing.test other.example
site notcov.test enforce 86400 "*.notcov.test"
mx notcov.test mx1.notcov.test deep.mx.notcov.test
site implicit.test enforce 86400 implicit.test
world_dns_add 'implicit.test. 300 A 127.0.0.1'
site nullmx.test enforce 86400 mx.nullmx.test
world_dns_add 'nullmx.test. 300 MX 0 .'
site mxfail.test enforce 86400 mx.mxfail.test
world_dns_add 'mxfail.test. SERVFAIL MX'
# DANE: mx1 publishes two TLSA records, mx2 none (NODATA), the TLSA lookup
# for mx3 fails; an implicit MX host with one.
site dane.test enforce 86400 "*.dane.test"
mx dane.test mx1.dane.test mx2.dane.test mx3.dane.test
world_dns_add "_25._tcp.mx1.dane.test. 300 TLSA 3 1 1 $(printf '%064d' 1)" \
    "_25._tcp.mx1.dane.test. 300 TLSA 2 0 1 $(printf '%064d' 2)" \
    '_25._tcp.mx2.dane.test. 300 TXT "no TLSA here"' \
    '_25._tcp.mx3.dane.test. SERVFAIL TLSA'
site danei.test enforce 86400 danei.test
world_dns_add 'danei.test. 300 A 127.0.0.1' \
    "_25._tcp.danei.test. 300 TLSA 3 1 1 $(printf '%064d' 3)"
# TLS-RPT problems.
site rptbad.test enforce 86400 mx.rptbad.test
mx rptbad.test mx.rptbad.test
world_dns_add '_smtp._tls.rptbad.test. 300 TXT "v=TLSRPTv1; rua=ftp://r.rptbad.test/"'
site rpttwo.test enforce 86400 mx.rpttwo.test
mx rpttwo.test mx.rpttwo.test
world_dns_add '_smtp._tls.rpttwo.test. 300 TXT "v=TLSRPTv1; rua=mailto:a@rpttwo.test"' \
    '_smtp._tls.rpttwo.test. 300 TXT "v=TLSRPTv1; rua=mailto:b@rpttwo.test"'
site rptfail.test enforce 86400 mx.rptfail.test
mx rptfail.test mx.rptfail.test
world_dns_add '_smtp._tls.rptfail.test. SERVFAIL TXT'
# SMTP: mx1 fine (IPv4 and IPv6), mx2 a certificate for another name, mx3
# without STARTTLS, mx4 without an address.
site smtp.test enforce 86400 "*.smtp.test"
mx smtp.test mx1.smtp.test mx2.smtp.test mx3.smtp.test mx4.smtp.test
world_dns_add 'mx1.smtp.test. 300 A 127.0.0.31' \
    'mx1.smtp.test. 300 AAAA ::1' \
    'mx2.smtp.test. 300 A 127.0.0.32' \
    'mx3.smtp.test. 300 A 127.0.0.33'
world_cert smtp-mx1 good mx1.smtp.test
world_cert smtp-mx2 wronghost mx2.smtp.test
world_cert smtp-mx3 good mx3.smtp.test

world_dns_start
world_nginx_start

smtpd() {	# addr certname [options]
	local a=$1 c=$2
	shift 2
	world_bg "smtpd-$a" "$WORLD_PYTHON" "$WORLD_LIBDIR/smtp_sink.py" \
	    --addr "$a" --cert "$WORLD/pki/$c.pem" --key "$WORLD/pki/$c.key" \
	    --log "$WORLD/smtpd-$a.cmds" "$@"
	world_wait_until 10 world_port_open "$a" 25 ||
	    world_die "smtpd on $a did not start: $(cat "$WORLD/smtpd-$a.log")"
}
smtpd 127.0.0.31 smtp-mx1 --name mx1.smtp.test
smtpd ::1 smtp-mx1 --name mx1.smtp.test
smtpd 127.0.0.32 smtp-mx2 --name mx2.smtp.test
smtpd 127.0.0.33 smtp-mx3 --name mx3.smtp.test --no-starttls

# --- helpers ------------------------------------------------------------------

OUT=
RC=
# run_check [OPTIONS] DOMAIN: --json output in OUT, exit status in RC.  The
# tool writes nothing to stderr (so no sanitizer report either).
run_check() {
	RC=0
	OUT=$(world_exec "$MTA_STSCTL" check --json "$@" 2>"$WORLD/check.err") ||
	    RC=$?
	if [ -s "$WORLD/check.err" ]; then
		fail "check $*: stderr: $(head -c 2000 "$WORLD/check.err")"
	fi
}
# jq_py EXPR: evaluate a Python expression over the JSON in OUT (as d).
jq_py() {
	printf '%s' "$OUT" | "$WORLD_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
# want CODE SEVERITY MESSAGE-ERE: a finding with CODE, SEVERITY and a
# message matching the ERE is in OUT.
want() {
	local got
	got=$(printf '%s' "$OUT" | "$WORLD_PYTHON" -c '
import json, re, sys
d = json.load(sys.stdin)
code, sev, rx = sys.argv[1:4]
hits = [f for f in d["findings"] if f["code"] == code]
ok = [f for f in hits if f["severity"] == sev and re.search(rx, f["message"])
      and isinstance(f["hint"], str)]
print("yes" if ok else "no: " + json.dumps(hits or d["findings"]))' \
	    "$1" "$2" "$3")
	assert_eq "$got" yes "$CUR: $1 ($2) /$3/"
}
# nowant CODE: no finding with CODE.
nowant() {
	assert_eq "$(jq_py "[f['code'] for f in d['findings'] if f['code'] == '$1']")" \
	    "[]" "$CUR: no $1"
}
want_exit() {
	assert_eq "$RC|$(jq_py 'd["exit"]')" "$1|$1" "$CUR: exit status $1"
}
want_reply() {
	assert_eq "$(jq_py 'd["postfix_reply"]')" "$1" "$CUR: postfix reply"
}
check() {	# [OPTIONS] DOMAIN
	CUR=${*: -1}
	run_check "$@"
}

NOTFOUND=NOTFOUND

# --- a working policy ----------------------------------------------------------

check good.test
want MTASTS_RECORD_OK info 'id 1, TTL 300 s'
want MTASTS_POLICY_FETCHED info 'https://mta-sts.good.test/'
want MTASTS_POLICY_OK info 'mode enforce, max_age 604800 s.*mx1.good.test, mx2.good.test'
want MTASTS_MX_OK info 'MX mx1.good.test \(preference 10\) matches policy mx mx1.good.test'
want MTASTS_MX_OK info 'MX mx2.good.test \(preference 20\)'
want TLSRPT_OK info 'rua=mailto:tls@good.test'
want_exit 0
want_reply "OK secure match=mx1.good.test:mx2.good.test servername=hostname"
assert_eq "$(jq_py 'd["verdict"]')" "MTA-STS enforced; mail to good.test requires verified TLS to mx1.good.test, mx2.good.test" \
    "good.test: verdict"
assert_eq "$(jq_py '(d["domain"], d["txt"]["id"], d["txt"]["ttl"], d["policy"]["mode"], d["policy"]["max_age"], d["policy"]["mx"], [m["host"] for m in d["mx"]], [m["covered"] for m in d["mx"]])')" \
    "('good.test', '1', 300, 'enforce', 604800, ['mx1.good.test', 'mx2.good.test'], ['mx1.good.test', 'mx2.good.test'], [True, True])" \
    "good.test: txt, policy and mx in the JSON"
assert_match "$(jq_py 'd["policy"]["text"]')" '^version: STSv1' \
    "good.test: policy text in the JSON"
nowant MTASTS_DNS_ERROR
# A U-label domain and a trailing dot are normalised; upper case too.
check GOOD.test.
assert_eq "$RC|$(jq_py 'd["domain"]')" "0|good.test" "domain normalised"

# Human output.
HOUT=$(world_exec "$MTA_STSCTL" check good.test) && hrc=0 || hrc=$?
assert_eq "$hrc" 0 "human: exit status 0"
assert_match "$HOUT" $'\ninfo    MTASTS_RECORD_OK            TXT record found: id 1, TTL 300 s\n' \
    "human: aligned finding line"
assert_match "$HOUT" $'\nverdict: MTA-STS enforced; mail to good.test requires verified TLS to mx1.good.test, mx2.good.test\n' \
    "human: verdict line"
assert_match "$HOUT" $'\npostfix reply: OK secure match=mx1.good.test:mx2.good.test servername=hostname$' \
    "human: postfix reply is the last line"
HOUT=$(world_exec "$MTA_STSCTL" check expired.test) && hrc=0 || hrc=$?
assert_eq "$hrc" 1 "human: expired certificate exits 1"
assert_match "$HOUT" $'\nerror   MTASTS_POLICY_FETCH_FAILED  TLS: certificate has expired\n        fix: serve the policy at https://mta-sts.DOMAIN/' \
    "human: error line with an indented fix line"

# --- TXT record ----------------------------------------------------------------

check nx.test
want MTASTS_DNS_ERROR error '_mta-sts.nx.test does not exist \(NXDOMAIN\)'
want MTASTS_MX_DNS_ERROR error 'nx.test does not exist \(NXDOMAIN\)'
want TLSRPT_MISSING info 'no TLS-RPT record at _smtp._tls.nx.test'
want_exit 1
want_reply "$NOTFOUND"
assert_eq "$(jq_py 'd["verdict"]')" "no usable MTA-STS policy; senders use their default TLS level for nx.test" \
    "nx.test: verdict"
assert_eq "$(jq_py 'd["policy"]')" "None" "nx.test: policy null"

check nodata.test
want MTASTS_DNS_ERROR error 'has no TXT record \(NODATA\)'
want_exit 1

check servfail.test
want MTASTS_DNS_ERROR error 'TXT lookup of _mta-sts.servfail.test failed: .*\(SERVFAIL\)'
want_exit 1
want_reply "$NOTFOUND"
assert_match "$(jq_py 'd["verdict"]')" 'could not be retrieved' \
    "servfail.test: verdict mentions cached policies"

check spf.test
want MTASTS_DNS_ERROR error 'none begins with "v=STSv1;"'

check noid.test
want MTASTS_NO_ID error 'record "v=STSv1; foo=bar": no id field'
want_exit 1
want_reply "$NOTFOUND"

check two.test
want MTASTS_MULTIPLE_RECORDS error '2 records beginning with'
want_exit 1

check badtxt.test
want MTASTS_BAD_RECORD error 'record "v=STSv1; id=has space": '
want MTASTS_POLICY_UNUSED warning 'senders never use it'
want_exit 1
want_reply "$NOTFOUND"

check esc.test
want MTASTS_BAD_RECORD error 'id=1\\x1b\[2J\\x1b\]0;pwned\\x07'
HOUT=$(world_exec "$MTA_STSCTL" check esc.test) || true
assert_eq "$(printf '%s' "$HOUT" | tr -d '\n' | LC_ALL=C tr -d '\040-\176' | wc -c)" 0 \
    "hostile TXT: human output is printable ASCII only"

# --- policy fetch ---------------------------------------------------------------

check expired.test
want MTASTS_POLICY_FETCH_FAILED error '^TLS: certificate has expired'
want_exit 1
want_reply "$NOTFOUND"
assert_eq "$(jq_py 'd["fetch"]["status"]')" "tls" "expired.test: fetch status"

check nohost.test
want MTASTS_POLICY_FETCH_FAILED error 'mta-sts.nohost.test does not resolve: .*\(NXDOMAIN\)'
want_exit 1

check s404.test
want MTASTS_POLICY_FETCH_FAILED error '^HTTP status 404'

check redir.test
want MTASTS_POLICY_FETCH_FAILED error '^redirect \(HTTP 301\) to https://elsewhere.test/policy'

check html.test
want MTASTS_POLICY_FETCH_FAILED error '^media type text/html'

# --- policy file ----------------------------------------------------------------

check badver.test
want MTASTS_BAD_VERSION error 'unsupported version'
want_exit 1
want_reply "$NOTFOUND"
assert_eq "$(jq_py '(d["policy"]["valid"], d["policy"]["mode"])')" \
    "(False, None)" "badver.test: invalid policy in the JSON"
check badmode.test
want MTASTS_UNKNOWN_MODE error 'unknown mode'
check badage.test
want MTASTS_BAD_MAXAGE error 'max_age is not a number'
check nomx.test
want MTASTS_NO_MX error 'no mx field'
check invmx.test
want MTASTS_INVALID_MX error 'mx value is not a valid host name pattern'
check page.test
want MTASTS_POLICY_INVALID error 'line is not key: value'
want_exit 1
check escpol.test
want MTASTS_POLICY_INVALID error 'control character'
HOUT=$(world_exec "$MTA_STSCTL" check escpol.test) || true
assert_eq "$(printf '%s' "$HOUT" | tr -d '\n' | LC_ALL=C tr -d '\040-\176' | wc -c)" 0 \
    "hostile policy: human output is printable ASCII only"
assert_match "$HOUT" 'mode: enforce\\x1b\[31m' "hostile policy: shown escaped"

# --- modes and MX consistency ---------------------------------------------------

check none.test
want MTASTS_MODE_NONE warning 'mode none'
want_exit 0
want_reply "$NOTFOUND"
assert_match "$(jq_py 'd["verdict"]')" '^MTA-STS mode none' "none.test: verdict"

check testing.test
want MTASTS_MODE_TESTING warning 'mode testing'
want MTASTS_SHORT_MAXAGE warning 'max_age 3600 s is less than one day'
want MTASTS_MX_OK info 'MX mx.testing.test'
want MTASTS_MX_NOT_COVERED warning 'MX other.example \(preference 20\) matches no policy mx'
want MTASTS_PATTERN_UNUSED info 'policy mx unused.testing.test matches no MX host'
want_exit 0
want_reply "$NOTFOUND"
assert_match "$(jq_py 'd["verdict"]')" '^MTA-STS in testing mode' \
    "testing.test: verdict"

check notcov.test
want MTASTS_MX_OK info 'MX mx1.notcov.test .*matches policy mx \*.notcov.test'
want MTASTS_MX_NOT_COVERED error 'MX deep.mx.notcov.test .*senders enforcing'
want_exit 1
want_reply "OK secure match=.notcov.test servername=hostname"
assert_eq "$(jq_py 'd["verdict"]')" "MTA-STS enforced; mail to notcov.test requires verified TLS to mx1.notcov.test; never delivered to deep.mx.notcov.test (not in the policy)" \
    "notcov.test: verdict names the uncovered host"

check implicit.test
want MTASTS_IMPLICIT_MX info 'implicit.test has no MX record'
want MTASTS_MX_OK info 'MX implicit.test \(preference 0\)'
want_exit 0
want_reply "OK secure match=implicit.test servername=hostname"

# --- DANE TLSA records of the MX hosts ------------------------------------------

check dane.test
want MTASTS_MX_DANE_TLSA info '^mx1.dane.test publishes 2 DANE TLSA records \(_25._tcp.mx1.dane.test\); DNSSEC validation not checked$'
assert_eq "$(jq_py '[f["message"].split()[0] for f in d["findings"] if f["code"] == "MTASTS_MX_DANE_TLSA"]')" \
    "['mx1.dane.test']" "dane.test: only mx1 has the finding"
assert_match "$(jq_py '[f["hint"] for f in d["findings"] if f["code"] == "MTASTS_MX_DANE_TLSA"][0]')" \
    'dane-only.*texthash' "dane.test: the hint names dane-only and texthash"
assert_eq "$(jq_py '[(m["host"], m["tlsa_status"], m["tlsa_count"]) for m in d["mx"]]')" \
    "[('mx1.dane.test', 'ok', 2), ('mx2.dane.test', 'nodata', 0), ('mx3.dane.test', 'servfail', 0)]" \
    "dane.test: TLSA status and count per MX host in the JSON"
# Info only: the same exit status, verdict and reply as without TLSA.
want_exit 0
want_reply "OK secure match=.dane.test servername=hostname"
assert_eq "$(jq_py 'd["verdict"]')" "MTA-STS enforced; mail to dane.test requires verified TLS to mx1.dane.test, mx2.dane.test, mx3.dane.test" \
    "dane.test: verdict"
HOUT=$(world_exec "$MTA_STSCTL" check dane.test) && hrc=0 || hrc=$?
assert_eq "$hrc" 0 "dane.test: human output exits 0"
assert_match "$HOUT" $'\ninfo    MTASTS_MX_DANE_TLSA         mx1.dane.test publishes 2 DANE' \
    "dane.test: human finding line"

check danei.test
want MTASTS_MX_DANE_TLSA info '^danei.test publishes 1 DANE TLSA record \(_25._tcp.danei.test\)'
want MTASTS_IMPLICIT_MX info 'danei.test has no MX record'
want_exit 0

# Without TLSA records: no finding, the lookups still show.
check good.test
nowant MTASTS_MX_DANE_TLSA
want_exit 0
assert_eq "$(jq_py '[(m["tlsa_status"], m["tlsa_count"]) for m in d["mx"]]')" \
    "[('nxdomain', 0), ('nxdomain', 0)]" "good.test: TLSA lookups in the JSON"

check nullmx.test
want MTASTS_NULL_MX info 'null MX'
nowant MTASTS_PATTERN_UNUSED
want_exit 0
assert_match "$(jq_py 'd["verdict"]')" 'accepts no mail' "nullmx.test: verdict"

check mxfail.test
want MTASTS_MX_DNS_ERROR error 'MX lookup of mxfail.test failed: .*\(SERVFAIL\)'
want_exit 1
want_reply "OK secure match=mx.mxfail.test servername=hostname"

# --- TLS-RPT --------------------------------------------------------------------

check rptbad.test
want TLSRPT_INVALID warning 'rua URI is neither mailto: nor https:'
want_exit 0
check rpttwo.test
want TLSRPT_INVALID warning 'more than one v=TLSRPTv1 record'
check rptfail.test
want TLSRPT_DNS_ERROR warning 'failed: .*\(SERVFAIL\)'

# --- --smtp ---------------------------------------------------------------------

check --smtp smtp.test
want MTASTS_MX_TLS_OK info 'MX mx1.smtp.test \[127.0.0.31\]: STARTTLS ok, certificate valid for mx1.smtp.test'
want MTASTS_MX_TLS_OK info 'MX mx1.smtp.test \[::1\]: STARTTLS ok'
want MTASTS_MX_TLS_FAILED error 'MX mx2.smtp.test \[127.0.0.32\]: TLS: .*(no alternative certificate subject name|does not match)'
want MTASTS_MX_TLS_FAILED error 'MX mx3.smtp.test \[127.0.0.33\]: STARTTLS: '
want MTASTS_MX_NO_ADDRESS error 'MX mx4.smtp.test does not resolve: .*\(NXDOMAIN\)'
want_exit 1
want_reply "OK secure match=.smtp.test servername=hostname"
assert_eq "$(jq_py '[(p["address"], p["status"]) for m in d["mx"] for p in m["smtp"]]')" \
    "[('::1', 'ok'), ('127.0.0.31', 'ok'), ('127.0.0.32', 'tls'), ('127.0.0.33', 'no-starttls')]" \
    "smtp.test: probes in the JSON"
assert_match "$(cat "$WORLD/smtpd-127.0.0.31.cmds")" 'tls-ok' \
    "smtp.test: the probe completed STARTTLS"
assert_match "$(cat "$WORLD/smtpd-127.0.0.31.cmds")" 'cmd QUIT tls' \
    "smtp.test: the probe said QUIT"
# The same domain without --smtp connects to nobody.
n=$(wc -l <"$WORLD/smtpd-127.0.0.31.cmds")
check smtp.test
want_exit 0
nowant MTASTS_MX_TLS_OK
assert_eq "$(wc -l <"$WORLD/smtpd-127.0.0.31.cmds")" "$n" \
    "smtp.test: no SMTP connection without --smtp"
# --ca-file with a CA that did not sign the certificates.
check --smtp --ca-file "$WORLD/pki/rogue.pem" smtp.test
want MTASTS_POLICY_FETCH_FAILED error '^TLS: '
want MTASTS_MX_TLS_FAILED error 'MX mx1.smtp.test \[127.0.0.31\]: TLS: '

# --- options ----------------------------------------------------------------------

# -c: the daemon's config file; dns_servers there is used.
printf 'dns_servers = 127.0.0.1\nca_file = %s\nhttp_timeout = 5s\n' \
    "$WORLD/pki/root.pem" >"$WORLD/check.conf"
check -c "$WORLD/check.conf" good.test
want_exit 0
check --dns-server 127.0.0.1 --timeout 5 good.test
want_exit 0
# No DNS server there: every lookup fails at once.
check --dns-server 127.0.0.99 good.test
want MTASTS_DNS_ERROR error 'failed: DNS server unreachable'
want MTASTS_MX_DNS_ERROR error 'failed: DNS server unreachable'
want TLSRPT_DNS_ERROR warning 'failed: DNS server unreachable'
want_exit 1
# A server that never answers for _mta-sts.drop.test: a timeout, bounded
# by the dns_timeout and dns_tries of the -c file.
printf 'dns_timeout = 500ms\ndns_tries = 1\n' >"$WORLD/fast.conf"
t0=$(date +%s)
check -c "$WORLD/fast.conf" drop.test
want MTASTS_DNS_ERROR error 'failed: .*\(timeout\)'
want_exit 1
want_reply "$NOTFOUND"
assert_eq "$(( $(date +%s) - t0 < 5 ))" 1 "DNS timeout: bounded by the config"

assert_status 2 "no domain" world_exec "$MTA_STSCTL" check
assert_status 2 "two domains" world_exec "$MTA_STSCTL" check a.test b.test
assert_status 2 "bad --timeout" world_exec "$MTA_STSCTL" check --timeout 0 a.test
assert_status 2 "IP address" world_exec "$MTA_STSCTL" check 192.0.2.1
assert_status 2 "missing config" world_exec "$MTA_STSCTL" check -c /nonexistent a.test
assert_status 0 "-h" world_exec "$MTA_STSCTL" check -h
assert_match "$(world_exec "$MTA_STSCTL" check -h)" '^usage: mta-stsctl check' \
    "-h prints the usage"

world_summary
