/*
 * check_fetch.c: unit tests for the pure parts of fetch.c (media type
 * check, status names).  The network behaviour is covered by
 * the integration scenarios in tests/integration (t_https.sh) against
 * real servers.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "fetch.h"

static const struct {
	const char	*name;
	const char	*in;
	bool		 want;
} media_cases[] = {
	{ "plain", "text/plain", true },
	{ "charset", "text/plain; charset=utf-8", true },
	{ "charset_nospace", "text/plain;charset=us-ascii", true },
	{ "upper", "TEXT/Plain", true },
	{ "surrounding_ws", " \ttext/plain \t", true },
	{ "ws_before_semi", "text/plain ; charset=utf-8", true },
	{ "empty_params", "text/plain;", true },
	{ "html", "text/html", false },
	{ "empty", "", false },
	{ "prefix", "text/plainx", false },
	{ "short", "text/plai", false },
	{ "list", "text/plain, text/html", false },
	{ "param_lookalike", "text/html; x=text/plain", false },
	{ "inner_space", "text/ plain", false },
	{ "nul", "text/plain\0", false },
	{ "octet", "application/octet-stream", false },
};

START_TEST(test_media_type)
{
	size_t		 len;
	bool		 got;

	len = strlen(media_cases[_i].in);
	if (strcmp(media_cases[_i].name, "nul") == 0)
		len++;
	got = fetch_media_type_is_text_plain(span_make(media_cases[_i].in,
	    len));
	ck_assert_msg(got == media_cases[_i].want, "case %s: got %d, want %d",
	    media_cases[_i].name, got, media_cases[_i].want);
}
END_TEST

START_TEST(test_status_names)
{
	static const struct {
		enum fetch_status	 st;
		const char		*want;
	} c[] = {
		{ FETCH_OK, "ok" }, { FETCH_CONNECT, "connect" },
		{ FETCH_TLS, "tls" }, { FETCH_HTTP_STATUS, "http-status" },
		{ FETCH_REDIRECT, "redirect" },
		{ FETCH_MEDIA_TYPE, "media-type" },
		{ FETCH_TOO_LARGE, "too-large" }, { FETCH_TIMEOUT, "timeout" },
		{ FETCH_PROTOCOL, "protocol" }, { FETCH_ERROR, "error" },
	};
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(strcmp(fetch_status_name(c[i].st), c[i].want) ==
		    0, "case %s: got %s, want %s", c[i].want,
		    fetch_status_name(c[i].st), c[i].want);
}
END_TEST

static Suite *
fetch_suite(void)
{
	Suite	*s = suite_create("fetch");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_media_type, 0,
	    sizeof(media_cases) / sizeof(media_cases[0]));
	tcase_add_test(tc, test_status_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(fetch_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
