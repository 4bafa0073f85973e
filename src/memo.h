/*
 * memo.h: a bounded in-memory table keyed by domain name.
 *
 * The lookup engine keeps two of them: negative and failure results
 * (so Postfix's repeated queries for domains without MTA-STS cost no DNS
 * traffic), and the last-query times of cached domains (written to the
 * cache in batches, so cache hits never turn into writes).  A full table
 * forgets its oldest entry.  Pure module: no clock, no I/O.
 */
#ifndef MTASTSD_MEMO_H
#define MTASTSD_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "sts_policy.h"
#include "sts_txt.h"

struct memo_entry {
	const char	*domain;	/* the entry's own copy */
	int64_t		until;		/* answer without network before */
	int64_t		time;		/* usage: last query */
	char		failed_id[STS_TXT_MAX_ID + 1]; /* "" when none */
	int64_t		retry_at;	/* failed_id not fetched before */
	uint32_t	failures;	/* fetches of failed_id in a row */
	uint32_t	txt_failures;	/* failed TXT lookups in a row */
	unsigned	kind;		/* caller's tag */
	/* A policy remembered briefly (max_age 0), owned: set with
	   memo_set_policy(), freed with the entry. */
	struct sts_policy policy;
};

struct memo;

struct memo	*memo_new(size_t);
void		 memo_free(struct memo *);
/*
 * The entry for domain, or NULL; finding it counts as a use.  Valid
 * until the next put/del.
 */
struct memo_entry *memo_get(struct memo *, const char *);
/*
 * The entry for domain (a use, as memo_get()), created zeroed if new
 * (evicting as above when full).
 */
struct memo_entry *memo_put(struct memo *, const char *);
void		 memo_del(struct memo *, const char *);
/* Keep a copy of pol in e (replacing an earlier one); -1: malformed. */
int		 memo_set_policy(struct memo_entry *,
		    const struct sts_policy *);
void		 memo_clear(struct memo *);
size_t		 memo_count(const struct memo *);
/* Call fn for every entry, each segment oldest first; fn must not change
   the table. */
void		 memo_foreach(struct memo *,
		    void (*)(void *, const struct memo_entry *), void *);

#endif
