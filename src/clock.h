/*
 * clock.h: the wall clock the lookup engine and the refresher read.
 *
 * One function in a file of its own, so that the unit tests of the
 * lookup engine can link a fake in its place and move time forward
 * without waiting (tests/unit/fake_clock.c).  Policy validity, TXT
 * schedules and back-offs are all unix seconds, as the cache keeps them.
 */
#ifndef MTASTSD_CLOCK_H
#define MTASTSD_CLOCK_H

#include <stdint.h>

/* Unix time in seconds. */
int64_t	clock_now(void);

#endif
