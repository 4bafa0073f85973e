/*
 * check_memo.c: the bounded domain table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "memo.h"

START_TEST(test_put_get_del)
{
	struct memo		*m = memo_new(10);
	struct memo_entry	*e;

	ck_assert_ptr_null(memo_get(m, "a.test"));
	e = memo_put(m, "a.test");
	ck_assert_str_eq(e->domain, "a.test");
	ck_assert_int_eq(e->until, 0);
	e->until = 42;
	ck_assert_ptr_eq(memo_put(m, "a.test"), e);
	ck_assert_int_eq(memo_get(m, "a.test")->until, 42);
	ck_assert_uint_eq(memo_count(m), 1);
	memo_del(m, "a.test");
	memo_del(m, "a.test");	/* absent: harmless */
	ck_assert_ptr_null(memo_get(m, "a.test"));
	ck_assert_uint_eq(memo_count(m), 0);
	memo_free(m);
	memo_free(NULL);
}
END_TEST

/* A full table forgets its oldest entry, never grows past its cap. */
START_TEST(test_eviction)
{
	struct memo	*m = memo_new(100);
	char		 name[32];
	int		 i;

	for (i = 0; i < 250; i++) {
		snprintf(name, sizeof(name), "d%03d.test", i);
		memo_put(m, name)->time = i;
	}
	ck_assert_uint_eq(memo_count(m), 100);
	ck_assert_msg(memo_get(m, "d149.test") == NULL,
	    "case oldest evicted: got present, want absent");
	ck_assert_msg(memo_get(m, "d150.test") != NULL,
	    "case newest kept: got absent, want present");
	memo_clear(m);
	ck_assert_uint_eq(memo_count(m), 0);
	memo_free(m);
}
END_TEST

/*
 * Issue 10, rule 8: a flood of names put once (fresh subdomains of a
 * hostile zone) cannot push out the entries of domains in use, which
 * were found again after they were put.
 */
START_TEST(test_flood_keeps_used)
{
	struct memo	*m = memo_new(100);
	char		 name[32];
	int		 i, kept = 0;

	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "real%02d.test", i);
		memo_put(m, name)->failures = 7;
		ck_assert(memo_get(m, name) != NULL);	/* used again */
	}
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "x%06d.evil.test", i);
		memo_put(m, name);
	}
	ck_assert_uint_eq(memo_count(m), 100);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "real%02d.test", i);
		if (memo_get(m, name) != NULL &&
		    memo_get(m, name)->failures == 7)
			kept++;
	}
	ck_assert_msg(kept == 20, "case flood: got %d of 20 used entries "
	    "kept, want 20", kept);
	memo_free(m);
}
END_TEST

/* The protected segment is bounded: used entries age out among
   themselves, and an empty probation segment evicts from it. */
START_TEST(test_protected_bounded)
{
	struct memo	*m = memo_new(10);
	char		 name[32];
	int		 i;

	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "u%02d.test", i);
		memo_put(m, name);
		memo_get(m, name);
	}
	ck_assert_uint_eq(memo_count(m), 10);
	ck_assert_msg(memo_get(m, "u00.test") == NULL, "case protected-"
	    "oldest: got present, want evicted");
	ck_assert_msg(memo_get(m, "u29.test") != NULL, "case protected-"
	    "newest: got absent, want present");
	memo_free(m);
}
END_TEST

static void
sum_times(void *arg, const struct memo_entry *e)
{
	*(long *)arg += (long)e->time;
}

START_TEST(test_foreach)
{
	struct memo	*m = memo_new(10);
	long		 sum = 0;

	memo_put(m, "a.test")->time = 1;
	memo_put(m, "b.test")->time = 2;
	memo_put(m, "c.test")->time = 4;
	memo_foreach(m, sum_times, &sum);
	ck_assert_msg(sum == 7, "case foreach: got %ld, want 7", sum);
	memo_free(m);
}
END_TEST

static Suite *
memo_suite(void)
{
	Suite	*s = suite_create("memo");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_eviction);
	tcase_add_test(tc, test_foreach);
	tcase_add_test(tc, test_flood_keeps_used);
	tcase_add_test(tc, test_protected_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(memo_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
