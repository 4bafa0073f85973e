/*
 * check_hash.c: SipHash-2-4 against the reference vectors of the paper
 * (key 00..0f, messages 00, 00 01, ...), and the random key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "hash.h"

/* SipHash-2-4 of the first n bytes of 00 01 02 ... under key 00..0f. */
static const struct {
	size_t		n;
	uint64_t	want;
} vectors[] = {
	{ 0, 0x726fdb47dd0e0e31ULL },
	{ 1, 0x74f839c593dc67fdULL },
	{ 7, 0xab0200f58b01d137ULL },
	{ 8, 0x93f5f5799a932462ULL },
	{ 15, 0xa129ca6149be45e5ULL },
	{ 63, 0x958a324ceb064572ULL },
};

START_TEST(test_vectors)
{
	struct hash_key	key;
	uint8_t		k[16], msg[64];
	uint64_t	got;
	size_t		i;

	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	key.k0 = key.k1 = 0;
	for (i = 0; i < 8; i++) {
		key.k0 |= (uint64_t)k[i] << (8 * i);
		key.k1 |= (uint64_t)k[8 + i] << (8 * i);
	}
	got = hash_bytes(&key, msg, vectors[_i].n);
	ck_assert_msg(got == vectors[_i].want, "case len-%zu: got %016llx, "
	    "want %016llx", vectors[_i].n, (unsigned long long)got,
	    (unsigned long long)vectors[_i].want);
}
END_TEST

/* Two random keys differ, and so do the hashes of one name under them. */
START_TEST(test_random_key)
{
	struct hash_key	a, b;

	hash_key_random(&a);
	hash_key_random(&b);
	ck_assert_msg(a.k0 != b.k0 || a.k1 != b.k1, "case random-key: got "
	    "the same key twice, want two");
	ck_assert_msg(hash_str(&a, "example.com") !=
	    hash_str(&b, "example.com"), "case random-key: got the same "
	    "hash under two keys, want two");
	ck_assert_msg(hash_str(&a, "example.com") ==
	    hash_bytes(&a, "example.com", 11), "case hash-str: got a "
	    "different hash than hash_bytes, want the same");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hash");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, test_vectors, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_random_key);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
