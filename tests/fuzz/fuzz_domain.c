/*
 * fuzz_domain.c: libFuzzer target for domain_key_parse() and
 * domain_normalize().  Aborts when a result breaks an invariant: a name
 * that is not a valid normalised name, a length that disagrees with the
 * string, or a name from an invalid key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "domain.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_name(const struct domain_name *n)
{
	size_t	i;

	if (n->len > DOMAIN_MAX_NAME || strlen(n->name) != n->len)
		abort();
	for (i = 0; i < n->len; i++)
		if (!((n->name[i] >= 'a' && n->name[i] <= 'z') ||
		    (n->name[i] >= '0' && n->name[i] <= '9') ||
		    n->name[i] == '-' || n->name[i] == '.'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_name	 n, again;
	struct span		 in = span_make(data, size);
	const char		*why = NULL;

	switch (domain_key_parse(in, &n, &why)) {
	case DOMAIN_KEY_NAME:
		check_name(&n);
		if (!domain_is_valid(span_make(n.name, n.len)))
			abort();
		/* normalising is idempotent */
		if (domain_normalize(span_make(n.name, n.len), &again,
		    &why) == -1 || strcmp(again.name, n.name) != 0)
			abort();
		break;
	case DOMAIN_KEY_PARENT_PROBE:
		check_name(&n);
		if (n.len == 0)
			abort();
		break;
	case DOMAIN_KEY_IP_LITERAL:
		if (n.len != 0)
			abort();
		break;
	case DOMAIN_KEY_INVALID:
		if (n.len != 0 || why == NULL)
			abort();
		break;
	}

	if (domain_normalize(in, &n, &why) == 0) {
		check_name(&n);
		if (!domain_is_valid(span_make(n.name, n.len)))
			abort();
	} else if (n.len != 0)
		abort();
	if (domain_normalize_idn(in, &n, &why) == 0) {
		check_name(&n);
		if (!domain_is_valid(span_make(n.name, n.len)))
			abort();
	} else if (n.len != 0)
		abort();
	(void)domain_is_valid(in);
	return 0;
}
