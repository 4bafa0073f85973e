/*
 * uidcount.h: connections held per peer uid, with a cap.
 *
 * The socketmap server counts the connections each local user holds on
 * its unix listeners (the uid comes from SO_PEERCRED), so one user
 * cannot take every connection slot from Postfix.  The table owns its
 * entries and grows with the number of distinct uids connected at once,
 * which is small and bounded by the connection limit.  Pure module: no
 * sockets, no logging.
 */
#ifndef MTASTSD_UIDCOUNT_H
#define MTASTSD_UIDCOUNT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct uidcount_entry {
	uid_t		uid;
	unsigned	n;
};

struct uidcount {
	struct uidcount_entry	*v;	/* owned; the first len in use */
	size_t			 len;
	size_t			 cap;
};

void		uidcount_init(struct uidcount *);
void		uidcount_clear(struct uidcount *);
/*
 * Count one more connection for uid and return true, or return false
 * and count nothing when uid already holds max.
 */
bool		uidcount_take(struct uidcount *, uid_t, unsigned);
/* Give back a connection taken for uid (a uid holding none: no-op). */
void		uidcount_release(struct uidcount *, uid_t);
/* Connections uid holds now. */
unsigned	uidcount_get(const struct uidcount *, uid_t);

#endif
