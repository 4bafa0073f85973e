/*
 * hotreply.c: rendered replies of cached policies.  See hotreply.h.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "domain.h"
#include "hash.h"
#include "hotreply.h"
#include "socketmap.h"

#define HOTREPLY_BUCKETS	8192
#define HOTREPLY_MAX_DATA	(SOCKETMAP_MAX_REPLY)

struct hot_entry {
	enum socketmap_status	 st;
	struct buf		 data;		/* owned */
	int64_t			 until;
	LIST_ENTRY(hot_entry)	 bucket;
	TAILQ_ENTRY(hot_entry)	 age;		/* least recent first */
	char			 domain[];	/* sized to fit */
};

struct hotreply {
	LIST_HEAD(, hot_entry)	 buckets[HOTREPLY_BUCKETS];
	TAILQ_HEAD(, hot_entry)	 order;
	struct hash_key		 key;
	size_t			 count, max;
};

struct hotreply *
hotreply_new(size_t max)
{
	struct hotreply	*h = xcalloc(1, sizeof(*h));
	size_t		 i;

	for (i = 0; i < HOTREPLY_BUCKETS; i++)
		LIST_INIT(&h->buckets[i]);
	TAILQ_INIT(&h->order);
	hash_key_random(&h->key);
	h->max = max == 0 ? 1 : max;
	return h;
}

static struct hot_entry *
hot_find(struct hotreply *h, const char *domain)
{
	struct hot_entry	*e;

	LIST_FOREACH(e, &h->buckets[hash_str(&h->key, domain) %
	    HOTREPLY_BUCKETS], bucket)
		if (strcmp(e->domain, domain) == 0)
			return e;
	return NULL;
}

static void
hot_remove(struct hotreply *h, struct hot_entry *e)
{
	LIST_REMOVE(e, bucket);
	TAILQ_REMOVE(&h->order, e, age);
	buf_clear(&e->data);
	free(e);
	h->count--;
}

int
hotreply_get(struct hotreply *h, const char *domain, int64_t now,
    enum socketmap_status *st, struct span *data)
{
	struct hot_entry	*e = hot_find(h, domain);

	if (e == NULL)
		return -1;
	if (now >= e->until) {
		hot_remove(h, e);
		return -1;
	}
	TAILQ_REMOVE(&h->order, e, age);
	TAILQ_INSERT_TAIL(&h->order, e, age);
	*st = e->st;
	*data = buf_span(&e->data);
	return 0;
}

void
hotreply_put(struct hotreply *h, const char *domain,
    enum socketmap_status st, struct span data, int64_t until)
{
	struct hot_entry	*e;
	size_t			 len = strlen(domain);

	if (len > DOMAIN_MAX_NAME)
		return;
	if ((e = hot_find(h, domain)) != NULL)
		hot_remove(h, e);
	while (h->count >= h->max)
		hot_remove(h, TAILQ_FIRST(&h->order));
	e = xcalloc(1, sizeof(*e) + len + 1);
	memcpy(e->domain, domain, len + 1);
	e->st = st;
	e->until = until;
	buf_init(&e->data, HOTREPLY_MAX_DATA);
	if (buf_add_span(&e->data, data) == -1) {
		buf_clear(&e->data);
		free(e);
		return;
	}
	LIST_INSERT_HEAD(&h->buckets[hash_str(&h->key, domain) %
	    HOTREPLY_BUCKETS], e, bucket);
	TAILQ_INSERT_TAIL(&h->order, e, age);
	h->count++;
}

void
hotreply_del(struct hotreply *h, const char *domain)
{
	struct hot_entry	*e = hot_find(h, domain);

	if (e != NULL)
		hot_remove(h, e);
}

void
hotreply_clear(struct hotreply *h)
{
	struct hot_entry	*e;

	while ((e = TAILQ_FIRST(&h->order)) != NULL)
		hot_remove(h, e);
}

void
hotreply_free(struct hotreply *h)
{
	if (h == NULL)
		return;
	hotreply_clear(h);
	free(h);
}

size_t
hotreply_count(const struct hotreply *h)
{
	return h->count;
}
