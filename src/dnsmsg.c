/*
 * dnsmsg.c: strict reader for DNS responses.  See dnsmsg.h.
 *
 * Message grammar (RFC 1035 section 4.1), all integers big-endian:
 *
 *   message  = header question *answer-rr *authority-rr *additional-rr
 *   header   = ID(16) flags(16) QDCOUNT(16) ANCOUNT(16) NSCOUNT(16)
 *              ARCOUNT(16)                                  ; 4.1.1
 *   flags    = QR(1) OPCODE(4) AA(1) TC(1) RD(1) RA(1) Z(3) RCODE(4)
 *   question = QNAME QTYPE(16) QCLASS(16)                   ; 4.1.2
 *   rr       = NAME TYPE(16) CLASS(16) TTL(32) RDLENGTH(16)
 *              RDATA(RDLENGTH octets)                       ; 4.1.3
 *   name     = *label (zero-octet / pointer)                ; 3.1, 4.1.4
 *   label    = len(8, 1..63, top bits 00) len*octet
 *   pointer  = 11(2) offset(14)
 *
 *   TXT RDATA   = 1*character-string, exactly filling RDLENGTH ; 3.3.14
 *   character-string = len(8) len*octet (len may be 0)       ; 3.3
 *   CNAME RDATA = name                                      ; 3.3.1
 *   MX RDATA    = PREFERENCE(16) name                       ; 3.3.9
 *   SOA RDATA   = MNAME RNAME SERIAL REFRESH RETRY EXPIRE
 *                 MINIMUM (32 each)                         ; 3.3.13
 *   A RDATA     = 4 octets                                  ; 3.4.1
 *   AAAA RDATA  = 16 octets                           ; RFC 3596 2.2
 *   TLSA RDATA  = not read, only counted              ; RFC 6698 2.1
 *
 * Choices and leniencies, all deliberate:
 * - QR must be 1, OPCODE 0, TC 0 and QDCOUNT 1 with our exact question
 *   (owner names compare case-insensitively, RFC 4343).  A truncated
 *   answer is an error: c-ares retries it over TCP itself.
 * - A compression pointer must point into the message after the header
 *   and strictly before the start of the label sequence that contains
 *   it, so each jump goes backwards and following one name ends; the
 *   number of jumps is capped at DNSMSG_MAX_POINTERS as well.  Label
 *   types 01 and 10 (RFC 6891 section 5) are rejected.
 * - Every RR of every section is walked, every section count is capped
 *   at DNSMSG_MAX_SECTION_RRS, and bytes after the last RR are an error.
 * - Only class IN records count; RRs of other owners or types are
 *   ignored (but still must be well-formed).
 * - The CNAME chain is followed from QNAME inside the answer section.
 *   When a name has records of the asked type they are used even if it
 *   (illegally) also has a CNAME; two CNAMEs for one name, a loop, or
 *   more than DNSMSG_MAX_CNAME_CHAIN hops are errors.
 * - An empty TXT RDATA (no character-string at all) is an error; an empty
 *   character-string is fine.
 * - The negative TTL comes from the first class IN SOA of the authority
 *   section, whatever its owner (RFC 2308 section 5).
 * - The extended RCODE of an EDNS OPT record is not looked at.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "dnsmsg.h"

#define DNSMSG_FLAG_QR   0x8000
#define DNSMSG_FLAG_TC   0x0200
#define DNSMSG_OPCODE(f) (((f) >> 11) & 0x0f)
#define DNSMSG_RCODE(f)  ((f)&0x0f)

#define DNSMSG_RCODE_NOERROR  0
#define DNSMSG_RCODE_FORMERR  1
#define DNSMSG_RCODE_SERVFAIL 2
#define DNSMSG_RCODE_NXDOMAIN 3
#define DNSMSG_RCODE_REFUSED  5

/* One resource record, located but not interpreted. */
struct dnsmsg_rr {
	size_t owner; /* offset of the owner name */
	uint16_t type;
	uint16_t class;
	uint32_t ttl; /* top bit already cleared to 0 */
	size_t rdoff;
	size_t rdlen;
};

/* A message whose header, question and RR framing have been checked. */
struct dnsmsg_reader {
	struct span msg; /* borrowed from the caller */
	unsigned rcode;
	size_t ancount;
	size_t nscount;
	size_t an_off; /* first answer RR */
	size_t ns_off; /* first authority RR */
	uint8_t qname[DNSMSG_MAX_NAME];
	size_t qname_len;
};

/* A CNAME chain walked from QNAME. */
struct dnsmsg_chain {
	uint8_t target[DNSMSG_MAX_NAME]; /* its last name */
	size_t target_len;
	uint32_t ttl; /* min over the CNAMEs followed */
	bool have_ttl;
	bool have_data; /* target has RRs of the type */
};

static int
rd_u16(struct span m, size_t *off, uint16_t *v)
{
	if (*off > m.len || m.len - *off < 2)
		return -1;
	*v = (uint16_t)((m.p[*off] << 8) | m.p[*off + 1]);
	*off += 2;
	return 0;
}

static int
rd_u32(struct span m, size_t *off, uint32_t *v)
{
	if (*off > m.len || m.len - *off < 4)
		return -1;
	*v = ((uint32_t)m.p[*off] << 24) | ((uint32_t)m.p[*off + 1] << 16) |
	    ((uint32_t)m.p[*off + 2] << 8) | (uint32_t)m.p[*off + 3];
	*off += 4;
	return 0;
}

/*
 * Read the possibly compressed name at *off into out[DNSMSG_MAX_NAME]
 * (uncompressed wire form, root label included) and move *off past it.
 */
static int
rd_name(
    struct span m, size_t *off, uint8_t *out, size_t *outlen, const char **why)
{
	size_t pos, seg, n, target;
	unsigned hops;
	bool jumped;
	uint8_t c;

	pos = seg = *off;
	n = 0;
	hops = 0;
	jumped = false;
	for (;;) {
		if (pos >= m.len) {
			*why = "name runs past the end of the message";
			return -1;
		}
		c = m.p[pos];
		if ((c & 0xc0) == 0xc0) {
			if (m.len - pos < 2) {
				*why = "compression pointer cut short";
				return -1;
			}
			target = ((size_t)(c & 0x3f) << 8) | m.p[pos + 1];
			if (target < DNSMSG_HEADER_LEN || target >= seg) {
				*why = "compression pointer not backwards";
				return -1;
			}
			if (++hops > DNSMSG_MAX_POINTERS) {
				*why = "too many compression pointers";
				return -1;
			}
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = seg = target;
			continue;
		}
		if ((c & 0xc0) != 0) {
			*why = "unsupported label type";
			return -1;
		}
		if (c == 0)
			break;
		if (m.len - pos - 1 < c) {
			*why = "label runs past the end of the message";
			return -1;
		}
		/* Room for the length octet, the label and the root. */
		if (DNSMSG_MAX_NAME - n < (size_t)c + 2) {
			*why = "name longer than 255 octets";
			return -1;
		}
		memcpy(out + n, m.p + pos, (size_t)c + 1);
		n += (size_t)c + 1;
		pos += (size_t)c + 1;
	}
	out[n++] = 0;
	if (!jumped)
		*off = pos + 1;
	*outlen = n;
	return 0;
}

/* Wire names; length octets (<= 63) are unaffected by ascii_lower. */
static bool
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

/* Does the name at offset off of the checked message equal name? */
static bool
owner_is(
    const struct dnsmsg_reader *r, size_t off, const uint8_t *name, size_t len)
{
	uint8_t buf[DNSMSG_MAX_NAME];
	size_t blen;
	const char *why;

	/* Already read once when the message was checked. */
	if (rd_name(r->msg, &off, buf, &blen, &why) == -1)
		return false;
	return name_eq(buf, blen, name, len);
}

static int
rd_rr(struct span m, size_t *off, struct dnsmsg_rr *rr, const char **why)
{
	uint8_t name[DNSMSG_MAX_NAME];
	size_t nlen;
	uint16_t rdlen;

	rr->owner = *off;
	if (rd_name(m, off, name, &nlen, why) == -1)
		return -1;
	if (rd_u16(m, off, &rr->type) == -1 ||
	    rd_u16(m, off, &rr->class) == -1 ||
	    rd_u32(m, off, &rr->ttl) == -1 || rd_u16(m, off, &rdlen) == -1) {
		*why = "resource record cut short";
		return -1;
	}
	if (m.len - *off < rdlen) {
		*why = "RDLENGTH runs past the end of the message";
		return -1;
	}
	/* RFC 2181 section 8: a TTL with the top bit set means zero. */
	if (rr->ttl > INT32_MAX)
		rr->ttl = 0;
	rr->rdoff = *off;
	rr->rdlen = rdlen;
	*off += rdlen;
	return 0;
}

static void
ttl_min(uint32_t *ttl, bool *have, uint32_t v)
{
	if (!*have || v < *ttl)
		*ttl = v;
	*have = true;
}

static int
reader_open(struct dnsmsg_reader *r, struct span m, const char *qname,
    uint16_t qtype, const char **why)
{
	uint16_t id, flags, qd, an, ns, ar, t, c;
	uint8_t name[DNSMSG_MAX_NAME];
	size_t nlen, off, i, total;
	struct dnsmsg_rr rr;

	memset(r, 0, sizeof(*r));
	r->msg = m;
	if ((r->qname_len = dnsmsg_name_to_wire(qname, r->qname, why)) == 0)
		return -1;
	if (m.len > DNSMSG_MAX_MSG_LEN) {
		*why = "message longer than 65535 octets";
		return -1;
	}
	off = 0;
	if (rd_u16(m, &off, &id) == -1 || rd_u16(m, &off, &flags) == -1 ||
	    rd_u16(m, &off, &qd) == -1 || rd_u16(m, &off, &an) == -1 ||
	    rd_u16(m, &off, &ns) == -1 || rd_u16(m, &off, &ar) == -1) {
		*why = "message shorter than a DNS header";
		return -1;
	}
	(void)id; /* c-ares matched it to the query */
	if ((flags & DNSMSG_FLAG_QR) == 0) {
		*why = "message is not a response";
		return -1;
	}
	if (DNSMSG_OPCODE(flags) != 0) {
		*why = "response opcode is not QUERY";
		return -1;
	}
	if (flags & DNSMSG_FLAG_TC) {
		*why = "response truncated (TC)";
		return -1;
	}
	if (qd != 1) {
		*why = "response does not have exactly one question";
		return -1;
	}
	if (an > DNSMSG_MAX_SECTION_RRS || ns > DNSMSG_MAX_SECTION_RRS ||
	    ar > DNSMSG_MAX_SECTION_RRS) {
		*why = "too many resource records";
		return -1;
	}
	r->rcode = DNSMSG_RCODE(flags);

	if (rd_name(m, &off, name, &nlen, why) == -1)
		return -1;
	if (rd_u16(m, &off, &t) == -1 || rd_u16(m, &off, &c) == -1) {
		*why = "question cut short";
		return -1;
	}
	if (!name_eq(name, nlen, r->qname, r->qname_len) || t != qtype ||
	    c != DNSMSG_CLASS_IN) {
		*why = "response is for another question";
		return -1;
	}

	r->an_off = off;
	r->ancount = an;
	r->nscount = ns;
	total = (size_t)an + ns + ar;
	for (i = 0; i < total; i++) {
		if (i == an)
			r->ns_off = off;
		if (rd_rr(m, &off, &rr, why) == -1)
			return -1;
	}
	if (total == an)
		r->ns_off = off;
	if (off != m.len) {
		*why = "trailing octets after the last record";
		return -1;
	}
	return 0;
}

/* The status for an RCODE other than NOERROR and NXDOMAIN. */
static enum dnsmsg_status
rcode_status(unsigned rcode)
{
	switch (rcode) {
	case DNSMSG_RCODE_NOERROR:
		return DNSMSG_NODATA;
	case DNSMSG_RCODE_NXDOMAIN:
		return DNSMSG_NXDOMAIN;
	case DNSMSG_RCODE_FORMERR:
		return DNSMSG_FORMERR;
	case DNSMSG_RCODE_SERVFAIL:
		return DNSMSG_SERVFAIL;
	case DNSMSG_RCODE_REFUSED:
		return DNSMSG_REFUSED;
	}
	return DNSMSG_OTHER_RCODE;
}

/* Read a name that must exactly fill [off, end). */
static int
rd_rdata_name(struct span m, size_t off, size_t end, uint8_t *out,
    size_t *outlen, const char **why)
{
	if (rd_name(m, &off, out, outlen, why) == -1)
		return -1;
	if (off != end) {
		*why = "name does not fill RDLENGTH";
		return -1;
	}
	return 0;
}

static int
follow_chain(const struct dnsmsg_reader *r, uint16_t qtype,
    struct dnsmsg_chain *ch, const char **why)
{
	uint8_t seen[DNSMSG_MAX_CNAME_CHAIN + 1][DNSMSG_MAX_NAME];
	size_t seen_len[DNSMSG_MAX_CNAME_CHAIN + 1];
	uint8_t next[DNSMSG_MAX_NAME];
	size_t next_len, off, i, ncname, hops, j;
	struct dnsmsg_rr rr, cname;

	memset(ch, 0, sizeof(*ch));
	memcpy(ch->target, r->qname, r->qname_len);
	ch->target_len = r->qname_len;
	memset(&cname, 0, sizeof(cname));
	for (hops = 0;; hops++) {
		memcpy(seen[hops], ch->target, ch->target_len);
		seen_len[hops] = ch->target_len;
		ncname = 0;
		off = r->an_off;
		for (i = 0; i < r->ancount; i++) {
			if (rd_rr(r->msg, &off, &rr, why) == -1)
				return -1;
			if (rr.class != DNSMSG_CLASS_IN ||
			    (rr.type != qtype && rr.type != DNSMSG_TYPE_CNAME))
				continue;
			if (!owner_is(r, rr.owner, ch->target, ch->target_len))
				continue;
			if (rr.type == qtype)
				ch->have_data = true;
			else if (ncname++ == 0)
				cname = rr;
		}
		if (ch->have_data || ncname == 0)
			return 0;
		if (ncname > 1) {
			*why = "several CNAMEs for one name";
			return -1;
		}
		if (hops == DNSMSG_MAX_CNAME_CHAIN) {
			*why = "CNAME chain too long";
			return -1;
		}
		if (rd_rdata_name(r->msg, cname.rdoff,
			cname.rdoff + cname.rdlen, next, &next_len, why) == -1)
			return -1;
		for (j = 0; j <= hops; j++) {
			if (name_eq(next, next_len, seen[j], seen_len[j])) {
				*why = "CNAME loop";
				return -1;
			}
		}
		ttl_min(&ch->ttl, &ch->have_ttl, cname.ttl);
		memcpy(ch->target, next, next_len);
		ch->target_len = next_len;
	}
}

/* RFC 2308 section 5: min(SOA TTL, SOA MINIMUM) of the authority SOA. */
static int
negative_ttl(
    const struct dnsmsg_reader *r, uint32_t *ttl, bool *have, const char **why)
{
	uint8_t name[DNSMSG_MAX_NAME];
	size_t nlen, off, p, i, k;
	uint32_t v[5];
	struct dnsmsg_rr rr;

	off = r->ns_off;
	for (i = 0; i < r->nscount; i++) {
		if (rd_rr(r->msg, &off, &rr, why) == -1)
			return -1;
		if (rr.type != DNSMSG_TYPE_SOA || rr.class != DNSMSG_CLASS_IN)
			continue;
		p = rr.rdoff;
		if (rd_name(r->msg, &p, name, &nlen, why) == -1 ||
		    rd_name(r->msg, &p, name, &nlen, why) == -1)
			return -1;
		if (p > rr.rdoff + rr.rdlen ||
		    rr.rdoff + rr.rdlen - p != sizeof(v)) {
			*why = "SOA RDATA does not fill RDLENGTH";
			return -1;
		}
		for (k = 0; k < 5; k++)
			(void)rd_u32(r->msg, &p, &v[k]);
		/* MINIMUM is a TTL too (RFC 2181 section 8). */
		if (v[4] > INT32_MAX)
			v[4] = 0;
		ttl_min(ttl, have, rr.ttl);
		ttl_min(ttl, have, v[4]);
		return 0;
	}
	return 0;
}

/*
 * Common part of the parsers: check the message, classify it and
 * walk the CNAME chain.  Returns 1 when the caller should collect the
 * records of qtype at ch->target, 0 when *status (and *ttl) are final,
 * -1 on error.
 */
static int
classify(struct dnsmsg_reader *r, struct span m, const char *qname,
    uint16_t qtype, struct dnsmsg_chain *ch, enum dnsmsg_status *status,
    uint32_t *ttl, bool *have_ttl, const char **why)
{
	uint32_t neg;
	bool have_neg;

	*ttl = 0;
	*have_ttl = false;
	if (reader_open(r, m, qname, qtype, why) == -1)
		return -1;
	*status = rcode_status(r->rcode);
	neg = 0;
	have_neg = false;
	switch (*status) {
	case DNSMSG_NXDOMAIN:
		if (negative_ttl(r, &neg, &have_neg, why) == -1)
			return -1;
		*ttl = neg;
		*have_ttl = have_neg;
		return 0;
	case DNSMSG_NODATA:
		break;
	case DNSMSG_ANSWER:
	case DNSMSG_SERVFAIL:
	case DNSMSG_REFUSED:
	case DNSMSG_FORMERR:
	case DNSMSG_OTHER_RCODE:
		return 0;
	}
	if (follow_chain(r, qtype, ch, why) == -1)
		return -1;
	if (ch->have_data) {
		*status = DNSMSG_ANSWER;
		*ttl = ch->ttl;
		*have_ttl = ch->have_ttl;
		return 1;
	}
	if (negative_ttl(r, &neg, &have_neg, why) == -1)
		return -1;
	if (have_neg) {
		*ttl = neg;
		*have_ttl = true;
		if (ch->have_ttl)
			ttl_min(ttl, have_ttl, ch->ttl);
	}
	return 0;
}

/*
 * Call fn for each class IN RR of type qtype owned by ch->target, in
 * message order, and fold each RR's TTL into *ttl (RFC 2181 section 5.2:
 * an RRset has one TTL; if a server sends differing ones, the smallest).
 */
static int
each_record(const struct dnsmsg_reader *r, const struct dnsmsg_chain *ch,
    uint16_t qtype,
    int (*fn)(void *, struct span, const struct dnsmsg_rr *, const char **),
    void *arg, uint32_t *ttl, bool *have_ttl, const char **why)
{
	struct dnsmsg_rr rr;
	size_t off, i;

	off = r->an_off;
	for (i = 0; i < r->ancount; i++) {
		if (rd_rr(r->msg, &off, &rr, why) == -1)
			return -1;
		if (rr.type != qtype || rr.class != DNSMSG_CLASS_IN ||
		    !owner_is(r, rr.owner, ch->target, ch->target_len))
			continue;
		if (fn(arg, r->msg, &rr, why) == -1)
			return -1;
		ttl_min(ttl, have_ttl, rr.ttl);
	}
	return 0;
}

static int
txt_add(void *arg, struct span m, const struct dnsmsg_rr *rr, const char **why)
{
	struct dnsmsg_txt_answer *out = arg;
	struct dnsmsg_txt_record *rec;
	size_t p, end, l;

	if (out->nrecords == DNSMSG_MAX_TXT_RECORDS) {
		*why = "too many TXT records";
		return -1;
	}
	if (rr->rdlen == 0) {
		*why = "empty TXT RDATA";
		return -1;
	}
	rec = &out->records[out->nrecords++];
	rec->first = out->nstrings;
	rec->count = 0;
	p = rr->rdoff;
	end = rr->rdoff + rr->rdlen;
	while (p < end) {
		l = m.p[p++];
		if (end - p < l) {
			*why = "TXT character-string runs past RDLENGTH";
			return -1;
		}
		if (out->nstrings == DNSMSG_MAX_TXT_STRINGS) {
			*why = "too many TXT character-strings";
			return -1;
		}
		out->strings[out->nstrings++] = span_make(m.p + p, l);
		rec->count++;
		p += l;
	}
	return 0;
}

static int
addr_add(void *arg, struct span m, const struct dnsmsg_rr *rr, const char **why)
{
	struct dnsmsg_addr_answer *out = arg;
	struct dnsmsg_addr *a;
	size_t want;

	want = rr->type == DNSMSG_TYPE_A ? 4 : 16;
	if (rr->rdlen != want) {
		*why = rr->type == DNSMSG_TYPE_A
		    ? "A RDATA is not 4 octets"
		    : "AAAA RDATA is not 16 octets";
		return -1;
	}
	if (out->naddrs == DNSMSG_MAX_ADDRS)
		return 0;
	a = &out->addrs[out->naddrs++];
	a->family = rr->type == DNSMSG_TYPE_A ? AF_INET : AF_INET6;
	memcpy(a->addr, m.p + rr->rdoff, want);
	return 0;
}

/* Presentation form (RFC 1035 section 5.1) of a checked wire name. */
static void
name_to_text(const uint8_t *w, size_t wlen, char *out)
{
	size_t i, n, l, k;
	uint8_t c;

	n = 0;
	i = 0;
	while (i < wlen && w[i] != 0) {
		if (n > 0)
			out[n++] = '.';
		l = w[i++];
		for (k = 0; k < l; k++) {
			c = w[i + k];
			if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
				out[n++] = (char)c;
				continue;
			}
			out[n++] = '\\';
			out[n++] = (char)('0' + c / 100);
			out[n++] = (char)('0' + c / 10 % 10);
			out[n++] = (char)('0' + c % 10);
		}
		i += l;
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
}

static int
mx_add(void *arg, struct span m, const struct dnsmsg_rr *rr, const char **why)
{
	struct dnsmsg_mx_answer *out = arg;
	uint8_t name[DNSMSG_MAX_NAME];
	size_t nlen, p;
	uint16_t pref;

	p = rr->rdoff;
	if (rr->rdlen < 3 || rd_u16(m, &p, &pref) == -1) {
		*why = "MX RDATA too short";
		return -1;
	}
	if (rd_rdata_name(m, p, rr->rdoff + rr->rdlen, name, &nlen, why) == -1)
		return -1;
	if (out->nmx == DNSMSG_MAX_MX) {
		*why = "too many MX records";
		return -1;
	}
	out->mx[out->nmx].preference = pref;
	name_to_text(name, nlen, out->mx[out->nmx].exchange);
	out->nmx++;
	return 0;
}

static int
count_add(
    void *arg, struct span m, const struct dnsmsg_rr *rr, const char **why)
{
	struct dnsmsg_count_answer *out = arg;

	(void)m;
	(void)rr;
	(void)why;
	/* At most DNSMSG_MAX_SECTION_RRS, so this cannot wrap. */
	out->count++;
	return 0;
}

/* Typed views of one answer struct's common members, for parse(). */
struct dnsmsg_common {
	void			*out;	/* the whole answer, size bytes */
	size_t			 size;
	enum dnsmsg_status	*status;
	uint32_t		*ttl;
	bool			*have_ttl;
};

/*
 * The shared shape of the parsers: classify the answer, then hand each
 * record of qtype at the end of the CNAME chain to add.  On a malformed
 * message the answer is cleared to DNSMSG_FORMERR and -1 returned.
 */
static int
parse(struct span m, const char *qname, uint16_t qtype,
    int (*add)(void *, struct span, const struct dnsmsg_rr *, const char **),
    const struct dnsmsg_common *c, const char **why)
{
	struct dnsmsg_reader r;
	struct dnsmsg_chain ch;
	int rc;

	memset(c->out, 0, c->size);
	rc = classify(&r, m, qname, qtype, &ch, c->status, c->ttl,
	    c->have_ttl, why);
	if (rc == 1)
		rc = each_record(&r, &ch, qtype, add, c->out, c->ttl,
		    c->have_ttl, why);
	if (rc == -1) {
		memset(c->out, 0, c->size);
		*c->status = DNSMSG_FORMERR;
		return -1;
	}
	return 0;
}

#define COMMON(o)	{ (o), sizeof(*(o)), &(o)->status, &(o)->ttl, \
			  &(o)->have_ttl }

int
dnsmsg_parse_txt(struct span m, const char *qname,
    struct dnsmsg_txt_answer *out, const char **why)
{
	const struct dnsmsg_common c = COMMON(out);

	return parse(m, qname, DNSMSG_TYPE_TXT, txt_add, &c, why);
}

int
dnsmsg_parse_addrs(struct span m, const char *qname, int qtype,
    struct dnsmsg_addr_answer *out, const char **why)
{
	const struct dnsmsg_common c = COMMON(out);

	if (qtype != DNSMSG_TYPE_A && qtype != DNSMSG_TYPE_AAAA) {
		memset(out, 0, sizeof(*out));
		out->status = DNSMSG_FORMERR;
		*why = "address type is not A or AAAA";
		return -1;
	}
	return parse(m, qname, (uint16_t)qtype, addr_add, &c, why);
}

int
dnsmsg_parse_mx(struct span m, const char *qname, struct dnsmsg_mx_answer *out,
    const char **why)
{
	const struct dnsmsg_common c = COMMON(out);

	return parse(m, qname, DNSMSG_TYPE_MX, mx_add, &c, why);
}

int
dnsmsg_parse_count(struct span m, const char *qname, int qtype,
    struct dnsmsg_count_answer *out, const char **why)
{
	const struct dnsmsg_common c = COMMON(out);

	if (qtype <= 0 || qtype > UINT16_MAX || qtype == DNSMSG_TYPE_CNAME) {
		memset(out, 0, sizeof(*out));
		out->status = DNSMSG_FORMERR;
		*why = "record type out of range or CNAME";
		return -1;
	}
	return parse(m, qname, (uint16_t)qtype, count_add, &c, why);
}

/*
 * Our own names only; the other modules have validated them already, so
 * this is a second line of defence: printable ASCII other than SP and
 * backslash (c-ares would read it as an escape), labels 1..63 octets,
 * one optional trailing dot, at most 255 wire octets.
 */
size_t
dnsmsg_name_to_wire(const char *text, uint8_t *wire, const char **why)
{
	size_t i, n, lab;
	uint8_t c;

	n = 0;
	lab = 0; /* wire offset of the current label's length octet */
	wire[0] = 0;
	for (i = 0; text[i] != '\0'; i++) {
		c = (uint8_t)text[i];
		if (c == '.') {
			if (n == lab) {
				*why = "empty label in name";
				return 0;
			}
			wire[lab] = (uint8_t)(n - lab - 1);
			lab = n;
			if (text[i + 1] == '\0')
				break;
			continue;
		}
		if (c <= 0x20 || c >= 0x7f || c == '\\') {
			*why = "name has a character we never query";
			return 0;
		}
		if (n == lab)
			n++; /* the length octet */
		if (n - lab > DNSMSG_MAX_LABEL) {
			*why = "label longer than 63 octets";
			return 0;
		}
		if (n >= DNSMSG_MAX_NAME - 1) {
			*why = "name longer than 255 octets";
			return 0;
		}
		wire[n++] = c;
	}
	if (n == 0) {
		*why = "empty name";
		return 0;
	}
	if (n > lab)
		wire[lab] = (uint8_t)(n - lab - 1);
	wire[n++] = 0;
	return n;
}

const char *
dnsmsg_status_name(enum dnsmsg_status s)
{
	switch (s) {
	case DNSMSG_ANSWER:
		return "answer";
	case DNSMSG_NXDOMAIN:
		return "nxdomain";
	case DNSMSG_NODATA:
		return "nodata";
	case DNSMSG_SERVFAIL:
		return "servfail";
	case DNSMSG_REFUSED:
		return "refused";
	case DNSMSG_FORMERR:
		return "formerr";
	case DNSMSG_OTHER_RCODE:
		return "other_rcode";
	}
	return "unknown";
}
