/*
 * schedule.c: cache timing arithmetic.  See schedule.h.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "schedule.h"

bool
schedule_policy_valid(int64_t fetched, uint32_t max_age, int64_t now)
{
	return now < schedule_policy_expires(fetched, max_age);
}

int64_t
schedule_policy_expires(int64_t fetched, uint32_t max_age)
{
	return fetched + (int64_t)max_age;
}

uint32_t
schedule_txt_ttl(const struct schedule_config *sc, uint32_t ttl)
{
	if (ttl < sc->txt_ttl_min)
		return sc->txt_ttl_min;
	if (ttl > sc->txt_ttl_max)
		return sc->txt_ttl_max;
	return ttl;
}

bool
schedule_txt_due(const struct schedule_config *sc, int64_t checked,
    uint32_t ttl, int64_t now)
{
	return now >= checked + (int64_t)schedule_txt_ttl(sc, ttl);
}

uint32_t
schedule_negative_ttl(const struct schedule_config *sc, uint32_t ttl)
{
	if (ttl > sc->negative_ttl)
		ttl = sc->negative_ttl;
	return ttl < 1 ? 1 : ttl;
}

uint32_t
schedule_txt_retry(const struct schedule_config *sc, uint32_t n)
{
	uint32_t	delay = SCHEDULE_TXT_RETRY_MIN, i;

	for (i = 1; i < n && delay < sc->failure_ttl; i++)
		delay *= 2;
	if (delay > sc->failure_ttl)
		delay = sc->failure_ttl;
	return delay < 1 ? 1 : delay;
}

uint32_t
schedule_memo_ttl(const struct schedule_config *sc, uint32_t ttl)
{
	ttl = schedule_txt_ttl(sc, ttl);
	return ttl < sc->failure_ttl ? ttl : sc->failure_ttl;
}

int64_t
schedule_txt_next(const struct schedule_config *sc,
    const struct cache_record *rec)
{
	switch (rec->txt_state) {
	case CACHE_TXT_OK:
		return rec->txt_checked +
		    (int64_t)schedule_txt_ttl(sc, rec->txt_ttl);
	case CACHE_TXT_GONE:
		return rec->txt_checked +
		    (int64_t)schedule_negative_ttl(sc, rec->txt_ttl);
	case CACHE_TXT_FAILED:
		return rec->txt_checked +
		    (int64_t)schedule_txt_retry(sc, rec->txt_failures);
	}
	return rec->txt_checked;
}

static int64_t
jitter(const struct schedule_config *sc, int64_t span, uint32_t rnd)
{
	int64_t	max;

	if (span <= 0 || sc->jitter_pct == 0)
		return 0;
	max = span * (int64_t)sc->jitter_pct / 100;
	if (max <= 0)
		return 0;
	return (int64_t)(rnd % (uint64_t)(max + 1));
}

int64_t
schedule_retry_at(const struct schedule_config *sc, int64_t failed_at,
    uint32_t n, uint32_t rnd)
{
	int64_t		delay = sc->retry_min;
	uint32_t	i;

	for (i = 1; i < n && delay < (int64_t)sc->retry_max; i++)
		delay *= 2;
	if (delay > (int64_t)sc->retry_max)
		delay = sc->retry_max;
	return failed_at + delay + jitter(sc, delay, rnd);
}

int64_t
schedule_next_refresh(const struct schedule_config *sc, int64_t fetched,
    uint32_t max_age, int64_t checked, int64_t now, uint32_t rnd)
{
	int64_t	check_at, renew_at, at;

	check_at = checked + (int64_t)sc->check_interval;
	renew_at = fetched + (int64_t)max_age * SCHEDULE_RENEW_PCT / 100;
	at = check_at < renew_at ? check_at : renew_at;
	if (at < now)
		at = now;
	return at + jitter(sc, at - now, rnd);
}

bool
schedule_renew_due(int64_t fetched, uint32_t max_age, int64_t now)
{
	return now >= fetched + (int64_t)max_age * SCHEDULE_RENEW_PCT / 100;
}
