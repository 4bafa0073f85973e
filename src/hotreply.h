/*
 * hotreply.h: the rendered replies of cached policies in use, so that a
 * cache hit costs a table look-up and a copy.
 *
 * For each domain recently answered from a valid cached policy it keeps
 * the socketmap status and data Postfix gets (rendered once, by
 * reply_build()), and until when that answer holds without looking at
 * the cache again: the earlier of the policy's expiry and its next TXT
 * re-check.  The lookup engine drops a domain's entry whenever it writes
 * or flushes the domain's record, so an entry never outlives what it was
 * rendered from.  Bounded (HOTREPLY_MAX entries, least recently used
 * forgotten first), keyed by a random SipHash key.
 *
 * Pure module: no clock (times are given), no I/O but the random key.
 */
#ifndef MTASTSD_HOTREPLY_H
#define MTASTSD_HOTREPLY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "socketmap.h"

#define HOTREPLY_MAX	20000

struct hotreply;

struct hotreply *hotreply_new(size_t);
void	hotreply_free(struct hotreply *);
/*
 * domain's answer when it still holds at now: returns its status and
 * sets *data (borrowed, valid until the next change of the table), or
 * returns -1 (an entry that no longer holds is dropped).
 */
int	hotreply_get(struct hotreply *, const char *, int64_t,
	    enum socketmap_status *, struct span *);
/* Keep domain's answer (copied) until `until`. */
void	hotreply_put(struct hotreply *, const char *, enum socketmap_status,
	    struct span, int64_t);
void	hotreply_del(struct hotreply *, const char *);
void	hotreply_clear(struct hotreply *);
size_t	hotreply_count(const struct hotreply *);

#endif
