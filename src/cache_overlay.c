/*
 * cache_overlay.c: the policy cache's memory.  See cache_overlay.h.
 *
 * A keyed hash table (hash.h) and two lists: clean entries, oldest first
 * (the eviction order), and dirty ones.
 */
#include <sys/queue.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache_overlay.h"
#include "domain.h"
#include "hash.h"

#define OVERLAY_BUCKETS		8192
#define OVERLAY_MAX_RECORD	65536	/* > CACHE_MAX_RECORD */

struct overlay_entry {
	struct buf		 enc;		/* owned */
	bool			 dirty;
	LIST_ENTRY(overlay_entry) bucket;
	TAILQ_ENTRY(overlay_entry) age;		/* on clean or dirty */
	char			 domain[];	/* sized to fit */
};

TAILQ_HEAD(overlay_queue, overlay_entry);

struct overlay {
	LIST_HEAD(, overlay_entry) buckets[OVERLAY_BUCKETS];
	struct overlay_queue	 clean;		/* oldest first */
	struct overlay_queue	 dirty;
	struct hash_key		 key;
	size_t			 clean_bytes, max_clean;
	size_t			 dirty_bytes, max_dirty;
	size_t			 ndirty;
};

/* What an entry costs, as the budgets count it. */
static size_t
entry_bytes(const struct overlay_entry *e)
{
	return sizeof(*e) + strlen(e->domain) + 1 + e->enc.cap;
}

struct overlay *
overlay_new(size_t max_clean, size_t max_dirty)
{
	struct overlay	*o = xcalloc(1, sizeof(*o));
	size_t		 i;

	for (i = 0; i < OVERLAY_BUCKETS; i++)
		LIST_INIT(&o->buckets[i]);
	TAILQ_INIT(&o->clean);
	TAILQ_INIT(&o->dirty);
	hash_key_random(&o->key);
	o->max_clean = max_clean;
	o->max_dirty = max_dirty;
	return o;
}

static struct overlay_entry *
overlay_find(struct overlay *o, const char *domain)
{
	struct overlay_entry	*e;

	LIST_FOREACH(e, &o->buckets[hash_str(&o->key, domain) %
	    OVERLAY_BUCKETS], bucket)
		if (strcmp(e->domain, domain) == 0)
			return e;
	return NULL;
}

static void
overlay_unlink(struct overlay *o, struct overlay_entry *e)
{
	if (e->dirty) {
		TAILQ_REMOVE(&o->dirty, e, age);
		o->dirty_bytes -= entry_bytes(e);
		o->ndirty--;
	} else {
		TAILQ_REMOVE(&o->clean, e, age);
		o->clean_bytes -= entry_bytes(e);
	}
}

static void
overlay_link(struct overlay *o, struct overlay_entry *e)
{
	if (e->dirty) {
		TAILQ_INSERT_TAIL(&o->dirty, e, age);
		o->dirty_bytes += entry_bytes(e);
		o->ndirty++;
	} else {
		TAILQ_INSERT_TAIL(&o->clean, e, age);
		o->clean_bytes += entry_bytes(e);
	}
}

static void
overlay_remove(struct overlay *o, struct overlay_entry *e)
{
	overlay_unlink(o, e);
	LIST_REMOVE(e, bucket);
	buf_clear(&e->enc);
	free(e);
}

/* Forget the oldest clean entries until the clean budget holds. */
static void
overlay_trim(struct overlay *o)
{
	struct overlay_entry	*e;

	while (o->clean_bytes > o->max_clean &&
	    (e = TAILQ_FIRST(&o->clean)) != NULL)
		overlay_remove(o, e);
}

void
overlay_free(struct overlay *o)
{
	if (o == NULL)
		return;
	overlay_clear(o);
	free(o);
}

const struct buf *
overlay_get(struct overlay *o, const char *domain, bool *dirty)
{
	struct overlay_entry	*e = overlay_find(o, domain);

	if (e == NULL)
		return NULL;
	overlay_unlink(o, e);
	overlay_link(o, e);
	*dirty = e->dirty;
	return &e->enc;
}

int
overlay_put(struct overlay *o, const char *domain, struct span enc,
    bool dirty)
{
	struct overlay_entry	*e = overlay_find(o, domain);
	size_t			 len = strlen(domain), need;

	if (len > DOMAIN_MAX_NAME)
		return -1;
	need = sizeof(*e) + len + 1 + enc.len;
	if (dirty && o->max_dirty - o->dirty_bytes +
	    (e != NULL && e->dirty ? entry_bytes(e) : 0) < need) {
		if (e != NULL && !e->dirty)
			overlay_remove(o, e);
		return -1;
	}
	if (e != NULL)
		overlay_unlink(o, e);
	else {
		e = xcalloc(1, sizeof(*e) + len + 1);
		memcpy(e->domain, domain, len + 1);
		buf_init(&e->enc, OVERLAY_MAX_RECORD);
		LIST_INSERT_HEAD(&o->buckets[hash_str(&o->key, domain) %
		    OVERLAY_BUCKETS], e, bucket);
	}
	buf_reset(&e->enc);
	if (buf_add_span(&e->enc, enc) == -1) {
		/* Longer than any record: keep nothing. */
		LIST_REMOVE(e, bucket);
		buf_clear(&e->enc);
		free(e);
		return -1;
	}
	e->dirty = dirty;
	overlay_link(o, e);
	overlay_trim(o);
	return 0;
}

void
overlay_del(struct overlay *o, const char *domain)
{
	struct overlay_entry	*e = overlay_find(o, domain);

	if (e != NULL)
		overlay_remove(o, e);
}

void
overlay_clear(struct overlay *o)
{
	struct overlay_entry	*e;

	while ((e = TAILQ_FIRST(&o->clean)) != NULL)
		overlay_remove(o, e);
	while ((e = TAILQ_FIRST(&o->dirty)) != NULL)
		overlay_remove(o, e);
}

size_t
overlay_dirty_count(const struct overlay *o)
{
	return o->ndirty;
}

void
overlay_foreach_dirty(struct overlay *o,
    void (*fn)(void *, const char *, struct span), void *arg)
{
	struct overlay_entry	*e;

	TAILQ_FOREACH(e, &o->dirty, age)
		fn(arg, e->domain, buf_span(&e->enc));
}

void
overlay_mark_clean(struct overlay *o, const char *domain)
{
	struct overlay_entry	*e = overlay_find(o, domain);

	if (e == NULL || !e->dirty)
		return;
	overlay_unlink(o, e);
	e->dirty = false;
	overlay_link(o, e);
	overlay_trim(o);
}
