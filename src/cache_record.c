/*
 * cache_record.c: the cache record codec.  See cache.h for the layout.
 *
 * Pure: no LMDB, no logging.  Records are decoded as carefully as
 * network input, since a damaged or foreign database must never crash
 * the daemon: every length is checked against what is left and against
 * its limit before use, and everything decoded is validated again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "domain.h"
#include "sts_policy.h"
#include "sts_txt.h"

#define CACHE_MX_MAX_LEN	(2 + DOMAIN_MAX_NAME)	/* "*." + name */
#define CACHE_WILDCARD		"*."

/* On-disk mode numbers: fixed here, independent of enum sts_mode. */
#define CACHE_WIRE_ENFORCE	0
#define CACHE_WIRE_TESTING	1
#define CACHE_WIRE_NONE		2

#define CACHE_WIRE_TXT_OK	0
#define CACHE_WIRE_TXT_GONE	1
#define CACHE_WIRE_TXT_FAILED	2

void
cache_record_init(struct cache_record *r)
{
	memset(r, 0, sizeof(*r));
	sts_policy_init(&r->policy);
}

void
cache_record_clear(struct cache_record *r)
{
	sts_policy_clear(&r->policy);
	cache_record_init(r);
}

int
cache_record_copy(struct cache_record *dst, const struct cache_record *src)
{
	struct sts_policy	p;

	if (sts_policy_copy(&p, &src->policy) == -1) {
		cache_record_init(dst);
		return -1;
	}
	memcpy(dst, src, sizeof(*dst));
	dst->policy = p;
	return 0;
}

/* The string in a fixed char array; -1 when it is not NUL-terminated. */
static int
array_span(const char *a, size_t size, struct span *out)
{
	size_t	n = strnlen(a, size);

	if (n == size)
		return -1;
	*out = span_make(a, n);
	return 0;
}

static bool
id_is_valid(struct span s, bool empty_ok)
{
	size_t	i;

	if (s.len == 0)
		return empty_ok;
	if (s.len > STS_TXT_MAX_ID)
		return false;
	for (i = 0; i < s.len; i++)
		if (!ascii_is_alnum(s.p[i]))
			return false;
	return true;
}

static bool
failure_is_valid(struct span s)
{
	size_t	i;

	if (s.len > CACHE_MAX_FAILURE)
		return false;
	for (i = 0; i < s.len; i++)
		if (!ascii_is_print(s.p[i]))
			return false;
	return true;
}

/* A policy mx pattern as sts_policy.c makes them: name or "*." name. */
static bool
mx_is_valid(struct span s)
{
	if (s.len > CACHE_MX_MAX_LEN)
		return false;
	if (span_starts_with(s, CACHE_WILDCARD))
		s = span_tail(s, 2);
	return domain_is_valid(s);
}

static int
mode_to_wire(enum sts_mode m, uint8_t *w)
{
	switch (m) {
	case STS_MODE_ENFORCE:
		*w = CACHE_WIRE_ENFORCE;
		return 0;
	case STS_MODE_TESTING:
		*w = CACHE_WIRE_TESTING;
		return 0;
	case STS_MODE_NONE:
		*w = CACHE_WIRE_NONE;
		return 0;
	}
	return -1;
}

static int
mode_from_wire(uint8_t w, enum sts_mode *m)
{
	if (w == CACHE_WIRE_ENFORCE)
		*m = STS_MODE_ENFORCE;
	else if (w == CACHE_WIRE_TESTING)
		*m = STS_MODE_TESTING;
	else if (w == CACHE_WIRE_NONE)
		*m = STS_MODE_NONE;
	else
		return -1;
	return 0;
}

const char *
cache_txt_state_name(enum cache_txt_state st)
{
	switch (st) {
	case CACHE_TXT_OK:
		return "ok";
	case CACHE_TXT_GONE:
		return "gone";
	case CACHE_TXT_FAILED:
		return "failed";
	}
	return "?";
}

static int
txt_state_to_wire(enum cache_txt_state st, uint8_t *w)
{
	switch (st) {
	case CACHE_TXT_OK:
		*w = CACHE_WIRE_TXT_OK;
		return 0;
	case CACHE_TXT_GONE:
		*w = CACHE_WIRE_TXT_GONE;
		return 0;
	case CACHE_TXT_FAILED:
		*w = CACHE_WIRE_TXT_FAILED;
		return 0;
	}
	return -1;
}

static int
txt_state_from_wire(uint8_t w, enum cache_txt_state *st)
{
	if (w == CACHE_WIRE_TXT_OK)
		*st = CACHE_TXT_OK;
	else if (w == CACHE_WIRE_TXT_GONE)
		*st = CACHE_TXT_GONE;
	else if (w == CACHE_WIRE_TXT_FAILED)
		*st = CACHE_TXT_FAILED;
	else
		return -1;
	return 0;
}

static int
put_u32(struct buf *b, uint32_t v)
{
	uint8_t	x[4];

	x[0] = (uint8_t)(v >> 24);
	x[1] = (uint8_t)(v >> 16);
	x[2] = (uint8_t)(v >> 8);
	x[3] = (uint8_t)v;
	return buf_add(b, x, sizeof(x));
}

static int
put_time(struct buf *b, int64_t t)
{
	uint64_t	v = (uint64_t)t;

	if (put_u32(b, (uint32_t)(v >> 32)) == -1)
		return -1;
	return put_u32(b, (uint32_t)v);
}

/* A u8 length and the bytes. */
static int
put_str(struct buf *b, struct span s)
{
	if (s.len > UINT8_MAX || buf_add_byte(b, (uint8_t)s.len) == -1)
		return -1;
	return buf_add_span(b, s);
}

int
cache_record_encode(const struct cache_record *r, struct buf *out)
{
	const struct sts_policy	*p = &r->policy;
	struct span		 id, failure, failed_id;
	size_t			 start = out->len, i;
	uint8_t			 mode, txt_state;

	if (array_span(r->id, sizeof(r->id), &id) == -1 ||
	    !id_is_valid(id, false) ||
	    array_span(r->failure, sizeof(r->failure), &failure) == -1 ||
	    !failure_is_valid(failure) ||
	    array_span(r->failed_id, sizeof(r->failed_id), &failed_id) ==
	    -1 || !id_is_valid(failed_id, true) ||
	    mode_to_wire(p->mode, &mode) == -1 ||
	    txt_state_to_wire(r->txt_state, &txt_state) == -1 ||
	    p->max_age > STS_POLICY_MAX_AGE ||
	    p->mx_count > STS_POLICY_MAX_MX ||
	    (p->mx_count > 0 && p->mx == NULL) ||
	    (p->mx_count == 0 && p->mode != STS_MODE_NONE) ||
	    r->fetched < 0 || r->txt_checked < 0 || r->next_refresh < 0 ||
	    r->last_failure < 0 || r->last_query < 0)
		return -1;
	for (i = 0; i < p->mx_count; i++)
		if (p->mx[i] == NULL ||
		    !mx_is_valid(span_make(p->mx[i],
		    strnlen(p->mx[i], CACHE_MX_MAX_LEN + 1))))
			return -1;

	if (buf_add_byte(out, CACHE_RECORD_VERSION) == -1 ||
	    put_str(out, id) == -1 ||
	    buf_add_byte(out, mode) == -1 ||
	    put_u32(out, p->max_age) == -1 ||
	    put_time(out, r->fetched) == -1 ||
	    put_time(out, r->txt_checked) == -1 ||
	    put_u32(out, r->txt_ttl) == -1 ||
	    buf_add_byte(out, txt_state) == -1 ||
	    put_u32(out, r->txt_failures) == -1 ||
	    put_time(out, r->next_refresh) == -1 ||
	    put_time(out, r->last_failure) == -1 ||
	    put_u32(out, r->failures) == -1 ||
	    put_str(out, failure) == -1 ||
	    put_str(out, failed_id) == -1 ||
	    put_time(out, r->last_query) == -1 ||
	    buf_add_byte(out, (uint8_t)p->mx_count) == -1)
		goto fail;
	for (i = 0; i < p->mx_count; i++)
		if (put_str(out, span_str(p->mx[i])) == -1)
			goto fail;
	return 0;
fail:
	out->len = start;
	return -1;
}

struct reader {
	struct span	in;
	size_t		off;
};

static int
rd_bytes(struct reader *r, size_t n, struct span *out)
{
	if (r->in.len - r->off < n)
		return -1;
	*out = span_make(r->in.p + r->off, n);
	r->off += n;
	return 0;
}

static int
rd_u8(struct reader *r, uint8_t *v)
{
	struct span	s;

	if (rd_bytes(r, 1, &s) == -1)
		return -1;
	*v = s.p[0];
	return 0;
}

static int
rd_u32(struct reader *r, uint32_t *v)
{
	struct span	s;

	if (rd_bytes(r, 4, &s) == -1)
		return -1;
	*v = (uint32_t)s.p[0] << 24 | (uint32_t)s.p[1] << 16 |
	    (uint32_t)s.p[2] << 8 | (uint32_t)s.p[3];
	return 0;
}

/* A time: a big-endian int64 that must not be negative. */
static int
rd_time(struct reader *r, int64_t *t)
{
	uint32_t	hi, lo;

	if (rd_u32(r, &hi) == -1 || rd_u32(r, &lo) == -1 ||
	    hi > INT32_MAX)
		return -1;
	*t = (int64_t)((uint64_t)hi << 32 | lo);
	return 0;
}

/* A u8 length, checked against max and the input before the bytes. */
static int
rd_str(struct reader *r, size_t min, size_t max, struct span *out)
{
	uint8_t	n;

	if (rd_u8(r, &n) == -1 || n < min || n > max)
		return -1;
	return rd_bytes(r, n, out);
}

/*
 * Version 1 had one failure count for TXT and fetch failures: with a
 * failed_id it was the fetch back-off of that id, without one the TXT
 * checks were failing (cache.h).
 */
static void
migrate_v1(struct cache_record *r)
{
	if (r->failures == 0 || r->failed_id[0] != '\0')
		return;
	r->txt_state = CACHE_TXT_FAILED;
	r->txt_failures = r->failures;
	if (r->last_failure > r->txt_checked)
		r->txt_checked = r->last_failure;
	r->failures = 0;
	r->last_failure = 0;
}

/*
 * The layout is in cache.h.  Each step either reads exactly what it
 * expects within the remaining bytes or fails; nothing is allocated
 * before the count it depends on is checked against its limit.
 */
int
cache_record_decode(struct span in, struct cache_record *out,
    const char **why)
{
	struct sts_policy	*p = &out->policy;
	struct reader		 r = { in, 0 };
	struct span		 s;
	uint8_t			 version, mode, count, txt_state;
	size_t			 i;

	cache_record_init(out);
	if (rd_u8(&r, &version) == -1 || version < CACHE_RECORD_VERSION_MIN ||
	    version > CACHE_RECORD_VERSION) {
		*why = "unknown record version";
		goto fail;
	}
	if (rd_str(&r, 1, STS_TXT_MAX_ID, &s) == -1 || !id_is_valid(s,
	    false)) {
		*why = "bad or truncated id";
		goto fail;
	}
	memcpy(out->id, s.p, s.len);
	if (rd_u8(&r, &mode) == -1 || mode_from_wire(mode, &p->mode) == -1) {
		*why = "bad mode";
		goto fail;
	}
	if (rd_u32(&r, &p->max_age) == -1 ||
	    p->max_age > STS_POLICY_MAX_AGE) {
		*why = "bad max_age";
		goto fail;
	}
	if (rd_time(&r, &out->fetched) == -1 ||
	    rd_time(&r, &out->txt_checked) == -1 ||
	    rd_u32(&r, &out->txt_ttl) == -1) {
		*why = "bad or truncated times";
		goto fail;
	}
	if (version >= 2 && (rd_u8(&r, &txt_state) == -1 ||
	    txt_state_from_wire(txt_state, &out->txt_state) == -1 ||
	    rd_u32(&r, &out->txt_failures) == -1)) {
		*why = "bad or truncated TXT state";
		goto fail;
	}
	if (rd_time(&r, &out->next_refresh) == -1 ||
	    rd_time(&r, &out->last_failure) == -1 ||
	    rd_u32(&r, &out->failures) == -1) {
		*why = "bad or truncated times";
		goto fail;
	}
	if (rd_str(&r, 0, CACHE_MAX_FAILURE, &s) == -1 ||
	    !failure_is_valid(s)) {
		*why = "bad or truncated failure text";
		goto fail;
	}
	memcpy(out->failure, s.p, s.len);
	if (rd_str(&r, 0, STS_TXT_MAX_ID, &s) == -1 || !id_is_valid(s,
	    true)) {
		*why = "bad or truncated failed id";
		goto fail;
	}
	memcpy(out->failed_id, s.p, s.len);
	if (rd_time(&r, &out->last_query) == -1) {
		*why = "bad or truncated last query time";
		goto fail;
	}
	/* Each mx takes at least two bytes: cheap check before calloc. */
	if (rd_u8(&r, &count) == -1 || count > STS_POLICY_MAX_MX ||
	    (r.in.len - r.off) / 2 < count) {
		*why = "bad or truncated mx count";
		goto fail;
	}
	if (count == 0 && p->mode != STS_MODE_NONE) {
		*why = "policy without mx";
		goto fail;
	}
	if (count > 0)
		p->mx = xcalloc(count, sizeof(*p->mx));
	for (i = 0; i < count; i++) {
		if (rd_str(&r, 1, CACHE_MX_MAX_LEN, &s) == -1 ||
		    !mx_is_valid(s)) {
			*why = "bad or truncated mx pattern";
			goto fail;
		}
		p->mx[i] = span_strdup(s);
		p->mx_count = i + 1;
	}
	if (r.off != in.len) {
		*why = "trailing bytes";
		goto fail;
	}
	if (version == 1)
		migrate_v1(out);
	return 0;
fail:
	cache_record_clear(out);
	return -1;
}

