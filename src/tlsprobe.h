/*
 * tlsprobe.h: STARTTLS probe of one MX host for the diagnostic tool
 * (`mta-stsctl check --smtp`).
 *
 * Connects to one numeric address on port 25, reads the greeting, sends
 * EHLO and STARTTLS, completes the TLS handshake and verifies the
 * certificate (PKIX, system store or a CA file) for the MX host name, as
 * RFC 8461 §4.1 requires of a sender, then says QUIT.  No mail is sent.
 *
 * This and the fetch module (fetch*.c) are the only files that include
 * curl/curl.h.  The probe is kept apart from fetch.c because it speaks
 * SMTP, not HTTPS, and serves only the command-line tool.  It is
 * blocking (curl_easy_perform() bounded by a connect and a total
 * timeout): mta-stsctl is a CLI that runs
 * the probes one after the other once its DNS work is done; the daemon
 * never calls it.  libcurl never resolves a name itself: the caller hands
 * over the address.  No CURL handle leaves this module and it does not
 * log; every outcome carries a reason string with peer text escaped.
 * fetch_global_init() must have been called first.
 */
#ifndef MTASTSD_TLSPROBE_H
#define MTASTSD_TLSPROBE_H

#include <stddef.h>

#define TLSPROBE_REASON_MAX	256	/* reason text, NUL included */
#define TLSPROBE_MAX_HOST	253
#define TLSPROBE_DEFAULT_PORT	25
#define TLSPROBE_DEFAULT_CONNECT_TIMEOUT_MS	10000
#define TLSPROBE_DEFAULT_TOTAL_TIMEOUT_MS	30000

/* Zero / NULL members take the defaults above. */
struct tlsprobe_opts {
	const char	*ca_file;	/* borrowed; NULL: the system store */
	unsigned	 connect_timeout_ms;
	unsigned	 total_timeout_ms;
	unsigned	 port;
};

enum tlsprobe_status {
	TLSPROBE_OK,		/* STARTTLS done, certificate valid for host */
	TLSPROBE_CONNECT,	/* refused, unreachable, connect timeout */
	TLSPROBE_NO_STARTTLS,	/* the server does not offer STARTTLS */
	TLSPROBE_TLS,		/* handshake or certificate verification */
	TLSPROBE_TIMEOUT,	/* total timeout after connecting */
	TLSPROBE_PROTOCOL,	/* bad greeting or reply, connection cut */
	TLSPROBE_ERROR		/* our own failure (bad arguments) */
};

struct tlsprobe_result {
	enum tlsprobe_status	status;
	char			reason[TLSPROBE_REASON_MAX];
	double			seconds;
};

/*
 * Probe host (a normalised host name, our own text) at addr (numeric
 * IPv4 or IPv6).  Blocks for at most the total timeout.  Fills out and
 * returns 0 when the probe succeeded, -1 otherwise; keeps no pointer.
 */
int		 tlsprobe_smtp(const char *, const char *,
		    const struct tlsprobe_opts *, struct tlsprobe_result *);

const char	*tlsprobe_status_name(enum tlsprobe_status);

#endif
