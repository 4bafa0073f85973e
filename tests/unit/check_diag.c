/*
 * check_diag.c: unit tests for the pure parts of `mta-stsctl check`:
 * diag_check.c (escaping, the code table, policy reason mapping, the
 * judgement of collected inputs) and diag_tlsrpt.c (RFC 8460 records).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "domain.h"
#include "sts_policy.h"

struct esc_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 max;
	const char	*want;
};

static const struct esc_case esc_cases[] = {
	{ "plain", "v=STSv1; id=1", 13, 200, "v=STSv1; id=1" },
	{ "empty", "", 0, 200, "" },
	{ "escape-seq", "a\x1b[2Jb", 6, 200, "a\\x1b[2Jb" },
	{ "backslash", "a\\b", 3, 200, "a\\x5cb" },
	{ "nul", "a\0b", 3, 200, "a\\x00b" },
	{ "del-and-8bit", "\x7f\xc3\xa9", 3, 200, "\\x7f\\xc3\\xa9" },
	{ "crlf", "a\r\n", 3, 200, "a\\x0d\\x0a" },
	{ "cut", "abcdef", 6, 3, "abc..." },
	{ "cut-exact", "abc", 3, 3, "abc" },
	{ "cut-escaped", "\x01\x02\x03", 3, 2, "\\x01\\x02..." },
};

START_TEST(test_esc_table)
{
	const struct esc_case	*c = &esc_cases[_i];
	char			*got;

	got = diag_esc(span_make(c->in, c->len), c->max);
	ck_assert_msg(strcmp(got, c->want) == 0, "case %s: got %s, want %s",
	    c->name, got, c->want);
	free(got);
}
END_TEST

START_TEST(test_code_table)
{
	const struct diag_code_info	*a, *b;
	size_t				 i, j;

	for (i = 0; i < DIAG_NCODES; i++) {
		a = diag_code_info((enum diag_code)i);
		ck_assert_msg(a->name != NULL && a->hint != NULL, "case %zu: "
		    "got no name or hint, want both", i);
		ck_assert_msg(strncmp(a->name, "MTASTS_", 7) == 0 ||
		    strncmp(a->name, "TLSRPT_", 7) == 0, "case %s: got "
		    "prefix, want MTASTS_ or TLSRPT_", a->name);
		ck_assert_msg(a->severity == DIAG_INFO || a->hint[0] != '\0',
		    "case %s: got empty hint, want one for %s", a->name,
		    diag_severity_name(a->severity));
		for (j = 0; j < i; j++) {
			b = diag_code_info((enum diag_code)j);
			ck_assert_msg(strcmp(a->name, b->name) != 0, "case %s: "
			    "got duplicate, want unique", a->name);
		}
	}
}
END_TEST

/* Real parser reasons from real bodies, mapped to codes. */
struct reason_case {
	const char	*name;
	const char	*body;
	enum diag_code	 want;
};

#define V	"version: STSv1\n"
#define M	"mode: enforce\n"
#define X	"mx: mx.example.test\n"
#define A	"max_age: 86400\n"

static const struct reason_case reason_cases[] = {
	{ "bad-version", "version: STSv2\n" M X A, DIAG_MTASTS_BAD_VERSION },
	{ "no-version", M X A, DIAG_MTASTS_BAD_VERSION },
	{ "bad-mode", V "mode: Enforce\n" X A, DIAG_MTASTS_UNKNOWN_MODE },
	{ "no-mode", V X A, DIAG_MTASTS_UNKNOWN_MODE },
	{ "bad-age", V M X "max_age: -1\n", DIAG_MTASTS_BAD_MAXAGE },
	{ "long-age", V M X "max_age: 12345678901\n", DIAG_MTASTS_BAD_MAXAGE },
	{ "no-age", V M X, DIAG_MTASTS_BAD_MAXAGE },
	{ "no-mx", V M A, DIAG_MTASTS_NO_MX },
	{ "empty-mx", V M "mx:\n" A, DIAG_MTASTS_INVALID_MX },
	{ "mx-port", V M "mx: mx.example.test:25\n" A,
	    DIAG_MTASTS_INVALID_MX },
	{ "mx-ip", V M "mx: 192.0.2.1\n" A, DIAG_MTASTS_INVALID_MX },
	{ "html", "<html>\n", DIAG_MTASTS_POLICY_INVALID },
	{ "ctl", V M "\x01" X A, DIAG_MTASTS_POLICY_INVALID },
	{ "empty", "", DIAG_MTASTS_POLICY_INVALID },
};

START_TEST(test_reason_table)
{
	const struct reason_case	*c = &reason_cases[_i];
	struct sts_policy		 p;
	const char			*why = NULL;
	enum diag_code			 got;

	ck_assert_msg(sts_policy_parse(span_str(c->body), &p, &why) == -1,
	    "case %s: got valid, want invalid", c->name);
	got = diag_policy_reason_code(why);
	ck_assert_msg(got == c->want, "case %s: got %s (%s), want %s",
	    c->name, diag_code_info(got)->name, why,
	    diag_code_info(c->want)->name);
	sts_policy_clear(&p);
}
END_TEST

struct tlsrpt_case {
	const char		*name;
	const char		*rec;
	enum diag_tlsrpt_status	 st;
	const char		*why;	/* NULL for DIAG_RPT_OK */
};

static const struct tlsrpt_case tlsrpt_cases[] = {
	{ "mailto", "v=TLSRPTv1; rua=mailto:tls@example.test", DIAG_RPT_OK,
	    NULL },
	{ "https", "v=TLSRPTv1;rua=https://r.example.test/x", DIAG_RPT_OK,
	    NULL },
	{ "two-uris", "v=TLSRPTv1; rua=mailto:a@x.test, https://r.x.test/",
	    DIAG_RPT_OK, NULL },
	{ "scheme-case", "v=TLSRPTv1; rua=MAILTO:a@x.test", DIAG_RPT_OK,
	    NULL },
	{ "trailing-delim", "v=TLSRPTv1; rua=mailto:a@x.test; ", DIAG_RPT_OK,
	    NULL },
	{ "extension", "v=TLSRPTv1; x-y=1; rua=mailto:a@x.test", DIAG_RPT_OK,
	    NULL },
	{ "wsp-before-delim", "v=TLSRPTv1 ; rua=mailto:a@x.test",
	    DIAG_RPT_OK, NULL },
	{ "not-tlsrpt", "v=spf1 -all", DIAG_RPT_NONE,
	    "record does not begin with v=TLSRPTv1;" },
	{ "version-case", "v=tlsrptv1; rua=mailto:a@x.test", DIAG_RPT_NONE,
	    "record does not begin with v=TLSRPTv1;" },
	{ "version-longer", "v=TLSRPTv10; rua=mailto:a@x.test", DIAG_RPT_NONE,
	    "record does not begin with v=TLSRPTv1;" },
	{ "version-alone", "v=TLSRPTv1", DIAG_RPT_INVALID,
	    "no ';' after v=TLSRPTv1" },
	{ "no-rua", "v=TLSRPTv1;", DIAG_RPT_INVALID, "no rua field" },
	{ "no-rua-ext", "v=TLSRPTv1; x=1", DIAG_RPT_INVALID, "no rua field" },
	{ "empty-rua", "v=TLSRPTv1; rua=", DIAG_RPT_INVALID,
	    "empty rua URI" },
	{ "rua-trailing-comma", "v=TLSRPTv1; rua=mailto:a@x.test,",
	    DIAG_RPT_INVALID, "empty rua URI" },
	{ "rua-ftp", "v=TLSRPTv1; rua=ftp://x.test/", DIAG_RPT_INVALID,
	    "rua URI is neither mailto: nor https:" },
	{ "rua-scheme-only", "v=TLSRPTv1; rua=mailto:", DIAG_RPT_INVALID,
	    "rua URI is neither mailto: nor https:" },
	{ "rua-bang", "v=TLSRPTv1; rua=mailto:a@x.test!10m",
	    DIAG_RPT_INVALID, "rua URI has an invalid character" },
	{ "rua-space", "v=TLSRPTv1; rua=mailto:a b@x.test", DIAG_RPT_INVALID,
	    "rua URI has an invalid character" },
	{ "two-rua", "v=TLSRPTv1; rua=mailto:a@x.test; rua=mailto:b@x.test",
	    DIAG_RPT_INVALID, "more than one rua field" },
	{ "empty-field", "v=TLSRPTv1;; rua=mailto:a@x.test", DIAG_RPT_INVALID,
	    "empty field" },
	{ "no-equals", "v=TLSRPTv1; rua", DIAG_RPT_INVALID,
	    "field without '='" },
	{ "bad-name", "v=TLSRPTv1; _x=1; rua=mailto:a@x.test",
	    DIAG_RPT_INVALID, "malformed field name" },
	{ "ext-empty", "v=TLSRPTv1; x=; rua=mailto:a@x.test",
	    DIAG_RPT_INVALID, "empty field value" },
	{ "ext-8bit", "v=TLSRPTv1; x=\xc3\xa9; rua=mailto:a@x.test",
	    DIAG_RPT_INVALID, "field value has an invalid character" },
};

static const char *
rpt_name(enum diag_tlsrpt_status st)
{
	switch (st) {
	case DIAG_RPT_OK:
		return "ok";
	case DIAG_RPT_NONE:
		return "none";
	case DIAG_RPT_MULTIPLE:
		return "multiple";
	case DIAG_RPT_INVALID:
		return "invalid";
	}
	return "?";
}

START_TEST(test_tlsrpt_table)
{
	const struct tlsrpt_case	*c = &tlsrpt_cases[_i];
	enum diag_tlsrpt_status		 got;
	const char			*why = NULL;

	got = diag_tlsrpt_parse(span_str(c->rec), &why);
	ck_assert_msg(got == c->st, "case %s: got %s (%s), want %s", c->name,
	    rpt_name(got), why != NULL ? why : "", rpt_name(c->st));
	if (c->why != NULL)
		ck_assert_msg(why != NULL && strcmp(why, c->why) == 0,
		    "case %s: got %s, want %s", c->name,
		    why != NULL ? why : "(null)", c->why);
}
END_TEST

START_TEST(test_tlsrpt_select)
{
	struct buf		 recs[3];
	enum diag_tlsrpt_status	 got;
	const char		*why = NULL;
	size_t			 i, which = 99;

	for (i = 0; i < 3; i++)
		buf_init(&recs[i], 1024);
	buf_add_str(&recs[0], "v=spf1 -all");
	buf_add_str(&recs[1], "v=TLSRPTv1; rua=mailto:a@x.test");
	buf_add_str(&recs[2], "v=TLSRPTv1; rua=mailto:b@x.test");
	got = diag_tlsrpt_select(recs, 2, &which, &why);
	ck_assert_msg(got == DIAG_RPT_OK && which == 1, "case one-of-two: "
	    "got %s at %zu, want ok at 1", rpt_name(got), which);
	got = diag_tlsrpt_select(recs, 3, &which, &why);
	ck_assert_msg(got == DIAG_RPT_MULTIPLE, "case two: got %s, want "
	    "multiple", rpt_name(got));
	got = diag_tlsrpt_select(recs, 1, &which, &why);
	ck_assert_msg(got == DIAG_RPT_NONE, "case none: got %s, want none",
	    rpt_name(got));
	got = diag_tlsrpt_select(recs, 0, &which, &why);
	ck_assert_msg(got == DIAG_RPT_NONE, "case empty: got %s, want none",
	    rpt_name(got));
	for (i = 0; i < 3; i++)
		buf_clear(&recs[i]);
}
END_TEST

/*
 * diag_analyze() on hand-made inputs.  txt NULL: NXDOMAIN; "!SERVFAIL":
 * that failure.  policy NULL: not fetched; "!reason": fetch failed.
 * mx: space-separated hosts, "" for NODATA (implicit MX), "." for a
 * null MX.  want: space-separated "CODE:severity" that must be present.
 */
struct analyze_case {
	const char	*name;
	const char	*txt;
	const char	*policy;
	const char	*mx;
	const char	*want;
	int		 exit_code;
	const char	*reply;
};

#define ENF	V M "mx: mx1.example.test\nmx: *.example.test\n" A

static const struct analyze_case analyze_cases[] = {
	{ "enforce-ok", "v=STSv1; id=42", ENF, "mx1.example.test "
	    "mx2.example.test", "MTASTS_RECORD_OK:info MTASTS_POLICY_OK:info "
	    "MTASTS_MX_OK:info TLSRPT_MISSING:info", 0,
	    "OK secure match=mx1.example.test:.example.test "
	    "servername=hostname" },
	{ "no-record", NULL, NULL, "mx1.example.test",
	    "MTASTS_DNS_ERROR:error", 1, "NOTFOUND" },
	{ "servfail", "!SERVFAIL", NULL, "mx1.example.test",
	    "MTASTS_DNS_ERROR:error", 1, "NOTFOUND" },
	{ "no-id", "v=STSv1; x=1", ENF, "mx1.example.test",
	    "MTASTS_NO_ID:error MTASTS_POLICY_UNUSED:warning", 1,
	    "NOTFOUND" },
	{ "fetch-failed", "v=STSv1; id=1", "!TLS: certificate has expired",
	    "mx1.example.test", "MTASTS_POLICY_FETCH_FAILED:error", 1,
	    "NOTFOUND" },
	{ "not-covered", "v=STSv1; id=1", ENF, "mx1.example.test "
	    "a.b.example.test", "MTASTS_MX_OK:info "
	    "MTASTS_MX_NOT_COVERED:error", 1,
	    "OK secure match=mx1.example.test:.example.test "
	    "servername=hostname" },
	{ "testing-not-covered", "v=STSv1; id=1", V "mode: testing\n"
	    "mx: mx1.example.test\nmx: unused.example.test\nmax_age: 60\n",
	    "mx1.example.test other.test", "MTASTS_MODE_TESTING:warning "
	    "MTASTS_SHORT_MAXAGE:warning MTASTS_MX_NOT_COVERED:warning "
	    "MTASTS_PATTERN_UNUSED:info", 0, "NOTFOUND" },
	{ "mode-none", "v=STSv1; id=1", V "mode: none\n" A, "mx.example.test",
	    "MTASTS_MODE_NONE:warning", 0, "NOTFOUND" },
	{ "implicit", "v=STSv1; id=1", ENF, "", "MTASTS_IMPLICIT_MX:info "
	    "MTASTS_MX_NOT_COVERED:error", 1,
	    "OK secure match=mx1.example.test:.example.test "
	    "servername=hostname" },
	{ "null-mx", "v=STSv1; id=1", ENF, ".", "MTASTS_NULL_MX:info", 0,
	    "OK secure match=mx1.example.test:.example.test "
	    "servername=hostname" },
};

static void
set_txt(struct diag_txt *t, const char *rec)
{
	t->done = true;
	if (rec == NULL) {
		t->status = RESOLVER_NXDOMAIN;
		return;
	}
	if (strcmp(rec, "!SERVFAIL") == 0) {
		t->status = RESOLVER_SERVFAIL;
		t->why = "DNS server failure";
		return;
	}
	t->status = RESOLVER_OK;
	t->ttl = 300;
	t->have_ttl = true;
	buf_add_str(&t->records[t->nrecords++], rec);
}

static void
set_mx(struct diag_input *in, const char *list)
{
	struct span	 s = span_str(list), w;
	long		 sp;

	in->mx_done = true;
	if (strcmp(list, ".") == 0) {
		in->mx_status = RESOLVER_OK;
		in->null_mx = true;
		return;
	}
	if (list[0] == '\0') {
		in->mx_status = RESOLVER_NODATA;
		in->implicit_mx = true;
		s = span_str(in->domain.name);
	} else
		in->mx_status = RESOLVER_OK;
	while (s.len > 0) {
		sp = span_find(s, ' ');
		w = sp >= 0 ? span_head(s, (size_t)sp) : s;
		s = sp >= 0 ? span_tail(s, (size_t)sp + 1) : span_make(NULL, 0);
		ck_assert(w.len < sizeof(in->mx[0].name));
		memcpy(in->mx[in->nmx].name, w.p, w.len);
		in->mx[in->nmx].name[w.len] = '\0';
		in->mx[in->nmx].valid = true;
		in->mx[in->nmx].preference = (uint16_t)(10 * (in->nmx + 1));
		in->nmx++;
	}
}

START_TEST(test_analyze_table)
{
	const struct analyze_case	*c = &analyze_cases[_i];
	struct diag_input		*in = xmalloc(sizeof(*in));
	struct diag_report		*r = xmalloc(sizeof(*r));
	const char			*why;
	char				 want[64];
	struct span			 s, w;
	size_t				 i;
	long				 sp;
	bool				 found;

	diag_input_init(in);
	ck_assert(domain_normalize(span_str("example.test"), &in->domain,
	    &why) == 0);
	set_txt(&in->sts, c->txt);
	set_txt(&in->tlsrpt, NULL);
	if (c->policy != NULL) {
		in->fetch_tried = true;
		in->host_status = RESOLVER_OK;
		in->fetched = true;
		if (c->policy[0] == '!') {
			in->fetch_status = FETCH_TLS;
			snprintf(in->fetch_reason, sizeof(in->fetch_reason),
			    "%s", c->policy + 1);
		} else {
			in->fetch_status = FETCH_OK;
			buf_add_str(&in->body, c->policy);
		}
	}
	set_mx(in, c->mx);
	diag_report_init(r);
	diag_analyze(in, r);

	for (s = span_str(c->want); s.len > 0;) {
		sp = span_find(s, ' ');
		w = sp >= 0 ? span_head(s, (size_t)sp) : s;
		s = sp >= 0 ? span_tail(s, (size_t)sp + 1) : span_make(NULL, 0);
		found = false;
		for (i = 0; i < r->nfindings && !found; i++) {
			snprintf(want, sizeof(want), "%s:%s",
			    diag_code_info(r->findings[i].code)->name,
			    diag_severity_name(r->findings[i].severity));
			found = span_eq_str(w, want);
		}
		ck_assert_msg(found, "case %s: got %zu findings without "
		    "%.*s, want it", c->name, r->nfindings, (int)w.len,
		    (const char *)w.p);
	}
	ck_assert_msg(r->exit_code == c->exit_code, "case %s: got exit %d, "
	    "want %d", c->name, r->exit_code, c->exit_code);
	ck_assert_msg(strcmp(r->postfix_reply, c->reply) == 0, "case %s: got "
	    "%s, want %s", c->name, r->postfix_reply, c->reply);
	ck_assert_msg(r->verdict[0] != '\0', "case %s: got empty verdict, "
	    "want one", c->name);
	for (i = 0; i < r->nfindings; i++)
		for (sp = 0; r->findings[i].message[sp] != '\0'; sp++)
			ck_assert_msg(ascii_is_print((uint8_t)
			    r->findings[i].message[sp]), "case %s: got "
			    "non-printable message, want ASCII", c->name);
	diag_report_clear(r);
	diag_input_clear(in);
	free(r);
	free(in);
}
END_TEST

/*
 * MTASTS_MX_DANE_TLSA: per MX host the TLSA lookup outcome; want is the
 * messages of the findings joined by '|'.  The finding is info only: the
 * exit code, verdict and reply must be those of the same input without
 * TLSA data, and so must every other finding.
 */
struct dane_host {
	bool			 done;
	enum resolver_status	 status;
	size_t			 count;
};

struct dane_case {
	const char		*name;
	const char		*mx;	/* as for analyze_case */
	struct dane_host	 tlsa[3]; /* by host */
	const char		*want;
	int			 exit_code;
};

#define TLSA_OK(n)	{ true, RESOLVER_OK, (n) }
#define TLSA_FAIL(st)	{ true, (st), 0 }
#define TLSA_NONE	{ false, RESOLVER_OK, 0 }

static const struct dane_case dane_cases[] = {
	{ "two-records", "mx1.example.test", { TLSA_OK(2) },
	    "mx1.example.test publishes 2 DANE TLSA records "
	    "(_25._tcp.mx1.example.test); DNSSEC validation not checked", 0 },
	{ "one-record", "mx1.example.test", { TLSA_OK(1) },
	    "mx1.example.test publishes 1 DANE TLSA record "
	    "(_25._tcp.mx1.example.test); DNSSEC validation not checked", 0 },
	{ "count-zero", "mx1.example.test", { TLSA_OK(0) }, "", 0 },
	{ "nodata", "mx1.example.test", { TLSA_FAIL(RESOLVER_NODATA) }, "",
	    0 },
	{ "nxdomain", "mx1.example.test", { TLSA_FAIL(RESOLVER_NXDOMAIN) }, "",
	    0 },
	{ "servfail", "mx1.example.test", { TLSA_FAIL(RESOLVER_SERVFAIL) },
	    "", 0 },
	{ "timeout", "mx1.example.test", { TLSA_FAIL(RESOLVER_TIMEOUT) }, "",
	    0 },
	{ "not-done", "mx1.example.test", { TLSA_NONE }, "", 0 },
	{ "mixed", "mx1.example.test mx2.example.test mx3.example.test",
	    { TLSA_OK(3), TLSA_FAIL(RESOLVER_REFUSED), TLSA_OK(1) },
	    "mx1.example.test publishes 3 DANE TLSA records "
	    "(_25._tcp.mx1.example.test); DNSSEC validation not checked|"
	    "mx3.example.test publishes 1 DANE TLSA record "
	    "(_25._tcp.mx3.example.test); DNSSEC validation not checked", 0 },
	{ "not-covered", "mx1.example.test other.test",
	    { TLSA_OK(1), TLSA_OK(4) },
	    "mx1.example.test publishes 1 DANE TLSA record "
	    "(_25._tcp.mx1.example.test); DNSSEC validation not checked|"
	    "other.test publishes 4 DANE TLSA records "
	    "(_25._tcp.other.test); DNSSEC validation not checked", 1 },
	{ "implicit", "", { TLSA_OK(1) },
	    "example.test publishes 1 DANE TLSA record "
	    "(_25._tcp.example.test); DNSSEC validation not checked", 1 },
};

/* diag_analyze() of an enforce domain with the case's MX hosts. */
static struct diag_report *
dane_analyze(const struct dane_case *c, bool with_tlsa)
{
	struct diag_input	*in = xmalloc(sizeof(*in));
	struct diag_report	*r = xmalloc(sizeof(*r));
	const char		*why;
	size_t			 i;

	diag_input_init(in);
	ck_assert(domain_normalize(span_str("example.test"), &in->domain,
	    &why) == 0);
	set_txt(&in->sts, "v=STSv1; id=42");
	set_txt(&in->tlsrpt, NULL);
	in->fetch_tried = in->fetched = true;
	in->host_status = RESOLVER_OK;
	in->fetch_status = FETCH_OK;
	buf_add_str(&in->body, ENF);
	set_mx(in, c->mx);
	for (i = 0; i < in->nmx && with_tlsa; i++) {
		ck_assert(i < sizeof(c->tlsa) / sizeof(c->tlsa[0]));
		in->mx[i].tlsa_done = c->tlsa[i].done;
		in->mx[i].tlsa_status = c->tlsa[i].status;
		in->mx[i].ntlsa = c->tlsa[i].count;
		if (c->tlsa[i].status != RESOLVER_OK)
			in->mx[i].tlsa_why = "DNS failure";
	}
	diag_report_init(r);
	diag_analyze(in, r);
	diag_input_clear(in);
	free(in);
	return r;
}

START_TEST(test_dane_table)
{
	const struct dane_case	*c = &dane_cases[_i];
	const struct diag_code_info *ci;
	struct diag_report	*r, *base;
	char			 got[2048];
	size_t			 i, j, n;

	r = dane_analyze(c, true);
	base = dane_analyze(c, false);
	got[0] = '\0';
	n = 0;
	for (i = 0; i < r->nfindings; i++) {
		if (r->findings[i].code != DIAG_MTASTS_MX_DANE_TLSA)
			continue;
		ck_assert_msg(r->findings[i].severity == DIAG_INFO, "case %s: "
		    "got %s, want info", c->name,
		    diag_severity_name(r->findings[i].severity));
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
		    n > 0 ? "|" : "", r->findings[i].message);
		ck_assert(n < sizeof(got));
	}
	ck_assert_msg(strcmp(got, c->want) == 0, "case %s: got %s, want %s",
	    c->name, got, c->want);
	ck_assert_msg(r->exit_code == c->exit_code &&
	    r->exit_code == base->exit_code, "case %s: got exit %d (%d "
	    "without TLSA), want %d", c->name, r->exit_code, base->exit_code,
	    c->exit_code);
	ck_assert_msg(strcmp(r->verdict, base->verdict) == 0, "case %s: got "
	    "verdict %s, want %s", c->name, r->verdict, base->verdict);
	ck_assert_msg(strcmp(r->postfix_reply, base->postfix_reply) == 0,
	    "case %s: got reply %s, want %s", c->name, r->postfix_reply,
	    base->postfix_reply);
	/* Every other finding as without TLSA, in the same order. */
	for (i = j = 0; i < r->nfindings; i++) {
		if (r->findings[i].code == DIAG_MTASTS_MX_DANE_TLSA)
			continue;
		ck_assert_msg(j < base->nfindings &&
		    r->findings[i].code == base->findings[j].code &&
		    strcmp(r->findings[i].message,
		    base->findings[j].message) == 0, "case %s: got finding "
		    "%s, want the one without TLSA", c->name,
		    diag_code_info(r->findings[i].code)->name);
		j++;
	}
	ck_assert_msg(j == base->nfindings, "case %s: got %zu other findings, "
	    "want %zu", c->name, j, base->nfindings);
	ci = diag_code_info(DIAG_MTASTS_MX_DANE_TLSA);
	ck_assert_msg(strcmp(ci->name, "MTASTS_MX_DANE_TLSA") == 0 &&
	    ci->severity == DIAG_INFO && strstr(ci->hint, "dane-only") !=
	    NULL, "case %s: got code %s, want MTASTS_MX_DANE_TLSA info with "
	    "a dane-only hint", c->name, ci->name);
	diag_report_clear(r);
	diag_report_clear(base);
	free(r);
	free(base);
}
END_TEST

/* Fetch reasons are escaped by fetch.c already: not escaped twice. */
START_TEST(test_fetch_reason)
{
	static const struct {
		const char	*name;
		const char	*reason;
		const char	*want;
	} cases[] = {
		{ "escaped-once", "redirect (HTTP 301) to https://x.test/\\x1b",
		    "redirect (HTTP 301) to https://x.test/\\x1b" },
		{ "raw-control", "media type text/\x1b[2J",
		    "media type text/\\x1b[2J" },
	};
	struct diag_input	*in;
	struct diag_report	*r;
	const char		*why, *got;
	size_t			 i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = xmalloc(sizeof(*in));
		r = xmalloc(sizeof(*r));
		diag_input_init(in);
		ck_assert(domain_normalize(span_str("example.test"),
		    &in->domain, &why) == 0);
		set_txt(&in->sts, "v=STSv1; id=1");
		set_txt(&in->tlsrpt, NULL);
		in->fetch_tried = in->fetched = true;
		in->host_status = RESOLVER_OK;
		in->fetch_status = FETCH_REDIRECT;
		snprintf(in->fetch_reason, sizeof(in->fetch_reason), "%s",
		    cases[i].reason);
		set_mx(in, "mx.example.test");
		diag_report_init(r);
		diag_analyze(in, r);
		got = "(none)";
		for (j = 0; j < r->nfindings; j++)
			if (r->findings[j].code ==
			    DIAG_MTASTS_POLICY_FETCH_FAILED)
				got = r->findings[j].message;
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %s: got "
		    "%s, want %s", cases[i].name, got, cases[i].want);
		diag_report_clear(r);
		diag_input_clear(in);
		free(r);
		free(in);
	}
}
END_TEST

static Suite *
diag_suite(void)
{
	Suite	*s = suite_create("diag");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_esc_table, 0,
	    sizeof(esc_cases) / sizeof(esc_cases[0]));
	tcase_add_test(tc, test_code_table);
	tcase_add_loop_test(tc, test_reason_table, 0,
	    sizeof(reason_cases) / sizeof(reason_cases[0]));
	tcase_add_loop_test(tc, test_tlsrpt_table, 0,
	    sizeof(tlsrpt_cases) / sizeof(tlsrpt_cases[0]));
	tcase_add_test(tc, test_tlsrpt_select);
	tcase_add_loop_test(tc, test_analyze_table, 0,
	    sizeof(analyze_cases) / sizeof(analyze_cases[0]));
	tcase_add_test(tc, test_fetch_reason);
	tcase_add_loop_test(tc, test_dane_table, 0,
	    sizeof(dane_cases) / sizeof(dane_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(diag_suite());
	int	 nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
