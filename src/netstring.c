/*
 * netstring.c: netstring decode and encode.  See netstring.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "netstring.h"

static size_t
digits_of(size_t v)
{
	size_t	n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

size_t
netstring_frame_max(size_t max)
{
	return digits_of(max) + 1 + max + 1;
}

enum netstring_status
netstring_decode(struct span in, size_t max, struct span *payload,
    size_t *consumed, const char **why)
{
	size_t	 off = 0, len = 0, maxdigits = digits_of(max);

	*payload = span_make(NULL, 0);
	*consumed = 0;
	*why = NULL;

	while (off < in.len && ascii_is_digit(in.p[off])) {
		unsigned	d = (unsigned)(in.p[off] - '0');

		if (off == 1 && in.p[0] == '0') {
			*why = "length has a leading zero";
			return NETSTRING_BAD;
		}
		/* Decide on the digits alone: never await an oversized body. */
		if (off + 1 > maxdigits || d > max || len > (max - d) / 10) {
			*why = "declared length above the request cap";
			return NETSTRING_TOO_LONG;
		}
		len = len * 10 + d;
		off++;
	}
	if (off == in.len)
		return NETSTRING_MORE;
	if (off == 0) {
		*why = "length does not start with a digit";
		return NETSTRING_BAD;
	}
	if (in.p[off] != ':') {
		*why = "length not followed by ':'";
		return NETSTRING_BAD;
	}
	off++;
	/* The payload and the trailing comma must both be present. */
	if (in.len - off < len + 1)
		return NETSTRING_MORE;
	if (in.p[off + len] != ',') {
		*why = "payload not followed by ','";
		return NETSTRING_BAD;
	}
	*payload = span_make(in.p + off, len);
	*consumed = off + len + 1;
	return NETSTRING_OK;
}

int
netstring_encode(struct buf *out, struct span payload)
{
	size_t	 need = digits_of(payload.len) + 2 + payload.len;
	size_t	 start = out->len;

	if (out->max - out->len < need)
		return -1;
	if (buf_add_u64(out, payload.len) == -1 ||
	    buf_add_byte(out, ':') == -1 ||
	    buf_add_span(out, payload) == -1 ||
	    buf_add_byte(out, ',') == -1) {
		out->len = start;
		return -1;
	}
	return 0;
}
