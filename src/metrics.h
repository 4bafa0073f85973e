/*
 * metrics.h: the daemon's counters in the Prometheus text exposition
 * format, for `mta-stsctl metrics` and, when metrics_listen is set, an
 * HTTP endpoint at /metrics (libevent's evhttp).
 *
 * evhttp 2.1 offers timeouts and size limits but no connection cap: the
 * endpoint sets short timeouts and small limits and is meant for a
 * loopback address that only the local Prometheus scrapes.
 */
#ifndef MTASTSD_METRICS_H
#define MTASTSD_METRICS_H

#include <time.h>

#include "buf.h"

struct event_base;
struct lookup_engine;
struct server;
struct cache;
struct refresher;
struct reload_info;
struct metrics_http;

struct metrics_src {
	struct lookup_engine	*lookups;	/* borrowed */
	struct server		*server;	/* borrowed */
	struct cache		*cache;		/* borrowed */
	struct refresher	*refresher;	/* borrowed */
	struct reload_info	*reload;	/* borrowed; NULL in tests */
	time_t			 started;
};

/* Append the exposition text to out; -1 if out's cap is too small. */
int	metrics_text(const struct metrics_src *, struct buf *);

/*
 * Serve GET /metrics on addr ("127.0.0.1:9461", "[::1]:9461"); keeps src
 * (borrowed).  NULL with err set on failure.
 */
struct metrics_http *metrics_http_new(struct event_base *, const char *,
	    const struct metrics_src *, char *, size_t);
void	metrics_http_free(struct metrics_http *);

#endif
