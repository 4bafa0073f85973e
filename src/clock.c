/*
 * clock.c: the wall clock.  See clock.h.
 */
#include <stdint.h>
#include <time.h>

#include "clock.h"

int64_t
clock_now(void)
{
	return (int64_t)time(NULL);
}
