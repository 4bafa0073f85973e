/*
 * check_schedule.c: cache timing arithmetic with injected time.
 */
#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "cache.h"
#include "schedule.h"

static const struct schedule_config sc = {
	.txt_ttl_min = 1,
	.txt_ttl_max = 86400,
	.negative_ttl = 300,
	.failure_ttl = 60,
	.retry_min = 300,
	.retry_max = 3600,
	.check_interval = 86400,
	.jitter_pct = 10,
};

/*
 * Rule 1 of README "When things fail": what the last TXT check found
 * decides when it is asked again; a fetch back-off never does.
 */
static const struct txt_next_case {
	const char		*name;
	enum cache_txt_state	 state;
	uint32_t		 ttl;
	uint32_t		 txt_failures;
	uint32_t		 failures;	/* fetch back-off: no effect */
	int64_t			 want;		/* seconds after the check */
} txt_next_cases[] = {
	{ "ok-ttl", CACHE_TXT_OK, 3600, 0, 0, 3600 },
	{ "ok-ttl-0-floor", CACHE_TXT_OK, 0, 0, 0, 1 },
	{ "ok-ttl-over-max", CACHE_TXT_OK, 100000, 0, 0, 86400 },
	{ "ok-after-fetch-failures", CACHE_TXT_OK, 30, 0, 5, 30 },
	{ "gone-soa", CACHE_TXT_GONE, 120, 0, 0, 120 },
	{ "gone-capped", CACHE_TXT_GONE, 86400, 0, 0, 300 },
	{ "gone-0", CACHE_TXT_GONE, 0, 0, 0, 1 },
	{ "failed-1", CACHE_TXT_FAILED, 3600, 1, 0, 5 },
	{ "failed-2", CACHE_TXT_FAILED, 3600, 2, 0, 10 },
	{ "failed-4", CACHE_TXT_FAILED, 3600, 4, 0, 40 },
	{ "failed-5-capped", CACHE_TXT_FAILED, 3600, 5, 0, 60 },
	{ "failed-many", CACHE_TXT_FAILED, 3600, UINT32_MAX, 9, 60 },
};

START_TEST(test_txt_next)
{
	const struct txt_next_case	*c = &txt_next_cases[_i];
	struct cache_record		 r;
	int64_t				 got;

	cache_record_init(&r);
	r.txt_checked = 1000000;
	r.txt_state = c->state;
	r.txt_ttl = c->ttl;
	r.txt_failures = c->txt_failures;
	r.failures = c->failures;
	r.last_failure = c->failures > 0 ? 999999 : 0;
	got = schedule_txt_next(&sc, &r) - r.txt_checked;
	ck_assert_msg(got == c->want, "case %s: got %lld, want %lld",
	    c->name, (long long)got, (long long)c->want);
}
END_TEST

/* Memo time of an answered but unusable TXT record: TTL, at most 60 s. */
START_TEST(test_memo_ttl)
{
	ck_assert_uint_eq(schedule_memo_ttl(&sc, 30), 30);
	ck_assert_uint_eq(schedule_memo_ttl(&sc, 3600), 60);
/* Memo time of an answered, unusable TXT record: TTL, at most 60 s. */
}
END_TEST

START_TEST(test_validity)
{
	/* Valid up to, not including, fetched + max_age. */
	ck_assert(schedule_policy_valid(1000, 3, 1002));
	ck_assert_msg(!schedule_policy_valid(1000, 3, 1003),
	    "case expiry edge: got valid, want expired");
	ck_assert(!schedule_policy_valid(1000, 0, 1000));
	ck_assert_int_eq(schedule_policy_expires(1000, 31557600),
	    1000 + 31557600);
}
END_TEST

struct ttl_case {
	const char	*name;
	uint32_t	 ttl;
	uint32_t	 want;
};

static const struct ttl_case ttl_cases[] = {
	{ "zero floored", 0, 1 },
	{ "in range", 300, 300 },
	{ "ceiling", 604800, 86400 },
};

START_TEST(test_ttl_clamp)
{
	const struct ttl_case	*c = &ttl_cases[_i];
	uint32_t		 got = schedule_txt_ttl(&sc, c->ttl);

	ck_assert_msg(got == c->want, "case %s: got %u, want %u", c->name, got,
	    c->want);
}
END_TEST

START_TEST(test_txt_due)
{
	ck_assert(!schedule_txt_due(&sc, 100, 300, 399));
	ck_assert(schedule_txt_due(&sc, 100, 300, 400));
	/* A zero TTL is floored at 1 s: not due in the same second. */
	ck_assert(!schedule_txt_due(&sc, 100, 0, 100));
	ck_assert(schedule_txt_due(&sc, 100, 0, 101));
}
END_TEST

struct retry_case {
	const char	*name;
	uint32_t	 n;
	uint32_t	 rnd;
	int64_t		 want;
};

static const struct retry_case retry_cases[] = {
	{ "first, no jitter", 1, 0, 1000 + 300 },
	{ "first, max jitter", 1, 30, 1000 + 300 + 30 },
	{ "jitter wraps", 1, 31, 1000 + 300 + 0 },
	{ "second doubles", 2, 0, 1000 + 600 },
	{ "fifth capped", 5, 0, 1000 + 3600 },
	{ "huge n capped", 4000000000u, 0, 1000 + 3600 },
};

START_TEST(test_retry)
{
	const struct retry_case	*c = &retry_cases[_i];
	int64_t			 got = schedule_retry_at(&sc, 1000, c->n,
				    c->rnd);

	ck_assert_msg(got == c->want, "case %s: got %lld, want %lld", c->name,
	    (long long)got, (long long)c->want);
}
END_TEST

START_TEST(test_next_refresh)
{
	/* Daily check comes first for a long max_age. */
	ck_assert_int_eq(schedule_next_refresh(&sc, 0, 31557600, 0, 0, 0),
	    86400);
	/* Renewal at 75 % of a short max_age comes first. */
	ck_assert_int_eq(schedule_next_refresh(&sc, 0, 3600, 0, 0, 0), 2700);
	/* Never in the past. */
	ck_assert_int_eq(schedule_next_refresh(&sc, 0, 3600, 0, 5000, 7),
	    5000);
	/* Jitter stays within 10 % of the delay. */
	ck_assert_int_le(schedule_next_refresh(&sc, 0, 3600, 0, 0,
	    UINT32_MAX), 2700 + 270);
	ck_assert(!schedule_renew_due(0, 3600, 2699));
	ck_assert(schedule_renew_due(0, 3600, 2700));
}
END_TEST

static Suite *
schedule_suite(void)
{
	Suite	*s = suite_create("schedule");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_validity);
	tcase_add_test(tc, test_memo_ttl);
	tcase_add_loop_test(tc, test_txt_next, 0,
	    sizeof(txt_next_cases) / sizeof(txt_next_cases[0]));
	tcase_add_loop_test(tc, test_ttl_clamp, 0,
	    sizeof(ttl_cases) / sizeof(ttl_cases[0]));
	tcase_add_test(tc, test_txt_due);
	tcase_add_loop_test(tc, test_retry, 0,
	    sizeof(retry_cases) / sizeof(retry_cases[0]));
	tcase_add_test(tc, test_next_refresh);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(schedule_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
