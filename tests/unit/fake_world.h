/*
 * fake_world.h: link-time fakes of the lookup engine's neighbours, for
 * check_lookup: the resolver (resolver.c), the fetcher (fetch.c), the
 * cache store (cache.c) and the clock (clock.c).
 *
 * Each fake defines every symbol the engine takes from the real object,
 * so the real archive member is never pulled in; the names of statuses
 * live in objects of their own (fetch_text.c, resolver_names.c) that the
 * fakes link as they are.  The fakes keep
 * the real contracts: callbacks run from the event loop, never before
 * the start function returns, exactly once unless cancelled; the cache
 * stores records through the real codec (cache_record.c), so what the
 * engine reads back is what a real store would give.
 *
 * The test describes a small world of domains (their TXT answer, their
 * policy host's address lookup, their policy fetch), may hold every DNS
 * answer and fetch until it releases them, injects cache failures, and
 * moves the clock.
 */
#ifndef MTASTSD_FAKE_WORLD_H
#define MTASTSD_FAKE_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "fetch.h"
#include "resolver.h"

struct event_base;

#define FAKE_MAX_DOMAINS	16

struct fake_domain {
	char			 name[64];	/* the policy domain */
	enum resolver_status	 txt_status;	/* of _mta-sts.NAME */
	const char		*txt;		/* the record; NULL: none */
	uint32_t		 txt_ttl;	/* or the negative TTL */
	enum resolver_status	 addr_status;	/* of mta-sts.NAME */
	enum fetch_status	 fetch_status;
	const char		*body;		/* the policy served */
	unsigned		 txt_queries;	/* counted by the fakes */
	unsigned		 fetches;
};

/* Forget every domain, held answer, record and counter; clock to t. */
void	fake_world_reset(struct event_base *, int64_t);
/* The domain's entry, created (TXT NXDOMAIN, fetch refused) if new. */
struct fake_domain *fake_domain(const char *);
/* Hold DNS answers and fetch results until fake_release(). */
void	fake_hold(bool);
/* Deliver what is held (from the event loop); returns how many. */
unsigned fake_release(void);

/* The clock clock_now() returns, and moving it. */
void	fake_clock_set(int64_t);
void	fake_clock_advance(int64_t);

/* The fake store: handle, failure injection, counts. */
struct cache *fake_cache(void);
void	fake_cache_fail_get(bool);
void	fake_cache_fail_put(bool);
unsigned fake_cache_puts(void);		/* successful synced writes */
unsigned fake_cache_lazy_puts(void);	/* cache_put_lazy() calls */
void	fake_cache_reset_counts(void);
/* A copy of domain's record (cleared by the caller); false if none. */
bool	fake_cache_peek(const char *, struct cache_record *);

struct resolver *fake_resolver(void);
struct fetcher *fake_fetcher(void);

#endif
