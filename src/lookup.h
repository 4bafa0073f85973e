/*
 * lookup.h: the lookup engine, the one place that turns a socketmap key
 * into a reply.
 *
 * The server hands every well-formed request's key to lookup_query() and
 * writes back whatever status and data come out; it never builds policy
 * text itself.  The reply always arrives through the callback, from the
 * event loop, never before lookup_query() returns.  A waiter can be
 * cancelled (its connection closed); the lookup itself runs on and serves
 * later queries.
 */
#ifndef MTASTSD_LOOKUP_H
#define MTASTSD_LOOKUP_H

#include <stdint.h>

#include "buf.h"
#include "socketmap.h"

struct event_base;
struct config;
struct lookup_engine;
struct lookup_wait;

/* data is borrowed, valid only during the call. */
typedef void lookup_done_fn(void *, enum socketmap_status, struct span);

/* Keeps pointers to base and cfg, which must outlive the engine. */
struct lookup_engine *lookup_engine_new(struct event_base *,
	    const struct config *, const char **);
void	lookup_engine_free(struct lookup_engine *);

/*
 * Start answering key for a client (conn_id tags log lines).  Returns a
 * handle for lookup_cancel(); fn is called exactly once unless the wait
 * is cancelled first.
 */
struct lookup_wait *lookup_query(struct lookup_engine *, struct span,
	    uint64_t, lookup_done_fn *, void *);
void	lookup_cancel(struct lookup_wait *);

#endif
