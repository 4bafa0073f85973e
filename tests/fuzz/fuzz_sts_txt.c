/*
 * fuzz_sts_txt.c: libFuzzer target for sts_txt_select() and
 * sts_txt_parse().
 *
 * Input: an RRset in the zone-file form of tests/unit/testdata.h (one
 * record per line, quoted strings), so the corpus under
 * tests/unit/data/sts_txt seeds it; a line that does not decode becomes
 * one raw string.  The whole input is also parsed as one joined record.
 * Aborts when an accepted id breaks the grammar or a failure leaves an id.
 * Links tests/unit/testdata.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sts_txt.h"
#include "testdata.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(enum sts_txt_status st, const struct sts_txt *t, const char *why)
{
	size_t	i;

	switch (st) {
	case STS_TXT_OK:
		if (t->id_len == 0 || t->id_len > STS_TXT_MAX_ID ||
		    strlen(t->id) != t->id_len)
			abort();
		for (i = 0; i < t->id_len; i++)
			if (!ascii_is_alnum((uint8_t)t->id[i]))
				abort();
		break;
	case STS_TXT_NONE:
	case STS_TXT_MULTIPLE:
	case STS_TXT_NO_ID:
	case STS_TXT_INVALID:
		if (t->id_len != 0 || t->id[0] != '\0' || why == NULL)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct testdata_txt	 rrset;
	struct sts_txt		 t;
	enum sts_txt_status	 st;
	const char		*why = NULL;

	st = sts_txt_parse(span_make(data, size), &t, &why);
	if (st == STS_TXT_MULTIPLE)
		abort();
	if ((st == STS_TXT_NONE) == sts_txt_is_sts(span_make(data, size)))
		abort();
	check(st, &t, why);

	if (testdata_txt_parse(span_make(data, size), &rrset, true) == 0) {
		why = NULL;
		st = sts_txt_select(rrset.recs, rrset.nrecs, &t, &why);
		check(st, &t, why);
	}
	testdata_txt_clear(&rrset);
	return 0;
}
