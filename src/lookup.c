/*
 * lookup.c: the lookup engine.  See lookup.h.
 *
 * One struct lookup exists per domain being discovered; it sits in a
 * hash table by domain so concurrent queries join it.  Each query is a
 * struct lookup_wait: attached to a lookup with a query_wait timer, or
 * detached with an answer ready to be delivered from the event loop.
 *
 *	TXT ----ok----> ADDR ----ok----> FETCH ----> DONE
 *	 |               |                 |
 *	 +--none/fail----+-------fail------+-------> DONE
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "dnsmsg.h"
#include "domain.h"
#include "fetch.h"
#include "log.h"
#include "lookup.h"
#include "resolver.h"
#include "socketmap.h"
#include "sts_policy.h"
#include "sts_txt.h"

#define LOOKUP_HASH_SIZE	1024	/* buckets; lookups in flight chain */
#define LOOKUP_MAX_REPLY	32768	/* policy text: 100 mx * 254 bytes */
#define LOOKUP_TXT_PREFIX_LEN	9	/* "_mta-sts." */

enum lookup_state {
	LOOKUP_TXT,
	LOOKUP_ADDR,
	LOOKUP_FETCH,
	LOOKUP_DONE
};

/* What discovery concluded; lookup_reply() maps it to the wire. */
enum lookup_outcome {
	LOOKUP_NOT_APPLICABLE,	/* not a domain: probe, IP literal, bad key */
	LOOKUP_NO_POLICY,	/* no valid STSv1 TXT record */
	LOOKUP_FAILED,		/* could not tell: DNS, HTTPS, bad policy */
	LOOKUP_POLICY,		/* a valid policy; its mode decides */
	LOOKUP_BUSY,		/* a limit was reached */
	LOOKUP_WAIT_TIMEOUT	/* query_wait ran out */
};

struct lookup;

struct lookup_wait {
	struct lookup_engine	*engine;	/* borrowed */
	struct lookup		*lk;		/* borrowed; NULL when detached */
	struct event		*ev;		/* owned: wait timer or answer */
	uint64_t		 conn_id;
	lookup_done_fn		*fn;
	void			*arg;		/* borrowed from the caller */
	enum socketmap_status	 st;		/* answer when detached */
	struct buf		 data;		/* owned: answer data */
	TAILQ_ENTRY(lookup_wait) entry;		/* lk->waiters or detached */
};

TAILQ_HEAD(lookup_wait_list, lookup_wait);

struct lookup {
	uint64_t		 id;
	struct lookup_engine	*engine;	/* borrowed */
	char			 domain[DOMAIN_MAX_NAME + 1];
	char			 host[DOMAIN_MAX_NAME + 1]; /* mta-sts.DOMAIN */
	enum lookup_state	 state;
	struct sts_txt		 txt;
	struct resolver_query	*rq;		/* owned; NULL unless TXT/ADDR */
	struct fetch		*fq;		/* owned; NULL unless FETCH */
	struct lookup_wait_list	 waiters;
	size_t			 nwaiters;
	struct timespec		 started;
	LIST_ENTRY(lookup)	 hash_entry;
};

LIST_HEAD(lookup_list, lookup);

struct lookup_engine {
	struct event_base	*base;		/* borrowed */
	const struct config	*cfg;		/* borrowed */
	struct resolver		*res;		/* borrowed */
	struct fetcher		*fet;		/* borrowed */
	struct lookup_list	 table[LOOKUP_HASH_SIZE];
	size_t			 nlookups;
	uint64_t		 next_id;
	struct lookup_wait_list	 detached;	/* answers not yet delivered */
	bool			 busy_logged;
	uint64_t		 busy_suppressed;
	struct lookup_stats	 stats;
};

static const char *
lookup_state_name(enum lookup_state st)
{
	switch (st) {
	case LOOKUP_TXT:
		return "txt";
	case LOOKUP_ADDR:
		return "addr";
	case LOOKUP_FETCH:
		return "fetch";
	case LOOKUP_DONE:
		return "done";
	}
	return "?";
}

static void
lookup_set_state(struct lookup *lk, enum lookup_state st)
{
	log_debug("lookup lookup=%" PRIu64 " domain=%s state=%s->%s", lk->id,
	    lk->domain, lookup_state_name(lk->state), lookup_state_name(st));
	lk->state = st;
}

static uint32_t
hash_name(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

static struct lookup_list *
bucket_of(struct lookup_engine *le, const char *domain)
{
	return &le->table[hash_name(domain) % LOOKUP_HASH_SIZE];
}

static struct lookup *
lookup_find(struct lookup_engine *le, const char *domain)
{
	struct lookup	*lk;

	LIST_FOREACH(lk, bucket_of(le, domain), hash_entry)
		if (strcmp(lk->domain, domain) == 0)
			return lk;
	return NULL;
}

static double
elapsed_ms(const struct timespec *since)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1000.0 +
	    (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/*
 * The one mapping from a decision to the socketmap reply.  Only an
 * enforce policy yields a policy string: Postfix has no level that
 * tests without enforcing, so testing and none leave Postfix's default.
 */
static enum socketmap_status
lookup_reply(enum lookup_outcome out, const struct sts_policy *pol,
    struct buf *data)
{
	const char	*why;

	buf_reset(data);
	switch (out) {
	case LOOKUP_POLICY:
		switch (pol->mode) {
		case STS_MODE_ENFORCE:
			if (sts_policy_postfix(pol, data, &why) == 0)
				return SOCKETMAP_OK;
			/* Never downgrade an enforce domain by accident. */
			log_errx("reply build failed: %s", why);
			buf_reset(data);
			buf_add_str(data, "policy reply could not be built");
			return SOCKETMAP_TEMP;
		case STS_MODE_TESTING:
		case STS_MODE_NONE:
			return SOCKETMAP_NOTFOUND;
		}
		return SOCKETMAP_NOTFOUND;
	case LOOKUP_NOT_APPLICABLE:
	case LOOKUP_NO_POLICY:
	case LOOKUP_FAILED:
	case LOOKUP_BUSY:
	case LOOKUP_WAIT_TIMEOUT:
		return SOCKETMAP_NOTFOUND;
	}
	return SOCKETMAP_NOTFOUND;
}

static void
stats_count_reply(struct lookup_engine *le, enum socketmap_status st)
{
	switch (st) {
	case SOCKETMAP_OK:
		le->stats.replies_ok++;
		break;
	case SOCKETMAP_NOTFOUND:
		le->stats.replies_notfound++;
		break;
	case SOCKETMAP_TEMP:
	case SOCKETMAP_TIMEOUT:
	case SOCKETMAP_PERM:
		le->stats.replies_temp++;
		break;
	}
}

static void
wait_free(struct lookup_wait *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	buf_clear(&w->data);
	free(w);
}

/* Hand w its answer now (we are in an event callback) and free it. */
static void
wait_deliver(struct lookup_wait *w, enum socketmap_status st, struct span data)
{
	lookup_done_fn	*fn = w->fn;
	void		*arg = w->arg;

	stats_count_reply(w->engine, st);
	log_debug("reply conn=%" PRIu64 " status=%s",
	    w->conn_id, socketmap_status_name(st));
	wait_free(w);
	fn(arg, st, data);
}

static void
lookup_on_detached(evutil_socket_t fd, short what, void *arg)
{
	struct lookup_wait	*w = arg;
	struct buf		 data = w->data;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&w->engine->detached, w, entry);
	/* The data moves out of w so it outlives wait_free(). */
	buf_init(&w->data, 0);
	wait_deliver(w, w->st, buf_span(&data));
	buf_clear(&data);
}

/* Queue an answer for delivery from the event loop. */
static void
wait_answer_later(struct lookup_wait *w, enum lookup_outcome out)
{
	if (w->ev != NULL)
		event_free(w->ev);
	w->ev = event_new(w->engine->base, -1, 0, lookup_on_detached, w);
	if (w->ev == NULL)
		fatalx("lookup: event_new failed");
	w->lk = NULL;
	w->st = lookup_reply(out, NULL, &w->data);
	TAILQ_INSERT_TAIL(&w->engine->detached, w, entry);
	event_active(w->ev, 0, 0);
}

static void
lookup_on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct lookup_wait	*w = arg;
	struct lookup		*lk = w->lk;
	struct buf		 data;
	enum socketmap_status	 st;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&lk->waiters, w, entry);
	lk->nwaiters--;
	w->lk = NULL;
	w->engine->stats.wait_timeouts++;
	log_info("query wait expired conn=%" PRIu64 " lookup=%" PRIu64
	    " domain=%s state=%s waited_ms=%u", w->conn_id, lk->id, lk->domain,
	    lookup_state_name(lk->state), w->engine->cfg->query_wait_ms);
	buf_init(&data, LOOKUP_MAX_REPLY);
	st = lookup_reply(LOOKUP_WAIT_TIMEOUT, NULL, &data);
	wait_deliver(w, st, buf_span(&data));
	buf_clear(&data);
}

static void
lookup_free(struct lookup *lk)
{
	struct lookup_wait	*w;

	if (lk->rq != NULL)
		resolver_cancel(lk->rq);
	if (lk->fq != NULL)
		fetch_cancel(lk->fq);
	while ((w = TAILQ_FIRST(&lk->waiters)) != NULL) {
		TAILQ_REMOVE(&lk->waiters, w, entry);
		wait_free(w);
	}
	free(lk);
}

/*
 * Discovery is over: take the lookup out of the table, answer every
 * waiter with the same reply, free it.
 */
static void
lookup_finish(struct lookup *lk, enum lookup_outcome out,
    const struct sts_policy *pol)
{
	struct lookup_engine	*le = lk->engine;
	struct lookup_wait	*w;
	struct buf		 data;
	enum socketmap_status	 st;

	lookup_set_state(lk, LOOKUP_DONE);
	LIST_REMOVE(lk, hash_entry);
	le->nlookups--;
	if (le->busy_logged && le->nlookups < le->cfg->max_lookups) {
		log_info("lookups below limit max=%u suppressed=%" PRIu64,
		    le->cfg->max_lookups, le->busy_suppressed);
		le->busy_logged = false;
		le->busy_suppressed = 0;
	}
	buf_init(&data, LOOKUP_MAX_REPLY);
	st = lookup_reply(out, pol, &data);
	log_debug("lookup done lookup=%" PRIu64 " domain=%s status=%s "
	    "waiters=%zu ms=%.0f", lk->id, lk->domain,
	    socketmap_status_name(st), lk->nwaiters, elapsed_ms(&lk->started));
	/* A waiter's callback may start or cancel other waits. */
	while ((w = TAILQ_FIRST(&lk->waiters)) != NULL) {
		TAILQ_REMOVE(&lk->waiters, w, entry);
		lk->nwaiters--;
		w->lk = NULL;
		wait_deliver(w, st, buf_span(&data));
	}
	buf_clear(&data);
	free(lk);
}

static void
lookup_on_fetch(void *arg, const struct fetch_result *res)
{
	struct lookup		*lk = arg;
	struct lookup_engine	*le = lk->engine;
	struct sts_policy	 pol;
	const char		*why;

	lk->fq = NULL;
	if (res->status != FETCH_OK) {
		le->stats.fetch_failed++;
		log_warnx("policy fetch failed lookup=%" PRIu64 " domain=%s "
		    "id=%s status=%s reason=\"%s\"", lk->id, lk->domain,
		    lk->txt.id, fetch_status_name(res->status),
		    res->reason);
		lookup_finish(lk, LOOKUP_FAILED, NULL);
		return;
	}
	le->stats.fetch_ok++;
	sts_policy_init(&pol);
	if (sts_policy_parse(res->body, &pol, &why) == -1) {
		le->stats.policy_invalid++;
		log_warnx("policy invalid lookup=%" PRIu64 " domain=%s id=%s "
		    "reason=\"%s\"", lk->id, lk->domain, lk->txt.id, why);
		lookup_finish(lk, LOOKUP_FAILED, NULL);
		return;
	}
	log_info("policy domain=%s mode=%s id=%s source=fetch max_age=%" PRIu32
	    " mx=%zu lookup=%" PRIu64 " ms=%.0f", lk->domain,
	    sts_mode_name(pol.mode), lk->txt.id, pol.max_age, pol.mx_count,
	    lk->id, elapsed_ms(&lk->started));
	lookup_finish(lk, LOOKUP_POLICY, &pol);
	sts_policy_clear(&pol);
}

static void
lookup_on_addrs(void *arg, const struct resolver_addr_result *res)
{
	struct lookup		*lk = arg;
	const char		*addrs[RESOLVER_MAX_ADDRS];
	size_t			 i;

	lk->rq = NULL;
	if (res->status != RESOLVER_OK) {
		lk->engine->stats.fetch_failed++;
		log_warnx("policy fetch failed lookup=%" PRIu64 " domain=%s "
		    "id=%s status=dns reason=\"%s: %s\"", lk->id, lk->domain,
		    lk->txt.id, lk->host, resolver_status_name(res->status));
		lookup_finish(lk, LOOKUP_FAILED, NULL);
		return;
	}
	for (i = 0; i < res->naddrs && i < RESOLVER_MAX_ADDRS; i++)
		addrs[i] = res->addrs[i];
	lookup_set_state(lk, LOOKUP_FETCH);
	lk->fq = fetch_start(lk->engine->fet, lk->domain, addrs, i,
	    lookup_on_fetch, lk);
}

static void
lookup_on_txt(void *arg, const struct resolver_txt_result *res)
{
	struct lookup		*lk = arg;
	struct lookup_engine	*le = lk->engine;
	const struct dnsmsg_txt_answer *a = res->answer;
	struct sts_txt_record	 recs[DNSMSG_MAX_TXT_RECORDS];
	enum sts_txt_status	 ts;
	const char		*why = NULL;
	size_t			 i;

	lk->rq = NULL;
	switch (res->status) {
	case RESOLVER_OK:
		break;
	case RESOLVER_NXDOMAIN:
	case RESOLVER_NODATA:
		le->stats.txt_none++;
		log_debug("lookup no record lookup=%" PRIu64 " domain=%s "
		    "dns=%s", lk->id, lk->domain,
		    resolver_status_name(res->status));
		lookup_finish(lk, LOOKUP_NO_POLICY, NULL);
		return;
	case RESOLVER_SERVFAIL:
	case RESOLVER_REFUSED:
	case RESOLVER_TIMEOUT:
	case RESOLVER_ERROR:
		le->stats.txt_failed++;
		log_info("txt lookup failed lookup=%" PRIu64 " domain=%s "
		    "dns=%s reason=\"%s\"", lk->id, lk->domain,
		    resolver_status_name(res->status),
		    res->why != NULL ? res->why : "");
		lookup_finish(lk, LOOKUP_FAILED, NULL);
		return;
	}
	for (i = 0; i < a->nrecords; i++) {
		recs[i].strings = &a->strings[a->records[i].first];
		recs[i].nstrings = a->records[i].count;
	}
	ts = sts_txt_select(recs, a->nrecords, &lk->txt, &why);
	switch (ts) {
	case STS_TXT_OK:
		break;
	case STS_TXT_NONE:
	case STS_TXT_MULTIPLE:
	case STS_TXT_NO_ID:
	case STS_TXT_INVALID:
		le->stats.txt_none++;
		log_info("txt no policy lookup=%" PRIu64 " domain=%s "
		    "result=%s reason=\"%s\"", lk->id, lk->domain,
		    sts_txt_status_name(ts), why != NULL ? why : "");
		lookup_finish(lk, LOOKUP_NO_POLICY, NULL);
		return;
	}
	le->stats.txt_ok++;
	log_debug("txt lookup=%" PRIu64 " domain=%s id=%s", lk->id,
	    lk->domain, lk->txt.id);
	lookup_set_state(lk, LOOKUP_ADDR);
	lk->rq = resolver_query_addrs(le->res, lk->host, lookup_on_addrs, lk);
}

static struct lookup *
lookup_start(struct lookup_engine *le, const struct domain_name *dn)
{
	struct lookup	*lk;
	char		 qname[DOMAIN_MAX_NAME + 16];
	int		 n;

	lk = xcalloc(1, sizeof(*lk));
	lk->id = ++le->next_id;
	lk->engine = le;
	memcpy(lk->domain, dn->name, dn->len + 1);
	TAILQ_INIT(&lk->waiters);
	clock_gettime(CLOCK_MONOTONIC, &lk->started);
	/* lookup_query() made sure both names fit. */
	n = snprintf(lk->host, sizeof(lk->host), "mta-sts.%s", dn->name);
	if (n < 0 || (size_t)n >= sizeof(lk->host))
		fatalx("lookup: host name does not fit");
	n = snprintf(qname, sizeof(qname), "_mta-sts.%s", dn->name);
	if (n < 0 || (size_t)n >= sizeof(qname))
		fatalx("lookup: TXT name does not fit");
	LIST_INSERT_HEAD(bucket_of(le, lk->domain), lk, hash_entry);
	le->nlookups++;
	le->stats.lookups++;
	lk->state = LOOKUP_TXT;
	log_debug("lookup start lookup=%" PRIu64 " domain=%s", lk->id,
	    lk->domain);
	lk->rq = resolver_query_txt(le->res, qname, lookup_on_txt, lk);
	return lk;
}

struct lookup_engine *
lookup_engine_new(struct event_base *base, const struct config *cfg,
    struct resolver *res, struct fetcher *fet, const char **why)
{
	struct lookup_engine	*le;
	size_t			 i;

	(void)why;
	le = xcalloc(1, sizeof(*le));
	le->base = base;
	le->cfg = cfg;
	le->res = res;
	le->fet = fet;
	for (i = 0; i < LOOKUP_HASH_SIZE; i++)
		LIST_INIT(&le->table[i]);
	TAILQ_INIT(&le->detached);
	return le;
}

void
lookup_engine_free(struct lookup_engine *le)
{
	struct lookup		*lk;
	struct lookup_wait	*w;
	size_t			 i;

	if (le == NULL)
		return;
	for (i = 0; i < LOOKUP_HASH_SIZE; i++) {
		while ((lk = LIST_FIRST(&le->table[i])) != NULL) {
			LIST_REMOVE(lk, hash_entry);
			lookup_free(lk);
		}
	}
	while ((w = TAILQ_FIRST(&le->detached)) != NULL) {
		TAILQ_REMOVE(&le->detached, w, entry);
		wait_free(w);
	}
	free(le);
}

struct lookup_wait *
lookup_query(struct lookup_engine *le, struct span key, uint64_t conn_id,
    lookup_done_fn *fn, void *arg)
{
	struct lookup_wait	*w;
	struct lookup		*lk;
	struct domain_name	 dn;
	enum domain_key_kind	 kind;
	const char		*why = NULL;
	struct timeval		 tv;

	le->stats.queries++;
	w = xcalloc(1, sizeof(*w));
	w->engine = le;
	w->conn_id = conn_id;
	w->fn = fn;
	w->arg = arg;
	buf_init(&w->data, LOOKUP_MAX_REPLY);

	kind = domain_key_parse(key, &dn, &why);
	switch (kind) {
	case DOMAIN_KEY_NAME:
		break;
	case DOMAIN_KEY_PARENT_PROBE:
	case DOMAIN_KEY_IP_LITERAL:
	case DOMAIN_KEY_INVALID:
		le->stats.not_applicable++;
		log_debug("query conn=%" PRIu64 " key=%s not a policy domain: "
		    "%s", conn_id, log_esc(key), why != NULL ? why :
		    kind == DOMAIN_KEY_PARENT_PROBE ? "parent-domain probe" :
		    "IP literal");
		wait_answer_later(w, LOOKUP_NOT_APPLICABLE);
		return w;
	}
	log_debug("query conn=%" PRIu64 " key=%s domain=%s", conn_id,
	    log_esc(key), dn.name);
	if (dn.len > DOMAIN_MAX_NAME - LOOKUP_TXT_PREFIX_LEN) {
		/* _mta-sts.DOMAIN would exceed 253 octets: no such record. */
		le->stats.txt_none++;
		wait_answer_later(w, LOOKUP_NO_POLICY);
		return w;
	}

	if ((lk = lookup_find(le, dn.name)) != NULL) {
		if (lk->nwaiters >= le->cfg->max_waiters) {
			le->stats.busy++;
			log_info("lookup waiters at limit lookup=%" PRIu64
			    " domain=%s max=%u", lk->id, lk->domain,
			    le->cfg->max_waiters);
			wait_answer_later(w, LOOKUP_BUSY);
			return w;
		}
		le->stats.joined++;
	} else if (le->nlookups >= le->cfg->max_lookups) {
		le->stats.busy++;
		if (!le->busy_logged)
			log_warnx("lookups at limit max=%u: new domains get "
			    "the fallback answer", le->cfg->max_lookups);
		else
			le->busy_suppressed++;
		le->busy_logged = true;
		wait_answer_later(w, LOOKUP_BUSY);
		return w;
	} else
		lk = lookup_start(le, &dn);

	w->lk = lk;
	TAILQ_INSERT_TAIL(&lk->waiters, w, entry);
	lk->nwaiters++;
	w->ev = evtimer_new(le->base, lookup_on_wait_timeout, w);
	if (w->ev == NULL)
		fatalx("lookup: evtimer_new failed");
	tv.tv_sec = le->cfg->query_wait_ms / 1000;
	tv.tv_usec = (suseconds_t)(le->cfg->query_wait_ms % 1000) * 1000;
	evtimer_add(w->ev, &tv);
	return w;
}

void
lookup_cancel(struct lookup_wait *w)
{
	if (w == NULL)
		return;
	if (w->lk != NULL) {
		TAILQ_REMOVE(&w->lk->waiters, w, entry);
		w->lk->nwaiters--;
	} else
		TAILQ_REMOVE(&w->engine->detached, w, entry);
	wait_free(w);
}

const struct lookup_stats *
lookup_engine_stats(const struct lookup_engine *le)
{
	return &le->stats;
}

size_t
lookup_in_flight(const struct lookup_engine *le)
{
	return le->nlookups;
}
