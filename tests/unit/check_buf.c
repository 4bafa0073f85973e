/*
 * check_buf.c: spans, capped buffers, digit parsing.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"

struct u64_case {
	const char	*name;
	const char	*in;
	size_t		 maxdigits;
	bool		 no_lead_zero;
	int		 want;
	uint64_t	 value;
};

static const struct u64_case u64_cases[] = {
	{ "zero", "0", 10, true, 0, 0 },
	{ "ten digits", "4294967295", 10, true, 0, 4294967295ULL },
	{ "eleven digits", "12345678901", 10, true, -1, 0 },
	{ "leading zero refused", "012", 10, true, -1, 0 },
	{ "leading zero allowed", "012", 10, false, 0, 12 },
	{ "empty", "", 10, true, -1, 0 },
	{ "sign", "+1", 10, true, -1, 0 },
	{ "minus", "-1", 10, true, -1, 0 },
	{ "space", "1 2", 10, true, -1, 0 },
	{ "uint64 max", "18446744073709551615", 20, true, 0, UINT64_MAX },
	{ "uint64 overflow", "18446744073709551616", 20, true, -1, 0 },
	{ "uint64 overflow big", "99999999999999999999", 20, true, -1, 0 },
};

/*
 * span_is_print() checks eight bytes at a time: every byte value at
 * every place of words and tails, alone and next to its neighbours, must
 * give what the byte-by-byte rule gives.
 */
START_TEST(test_span_is_print)
{
	static const uint8_t	edge[] = { 0x00, 0x1f, 0x20, 0x21, 0x7e, 0x7f,
				    0x80, 0xdf, 0xe0, 0xff };
	uint8_t			b[19];
	size_t			len, pos, e;
	int			v;
	bool			want, got;

	for (len = 0; len <= sizeof(b); len++)
		for (pos = 0; pos < len; pos++)
			for (v = 0; v < 256; v++) {
				/* v alone among printable bytes... */
				memset(b, 'a', sizeof(b));
				b[pos] = (uint8_t)v;
				want = v >= 0x20 && v <= 0x7e;
				got = span_is_print(span_make(b, len));
				ck_assert_msg(got == want, "case len %zu pos "
				    "%zu byte %02x: got %d, want %d", len,
				    pos, v, got, want);
				/* ...and next to each edge value (carries,
				   borrows) */
				for (e = 0; pos + 1 < len && e < sizeof(edge);
				    e++) {
					b[pos + 1] = edge[e];
					want = v >= 0x20 && v <= 0x7e &&
					    edge[e] >= 0x20 && edge[e] <= 0x7e;
					got = span_is_print(span_make(b, len));
					ck_assert_msg(got == want, "case len "
					    "%zu pos %zu bytes %02x %02x: got "
					    "%d, want %d", len, pos, v, edge[e],
					    got, want);
				}
			}
	ck_assert(span_is_print(span_make(NULL, 0)));
}
END_TEST

START_TEST(test_u64_table)
{
	const struct u64_case	*c = &u64_cases[_i];
	uint64_t		 v = 99;
	int			 got;

	got = span_to_u64(span_str(c->in), c->maxdigits, c->no_lead_zero, &v);
	ck_assert_msg(got == c->want, "case %s: got %d, want %d", c->name, got,
	    c->want);
	if (got == 0)
		ck_assert_msg(v == c->value, "case %s: got %llu, want %llu",
		    c->name, (unsigned long long)v,
		    (unsigned long long)c->value);
}
END_TEST

START_TEST(test_buf_cap)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 100);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(buf_add_byte(&b, 'x'), 0);
	ck_assert_int_eq(buf_add_byte(&b, 'y'), -1);
	ck_assert_uint_eq(b.len, 100);
	ck_assert_uint_le(b.cap, 100);
	buf_consume(&b, 60);
	ck_assert_uint_eq(b.len, 40);
	ck_assert_int_eq(buf_add(&b, "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789", 61), -1);
	ck_assert_int_eq(buf_add_u64(&b, 42), 0);
	ck_assert(b.p[40] == '4' && b.p[41] == '2');
	buf_clear(&b);
	buf_clear(&b);	/* twice is harmless */
}
END_TEST

START_TEST(test_span_helpers)
{
	struct span	s = span_str("  \tkey: value \t");
	char		*d;

	ck_assert(span_eq_str(span_trim_wsp(s), "key: value"));
	ck_assert_uint_eq(span_skip_wsp(s, 0), 3);
	ck_assert_uint_eq(span_skip_wsp(s, 3), 3);
	ck_assert_uint_eq(span_skip_wsp(s, 13), s.len);	/* " \t" to the end */
	ck_assert_uint_eq(span_skip_wsp(s, s.len), s.len);
	ck_assert_int_eq(span_find(s, ':'), 6);
	ck_assert_int_eq(span_find(s, '='), -1);
	ck_assert(span_starts_with(span_str("v=STSv1;"), "v=STSv1"));
	ck_assert(!span_starts_with(span_str("v=STS"), "v=STSv1"));
	ck_assert_uint_eq(span_tail(s, 100).len, 0);
	ck_assert_uint_eq(span_head(s, 3).len, 3);
	d = span_strdup(span_make("ab\0c", 4));
	ck_assert(d[0] == 'a' && d[4] == '\0');
	free(d);
	ck_assert(ascii_lower('Q') == 'q' && ascii_lower(0xc4) == 0xc4);
	ck_assert(!ascii_is_alpha(0xe9) && !ascii_is_digit('/'));
}
END_TEST

struct esc_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 max;
	size_t		 size;
	const char	*want;
};

static const struct esc_case esc_cases[] = {
	{ "plain", "text/html", 9, 100, 64, "text/html" },
	{ "space kept", "a b", 3, 100, 64, "a b" },
	{ "control and backslash", "a\n\\\x1b", 4, 100, 64,
	    "a\\x0a\\x5c\\x1b" },
	{ "high byte", "\xff", 1, 100, 64, "\\xff" },
	{ "cut by max", "abcdef", 6, 3, 64, "abc..." },
	{ "cut by size", "abcdef", 6, 100, 7, "abc..." },
	{ "escape does not fit", "ab\x01", 3, 100, 8, "ab..." },
	{ "too small", "abc", 3, 100, 4, "" },
	{ "quote", "a\"b", 3, 100, 64, "a\\x22b" },
	{ "injected field", "x\" injected=yes y=\"", 19, 100, 64,
	    "x\\x22 injected=yes y=\\x22" },
	{ "equals and spaces kept", "a=b c", 5, 100, 64, "a=b c" },
	{ "tab", "a\tb", 3, 100, 64, "a\\x09b" },
	{ "del", "\x7f", 1, 100, 64, "\\x7f" },
	{ "utf-8", "\xc3\xa9", 2, 100, 64, "\\xc3\\xa9" },
	{ "quote does not fit", "ab\"", 3, 100, 8, "ab..." },
};

START_TEST(test_span_esc)
{
	const struct esc_case	*c = &esc_cases[_i];
	char			 out[64];
	size_t			 n;

	memset(out, 'Z', sizeof(out));
	n = span_esc(span_make(c->in, c->len), c->max, out, c->size);
	ck_assert_msg(strcmp(out, c->want) == 0 && n == strlen(c->want),
	    "case %s: got %s (%zu), want %s", c->name, out, n, c->want);
	ck_assert_msg(n < c->size, "case %s: wrote past size", c->name);
}
END_TEST

static size_t appendf(char *, size_t, size_t, const char *, ...)
	__attribute__((format(printf, 4, 5)));

static size_t
appendf(char *dst, size_t size, size_t len, const char *fmt, ...)
{
	va_list	ap;
	size_t	n;

	va_start(ap, fmt);
	n = text_vappendf(dst, size, len, fmt, ap);
	va_end(ap);
	return n;
}

/* Reason buffers: appends that fit, a cut that keeps the NUL, escapes. */
START_TEST(test_text_append)
{
	char	t[12];
	size_t	n;

	n = appendf(t, sizeof(t), 0, "ab%d", 12);
	ck_assert_msg(n == 4 && strcmp(t, "ab12") == 0, "got %s (%zu)", t, n);
	n = appendf(t, sizeof(t), n, ": %s", "xyz");
	ck_assert_msg(n == 9 && strcmp(t, "ab12: xyz") == 0, "got %s", t);
	n = appendf(t, sizeof(t), n, "%s", "123456");
	ck_assert_msg(n == 11 && strcmp(t, "ab12: xyz12") == 0,
	    "cut: got %s (%zu)", t, n);
	n = appendf(t, sizeof(t), n, "more");
	ck_assert_msg(n == 11 && strcmp(t, "ab12: xyz12") == 0,
	    "full: got %s (%zu)", t, n);

	n = text_append_esc(t, sizeof(t), 2, span_str("a\x01"), 100);
	ck_assert_msg(n == 7 && strcmp(t, "aba\\x01") == 0,
	    "esc: got %s (%zu)", t, n);
	n = text_append_esc(t, sizeof(t), 8, span_str("zz"), 100);
	ck_assert_msg(n == 8, "esc with 4 bytes left: got %zu, want 8", n);

	ck_assert(span_contains(span_str("SSL certificate problem"),
	    "problem"));
	ck_assert(!span_contains(span_str("certif"), "certificate"));
	ck_assert(span_contains(span_str(""), ""));
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_span_is_print);
	tcase_add_loop_test(tc, test_u64_table, 0,
	    sizeof(u64_cases) / sizeof(u64_cases[0]));
	tcase_add_test(tc, test_buf_cap);
	tcase_add_test(tc, test_span_helpers);
	tcase_add_test(tc, test_text_append);
	tcase_add_loop_test(tc, test_span_esc, 0,
	    sizeof(esc_cases) / sizeof(esc_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(buf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
