/*
 * refresh.h: proactive renewal of cached policies (RFC 8461 §5.1 and
 * §10.2: check the TXT id about daily and refresh policies well before
 * max_age runs out, so a policy in use never lapses).
 *
 * The refresher walks the cache every refresh_scan seconds, one short
 * page at a time, and starts background lookups (through lookup.c) for
 * records whose next_refresh has come, at most refresh_concurrency at
 * once.  The schedule lives in the records, spread with jitter when it
 * is written, so a restart with a full cache does not refetch everything
 * at once.  Domains not queried for unused_after are no longer refreshed
 * and are deleted once their policy has expired; a still-valid policy is
 * never dropped early, since that would throw away its protection.
 */
#ifndef MTASTSD_REFRESH_H
#define MTASTSD_REFRESH_H

#include <stdint.h>

struct event_base;
struct config;
struct cache;
struct lookup_engine;
struct refresher;

struct refresh_stats {
	uint64_t	scans;		/* full passes over the cache */
	uint64_t	started;	/* background lookups started */
	uint64_t	deleted;	/* unused expired records removed */
	uint64_t	in_flight;
	/* From the last complete scan (0 until one finished): */
	uint64_t	records;
	uint64_t	expired;	/* kept, no longer served */
	uint64_t	by_mode[3];	/* enforce, testing, none (valid) */
};

/* Keeps all its arguments (borrowed; they must outlive it). */
struct refresher *refresh_new(struct event_base *, const struct config *,
	    struct cache *, struct lookup_engine *);
void	refresh_free(struct refresher *);
/* Start a scan now unless one is running. */
void	refresh_kick(struct refresher *);
const struct refresh_stats *refresh_get_stats(const struct refresher *);

#endif
