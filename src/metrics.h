/*
 * metrics.h: the daemon's counters in the Prometheus text exposition
 * format, for `mta-stsctl metrics` and, when metrics_listen is set, an
 * HTTP endpoint at /metrics (libevent's evhttp).
 *
 * The endpoint is a small HTTP/1.1 responder of its own on bufferevents
 * rather than evhttp: evhttp 2.1 has no connection cap, and no hook that
 * says when one of its connections is closed, so it could not be made
 * to keep one.  This one answers GET /metrics (404, 405 or 400 for
 * anything else) and closes each connection once its answer is out;
 * each has a head size limit and a deadline for the whole exchange, and
 * at metrics_max_connections it stops accepting: a flood waits in the
 * kernel's backlog and cannot take the descriptors that DNS and HTTPS
 * need.  Meant for a loopback address that only the local Prometheus
 * scrapes.
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
 * Serve GET /metrics on addr ("127.0.0.1:9461", "[::1]:9461") to at most
 * max_conns clients at once; keeps base and src (borrowed).  NULL with
 * err set on failure.
 */
struct metrics_http *metrics_http_new(struct event_base *, const char *,
	    unsigned, const struct metrics_src *, char *, size_t);
void	metrics_http_free(struct metrics_http *);

#endif
