/*
 * uidcount.c: connections per uid.  See uidcount.h.
 *
 * An unsorted array searched linearly: it holds one entry per uid with
 * a connection open, a handful on a mail server, and an entry goes as
 * soon as its count drops to zero.
 */
#include <stdlib.h>

#include "buf.h"
#include "uidcount.h"

void
uidcount_init(struct uidcount *uc)
{
	uc->v = NULL;
	uc->len = 0;
	uc->cap = 0;
}

void
uidcount_clear(struct uidcount *uc)
{
	free(uc->v);
	uidcount_init(uc);
}

static struct uidcount_entry *
uidcount_find(const struct uidcount *uc, uid_t uid)
{
	size_t	i;

	for (i = 0; i < uc->len; i++)
		if (uc->v[i].uid == uid)
			return &uc->v[i];
	return NULL;
}

bool
uidcount_take(struct uidcount *uc, uid_t uid, unsigned max)
{
	struct uidcount_entry	*e;

	if ((e = uidcount_find(uc, uid)) != NULL) {
		if (e->n >= max)
			return false;
		e->n++;
		return true;
	}
	if (max == 0)
		return false;
	if (uc->len == uc->cap) {
		uc->cap = uc->cap == 0 ? 8 : uc->cap * 2;
		uc->v = xreallocarray(uc->v, uc->cap, sizeof(*uc->v));
	}
	uc->v[uc->len].uid = uid;
	uc->v[uc->len].n = 1;
	uc->len++;
	return true;
}

void
uidcount_release(struct uidcount *uc, uid_t uid)
{
	struct uidcount_entry	*e;

	if ((e = uidcount_find(uc, uid)) == NULL)
		return;
	if (--e->n == 0)
		*e = uc->v[--uc->len];
}

unsigned
uidcount_get(const struct uidcount *uc, uid_t uid)
{
	const struct uidcount_entry	*e = uidcount_find(uc, uid);

	return e == NULL ? 0 : e->n;
}
