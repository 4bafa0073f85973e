/*
 * diag.h: `mta-stsctl check DOMAIN`, the MTA-STS diagnostic.
 *
 * Shows what a sending MTA sees for DOMAIN's MTA-STS setup (RFC 8461)
 * and what the domain owner should fix, and whether TLS reporting
 * (RFC 8460) is set up.  It runs on its own, without the daemon, on one
 * libevent base shared by the resolver and the fetcher.
 *
 * Four files:
 *	diag.c        options, the network steps (DNS, HTTPS, --smtp probes)
 *	              collecting a struct diag_input; documents the codes
 *	diag_check.c  pure: struct diag_input -> struct diag_report (the
 *	              findings, the verdict and the exact Postfix reply);
 *	              the code table (name, severity, fix hint)
 *	diag_tlsrpt.c pure: the TLS-RPT record (RFC 8460 section 3)
 *	diag_out.c    the human and the --json (jansson) output
 * Network, event and JSON libraries stay in diag.c / diag_out.c (and in
 * resolver.c, fetch.c, tlsprobe.c beneath them); diag_check.c and
 * diag_tlsrpt.c are pure, so the unit tests drive them with hand-made
 * inputs.
 *
 * Peer bytes: every message of a finding is printable ASCII (peer text is
 * escaped into it with diag_esc(), so it cannot close the quotes it is
 * shown in); raw TXT and policy text go to JSON only, capped, as JSON
 * strings, and are escaped the same way for the human output.
 */
#ifndef MTASTSD_DIAG_H
#define MTASTSD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dnsmsg.h"
#include "domain.h"
#include "fetch.h"
#include "reply.h"
#include "resolver.h"
#include "socketmap.h"
#include "sts_policy.h"
#include "sts_txt.h"
#include "tlsprobe.h"

#define DIAG_EXIT_OK		0	/* a usable policy, no error finding */
#define DIAG_EXIT_FINDINGS	1	/* an error finding or no policy */
#define DIAG_EXIT_ERROR		2	/* usage or runtime error */

#define DIAG_MAX_TXT_RECORDS	DNSMSG_MAX_TXT_RECORDS
#define DIAG_MAX_MX		DNSMSG_MAX_MX
#define DIAG_MAX_PROBE_ADDRS	4	/* addresses probed per MX host */
/*
 * More findings than the checks can make: a few for TXT and policy, seven
 * per MX host (DIAG_MAX_MX), one per policy mx (STS_POLICY_MAX_MX) and
 * one for TLS-RPT.  A finding beyond it would be dropped.
 */
#define DIAG_MAX_FINDINGS	512
#define DIAG_MAX_MESSAGE	512	/* bytes of one message, NUL included */
#define DIAG_MAX_VERDICT	1024
#define DIAG_ESC_MAX		200	/* peer bytes quoted in a message */
#define DIAG_JSON_MAX_TEXT	16384	/* policy text bytes put in JSON */
#define DIAG_JSON_MAX_RECORD	2048	/* TXT record bytes put in JSON */
#define DIAG_SHORT_MAX_AGE	86400	/* below: MTASTS_SHORT_MAXAGE */
#define DIAG_MAX_TIMEOUT_S	300	/* --timeout upper bound */
#define DIAG_DEFAULT_TIMEOUT_S	30

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_INFO
};

/* Stable codes; the table at the top of diag.c documents each one. */
enum diag_code {
	DIAG_MTASTS_DNS_ERROR,
	DIAG_MTASTS_NO_ID,
	DIAG_MTASTS_MULTIPLE_RECORDS,
	DIAG_MTASTS_BAD_RECORD,
	DIAG_MTASTS_RECORD_OK,
	DIAG_MTASTS_POLICY_FETCH_FAILED,
	DIAG_MTASTS_POLICY_FETCHED,
	DIAG_MTASTS_BAD_VERSION,
	DIAG_MTASTS_UNKNOWN_MODE,
	DIAG_MTASTS_BAD_MAXAGE,
	DIAG_MTASTS_NO_MX,
	DIAG_MTASTS_INVALID_MX,
	DIAG_MTASTS_POLICY_INVALID,
	DIAG_MTASTS_POLICY_OK,
	DIAG_MTASTS_POLICY_UNUSED,
	DIAG_MTASTS_MODE_NONE,
	DIAG_MTASTS_MODE_TESTING,
	DIAG_MTASTS_SHORT_MAXAGE,
	DIAG_MTASTS_MX_DNS_ERROR,
	DIAG_MTASTS_IMPLICIT_MX,
	DIAG_MTASTS_NULL_MX,
	DIAG_MTASTS_MX_OK,
	DIAG_MTASTS_MX_NOT_COVERED,
	DIAG_MTASTS_PATTERN_UNUSED,
	DIAG_MTASTS_MX_NO_ADDRESS,
	DIAG_MTASTS_MX_TLS_FAILED,
	DIAG_MTASTS_MX_TLS_OK,
	DIAG_MTASTS_MX_DANE_TLSA,
	DIAG_TLSRPT_DNS_ERROR,
	DIAG_TLSRPT_MISSING,
	DIAG_TLSRPT_INVALID,
	DIAG_TLSRPT_OK
};
#define DIAG_NCODES	((size_t)DIAG_TLSRPT_OK + 1)

struct diag_code_info {
	const char		*name;	/* static: "MTASTS_NO_ID" */
	enum diag_severity	 severity; /* the usual one */
	const char		*hint;	/* static; "" for most info codes */
};

/* One TXT lookup as it came back. */
struct diag_txt {
	bool			 done;
	enum resolver_status	 status;
	const char		*why;	/* static; NULL when RESOLVER_OK */
	uint32_t		 ttl;
	bool			 have_ttl;
	size_t			 nrecords;
	struct buf		 records[DIAG_MAX_TXT_RECORDS]; /* owned; each
					   record's strings joined */
};

struct diag_probe {
	char			 addr[RESOLVER_ADDR_STRLEN];
	enum tlsprobe_status	 status;
	char			 reason[TLSPROBE_REASON_MAX];
	double			 seconds;
};

struct diag_mx_host {
	uint16_t		 preference;
	char			 name[DNSMSG_NAME_TEXT_MAX]; /* lower case when
					   valid, else as received */
	bool			 valid;	/* a host name we can match */
	/* DANE (RFC 7672): TLSA _25._tcp.<name>, valid hosts only */
	bool			 tlsa_done;
	enum resolver_status	 tlsa_status;
	const char		*tlsa_why; /* static; NULL when OK */
	size_t			 ntlsa;	/* TLSA records; 0 unless OK */
	/* --smtp only */
	bool			 addr_done;
	enum resolver_status	 addr_status;
	const char		*addr_why; /* static; NULL when OK */
	size_t			 naddrs;	/* addresses found (all) */
	size_t			 nprobes;
	struct diag_probe	 probes[DIAG_MAX_PROBE_ADDRS];
};

/* Everything the network steps collected. */
struct diag_input {
	struct domain_name	 domain;
	bool			 smtp;

	struct diag_txt		 sts;		/* _mta-sts.DOMAIN */
	struct diag_txt		 tlsrpt;	/* _smtp._tls.DOMAIN */

	/* The policy host and fetch; tried when an STSv1 record exists. */
	bool			 fetch_tried;
	enum resolver_status	 host_status;	/* mta-sts.DOMAIN A/AAAA */
	const char		*host_why;	/* static */
	bool			 fetched;	/* fetch_* valid */
	enum fetch_status	 fetch_status;
	long			 http_code;
	double			 fetch_seconds;
	char			 fetch_reason[FETCH_REASON_MAX];
	struct buf		 body;		/* owned; FETCH_OK only */

	bool			 mx_done;
	enum resolver_status	 mx_status;
	const char		*mx_why;	/* static */
	bool			 implicit_mx;	/* no MX: DOMAIN itself */
	bool			 null_mx;	/* RFC 7505 "0 ." */
	size_t			 nmx;
	struct diag_mx_host	 mx[DIAG_MAX_MX]; /* by preference */
};

struct diag_finding {
	enum diag_code		 code;
	enum diag_severity	 severity;
	char			*message;	/* owned; printable ASCII */
};

enum diag_tlsrpt_status {
	DIAG_RPT_OK,
	DIAG_RPT_NONE,		/* no record begins with "v=TLSRPTv1" */
	DIAG_RPT_MULTIPLE,
	DIAG_RPT_INVALID
};

struct diag_report {
	size_t			 nfindings;
	struct diag_finding	 findings[DIAG_MAX_FINDINGS];
	enum sts_txt_status	 txt_status;	/* when sts lookup gave OK */
	struct sts_txt		 txt;		/* id when STS_TXT_OK */
	bool			 policy_parsed;	/* policy below is valid */
	struct sts_policy	 policy;	/* owns its mx */
	bool			 mx_covered[DIAG_MAX_MX];
	enum reply_outcome	 outcome;
	enum socketmap_status	 reply_status;
	struct buf		 reply_data;	/* owned */
	char			 postfix_reply[SOCKETMAP_MAX_REPLY + 16];
	char			 verdict[DIAG_MAX_VERDICT];
	int			 exit_code;
};

/* `mta-stsctl check ...`; argv[0] is "check".  Returns the exit code. */
int	diag_command(int, char **);

/* diag_check.c (pure) */
/* The code table (documented at the top of diag.c). */
const struct diag_code_info *diag_code_info(enum diag_code);
const char *diag_severity_name(enum diag_severity);
void	diag_input_init(struct diag_input *);
void	diag_input_clear(struct diag_input *);
void	diag_report_init(struct diag_report *);
void	diag_report_clear(struct diag_report *);
/* Judge in, filling report (initialised).  Keeps no pointer into in. */
void	diag_analyze(const struct diag_input *, struct diag_report *);
/*
 * Escape peer bytes for a message or a terminal by span_esc()'s rule
 * (buf.h): printable ASCII and spaces kept but `"` and `\`, everything
 * else as \xNN, at most max input bytes then "...".  Returns a heap
 * string the caller frees.
 */
char	*diag_esc(struct span, size_t);
/* The finding code a policy parser reason belongs to. */
enum diag_code diag_policy_reason_code(const char *);

/* diag_tlsrpt.c (pure) */
/*
 * Judge the _smtp._tls TXT RRset (RFC 8460 §3): records[0..n) joined.
 * Sets *which to the index of the one record when there is one.
 */
enum diag_tlsrpt_status diag_tlsrpt_select(const struct buf *, size_t,
	    size_t *, const char **);
/* One joined record: DIAG_RPT_OK, _NONE or _INVALID with *why. */
enum diag_tlsrpt_status diag_tlsrpt_parse(struct span, const char **);

/* diag_out.c */
void	diag_print_human(const struct diag_input *, const struct diag_report *);
/* Returns 0, or -1 when the JSON could not be built or written. */
int	diag_print_json(const struct diag_input *, const struct diag_report *);

#endif
