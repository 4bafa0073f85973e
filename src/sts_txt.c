/*
 * sts_txt.c: the "_mta-sts" TXT record (RFC 8461 §3.1).  See sts_txt.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "sts_txt.h"

#define STS_TXT_VERSION		"v=STSv1"
#define STS_TXT_MAX_EXT_NAME	32

static void
txt_empty(struct sts_txt *out)
{
	out->id[0] = '\0';
	out->id_len = 0;
}

/* sts-ext-name characters after the first. */
static bool
is_name_char(uint8_t c)
{
	return ascii_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E) */
static bool
is_value_char(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

bool
sts_txt_is_sts(struct span s)
{
	size_t	i = sizeof(STS_TXT_VERSION) - 1;

	if (!span_starts_with(s, STS_TXT_VERSION))
		return false;
	i = span_skip_wsp(s, i);
	return i < s.len && s.p[i] == ';';
}

/*
 * RFC 8461 §3.1, with RFC 7405 case-sensitive literals:
 *
 *	sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *	                  [sts-field-delim]
 *	sts-field       = sts-id / sts-extension
 *	sts-field-delim = *WSP ";" *WSP
 *	sts-version     = %s"v=STSv1"
 *	sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *	sts-extension   = sts-ext-name "=" sts-ext-value
 *	sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 *
 * The id is required.  A second id is checked but the first one counts;
 * extension fields are checked and ignored; any malformed field makes the
 * record invalid.  "ID=" is not the id (%s literal) but an extension.
 *
 * Leniencies, both deliberate:
 * - *WSP is allowed on either side of "=" ("id = 123"), which the RFC's
 *   grammar does not allow: accepting a record the publisher plainly
 *   meant can only add protection, never remove it.
 * - Trailing WSP after the last field is allowed without a final ";".
 */
enum sts_txt_status
sts_txt_parse(struct span s, struct sts_txt *out, const char **why)
{
	struct span	name, value;
	size_t		i, j;
	bool		have_id = false;

	txt_empty(out);
	if (!sts_txt_is_sts(s)) {
		*why = "record does not begin with v=STSv1;";
		return STS_TXT_NONE;
	}
	i = sizeof(STS_TXT_VERSION) - 1;
	for (;;) {
		/* sts-field-delim, or the end of the record */
		i = span_skip_wsp(s, i);
		if (i == s.len)
			break;
		if (s.p[i] != ';') {
			*why = "malformed field";
			goto invalid;
		}
		i = span_skip_wsp(s, i + 1);
		if (i == s.len)
			break;

		/* sts-field */
		for (j = i; j < s.len && is_name_char(s.p[j]); j++)
			;
		name = span_make(s.p + i, j - i);
		if (name.len == 0) {
			*why = s.p[i] == ';' ? "empty field" :
			    "malformed field name";
			goto invalid;
		}
		if (!ascii_is_alnum(name.p[0])) {
			*why = "malformed field name";
			goto invalid;
		}
		if (name.len > STS_TXT_MAX_EXT_NAME) {
			*why = "field name longer than 32 characters";
			goto invalid;
		}
		j = span_skip_wsp(s, j);
		if (j == s.len || s.p[j] != '=') {
			*why = "field without '='";
			goto invalid;
		}
		j = span_skip_wsp(s, j + 1);
		i = j;
		while (j < s.len && !ascii_is_wsp(s.p[j]) && s.p[j] != ';')
			j++;
		value = span_make(s.p + i, j - i);
		i = j;
		if (value.len == 0) {
			*why = "empty field value";
			goto invalid;
		}

		if (span_eq_str(name, "id")) {
			for (j = 0; j < value.len; j++)
				if (!ascii_is_alnum(value.p[j])) {
					*why = "id has a non-alphanumeric "
					    "character";
					goto invalid;
				}
			if (value.len > STS_TXT_MAX_ID) {
				*why = "id longer than 32 characters";
				goto invalid;
			}
			if (!have_id) {
				memcpy(out->id, value.p, value.len);
				out->id[value.len] = '\0';
				out->id_len = value.len;
				have_id = true;
			}
			continue;
		}
		for (j = 0; j < value.len; j++)
			if (!is_value_char(value.p[j])) {
				*why = "field value has an invalid character";
				goto invalid;
			}
	}
	if (!have_id) {
		*why = "no id field";
		return STS_TXT_NO_ID;
	}
	return STS_TXT_OK;

invalid:
	txt_empty(out);
	return STS_TXT_INVALID;
}

/*
 * Join the strings of r into b (reset first).  Returns -1 when the
 * joined text would pass STS_TXT_MAX_RECORD; b then holds a prefix.
 */
static int
txt_join(const struct sts_txt_record *r, struct buf *b)
{
	size_t	i;

	buf_reset(b);
	for (i = 0; i < r->nstrings; i++) {
		if (buf_add_span(b, r->strings[i]) == -1) {
			(void)buf_add_span(b, span_head(r->strings[i],
			    b->max - b->len));
			return -1;
		}
	}
	return 0;
}

enum sts_txt_status
sts_txt_select(const struct sts_txt_record *recs, size_t nrecs,
    struct sts_txt *out, const char **why)
{
	struct buf		b;
	struct sts_txt		one;
	enum sts_txt_status	st = STS_TXT_NONE;
	const char		*one_why = "no record begins with v=STSv1;";
	size_t			i, nsts = 0;
	int			too_long;

	txt_empty(out);
	txt_empty(&one);
	buf_init(&b, STS_TXT_MAX_RECORD);
	for (i = 0; i < nrecs; i++) {
		too_long = txt_join(&recs[i], &b);
		if (!sts_txt_is_sts(buf_span(&b)))
			continue;
		if (++nsts > 1)
			break;
		if (too_long == -1) {
			st = STS_TXT_INVALID;
			one_why = "record longer than 65535 bytes";
		} else
			st = sts_txt_parse(buf_span(&b), &one, &one_why);
	}
	buf_clear(&b);

	if (nsts > 1) {
		*why = "more than one v=STSv1 record";
		return STS_TXT_MULTIPLE;
	}
	if (st != STS_TXT_OK) {
		*why = one_why;
		return st;
	}
	*out = one;
	return STS_TXT_OK;
}

const char *
sts_txt_status_name(enum sts_txt_status st)
{
	switch (st) {
	case STS_TXT_OK:
		return "ok";
	case STS_TXT_NONE:
		return "none";
	case STS_TXT_MULTIPLE:
		return "multiple";
	case STS_TXT_NO_ID:
		return "no_id";
	case STS_TXT_INVALID:
		return "invalid";
	}
	return "unknown";
}
