/*
 * resolver.c: c-ares on libevent.  See resolver.h.
 *
 * This file holds the channel, the libevent glue (c-ares sockets and
 * timer) and the life of a query; resolver_answer.c turns the raw answers
 * into results and calls the caller back.
 *
 * Life of a query: resolver_query_*() allocates a resolver_query with one
 * or two c-ares lookups (subs), arms its deadline and calls ares_query().
 * Each c-ares callback copies the raw answer into its sub; when all subs
 * are in (or the deadline fires) the result is built from the raw
 * messages by dnsmsg (resolver_answer.c) and handed to the caller from a
 * separate event, so a c-ares callback that runs inside ares_query()
 * never reaches the caller early, and no caller code ever runs inside
 * c-ares.  A query that was
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
#include "resolver_int.h"

static void resolver_update_timer(struct resolver *);
static void resolver_query_free(struct resolver_query *);
static void resolver_on_ares(void *, int, int, unsigned char *, int);

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
