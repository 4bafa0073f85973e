/*
 * lookup_int.h: internals shared by the files of the lookup module.
 *
 * Private to the lookup engine: only lookup*.c include it; everyone else
 * goes through lookup.h.  The module is split in two:
 *	lookup.c	the RFC 8461 discovery flow and the cache semantics:
 *			struct lookup from start to finish, the engine's
 *			life cycle, background lookups, peek and stats;
 *	lookup_query.c	the query side: a client's key becomes a struct
 *			lookup_wait answered at once or attached to a
 *			lookup, its timeout, its delivery from the event
 *			loop, cancelling, and the batched last-query times.
 */
#ifndef MTASTSD_LOOKUP_INT_H
#define MTASTSD_LOOKUP_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "buf.h"
#include "cache.h"
#include "clock.h"
#include "domain.h"
#include "hash.h"
#include "lookup.h"
#include "reply.h"
#include "schedule.h"
#include "socketmap.h"
#include "sts_policy.h"
#include "sts_txt.h"

struct event;
struct hotreply;
struct memo;

#define LOOKUP_HASH_SIZE	1024	/* buckets; lookups in flight chain */
#define LOOKUP_MAX_REPLY	32768	/* policy text: 100 mx * 254 bytes */
#define LOOKUP_TXT_PREFIX_LEN	9	/* "_mta-sts." */
#define LOOKUP_USAGE_MAX	100000	/* last-query times before a flush */
#define LOOKUP_SUMMARY_MAX	256

enum lookup_state {
	LOOKUP_TXT,
	LOOKUP_ADDR,
	LOOKUP_FETCH,
	LOOKUP_DONE
};

struct lookup;

struct lookup_wait {
	struct lookup_engine	*engine;	/* borrowed */
	struct lookup		*lk;		/* borrowed; NULL: detached */
	struct event		*ev;		/* owned: timer or answer */
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
	uint32_t		 txt_ttl;
	bool			 have_cached;	/* cached is a valid policy */
	bool			 flushed;	/* cached dropped by a flush */
	bool			 recheck;	/* counted in nrechecks */
	struct cache_record	 cached;	/* owned */
	bool			 renew;		/* refetch even if id is same */
	int64_t			 last_query;	/* kept in a new record */
	lookup_bg_fn		*bg_fn;		/* NULL unless background */
	void			*bg_arg;	/* borrowed */
	char			 summary[LOOKUP_SUMMARY_MAX];
	struct resolver_query	*rq;		/* owned; NULL unless DNS */
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
	struct cache		*cache;		/* borrowed */
	struct resolver		*res;		/* borrowed */
	struct fetcher		*fet;		/* borrowed */
	struct schedule_config	 sc;
	struct lookup_list	 table[LOOKUP_HASH_SIZE];
	struct hash_key		 hkey;		/* random: table and jitter */
	size_t			 nlookups;	/* both pools */
	/* Rule 6: lookups of domains with a valid cached policy (re-checks,
	   renewals, refresh) have a pool of their own, max_rechecks, so
	   that lookups of unknown domains (max_lookups) cannot starve them. */
	size_t			 nrechecks;
	uint64_t		 next_id;
	struct lookup_wait_list	 detached;	/* answers not yet delivered */
	struct memo		*neg;		/* owned: negative results */
	struct hotreply		*hot;		/* owned: rendered hits */
	struct memo		*usage;		/* owned: last-query times */
	struct event		*usage_timer;	/* owned */
	uint32_t		 usage_period;	/* seconds it is armed with */
	bool			 busy_logged;	/* new domains at the limit */
	uint64_t		 busy_suppressed;
	bool			 recheck_busy_logged;
	uint64_t		 rnd;
	struct lookup_stats	 stats;
};

/* Wall-clock seconds, as the cache records keep them. */
static inline int64_t
lookup_now(void)
{
	return clock_now();
}

/* lookup.c */
const char *lookup_state_name(enum lookup_state);
/* A lookup of domain may start: its pool is not full (logs when full). */
bool	lookup_may_start(struct lookup_engine *, bool);
/* The running lookup of domain (normalised), or NULL. */
struct lookup *lookup_find(struct lookup_engine *, const char *);
/*
 * Start a lookup of domain; rec (may be NULL) is a valid cached policy,
 * moved into the lookup.  The caller made sure _mta-sts.DOMAIN fits.
 */
struct lookup *lookup_start(struct lookup_engine *, const char *,
	    struct cache_record *, bool, int64_t);
/* Build the reply for an outcome into data; logs a build failure. */
enum socketmap_status lookup_reply(enum reply_outcome,
	    const struct sts_policy *, struct buf *);

/* lookup_query.c */
/* Free a waiter that is on no list any more, without calling back. */
void	lookup_wait_free(struct lookup_wait *);
/*
 * Hand a waiter that is on no list its answer (data borrowed) and free
 * it.  Only from an event callback.
 */
void	lookup_wait_deliver(struct lookup_wait *, enum socketmap_status,
	    struct span);
/* Write the batched last-query times in one transaction. */
void	lookup_usage_flush(struct lookup_engine *);
/* The engine's usage_timer callback; arg is the engine. */
void	lookup_on_usage_timer(evutil_socket_t, short, void *);

#endif
