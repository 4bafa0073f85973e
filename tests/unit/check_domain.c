/*
 * check_domain.c: unit tests for domain.c (lookup keys and host names).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "domain.h"
#include "testdata.h"

static const char *
kind_name(enum domain_key_kind k)
{
	switch (k) {
	case DOMAIN_KEY_NAME:
		return "name";
	case DOMAIN_KEY_PARENT_PROBE:
		return "parent";
	case DOMAIN_KEY_IP_LITERAL:
		return "ip";
	case DOMAIN_KEY_INVALID:
		return "invalid";
	}
	return "?";
}

struct key_case {
	const char		*name;
	const char		*key;
	enum domain_key_kind	 kind;
	const char		*want;	/* normalised name, or the reason */
};

static const struct key_case key_cases[] = {
	{ "plain", "example.com", DOMAIN_KEY_NAME, "example.com" },
	{ "mixed-case", "ExAmPlE.CoM", DOMAIN_KEY_NAME, "example.com" },
	{ "trailing-dot", "example.com.", DOMAIN_KEY_NAME, "example.com" },
	{ "two-trailing-dots", "example.com..", DOMAIN_KEY_INVALID,
	    "empty label" },
	{ "single-label", "localhost", DOMAIN_KEY_NAME, "localhost" },
	{ "digit-start", "1example.com", DOMAIN_KEY_NAME, "1example.com" },
	{ "hyphen-inside", "my-mail.example", DOMAIN_KEY_NAME,
	    "my-mail.example" },
	{ "a-label", "xn--bcher-kva.example", DOMAIN_KEY_NAME,
	    "xn--bcher-kva.example" },
	{ "parent-probe", ".example.com", DOMAIN_KEY_PARENT_PROBE,
	    "example.com" },
	{ "parent-probe-tld", ".com", DOMAIN_KEY_PARENT_PROBE, "com" },
	{ "parent-probe-case", ".Example.COM.", DOMAIN_KEY_PARENT_PROBE,
	    "example.com" },
	{ "parent-probe-dot-only", ".", DOMAIN_KEY_INVALID, "empty name" },
	{ "parent-probe-double", "..com", DOMAIN_KEY_INVALID, "empty label" },
	{ "relay", "[relay.example]", DOMAIN_KEY_NAME, "relay.example" },
	{ "relay-port", "[relay.example]:587", DOMAIN_KEY_NAME,
	    "relay.example" },
	{ "relay-case-dot", "[Relay.Example.]:25", DOMAIN_KEY_NAME,
	    "relay.example" },
	{ "relay-port-max", "[relay.example]:65535", DOMAIN_KEY_NAME,
	    "relay.example" },
	{ "relay-port-zero", "[relay.example]:0", DOMAIN_KEY_INVALID,
	    "invalid port" },
	{ "relay-port-65536", "[relay.example]:65536", DOMAIN_KEY_INVALID,
	    "invalid port" },
	{ "relay-port-lead-zero", "[relay.example]:0587", DOMAIN_KEY_INVALID,
	    "invalid port" },
	{ "relay-port-name", "[relay.example]:smtp", DOMAIN_KEY_INVALID,
	    "invalid port" },
	{ "relay-port-empty", "[relay.example]:", DOMAIN_KEY_INVALID,
	    "invalid port" },
	{ "relay-junk", "[relay.example]x", DOMAIN_KEY_INVALID,
	    "unexpected text after ']'" },
	{ "relay-unterminated", "[relay.example", DOMAIN_KEY_INVALID,
	    "unterminated '['" },
	{ "relay-empty", "[]", DOMAIN_KEY_INVALID, "empty brackets" },
	{ "relay-empty-port", "[]:25", DOMAIN_KEY_INVALID, "empty brackets" },
	{ "relay-probe", "[.example]", DOMAIN_KEY_INVALID, "empty label" },
	{ "host-port", "example.com:2525", DOMAIN_KEY_NAME, "example.com" },
	{ "host-port-bad", "example.com:25x", DOMAIN_KEY_INVALID,
	    "invalid port" },
	{ "host-port-no-host", ":25", DOMAIN_KEY_INVALID, "empty name" },
	{ "ip4-bracket", "[192.0.2.1]", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip4-bracket-port", "[192.0.2.1]:25", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip4-bare", "192.0.2.1", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip4-bare-port", "192.0.2.1:25", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip4-bare-dot", "192.0.2.1.", DOMAIN_KEY_IP_LITERAL, "" },
	{ "numeric-tld", "example.123", DOMAIN_KEY_IP_LITERAL, "" },
	{ "numeric-single", "12345", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip6-tagged", "[IPv6:2001:db8::1]", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip6-tagged-lower", "[ipv6:2001:db8::1]:25", DOMAIN_KEY_IP_LITERAL,
	    "" },
	{ "ip6-untagged", "[2001:db8::1]", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip6-bare", "2001:db8::1", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip6-bare-tagged", "IPv6:::1", DOMAIN_KEY_IP_LITERAL, "" },
	{ "ip6-v4mapped", "[IPv6:::ffff:192.0.2.1]", DOMAIN_KEY_IP_LITERAL,
	    "" },
	{ "ip6-bad", "[IPv6:2001:db8::zz]", DOMAIN_KEY_INVALID,
	    "invalid IPv6 literal" },
	{ "ip6-bad-bare", "a:b:c", DOMAIN_KEY_INVALID,
	    "invalid IPv6 literal" },
	{ "ip6-zone", "[IPv6:fe80::1%eth0]", DOMAIN_KEY_INVALID,
	    "invalid IPv6 literal" },
	{ "ip6-tag-only", "[IPv6:]", DOMAIN_KEY_INVALID,
	    "invalid IPv6 literal" },
	{ "empty", "", DOMAIN_KEY_INVALID, "empty key" },
	{ "space", "exa mple.com", DOMAIN_KEY_INVALID,
	    "invalid character in name" },
	{ "underscore", "_mta-sts.example.com", DOMAIN_KEY_INVALID,
	    "invalid character in name" },
	{ "tab", "example.com\t", DOMAIN_KEY_INVALID,
	    "control character in key" },
	{ "newline", "example.com\n", DOMAIN_KEY_INVALID,
	    "control character in key" },
	{ "del", "exa\x7fmple.com", DOMAIN_KEY_INVALID,
	    "control character in key" },
	{ "leading-hyphen", "-example.com", DOMAIN_KEY_INVALID,
	    "label starts or ends with a hyphen" },
	{ "trailing-hyphen", "example-.com", DOMAIN_KEY_INVALID,
	    "label starts or ends with a hyphen" },
	{ "inner-empty-label", "example..com", DOMAIN_KEY_INVALID,
	    "empty label" },
	{ "wildcard", "*.example.com", DOMAIN_KEY_INVALID,
	    "invalid character in name" },
	{ "slash", "example.com/x", DOMAIN_KEY_INVALID,
	    "invalid character in name" },
	{ "idn", "b\xc3\xbc" "cher.example", DOMAIN_KEY_NAME,
	    "xn--bcher-kva.example" },
	{ "idn-upper", "B\xc3\x9c" "CHER.Example.", DOMAIN_KEY_NAME,
	    "xn--bcher-kva.example" },
	{ "idn-probe", ".b\xc3\xbc" "cher.example", DOMAIN_KEY_PARENT_PROBE,
	    "xn--bcher-kva.example" },
	{ "idn-relay", "[b\xc3\xbc" "cher.example]:25", DOMAIN_KEY_NAME,
	    "xn--bcher-kva.example" },
	{ "idn-bad-utf8", "\xff\xfe.example", DOMAIN_KEY_INVALID,
	    "IDN conversion failed" },
	{ "idn-truncated-utf8", "b\xc3.example", DOMAIN_KEY_INVALID,
	    "IDN conversion failed" },
	{ "idn-symbol", "\xe2\x98\x83.example", DOMAIN_KEY_INVALID,
	    "IDN conversion failed" },
};

static void
check_key(const char *name, struct span key, enum domain_key_kind kind,
    const char *want)
{
	struct domain_name	 n;
	enum domain_key_kind	 got;
	const char		*why = "";

	got = domain_key_parse(key, &n, &why);
	ck_assert_msg(got == kind, "case %s: got %s (%s), want %s", name,
	    kind_name(got), got == DOMAIN_KEY_INVALID ? why : n.name,
	    kind_name(kind));
	ck_assert_msg(n.len == strlen(n.name), "case %s: got len %zu, "
	    "want %zu", name, n.len, strlen(n.name));
	switch (kind) {
	case DOMAIN_KEY_NAME:
	case DOMAIN_KEY_PARENT_PROBE:
		ck_assert_msg(strcmp(n.name, want) == 0, "case %s: got %s, "
		    "want %s", name, n.name, want);
		ck_assert_msg(domain_is_valid(span_make(n.name, n.len)) ||
		    kind == DOMAIN_KEY_PARENT_PROBE, "case %s: got invalid "
		    "name %s, want valid", name, n.name);
		break;
	case DOMAIN_KEY_IP_LITERAL:
		ck_assert_msg(n.len == 0, "case %s: got name %s, want none",
		    name, n.name);
		break;
	case DOMAIN_KEY_INVALID:
		ck_assert_msg(n.len == 0, "case %s: got name %s, want none",
		    name, n.name);
		if (want != NULL)
			ck_assert_msg(strcmp(why, want) == 0, "case %s: got "
			    "%s, want %s", name, why, want);
		break;
	}
}

START_TEST(test_key_table)
{
	const struct key_case	*c = &key_cases[_i];

	check_key(c->name, span_str(c->key), c->kind, c->want);
}
END_TEST

/* Keys with a NUL inside cannot be written as C strings. */
START_TEST(test_key_nul)
{
	static const char	k1[] = "example.com\0.evil";
	static const char	k2[] = "\0";
	static const char	k3[] = "[relay.example\0]:25";

	check_key("nul-inside", span_make(k1, sizeof(k1) - 1),
	    DOMAIN_KEY_INVALID, "control character in key");
	check_key("nul-only", span_make(k2, sizeof(k2) - 1),
	    DOMAIN_KEY_INVALID, "control character in key");
	check_key("nul-bracket", span_make(k3, sizeof(k3) - 1),
	    DOMAIN_KEY_INVALID, "control character in key");
}
END_TEST

/* A name of n bytes made of 63-byte labels "aaa...a." with a short tail. */
static void
make_name(char *dst, size_t n, size_t label)
{
	size_t	i;

	for (i = 0; i < n; i++)
		dst[i] = (i + 1) % (label + 1) == 0 ? '.' : 'a';
	if (n > 0 && dst[n - 1] == '.')
		dst[n - 1] = 'b';
	dst[n] = '\0';
}

START_TEST(test_key_limits)
{
	char	name[DOMAIN_MAX_KEY + 8], want[DOMAIN_MAX_KEY + 8];

	/* 63 vs 64 byte labels */
	memset(name, 'a', DOMAIN_MAX_LABEL);
	memcpy(name + DOMAIN_MAX_LABEL, ".example", 9);
	check_key("label-63", span_str(name), DOMAIN_KEY_NAME, name);
	memset(name, 'a', DOMAIN_MAX_LABEL + 1);
	memcpy(name + DOMAIN_MAX_LABEL + 1, ".example", 9);
	check_key("label-64", span_str(name), DOMAIN_KEY_INVALID,
	    "label longer than 63 characters");
	memset(name, 'a', DOMAIN_MAX_LABEL + 1);
	name[DOMAIN_MAX_LABEL + 1] = '\0';
	check_key("label-64-single", span_str(name), DOMAIN_KEY_INVALID,
	    "label longer than 63 characters");

	/* 253 vs 254 byte names, with and without the trailing dot */
	make_name(name, DOMAIN_MAX_NAME, DOMAIN_MAX_LABEL);
	check_key("name-253", span_str(name), DOMAIN_KEY_NAME, name);
	memcpy(want, name, DOMAIN_MAX_NAME + 1);
	name[DOMAIN_MAX_NAME] = '.';
	name[DOMAIN_MAX_NAME + 1] = '\0';
	check_key("name-253-dot", span_str(name), DOMAIN_KEY_NAME, want);
	make_name(name, DOMAIN_MAX_NAME + 1, DOMAIN_MAX_LABEL);
	check_key("name-254", span_str(name), DOMAIN_KEY_INVALID,
	    "name longer than 253 characters");
	name[DOMAIN_MAX_NAME + 1] = '.';
	name[DOMAIN_MAX_NAME + 2] = '\0';
	check_key("name-254-dot", span_str(name), DOMAIN_KEY_INVALID,
	    "name longer than 253 characters");
	make_name(name, DOMAIN_MAX_NAME, DOMAIN_MAX_LABEL);
	memmove(name + 1, name, DOMAIN_MAX_NAME + 1);
	name[0] = '.';
	check_key("probe-253", span_str(name), DOMAIN_KEY_PARENT_PROBE,
	    name + 1);

	/* the key cap */
	make_name(name, DOMAIN_MAX_KEY, DOMAIN_MAX_LABEL);
	check_key("key-1024", span_str(name), DOMAIN_KEY_INVALID,
	    "name longer than 253 characters");
	make_name(name, DOMAIN_MAX_KEY + 1, DOMAIN_MAX_LABEL);
	check_key("key-1025", span_str(name), DOMAIN_KEY_INVALID,
	    "key longer than 1024 bytes");
}
END_TEST

/* A U-label name whose A-label form passes the limits. */
START_TEST(test_key_idn_limits)
{
	char			 name[DOMAIN_MAX_KEY + 8];
	struct domain_name	 dn;
	const char		*why = "";
	size_t			 i, n = 0;

	/* 60 ASCII letters and a "ü" in one label: A-label over 63 */
	for (i = 0; i < 60; i++)
		name[n++] = 'a';
	name[n++] = '\xc3';
	name[n++] = '\xbc';
	memcpy(name + n, ".example", 9);
	check_key("idn-label-too-long", span_str(name), DOMAIN_KEY_INVALID,
	    "IDN conversion failed");
	/* 50 ASCII letters and a "ü": A-label of 59, fine */
	n = 0;
	for (i = 0; i < 50; i++)
		name[n++] = 'a';
	name[n++] = '\xc3';
	name[n++] = '\xbc';
	memcpy(name + n, ".example", 9);
	ck_assert_msg(domain_key_parse(span_str(name), &dn, &why) ==
	    DOMAIN_KEY_NAME && dn.len > 50 + 8 && dn.len <= 63 + 8,
	    "case idn-label-fits: got %s (%s), want an A-label", dn.name,
	    why);
	/* over DOMAIN_MAX_KEY bytes of UTF-8 */
	for (n = 0; n < DOMAIN_MAX_KEY + 2; n += 2) {
		name[n] = '\xc3';
		name[n + 1] = '\xbc';
	}
	name[n] = '\0';
	check_key("idn-key-too-long", span_str(name), DOMAIN_KEY_INVALID,
	    "key longer than 1024 bytes");
}
END_TEST

struct norm_case {
	const char	*name;
	const char	*in;
	int		 idn;
	const char	*want;	/* NULL: refused */
};

static const struct norm_case norm_cases[] = {
	{ "ascii", "MX1.Example.NET.", 0, "mx1.example.net" },
	{ "ascii-idn", "MX1.Example.NET.", 1, "mx1.example.net" },
	{ "utf8-refused", "b\xc3\xbc" "cher.example", 0, NULL },
	{ "utf8-idn", "b\xc3\xbc" "cher.example", 1, "xn--bcher-kva.example" },
	{ "ip4", "192.0.2.1", 0, NULL },
	{ "ip4-idn", "192.0.2.1", 1, NULL },
	{ "numeric-tld", "mail.123", 0, NULL },
	{ "numeric-inner", "123.example", 0, "123.example" },
	{ "wildcard", "*.example.net", 0, NULL },
	{ "colon", "a:b", 0, NULL },
	{ "comma", "a,b", 0, NULL },
	{ "equals", "a=b", 0, NULL },
	{ "space", "a b", 0, NULL },
	{ "empty", "", 0, NULL },
	{ "dot", ".", 0, NULL },
	{ "single", "localhost", 0, "localhost" },
};

START_TEST(test_normalize_table)
{
	const struct norm_case	*c = &norm_cases[_i];
	struct domain_name	 n;
	const char		*why = "";
	int			 rc;

	if (c->idn)
		rc = domain_normalize_idn(span_str(c->in), &n, &why);
	else
		rc = domain_normalize(span_str(c->in), &n, &why);
	if (c->want == NULL) {
		ck_assert_msg(rc == -1 && n.len == 0, "case %s: got %s, "
		    "want refusal", c->name, n.name);
		ck_assert_msg(why != NULL && *why != '\0', "case %s: got "
		    "no reason, want one", c->name);
	} else
		ck_assert_msg(rc == 0 && strcmp(n.name, c->want) == 0,
		    "case %s: got %s (%s), want %s", c->name,
		    rc == 0 ? n.name : "error", why, c->want);
}
END_TEST

struct valid_case {
	const char	*name;
	const char	*in;
	bool		 valid;
};

static const struct valid_case valid_cases[] = {
	{ "plain", "example.com", true },
	{ "upper", "Example.com", false },
	{ "trailing-dot", "example.com.", false },
	{ "single", "localhost", true },
	{ "empty", "", false },
	{ "ip4", "192.0.2.1", false },
	{ "hyphen-edge", "a-.example", false },
	{ "xn", "xn--bcher-kva.example", true },
	{ "utf8", "b\xc3\xbc" "cher.example", false },
	{ "star", "*.example", false },
};

START_TEST(test_is_valid_table)
{
	const struct valid_case	*c = &valid_cases[_i];
	bool			 got;

	got = domain_is_valid(span_str(c->in));
	ck_assert_msg(got == c->valid, "case %s: got %d, want %d", c->name,
	    got, c->valid);
}
END_TEST

/* Strip one final LF from a buffer read from an .expect file. */
static void
chomp(struct buf *b)
{
	if (b->len > 0 && b->p[b->len - 1] == '\n')
		b->len--;
}

/*
 * good/NAME.key holds a key (no final newline); good/NAME.expect holds
 * "name N", "parent N" or "ip".  bad/NAME.key must be invalid; an
 * optional bad/NAME.expect holds the reason.
 */
START_TEST(test_key_corpus)
{
	struct buf	 key, exp;
	char		 path[512], *e, *sp;
	char		**names;
	size_t		 n, i;
	enum domain_key_kind kind;
	const char	*dirs[] = { "domain/good", "domain/bad" };
	int		 d;

	buf_init(&key, TESTDATA_MAX_FILE);
	buf_init(&exp, TESTDATA_MAX_FILE);
	for (d = 0; d < 2; d++) {
		names = testdata_list(dirs[d], ".key", &n);
		ck_assert_msg(names != NULL && n > 0, "case %s: got no "
		    "corpus under %s, want files", dirs[d], testdata_dir());
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s.key", dirs[d],
			    names[i]);
			ck_assert_msg(testdata_read(path, &key) == 0,
			    "case %s: got read error, want file", path);
			snprintf(path, sizeof(path), "%s/%s.expect", dirs[d],
			    names[i]);
			if (testdata_read(path, &exp) == -1) {
				ck_assert_msg(d == 1, "case %s: got no "
				    "expect file, want one", path);
				check_key(names[i], buf_span(&key),
				    DOMAIN_KEY_INVALID, NULL);
				continue;
			}
			chomp(&exp);
			e = buf_strdup(&exp);
			if (d == 1)
				check_key(names[i], buf_span(&key),
				    DOMAIN_KEY_INVALID, e);
			else {
				if ((sp = strchr(e, ' ')) != NULL)
					*sp++ = '\0';
				if (strcmp(e, "name") == 0)
					kind = DOMAIN_KEY_NAME;
				else if (strcmp(e, "parent") == 0)
					kind = DOMAIN_KEY_PARENT_PROBE;
				else
					kind = DOMAIN_KEY_IP_LITERAL;
				check_key(names[i], buf_span(&key), kind,
				    sp != NULL ? sp : "");
			}
			free(e);
		}
		testdata_list_free(names, n);
	}
	buf_clear(&key);
	buf_clear(&exp);
}
END_TEST

static Suite *
domain_suite(void)
{
	Suite	*s = suite_create("domain");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_key_table, 0,
	    sizeof(key_cases) / sizeof(key_cases[0]));
	tcase_add_test(tc, test_key_nul);
	tcase_add_test(tc, test_key_limits);
	tcase_add_test(tc, test_key_idn_limits);
	tcase_add_loop_test(tc, test_normalize_table, 0,
	    sizeof(norm_cases) / sizeof(norm_cases[0]));
	tcase_add_loop_test(tc, test_is_valid_table, 0,
	    sizeof(valid_cases) / sizeof(valid_cases[0]));
	tcase_add_test(tc, test_key_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(domain_suite());
	int	 nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
