/*
 * lookup_query.c: the query side of the lookup engine.  See lookup.h and
 * lookup_int.h.
 *
 * lookup_query() turns a client's key into a struct lookup_wait: answered
 * at once (not a policy domain, a valid cached policy that needs no
 * re-check, a remembered negative result, a limit reached) or attached to
 * the domain's lookup, joining a running one or starting one (lookup.c).
 * An answer given at once is queued on the engine's detached list and
 * delivered from the event loop; an attached waiter has a query_wait
 * timer that ends in the fallback answer while the lookup runs on.
 * Valid cached policies being used have their last-query time batched in
 * memory and written to the cache in one transaction every usage_flush
 * seconds (or when the batch is full).
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "domain.h"
#include "hotreply.h"
#include "log.h"
#include "lookup.h"
#include "lookup_int.h"
#include "memo.h"
#include "msec.h"
#include "reply.h"
#include "schedule.h"
#include "socketmap.h"

/*
 * The cached domain's TXT record is due to be asked again: when its
 * answer's TTL, the negative TTL or the failure back-off has run out,
 * whichever the last check found (rule 1, schedule_txt_next()).
 */
static bool
recheck_due(struct lookup_engine *le, const struct cache_record *rec,
    int64_t now)
{
	return now >= schedule_txt_next(&le->sc, rec);
}

/*
 * The last check of the cached domain failed (TXT lookup failed or
 * record gone, or the fetch of a new id failed): its due re-check runs
 * in the background while queries get the cached policy at once, so an
 * outage does not make every query wait query_wait (rule 1).
 */
static bool
recheck_failing(const struct cache_record *rec)
{
	return rec->txt_state != CACHE_TXT_OK || rec->failures > 0;
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

void
lookup_wait_free(struct lookup_wait *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	buf_clear(&w->data);
	free(w);
}

/* Hand w its answer now (we are in an event callback) and free it. */
void
lookup_wait_deliver(struct lookup_wait *w, enum socketmap_status st,
    struct span data)
{
	lookup_done_fn	*fn = w->fn;
	void		*arg = w->arg;

	stats_count_reply(w->engine, st);
	log_debug("reply conn=%" PRIu64 " status=%s", w->conn_id,
	    socketmap_status_name(st));
	lookup_wait_free(w);
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
	/* The data moves out of w so it outlives lookup_wait_free(). */
	buf_init(&w->data, 0);
	lookup_wait_deliver(w, w->st, buf_span(&data));
	buf_clear(&data);
}

/* Queue w, its answer in w->st and w->data, for the event loop. */
static void
wait_queue(struct lookup_wait *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	w->ev = event_new(w->engine->base, -1, 0, lookup_on_detached, w);
	if (w->ev == NULL)
		fatalx("lookup: event_new failed");
	w->lk = NULL;
	TAILQ_INSERT_TAIL(&w->engine->detached, w, entry);
	event_active(w->ev, 0, 0);
}

/* Queue an answer for delivery from the event loop. */
static void
wait_answer_later(struct lookup_wait *w, enum reply_outcome out,
    const struct sts_policy *pol)
{
	w->st = lookup_reply(out, pol, &w->data);
	wait_queue(w);
}

/* The same with a reply rendered before (data copied). */
static void
wait_answer_rendered(struct lookup_wait *w, enum socketmap_status st,
    struct span data)
{
	w->st = st;
	buf_reset(&w->data);
	if (buf_reserve(&w->data, data.len) == -1 ||
	    buf_add_span(&w->data, data) == -1)
		fatalx("lookup: rendered reply over its cap");
	wait_queue(w);
}

/*
 * A valid cached policy whose re-check is not due answers; its rendered
 * reply is kept until the earlier of its expiry and that re-check, so
 * the next hits cost a look-up and a copy (hotreply.h).
 */
static void
wait_answer_hit(struct lookup_engine *le, struct lookup_wait *w,
    const char *domain, const struct cache_record *rec)
{
	int64_t	until = schedule_policy_expires(rec->fetched,
		    rec->policy.max_age);
	int64_t	next = schedule_txt_next(&le->sc, rec);

	wait_answer_later(w, REPLY_POLICY, &rec->policy);
	hotreply_put(le->hot, domain, w->st, buf_span(&w->data),
	    next < until ? next : until);
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
	    " domain=%s state=%s waited_ms=%u cached=%s", w->conn_id, lk->id,
	    lk->domain, lookup_state_name(lk->state),
	    w->engine->cfg->query_wait_ms, lk->have_cached ? "yes" : "no");
	buf_init(&data, LOOKUP_MAX_REPLY);
	if (lk->have_cached && schedule_policy_valid(lk->cached.fetched,
	    lk->cached.policy.max_age, lookup_now()))
		st = lookup_reply(REPLY_POLICY, &lk->cached.policy, &data);
	else
		st = lookup_reply(REPLY_WAIT_TIMEOUT, NULL, &data);
	lookup_wait_deliver(w, st, buf_span(&data));
	buf_clear(&data);
}

static void
usage_collect(void *arg, const struct memo_entry *e)
{
	struct {
		const char	**names;
		int64_t		 *times;
		size_t		  n;
	} *acc = arg;

	acc->names[acc->n] = e->domain;
	acc->times[acc->n] = e->time;
	acc->n++;
}

/* Write the batched last-query times in one transaction. */
void
lookup_usage_flush(struct lookup_engine *le)
{
	struct {
		const char	**names;
		int64_t		 *times;
		size_t		  n;
	} acc;
	size_t	count = memo_count(le->usage);

	/* Confirmations put lazily, and writes that failed before. */
	if (cache_flush(le->cache) == -1)
		le->stats.cache_errors++;
	if (count == 0)
		return;
	acc.names = xcalloc(count, sizeof(*acc.names));
	acc.times = xcalloc(count, sizeof(*acc.times));
	acc.n = 0;
	memo_foreach(le->usage, usage_collect, &acc);
	if (cache_touch_batch(le->cache, acc.names, acc.times, acc.n) == -1) {
		le->stats.cache_errors++;
		log_errx("cache usage flush failed records=%zu", acc.n);
	} else
		log_debug("cache usage flushed records=%zu", acc.n);
	free(acc.names);
	free(acc.times);
	memo_clear(le->usage);
}

void
lookup_on_usage_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lookup_usage_flush(arg);
}

static void
usage_touch(struct lookup_engine *le, const char *domain, int64_t now)
{
	if (memo_count(le->usage) >= LOOKUP_USAGE_MAX &&
	    memo_get(le->usage, domain) == NULL)
		lookup_usage_flush(le);
	memo_put(le->usage, domain)->time = now;
}

static void
wait_attach(struct lookup_engine *le, struct lookup_wait *w,
    struct lookup *lk)
{
	struct timeval	tv = msec_tv(le->cfg->query_wait_ms);

	w->lk = lk;
	TAILQ_INSERT_TAIL(&lk->waiters, w, entry);
	lk->nwaiters++;
	w->ev = evtimer_new(le->base, lookup_on_wait_timeout, w);
	if (w->ev == NULL)
		fatalx("lookup: evtimer_new failed");
	evtimer_add(w->ev, &tv);
}

/* At a limit: the cached policy if any, else NOTFOUND. */
static void
wait_busy(struct lookup_engine *le, struct lookup_wait *w,
    const struct cache_record *rec)
{
	le->stats.busy++;
	if (rec != NULL)
		wait_answer_later(w, REPLY_POLICY, &rec->policy);
	else
		wait_answer_later(w, REPLY_BUSY, NULL);
}

struct lookup_wait *
lookup_query(struct lookup_engine *le, struct span key, uint64_t conn_id,
    lookup_done_fn *fn, void *arg)
{
	struct lookup_wait	*w;
	struct lookup		*lk;
	struct domain_name	 dn;
	struct cache_record	 rec;
	struct memo_entry	*me;
	enum domain_key_kind	 kind;
	enum cache_status	 cs;
	enum socketmap_status	 hst;
	struct span		 hdata;
	const char		*why = NULL;
	bool			 valid = false;
	int64_t			 now = lookup_now();

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
		wait_answer_later(w, REPLY_NOT_APPLICABLE, NULL);
		return w;
	}
	log_debug("query conn=%" PRIu64 " key=%s domain=%s", conn_id,
	    log_esc(key), dn.name);
	if (dn.len > DOMAIN_MAX_NAME - LOOKUP_TXT_PREFIX_LEN) {
		/* _mta-sts.DOMAIN would exceed 253 octets: no such record. */
		wait_answer_later(w, REPLY_NO_POLICY, NULL);
		return w;
	}

	/* The hot path: a hit rendered before and still holding. */
	if (hotreply_get(le->hot, dn.name, now, &hst, &hdata) == 0) {
		le->stats.cache_hits++;
		wait_answer_rendered(w, hst, hdata);
		usage_touch(le, dn.name, now);
		return w;
	}

	cache_record_init(&rec);
	cs = cache_get(le->cache, dn.name, &rec);
	switch (cs) {
	case CACHE_HIT:
		valid = schedule_policy_valid(rec.fetched, rec.policy.max_age,
		    now);
		break;
	case CACHE_MISS:
		break;
	case CACHE_ERROR:
		le->stats.cache_errors++;
		break;
	}
	if (valid) {
		usage_touch(le, dn.name, now);
		/* Whatever runs in the background (rule 3). */
		if (!recheck_due(le, &rec, now)) {
			le->stats.cache_hits++;
			wait_answer_hit(le, w, dn.name, &rec);
			cache_record_clear(&rec);
			return w;
		}
	} else
		cache_record_clear(&rec);

	/* A lookup in flight for the domain: share it. */
	if ((lk = lookup_find(le, dn.name)) != NULL) {
		if (valid && recheck_failing(&rec)) {
			le->stats.cache_hits++;
			wait_answer_later(w, REPLY_POLICY, &rec.policy);
		} else if (lk->nwaiters >= le->cfg->max_waiters) {
			log_info("lookup waiters at limit lookup=%" PRIu64
			    " domain=%s max=%u", lk->id, lk->domain,
			    le->cfg->max_waiters);
			wait_busy(le, w, valid ? &rec : NULL);
		} else {
			le->stats.joined++;
			wait_attach(le, w, lk);
		}
		cache_record_clear(&rec);
		return w;
	}

	if (!valid) {
		le->stats.cache_misses++;
		me = memo_get(le->neg, dn.name);
		if (me != NULL && now < me->until &&
		    me->kind == REPLY_POLICY) {
			/* A max_age 0 policy, fetched a moment ago. */
			le->stats.cache_hits++;
			wait_answer_later(w, REPLY_POLICY, &me->policy);
			return w;
		}
		if (me != NULL && now < me->until) {
			le->stats.negative_hits++;
			wait_answer_later(w, me->kind == REPLY_NO_POLICY ?
			    REPLY_NO_POLICY : REPLY_FAILED, NULL);
			return w;
		}
	}

	if (!lookup_may_start(le, valid)) {
		wait_busy(le, w, valid ? &rec : NULL);
		cache_record_clear(&rec);
		return w;
	}
	if (valid && recheck_failing(&rec)) {
		/* Stale-while-revalidate: answered before rec moves. */
		le->stats.cache_hits++;
		wait_answer_later(w, REPLY_POLICY, &rec.policy);
		(void)lookup_start(le, dn.name, &rec, false, now);
		cache_record_clear(&rec);
		return w;
	}
	lk = lookup_start(le, dn.name, valid ? &rec : NULL, false, now);
	cache_record_clear(&rec);
	wait_attach(le, w, lk);
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
	lookup_wait_free(w);
}
