/*
 * lookup.h: the lookup engine, the only module that knows the RFC 8461
 * discovery flow, and the one place that turns a socketmap key into a
 * reply.
 *
 * For a key that names a domain it runs, per domain:
 *	TXT _mta-sts.DOMAIN (RFC 8461 §3.1)
 *	  -> A/AAAA mta-sts.DOMAIN -> HTTPS GET of the policy (§3.3)
 *	  -> parse (§3.2) -> decision -> reply to every waiter
 * Concurrent queries for one domain share one lookup.  A query waits at
 * most query_wait; then it gets the fallback answer while the lookup runs
 * on (RFC 8461 §5.1 allows discovery "perhaps asynchronously").
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

#include <stdint.h>

#include "buf.h"
#include "socketmap.h"

struct event_base;
struct config;
struct resolver;
struct fetcher;
struct lookup_engine;
struct lookup_wait;

/* Counters since start, for logs and the control socket. */
struct lookup_stats {
	uint64_t	queries;
	uint64_t	replies_ok;
	uint64_t	replies_notfound;
	uint64_t	replies_temp;
	uint64_t	not_applicable;		/* probes, IP literals, bad */
	uint64_t	joined;			/* queries that joined a lookup */
	uint64_t	wait_timeouts;		/* query_wait ran out */
	uint64_t	busy;			/* limits reached */
	uint64_t	lookups;
	uint64_t	txt_ok;
	uint64_t	txt_none;		/* NXDOMAIN, NODATA, no STSv1 */
	uint64_t	txt_failed;
	uint64_t	fetch_ok;
	uint64_t	fetch_failed;
	uint64_t	policy_invalid;
};

/* data is borrowed, valid only during the call. */
typedef void lookup_done_fn(void *, enum socketmap_status, struct span);

/*
 * Keeps base, cfg, res and fet (borrowed; they must outlive the engine).
 * Returns NULL with *why set on failure.
 */
struct lookup_engine *lookup_engine_new(struct event_base *,
	    const struct config *, struct resolver *, struct fetcher *,
	    const char **);
/* Cancels every lookup and waiter without calling back. */
void	lookup_engine_free(struct lookup_engine *);

/*
 * Start answering key for a client (conn_id tags log lines).  Returns a
 * handle for lookup_cancel(); fn is called exactly once unless the wait
 * is cancelled first.
 */
struct lookup_wait *lookup_query(struct lookup_engine *, struct span,
	    uint64_t, lookup_done_fn *, void *);
void	lookup_cancel(struct lookup_wait *);

const struct lookup_stats *lookup_engine_stats(const struct lookup_engine *);
size_t	lookup_in_flight(const struct lookup_engine *);

#endif
