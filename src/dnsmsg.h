/*
 * dnsmsg.h: a strict reader for DNS response messages (RFC 1035 section 4)
 * that pulls out the TXT, A/AAAA or MX records for one question (or just
 * counts the records of any type), following the CNAME chain inside the
 * answer section and keeping the TTLs.
 *
 * Pure module: no I/O, no logging, no event or DNS library.  It exists
 * because c-ares 1.18 (Debian 12) parses TXT answers without their TTL,
 * so the resolver hands the raw answer here instead.
 *
 * Everything in a message is untrusted: every read is bounds-checked,
 * compressed names are followed only backwards and a bounded number of
 * times, and every count is capped.  Answers borrow from the message
 * buffer (TXT character-strings) or copy into fixed arrays (addresses,
 * MX exchanges); nothing is allocated.
 *
 * Implements: RFC 1035 sections 3.3, 3.3.9, 3.3.14, 3.4.1, 4.1 (message
 * format) and 4.1.4 (compression); RFC 3596 section 2 (AAAA); RFC 2181
 * sections 5.2 and 8 (TTLs); RFC 2308 sections 2 and 5 (NXDOMAIN, NODATA
 * and the negative-caching TTL).
 */
#ifndef MTASTSD_DNSMSG_H
#define MTASTSD_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define DNSMSG_TYPE_A     1
#define DNSMSG_TYPE_NS    2
#define DNSMSG_TYPE_CNAME 5
#define DNSMSG_TYPE_SOA   6
#define DNSMSG_TYPE_MX    15
#define DNSMSG_TYPE_TXT   16
#define DNSMSG_TYPE_AAAA  28
#define DNSMSG_TYPE_OPT   41
#define DNSMSG_TYPE_TLSA  52 /* RFC 6698 section 7.1 */
#define DNSMSG_CLASS_IN   1

#define DNSMSG_HEADER_LEN      12
#define DNSMSG_MAX_MSG_LEN     65535 /* TCP length prefix is 16 bits */
#define DNSMSG_MAX_LABEL       63    /* RFC 1035 section 2.3.4 */
#define DNSMSG_MAX_NAME        255   /* wire octets incl. the root label */
#define DNSMSG_MAX_POINTERS    64    /* compression pointers in one name */
#define DNSMSG_MAX_SECTION_RRS 512   /* ancount, nscount, arcount each */

#define DNSMSG_MAX_TXT_RECORDS 64  /* TXT RRs kept; more => error */
#define DNSMSG_MAX_TXT_STRINGS 512 /* strings over all RRs; more => error */
#define DNSMSG_MAX_CNAME_CHAIN 8   /* CNAMEs followed; more => error */
#define DNSMSG_MAX_ADDRS       32  /* addresses kept; the rest ignored */
#define DNSMSG_MAX_MX          32  /* MX RRs kept; more => error */
/*
 * Presentation form of a name: 255 wire octets print as at most 4 chars
 * per octet ("\DDD") plus the NUL.
 */
#define DNSMSG_NAME_TEXT_MAX   (4 * DNSMSG_MAX_NAME + 1)

enum dnsmsg_status {
	DNSMSG_ANSWER,     /* >= 1 record at the end of the CNAME chain */
	DNSMSG_NXDOMAIN,   /* RCODE 3 */
	DNSMSG_NODATA,     /* RCODE 0, no record of the type at the end */
	DNSMSG_SERVFAIL,   /* RCODE 2 */
	DNSMSG_REFUSED,    /* RCODE 5 */
	DNSMSG_FORMERR,    /* RCODE 1, or the message is malformed */
	DNSMSG_OTHER_RCODE /* NOTIMP and anything else */
};

struct dnsmsg_txt_record {
	size_t first; /* index into strings[] */
	size_t count; /* >= 1 */
};

/*
 * ttl: for DNSMSG_ANSWER the minimum TTL over the records used and the
 * CNAMEs followed.  For NXDOMAIN and NODATA the RFC 2308 negative TTL,
 * min(SOA TTL, SOA MINIMUM) (and the CNAMEs followed for NODATA), when
 * the authority section has an SOA; have_ttl is false otherwise.  TTLs
 * with the top bit set count as 0 (RFC 2181 section 8).
 */
struct dnsmsg_txt_answer {
	enum dnsmsg_status status;
	uint32_t ttl;
	bool have_ttl;
	size_t nrecords;
	struct dnsmsg_txt_record records[DNSMSG_MAX_TXT_RECORDS];
	size_t nstrings;
	struct span strings[DNSMSG_MAX_TXT_STRINGS]; /* borrowed from msg */
};

struct dnsmsg_addr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* first 4 bytes for AF_INET */
};

struct dnsmsg_addr_answer {
	enum dnsmsg_status status;
	uint32_t ttl; /* as for TXT */
	bool have_ttl;
	size_t naddrs;
	struct dnsmsg_addr addrs[DNSMSG_MAX_ADDRS];
};

struct dnsmsg_mx {
	uint16_t preference;
	/* Presentation form, no trailing dot, "." for the root (null MX). */
	char exchange[DNSMSG_NAME_TEXT_MAX];
};

struct dnsmsg_mx_answer {
	enum dnsmsg_status status;
	uint32_t ttl; /* as for TXT */
	bool have_ttl;
	size_t nmx;
	struct dnsmsg_mx mx[DNSMSG_MAX_MX]; /* in message order */
};

/*
 * For a type whose RDATA we do not read (TLSA): only how many records
 * the final name of the CNAME chain has.
 */
struct dnsmsg_count_answer {
	enum dnsmsg_status status;
	uint32_t ttl; /* as for TXT */
	bool have_ttl;
	size_t count; /* >= 1 for DNSMSG_ANSWER, 0 otherwise */
};

/*
 * Read the response msg to the question (qname, IN, TXT).  qname is our
 * own text ("example.com" or "example.com.", no escapes), compared
 * case-insensitively.
 *
 * Returns 0 when the response could be classified: out->status is
 * DNSMSG_ANSWER with the records, or the RCODE-derived status with
 * nrecords 0.  Returns -1 when the message is unusable (malformed,
 * truncated (TC), not a response, another question): out is cleared,
 * out->status is DNSMSG_FORMERR and *why a static reason.  TXT records
 * beyond DNSMSG_MAX_TXT_RECORDS or strings beyond DNSMSG_MAX_TXT_STRINGS
 * are an error too.
 */
int dnsmsg_parse_txt(
    struct span, const char *, struct dnsmsg_txt_answer *, const char **);

/*
 * Same for (qname, IN, qtype) with qtype DNSMSG_TYPE_A or
 * DNSMSG_TYPE_AAAA.  Addresses beyond DNSMSG_MAX_ADDRS are ignored.
 */
int dnsmsg_parse_addrs(
    struct span, const char *, int, struct dnsmsg_addr_answer *, const char **);

/* Same for (qname, IN, MX).  More than DNSMSG_MAX_MX records is an error. */
int dnsmsg_parse_mx(
    struct span, const char *, struct dnsmsg_mx_answer *, const char **);

/*
 * Same for (qname, IN, qtype) with any qtype other than CNAME: count the
 * class IN records of qtype owned by the end of the CNAME chain, without
 * looking inside their RDATA.
 */
int dnsmsg_parse_count(struct span, const char *, int,
    struct dnsmsg_count_answer *, const char **);

/*
 * Convert our own text name ("a.example" or "a.example.", non-empty
 * labels of at most DNSMSG_MAX_LABEL octets, no escapes) to wire form in
 * wire[DNSMSG_MAX_NAME].  Returns the wire length, or 0 when the name is
 * not acceptable (then *why says why).
 */
size_t dnsmsg_name_to_wire(const char *, uint8_t *, const char **);

const char *dnsmsg_status_name(enum dnsmsg_status);

#endif
