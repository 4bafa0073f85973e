/*
 * cache.h: the persistent MTA-STS policy cache (RFC 8461 §5, trust on
 * first use) and its versioned record codec.
 *
 * A sender is protected only while it remembers a domain's policy, so the
 * cache must survive restarts and crashes and keep answering while DNS
 * and HTTPS are blocked.  It is one LMDB environment in a directory with
 * two named databases: "policies" (key = normalised A-label domain, value
 * = an encoded struct cache_record) and "meta" (key "format" = the store
 * format version, written when the store is created).
 *
 * This is the only file that includes lmdb.h; no LMDB type leaves it.
 * cache.c logs (corrupt records once per domain as warnings, its own
 * failures as errors).  The codec functions are pure and are what the
 * tests and the fuzzer drive.
 *
 * Durability: LMDB's default full sync (neither MDB_NOSYNC nor
 * MDB_NOMETASYNC).  cache_put() returns 0 only after the write
 * transaction is committed and fdatasync()ed, so a policy that any client
 * has seen survives kill -9, a crash or a power loss.  MDB_NOSYNC could
 * leave a store that is corrupt after a system crash; MDB_NOMETASYNC
 * would be safe (it may only lose the last transaction) but can lose a
 * policy already served.  The daemon writes once per fetched or refreshed
 * policy, so one sync per write costs nothing that matters; bulk writers
 * (tests, the benchmark, an import) use cache_put_batch().  LMDB's
 * copy-on-write B-tree never leaves a half-written store: after an
 * unclean shutdown the last committed transaction is read back.
 *
 * Processes: open the cache after any fork() (an LMDB environment must
 * not cross a fork) and only once per process.  Reader slots left behind
 * by a crashed process are reclaimed at open.  Single-threaded (the
 * environment is opened with MDB_NOTLS).
 *
 * Memory: the records the daemon wrote or read lately are kept in memory
 * as their encoding (cache_overlay.h), so a read needs no transaction
 * and a read error of a domain in use is answered from memory.  Records
 * whose write failed (disk full, map at its cap, read-only file system)
 * or that were put lazily are kept there too, bounded, never forgotten
 * before they are written, and merged into every read (cache_get(),
 * cache_iterate()).  Write failures are logged when they start and when
 * writes work again, and counted in cache_get_info().
 *
 * Recovery: a store that cannot be opened (not LMDB, written by an
 * unknown format or LMDB version) makes cache_open() fail with a message
 * saying so; the way out is to stop the daemon and delete data.mdb and
 * lock.mdb in the cache directory.  Only cached policies are lost: they
 * are fetched again on the next lookups.
 */
#ifndef MTASTSD_CACHE_H
#define MTASTSD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "domain.h"
#include "sts_policy.h"
#include "sts_txt.h"

#define CACHE_RECORD_VERSION	2	/* first byte of a record */
/* The oldest record version cache_record_decode() still reads. */
#define CACHE_RECORD_VERSION_MIN	1
#define CACHE_FORMAT_VERSION	1	/* meta "format": store layout */
#define CACHE_MAX_FAILURE	128	/* failure reason bytes kept */
/* The largest encoding of a valid record (100 mx of 255 bytes). */
#define CACHE_MAX_RECORD	32768
/* The map is a sparse file: its size costs no disk until used. */
#define CACHE_DEFAULT_MAP_SIZE	(1024ULL * 1024 * 1024)	/* 1 GiB */
/* The map grows (doubling) on MDB_MAP_FULL up to this. */
#define CACHE_MAX_MAP_SIZE	(16ULL * 1024 * 1024 * 1024)
/* Records decoded per cache_iterate() call at most. */
#define CACHE_MAX_PAGE		1000
/* Domains whose corrupt record was logged, remembered to log only once. */
#define CACHE_MAX_CORRUPT_NOTED	256

/*
 * What the last TXT check of a cached domain found.  It decides when the
 * TXT record is asked again (schedule_txt_next()); the back-off of a
 * failed fetch is kept apart (failed_id, failures, last_failure) and
 * decides only when that id is fetched again.
 */
enum cache_txt_state {
	CACHE_TXT_OK,		/* answered: the cached id or another one */
	CACHE_TXT_GONE,		/* NXDOMAIN, NODATA or no valid record */
	CACHE_TXT_FAILED	/* SERVFAIL, timeout, refused, malformed */
};

/* "ok", "gone", "failed". */
const char *cache_txt_state_name(enum cache_txt_state);

/* Times are unix seconds given by the caller; the codec reads no clock. */
struct cache_record {
	/* The TXT id the policy was fetched for: 1..32 [A-Za-z0-9]. */
	char			id[STS_TXT_MAX_ID + 1];
	struct sts_policy	policy;		/* owned (mx strings) */
	/* When the policy was fetched; valid until fetched + max_age. */
	int64_t			fetched;
	int64_t			txt_checked;	/* last TXT check, any result */
	/* OK: the answer's TTL; GONE: the negative TTL; FAILED: unused. */
	uint32_t		txt_ttl;
	enum cache_txt_state	txt_state;
	uint32_t		txt_failures;	/* FAILED checks in a row */
	int64_t			next_refresh;	/* refresh.c looks then */
	/* The fetch back-off of failed_id: */
	int64_t			last_failure;	/* 0 = none */
	uint32_t		failures;	/* failed fetches in a row */
	/* The last failure reason, printable ASCII, "" when none. */
	char			failure[CACHE_MAX_FAILURE + 1];
	/* The TXT id whose fetch last failed, "" when none (RFC 8461
	   §3.3: do not retry the same id too often). */
	char			failed_id[STS_TXT_MAX_ID + 1];
	int64_t			last_query;	/* client query (batched) */
};

/* An empty record (not valid to encode: it has no id). */
void	cache_record_init(struct cache_record *);
/* Free the policy and re-init; safe on an initialised record. */
void	cache_record_clear(struct cache_record *);
/*
 * Deep copy src into dst (overwritten, not cleared).  Returns 0, or -1
 * (dst empty) when src's policy is malformed.
 */
int	cache_record_copy(struct cache_record *, const struct cache_record *);

/*
 * The codec (pure).  Layout of version 2, integers big-endian, times
 * as two's complement int64 and never negative:
 *
 *	u8  version (CACHE_RECORD_VERSION)
 *	u8  id length (1..STS_TXT_MAX_ID), id ([A-Za-z0-9])
 *	u8  mode (0 enforce, 1 testing, 2 none)
 *	u32 max_age (<= STS_POLICY_MAX_AGE)
 *	i64 fetched, i64 txt_checked, u32 txt_ttl,
 *	u8  txt_state (0 ok, 1 gone, 2 failed), u32 txt_failures,
 *	i64 next_refresh, i64 last_failure, u32 failures
 *	u8  failure length (0..CACHE_MAX_FAILURE), failure (0x20..0x7e)
 *	u8  failed_id length (0..STS_TXT_MAX_ID), failed_id ([A-Za-z0-9])
 *	i64 last_query
 *	u8  mx count (0..STS_POLICY_MAX_MX; >= 1 unless mode is none)
 *	    per mx: u8 length (1..255), pattern (a domain_is_valid() name,
 *	    or "*." and one)
 *	no trailing bytes
 *
 * The encoding is canonical: a version 2 record decodes only from the
 * exact bytes its encoding produces.
 *
 * Version 1 (written by mta-stsd 0.1) is version 2 without txt_state and
 * txt_failures, and had one failure count for both TXT and fetch
 * failures.  It is still decoded, so an upgrade keeps every cached
 * policy: failures with a failed_id stay the fetch back-off of that id,
 * failures without one become a failed TXT state.  It re-encodes as
 * version 2 on the next write.
 *
 * cache_record_encode() appends the encoding to out; -1 (out unchanged)
 * when the record breaks a rule above or out's cap is reached, so the
 * cache never stores what it could not read back.
 * cache_record_decode() treats its input like network input.  It
 * overwrites out (not cleared first); returns 0, or -1 with *why a static
 * reason and out empty.
 */
int	cache_record_encode(const struct cache_record *, struct buf *);
int	cache_record_decode(struct span, struct cache_record *,
	    const char **);

struct cache_opts {
	const char	*dir;		/* borrowed; must exist */
	uint64_t	 map_size;	/* 0 = CACHE_DEFAULT_MAP_SIZE */
	uint64_t	 max_map_size;	/* growth cap; 0 = CACHE_MAX_MAP_SIZE */
	/* For mta-stsctl: no writes, no creation.  LMDB still needs
	   write access to lock.mdb (its reader table). */
	bool		 read_only;
};

struct cache;

/*
 * Open (creating when missing, unless read_only) the store in opts->dir.
 * Returns the handle, or NULL with a one-line message in err (the daemon
 * prints it and exits): missing directory, permission denied, not an
 * LMDB file, incompatible LMDB or store format version.  The message
 * names the directory and, where wiping it is the way out, says so.
 */
struct cache	*cache_open(const struct cache_opts *, char *, size_t);
/* Close; cache_close(NULL) is a no-op. */
void		 cache_close(struct cache *);

enum cache_status {
	CACHE_HIT,
	CACHE_MISS,
	CACHE_ERROR
};

/*
 * Look up domain (a normalised A-label name, NUL-terminated, at most
 * DOMAIN_MAX_NAME bytes).  CACHE_HIT fills out (overwritten, not
 * cleared: the caller clears it later).  A record that does not decode
 * is a CACHE_MISS, logged once per domain as a warning and replaced by
 * the next put.  CACHE_ERROR (logged) for an LMDB failure or a domain
 * that is not a valid name.  Out is empty unless CACHE_HIT.
 */
enum cache_status cache_get(struct cache *, const char *,
		    struct cache_record *);

/*
 * Store rec under domain.  Returns 0 once the write is committed and
 * synced, -1 otherwise: invalid domain or record, read-only cache, map
 * full even after growing to the cap, disk full, I/O error.  A valid
 * record whose write failed is still kept in memory (see "Memory"
 * below), served by cache_get() and written by the next cache_flush().
 */
int	cache_put(struct cache *, const char *, const struct cache_record *);
/*
 * Store rec in memory now and on disk with the next cache_flush(): for
 * changes a crash may lose (a re-confirmed TXT id), so that they cost no
 * synced write each.  0, or -1 (logged) for an invalid domain or record.
 */
int	cache_put_lazy(struct cache *, const char *,
	    const struct cache_record *);
/*
 * Write every record held only in memory, in as few transactions as
 * CACHE_MAX_PAGE allows.  0, or -1 when a write failed (they stay in
 * memory for the next try).
 */
int	cache_flush(struct cache *);
/*
 * Bulk load: n records in ONE write transaction, all or nothing (for
 * imports, tests and the benchmark; keep n to thousands, as LMDB caps the
 * pages one transaction may dirty).  0 or -1 as cache_put().
 */
int	cache_put_batch(struct cache *, const char *const *,
	    const struct cache_record *const *, size_t);
/* Remove domain's record; 0 also when absent, -1 on error. */
int	cache_delete(struct cache *, const char *);
/* Remove every record; 0 or -1. */
int	cache_delete_all(struct cache *);
/*
 * Set last_query = times[i] for domains[i], i < n, in one write
 * transaction, so cache hits never turn into writes: the caller keeps
 * usage in memory and flushes it periodically.  Domains without a
 * (decodable) record are skipped.  0 or -1.
 */
int	cache_touch_batch(struct cache *, const char *const *,
	    const int64_t *, size_t);

/*
 * Iterate in key order without a long read transaction.  fn is called
 * for up to max (at most CACHE_MAX_PAGE) records whose key sorts after
 * `after` ("" = from the start).  Records are decoded in one short read
 * transaction, which ends before fn is first called, so fn may call into
 * the cache (even delete); it returns 0 to go on, anything else to stop.
 * The record passed to fn is freed after fn returns.
 *
 * Returns the number of keys stepped over (records given to fn plus
 * corrupt ones skipped and counted), 0 at the end, -1 on error; *last
 * (DOMAIN_MAX_NAME + 1 bytes) gets the last key stepped over.  Page on
 * with after = last until 0 is returned.
 */
typedef int	cache_iter_fn(void *, const char *,
		    const struct cache_record *);
int	cache_iterate(struct cache *, const char *, size_t, cache_iter_fn *,
	    void *, char *);

struct cache_info {
	uint64_t	records;
	uint64_t	map_size;	/* current map size, bytes */
	uint64_t	used_bytes;	/* pages in use, bytes */
	uint64_t	corrupt_seen;	/* corrupt records met by get/iterate
					   (one met twice counts twice) */
	uint64_t	unwritten;	/* records known only in memory */
	uint64_t	write_errors;	/* failed write transactions */
	bool		writes_failing;	/* the last write failed */
};
void	cache_get_info(struct cache *, struct cache_info *);

/*
 * For tests only: make every write transaction fail (as a full disk
 * would) until called again with false.
 */
void	cache_test_fail_writes(struct cache *, bool);

/*
 * For tests only: store arbitrary bytes as domain's record, or as the
 * meta value of key (e.g. a foreign "format").  0 or -1.
 */
int	cache_put_raw(struct cache *, const char *, struct span);
int	cache_put_meta_raw(struct cache *, const char *, struct span);

#endif
