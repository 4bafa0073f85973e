/*
 * hash.c: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012).  See hash.h.
 */
#include <sys/random.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t	v0, v1, v2, v3;
};

static void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

/* Little-endian load of n <= 8 bytes. */
static uint64_t
load_le(const uint8_t *p, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
sip_compress(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t
hash_bytes(const struct hash_key *key, const void *data, size_t len)
{
	const uint8_t	*p = data;
	struct sip	 s;
	size_t		 left = len;

	s.v0 = key->k0 ^ 0x736f6d6570736575ULL;
	s.v1 = key->k1 ^ 0x646f72616e646f6dULL;
	s.v2 = key->k0 ^ 0x6c7967656e657261ULL;
	s.v3 = key->k1 ^ 0x7465646279746573ULL;
	for (; left >= 8; p += 8, left -= 8)
		sip_compress(&s, load_le(p, 8));
	sip_compress(&s, load_le(p, left) | (uint64_t)(len & 0xff) << 56);
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t
hash_str(const struct hash_key *key, const char *s)
{
	return hash_bytes(key, s, strlen(s));
}

void
hash_key_random(struct hash_key *key)
{
	struct timespec	ts;
	uint8_t		b[16];
	uint64_t	mix;

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) == (ssize_t)sizeof(b)) {
		key->k0 = load_le(b, 8);
		key->k1 = load_le(b + 8, 8);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	mix = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
	    (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)key;
	key->k0 = mix ^ 0x9e3779b97f4a7c15ULL;
	key->k1 = ROTL(mix, 29) ^ 0xc2b2ae3d27d4eb4fULL;
}
