/*
 * sts_policy.h: the MTA-STS policy file (RFC 8461 §3.2), MX host pattern
 * matching (RFC 8461 §4.1) and the Postfix smtp_tls_policy_maps result
 * built from an enforce policy.
 *
 * The parser is the security boundary between a policy file from the
 * network and the reply Postfix acts on: a policy whose mx values are not
 * all clean host names (optionally "*." plus a name) is refused whole, so
 * policy text can never add attributes to the reply.
 *
 * Pure module: no I/O, no logging.  A struct sts_policy owns its mx
 * strings; reason strings are static.
 */
#ifndef MTASTSD_STS_POLICY_H
#define MTASTSD_STS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STS_POLICY_MAX_BODY	65536		/* bytes; 65537 is refused */
#define STS_POLICY_MAX_MX	100		/* more mx lines: invalid */
#define STS_POLICY_MAX_AGE	31557600	/* seconds; larger is capped */
#define STS_POLICY_MAX_AGE_DIGITS 10

enum sts_mode {
	STS_MODE_ENFORCE,
	STS_MODE_TESTING,
	STS_MODE_NONE
};

struct sts_policy {
	enum sts_mode	  mode;
	uint32_t	  max_age;	/* seconds, <= STS_POLICY_MAX_AGE */
	size_t		  mx_count;
	char		**mx;		/* owned, mx_count lower-case patterns
					   in policy form ("*.example.net");
					   NULL when mx_count == 0 */
};

/* An empty policy: mode none, max_age 0, no mx. */
void	sts_policy_init(struct sts_policy *);
/* Free the mx list and re-init; safe on an initialised or zeroed policy. */
void	sts_policy_clear(struct sts_policy *);
/*
 * Deep copy src into dst (overwritten, not cleared).  Returns 0, or -1
 * (dst empty) when src is not a well-formed policy.
 */
int	sts_policy_copy(struct sts_policy *, const struct sts_policy *);

/*
 * Parse a policy body.  Returns 0 with out filled (out is overwritten,
 * not cleared, first), or -1 with *why set and out initialised empty.
 * The grammar and every leniency are documented in sts_policy.c.
 */
int	sts_policy_parse(struct span, struct sts_policy *, const char **);

const char *sts_mode_name(enum sts_mode);
/* Parse "enforce", "testing" or "none" (case-sensitive).  0 or -1. */
int	sts_mode_parse(struct span, enum sts_mode *);

/*
 * Append the Postfix policy for an enforce policy to out:
 *
 *	secure match=P1:P2:... servername=hostname
 *
 * patterns in policy order, "*.example.net" written as ".example.net",
 * exact duplicates dropped.  Every pattern is checked again; for another
 * mode, no mx, a pattern that is not clean, or out's cap, returns -1 with
 * *why set and out unchanged.  Nothing is NUL-terminated.
 */
int	sts_policy_postfix(const struct sts_policy *, struct buf *,
	    const char **);

/*
 * Whether MX host name host matches one policy pattern (RFC 8461 §4.1):
 * "*.example.net" matches exactly one extra leftmost label, anything else
 * the same name, without regard to case; one trailing dot on host is
 * ignored.  A host that is not a valid name matches nothing.
 */
bool	sts_policy_mx_matches(const char *, struct span);

#endif
