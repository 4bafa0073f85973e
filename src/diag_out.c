/*
 * diag_out.c: the output of `mta-stsctl check`: a readable report, or
 * one JSON object (--json) built with jansson.  See diag.h.
 *
 * Human output: peer text (TXT records, the policy, MX names) is shown
 * only through diag_esc(), so a hostile DNS or HTTPS server cannot put
 * terminal escapes on the screen or close the quotes a record is shown
 * in; finding messages are printable ASCII already.  JSON: jansson does
 * the escaping, and only ASCII is written (\uXXXX for the rest, so no
 * C1 control or bidi mark reaches a terminal either); peer text goes in
 * as is when it is valid UTF-8 (escaped like above otherwise), cut to
 * DIAG_JSON_MAX_TEXT / DIAG_JSON_MAX_RECORD bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "diag.h"
#include "fetch.h"
#include "resolver.h"
#include "sts_policy.h"
#include "sts_txt.h"
#include "tlsprobe.h"

#define DIAG_OUT_MAX_LINES	60	/* policy lines shown */
#define DIAG_OUT_LINE_MAX	120	/* bytes of one line shown */
#define DIAG_OUT_SEV_WIDTH	7
#define DIAG_OUT_CODE_WIDTH	27

/* Human output. */

static void
print_esc(const char *prefix, struct span s, size_t max, const char *suffix)
{
	char	*e = diag_esc(s, max);

	printf("%s%s%s", prefix, e, suffix);
	free(e);
}

static void
print_txt(const char *label, const char *prefix, const char *domain,
    const struct diag_txt *t)
{
	size_t	i;

	printf("%s %s%s: ", label, prefix, domain);
	if (!t->done) {
		printf("no answer\n");
		return;
	}
	if (t->status != RESOLVER_OK) {
		printf("%s%s%s\n", resolver_status_name(t->status),
		    t->why != NULL ? ", " : "", t->why != NULL ? t->why : "");
		return;
	}
	if (t->have_ttl)
		printf("TTL %u s\n", (unsigned)t->ttl);
	else
		printf("\n");
	for (i = 0; i < t->nrecords; i++)
		print_esc("    \"", buf_span(&t->records[i]), DIAG_ESC_MAX,
		    "\"\n");
}

static void
print_policy(const struct diag_input *in)
{
	struct span	body, line;
	size_t		nlines = 0;
	long		nl;

	if (!in->fetch_tried)
		return;
	printf("policy https://mta-sts.%s/.well-known/mta-sts.txt: ",
	    in->domain.name);
	if (in->host_status != RESOLVER_OK) {
		printf("host does not resolve (%s)\n",
		    resolver_status_name(in->host_status));
		return;
	}
	if (!in->fetched) {
		printf("not fetched\n");
		return;
	}
	if (in->fetch_status != FETCH_OK) {
		/* The reason is in the findings. */
		printf("failed (%s)\n", fetch_status_name(in->fetch_status));
		return;
	}
	printf("HTTP %ld, %zu bytes\n", in->http_code, in->body.len);
	body = buf_span(&in->body);
	while (body.len > 0) {
		if (nlines == DIAG_OUT_MAX_LINES) {
			printf("    ... (%zu more bytes)\n", body.len);
			break;
		}
		line = body;
		if ((nl = span_find(body, '\n')) >= 0) {
			line.len = (size_t)nl;
			body = span_tail(body, (size_t)nl + 1);
		} else
			body = span_make(NULL, 0);
		if (line.len > 0 && line.p[line.len - 1] == '\r')
			line.len--;
		print_esc("    ", line, DIAG_OUT_LINE_MAX, "\n");
		nlines++;
	}
}

static void
print_mx(const struct diag_input *in, const struct diag_report *r)
{
	size_t	i, j;
	char	*e;

	printf("MX %s: ", in->domain.name);
	if (!in->mx_done) {
		printf("no answer\n");
		return;
	}
	if (in->null_mx) {
		printf("null MX (no mail)\n");
		return;
	}
	if (in->implicit_mx)
		printf("none, implicit MX\n");
	else if (in->mx_status != RESOLVER_OK) {
		printf("%s%s%s\n", resolver_status_name(in->mx_status),
		    in->mx_why != NULL ? ", " : "",
		    in->mx_why != NULL ? in->mx_why : "");
		return;
	} else
		printf("%zu host(s)\n", in->nmx);
	for (i = 0; i < in->nmx; i++) {
		const struct diag_mx_host *h = &in->mx[i];

		e = diag_esc(span_str(h->name), DIAG_ESC_MAX);
		if (r->policy_parsed)
			printf("    %5u %-40s %s\n", (unsigned)h->preference,
			    e, r->mx_covered[i] ? "in policy" :
			    "NOT in policy");
		else
			printf("    %5u %s\n", (unsigned)h->preference, e);
		free(e);
		for (j = 0; j < h->nprobes && in->smtp; j++)
			printf("          [%s] %s\n", h->probes[j].addr,
			    tlsprobe_status_name(h->probes[j].status));
	}
}

void
diag_print_human(const struct diag_input *in, const struct diag_report *r)
{
	const struct diag_code_info	*ci;
	size_t				 i;

	printf("MTA-STS check of %s\n\n", in->domain.name);
	print_txt("TXT", "_mta-sts.", in->domain.name, &in->sts);
	print_policy(in);
	print_mx(in, r);
	print_txt("TLS-RPT", "_smtp._tls.", in->domain.name, &in->tlsrpt);

	printf("\nfindings:\n");
	for (i = 0; i < r->nfindings; i++) {
		ci = diag_code_info(r->findings[i].code);
		printf("%-*s %-*s %s\n", DIAG_OUT_SEV_WIDTH,
		    diag_severity_name(r->findings[i].severity),
		    DIAG_OUT_CODE_WIDTH, ci->name, r->findings[i].message);
		if (r->findings[i].severity != DIAG_INFO &&
		    ci->hint[0] != '\0')
			printf("%-*s fix: %s\n", DIAG_OUT_SEV_WIDTH, "",
			    ci->hint);
	}
	printf("\nverdict: %s\n", r->verdict);
	printf("postfix reply: %s\n", r->postfix_reply);
}

/* JSON output.  Every json_*_set_new() steals its value, NULL included. */

/* Peer bytes as a JSON string: raw when valid UTF-8, else escaped. */
static json_t *
jpeer(struct span s, size_t max)
{
	json_t	*j;
	char	*e;
	size_t	 n = s.len < max ? s.len : max;

	/* Do not cut a UTF-8 sequence in two. */
	while (n > 0 && n < s.len && (s.p[n] & 0xc0) == 0x80)
		n--;
	if ((j = json_stringn(n > 0 ? (const char *)s.p : "", n)) != NULL)
		return j;
	e = diag_esc(s, max);
	j = json_string(e);
	free(e);
	return j;
}

static json_t *
jstr_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
json_txt(const char *name, const struct diag_txt *t)
{
	json_t	*o = json_object(), *recs = json_array();
	size_t	 i;

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "status", t->done ?
	    json_string(resolver_status_name(t->status)) : json_null());
	json_object_set_new(o, "reason", jstr_or_null(t->why));
	json_object_set_new(o, "ttl", t->have_ttl ?
	    json_integer((json_int_t)t->ttl) : json_null());
	for (i = 0; i < t->nrecords; i++)
		json_array_append_new(recs, jpeer(buf_span(&t->records[i]),
		    DIAG_JSON_MAX_RECORD));
	json_object_set_new(o, "records", recs);
	return o;
}

static json_t *
json_policy(const struct diag_input *in, const struct diag_report *r)
{
	const struct sts_policy	*p = &r->policy;
	json_t			*o, *mx;
	size_t			 i;

	if (!in->fetched || in->fetch_status != FETCH_OK)
		return json_null();
	o = json_object();
	json_object_set_new(o, "valid", json_boolean(r->policy_parsed));
	json_object_set_new(o, "mode", r->policy_parsed ?
	    json_string(sts_mode_name(p->mode)) : json_null());
	json_object_set_new(o, "max_age", r->policy_parsed ?
	    json_integer((json_int_t)p->max_age) : json_null());
	mx = json_array();
	for (i = 0; i < p->mx_count && r->policy_parsed; i++)
		json_array_append_new(mx, json_string(p->mx[i]));
	json_object_set_new(o, "mx", mx);
	json_object_set_new(o, "text", jpeer(buf_span(&in->body),
	    DIAG_JSON_MAX_TEXT));
	return o;
}

static json_t *
json_fetch(const struct diag_input *in)
{
	json_t	*o;

	if (!in->fetch_tried)
		return json_null();
	o = json_object();
	json_object_set_new(o, "host_status",
	    json_string(resolver_status_name(in->host_status)));
	if (!in->fetched) {
		json_object_set_new(o, "status", json_null());
		return o;
	}
	json_object_set_new(o, "status",
	    json_string(fetch_status_name(in->fetch_status)));
	json_object_set_new(o, "http_code", json_integer(in->http_code));
	json_object_set_new(o, "reason", jpeer(span_str(in->fetch_reason),
	    FETCH_REASON_MAX));
	json_object_set_new(o, "seconds", json_real(in->fetch_seconds));
	return o;
}

static json_t *
json_mx(const struct diag_input *in, const struct diag_report *r)
{
	json_t	*arr = json_array(), *o, *probes, *po;
	size_t	 i, j;

	for (i = 0; i < in->nmx; i++) {
		const struct diag_mx_host *h = &in->mx[i];

		o = json_object();
		json_object_set_new(o, "host", jpeer(span_str(h->name),
		    DNSMSG_NAME_TEXT_MAX));
		json_object_set_new(o, "preference",
		    json_integer(h->preference));
		json_object_set_new(o, "covered", r->policy_parsed ?
		    json_boolean(r->mx_covered[i]) : json_null());
		json_object_set_new(o, "tlsa_status", h->tlsa_done ?
		    json_string(resolver_status_name(h->tlsa_status)) :
		    json_null());
		json_object_set_new(o, "tlsa_count",
		    json_integer((json_int_t)h->ntlsa));
		json_object_set_new(o, "tlsa_reason", h->tlsa_why != NULL ?
		    json_string(h->tlsa_why) : json_null());
		if (in->smtp) {
			json_object_set_new(o, "address_status",
			    h->addr_done ? json_string(resolver_status_name(
			    h->addr_status)) : json_null());
			probes = json_array();
			for (j = 0; j < h->nprobes; j++) {
				po = json_object();
				json_object_set_new(po, "address",
				    json_string(h->probes[j].addr));
				json_object_set_new(po, "status", json_string(
				    tlsprobe_status_name(h->probes[j].status)));
				json_object_set_new(po, "reason", jpeer(
				    span_str(h->probes[j].reason),
				    TLSPROBE_REASON_MAX));
				json_object_set_new(po, "seconds",
				    json_real(h->probes[j].seconds));
				json_array_append_new(probes, po);
			}
			json_object_set_new(o, "smtp", probes);
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

int
diag_print_json(const struct diag_input *in, const struct diag_report *r)
{
	const struct diag_code_info	*ci;
	const char			*d = in->domain.name;
	json_t				*root, *arr, *o;
	char				 name[DOMAIN_MAX_NAME + 16];
	size_t				 i;
	int				 rc = 0;

	root = json_object();
	json_object_set_new(root, "domain", json_string(d));
	arr = json_array();
	for (i = 0; i < r->nfindings; i++) {
		ci = diag_code_info(r->findings[i].code);
		o = json_object();
		json_object_set_new(o, "code", json_string(ci->name));
		json_object_set_new(o, "severity", json_string(
		    diag_severity_name(r->findings[i].severity)));
		json_object_set_new(o, "message",
		    jpeer(span_str(r->findings[i].message), DIAG_MAX_MESSAGE));
		json_object_set_new(o, "hint", json_string(ci->hint));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "findings", arr);

	/* diag_command() made sure both names fit. */
	if (snprintf(name, sizeof(name), "_mta-sts.%s", d) >= (int)sizeof(name))
		name[0] = '\0';
	o = json_txt(name, &in->sts);
	json_object_set_new(o, "result", in->sts.status == RESOLVER_OK ?
	    json_string(sts_txt_status_name(r->txt_status)) : json_null());
	json_object_set_new(o, "id", r->txt_status == STS_TXT_OK &&
	    in->sts.status == RESOLVER_OK ? json_string(r->txt.id) :
	    json_null());
	json_object_set_new(root, "txt", o);
	json_object_set_new(root, "fetch", json_fetch(in));
	json_object_set_new(root, "policy", json_policy(in, r));
	json_object_set_new(root, "mx_status", in->mx_done ?
	    json_string(resolver_status_name(in->mx_status)) : json_null());
	json_object_set_new(root, "implicit_mx",
	    json_boolean(in->implicit_mx));
	json_object_set_new(root, "null_mx", json_boolean(in->null_mx));
	json_object_set_new(root, "mx", json_mx(in, r));
	if (snprintf(name, sizeof(name), "_smtp._tls.%s", d) >=
	    (int)sizeof(name))
		name[0] = '\0';
	json_object_set_new(root, "tlsrpt", json_txt(name, &in->tlsrpt));
	json_object_set_new(root, "verdict", json_string(r->verdict));
	json_object_set_new(root, "postfix_reply",
	    json_string(r->postfix_reply));
	json_object_set_new(root, "exit", json_integer(r->exit_code));

	if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(6)) == -1 ||
	    fputc('\n', stdout) == EOF) {
		fprintf(stderr, "mta-stsctl check: cannot write JSON\n");
		rc = -1;
	}
	json_decref(root);
	return rc;
}
