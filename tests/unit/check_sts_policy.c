/*
 * check_sts_policy.c: unit tests for sts_policy.c (policy file, mx
 * patterns, Postfix policy string).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sts_policy.h"
#include "testdata.h"

/* "mode=M max_age=N mx=P1,P2" for messages and corpus comparisons. */
static char *
summary(const struct sts_policy *p)
{
	struct buf	 b;
	size_t		 i;
	char		*s;

	buf_init(&b, 1 << 20);
	buf_add_str(&b, "mode=");
	buf_add_str(&b, sts_mode_name(p->mode));
	buf_add_str(&b, " max_age=");
	buf_add_u64(&b, p->max_age);
	buf_add_str(&b, " mx=");
	for (i = 0; i < p->mx_count; i++) {
		if (i > 0)
			buf_add_byte(&b, ',');
		buf_add_str(&b, p->mx[i]);
	}
	s = buf_strdup(&b);
	buf_clear(&b);
	return s;
}

/* The Postfix string for p, or "NOTFOUND" when the builder refuses. */
static char *
postfix(const struct sts_policy *p, const char **why)
{
	struct buf	 b;
	char		*s;

	buf_init(&b, 1 << 20);
	if (sts_policy_postfix(p, &b, why) == -1) {
		ck_assert_msg(b.len == 0, "case builder: got %zu bytes after "
		    "failure, want 0", b.len);
		buf_clear(&b);
		return xstrdup("NOTFOUND");
	}
	s = buf_strdup(&b);
	buf_clear(&b);
	return s;
}

/* The property: inside match= only [a-z0-9.:-], and the fixed frame. */
static bool
reply_is_clean(const char *r)
{
	static const char	head[] = "secure match=";
	static const char	tail[] = " servername=hostname";
	size_t			len = strlen(r), i;

	if (strcmp(r, "NOTFOUND") == 0)
		return true;
	if (len <= sizeof(head) - 1 + sizeof(tail) - 1 ||
	    strncmp(r, head, sizeof(head) - 1) != 0 ||
	    strcmp(r + len - (sizeof(tail) - 1), tail) != 0)
		return false;
	for (i = sizeof(head) - 1; i < len - (sizeof(tail) - 1); i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '.' ||
		    r[i] == ':' || r[i] == '-'))
			return false;
	return true;
}

struct parse_case {
	const char	*name;
	const char	*body;
	const char	*want;	/* summary, or the reason when rc == -1 */
	const char	*reply;	/* Postfix string or NOTFOUND; NULL if bad */
};

#define P_HEAD	"version: STSv1\nmode: enforce\nmax_age: 86400\n"

static const struct parse_case parse_cases[] = {
	{ "rfc-example",
	    "version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n",
	    "mode=enforce max_age=604800 mx=mail.example.com,*.example.net,"
	    "backupmx.example.com",
	    "secure match=mail.example.com:.example.net:backupmx.example.com"
	    " servername=hostname" },
	{ "crlf",
	    "version: STSv1\r\nmode: enforce\r\nmx: mx.example\r\n"
	    "max_age: 1\r\n",
	    "mode=enforce max_age=1 mx=mx.example",
	    "secure match=mx.example servername=hostname" },
	{ "no-final-newline", P_HEAD "mx: mx.example",
	    "mode=enforce max_age=86400 mx=mx.example",
	    "secure match=mx.example servername=hostname" },
	{ "no-final-newline-crlf",
	    "version: STSv1\r\nmode: enforce\r\nmax_age: 5\r\nmx: a.example",
	    "mode=enforce max_age=5 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "mixed-line-ends",
	    "version: STSv1\r\nmode: enforce\nmax_age: 5\r\nmx: a.example\n",
	    "mode=enforce max_age=5 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "tabs-and-trailing-space",
	    "version:\tSTSv1 \t\nmode:  enforce\t\nmax_age:\t\t300  \n"
	    "mx:\t*.Example.NET.\t\n",
	    "mode=enforce max_age=300 mx=*.example.net",
	    "secure match=.example.net servername=hostname" },
	{ "no-space-after-colon",
	    "version:STSv1\nmode:enforce\nmax_age:300\nmx:a.example\n",
	    "mode=enforce max_age=300 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "blank-lines", "\n" P_HEAD "\n  \nmx: a.example\n\n\r\n",
	    "mode=enforce max_age=86400 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "testing", "version: STSv1\nmode: testing\nmax_age: 86400\n"
	    "mx: a.example\n",
	    "mode=testing max_age=86400 mx=a.example", "NOTFOUND" },
	{ "none-no-mx", "version: STSv1\nmode: none\nmax_age: 86400\n",
	    "mode=none max_age=86400 mx=", "NOTFOUND" },
	{ "none-with-mx", "version: STSv1\nmode: none\nmax_age: 86400\n"
	    "mx: a.example\n",
	    "mode=none max_age=86400 mx=a.example", "NOTFOUND" },
	{ "max-age-zero", "version: STSv1\nmode: enforce\nmax_age: 0\n"
	    "mx: a.example\n", "mode=enforce max_age=0 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "max-age-at-cap", "version: STSv1\nmode: enforce\n"
	    "max_age: 31557600\nmx: a.example\n",
	    "mode=enforce max_age=31557600 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "max-age-capped", "version: STSv1\nmode: enforce\n"
	    "max_age: 31557601\nmx: a.example\n",
	    "mode=enforce max_age=31557600 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "max-age-10-digits", "version: STSv1\nmode: enforce\n"
	    "max_age: 9999999999\nmx: a.example\n",
	    "mode=enforce max_age=31557600 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "max-age-leading-zeros", "version: STSv1\nmode: enforce\n"
	    "max_age: 0000086400\nmx: a.example\n",
	    "mode=enforce max_age=86400 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "max-age-11-digits", "version: STSv1\nmode: enforce\n"
	    "max_age: 00000086400\nmx: a.example\n",
	    "max_age longer than 10 digits", NULL },
	{ "max-age-repeat-unchecked", P_HEAD "max_age: +5\nmx: a.example\n",
	    "mode=enforce max_age=86400 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "unknown-keys", "version: STSv1\nfoo: bar\nmode: enforce\n"
	    "x-unicode: caf\xc3\xa9\nempty:\nmax_age: 60\nmx: a.example\n",
	    "mode=enforce max_age=60 mx=a.example",
	    "secure match=a.example servername=hostname" },
	{ "repeats-first-counts", "version: STSv1\nmode: testing\n"
	    "max_age: 60\nmode: enforce\nmax_age: 99\nversion: STSv9\n"
	    "mode: bogus\nmx: a.example\n",
	    "mode=testing max_age=60 mx=a.example", "NOTFOUND" },
	{ "duplicate-mx-kept-dedup-in-reply", P_HEAD "mx: a.example\n"
	    "mx: A.example.\nmx: *.b.example\nmx: *.B.EXAMPLE\n"
	    "mx: a.example\n",
	    "mode=enforce max_age=86400 mx=a.example,a.example,*.b.example,"
	    "*.b.example,a.example",
	    "secure match=a.example:.b.example servername=hostname" },
	{ "exact-and-wildcard-same-suffix", P_HEAD "mx: b.example\n"
	    "mx: *.b.example\n",
	    "mode=enforce max_age=86400 mx=b.example,*.b.example",
	    "secure match=b.example:.b.example servername=hostname" },
	{ "a-label-mx", P_HEAD "mx: xn--bcher-kva.example\n",
	    "mode=enforce max_age=86400 mx=xn--bcher-kva.example",
	    "secure match=xn--bcher-kva.example servername=hostname" },

	/* refused */
	{ "empty", "", "empty policy", NULL },
	{ "only-newline", "\n", "no version field", NULL },
	{ "no-version", "mode: enforce\nmax_age: 1\nmx: a.example\n",
	    "no version field", NULL },
	{ "version-lower", "version: stsv1\nmode: enforce\nmax_age: 1\n"
	    "mx: a.example\n", "unsupported version", NULL },
	{ "version-v2", "version: STSv2\nmode: enforce\nmax_age: 1\n"
	    "mx: a.example\n", "unsupported version", NULL },
	{ "no-mode", "version: STSv1\nmax_age: 1\nmx: a.example\n",
	    "no mode field", NULL },
	{ "mode-upper", "version: STSv1\nmode: Enforce\nmax_age: 1\n"
	    "mx: a.example\n", "unknown mode", NULL },
	{ "mode-empty", "version: STSv1\nmode:\nmax_age: 1\nmx: a.example\n",
	    "unknown mode", NULL },
	{ "no-max-age", "version: STSv1\nmode: enforce\nmx: a.example\n",
	    "no max_age field", NULL },
	{ "max-age-negative", "version: STSv1\nmode: enforce\nmax_age: -1\n"
	    "mx: a.example\n", "max_age is not a number", NULL },
	{ "max-age-plus", "version: STSv1\nmode: enforce\nmax_age: +1\n"
	    "mx: a.example\n", "max_age is not a number", NULL },
	{ "max-age-inner-space", "version: STSv1\nmode: enforce\n"
	    "max_age: 1 2\nmx: a.example\n", "max_age is not a number", NULL },
	{ "max-age-empty", "version: STSv1\nmode: enforce\nmax_age:\n"
	    "mx: a.example\n", "max_age is not a number", NULL },
	{ "max-age-hex", "version: STSv1\nmode: enforce\nmax_age: 0x10\n"
	    "mx: a.example\n", "max_age is not a number", NULL },
	{ "enforce-no-mx", P_HEAD, "no mx field", NULL },
	{ "testing-no-mx", "version: STSv1\nmode: testing\nmax_age: 1\n",
	    "no mx field", NULL },
	{ "mx-empty", P_HEAD "mx:\n", "empty mx value", NULL },
	{ "mx-star-only", P_HEAD "mx: *\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-star-dot", P_HEAD "mx: *.\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-double-wildcard", P_HEAD "mx: *.*.example.net\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-inner-wildcard", P_HEAD "mx: mail.*.example.net\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-partial-wildcard", P_HEAD "mx: mx*.example.net\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-two-names", P_HEAD "mx: a.example b.example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-comma-list", P_HEAD "mx: a.example,b.example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-colon", P_HEAD "mx: a.example:b.example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-attr-injection", P_HEAD
	    "mx: a.example servername=evil.example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-equals", P_HEAD "mx: a=b\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-ip4", P_HEAD "mx: 192.0.2.25\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-ip4-bracket", P_HEAD "mx: [192.0.2.25]\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-ip6", P_HEAD "mx: 2001:db8::25\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-u-label", P_HEAD "mx: b\xc3\xbc" "cher.example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-underscore", P_HEAD "mx: mx_1.example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-double-dot", P_HEAD "mx: a..example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-two-trailing-dots", P_HEAD "mx: a.example..\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-bad-after-good", P_HEAD "mx: a.example\nmx: b example\n",
	    "mx value is not a valid host name pattern", NULL },
	{ "mx-in-testing-bad", "version: STSv1\nmode: testing\nmax_age: 1\n"
	    "mx: bad/name\n", "mx value is not a valid host name pattern",
	    NULL },
	{ "space-before-colon", "version : STSv1\nmode: enforce\nmax_age: 1\n"
	    "mx: a.example\n", "line is not key: value", NULL },
	{ "leading-space", " version: STSv1\nmode: enforce\nmax_age: 1\n"
	    "mx: a.example\n", "line is not key: value", NULL },
	{ "no-colon", P_HEAD "mx a.example\n", "line is not key: value",
	    NULL },
	{ "equals-not-colon", "version=STSv1\n", "line is not key: value",
	    NULL },
	{ "key-33", P_HEAD "mx: a.example\n"
	    "a234567890123456789012345678901bc: x\n",
	    "field name longer than 32 characters", NULL },
	{ "html", "<!DOCTYPE html>\n<html><head><title>MTA-STS</title></head>"
	    "<body>version: STSv1</body></html>\n", "line is not key: value",
	    NULL },
	{ "lone-cr", "version: STSv1\rmode: enforce\nmax_age: 1\n"
	    "mx: a.example\n", "control character in policy", NULL },
	{ "cr-cr-lf", "version: STSv1\r\r\nmode: enforce\nmax_age: 1\n"
	    "mx: a.example\n", "control character in policy", NULL },
	{ "form-feed", P_HEAD "mx: a.example\n\f\n",
	    "control character in policy", NULL },
	{ "esc-in-unknown", P_HEAD "mx: a.example\nx: \x1b[31m\n",
	    "control character in policy", NULL },
	{ "del-in-mx", P_HEAD "mx: a.exa\x7fmple\n",
	    "control character in policy", NULL },
	{ "json", "{\"version\": \"STSv1\", \"mode\": \"enforce\"}\n",
	    "line is not key: value", NULL },
};

static void
check_parse(const char *name, struct span body, const char *want,
    const char *reply)
{
	struct sts_policy	 p, cp;
	const char		*why = "";
	char			*got, *r, *r2;
	int			 rc;

	memset(&p, 0xa5, sizeof(p));
	rc = sts_policy_parse(body, &p, &why);
	if (reply == NULL) {
		ck_assert_msg(rc == -1, "case %s: got success, want %s",
		    name, want);
		ck_assert_msg(p.mx == NULL && p.mx_count == 0, "case %s: got "
		    "%zu mx after failure, want 0", name, p.mx_count);
		if (want != NULL)
			ck_assert_msg(strcmp(why, want) == 0, "case %s: got "
			    "%s, want %s", name, why, want);
		sts_policy_clear(&p);
		return;
	}
	ck_assert_msg(rc == 0, "case %s: got %s, want %s", name, why, want);
	got = summary(&p);
	ck_assert_msg(strcmp(got, want) == 0, "case %s: got %s, want %s",
	    name, got, want);
	r = postfix(&p, &why);
	ck_assert_msg(strcmp(r, reply) == 0, "case %s: got %s, want %s",
	    name, r, reply);
	ck_assert_msg(reply_is_clean(r), "case %s: got %s, want a clean "
	    "reply", name, r);

	/* a copy says the same */
	ck_assert_int_eq(sts_policy_copy(&cp, &p), 0);
	sts_policy_clear(&p);
	free(got);
	got = summary(&cp);
	ck_assert_msg(strcmp(got, want) == 0, "case %s copy: got %s, want "
	    "%s", name, got, want);
	r2 = postfix(&cp, &why);
	ck_assert_msg(strcmp(r2, reply) == 0, "case %s copy: got %s, want "
	    "%s", name, r2, reply);
	sts_policy_clear(&cp);
	sts_policy_clear(&cp);
	free(got);
	free(r);
	free(r2);
}

START_TEST(test_parse_table)
{
	const struct parse_case	*c = &parse_cases[_i];

	check_parse(c->name, span_str(c->body), c->want, c->reply);
}
END_TEST

START_TEST(test_parse_nul)
{
	static const char	b1[] = P_HEAD "mx: a.example\0\n";
	static const char	b2[] = "\0" P_HEAD "mx: a.example\n";
	static const char	b3[] = P_HEAD "mx: a.example\nx: \0\n";
	static const char	b4[] = "\0";

	check_parse("nul-in-mx", span_make(b1, sizeof(b1) - 1),
	    "NUL byte in policy", NULL);
	check_parse("nul-first", span_make(b2, sizeof(b2) - 1),
	    "NUL byte in policy", NULL);
	check_parse("nul-in-unknown", span_make(b3, sizeof(b3) - 1),
	    "NUL byte in policy", NULL);
	check_parse("nul-only", span_make(b4, sizeof(b4) - 1),
	    "NUL byte in policy", NULL);
}
END_TEST

/* A valid policy padded with a comment-like unknown field to n bytes. */
static void
check_size(const char *name, size_t n, const char *want, const char *reply)
{
	static const char	 head[] = P_HEAD "mx: a.example\npad: ";
	char			*b;

	b = xmalloc(n);
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'x', n - (sizeof(head) - 1));
	b[n - 1] = '\n';
	check_parse(name, span_make(b, n), want, reply);
	free(b);
}

/* A policy with n mx lines mN.example. */
static void
check_mx_count(const char *name, size_t n, const char *want,
    const char *reply)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, STS_POLICY_MAX_BODY);
	buf_add_str(&b, P_HEAD);
	for (i = 0; i < n; i++) {
		buf_add_str(&b, "mx: m");
		buf_add_u64(&b, i);
		buf_add_str(&b, ".example\n");
	}
	check_parse(name, buf_span(&b), want, reply);
	buf_clear(&b);
}

START_TEST(test_parse_limits)
{
	struct sts_policy	 p;
	struct buf		 b, r;
	const char		*why = "";
	size_t			 i;

	check_size("body-65536", STS_POLICY_MAX_BODY,
	    "mode=enforce max_age=86400 mx=a.example",
	    "secure match=a.example servername=hostname");
	check_size("body-65537", STS_POLICY_MAX_BODY + 1,
	    "policy larger than 65536 bytes", NULL);
	check_mx_count("mx-101", STS_POLICY_MAX_MX + 1,
	    "more than 100 mx fields", NULL);

	/* 100 mx: accepted, and the reply lists all of them */
	buf_init(&b, STS_POLICY_MAX_BODY);
	buf_add_str(&b, P_HEAD);
	for (i = 0; i < STS_POLICY_MAX_MX; i++) {
		buf_add_str(&b, "mx: *.m");
		buf_add_u64(&b, i);
		buf_add_str(&b, ".example\n");
	}
	ck_assert_msg(sts_policy_parse(buf_span(&b), &p, &why) == 0,
	    "case mx-100: got %s, want success", why);
	ck_assert_msg(p.mx_count == STS_POLICY_MAX_MX, "case mx-100: got "
	    "%zu, want %d", p.mx_count, STS_POLICY_MAX_MX);
	buf_init(&r, 100000);
	ck_assert_msg(sts_policy_postfix(&p, &r, &why) == 0, "case mx-100: "
	    "got %s, want a reply", why);
	ck_assert_msg(r.len < 100000 / 10, "case mx-100: got %zu bytes, "
	    "want far below Postfix's cap", r.len);
	sts_policy_clear(&p);
	buf_clear(&r);
	buf_clear(&b);

	/* a 253-byte mx name, and 254 */
	buf_init(&b, STS_POLICY_MAX_BODY);
	buf_add_str(&b, P_HEAD "mx: *.");
	for (i = 0; i < 3 * 64 + 61; i++)
		buf_add_byte(&b, i % 64 == 63 ? '.' : 'a');
	ck_assert_msg(sts_policy_parse(buf_span(&b), &p, &why) == 0,
	    "case mx-253: got %s, want success", why);
	ck_assert_msg(strlen(p.mx[0]) == 2 + 253, "case mx-253: got %zu, "
	    "want 255", strlen(p.mx[0]));
	sts_policy_clear(&p);
	buf_add_byte(&b, 'a');
	ck_assert_msg(sts_policy_parse(buf_span(&b), &p, &why) == -1,
	    "case mx-254: got success, want failure");
	buf_clear(&b);
}
END_TEST

START_TEST(test_postfix_builder)
{
	struct sts_policy	 p;
	struct buf		 b;
	const char		*why = "";
	char			*mx[3];
	char			 bad1[] = "a.example servername=evil";
	char			 bad2[] = "*.*.example";
	char			 bad3[] = "A.example";
	char			 good[] = "a.example";
	char			 wild[] = "*.b.example";

	sts_policy_init(&p);
	buf_init(&b, 1 << 16);
	p.mode = STS_MODE_ENFORCE;
	p.mx = mx;

	/* the builder re-checks what it is given and never half-writes */
	buf_add_str(&b, "OK ");
	mx[0] = good;
	mx[1] = bad1;
	p.mx_count = 2;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 3,
	    "case injected: got %d bytes, want refusal", (int)b.len);
	mx[1] = bad2;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 3,
	    "case double-wild: got %d bytes, want refusal", (int)b.len);
	mx[1] = bad3;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 3,
	    "case upper: got %d bytes, want refusal", (int)b.len);
	mx[1] = NULL;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 3,
	    "case null: got %d bytes, want refusal", (int)b.len);

	/* it appends */
	mx[1] = wild;
	mx[2] = good;
	p.mx_count = 3;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == 0, "case append: "
	    "got %s, want success", why);
	ck_assert_msg(b.len == strlen("OK secure match=a.example:.b.example "
	    "servername=hostname") && memcmp(b.p, "OK secure match=a.example:"
	    ".b.example servername=hostname", b.len) == 0, "case append: got "
	    "%.*s, want the reply after OK", (int)b.len, (const char *)b.p);

	/* modes other than enforce, and no mx */
	p.mode = STS_MODE_TESTING;
	b.len = 0;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 0 &&
	    strcmp(why, "policy mode is not enforce") == 0, "case testing: "
	    "got %s, want refusal", why);
	p.mode = STS_MODE_NONE;
	ck_assert(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 0);
	p.mode = STS_MODE_ENFORCE;
	p.mx_count = 0;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 &&
	    strcmp(why, "policy has no mx") == 0, "case no-mx: got %s, want "
	    "refusal", why);

	/* a cap too small: refused, out unchanged */
	buf_clear(&b);
	buf_init(&b, 20);
	p.mx_count = 1;
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == -1 && b.len == 0 &&
	    strcmp(why, "policy string too long") == 0, "case cap: got %s, "
	    "want refusal", why);
	buf_clear(&b);
	/* p.mx is on the stack: do not sts_policy_clear(&p) */
}
END_TEST

/*
 * Duplicates are folded in order of first appearance, a wildcard and its
 * plain name kept apart, at the full 100 mx (linear dedupe).
 */
START_TEST(test_postfix_dedupe)
{
	struct sts_policy	 p;
	struct buf		 b;
	const char		*why = "";
	char			*mx[STS_POLICY_MAX_MX];
	char			 a[] = "a.example", w[] = "*.a.example";
	char			 c[] = "c.example";
	const char		*want = "secure match=a.example:.a.example:"
				    "c.example servername=hostname";
	size_t			 i;

	sts_policy_init(&p);
	p.mode = STS_MODE_ENFORCE;
	p.mx = mx;
	for (i = 0; i < STS_POLICY_MAX_MX; i++)
		mx[i] = i % 3 == 0 ? a : i % 3 == 1 ? w : c;
	p.mx_count = STS_POLICY_MAX_MX;
	buf_init(&b, 1 << 16);
	ck_assert_msg(sts_policy_postfix(&p, &b, &why) == 0 &&
	    span_eq_str(buf_span(&b), want), "case dedupe-100: got %.*s, "
	    "want %s", (int)b.len, b.len ? (const char *)b.p : "", want);
	buf_clear(&b);
}
END_TEST

struct match_case {
	const char	*name;
	const char	*pattern;
	const char	*host;
	bool		 match;
};

static const struct match_case match_cases[] = {
	{ "exact", "mail.example.com", "mail.example.com", true },
	{ "exact-case", "mail.example.com", "MAIL.Example.COM", true },
	{ "exact-dot", "mail.example.com", "mail.example.com.", true },
	{ "exact-other", "mail.example.com", "mail2.example.com", false },
	{ "exact-suffix", "example.com", "mail.example.com", false },
	{ "wild-one-label", "*.example.net", "mx1.example.net", true },
	{ "wild-case", "*.example.net", "MX1.EXAMPLE.NET.", true },
	{ "wild-two-labels", "*.example.net", "a.mx1.example.net", false },
	{ "wild-bare", "*.example.net", "example.net", false },
	{ "wild-other", "*.example.net", "mx1.example.org", false },
	{ "wild-suffix-trick", "*.example.net", "mx1.badexample.net", false },
	{ "wild-star-host", "*.example.net", "*.example.net", false },
	{ "host-empty", "example.net", "", false },
	{ "host-empty-label", "*.example.net", ".example.net", false },
	{ "host-invalid", "*.example.net", "a b.example.net", false },
};

START_TEST(test_mx_matches_table)
{
	const struct match_case	*c = &match_cases[_i];
	bool			 got;

	got = sts_policy_mx_matches(c->pattern, span_str(c->host));
	ck_assert_msg(got == c->match, "case %s: got %d, want %d", c->name,
	    got, c->match);
}
END_TEST

/*
 * The fuzzer found this edge: "*." + a name of 252 or 253 bytes is a valid
 * pattern, but "label." + that name is longer than any host name (253), so
 * it matches nothing.  A suffix of 251 bytes still matches "a." + it.
 */
START_TEST(test_mx_matches_long_wildcard)
{
	char	suffix[254], pat[256], host[256];
	size_t	n;

	for (n = 251; n <= 253; n++) {
		memset(suffix, 'a', n);
		suffix[63] = suffix[127] = suffix[191] = '.';
		suffix[n] = '\0';
		(void)snprintf(pat, sizeof(pat), "*.%s", suffix);
		(void)snprintf(host, sizeof(host), "a.%s", suffix);
		ck_assert_msg(sts_policy_mx_matches(pat, span_str(host)) ==
		    (n == 251), "suffix of %zu bytes: got %d, want %d", n,
		    !(n == 251), n == 251);
	}
}
END_TEST

START_TEST(test_mode)
{
	enum sts_mode	m;

	ck_assert(sts_mode_parse(span_str("enforce"), &m) == 0 &&
	    m == STS_MODE_ENFORCE);
	ck_assert(sts_mode_parse(span_str("testing"), &m) == 0 &&
	    m == STS_MODE_TESTING);
	ck_assert(sts_mode_parse(span_str("none"), &m) == 0 &&
	    m == STS_MODE_NONE);
	ck_assert(sts_mode_parse(span_str("NONE"), &m) == -1);
	ck_assert(sts_mode_parse(span_str("enforce "), &m) == -1);
	ck_assert(sts_mode_parse(span_str(""), &m) == -1);
	ck_assert_str_eq(sts_mode_name(STS_MODE_ENFORCE), "enforce");
	ck_assert_str_eq(sts_mode_name(STS_MODE_TESTING), "testing");
	ck_assert_str_eq(sts_mode_name(STS_MODE_NONE), "none");
}
END_TEST

START_TEST(test_clear_zeroed)
{
	struct sts_policy	p;

	memset(&p, 0, sizeof(p));
	sts_policy_clear(&p);
	sts_policy_clear(&p);
	ck_assert(p.mx == NULL && p.mx_count == 0);
}
END_TEST

/*
 * good/NAME.txt: a policy; good/NAME.expect: its summary line and the
 * exact Postfix string (or NOTFOUND).  bad/NAME.txt: a policy to refuse;
 * bad/NAME.expect: the reason.  The property check (clean reply) runs on
 * every good file.
 */
START_TEST(test_corpus)
{
	struct buf	 in, exp;
	char		 path[512], *e, *nl;
	char		**names;
	size_t		 n, i;
	int		 d;
	const char	*dirs[] = { "sts_policy/good", "sts_policy/bad" };

	buf_init(&in, STS_POLICY_MAX_BODY + 1);
	buf_init(&exp, TESTDATA_MAX_FILE);
	for (d = 0; d < 2; d++) {
		names = testdata_list(dirs[d], ".txt", &n);
		ck_assert_msg(names != NULL && n > 0, "case %s: got no "
		    "corpus under %s, want files", dirs[d], testdata_dir());
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s.txt", dirs[d],
			    names[i]);
			ck_assert_msg(testdata_read(path, &in) == 0,
			    "case %s: got read error, want file", path);
			snprintf(path, sizeof(path), "%s/%s.expect", dirs[d],
			    names[i]);
			ck_assert_msg(testdata_read(path, &exp) == 0,
			    "case %s: got no file, want one", path);
			if (exp.len > 0 && exp.p[exp.len - 1] == '\n')
				exp.len--;
			e = buf_strdup(&exp);
			nl = strchr(e, '\n');
			ck_assert_msg((d == 0) == (nl != NULL), "case %s: got "
			    "%s, want 2 lines for good, 1 for bad", path, e);
			if (nl != NULL)
				*nl++ = '\0';
			check_parse(names[i], buf_span(&in), e, nl);
			free(e);
		}
		testdata_list_free(names, n);
	}
	buf_clear(&in);
	buf_clear(&exp);
}
END_TEST

static Suite *
sts_policy_suite(void)
{
	Suite	*s = suite_create("sts_policy");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_table, 0,
	    sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_test(tc, test_parse_nul);
	tcase_add_test(tc, test_parse_limits);
	tcase_add_test(tc, test_postfix_builder);
	tcase_add_test(tc, test_postfix_dedupe);
	tcase_add_loop_test(tc, test_mx_matches_table, 0,
	    sizeof(match_cases) / sizeof(match_cases[0]));
	tcase_add_test(tc, test_mx_matches_long_wildcard);
	tcase_add_test(tc, test_mode);
	tcase_add_test(tc, test_clear_zeroed);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sts_policy_suite());
	int	 nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
