/*
 * netstring.h: netstring framing ("LEN:PAYLOAD,") as used by Postfix's
 * socketmap protocol (socketmap_table(5)).
 *
 * Pure module.  The decoder works on whatever bytes have arrived so far
 * and decides as early as possible: a length prefix above the caller's
 * cap is rejected as soon as its digits show it, before the payload is
 * awaited or stored.
 */
#ifndef MTASTSD_NETSTRING_H
#define MTASTSD_NETSTRING_H

#include <stddef.h>

#include "buf.h"

/* Digits needed to write SIZE_MAX; a hard bound on any length prefix. */
#define NETSTRING_MAX_DIGITS	20

enum netstring_status {
	NETSTRING_OK,		/* *payload and *consumed are set */
	NETSTRING_MORE,		/* a valid prefix; wait for more bytes */
	NETSTRING_TOO_LONG,	/* the declared length exceeds the cap */
	NETSTRING_BAD		/* malformed framing; the stream is lost */
};

/*
 * Decode one netstring from the start of in, allowing payloads of at most
 * max bytes.  Grammar (D. J. Bernstein, "Netstrings"; socketmap_table(5)):
 *	netstring = length ":" payload ","
 *	length    = "0" / %x31-39 *DIGIT	; no leading zeros, no sign
 * On NETSTRING_OK, *payload borrows from in and *consumed is the size of
 * the whole frame.  On NETSTRING_TOO_LONG and NETSTRING_BAD, *why says
 * what is wrong.
 */
enum netstring_status netstring_decode(struct span in, size_t max,
	    struct span *payload, size_t *consumed, const char **why);

/* Largest frame netstring_decode() accepts for a payload cap of max. */
size_t	netstring_frame_max(size_t max);

/* Append "LEN:payload," to out; -1 if out's cap would be exceeded. */
int	netstring_encode(struct buf *out, struct span payload);

#endif
