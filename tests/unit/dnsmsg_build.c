/*
 * dnsmsg_build.c: DNS message writer for tests.  See dnsmsg_build.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsmsg_build.h"

#define DNSB_TYPE_CNAME 5
#define DNSB_TYPE_SOA   6
#define DNSB_TYPE_MX    15
#define DNSB_TYPE_TXT   16
#define DNSB_TYPE_A     1
#define DNSB_TYPE_AAAA  28
#define DNSB_TYPE_TLSA  52

static void
dnsb_room(struct dnsb *b, size_t n)
{
	if (DNSB_MAX - b->len < n)
		abort();
}

void
dnsb_init(struct dnsb *b)
{
	b->len = 0;
}

void
dnsb_u8(struct dnsb *b, unsigned v)
{
	dnsb_room(b, 1);
	b->p[b->len++] = (uint8_t)v;
}

void
dnsb_u16(struct dnsb *b, unsigned v)
{
	dnsb_u8(b, (v >> 8) & 0xff);
	dnsb_u8(b, v & 0xff);
}

void
dnsb_u32(struct dnsb *b, uint32_t v)
{
	dnsb_u16(b, (v >> 16) & 0xffff);
	dnsb_u16(b, v & 0xffff);
}

void
dnsb_bytes(struct dnsb *b, const void *p, size_t n)
{
	dnsb_room(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

size_t
dnsb_name(struct dnsb *b, const char *name)
{
	size_t start, l;
	const char *dot;

	start = b->len;
	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot == NULL ? strlen(name) : (size_t)(dot - name);
		dnsb_u8(b, (unsigned)l);
		dnsb_bytes(b, name, l);
		name += l;
		if (*name == '.')
			name++;
	}
	dnsb_u8(b, 0);
	return start;
}

void
dnsb_ptr(struct dnsb *b, size_t off)
{
	dnsb_u16(b, 0xc000 | (unsigned)off);
}

void
dnsb_owner(struct dnsb *b, const char *name)
{
	if (name == NULL)
		dnsb_ptr(b, 12);
	else
		dnsb_name(b, name);
}

void
dnsb_header(struct dnsb *b, unsigned flags, unsigned qd, unsigned an,
    unsigned ns, unsigned ar)
{
	dnsb_init(b);
	dnsb_u16(b, 0x1234);
	dnsb_u16(b, flags);
	dnsb_u16(b, qd);
	dnsb_u16(b, an);
	dnsb_u16(b, ns);
	dnsb_u16(b, ar);
}

void
dnsb_set_counts(
    struct dnsb *b, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	unsigned v[4] = {qd, an, ns, ar};
	int i;

	for (i = 0; i < 4; i++) {
		b->p[4 + 2 * i] = (uint8_t)(v[i] >> 8);
		b->p[5 + 2 * i] = (uint8_t)v[i];
	}
}

void
dnsb_question(struct dnsb *b, const char *name, unsigned type)
{
	dnsb_name(b, name);
	dnsb_u16(b, type);
	dnsb_u16(b, 1);
}

size_t
dnsb_rr_begin(struct dnsb *b, const char *owner, unsigned type, uint32_t ttl)
{
	size_t mark;

	dnsb_owner(b, owner);
	dnsb_u16(b, type);
	dnsb_u16(b, 1);
	dnsb_u32(b, ttl);
	mark = b->len;
	dnsb_u16(b, 0);
	return mark;
}

void
dnsb_rr_end(struct dnsb *b, size_t mark)
{
	size_t n;

	n = b->len - mark - 2;
	b->p[mark] = (uint8_t)(n >> 8);
	b->p[mark + 1] = (uint8_t)n;
}

void
dnsb_txt(struct dnsb *b, const char *owner, uint32_t ttl, ...)
{
	va_list ap;
	const char *s;
	size_t mark;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_TXT, ttl);
	va_start(ap, ttl);
	while ((s = va_arg(ap, const char *)) != NULL) {
		dnsb_u8(b, (unsigned)strlen(s));
		dnsb_bytes(b, s, strlen(s));
	}
	va_end(ap);
	dnsb_rr_end(b, mark);
}

void
dnsb_cname(struct dnsb *b, const char *owner, uint32_t ttl, const char *target)
{
	size_t mark;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_CNAME, ttl);
	dnsb_name(b, target);
	dnsb_rr_end(b, mark);
}

void
dnsb_a(struct dnsb *b, const char *owner, uint32_t ttl, unsigned a1,
    unsigned a2, unsigned a3, unsigned a4)
{
	size_t mark;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_A, ttl);
	dnsb_u8(b, a1);
	dnsb_u8(b, a2);
	dnsb_u8(b, a3);
	dnsb_u8(b, a4);
	dnsb_rr_end(b, mark);
}

void
dnsb_aaaa(struct dnsb *b, const char *owner, uint32_t ttl, const uint8_t *addr)
{
	size_t mark;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_AAAA, ttl);
	dnsb_bytes(b, addr, 16);
	dnsb_rr_end(b, mark);
}

void
dnsb_mx(struct dnsb *b, const char *owner, uint32_t ttl, unsigned pref,
    const char *exchange)
{
	size_t mark;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_MX, ttl);
	dnsb_u16(b, pref);
	dnsb_name(b, exchange);
	dnsb_rr_end(b, mark);
}

void
dnsb_soa(struct dnsb *b, const char *owner, uint32_t ttl, uint32_t minimum)
{
	size_t mark;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_SOA, ttl);
	dnsb_name(b, "ns1.example.net");
	dnsb_name(b, "hostmaster.example.net");
	dnsb_u32(b, 2024010101);
	dnsb_u32(b, 7200);
	dnsb_u32(b, 3600);
	dnsb_u32(b, 1209600);
	dnsb_u32(b, minimum);
	dnsb_rr_end(b, mark);
}

void
dnsb_tlsa(struct dnsb *b, const char *owner, uint32_t ttl, unsigned fill)
{
	size_t mark, i;

	mark = dnsb_rr_begin(b, owner, DNSB_TYPE_TLSA, ttl);
	dnsb_u8(b, 3); /* DANE-EE */
	dnsb_u8(b, 1); /* SPKI */
	dnsb_u8(b, 1); /* SHA-256 */
	for (i = 0; i < 32; i++)
		dnsb_u8(b, fill);
	dnsb_rr_end(b, mark);
}
