/*
 * bench_cache.c: fill a policy cache in a temporary directory and measure
 * it.  Not a unit test: run by hand.
 *
 *	bench_cache [N [GETS]]	N records (default 100000), GETS random
 *				cache_get() calls (default 200000)
 *
 * Prints one `name value unit` line per figure: fill time, cache_open()
 * time on the filled store, cache_get() hit latency (median, p99, max),
 * and the store's size on disk.  The directory is removed afterwards.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "buf.h"
#include "cache.h"
#include "log.h"
#include "sts_policy.h"

#define BENCH_BATCH	10000	/* records per write transaction */
#define BENCH_NAME	48

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A typical policy: enforce, three mx patterns. */
static void
make_record(struct cache_record *r, size_t i)
{
	static const char *const mx[] = { "mx1.example.net", "mx2.example.net",
	    "*.backup.example.org" };
	size_t			 j;

	cache_record_init(r);
	(void)snprintf(r->id, sizeof(r->id), "20240101T%06zu", i % 1000000);
	r->policy.mode = STS_MODE_ENFORCE;
	r->policy.max_age = 604800;
	r->policy.mx = xcalloc(3, sizeof(*r->policy.mx));
	for (j = 0; j < 3; j++)
		r->policy.mx[j] = xstrdup(mx[j]);
	r->policy.mx_count = 3;
	r->fetched = 1704067200;
	r->txt_checked = 1704067200;
	r->txt_ttl = 3600;
	r->next_refresh = 1704100000;
	r->last_query = 1704067200;
}

static void
rm_dir(const char *dir)
{
	char	path[512];

	(void)snprintf(path, sizeof(path), "%s/data.mdb", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(int argc, char **argv)
{
	char			 dir[] = "/tmp/bench_cache.XXXXXX";
	char			 err[512], path[512];
	struct cache_opts	 o = { dir, 0, 0, false };
	struct cache		*c;
	struct cache_record	*recs, r;
	const struct cache_record **rp;
	const char		**names;
	char			*store;
	struct stat		 st;
	int64_t			 t0, *lat;
	size_t			 n = 100000, gets = 200000, i, k, b;
	uint64_t		 seed = 88172645463325252ULL;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		gets = strtoul(argv[2], NULL, 10);
	if (n == 0 || gets == 0) {
		fprintf(stderr, "usage: bench_cache [N [GETS]]\n");
		return 2;
	}
	log_init("bench_cache", 1, LOG_LEVEL_WARNING);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	if ((c = cache_open(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}

	store = xcalloc(n, BENCH_NAME);
	names = xcalloc(n, sizeof(*names));
	for (i = 0; i < n; i++) {
		(void)snprintf(store + i * BENCH_NAME, BENCH_NAME,
		    "d%08zu.example.com", i);
		names[i] = store + i * BENCH_NAME;
	}
	recs = xcalloc(BENCH_BATCH, sizeof(*recs));
	rp = xcalloc(BENCH_BATCH, sizeof(*rp));
	t0 = now_ns();
	for (i = 0; i < n; i += k) {
		for (k = 0; k < BENCH_BATCH && i + k < n; k++) {
			make_record(&recs[k], i + k);
			rp[k] = &recs[k];
		}
		if (cache_put_batch(c, names + i, rp, k) == -1) {
			fprintf(stderr, "put_batch failed at %zu\n", i);
			return 1;
		}
		for (b = 0; b < k; b++)
			cache_record_clear(&recs[b]);
	}
	printf("records %zu\n", n);
	printf("fill %.3f s (batches of %d)\n",
	    (double)(now_ns() - t0) / 1e9, BENCH_BATCH);
	cache_close(c);

	t0 = now_ns();
	if ((c = cache_open(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("open %.1f us\n", (double)(now_ns() - t0) / 1e3);

	lat = xcalloc(gets, sizeof(*lat));
	for (i = 0; i < gets; i++) {
		k = (size_t)(rnd(&seed) % n);
		t0 = now_ns();
		if (cache_get(c, names[k], &r) != CACHE_HIT) {
			fprintf(stderr, "miss for %s\n", names[k]);
			return 1;
		}
		lat[i] = now_ns() - t0;
		cache_record_clear(&r);
	}
	qsort(lat, gets, sizeof(*lat), cmp_i64);
	printf("get_median %" PRId64 " ns (%zu random hits)\n",
	    lat[gets / 2], gets);
	printf("get_p99 %" PRId64 " ns\n", lat[gets * 99 / 100]);
	printf("get_max %" PRId64 " ns\n", lat[gets - 1]);
	cache_close(c);

	(void)snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st) == 0) {
		printf("disk_used %.1f MiB (%.0f bytes per record)\n",
		    (double)st.st_blocks * 512 / 1048576,
		    (double)st.st_blocks * 512 / (double)n);
		printf("file_size %.1f MiB\n",
		    (double)st.st_size / 1048576);
	}
	rm_dir(dir);
	free(lat);
	free(recs);
	free(rp);
	free(names);
	free(store);
	return 0;
}
