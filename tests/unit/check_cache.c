/*
 * check_cache.c: unit tests for cache.c: the record codec (round trips,
 * every truncation, every single-byte corruption, hostile fields) and the
 * LMDB store in a temporary directory (round trip, paging, corrupt
 * records, reopen, kill -9 in the middle of writes, a full map, open
 * errors, usage batches).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cache.h"
#include "domain.h"
#include "log.h"
#include "sts_policy.h"
#include "sts_txt.h"

#define ERRLEN		512
#define NOBODY		65534

/* One evaluation of expr; the message names it. */
#define CHECK_EQ(expr, want)	check_eq(#expr, (long)(expr), (long)(want))

static void
check_eq(const char *what, long got, long want)
{
	ck_assert_msg(got == want, "case %s: got %ld, want %ld", what, got,
	    want);
}

/* ---- helpers ---- */

/* A valid record; nmx patterns, every other one a wildcard. */
static void
make_record(struct cache_record *r, size_t nmx, unsigned int seed)
{
	char	name[64];
	size_t	i;

	cache_record_init(r);
	(void)snprintf(r->id, sizeof(r->id), "id%u", seed);
	r->policy.mode = nmx == 0 ? STS_MODE_NONE : STS_MODE_ENFORCE;
	r->policy.max_age = 86400 + seed;
	if (nmx > 0)
		r->policy.mx = xcalloc(nmx, sizeof(*r->policy.mx));
	for (i = 0; i < nmx; i++) {
		(void)snprintf(name, sizeof(name), "%smx%zu.example.net",
		    i % 2 ? "*." : "", i);
		r->policy.mx[i] = xstrdup(name);
	}
	r->policy.mx_count = nmx;
	r->fetched = 1700000000 + seed;
	r->txt_checked = 1700000100;
	r->txt_ttl = 300;
	r->next_refresh = 1700040000;
	r->last_failure = 0;
	r->failures = seed % 7;
	(void)snprintf(r->failure, sizeof(r->failure), "%s",
	    seed % 2 ? "https: connection refused" : "");
	r->last_query = 1700000200;
}

/* The first field that differs, or NULL. */
static const char *
record_diff(const struct cache_record *a, const struct cache_record *b)
{
	size_t	i;

	if (strcmp(a->id, b->id) != 0)
		return "id";
	if (a->policy.mode != b->policy.mode)
		return "mode";
	if (a->policy.max_age != b->policy.max_age)
		return "max_age";
	if (a->policy.mx_count != b->policy.mx_count)
		return "mx_count";
	for (i = 0; i < a->policy.mx_count; i++)
		if (strcmp(a->policy.mx[i], b->policy.mx[i]) != 0)
			return "mx";
	if (a->fetched != b->fetched || a->txt_checked != b->txt_checked ||
	    a->txt_ttl != b->txt_ttl || a->next_refresh != b->next_refresh ||
	    a->last_failure != b->last_failure ||
	    a->failures != b->failures || a->last_query != b->last_query)
		return "times";
	if (strcmp(a->failure, b->failure) != 0)
		return "failure";
	if (strcmp(a->failed_id, b->failed_id) != 0)
		return "failed_id";
	return NULL;
}

static bool
record_is_empty(const struct cache_record *r)
{
	return r->id[0] == '\0' && r->policy.mx == NULL &&
	    r->policy.mx_count == 0 && r->fetched == 0;
}

static void
encode_ok(const char *name, const struct cache_record *r, struct buf *b)
{
	buf_init(b, CACHE_MAX_RECORD);
	ck_assert_msg(cache_record_encode(r, b) == 0,
	    "case %s: got encode -1, want 0", name);
}

static char *
tmpdir_make(void)
{
	char	tmpl[] = "/tmp/check_cache.XXXXXX";

	ck_assert_msg(mkdtemp(tmpl) != NULL, "case mkdtemp: got %s, want ok",
	    strerror(errno));
	return xstrdup(tmpl);
}

static void
tmpdir_remove(char *dir)
{
	char	path[256];

	(void)snprintf(path, sizeof(path), "%s/data.mdb", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	free(dir);
}

static struct cache *
open_ok(const char *dir, uint64_t map, uint64_t max_map, bool ro)
{
	struct cache_opts	 o = { dir, map, max_map, ro };
	struct cache		*c;
	char			 err[ERRLEN];

	c = cache_open(&o, err, sizeof(err));
	ck_assert_msg(c != NULL, "case open %s: got %s, want success", dir,
	    err);
	return c;
}

static void
domain_name(char *out, size_t len, size_t i)
{
	(void)snprintf(out, len, "d%05zu.example", i);
}

/* Expect domain to hold a record equal to make_record(nmx, seed). */
static void
expect_hit(struct cache *c, const char *domain, size_t nmx,
    unsigned int seed)
{
	struct cache_record	want, got;
	enum cache_status	st;
	const char		*diff;

	make_record(&want, nmx, seed);
	st = cache_get(c, domain, &got);
	ck_assert_msg(st == CACHE_HIT, "case get %s: got status %d, want "
	    "hit", domain, st);
	diff = record_diff(&got, &want);
	ck_assert_msg(diff == NULL, "case get %s: got different %s, want "
	    "equal", domain, diff);
	cache_record_clear(&got);
	cache_record_clear(&want);
}

/* ---- codec ---- */

struct rt_case {
	const char	*name;
	size_t		 nmx;
	bool		 extremes;	/* every field at its limit */
};

static const struct rt_case rt_cases[] = {
	{ "0-mx-none", 0, false },
	{ "1-mx", 1, false },
	{ "100-mx", STS_POLICY_MAX_MX, false },
	{ "100-mx-extremes", STS_POLICY_MAX_MX, true },
	{ "3-mx-extremes", 3, true },
};

static void
make_rt(struct cache_record *r, const struct rt_case *c)
{
	char	name[DOMAIN_MAX_NAME + 3];
	size_t	i;

	make_record(r, c->nmx, 1);
	if (!c->extremes)
		return;
	memset(r->id, 'Z', STS_TXT_MAX_ID);
	memset(r->failed_id, '9', STS_TXT_MAX_ID);
	memset(r->failure, '~', CACHE_MAX_FAILURE);
	r->policy.mode = STS_MODE_TESTING;
	r->policy.max_age = STS_POLICY_MAX_AGE;
	r->fetched = INT64_MAX;
	r->txt_checked = INT64_MAX;
	r->next_refresh = INT64_MAX;
	r->last_failure = INT64_MAX;
	r->last_query = INT64_MAX;
	r->txt_ttl = UINT32_MAX;
	r->failures = UINT32_MAX;
	/* "*." + 253 bytes: 3 labels of 63 and one of 61, dotted */
	for (i = 0; i < c->nmx; i++) {
		memset(name, 'a' + (int)(i % 26), sizeof(name));
		name[0] = '*';
		name[1] = '.';
		name[2 + 63] = name[2 + 127] = name[2 + 191] = '.';
		name[sizeof(name) - 1] = '\0';
		free(r->policy.mx[i]);
		r->policy.mx[i] = xstrdup(name);
	}
}

START_TEST(test_codec_roundtrip)
{
	const struct rt_case	*c = &rt_cases[_i];
	struct cache_record	 r, d, cp;
	struct buf		 b, b2;
	const char		*why = NULL, *diff;

	make_rt(&r, c);
	encode_ok(c->name, &r, &b);
	ck_assert_msg(cache_record_decode(buf_span(&b), &d, &why) == 0,
	    "case %s: got decode error %s, want success", c->name, why);
	diff = record_diff(&r, &d);
	ck_assert_msg(diff == NULL, "case %s: got different %s, want equal",
	    c->name, diff);
	encode_ok(c->name, &d, &b2);
	ck_assert_msg(span_eq(buf_span(&b), buf_span(&b2)), "case %s: got "
	    "a different re-encoding, want the same bytes", c->name);
	ck_assert_msg(cache_record_copy(&cp, &d) == 0 &&
	    record_diff(&cp, &d) == NULL, "case %s copy: got different, "
	    "want equal", c->name);
	cache_record_clear(&cp);
	cache_record_clear(&r);
	cache_record_clear(&d);
	buf_clear(&b);
	buf_clear(&b2);
}
END_TEST

START_TEST(test_codec_truncation)
{
	const struct rt_case	*c = &rt_cases[_i];
	struct cache_record	 r, d;
	struct buf		 b;
	const char		*why;
	size_t			 n;

	make_rt(&r, c);
	encode_ok(c->name, &r, &b);
	for (n = 0; n < b.len; n++) {
		why = NULL;
		ck_assert_msg(cache_record_decode(span_make(b.p, n), &d,
		    &why) == -1, "case %s prefix %zu: got success, want "
		    "failure", c->name, n);
		ck_assert_msg(why != NULL && record_is_empty(&d), "case %s "
		    "prefix %zu: got no reason or a non-empty record, want "
		    "both", c->name, n);
	}
	cache_record_clear(&r);
	buf_clear(&b);
}
END_TEST

/*
 * Every single-byte change either fails or gives a record that encodes
 * back to exactly the changed bytes (the encoding is canonical), which
 * implies every field passed the encoder's checks.
 */
START_TEST(test_codec_corruption)
{
	struct cache_record	 r, d;
	struct buf		 b, b2;
	const char		*why;
	uint8_t			*p;
	size_t			 i;
	unsigned int		 v;
	int			 ok = 0;

	make_record(&r, 3, 3);
	(void)snprintf(r.failed_id, sizeof(r.failed_id), "abc");
	encode_ok("corruption", &r, &b);
	p = xmalloc(b.len);
	for (i = 0; i < b.len; i++)
		for (v = 0; v < 256; v++) {
			if (v == b.p[i])
				continue;
			memcpy(p, b.p, b.len);
			p[i] = (uint8_t)v;
			why = NULL;
			if (cache_record_decode(span_make(p, b.len), &d,
			    &why) == -1) {
				ck_assert_msg(why != NULL &&
				    record_is_empty(&d), "case byte %zu=%u: "
				    "got no reason or a record, want both", i,
				    v);
				continue;
			}
			ok++;
			buf_init(&b2, CACHE_MAX_RECORD);
			ck_assert_msg(cache_record_encode(&d, &b2) == 0 &&
			    span_eq(buf_span(&b2), span_make(p, b.len)),
			    "case byte %zu=%u: got a record that does not "
			    "re-encode, want a valid record", i, v);
			buf_clear(&b2);
			cache_record_clear(&d);
		}
	ck_assert_msg(ok > 0, "case corruption: got 0 decodable changes, "
	    "want some (times, id letters)");
	free(p);
	cache_record_clear(&r);
	buf_clear(&b);
}
END_TEST

/* A raw encoder that lets a test write any field, valid or not. */
struct raw {
	int		 version;
	const char	*id;
	int		 mode;
	uint32_t	 max_age;
	uint64_t	 time;		/* for all five times */
	const char	*failure;
	const char	*failed_id;
	int		 mx_count;	/* -1: the number of mx strings */
	const char	*mx[3];
	const char	*trailer;
	int		 id_len;	/* -1: strlen(id) */
};

static void
raw_u32(struct buf *b, uint32_t v)
{
	uint8_t	x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		    (uint8_t)(v >> 8), (uint8_t)v };

	buf_add(b, x, 4);
}

static void
raw_u64(struct buf *b, uint64_t v)
{
	raw_u32(b, (uint32_t)(v >> 32));
	raw_u32(b, (uint32_t)v);
}

static void
raw_str(struct buf *b, const char *s, int len)
{
	buf_add_byte(b, (uint8_t)(len >= 0 ? (size_t)len : strlen(s)));
	buf_add_str(b, s);
}

/*
 * Version 1 has no TXT state; from version 2 on it is txt_state
 * (a byte) and txt_failures.
 */
static void
raw_encode_state(const struct raw *r, int txt_state, uint32_t txt_failures,
    struct buf *b)
{
	size_t	n = 0, i;

	buf_init(b, 1 << 20);
	buf_add_byte(b, (uint8_t)r->version);
	raw_str(b, r->id, r->id_len);
	buf_add_byte(b, (uint8_t)r->mode);
	raw_u32(b, r->max_age);
	raw_u64(b, r->time);
	raw_u64(b, r->time);
	raw_u32(b, 300);
	if (r->version >= 2) {
		buf_add_byte(b, (uint8_t)txt_state);
		raw_u32(b, txt_failures);
	}
	raw_u64(b, r->time);
	raw_u64(b, r->time);
	raw_u32(b, 0);
	raw_str(b, r->failure, -1);
	raw_str(b, r->failed_id, -1);
	raw_u64(b, r->time);
	while (n < 3 && r->mx[n] != NULL)
		n++;
	buf_add_byte(b, (uint8_t)(r->mx_count >= 0 ? (size_t)r->mx_count :
	    n));
	for (i = 0; i < n; i++)
		raw_str(b, r->mx[i], -1);
	buf_add_str(b, r->trailer);
}

static void
raw_encode(const struct raw *r, struct buf *b)
{
	raw_encode_state(r, 0, 0, b);
}

#define RAW_GOOD { 1, "abc", 0, 86400, 1700000000, "", "", -1, \
	{ "mx.example", NULL, NULL }, "", -1 }

struct bad_case {
	const char	*name;
	struct raw	 raw;
	const char	*why;	/* NULL: must decode */
};

static const char long_label[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaa.example";	/* 65-byte label */

static const struct bad_case bad_cases[] = {
	{ "good", RAW_GOOD, NULL },
	{ "good-none-no-mx", { 1, "abc", 2, 0, 0, "x", "Q1", -1,
	    { NULL, NULL, NULL }, "", -1 }, NULL },
	{ "good-wildcard", { 1, "abc", 1, 0, 0, "", "", -1,
	    { "*.mx.example", "mx.example", NULL }, "", -1 }, NULL },
	{ "version-0", { 0, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "unknown record version" },
	{ "version-3", { 3, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "unknown record version" },
	{ "trailing-garbage", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "x", -1 }, "trailing bytes" },
	{ "trailing-nul", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "\001", -1 }, "trailing bytes" },
	{ "id-empty", { 1, "", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "bad or truncated id" },
	{ "id-33", { 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 86400, 1, "",
	    "", -1, { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated id" },
	{ "id-length-lies", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", 250 }, "bad or truncated id" },
	{ "id-dash", { 1, "a-b", 0, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "bad or truncated id" },
	{ "mode-3", { 1, "abc", 3, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "bad mode" },
	{ "mode-255", { 1, "abc", 255, 86400, 1, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "bad mode" },
	{ "max-age-over", { 1, "abc", 0, STS_POLICY_MAX_AGE + 1, 1, "", "",
	    -1, { "mx.example", NULL, NULL }, "", -1 }, "bad max_age" },
	{ "time-negative", { 1, "abc", 0, 86400, UINT64_MAX, "", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 }, "bad or truncated times" },
	{ "failure-129", { 1, "abc", 0, 86400, 1,
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "x", "", -1, { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated failure text" },
	{ "failure-newline", { 1, "abc", 0, 86400, 1, "a\nb", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated failure text" },
	{ "failure-del", { 1, "abc", 0, 86400, 1, "a\177", "", -1,
	    { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated failure text" },
	{ "failed-id-bad", { 1, "abc", 0, 86400, 1, "", "a b", -1,
	    { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated failed id" },
	{ "mx-count-101", { 1, "abc", 0, 86400, 1, "", "", 101,
	    { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated mx count" },
	{ "mx-count-lies", { 1, "abc", 0, 86400, 1, "", "", 100,
	    { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated mx count" },
	{ "mx-count-lies-small", { 1, "abc", 0, 86400, 1, "", "", 3,
	    { "mx.example", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "enforce-no-mx", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { NULL, NULL, NULL }, "", -1 }, "policy without mx" },
	{ "testing-no-mx", { 1, "abc", 1, 86400, 1, "", "", -1,
	    { NULL, NULL, NULL }, "", -1 }, "policy without mx" },
	{ "mx-empty", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "", "mx.example", NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-upper", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "MX.example", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-double-wild", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "*.*.example", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-bare-wild", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "*.", NULL, NULL }, "", -1 }, "bad or truncated mx pattern" },
	{ "mx-trailing-dot", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example.", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-space", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example secure", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-colon", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "mx.example:x.example", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-long-label", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { long_label, NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
	{ "mx-numeric-tld", { 1, "abc", 0, 86400, 1, "", "", -1,
	    { "192.0.2.1", NULL, NULL }, "", -1 },
	    "bad or truncated mx pattern" },
};

/*
 * Every case as written (version 1 for most: the layout an upgrade
 * reads) and, where it is version 1, again in the current layout.
 */
START_TEST(test_codec_bad)
{
	const struct bad_case	*c = &bad_cases[_i / 2];
	struct cache_record	 d;
	struct raw		 raw = c->raw;
	struct buf		 b;
	const char		*why = NULL;
	int			 rc;

	if (_i % 2 == 1) {
		if (raw.version != 1)
			return;
		raw.version = CACHE_RECORD_VERSION;
	}
	raw_encode(&raw, &b);
	rc = cache_record_decode(buf_span(&b), &d, &why);
	if (c->why == NULL) {
		ck_assert_msg(rc == 0, "case %s v%d: got %s, want success",
		    c->name, raw.version, why);
	} else {
		ck_assert_msg(rc == -1, "case %s v%d: got success, want %s",
		    c->name, raw.version, c->why);
		ck_assert_msg(strcmp(why, c->why) == 0, "case %s v%d: got "
		    "%s, want %s", c->name, raw.version, why, c->why);
		ck_assert_msg(record_is_empty(&d), "case %s v%d: got a "
		    "filled record, want an empty one", c->name, raw.version);
	}
	cache_record_clear(&d);
	buf_clear(&b);
}
END_TEST

/* The TXT state of version 2: each known value, and the rest refused. */
START_TEST(test_codec_txt_state)
{
	static const struct raw	 good = RAW_GOOD;
	struct raw		 raw = good;
	struct cache_record	 d;
	struct buf		 b;
	const char		*why = NULL;
	int			 st, rc;

	raw.version = 2;
	for (st = 0; st < 256; st++) {
		raw_encode_state(&raw, st, 7, &b);
		rc = cache_record_decode(buf_span(&b), &d, &why);
		if (st <= 2) {
			ck_assert_msg(rc == 0 && (int)d.txt_state == st &&
			    d.txt_failures == 7, "case txt-state-%d: got %s, "
			    "want the state and 7 failures", st,
			    rc == 0 ? "other values" : why);
		} else {
			ck_assert_msg(rc == -1 && strcmp(why,
			    "bad or truncated TXT state") == 0,
			    "case txt-state-%d: got %s, want bad or truncated "
			    "TXT state", st, rc == 0 ? "success" : why);
		}
		cache_record_clear(&d);
		buf_clear(&b);
	}
}
END_TEST

/*
 * Version 1 had one failure count: with a failed id it stays the fetch
 * back-off of that id; without one it was the TXT checks failing.
 */
START_TEST(test_codec_migrate_v1)
{
	static const struct raw	 good = RAW_GOOD;
	struct raw		 raw = good;
	struct cache_record	 d;
	struct buf		 b, e;
	const char		*why = NULL;
	size_t			 off;

	/* RAW_GOOD with failures = 3 (the u32 before the failure text). */
	raw.failure = "TXT lookup failed (timeout)";
	raw_encode(&raw, &b);
	off = 1 + 1 + 3 + 1 + 4 + 8 + 8 + 4 + 8 + 8;
	b.p[off + 3] = 3;
	ck_assert_msg(cache_record_decode(buf_span(&b), &d, &why) == 0,
	    "case v1-txt-failures: got %s, want success", why);
	ck_assert_msg(d.txt_state == CACHE_TXT_FAILED &&
	    d.txt_failures == 3 && d.failures == 0 && d.last_failure == 0 &&
	    strcmp(d.failure, raw.failure) == 0,
	    "case v1-txt-failures: got state %d txt_failures %u failures %u, "
	    "want failed, 3, 0", (int)d.txt_state, d.txt_failures,
	    d.failures);
	buf_init(&e, CACHE_MAX_RECORD);
	ck_assert_msg(cache_record_encode(&d, &e) == 0 &&
	    e.p[0] == CACHE_RECORD_VERSION && e.len == b.len + 5,
	    "case v1-txt-failures: got no re-encoding, want version %d",
	    CACHE_RECORD_VERSION);
	cache_record_clear(&d);
	buf_clear(&b);
	buf_clear(&e);

	raw.failed_id = "Q1";
	raw.failure = "fetch: HTTP status 404";
	raw_encode(&raw, &b);
	b.p[off + 3] = 2;
	ck_assert_msg(cache_record_decode(buf_span(&b), &d, &why) == 0,
	    "case v1-fetch-failures: got %s, want success", why);
	ck_assert_msg(d.txt_state == CACHE_TXT_OK && d.txt_failures == 0 &&
	    d.failures == 2 && strcmp(d.failed_id, "Q1") == 0,
	    "case v1-fetch-failures: got state %d failures %u, want ok, 2",
	    (int)d.txt_state, d.failures);
	cache_record_clear(&d);
	buf_clear(&b);
}
END_TEST

/* Records the encoder must refuse, so the store never holds them. */
struct enc_case {
	const char	*name;
	void		(*spoil)(struct cache_record *);
};

static void
spoil_id(struct cache_record *r)
{
	r->id[0] = '\0';
}

static void
spoil_id_char(struct cache_record *r)
{
	r->id[0] = '.';
}

static void
spoil_id_unterminated(struct cache_record *r)
{
	memset(r->id, 'a', sizeof(r->id));
}

static void
spoil_mode(struct cache_record *r)
{
	r->policy.mode = (enum sts_mode)7;
}

static void
spoil_time(struct cache_record *r)
{
	r->next_refresh = -1;
}

static void
spoil_failure(struct cache_record *r)
{
	r->failure[0] = '\t';
}

static void
spoil_mx(struct cache_record *r)
{
	r->policy.mx[0][0] = 'M';
}

static void
spoil_no_mx(struct cache_record *r)
{
	sts_policy_clear(&r->policy);
	r->policy.mode = STS_MODE_ENFORCE;
}

static void
spoil_max_age(struct cache_record *r)
{
	r->policy.max_age = STS_POLICY_MAX_AGE + 1;
}

static const struct enc_case enc_cases[] = {
	{ "empty-id", spoil_id },
	{ "id-char", spoil_id_char },
	{ "id-unterminated", spoil_id_unterminated },
	{ "mode", spoil_mode },
	{ "negative-time", spoil_time },
	{ "failure-tab", spoil_failure },
	{ "mx-upper", spoil_mx },
	{ "enforce-no-mx", spoil_no_mx },
	{ "max-age", spoil_max_age },
};

START_TEST(test_codec_encode_refuses)
{
	const struct enc_case	*c = &enc_cases[_i];
	struct cache_record	 r;
	struct buf		 b;

	make_record(&r, 2, 1);
	c->spoil(&r);
	buf_init(&b, CACHE_MAX_RECORD);
	buf_add_str(&b, "pre");
	ck_assert_msg(cache_record_encode(&r, &b) == -1 && b.len == 3,
	    "case %s: got success or a changed buffer, want -1", c->name);
	cache_record_clear(&r);
	buf_clear(&b);
}
END_TEST

/* The record in dir/name encodes exactly like r. */
static void
corpus_same_as_twin(const char *dir, const char *name,
    const struct cache_record *r)
{
	char		 file[1280];
	uint8_t		*data = xmalloc(CACHE_MAX_RECORD + 1);
	struct buf	 e;
	FILE		*f;
	size_t		 got;

	(void)snprintf(file, sizeof(file), "%s/%s", dir, name);
	f = fopen(file, "rb");
	ck_assert_msg(f != NULL, "case %s: got %s, want its twin", file,
	    strerror(errno));
	got = fread(data, 1, CACHE_MAX_RECORD + 1, f);
	fclose(f);
	buf_init(&e, CACHE_MAX_RECORD);
	ck_assert_msg(cache_record_encode(r, &e) == 0 &&
	    span_eq(buf_span(&e), span_make(data, got)),
	    "case v1-%s: got an upgrade that differs, want the twin", name);
	buf_clear(&e);
	free(data);
}

/*
 * The fuzz seeds under $TEST_DATA_DIR/cache: every good/ file decodes
 * and encodes back to the same bytes, every bad/ file fails.
 */
static size_t
corpus_dir(const char *sub, bool good)
{
	const char		*root = getenv("TEST_DATA_DIR");
	char			 path[1024], file[1280];
	struct cache_record	 r;
	struct dirent		*de;
	struct buf		 e;
	const char		*why;
	uint8_t			*data;
	FILE			*f;
	DIR			*d;
	size_t			 n = 0, got;
	int			 rc;

	(void)snprintf(path, sizeof(path), "%s/cache/%s",
	    root != NULL ? root : "tests/unit/data", sub);
	d = opendir(path);
	ck_assert_msg(d != NULL, "case corpus %s: got %s, want a directory",
	    path, strerror(errno));
	data = xmalloc(CACHE_MAX_RECORD + 1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		f = fopen(file, "rb");
		ck_assert_msg(f != NULL, "case %s: got %s, want readable",
		    file, strerror(errno));
		got = fread(data, 1, CACHE_MAX_RECORD + 1, f);
		fclose(f);
		why = NULL;
		rc = cache_record_decode(span_make(data, got), &r, &why);
		ck_assert_msg((rc == 0) == good, "case %s: got %s, want %s",
		    de->d_name, rc == 0 ? "success" : why,
		    good ? "success" : "failure");
		if (rc == 0 && data[0] == CACHE_RECORD_VERSION) {
			buf_init(&e, CACHE_MAX_RECORD);
			ck_assert_msg(cache_record_encode(&r, &e) == 0 &&
			    span_eq(buf_span(&e), span_make(data, got)),
			    "case %s: got a different encoding, want the "
			    "file", de->d_name);
			buf_clear(&e);
		} else if (rc == 0) {
			/* An older version: upgraded, and its twin in
			   the current layout is the same record. */
			ck_assert_msg(strncmp(de->d_name, "v1-", 3) == 0,
			    "case %s: got version %u, want a v1- file",
			    de->d_name, data[0]);
			corpus_same_as_twin(path, de->d_name + 3, &r);
		}
		cache_record_clear(&r);
		n++;
	}
	closedir(d);
	free(data);
	return n;
}

START_TEST(test_codec_corpus)
{
	ck_assert_msg(corpus_dir("good", true) > 0, "case corpus good: got "
	    "0 files, want some");
	ck_assert_msg(corpus_dir("bad", false) > 0, "case corpus bad: got "
	    "0 files, want some");
}
END_TEST

/* ---- store ---- */

struct collect {
	char		**keys;		/* owned */
	size_t		  n;
	size_t		  cap;
	struct cache	 *c;		/* borrowed; delete from fn when set */
};

static int
collect_fn(void *arg, const char *domain, const struct cache_record *r)
{
	struct collect	*col = arg;

	ck_assert_msg(r->id[0] != '\0', "case iterate %s: got empty id, "
	    "want a record", domain);
	if (col->n == col->cap) {
		col->cap = col->cap ? col->cap * 2 : 64;
		col->keys = xreallocarray(col->keys, col->cap,
		    sizeof(*col->keys));
	}
	col->keys[col->n++] = xstrdup(domain);
	if (col->c != NULL)
		ck_assert_msg(cache_delete(col->c, domain) == 0, "case "
		    "delete-in-callback %s: got -1, want 0", domain);
	return 0;
}

static void
collect_free(struct collect *col)
{
	size_t	i;

	for (i = 0; i < col->n; i++)
		free(col->keys[i]);
	free(col->keys);
	memset(col, 0, sizeof(*col));
}

/* Page through everything; returns the number of keys stepped over. */
static size_t
iterate_all(struct cache *c, size_t page, struct collect *col)
{
	char	after[DOMAIN_MAX_NAME + 1] = "", last[DOMAIN_MAX_NAME + 1];
	size_t	total = 0;
	int	n;

	while ((n = cache_iterate(c, after, page, collect_fn, col,
	    last)) > 0) {
		total += (size_t)n;
		memcpy(after, last, sizeof(after));
	}
	ck_assert_msg(n == 0, "case iterate: got %d, want 0 at the end", n);
	return total;
}

START_TEST(test_store_roundtrip)
{
	char			*dir = tmpdir_make();
	struct cache		*c = open_ok(dir, 0, 0, false);
	struct cache_record	 r, got;
	struct cache_info	 info;
	struct collect		 col = { 0 };
	const char		*const names[] = { "b.example", "a.example",
				    "c.example" };
	size_t			 i;

	for (i = 0; i < 3; i++) {
		make_record(&r, i + 1, (unsigned int)i);
		ck_assert_msg(cache_put(c, names[i], &r) == 0, "case put %s: "
		    "got -1, want 0", names[i]);
		cache_record_clear(&r);
	}
	for (i = 0; i < 3; i++)
		expect_hit(c, names[i], i + 1, (unsigned int)i);
	ck_assert_msg(cache_get(c, "d.example", &got) == CACHE_MISS &&
	    record_is_empty(&got), "case get-absent: got not miss, want "
	    "miss");
	ck_assert_msg(cache_get(c, "Bad..name", &got) == CACHE_ERROR,
	    "case get-invalid: got not error, want error");
	ck_assert_msg(cache_get(c, "", &got) == CACHE_ERROR,
	    "case get-empty: got not error, want error");
	make_record(&r, 1, 1);
	ck_assert_msg(cache_put(c, "x..y", &r) == -1, "case put-invalid: "
	    "got 0, want -1");
	r.id[0] = '\0';
	ck_assert_msg(cache_put(c, "x.example", &r) == -1, "case "
	    "put-bad-record: got 0, want -1");
	cache_record_clear(&r);

	/* Overwrite. */
	make_record(&r, 5, 9);
	CHECK_EQ(cache_put(c, "a.example", &r), 0);
	cache_record_clear(&r);
	expect_hit(c, "a.example", 5, 9);

	CHECK_EQ(iterate_all(c, 2, &col), 3);
	ck_assert_msg(col.n == 3 && strcmp(col.keys[0], "a.example") == 0 &&
	    strcmp(col.keys[1], "b.example") == 0 &&
	    strcmp(col.keys[2], "c.example") == 0, "case iterate: got %zu "
	    "keys out of order, want a, b, c", col.n);
	collect_free(&col);

	cache_get_info(c, &info);
	ck_assert_msg(info.records == 3 && info.map_size ==
	    CACHE_DEFAULT_MAP_SIZE && info.used_bytes > 0 &&
	    info.corrupt_seen == 0, "case info: got records=%" PRIu64
	    " map=%" PRIu64 ", want 3 and the default", info.records,
	    info.map_size);

	CHECK_EQ(cache_delete(c, "b.example"), 0);
	CHECK_EQ(cache_delete(c, "b.example"), 0);
	ck_assert_msg(cache_get(c, "b.example", &got) == CACHE_MISS,
	    "case deleted: got not miss, want miss");
	CHECK_EQ(cache_delete_all(c), 0);
	ck_assert_msg(cache_get(c, "a.example", &got) == CACHE_MISS,
	    "case delete-all: got not miss, want miss");
	cache_get_info(c, &info);
	ck_assert_msg(info.records == 0, "case info-empty: got %" PRIu64
	    ", want 0", info.records);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

#define PAGING_N	2500
#define BATCH_N		500

static void
fill(struct cache *c, size_t n, size_t nmx)
{
	struct cache_record		*recs;
	const struct cache_record	**rp;
	char				**names;
	size_t				  i, j, k;

	recs = xcalloc(BATCH_N, sizeof(*recs));
	rp = xcalloc(BATCH_N, sizeof(*rp));
	names = xcalloc(BATCH_N, sizeof(*names));
	for (i = 0; i < n; i += k) {
		for (k = 0; k < BATCH_N && i + k < n; k++) {
			make_record(&recs[k], nmx, (unsigned int)(i + k));
			rp[k] = &recs[k];
			names[k] = xmalloc(32);
			domain_name(names[k], 32, i + k);
		}
		ck_assert_msg(cache_put_batch(c, (const char *const *)names,
		    rp, k) == 0, "case put_batch at %zu: got -1, want 0", i);
		for (j = 0; j < k; j++) {
			cache_record_clear(&recs[j]);
			free(names[j]);
		}
	}
	free(recs);
	free(rp);
	free(names);
}

START_TEST(test_store_paging)
{
	char		*dir = tmpdir_make();
	struct cache	*c = open_ok(dir, 0, 0, false);
	struct collect	 col = { 0 };
	char		 want[32];
	size_t		 i, steps;

	fill(c, PAGING_N, 2);
	steps = iterate_all(c, 100, &col);
	ck_assert_msg(steps == PAGING_N && col.n == PAGING_N, "case paging: "
	    "got %zu steps %zu records, want %d", steps, col.n, PAGING_N);
	for (i = 0; i < PAGING_N; i++) {
		domain_name(want, sizeof(want), i);
		ck_assert_msg(strcmp(col.keys[i], want) == 0, "case paging "
		    "%zu: got %s, want %s", i, col.keys[i], want);
	}
	collect_free(&col);

	/* Deleting from the callback is allowed and loses nothing. */
	col.c = c;
	steps = iterate_all(c, 7, &col);
	ck_assert_msg(steps == PAGING_N && col.n == PAGING_N, "case "
	    "delete-while-paging: got %zu, want %d", col.n, PAGING_N);
	collect_free(&col);
	CHECK_EQ(iterate_all(c, 100, &col), 0);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

START_TEST(test_store_corrupt)
{
	char			*dir = tmpdir_make();
	struct cache		*c = open_ok(dir, 0, 0, false);
	struct cache_record	 r, got;
	struct cache_info	 info;
	struct collect		 col = { 0 };
	static const uint8_t	 garbage[] = { 0x01, 0xff, 0x00, 'x' };
	static const uint8_t	 version9[] = { 0x09 };

	make_record(&r, 1, 1);
	CHECK_EQ(cache_put(c, "a.example", &r), 0);
	CHECK_EQ(cache_put(c, "c.example", &r), 0);
	CHECK_EQ(cache_put_raw(c, "b.example",
	    span_make(garbage, sizeof(garbage))), 0);
	CHECK_EQ(cache_put_raw(c, "d.example",
	    span_make(version9, sizeof(version9))), 0);
	CHECK_EQ(cache_put_raw(c, "e.example", span_make(NULL, 0)),
	    0);
	ck_assert_msg(cache_get(c, "b.example", &got) == CACHE_MISS &&
	    record_is_empty(&got), "case garbage: got not miss, want miss");
	ck_assert_msg(cache_get(c, "b.example", &got) == CACHE_MISS,
	    "case garbage-again: got not miss, want miss");
	ck_assert_msg(cache_get(c, "d.example", &got) == CACHE_MISS,
	    "case version9: got not miss, want miss");
	ck_assert_msg(cache_get(c, "e.example", &got) == CACHE_MISS,
	    "case empty-value: got not miss, want miss");
	cache_get_info(c, &info);
	ck_assert_msg(info.corrupt_seen == 4, "case corrupt_seen: got %"
	    PRIu64 ", want 4", info.corrupt_seen);

	ck_assert_msg(iterate_all(c, 2, &col) == 5 && col.n == 2, "case "
	    "iterate-corrupt: got %zu records, want 2 (3 skipped)", col.n);
	collect_free(&col);

	CHECK_EQ(cache_put(c, "b.example", &r), 0);
	expect_hit(c, "b.example", 1, 1);
	cache_record_clear(&r);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

START_TEST(test_store_reopen)
{
	char			*dir = tmpdir_make();
	struct cache		*c = open_ok(dir, 0, 0, false);
	struct cache_record	 r;

	make_record(&r, 2, 5);
	CHECK_EQ(cache_put(c, "keep.example", &r), 0);
	cache_record_clear(&r);
	cache_close(c);
	c = open_ok(dir, 0, 0, false);
	expect_hit(c, "keep.example", 2, 5);
	cache_close(c);

	/* Read-only: reads work, writes are refused. */
	c = open_ok(dir, 0, 0, true);
	expect_hit(c, "keep.example", 2, 5);
	make_record(&r, 2, 5);
	ck_assert_msg(cache_put(c, "new.example", &r) == -1, "case "
	    "read-only-put: got 0, want -1");
	ck_assert_msg(cache_delete(c, "keep.example") == -1, "case "
	    "read-only-delete: got 0, want -1");
	cache_record_clear(&r);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

static void
put_seed(struct cache *c, const char *domain, unsigned int seed, bool lazy)
{
	struct cache_record	r;

	make_record(&r, 2, seed);
	if (lazy)
		CHECK_EQ(cache_put_lazy(c, domain, &r), 0);
	else
		(void)cache_put(c, domain, &r);
	cache_record_clear(&r);
}

static void
expect_info(const char *name, struct cache *c, uint64_t unwritten,
    bool failing)
{
	struct cache_info	ci;

	cache_get_info(c, &ci);
	ck_assert_msg(ci.unwritten == unwritten && ci.writes_failing ==
	    failing, "case %s: got %llu unwritten, failing %d; want %llu, %d",
	    name, (unsigned long long)ci.unwritten, ci.writes_failing,
	    (unsigned long long)unwritten, failing);
}

/*
 * Issue 10, rule 5: a write that fails (a full disk) loses nothing the
 * daemon knows: the record is served from memory, seen by iteration,
 * reported, and written once writes work again.
 */
START_TEST(test_store_write_failure)
{
	char			*dir = tmpdir_make();
	struct cache		*c = open_ok(dir, 0, 0, false);
	struct cache_record	 r;
	struct collect		 col = { NULL, 0, 0, NULL };
	char			 last[DOMAIN_MAX_NAME + 1];

	put_seed(c, "a.example", 1, false);
	put_seed(c, "c.example", 3, false);
	put_seed(c, "e.example", 5, false);
	expect_info("writes-ok", c, 0, false);
	cache_test_fail_writes(c, true);
	make_record(&r, 2, 2);
	ck_assert_msg(cache_put(c, "b.example", &r) == -1, "case disk-full: "
	    "got 0, want -1 from a failed write");
	cache_record_clear(&r);
	put_seed(c, "d.example", 4, false);
	put_seed(c, "c.example", 33, false);	/* newer than on disk */
	expect_info("disk-full", c, 3, true);
	expect_hit(c, "b.example", 2, 2);
	expect_hit(c, "c.example", 2, 33);

	/* Pages of two: the unwritten records in key order, none lost. */
	last[0] = '\0';
	while (cache_iterate(c, col.n == 0 ? "" : last, 2, collect_fn,
	    &col, last) > 0)
		;
	ck_assert_msg(col.n == 5 && strcmp(col.keys[1], "b.example") == 0 &&
	    strcmp(col.keys[3], "d.example") == 0, "case iterate-merged: got "
	    "%zu keys, want a..e in order", col.n);
	collect_free(&col);

	/* A flush while the disk is still full keeps them. */
	CHECK_EQ(cache_flush(c), -1);
	expect_info("flush-still-full", c, 3, true);
	cache_test_fail_writes(c, false);
	CHECK_EQ(cache_flush(c), 0);
	expect_info("flushed", c, 0, false);
	cache_close(c);

	c = open_ok(dir, 0, 0, true);
	expect_hit(c, "b.example", 2, 2);
	expect_hit(c, "c.example", 2, 33);
	expect_hit(c, "d.example", 2, 4);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

/* Rule 7: a lazy put is served at once and written with the batch (or
   at close), not by a synced write of its own. */
START_TEST(test_store_lazy)
{
	char		*dir = tmpdir_make();
	struct cache	*c = open_ok(dir, 0, 0, false);

	put_seed(c, "lazy.example", 7, true);
	expect_info("lazy", c, 1, false);
	expect_hit(c, "lazy.example", 2, 7);
	CHECK_EQ(cache_flush(c), 0);
	expect_info("lazy-flushed", c, 0, false);
	put_seed(c, "atclose.example", 8, true);
	cache_close(c);
	c = open_ok(dir, 0, 0, true);
	expect_hit(c, "lazy.example", 2, 7);
	expect_hit(c, "atclose.example", 2, 8);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

/*
 * A store written by the previous release (version 1 records) opens,
 * every record reads back upgraded, and the next write stores version 2.
 */
START_TEST(test_store_upgrade_v1)
{
	static const struct raw	 good = RAW_GOOD;
	char			*dir = tmpdir_make();
	struct cache		*c = open_ok(dir, 0, 0, false);
	struct cache_record	 r;
	struct buf		 b;

	raw_encode(&good, &b);
	CHECK_EQ(cache_put_raw(c, "old.example", buf_span(&b)), 0);
	buf_clear(&b);
	cache_close(c);

	c = open_ok(dir, 0, 0, false);
	cache_record_init(&r);
	ck_assert_msg(cache_get(c, "old.example", &r) == CACHE_HIT &&
	    strcmp(r.id, "abc") == 0 && r.policy.mx_count == 1 &&
	    r.txt_state == CACHE_TXT_OK,
	    "case upgrade-v1: got no record, want the upgraded one");
	r.txt_state = CACHE_TXT_GONE;
	CHECK_EQ(cache_put(c, "old.example", &r), 0);
	cache_record_clear(&r);
	cache_close(c);

	c = open_ok(dir, 0, 0, true);
	ck_assert_msg(cache_get(c, "old.example", &r) == CACHE_HIT &&
	    r.txt_state == CACHE_TXT_GONE,
	    "case upgrade-v1-rewritten: got no record, want version 2");
	cache_record_clear(&r);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

/*
 * A child puts records in a loop and reports each index on a pipe after
 * cache_put() returned 0; it is killed with SIGKILL mid-loop.  Every
 * reported record must be there after a reopen.
 */
START_TEST(test_store_kill9)
{
	char			*dir = tmpdir_make();
	struct cache		*c;
	struct cache_record	 r;
	uint32_t		 idx, got = 0, *seen;
	char			 name[32];
	int			 fds[2], status;
	pid_t			 pid;
	size_t			 i;

	CHECK_EQ(pipe(fds), 0);
	pid = fork();
	ck_assert_msg(pid != -1, "case fork: got -1, want a child");
	if (pid == 0) {
		close(fds[0]);
		c = open_ok(dir, 0, 0, false);
		for (idx = 0;; idx++) {
			make_record(&r, 3, idx);
			domain_name(name, sizeof(name), idx);
			if (cache_put(c, name, &r) != 0)
				_exit(3);
			cache_record_clear(&r);
			if (write(fds[1], &idx, sizeof(idx)) != sizeof(idx))
				_exit(4);
		}
	}
	close(fds[1]);
	seen = xcalloc(1 << 20, sizeof(*seen));
	while (got < 200 && read(fds[0], &seen[got], sizeof(*seen)) ==
	    sizeof(*seen))
		got++;
	CHECK_EQ(kill(pid, SIGKILL), 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "case child: got status %d, want killed", status);
	while (got < (1 << 20) && read(fds[0], &seen[got], sizeof(*seen)) ==
	    sizeof(*seen))
		got++;
	close(fds[0]);
	ck_assert_msg(got >= 200, "case reports: got %u, want >= 200", got);

	c = open_ok(dir, 0, 0, false);
	for (i = 0; i < got; i++) {
		domain_name(name, sizeof(name), seen[i]);
		expect_hit(c, name, 3, seen[i]);
	}
	/* And the store still takes writes. */
	make_record(&r, 1, 1);
	CHECK_EQ(cache_put(c, "after.example", &r), 0);
	cache_record_clear(&r);
	cache_close(c);
	free(seen);
	tmpdir_remove(dir);
}
END_TEST

START_TEST(test_store_map_full)
{
	char			*dir = tmpdir_make();
	struct cache		*c;
	struct cache_record	 r;
	struct cache_info	 info;
	char			 name[32];
	size_t			 i;
	int			 rc = 0;

	/* Grows from 64 KiB as needed. */
	c = open_ok(dir, 64 * 1024, 0, false);
	fill(c, 3000, 4);
	cache_get_info(c, &info);
	ck_assert_msg(info.records == 3000 && info.map_size > 64 * 1024,
	    "case grow: got %" PRIu64 " records map %" PRIu64 ", want 3000 "
	    "and a grown map", info.records, info.map_size);
	expect_hit(c, "d02999.example", 4, 2999);
	CHECK_EQ(cache_delete_all(c), 0);
	cache_close(c);
	tmpdir_remove(dir);

	/* Capped at 64 KiB: a put fails, nothing else does. */
	dir = tmpdir_make();
	c = open_ok(dir, 64 * 1024, 64 * 1024, false);
	for (i = 0; i < 10000 && rc == 0; i++) {
		make_record(&r, 20, (unsigned int)i);
		domain_name(name, sizeof(name), i);
		rc = cache_put(c, name, &r);
		cache_record_clear(&r);
	}
	ck_assert_msg(rc == -1 && i > 1, "case cap: got rc %d after %zu "
	    "puts, want -1 after some", rc, i);
	expect_hit(c, "d00000.example", 20, 0);
	domain_name(name, sizeof(name), i - 2);
	expect_hit(c, name, 20, (unsigned int)(i - 2));
	cache_close(c);
	/* Even a delete needs free pages in a full map: just reopen. */
	c = open_ok(dir, 64 * 1024, 64 * 1024, false);
	expect_hit(c, name, 20, (unsigned int)(i - 2));
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

START_TEST(test_touch_batch)
{
	char			*dir = tmpdir_make();
	struct cache		*c = open_ok(dir, 0, 0, false);
	struct cache_record	 r, got;
	const char		*const names[] = { "a.example", "gone.example",
				    "b.example", "a.example" };
	const int64_t		 times[] = { 1800000000, 1800000001,
				    1800000002, 1700000000 };

	make_record(&r, 1, 1);
	CHECK_EQ(cache_put(c, "a.example", &r), 0);
	CHECK_EQ(cache_put(c, "b.example", &r), 0);
	cache_record_clear(&r);
	CHECK_EQ(cache_touch_batch(c, names, times, 4), 0);
	CHECK_EQ(cache_get(c, "a.example", &got), CACHE_HIT);
	ck_assert_msg(got.last_query == 1800000000, "case a: got %" PRId64
	    ", want 1800000000 (an older time does not win)", got.last_query);
	cache_record_clear(&got);
	CHECK_EQ(cache_get(c, "b.example", &got), CACHE_HIT);
	ck_assert_msg(got.last_query == 1800000002 && got.fetched ==
	    1700000001, "case b: got %" PRId64 ", want 1800000002",
	    got.last_query);
	cache_record_clear(&got);
	ck_assert_msg(cache_get(c, "gone.example", &got) == CACHE_MISS,
	    "case gone: got not miss, want miss (touch creates nothing)");
	CHECK_EQ(cache_touch_batch(c, names, times, 0), 0);
	cache_close(c);
	tmpdir_remove(dir);
}
END_TEST

/* ---- open errors ---- */

static void
expect_open_fail(const char *name, const struct cache_opts *o,
    const char *want1, const char *want2)
{
	char	err[ERRLEN];

	ck_assert_msg(cache_open(o, err, sizeof(err)) == NULL, "case %s: "
	    "got an open cache, want failure", name);
	ck_assert_msg(strstr(err, want1) != NULL &&
	    (want2 == NULL || strstr(err, want2) != NULL), "case %s: got "
	    "\"%s\", want \"%s\" and \"%s\"", name, err, want1,
	    want2 ? want2 : "");
}

static void
write_file(const char *path, const void *p, size_t n)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_msg(fd != -1 && write(fd, p, n) == (ssize_t)n, "case "
	    "write %s: got %s, want ok", path, strerror(errno));
	close(fd);
}

START_TEST(test_open_errors)
{
	char			*dir = tmpdir_make(), path[256];
	struct cache_opts	 o = { NULL, 0, 0, false };
	struct cache		*c;
	uint8_t			 junk[8192];
	static const uint8_t	 fmt2[] = { 0, 0, 0, 2 };

	(void)snprintf(path, sizeof(path), "%s/missing", dir);
	o.dir = path;
	expect_open_fail("missing-dir", &o, path, "No such file");
	o.dir = "";
	expect_open_fail("empty-dir", &o, "no cache directory", NULL);

	o.dir = dir;
	o.read_only = true;
	expect_open_fail("read-only-empty", &o, dir, "no data.mdb");
	o.read_only = false;

	(void)snprintf(path, sizeof(path), "%s/data.mdb", dir);
	memset(junk, 'J', sizeof(junk));
	write_file(path, junk, sizeof(junk));
	expect_open_fail("not-lmdb", &o, "not an LMDB database", dir);
	CHECK_EQ(unlink(path), 0);
	o.dir = path;
	write_file(path, junk, 1);
	expect_open_fail("not-a-directory", &o, "not a directory", path);
	CHECK_EQ(unlink(path), 0);
	o.dir = dir;

	c = open_ok(dir, 0, 0, false);
	CHECK_EQ(cache_put_meta_raw(c, "format",
	    span_make(fmt2, sizeof(fmt2))), 0);
	cache_close(c);
	expect_open_fail("format-2", &o, "store format 2", "delete data.mdb");
	o.read_only = true;
	expect_open_fail("format-2-ro", &o, "store format 2", dir);
	tmpdir_remove(dir);
}
END_TEST

START_TEST(test_open_format_short)
{
	char			*dir = tmpdir_make();
	struct cache_opts	 o = { NULL, 0, 0, false };
	struct cache		*c;
	static const uint8_t	 fmt_short[] = { 0, 1 };

	o.dir = dir;
	c = open_ok(dir, 0, 0, false);
	CHECK_EQ(cache_put_meta_raw(c, "format",
	    span_make(fmt_short, sizeof(fmt_short))), 0);
	cache_close(c);
	expect_open_fail("format-short", &o, "unreadable format marker",
	    dir);
	tmpdir_remove(dir);
}
END_TEST

/*
 * A directory the process may not write to.  Root ignores permission
 * bits, so as root a child drops to nobody first.
 */
START_TEST(test_open_eacces)
{
	char			*dir = tmpdir_make();
	struct cache_opts	 o = { NULL, 0, 0, false };
	char			 err[ERRLEN];
	pid_t			 pid;
	int			 status;

	o.dir = dir;
	if (geteuid() == 0)
		CHECK_EQ(chown(dir, NOBODY, NOBODY), 0);
	CHECK_EQ(chmod(dir, 0500), 0);
	pid = fork();
	ck_assert_msg(pid != -1, "case fork: got -1, want a child");
	if (pid == 0) {
		/* No ck_assert here: report through the exit status. */
		if (geteuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setgid(NOBODY) == -1 || setuid(NOBODY) == -1))
			_exit(2);
		if (cache_open(&o, err, sizeof(err)) != NULL)
			_exit(3);
		if (strstr(err, dir) == NULL ||
		    strstr(err, "Permission denied") == NULL) {
			fprintf(stderr, "eacces: %s\n", err);
			_exit(4);
		}
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "case eacces: got child status %d, want 0", status);
	CHECK_EQ(chmod(dir, 0700), 0);
	tmpdir_remove(dir);
}
END_TEST

static Suite *
cache_suite(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("codec");
	TCase	*ts = tcase_create("store");

	tcase_add_loop_test(tc, test_codec_roundtrip, 0,
	    sizeof(rt_cases) / sizeof(rt_cases[0]));
	tcase_add_loop_test(tc, test_codec_truncation, 0,
	    sizeof(rt_cases) / sizeof(rt_cases[0]));
	tcase_add_test(tc, test_codec_corruption);
	tcase_add_loop_test(tc, test_codec_bad, 0,
	    2 * sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_codec_txt_state);
	tcase_add_test(tc, test_codec_migrate_v1);
	tcase_add_loop_test(tc, test_codec_encode_refuses, 0,
	    sizeof(enc_cases) / sizeof(enc_cases[0]));
	tcase_add_test(tc, test_codec_corpus);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tcase_add_test(ts, test_store_roundtrip);
	tcase_add_test(ts, test_store_paging);
	tcase_add_test(ts, test_store_corrupt);
	tcase_add_test(ts, test_store_reopen);
	tcase_add_test(ts, test_store_upgrade_v1);
	tcase_add_test(ts, test_store_write_failure);
	tcase_add_test(ts, test_store_lazy);
	tcase_add_test(ts, test_store_kill9);
	tcase_add_test(ts, test_store_map_full);
	tcase_add_test(ts, test_touch_batch);
	tcase_add_test(ts, test_open_errors);
	tcase_add_test(ts, test_open_format_short);
	tcase_add_test(ts, test_open_eacces);
	tcase_set_timeout(ts, 120);
	suite_add_tcase(s, ts);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_init("check_cache", 1, LOG_LEVEL_ERROR);
	sr = srunner_create(cache_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
