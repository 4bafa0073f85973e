/*
 * hash.h: keyed hashing of names that come from the network.
 *
 * Every table indexed by names a peer chooses (domains from Postfix
 * queries, lookups in flight, negative results) hashes them with
 * SipHash-2-4 under a key drawn at random per table, so nobody outside
 * the process can compute names that collide in one bucket.
 *
 * Pure module apart from hash_key_random(), which asks the kernel for
 * the key (getrandom(2)).
 */
#ifndef MTASTSD_HASH_H
#define MTASTSD_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_key {
	uint64_t	k0;
	uint64_t	k1;
};

/*
 * A random key.  Without getrandom() (before the kernel's pool is ready,
 * or with it blocked by a sandbox) it falls back to a mix of the clock,
 * the pid and an address, which still differs per process and start.
 */
void	hash_key_random(struct hash_key *);
/* SipHash-2-4 of the len bytes at p under key. */
uint64_t hash_bytes(const struct hash_key *, const void *, size_t);
/* The same over a NUL-terminated string, without its NUL. */
uint64_t hash_str(const struct hash_key *, const char *);

#endif
