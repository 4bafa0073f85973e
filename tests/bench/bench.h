/*
 * bench.h: the helpers both benchmark programs use: a monotonic clock
 * in nanoseconds and the comparison qsort() needs for latency samples.
 */
#ifndef MTASTSD_BENCH_H
#define MTASTSD_BENCH_H

#include <stdint.h>
#include <time.h>

static inline int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

#endif
