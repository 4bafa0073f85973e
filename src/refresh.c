/*
 * refresh.c: proactive renewal of cached policies.  See refresh.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "buf.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "domain.h"
#include "log.h"
#include "lookup.h"
#include "msec.h"
#include "refresh.h"
#include "schedule.h"

#define REFRESH_PAGE		100	/* records per read transaction */
#define REFRESH_BUSY_RETRY_MS	1000	/* at the concurrency cap */
/*
 * Pause between pages, so a scan of a big cache never hogs the loop
 * (1 000 000 records: 10 000 pages, about 20 s, every refresh_scan).
 */
#define REFRESH_PAGE_PAUSE_MS	2
#define REFRESH_FIRST_SCAN	10	/* seconds after start */

enum refresh_action {
	REFRESH_SKIP,
	REFRESH_CHECK,		/* re-check the TXT id */
	REFRESH_RENEW,		/* refetch the policy too */
	REFRESH_DELETE		/* unused and expired */
};

struct refresh_item {
	char			domain[DOMAIN_MAX_NAME + 1];
	enum refresh_action	action;
};

struct refresher {
	struct event_base	*base;		/* borrowed */
	const struct config	*cfg;		/* borrowed */
	struct cache		*cache;		/* borrowed */
	struct lookup_engine	*lookups;	/* borrowed */
	struct event		*scan_timer;	/* owned: next full scan */
	struct event		*page_timer;	/* owned: next page */
	bool			 scanning;
	char			 cursor[DOMAIN_MAX_NAME + 1]; /* last done */
	struct refresh_item	 page[REFRESH_PAGE];
	size_t			 npage;
	size_t			 next;		/* first unhandled in page */
	struct refresh_stats	 stats;
	struct refresh_stats	 scan;		/* counts of this scan */
};

static enum refresh_action
refresh_decide(const struct config *cfg, const struct cache_record *rec,
    bool valid, int64_t now)
{
	/* Renewals do not count as use: only client queries do. */
	int64_t	used = rec->last_query != 0 ? rec->last_query : rec->fetched;

	if (now - used > (int64_t)cfg->unused_after)
		return valid ? REFRESH_SKIP : REFRESH_DELETE;
	if (!valid)
		return REFRESH_RENEW;
	if (now < rec->next_refresh)
		return REFRESH_SKIP;
	if (schedule_renew_due(rec->fetched, rec->policy.max_age, now))
		return REFRESH_RENEW;
	return REFRESH_CHECK;
}

static int
refresh_collect(void *arg, const char *domain, const struct cache_record *rec)
{
	struct refresher	*r = arg;
	struct refresh_item	*it;
	enum refresh_action	 act;
	size_t			 len = strlen(domain);
	int64_t			 now = clock_now();
	bool			 valid;

	valid = schedule_policy_valid(rec->fetched, rec->policy.max_age, now);
	r->scan.records++;
	if (!valid)
		r->scan.expired++;
	else if ((size_t)rec->policy.mode < 3)
		r->scan.by_mode[rec->policy.mode]++;
	act = refresh_decide(r->cfg, rec, valid, now);
	if (act == REFRESH_SKIP || len > DOMAIN_MAX_NAME ||
	    r->npage == REFRESH_PAGE)
		return 0;
	it = &r->page[r->npage++];
	memcpy(it->domain, domain, len + 1);
	it->action = act;
	return 0;
}

static void
refresh_on_done(void *arg, enum socketmap_status st, struct span data,
    const char *summary)
{
	struct refresher	*r = arg;

	(void)data;
	r->stats.in_flight--;
	log_debug("refresh done status=%s summary=\"%s\"",
	    socketmap_status_name(st), summary);
}

static void
refresh_schedule_page(struct refresher *r, unsigned ms)
{
	struct timeval	tv = msec_tv(ms);

	evtimer_add(r->page_timer, &tv);
}

static void
refresh_schedule_scan(struct refresher *r)
{
	struct timeval	tv;

	tv.tv_sec = r->cfg->refresh_scan;
	tv.tv_usec = 0;
	evtimer_add(r->scan_timer, &tv);
}

/* Act on the collected page; false when the concurrency cap stopped us. */
static bool
refresh_act(struct refresher *r)
{
	struct refresh_item	*it;

	for (; r->next < r->npage; r->next++) {
		it = &r->page[r->next];
		switch (it->action) {
		case REFRESH_SKIP:
			break;
		case REFRESH_DELETE:
			if (cache_delete(r->cache, it->domain) == 0) {
				r->stats.deleted++;
				log_info("cache expired unused domain=%s "
				    "deleted", it->domain);
			}
			break;
		case REFRESH_CHECK:
		case REFRESH_RENEW:
			if (r->stats.in_flight >= r->cfg->refresh_concurrency)
				return false;
			if (lookup_background(r->lookups, it->domain,
			    it->action == REFRESH_RENEW, refresh_on_done,
			    r) == 0) {
				r->stats.in_flight++;
				r->stats.started++;
				log_debug("refresh start domain=%s renew=%s",
				    it->domain, it->action == REFRESH_RENEW ?
				    "yes" : "no");
			}
			break;
		}
	}
	return true;
}

static void
refresh_on_page(evutil_socket_t fd, short what, void *arg)
{
	struct refresher	*r = arg;
	char			 last[DOMAIN_MAX_NAME + 1];
	int			 n;

	(void)fd;
	(void)what;
	if (!refresh_act(r)) {
		refresh_schedule_page(r, REFRESH_BUSY_RETRY_MS);
		return;
	}
	r->npage = 0;
	r->next = 0;
	last[0] = '\0';
	n = cache_iterate(r->cache, r->cursor, REFRESH_PAGE, refresh_collect,
	    r, last);
	if (n <= 0) {
		if (n < 0)
			log_errx("refresh: cache scan failed");
		r->scanning = false;
		r->stats.scans++;
		r->stats.records = r->scan.records;
		r->stats.expired = r->scan.expired;
		memcpy(r->stats.by_mode, r->scan.by_mode,
		    sizeof(r->stats.by_mode));
		log_debug("refresh scan done");
		refresh_schedule_scan(r);
		return;
	}
	memcpy(r->cursor, last, sizeof(r->cursor));
	refresh_schedule_page(r, REFRESH_PAGE_PAUSE_MS);
}

static void
refresh_on_scan(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	refresh_kick(arg);
}

void
refresh_kick(struct refresher *r)
{
	if (r->scanning)
		return;
	r->scanning = true;
	memset(&r->scan, 0, sizeof(r->scan));
	r->cursor[0] = '\0';
	r->npage = 0;
	r->next = 0;
	evtimer_del(r->scan_timer);
	refresh_schedule_page(r, 0);
}

struct refresher *
refresh_new(struct event_base *base, const struct config *cfg,
    struct cache *cache, struct lookup_engine *le)
{
	struct refresher	*r;
	struct timeval		 tv;

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->cfg = cfg;
	r->cache = cache;
	r->lookups = le;
	r->scan_timer = evtimer_new(base, refresh_on_scan, r);
	r->page_timer = evtimer_new(base, refresh_on_page, r);
	if (r->scan_timer == NULL || r->page_timer == NULL)
		fatalx("refresh: evtimer_new failed");
	/* The first scan soon after start, then every refresh_scan. */
	tv.tv_sec = cfg->refresh_scan < REFRESH_FIRST_SCAN ?
	    cfg->refresh_scan : REFRESH_FIRST_SCAN;
	tv.tv_usec = 0;
	evtimer_add(r->scan_timer, &tv);
	return r;
}

void
refresh_free(struct refresher *r)
{
	if (r == NULL)
		return;
	event_free(r->scan_timer);
	event_free(r->page_timer);
	free(r);
}

const struct refresh_stats *
refresh_get_stats(const struct refresher *r)
{
	return &r->stats;
}
