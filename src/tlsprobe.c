/*
 * tlsprobe.c: blocking SMTP STARTTLS probe with libcurl.  See tlsprobe.h.
 *
 * One smtp:// transfer whose only command is NOOP (CURLOPT_CUSTOMREQUEST
 * without a recipient): libcurl reads the greeting, sends EHLO, STARTTLS
 * (CURLUSESSL_ALL makes its absence an error), does the TLS handshake
 * with the certificate checked against the host name in the URL, sends
 * EHLO again and NOOP; curl_easy_cleanup() then says QUIT, which
 * CURLOPT_CONNECT_ONLY would not.  A server that refuses NOOP after a
 * verified handshake still passes: TLS is what is probed.  The URL names
 * the MX host and a CURLOPT_RESOLVE entry pins it to the caller's
 * address; a resolver-start hook refuses any other name lookup.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "domain.h"
#include "fetch.h"
#include "tlsprobe.h"

#define TLSPROBE_ESC_MAX	160	/* peer or library bytes quoted */
#define TLSPROBE_ADDR_MAX	64
#define TLSPROBE_RESOLVE_MAX	(TLSPROBE_MAX_HOST + TLSPROBE_ADDR_MAX + 16)

struct tlsprobe {
	struct tlsprobe_result	*out;	/* borrowed from the caller */
	size_t			 len;	/* of out->reason */
	char			 errbuf[CURL_ERROR_SIZE];
};

static void
tlsprobe_reason(struct tlsprobe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append our own text to the reason. */
static void
tlsprobe_reason(struct tlsprobe *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	p->len = text_vappendf(p->out->reason, sizeof(p->out->reason), p->len,
	    fmt, ap);
	va_end(ap);
}

/* Append at most TLSPROBE_ESC_MAX bytes of s by span_esc()'s rule. */
static void
tlsprobe_reason_esc(struct tlsprobe *p, struct span s)
{
	p->len = text_append_esc(p->out->reason, sizeof(p->out->reason),
	    p->len, s, TLSPROBE_ESC_MAX);
}

/* The NOOP reply text: not needed. */
static size_t
tlsprobe_on_write(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
tlsprobe_on_resolver_start(void *resolver, void *reserved, void *arg)
{
	(void)resolver;
	(void)reserved;
	(void)arg;
	return 1;
}

/* curl's error text (without a trailing newline), or the generic one. */
static struct span
tlsprobe_curl_text(const struct tlsprobe *p, CURLcode rc)
{
	struct span	s = span_make(p->errbuf, strnlen(p->errbuf,
			    sizeof(p->errbuf)));

	if (s.len == 0)
		s = span_str(curl_easy_strerror(rc));
	while (s.len > 0 && (s.p[s.len - 1] == '\n' || s.p[s.len - 1] == '\r'))
		s.len--;
	return s;
}

static void
tlsprobe_tls(struct tlsprobe *p, struct span text)
{
	p->out->status = TLSPROBE_TLS;
	tlsprobe_reason(p, "TLS: ");
	tlsprobe_reason_esc(p, fetch_tls_text(text));
}

static void
tlsprobe_classify(struct tlsprobe *p, CURL *e, CURLcode rc,
    unsigned connect_ms, unsigned total_ms)
{
	struct span		 text = tlsprobe_curl_text(p, rc);
	long			 oserr = 0, lport = 0;
	curl_off_t		 tls = 0;

	/* After a verified handshake, only the NOOP can have failed. */
	(void)curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &tls);
	if (rc == CURLE_WEIRD_SERVER_REPLY && tls > 0) {
		p->out->status = TLSPROBE_OK;
		tlsprobe_reason(p, "STARTTLS ok, certificate valid (then: ");
		tlsprobe_reason_esc(p, text);
		tlsprobe_reason(p, ")");
		return;
	}
	switch (rc) {
	case CURLE_OK:
		p->out->status = TLSPROBE_OK;
		tlsprobe_reason(p, "STARTTLS ok, certificate valid");
		return;
	case CURLE_OPERATION_TIMEDOUT:
		(void)curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &lport);
		if (lport == 0) {
			p->out->status = TLSPROBE_CONNECT;
			tlsprobe_reason(p, "connect: timed out after %u ms",
			    connect_ms);
		} else {
			p->out->status = TLSPROBE_TIMEOUT;
			tlsprobe_reason(p, "timed out after %u ms", total_ms);
		}
		return;
	case CURLE_COULDNT_CONNECT:
		p->out->status = TLSPROBE_CONNECT;
		(void)curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
		if (oserr != 0) {
			tlsprobe_reason(p, "connect: %s", strerror((int)oserr));
			return;
		}
		tlsprobe_reason(p, "connect: ");
		tlsprobe_reason_esc(p, text);
		return;
	case CURLE_USE_SSL_FAILED:
		p->out->status = TLSPROBE_NO_STARTTLS;
		tlsprobe_reason(p, "STARTTLS: ");
		tlsprobe_reason_esc(p, text);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		if (span_contains(text, "wrong version number") ||
		    span_contains(text, "packet length too long")) {
			p->out->status = TLSPROBE_PROTOCOL;
			tlsprobe_reason(p, "not TLS after STARTTLS: ");
			tlsprobe_reason_esc(p, text);
			return;
		}
		tlsprobe_tls(p, text);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
		tlsprobe_tls(p, text);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_UNSUPPORTED_PROTOCOL:
		p->out->status = TLSPROBE_ERROR;
		tlsprobe_reason(p, "internal: ");
		tlsprobe_reason_esc(p, text);
		return;
	default:
		/* Not our enum: greeting or reply codes, resets, EOF. */
		p->out->status = TLSPROBE_PROTOCOL;
		tlsprobe_reason(p, "SMTP: ");
		tlsprobe_reason_esc(p, text);
		return;
	}
}

#define TLSPROBE_SETOPT(e, opt, val) do {				\
	if (curl_easy_setopt((e), (opt), (val)) != CURLE_OK) {		\
		*why = "libcurl refused option " #opt;			\
		return -1;						\
	}								\
} while (0)

static int
tlsprobe_setup(struct tlsprobe *p, CURL *e, const char *url,
    struct curl_slist *resolve, const struct tlsprobe_opts *o,
    unsigned connect_ms, unsigned total_ms, const char **why)
{
	TLSPROBE_SETOPT(e, CURLOPT_ERRORBUFFER, p->errbuf);
	TLSPROBE_SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	TLSPROBE_SETOPT(e, CURLOPT_URL, url);
	TLSPROBE_SETOPT(e, CURLOPT_PROTOCOLS_STR, "smtp");
	TLSPROBE_SETOPT(e, CURLOPT_CUSTOMREQUEST, "NOOP");
	TLSPROBE_SETOPT(e, CURLOPT_WRITEFUNCTION, tlsprobe_on_write);
	TLSPROBE_SETOPT(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	TLSPROBE_SETOPT(e, CURLOPT_PROXY, "");
	TLSPROBE_SETOPT(e, CURLOPT_NOPROXY, "*");
	TLSPROBE_SETOPT(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	TLSPROBE_SETOPT(e, CURLOPT_RESOLVE, resolve);
	TLSPROBE_SETOPT(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L);
	TLSPROBE_SETOPT(e, CURLOPT_RESOLVER_START_FUNCTION,
	    tlsprobe_on_resolver_start);
	/* RFC 8461 §4.1: PKIX-valid for the MX host name. */
	TLSPROBE_SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
	TLSPROBE_SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file != NULL) {
		TLSPROBE_SETOPT(e, CURLOPT_CAINFO, o->ca_file);
		TLSPROBE_SETOPT(e, CURLOPT_CAPATH, (char *)NULL);
	}
	TLSPROBE_SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	TLSPROBE_SETOPT(e, CURLOPT_TIMEOUT_MS, (long)total_ms);
	return 0;
}

int
tlsprobe_smtp(const char *host, const char *addr,
    const struct tlsprobe_opts *o, struct tlsprobe_result *out)
{
	struct tlsprobe		 p;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	struct timespec		 t0, t1;
	struct curl_slist	*resolve = NULL;
	char			 url[TLSPROBE_MAX_HOST + 32];
	char			 ent[TLSPROBE_RESOLVE_MAX];
	const char		*why = NULL;
	unsigned		 port, connect_ms, total_ms;
	bool			 v6;
	CURL			*e = NULL;
	CURLcode		 rc;
	int			 n;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	p.out = out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	port = o->port != 0 ? o->port : TLSPROBE_DEFAULT_PORT;
	total_ms = o->total_timeout_ms != 0 ? o->total_timeout_ms :
	    TLSPROBE_DEFAULT_TOTAL_TIMEOUT_MS;
	connect_ms = o->connect_timeout_ms != 0 ? o->connect_timeout_ms :
	    TLSPROBE_DEFAULT_CONNECT_TIMEOUT_MS;
	if (connect_ms > total_ms)
		connect_ms = total_ms;

	out->status = TLSPROBE_ERROR;
	if (host == NULL || !domain_is_valid(span_str(host))) {
		tlsprobe_reason(&p, "internal: not a valid host name");
		goto done;
	}
	v6 = addr != NULL && inet_pton(AF_INET6, addr, &a6) == 1;
	if (addr == NULL || strlen(addr) >= TLSPROBE_ADDR_MAX ||
	    (!v6 && inet_pton(AF_INET, addr, &a4) != 1) || port > 65535) {
		tlsprobe_reason(&p, "internal: bad address or port");
		goto done;
	}
	n = snprintf(url, sizeof(url), "smtp://%s:%u", host, port);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		tlsprobe_reason(&p, "internal: URL too long");
		goto done;
	}
	n = snprintf(ent, sizeof(ent), v6 ? "%s:%u:[%s]" : "%s:%u:%s", host,
	    port, addr);
	if (n < 0 || (size_t)n >= sizeof(ent) ||
	    (resolve = curl_slist_append(NULL, ent)) == NULL) {
		tlsprobe_reason(&p, "internal: cannot build the resolve entry");
		goto done;
	}
	if ((e = curl_easy_init()) == NULL) {
		tlsprobe_reason(&p, "internal: curl_easy_init failed");
		goto done;
	}
	if (tlsprobe_setup(&p, e, url, resolve, o, connect_ms, total_ms,
	    &why) == -1) {
		tlsprobe_reason(&p, "internal: %s", why);
		goto done;
	}
	rc = curl_easy_perform(e);
	tlsprobe_classify(&p, e, rc, connect_ms, total_ms);

done:
	curl_easy_cleanup(e);
	curl_slist_free_all(resolve);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return out->status == TLSPROBE_OK ? 0 : -1;
}

const char *
tlsprobe_status_name(enum tlsprobe_status st)
{
	switch (st) {
	case TLSPROBE_OK:
		return "ok";
	case TLSPROBE_CONNECT:
		return "connect";
	case TLSPROBE_NO_STARTTLS:
		return "no-starttls";
	case TLSPROBE_TLS:
		return "tls";
	case TLSPROBE_TIMEOUT:
		return "timeout";
	case TLSPROBE_PROTOCOL:
		return "protocol";
	case TLSPROBE_ERROR:
		return "error";
	}
	return "unknown";
}
