/*
 * fetch.c: one HTTPS policy fetch on libcurl.  See fetch.h; the fetcher
 * (libcurl's multi interface on libevent, its life cycle) is in
 * fetch_multi.c, the shared structures in fetch_int.h.
 *
 * A fetch is set up (arguments checked, routes and options given to a
 * new easy handle added to the multi), judged while it runs (status line
 * and media type once the headers are in, the body capped), classified
 * when it ends and delivered to the caller from the event loop.  A fetch
 * that fails before it starts is failed from a zero-second timer.
 *
 * Name resolution: each fetch gets a private DNS cache (a CURLSH sharing
 * only CURL_LOCK_DATA_DNS) holding one CURLOPT_RESOLVE entry with the
 * caller's addresses, so nothing leaks from one fetch to the next, and a
 * resolver-start hook refuses any name curl would look up by itself.
 * Connection reuse: curl matches cached connections on host name and
 * port only, so a later fetch of the same host with other addresses
 * could reuse a connection to the old ones.  We therefore route each
 * fetch with CURLOPT_CONNECT_TO through a synthetic host name derived
 * from the address list ("<hash>.addrs.mta-stsd.invalid"), which curl
 * also compares when reusing; the RESOLVE entry maps that name.  TLS SNI
 * and certificate checks still use mta-sts.<domain>.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "fetch.h"
#include "fetch_int.h"
#include "log.h"

#define FETCH_PATH		"/.well-known/mta-sts.txt"
#define FETCH_HOST_PREFIX	"mta-sts."
#define FETCH_ADDR_MAX		64	/* longest numeric address string */
/* "addr:port:" + up to FETCH_MAX_ADDRS bracketed addresses and commas */
#define FETCH_RESOLVE_MAX	(80 + FETCH_MAX_ADDRS * (INET6_ADDRSTRLEN + 3))
#define FETCH_ESC_MAX		160	/* peer bytes quoted in a reason */

#ifndef CURL_WRITEFUNC_ERROR
#define CURL_WRITEFUNC_ERROR	0
#endif

/* Reasons: our own text through printf, peer or library text escaped. */

static void
fetch_reason(struct fetch *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
fetch_reason(struct fetch *f, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	f->reason_len = text_vappendf(f->reason, sizeof(f->reason), 0, fmt,
	    ap);
	va_end(ap);
}

/*
 * Append at most FETCH_ESC_MAX bytes of s by span_esc()'s rule: the
 * reason is logged as reason="...", which peer text cannot close.
 */
static void
fetch_reason_esc(struct fetch *f, struct span s)
{
	f->reason_len = text_append_esc(f->reason, sizeof(f->reason),
	    f->reason_len, s, FETCH_ESC_MAX);
}

/* curl's error text, or the generic text for rc when it left none. */
static struct span
fetch_curl_text(const struct fetch *f, CURLcode rc)
{
	size_t	n;

	n = strnlen(f->errbuf, sizeof(f->errbuf));
	if (n == 0)
		return span_str(curl_easy_strerror(rc));
	return span_make(f->errbuf, n);
}

static void
fetch_verdict(struct fetch *f, enum fetch_status st)
{
	f->status = st;
	f->have_verdict = true;
}

/*
 * Judge the status line and Content-Type once the headers are in.
 * Returns FETCH_OK when the body is worth reading; otherwise records the
 * verdict and returns it.
 */
static enum fetch_status
fetch_check_response(struct fetch *f)
{
	struct curl_header	*loc = NULL;
	const char		*ct = NULL;
	long			 code = 0;

	f->checked = true;
	if (curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK)
		code = 0;
	f->http_code = code;
	if (code >= 300 && code <= 399) {
		/*
		 * The raw header: CURLINFO_REDIRECT_URL is only filled in
		 * once the body is done, and we stop before.
		 */
		fetch_verdict(f, FETCH_REDIRECT);
		if (curl_easy_header(f->easy, "Location", 0, CURLH_HEADER, -1,
		    &loc) != CURLHE_OK || loc == NULL || loc->value == NULL) {
			fetch_reason(f, "redirect (HTTP %ld) without Location",
			    code);
			return f->status;
		}
		fetch_reason(f, "redirect (HTTP %ld) to ", code);
		fetch_reason_esc(f, span_make(loc->value,
		    strnlen(loc->value, 2048)));
		return f->status;
	}
	if (code != 200) {
		fetch_verdict(f, FETCH_HTTP_STATUS);
		fetch_reason(f, "HTTP status %ld", code);
		return f->status;
	}
	if (curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct) !=
	    CURLE_OK || ct == NULL) {
		fetch_verdict(f, FETCH_MEDIA_TYPE);
		fetch_reason(f, "no media type");
		return f->status;
	}
	if (!fetch_media_type_is_text_plain(span_make(ct,
	    strnlen(ct, 1024)))) {
		fetch_verdict(f, FETCH_MEDIA_TYPE);
		fetch_reason(f, "media type ");
		fetch_reason_esc(f, span_make(ct, strnlen(ct, 1024)));
		return f->status;
	}
	return FETCH_OK;
}

static size_t
fetch_on_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch	*f = arg;

	/* curl documents size as always 1; stay safe if it is not. */
	if (size != 1)
		return CURL_WRITEFUNC_ERROR;
	if (!f->checked && fetch_check_response(f) != FETCH_OK)
		return CURL_WRITEFUNC_ERROR;
	if (buf_add(&f->body, p, n) == -1) {
		fetch_verdict(f, FETCH_TOO_LARGE);
		fetch_reason(f, "body larger than %d bytes", FETCH_MAX_BODY);
		return CURL_WRITEFUNC_ERROR;
	}
	return n;
}

/* curl only starts a resolver when a name is not in our DNS cache. */
static int
fetch_on_resolver_start(void *resolver, void *reserved, void *arg)
{
	(void)resolver;
	(void)reserved;
	(void)arg;
	return 1;
}

static unsigned
fetch_timeout_ms(const struct fetch *f, bool connecting)
{
	if (connecting && f->connect_ms < f->total_ms)
		return f->connect_ms;
	return f->total_ms;
}

static void
fetch_classify_tls(struct fetch *f, struct span text)
{
	f->status = FETCH_TLS;
	fetch_reason(f, "TLS: ");
	fetch_reason_esc(f, fetch_tls_text(text));
}

/* Turn a finished transfer into a status and a reason. */
static void
fetch_classify(struct fetch *f, CURLcode rc)
{
	struct span		 text;
	curl_off_t		 tls = 0;
	long			 oserr = 0, lport = 0;

	if (f->have_verdict)
		return;
	text = fetch_curl_text(f, rc);
	switch (rc) {
	case CURLE_OK:
		if (fetch_check_response(f) == FETCH_OK) {
			f->status = FETCH_OK;
			fetch_reason(f, "ok");
		}
		return;
	case CURLE_FILESIZE_EXCEEDED:
		/* Only from Content-Length; a bad status matters more. */
		if (fetch_check_response(f) != FETCH_OK)
			return;
		f->status = FETCH_TOO_LARGE;
		fetch_reason(f, "body larger than %d bytes", FETCH_MAX_BODY);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		/*
		 * curl 7.88 sets CURLINFO_CONNECT_TIME only once TLS is up
		 * too; the local port is known as soon as TCP is.
		 */
		(void)curl_easy_getinfo(f->easy, CURLINFO_LOCAL_PORT, &lport);
		(void)curl_easy_getinfo(f->easy, CURLINFO_APPCONNECT_TIME_T,
		    &tls);
		if (lport == 0) {
			f->status = FETCH_CONNECT;
			fetch_reason(f, "connect: timed out after %u ms",
			    fetch_timeout_ms(f, true));
		} else if (tls == 0) {
			f->status = FETCH_TIMEOUT;
			fetch_reason(f, "timed out after %u ms in the TLS "
			    "handshake", fetch_timeout_ms(f, true));
		} else {
			f->status = FETCH_TIMEOUT;
			fetch_reason(f, "timed out after %u ms",
			    fetch_timeout_ms(f, false));
		}
		return;
	case CURLE_COULDNT_CONNECT:
		f->status = FETCH_CONNECT;
		(void)curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &oserr);
		if (oserr != 0) {
			fetch_reason(f, "connect: %s", strerror((int)oserr));
			return;
		}
		fetch_reason(f, "connect: ");
		fetch_reason_esc(f, text);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		/* A peer that does not speak TLS at all. */
		if (span_contains(text, "wrong version number") ||
		    span_contains(text, "packet length too long")) {
			f->status = FETCH_PROTOCOL;
			fetch_reason(f, "not TLS: ");
			fetch_reason_esc(f, text);
			return;
		}
		fetch_classify_tls(f, text);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		fetch_classify_tls(f, text);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		f->status = FETCH_ERROR;
		fetch_reason(f, "internal: libcurl wanted to resolve a name");
		return;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_SETOPT_OPTION_SYNTAX:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_ABORTED_BY_CALLBACK:
		f->status = FETCH_ERROR;
		fetch_reason(f, "internal: ");
		fetch_reason_esc(f, text);
		return;
	default:
		/*
		 * Not our enum: everything else (empty reply, cut-short
		 * body, HTTP/0.9, HTTP/2 framing, resets) is the peer's.
		 */
		f->status = FETCH_PROTOCOL;
		fetch_reason(f, "protocol: ");
		fetch_reason_esc(f, text);
		return;
	}
}

/* Take the fetch out of the multi and release every libcurl object. */
static void
fetch_release_curl(struct fetch *f)
{
	if (f->easy != NULL) {
		(void)curl_multi_remove_handle(f->fr->multi, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	if (f->share != NULL) {
		(void)curl_share_cleanup(f->share);
		f->share = NULL;
	}
	curl_slist_free_all(f->resolve);
	f->resolve = NULL;
	curl_slist_free_all(f->connect_to);
	f->connect_to = NULL;
}

/* Unlink from the fetcher; afterwards only fetch_free() is left. */
static void
fetch_detach(struct fetch *f)
{
	struct fetcher	*fr = f->fr;

	fetch_release_curl(f);
	if (f->defer != NULL) {
		event_free(f->defer);
		f->defer = NULL;
	}
	TAILQ_REMOVE(&fr->fetches, f, entry);
	fr->nfetches--;
}

static void
fetch_free(struct fetch *f)
{
	buf_clear(&f->body);
	free(f);
}

/* Call the caller back, then free f.  f must be detached. */
static void
fetch_deliver(struct fetch *f)
{
	struct fetcher		*fr = f->fr;
	struct fetch_result	 res;
	struct timespec		 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&res, 0, sizeof(res));
	res.status = f->status;
	res.http_code = f->http_code;
	if (f->status == FETCH_OK)
		res.body = buf_span(&f->body);
	res.reason = f->reason;
	res.seconds = (double)(now.tv_sec - f->t0.tv_sec) +
	    (double)(now.tv_nsec - f->t0.tv_nsec) / 1e9;
	fr->depth++;
	f->in_callback = true;
	f->done(f->arg, &res);
	fetch_free(f);
	fr->depth--;
}

void
fetch_finish(struct fetch *f, CURLcode rc)
{
	fetch_classify(f, rc);
	if (f->http_code == 0)
		(void)curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE,
		    &f->http_code);
	fetch_detach(f);
	fetch_deliver(f);
}

void
fetch_discard(struct fetch *f)
{
	fetch_detach(f);
	fetch_free(f);
}

static void
fetch_on_defer(evutil_socket_t fd, short what, void *arg)
{
	struct fetch	*f = arg;
	struct fetcher	*fr = f->fr;

	(void)fd;
	(void)what;
	fetch_detach(f);
	fetch_deliver(f);
	fetcher_leave(fr);
}

/* Fail f from the event loop, soon: callers never see a callback early. */
static void
fetch_fail_later(struct fetch *f, enum fetch_status st, const char *why)
{
	static const struct timeval	 now = { 0, 0 };

	fetch_release_curl(f);
	fetch_verdict(f, st);
	fetch_reason(f, "%s", why);
	if ((f->defer = evtimer_new(f->fr->base, fetch_on_defer, f)) == NULL ||
	    evtimer_add(f->defer, &now) == -1) {
		/* Only out of memory; the callback contract cannot hold. */
		fatalx("fetch: cannot schedule a deferred callback");
	}
}

/*
 * "mta-sts." + domain, for a domain of LDH labels (RFC 1123 §2.1) of 1..63
 * characters: nothing that could break the URL or curl's option syntax.
 */
static int
fetch_make_host(const char *domain, char *host, size_t hostsz,
    const char **why)
{
	size_t	len, label = 0, i;
	int	n;

	len = strnlen(domain, FETCH_MAX_HOST + 1);
	if (len == 0 ||
	    len > FETCH_MAX_HOST - (sizeof(FETCH_HOST_PREFIX) - 1)) {
		*why = "domain empty or too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		uint8_t	c = (uint8_t)domain[i];

		if (c == '.') {
			if (label == 0) {
				*why = "domain has an empty label";
				return -1;
			}
			label = 0;
			continue;
		}
		if (!ascii_is_alnum(c) && c != '-') {
			*why = "domain has a character outside LDH";
			return -1;
		}
		if (++label > 63) {
			*why = "domain has a label over 63 characters";
			return -1;
		}
	}
	if (label == 0) {
		*why = "domain has an empty label";
		return -1;
	}
	n = snprintf(host, hostsz, FETCH_HOST_PREFIX "%s", domain);
	if (n < 0 || (size_t)n >= hostsz) {
		*why = "domain too long";
		return -1;
	}
	return 0;
}

/*
 * The CURLOPT_RESOLVE and CURLOPT_CONNECT_TO entries for the numeric
 * addresses: each is parsed and printed again, so only canonical IPv4
 * and bracketed IPv6 text reaches curl.
 */
static int
fetch_make_routes(struct fetch *f, const char *host,
    const char *const *addrs, size_t naddrs, const char **why)
{
	char		 list[FETCH_RESOLVE_MAX], ent[FETCH_RESOLVE_MAX];
	char		 tok[64];
	char		 text[INET6_ADDRSTRLEN];
	unsigned char	 bin[sizeof(struct in6_addr)];
	uint64_t	 h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t		 len = 0, i, j;
	unsigned	 port = f->fr->port;
	int		 n, af;

	if (naddrs == 0 || naddrs > FETCH_MAX_ADDRS) {
		*why = "no addresses or too many";
		return -1;
	}
	for (i = 0; i < naddrs; i++) {
		if (addrs[i] == NULL ||
		    strnlen(addrs[i], FETCH_ADDR_MAX) >= FETCH_ADDR_MAX) {
			*why = "address missing or too long";
			return -1;
		}
		if (inet_pton(AF_INET, addrs[i], bin) == 1)
			af = AF_INET;
		else if (inet_pton(AF_INET6, addrs[i], bin) == 1)
			af = AF_INET6;
		else {
			*why = "address is not numeric IPv4 or IPv6";
			return -1;
		}
		if (inet_ntop(af, bin, text, sizeof(text)) == NULL) {
			*why = "address cannot be printed";
			return -1;
		}
		n = snprintf(list + len, sizeof(list) - len,
		    af == AF_INET6 ? "%s[%s]" : "%s%s", i == 0 ? "" : ",",
		    text);
		if (n < 0 || (size_t)n >= sizeof(list) - len) {
			*why = "address list too long";
			return -1;
		}
		len += (size_t)n;
	}
	for (j = 0; j < len; j++) {
		h ^= (uint8_t)list[j];
		h *= 0x100000001b3ULL;
	}
	n = snprintf(tok, sizeof(tok), "%016" PRIx64 ".addrs.mta-stsd.invalid",
	    h);
	if (n < 0 || (size_t)n >= sizeof(tok)) {
		*why = "route name too long";
		return -1;
	}
	n = snprintf(ent, sizeof(ent), "%s:%u:%s", tok, port, list);
	if (n < 0 || (size_t)n >= sizeof(ent) ||
	    (f->resolve = curl_slist_append(NULL, ent)) == NULL) {
		*why = "cannot build the resolve entry";
		return -1;
	}
	n = snprintf(ent, sizeof(ent), "%s:%u:%s:%u", host, port, tok, port);
	if (n < 0 || (size_t)n >= sizeof(ent) ||
	    (f->connect_to = curl_slist_append(NULL, ent)) == NULL) {
		*why = "cannot build the connect-to entry";
		return -1;
	}
	return 0;
}

#define FETCH_SETOPT(e, opt, val) do {					\
	if (curl_easy_setopt((e), (opt), (val)) != CURLE_OK) {		\
		*why = "libcurl refused option " #opt;			\
		return -1;						\
	}								\
} while (0)

static int
fetch_setup(struct fetch *f, const char *domain, const char *const *addrs,
    size_t naddrs, const char **why)
{
	struct fetcher	*fr = f->fr;
	char		 host[FETCH_MAX_HOST + 1];
	char		 url[FETCH_MAX_HOST + 64];
	CURL		*e;
	int		 n;

	if (fetch_make_host(domain, host, sizeof(host), why) == -1)
		return -1;
	if (fetch_make_routes(f, host, addrs, naddrs, why) == -1)
		return -1;
	if (fr->port == FETCH_DEFAULT_PORT)
		n = snprintf(url, sizeof(url), "https://%s" FETCH_PATH, host);
	else
		n = snprintf(url, sizeof(url), "https://%s:%u" FETCH_PATH,
		    host, fr->port);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		*why = "URL too long";
		return -1;
	}

	if ((f->share = curl_share_init()) == NULL ||
	    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) !=
	    CURLSHE_OK) {
		*why = "curl_share_init failed";
		return -1;
	}
	if ((f->easy = e = curl_easy_init()) == NULL) {
		*why = "curl_easy_init failed";
		return -1;
	}
	FETCH_SETOPT(e, CURLOPT_PRIVATE, f);
	FETCH_SETOPT(e, CURLOPT_ERRORBUFFER, f->errbuf);
	FETCH_SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	FETCH_SETOPT(e, CURLOPT_URL, url);
	FETCH_SETOPT(e, CURLOPT_PROTOCOLS_STR, "https");
	FETCH_SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	FETCH_SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L);
	FETCH_SETOPT(e, CURLOPT_HTTPGET, 1L);
	FETCH_SETOPT(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	FETCH_SETOPT(e, CURLOPT_USERAGENT, fr->user_agent);
	/* Environment proxies must not apply: no proxy for any host. */
	FETCH_SETOPT(e, CURLOPT_PROXY, "");
	FETCH_SETOPT(e, CURLOPT_NOPROXY, "*");
	FETCH_SETOPT(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);

	/* Routing: our addresses only, in a DNS cache of this fetch alone. */
	FETCH_SETOPT(e, CURLOPT_SHARE, f->share);
	FETCH_SETOPT(e, CURLOPT_RESOLVE, f->resolve);
	FETCH_SETOPT(e, CURLOPT_CONNECT_TO, f->connect_to);
	FETCH_SETOPT(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L);
	FETCH_SETOPT(e, CURLOPT_RESOLVER_START_FUNCTION,
	    fetch_on_resolver_start);
	FETCH_SETOPT(e, CURLOPT_RESOLVER_START_DATA, f);

	/* RFC 8461 §3.3: a valid certificate for mta-sts.<domain>; TLS 1.2+ */
	FETCH_SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
	FETCH_SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
	FETCH_SETOPT(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (fr->ca_file != NULL) {
		FETCH_SETOPT(e, CURLOPT_CAINFO, fr->ca_file);
		/* Only that file: not also the built-in CA directory. */
		FETCH_SETOPT(e, CURLOPT_CAPATH, (char *)NULL);
	}

	f->connect_ms = fr->connect_timeout_ms;
	f->total_ms = fr->total_timeout_ms;
	FETCH_SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)fetch_timeout_ms(f, true));
	FETCH_SETOPT(e, CURLOPT_TIMEOUT_MS, (long)f->total_ms);
	/* Catches a large Content-Length early; the write callback the rest. */
	FETCH_SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BODY);
	FETCH_SETOPT(e, CURLOPT_WRITEFUNCTION, fetch_on_write);
	FETCH_SETOPT(e, CURLOPT_WRITEDATA, f);

	if (curl_multi_add_handle(fr->multi, e) != CURLM_OK) {
		*why = "curl_multi_add_handle failed";
		return -1;
	}
	return 0;
}

struct fetch *
fetch_start(struct fetcher *fr, const char *domain, const char *const *addrs,
    size_t naddrs, fetch_done_fn *done, void *arg)
{
	struct fetch	*f;
	const char	*why = NULL;
	bool		 full;

	full = fr->nfetches >= fr->max_fetches;
	f = xcalloc(1, sizeof(*f));
	f->fr = fr;
	f->done = done;
	f->arg = arg;
	buf_init(&f->body, FETCH_MAX_BODY);
	clock_gettime(CLOCK_MONOTONIC, &f->t0);
	TAILQ_INSERT_TAIL(&fr->fetches, f, entry);
	fr->nfetches++;
	if (full)
		fetch_fail_later(f, FETCH_ERROR, "too many fetches in flight");
	else if (domain == NULL || addrs == NULL)
		fetch_fail_later(f, FETCH_ERROR, "no domain or addresses");
	else if (fetch_setup(f, domain, addrs, naddrs, &why) == -1)
		fetch_fail_later(f, FETCH_ERROR, why);
	return f;
}

void
fetch_cancel(struct fetch *f)
{
	if (f == NULL || f->in_callback)
		return;
	fetch_discard(f);
}
