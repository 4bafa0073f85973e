/*
 * domain.h: lookup-key normalisation and DNS host name validation.
 *
 * Turns the key Postfix sends to the socketmap (smtp_tls_policy_maps) into
 * a normalised domain name in A-label form, tells parent-domain probes and
 * IP literals apart from names worth looking up, and validates the host
 * names that appear in MTA-STS policies.  Implements the name syntax of
 * RFC 1035 §2.3.1 / RFC 1123 §2.1 (LDH labels), RFC 5890 / RFC 5891 (IDNA
 * 2008, through libidn2) and the smart-host rule of RFC 8461 §3.4.
 *
 * Pure module: no I/O, no logging.  Results live in caller-provided
 * storage; reason strings are static.
 */
#ifndef MTASTSD_DOMAIN_H
#define MTASTSD_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define DOMAIN_MAX_NAME		253	/* name without the trailing dot */
#define DOMAIN_MAX_LABEL	63
/*
 * Longest key or U-label name examined at all.  Longer than
 * DOMAIN_MAX_NAME because a UTF-8 name can be longer than its A-label
 * form; anything longer is rejected before it is copied.
 */
#define DOMAIN_MAX_KEY		1024

struct domain_name {
	char	name[DOMAIN_MAX_NAME + 1];	/* lower-case A-labels, NUL */
	size_t	len;				/* 0 when not a name */
};

enum domain_key_kind {
	DOMAIN_KEY_NAME,		/* a domain to look up */
	DOMAIN_KEY_PARENT_PROBE,	/* ".example.com", a parent probe */
	DOMAIN_KEY_IP_LITERAL,		/* [192.0.2.1], [IPv6:..], 192.0.2.1 */
	DOMAIN_KEY_INVALID
};

/*
 * Classify and normalise a socketmap lookup key.  For DOMAIN_KEY_NAME,
 * out holds the name to look up ("[relay.example]:587" gives
 * "relay.example"); for DOMAIN_KEY_PARENT_PROBE, out holds the name after
 * the leading dot; otherwise out is empty (len 0) and, for
 * DOMAIN_KEY_INVALID, *why says what is wrong.  The grammar and every
 * leniency are documented in domain.c.
 */
enum domain_key_kind	domain_key_parse(struct span, struct domain_name *,
			    const char **);

/*
 * Normalise an ASCII host name: lower-case, drop one trailing dot,
 * validate (LDH labels of 1..DOMAIN_MAX_LABEL, at most DOMAIN_MAX_NAME in
 * all, last label not all-numeric).  Bytes >= 0x80 are refused: this is
 * the form RFC 8461 §3.2 requires of policy "mx" values (A-labels only).
 * Returns 0, or -1 with *why set and out empty.
 */
int	domain_normalize(struct span, struct domain_name *, const char **);

/*
 * As domain_normalize(), but a name holding bytes >= 0x80 is first
 * converted from U-labels to A-labels (IDNA2008 with UTS #46
 * non-transitional mapping); a failed conversion gives
 * "IDN conversion failed".  For keys and operator-typed names.
 */
int	domain_normalize_idn(struct span, struct domain_name *,
	    const char **);

/*
 * Whether s is an already-normalised host name: lower-case LDH labels,
 * no trailing dot, within the limits above, last label not all-numeric.
 */
bool	domain_is_valid(struct span);

#endif
