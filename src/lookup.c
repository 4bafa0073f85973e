/*
 * lookup.c: the lookup engine's discovery flow and cache semantics.  See
 * lookup.h; the query side (waiters, their timeouts and delivery, usage
 * batching) is in lookup_query.c, the shared structures in lookup_int.h.
 *
 * One struct lookup exists per domain being discovered or re-checked;
 * it sits in a hash table by domain so concurrent queries join it.  Each
 * query is a struct lookup_wait: attached to a lookup with a query_wait
 * timer, or detached with an answer ready to be delivered from the event
 * loop.  A lookup that starts from a valid cached policy carries a copy
 * of it: every failure on the way ends in that policy.
 *
 *	TXT --new id--> ADDR ----ok----> FETCH ----> DONE
 *	 |                |                |
 *	 +--same id / none / fail ---------+-------> DONE
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "dnsmsg.h"
#include "domain.h"
#include "fetch.h"
#include "hotreply.h"
#include "log.h"
#include "lookup.h"
#include "lookup_int.h"
#include "memo.h"
#include "reply.h"
#include "resolver.h"
#include "schedule.h"
#include "socketmap.h"
#include "sts_policy.h"
#include "sts_txt.h"

#define LOOKUP_NEG_MAX		100000	/* negative results remembered */
#define LOOKUP_REASON_MAX	512	/* cut to CACHE_MAX_FAILURE when kept */

const char *
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

/* Jitter only: xorshift64, seeded at start. */
static uint32_t
lookup_random(struct lookup_engine *le)
{
	le->rnd ^= le->rnd << 13;
	le->rnd ^= le->rnd >> 7;
	le->rnd ^= le->rnd << 17;
	return (uint32_t)(le->rnd >> 32);
}

static struct lookup_list *
bucket_of(struct lookup_engine *le, const char *domain)
{
	return &le->table[hash_str(&le->hkey, domain) % LOOKUP_HASH_SIZE];
}

struct lookup *
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

enum socketmap_status
lookup_reply(enum reply_outcome out, const struct sts_policy *pol,
    struct buf *data)
{
	enum socketmap_status	 st;
	const char		*why;

	st = reply_build(out, pol, data, &why);
	if (why != NULL)
		log_errx("reply build failed: %s", why);
	return st;
}

/* Out of the table and its pool. */
static void
lookup_unlink(struct lookup *lk)
{
	struct lookup_engine	*le = lk->engine;

	LIST_REMOVE(lk, hash_entry);
	le->nlookups--;
	if (lk->recheck) {
		le->nrechecks--;
		if (le->recheck_busy_logged &&
		    le->nrechecks < le->cfg->max_rechecks) {
			log_info("re-checks below limit max=%u",
			    le->cfg->max_rechecks);
			le->recheck_busy_logged = false;
		}
	} else if (le->busy_logged &&
	    le->nlookups - le->nrechecks < le->cfg->max_lookups) {
		log_info("lookups below limit max=%u suppressed=%" PRIu64,
		    le->cfg->max_lookups, le->busy_suppressed);
		le->busy_logged = false;
		le->busy_suppressed = 0;
	}
}

bool
lookup_may_start(struct lookup_engine *le, bool recheck)
{
	if (recheck) {
		if (le->nrechecks < le->cfg->max_rechecks)
			return true;
		if (!le->recheck_busy_logged)
			log_warnx("re-checks at limit max=%u: cached policies "
			    "are served without one", le->cfg->max_rechecks);
		le->recheck_busy_logged = true;
		return false;
	}
	if (le->nlookups - le->nrechecks < le->cfg->max_lookups)
		return true;
	if (!le->busy_logged)
		log_warnx("lookups at limit max=%u: new domains get the "
		    "fallback answer", le->cfg->max_lookups);
	else
		le->busy_suppressed++;
	le->busy_logged = true;
	return false;
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
		lookup_wait_free(w);
	}
	cache_record_clear(&lk->cached);
	free(lk);
}

/*
 * Discovery is over: take the lookup out of the table, answer every
 * waiter with the same reply, tell a background requester, free it.
 */
static void
lookup_finish(struct lookup *lk, enum reply_outcome out,
    const struct sts_policy *pol)
{
	struct lookup_wait	*w;
	struct buf		 data;
	enum socketmap_status	 st;

	lookup_set_state(lk, LOOKUP_DONE);
	lookup_unlink(lk);
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
		lookup_wait_deliver(w, st, buf_span(&data));
	}
	if (lk->bg_fn != NULL)
		lk->bg_fn(lk->bg_arg, st, buf_span(&data), lk->summary);
	buf_clear(&data);
	cache_record_clear(&lk->cached);
	free(lk);
}

static void lookup_summary(struct lookup *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* A one-line summary for a background requester; cut if too long. */
static void
lookup_summary(struct lookup *lk, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(lk->summary, sizeof(lk->summary), fmt, ap);
	va_end(ap);
	if (n < 0)
		lk->summary[0] = '\0';
}

static void
lookup_store(struct lookup *lk, const struct cache_record *rec)
{
	struct lookup_engine	*le = lk->engine;

	hotreply_del(le->hot, lk->domain);
	if (cache_put(le->cache, lk->domain, rec) == -1) {
		/* Kept in memory and retried; cache.c logs the alarm once. */
		le->stats.cache_errors++;
		log_debug("cache write failed domain=%s", lk->domain);
	}
}

/* Keep only printable ASCII of a reason for the record. */
static void
copy_reason(char *dst, size_t size, const char *src)
{
	size_t	i, o = 0;

	for (i = 0; src[i] != '\0' && o + 1 < size; i++)
		dst[o++] = ascii_is_print((uint8_t)src[i]) ? src[i] : '?';
	dst[o] = '\0';
}

/*
 * Forget the cached copy the lookup started with, so that nothing it
 * held from before is served or written back.
 */
static void
lookup_drop_cached(struct lookup *lk, const char *why)
{
	if (!lk->have_cached)
		return;
	log_debug("lookup lookup=%" PRIu64 " domain=%s cached id=%s dropped: "
	    "%s", lk->id, lk->domain, lk->cached.id, why);
	cache_record_clear(&lk->cached);
	lk->have_cached = false;
}

/* An expired policy is never served: check at every step (rule 4). */
static void
lookup_check_expiry(struct lookup *lk, int64_t now)
{
	if (lk->have_cached && !schedule_policy_valid(lk->cached.fetched,
	    lk->cached.policy.max_age, now))
		lookup_drop_cached(lk, "expired");
}

/*
 * A check failed and the lookup holds a valid cached policy, whose
 * record the caller has updated with what failed: note why (logging only
 * when the reason changes), store it and keep serving the policy.
 */
static void
lookup_keep(struct lookup *lk, const char *text, int64_t now)
{
	struct lookup_engine	*le = lk->engine;
	struct cache_record	*rec = &lk->cached;
	int64_t			 next;

	le->stats.stale_served++;
	if (strcmp(rec->failure, text) != 0)
		log_warnx("policy kept domain=%s id=%s expires_in=%llds "
		    "reason=\"%s\"", lk->domain, rec->id,
		    (long long)(schedule_policy_expires(rec->fetched,
		    rec->policy.max_age) - now), text);
	if (text != rec->failure)
		memcpy(rec->failure, text, strlen(text) + 1);
	next = schedule_txt_next(&le->sc, rec);
	rec->next_refresh = next > now ? next : now;
	lookup_store(lk, rec);
	lookup_finish(lk, REPLY_POLICY, &rec->policy);
}

/*
 * A check failed: keep its reason (printable, cut) in text (of
 * CACHE_MAX_FAILURE + 1 bytes) for the record and the summary, and drop
 * a cached copy that has expired meanwhile.
 */
static void
lookup_fail_begin(struct lookup *lk, const char *reason, char *text,
    int64_t now)
{
	copy_reason(text, CACHE_MAX_FAILURE + 1, reason);
	lookup_summary(lk, "failed: %s", text);
	lookup_check_expiry(lk, now);
}

/*
 * The TXT lookup failed (SERVFAIL, timeout, refused, malformed): ask
 * again after a short back-off, never the fetch back-off (rule 1).  A
 * valid cached policy is kept; without one the failure is remembered
 * in memory for as long.
 */
static void
lookup_txt_failed(struct lookup *lk, const char *reason)
{
	struct lookup_engine	*le = lk->engine;
	struct cache_record	*rec = &lk->cached;
	struct memo_entry	*me;
	int64_t			 now = lookup_now();
	char			 text[CACHE_MAX_FAILURE + 1];

	lookup_fail_begin(lk, reason, text, now);
	if (lk->have_cached) {
		rec->txt_state = CACHE_TXT_FAILED;
		if (rec->txt_failures < UINT32_MAX)
			rec->txt_failures++;
		rec->txt_checked = now;
		lookup_keep(lk, text, now);
		return;
	}
	me = memo_put(le->neg, lk->domain);
	me->kind = REPLY_FAILED;
	if (me->txt_failures < UINT32_MAX)
		me->txt_failures++;
	me->until = now + schedule_txt_retry(&le->sc, me->txt_failures);
	lookup_finish(lk, REPLY_FAILED, NULL);
}

/*
 * The fetch of the TXT record's id failed, or its policy was invalid.
 * That id is not fetched again before its back-off (RFC 8461 §3.3), but
 * the TXT record answered: it is asked again after its own TTL, and a
 * different id is fetched at once (rule 1).
 */
static void
lookup_fetch_failed(struct lookup *lk, const char *reason)
{
	struct lookup_engine	*le = lk->engine;
	struct cache_record	*rec = &lk->cached;
	struct memo_entry	*me;
	int64_t			 now = lookup_now();
	char			 text[CACHE_MAX_FAILURE + 1];

	lookup_fail_begin(lk, reason, text, now);
	if (lk->have_cached) {
		rec->txt_state = CACHE_TXT_OK;
		rec->txt_failures = 0;
		rec->txt_checked = now;
		rec->txt_ttl = lk->txt_ttl;
		if (strcmp(rec->failed_id, lk->txt.id) == 0 &&
		    rec->failures > 0) {
			if (rec->failures < UINT32_MAX)
				rec->failures++;
		} else
			rec->failures = 1;
		memcpy(rec->failed_id, lk->txt.id, lk->txt.id_len + 1);
		rec->last_failure = now;
		lookup_keep(lk, text, now);
		return;
	}
	me = memo_put(le->neg, lk->domain);
	me->kind = REPLY_FAILED;
	me->txt_failures = 0;
	if (strcmp(me->failed_id, lk->txt.id) == 0 && me->failures > 0) {
		if (me->failures < UINT32_MAX)
			me->failures++;
	} else
		me->failures = 1;
	memcpy(me->failed_id, lk->txt.id, lk->txt.id_len + 1);
	me->retry_at = schedule_retry_at(&le->sc, now, me->failures,
	    lookup_random(le));
	me->until = now + schedule_memo_ttl(&le->sc, lk->txt_ttl);
	lookup_finish(lk, REPLY_FAILED, NULL);
}

/*
 * A policy with max_age 0 is not cached (RFC 8461 §3.2): the record is
 * deleted.  But it is remembered in memory for a moment, the TXT TTL at
 * most failure_ttl, so that each query does not fetch it over HTTPS
 * again (which a stream of queries would turn into a flood of the
 * policy host); the answer is the one a fetch would give meanwhile.
 */
static void
lookup_once(struct lookup *lk, const struct sts_policy *pol, int64_t now)
{
	struct lookup_engine	*le = lk->engine;
	struct memo_entry	*me;

	hotreply_del(le->hot, lk->domain);
	if (cache_delete(le->cache, lk->domain) == -1)
		le->stats.cache_errors++;
	if (le->cfg->failure_ttl == 0)
		return;
	me = memo_put(le->neg, lk->domain);
	if (memo_set_policy(me, pol) == -1) {
		memo_del(le->neg, lk->domain);
		return;
	}
	me->kind = REPLY_POLICY;
	me->txt_failures = 0;
	me->failures = 0;
	me->failed_id[0] = '\0';
	me->until = now + schedule_memo_ttl(&le->sc, lk->txt_ttl);
}

static void
lookup_on_fetch(void *arg, const struct fetch_result *res)
{
	struct lookup		*lk = arg;
	struct lookup_engine	*le = lk->engine;
	struct cache_record	 rec;
	const char		*why;
	char			 reason[LOOKUP_REASON_MAX];
	int64_t			 now = lookup_now();

	lk->fq = NULL;
	lookup_check_expiry(lk, now);
	if (res->status != FETCH_OK) {
		le->stats.fetch_failed++;
		if ((size_t)res->status < LOOKUP_FETCH_REASONS)
			le->stats.fetch_failures[res->status]++;
		log_warnx("policy fetch failed lookup=%" PRIu64 " domain=%s "
		    "id=%s status=%s reason=\"%s\"", lk->id, lk->domain,
		    lk->txt.id, fetch_status_name(res->status), res->reason);
		snprintf(reason, sizeof(reason), "fetch: %s", res->reason);
		lookup_fetch_failed(lk, reason);
		return;
	}
	le->stats.fetch_ok++;
	cache_record_init(&rec);
	if (sts_policy_parse(res->body, &rec.policy, &why) == -1) {
		le->stats.policy_invalid++;
		log_warnx("policy invalid lookup=%" PRIu64 " domain=%s id=%s "
		    "reason=\"%s\"", lk->id, lk->domain, lk->txt.id, why);
		snprintf(reason, sizeof(reason), "invalid policy: %s", why);
		cache_record_clear(&rec);
		lookup_fetch_failed(lk, reason);
		return;
	}
	memcpy(rec.id, lk->txt.id, lk->txt.id_len + 1);
	rec.fetched = now;
	rec.txt_checked = now;
	rec.txt_ttl = lk->txt_ttl;
	rec.txt_state = CACHE_TXT_OK;
	rec.last_query = lk->last_query;
	rec.next_refresh = schedule_next_refresh(&le->sc, now,
	    rec.policy.max_age, now, now, lookup_random(le));
	log_info("policy domain=%s mode=%s id=%s source=fetch max_age=%" PRIu32
	    " mx=%zu lookup=%" PRIu64 " ms=%.0f", lk->domain,
	    sts_mode_name(rec.policy.mode), rec.id, rec.policy.max_age,
	    rec.policy.mx_count, lk->id, elapsed_ms(&lk->started));
	if (lk->have_cached && strcmp(lk->cached.id, rec.id) != 0) {
		le->stats.policy_updates++;
		log_info("policy updated domain=%s old_id=%s new_id=%s",
		    lk->domain, lk->cached.id, rec.id);
	}
	/* Committed before any reply carries it. */
	memo_del(le->neg, lk->domain);
	if (rec.policy.max_age == 0)
		lookup_once(lk, &rec.policy, now);
	else
		lookup_store(lk, &rec);
	lookup_summary(lk, "policy fetched id=%s mode=%s max_age=%" PRIu32,
	    rec.id, sts_mode_name(rec.policy.mode), rec.policy.max_age);
	lookup_finish(lk, REPLY_POLICY, &rec.policy);
	cache_record_clear(&rec);
}

static void
lookup_on_addrs(void *arg, const struct resolver_addr_result *res)
{
	struct lookup		*lk = arg;
	const char		*addrs[RESOLVER_MAX_ADDRS];
	char			 reason[LOOKUP_REASON_MAX];
	size_t			 i;

	lk->rq = NULL;
	if (res->status != RESOLVER_OK) {
		lk->engine->stats.fetch_failed++;
		lk->engine->stats.fetch_failures[FETCH_OK]++;	/* "dns" */
		log_warnx("policy fetch failed lookup=%" PRIu64 " domain=%s "
		    "id=%s status=dns reason=\"%s: %s: %s\"", lk->id,
		    lk->domain, lk->txt.id, lk->host,
		    resolver_status_name(res->status),
		    res->why != NULL ? res->why : "no address");
		snprintf(reason, sizeof(reason), "fetch: %s does not resolve "
		    "(%s: %s)", lk->host, resolver_status_name(res->status),
		    res->why != NULL ? res->why : "no address");
		lookup_fetch_failed(lk, reason);
		return;
	}
	for (i = 0; i < res->naddrs && i < RESOLVER_MAX_ADDRS; i++)
		addrs[i] = res->addrs[i];
	lookup_set_state(lk, LOOKUP_FETCH);
	lk->fq = fetch_start(lk->engine->fet, lk->domain, addrs, i,
	    lookup_on_fetch, lk);
}

/* The TXT id is the cached one: confirm it, keep the policy. */
static void
lookup_confirm(struct lookup *lk)
{
	struct lookup_engine	*le = lk->engine;
	struct cache_record	*rec = &lk->cached;
	int64_t			 now = lookup_now();
	bool			 failed;

	failed = rec->failures > 0 || rec->txt_state != CACHE_TXT_OK;
	if (failed)
		log_info("policy recovered domain=%s id=%s after=\"%s\"",
		    lk->domain, rec->id, rec->failure);
	rec->txt_checked = now;
	rec->txt_ttl = lk->txt_ttl;
	rec->txt_state = CACHE_TXT_OK;
	rec->txt_failures = 0;
	rec->failures = 0;
	rec->last_failure = 0;
	rec->failure[0] = '\0';
	rec->failed_id[0] = '\0';
	rec->next_refresh = schedule_next_refresh(&le->sc, rec->fetched,
	    rec->policy.max_age, now, now, lookup_random(le));
	/*
	 * Rule 7: an unchanged id changes nothing a restart must know (the
	 * worst is one early re-check): it goes to disk with the next batch.
	 * Clearing a failure state is written at once.
	 */
	if (failed)
		lookup_store(lk, rec);
	else {
		hotreply_del(le->hot, lk->domain);
		if (cache_put_lazy(le->cache, lk->domain, rec) == -1)
			le->stats.cache_errors++;
	}
	log_debug("policy confirmed domain=%s id=%s ttl=%" PRIu32, lk->domain,
	    rec->id, lk->txt_ttl);
	lookup_summary(lk, "TXT id %s unchanged, cached policy kept",
	    rec->id);
	lookup_finish(lk, REPLY_POLICY, &rec->policy);
}

/*
 * The domain publishes no (valid) MTA-STS record.  A valid cached policy
 * stays, as for any failure (RFC 8461 §5.1, "what" says why), and the
 * record is asked again after the negative TTL; without one the negative
 * answer is remembered for as long.  ttl is the answer's negative TTL
 * (RFC 2308), at most negative_ttl is believed.
 */
static void
lookup_no_policy(struct lookup *lk, uint32_t ttl, const char *what,
    const char *summary, const char *detail)
{
	struct lookup_engine	*le = lk->engine;
	struct cache_record	*rec = &lk->cached;
	struct memo_entry	*me;
	int64_t			 now = lookup_now();
	char			 reason[LOOKUP_REASON_MAX];
	char			 text[CACHE_MAX_FAILURE + 1];

	lookup_check_expiry(lk, now);
	if (lk->have_cached) {
		snprintf(reason, sizeof(reason), "%s (%s)", what, detail);
		copy_reason(text, sizeof(text), reason);
		lookup_summary(lk, "failed: %s", text);
		rec->txt_state = CACHE_TXT_GONE;
		rec->txt_failures = 0;
		rec->txt_checked = now;
		rec->txt_ttl = ttl;
		lookup_keep(lk, text, now);
		return;
	}
	me = memo_put(le->neg, lk->domain);
	me->kind = REPLY_NO_POLICY;
	me->txt_failures = 0;
	me->until = now + schedule_negative_ttl(&le->sc, ttl);
	lookup_summary(lk, "%s (%s)", summary, detail);
	lookup_finish(lk, REPLY_NO_POLICY, NULL);
}

/* A failed fetch of this very id is retried no sooner than retry_at. */
static bool
lookup_backing_off(struct lookup *lk, int64_t now)
{
	struct lookup_engine	*le = lk->engine;
	struct memo_entry	*me;

	if (lk->have_cached)
		return lk->cached.failures > 0 &&
		    strcmp(lk->cached.failed_id, lk->txt.id) == 0 &&
		    now < schedule_retry_at(&le->sc, lk->cached.last_failure,
		    lk->cached.failures,
		    (uint32_t)hash_str(&le->hkey, lk->domain));
	me = memo_get(le->neg, lk->domain);
	return me != NULL && me->failures > 0 &&
	    strcmp(me->failed_id, lk->txt.id) == 0 && now < me->retry_at;
}

/*
 * The TXT record names an id whose fetch is backing off: the record
 * answered, so it is asked again after its TTL; meanwhile the cached
 * policy (if any) keeps being served, the failure kept as it was.
 */
static void
lookup_backoff(struct lookup *lk, int64_t now)
{
	struct lookup_engine	*le = lk->engine;
	struct cache_record	*rec = &lk->cached;
	struct memo_entry	*me;

	if (lk->have_cached) {
		rec->txt_state = CACHE_TXT_OK;
		rec->txt_failures = 0;
		rec->txt_checked = now;
		rec->txt_ttl = lk->txt_ttl;
		lookup_keep(lk, rec->failure, now);
		return;
	}
	if ((me = memo_get(le->neg, lk->domain)) != NULL) {
		me->until = now + schedule_memo_ttl(&le->sc, lk->txt_ttl);
	}
	lookup_finish(lk, REPLY_FAILED, NULL);
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
	char			 reason[LOOKUP_REASON_MAX];
	int64_t			 now = lookup_now();
	size_t			 i;

	lk->rq = NULL;
	lookup_check_expiry(lk, now);
	switch (res->status) {
	case RESOLVER_OK:
		break;
	case RESOLVER_NXDOMAIN:
	case RESOLVER_NODATA:
		le->stats.txt_none++;
		log_debug("lookup no record lookup=%" PRIu64 " domain=%s "
		    "dns=%s", lk->id, lk->domain,
		    resolver_status_name(res->status));
		lookup_no_policy(lk, a != NULL && a->have_ttl ? a->ttl :
		    le->cfg->negative_ttl, "TXT record gone",
		    "no TXT record", resolver_status_name(res->status));
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
		snprintf(reason, sizeof(reason), "TXT lookup failed (%s)",
		    resolver_status_name(res->status));
		lookup_txt_failed(lk, reason);
		return;
	}
	for (i = 0; i < a->nrecords; i++) {
		recs[i].strings = &a->strings[a->records[i].first];
		recs[i].nstrings = a->records[i].count;
	}
	lk->txt_ttl = a->have_ttl ? a->ttl : 0;
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
		lookup_no_policy(lk, lk->txt_ttl, "no valid TXT record",
		    "no valid TXT record", sts_txt_status_name(ts));
		return;
	}
	le->stats.txt_ok++;
	log_debug("txt lookup=%" PRIu64 " domain=%s id=%s ttl=%" PRIu32,
	    lk->id, lk->domain, lk->txt.id, lk->txt_ttl);
	if (lk->have_cached && strcmp(lk->cached.id, lk->txt.id) == 0 &&
	    !lk->renew) {
		lookup_confirm(lk);
		return;
	}
	if (lookup_backing_off(lk, now)) {
		le->stats.fetch_backoff++;
		log_debug("fetch backing off domain=%s id=%s", lk->domain,
		    lk->txt.id);
		lookup_summary(lk, "fetch of id %s failed recently, not "
		    "retried yet", lk->txt.id);
		lookup_backoff(lk, now);
		return;
	}
	lookup_set_state(lk, LOOKUP_ADDR);
	lk->rq = resolver_query_addrs(le->res, lk->host, lookup_on_addrs, lk);
}

/*
 * Start a lookup of dn; rec (may be NULL) is a valid cached policy,
 * moved into the lookup.
 */
struct lookup *
lookup_start(struct lookup_engine *le, const char *domain,
    struct cache_record *rec, bool renew, int64_t last_query)
{
	struct lookup	*lk;
	char		 qname[DOMAIN_MAX_NAME + 16];
	int		 n;

	lk = xcalloc(1, sizeof(*lk));
	lk->id = ++le->next_id;
	lk->engine = le;
	n = snprintf(lk->domain, sizeof(lk->domain), "%s", domain);
	if (n < 0 || (size_t)n >= sizeof(lk->domain))
		fatalx("lookup: domain does not fit");
	TAILQ_INIT(&lk->waiters);
	cache_record_init(&lk->cached);
	if (rec != NULL) {
		lk->cached = *rec;
		cache_record_init(rec);		/* moved */
		lk->have_cached = true;
		lk->recheck = true;
		le->nrechecks++;
		le->stats.rechecks++;
	}
	lk->renew = renew;
	lk->last_query = last_query;
	clock_gettime(CLOCK_MONOTONIC, &lk->started);
	/* lookup_query() made sure both names fit. */
	n = snprintf(lk->host, sizeof(lk->host), "mta-sts.%s", domain);
	if (n < 0 || (size_t)n >= sizeof(lk->host))
		fatalx("lookup: host name does not fit");
	n = snprintf(qname, sizeof(qname), "_mta-sts.%s", domain);
	if (n < 0 || (size_t)n >= sizeof(qname))
		fatalx("lookup: TXT name does not fit");
	LIST_INSERT_HEAD(bucket_of(le, lk->domain), lk, hash_entry);
	le->nlookups++;
	le->stats.lookups++;
	lk->state = LOOKUP_TXT;
	log_debug("lookup start lookup=%" PRIu64 " domain=%s cached=%s",
	    lk->id, lk->domain, lk->have_cached ? lk->cached.id : "none");
	lk->rq = resolver_query_txt(le->res, qname, lookup_on_txt, lk);
	return lk;
}

struct lookup_engine *
lookup_engine_new(struct event_base *base, const struct config *cfg,
    struct cache *cache, struct resolver *res, struct fetcher *fet,
    const char **why)
{
	struct lookup_engine	*le;
	struct timespec		 ts;
	size_t			 i;

	le = xcalloc(1, sizeof(*le));
	le->base = base;
	le->cfg = cfg;
	le->cache = cache;
	le->res = res;
	le->fet = fet;
	le->sc.jitter_pct = 10;
	for (i = 0; i < LOOKUP_HASH_SIZE; i++)
		LIST_INIT(&le->table[i]);
	hash_key_random(&le->hkey);
	TAILQ_INIT(&le->detached);
	le->neg = memo_new(LOOKUP_NEG_MAX);
	le->hot = hotreply_new(HOTREPLY_MAX);
	le->usage = memo_new(LOOKUP_USAGE_MAX);
	clock_gettime(CLOCK_REALTIME, &ts);
	le->rnd = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
	    ((uint64_t)getpid() << 40) ^ 0x9e3779b97f4a7c15ULL;
	le->usage_timer = event_new(base, -1, EV_PERSIST,
	    lookup_on_usage_timer, le);
	if (le->usage_timer == NULL) {
		*why = "event_new failed";
		lookup_engine_free(le);
		return NULL;
	}
	lookup_engine_reconfigure(le);
	return le;
}

void
lookup_engine_reconfigure(struct lookup_engine *le)
{
	const struct config	*cfg = le->cfg;
	struct timeval		 tv;

	le->sc.txt_ttl_min = cfg->txt_ttl_min;
	le->sc.txt_ttl_max = cfg->txt_ttl_max;
	le->sc.negative_ttl = cfg->negative_ttl;
	le->sc.failure_ttl = cfg->failure_ttl;
	le->sc.retry_min = cfg->retry_min;
	le->sc.retry_max = cfg->retry_max;
	le->sc.check_interval = cfg->check_interval;
	/* Rendered hits were timed with the old schedule. */
	hotreply_clear(le->hot);
	/* Re-arming delays the next flush: only for a new period. */
	if (le->usage_period != cfg->usage_flush) {
		le->usage_period = cfg->usage_flush;
		tv.tv_sec = cfg->usage_flush;
		tv.tv_usec = 0;
		event_add(le->usage_timer, &tv);
	}
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
		lookup_wait_free(w);
	}
	if (le->usage != NULL && le->cache != NULL)
		lookup_usage_flush(le);
	if (le->usage_timer != NULL)
		event_free(le->usage_timer);
	memo_free(le->neg);
	memo_free(le->usage);
	hotreply_free(le->hot);
	free(le);
}

int
lookup_background(struct lookup_engine *le, const char *domain, bool renew,
    lookup_bg_fn *fn, void *arg)
{
	struct cache_record	 rec;
	struct lookup		*lk;
	bool			 valid = false;
	int64_t			 last_query = 0;

	if (lookup_find(le, domain) != NULL ||
	    strlen(domain) > DOMAIN_MAX_NAME - LOOKUP_TXT_PREFIX_LEN)
		return -1;
	cache_record_init(&rec);
	if (cache_get(le->cache, domain, &rec) == CACHE_HIT) {
		valid = schedule_policy_valid(rec.fetched, rec.policy.max_age,
		    lookup_now());
		/* A background renewal is not a use of the domain. */
		last_query = rec.last_query;
	}
	if (!lookup_may_start(le, valid)) {
		cache_record_clear(&rec);
		return -1;
	}
	memo_del(le->neg, domain);
	lk = lookup_start(le, domain, valid ? &rec : NULL, renew, last_query);
	cache_record_clear(&rec);
	lk->bg_fn = fn;
	lk->bg_arg = arg;
	le->stats.refreshes++;
	return 0;
}

/* Rule 2: a lookup that began before a flush writes nothing back. */
static void
lookup_flush_one(struct lookup *lk)
{
	if (lk->have_cached)
		lk->flushed = true;
	lookup_drop_cached(lk, "flushed");
}

void
lookup_flush(struct lookup_engine *le, const char *domain)
{
	struct lookup	*lk;
	size_t		 i;

	if (domain == NULL) {
		memo_clear(le->neg);
		hotreply_clear(le->hot);
		for (i = 0; i < LOOKUP_HASH_SIZE; i++)
			LIST_FOREACH(lk, &le->table[i], hash_entry)
				lookup_flush_one(lk);
		return;
	}
	memo_del(le->neg, domain);
	hotreply_del(le->hot, domain);
	if ((lk = lookup_find(le, domain)) != NULL)
		lookup_flush_one(lk);
}

enum socketmap_status
lookup_peek(struct lookup_engine *le, const char *domain, struct buf *data)
{
	struct cache_record	 rec;
	enum socketmap_status	 st;

	cache_record_init(&rec);
	if (cache_get(le->cache, domain, &rec) == CACHE_HIT &&
	    schedule_policy_valid(rec.fetched, rec.policy.max_age,
	    lookup_now()))
		st = lookup_reply(REPLY_POLICY, &rec.policy, data);
	else
		st = lookup_reply(REPLY_NO_POLICY, NULL, data);
	cache_record_clear(&rec);
	return st;
}

const struct lookup_stats *
lookup_engine_stats(const struct lookup_engine *le)
{
	return &le->stats;
}

const char *
lookup_fetch_reason_name(size_t i)
{
	if (i == FETCH_OK)
		return "dns";
	if (i > FETCH_ERROR)
		return NULL;
	return fetch_status_name((enum fetch_status)i);
}

size_t
lookup_in_flight(const struct lookup_engine *le)
{
	return le->nlookups;
}
