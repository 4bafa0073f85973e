/*
 * check_socketmap.c: socketmap request parsing and reply framing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "netstring.h"
#include "socketmap.h"

struct req_case {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 want;		/* 0 or -1 */
	const char	*map;
	const char	*key;
};

static const struct req_case req_cases[] = {
	{ "plain", "sts example.com", 0, 0, "sts", "example.com" },
	{ "parent probe", "sts .example.com", 0, 0, "sts", ".example.com" },
	{ "relay", "sts [relay.example]:587", 0, 0, "sts",
	    "[relay.example]:587" },
	{ "utf8 key", "sts b\xc3\xbc" "cher.example", 0, 0, "sts",
	    "b\xc3\xbc" "cher.example" },
	{ "other map", "postfix example.com", 0, 0, "postfix",
	    "example.com" },
	{ "space in key kept", "sts a b", 0, 0, "sts", "a b" },
	{ "empty", "", 0, -1, NULL, NULL },
	{ "no space", "stsexample.com", 0, -1, NULL, NULL },
	{ "empty map", " example.com", 0, -1, NULL, NULL },
	{ "empty key", "sts ", 0, -1, NULL, NULL },
	{ "NUL in key", "sts exa\0mple.com", 16, -1, NULL, NULL },
	{ "tab in key", "sts exa\tmple.com", 0, -1, NULL, NULL },
	{ "CR in key", "sts example.com\r", 0, -1, NULL, NULL },
	{ "DEL in key", "sts example.com\x7f", 0, -1, NULL, NULL },
	{ "LF in map", "s\nts example.com", 0, -1, NULL, NULL },
};

START_TEST(test_request_table)
{
	const struct req_case	*c = &req_cases[_i];
	struct socketmap_request req;
	const char		*why = NULL;
	size_t			 len = c->len ? c->len : strlen(c->in);
	int			 got;

	got = socketmap_request_parse(span_make(c->in, len), &req, &why);
	ck_assert_msg(got == c->want, "case %s: got %d, want %d (%s)",
	    c->name, got, c->want, why ? why : "");
	if (got == 0) {
		ck_assert_msg(span_eq_str(req.name, c->map), "case %s: map",
		    c->name);
		ck_assert_msg(span_eq_str(req.key, c->key), "case %s: key",
		    c->name);
	} else
		ck_assert_msg(why != NULL, "case %s: no reason", c->name);
}
END_TEST

START_TEST(test_request_limits)
{
	char		 big[SOCKETMAP_MAX_REQUEST + 16];
	struct socketmap_request req;
	const char	*why;
	size_t		 keylen;

	/* Key exactly SOCKETMAP_MAX_KEY long: accepted; one more: not. */
	memcpy(big, "sts ", 4);
	memset(big + 4, 'a', SOCKETMAP_MAX_KEY + 1);
	keylen = SOCKETMAP_MAX_KEY;
	ck_assert_msg(socketmap_request_parse(span_make(big, 4 + keylen),
	    &req, &why) == 0, "case key at cap: got -1, want 0");
	ck_assert_msg(socketmap_request_parse(span_make(big, 5 + keylen),
	    &req, &why) == -1, "case key over cap: got 0, want -1");
	memset(big, 'm', SOCKETMAP_MAX_NAME + 1);
	big[SOCKETMAP_MAX_NAME + 1] = ' ';
	big[SOCKETMAP_MAX_NAME + 2] = 'k';
	ck_assert_msg(socketmap_request_parse(span_make(big + 1,
	    SOCKETMAP_MAX_NAME + 2), &req, &why) == 0,
	    "case name at cap: got -1, want 0");
	ck_assert_msg(socketmap_request_parse(span_make(big,
	    SOCKETMAP_MAX_NAME + 3), &req, &why) == -1,
	    "case name over cap: got 0, want -1");
}
END_TEST

struct reply_case {
	const char		*name;
	enum socketmap_status	 st;
	const char		*data;
	int			 want;
	const char		*wire;
};

static const struct reply_case reply_cases[] = {
	{ "ok policy", SOCKETMAP_OK,
	    "secure match=mx.example.com servername=hostname", 0,
	    "50:OK secure match=mx.example.com servername=hostname," },
	{ "notfound", SOCKETMAP_NOTFOUND, "", 0, "9:NOTFOUND ," },
	{ "notfound ignores data", SOCKETMAP_NOTFOUND, "junk", 0,
	    "9:NOTFOUND ," },
	{ "temp", SOCKETMAP_TEMP, "dns failure", 0, "16:TEMP dns failure," },
	{ "timeout", SOCKETMAP_TIMEOUT, "slow", 0, "12:TIMEOUT slow," },
	{ "perm", SOCKETMAP_PERM, "bad request", 0, "16:PERM bad request," },
	{ "bare ok refused", SOCKETMAP_OK, "", -1, "" },
	{ "control byte refused", SOCKETMAP_OK, "secure\nmatch=x", -1, "" },
	{ "high byte refused", SOCKETMAP_TEMP, "caf\xc3\xa9", -1, "" },
	{ "DEL refused", SOCKETMAP_OK, "secure\x7f", -1, "" },
	{ "tilde and space kept", SOCKETMAP_OK, "a ~", 0, "6:OK a ~," },
};

START_TEST(test_reply_table)
{
	const struct reply_case	*c = &reply_cases[_i];
	struct buf		 b;
	int			 got;

	buf_init(&b, SOCKETMAP_MAX_REPLY + 32);
	got = socketmap_reply_encode(&b, c->st, span_str(c->data));
	ck_assert_msg(got == c->want, "case %s: got %d, want %d", c->name, got,
	    c->want);
	ck_assert_msg(span_eq_str(buf_span(&b), c->wire),
	    "case %s: got %.*s, want %s", c->name, (int)b.len,
	    b.p ? (const char *)b.p : "", c->wire);
	buf_clear(&b);
}
END_TEST

START_TEST(test_reply_cap)
{
	struct buf	 b;
	char		*data;
	size_t		 n = SOCKETMAP_MAX_REPLY - 3;	/* "OK " + data */

	data = malloc(n + 2);
	memset(data, 'x', n + 1);
	data[n] = '\0';
	buf_init(&b, SOCKETMAP_MAX_REPLY + 32);
	ck_assert_msg(socketmap_reply_encode(&b, SOCKETMAP_OK,
	    span_str(data)) == 0, "case reply at cap: got -1, want 0");
	buf_reset(&b);
	data[n] = 'x';
	data[n + 1] = '\0';
	ck_assert_msg(socketmap_reply_encode(&b, SOCKETMAP_OK,
	    span_str(data)) == -1, "case reply over cap: got 0, want -1");
	ck_assert_uint_eq(b.len, 0);
	buf_clear(&b);
	free(data);
}
END_TEST

static Suite *
socketmap_suite(void)
{
	Suite	*s = suite_create("socketmap");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_request_table, 0,
	    sizeof(req_cases) / sizeof(req_cases[0]));
	tcase_add_test(tc, test_request_limits);
	tcase_add_loop_test(tc, test_reply_table, 0,
	    sizeof(reply_cases) / sizeof(reply_cases[0]));
	tcase_add_test(tc, test_reply_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(socketmap_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
