/*
 * socketmap.h: Postfix socketmap requests and replies (socketmap_table(5)).
 *
 * Pure module.  A request is the payload of one netstring, "NAME KEY";
 * a reply is "OK DATA", "NOTFOUND ", "TEMP REASON", "TIMEOUT REASON" or
 * "PERM REASON", framed as a netstring.  This module only checks and
 * splits requests and frames replies: what the answer is comes from the
 * lookup layer.
 */
#ifndef MTASTSD_SOCKETMAP_H
#define MTASTSD_SOCKETMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Request cap.  The longest sensible key is a bracketed relay next-hop
 * with a port, "[" + 253-octet name + "]:65535" (262 bytes), or a UTF-8
 * domain for SMTPUTF8 mail, whose U-labels take up to four bytes per
 * character; 1024 bytes covers both with room to spare.  Postfix 3.7
 * itself puts no limit on the query, so this cap is ours to enforce.
 */
#define SOCKETMAP_MAX_NAME	64
#define SOCKETMAP_MAX_KEY	1024
#define SOCKETMAP_MAX_REQUEST	(SOCKETMAP_MAX_NAME + 1 + SOCKETMAP_MAX_KEY)
/* Postfix reads replies of at most 100000 bytes (dict_sockmap.c). */
#define SOCKETMAP_MAX_REPLY	100000

enum socketmap_status {
	SOCKETMAP_OK,
	SOCKETMAP_NOTFOUND,
	SOCKETMAP_TEMP,
	SOCKETMAP_TIMEOUT,
	SOCKETMAP_PERM
};

struct socketmap_request {
	struct span	name;	/* borrowed from the request payload */
	struct span	key;	/* borrowed from the request payload */
};

/*
 * Split a request payload into name and key.
 *	request = name SP key
 *	name    = 1*64(%x21-7E)
 *	key     = 1*1024(%x21-FF / SP)	; bytes >= 0x80 allowed (UTF-8)
 * The split is at the first space.  NUL and other control bytes (and DEL)
 * anywhere, an empty name or key, a missing space and over-long parts
 * are refused with *why set.
 */
int	socketmap_request_parse(struct span payload,
	    struct socketmap_request *out, const char **why);

/* The reply word for a status ("OK", "NOTFOUND", ...). */
const char *socketmap_status_name(enum socketmap_status);

/*
 * Append the framed reply "STATUS DATA" to out.  NOTFOUND ignores data
 * and is sent as "NOTFOUND ".  OK requires non-empty data (a bare "OK"
 * reads as not found on Postfix 3.7).  Data must be printable ASCII and
 * the whole reply must fit SOCKETMAP_MAX_REPLY; otherwise -1 and out is
 * unchanged.
 */
int	socketmap_reply_encode(struct buf *out, enum socketmap_status,
	    struct span data);

#endif
