/*
 * check_dnsmsg.c: unit tests for the DNS response reader.
 *
 * Messages are built in code (dnsmsg_build.c); the files under
 * $TEST_DATA_DIR/dnsmsg/{good,bad}/ are TXT responses for
 * DNSMSG_TEST_QNAME that must parse (good) or be rejected (bad), and
 * double as the fuzz corpus.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dnsmsg.h"
#include "dnsmsg_build.h"

#define Q                 "_mta-sts.example.com"
#define DNSMSG_TEST_QNAME Q
#define T_TXT             DNSMSG_TYPE_TXT
#define NOERR             DNSB_RESPONSE
#define NXDOMAIN          (DNSB_RESPONSE | 3)

static struct dnsb msg; /* one message per test (fork mode) */

/* Records joined by '|', strings of a record by ','. */
static const char *
txt_fmt(const struct dnsmsg_txt_answer *a)
{
	static char out[65536];
	size_t n, i, j;
	struct span s;

	n = 0;
	out[0] = '\0';
	for (i = 0; i < a->nrecords; i++) {
		if (i > 0)
			out[n++] = '|';
		for (j = 0; j < a->records[i].count; j++) {
			if (j > 0)
				out[n++] = ',';
			s = a->strings[a->records[i].first + j];
			if (sizeof(out) - n < s.len + 3)
				return "(too long)";
			memcpy(out + n, s.p, s.len);
			n += s.len;
		}
		out[n] = '\0';
	}
	return out;
}

/* TXT cases: each builds msg. */

static void
b_plain(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 300, "v=STSv1; id=20240101;", NULL);
}

static void
b_multi_string(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 300, "v=STSv1;", " id=1;", NULL);
}

static void
b_multi_rr(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 300, "a", NULL);
	dnsb_txt(&msg, NULL, 200, "b", "c", NULL);
}

static void
b_empty_string(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 300, "", NULL);
	dnsb_txt(&msg, NULL, 300, "x", "", NULL);
}

static void
b_empty_rdata(void)
{
	size_t mark;

	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	mark = dnsb_rr_begin(&msg, NULL, T_TXT, 300);
	dnsb_rr_end(&msg, mark);
}

static void
b_uncompressed_owner_case(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, "_MTA-STS.Example.COM", T_TXT);
	dnsb_txt(&msg, "_mta-sts.EXAMPLE.com", 300, "v", NULL);
}

static void
b_cname_chain(void)
{
	dnsb_header(&msg, NOERR, 1, 4, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 100, "a.example.net");
	dnsb_txt(&msg, "unrelated.example", 1, "ignored", NULL);
	dnsb_cname(&msg, "a.example.net", 50, "b.example.org");
	dnsb_txt(&msg, "B.example.ORG", 300, "v=STSv1; id=x;", NULL);
}

static void
b_cname_out_of_order(void)
{
	dnsb_header(&msg, NOERR, 1, 3, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, "b.example.org", 30, "t", NULL);
	dnsb_cname(&msg, "a.example.net", 500, "b.example.org");
	dnsb_cname(&msg, NULL, 400, "a.example.net");
}

static void
b_cname_loop(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 100, "a.example.net");
	dnsb_cname(&msg, "a.example.net", 100, Q);
}

static void
b_cname_self(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 100, Q);
}

static void
chain(unsigned n)
{
	char from[64], to[64];
	unsigned i;

	dnsb_header(&msg, NOERR, 1, n + 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	for (i = 0; i < n; i++) {
		snprintf(from, sizeof(from), "c%u.example", i);
		snprintf(to, sizeof(to), "c%u.example", i + 1);
		dnsb_cname(&msg, i == 0 ? NULL : from, 100 + i, to);
	}
	snprintf(to, sizeof(to), "c%u.example", n);
	dnsb_txt(&msg, to, 1000, "end", NULL);
}

static void
b_chain_max(void)
{
	chain(DNSMSG_MAX_CNAME_CHAIN);
}

static void
b_chain_too_long(void)
{
	chain(DNSMSG_MAX_CNAME_CHAIN + 1);
}

static void
b_two_cnames(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 100, "a.example.net");
	dnsb_cname(&msg, NULL, 100, "b.example.net");
}

static void
b_cname_dangling(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 100, "a.example.net");
}

static void
b_cname_dangling_soa(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 1, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 40, "a.example.net");
	dnsb_soa(&msg, "example.net", 3600, 300);
}

static void
b_cname_and_txt(void)
{
	/* Illegal, but the records of the asked type win. */
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 10, "a.example.net");
	dnsb_txt(&msg, NULL, 300, "here", NULL);
}

static void
b_ptr_chain(void)
{
	size_t p1;

	/*
	 * Owner "x._mta-sts.example.com" (a label and a pointer to the
	 * qname), then an owner that points at that pointer (so the qname
	 * after two jumps), then a plain pointer to the qname.
	 */
	dnsb_header(&msg, NOERR, 1, 3, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	p1 = msg.len;
	dnsb_u8(&msg, 1);
	dnsb_u8(&msg, 'x');
	dnsb_ptr(&msg, 12);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 1);
	dnsb_u32(&msg, 5);
	dnsb_u16(&msg, 2);
	dnsb_u8(&msg, 1);
	dnsb_u8(&msg, 'u');
	/* The owner name is a pointer to a pointer (at p1 + 2). */
	dnsb_ptr(&msg, p1 + 2);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 1);
	dnsb_u32(&msg, 77);
	dnsb_u16(&msg, 2);
	dnsb_u8(&msg, 1);
	dnsb_u8(&msg, 'y');
	dnsb_txt(&msg, NULL, 99, "z", NULL);
}

/* An answer RR whose owner is a pointer to off. */
static void
ptr_owner_rr(size_t off)
{
	dnsb_ptr(&msg, off);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 1);
	dnsb_u32(&msg, 5);
	dnsb_u16(&msg, 2);
	dnsb_u8(&msg, 1);
	dnsb_u8(&msg, 'u');
}

static void
b_ptr_self(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	ptr_owner_rr(msg.len);
}

static void
b_ptr_forward(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	ptr_owner_rr(msg.len + 2);
}

static void
b_ptr_header(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	ptr_owner_rr(4);
}

static void
b_ptr_label_loop(void)
{
	size_t p;

	/* "a" then a pointer back to the "a": backwards, yet a loop. */
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	p = msg.len;
	dnsb_u8(&msg, 1);
	dnsb_u8(&msg, 'a');
	dnsb_ptr(&msg, p);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 1);
	dnsb_u32(&msg, 5);
	dnsb_u16(&msg, 0);
}

static void
b_ptr_mutual(void)
{
	size_t p;

	/* Two pointers pointing at each other, reached from the later. */
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	p = msg.len;
	dnsb_ptr(&msg, p + 2 + 10 + 3); /* forward: rejected if reached */
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 1);
	dnsb_u32(&msg, 5);
	dnsb_u16(&msg, 1);
	dnsb_u8(&msg, 0);
	dnsb_ptr(&msg, p);
}

static void
b_name_too_long(void)
{
	char label[64];
	size_t prev, cur;
	int i;

	/*
	 * RR owners: a 63-octet label, then each time a 63-octet label and
	 * a pointer to the previous owner: 65, 129, 193, 257 octets.
	 */
	memset(label, 'a', 63);
	label[63] = '\0';
	dnsb_header(&msg, NOERR, 1, 4, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	prev = 0;
	for (i = 0; i < 4; i++) {
		cur = msg.len;
		dnsb_u8(&msg, 63);
		dnsb_bytes(&msg, label, 63);
		if (i == 0)
			dnsb_u8(&msg, 0);
		else
			dnsb_ptr(&msg, prev);
		dnsb_u16(&msg, T_TXT);
		dnsb_u16(&msg, 1);
		dnsb_u32(&msg, 5);
		dnsb_u16(&msg, 0);
		prev = cur;
	}
}

static void
b_long_label(void)
{
	char label[70];

	memset(label, 'a', 64);
	label[64] = '\0';
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, label, 5, "x", NULL);
}

static void
b_label_type(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_u8(&msg, 0x41); /* extended label type */
	dnsb_u8(&msg, 0);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 1);
	dnsb_u32(&msg, 5);
	dnsb_u16(&msg, 0);
}

static void
b_rdlength_past_end(void)
{
	b_plain();
	/* RDLENGTH high octet: before the 22 octets of RDATA. */
	msg.p[msg.len - 22 - 2] = 0x01;
}

static void
b_txt_string_overrun(void)
{
	size_t mark;

	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	mark = dnsb_rr_begin(&msg, NULL, T_TXT, 300);
	dnsb_u8(&msg, 3);
	dnsb_bytes(&msg, "abc", 3);
	dnsb_u8(&msg, 5);
	dnsb_bytes(&msg, "ab", 2);
	dnsb_rr_end(&msg, mark);
}

static void
b_trailing(void)
{
	b_plain();
	dnsb_u8(&msg, 0);
}

static void
b_nxdomain_soa(void)
{
	dnsb_header(&msg, NXDOMAIN, 1, 0, 1, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_soa(&msg, "example.com", 3600, 300);
}

static void
b_nxdomain_soa_ttl(void)
{
	dnsb_header(&msg, NXDOMAIN, 1, 0, 1, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_soa(&msg, "example.com", 60, 300);
}

static void
b_nxdomain_bare(void)
{
	dnsb_header(&msg, NXDOMAIN, 1, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_nxdomain_bad_soa(void)
{
	size_t mark;

	dnsb_header(&msg, NXDOMAIN, 1, 0, 1, 0);
	dnsb_question(&msg, Q, T_TXT);
	mark = dnsb_rr_begin(&msg, "example.com", DNSMSG_TYPE_SOA, 60);
	dnsb_name(&msg, "a");
	dnsb_name(&msg, "b");
	dnsb_u32(&msg, 1);
	dnsb_rr_end(&msg, mark);
}

static void
b_nodata_soa(void)
{
	dnsb_header(&msg, NOERR, 1, 0, 1, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_soa(&msg, "example.com", 3600, 900);
}

static void
b_nodata_bare(void)
{
	dnsb_header(&msg, NOERR, 1, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_nodata_other_class(void)
{
	size_t mark;

	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_ptr(&msg, 12);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 3); /* CH */
	dnsb_u32(&msg, 5);
	mark = msg.len;
	dnsb_u16(&msg, 0);
	dnsb_u8(&msg, 1);
	dnsb_u8(&msg, 'c');
	dnsb_rr_end(&msg, mark);
}

static void
b_servfail(void)
{
	dnsb_header(&msg, DNSB_RESPONSE | 2, 1, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_refused(void)
{
	dnsb_header(&msg, DNSB_RESPONSE | 5, 1, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_formerr(void)
{
	dnsb_header(&msg, DNSB_RESPONSE | 1, 1, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_notimp(void)
{
	dnsb_header(&msg, DNSB_RESPONSE | 4, 1, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_tc(void)
{
	dnsb_header(&msg, NOERR | DNSB_TC, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 300, "v", NULL);
}

static void
b_query(void)
{
	b_plain();
	msg.p[2] &= 0x7f;
}

static void
b_opcode(void)
{
	b_plain();
	msg.p[2] |= 0x10; /* OPCODE 2 */
}

static void
b_qd0(void)
{
	dnsb_header(&msg, NOERR, 0, 0, 0, 0);
}

static void
b_qd2(void)
{
	dnsb_header(&msg, NOERR, 2, 0, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_question(&msg, Q, T_TXT);
}

static void
b_other_qname(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, "_mta-sts.example.org", T_TXT);
	dnsb_txt(&msg, NULL, 300, "v", NULL);
}

static void
b_other_qtype(void)
{
	dnsb_header(&msg, NOERR, 1, 0, 0, 0);
	dnsb_question(&msg, Q, DNSMSG_TYPE_A);
}

static void
b_other_qclass(void)
{
	dnsb_header(&msg, NOERR, 1, 0, 0, 0);
	dnsb_name(&msg, Q);
	dnsb_u16(&msg, T_TXT);
	dnsb_u16(&msg, 3);
}

static void
b_short_header(void)
{
	dnsb_header(&msg, NOERR, 1, 0, 0, 0);
	msg.len = 11;
}

static void
b_too_many_rrs(void)
{
	dnsb_header(&msg, NOERR, 1, DNSMSG_MAX_SECTION_RRS + 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
}

static void
many_txt(unsigned nrr, unsigned per)
{
	unsigned i, j;
	size_t mark;

	dnsb_header(&msg, NOERR, 1, nrr, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	for (i = 0; i < nrr; i++) {
		mark = dnsb_rr_begin(&msg, NULL, T_TXT, 300);
		for (j = 0; j < per; j++) {
			dnsb_u8(&msg, 1);
			dnsb_u8(&msg, 'a');
		}
		dnsb_rr_end(&msg, mark);
	}
}

static void
b_max_records(void)
{
	many_txt(DNSMSG_MAX_TXT_RECORDS, 8);
}

static void
b_too_many_records(void)
{
	many_txt(DNSMSG_MAX_TXT_RECORDS + 1, 1);
}

static void
b_too_many_strings(void)
{
	many_txt(1, DNSMSG_MAX_TXT_STRINGS + 1);
}

static void
b_ttl_top_bit(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 0x80000001u, "v", NULL);
}

static void
b_edns(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 1, 1);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_txt(&msg, NULL, 300, "v", NULL);
	dnsb_soa(&msg, "example.com", 3600, 300);
	dnsb_u8(&msg, 0); /* OPT owner: root */
	dnsb_u16(&msg, DNSMSG_TYPE_OPT);
	dnsb_u16(&msg, 1232);
	dnsb_u32(&msg, 0);
	dnsb_u16(&msg, 0);
}

struct txt_case {
	const char *name;
	void (*build)(void);
	const char *qname;
	int rc;
	enum dnsmsg_status status;
	bool have_ttl;
	uint32_t ttl;
	const char *txt;
};

static const struct txt_case txt_cases[] = {
    {"plain", b_plain, Q, 0, DNSMSG_ANSWER, true, 300, "v=STSv1; id=20240101;"},
    {"plain_qname_dot", b_plain, Q ".", 0, DNSMSG_ANSWER, true, 300,
	"v=STSv1; id=20240101;"},
    {"plain_qname_case", b_plain, "_MTA-sts.example.Com", 0, DNSMSG_ANSWER,
	true, 300, "v=STSv1; id=20240101;"},
    {"multi_string", b_multi_string, Q, 0, DNSMSG_ANSWER, true, 300,
	"v=STSv1;, id=1;"},
    {"multi_rr", b_multi_rr, Q, 0, DNSMSG_ANSWER, true, 200, "a|b,c"},
    {"empty_string", b_empty_string, Q, 0, DNSMSG_ANSWER, true, 300, "|x,"},
    {"empty_rdata", b_empty_rdata, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"owner_case", b_uncompressed_owner_case, Q, 0, DNSMSG_ANSWER, true, 300,
	"v"},
    {"cname_chain", b_cname_chain, Q, 0, DNSMSG_ANSWER, true, 50,
	"v=STSv1; id=x;"},
    {"cname_out_of_order", b_cname_out_of_order, Q, 0, DNSMSG_ANSWER, true, 30,
	"t"},
    {"cname_loop", b_cname_loop, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"cname_self", b_cname_self, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"chain_max", b_chain_max, Q, 0, DNSMSG_ANSWER, true, 100, "end"},
    {"chain_too_long", b_chain_too_long, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"two_cnames", b_two_cnames, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"cname_dangling", b_cname_dangling, Q, 0, DNSMSG_NODATA, false, 0, ""},
    {"cname_dangling_soa", b_cname_dangling_soa, Q, 0, DNSMSG_NODATA, true, 40,
	""},
    {"cname_and_txt", b_cname_and_txt, Q, 0, DNSMSG_ANSWER, true, 300, "here"},
    {"ptr_chain", b_ptr_chain, Q, 0, DNSMSG_ANSWER, true, 77, "y|z"},
    {"ptr_chain_other_q", b_ptr_chain, "x." Q, -1, DNSMSG_FORMERR, false, 0,
	""},
    {"ptr_self", b_ptr_self, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"ptr_forward", b_ptr_forward, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"ptr_header", b_ptr_header, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"ptr_label_loop", b_ptr_label_loop, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"ptr_mutual", b_ptr_mutual, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"name_too_long", b_name_too_long, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"long_label", b_long_label, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"label_type", b_label_type, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"rdlength_past_end", b_rdlength_past_end, Q, -1, DNSMSG_FORMERR, false, 0,
	""},
    {"txt_string_overrun", b_txt_string_overrun, Q, -1, DNSMSG_FORMERR, false,
	0, ""},
    {"trailing", b_trailing, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"nxdomain_soa", b_nxdomain_soa, Q, 0, DNSMSG_NXDOMAIN, true, 300, ""},
    {"nxdomain_soa_ttl", b_nxdomain_soa_ttl, Q, 0, DNSMSG_NXDOMAIN, true, 60,
	""},
    {"nxdomain_bare", b_nxdomain_bare, Q, 0, DNSMSG_NXDOMAIN, false, 0, ""},
    {"nxdomain_bad_soa", b_nxdomain_bad_soa, Q, -1, DNSMSG_FORMERR, false, 0,
	""},
    {"nodata_soa", b_nodata_soa, Q, 0, DNSMSG_NODATA, true, 900, ""},
    {"nodata_bare", b_nodata_bare, Q, 0, DNSMSG_NODATA, false, 0, ""},
    {"nodata_other_class", b_nodata_other_class, Q, 0, DNSMSG_NODATA, false, 0,
	""},
    {"servfail", b_servfail, Q, 0, DNSMSG_SERVFAIL, false, 0, ""},
    {"refused", b_refused, Q, 0, DNSMSG_REFUSED, false, 0, ""},
    {"formerr", b_formerr, Q, 0, DNSMSG_FORMERR, false, 0, ""},
    {"notimp", b_notimp, Q, 0, DNSMSG_OTHER_RCODE, false, 0, ""},
    {"tc", b_tc, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"query", b_query, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"opcode", b_opcode, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"qd0", b_qd0, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"qd2", b_qd2, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"other_qname", b_other_qname, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"other_qtype", b_other_qtype, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"other_qclass", b_other_qclass, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"short_header", b_short_header, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"too_many_rrs", b_too_many_rrs, Q, -1, DNSMSG_FORMERR, false, 0, ""},
    {"too_many_records", b_too_many_records, Q, -1, DNSMSG_FORMERR, false, 0,
	""},
    {"too_many_strings", b_too_many_strings, Q, -1, DNSMSG_FORMERR, false, 0,
	""},
    {"ttl_top_bit", b_ttl_top_bit, Q, 0, DNSMSG_ANSWER, true, 0, "v"},
    {"edns", b_edns, Q, 0, DNSMSG_ANSWER, true, 300, "v"},
    {"bad_qname", b_plain, "a..b", -1, DNSMSG_FORMERR, false, 0, ""},
};

START_TEST(test_txt)
{
	const struct txt_case *c = &txt_cases[_i];
	static struct dnsmsg_txt_answer a;
	const char *why = NULL;
	int rc;

	c->build();
	rc = dnsmsg_parse_txt(span_make(msg.p, msg.len), c->qname, &a, &why);
	ck_assert_msg(rc == c->rc, "case %s: got rc %d (%s), want %d", c->name,
	    rc, why == NULL ? "-" : why, c->rc);
	if (rc == -1)
		ck_assert_msg(why != NULL && a.nrecords == 0,
		    "case %s: got no reason or records, want a reason",
		    c->name);
	ck_assert_msg(a.status == c->status, "case %s: got status %s, want %s",
	    c->name, dnsmsg_status_name(a.status),
	    dnsmsg_status_name(c->status));
	ck_assert_msg(a.have_ttl == c->have_ttl && a.ttl == c->ttl,
	    "case %s: got ttl %d/%u, want %d/%u", c->name, a.have_ttl, a.ttl,
	    c->have_ttl, c->ttl);
	ck_assert_msg(strcmp(txt_fmt(&a), c->txt) == 0,
	    "case %s: got txt \"%s\", want \"%s\"", c->name, txt_fmt(&a),
	    c->txt);
}
END_TEST

START_TEST(test_txt_max_records)
{
	static struct dnsmsg_txt_answer a;
	const char *why = NULL;
	int rc;

	b_max_records();
	rc = dnsmsg_parse_txt(span_make(msg.p, msg.len), Q, &a, &why);
	ck_assert_msg(rc == 0 && a.nrecords == DNSMSG_MAX_TXT_RECORDS &&
		a.nstrings == DNSMSG_MAX_TXT_STRINGS,
	    "case max_records: got rc %d nrecords %zu nstrings %zu, want 0 "
	    "%d %d",
	    rc, a.nrecords, a.nstrings, DNSMSG_MAX_TXT_RECORDS,
	    DNSMSG_MAX_TXT_STRINGS);
}
END_TEST

/* A rich message: chain, SOA, OPT.  Every proper prefix must fail. */
static void
b_rich(void)
{
	dnsb_header(&msg, NOERR, 1, 3, 1, 1);
	dnsb_question(&msg, Q, T_TXT);
	dnsb_cname(&msg, NULL, 100, "a.example.net");
	dnsb_txt(&msg, "a.example.net", 300, "v=STSv1;", " id=1;", NULL);
	dnsb_txt(&msg, "a.example.net", 300, "", NULL);
	dnsb_soa(&msg, "example.net", 3600, 300);
	dnsb_u8(&msg, 0);
	dnsb_u16(&msg, DNSMSG_TYPE_OPT);
	dnsb_u16(&msg, 1232);
	dnsb_u32(&msg, 0);
	dnsb_u16(&msg, 0);
}

START_TEST(test_truncated_prefixes)
{
	static struct dnsmsg_txt_answer a;
	const char *why;
	size_t n;
	int rc;

	b_rich();
	why = NULL;
	rc = dnsmsg_parse_txt(span_make(msg.p, msg.len), Q, &a, &why);
	ck_assert_msg(rc == 0 && a.nrecords == 2,
	    "case rich: got rc %d (%s), want 0", rc, why ? why : "-");
	for (n = 0; n < msg.len; n++) {
		/* A heap-like exact-size copy so ASan sees overreads. */
		uint8_t *p = malloc(n == 0 ? 1 : n);

		ck_assert(p != NULL);
		memcpy(p, msg.p, n);
		why = NULL;
		rc = dnsmsg_parse_txt(span_make(p, n), Q, &a, &why);
		ck_assert_msg(rc == -1 && why != NULL &&
			a.status == DNSMSG_FORMERR && a.nrecords == 0,
		    "case prefix_%zu: got rc %d status %s, want -1 formerr", n,
		    rc, dnsmsg_status_name(a.status));
		free(p);
	}
}
END_TEST

START_TEST(test_mutations)
{
	static struct dnsmsg_txt_answer a;
	static struct dnsmsg_addr_answer aa;
	static struct dnsmsg_mx_answer ma;
	static struct dnsmsg_count_answer ca;
	const char *why;
	size_t i;
	unsigned v;
	uint8_t *p;

	/* Every byte set to a few values: must never crash. */
	b_rich();
	p = malloc(msg.len);
	ck_assert(p != NULL);
	for (i = 0; i < msg.len; i++) {
		for (v = 0; v < 256; v += 17) {
			memcpy(p, msg.p, msg.len);
			p[i] = (uint8_t)v;
			(void)dnsmsg_parse_txt(
			    span_make(p, msg.len), Q, &a, &why);
			(void)dnsmsg_parse_addrs(
			    span_make(p, msg.len), Q, DNSMSG_TYPE_A, &aa, &why);
			(void)dnsmsg_parse_mx(
			    span_make(p, msg.len), Q, &ma, &why);
			(void)dnsmsg_parse_count(
			    span_make(p, msg.len), Q, T_TXT, &ca, &why);
		}
	}
	free(p);
}
END_TEST

/* Address and MX cases. */

static const uint8_t v6a[16] = {
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void
b_a(void)
{
	dnsb_header(&msg, NOERR, 1, 3, 0, 0);
	dnsb_question(&msg, "mta-sts.example.com", DNSMSG_TYPE_A);
	dnsb_cname(&msg, NULL, 600, "web.example.net");
	dnsb_a(&msg, "web.example.net", 120, 192, 0, 2, 1);
	dnsb_a(&msg, "web.example.net", 120, 192, 0, 2, 2);
}

static void
b_aaaa(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, "mta-sts.example.com", DNSMSG_TYPE_AAAA);
	dnsb_aaaa(&msg, NULL, 60, v6a);
	dnsb_a(&msg, NULL, 1, 192, 0, 2, 9); /* other type: ignored */
}

static void
b_a_bad_len(void)
{
	size_t mark;

	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, "mta-sts.example.com", DNSMSG_TYPE_A);
	mark = dnsb_rr_begin(&msg, NULL, DNSMSG_TYPE_A, 60);
	dnsb_u32(&msg, 1);
	dnsb_u8(&msg, 1);
	dnsb_rr_end(&msg, mark);
}

static void
b_a_many(void)
{
	unsigned i;

	dnsb_header(&msg, NOERR, 1, DNSMSG_MAX_ADDRS + 5, 0, 0);
	dnsb_question(&msg, "mta-sts.example.com", DNSMSG_TYPE_A);
	for (i = 0; i < DNSMSG_MAX_ADDRS + 5; i++)
		dnsb_a(&msg, NULL, 60, 10, 0, 0, i);
}

static void
b_a_nxdomain(void)
{
	dnsb_header(&msg, NXDOMAIN, 1, 0, 1, 0);
	dnsb_question(&msg, "mta-sts.example.com", DNSMSG_TYPE_A);
	dnsb_soa(&msg, "example.com", 100, 200);
}

static void
b_mx(void)
{
	size_t mark;

	dnsb_header(&msg, NOERR, 1, 3, 0, 0);
	dnsb_question(&msg, "example.com", DNSMSG_TYPE_MX);
	dnsb_mx(&msg, NULL, 300, 20, "mx2.example.com");
	/* Compressed exchange: "mx1" + pointer to the qname. */
	mark = dnsb_rr_begin(&msg, NULL, DNSMSG_TYPE_MX, 200);
	dnsb_u16(&msg, 10);
	dnsb_u8(&msg, 3);
	dnsb_bytes(&msg, "mx1", 3);
	dnsb_ptr(&msg, 12);
	dnsb_rr_end(&msg, mark);
	dnsb_mx(&msg, NULL, 300, 30, "we ird\\.x");
}

static void
b_mx_null(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, "example.com", DNSMSG_TYPE_MX);
	dnsb_mx(&msg, NULL, 300, 0, "");
}

static void
b_mx_short_name(void)
{
	size_t mark;

	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, "example.com", DNSMSG_TYPE_MX);
	mark = dnsb_rr_begin(&msg, NULL, DNSMSG_TYPE_MX, 300);
	dnsb_u16(&msg, 10);
	dnsb_name(&msg, "mx.example.com");
	dnsb_u8(&msg, 0); /* one octet after the name */
	dnsb_rr_end(&msg, mark);
}

static void
b_mx_many(void)
{
	unsigned i;

	dnsb_header(&msg, NOERR, 1, DNSMSG_MAX_MX + 1, 0, 0);
	dnsb_question(&msg, "example.com", DNSMSG_TYPE_MX);
	for (i = 0; i < DNSMSG_MAX_MX + 1; i++)
		dnsb_mx(&msg, NULL, 300, i, "mx.example.com");
}

struct addr_case {
	const char *name;
	void (*build)(void);
	int qtype;
	int rc;
	enum dnsmsg_status status;
	uint32_t ttl;
	size_t naddrs;
	const char *first; /* inet_ntop of addrs[0] */
};

static const struct addr_case addr_cases[] = {
    {"a_cname", b_a, DNSMSG_TYPE_A, 0, DNSMSG_ANSWER, 120, 2, "192.0.2.1"},
    {"aaaa", b_aaaa, DNSMSG_TYPE_AAAA, 0, DNSMSG_ANSWER, 60, 1, "2001:db8::1"},
    {"a_bad_len", b_a_bad_len, DNSMSG_TYPE_A, -1, DNSMSG_FORMERR, 0, 0, ""},
    {"a_many", b_a_many, DNSMSG_TYPE_A, 0, DNSMSG_ANSWER, 60, DNSMSG_MAX_ADDRS,
	"10.0.0.0"},
    {"a_nxdomain", b_a_nxdomain, DNSMSG_TYPE_A, 0, DNSMSG_NXDOMAIN, 100, 0, ""},
    {"a_wrong_qtype", b_aaaa, DNSMSG_TYPE_A, -1, DNSMSG_FORMERR, 0, 0, ""},
    {"a_unsupported_qtype", b_a, DNSMSG_TYPE_MX, -1, DNSMSG_FORMERR, 0, 0, ""},
};

START_TEST(test_addrs)
{
	const struct addr_case *c = &addr_cases[_i];
	static struct dnsmsg_addr_answer a;
	const char *why = NULL;
	char text[64];
	int rc;

	c->build();
	rc = dnsmsg_parse_addrs(span_make(msg.p, msg.len),
	    "mta-sts.example.com", c->qtype, &a, &why);
	ck_assert_msg(rc == c->rc, "case %s: got rc %d (%s), want %d", c->name,
	    rc, why == NULL ? "-" : why, c->rc);
	ck_assert_msg(
	    a.status == c->status && a.ttl == c->ttl && a.naddrs == c->naddrs,
	    "case %s: got %s ttl %u naddrs %zu, want %s %u %zu", c->name,
	    dnsmsg_status_name(a.status), a.ttl, a.naddrs,
	    dnsmsg_status_name(c->status), c->ttl, c->naddrs);
	text[0] = '\0';
	if (a.naddrs > 0)
		ck_assert(inet_ntop(a.addrs[0].family, a.addrs[0].addr, text,
			      sizeof(text)) != NULL);
	ck_assert_msg(strcmp(text, c->first) == 0, "case %s: got %s, want %s",
	    c->name, text, c->first);
}
END_TEST

struct mx_case {
	const char *name;
	void (*build)(void);
	int rc;
	enum dnsmsg_status status;
	uint32_t ttl;
	const char *mx; /* "pref exchange" joined by '|' */
};

static const struct mx_case mx_cases[] = {
    {"mx", b_mx, 0, DNSMSG_ANSWER, 200,
	"20 mx2.example.com|10 mx1.example.com|30 we\\032ird\\092.x"},
    {"mx_null", b_mx_null, 0, DNSMSG_ANSWER, 300, "0 ."},
    {"mx_short_name", b_mx_short_name, -1, DNSMSG_FORMERR, 0, ""},
    {"mx_many", b_mx_many, -1, DNSMSG_FORMERR, 0, ""},
    {"mx_wrong_question", b_nodata_bare, -1, DNSMSG_FORMERR, 0, ""},
};

START_TEST(test_mx)
{
	const struct mx_case *c = &mx_cases[_i];
	static struct dnsmsg_mx_answer a;
	const char *why = NULL;
	char text[4096];
	size_t i, n;
	int rc;

	c->build();
	rc =
	    dnsmsg_parse_mx(span_make(msg.p, msg.len), "example.com", &a, &why);
	ck_assert_msg(rc == c->rc, "case %s: got rc %d (%s), want %d", c->name,
	    rc, why == NULL ? "-" : why, c->rc);
	n = 0;
	text[0] = '\0';
	for (i = 0; i < a.nmx; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%u %s",
		    i > 0 ? "|" : "", a.mx[i].preference, a.mx[i].exchange);
	ck_assert_msg(a.status == c->status && a.ttl == c->ttl &&
		strcmp(text, c->mx) == 0,
	    "case %s: got %s %u \"%s\", want %s %u "
	    "\"%s\"",
	    c->name, dnsmsg_status_name(a.status), a.ttl, text,
	    dnsmsg_status_name(c->status), c->ttl, c->mx);
}
END_TEST

/* TLSA (count) cases, for the question (TQ, IN, TLSA). */

#define TQ     "_25._tcp.mx1.example.net"
#define T_TLSA DNSMSG_TYPE_TLSA

static void
b_tlsa_one(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 0, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_tlsa(&msg, NULL, 300, 0xab);
}

static void
b_tlsa_three(void)
{
	dnsb_header(&msg, NOERR, 1, 5, 0, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_tlsa(&msg, NULL, 300, 1);
	dnsb_txt(&msg, NULL, 5, "other type: ignored", NULL);
	dnsb_tlsa(&msg, "_25._TCP.MX1.example.net", 200, 2);
	dnsb_tlsa(&msg, "_25._tcp.mx2.example.net", 5, 9); /* other owner */
	dnsb_tlsa(&msg, NULL, 400, 3);
}

static void
b_tlsa_cname(void)
{
	dnsb_header(&msg, NOERR, 1, 4, 0, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_cname(&msg, NULL, 100, "a.tlsa.example.org");
	dnsb_cname(&msg, "a.tlsa.example.org", 80, "b.tlsa.example.org");
	dnsb_tlsa(&msg, "b.tlsa.example.org", 300, 1);
	dnsb_tlsa(&msg, "b.tlsa.example.org", 300, 2);
}

static void
b_tlsa_cname_nodata(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 1, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_cname(&msg, NULL, 100, "a.tlsa.example.org");
	dnsb_tlsa(&msg, NULL, 300, 1); /* illegal next to a CNAME: used */
	dnsb_soa(&msg, "example.org", 3600, 60);
}

static void
b_tlsa_cname_dangling(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 1, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_cname(&msg, NULL, 100, "a.tlsa.example.org");
	dnsb_soa(&msg, "example.org", 3600, 600);
}

static void
b_tlsa_nxdomain(void)
{
	dnsb_header(&msg, NXDOMAIN, 1, 0, 1, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_soa(&msg, "example.net", 100, 200);
}

static void
b_tlsa_nodata(void)
{
	dnsb_header(&msg, NOERR, 1, 1, 1, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_a(&msg, "mx1.example.net", 60, 192, 0, 2, 1);
	dnsb_soa(&msg, "example.net", 3600, 900);
}

static void
b_tlsa_servfail(void)
{
	dnsb_header(&msg, DNSB_RESPONSE | 2, 1, 0, 0, 0);
	dnsb_question(&msg, TQ, T_TLSA);
}

static void
b_tlsa_truncated(void)
{
	dnsb_header(&msg, NOERR | DNSB_TC, 1, 1, 0, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_tlsa(&msg, NULL, 300, 1);
}

static void
b_tlsa_cut_short(void)
{
	b_tlsa_one();
	msg.len -= 5; /* inside the RDATA */
}

static void
b_tlsa_cname_loop(void)
{
	dnsb_header(&msg, NOERR, 1, 2, 0, 0);
	dnsb_question(&msg, TQ, T_TLSA);
	dnsb_cname(&msg, NULL, 100, "a.tlsa.example.org");
	dnsb_cname(&msg, "a.tlsa.example.org", 100, TQ);
}

struct count_case {
	const char *name;
	void (*build)(void);
	int qtype;
	int rc;
	enum dnsmsg_status status;
	bool have_ttl;
	uint32_t ttl;
	size_t count;
};

static const struct count_case count_cases[] = {
    {"one", b_tlsa_one, T_TLSA, 0, DNSMSG_ANSWER, true, 300, 1},
    {"three", b_tlsa_three, T_TLSA, 0, DNSMSG_ANSWER, true, 200, 3},
    {"cname_chain", b_tlsa_cname, T_TLSA, 0, DNSMSG_ANSWER, true, 80, 2},
    {"cname_and_data", b_tlsa_cname_nodata, T_TLSA, 0, DNSMSG_ANSWER, true, 300,
	1},
    {"cname_dangling", b_tlsa_cname_dangling, T_TLSA, 0, DNSMSG_NODATA, true,
	100, 0},
    {"nxdomain", b_tlsa_nxdomain, T_TLSA, 0, DNSMSG_NXDOMAIN, true, 100, 0},
    {"nodata", b_tlsa_nodata, T_TLSA, 0, DNSMSG_NODATA, true, 900, 0},
    {"servfail", b_tlsa_servfail, T_TLSA, 0, DNSMSG_SERVFAIL, false, 0, 0},
    {"truncated", b_tlsa_truncated, T_TLSA, -1, DNSMSG_FORMERR, false, 0, 0},
    {"cut_short", b_tlsa_cut_short, T_TLSA, -1, DNSMSG_FORMERR, false, 0, 0},
    {"cname_loop", b_tlsa_cname_loop, T_TLSA, -1, DNSMSG_FORMERR, false, 0, 0},
    {"wrong_question", b_tlsa_one, DNSMSG_TYPE_TXT, -1, DNSMSG_FORMERR, false,
	0, 0},
    {"qtype_cname", b_tlsa_one, DNSMSG_TYPE_CNAME, -1, DNSMSG_FORMERR, false, 0,
	0},
    {"qtype_zero", b_tlsa_one, 0, -1, DNSMSG_FORMERR, false, 0, 0},
    {"qtype_too_big", b_tlsa_one, 65536, -1, DNSMSG_FORMERR, false, 0, 0},
};

START_TEST(test_count)
{
	const struct count_case *c = &count_cases[_i];
	static struct dnsmsg_count_answer a;
	const char *why = NULL;
	int rc;

	c->build();
	rc = dnsmsg_parse_count(
	    span_make(msg.p, msg.len), TQ, c->qtype, &a, &why);
	ck_assert_msg(rc == c->rc, "case %s: got rc %d (%s), want %d", c->name,
	    rc, why == NULL ? "-" : why, c->rc);
	ck_assert_msg(rc == 0 || why != NULL,
	    "case %s: got no reason, want one", c->name);
	ck_assert_msg(a.status == c->status && a.have_ttl == c->have_ttl &&
		a.ttl == c->ttl && a.count == c->count,
	    "case %s: got %s have_ttl %d ttl %u count %zu, want %s %d %u %zu",
	    c->name, dnsmsg_status_name(a.status), (int)a.have_ttl, a.ttl,
	    a.count, dnsmsg_status_name(c->status), (int)c->have_ttl, c->ttl,
	    c->count);
}
END_TEST

/* The count of TXT records agrees with dnsmsg_parse_txt. */
START_TEST(test_count_txt)
{
	static struct dnsmsg_txt_answer t;
	static struct dnsmsg_count_answer a;
	const char *why = NULL;
	int rc;

	b_rich();
	rc = dnsmsg_parse_count(span_make(msg.p, msg.len), Q, T_TXT, &a, &why);
	ck_assert(
	    dnsmsg_parse_txt(span_make(msg.p, msg.len), Q, &t, &why) == 0);
	ck_assert_msg(rc == 0 && a.status == DNSMSG_ANSWER &&
		a.count == t.nrecords && a.ttl == t.ttl,
	    "case rich_txt: got rc %d count %zu ttl %u, want 0 %zu %u", rc,
	    a.count, a.ttl, t.nrecords, t.ttl);
}
END_TEST

struct wire_case {
	const char *name;
	const char *text;
	size_t len; /* 0: rejected */
};

static char name_253[254], name_254[255], label_63[70], label_64[70];

static void
names_init(void)
{
	size_t i;

	for (i = 0; i < 253; i++)
		name_253[i] = (i % 2 == 0) ? 'a' : '.';
	name_253[253] = '\0';
	memcpy(name_254, name_253, 253);
	name_254[253] = 'b'; /* "...a" + "b": last label 2 octets */
	name_254[254] = '\0';
	memset(label_63, 'x', 63);
	label_63[63] = '\0';
	memset(label_64, 'x', 64);
	label_64[64] = '\0';
}

START_TEST(test_name_to_wire)
{
	static const struct wire_case cases[] = {
	    {"simple", "example.com", 13},
	    {"trailing_dot", "example.com.", 13},
	    {"single", "a", 3},
	    {"empty", "", 0},
	    {"root", ".", 0},
	    {"double_dot", "a..b", 0},
	    {"leading_dot", ".a", 0},
	    {"two_trailing_dots", "a..", 0},
	    {"space", "a b", 0},
	    {"backslash", "a\\.b", 0},
	    {"label_63", label_63, 65},
	    {"label_64", label_64, 0},
	    {"name_253", name_253, 255},
	    {"name_254", name_254, 0},
	};
	uint8_t wire[DNSMSG_MAX_NAME];
	const char *why;
	size_t i, got;

	names_init();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		got = dnsmsg_name_to_wire(cases[i].text, wire, &why);
		ck_assert_msg(got == cases[i].len,
		    "case %s: got %zu (%s), want %zu", cases[i].name, got,
		    why == NULL ? "-" : why, cases[i].len);
	}
	got = dnsmsg_name_to_wire("ab.c.", wire, &why);
	ck_assert_msg(got == 6 && memcmp(wire, "\2ab\1c\0", 6) == 0,
	    "case wire_bytes: got %zu, want 6 matching bytes", got);
}
END_TEST

static const char *
data_dir(void)
{
	const char *d;

	if ((d = getenv("TEST_DATA_DIR")) == NULL || *d == '\0')
		d = "tests/unit/data";
	return d;
}

/* Every file in dnsmsg/<sub>/ must parse (want 0) or be rejected (-1). */
static void
check_dir(const char *sub, int want)
{
	static struct dnsmsg_txt_answer a;
	static uint8_t data[DNSB_MAX + 1];
	char dir[4096], path[8192];
	DIR *dp;
	struct dirent *de;
	FILE *fp;
	size_t n, nfiles;
	const char *why;
	int rc;

	snprintf(dir, sizeof(dir), "%s/dnsmsg/%s", data_dir(), sub);
	dp = opendir(dir);
	ck_assert_msg(dp != NULL, "case %s: got no directory, want one", dir);
	nfiles = 0;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fp = fopen(path, "rb");
		ck_assert_msg(fp != NULL, "case %s: got no file", path);
		n = fread(data, 1, sizeof(data), fp);
		fclose(fp);
		why = NULL;
		rc = dnsmsg_parse_txt(
		    span_make(data, n), DNSMSG_TEST_QNAME, &a, &why);
		ck_assert_msg(rc == want, "case %s/%s: got %d (%s), want %d",
		    sub, de->d_name, rc, why == NULL ? "-" : why, want);
		nfiles++;
	}
	closedir(dp);
	ck_assert_msg(nfiles > 0, "case %s: got no files, want some", dir);
}

START_TEST(test_data_good)
{
	check_dir("good", 0);
}
END_TEST

START_TEST(test_data_bad)
{
	check_dir("bad", -1);
}
END_TEST

START_TEST(test_status_names)
{
	enum dnsmsg_status s;

	for (s = DNSMSG_ANSWER; s <= DNSMSG_OTHER_RCODE; s++)
		ck_assert_msg(strcmp(dnsmsg_status_name(s), "unknown") != 0,
		    "case status_%d: got unknown, want a name", (int)s);
}
END_TEST

static Suite *
dnsmsg_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("dnsmsg");
	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(
	    tc, test_txt, 0, sizeof(txt_cases) / sizeof(txt_cases[0]));
	tcase_add_test(tc, test_txt_max_records);
	tcase_add_test(tc, test_truncated_prefixes);
	tcase_add_test(tc, test_mutations);
	tcase_add_loop_test(
	    tc, test_addrs, 0, sizeof(addr_cases) / sizeof(addr_cases[0]));
	tcase_add_loop_test(
	    tc, test_mx, 0, sizeof(mx_cases) / sizeof(mx_cases[0]));
	tcase_add_loop_test(
	    tc, test_count, 0, sizeof(count_cases) / sizeof(count_cases[0]));
	tcase_add_test(tc, test_count_txt);
	tcase_add_test(tc, test_name_to_wire);
	tcase_add_test(tc, test_data_good);
	tcase_add_test(tc, test_data_bad);
	tcase_add_test(tc, test_status_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(dnsmsg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
