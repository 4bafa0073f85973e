/*
 * fuzz_dnsmsg.c: libFuzzer target for the DNS response reader.
 *
 * The input is one response message; it is read as the answer to a TXT,
 * A, AAAA, MX and TLSA question, and a successful TXT answer is checked
 * for consistency (every string inside the input, records covering
 * strings) and against the TXT record count of dnsmsg_parse_count.
 */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_QNAME "_mta-sts.example.com"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct dnsmsg_txt_answer txt;
	static struct dnsmsg_addr_answer addrs;
	static struct dnsmsg_mx_answer mx;
	static struct dnsmsg_count_answer cnt;
	struct span in, s;
	const char *why;
	size_t i;
	int trc, rc;

	in = span_make(data, len);
	why = NULL;
	if ((trc = dnsmsg_parse_txt(in, FUZZ_QNAME, &txt, &why)) == 0) {
		if (txt.status == DNSMSG_ANSWER && txt.nrecords == 0)
			abort();
		for (i = 0; i < txt.nrecords; i++)
			if (txt.records[i].count == 0 ||
			    txt.records[i].first + txt.records[i].count >
				txt.nstrings)
				abort();
		for (i = 0; i < txt.nstrings; i++) {
			s = txt.strings[i];
			if (s.len > 0 &&
			    (s.p < data || (size_t)(s.p - data) > len ||
				len - (size_t)(s.p - data) < s.len))
				abort();
		}
	} else if (why == NULL || txt.status != DNSMSG_FORMERR ||
	    txt.nrecords != 0)
		abort();
	(void)dnsmsg_parse_addrs(in, FUZZ_QNAME, DNSMSG_TYPE_A, &addrs, &why);
	(void)dnsmsg_parse_addrs(
	    in, FUZZ_QNAME, DNSMSG_TYPE_AAAA, &addrs, &why);
	(void)dnsmsg_parse_mx(in, FUZZ_QNAME, &mx, &why);

	/*
	 * The counting parser agrees with the TXT one whenever that one
	 * succeeds (it may fail on TXT RDATA the counter does not read).
	 */
	rc = dnsmsg_parse_count(in, FUZZ_QNAME, DNSMSG_TYPE_TXT, &cnt, &why);
	if (trc == 0 &&
	    (rc != 0 || cnt.status != txt.status || cnt.count != txt.nrecords ||
		cnt.ttl != txt.ttl || cnt.have_ttl != txt.have_ttl))
		abort();
	rc = dnsmsg_parse_count(in, FUZZ_QNAME, DNSMSG_TYPE_TLSA, &cnt, &why);
	if ((rc == -1 && (cnt.status != DNSMSG_FORMERR || cnt.count != 0)) ||
	    (cnt.status == DNSMSG_ANSWER) != (cnt.count > 0))
		abort();
	return 0;
}
