/*
 * buf.h: borrowed byte ranges (struct span), owned capped buffers
 * (struct buf) and ASCII helpers for untrusted bytes.
 *
 * Pure module: no I/O, no logging, no event or network library.  A span
 * borrows bytes it does not own and is never NUL-terminated by contract.
 * A buf owns its storage and never grows past the maximum fixed at init,
 * so a peer can never make it allocate more than that.
 *
 * The x*alloc() functions abort on out-of-memory; callers only use them
 * with sizes that are already capped.
 */
#ifndef MTASTSD_BUF_H
#define MTASTSD_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct span {
	const uint8_t	*p;	/* borrowed; may be NULL when len == 0 */
	size_t		 len;
};

struct buf {
	uint8_t		*p;	/* owned; NULL until the first byte */
	size_t		 len;
	size_t		 cap;
	size_t		 max;	/* hard limit on len */
};

void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);

/* Make a span from a NUL-terminated string we own (never peer text). */
struct span	 span_str(const char *);
struct span	 span_make(const void *, size_t);
/* Bytes [off, len) of s; an empty span when off >= s.len. */
struct span	 span_tail(struct span, size_t);
/* The first n bytes of s (all of s when n >= s.len). */
struct span	 span_head(struct span, size_t);
bool		 span_eq(struct span, struct span);
bool		 span_eq_str(struct span, const char *);
bool		 span_starts_with(struct span, const char *);
/* Index of the first c in s, or -1 when absent. */
long		 span_find(struct span, uint8_t);
/* s without leading and trailing SP / HTAB. */
struct span	 span_trim_wsp(struct span);
/* The offset of the first non-WSP byte of s at or after i (or s.len). */
size_t		 span_skip_wsp(struct span, size_t);
/* A NUL-terminated heap copy; the caller frees it. */
char		*span_strdup(struct span);
/*
 * The one escaping rule for peer text (bytes a remote party or a local
 * client chose) in log lines, control answers and mta-stsctl output:
 * write at most max bytes of s into out (size bytes, always
 * NUL-terminated when size > 0), keeping the printable ASCII bytes
 * 0x20..0x7e except the double quote and the backslash; those two, the
 * controls, DEL and every non-ASCII byte become \xNN, and "..." marks a
 * cut.  Spaces are kept, so the output can neither end a "quoted" value
 * nor start a line of its own; a caller that puts it where a space
 * would end the value quotes it (log_esc() does).
 * Writes nothing but the NUL when size < 5.  Returns the length written.
 */
size_t		 span_esc(struct span, size_t, char *, size_t);
/* Whether needle (a C string) occurs in s; an empty needle always does. */
bool		 span_contains(struct span, const char *);

/*
 * Fixed-size text such as failure reasons: dst holds len bytes of text
 * and its NUL in size bytes.  Both append, cut what does not fit (the
 * text stays NUL-terminated) and return the new length.
 * text_append_esc() writes at most max bytes of peer text s through
 * span_esc(), and nothing when fewer than 5 bytes are left.
 */
size_t		 text_vappendf(char *, size_t, size_t, const char *, va_list)
		    __attribute__((format(printf, 4, 0)));
size_t		 text_append_esc(char *, size_t, size_t, struct span, size_t);

/* ASCII character classes with explicit ranges (never <ctype.h>). */
/*
 * ASCII classes with explicit ranges (never <ctype.h> on plain char).
 * Inline: the parsers and the reply encoder run them on every byte.
 */
static inline bool
ascii_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ascii_is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
ascii_is_alnum(uint8_t c)
{
	return ascii_is_alpha(c) || ascii_is_digit(c);
}

/* SP or HTAB */
static inline bool
ascii_is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* 0x20..0x7e */
static inline bool
ascii_is_print(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

static inline uint8_t
ascii_lower(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A' + 'a');
	return c;
}

/*
 * Parse s as an unsigned decimal of 1..maxdigits digits with no sign,
 * no spaces and (when no_lead_zero) no leading zero unless the value is
 * exactly "0".  Fails on overflow of UINT64_MAX as well.
 */
int		 span_to_u64(struct span, size_t, bool, uint64_t *);

void		 buf_init(struct buf *, size_t);
void		 buf_clear(struct buf *);	/* frees storage */
void		 buf_reset(struct buf *);	/* len = 0, keeps storage */
/* Every byte of s is printable ASCII (0x20..0x7e); true when empty. */
bool		 span_is_print(struct span);
/*
 * Make room for n more bytes at once (one allocation instead of a
 * doubling series); -1 when that would pass max.
 */
int		 buf_reserve(struct buf *, size_t);
/* Append; -1 (and nothing appended) when max would be exceeded. */
int		 buf_add(struct buf *, const void *, size_t);
int		 buf_add_span(struct buf *, struct span);
int		 buf_add_str(struct buf *, const char *);
int		 buf_add_byte(struct buf *, uint8_t);
int		 buf_add_u64(struct buf *, uint64_t);
/* Drop the first n bytes (all when n >= len). */
void		 buf_consume(struct buf *, size_t);
struct span	 buf_span(const struct buf *);
/* A NUL-terminated heap copy of the contents; the caller frees it. */
char		*buf_strdup(const struct buf *);

#endif
