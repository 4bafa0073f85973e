/*
 * diag.c: `mta-stsctl check DOMAIN`: options and the network steps of
 * the MTA-STS diagnostic.  See diag.h.
 *
 * Steps, all on one libevent base, the DNS ones in parallel:
 *	1. TXT _mta-sts.DOMAIN, TXT _smtp._tls.DOMAIN, MX DOMAIN
 *	2. when a "v=STSv1" TXT record exists (even a bad one): A/AAAA of
 *	   mta-sts.DOMAIN, then the HTTPS policy fetch (fetch.c)
 *	3. TLSA _25._tcp.HOST of each MX host (DANE, RFC 7672 section
 *	   2.2), and with --smtp its A/AAAA too
 * then, after the loop, --smtp: a blocking STARTTLS probe (tlsprobe.c) of
 * up to DIAG_MAX_PROBE_ADDRS addresses of each MX host in turn.  What
 * came back is judged by diag_check.c and printed by diag_out.c.
 *
 * Finding codes.  Stable: scripts and operators search for them (the
 * MTASTS_ names follow the mxio MTA-STS checker).  Severity "error" makes
 * the exit status 1.
 *
 * code                        severity  meaning
 * --------------------------  --------  -----------------------------------
 * MTASTS_DNS_ERROR            error     no usable TXT answer at
 *                                       _mta-sts.DOMAIN: the lookup failed
 *                                       (SERVFAIL, REFUSED, timeout), or
 *                                       there is no record (NXDOMAIN,
 *                                       NODATA, or no TXT record there
 *                                       begins with "v=STSv1;")
 * MTASTS_NO_ID                error     the v=STSv1 record has no id
 * MTASTS_MULTIPLE_RECORDS     error     more than one v=STSv1 record
 * MTASTS_BAD_RECORD           error     malformed v=STSv1 record (with the
 *                                       parser's reason)
 * MTASTS_RECORD_OK            info      the record is fine: id and TTL
 * MTASTS_POLICY_FETCH_FAILED  error     https://mta-sts.DOMAIN/.well-known/
 *                                       mta-sts.txt could not be fetched:
 *                                       name does not resolve, connect,
 *                                       TLS verification text, HTTP
 *                                       status, redirect and Location,
 *                                       media type, body too large, timeout
 * MTASTS_POLICY_FETCHED       info      fetched: size and time
 * MTASTS_BAD_VERSION          error     no "version: STSv1" line
 * MTASTS_UNKNOWN_MODE         error     mode missing or not enforce,
 *                                       testing, none
 * MTASTS_BAD_MAXAGE           error     max_age missing or not a number of
 *                                       at most 10 digits
 * MTASTS_NO_MX                error     enforce or testing without mx
 * MTASTS_INVALID_MX           error     an mx value is not a host name
 *                                       pattern, or more than 100 of them
 * MTASTS_POLICY_INVALID       error     any other policy syntax error
 *                                       (not key: value lines, control
 *                                       bytes, an HTML page...)
 * MTASTS_POLICY_OK            info      the policy parsed: mode, max_age, mx
 * MTASTS_POLICY_UNUSED        warning   the policy is valid but the TXT
 *                                       record is not, so senders never
 *                                       fetch it
 * MTASTS_MODE_NONE            warning   mode none: MTA-STS withdrawn
 * MTASTS_MODE_TESTING         warning   mode testing: reported, not enforced
 * MTASTS_SHORT_MAXAGE         warning   max_age below 86400 s
 * MTASTS_MX_DNS_ERROR         error     the MX lookup of DOMAIN failed or
 *                                       DOMAIN does not exist
 * MTASTS_IMPLICIT_MX          info      no MX record: DOMAIN itself is the
 *                                       mail host (RFC 5321 section 5.1)
 * MTASTS_NULL_MX              info      null MX (RFC 7505): no mail at all
 * MTASTS_MX_OK                info      an MX host matches a policy mx
 * MTASTS_MX_NOT_COVERED       error     an MX host matches no policy mx:
 *                                       error under enforce (senders will
 *                                       not deliver to it), warning under
 *                                       testing
 * MTASTS_PATTERN_UNUSED       info      a policy mx matches no MX host
 * MTASTS_MX_NO_ADDRESS        error     --smtp: an MX host has no A/AAAA
 *                                       record or is not a host name
 * MTASTS_MX_TLS_FAILED        error     --smtp: no STARTTLS, or the
 *                                       certificate is not valid for the
 *                                       MX name (verification text), or
 *                                       connect/SMTP failure, per address
 * MTASTS_MX_TLS_OK            info      --smtp: STARTTLS and certificate
 *                                       fine, per address
 * MTASTS_MX_DANE_TLSA         info      an MX host publishes DANE TLSA
 *                                       records (_25._tcp.HOST, RFC 7672;
 *                                       DNSSEC not checked): mta-stsd's
 *                                       "secure" answer replaces a
 *                                       Postfix DANE level for DOMAIN
 *                                       unless a texthash map listing
 *                                       DOMAIN with dane-only comes first
 *                                       (README, "DANE").  A failed TLSA
 *                                       lookup is shown in --json only
 * TLSRPT_DNS_ERROR            warning   the _smtp._tls.DOMAIN lookup failed
 * TLSRPT_MISSING              info      no "v=TLSRPTv1" record (RFC 8460)
 * TLSRPT_INVALID              warning   more than one, or malformed (no
 *                                       rua, URI not mailto:/https:...)
 * TLSRPT_OK                   info      a valid TLS-RPT record
 *
 * Exit status: 0 when DOMAIN has a usable policy (valid TXT record and
 * policy file, any mode) and no finding is an error; 1 otherwise; 2 for
 * usage and runtime errors.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "domain.h"
#include "fetch.h"
#include "log.h"
#include "resolver.h"
#include "sts_txt.h"
#include "tlsprobe.h"

#define DIAG_CONNECT_TIMEOUT_MS	10000
#define DIAG_TLSRPT_PREFIX	"_smtp._tls."	/* the longest prefix */
#define DIAG_NAME_MAX		(DOMAIN_MAX_NAME + 16)

struct diag_run;

struct diag_mx_ctx {
	struct diag_run	*run;		/* borrowed: the run it belongs to */
	size_t		 idx;		/* into run->in->mx */
};

struct diag_run {
	struct event_base	*base;	/* owned */
	struct resolver		*res;	/* owned */
	struct fetcher		*fet;	/* owned */
	struct diag_input	*in;	/* borrowed from diag_command */
	size_t			 pending; /* callbacks still to come */
	struct diag_mx_ctx	 mxctx[DIAG_MAX_MX];
};

struct diag_opts {
	bool		 json;
	bool		 smtp;
	const char	*config;	/* borrowed from argv; NULL: none */
	const char	*servers[RESOLVER_MAX_SERVERS]; /* borrowed */
	size_t		 nservers;
	const char	*ca_file;	/* borrowed; NULL: config or system */
	unsigned	 timeout_s;	/* 0: config or default */
	const char	*domain;	/* borrowed from argv */
};

static void
diag_usage(FILE *fp)
{
	fprintf(fp, "usage: mta-stsctl check [-h] [--json] [--smtp] "
	    "[-c CONFIG]\n"
	    "           [--dns-server ADDR]... [--ca-file FILE] "
	    "[--timeout SECONDS] DOMAIN\n"
	    "  Show what a sending MTA sees for DOMAIN's MTA-STS setup "
	    "(RFC 8461) and\n"
	    "  TLS reporting (RFC 8460), what to fix, and the exact reply "
	    "mta-stsd would\n"
	    "  give Postfix.  Runs on its own; the daemon is not needed.\n"
	    "  --json              one JSON object on stdout\n"
	    "  --smtp              also connect to each MX host on port 25, "
	    "STARTTLS and\n"
	    "                      verify its certificate for the MX name\n"
	    "  -c CONFIG           take dns_servers, dns_timeout, dns_tries, "
	    "ca_file,\n"
	    "                      http_connect_timeout and http_timeout from "
	    "mta-stsd.conf\n"
	    "  --dns-server ADDR   ask ADDR (IP[:port], repeatable) instead "
	    "of resolv.conf\n"
	    "  --ca-file FILE      trust only the CAs in FILE (default: "
	    "system store)\n"
	    "  --timeout SECONDS   limit for the policy fetch and for each "
	    "SMTP probe\n"
	    "                      (1..%d, default %d)\n"
	    "  Exit status: 0 policy works, 1 error findings or no usable "
	    "policy,\n"
	    "  2 usage or runtime error.\n", DIAG_MAX_TIMEOUT_S,
	    DIAG_DEFAULT_TIMEOUT_S);
}

/* Returns 0, 1 when help was printed, or -1 after a usage message. */
static int
diag_parse_args(int argc, char **argv, struct diag_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "smtp", no_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "dns-server", required_argument, NULL, 'D' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t	v;
	int		ch;

	memset(o, 0, sizeof(*o));
	optind = 0;	/* glibc: a full re-initialisation */
	while ((ch = getopt_long(argc, argv, "hc:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			diag_usage(stdout);
			return 1;
		case 'j':
			o->json = true;
			break;
		case 's':
			o->smtp = true;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'D':
			if (o->nservers == RESOLVER_MAX_SERVERS) {
				fprintf(stderr, "mta-stsctl check: at most %d "
				    "DNS servers\n", RESOLVER_MAX_SERVERS);
				return -1;
			}
			o->servers[o->nservers++] = optarg;
			break;
		case 'C':
			o->ca_file = optarg;
			break;
		case 't':
			if (span_to_u64(span_str(optarg), 3, true, &v) == -1 ||
			    v < 1 || v > DIAG_MAX_TIMEOUT_S) {
				fprintf(stderr, "mta-stsctl check: --timeout: "
				    "1..%d seconds\n", DIAG_MAX_TIMEOUT_S);
				return -1;
			}
			o->timeout_s = (unsigned)v;
			break;
		default:
			diag_usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 1) {
		diag_usage(stderr);
		return -1;
	}
	o->domain = argv[optind];
	return 0;
}

static void
diag_step_done(struct diag_run *run)
{
	if (run->pending > 0 && --run->pending == 0)
		event_base_loopbreak(run->base);
}

/* Copy a TXT answer: each record's strings joined, capped. */
static void
diag_collect_txt(struct diag_txt *t, const struct resolver_txt_result *res)
{
	const struct dnsmsg_txt_answer	*a = res->answer;
	size_t				 i, j;

	t->done = true;
	t->status = res->status;
	t->why = res->why;
	if (a == NULL)
		return;
	t->ttl = a->ttl;
	t->have_ttl = a->have_ttl;
	if (res->status != RESOLVER_OK)
		return;
	for (i = 0; i < a->nrecords && i < DIAG_MAX_TXT_RECORDS; i++) {
		for (j = 0; j < a->records[i].count; j++)
			if (buf_add_span(&t->records[i],
			    a->strings[a->records[i].first + j]) == -1)
				break;
	}
	t->nrecords = i;
}

static void
diag_on_fetch(void *arg, const struct fetch_result *res)
{
	struct diag_run		*run = arg;
	struct diag_input	*in = run->in;
	int			 n;

	in->fetched = true;
	in->fetch_status = res->status;
	in->http_code = res->http_code;
	in->fetch_seconds = res->seconds;
	n = snprintf(in->fetch_reason, sizeof(in->fetch_reason), "%s",
	    res->reason != NULL ? res->reason : "");
	if (n < 0)
		in->fetch_reason[0] = '\0';
	if (res->status == FETCH_OK)
		(void)buf_add_span(&in->body, res->body);
	diag_step_done(run);
}

static void
diag_on_host(void *arg, const struct resolver_addr_result *res)
{
	struct diag_run		*run = arg;
	struct diag_input	*in = run->in;
	const char		*addrs[RESOLVER_MAX_ADDRS];
	size_t			 i;

	in->host_status = res->status;
	in->host_why = res->why;
	if (res->status == RESOLVER_OK) {
		for (i = 0; i < res->naddrs && i < RESOLVER_MAX_ADDRS; i++)
			addrs[i] = res->addrs[i];
		run->pending++;
		(void)fetch_start(run->fet, in->domain.name, addrs, i,
		    diag_on_fetch, run);
	}
	diag_step_done(run);
}

static void
diag_on_sts_txt(void *arg, const struct resolver_txt_result *res)
{
	struct diag_run		*run = arg;
	struct diag_input	*in = run->in;
	char			 host[DIAG_NAME_MAX];
	size_t			 i;
	bool			 any = false;
	int			 n;

	diag_collect_txt(&in->sts, res);
	for (i = 0; i < in->sts.nrecords; i++)
		any = any || sts_txt_is_sts(buf_span(&in->sts.records[i]));
	if (any) {
		/* diag_command() made sure the names fit. */
		n = snprintf(host, sizeof(host), "mta-sts.%s",
		    in->domain.name);
		if (n < 0 || (size_t)n >= sizeof(host))
			fatalx("diag: policy host name does not fit");
		in->fetch_tried = true;
		run->pending++;
		(void)resolver_query_addrs(run->res, host, diag_on_host, run);
	}
	diag_step_done(run);
}

static void
diag_on_tlsrpt_txt(void *arg, const struct resolver_txt_result *res)
{
	struct diag_run	*run = arg;

	diag_collect_txt(&run->in->tlsrpt, res);
	diag_step_done(run);
}

static void
diag_on_mx_addrs(void *arg, const struct resolver_addr_result *res)
{
	struct diag_mx_ctx	*c = arg;
	struct diag_mx_host	*h = &c->run->in->mx[c->idx];
	size_t			 i;

	h->addr_done = true;
	h->addr_status = res->status;
	h->addr_why = res->why;
	if (res->status == RESOLVER_OK) {
		h->naddrs = res->naddrs;
		for (i = 0; i < res->naddrs && i < DIAG_MAX_PROBE_ADDRS; i++)
			memcpy(h->probes[i].addr, res->addrs[i],
			    sizeof(h->probes[i].addr));
		h->nprobes = i;
	}
	diag_step_done(c->run);
}

static void
diag_on_mx_tlsa(void *arg, const struct resolver_count_result *res)
{
	struct diag_mx_ctx	*c = arg;
	struct diag_mx_host	*h = &c->run->in->mx[c->idx];

	h->tlsa_done = true;
	h->tlsa_status = res->status;
	h->tlsa_why = res->why;
	h->ntlsa = res->status == RESOLVER_OK ? res->count : 0;
	diag_step_done(c->run);
}

/* One MX host from an exchange name (presentation form, our copy). */
static void
diag_mx_set(struct diag_mx_host *h, uint16_t pref, const char *exchange)
{
	struct domain_name	 dn;
	const char		*why;
	size_t			 n;

	memset(h, 0, sizeof(*h));
	h->preference = pref;
	n = strnlen(exchange, DNSMSG_NAME_TEXT_MAX - 1);
	if (domain_normalize(span_make(exchange, n), &dn, &why) == 0) {
		memcpy(h->name, dn.name, dn.len + 1);
		h->valid = true;
	} else {
		memcpy(h->name, exchange, n);
		h->name[n] = '\0';
	}
}

static void
diag_on_mx(void *arg, const struct resolver_mx_result *res)
{
	struct diag_run			*run = arg;
	struct diag_input		*in = run->in;
	const struct dnsmsg_mx_answer	*a = res->answer;
	struct diag_mx_host		 tmp;
	char				 name[DIAG_NAME_MAX];
	size_t				 i, j;
	int				 n;

	in->mx_done = true;
	in->mx_status = res->status;
	in->mx_why = res->why;
	if (res->status == RESOLVER_NODATA) {
		in->implicit_mx = true;
		diag_mx_set(&in->mx[0], 0, in->domain.name);
		in->nmx = 1;
	} else if (res->status == RESOLVER_OK && a != NULL) {
		if (a->nmx == 1 && strcmp(a->mx[0].exchange, ".") == 0)
			in->null_mx = true;
		for (i = 0; i < a->nmx && in->nmx < DIAG_MAX_MX; i++) {
			/* A "." next to real hosts is ignored. */
			if (strcmp(a->mx[i].exchange, ".") == 0)
				continue;
			diag_mx_set(&in->mx[in->nmx++], a->mx[i].preference,
			    a->mx[i].exchange);
		}
		/* Insertion sort by preference, stable. */
		for (i = 1; i < in->nmx; i++) {
			tmp = in->mx[i];
			for (j = i; j > 0 &&
			    in->mx[j - 1].preference > tmp.preference; j--)
				in->mx[j] = in->mx[j - 1];
			in->mx[j] = tmp;
		}
	}
	for (i = 0; i < in->nmx; i++) {
		if (!in->mx[i].valid)
			continue;
		run->mxctx[i].run = run;
		run->mxctx[i].idx = i;
		/* diag_mx_set() made sure the name fits. */
		n = snprintf(name, sizeof(name), "_25._tcp.%s",
		    in->mx[i].name);
		if (n < 0 || (size_t)n >= sizeof(name))
			fatalx("diag: TLSA name does not fit");
		run->pending++;
		(void)resolver_query_count(run->res, name, DNSMSG_TYPE_TLSA,
		    diag_on_mx_tlsa, &run->mxctx[i]);
		if (!in->smtp)
			continue;
		run->pending++;
		(void)resolver_query_addrs(run->res, in->mx[i].name,
		    diag_on_mx_addrs, &run->mxctx[i]);
	}
	diag_step_done(run);
}

/* The --smtp probes, one after the other (blocking). */
static void
diag_probe_all(struct diag_input *in, const struct tlsprobe_opts *po)
{
	struct tlsprobe_result	 res;
	struct diag_probe	*p;
	size_t			 i, j;
	int			 n;

	for (i = 0; i < in->nmx; i++)
		for (j = 0; j < in->mx[i].nprobes; j++) {
			p = &in->mx[i].probes[j];
			(void)tlsprobe_smtp(in->mx[i].name, p->addr, po, &res);
			p->status = res.status;
			p->seconds = res.seconds;
			n = snprintf(p->reason, sizeof(p->reason), "%s",
			    res.reason);
			if (n < 0)
				p->reason[0] = '\0';
		}
}

/* Runs the network steps into in.  Returns 0, or -1 with a message. */
static int
diag_collect(const struct diag_opts *o, const struct config *cfg,
    struct diag_input *in)
{
	struct diag_run		*run;
	struct resolver_opts	 ropts;
	struct fetch_opts	 fopts;
	struct tlsprobe_opts	 popts;
	char			 name[DIAG_NAME_MAX];
	const char		*why = NULL;
	unsigned		 total_ms, connect_ms;
	int			 rc = -1, n;

	run = xcalloc(1, sizeof(*run));
	run->in = in;
	memset(&ropts, 0, sizeof(ropts));
	memset(&fopts, 0, sizeof(fopts));
	memset(&popts, 0, sizeof(popts));
	total_ms = DIAG_DEFAULT_TIMEOUT_S * 1000;
	connect_ms = DIAG_CONNECT_TIMEOUT_MS;
	if (cfg != NULL) {
		ropts.servers = (const char *const *)cfg->dns_servers;
		ropts.nservers = cfg->ndns_servers;
		ropts.timeout_ms = cfg->dns_timeout_ms;
		ropts.tries = cfg->dns_tries;
		fopts.ca_file = cfg->ca_file;
		total_ms = cfg->http_timeout_ms;
		connect_ms = cfg->http_connect_timeout_ms;
	}
	if (o->nservers > 0) {
		ropts.servers = o->servers;
		ropts.nservers = o->nservers;
	}
	if (o->ca_file != NULL)
		fopts.ca_file = o->ca_file;
	if (o->timeout_s != 0)
		total_ms = o->timeout_s * 1000;
	if (connect_ms > total_ms)
		connect_ms = total_ms;
	fopts.connect_timeout_ms = connect_ms;
	fopts.total_timeout_ms = total_ms;
	fopts.user_agent = "mta-stsctl";
	fopts.max_fetches = 1;
	popts.ca_file = fopts.ca_file;
	popts.connect_timeout_ms = connect_ms;
	popts.total_timeout_ms = total_ms;

	if ((run->base = event_base_new()) == NULL) {
		fprintf(stderr, "mta-stsctl check: event_base_new failed\n");
		goto out;
	}
	if ((run->res = resolver_new(run->base, &ropts, &why)) == NULL) {
		fprintf(stderr, "mta-stsctl check: resolver: %s\n", why);
		goto out;
	}
	if ((run->fet = fetcher_new(run->base, &fopts, &why)) == NULL) {
		fprintf(stderr, "mta-stsctl check: fetcher: %s\n", why);
		goto out;
	}

	run->pending = 3;
	n = snprintf(name, sizeof(name), "_mta-sts.%s", in->domain.name);
	if (n < 0 || (size_t)n >= sizeof(name))
		fatalx("diag: TXT name does not fit");
	(void)resolver_query_txt(run->res, name, diag_on_sts_txt, run);
	n = snprintf(name, sizeof(name), DIAG_TLSRPT_PREFIX "%s",
	    in->domain.name);
	if (n < 0 || (size_t)n >= sizeof(name))
		fatalx("diag: TXT name does not fit");
	(void)resolver_query_txt(run->res, name, diag_on_tlsrpt_txt, run);
	(void)resolver_query_mx(run->res, in->domain.name, diag_on_mx, run);
	if (event_base_dispatch(run->base) == -1) {
		fprintf(stderr, "mta-stsctl check: event loop failed\n");
		goto out;
	}
	if (run->pending != 0) {
		fprintf(stderr, "mta-stsctl check: event loop ended early\n");
		goto out;
	}
	fetcher_free(run->fet);
	run->fet = NULL;
	resolver_free(run->res);
	run->res = NULL;
	if (in->smtp)
		diag_probe_all(in, &popts);
	rc = 0;
out:
	fetcher_free(run->fet);
	resolver_free(run->res);
	if (run->base != NULL)
		event_base_free(run->base);
	free(run);
	return rc;
}

int
diag_command(int argc, char **argv)
{
	struct diag_opts	 o;
	struct config		 cfg;
	struct diag_input	*in;
	struct diag_report	*r;
	char			 err[CONFIG_ERR_MAX];
	const char		*why = NULL;
	bool			 have_cfg = false;
	int			 rc;

	if ((rc = diag_parse_args(argc, argv, &o)) != 0)
		return rc == 1 ? DIAG_EXIT_OK : DIAG_EXIT_ERROR;
	if (o.config != NULL) {
		config_init(&cfg);
		if (config_load(&cfg, o.config, true, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "mta-stsctl check: %s\n", err);
			config_clear(&cfg);
			return DIAG_EXIT_ERROR;
		}
		have_cfg = true;
	}
	in = xmalloc(sizeof(*in));
	diag_input_init(in);
	in->smtp = o.smtp;
	rc = DIAG_EXIT_ERROR;
	if (domain_normalize_idn(span_str(o.domain), &in->domain, &why) ==
	    -1) {
		fprintf(stderr, "mta-stsctl check: %s: %s\n",
		    log_esc_str(o.domain), why);
		goto out;
	}
	if (in->domain.len + sizeof(DIAG_TLSRPT_PREFIX) - 1 >
	    DOMAIN_MAX_NAME) {
		fprintf(stderr, "mta-stsctl check: %s: name too long\n",
		    in->domain.name);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (fetch_global_init() == -1) {
		fprintf(stderr, "mta-stsctl check: libcurl initialisation "
		    "failed\n");
		goto out;
	}
	if (diag_collect(&o, have_cfg ? &cfg : NULL, in) == -1) {
		fetch_global_cleanup();
		goto out;
	}
	fetch_global_cleanup();

	r = xmalloc(sizeof(*r));
	diag_report_init(r);
	diag_analyze(in, r);
	rc = r->exit_code;
	if (o.json) {
		if (diag_print_json(in, r) == -1)
			rc = DIAG_EXIT_ERROR;
	} else
		diag_print_human(in, r);
	if (fflush(stdout) == EOF)
		rc = DIAG_EXIT_ERROR;
	diag_report_clear(r);
	free(r);
out:
	diag_input_clear(in);
	free(in);
	if (have_cfg)
		config_clear(&cfg);
	return rc;
}
