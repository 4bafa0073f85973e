/*
 * cache_overlay.h: the policy cache's memory, private to cache.c.
 *
 * Records the daemon wrote or read lately, as their encoding, keyed by
 * domain.  An entry is either clean (the same bytes are on disk: kept so
 * a read needs no LMDB transaction, and so a read error of a domain in
 * use is answered from memory) or dirty (not on disk yet: its write
 * failed, or it was put lazily to be written with the next batch).
 * Clean entries are forgotten oldest first beyond a byte budget; dirty
 * ones are never forgotten, only refused beyond theirs, so what the
 * daemon knows is not lost while the disk cannot take it.
 *
 * Pure module: no LMDB, no logging, no clock.
 */
#ifndef MTASTSD_CACHE_OVERLAY_H
#define MTASTSD_CACHE_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Byte budgets (keys and encodings); enough for about 50 000 records. */
#define OVERLAY_MAX_CLEAN_BYTES	(8U * 1024 * 1024)
#define OVERLAY_MAX_DIRTY_BYTES	(16U * 1024 * 1024)

struct overlay;

struct overlay *overlay_new(size_t, size_t);
void	overlay_free(struct overlay *);
/*
 * The encoding kept for domain (borrowed, valid until the next change
 * of the overlay), or NULL; *dirty tells whether it is on disk yet.
 * Finding it makes it the youngest.
 */
const struct buf *overlay_get(struct overlay *, const char *, bool *);
/*
 * Keep enc as domain's record, dirty or clean.  -1 (the overlay
 * unchanged but for a clean entry of domain, which is dropped) when a
 * dirty entry would pass the dirty budget.
 */
int	overlay_put(struct overlay *, const char *, struct span, bool);
void	overlay_del(struct overlay *, const char *);
void	overlay_clear(struct overlay *);
size_t	overlay_dirty_count(const struct overlay *);
/*
 * Call fn for each dirty entry (its domain and encoding, borrowed); fn
 * must not change the overlay.
 */
void	overlay_foreach_dirty(struct overlay *,
	    void (*)(void *, const char *, struct span), void *);
/* Mark domain's entry clean (it was written). */
void	overlay_mark_clean(struct overlay *, const char *);

#endif
