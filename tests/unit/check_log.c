/*
 * check_log.c: log_esc(), peer bytes as one log value: span_esc()'s
 * rule, quoted when there is a space.
 */
#include <stdbool.h>
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
	{ "space", "a b", 3, "\"a b\"" },
	{ "quote and backslash", "\"\\", 2, "\\x22\\x5c" },
	{ "equals", "a=b", 3, "a=b" },
	{ "injected field", "x\" injected=yes", 15,
	    "\"x\\x22 injected=yes\"" },
	{ "injected line", "x\nmta-stsd: error: fake", 23,
	    "\"x\\x0amta-stsd: error: fake\"" },
	{ "only a space", " ", 1, "\" \"" },
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
	memset(in, ' ', sizeof(in));
	got = log_esc(span_make(in, sizeof(in)));
	ck_assert_uint_eq(strlen(got), LOG_ESC_MAX + 5);
	ck_assert_str_eq(got + LOG_ESC_MAX + 1, "...\"");
}
END_TEST

/*
 * Whatever the bytes, the result is one field of "k=%s k2=v": printable
 * ASCII, no quote or backslash inside, quoted exactly when it has a
 * space.  Regression for issue 11 (fields injected into log lines).
 */
static const char *const hostile[] = {
	"\" status=ok reason=\"",
	"a b=c",
	"\\\" x=1",
	"\r\nfake line key=1",
	"text/html\"; charset=\"x y\" injected=1",
	"https://evil.test/\" lookup=1 domain=x",
	"\xff\xfe \"",
};

START_TEST(test_esc_one_field)
{
	const char	*in = hostile[_i];
	const char	*got = log_esc(span_str(in));
	size_t		 n = strlen(got), i, start = 0, end = n;
	bool		 quoted = n >= 2 && got[0] == '"' && got[n - 1] == '"';

	if (quoted) {
		start = 1;
		end = n - 1;
	}
	for (i = start; i < end; i++) {
		ck_assert_msg(got[i] >= 0x20 && got[i] <= 0x7e &&
		    got[i] != '"', "case %zu: got %s, want printable, no quote",
		    (size_t)_i, got);
		if (got[i] == '\\')
			ck_assert_msg(got[i + 1] == 'x', "case %zu: got %s, "
			    "want \\ only in \\xNN", (size_t)_i, got);
	}
	ck_assert_msg(quoted == (strchr(got, ' ') != NULL),
	    "case %zu: got %s, want quotes exactly around a space",
	    (size_t)_i, got);
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
	tcase_add_loop_test(tc, test_esc_one_field, 0,
	    sizeof(hostile) / sizeof(hostile[0]));
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
