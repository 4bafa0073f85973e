/*
 * sts_policy.c: the MTA-STS policy file and the Postfix policy string.
 * See sts_policy.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "domain.h"
#include "sts_policy.h"

#define STS_POLICY_MAX_KEY	32	/* sts-policy-ext-name */
#define STS_POLICY_WILDCARD	"*."

void
sts_policy_init(struct sts_policy *p)
{
	p->mode = STS_MODE_NONE;
	p->max_age = 0;
	p->mx_count = 0;
	p->mx = NULL;
}

void
sts_policy_clear(struct sts_policy *p)
{
	size_t	i;

	if (p->mx != NULL)
		for (i = 0; i < p->mx_count; i++)
			free(p->mx[i]);
	free(p->mx);
	sts_policy_init(p);
}

int
sts_policy_copy(struct sts_policy *dst, const struct sts_policy *src)
{
	size_t	i;

	sts_policy_init(dst);
	if (src->mx_count > STS_POLICY_MAX_MX ||
	    (src->mx_count > 0 && src->mx == NULL))
		return -1;
	for (i = 0; i < src->mx_count; i++)
		if (src->mx[i] == NULL)
			return -1;
	dst->mode = src->mode;
	dst->max_age = src->max_age;
	if (src->mx_count > 0) {
		dst->mx = xcalloc(src->mx_count, sizeof(*dst->mx));
		for (i = 0; i < src->mx_count; i++)
			dst->mx[i] = xstrdup(src->mx[i]);
		dst->mx_count = src->mx_count;
	}
	return 0;
}

const char *
sts_mode_name(enum sts_mode m)
{
	switch (m) {
	case STS_MODE_ENFORCE:
		return "enforce";
	case STS_MODE_TESTING:
		return "testing";
	case STS_MODE_NONE:
		return "none";
	}
	return "unknown";
}

int
sts_mode_parse(struct span s, enum sts_mode *m)
{
	if (span_eq_str(s, "enforce"))
		*m = STS_MODE_ENFORCE;
	else if (span_eq_str(s, "testing"))
		*m = STS_MODE_TESTING;
	else if (span_eq_str(s, "none"))
		*m = STS_MODE_NONE;
	else
		return -1;
	return 0;
}

/*
 * Check one mx value and return its normalised pattern in policy form
 * (heap, caller frees), or NULL with *why set.
 *
 *	sts-policy-mx-value = ["*."] Domain
 *
 * Domain is RFC 5321's ASCII host name: A-labels only (RFC 8461 §3.2),
 * checked with domain_normalize(), which also lower-cases it and drops
 * one trailing dot (a leniency).  A wildcard anywhere else, "*.*.", an IP
 * address (all-numeric last label), spaces, ":", "=", "," or any other
 * byte outside LDH and "." are refused.
 */
static char *
mx_pattern(struct span v, const char **why)
{
	struct domain_name	 n;
	bool			 wild = false;
	char			*pat;
	size_t			 off;

	if (v.len == 0) {
		*why = "empty mx value";
		return NULL;
	}
	if (span_starts_with(v, STS_POLICY_WILDCARD)) {
		wild = true;
		v = span_tail(v, 2);
	}
	if (domain_normalize(v, &n, why) == -1) {
		*why = "mx value is not a valid host name pattern";
		return NULL;
	}
	off = wild ? 2 : 0;
	pat = xmalloc(off + n.len + 1);
	if (wild)
		memcpy(pat, STS_POLICY_WILDCARD, 2);
	memcpy(pat + off, n.name, n.len + 1);
	return pat;
}

static bool
is_key_char(uint8_t c)
{
	return ascii_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* Control bytes other than HTAB, DEL included. */
static bool
is_ctl(uint8_t c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/*
 * RFC 8461 §3.2 (RFC 7405 case-sensitive literals), in effect:
 *
 *	sts-policy-record = line *(sts-policy-term line) [sts-policy-term]
 *	line              = sts-policy-field *WSP
 *	sts-policy-term   = LF / CRLF
 *	sts-policy-field  = key ":" *WSP value
 *	key               = (ALPHA / DIGIT)
 *	                    *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	version           = %s"STSv1"			; required
 *	mode              = %s"enforce" / %s"testing" / %s"none"; required
 *	max_age           = 1*10DIGIT			; required
 *	mx                = ["*."] Domain		; see mx_pattern()
 *
 * Keys and values are case-sensitive.  "version", "mode" and "max_age"
 * count the first time they appear; later copies are ignored unchecked.
 * "mx" may repeat up to STS_POLICY_MAX_MX times and is required unless
 * the mode is "none".  Unknown keys are ignored.  A max_age above
 * STS_POLICY_MAX_AGE is capped to it; 0 is valid.
 *
 * Refused: an empty body, one over STS_POLICY_MAX_BODY bytes, a NUL or
 * any other control byte but HTAB anywhere (so also a lone CR), a line
 * that is not key ":" value (which covers an HTML page served in place
 * of a policy), whitespace before ":" or at the start of a line (the
 * grammar has none), a bad value for a known key.
 *
 * Leniencies, all deliberate:
 * - Empty or whitespace-only lines are skipped (a trailing blank line is
 *   common and harmless).
 * - Values of unknown keys are not checked beyond the control-byte rule
 *   (may be empty, may hold bytes that are not UTF-8): they are ignored.
 * - mx values are lower-cased and lose one trailing dot.
 */
int
sts_policy_parse(struct span body, struct sts_policy *out, const char **why)
{
	struct span	 line, key, value;
	uint64_t	 age;
	size_t		 off, end, i;
	long		 nl;
	bool		 have_version = false, have_mode = false;
	bool		 have_age = false;
	char		*pat;

	sts_policy_init(out);
	if (body.len == 0) {
		*why = "empty policy";
		return -1;
	}
	if (body.len > STS_POLICY_MAX_BODY) {
		*why = "policy larger than 65536 bytes";
		return -1;
	}
	if (span_find(body, '\0') >= 0) {
		*why = "NUL byte in policy";
		return -1;
	}

	for (off = 0; off < body.len; off = end) {
		line = span_tail(body, off);
		if ((nl = span_find(line, '\n')) >= 0) {
			line.len = (size_t)nl;
			end = off + (size_t)nl + 1;
		} else
			end = body.len;
		if (line.len > 0 && line.p[line.len - 1] == '\r')
			line.len--;
		for (i = 0; i < line.len; i++)
			if (is_ctl(line.p[i])) {
				*why = "control character in policy";
				goto fail;
			}
		if (span_trim_wsp(line).len == 0)
			continue;

		for (i = 0; i < line.len && is_key_char(line.p[i]); i++)
			;
		key = span_head(line, i);
		if (key.len == 0 || !ascii_is_alnum(key.p[0]) ||
		    i == line.len || line.p[i] != ':') {
			*why = "line is not key: value";
			goto fail;
		}
		if (key.len > STS_POLICY_MAX_KEY) {
			*why = "field name longer than 32 characters";
			goto fail;
		}
		value = span_trim_wsp(span_tail(line, i + 1));

		if (span_eq_str(key, "version")) {
			if (have_version)
				continue;
			if (!span_eq_str(value, "STSv1")) {
				*why = "unsupported version";
				goto fail;
			}
			have_version = true;
		} else if (span_eq_str(key, "mode")) {
			if (have_mode)
				continue;
			if (sts_mode_parse(value, &out->mode) == -1) {
				*why = "unknown mode";
				goto fail;
			}
			have_mode = true;
		} else if (span_eq_str(key, "max_age")) {
			if (have_age)
				continue;
			if (value.len > STS_POLICY_MAX_AGE_DIGITS) {
				*why = "max_age longer than 10 digits";
				goto fail;
			}
			if (span_to_u64(value, STS_POLICY_MAX_AGE_DIGITS,
			    false, &age) == -1) {
				*why = "max_age is not a number";
				goto fail;
			}
			if (age > STS_POLICY_MAX_AGE)
				age = STS_POLICY_MAX_AGE;
			out->max_age = (uint32_t)age;
			have_age = true;
		} else if (span_eq_str(key, "mx")) {
			if (out->mx_count == STS_POLICY_MAX_MX) {
				*why = "more than 100 mx fields";
				goto fail;
			}
			if ((pat = mx_pattern(value, why)) == NULL)
				goto fail;
			if (out->mx == NULL)
				out->mx = xcalloc(STS_POLICY_MAX_MX,
				    sizeof(*out->mx));
			out->mx[out->mx_count++] = pat;
		}
	}

	if (!have_version) {
		*why = "no version field";
		goto fail;
	}
	if (!have_mode) {
		*why = "no mode field";
		goto fail;
	}
	if (!have_age) {
		*why = "no max_age field";
		goto fail;
	}
	if (out->mx_count == 0 && out->mode != STS_MODE_NONE) {
		*why = "no mx field";
		goto fail;
	}
	return 0;

fail:
	sts_policy_clear(out);
	return -1;
}

/* Only these may appear between "match=" and the next space. */
static bool
is_match_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || ascii_is_digit(c) || c == '.' ||
	    c == ':' || c == '-';
}

/*
 * The Postfix form of one policy pattern, checked again: "*.name" gives
 * ".name" (Postfix's one-or-more-labels form, the closest it has), a
 * plain name itself.  Returns the span into pat, or an empty span.
 */
static struct span
postfix_pattern(const char *pat)
{
	struct span	s = span_str(pat);
	struct span	name = s;

	if (span_starts_with(s, STS_POLICY_WILDCARD)) {
		name = span_tail(s, 2);
		s = span_tail(s, 1);
	}
	if (!domain_is_valid(name))
		return span_make(NULL, 0);
	return s;
}

/* Slots of the duplicate filter: a power of two over 2 * MAX_MX. */
#define STS_POLICY_DEDUP_SLOTS	256
_Static_assert(STS_POLICY_DEDUP_SLOTS >= 2 * STS_POLICY_MAX_MX,
    "the duplicate filter needs free slots");

/* FNV-1a of a pattern: the set is small and bounded, not attackable. */
static uint32_t
pattern_hash(struct span s)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < s.len; i++) {
		h ^= s.p[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Add pat to the open-addressed set of patterns seen; false when it was
 * there already.  Each pattern is validated and hashed once, so a policy
 * renders in time linear in its size (it was quadratic).
 */
static bool
pattern_first(struct span *seen, struct span pat)
{
	size_t	i = pattern_hash(pat) & (STS_POLICY_DEDUP_SLOTS - 1);

	while (seen[i].p != NULL) {
		if (span_eq(seen[i], pat))
			return false;
		i = (i + 1) & (STS_POLICY_DEDUP_SLOTS - 1);
	}
	seen[i] = pat;
	return true;
}

int
sts_policy_postfix(const struct sts_policy *p, struct buf *out,
    const char **why)
{
	struct span	pat, seen[STS_POLICY_DEDUP_SLOTS];
	size_t		start = out->len, mstart, i;

	switch (p->mode) {
	case STS_MODE_ENFORCE:
		break;
	case STS_MODE_TESTING:
	case STS_MODE_NONE:
		*why = "policy mode is not enforce";
		return -1;
	}
	if (p->mx_count == 0 || p->mx == NULL) {
		*why = "policy has no mx";
		return -1;
	}
	if (p->mx_count > STS_POLICY_MAX_MX) {
		*why = "policy has too many mx";
		return -1;
	}

	memset(seen, 0, sizeof(seen));
	if (buf_add_str(out, "secure match=") == -1)
		goto toolong;
	mstart = out->len;
	for (i = 0; i < p->mx_count; i++) {
		if (p->mx[i] == NULL ||
		    (pat = postfix_pattern(p->mx[i])).len == 0) {
			*why = "policy has an invalid mx pattern";
			goto fail;
		}
		if (!pattern_first(seen, pat))
			continue;
		if (out->len > mstart && buf_add_byte(out, ':') == -1)
			goto toolong;
		if (buf_add_span(out, pat) == -1)
			goto toolong;
	}
	for (i = mstart; i < out->len; i++)
		if (!is_match_char(out->p[i])) {
			*why = "policy has an invalid mx pattern";
			goto fail;
		}
	if (buf_add_str(out, " servername=hostname") == -1)
		goto toolong;
	return 0;

toolong:
	*why = "policy string too long";
fail:
	out->len = start;
	return -1;
}

bool
sts_policy_mx_matches(const char *pattern, struct span host)
{
	struct domain_name	h;
	struct span		pat = span_str(pattern), rest;
	const char		*why;
	size_t			i;

	if (domain_normalize(host, &h, &why) == -1)
		return false;
	if (!span_starts_with(pat, STS_POLICY_WILDCARD)) {
		if (pat.len != h.len)
			return false;
		for (i = 0; i < h.len; i++)
			if (ascii_lower(pat.p[i]) != (uint8_t)h.name[i])
				return false;
		return true;
	}
	/* "*.rest": host is exactly one non-empty label, ".", rest. */
	pat = span_tail(pat, 1);		/* ".rest" */
	for (i = 0; i < h.len && h.name[i] != '.'; i++)
		;
	if (i == 0 || i == h.len)
		return false;
	rest = span_make(h.name + i, h.len - i);
	if (rest.len != pat.len)
		return false;
	for (i = 0; i < rest.len; i++)
		if (ascii_lower(pat.p[i]) != rest.p[i])
			return false;
	return true;
}
