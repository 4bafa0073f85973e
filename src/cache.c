/*
 * cache.c: the LMDB policy store and its record codec.  See cache.h.
 *
 * Everything LMDB stays in this file.  Reads use one read transaction
 * that is reset between reads and renewed for the next (no allocation
 * per get); writes each run in their own write transaction through
 * write_txn(), which grows the map on MDB_MAP_FULL and retries.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "buf.h"
#include "cache.h"
#include "cache_overlay.h"
#include "domain.h"
#include "log.h"
#include "sts_policy.h"
#include "sts_txt.h"

#define CACHE_DB_POLICIES	"policies"
#define CACHE_DB_META		"meta"
#define CACHE_META_FORMAT	"format"
#define CACHE_MAX_META_KEY	64
#define CACHE_WIPE_HINT \
	"; stop mta-stsd and delete data.mdb and lock.mdb in %s to start " \
	"an empty cache"

struct cache {
	MDB_env		*env;		/* owned */
	MDB_dbi		 policies;
	MDB_dbi		 meta;
	MDB_txn		*rtxn;		/* owned, reset between reads;
					   NULL until the first read */
	char		*dir;		/* owned */
	bool		 read_only;
	uint64_t	 max_map;
	struct buf	 enc;		/* encoding scratch */
	uint64_t	 corrupt_seen;
	char		*noted[CACHE_MAX_CORRUPT_NOTED];
					/* owned: domains logged as corrupt */
	size_t		 nnoted;
	bool		 noted_full;	/* "too many" logged */
	struct overlay	*ov;		/* owned: recent and unwritten */
	bool		 writes_failing; /* since the last write that worked */
	uint64_t	 write_errors;
	bool		 fail_writes;	/* cache_test_fail_writes() */
	bool		 flushing;	/* in cache_flush() */
};

/* A key in our own storage, so MDB_val never points at const data. */
struct cache_key {
	char	name[DOMAIN_MAX_NAME + 1];
	MDB_val	val;
};

/* ---- store ---- */

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A cut message is still the best we have: truncation is accepted. */
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *domain_esc(const char *);

/* Copy a normalised domain into k; -1 when it is not a valid name. */
static int
key_make(const char *domain, struct cache_key *k)
{
	size_t	n = strnlen(domain, DOMAIN_MAX_NAME + 1);

	if (n == 0 || n > DOMAIN_MAX_NAME ||
	    !domain_is_valid(span_make(domain, n)))
		return -1;
	memcpy(k->name, domain, n);
	k->name[n] = '\0';
	k->val.mv_data = k->name;
	k->val.mv_size = n;
	return 0;
}

/* domain is a valid key; -1 logged otherwise. */
static int
key_valid(const char *domain)
{
	struct cache_key	k;

	if (key_make(domain, &k) == 0)
		return 0;
	log_errx("cache put domain=%s error=\"invalid name\"",
	    domain_esc(domain));
	return -1;
}

static const char *
domain_esc(const char *domain)
{
	return log_esc(span_make(domain, strnlen(domain,
	    DOMAIN_MAX_NAME + 1)));
}

static void
drop_rtxn(struct cache *c)
{
	if (c->rtxn != NULL)
		mdb_txn_abort(c->rtxn);
	c->rtxn = NULL;
}

/* Start a read: renew the reset read txn, or begin one. */
static int
read_begin(struct cache *c, MDB_txn **t)
{
	int	rc;

	if (c->rtxn != NULL) {
		if ((rc = mdb_txn_renew(c->rtxn)) == 0) {
			*t = c->rtxn;
			return 0;
		}
		drop_rtxn(c);
	}
	rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &c->rtxn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size. */
		c->rtxn = NULL;
		if ((rc = mdb_env_set_mapsize(c->env, 0)) == 0)
			rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &c->rtxn);
	}
	if (rc != 0) {
		c->rtxn = NULL;
		return rc;
	}
	*t = c->rtxn;
	return 0;
}

static void
read_end(struct cache *c)
{
	mdb_txn_reset(c->rtxn);
}

/* Double the map, up to the cap.  0, or -1 (logged). */
static int
grow(struct cache *c)
{
	MDB_envinfo	ei;
	uint64_t	cur, next;
	int		rc;

	if ((rc = mdb_env_info(c->env, &ei)) != 0) {
		log_errx("cache map_grow dir=%s error=\"%s\"", c->dir,
		    mdb_strerror(rc));
		return -1;
	}
	cur = ei.me_mapsize;
	if (cur >= c->max_map) {
		log_errx("cache map_full dir=%s map_size=%" PRIu64
		    " max_map_size=%" PRIu64, c->dir, cur, c->max_map);
		return -1;
	}
	next = cur > c->max_map / 2 ? c->max_map : cur * 2;
	drop_rtxn(c);
	if ((rc = mdb_env_set_mapsize(c->env, (size_t)next)) != 0) {
		log_errx("cache map_grow dir=%s map_size=%" PRIu64
		    " error=\"%s\"", c->dir, next, mdb_strerror(rc));
		return -1;
	}
	log_info("cache map_grow dir=%s map_size=%" PRIu64, c->dir, next);
	return 0;
}

/*
 * The body of a write transaction: an LMDB code, or -1 for a failure
 * of ours that it has already logged.
 */
typedef int	write_fn(struct cache *, MDB_txn *, void *);

#define CACHE_MAX_RESIZED_RETRIES	3

/*
 * A write failed: count it, and log it when writes start failing (not
 * for every write while they keep failing: the state is in
 * cache_get_info(), the status and the metrics).  Returns -1.
 */
static int
write_failed(struct cache *c, const char *what, const char *why)
{
	c->write_errors++;
	if (c->writes_failing) {
		log_debug("cache %s dir=%s error=\"%s\"", what, c->dir, why);
		return -1;
	}
	c->writes_failing = true;
	log_errx("cache writes failing dir=%s op=%s error=\"%s\" "
	    "action=kept_in_memory", c->dir, what, why);
	return -1;
}

/*
 * Run fn in one write transaction and commit (synced).  On MDB_MAP_FULL
 * the map is doubled and the whole transaction retried, until the cap.
 */
static int
write_txn(struct cache *c, const char *what, write_fn *fn, void *arg)
{
	MDB_txn	*t;
	int	 rc, resized = 0;

	if (c->read_only) {
		log_errx("cache %s dir=%s error=\"opened read-only\"", what,
		    c->dir);
		return -1;
	}
	if (c->fail_writes)
		return write_failed(c, what, "failing on purpose (test)");
	for (;;) {
		rc = mdb_txn_begin(c->env, NULL, 0, &t);
		if (rc == MDB_MAP_RESIZED &&
		    resized++ < CACHE_MAX_RESIZED_RETRIES) {
			drop_rtxn(c);
			if ((rc = mdb_env_set_mapsize(c->env, 0)) == 0)
				continue;
		}
		if (rc != 0)
			break;
		if ((rc = fn(c, t, arg)) == 0)
			rc = mdb_txn_commit(t);
		else
			mdb_txn_abort(t);
		if (rc != MDB_MAP_FULL)
			break;
		if (grow(c) == -1)
			return -1;
	}
	if (rc == -1)
		return write_failed(c, what, "write refused");
	if (rc != 0)
		return write_failed(c, what, mdb_strerror(rc));
	return 0;
}

/*
 * A write worked.  While writes were failing, write what waits in
 * memory now; the alarm ends once nothing is left there.
 */
static void
write_worked(struct cache *c)
{
	if (!c->writes_failing)
		return;
	if (overlay_dirty_count(c->ov) > 0 && !c->flushing &&
	    cache_flush(c) == -1)
		return;
	if (overlay_dirty_count(c->ov) > 0)
		return;
	c->writes_failing = false;
	log_info("cache writes work again dir=%s errors=%" PRIu64, c->dir,
	    c->write_errors);
}

/* Remember domains logged as corrupt so each is logged once. */
static void
note_corrupt(struct cache *c, struct span key, const char *why)
{
	size_t	i;

	c->corrupt_seen++;
	for (i = 0; i < c->nnoted; i++)
		if (span_eq_str(key, c->noted[i]))
			return;
	if (c->nnoted < CACHE_MAX_CORRUPT_NOTED) {
		c->noted[c->nnoted++] = span_strdup(key);
		log_warnx("cache corrupt_record domain=%s reason=\"%s\" "
		    "action=ignored_until_replaced", log_esc(key), why);
	} else if (!c->noted_full) {
		c->noted_full = true;
		log_warnx("cache corrupt_record count>%d "
		    "action=no_longer_logged_one_by_one",
		    CACHE_MAX_CORRUPT_NOTED);
	}
}

static void
unnote_corrupt(struct cache *c, const char *domain)
{
	size_t	i;

	for (i = 0; i < c->nnoted; i++)
		if (strcmp(c->noted[i], domain) == 0) {
			free(c->noted[i]);
			c->noted[i] = c->noted[--c->nnoted];
			return;
		}
}

static void
open_error(char *err, size_t errlen, const char *dir, int rc)
{
	switch (rc) {
	case MDB_INVALID:
		set_err(err, errlen, "cache %s/data.mdb is not an LMDB "
		    "database" CACHE_WIPE_HINT, dir, dir);
		break;
	case MDB_VERSION_MISMATCH:
		set_err(err, errlen, "cache in %s was written by an "
		    "incompatible LMDB version" CACHE_WIPE_HINT, dir, dir);
		break;
	case MDB_INCOMPATIBLE:
		set_err(err, errlen, "cache in %s is not an mta-stsd cache"
		    CACHE_WIPE_HINT, dir, dir);
		break;
	default:
		set_err(err, errlen, "cannot open cache in %s: %s", dir,
		    mdb_strerror(rc));
		break;
	}
}

/* Check the "format" marker; write it into a new store. */
static int
check_format(struct cache *c, MDB_txn *t, char *err, size_t errlen)
{
	MDB_val		 k, v;
	MDB_stat	 st;
	uint8_t		 f[4];
	char		 name[] = CACHE_META_FORMAT;
	const uint8_t	*p;
	uint32_t	 got;
	int		 rc;

	k.mv_data = name;
	k.mv_size = sizeof(name) - 1;
	rc = mdb_get(t, c->meta, &k, &v);
	if (rc == MDB_NOTFOUND && !c->read_only) {
		if ((rc = mdb_stat(t, c->policies, &st)) != 0)
			goto lmdb;
		if (st.ms_entries > 0) {
			set_err(err, errlen, "cache in %s holds records but "
			    "no format marker" CACHE_WIPE_HINT, c->dir,
			    c->dir);
			return -1;
		}
		f[0] = f[1] = f[2] = 0;
		f[3] = CACHE_FORMAT_VERSION;
		v.mv_data = f;
		v.mv_size = sizeof(f);
		if ((rc = mdb_put(t, c->meta, &k, &v, 0)) != 0)
			goto lmdb;
		log_info("cache created dir=%s format=%d", c->dir,
		    CACHE_FORMAT_VERSION);
		return 0;
	}
	if (rc == MDB_NOTFOUND) {
		set_err(err, errlen, "cache in %s has no format marker (not "
		    "initialised by mta-stsd)", c->dir);
		return -1;
	}
	if (rc != 0)
		goto lmdb;
	if (v.mv_size != 4) {
		set_err(err, errlen, "cache in %s has an unreadable format "
		    "marker" CACHE_WIPE_HINT, c->dir, c->dir);
		return -1;
	}
	p = v.mv_data;
	got = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (got != CACHE_FORMAT_VERSION) {
		set_err(err, errlen, "cache in %s has store format %" PRIu32
		    ", this mta-stsd reads format %d" CACHE_WIPE_HINT, c->dir,
		    got, CACHE_FORMAT_VERSION, c->dir);
		return -1;
	}
	return 0;
lmdb:
	open_error(err, errlen, c->dir, rc);
	return -1;
}

/* Open both databases and check the format, in one transaction. */
static int
open_dbs(struct cache *c, char *err, size_t errlen)
{
	MDB_txn		*t;
	unsigned int	 flags = c->read_only ? 0 : MDB_CREATE;
	int		 rc;

	rc = mdb_txn_begin(c->env, NULL, c->read_only ? MDB_RDONLY : 0, &t);
	if (rc != 0) {
		open_error(err, errlen, c->dir, rc);
		return -1;
	}
	rc = mdb_dbi_open(t, CACHE_DB_META, flags, &c->meta);
	if (rc == 0)
		rc = mdb_dbi_open(t, CACHE_DB_POLICIES, flags, &c->policies);
	if (rc == MDB_NOTFOUND) {
		set_err(err, errlen, "cache in %s is not initialised (open "
		    "it once read-write)", c->dir);
		goto fail;
	}
	if (rc != 0) {
		open_error(err, errlen, c->dir, rc);
		goto fail;
	}
	if (check_format(c, t, err, errlen) == -1)
		goto fail;
	/* Committing keeps the handles, for a read txn too. */
	if ((rc = mdb_txn_commit(t)) != 0) {
		open_error(err, errlen, c->dir, rc);
		return -1;
	}
	return 0;
fail:
	mdb_txn_abort(t);
	return -1;
}

/*
 * A data.mdb shorter than its meta page says (cut by a full disk or an
 * interrupted copy) would make LMDB touch pages past the end of the file,
 * which kills the process with SIGBUS: refuse it before any such read.
 */
static int
check_size(struct cache *c, char *err, size_t errlen)
{
	MDB_envinfo	info;
	MDB_stat	mst;
	struct stat	st;
	char		path[4096];
	uint64_t	need;
	int		n;

	if (mdb_env_info(c->env, &info) != 0 ||
	    mdb_env_stat(c->env, &mst) != 0)
		return 0;	/* nothing to compare; LMDB will say */
	n = snprintf(path, sizeof(path), "%s/data.mdb", c->dir);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) == -1)
		return 0;
	need = ((uint64_t)info.me_last_pgno + 1) * mst.ms_psize;
	if ((uint64_t)st.st_size >= need)
		return 0;
	set_err(err, errlen, "cache %s is truncated (%lld of %" PRIu64
	    " bytes)" CACHE_WIPE_HINT, path, (long long)st.st_size, need,
	    c->dir);
	return -1;
}

struct cache *
cache_open(const struct cache_opts *o, char *err, size_t errlen)
{
	struct cache	*c;
	struct stat	 st;
	uint64_t	 map = o->map_size;
	int		 rc, dead = 0;

	set_err(err, errlen, "no error");
	if (map == 0)
		map = CACHE_DEFAULT_MAP_SIZE;
	if (o->dir == NULL || o->dir[0] == '\0') {
		set_err(err, errlen, "no cache directory given");
		return NULL;
	}
	if (stat(o->dir, &st) == -1) {
		set_err(err, errlen, "cache directory %s: %s", o->dir,
		    strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "cache directory %s: not a directory",
		    o->dir);
		return NULL;
	}
	if (map > SIZE_MAX) {
		set_err(err, errlen, "cache map size %" PRIu64 " too large",
		    map);
		return NULL;
	}

	c = xcalloc(1, sizeof(*c));
	c->dir = xstrdup(o->dir);
	c->read_only = o->read_only;
	c->max_map = o->max_map_size ? o->max_map_size : CACHE_MAX_MAP_SIZE;
	if (c->max_map < map)
		c->max_map = map;
	buf_init(&c->enc, CACHE_MAX_RECORD);
	c->ov = overlay_new(OVERLAY_MAX_CLEAN_BYTES, OVERLAY_MAX_DIRTY_BYTES);

	if ((rc = mdb_env_create(&c->env)) != 0) {
		c->env = NULL;
		open_error(err, errlen, o->dir, rc);
		goto fail;
	}
	if ((rc = mdb_env_set_maxdbs(c->env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(c->env, (size_t)map)) != 0 ||
	    (rc = mdb_env_open(c->env, o->dir, MDB_NOTLS |
	    (o->read_only ? MDB_RDONLY : 0), 0600)) != 0) {
		if (rc == ENOENT && o->read_only)
			set_err(err, errlen, "cache in %s: no data.mdb (the "
			    "daemon has not created it yet)", o->dir);
		else
			open_error(err, errlen, o->dir, rc);
		goto fail;
	}
	if ((rc = mdb_reader_check(c->env, &dead)) != 0) {
		open_error(err, errlen, o->dir, rc);
		goto fail;
	}
	if (dead > 0)
		log_info("cache stale_readers=%d dir=%s action=cleared", dead,
		    o->dir);
	if (check_size(c, err, errlen) == -1)
		goto fail;
	if (open_dbs(c, err, errlen) == -1)
		goto fail;
	return c;
fail:
	cache_close(c);
	return NULL;
}

void
cache_close(struct cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	if (c->env != NULL && !c->read_only && overlay_dirty_count(c->ov) > 0 &&
	    cache_flush(c) == -1)
		log_errx("cache close dir=%s unwritten=%zu: lost", c->dir,
		    overlay_dirty_count(c->ov));
	overlay_free(c->ov);
	drop_rtxn(c);
	if (c->env != NULL)
		mdb_env_close(c->env);
	for (i = 0; i < c->nnoted; i++)
		free(c->noted[i]);
	buf_clear(&c->enc);
	free(c->dir);
	free(c);
}

struct put_arg {
	const char *const			*domains;
	const struct cache_record *const	*recs;
	const struct span			*raw;	/* [n]; NULL: encode */
	size_t					 n;
};

static int	put_fn(struct cache *, MDB_txn *, void *);

/*
 * The disk could not give k's record (a read error, or a corrupt
 * record): the copy read or written lately, if any, answers instead, so
 * a policy in use does not fall back to a first discovery.  A corrupt
 * record on disk is repaired from it at once.
 */
static enum cache_status
get_from_memory(struct cache *c, const struct cache_key *k,
    struct cache_record *out, bool corrupt)
{
	const struct buf	*mem;
	struct put_arg		 a;
	struct buf		 copy;
	struct span		 s;
	const char		*name = k->name, *why;
	bool			 dirty;

	if ((mem = overlay_get(c->ov, k->name, &dirty)) == NULL ||
	    cache_record_decode(buf_span(mem), out, &why) == -1)
		return corrupt ? CACHE_MISS : CACHE_ERROR;
	log_warnx("cache get domain=%s served=memory reason=\"%s\"", k->name,
	    corrupt ? "corrupt record on disk" : "read error");
	if (corrupt && !c->read_only) {
		/* A copy: the overlay entry may be rewritten below. */
		buf_init(&copy, CACHE_MAX_RECORD);
		if (buf_add_span(&copy, buf_span(mem)) == 0) {
			s = buf_span(&copy);
			a.domains = &name;
			a.recs = NULL;
			a.raw = &s;
			a.n = 1;
			if (write_txn(c, "repair", put_fn, &a) == -1)
				(void)overlay_put(c->ov, k->name, s, true);
		}
		buf_clear(&copy);
	}
	return CACHE_HIT;
}

enum cache_status
cache_get(struct cache *c, const char *domain, struct cache_record *out)
{
	struct cache_key	 k;
	const struct buf	*mem;
	MDB_txn			*t;
	MDB_val			 v;
	const char		*why = NULL;
	bool			 dirty;
	int			 rc;

	cache_record_init(out);
	if (key_make(domain, &k) == -1) {
		log_errx("cache get domain=%s error=\"invalid name\"",
		    domain_esc(domain));
		return CACHE_ERROR;
	}
	/* Not written yet: newer than anything on disk. */
	if ((mem = overlay_get(c->ov, k.name, &dirty)) != NULL && dirty) {
		if (cache_record_decode(buf_span(mem), out, &why) == 0)
			return CACHE_HIT;
		overlay_del(c->ov, k.name);
		mem = NULL;
	}
	if ((rc = read_begin(c, &t)) == 0) {
		rc = mdb_get(t, c->policies, &k.val, &v);
		if (rc == 0)
			rc = cache_record_decode(span_make(v.mv_data,
			    v.mv_size), out, &why) == 0 ? 0 : -1;
		/* Remembered for a read error later (mem dies here). */
		if (rc == 0)
			(void)overlay_put(c->ov, k.name, span_make(v.mv_data,
			    v.mv_size), false);
		read_end(c);
	}
	switch (rc) {
	case 0:
		return CACHE_HIT;
	case MDB_NOTFOUND:
		overlay_del(c->ov, k.name);
		return CACHE_MISS;
	case -1:
		note_corrupt(c, span_make(k.name, k.val.mv_size), why);
		return get_from_memory(c, &k, out, true);
	}
	log_errx("cache get domain=%s error=\"%s\"", k.name,
	    mdb_strerror(rc));
	return get_from_memory(c, &k, out, false);
}

static int
put_fn(struct cache *c, MDB_txn *t, void *arg)
{
	struct put_arg		*a = arg;
	struct cache_key	 k;
	MDB_val			 v;
	size_t			 i;
	int			 rc;

	for (i = 0; i < a->n; i++) {
		if (key_make(a->domains[i], &k) == -1) {
			log_errx("cache put domain=%s error=\"invalid name\"",
			    domain_esc(a->domains[i]));
			return -1;
		}
		buf_reset(&c->enc);
		if (a->raw != NULL)
			rc = buf_add_span(&c->enc, a->raw[i]);
		else
			rc = cache_record_encode(a->recs[i], &c->enc);
		if (rc == -1) {
			log_errx("cache put domain=%s error=\"invalid "
			    "record\"", k.name);
			return -1;
		}
		v.mv_data = c->enc.p;
		v.mv_size = c->enc.len;
		if ((rc = mdb_put(t, c->policies, &k.val, &v, 0)) != 0)
			return rc;
		unnote_corrupt(c, k.name);
	}
	return 0;
}

/* The encoding of r in enc (reset first); -1 logged. */
static int
encode_for(const char *domain, const struct cache_record *r, struct buf *enc)
{
	buf_reset(enc);
	if (cache_record_encode(r, enc) == -1) {
		log_errx("cache put domain=%s error=\"invalid record\"",
		    domain_esc(domain));
		return -1;
	}
	return 0;
}

int
cache_put(struct cache *c, const char *domain, const struct cache_record *r)
{
	struct put_arg	 a = { &domain, NULL, NULL, 1 };
	struct buf	 enc;
	struct span	 s;
	int		 rc;

	buf_init(&enc, CACHE_MAX_RECORD);
	if (key_valid(domain) == -1 || encode_for(domain, r, &enc) == -1) {
		buf_clear(&enc);
		return -1;
	}
	s = buf_span(&enc);
	a.raw = &s;
	rc = write_txn(c, "put", put_fn, &a);
	/* Written or not, the daemon knows it: a failed write is kept in
	   memory and retried by cache_flush(). */
	if (overlay_put(c->ov, domain, s, rc == -1) == -1 && rc == -1)
		log_errx("cache put domain=%s error=\"memory for unwritten "
		    "records full\" action=lost_at_restart", domain);
	buf_clear(&enc);
	if (rc == 0)
		write_worked(c);
	return rc;
}

int
cache_put_lazy(struct cache *c, const char *domain,
    const struct cache_record *r)
{
	struct buf	enc;
	int		rc;

	if (c->read_only || key_valid(domain) == -1)
		return -1;
	buf_init(&enc, CACHE_MAX_RECORD);
	if (encode_for(domain, r, &enc) == -1) {
		buf_clear(&enc);
		return -1;
	}
	rc = overlay_put(c->ov, domain, buf_span(&enc), true);
	buf_clear(&enc);
	/* No room to wait for the batch: write it now. */
	return rc == 0 ? 0 : cache_put(c, domain, r);
}

struct flush_acc {
	const char	**domains;
	struct span	 *raw;
	size_t		  n, max;
};

static void
flush_collect(void *arg, const char *domain, struct span enc)
{
	struct flush_acc	*f = arg;

	if (f->n == f->max)
		return;
	f->domains[f->n] = domain;
	f->raw[f->n] = enc;
	f->n++;
}

int
cache_flush(struct cache *c)
{
	struct flush_acc	 f;
	struct put_arg		 a;
	size_t			 i, count = overlay_dirty_count(c->ov);
	char			**names;
	int			 rc = 0;

	if (count == 0)
		return 0;
	c->flushing = true;
	/* The borrowed names die with mark_clean: copy them. */
	f.max = count < CACHE_MAX_PAGE ? count : CACHE_MAX_PAGE;
	f.domains = xcalloc(f.max, sizeof(*f.domains));
	f.raw = xcalloc(f.max, sizeof(*f.raw));
	names = xcalloc(f.max, sizeof(*names));
	while (rc == 0 && overlay_dirty_count(c->ov) > 0) {
		f.n = 0;
		overlay_foreach_dirty(c->ov, flush_collect, &f);
		a.domains = f.domains;
		a.recs = NULL;
		a.raw = f.raw;
		a.n = f.n;
		if ((rc = write_txn(c, "flush", put_fn, &a)) == -1)
			break;
		for (i = 0; i < f.n; i++)
			names[i] = xstrdup(f.domains[i]);
		for (i = 0; i < f.n; i++) {
			overlay_mark_clean(c->ov, names[i]);
			free(names[i]);
		}
		log_debug("cache flushed records=%zu", f.n);
	}
	free(names);
	free(f.domains);
	free(f.raw);
	c->flushing = false;
	if (rc == 0)
		write_worked(c);
	return rc;
}

int
cache_put_batch(struct cache *c, const char *const *domains,
    const struct cache_record *const *recs, size_t n)
{
	struct put_arg	a = { domains, recs, NULL, n };
	size_t		i;

	for (i = 0; i < n; i++)
		overlay_del(c->ov, domains[i]);
	return write_txn(c, "put_batch", put_fn, &a);
}

int
cache_put_raw(struct cache *c, const char *domain, struct span bytes)
{
	struct put_arg	a = { &domain, NULL, &bytes, 1 };

	overlay_del(c->ov, domain);
	return write_txn(c, "put_raw", put_fn, &a);
}

void
cache_test_fail_writes(struct cache *c, bool on)
{
	c->fail_writes = on;
}

static int
meta_fn(struct cache *c, MDB_txn *t, void *arg)
{
	const struct put_arg	*a = arg;
	char			 key[CACHE_MAX_META_KEY + 1];
	MDB_val			 k, v;
	size_t			 n = strnlen(a->domains[0], sizeof(key));

	if (n == 0 || n == sizeof(key))
		return -1;
	memcpy(key, a->domains[0], n);
	buf_reset(&c->enc);
	if (buf_add_span(&c->enc, *a->raw) == -1)
		return -1;
	k.mv_data = key;
	k.mv_size = n;
	v.mv_data = c->enc.p;
	v.mv_size = c->enc.len;
	return mdb_put(t, c->meta, &k, &v, 0);
}

int
cache_put_meta_raw(struct cache *c, const char *key, struct span bytes)
{
	struct put_arg	a = { &key, NULL, &bytes, 1 };

	return write_txn(c, "put_meta_raw", meta_fn, &a);
}

static int
delete_fn(struct cache *c, MDB_txn *t, void *arg)
{
	struct cache_key	*k = arg;
	int			 rc;

	rc = mdb_del(t, c->policies, &k->val, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
cache_delete(struct cache *c, const char *domain)
{
	struct cache_key	k;

	if (key_make(domain, &k) == -1) {
		log_errx("cache delete domain=%s error=\"invalid name\"",
		    domain_esc(domain));
		return -1;
	}
	overlay_del(c->ov, k.name);
	if (write_txn(c, "delete", delete_fn, &k) == -1)
		return -1;
	unnote_corrupt(c, k.name);
	return 0;
}

static int
drop_fn(struct cache *c, MDB_txn *t, void *arg)
{
	(void)arg;
	return mdb_drop(t, c->policies, 0);
}

int
cache_delete_all(struct cache *c)
{
	size_t	i;

	overlay_clear(c->ov);
	if (write_txn(c, "delete_all", drop_fn, NULL) == -1)
		return -1;
	for (i = 0; i < c->nnoted; i++)
		free(c->noted[i]);
	c->nnoted = 0;
	c->noted_full = false;
	return 0;
}

struct touch_arg {
	const char *const	*domains;
	const int64_t		*times;
	size_t			 n;
};

static int
touch_fn(struct cache *c, MDB_txn *t, void *arg)
{
	struct touch_arg	*a = arg;
	struct cache_record	 r;
	struct cache_key	 k;
	MDB_val			 v;
	const char		*why;
	size_t			 i;
	int			 rc;

	for (i = 0; i < a->n; i++) {
		if (key_make(a->domains[i], &k) == -1 || a->times[i] < 0) {
			log_errx("cache touch domain=%s error=\"invalid name "
			    "or time\"", domain_esc(a->domains[i]));
			continue;
		}
		rc = mdb_get(t, c->policies, &k.val, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		/* Corrupt records are left for cache_get() to report. */
		if (cache_record_decode(span_make(v.mv_data, v.mv_size), &r,
		    &why) == -1)
			continue;
		if (r.last_query >= a->times[i]) {
			cache_record_clear(&r);
			continue;
		}
		r.last_query = a->times[i];
		buf_reset(&c->enc);
		rc = cache_record_encode(&r, &c->enc);
		cache_record_clear(&r);
		if (rc == -1)
			return -1;
		v.mv_data = c->enc.p;
		v.mv_size = c->enc.len;
		if ((rc = mdb_put(t, c->policies, &k.val, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The last-query time of domain in memory too.  A dirty record keeps
 * it until it is written; a clean one becomes dirty when the touch
 * could not be written.
 */
static void
touch_overlay(struct cache *c, const char *domain, int64_t t, bool failed)
{
	const struct buf	*mem;
	struct cache_record	 r;
	const char		*why;
	bool			 dirty;

	if ((mem = overlay_get(c->ov, domain, &dirty)) == NULL)
		return;
	if (cache_record_decode(buf_span(mem), &r, &why) == -1) {
		overlay_del(c->ov, domain);
		return;
	}
	if (r.last_query < t) {
		r.last_query = t;
		if (encode_for(domain, &r, &c->enc) == 0)
			(void)overlay_put(c->ov, domain, buf_span(&c->enc),
			    dirty || failed);
		else
			overlay_del(c->ov, domain);
	}
	cache_record_clear(&r);
}

int
cache_touch_batch(struct cache *c, const char *const *domains,
    const int64_t *times, size_t n)
{
	struct touch_arg	a = { domains, times, n };
	int			rc;
	size_t			i;

	if (n == 0)
		return 0;
	rc = write_txn(c, "touch_batch", touch_fn, &a);
	for (i = 0; i < n; i++)
		touch_overlay(c, domains[i], times[i], rc == -1);
	if (rc == 0)
		write_worked(c);
	return rc;
}

struct page_entry {
	char			 key[DOMAIN_MAX_NAME + 1];
	struct cache_record	 rec;
	const char		*why;	/* static; NULL: rec is good */
};

/* Copy up to max records after `after` into ents, in one read txn. */
static int
read_page(struct cache *c, const char *after, struct page_entry *ents,
    size_t max, size_t *n)
{
	struct cache_key	 k;
	MDB_txn			*t;
	MDB_cursor		*cur;
	MDB_val			 key, v;
	int			 rc;

	*n = 0;
	if (after[0] != '\0' && key_make(after, &k) == -1) {
		log_errx("cache iterate after=%s error=\"invalid name\"",
		    domain_esc(after));
		return -1;
	}
	if ((rc = read_begin(c, &t)) != 0)
		goto lmdb;
	if ((rc = mdb_cursor_open(t, c->policies, &cur)) != 0) {
		read_end(c);
		goto lmdb;
	}
	if (after[0] == '\0')
		rc = mdb_cursor_get(cur, &key, &v, MDB_FIRST);
	else {
		key = k.val;
		rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
		if (rc == 0 && key.mv_size == k.val.mv_size &&
		    memcmp(key.mv_data, k.name, key.mv_size) == 0)
			rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT);
	}
	for (; rc == 0 && *n < max; (*n)++) {
		/*
		 * Every key we write is a valid name; anything else means
		 * the store was written by someone else, and paging past a
		 * key "last" cannot hold would never end.
		 */
		if (key.mv_size == 0 || key.mv_size > DOMAIN_MAX_NAME ||
		    !domain_is_valid(span_make(key.mv_data, key.mv_size))) {
			log_errx("cache iterate dir=%s error=\"invalid key in "
			    "store\"", c->dir);
			rc = -1;
			break;
		}
		memcpy(ents[*n].key, key.mv_data, key.mv_size);
		ents[*n].key[key.mv_size] = '\0';
		ents[*n].why = NULL;
		if (cache_record_decode(span_make(v.mv_data, v.mv_size),
		    &ents[*n].rec, &ents[*n].why) == -1 &&
		    ents[*n].why == NULL)
			ents[*n].why = "undecodable";
		rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	read_end(c);
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
	if (rc == -1)
		return -1;
lmdb:
	log_errx("cache iterate dir=%s error=\"%s\"", c->dir,
	    mdb_strerror(rc));
	return -1;
}

struct merge_acc {
	const char		*after;
	const char		*upto;		/* NULL: no upper bound */
	struct page_entry	*ents;
	size_t			 n, max;
};

static int
page_cmp(const void *a, const void *b)
{
	return strcmp(((const struct page_entry *)a)->key,
	    ((const struct page_entry *)b)->key);
}

/* A dirty record that is not on disk and falls in the page's range. */
static void
merge_collect(void *arg, const char *domain, struct span enc)
{
	struct merge_acc	*m = arg;
	struct page_entry	*e;
	const char		*why;
	size_t			 i;

	if (strcmp(domain, m->after) <= 0 ||
	    (m->upto != NULL && strcmp(domain, m->upto) > 0))
		return;
	for (i = 0; i < m->n; i++)
		if (strcmp(m->ents[i].key, domain) == 0) {
			/* On disk too: the unwritten one is newer. */
			cache_record_clear(&m->ents[i].rec);
			m->ents[i].why = NULL;
			if (cache_record_decode(enc, &m->ents[i].rec,
			    &why) == -1)
				m->ents[i].why = why;
			return;
		}
	if (m->n == m->max)
		return;
	e = &m->ents[m->n++];
	memcpy(e->key, domain, strlen(domain) + 1);
	e->why = NULL;
	if (cache_record_decode(enc, &e->rec, &why) == -1)
		e->why = why;
}

/*
 * Merge the unwritten records into a page of n records read from disk
 * (ents has room for max): each replaces its older copy, and one that is
 * not on disk joins the page when its key falls in the page's range.
 * The page stays sorted and at most max long, so paging on from its
 * last key misses nothing.  Returns the new count.
 */
static size_t
merge_dirty(struct cache *c, const char *after, struct page_entry *ents,
    size_t n, size_t max)
{
	struct merge_acc	 m;
	struct page_entry	*all;
	size_t			 i, total;

	/* Room for the page plus every dirty record. */
	total = n + overlay_dirty_count(c->ov);
	all = xcalloc(total, sizeof(*all));
	for (i = 0; i < n; i++)
		all[i] = ents[i];		/* moved */
	m.after = after;
	m.upto = n == max ? ents[n - 1].key : NULL;
	m.ents = all;
	m.n = n;
	m.max = total;
	if (m.upto != NULL) {
		/* ents[n - 1] moved into all: point at the copy. */
		m.upto = all[n - 1].key;
	}
	overlay_foreach_dirty(c->ov, merge_collect, &m);
	qsort(all, m.n, sizeof(*all), page_cmp);
	for (i = 0; i < m.n && i < max; i++)
		ents[i] = all[i];
	for (; i < m.n; i++)
		cache_record_clear(&all[i].rec);
	free(all);
	return m.n < max ? m.n : max;
}

int
cache_iterate(struct cache *c, const char *after, size_t max,
    cache_iter_fn *fn, void *arg, char *last)
{
	struct page_entry	*ents;
	size_t			 n = 0, i, visited = 0;
	int			 rc;

	if (max > CACHE_MAX_PAGE)
		max = CACHE_MAX_PAGE;
	if (max == 0)
		return 0;
	ents = xcalloc(max, sizeof(*ents));
	for (i = 0; i < max; i++)
		cache_record_init(&ents[i].rec);
	rc = read_page(c, after, ents, max, &n);
	if (rc == 0 && overlay_dirty_count(c->ov) > 0)
		n = merge_dirty(c, after, ents, n, max);
	for (i = 0; rc == 0 && i < n; i++) {
		memcpy(last, ents[i].key, sizeof(ents[i].key));
		visited++;
		if (ents[i].why != NULL) {
			note_corrupt(c, span_str(ents[i].key), ents[i].why);
			continue;
		}
		if (fn(arg, ents[i].key, &ents[i].rec) != 0)
			break;
	}
	for (i = 0; i < n; i++)
		cache_record_clear(&ents[i].rec);
	free(ents);
	return rc == 0 ? (int)visited : -1;
}

void
cache_get_info(struct cache *c, struct cache_info *info)
{
	MDB_envinfo	 ei;
	MDB_stat	 st;
	MDB_txn		*t;

	memset(info, 0, sizeof(*info));
	info->corrupt_seen = c->corrupt_seen;
	info->unwritten = overlay_dirty_count(c->ov);
	info->write_errors = c->write_errors;
	info->writes_failing = c->writes_failing;
	if (mdb_env_info(c->env, &ei) == 0 &&
	    mdb_env_stat(c->env, &st) == 0) {
		info->map_size = ei.me_mapsize;
		info->used_bytes = ((uint64_t)ei.me_last_pgno + 1) *
		    st.ms_psize;
	}
	if (read_begin(c, &t) == 0) {
		if (mdb_stat(t, c->policies, &st) == 0)
			info->records = st.ms_entries;
		read_end(c);
	}
}
