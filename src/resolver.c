/*
 * resolver.c: c-ares on libevent.  See resolver.h.
 *
 * Life of a query: resolver_query_*() allocates a resolver_query with one
 * or two c-ares lookups (subs), arms its deadline and calls ares_query().
 * Each c-ares callback copies the raw answer into its sub; when all subs
 * are in (or the deadline fires) the result is built from the raw
 * messages by dnsmsg and handed to the caller from a separate event, so a
 * c-ares callback that runs inside ares_query() never reaches the caller
 * early, and no caller code ever runs inside c-ares.  A query that was
 * delivered or cancelled stays allocated, "finished", until c-ares has
 * called back for each of its subs (c-ares 1.18 cannot cancel one query).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>

#include "buf.h"
#include "dnsmsg.h"
#include "log.h"
#include "msec.h"
#include "resolver.h"

enum resolver_kind {
	RESOLVER_KIND_TXT,
	RESOLVER_KIND_ADDRS,
	RESOLVER_KIND_MX,
	RESOLVER_KIND_COUNT
};

/* One c-ares lookup of a query. */
struct resolver_sub {
	struct resolver_query *q; /* borrowed: the owner */
	int qtype;
	bool done; /* c-ares called back */
	int ares_status;
	uint8_t *abuf; /* owned; NULL without answer */
	size_t alen;
	unsigned resends;    /* after ARES_ECONNREFUSED */
	struct event *again; /* owned; NULL until a resend */
};

/*
 * c-ares 1.18 fails every query sent to a server when one TCP connection
 * to it closes or breaks (ARES_ECONNREFUSED), even queries that went out
 * over UDP and a query whose own answer was fine.  Such a query is sent
 * again, at most this often, while its deadline has not passed.
 */
#define RESOLVER_MAX_RESENDS 2

struct resolver_query {
	TAILQ_ENTRY(resolver_query) entry;
	struct resolver *r; /* borrowed: the owner */
	unsigned long id;   /* for log lines */
	enum resolver_kind kind;
	char *name;                  /* owned */
	resolver_txt_fn *txt_fn;     /* NULL unless KIND_TXT */
	resolver_addr_fn *addr_fn;   /* NULL unless KIND_ADDRS */
	resolver_mx_fn *mx_fn;       /* NULL unless KIND_MX */
	resolver_count_fn *count_fn; /* NULL unless KIND_COUNT */
	void *arg;                   /* borrowed: the caller's */
	bool finished;               /* delivered or cancelled */
	bool timed_out;              /* the deadline fired */
	const char *local_error;     /* NULL unless not started */
	unsigned inflight;           /* c-ares callbacks to come */
	size_t nsub;
	struct resolver_sub sub[2];
	struct event *deadline; /* owned */
	struct event *deliver;  /* owned */
};

/* A socket c-ares asked us to watch. */
struct resolver_sock {
	TAILQ_ENTRY(resolver_sock) entry;
	struct resolver *r; /* borrowed: the owner */
	ares_socket_t fd;
	struct event *ev; /* owned */
};

TAILQ_HEAD(resolver_queries, resolver_query);
TAILQ_HEAD(resolver_socks, resolver_sock);

struct resolver {
	struct event_base *base; /* borrowed */
	ares_channel channel;    /* owned */
	bool have_channel;
	struct event *timer;             /* owned: ares_timeout() */
	struct resolver_socks socks;     /* owned */
	struct resolver_queries queries; /* owned, finished or not */
	size_t npending;                 /* queries not finished */
	unsigned long next_id;
	unsigned deadline_ms;
	bool destroying;                   /* inside resolver_free */
	struct resolver_query *delivering; /* NULL outside a callback */
	bool free_pending;                 /* freed during a callback */
};

static void resolver_update_timer(struct resolver *);
static void resolver_query_free(struct resolver_query *);
static void resolver_on_ares(void *, int, int, unsigned char *, int);

const char *
resolver_status_name(enum resolver_status s)
{
	switch (s) {
	case RESOLVER_OK:
		return "ok";
	case RESOLVER_NXDOMAIN:
		return "nxdomain";
	case RESOLVER_NODATA:
		return "nodata";
	case RESOLVER_SERVFAIL:
		return "servfail";
	case RESOLVER_REFUSED:
		return "refused";
	case RESOLVER_TIMEOUT:
		return "timeout";
	case RESOLVER_ERROR:
		return "error";
	}
	return "unknown";
}

static const char *
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

/* c-ares sockets and timer. */

static void
resolver_on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_sock *s = arg;
	struct resolver *r = s->r;

	/* s may be freed inside ares_process_fd(); r may not. */
	ares_process_fd(r->channel,
	    (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD);
	resolver_update_timer(r);
}

static void
resolver_sock_free(struct resolver *r, struct resolver_sock *s)
{
	TAILQ_REMOVE(&r->socks, s, entry);
	if (s->ev != NULL)
		event_free(s->ev);
	free(s);
}

static void
resolver_on_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = arg;
	struct resolver_sock *s;
	short what;

	TAILQ_FOREACH(s, &r->socks, entry)
	if (s->fd == fd)
		break;
	if (!readable && !writable) {
		if (s != NULL)
			resolver_sock_free(r, s);
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->r = r;
		s->fd = fd;
		TAILQ_INSERT_TAIL(&r->socks, s, entry);
	}
	if (s->ev != NULL)
		event_free(s->ev);
	what =
	    EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	if ((s->ev = event_new(r->base, fd, what, resolver_on_sock, s)) ==
		NULL ||
	    event_add(s->ev, NULL) == -1)
		fatalx("resolver: cannot watch a DNS socket");
}

static void
resolver_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)fd;
	(void)what;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolver_update_timer(r);
}

static void
resolver_update_timer(struct resolver *r)
{
	struct timeval tv, *tvp;

	if (r->destroying)
		return;
	if ((tvp = ares_timeout(r->channel, NULL, &tv)) == NULL)
		evtimer_del(r->timer);
	else if (evtimer_add(r->timer, tvp) == -1)
		fatalx("resolver: cannot arm the DNS timer");
}

/* Results. */

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

static void
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

static void
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

static void
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

static void
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

/* Hand the result to the caller: from the event loop, exactly once. */
static void
resolver_query_deliver(struct resolver_query *q)
{
	struct resolver *r = q->r;

	if (q->finished)
		return;
	q->finished = true;
	r->npending--;
	evtimer_del(q->deadline);
	event_del(q->deliver);
	r->delivering = q;
	switch (q->kind) {
	case RESOLVER_KIND_TXT:
		resolver_deliver_txt(q);
		break;
	case RESOLVER_KIND_ADDRS:
		resolver_deliver_addrs(q);
		break;
	case RESOLVER_KIND_MX:
		resolver_deliver_mx(q);
		break;
	case RESOLVER_KIND_COUNT:
		resolver_deliver_count(q);
		break;
	}
	r->delivering = NULL;
	if (r->free_pending) {
		/* The callback freed the resolver; finish the job. */
		resolver_query_free(q);
		free(r);
		ares_library_cleanup();
		return;
	}
	if (q->inflight == 0)
		resolver_query_free(q);
}

static void
resolver_on_deliver(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	resolver_query_deliver(arg);
}

static void
resolver_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_query *q = arg;

	(void)fd;
	(void)what;
	if (q->finished)
		return;
	log_debug(
	    "dns deadline query=%lu name=%s", q->id, log_esc_str(q->name));
	q->timed_out = true;
	resolver_query_deliver(q);
}

/* Send a sub's query again (see RESOLVER_MAX_RESENDS). */
static void
resolver_on_again(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_sub *sub = arg;
	struct resolver_query *q = sub->q;

	(void)fd;
	(void)what;
	if (q->finished) {
		/* Deadline or cancel meanwhile: nothing is in c-ares. */
		sub->done = true;
		if (--q->inflight == 0)
			resolver_query_free(q);
		return;
	}
	log_debug("dns resend query=%lu name=%s type=%s try=%u", q->id,
	    log_esc_str(q->name), resolver_type_name(sub->qtype),
	    sub->resends + 1);
	ares_query(q->r->channel, q->name, DNSMSG_CLASS_IN, sub->qtype,
	    resolver_on_ares, sub);
	resolver_update_timer(q->r);
}

/* The c-ares callback (ares_callback). */
static void
resolver_on_ares(
    void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct resolver_sub *sub = arg;
	struct resolver_query *q = sub->q;
	size_t i;

	(void)timeouts;
	q->inflight--;
	sub->done = true;
	sub->ares_status = status;
	if (q->r->destroying)
		return; /* resolver_free() frees q */
	if (q->finished) {
		if (q->inflight == 0)
			resolver_query_free(q);
		return;
	}
	if (status == ARES_ECONNREFUSED &&
	    sub->resends < RESOLVER_MAX_RESENDS) {
		/* Not from inside c-ares: from the loop, at once. */
		sub->resends++;
		sub->done = false;
		q->inflight++;
		if (sub->again == NULL &&
		    (sub->again = event_new(q->r->base, -1, 0,
			 resolver_on_again, sub)) == NULL)
			fatalx("resolver: cannot create a resend event");
		event_active(sub->again, EV_TIMEOUT, 0);
		return;
	}
	if (abuf != NULL && alen > 0 && alen <= DNSMSG_MAX_MSG_LEN) {
		sub->abuf = xmalloc((size_t)alen);
		memcpy(sub->abuf, abuf, (size_t)alen);
		sub->alen = (size_t)alen;
	}
	for (i = 0; i < q->nsub; i++)
		if (!q->sub[i].done)
			return;
	/* Never call back from inside c-ares (or inside ares_query()). */
	event_active(q->deliver, EV_TIMEOUT, 0);
}

static void
resolver_query_free(struct resolver_query *q)
{
	size_t i;

	TAILQ_REMOVE(&q->r->queries, q, entry);
	event_free(q->deadline);
	event_free(q->deliver);
	for (i = 0; i < q->nsub; i++) {
		free(q->sub[i].abuf);
		if (q->sub[i].again != NULL)
			event_free(q->sub[i].again);
	}
	free(q->name);
	free(q);
}

static struct resolver_query *
resolver_query_start(struct resolver *r, enum resolver_kind kind,
    const char *name, const int *qtypes, size_t nsub)
{
	struct resolver_query *q;
	struct timeval tv;
	uint8_t wire[DNSMSG_MAX_NAME];
	const char *why;
	size_t i;

	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->id = ++r->next_id;
	q->kind = kind;
	q->name = xstrdup(name);
	q->nsub = nsub;
	for (i = 0; i < nsub; i++) {
		q->sub[i].q = q;
		q->sub[i].qtype = qtypes[i];
	}
	if ((q->deadline = evtimer_new(r->base, resolver_on_deadline, q)) ==
		NULL ||
	    (q->deliver = event_new(r->base, -1, 0, resolver_on_deliver, q)) ==
		NULL)
		fatalx("resolver: cannot create query events");
	TAILQ_INSERT_TAIL(&r->queries, q, entry);
	r->npending++;

	why = NULL;
	for (i = 0; i < nsub; i++)
		if (qtypes[i] <= 0 || qtypes[i] > UINT16_MAX ||
		    qtypes[i] == DNSMSG_TYPE_CNAME)
			why = "query type out of range or CNAME";
	if (why != NULL || dnsmsg_name_to_wire(name, wire, &why) == 0) {
		q->local_error = why;
		event_active(q->deliver, EV_TIMEOUT, 0);
		return q;
	}
	tv = msec_tv(r->deadline_ms);
	if (evtimer_add(q->deadline, &tv) == -1)
		fatalx("resolver: cannot arm a query deadline");
	for (i = 0; i < nsub; i++) {
		log_debug("dns query=%lu name=%s type=%s", q->id,
		    log_esc_str(name), resolver_type_name(qtypes[i]));
		q->inflight++;
		/* May call resolver_on_ares() before it returns. */
		ares_query(r->channel, name, DNSMSG_CLASS_IN, qtypes[i],
		    resolver_on_ares, &q->sub[i]);
	}
	resolver_update_timer(r);
	return q;
}

struct resolver_query *
resolver_query_txt(
    struct resolver *r, const char *name, resolver_txt_fn *fn, void *arg)
{
	static const int types[] = {DNSMSG_TYPE_TXT};
	struct resolver_query *q;

	q = resolver_query_start(r, RESOLVER_KIND_TXT, name, types, 1);
	q->txt_fn = fn;
	q->arg = arg;
	return q;
}

struct resolver_query *
resolver_query_addrs(
    struct resolver *r, const char *name, resolver_addr_fn *fn, void *arg)
{
	static const int types[] = {DNSMSG_TYPE_A, DNSMSG_TYPE_AAAA};
	struct resolver_query *q;

	q = resolver_query_start(r, RESOLVER_KIND_ADDRS, name, types, 2);
	q->addr_fn = fn;
	q->arg = arg;
	return q;
}

struct resolver_query *
resolver_query_mx(
    struct resolver *r, const char *name, resolver_mx_fn *fn, void *arg)
{
	static const int types[] = {DNSMSG_TYPE_MX};
	struct resolver_query *q;

	q = resolver_query_start(r, RESOLVER_KIND_MX, name, types, 1);
	q->mx_fn = fn;
	q->arg = arg;
	return q;
}

struct resolver_query *
resolver_query_count(struct resolver *r, const char *name, int qtype,
    resolver_count_fn *fn, void *arg)
{
	struct resolver_query *q;

	q = resolver_query_start(r, RESOLVER_KIND_COUNT, name, &qtype, 1);
	q->count_fn = fn;
	q->arg = arg;
	return q;
}

void
resolver_cancel(struct resolver_query *q)
{
	if (q == NULL || q->finished)
		return;
	q->finished = true;
	q->r->npending--;
	log_debug("dns cancel query=%lu", q->id);
	evtimer_del(q->deadline);
	event_del(q->deliver);
	if (q->inflight == 0)
		resolver_query_free(q);
}

/* Configuration. */

/*
 * One server: "a.b.c.d", "a.b.c.d:port", "v6" or "[v6]:port".  Our own
 * configuration text, not peer data.
 */
static int
resolver_parse_server(
    const char *s, struct ares_addr_port_node *n, const char **why)
{
	char host[RESOLVER_ADDR_STRLEN];
	const char *port, *end, *colon;
	size_t hlen;
	uint64_t v;

	memset(n, 0, sizeof(*n));
	port = NULL;
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL) {
			*why = "DNS server: missing ]";
			return -1;
		}
		hlen = (size_t)(end - s - 1);
		s++;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			*why = "DNS server: junk after ]";
			return -1;
		}
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		hlen = (size_t)(colon - s);
		port = colon + 1;
	} else
		hlen = strlen(s);
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "DNS server: bad address";
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &n->addr.addr4) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &n->addr.addr6) == 1)
		n->family = AF_INET6;
	else {
		*why = "DNS server: not a numeric IPv4 or IPv6 address";
		return -1;
	}
	if (port != NULL) {
		if (span_to_u64(span_str(port), 5, true, &v) == -1 || v == 0 ||
		    v > 65535) {
			*why = "DNS server: bad port";
			return -1;
		}
		n->udp_port = n->tcp_port = (int)v;
	}
	return 0;
}

static int
resolver_set_servers(
    struct resolver *r, const struct resolver_opts *o, const char **why)
{
	struct ares_addr_port_node nodes[RESOLVER_MAX_SERVERS];
	size_t i;

	if (o->nservers > RESOLVER_MAX_SERVERS) {
		*why = "too many DNS servers";
		return -1;
	}
	for (i = 0; i < o->nservers; i++) {
		if (resolver_parse_server(o->servers[i], &nodes[i], why) == -1)
			return -1;
		nodes[i].next = i + 1 < o->nservers ? &nodes[i + 1] : NULL;
	}
	if (ares_set_servers_ports(r->channel, nodes) != ARES_SUCCESS) {
		*why = "cannot set the DNS servers";
		return -1;
	}
	return 0;
}

struct resolver *
resolver_new(
    struct event_base *base, const struct resolver_opts *o, const char **why)
{
	struct resolver *r;
	struct ares_options ao;
	unsigned timeout_ms, tries;
	int optmask, rc;

	timeout_ms =
	    o->timeout_ms == 0 ? RESOLVER_DEFAULT_TIMEOUT_MS : o->timeout_ms;
	tries = o->tries == 0 ? RESOLVER_DEFAULT_TRIES : o->tries;
	if (timeout_ms < RESOLVER_MIN_TIMEOUT_MS ||
	    timeout_ms > RESOLVER_MAX_TIMEOUT_MS) {
		*why = "DNS timeout out of range";
		return NULL;
	}
	if (tries > RESOLVER_MAX_TRIES) {
		*why = "DNS tries out of range";
		return NULL;
	}
	if (o->nservers > 0 && o->servers == NULL) {
		*why = "DNS servers missing";
		return NULL;
	}
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		*why = "cannot initialise c-ares";
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	TAILQ_INIT(&r->socks);
	TAILQ_INIT(&r->queries);
	/* Sum of timeout_ms << round over the tries (see resolver.h). */
	r->deadline_ms =
	    timeout_ms * ((1u << tries) - 1) + RESOLVER_DEADLINE_SLACK_MS;
	if ((r->timer = evtimer_new(base, resolver_on_timer, r)) == NULL)
		fatalx("resolver: cannot create the DNS timer");

	memset(&ao, 0, sizeof(ao));
	ao.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
	ao.timeout = (int)timeout_ms;
	ao.tries = (int)tries;
	ao.ednspsz = RESOLVER_EDNS_UDP_SIZE;
	ao.sock_state_cb = resolver_on_sock_state;
	ao.sock_state_cb_data = r;
	optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB;
	if ((rc = ares_init_options(&r->channel, &ao, optmask)) !=
	    ARES_SUCCESS) {
		*why = ares_strerror(rc);
		resolver_free(r);
		return NULL;
	}
	r->have_channel = true;
	if (o->nservers > 0 && resolver_set_servers(r, o, why) == -1) {
		resolver_free(r);
		return NULL;
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	struct resolver_query *q, *tmp;
	struct resolver_sock *s;

	if (r == NULL || r->destroying)
		return;
	r->destroying = true;
	/* Calls resolver_on_ares(ARES_EDESTRUCTION) for each lookup. */
	if (r->have_channel)
		ares_destroy(r->channel);
	while ((s = TAILQ_FIRST(&r->socks)) != NULL)
		resolver_sock_free(r, s);
	if (r->timer != NULL)
		event_free(r->timer);
	for (q = TAILQ_FIRST(&r->queries); q != NULL; q = tmp) {
		tmp = TAILQ_NEXT(q, entry);
		if (q != r->delivering)
			resolver_query_free(q);
	}
	if (r->delivering != NULL) {
		/* Inside a callback: resolver_query_deliver() ends it. */
		r->free_pending = true;
		return;
	}
	free(r);
	ares_library_cleanup();
}

unsigned
resolver_deadline_ms(const struct resolver *r)
{
	return r->deadline_ms;
}

size_t
resolver_pending(const struct resolver *r)
{
	return r->npending;
}
