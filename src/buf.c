/*
 * buf.c: spans, capped buffers and ASCII helpers.  See buf.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void
oom(void)
{
	/* Every size we allocate is capped first; this is a real OOM. */
	fputs("mta-stsd: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		oom();
	if ((p = realloc(old, n * size == 0 ? 1 : n * size)) == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		oom();
	return p;
}

struct span
span_str(const char *s)
{
	struct span	sp;

	sp.p = (const uint8_t *)s;
	sp.len = strlen(s);
	return sp;
}

struct span
span_make(const void *p, size_t len)
{
	struct span	sp;

	sp.p = p;
	sp.len = len;
	return sp;
}

struct span
span_tail(struct span s, size_t off)
{
	if (off >= s.len)
		return span_make(NULL, 0);
	return span_make(s.p + off, s.len - off);
}

struct span
span_head(struct span s, size_t n)
{
	if (n < s.len)
		s.len = n;
	return s;
}

bool
span_eq(struct span a, struct span b)
{
	if (a.len != b.len)
		return false;
	return a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
}

bool
span_eq_str(struct span s, const char *str)
{
	return span_eq(s, span_str(str));
}

bool
span_starts_with(struct span s, const char *prefix)
{
	size_t	n = strlen(prefix);

	return s.len >= n && (n == 0 || memcmp(s.p, prefix, n) == 0);
}

long
span_find(struct span s, uint8_t c)
{
	size_t	i;

	for (i = 0; i < s.len; i++)
		if (s.p[i] == c)
			return (long)i;
	return -1;
}

bool
span_contains(struct span s, const char *needle)
{
	size_t	n = strlen(needle), i;

	for (i = 0; s.len >= n && i <= s.len - n; i++)
		if (memcmp(s.p + i, needle, n) == 0)
			return true;
	return false;
}

size_t
text_vappendf(char *dst, size_t size, size_t len, const char *fmt,
    va_list ap)
{
	int	n;

	if (size == 0)
		return 0;
	if (len >= size)
		len = size - 1;
	n = vsnprintf(dst + len, size - len, fmt, ap);
	if (n < 0) {
		dst[len] = '\0';
		return len;
	}
	if ((size_t)n >= size - len)
		return size - 1;
	return len + (size_t)n;
}

size_t
text_append_esc(char *dst, size_t size, size_t len, struct span s,
    size_t max)
{
	if (len >= size || size - len < 5)
		return len;
	return len + span_esc(s, max, dst + len, size - len);
}

size_t
span_skip_wsp(struct span s, size_t i)
{
	while (i < s.len && ascii_is_wsp(s.p[i]))
		i++;
	return i;
}

struct span
span_trim_wsp(struct span s)
{
	while (s.len > 0 && ascii_is_wsp(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && ascii_is_wsp(s.p[s.len - 1]))
		s.len--;
	return s;
}

char *
span_strdup(struct span s)
{
	char	*p;

	p = xmalloc(s.len + 1);
	if (s.len > 0)
		memcpy(p, s.p, s.len);
	p[s.len] = '\0';
	return p;
}

size_t
span_esc(struct span s, size_t max, char *out, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*o = out;
	size_t			 room, i, n;

	if (size == 0)
		return 0;
	if (size < 5) {
		out[0] = '\0';
		return 0;
	}
	room = size - 4;	/* "..." and the NUL */
	n = s.len < max ? s.len : max;
	for (i = 0; i < n; i++) {
		uint8_t	c = s.p[i];

		if (ascii_is_print(c) && c != '"' && c != '\\') {
			if (room < 1)
				break;
			*o++ = (char)c;
			room--;
		} else {
			if (room < 4)
				break;
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
			room -= 4;
		}
	}
	if (i < s.len) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return (size_t)(o - out);
}

int
span_to_u64(struct span s, size_t maxdigits, bool no_lead_zero, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	*out = 0;
	if (s.len == 0 || s.len > maxdigits)
		return -1;
	if (no_lead_zero && s.len > 1 && s.p[0] == '0')
		return -1;
	for (i = 0; i < s.len; i++) {
		unsigned	d;

		if (!ascii_is_digit(s.p[i]))
			return -1;
		d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_clear(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

/*
 * Eight bytes at a time (a reply can be 100 KB and is checked on every
 * query): a byte is out of range when its top bit is set, when adding 1
 * sets it (0x7f), or when subtracting 0x20 borrows into it (< 0x20).
 * Carries and borrows only spill over from a byte that is out of range
 * itself, so they cannot hide one or invent one in a clean word.
 */
bool
span_is_print(struct span s)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	uint64_t	x, bad = 0;
	size_t		i = 0;

	for (; s.len - i >= 8; i += 8) {
		memcpy(&x, s.p + i, 8);
		bad |= (x | (x + ones) | ((x - 0x20 * ones) & ~x)) & high;
	}
	for (; i < s.len; i++)
		bad |= !ascii_is_print(s.p[i]);
	return bad == 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	if (b->max - b->len < n)
		return -1;
	if (b->cap - b->len < n) {
		b->p = xreallocarray(b->p, b->len + n, 1);
		b->cap = b->len + n;
	}
	return 0;
}

int
buf_add(struct buf *b, const void *data, size_t n)
{
	size_t	ncap;

	if (n == 0)
		return 0;
	if (b->max - b->len < n)
		return -1;
	if (b->cap - b->len < n) {
		ncap = b->cap == 0 ? 64 : b->cap;
		while (ncap - b->len < n)
			ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
		if (ncap > b->max)
			ncap = b->max;
		b->p = xreallocarray(b->p, ncap, 1);
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

int
buf_add_span(struct buf *b, struct span s)
{
	return buf_add(b, s.p, s.len);
}

int
buf_add_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_add_byte(struct buf *b, uint8_t c)
{
	return buf_add(b, &c, 1);
}

int
buf_add_u64(struct buf *b, uint64_t v)
{
	char	tmp[24];
	int	n;

	n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return buf_add(b, tmp, (size_t)n);
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

struct span
buf_span(const struct buf *b)
{
	return span_make(b->p, b->len);
}

char *
buf_strdup(const struct buf *b)
{
	return span_strdup(buf_span(b));
}
