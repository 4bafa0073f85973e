/*
 * diag_tlsrpt.c: the "_smtp._tls.DOMAIN" TLS-RPT TXT record (RFC 8460
 * section 3) for `mta-stsctl check`.  See diag.h.
 *
 * Pure: no I/O, no logging.  Reason strings are static.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "diag.h"

#define DIAG_TLSRPT_VERSION	"v=TLSRPTv1"
#define DIAG_TLSRPT_MAX_NAME	32

/* Whether s begins with "v=TLSRPTv1" followed by the end, WSP or ";". */
static bool
tlsrpt_is_candidate(struct span s)
{
	size_t	n = sizeof(DIAG_TLSRPT_VERSION) - 1;

	return span_starts_with(s, DIAG_TLSRPT_VERSION) && (s.len == n ||
	    ascii_is_wsp(s.p[n]) || s.p[n] == ';');
}

static bool
tlsrpt_scheme(struct span u, const char *scheme)
{
	size_t	n = strlen(scheme), i;

	if (u.len <= n)
		return false;
	for (i = 0; i < n; i++)
		if (ascii_lower(u.p[i]) != (uint8_t)scheme[i])
			return false;
	return true;
}

/*
 * One rua URI (RFC 8460 §3): "mailto:" or "https:" (case-insensitive)
 * and at least one more byte, all within %x21-7E but "," ";" "!" (RFC
 * 8460 says commas and exclamation points in a URI must be encoded).
 */
static int
tlsrpt_uri(struct span u, const char **why)
{
	size_t	i;

	if (u.len == 0) {
		*why = "empty rua URI";
		return -1;
	}
	for (i = 0; i < u.len; i++)
		if (u.p[i] < 0x21 || u.p[i] > 0x7e || u.p[i] == '!' ||
		    u.p[i] == ';') {
			*why = "rua URI has an invalid character";
			return -1;
		}
	if (!tlsrpt_scheme(u, "mailto:") && !tlsrpt_scheme(u, "https:")) {
		*why = "rua URI is neither mailto: nor https:";
		return -1;
	}
	return 0;
}

/*
 * RFC 8460 §3, with RFC 7405 case-sensitive literals:
 *
 *	tlsrpt-record     = tlsrpt-version 1*(field-delim tlsrpt-field)
 *	                    [field-delim]
 *	field-delim       = *WSP ";" *WSP
 *	tlsrpt-field      = tlsrpt-rua / tlsrpt-extension
 *	tlsrpt-version    = %s"v=TLSRPTv1"
 *	tlsrpt-rua        = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 *	tlsrpt-extension  = tlsrpt-ext-name "=" tlsrpt-ext-value
 *	tlsrpt-ext-name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	tlsrpt-ext-value  = 1*(%x21-3A / %x3C / %x3E-7E)
 *
 * rua must appear exactly once.  A record that is just "v=TLSRPTv1" or
 * "v=TLSRPTv1 x" is judged (invalid) rather than discarded, so that the
 * diagnostic can name the mistake; a sender discards it, which also
 * means "no TLS-RPT".
 */
enum diag_tlsrpt_status
diag_tlsrpt_parse(struct span s, const char **why)
{
	struct span	f, name, value, u;
	size_t		i, end, k;
	long		semi;
	bool		have_rua = false;

	if (!tlsrpt_is_candidate(s)) {
		*why = "record does not begin with v=TLSRPTv1;";
		return DIAG_RPT_NONE;
	}
	i = span_skip_wsp(s, sizeof(DIAG_TLSRPT_VERSION) - 1);
	if (i == s.len || s.p[i] != ';') {
		*why = "no ';' after v=TLSRPTv1";
		return DIAG_RPT_INVALID;
	}
	while (i < s.len) {
		/* At a ";": the field after it, up to the next ";". */
		i = span_skip_wsp(s, i + 1);
		if (i == s.len)
			break;		/* trailing field-delim */
		f = span_tail(s, i);
		semi = span_find(f, ';');
		end = semi >= 0 ? i + (size_t)semi : s.len;
		f = span_trim_wsp(span_make(s.p + i, end - i));
		i = end;
		if (f.len == 0) {
			*why = "empty field";
			return DIAG_RPT_INVALID;
		}
		for (k = 0; k < f.len && f.p[k] != '='; k++)
			;
		name = span_head(f, k);
		if (k == f.len) {
			*why = "field without '='";
			return DIAG_RPT_INVALID;
		}
		value = span_tail(f, k + 1);
		if (name.len == 0 || name.len > DIAG_TLSRPT_MAX_NAME ||
		    !ascii_is_alnum(name.p[0])) {
			*why = "malformed field name";
			return DIAG_RPT_INVALID;
		}
		for (k = 1; k < name.len; k++)
			if (!ascii_is_alnum(name.p[k]) && name.p[k] != '_' &&
			    name.p[k] != '-' && name.p[k] != '.') {
				*why = "malformed field name";
				return DIAG_RPT_INVALID;
			}
		if (span_eq_str(name, "rua")) {
			if (have_rua) {
				*why = "more than one rua field";
				return DIAG_RPT_INVALID;
			}
			have_rua = true;
			while (value.len > 0) {
				semi = span_find(value, ',');
				u = span_trim_wsp(semi >= 0 ?
				    span_head(value, (size_t)semi) : value);
				if (tlsrpt_uri(u, why) == -1)
					return DIAG_RPT_INVALID;
				if (semi < 0)
					break;
				value = span_tail(value, (size_t)semi + 1);
				if (value.len == 0) {
					*why = "empty rua URI";
					return DIAG_RPT_INVALID;
				}
			}
			if (value.len == 0) {
				*why = "empty rua URI";
				return DIAG_RPT_INVALID;
			}
			continue;
		}
		if (value.len == 0) {
			*why = "empty field value";
			return DIAG_RPT_INVALID;
		}
		for (k = 0; k < value.len; k++)
			if (value.p[k] < 0x21 || value.p[k] > 0x7e ||
			    value.p[k] == ';' || value.p[k] == '=') {
				*why = "field value has an invalid character";
				return DIAG_RPT_INVALID;
			}
	}
	if (!have_rua) {
		*why = "no rua field";
		return DIAG_RPT_INVALID;
	}
	return DIAG_RPT_OK;
}

enum diag_tlsrpt_status
diag_tlsrpt_select(const struct buf *recs, size_t n, size_t *which,
    const char **why)
{
	size_t	i, ncand = 0;

	*which = 0;
	for (i = 0; i < n; i++)
		if (tlsrpt_is_candidate(buf_span(&recs[i]))) {
			if (ncand++ == 0)
				*which = i;
		}
	if (ncand == 0) {
		*why = "no record begins with v=TLSRPTv1";
		return DIAG_RPT_NONE;
	}
	if (ncand > 1) {
		*why = "more than one v=TLSRPTv1 record";
		return DIAG_RPT_MULTIPLE;
	}
	return diag_tlsrpt_parse(buf_span(&recs[*which]), why);
}
