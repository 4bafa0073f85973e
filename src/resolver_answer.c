/*
 * resolver_answer.c: the answer side of the resolver module.  See
 * resolver.h and resolver_int.h.
 *
 * Once all of a query's subs are in (or its deadline fired), resolver.c
 * calls one resolver_deliver_*() function: it maps each sub's c-ares
 * status or, when there is a raw answer, the dnsmsg reading of it to a
 * resolver_status, builds the caller's result and calls the caller back.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "buf.h"
#include "dnsmsg.h"
#include "log.h"
#include "resolver.h"
#include "resolver_int.h"

const char *
resolver_type_name(int qtype)
{
	switch (qtype) {
	case DNSMSG_TYPE_TXT:
		return "TXT";
	case DNSMSG_TYPE_A:
		return "A";
	case DNSMSG_TYPE_AAAA:
		return "AAAA";
	case DNSMSG_TYPE_MX:
		return "MX";
	case DNSMSG_TYPE_TLSA:
		return "TLSA";
	}
	return "?";
}
/* A status for a sub without a usable raw answer. */
static enum resolver_status
resolver_ares_status(int status, const char **why)
{
	switch (status) {
	case ARES_ETIMEOUT:
		*why = "DNS query timed out";
		return RESOLVER_TIMEOUT;
	case ARES_ENOTFOUND:
		*why = "name does not exist";
		return RESOLVER_NXDOMAIN;
	case ARES_ENODATA:
		*why = "no record of that type";
		return RESOLVER_NODATA;
	case ARES_ESERVFAIL:
		*why = "DNS server failure";
		return RESOLVER_SERVFAIL;
	case ARES_EREFUSED:
		*why = "DNS server refused the query";
		return RESOLVER_REFUSED;
	case ARES_ECONNREFUSED:
		*why = "DNS server unreachable";
		return RESOLVER_ERROR;
	}
	*why = ares_strerror(status); /* static strings */
	return RESOLVER_ERROR;
}

static enum resolver_status
resolver_dnsmsg_status(enum dnsmsg_status s, const char **why)
{
	switch (s) {
	case DNSMSG_ANSWER:
		*why = NULL;
		return RESOLVER_OK;
	case DNSMSG_NXDOMAIN:
		*why = "name does not exist";
		return RESOLVER_NXDOMAIN;
	case DNSMSG_NODATA:
		*why = "no record of that type";
		return RESOLVER_NODATA;
	case DNSMSG_SERVFAIL:
		*why = "DNS server failure";
		return RESOLVER_SERVFAIL;
	case DNSMSG_REFUSED:
		*why = "DNS server refused the query";
		return RESOLVER_REFUSED;
	case DNSMSG_FORMERR:
		*why = "DNS server answered FORMERR";
		return RESOLVER_ERROR;
	case DNSMSG_OTHER_RCODE:
		*why = "DNS server answered an unexpected RCODE";
		return RESOLVER_ERROR;
	}
	*why = "unknown DNS status";
	return RESOLVER_ERROR;
}

/*
 * Read one sub's raw answer with parse (one of the dnsmsg parsers
 * wrapped below); without one, map the c-ares status.  Returns the status
 * and whether *answer is meaningful.
 */
static enum resolver_status
resolver_sub_status(const struct resolver_query *q,
    const struct resolver_sub *sub,
    int (*parse)(const struct resolver_sub *, const char *, void *,
	enum dnsmsg_status *, const char **),
    void *answer, bool *have_answer, const char **why)
{
	enum dnsmsg_status ds;
	enum resolver_status st;

	*have_answer = false;
	if (q->local_error != NULL) {
		*why = q->local_error;
		return RESOLVER_ERROR;
	}
	if (q->timed_out && !sub->done) {
		*why = "DNS query deadline passed";
		return RESOLVER_TIMEOUT;
	}
	if (sub->abuf == NULL)
		return resolver_ares_status(sub->ares_status, why);
	if (parse(sub, q->name, answer, &ds, why) == -1)
		return RESOLVER_ERROR;
	st = resolver_dnsmsg_status(ds, why);
	*have_answer = st == RESOLVER_OK || st == RESOLVER_NXDOMAIN ||
	    st == RESOLVER_NODATA;
	return st;
}

static int
resolver_parse_txt(const struct resolver_sub *sub, const char *name,
    void *answer, enum dnsmsg_status *ds, const char **why)
{
	struct dnsmsg_txt_answer *a = answer;
	int rc;

	rc = dnsmsg_parse_txt(span_make(sub->abuf, sub->alen), name, a, why);
	*ds = a->status;
	return rc;
}

static int
resolver_parse_addrs(const struct resolver_sub *sub, const char *name,
    void *answer, enum dnsmsg_status *ds, const char **why)
{
	struct dnsmsg_addr_answer *a = answer;
	int rc;

	rc = dnsmsg_parse_addrs(
	    span_make(sub->abuf, sub->alen), name, sub->qtype, a, why);
	*ds = a->status;
	return rc;
}

static int
resolver_parse_mx(const struct resolver_sub *sub, const char *name,
    void *answer, enum dnsmsg_status *ds, const char **why)
{
	struct dnsmsg_mx_answer *a = answer;
	int rc;

	rc = dnsmsg_parse_mx(span_make(sub->abuf, sub->alen), name, a, why);
	*ds = a->status;
	return rc;
}

static int
resolver_parse_count(const struct resolver_sub *sub, const char *name,
    void *answer, enum dnsmsg_status *ds, const char **why)
{
	struct dnsmsg_count_answer *a = answer;
	int rc;

	rc = dnsmsg_parse_count(
	    span_make(sub->abuf, sub->alen), name, sub->qtype, a, why);
	*ds = a->status;
	return rc;
}

void
resolver_deliver_txt(struct resolver_query *q)
{
	struct resolver_txt_result res;
	struct dnsmsg_txt_answer *a;
	bool have;

	a = xcalloc(1, sizeof(*a));
	res.status = resolver_sub_status(
	    q, &q->sub[0], resolver_parse_txt, a, &have, &res.why);
	res.answer = have ? a : NULL;
	log_debug("dns done query=%lu name=%s type=TXT status=%s records=%zu",
	    q->id, log_esc_str(q->name), resolver_status_name(res.status),
	    have ? a->nrecords : 0);
	q->txt_fn(q->arg, &res);
	free(a);
}

void
resolver_deliver_mx(struct resolver_query *q)
{
	struct resolver_mx_result res;
	struct dnsmsg_mx_answer *a;
	bool have;

	a = xcalloc(1, sizeof(*a));
	res.status = resolver_sub_status(
	    q, &q->sub[0], resolver_parse_mx, a, &have, &res.why);
	res.answer = have ? a : NULL;
	log_debug("dns done query=%lu name=%s type=MX status=%s records=%zu",
	    q->id, log_esc_str(q->name), resolver_status_name(res.status),
	    have ? a->nmx : 0);
	q->mx_fn(q->arg, &res);
	free(a);
}

void
resolver_deliver_count(struct resolver_query *q)
{
	struct resolver_count_result res;
	struct dnsmsg_count_answer a;
	bool have;

	memset(&res, 0, sizeof(res));
	res.status = resolver_sub_status(
	    q, &q->sub[0], resolver_parse_count, &a, &have, &res.why);
	if (have) {
		res.count = a.count;
		res.ttl = a.ttl;
		res.have_ttl = a.have_ttl;
	}
	log_debug("dns done query=%lu name=%s type=%s status=%s records=%zu",
	    q->id, log_esc_str(q->name), resolver_type_name(q->sub[0].qtype),
	    resolver_status_name(res.status), res.count);
	q->count_fn(q->arg, &res);
}

/* Append up to max addresses of a to res. */
static void
resolver_addr_copy(struct resolver_addr_result *res,
    const struct dnsmsg_addr_answer *a, size_t max)
{
	size_t i;

	for (i = 0; i < a->naddrs && i < max; i++) {
		if (inet_ntop(a->addrs[i].family, a->addrs[i].addr,
			res->addrs[res->naddrs], RESOLVER_ADDR_STRLEN) == NULL)
			continue;
		res->naddrs++;
	}
}

void
resolver_deliver_addrs(struct resolver_query *q)
{
	struct resolver_addr_result res;
	struct dnsmsg_addr_answer *a; /* [0] A, [1] AAAA */
	enum resolver_status st[2];
	const char *why[2];
	bool have[2];
	size_t i;

	a = xcalloc(2, sizeof(*a));
	memset(&res, 0, sizeof(res));
	for (i = 0; i < 2; i++) {
		st[i] = resolver_sub_status(q, &q->sub[i], resolver_parse_addrs,
		    &a[i], &have[i], &why[i]);
		if (have[i] && a[i].have_ttl) {
			if (!res.have_ttl || a[i].ttl < res.ttl)
				res.ttl = a[i].ttl;
			res.have_ttl = true;
		}
	}
	if (st[0] == RESOLVER_OK || st[1] == RESOLVER_OK) {
		res.status = RESOLVER_OK;
		if (st[1] == RESOLVER_OK)
			resolver_addr_copy(&res, &a[1], RESOLVER_MAX_ADDRS / 2);
		if (st[0] == RESOLVER_OK)
			resolver_addr_copy(&res, &a[0], RESOLVER_MAX_ADDRS / 2);
	} else if (st[0] == RESOLVER_NXDOMAIN || st[1] == RESOLVER_NXDOMAIN) {
		res.status = RESOLVER_NXDOMAIN;
		res.why = st[0] == RESOLVER_NXDOMAIN ? why[0] : why[1];
	} else if (st[0] == RESOLVER_NODATA && st[1] == RESOLVER_NODATA) {
		res.status = RESOLVER_NODATA;
		res.why = why[0];
	} else {
		i = st[0] != RESOLVER_NODATA ? 0 : 1;
		res.status = st[i];
		res.why = why[i];
		res.have_ttl = false;
		res.ttl = 0;
	}
	log_debug("dns done query=%lu name=%s type=A+AAAA status=%s addrs=%zu",
	    q->id, log_esc_str(q->name), resolver_status_name(res.status),
	    res.naddrs);
	q->addr_fn(q->arg, &res);
	free(a);
}
