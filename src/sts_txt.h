/*
 * sts_txt.h: the "_mta-sts.DOMAIN" TXT record of RFC 8461 §3.1.
 *
 * Picks the single "v=STSv1" record out of a TXT RRset and extracts its
 * policy id.  The caller does the DNS query; this module only judges the
 * character-strings it got back.
 *
 * Pure module: no I/O, no logging.  Reason strings are static.
 */
#ifndef MTASTSD_STS_TXT_H
#define MTASTSD_STS_TXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define STS_TXT_MAX_ID		32
/* A TXT RR's RDATA is at most 65535 bytes, so its joined text is less. */
#define STS_TXT_MAX_RECORD	65535

enum sts_txt_status {
	STS_TXT_OK,
	STS_TXT_NONE,		/* no record begins with "v=STSv1" ";" */
	STS_TXT_MULTIPLE,	/* more than one such record */
	STS_TXT_NO_ID,		/* the one record is well formed, no id */
	STS_TXT_INVALID		/* the one record is malformed */
};

struct sts_txt {
	char	id[STS_TXT_MAX_ID + 1];	/* NUL-terminated, [A-Za-z0-9] */
	size_t	id_len;			/* 0 unless STS_TXT_OK */
};

/* One TXT RR, its character-strings kept apart. */
struct sts_txt_record {
	const struct span	*strings;	/* borrowed from the caller */
	size_t			 nstrings;
};

/*
 * Select the MTA-STS record from the TXT RRset recs[0..nrecs) and parse
 * it.  Each record's strings are joined without separators; records that
 * do not begin with "v=STSv1" *WSP ";" are discarded and neither count
 * nor conflict.  Returns STS_TXT_OK with out filled, or another status
 * with *why set and out empty.  STS_TXT_NO_ID and STS_TXT_INVALID both
 * mean "no usable record" per RFC 8461 §3.1; they are kept apart only so
 * that a diagnostic tool can say which.  Keeps no pointer.
 */
enum sts_txt_status	sts_txt_select(const struct sts_txt_record *, size_t,
			    struct sts_txt *, const char **);

/*
 * Parse one joined record.  Returns STS_TXT_OK, STS_TXT_NONE (not an
 * MTA-STS record), STS_TXT_NO_ID or STS_TXT_INVALID; never
 * STS_TXT_MULTIPLE.  On anything but STS_TXT_OK, *why is set and out is
 * empty.
 */
enum sts_txt_status	sts_txt_parse(struct span, struct sts_txt *,
			    const char **);

/* Whether a joined record begins with "v=STSv1" *WSP ";". */
bool	sts_txt_is_sts(struct span);

const char *sts_txt_status_name(enum sts_txt_status);

#endif
