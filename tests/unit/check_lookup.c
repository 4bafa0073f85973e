/*
 * check_lookup.c: the lookup engine's decisions, in isolation.
 *
 * The engine (lookup.c, lookup_query.c) runs on a real event base, with
 * the resolver, the fetcher, the cache store and the clock replaced at
 * link time by the fakes of fake_world.h.  Each row of the table is a
 * cached state x a DNS outcome x a fetch outcome at a time: one query,
 * then the reply Postfix gets, the DNS and HTTPS traffic it cost, and
 * what the cache record says about the next TXT check and the fetch
 * back-off (README, "When things fail", rules 1 and 4).  The tests
 * after the table hold the rules that are about order: answers given at
 * once while DNS is held, a flush during a lookup, a policy expiring
 * while a lookup runs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "fake_world.h"
#include "lookup.h"
#include "schedule.h"
#include "socketmap.h"

#define T0		1800000000	/* the clock at the query */
#define DOM		"a.test"
#define OLD_REPLY	"secure match=mx.old.test servername=hostname"
#define NEW_REPLY	"secure match=mx.new.test servername=hostname"
#define NEW_BODY	"version: STSv1\r\nmode: enforce\r\n" \
			"mx: mx.new.test\r\nmax_age: 86400\r\n"
#define LOOP_MAX	10000	/* loop turns before a test gives up */

struct answer {
	bool			done;
	enum socketmap_status	st;
	char			data[1024];
};

static struct event_base	*base;
static struct config		 cfg;
static struct lookup_engine	*le;

static void
on_done(void *arg, enum socketmap_status st, struct span data)
{
	struct answer	*a = arg;
	size_t		 n = data.len < sizeof(a->data) - 1 ? data.len :
			    sizeof(a->data) - 1;

	a->done = true;
	a->st = st;
	if (n > 0)
		memcpy(a->data, data.p, n);
	a->data[n] = '\0';
}

static void
setup(void)
{
	const char	*why = NULL;

	base = event_base_new();
	ck_assert(base != NULL);
	config_init(&cfg);
	cfg.query_wait_ms = 200;
	fake_world_reset(base, T0);
	le = lookup_engine_new(base, &cfg, fake_cache(), fake_resolver(),
	    fake_fetcher(), &why);
	ck_assert_msg(le != NULL, "engine: %s", why);
}

static void
teardown(void)
{
	lookup_engine_free(le);
	fake_world_reset(NULL, 0);
	config_clear(&cfg);
	event_base_free(base);
}

/* Turn the loop without blocking, a few times: what is ready runs. */
static void
spin(void)
{
	int	i;

	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* Turn the loop until the answer came (timers included). */
static void
wait_answer(const char *name, struct answer *a)
{
	int	i;

	for (i = 0; i < LOOP_MAX && !a->done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_msg(a->done, "case %s: got no answer, want one", name);
}

/* Turn the loop until no lookup runs any more. */
static void
settle(const char *name)
{
	int	i;

	for (i = 0; i < LOOP_MAX && lookup_in_flight(le) > 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	ck_assert_msg(lookup_in_flight(le) == 0, "case %s: got %zu lookups "
	    "still running, want 0", name, lookup_in_flight(le));
}

static void
query(const char *key, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	ck_assert(lookup_query(le, span_str(key), 1, on_done, a) != NULL);
}

/* "OK <data>" or "NOTFOUND", for messages and comparisons. */
static const char *
answer_text(const struct answer *a, char *buf, size_t size)
{
	if (a->st == SOCKETMAP_OK)
		(void)snprintf(buf, size, "OK %s", a->data);
	else
		(void)snprintf(buf, size, "%s", socketmap_status_name(a->st));
	return buf;
}

static void
expect_answer(const char *name, const struct answer *a, const char *want)
{
	char	got[1100], w[1100];

	if (want == NULL)
		(void)snprintf(w, sizeof(w), "NOTFOUND");
	else
		(void)snprintf(w, sizeof(w), "OK %s", want);
	answer_text(a, got, sizeof(got));
	ck_assert_msg(strcmp(got, w) == 0, "case %s: got %s, want %s", name,
	    got, w);
}

/* Query DOM, wait for the answer and check it is want (NULL: NOTFOUND). */
static void
ask(const char *name, const char *want)
{
	struct answer	a;

	query(DOM, &a);
	wait_answer(name, &a);
	expect_answer(name, &a, want);
}

struct seed {
	int			 cached;	/* 0 none, 1 valid, 2 expired */
	enum cache_txt_state	 state;
	uint32_t		 txt_failures;
	int64_t			 checked_ago;
	uint32_t		 ttl;
	const char		*failed_id;	/* NULL: none */
	uint32_t		 failures;
	int64_t			 failed_ago;
};

/* The cached policy "old" (mx.old.test), as the seed says. */
static void
seed_cache(const struct seed *s)
{
	struct cache_record	 r;
	static char		 mx0[] = "mx.old.test";
	static char		*mx[] = { mx0 };

	if (s->cached == 0)
		return;
	cache_record_init(&r);
	memcpy(r.id, "old", 4);
	r.policy.mode = STS_MODE_ENFORCE;
	r.policy.max_age = 86400;
	r.policy.mx = mx;
	r.policy.mx_count = 1;
	r.fetched = s->cached == 1 ? T0 - 1000 : T0 - 90000;
	r.txt_checked = T0 - s->checked_ago;
	r.txt_ttl = s->ttl;
	r.txt_state = s->state;
	r.txt_failures = s->txt_failures;
	if (s->failed_id != NULL) {
		(void)snprintf(r.failed_id, sizeof(r.failed_id), "%s",
		    s->failed_id);
		r.failures = s->failures;
		r.last_failure = T0 - s->failed_ago;
		memcpy(r.failure, "fetch: fake failure", 20);
	}
	ck_assert(cache_put(fake_cache(), DOM, &r) == 0);
	/* The policy strings are static: not freed through the record. */
	r.policy.mx = NULL;
	r.policy.mx_count = 0;
	cache_record_clear(&r);
}

/*
 * Seed as s says, but with only left seconds of validity (the seeds are
 * fetched 1000 s before T0 with max_age 86400); ttl 0 keeps the seed's.
 */
static void
seed_expiring(const struct seed *s, int64_t left, uint32_t ttl)
{
	struct cache_record	r;

	seed_cache(s);
	ck_assert(fake_cache_peek(DOM, &r));
	r.fetched = T0 - 86400 + left;
	if (ttl != 0)
		r.txt_ttl = ttl;
	ck_assert(cache_put(fake_cache(), DOM, &r) == 0);
	cache_record_clear(&r);
}

static void
world(enum resolver_status st, const char *id, uint32_t ttl,
    enum fetch_status fetch)
{
	struct fake_domain	*d = fake_domain(DOM);
	static char		 txt[64];

	d->txt_status = st;
	if (id != NULL) {
		(void)snprintf(txt, sizeof(txt), "v=STSv1; id=%s;", id);
		d->txt = txt;
	} else
		d->txt = NULL;
	d->txt_ttl = ttl;
	d->fetch_status = fetch;
	d->body = NEW_BODY;
}

/* The schedule the engine works with (lookup_engine_reconfigure()). */
static struct schedule_config
engine_schedule(void)
{
	struct schedule_config	sc;

	memset(&sc, 0, sizeof(sc));
	sc.txt_ttl_min = cfg.txt_ttl_min;
	sc.txt_ttl_max = cfg.txt_ttl_max;
	sc.negative_ttl = cfg.negative_ttl;
	sc.failure_ttl = cfg.failure_ttl;
	sc.retry_min = cfg.retry_min;
	sc.retry_max = cfg.retry_max;
	return sc;
}

#define ANY	(-1)

struct row {
	const char		*name;
	struct seed		 seed;
	/* the world at the query */
	enum resolver_status	 txt_status;
	const char		*txt_id;	/* NULL: no STSv1 record */
	uint32_t		 txt_ttl;
	enum fetch_status	 fetch;
	/* what must come out */
	const char		*reply;		/* NULL: NOTFOUND */
	unsigned		 txt_queries;
	unsigned		 fetches;
	int			 rec;		/* 1: a record, 0: none */
	enum cache_txt_state	 state;
	int64_t			 next;		/* TXT asked again, s; ANY */
	uint32_t		 failures;	/* fetch back-off count */
};

/*
 * The cached id after the row, when it has a record: "new" or "newer"
 * when the reply or the background re-check stored a fetched policy.
 */
static const char *
row_want_id(const struct row *c)
{
	if (c->fetches > 0 && c->fetch == FETCH_OK &&
	    (c->seed.cached != 1 || c->txt_status == RESOLVER_OK))
		return c->txt_id;
	return "old";
}

#define VALID(st, f, ago, ttl)	{ 1, st, f, ago, ttl, NULL, 0, 0 }
#define OK_DUE			VALID(CACHE_TXT_OK, 0, 400, 300)

static const struct row rows[] = {
	/* Rule 1: an answered TXT record is asked again after its TTL. */
	{ "fresh-hit", VALID(CACHE_TXT_OK, 0, 10, 300),
	    RESOLVER_SERVFAIL, NULL, 0, FETCH_CONNECT,
	    OLD_REPLY, 0, 0, 1, CACHE_TXT_OK, 290, 0 },
	{ "due-same-id", OK_DUE, RESOLVER_OK, "old", 600, FETCH_CONNECT,
	    OLD_REPLY, 1, 0, 1, CACHE_TXT_OK, 600, 0 },
	{ "due-new-id-fetched", OK_DUE, RESOLVER_OK, "new", 600, FETCH_OK,
	    NEW_REPLY, 1, 1, 1, CACHE_TXT_OK, 600, 0 },
	/* A failed fetch of a new id: TTL, never retry_min, for TXT. */
	{ "due-new-id-fetch-fails", OK_DUE, RESOLVER_OK, "new", 600,
	    FETCH_HTTP_STATUS, OLD_REPLY, 1, 1, 1, CACHE_TXT_OK, 600, 1 },
	{ "new-id-invalid-policy-counts-as-failed-fetch", OK_DUE,
	    RESOLVER_OK, "new", 60, FETCH_TLS, OLD_REPLY, 1, 1, 1,
	    CACHE_TXT_OK, 60, 1 },
	/* The same failed id is not fetched before its back-off... */
	{ "failed-id-backing-off", { 1, CACHE_TXT_OK, 0, 700, 600, "new", 1,
	    100 }, RESOLVER_OK, "new", 600, FETCH_OK, OLD_REPLY, 1, 0, 1,
	    CACHE_TXT_OK, 600, 1 },
	/*
	 * ...a different one is fetched at once (the query, after a
	 * failure, is answered from the cache while the re-check runs:
	 * test_failing_answers_at_once)...
	 */
	{ "failed-id-other-id-fetched-at-once", { 1, CACHE_TXT_OK, 0, 700,
	    600, "new", 1, 100 }, RESOLVER_OK, "newer", 600, FETCH_OK,
	    OLD_REPLY, 1, 1, 1, CACHE_TXT_OK, 600, 0 },
	/* ...and the same one again after its back-off (retry_min). */
	{ "failed-id-after-backoff", { 1, CACHE_TXT_OK, 0, 700, 600, "new",
	    1, 400 }, RESOLVER_OK, "new", 600, FETCH_OK, OLD_REPLY, 1, 1, 1,
	    CACHE_TXT_OK, 600, 0 },
	{ "failed-id-fails-again", { 1, CACHE_TXT_OK, 0, 700, 600, "new", 1,
	    400 }, RESOLVER_OK, "new", 600, FETCH_TIMEOUT, OLD_REPLY, 1, 1, 1,
	    CACHE_TXT_OK, 600, 2 },
	/* A DNS failure: a short back-off, doubling up to failure_ttl. */
	{ "servfail", OK_DUE, RESOLVER_SERVFAIL, NULL, 0, FETCH_OK,
	    OLD_REPLY, 1, 0, 1, CACHE_TXT_FAILED, 5, 0 },
	{ "timeout", OK_DUE, RESOLVER_TIMEOUT, NULL, 0, FETCH_OK,
	    OLD_REPLY, 1, 0, 1, CACHE_TXT_FAILED, 5, 0 },
	{ "refused", OK_DUE, RESOLVER_REFUSED, NULL, 0, FETCH_OK,
	    OLD_REPLY, 1, 0, 1, CACHE_TXT_FAILED, 5, 0 },
	{ "servfail-third", VALID(CACHE_TXT_FAILED, 2, 11, 300),
	    RESOLVER_SERVFAIL, NULL, 0, FETCH_OK, OLD_REPLY, 1, 0, 1,
	    CACHE_TXT_FAILED, 20, 0 },
	{ "servfail-capped", VALID(CACHE_TXT_FAILED, 9, 61, 300),
	    RESOLVER_ERROR, NULL, 0, FETCH_OK, OLD_REPLY, 1, 0, 1,
	    CACHE_TXT_FAILED, 60, 0 },
	{ "servfail-not-due", VALID(CACHE_TXT_FAILED, 1, 2, 300),
	    RESOLVER_OK, "new", 600, FETCH_OK, OLD_REPLY, 0, 0, 1,
	    CACHE_TXT_FAILED, 3, 0 },
	{ "servfail-recovered-new-id", VALID(CACHE_TXT_FAILED, 3, 21, 300),
	    RESOLVER_OK, "new", 600, FETCH_OK, OLD_REPLY, 1, 1, 1,
	    CACHE_TXT_OK, 600, 0 },
	/* The record vanished: the negative TTL (RFC 2308), capped. */
	{ "gone-nxdomain", OK_DUE, RESOLVER_NXDOMAIN, NULL, 120, FETCH_OK,
	    OLD_REPLY, 1, 0, 1, CACHE_TXT_GONE, 120, 0 },
	{ "gone-nodata-capped", OK_DUE, RESOLVER_NODATA, NULL, 86400,
	    FETCH_OK, OLD_REPLY, 1, 0, 1, CACHE_TXT_GONE, 300, 0 },
	{ "gone-no-sts-record", OK_DUE, RESOLVER_OK, NULL, 60, FETCH_OK,
	    OLD_REPLY, 1, 0, 1, CACHE_TXT_GONE, 60, 0 },
	{ "gone-then-back", VALID(CACHE_TXT_GONE, 0, 130, 120),
	    RESOLVER_OK, "old", 600, FETCH_OK, OLD_REPLY, 1, 0, 1,
	    CACHE_TXT_OK, 600, 0 },
	/* Rule 4: an expired policy is never served. */
	{ "expired-dns-down", { 2, CACHE_TXT_OK, 0, 400, 300, NULL, 0, 0 },
	    RESOLVER_SERVFAIL, NULL, 0, FETCH_OK, NULL, 1, 0, 1,
	    CACHE_TXT_OK, ANY, 0 },
	{ "expired-fetch-fails", { 2, CACHE_TXT_OK, 0, 400, 300, NULL, 0,
	    0 }, RESOLVER_OK, "old", 600, FETCH_CONNECT, NULL, 1, 1, 1,
	    CACHE_TXT_OK, ANY, 0 },
	{ "expired-refetched", { 2, CACHE_TXT_OK, 0, 400, 300, NULL, 0, 0 },
	    RESOLVER_OK, "old", 600, FETCH_OK, NEW_REPLY, 1, 1, 1,
	    CACHE_TXT_OK, 600, 0 },
	/* First contact. */
	{ "uncached-none", { 0, CACHE_TXT_OK, 0, 0, 0, NULL, 0, 0 },
	    RESOLVER_NXDOMAIN, NULL, 60, FETCH_OK, NULL, 1, 0, 0,
	    CACHE_TXT_OK, ANY, 0 },
	{ "uncached-fetched", { 0, CACHE_TXT_OK, 0, 0, 0, NULL, 0, 0 },
	    RESOLVER_OK, "new", 600, FETCH_OK, NEW_REPLY, 1, 1, 1,
	    CACHE_TXT_OK, 600, 0 },
	{ "uncached-fetch-fails", { 0, CACHE_TXT_OK, 0, 0, 0, NULL, 0, 0 },
	    RESOLVER_OK, "new", 600, FETCH_TLS, NULL, 1, 1, 0, CACHE_TXT_OK,
	    ANY, 0 },
	{ "uncached-servfail", { 0, CACHE_TXT_OK, 0, 0, 0, NULL, 0, 0 },
	    RESOLVER_SERVFAIL, NULL, 0, FETCH_OK, NULL, 1, 0, 0,
	    CACHE_TXT_OK, ANY, 0 },
};

START_TEST(test_row)
{
	const struct row		*c = &rows[_i];
	const struct fake_domain	*d;
	struct schedule_config		 sc = engine_schedule();
	struct cache_record		 r;
	struct answer			 a;
	bool				 have;

	seed_cache(&c->seed);
	world(c->txt_status, c->txt_id, c->txt_ttl, c->fetch);
	query(DOM, &a);
	wait_answer(c->name, &a);
	settle(c->name);
	expect_answer(c->name, &a, c->reply);
	d = fake_domain(DOM);
	ck_assert_msg(d->txt_queries == c->txt_queries && d->fetches ==
	    c->fetches, "case %s: got %u TXT queries and %u fetches, want "
	    "%u and %u", c->name, d->txt_queries, d->fetches,
	    c->txt_queries, c->fetches);
	have = fake_cache_peek(DOM, &r);
	ck_assert_msg(have == (c->rec == 1), "case %s: got %s, want %s",
	    c->name, have ? "a record" : "no record",
	    c->rec ? "a record" : "none");
	if (have) {
		ck_assert_msg(r.txt_state == c->state, "case %s: got TXT state "
		    "%s, want %s", c->name, cache_txt_state_name(r.txt_state),
		    cache_txt_state_name(c->state));
		ck_assert_msg(c->next == ANY ||
		    schedule_txt_next(&sc, &r) - T0 == c->next,
		    "case %s: got the next TXT check in %lld s, want %lld",
		    c->name, (long long)(schedule_txt_next(&sc, &r) - T0),
		    (long long)c->next);
		ck_assert_msg(strcmp(r.id, row_want_id(c)) == 0, "case %s: "
		    "got cached id %s, want %s", c->name, r.id,
		    row_want_id(c));
		ck_assert_msg(r.failures == c->failures, "case %s: got %u "
		    "failed fetches, want %u", c->name, r.failures,
		    c->failures);
	}
	cache_record_clear(&r);
}
END_TEST

/*
 * Rule 1, stale-while-revalidate: while the last check failed, a due
 * re-check runs in the background and the query is answered from the
 * cached policy at once, with DNS held.
 */
START_TEST(test_failing_answers_at_once)
{
	static const struct seed	s = VALID(CACHE_TXT_FAILED, 1, 30,
					    300);
	struct cache_record		r;
	struct answer			a;

	seed_cache(&s);
	world(RESOLVER_OK, "new", 600, FETCH_OK);
	fake_hold(true);
	query(DOM, &a);
	spin();
	ck_assert_msg(a.done, "case swr: got no answer while DNS is held, "
	    "want the cached policy at once");
	expect_answer("swr", &a, OLD_REPLY);
	ck_assert_msg(lookup_in_flight(le) == 1, "case swr: got %zu lookups, "
	    "want the re-check running", lookup_in_flight(le));
	/* A second query joins nothing and waits for nothing either. */
	query(DOM, &a);
	spin();
	ck_assert_msg(a.done, "case swr-second: got no answer, want one");
	fake_release();
	settle("swr");
	ck_assert(fake_cache_peek(DOM, &r));
	ck_assert_msg(strcmp(r.id, "new") == 0 && r.txt_state == CACHE_TXT_OK,
	    "case swr: got id %s state %s, want new ok", r.id,
	    cache_txt_state_name(r.txt_state));
	cache_record_clear(&r);
	ask("swr-after", NEW_REPLY);
}
END_TEST

/* When nothing failed before, a due re-check is awaited (query_wait). */
START_TEST(test_due_waits_when_healthy)
{
	static const struct seed	s = OK_DUE;
	struct answer			a;

	seed_cache(&s);
	world(RESOLVER_OK, "new", 600, FETCH_OK);
	fake_hold(true);
	query(DOM, &a);
	spin();
	ck_assert_msg(!a.done, "case due-waits: got an answer before DNS "
	    "answered, want a wait");
	fake_release();
	wait_answer("due-waits", &a);
	expect_answer("due-waits", &a, NEW_REPLY);
}
END_TEST

/*
 * Rule 3: a valid cached policy whose re-check is not due is answered at
 * once, whatever runs in the background.
 */
START_TEST(test_hit_while_background)
{
	static const struct seed	s = VALID(CACHE_TXT_OK, 0, 10, 300);
	struct answer			a;

	seed_cache(&s);
	world(RESOLVER_OK, "old", 600, FETCH_OK);
	fake_hold(true);
	ck_assert(lookup_background(le, DOM, true, NULL, NULL) == 0);
	ck_assert(lookup_in_flight(le) == 1);
	query(DOM, &a);
	spin();
	ck_assert_msg(a.done, "case hit-while-background: got no answer, "
	    "want the cached policy at once");
	expect_answer("hit-while-background", &a, OLD_REPLY);
	fake_release();
	settle("hit-while-background");
}
END_TEST

/* Rule 4: the policy expires while the lookup runs. */
START_TEST(test_expires_during_lookup)
{
	struct seed		s = OK_DUE;
	struct cache_record	r;
	struct answer		a;

	seed_expiring(&s, 5, 0);
	world(RESOLVER_SERVFAIL, NULL, 0, FETCH_OK);
	fake_hold(true);
	query(DOM, &a);
	spin();
	ck_assert(!a.done);
	fake_clock_advance(10);
	fake_release();
	wait_answer("expires-during-lookup", &a);
	expect_answer("expires-during-lookup", &a, NULL);
	settle("expires-during-lookup");
	/* Nothing of the expired copy was written back as current. */
	ck_assert(fake_cache_peek(DOM, &r));
	ck_assert_msg(r.txt_state == CACHE_TXT_OK, "case expires-during-"
	    "lookup: got state %s, want the record untouched",
	    cache_txt_state_name(r.txt_state));
	cache_record_clear(&r);
}
END_TEST

/* Rule 4 on the query_wait path: the wait ends after expiry. */
START_TEST(test_expires_before_wait_timeout)
{
	struct seed		s = OK_DUE;
	struct answer		a;

	seed_expiring(&s, 5, 0);
	world(RESOLVER_OK, "old", 600, FETCH_OK);
	fake_hold(true);
	query(DOM, &a);
	spin();
	fake_clock_advance(10);
	wait_answer("expires-before-wait-timeout", &a);	/* query_wait */
	expect_answer("expires-before-wait-timeout", &a, NULL);
	fake_release();
	settle("expires-before-wait-timeout");
}
END_TEST

/*
 * Rule 2: a flush during a lookup wins.  The lookup started from the
 * cached copy; once flushed it never writes it back or serves it.
 */
START_TEST(test_flush_wins)
{
	static const struct seed	s = OK_DUE;
	struct cache_record		r;
	struct answer			a;
	int				all;

	for (all = 0; all < 2; all++) {
		fake_world_reset(base, T0);
		seed_cache(&s);
		world(RESOLVER_SERVFAIL, NULL, 0, FETCH_OK);
		fake_hold(true);
		query(DOM, &a);
		spin();
		ck_assert(!a.done && lookup_in_flight(le) == 1);
		ck_assert(cache_delete(fake_cache(), DOM) == 0);
		lookup_flush(le, all ? NULL : DOM);
		fake_release();
		wait_answer("flush", &a);
		settle("flush");
		expect_answer(all ? "flush-all" : "flush-domain", &a, NULL);
		ck_assert_msg(!fake_cache_peek(DOM, &r), "case %s: got the "
		    "flushed record back, want none",
		    all ? "flush-all" : "flush-domain");
		cache_record_clear(&r);
		lookup_flush(le, NULL);
	}
}
END_TEST

/* After a flush the lookup goes on as a first discovery. */
START_TEST(test_flush_then_discovery)
{
	static const struct seed	s = OK_DUE;
	struct cache_record		r;
	struct answer			a;

	seed_cache(&s);
	/* The same id as cached: without the flush it would be confirmed. */
	world(RESOLVER_OK, "old", 600, FETCH_OK);
	fake_hold(true);
	query(DOM, &a);
	spin();
	ck_assert(cache_delete(fake_cache(), DOM) == 0);
	lookup_flush(le, DOM);
	fake_release();
	wait_answer("flush-discovery", &a);
	settle("flush-discovery");
	expect_answer("flush-discovery", &a, NEW_REPLY);
	ck_assert_msg(fake_domain(DOM)->fetches == 1, "case flush-discovery: "
	    "got %u fetches, want 1", fake_domain(DOM)->fetches);
	ck_assert(fake_cache_peek(DOM, &r));
	ck_assert_msg(r.fetched == T0, "case flush-discovery: got the old "
	    "record, want the fetched one");
	cache_record_clear(&r);
}
END_TEST

/*
 * The owner's story of rule 1: a new id whose fetch fails, then a fixed
 * policy under another id.  It is in effect once the TXT TTL has run
 * out, not after the fetch back-off (retry_min).
 */
START_TEST(test_new_id_after_failed_fetch)
{
	static const struct seed	s = OK_DUE;

	seed_cache(&s);
	world(RESOLVER_OK, "broken", 30, FETCH_HTTP_STATUS);
	ask("owner-broken", OLD_REPLY);
	world(RESOLVER_OK, "fixed", 30, FETCH_OK);
	fake_clock_advance(29);
	ask("owner-within-ttl", OLD_REPLY);
	fake_clock_advance(2);		/* TTL + 1 s */
	/* After a failure: answered at once, re-checked behind it. */
	ask("owner-recheck", OLD_REPLY);
	settle("owner-recheck");
	ask("owner-fixed", NEW_REPLY);
	ck_assert_msg(cfg.retry_min > 31, "retry_min %u: the test needs it "
	    "longer than the TTL", cfg.retry_min);
}
END_TEST

/*
 * Rule 6: unknown domains filling max_lookups never stop the re-check
 * of a cached one, which has max_rechecks of its own.
 */
START_TEST(test_pools)
{
	static const struct seed	s = OK_DUE;
	struct answer			a[4], c;
	char				name[32];
	int				i;

	cfg.max_lookups = 3;
	cfg.max_rechecks = 1;
	seed_cache(&s);
	world(RESOLVER_OK, "old", 600, FETCH_OK);
	fake_hold(true);
	for (i = 0; i < 4; i++) {
		(void)snprintf(name, sizeof(name), "new%d.test", i);
		query(name, &a[i]);
	}
	spin();
	ck_assert_msg(lookup_in_flight(le) == 3 && a[3].done &&
	    !a[0].done, "case pools-full: got %zu lookups, want 3 and the "
	    "fourth domain answered at once", lookup_in_flight(le));
	expect_answer("pools-full-fallback", &a[3], NULL);
	query(DOM, &c);
	spin();
	ck_assert_msg(lookup_in_flight(le) == 4 && fake_domain(DOM)->
	    txt_queries == 1, "case pools-recheck: got %zu lookups and %u TXT "
	    "queries for the cached domain, want its re-check started",
	    lookup_in_flight(le), fake_domain(DOM)->txt_queries);
	fake_release();
	wait_answer("pools-recheck", &c);
	expect_answer("pools-recheck", &c, OLD_REPLY);
	settle("pools");
}
END_TEST

/* A full re-check pool answers from the valid cached policy. */
START_TEST(test_recheck_pool_full)
{
	static const struct seed	s = OK_DUE;
	struct cache_record		r;
	struct answer			a;

	cfg.max_rechecks = 1;
	seed_cache(&s);
	ck_assert(fake_cache_peek(DOM, &r));
	ck_assert(cache_put(fake_cache(), "b.test", &r) == 0);
	cache_record_clear(&r);
	world(RESOLVER_OK, "old", 600, FETCH_OK);
	fake_hold(true);
	query("b.test", &a);
	spin();
	ck_assert(!a.done && lookup_in_flight(le) == 1);
	query(DOM, &a);
	spin();
	ck_assert_msg(a.done && lookup_in_flight(le) == 1, "case recheck-"
	    "full: got %s, want the cached policy at once, no lookup",
	    a.done ? "a lookup" : "no answer");
	expect_answer("recheck-full", &a, OLD_REPLY);
	fake_release();
	settle("recheck-full");
}
END_TEST

/*
 * Rule 7: confirming an unchanged id is no synced write; a new policy,
 * a failure and the recovery from one are.
 */
START_TEST(test_writes)
{
	static const struct seed	ok = OK_DUE;
	static const struct seed	failing = VALID(CACHE_TXT_FAILED, 1,
					    30, 300);
	struct answer			a;

	seed_cache(&ok);
	world(RESOLVER_OK, "old", 1, FETCH_OK);
	fake_cache_reset_counts();
	query(DOM, &a);
	wait_answer("writes-confirm", &a);
	ck_assert_msg(fake_cache_puts() == 0 && fake_cache_lazy_puts() == 1,
	    "case writes-confirm: got %u synced and %u lazy writes, want 0 "
	    "and 1", fake_cache_puts(), fake_cache_lazy_puts());
	fake_clock_advance(2);
	world(RESOLVER_SERVFAIL, NULL, 0, FETCH_OK);
	query(DOM, &a);
	wait_answer("writes-failure", &a);
	ck_assert_msg(fake_cache_puts() == 1, "case writes-failure: got %u "
	    "synced writes, want 1", fake_cache_puts());

	fake_world_reset(base, T0);
	seed_cache(&failing);
	world(RESOLVER_OK, "old", 600, FETCH_OK);
	fake_cache_reset_counts();
	query(DOM, &a);
	wait_answer("writes-recovered", &a);
	settle("writes-recovered");
	ck_assert_msg(fake_cache_puts() == 1 && fake_cache_lazy_puts() == 0,
	    "case writes-recovered: got %u synced and %u lazy writes, want "
	    "1 and 0", fake_cache_puts(), fake_cache_lazy_puts());
}
END_TEST

/* Rule 8: max_age 0 is not cached, but remembered for a moment. */
START_TEST(test_max_age_zero)
{
	struct fake_domain	*d;
	struct cache_record	 r;

	world(RESOLVER_OK, "z", 30, FETCH_OK);
	d = fake_domain(DOM);
	d->body = "version: STSv1\r\nmode: enforce\r\nmx: mx.new.test\r\n"
	    "max_age: 0\r\n";
	ask("max-age-0", NEW_REPLY);
	ck_assert_msg(!fake_cache_peek(DOM, &r), "case max-age-0: got a "
	    "cached record, want none");
	cache_record_clear(&r);
	fake_clock_advance(29);
	ask("max-age-0-again", NEW_REPLY);
	ck_assert_msg(d->fetches == 1 && d->txt_queries == 1, "case "
	    "max-age-0-again: got %u fetches, want 1", d->fetches);
	fake_clock_advance(2);
	ask("max-age-0-later", NEW_REPLY);
	ck_assert_msg(d->fetches == 2, "case max-age-0-later: got %u "
	    "fetches, want 2", d->fetches);
}
END_TEST

/*
 * Issue 11: a hit is answered from its rendered reply, without reading
 * the cache; the reply is dropped when the record changes or is flushed,
 * and never outlives the policy or its next re-check.
 */
START_TEST(test_hot_replies)
{
	static const struct seed	s = VALID(CACHE_TXT_OK, 0, 10, 300);

	seed_cache(&s);
	world(RESOLVER_OK, "old", 300, FETCH_OK);
	ask("hot-first", OLD_REPLY);
	fake_cache_fail_get(true);
	ask("hot-no-cache-read", OLD_REPLY);
	fake_cache_fail_get(false);

	/* Past the re-check (TTL 300 s from 10 s ago): asked again. */
	fake_clock_advance(291);
	world(RESOLVER_OK, "new", 300, FETCH_OK);
	ask("hot-recheck", NEW_REPLY);
	settle("hot-recheck");

	/* A flush drops it. */
	ask("hot-new", NEW_REPLY);
	ck_assert(cache_delete(fake_cache(), DOM) == 0);
	lookup_flush(le, DOM);
	world(RESOLVER_SERVFAIL, NULL, 0, FETCH_OK);
	ask("hot-flushed", NULL);
	settle("hot-flushed");

	/* Never past the policy's expiry. */
	fake_world_reset(base, T0);
	lookup_flush(le, NULL);
	seed_expiring(&s, 5, 3600);
	world(RESOLVER_SERVFAIL, NULL, 0, FETCH_OK);
	ask("hot-before-expiry", OLD_REPLY);
	fake_clock_advance(6);
	ask("hot-after-expiry", NULL);
	settle("hot-after-expiry");
}
END_TEST

static Suite *
lookup_suite(void)
{
	Suite	*s = suite_create("lookup");
	TCase	*tc = tcase_create("rows");
	TCase	*to = tcase_create("order");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_row, 0, sizeof(rows) / sizeof(rows[0]));
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, test_failing_answers_at_once);
	tcase_add_test(to, test_due_waits_when_healthy);
	tcase_add_test(to, test_hit_while_background);
	tcase_add_test(to, test_expires_during_lookup);
	tcase_add_test(to, test_expires_before_wait_timeout);
	tcase_add_test(to, test_flush_wins);
	tcase_add_test(to, test_flush_then_discovery);
	tcase_add_test(to, test_new_id_after_failed_fetch);
	tcase_add_test(to, test_pools);
	tcase_add_test(to, test_writes);
	tcase_add_test(to, test_max_age_zero);
	tcase_add_test(to, test_hot_replies);
	tcase_add_test(to, test_recheck_pool_full);
	suite_add_tcase(s, to);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(lookup_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
