/*
 * dnsmsg_build.h: a tiny DNS message writer for the unit tests (and the
 * fuzz corpus generator).  Test code only: no bounds on purpose beyond
 * DNSB_MAX, a test that overflows it aborts.
 *
 * Owner names are text; NULL means "a compression pointer to the
 * question name" (offset 12), the usual server habit.
 */
#ifndef MTASTSD_DNSMSG_BUILD_H
#define MTASTSD_DNSMSG_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define DNSB_MAX 65535

#define DNSB_QR       0x8000
#define DNSB_AA       0x0400
#define DNSB_TC       0x0200
#define DNSB_RD       0x0100
#define DNSB_RA       0x0080
#define DNSB_RESPONSE (DNSB_QR | DNSB_RD | DNSB_RA)

struct dnsb {
	uint8_t p[DNSB_MAX];
	size_t len;
};

void dnsb_init(struct dnsb *);
void dnsb_u8(struct dnsb *, unsigned);
void dnsb_u16(struct dnsb *, unsigned);
void dnsb_u32(struct dnsb *, uint32_t);
void dnsb_bytes(struct dnsb *, const void *, size_t);
/* Uncompressed name ("a.b", "" for the root); returns its offset. */
size_t dnsb_name(struct dnsb *, const char *);
void dnsb_ptr(struct dnsb *, size_t);
void dnsb_owner(struct dnsb *, const char *);
/* Header with id 0x1234; flags include the RCODE. */
void dnsb_header(
    struct dnsb *, unsigned, unsigned, unsigned, unsigned, unsigned);
void dnsb_set_counts(struct dnsb *, unsigned, unsigned, unsigned, unsigned);
void dnsb_question(struct dnsb *, const char *, unsigned);
/* Owner, type, class IN, ttl; returns the RDLENGTH offset for _end. */
size_t dnsb_rr_begin(struct dnsb *, const char *, unsigned, uint32_t);
void dnsb_rr_end(struct dnsb *, size_t);
/* TXT with the NULL-terminated list of character-strings. */
void dnsb_txt(struct dnsb *, const char *, uint32_t, ...);
void dnsb_cname(struct dnsb *, const char *, uint32_t, const char *);
void dnsb_a(struct dnsb *, const char *, uint32_t, unsigned, unsigned, unsigned,
    unsigned);
void dnsb_aaaa(struct dnsb *, const char *, uint32_t, const uint8_t *);
void dnsb_mx(struct dnsb *, const char *, uint32_t, unsigned, const char *);
void dnsb_soa(struct dnsb *, const char *, uint32_t, uint32_t);
/* TLSA 3 1 1 with a SHA-256 association data of 32 octets all "fill". */
void dnsb_tlsa(struct dnsb *, const char *, uint32_t, unsigned);

#endif
