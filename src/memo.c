/*
 * memo.c: bounded domain table.  See memo.h.
 *
 * Chained hash buckets plus a list in insertion order for eviction.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "memo.h"

#define MEMO_BUCKETS	4096

struct memo_node {
	struct memo_entry	 e;
	LIST_ENTRY(memo_node)	 bucket;
	TAILQ_ENTRY(memo_node)	 age;
};

struct memo {
	LIST_HEAD(, memo_node)	 buckets[MEMO_BUCKETS];
	TAILQ_HEAD(, memo_node)	 order;
	size_t			 count;
	size_t			 max;
};

static uint32_t
memo_hash(const char *s)
{
	return str_hash(s) % MEMO_BUCKETS;
}

struct memo *
memo_new(size_t max)
{
	struct memo	*m;
	size_t		 i;

	m = xcalloc(1, sizeof(*m));
	for (i = 0; i < MEMO_BUCKETS; i++)
		LIST_INIT(&m->buckets[i]);
	TAILQ_INIT(&m->order);
	m->max = max == 0 ? 1 : max;
	return m;
}

static struct memo_node *
memo_find(struct memo *m, const char *domain)
{
	struct memo_node	*n;

	LIST_FOREACH(n, &m->buckets[memo_hash(domain)], bucket)
		if (strcmp(n->e.domain, domain) == 0)
			return n;
	return NULL;
}

static void
memo_remove(struct memo *m, struct memo_node *n)
{
	LIST_REMOVE(n, bucket);
	TAILQ_REMOVE(&m->order, n, age);
	m->count--;
	free(n);
}

struct memo_entry *
memo_get(struct memo *m, const char *domain)
{
	struct memo_node	*n = memo_find(m, domain);

	return n == NULL ? NULL : &n->e;
}

struct memo_entry *
memo_put(struct memo *m, const char *domain)
{
	struct memo_node	*n;
	size_t			 len = strlen(domain);

	if ((n = memo_find(m, domain)) != NULL)
		return &n->e;
	if (len > DOMAIN_MAX_NAME)
		len = DOMAIN_MAX_NAME;
	while (m->count >= m->max)
		memo_remove(m, TAILQ_FIRST(&m->order));
	n = xcalloc(1, sizeof(*n));
	memcpy(n->e.domain, domain, len);
	n->e.domain[len] = '\0';
	LIST_INSERT_HEAD(&m->buckets[memo_hash(n->e.domain)], n, bucket);
	TAILQ_INSERT_TAIL(&m->order, n, age);
	m->count++;
	return &n->e;
}

void
memo_del(struct memo *m, const char *domain)
{
	struct memo_node	*n;

	if ((n = memo_find(m, domain)) != NULL)
		memo_remove(m, n);
}

void
memo_clear(struct memo *m)
{
	struct memo_node	*n;

	while ((n = TAILQ_FIRST(&m->order)) != NULL)
		memo_remove(m, n);
}

void
memo_free(struct memo *m)
{
	if (m == NULL)
		return;
	memo_clear(m);
	free(m);
}

size_t
memo_count(const struct memo *m)
{
	return m->count;
}

void
memo_foreach(struct memo *m, void (*fn)(void *, const struct memo_entry *),
    void *arg)
{
	struct memo_node	*n;

	TAILQ_FOREACH(n, &m->order, age)
		fn(arg, &n->e);
}
