/*
 * testdata.h: helpers for the unit tests and fuzz targets: locate and
 * read corpus files under $TEST_DATA_DIR (default "tests/unit/data"),
 * and decode TXT RRsets written in zone-file presentation form.
 *
 * Test code only; aborts on I/O errors it cannot report otherwise.
 */
#ifndef MTASTSD_TESTDATA_H
#define MTASTSD_TESTDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "sts_txt.h"

#define TESTDATA_MAX_FILE	(1024 * 1024)
#define TESTDATA_MAX_RECORDS	64
#define TESTDATA_MAX_STRINGS	256	/* over all records */

/* The corpus root: $TEST_DATA_DIR, or "tests/unit/data". */
const char	*testdata_dir(void);

/* Read <root>/<rel> into b (reset first, capped at b->max).  0 or -1. */
int		 testdata_read(const char *, struct buf *);

/*
 * The names of the files in <root>/<sub> ending in suffix, suffix cut
 * off, sorted; *n is set.  Returns a heap array of heap strings (free
 * with testdata_list_free()), NULL when the directory cannot be read.
 */
char		**testdata_list(const char *, const char *, size_t *);
void		 testdata_list_free(char **, size_t);

/*
 * A TXT RRset: one record per line, each a sequence of quoted
 * character-strings separated by SP/HTAB, as in a zone file ("v=STSv1; "
 * "id=1"), with \" \\ and \DDD escapes.  Empty lines and lines starting
 * with '#' are skipped.
 */
struct testdata_txt {
	uint8_t			*bytes;		/* owned, decoded strings */
	struct span		 strings[TESTDATA_MAX_STRINGS];
	size_t			 nstrings;
	struct sts_txt_record	 recs[TESTDATA_MAX_RECORDS];
	size_t			 nrecs;
};

/*
 * Decode in into t.  With raw_fallback (for fuzzing), a line that does
 * not decode becomes one string holding the raw line, and excess records
 * or strings are dropped; otherwise either is an error (-1).  Call
 * testdata_txt_clear() afterwards either way.
 */
int		 testdata_txt_parse(struct span, struct testdata_txt *, bool);
void		 testdata_txt_clear(struct testdata_txt *);

#endif
