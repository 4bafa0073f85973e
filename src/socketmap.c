/*
 * socketmap.c: socketmap request parsing and reply framing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "netstring.h"
#include "socketmap.h"

static bool
is_control(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

int
socketmap_request_parse(struct span payload, struct socketmap_request *out,
    const char **why)
{
	size_t	i;
	long	sp;

	out->name = span_make(NULL, 0);
	out->key = span_make(NULL, 0);
	if (payload.len == 0) {
		*why = "empty request";
		return -1;
	}
	for (i = 0; i < payload.len; i++) {
		if (payload.p[i] == 0) {
			*why = "NUL byte in request";
			return -1;
		}
		if (is_control(payload.p[i])) {
			*why = "control byte in request";
			return -1;
		}
	}
	if ((sp = span_find(payload, ' ')) == -1) {
		*why = "no space between map name and key";
		return -1;
	}
	if (sp == 0) {
		*why = "empty map name";
		return -1;
	}
	if ((size_t)sp > SOCKETMAP_MAX_NAME) {
		*why = "map name too long";
		return -1;
	}
	if (payload.len - (size_t)sp - 1 == 0) {
		*why = "empty key";
		return -1;
	}
	if (payload.len - (size_t)sp - 1 > SOCKETMAP_MAX_KEY) {
		*why = "key too long";
		return -1;
	}
	out->name = span_head(payload, (size_t)sp);
	out->key = span_tail(payload, (size_t)sp + 1);
	return 0;
}

const char *
socketmap_status_name(enum socketmap_status st)
{
	switch (st) {
	case SOCKETMAP_OK:
		return "OK";
	case SOCKETMAP_NOTFOUND:
		return "NOTFOUND";
	case SOCKETMAP_TEMP:
		return "TEMP";
	case SOCKETMAP_TIMEOUT:
		return "TIMEOUT";
	case SOCKETMAP_PERM:
		return "PERM";
	}
	return "TEMP";
}

int
socketmap_reply_encode(struct buf *out, enum socketmap_status st,
    struct span data)
{
	const char	*word = socketmap_status_name(st);
	size_t		 len, start = out->len;

	if (st == SOCKETMAP_NOTFOUND)
		data = span_make(NULL, 0);
	else if (st == SOCKETMAP_OK && data.len == 0)
		return -1;
	if (!span_is_print(data))
		return -1;
	/* "LEN:WORD DATA," written once, in one allocation. */
	len = strlen(word) + 1 + data.len;
	if (len > SOCKETMAP_MAX_REPLY ||
	    buf_reserve(out, len + NETSTRING_MAX_DIGITS + 2) == -1 ||
	    buf_add_u64(out, len) == -1 || buf_add_byte(out, ':') == -1 ||
	    buf_add_str(out, word) == -1 || buf_add_byte(out, ' ') == -1 ||
	    buf_add_span(out, data) == -1 || buf_add_byte(out, ',') == -1) {
		out->len = start;
		return -1;
	}
	return 0;
}
