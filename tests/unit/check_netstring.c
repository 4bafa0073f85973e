/*
 * check_netstring.c: netstring decoder and encoder.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "netstring.h"
#include "socketmap.h"

struct decode_case {
	const char		*name;
	const char		*in;
	size_t			 max;
	enum netstring_status	 want;
	const char		*payload;	/* when NETSTRING_OK */
	size_t			 consumed;
};

static const struct decode_case decode_cases[] = {
	{ "simple", "5:hello,", 100, NETSTRING_OK, "hello", 8 },
	{ "empty payload", "0:,", 100, NETSTRING_OK, "", 3 },
	{ "pipelined takes first", "1:a,1:b,", 100, NETSTRING_OK, "a", 4 },
	{ "binary payload", "3:\x01\x02\x03,", 100, NETSTRING_OK,
	    "\x01\x02\x03", 6 },
	{ "at cap", "3:abc,", 3, NETSTRING_OK, "abc", 6 },
	{ "empty input", "", 100, NETSTRING_MORE, NULL, 0 },
	{ "digits only", "12", 100, NETSTRING_MORE, NULL, 0 },
	{ "colon no payload", "5:", 100, NETSTRING_MORE, NULL, 0 },
	{ "partial payload", "5:hel", 100, NETSTRING_MORE, NULL, 0 },
	{ "no comma yet", "5:hello", 100, NETSTRING_MORE, NULL, 0 },
	{ "over cap", "4:abcd,", 3, NETSTRING_TOO_LONG, NULL, 0 },
	{ "over cap before colon", "4", 3, NETSTRING_TOO_LONG, NULL, 0 },
	{ "run of zeros", "0000", 100, NETSTRING_BAD, NULL, 0 },
	{ "huge", "99999999999999999999999:", 1089, NETSTRING_TOO_LONG,
	    NULL, 0 },
	{ "digit count over cap", "10000", 1089, NETSTRING_TOO_LONG, NULL,
	    0 },
	{ "leading zero", "05:hello,", 100, NETSTRING_BAD, NULL, 0 },
	{ "leading zero zero", "00:,", 100, NETSTRING_BAD, NULL, 0 },
	{ "no digits", ":hello,", 100, NETSTRING_BAD, NULL, 0 },
	{ "letter in length", "5a:hello,", 100, NETSTRING_BAD, NULL, 0 },
	{ "sign", "+5:hello,", 100, NETSTRING_BAD, NULL, 0 },
	{ "space before colon", "5 :hello,", 100, NETSTRING_BAD, NULL, 0 },
	{ "wrong terminator", "5:hello;", 100, NETSTRING_BAD, NULL, 0 },
	{ "payload longer than declared", "3:hello,", 100, NETSTRING_BAD,
	    NULL, 0 },
	{ "NUL in length", "5\0:hello,", 100, NETSTRING_BAD, NULL, 0 },
};

static const char *
status_name(enum netstring_status st)
{
	switch (st) {
	case NETSTRING_OK:
		return "OK";
	case NETSTRING_MORE:
		return "MORE";
	case NETSTRING_TOO_LONG:
		return "TOO_LONG";
	case NETSTRING_BAD:
		return "BAD";
	}
	return "?";
}

static size_t
case_len(const struct decode_case *c)
{
	/* Cases with an embedded NUL spell out their length this way. */
	if (strcmp(c->name, "NUL in length") == 0)
		return 9;
	return strlen(c->in);
}

START_TEST(test_decode_table)
{
	const struct decode_case	*c = &decode_cases[_i];
	struct span			 payload;
	size_t				 consumed;
	const char			*why = NULL;
	enum netstring_status		 got;

	got = netstring_decode(span_make(c->in, case_len(c)), c->max,
	    &payload, &consumed, &why);
	ck_assert_msg(got == c->want, "case %s: got %s, want %s", c->name,
	    status_name(got), status_name(c->want));
	if (c->want == NETSTRING_OK) {
		ck_assert_msg(span_eq_str(payload, c->payload) &&
		    consumed == c->consumed, "case %s: got payload len %zu "
		    "consumed %zu, want %zu", c->name, payload.len, consumed,
		    c->consumed);
	}
	if (c->want == NETSTRING_BAD || c->want == NETSTRING_TOO_LONG)
		ck_assert_msg(why != NULL, "case %s: no reason", c->name);
}
END_TEST

/* Feeding a frame byte by byte gives MORE until the last byte. */
START_TEST(test_decode_bytewise)
{
	const char	*frame = "20:sts mail.example.com,";
	size_t		 n = strlen(frame), i, consumed;
	struct span	 payload;
	const char	*why;

	for (i = 0; i < n; i++) {
		enum netstring_status st = netstring_decode(
		    span_make(frame, i), SOCKETMAP_MAX_REQUEST, &payload,
		    &consumed, &why);

		ck_assert_msg(st == NETSTRING_MORE, "case prefix %zu: got %s, "
		    "want MORE", i, status_name(st));
	}
	ck_assert(netstring_decode(span_make(frame, n), SOCKETMAP_MAX_REQUEST,
	    &payload, &consumed, &why) == NETSTRING_OK);
	ck_assert(span_eq_str(payload, "sts mail.example.com"));
	ck_assert_uint_eq(consumed, n);
}
END_TEST

/* The request cap: exactly at it is fine, one more is refused early. */
START_TEST(test_decode_cap_edges)
{
	char		 hdr[32];
	struct buf	 b;
	struct span	 payload;
	size_t		 consumed, i;
	const char	*why;

	buf_init(&b, 4096);
	snprintf(hdr, sizeof(hdr), "%d:", SOCKETMAP_MAX_REQUEST);
	buf_add_str(&b, hdr);
	for (i = 0; i < SOCKETMAP_MAX_REQUEST; i++)
		buf_add_byte(&b, 'a');
	buf_add_byte(&b, ',');
	ck_assert(netstring_decode(buf_span(&b), SOCKETMAP_MAX_REQUEST,
	    &payload, &consumed, &why) == NETSTRING_OK);
	ck_assert_uint_eq(b.len, netstring_frame_max(SOCKETMAP_MAX_REQUEST));
	snprintf(hdr, sizeof(hdr), "%d", SOCKETMAP_MAX_REQUEST + 1);
	ck_assert_msg(netstring_decode(span_str(hdr), SOCKETMAP_MAX_REQUEST,
	    &payload, &consumed, &why) == NETSTRING_TOO_LONG,
	    "case cap+1: got not TOO_LONG, want TOO_LONG");
	buf_clear(&b);
}
END_TEST

START_TEST(test_encode)
{
	struct buf	b;

	buf_init(&b, 64);
	ck_assert_int_eq(netstring_encode(&b, span_str("OK secure")), 0);
	ck_assert_msg(span_eq_str(buf_span(&b), "9:OK secure,"),
	    "case encode: got %.*s, want 9:OK secure,", (int)b.len, b.p);
	buf_reset(&b);
	ck_assert_int_eq(netstring_encode(&b, span_make(NULL, 0)), 0);
	ck_assert(span_eq_str(buf_span(&b), "0:,"));
	buf_clear(&b);
	/* Over the output cap: refused, output unchanged. */
	buf_init(&b, 5);
	ck_assert_int_eq(netstring_encode(&b, span_str("hello")), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_clear(&b);
}
END_TEST

static Suite *
netstring_suite(void)
{
	Suite	*s = suite_create("netstring");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_decode_table, 0,
	    sizeof(decode_cases) / sizeof(decode_cases[0]));
	tcase_add_test(tc, test_decode_bytewise);
	tcase_add_test(tc, test_decode_cap_edges);
	tcase_add_test(tc, test_encode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(netstring_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
