/*
 * check_sts_txt.c: unit tests for sts_txt.c (the _mta-sts TXT record).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sts_txt.h"
#include "testdata.h"

struct parse_case {
	const char		*name;
	const char		*rec;
	enum sts_txt_status	 st;
	const char		*want;	/* id, or the reason */
};

static const struct parse_case parse_cases[] = {
	{ "minimal", "v=STSv1; id=20160831085700Z;", STS_TXT_OK,
	    "20160831085700Z" },
	{ "no-final-semicolon", "v=STSv1; id=abc", STS_TXT_OK, "abc" },
	{ "no-spaces", "v=STSv1;id=abc;", STS_TXT_OK, "abc" },
	{ "space-before-semicolon", "v=STSv1 ; id=abc", STS_TXT_OK, "abc" },
	{ "tabs", "v=STSv1\t;\tid=abc\t;\t", STS_TXT_OK, "abc" },
	{ "trailing-wsp", "v=STSv1; id=abc  ", STS_TXT_OK, "abc" },
	{ "wsp-around-equals", "v=STSv1; id = abc", STS_TXT_OK, "abc" },
	{ "extension-first", "v=STSv1; ext=1; id=abc", STS_TXT_OK, "abc" },
	{ "extension-after", "v=STSv1; id=abc; "
	    "x_y-z.w=!\"#$%&'()*+,-./:<>?@[\\]^_`{|}~", STS_TXT_OK, "abc" },
	{ "two-ids-first-counts", "v=STSv1; id=first; id=second", STS_TXT_OK,
	    "first" },
	{ "id-32", "v=STSv1; id=0123456789abcdefABCDEF0123456789",
	    STS_TXT_OK, "0123456789abcdefABCDEF0123456789" },
	{ "id-33", "v=STSv1; id=0123456789abcdefABCDEF0123456789x",
	    STS_TXT_INVALID, "id longer than 32 characters" },
	{ "id-33-second", "v=STSv1; id=a; id=0123456789abcdefABCDEF0123456789x",
	    STS_TXT_INVALID, "id longer than 32 characters" },
	{ "id-hyphen", "v=STSv1; id=2024-01-01", STS_TXT_INVALID,
	    "id has a non-alphanumeric character" },
	{ "id-8bit", "v=STSv1; id=abc\xc3\xa9", STS_TXT_INVALID,
	    "id has a non-alphanumeric character" },
	{ "id-empty", "v=STSv1; id=", STS_TXT_INVALID, "empty field value" },
	{ "id-empty-semicolon", "v=STSv1; id=;", STS_TXT_INVALID,
	    "empty field value" },
	{ "no-id", "v=STSv1; ext=1", STS_TXT_NO_ID, "no id field" },
	{ "no-fields", "v=STSv1;", STS_TXT_NO_ID, "no id field" },
	{ "upper-id-is-extension", "v=STSv1; ID=abc", STS_TXT_NO_ID,
	    "no id field" },
	{ "empty-field", "v=STSv1; ; id=abc", STS_TXT_INVALID, "empty field" },
	{ "double-semicolon", "v=STSv1;; id=abc", STS_TXT_INVALID,
	    "empty field" },
	{ "no-equals", "v=STSv1; id", STS_TXT_INVALID, "field without '='" },
	{ "missing-delim", "v=STSv1; id=abc ext=1", STS_TXT_INVALID,
	    "malformed field" },
	{ "ext-equals-in-value", "v=STSv1; id=abc; e=a=b", STS_TXT_INVALID,
	    "field value has an invalid character" },
	{ "ext-empty-value", "v=STSv1; id=abc; e=", STS_TXT_INVALID,
	    "empty field value" },
	{ "ext-8bit", "v=STSv1; id=abc; e=\xc3\xa9", STS_TXT_INVALID,
	    "field value has an invalid character" },
	{ "ext-ctl", "v=STSv1; id=abc; e=a\x01", STS_TXT_INVALID,
	    "field value has an invalid character" },
	{ "ext-name-start", "v=STSv1; id=abc; _e=1", STS_TXT_INVALID,
	    "malformed field name" },
	{ "ext-name-32", "v=STSv1; id=abc; a234567890123456789012345678901b=1",
	    STS_TXT_OK, "abc" },
	{ "ext-name-33", "v=STSv1; id=abc; a234567890123456789012345678901bc=1",
	    STS_TXT_INVALID, "field name longer than 32 characters" },
	{ "ext-name-bad-char", "v=STSv1; id=abc; e!=1", STS_TXT_INVALID,
	    "field without '='" },
	{ "no-semicolon", "v=STSv1 id=abc", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "version-alone", "v=STSv1", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "version-lower", "v=stsv1; id=abc", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "version-upper-v", "V=STSv1; id=abc", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "version-v2", "v=STSv2; id=abc", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "version-v10", "v=STSv10; id=abc", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "leading-space", " v=STSv1; id=abc", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "spf", "v=spf1 -all", STS_TXT_NONE,
	    "record does not begin with v=STSv1;" },
	{ "empty", "", STS_TXT_NONE, "record does not begin with v=STSv1;" },
};

static void
check_parse(const char *name, struct span rec, enum sts_txt_status st,
    const char *want)
{
	struct sts_txt		 t;
	enum sts_txt_status	 got;
	const char		*why = "";

	got = sts_txt_parse(rec, &t, &why);
	ck_assert_msg(got == st, "case %s: got %s (%s), want %s", name,
	    sts_txt_status_name(got), got == STS_TXT_OK ? t.id : why,
	    sts_txt_status_name(st));
	if (st == STS_TXT_OK) {
		ck_assert_msg(strcmp(t.id, want) == 0 &&
		    t.id_len == strlen(want), "case %s: got %s, want %s",
		    name, t.id, want);
		ck_assert_msg(sts_txt_is_sts(rec), "case %s: got not sts, "
		    "want sts", name);
	} else {
		ck_assert_msg(t.id_len == 0 && t.id[0] == '\0', "case %s: "
		    "got id %s, want none", name, t.id);
		ck_assert_msg(strcmp(why, want) == 0, "case %s: got %s, "
		    "want %s", name, why, want);
	}
}

START_TEST(test_parse_table)
{
	const struct parse_case	*c = &parse_cases[_i];

	check_parse(c->name, span_str(c->rec), c->st, c->want);
}
END_TEST

START_TEST(test_parse_nul)
{
	static const char	r1[] = "v=STSv1; id=abc\0def";
	static const char	r2[] = "v=STSv1; id=abc; e=\0";
	static const char	r3[] = "v=STSv1\0; id=abc";

	check_parse("nul-in-id", span_make(r1, sizeof(r1) - 1),
	    STS_TXT_INVALID, "id has a non-alphanumeric character");
	check_parse("nul-in-ext", span_make(r2, sizeof(r2) - 1),
	    STS_TXT_INVALID, "field value has an invalid character");
	check_parse("nul-after-version", span_make(r3, sizeof(r3) - 1),
	    STS_TXT_NONE, "record does not begin with v=STSv1;");
}
END_TEST

/* An RRset given as up to 4 records of up to 4 strings, NULL-ended. */
struct select_case {
	const char		*name;
	const char		*recs[4][4];
	enum sts_txt_status	 st;
	const char		*want;
};

static const struct select_case select_cases[] = {
	{ "one", { { "v=STSv1; id=abc", NULL } }, STS_TXT_OK, "abc" },
	{ "split-in-id", { { "v=STSv1; id=ab", "c123", NULL } }, STS_TXT_OK,
	    "abc123" },
	{ "split-in-version", { { "v=ST", "Sv1; id=abc", NULL } }, STS_TXT_OK,
	    "abc" },
	{ "split-before-semicolon", { { "v=STSv1", "; id=abc", NULL } },
	    STS_TXT_OK, "abc" },
	{ "split-no-space-added", { { "v=STSv1; id=abc", " ", "def", NULL } },
	    STS_TXT_INVALID, "malformed field" },
	{ "split-empty-strings", { { "", "v=STSv1; ", "", "id=x", } },
	    STS_TXT_OK, "x" },
	{ "others-ignored", { { "v=spf1 -all", NULL },
	    { "google-site-verification=xyz", NULL },
	    { "v=STSv1; id=abc", NULL } }, STS_TXT_OK, "abc" },
	{ "decoy-not-sts", { { "v=STSv1 is not a policy", NULL },
	    { "v=STSv1; id=real", NULL } }, STS_TXT_OK, "real" },
	{ "decoy-upper", { { "V=STSv1; id=decoy", NULL },
	    { "v=STSv1; id=real", NULL } }, STS_TXT_OK, "real" },
	{ "two", { { "v=STSv1; id=a", NULL }, { "v=STSv1; id=b", NULL } },
	    STS_TXT_MULTIPLE, "more than one v=STSv1 record" },
	{ "two-identical", { { "v=STSv1; id=a", NULL },
	    { "v=STSv1; id=a", NULL } }, STS_TXT_MULTIPLE,
	    "more than one v=STSv1 record" },
	{ "two-one-bad", { { "v=STSv1; id=a-b", NULL },
	    { "v=STSv1; id=a", NULL } }, STS_TXT_MULTIPLE,
	    "more than one v=STSv1 record" },
	{ "none", { { "v=spf1 -all", NULL } }, STS_TXT_NONE,
	    "no record begins with v=STSv1;" },
	{ "empty-rrset", { { NULL } }, STS_TXT_NONE,
	    "no record begins with v=STSv1;" },
	{ "one-invalid", { { "v=STSv1; id=a b", NULL } }, STS_TXT_INVALID,
	    "malformed field" },
	{ "one-no-id", { { "v=STSv1; rua=x", NULL } }, STS_TXT_NO_ID,
	    "no id field" },
};

static void
check_select(const char *name, const struct sts_txt_record *recs,
    size_t nrecs, enum sts_txt_status st, const char *want)
{
	struct sts_txt		 t;
	enum sts_txt_status	 got;
	const char		*why = "";

	got = sts_txt_select(recs, nrecs, &t, &why);
	ck_assert_msg(got == st, "case %s: got %s (%s), want %s", name,
	    sts_txt_status_name(got), got == STS_TXT_OK ? t.id : why,
	    sts_txt_status_name(st));
	if (st == STS_TXT_OK)
		ck_assert_msg(strcmp(t.id, want) == 0, "case %s: got %s, "
		    "want %s", name, t.id, want);
	else {
		ck_assert_msg(t.id_len == 0, "case %s: got id %s, want none",
		    name, t.id);
		if (want != NULL)
			ck_assert_msg(strcmp(why, want) == 0, "case %s: got "
			    "%s, want %s", name, why, want);
	}
}

START_TEST(test_select_table)
{
	const struct select_case	*c = &select_cases[_i];
	struct span			 strs[4][4];
	struct sts_txt_record		 recs[4];
	size_t				 r, s, nrecs = 0;

	for (r = 0; r < 4 && c->recs[r][0] != NULL; r++) {
		for (s = 0; s < 4 && c->recs[r][s] != NULL; s++)
			strs[r][s] = span_str(c->recs[r][s]);
		recs[r].strings = strs[r];
		recs[r].nstrings = s;
		nrecs++;
	}
	check_select(c->name, recs, nrecs, c->st, c->want);
}
END_TEST

/* One record of n bytes: "v=STSv1; id=abc; e=xxxx...", in 255-byte strings. */
static void
check_big(const char *name, size_t n, enum sts_txt_status st,
    const char *want)
{
	static const char	 head[] = "v=STSv1; id=abc; e=";
	uint8_t			*b;
	struct span		*strs;
	struct sts_txt_record	 rec;
	size_t			 i, ns = 0;

	b = xmalloc(n);
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'x', n - (sizeof(head) - 1));
	strs = xcalloc(n / 255 + 1, sizeof(*strs));
	for (i = 0; i < n; i += 255)
		strs[ns++] = span_make(b + i, n - i < 255 ? n - i : 255);
	rec.strings = strs;
	rec.nstrings = ns;
	check_select(name, &rec, 1, st, want);
	free(strs);
	free(b);
}

START_TEST(test_select_limits)
{
	check_big("record-65535", STS_TXT_MAX_RECORD, STS_TXT_OK, "abc");
	check_big("record-65536", STS_TXT_MAX_RECORD + 1, STS_TXT_INVALID,
	    "record longer than 65535 bytes");
}
END_TEST

START_TEST(test_select_nul_string)
{
	static const char	s1[] = "v=STSv1; id=ab";
	static const char	s2[] = "\0cd";
	struct span		strs[2];
	struct sts_txt_record	rec;

	strs[0] = span_make(s1, sizeof(s1) - 1);
	strs[1] = span_make(s2, sizeof(s2) - 1);
	rec.strings = strs;
	rec.nstrings = 2;
	check_select("nul-in-second-string", &rec, 1, STS_TXT_INVALID,
	    "id has a non-alphanumeric character");
}
END_TEST

/*
 * good/NAME.txt and bad/NAME.txt hold an RRset in zone-file form (see
 * testdata.h); NAME.expect holds "ok ID" or "STATUS REASON".
 */
START_TEST(test_corpus)
{
	struct testdata_txt	 t;
	struct buf		 in, exp;
	char			 path[512], *e, *sp;
	char			**names;
	const char		*dirs[] = { "sts_txt/good", "sts_txt/bad" };
	enum sts_txt_status	 st;
	size_t			 n, i;
	int			 d;

	buf_init(&in, TESTDATA_MAX_FILE);
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
			ck_assert_msg(testdata_txt_parse(buf_span(&in), &t,
			    false) == 0, "case %s: got bad zone syntax, want "
			    "good", path);
			snprintf(path, sizeof(path), "%s/%s.expect", dirs[d],
			    names[i]);
			ck_assert_msg(testdata_read(path, &exp) == 0,
			    "case %s: got no file, want one", path);
			if (exp.len > 0 && exp.p[exp.len - 1] == '\n')
				exp.len--;
			e = buf_strdup(&exp);
			if ((sp = strchr(e, ' ')) != NULL)
				*sp++ = '\0';
			for (st = STS_TXT_OK; st <= STS_TXT_INVALID; st++)
				if (strcmp(e, sts_txt_status_name(st)) == 0)
					break;
			ck_assert_msg(st <= STS_TXT_INVALID, "case %s: got "
			    "status %s, want a status name", path, e);
			ck_assert_msg((d == 0) == (st == STS_TXT_OK),
			    "case %s: got %s in %s, want the other dir",
			    path, e, dirs[d]);
			check_select(names[i], t.recs, t.nrecs, st, sp);
			free(e);
			testdata_txt_clear(&t);
		}
		testdata_list_free(names, n);
	}
	buf_clear(&in);
	buf_clear(&exp);
}
END_TEST

static Suite *
sts_txt_suite(void)
{
	Suite	*s = suite_create("sts_txt");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_table, 0,
	    sizeof(parse_cases) / sizeof(parse_cases[0]));
	tcase_add_test(tc, test_parse_nul);
	tcase_add_loop_test(tc, test_select_table, 0,
	    sizeof(select_cases) / sizeof(select_cases[0]));
	tcase_add_test(tc, test_select_limits);
	tcase_add_test(tc, test_select_nul_string);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sts_txt_suite());
	int	 nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
