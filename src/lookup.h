/*
 * lookup.h: the lookup engine, the only module that knows the RFC 8461
 * discovery flow and the policy cache's semantics.
 *
 * For a key that names a domain:
 *	- a cached policy that is still valid (fetched + max_age) and whose
 *	  TXT id was confirmed within the TXT TTL is answered at once, with
 *	  no network traffic;
 *	- when the TTL has run out, the TXT id is re-checked (§3.1, §5.1);
 *	  an unchanged id keeps the policy, a new one fetches the new policy,
 *	  which replaces the old only if it is valid;
 *	- with no usable cached policy the domain is discovered afresh:
 *	  TXT _mta-sts.DOMAIN -> A/AAAA mta-sts.DOMAIN -> HTTPS -> parse.
 * Concurrent queries for one domain share one lookup.  A query waits at
 * most query_wait, then gets the fallback answer (the cached policy if
 * there is one, NOTFOUND otherwise) while the lookup runs on (RFC 8461
 * §5.1 allows discovery "perhaps asynchronously").  A new policy is
 * committed to the cache before any reply carries it.  When DNS or HTTPS
 * fail, a valid cached policy keeps being served; an expired one never
 * is (checked at every reply).  What the last TXT check found decides
 * when it is asked again (schedule_txt_next(): the TTL, the negative TTL
 * or a short back-off after a DNS failure); a TXT id whose fetch failed
 * is not fetched again before retry_min (with back-off and jitter; RFC
 * 8461 §3.3), but a different id is fetched at once.  While the last
 * check failed, a due re-check runs in the background and queries get
 * the cached policy at once.  Lookups of cached domains have a pool of
 * their own (max_rechecks).  A flush makes a lookup in flight drop its
 * cached copy (lookup_flush()).  README "When things fail" lists the
 * rules; tests/unit/check_lookup.c holds them.
 *
 * The server hands every well-formed request's key to lookup_query() and
 * writes back whatever status and data come out; it never builds policy
 * text itself.  The reply always arrives through the callback, from the
 * event loop, never before lookup_query() returns.  A waiter can be
 * cancelled (its connection closed); the lookup itself runs on.
 *
 * Failures answer NOTFOUND, never TEMP or PERM: TEMP defers the mail and
 * makes Postfix skip the MX, so an attacker who can break DNS or HTTPS
 * for a domain without a cached policy could hold all mail to it, which
 * is worse than the RFC's own rule for that case (treat the domain as
 * having no policy, §5).  TEMP is only used for our own internal errors
 * on an enforce policy, where NOTFOUND would silently downgrade.
 */
#ifndef MTASTSD_LOOKUP_H
#define MTASTSD_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "socketmap.h"

struct event_base;
struct config;
struct cache;
struct resolver;
struct fetcher;
struct lookup_engine;
struct lookup_wait;

#define LOOKUP_FETCH_REASONS	16	/* >= the number of fetch statuses */

/* Counters since start, for logs and the control socket. */
struct lookup_stats {
	uint64_t	queries;
	uint64_t	replies_ok;
	uint64_t	replies_notfound;
	uint64_t	replies_temp;
	uint64_t	not_applicable;		/* probes, IP literals, bad */
	uint64_t	cache_hits;		/* answered from the cache */
	uint64_t	cache_misses;
	uint64_t	negative_hits;		/* from the negative cache */
	uint64_t	joined;			/* joined a running lookup */
	uint64_t	wait_timeouts;		/* query_wait ran out */
	uint64_t	busy;			/* limits reached */
	uint64_t	lookups;
	uint64_t	rechecks;		/* TXT id re-checks */
	uint64_t	txt_ok;
	uint64_t	txt_none;		/* NXDOMAIN, NODATA, no STSv1 */
	uint64_t	txt_failed;
	uint64_t	fetch_ok;
	uint64_t	fetch_failed;
	/* Failures by fetch status (fetch_status_name() of the index);
	   index 0 ("ok") counts DNS failures of the policy host. */
	uint64_t	fetch_failures[LOOKUP_FETCH_REASONS];
	uint64_t	fetch_backoff;		/* skipped for retry_min */
	uint64_t	policy_invalid;
	uint64_t	policy_updates;		/* new id, new policy stored */
	uint64_t	stale_served;		/* cached kept on failure */
	uint64_t	cache_errors;
	uint64_t	refreshes;		/* background lookups started */
};

/* data is borrowed, valid only during the call. */
typedef void lookup_done_fn(void *, enum socketmap_status, struct span);

/*
 * Result of a background lookup: the reply the domain now gets and a
 * one-line summary (both borrowed, valid during the call).
 */
typedef void lookup_bg_fn(void *, enum socketmap_status, struct span,
    const char *);

/*
 * Keeps base, cfg, cache, res and fet (borrowed; they must outlive the
 * engine).  Returns NULL with *why set on failure.
 */
struct lookup_engine *lookup_engine_new(struct event_base *,
	    const struct config *, struct cache *, struct resolver *,
	    struct fetcher *, const char **);
/* Cancels every lookup and waiter without calling back; flushes usage. */
void	lookup_engine_free(struct lookup_engine *);
/*
 * The configuration it borrows has been reloaded: take the values it
 * copied at start (TTL clamps, retry back-off, check_interval, the usage
 * flush period) from it again.  Lookups in flight finish as they are.
 */
void	lookup_engine_reconfigure(struct lookup_engine *);

/*
 * Start answering key for a client (conn_id tags log lines).  Returns a
 * handle for lookup_cancel(); fn is called exactly once unless the wait
 * is cancelled first.
 */
struct lookup_wait *lookup_query(struct lookup_engine *, struct span,
	    uint64_t, lookup_done_fn *, void *);
void	lookup_cancel(struct lookup_wait *);

/*
 * Re-check domain (normalised) in the background now: the TXT id always,
 * the policy too when renew is set or the id changed.  fn (may be NULL)
 * runs from the loop when it is over.  Returns -1 when a lookup for the
 * domain is already running or the lookup limit is reached.
 */
int	lookup_background(struct lookup_engine *, const char *, bool,
	    lookup_bg_fn *, void *);
/*
 * The cache record of domain (NULL: every record) was deleted: forget
 * the in-memory negative results too, and make a lookup of it in flight
 * drop the cached copy it started with, so that it never writes it back
 * or serves it; it goes on as a first discovery.
 */
void	lookup_flush(struct lookup_engine *, const char *);

/*
 * The reply Postfix gets for key right now, from the cache and the
 * negative cache only (no network, no state change): for `show`.
 */
enum socketmap_status lookup_peek(struct lookup_engine *, const char *,
	    struct buf *);

const struct lookup_stats *lookup_engine_stats(const struct lookup_engine *);
/* Label for fetch_failures[i]; NULL past the last one. */
const char *lookup_fetch_reason_name(size_t);
size_t	lookup_in_flight(const struct lookup_engine *);

#endif
