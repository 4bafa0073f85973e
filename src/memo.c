/*
 * memo.c: bounded domain table.  See memo.h.
 *
 * Chained hash buckets under a per-table random SipHash key, so names
 * from the network cannot be chosen to share a bucket.  Eviction is a
 * segmented LRU: a new entry goes to the probation segment, an entry
 * used again (found by memo_get() or memo_put()) moves to the protected
 * segment (at most MEMO_PROTECTED_PCT of the table), and a full table
 * evicts the oldest probation entry first.  A flood of names used once
 * only churns the probation segment; the entries of domains Postfix keeps
 * asking for stay.
 */
#include <sys/queue.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "memo.h"

#define MEMO_BUCKETS		4096
#define MEMO_PROTECTED_PCT	80

TAILQ_HEAD(memo_queue, memo_node);

struct memo_node {
	struct memo_entry	 e;
	bool			 protected;	/* on protect, else on probe */
	LIST_ENTRY(memo_node)	 bucket;
	TAILQ_ENTRY(memo_node)	 age;
	char			 name[];	/* e.domain, sized to fit */
};

struct memo {
	LIST_HEAD(, memo_node)	 buckets[MEMO_BUCKETS];
	struct memo_queue	 probe;		/* oldest first */
	struct memo_queue	 protect;	/* oldest first */
	struct hash_key		 key;
	size_t			 count;
	size_t			 nprotected;
	size_t			 max;
};

static uint32_t
memo_hash(struct memo *m, const char *s)
{
	return (uint32_t)(hash_str(&m->key, s) % MEMO_BUCKETS);
}

static struct memo_queue *
memo_queue_of(struct memo *m, struct memo_node *n)
{
	return n->protected ? &m->protect : &m->probe;
}

/* n was used again: to the young end of the protected segment. */
static void
memo_promote(struct memo *m, struct memo_node *n)
{
	struct memo_node	*old;
	size_t			 cap = m->max * MEMO_PROTECTED_PCT / 100;

	TAILQ_REMOVE(memo_queue_of(m, n), n, age);
	if (!n->protected) {
		n->protected = true;
		m->nprotected++;
	}
	TAILQ_INSERT_TAIL(&m->protect, n, age);
	/* Over its share: the oldest protected entry gets another chance
	   as the youngest on probation. */
	while (m->nprotected > (cap > 0 ? cap : 1) &&
	    (old = TAILQ_FIRST(&m->protect)) != n) {
		TAILQ_REMOVE(&m->protect, old, age);
		old->protected = false;
		m->nprotected--;
		TAILQ_INSERT_TAIL(&m->probe, old, age);
	}
}

struct memo *
memo_new(size_t max)
{
	struct memo	*m;
	size_t		 i;

	m = xcalloc(1, sizeof(*m));
	for (i = 0; i < MEMO_BUCKETS; i++)
		LIST_INIT(&m->buckets[i]);
	TAILQ_INIT(&m->probe);
	TAILQ_INIT(&m->protect);
	hash_key_random(&m->key);
	m->max = max == 0 ? 1 : max;
	return m;
}

static struct memo_node *
memo_find(struct memo *m, const char *domain)
{
	struct memo_node	*n;

	LIST_FOREACH(n, &m->buckets[memo_hash(m, domain)], bucket)
		if (strcmp(n->e.domain, domain) == 0)
			return n;
	return NULL;
}

static void
memo_remove(struct memo *m, struct memo_node *n)
{
	LIST_REMOVE(n, bucket);
	TAILQ_REMOVE(memo_queue_of(m, n), n, age);
	if (n->protected)
		m->nprotected--;
	m->count--;
	sts_policy_clear(&n->e.policy);
	free(n);
}

struct memo_entry *
memo_get(struct memo *m, const char *domain)
{
	struct memo_node	*n = memo_find(m, domain);

	if (n == NULL)
		return NULL;
	memo_promote(m, n);
	return &n->e;
}

struct memo_entry *
memo_put(struct memo *m, const char *domain)
{
	struct memo_node	*n;
	size_t			 len = strlen(domain);

	if ((n = memo_find(m, domain)) != NULL) {
		memo_promote(m, n);
		return &n->e;
	}
	if (len > DOMAIN_MAX_NAME)
		len = DOMAIN_MAX_NAME;
	while (m->count >= m->max)
		memo_remove(m, TAILQ_FIRST(&m->probe) != NULL ?
		    TAILQ_FIRST(&m->probe) : TAILQ_FIRST(&m->protect));
	/* The name inline, as long as it is: most are far from 253. */
	n = xcalloc(1, sizeof(*n) + len + 1);
	sts_policy_init(&n->e.policy);
	memcpy(n->name, domain, len);
	n->name[len] = '\0';
	n->e.domain = n->name;
	LIST_INSERT_HEAD(&m->buckets[memo_hash(m, n->name)], n, bucket);
	TAILQ_INSERT_TAIL(&m->probe, n, age);
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

int
memo_set_policy(struct memo_entry *e, const struct sts_policy *pol)
{
	struct sts_policy	copy;

	if (sts_policy_copy(&copy, pol) == -1)
		return -1;
	sts_policy_clear(&e->policy);
	e->policy = copy;
	return 0;
}

void
memo_clear(struct memo *m)
{
	struct memo_node	*n;

	while ((n = TAILQ_FIRST(&m->probe)) != NULL)
		memo_remove(m, n);
	while ((n = TAILQ_FIRST(&m->protect)) != NULL)
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

	TAILQ_FOREACH(n, &m->probe, age)
		fn(arg, &n->e);
	TAILQ_FOREACH(n, &m->protect, age)
		fn(arg, &n->e);
}
