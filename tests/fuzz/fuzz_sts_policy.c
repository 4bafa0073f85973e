/*
 * fuzz_sts_policy.c: libFuzzer target for sts_policy_parse(), the Postfix
 * policy string builder and mx pattern matching.
 *
 * Asserts the security property: whatever the policy text, a reply is
 * "secure match=" + only [a-z0-9.:-] + " servername=hostname", a failed
 * build leaves the output untouched, and every pattern matches a host
 * made from it (unless that host would be over 253 bytes long).
 * abort() on any violation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sts_policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define HEAD	"secure match="
#define TAIL	" servername=hostname"

static void
check_reply(struct span r)
{
	size_t	h = sizeof(HEAD) - 1, t = sizeof(TAIL) - 1, i;
	uint8_t	c;

	if (r.len <= h + t || memcmp(r.p, HEAD, h) != 0 ||
	    memcmp(r.p + r.len - t, TAIL, t) != 0)
		abort();
	for (i = h; i < r.len - t; i++) {
		c = r.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == ':' || c == '-'))
			abort();
	}
	if (r.p[h] == ':' || r.p[r.len - t - 1] == ':')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_policy	 p, cp;
	struct buf		 out;
	const char		*why = NULL;
	char			 host[2 + 256];
	size_t			 i, n;
	int			 rc;

	if (sts_policy_parse(span_make(data, size), &p, &why) == -1) {
		if (p.mx != NULL || p.mx_count != 0 || why == NULL)
			abort();
		return 0;
	}
	if (p.max_age > STS_POLICY_MAX_AGE || p.mx_count > STS_POLICY_MAX_MX)
		abort();
	if (p.mode != STS_MODE_NONE && p.mx_count == 0)
		abort();

	for (i = 0; i < p.mx_count; i++) {
		/* "*.x" matches "a.x"; "x" matches "X." */
		n = strlen(p.mx[i]);
		if (n + 2 > sizeof(host))
			abort();
		if (p.mx[i][0] == '*') {
			memcpy(host, p.mx[i], n);
			host[0] = 'a';
		} else {
			memcpy(host, p.mx[i], n);
			host[0] = (char)(host[0] >= 'a' && host[0] <= 'z' ?
			    host[0] - 'a' + 'A' : host[0]);
			host[n++] = '.';
		}
		/*
		 * "*." + a 252- or 253-byte name parses, but "a." + it is
		 * longer than any host name (253), so it matches nothing.
		 */
		if (sts_policy_mx_matches(p.mx[i], span_make(host, n)) !=
		    (p.mx[i][0] != '*' || n <= 253))
			abort();
	}

	buf_init(&out, 100000);
	(void)buf_add_str(&out, "OK ");
	rc = sts_policy_postfix(&p, &out, &why);
	if (rc == 0)
		check_reply(span_tail(buf_span(&out), 3));
	else if (out.len != 3)
		abort();
	if ((rc == 0) != (p.mode == STS_MODE_ENFORCE))
		abort();

	if (sts_policy_copy(&cp, &p) == -1 || cp.mx_count != p.mx_count)
		abort();
	for (i = 0; i < p.mx_count; i++)
		if (strcmp(cp.mx[i], p.mx[i]) != 0)
			abort();
	sts_policy_clear(&cp);
	sts_policy_clear(&p);
	buf_clear(&out);
	return 0;
}
