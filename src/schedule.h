/*
 * schedule.h: the time arithmetic of the policy cache (RFC 8461 §3.1,
 * §3.3, §5.1): when a cached policy expires, when its TXT id must be
 * re-checked, when a failed fetch may be retried, when the refresher
 * looks at a record again.
 *
 * Pure module: every function takes the current time and any randomness
 * as arguments, so the unit tests can drive it without a clock.
 */
#ifndef MTASTSD_SCHEDULE_H
#define MTASTSD_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

struct cache_record;

struct schedule_config {
	uint32_t	txt_ttl_min;	/* floor on the TXT TTL, seconds */
	uint32_t	txt_ttl_max;	/* ceiling on the TXT TTL */
	uint32_t	negative_ttl;	/* ceiling on a negative TTL */
	uint32_t	failure_ttl;	/* ceiling on the TXT retry back-off */
	uint32_t	retry_min;	/* first retry after a failed fetch */
	uint32_t	retry_max;	/* back-off ceiling */
	uint32_t	check_interval;	/* proactive TXT check period */
	uint32_t	jitter_pct;	/* spread added to schedules, 0..100 */
};

/* Percent of max_age after which the refresher refetches the policy. */
#define SCHEDULE_RENEW_PCT	75
/* First re-check after a failed TXT lookup, doubled per failure. */
#define SCHEDULE_TXT_RETRY_MIN	5

/* The policy fetched at fetched with max_age is still valid at now. */
bool	 schedule_policy_valid(int64_t fetched, uint32_t max_age, int64_t now);
/* When that policy expires. */
int64_t	 schedule_policy_expires(int64_t fetched, uint32_t max_age);
/* The TXT TTL clamped to [txt_ttl_min, txt_ttl_max]. */
uint32_t schedule_txt_ttl(const struct schedule_config *, uint32_t);
/* The TXT id confirmed at checked with ttl must be re-checked at now. */
bool	 schedule_txt_due(const struct schedule_config *, int64_t checked,
	    uint32_t ttl, int64_t now);
/*
 * How long a negative TXT answer (NXDOMAIN, NODATA, no valid record) with
 * negative TTL ttl is believed: ttl, at least 1 s, at most negative_ttl.
 */
uint32_t schedule_negative_ttl(const struct schedule_config *, uint32_t);
/*
 * The wait after the n-th failed TXT lookup in a row (n >= 1; SERVFAIL,
 * timeout, refused, malformed): SCHEDULE_TXT_RETRY_MIN doubled per
 * further failure, at most failure_ttl.  Never the fetch back-off: DNS
 * failures are short-lived and say nothing about the policy.
 */
uint32_t schedule_txt_retry(const struct schedule_config *, uint32_t);
/*
 * How long a domain without a cached policy whose TXT record answered
 * but gave nothing usable (the fetch failed or backs off, or the policy
 * has max_age 0) is remembered in memory: the TXT TTL (clamped), at most
 * failure_ttl.
 */
uint32_t schedule_memo_ttl(const struct schedule_config *, uint32_t);
/*
 * When a cached domain's TXT record is asked again, from what the last
 * check found (RFC 8461 §3.1, §5.1; RFC 2308): an answer after its TTL
 * (clamped), a negative answer after schedule_negative_ttl(), a failure
 * after schedule_txt_retry().  The fetch back-off of a failed id plays
 * no part: it decides only whether that id is fetched again.
 */
int64_t	 schedule_txt_next(const struct schedule_config *,
	    const struct cache_record *);
/*
 * Earliest time to retry after the n-th failure in a row (n >= 1) at
 * failed_at: retry_min doubled per further failure up to retry_max, plus
 * up to jitter_pct percent drawn from rnd.
 */
int64_t	 schedule_retry_at(const struct schedule_config *, int64_t failed_at,
	    uint32_t n, uint32_t rnd);
/*
 * When the refresher should next look at a policy fetched at fetched
 * with max_age, whose TXT id was confirmed at checked: the earlier of
 * the periodic TXT check and the renewal point (SCHEDULE_RENEW_PCT of
 * max_age), never before now, spread by up to jitter_pct from rnd.
 */
int64_t	 schedule_next_refresh(const struct schedule_config *, int64_t fetched,
	    uint32_t max_age, int64_t checked, int64_t now, uint32_t rnd);
/* The policy is old enough that the refresher should refetch it. */
bool	 schedule_renew_due(int64_t fetched, uint32_t max_age, int64_t now);

#endif
