/*
 * check_log.c: log_esc(), the only way peer bytes reach a log line.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "log.h"

struct esc_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
};

static const struct esc_case esc_cases[] = {
	{ "plain", "example.com", 11, "example.com" },
	{ "space", "a b", 3, "a\\x20b" },
	{ "quote and backslash", "\"\\", 2, "\\x22\\x5c" },
	{ "control", "a\nb\r\x1b[2J", 8, "a\\x0ab\\x0d\\x1b[2J" },
	{ "NUL", "a\0b", 3, "a\\x00b" },
	{ "high bytes", "\xc3\xa9", 2, "\\xc3\\xa9" },
	{ "empty", "", 0, "" },
};

START_TEST(test_esc_table)
{
	const struct esc_case	*c = &esc_cases[_i];
	const char		*got = log_esc(span_make(c->in, c->len));

	ck_assert_msg(strcmp(got, c->want) == 0, "case %s: got %s, want %s",
	    c->name, got, c->want);
}
END_TEST

/* Cut at LOG_ESC_MAX input bytes, marked with "...". */
START_TEST(test_esc_cut)
{
	char		 in[LOG_ESC_MAX + 50];
	const char	*got;
	size_t		 i;

	memset(in, 'a', sizeof(in));
	got = log_esc(span_make(in, sizeof(in)));
	ck_assert_uint_eq(strlen(got), LOG_ESC_MAX + 3);
	ck_assert_str_eq(got + LOG_ESC_MAX, "...");
	memset(in, 0x01, sizeof(in));
	got = log_esc(span_make(in, sizeof(in)));
	ck_assert_uint_eq(strlen(got), LOG_ESC_MAX * 4 + 3);
	for (i = 0; got[i] != '\0'; i++)
		ck_assert(got[i] >= 0x21 && got[i] <= 0x7e);
}
END_TEST

/* Several results are usable in one log call. */
START_TEST(test_esc_slots)
{
	const char	*a = log_esc(span_str("one"));
	const char	*b = log_esc(span_str("two"));
	const char	*c = log_esc_str(NULL);

	ck_assert_str_eq(a, "one");
	ck_assert_str_eq(b, "two");
	ck_assert_str_eq(c, "");
}
END_TEST

START_TEST(test_levels)
{
	enum log_level	lvl;

	ck_assert_int_eq(log_level_parse("debug", &lvl), 0);
	ck_assert_int_eq(lvl, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_level_parse("loud", &lvl), -1);
	ck_assert_str_eq(log_level_name(LOG_LEVEL_WARNING), "warning");
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_esc_table, 0,
	    sizeof(esc_cases) / sizeof(esc_cases[0]));
	tcase_add_test(tc, test_esc_cut);
	tcase_add_test(tc, test_esc_slots);
	tcase_add_test(tc, test_levels);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
