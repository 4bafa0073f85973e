/*
 * diag_check.c: the judgement half of `mta-stsctl check`: what was
 * collected -> findings, verdict and the Postfix reply.  See diag.h; the
 * finding codes are documented in the table at the top of diag.c.
 *
 * Pure: no I/O, no logging, no event, DNS, HTTP or JSON library.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "domain.h"
#include "reply.h"
#include "socketmap.h"
#include "sts_policy.h"
#include "sts_txt.h"

/* Keep in step with the table at the top of diag.c. */
static const struct diag_code_info diag_codes[DIAG_NCODES] = {
	[DIAG_MTASTS_DNS_ERROR] = { "MTASTS_DNS_ERROR", DIAG_ERROR,
	    "publish one TXT record \"v=STSv1; id=YYYYMMDDhhmmss\" at "
	    "_mta-sts.DOMAIN and make sure DOMAIN's name servers answer "
	    "for it" },
	[DIAG_MTASTS_NO_ID] = { "MTASTS_NO_ID", DIAG_ERROR,
	    "add an id of 1 to 32 letters and digits: "
	    "\"v=STSv1; id=YYYYMMDDhhmmss\"" },
	[DIAG_MTASTS_MULTIPLE_RECORDS] = { "MTASTS_MULTIPLE_RECORDS",
	    DIAG_ERROR, "keep exactly one TXT record beginning with "
	    "\"v=STSv1;\" at _mta-sts.DOMAIN; senders ignore all of them "
	    "otherwise" },
	[DIAG_MTASTS_BAD_RECORD] = { "MTASTS_BAD_RECORD", DIAG_ERROR,
	    "write the record as \"v=STSv1; id=YYYYMMDDhhmmss\" (RFC 8461 "
	    "section 3.1)" },
	[DIAG_MTASTS_RECORD_OK] = { "MTASTS_RECORD_OK", DIAG_INFO, "" },
	[DIAG_MTASTS_POLICY_FETCH_FAILED] = { "MTASTS_POLICY_FETCH_FAILED",
	    DIAG_ERROR, "serve the policy at https://mta-sts.DOMAIN/"
	    ".well-known/mta-sts.txt: the name must resolve, the certificate "
	    "must be valid for mta-sts.DOMAIN, the answer must be 200 with "
	    "Content-Type text/plain and no redirect" },
	[DIAG_MTASTS_POLICY_FETCHED] = { "MTASTS_POLICY_FETCHED", DIAG_INFO,
	    "" },
	[DIAG_MTASTS_BAD_VERSION] = { "MTASTS_BAD_VERSION", DIAG_ERROR,
	    "start the policy with the line \"version: STSv1\"" },
	[DIAG_MTASTS_UNKNOWN_MODE] = { "MTASTS_UNKNOWN_MODE", DIAG_ERROR,
	    "add one line \"mode: enforce\", \"mode: testing\" or "
	    "\"mode: none\" (lower case)" },
	[DIAG_MTASTS_BAD_MAXAGE] = { "MTASTS_BAD_MAXAGE", DIAG_ERROR,
	    "add one line \"max_age: SECONDS\", a plain number of at most 10 "
	    "digits, e.g. \"max_age: 604800\"" },
	[DIAG_MTASTS_NO_MX] = { "MTASTS_NO_MX", DIAG_ERROR,
	    "add one \"mx: HOST\" line per MX host (or \"mx: *.DOMAIN\")" },
	[DIAG_MTASTS_INVALID_MX] = { "MTASTS_INVALID_MX", DIAG_ERROR,
	    "each mx value must be a host name in A-label form, optionally "
	    "starting with \"*.\"; no addresses, ports or spaces" },
	[DIAG_MTASTS_POLICY_INVALID] = { "MTASTS_POLICY_INVALID", DIAG_ERROR,
	    "serve a plain \"key: value\" file (RFC 8461 section 3.2), not "
	    "an HTML page or other text" },
	[DIAG_MTASTS_POLICY_OK] = { "MTASTS_POLICY_OK", DIAG_INFO, "" },
	[DIAG_MTASTS_POLICY_UNUSED] = { "MTASTS_POLICY_UNUSED", DIAG_WARNING,
	    "fix the TXT record at _mta-sts.DOMAIN; without a valid one "
	    "senders never fetch the policy" },
	[DIAG_MTASTS_MODE_NONE] = { "MTASTS_MODE_NONE", DIAG_WARNING,
	    "mode none withdraws MTA-STS; switch to testing, then enforce, "
	    "when the MX hosts have valid certificates" },
	[DIAG_MTASTS_MODE_TESTING] = { "MTASTS_MODE_TESTING", DIAG_WARNING,
	    "once TLS reports show no failures, switch to \"mode: enforce\" "
	    "and change the id in the TXT record" },
	[DIAG_MTASTS_SHORT_MAXAGE] = { "MTASTS_SHORT_MAXAGE", DIAG_WARNING,
	    "use max_age of a week (604800) or more once the policy is stable "
	    "so senders keep it while the policy host is unreachable" },
	[DIAG_MTASTS_MX_DNS_ERROR] = { "MTASTS_MX_DNS_ERROR", DIAG_ERROR,
	    "make the MX lookup of DOMAIN answer; senders cannot deliver "
	    "while it fails" },
	[DIAG_MTASTS_IMPLICIT_MX] = { "MTASTS_IMPLICIT_MX", DIAG_INFO, "" },
	[DIAG_MTASTS_NULL_MX] = { "MTASTS_NULL_MX", DIAG_INFO, "" },
	[DIAG_MTASTS_MX_OK] = { "MTASTS_MX_OK", DIAG_INFO, "" },
	[DIAG_MTASTS_MX_NOT_COVERED] = { "MTASTS_MX_NOT_COVERED", DIAG_ERROR,
	    "add an \"mx:\" line matching this host to the policy (and "
	    "change the id in the TXT record), or remove the MX record" },
	[DIAG_MTASTS_PATTERN_UNUSED] = { "MTASTS_PATTERN_UNUSED", DIAG_INFO,
	    "" },
	[DIAG_MTASTS_MX_NO_ADDRESS] = { "MTASTS_MX_NO_ADDRESS", DIAG_ERROR,
	    "give the MX host A and/or AAAA records, or remove the MX "
	    "record" },
	[DIAG_MTASTS_MX_TLS_FAILED] = { "MTASTS_MX_TLS_FAILED", DIAG_ERROR,
	    "offer STARTTLS on port 25 with a certificate chain from a public "
	    "CA that is valid for the MX host name" },
	[DIAG_MTASTS_MX_TLS_OK] = { "MTASTS_MX_TLS_OK", DIAG_INFO, "" },
	[DIAG_MTASTS_MX_DANE_TLSA] = { "MTASTS_MX_DANE_TLSA", DIAG_INFO,
	    "mta-stsd's \"secure\" answer replaces a DANE security level "
	    "for this domain; senders using DANE should list the domain with "
	    "level dane-only (or dane) in a texthash: map placed before the "
	    "mta-stsd socketmap in smtp_tls_policy_maps (README, \"DANE\")" },
	[DIAG_TLSRPT_DNS_ERROR] = { "TLSRPT_DNS_ERROR", DIAG_WARNING,
	    "make _smtp._tls.DOMAIN TXT lookups answer" },
	[DIAG_TLSRPT_MISSING] = { "TLSRPT_MISSING", DIAG_INFO,
	    "publish \"v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN\" at "
	    "_smtp._tls.DOMAIN to receive reports of failed TLS deliveries" },
	[DIAG_TLSRPT_INVALID] = { "TLSRPT_INVALID", DIAG_WARNING,
	    "keep one record \"v=TLSRPTv1; rua=mailto:ADDRESS\" (or "
	    "rua=https:URL, several comma-separated) at _smtp._tls.DOMAIN" },
	[DIAG_TLSRPT_OK] = { "TLSRPT_OK", DIAG_INFO, "" },
};

const struct diag_code_info *
diag_code_info(enum diag_code c)
{
	return &diag_codes[c];
}

const char *
diag_severity_name(enum diag_severity s)
{
	switch (s) {
	case DIAG_ERROR:
		return "error";
	case DIAG_WARNING:
		return "warning";
	case DIAG_INFO:
		return "info";
	}
	return "?";
}

void
diag_input_init(struct diag_input *in)
{
	size_t	i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < DIAG_MAX_TXT_RECORDS; i++) {
		buf_init(&in->sts.records[i], STS_TXT_MAX_RECORD);
		buf_init(&in->tlsrpt.records[i], STS_TXT_MAX_RECORD);
	}
	buf_init(&in->body, FETCH_MAX_BODY);
}

void
diag_input_clear(struct diag_input *in)
{
	size_t	i;

	for (i = 0; i < DIAG_MAX_TXT_RECORDS; i++) {
		buf_clear(&in->sts.records[i]);
		buf_clear(&in->tlsrpt.records[i]);
	}
	buf_clear(&in->body);
}

void
diag_report_init(struct diag_report *r)
{
	memset(r, 0, sizeof(*r));
	sts_policy_init(&r->policy);
	buf_init(&r->reply_data, SOCKETMAP_MAX_REPLY);
	r->txt_status = STS_TXT_NONE;
	r->outcome = REPLY_FAILED;
	r->reply_status = SOCKETMAP_NOTFOUND;
	r->exit_code = DIAG_EXIT_FINDINGS;
}

void
diag_report_clear(struct diag_report *r)
{
	size_t	i;

	for (i = 0; i < r->nfindings; i++)
		free(r->findings[i].message);
	r->nfindings = 0;
	sts_policy_clear(&r->policy);
	buf_clear(&r->reply_data);
}

char *
diag_esc(struct span s, size_t max)
{
	size_t	n = s.len < max ? s.len : max;
	char	*out;

	/* Four bytes per input byte, "...", NUL: span_esc never cuts. */
	out = xmalloc(n * 4 + 4);
	span_esc(s, max, out, n * 4 + 4);
	return out;
}

/*
 * A reason from fetch.c or tlsprobe.c: those escape peer bytes already
 * (span_esc()), so printable text is kept as it is rather than escaped
 * twice.
 */
static char *
reason_text(const char *why, size_t max)
{
	struct span	s = span_make(why, strnlen(why, max));
	size_t		i;

	for (i = 0; i < s.len; i++)
		if (!ascii_is_print(s.p[i]))
			return diag_esc(s, max);
	return span_strdup(s);
}

/* Findings. */

static void
vadd(struct diag_report *r, enum diag_code code, enum diag_severity sev,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* A finding; a message too long for DIAG_MAX_MESSAGE ends in "...". */
static void
vadd(struct diag_report *r, enum diag_code code, enum diag_severity sev,
    const char *fmt, va_list ap)
{
	struct diag_finding	*f;
	char			*m;
	int			 n;

	if (r->nfindings == DIAG_MAX_FINDINGS)
		return;		/* cannot happen: see DIAG_MAX_FINDINGS */
	m = xmalloc(DIAG_MAX_MESSAGE);
	n = vsnprintf(m, DIAG_MAX_MESSAGE, fmt, ap);
	if (n < 0)
		m[0] = '\0';
	else if ((size_t)n >= DIAG_MAX_MESSAGE)
		memcpy(m + DIAG_MAX_MESSAGE - 4, "...", 4);
	f = &r->findings[r->nfindings++];
	f->code = code;
	f->severity = sev;
	f->message = m;
}

static void
add(struct diag_report *r, enum diag_code code, enum diag_severity sev,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add(struct diag_report *r, enum diag_code code, enum diag_severity sev,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vadd(r, code, sev, fmt, ap);
	va_end(ap);
}

static void
add_default(struct diag_report *r, enum diag_code code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* A finding with the code's usual severity. */
static void
add_default(struct diag_report *r, enum diag_code code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vadd(r, code, diag_codes[code].severity, fmt, ap);
	va_end(ap);
}

/* A short tag for a DNS outcome, for messages. */
static const char *
rstatus_tag(enum resolver_status st)
{
	switch (st) {
	case RESOLVER_OK:
		return "ok";
	case RESOLVER_NXDOMAIN:
		return "NXDOMAIN";
	case RESOLVER_NODATA:
		return "NODATA";
	case RESOLVER_SERVFAIL:
		return "SERVFAIL";
	case RESOLVER_REFUSED:
		return "REFUSED";
	case RESOLVER_TIMEOUT:
		return "timeout";
	case RESOLVER_ERROR:
		return "error";
	}
	return "?";
}

static const char *
why_or(const char *why, const char *dflt)
{
	return why != NULL ? why : dflt;
}

/* TXT record at _mta-sts.DOMAIN.  Returns true when senders can use it. */
static bool
check_txt(const struct diag_input *in, struct diag_report *r)
{
	const struct diag_txt	*t = &in->sts;
	const char		*d = in->domain.name, *why = NULL;
	struct sts_txt_record	 recs[DIAG_MAX_TXT_RECORDS];
	struct span		 one[DIAG_MAX_TXT_RECORDS];
	size_t			 i, nsts = 0;
	char			*e;

	if (!t->done) {
		add_default(r, DIAG_MTASTS_DNS_ERROR, "TXT lookup of "
		    "_mta-sts.%s did not finish", d);
		r->outcome = REPLY_FAILED;
		return false;
	}
	switch (t->status) {
	case RESOLVER_OK:
		break;
	case RESOLVER_NXDOMAIN:
		add_default(r, DIAG_MTASTS_DNS_ERROR, "no MTA-STS record: "
		    "_mta-sts.%s does not exist (NXDOMAIN)", d);
		r->outcome = REPLY_NO_POLICY;
		return false;
	case RESOLVER_NODATA:
		add_default(r, DIAG_MTASTS_DNS_ERROR, "no MTA-STS record: "
		    "_mta-sts.%s has no TXT record (NODATA)", d);
		r->outcome = REPLY_NO_POLICY;
		return false;
	case RESOLVER_SERVFAIL:
	case RESOLVER_REFUSED:
	case RESOLVER_TIMEOUT:
	case RESOLVER_ERROR:
		add_default(r, DIAG_MTASTS_DNS_ERROR, "TXT lookup of "
		    "_mta-sts.%s failed: %s (%s)", d,
		    why_or(t->why, "DNS failure"), rstatus_tag(t->status));
		r->outcome = REPLY_FAILED;
		return false;
	}
	for (i = 0; i < t->nrecords; i++) {
		one[i] = buf_span(&t->records[i]);
		recs[i].strings = &one[i];
		recs[i].nstrings = 1;
		if (sts_txt_is_sts(one[i]))
			nsts++;
	}
	r->txt_status = sts_txt_select(recs, t->nrecords, &r->txt, &why);
	r->outcome = REPLY_NO_POLICY;
	switch (r->txt_status) {
	case STS_TXT_OK:
		if (t->have_ttl)
			add_default(r, DIAG_MTASTS_RECORD_OK, "TXT record "
			    "found: id %s, TTL %u s", r->txt.id,
			    (unsigned)t->ttl);
		else
			add_default(r, DIAG_MTASTS_RECORD_OK, "TXT record "
			    "found: id %s", r->txt.id);
		return true;
	case STS_TXT_NONE:
		add_default(r, DIAG_MTASTS_DNS_ERROR, "no MTA-STS record: "
		    "_mta-sts.%s has %zu TXT record(s), none begins with "
		    "\"v=STSv1;\"", d, t->nrecords);
		return false;
	case STS_TXT_MULTIPLE:
		add_default(r, DIAG_MTASTS_MULTIPLE_RECORDS, "_mta-sts.%s has "
		    "%zu records beginning with \"v=STSv1;\"; senders use "
		    "none of them", d, nsts);
		return false;
	case STS_TXT_NO_ID:
	case STS_TXT_INVALID:
		for (i = 0; i < t->nrecords; i++)
			if (sts_txt_is_sts(one[i]))
				break;
		e = diag_esc(i < t->nrecords ? one[i] : span_make(NULL, 0),
		    DIAG_ESC_MAX);
		add_default(r, r->txt_status == STS_TXT_NO_ID ?
		    DIAG_MTASTS_NO_ID : DIAG_MTASTS_BAD_RECORD,
		    "record \"%s\": %s", e, why_or(why, "invalid"));
		free(e);
		return false;
	}
	return false;
}

enum diag_code
diag_policy_reason_code(const char *why)
{
	static const struct {
		const char	*why;
		enum diag_code	 code;
	} map[] = {
		{ "unsupported version", DIAG_MTASTS_BAD_VERSION },
		{ "no version field", DIAG_MTASTS_BAD_VERSION },
		{ "unknown mode", DIAG_MTASTS_UNKNOWN_MODE },
		{ "no mode field", DIAG_MTASTS_UNKNOWN_MODE },
		{ "max_age longer than 10 digits", DIAG_MTASTS_BAD_MAXAGE },
		{ "max_age is not a number", DIAG_MTASTS_BAD_MAXAGE },
		{ "no max_age field", DIAG_MTASTS_BAD_MAXAGE },
		{ "no mx field", DIAG_MTASTS_NO_MX },
		{ "empty mx value", DIAG_MTASTS_INVALID_MX },
		{ "mx value is not a valid host name pattern",
		    DIAG_MTASTS_INVALID_MX },
		{ "more than 100 mx fields", DIAG_MTASTS_INVALID_MX },
	};
	size_t	i;

	if (why != NULL)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(why, map[i].why) == 0)
				return map[i].code;
	return DIAG_MTASTS_POLICY_INVALID;
}

/* Append the policy's patterns, ", "-separated, to a message buffer. */
static void
list_patterns(const struct sts_policy *p, char *m, size_t sz)
{
	size_t	i, len = 0;
	int	n;

	m[0] = '\0';
	for (i = 0; i < p->mx_count; i++) {
		n = snprintf(m + len, sz - len, "%s%s", i > 0 ? ", " : "",
		    p->mx[i]);
		if (n < 0 || (size_t)n >= sz - len) {
			if (sz > 4)
				memcpy(m + sz - 4, "...", 4);
			return;
		}
		len += (size_t)n;
	}
}

/* The policy fetch and file.  Returns true when the policy parsed. */
static bool
check_policy(const struct diag_input *in, struct diag_report *r,
    bool txt_ok)
{
	const char		*d = in->domain.name, *why = NULL;
	const struct sts_policy	*p = &r->policy;
	char			 pats[DIAG_MAX_MESSAGE];
	char			*e;

	if (!in->fetch_tried)
		return false;
	if (in->host_status != RESOLVER_OK) {
		add_default(r, DIAG_MTASTS_POLICY_FETCH_FAILED, "policy host "
		    "mta-sts.%s does not resolve: %s (%s)", d,
		    why_or(in->host_why, "DNS failure"),
		    rstatus_tag(in->host_status));
		return false;
	}
	if (!in->fetched) {
		add_default(r, DIAG_MTASTS_POLICY_FETCH_FAILED, "policy fetch "
		    "did not finish");
		return false;
	}
	if (in->fetch_status != FETCH_OK) {
		e = reason_text(in->fetch_reason, FETCH_REASON_MAX);
		add_default(r, DIAG_MTASTS_POLICY_FETCH_FAILED, "%s", e);
		free(e);
		return false;
	}
	add_default(r, DIAG_MTASTS_POLICY_FETCHED, "policy fetched from "
	    "https://mta-sts.%s/.well-known/mta-sts.txt: %zu bytes in %.2f s",
	    d, in->body.len, in->fetch_seconds);
	if (sts_policy_parse(buf_span(&in->body), &r->policy, &why) == -1) {
		add_default(r, diag_policy_reason_code(why), "policy file "
		    "rejected: %s", why_or(why, "invalid"));
		return false;
	}
	r->policy_parsed = true;
	list_patterns(p, pats, sizeof(pats));
	add_default(r, DIAG_MTASTS_POLICY_OK, "policy: mode %s, max_age %u s "
	    "(%.1f days), mx %s", sts_mode_name(p->mode), (unsigned)p->max_age,
	    (double)p->max_age / 86400.0, p->mx_count > 0 ? pats : "(none)");
	if (!txt_ok)
		add_default(r, DIAG_MTASTS_POLICY_UNUSED, "the policy file is "
		    "valid, but senders never use it without a valid TXT "
		    "record at _mta-sts.%s", d);
	switch (p->mode) {
	case STS_MODE_ENFORCE:
		break;
	case STS_MODE_TESTING:
		add_default(r, DIAG_MTASTS_MODE_TESTING, "mode testing: "
		    "senders report TLS failures but deliver anyway; nothing "
		    "is enforced");
		break;
	case STS_MODE_NONE:
		add_default(r, DIAG_MTASTS_MODE_NONE, "mode none: senders "
		    "apply no MTA-STS policy to %s and drop any they cached",
		    d);
		break;
	}
	if (p->max_age < DIAG_SHORT_MAX_AGE)
		add_default(r, DIAG_MTASTS_SHORT_MAXAGE, "max_age %u s is "
		    "less than one day", (unsigned)p->max_age);
	return true;
}

/* DOMAIN's MX hosts against the policy's patterns. */
static void
check_mx(const struct diag_input *in, struct diag_report *r)
{
	const struct sts_policy	*p = &r->policy;
	const char		*d = in->domain.name;
	bool			 judge, used;
	size_t			 i, j;

	if (!in->mx_done) {
		add_default(r, DIAG_MTASTS_MX_DNS_ERROR, "MX lookup of %s did "
		    "not finish", d);
		return;
	}
	switch (in->mx_status) {
	case RESOLVER_OK:
	case RESOLVER_NODATA:
		break;
	case RESOLVER_NXDOMAIN:
		add_default(r, DIAG_MTASTS_MX_DNS_ERROR, "%s does not exist "
		    "(NXDOMAIN): mail to it bounces", d);
		return;
	case RESOLVER_SERVFAIL:
	case RESOLVER_REFUSED:
	case RESOLVER_TIMEOUT:
	case RESOLVER_ERROR:
		add_default(r, DIAG_MTASTS_MX_DNS_ERROR, "MX lookup of %s "
		    "failed: %s (%s)", d, why_or(in->mx_why, "DNS failure"),
		    rstatus_tag(in->mx_status));
		return;
	}
	if (in->null_mx) {
		add_default(r, DIAG_MTASTS_NULL_MX, "%s has a null MX "
		    "(RFC 7505): it accepts no mail, MTA-STS has nothing to "
		    "protect", d);
		return;
	}
	if (in->implicit_mx)
		add_default(r, DIAG_MTASTS_IMPLICIT_MX, "%s has no MX record: "
		    "senders deliver to %s itself (implicit MX, RFC 5321 "
		    "section 5.1)", d, d);
	judge = r->policy_parsed && p->mode != STS_MODE_NONE;
	for (i = 0; i < in->nmx; i++) {
		const struct diag_mx_host *h = &in->mx[i];
		const char	*match = NULL;

		for (j = 0; j < p->mx_count && r->policy_parsed; j++)
			if (h->valid && sts_policy_mx_matches(p->mx[j],
			    span_str(h->name))) {
				match = p->mx[j];
				break;
			}
		r->mx_covered[i] = match != NULL;
		if (!judge)
			continue;
		if (match != NULL)
			add_default(r, DIAG_MTASTS_MX_OK, "MX %s (preference "
			    "%u) matches policy mx %s", h->name,
			    (unsigned)h->preference, match);
		else
			add(r, DIAG_MTASTS_MX_NOT_COVERED,
			    p->mode == STS_MODE_ENFORCE ? DIAG_ERROR :
			    DIAG_WARNING, "MX %s (preference %u) matches no "
			    "policy mx: %s", h->name, (unsigned)h->preference,
			    p->mode == STS_MODE_ENFORCE ? "senders enforcing "
			    "the policy will not deliver to it" : "under "
			    "enforce, senders would not deliver to it");
	}
	if (!judge)
		return;
	for (j = 0; j < p->mx_count; j++) {
		used = false;
		for (i = 0; i < in->nmx && !used; i++)
			used = in->mx[i].valid && sts_policy_mx_matches(
			    p->mx[j], span_str(in->mx[i].name));
		if (!used)
			add_default(r, DIAG_MTASTS_PATTERN_UNUSED, "policy mx "
			    "%s matches no MX host of %s", p->mx[j], d);
	}
}

/* The --smtp probes. */
static void
check_smtp(const struct diag_input *in, struct diag_report *r)
{
	size_t	i, j;

	if (!in->smtp)
		return;
	for (i = 0; i < in->nmx; i++) {
		const struct diag_mx_host *h = &in->mx[i];

		if (!h->valid) {
			add_default(r, DIAG_MTASTS_MX_NO_ADDRESS, "MX %s is "
			    "not a valid host name", h->name);
			continue;
		}
		if (!h->addr_done)
			continue;
		if (h->addr_status != RESOLVER_OK) {
			add_default(r, DIAG_MTASTS_MX_NO_ADDRESS, "MX %s does "
			    "not resolve: %s (%s)", h->name,
			    why_or(h->addr_why, "DNS failure"),
			    rstatus_tag(h->addr_status));
			continue;
		}
		for (j = 0; j < h->nprobes; j++) {
			const struct diag_probe	*pr = &h->probes[j];
			char			*e;

			e = reason_text(pr->reason, TLSPROBE_REASON_MAX);
			if (pr->status == TLSPROBE_OK)
				add_default(r, DIAG_MTASTS_MX_TLS_OK, "MX %s "
				    "[%s]: %s for %s (%.2f s)", h->name,
				    pr->addr, e, h->name, pr->seconds);
			else
				add_default(r, DIAG_MTASTS_MX_TLS_FAILED, "MX "
				    "%s [%s]: %s", h->name, pr->addr, e);
			free(e);
		}
	}
}

/*
 * DANE TLSA records of the MX hosts (RFC 7672 section 2.2).  Only their
 * presence: whether they validate (DNSSEC) is not checked.  A failed
 * lookup says nothing either way and makes no finding.
 */
static void
check_dane(const struct diag_input *in, struct diag_report *r)
{
	size_t	i;

	for (i = 0; i < in->nmx; i++) {
		const struct diag_mx_host *h = &in->mx[i];

		if (!h->valid || !h->tlsa_done ||
		    h->tlsa_status != RESOLVER_OK || h->ntlsa == 0)
			continue;
		add_default(r, DIAG_MTASTS_MX_DANE_TLSA, "%s publishes %zu "
		    "DANE TLSA record%s (_25._tcp.%s); DNSSEC validation not "
		    "checked", h->name, h->ntlsa, h->ntlsa == 1 ? "" : "s",
		    h->name);
	}
}

static void
check_tlsrpt(const struct diag_input *in, struct diag_report *r)
{
	const struct diag_txt	*t = &in->tlsrpt;
	const char		*d = in->domain.name, *why = "invalid";
	size_t			 which;
	char			*e;

	if (!t->done) {
		add_default(r, DIAG_TLSRPT_DNS_ERROR, "TXT lookup of "
		    "_smtp._tls.%s did not finish", d);
		return;
	}
	switch (t->status) {
	case RESOLVER_OK:
		break;
	case RESOLVER_NXDOMAIN:
	case RESOLVER_NODATA:
		add_default(r, DIAG_TLSRPT_MISSING, "no TLS-RPT record at "
		    "_smtp._tls.%s (%s): nobody is told about failed TLS "
		    "deliveries", d, rstatus_tag(t->status));
		return;
	case RESOLVER_SERVFAIL:
	case RESOLVER_REFUSED:
	case RESOLVER_TIMEOUT:
	case RESOLVER_ERROR:
		add_default(r, DIAG_TLSRPT_DNS_ERROR, "TXT lookup of "
		    "_smtp._tls.%s failed: %s (%s)", d,
		    why_or(t->why, "DNS failure"), rstatus_tag(t->status));
		return;
	}
	switch (diag_tlsrpt_select(t->records, t->nrecords, &which, &why)) {
	case DIAG_RPT_OK:
		e = diag_esc(buf_span(&t->records[which]), DIAG_ESC_MAX);
		add_default(r, DIAG_TLSRPT_OK, "TLS-RPT record \"%s\"", e);
		free(e);
		return;
	case DIAG_RPT_NONE:
		add_default(r, DIAG_TLSRPT_MISSING, "no TLS-RPT record at "
		    "_smtp._tls.%s: %zu TXT record(s), none begins with "
		    "\"v=TLSRPTv1\"", d, t->nrecords);
		return;
	case DIAG_RPT_MULTIPLE:
		add_default(r, DIAG_TLSRPT_INVALID, "_smtp._tls.%s: %s; "
		    "senders use none", d, why);
		return;
	case DIAG_RPT_INVALID:
		e = diag_esc(buf_span(&t->records[which]), DIAG_ESC_MAX);
		add_default(r, DIAG_TLSRPT_INVALID, "TLS-RPT record \"%s\": "
		    "%s", e, why);
		free(e);
		return;
	}
}

/* Append to the verdict; truncation ends it with "...". */
static void
verdict_add(struct diag_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
verdict_add(struct diag_report *r, const char *fmt, ...)
{
	size_t	len = strnlen(r->verdict, sizeof(r->verdict));
	size_t	room = sizeof(r->verdict) - len;
	va_list	ap;
	int	n;

	if (room < 4)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->verdict + len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= room)
		memcpy(r->verdict + sizeof(r->verdict) - 4, "...", 4);
}

/* The hosts (covered or not) as "a, b", or nothing when there are none. */
static void
verdict_hosts(const struct diag_input *in, struct diag_report *r,
    bool covered)
{
	size_t	i, n = 0;

	for (i = 0; i < in->nmx; i++)
		if (r->mx_covered[i] == covered)
			verdict_add(r, "%s%s", n++ > 0 ? ", " : "",
			    in->mx[i].name);
}

static size_t
count_covered(const struct diag_input *in, const struct diag_report *r,
    bool covered)
{
	size_t	i, n = 0;

	for (i = 0; i < in->nmx; i++)
		if (r->mx_covered[i] == covered)
			n++;
	return n;
}

static void
make_verdict(const struct diag_input *in, struct diag_report *r)
{
	const char	*d = in->domain.name;
	const struct sts_policy *p = &r->policy;
	char		 pats[DIAG_MAX_MESSAGE];

	r->verdict[0] = '\0';
	switch (r->outcome) {
	case REPLY_POLICY:
		break;
	case REPLY_NO_POLICY:
	case REPLY_NOT_APPLICABLE:
	case REPLY_BUSY:
	case REPLY_WAIT_TIMEOUT:
		verdict_add(r, "no usable MTA-STS policy; senders use their "
		    "default TLS level for %s", d);
		return;
	case REPLY_FAILED:
		verdict_add(r, "MTA-STS policy could not be retrieved or "
		    "validated; senders without a cached policy use their "
		    "default TLS level for %s, senders with one keep "
		    "applying it", d);
		return;
	}
	switch (p->mode) {
	case STS_MODE_ENFORCE:
		break;
	case STS_MODE_TESTING:
		verdict_add(r, "MTA-STS in testing mode; senders report TLS "
		    "problems but deliver mail to %s anyway", d);
		return;
	case STS_MODE_NONE:
		verdict_add(r, "MTA-STS mode none; senders use their default "
		    "TLS level for %s", d);
		return;
	}
	if (in->null_mx) {
		verdict_add(r, "MTA-STS enforced, but %s accepts no mail "
		    "(null MX)", d);
		return;
	}
	if (!in->mx_done || (in->mx_status != RESOLVER_OK &&
	    in->mx_status != RESOLVER_NODATA) || in->nmx == 0) {
		list_patterns(p, pats, sizeof(pats));
		verdict_add(r, "MTA-STS enforced; mail to %s requires "
		    "verified TLS to an MX host matching %s", d, pats);
		return;
	}
	if (count_covered(in, r, true) == 0) {
		verdict_add(r, "MTA-STS enforced, but no MX host of %s matches "
		    "the policy: senders enforcing it cannot deliver", d);
		return;
	}
	verdict_add(r, "MTA-STS enforced; mail to %s requires verified TLS "
	    "to ", d);
	verdict_hosts(in, r, true);
	if (count_covered(in, r, false) > 0) {
		verdict_add(r, "; never delivered to ");
		verdict_hosts(in, r, false);
		verdict_add(r, " (not in the policy)");
	}
}

static void
make_reply(struct diag_report *r)
{
	const char	*why = NULL;
	int		 n = -1;

	r->reply_status = reply_build(r->outcome,
	    r->outcome == REPLY_POLICY ? &r->policy : NULL, &r->reply_data,
	    &why);
	switch (r->reply_status) {
	case SOCKETMAP_NOTFOUND:
		n = snprintf(r->postfix_reply, sizeof(r->postfix_reply), "%s",
		    socketmap_status_name(r->reply_status));
		break;
	case SOCKETMAP_OK:
	case SOCKETMAP_TEMP:
	case SOCKETMAP_TIMEOUT:
	case SOCKETMAP_PERM:
		n = snprintf(r->postfix_reply, sizeof(r->postfix_reply),
		    "%s %.*s", socketmap_status_name(r->reply_status),
		    (int)r->reply_data.len, r->reply_data.len > 0 ?
		    (const char *)r->reply_data.p : "");
		break;
	}
	if (n < 0)
		r->postfix_reply[0] = '\0';
	else if ((size_t)n >= sizeof(r->postfix_reply))
		memcpy(r->postfix_reply + sizeof(r->postfix_reply) - 4, "...",
		    4);
}

void
diag_analyze(const struct diag_input *in, struct diag_report *r)
{
	bool	txt_ok, pol_ok;
	size_t	i;

	txt_ok = check_txt(in, r);
	pol_ok = check_policy(in, r, txt_ok);
	if (txt_ok)
		r->outcome = pol_ok ? REPLY_POLICY : REPLY_FAILED;
	check_mx(in, r);
	check_smtp(in, r);
	check_dane(in, r);
	check_tlsrpt(in, r);
	make_verdict(in, r);
	make_reply(r);
	r->exit_code = r->outcome == REPLY_POLICY ? DIAG_EXIT_OK :
	    DIAG_EXIT_FINDINGS;
	for (i = 0; i < r->nfindings; i++)
		if (r->findings[i].severity == DIAG_ERROR)
			r->exit_code = DIAG_EXIT_FINDINGS;
}
