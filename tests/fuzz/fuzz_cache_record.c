/*
 * fuzz_cache_record.c: libFuzzer target for cache_record_decode(), the
 * codec that reads policy cache records back from disk.
 *
 * Properties, abort() on any violation: a failed decode leaves an empty
 * record and a reason; a decoded record passes the encoder's checks, and
 * since the encoding is canonical it encodes back to exactly the input
 * (an older version: to the current one); decoding that again gives the
 * same encoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "sts_policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cache_record	 r, r2;
	struct buf		 e1, e2;
	const char		*why = NULL;

	if (cache_record_decode(span_make(data, size), &r, &why) == -1) {
		if (why == NULL || r.policy.mx != NULL ||
		    r.policy.mx_count != 0 || r.id[0] != '\0')
			abort();
		return 0;
	}
	if (r.policy.max_age > STS_POLICY_MAX_AGE ||
	    r.policy.mx_count > STS_POLICY_MAX_MX || r.id[0] == '\0')
		abort();

	buf_init(&e1, CACHE_MAX_RECORD);
	buf_init(&e2, CACHE_MAX_RECORD);
	if (cache_record_encode(&r, &e1) == -1 ||
	    (data[0] == CACHE_RECORD_VERSION &&
	    !span_eq(buf_span(&e1), span_make(data, size))))
		abort();
	if (cache_record_decode(buf_span(&e1), &r2, &why) == -1 ||
	    cache_record_encode(&r2, &e2) == -1 ||
	    !span_eq(buf_span(&e1), buf_span(&e2)))
		abort();
	cache_record_clear(&r);
	cache_record_clear(&r2);
	buf_clear(&e1);
	buf_clear(&e2);
	return 0;
}
