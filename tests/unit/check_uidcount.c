/*
 * check_uidcount.c: connections per uid and their cap.
 */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "uidcount.h"

enum op {
	TAKE,
	RELEASE
};

struct step {
	enum op		 op;
	uid_t		 uid;
	bool		 want;	/* TAKE's result */
	unsigned	 count;	/* uidcount_get(uid) afterwards */
};

struct seq_case {
	const char	*name;
	unsigned	 max;
	struct step	 steps[8];
	size_t		 nsteps;
};

static const struct seq_case seq_cases[] = {
	{ "up to the cap", 2, {
	    { TAKE, 1000, true, 1 }, { TAKE, 1000, true, 2 },
	    { TAKE, 1000, false, 2 }, { TAKE, 0, true, 1 },
	}, 4 },
	{ "release frees a slot", 1, {
	    { TAKE, 7, true, 1 }, { TAKE, 7, false, 1 },
	    { RELEASE, 7, false, 0 }, { TAKE, 7, true, 1 },
	}, 4 },
	{ "uids are independent", 1, {
	    { TAKE, 1, true, 1 }, { TAKE, 2, true, 1 },
	    { TAKE, 3, true, 1 }, { RELEASE, 2, false, 0 },
	    { TAKE, 1, false, 1 }, { TAKE, 3, false, 1 },
	    { TAKE, 2, true, 1 },
	}, 7 },
	{ "release of an unknown uid", 3, {
	    { RELEASE, 5, false, 0 }, { TAKE, 5, true, 1 },
	    { RELEASE, 5, false, 0 }, { RELEASE, 5, false, 0 },
	    { TAKE, 5, true, 1 },
	}, 5 },
	{ "cap of zero", 0, {
	    { TAKE, 1, false, 0 },
	}, 1 },
};

START_TEST(test_sequences)
{
	const struct seq_case	*c = &seq_cases[_i];
	struct uidcount		 uc;
	const struct step	*s;
	size_t			 i;
	bool			 got;

	uidcount_init(&uc);
	for (i = 0; i < c->nsteps; i++) {
		s = &c->steps[i];
		if (s->op == TAKE) {
			got = uidcount_take(&uc, s->uid, c->max);
			ck_assert_msg(got == s->want, "case %s step %zu: got "
			    "%d, want %d", c->name, i, got, s->want);
		} else
			uidcount_release(&uc, s->uid);
		ck_assert_msg(uidcount_get(&uc, s->uid) == s->count,
		    "case %s step %zu: got count %u, want %u", c->name, i,
		    uidcount_get(&uc, s->uid), s->count);
	}
	uidcount_clear(&uc);
	uidcount_clear(&uc);	/* twice: harmless */
}
END_TEST

/* Many uids at once grow the table; releasing them all empties it. */
START_TEST(test_many_uids)
{
	struct uidcount	uc;
	uid_t		uid;

	uidcount_init(&uc);
	for (uid = 0; uid < 1000; uid++)
		ck_assert(uidcount_take(&uc, uid, 1));
	ck_assert_uint_eq(uc.len, 1000);
	for (uid = 0; uid < 1000; uid++)
		ck_assert_msg(!uidcount_take(&uc, uid, 1),
		    "case uid %u at cap: got taken, want refused",
		    (unsigned)uid);
	for (uid = 0; uid < 1000; uid += 2)
		uidcount_release(&uc, uid);
	ck_assert_uint_eq(uc.len, 500);
	for (uid = 1; uid < 1000; uid += 2)
		ck_assert_msg(uidcount_get(&uc, uid) == 1,
		    "case odd uid %u kept: got %u, want 1", (unsigned)uid,
		    uidcount_get(&uc, uid));
	for (uid = 1; uid < 1000; uid += 2)
		uidcount_release(&uc, uid);
	ck_assert_uint_eq(uc.len, 0);
	uidcount_clear(&uc);
}
END_TEST

static Suite *
uidcount_suite(void)
{
	Suite	*s = suite_create("uidcount");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_sequences, 0,
	    (int)(sizeof(seq_cases) / sizeof(seq_cases[0])));
	tcase_add_test(tc, test_many_uids);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(uidcount_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
