/*
 * fetch.h: the HTTPS policy fetcher (RFC 8461 §3.3).
 *
 * GETs https://mta-sts.<domain>/.well-known/mta-sts.txt with libcurl's
 * multi interface driven by a libevent base.  The caller resolves
 * mta-sts.<domain> itself and hands over numeric addresses; libcurl is
 * never allowed to resolve a name on its own.  Only HTTPS is spoken, the
 * certificate must verify for mta-sts.<domain> (system store or a CA file),
 * TLS is 1.2 or newer, redirects are not followed, only a 200 with media
 * type text/plain succeeds, the body is capped at FETCH_MAX_BODY bytes and
 * every fetch has a connect and a total timeout.  Proxy settings in the
 * environment are ignored.
 *
 * The fetch module (fetch.c, fetch_multi.c and their private header
 * fetch_int.h) is the only one that includes curl/curl.h: CURL handles
 * never leave it.  It does not log (only fatalx() when an event cannot be
 * added, i.e. out of memory); every outcome carries a reason string.
 * The fetcher owns its fetches, a connection cache and the events it
 * registers on the borrowed event base.
 */
#ifndef MTASTSD_FETCH_H
#define MTASTSD_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct event_base;

#define FETCH_MAX_BODY		65536	/* bytes; one more is a failure */
#define FETCH_MAX_ADDRS		16	/* addresses tried per fetch */
#define FETCH_REASON_MAX	256	/* reason text, NUL included */
#define FETCH_MAX_HOST		253	/* "mta-sts." + domain */

#define FETCH_DEFAULT_CONNECT_TIMEOUT_MS	10000
#define FETCH_DEFAULT_TOTAL_TIMEOUT_MS		60000
#define FETCH_DEFAULT_PORT			443
#define FETCH_DEFAULT_MAX_FETCHES		256
#define FETCH_DEFAULT_USER_AGENT		"mta-stsd"

/* Zero / NULL members take the defaults above. */
struct fetch_opts {
	const char	*ca_file;	/* copied; NULL: the system store */
	const char	*user_agent;	/* copied; NULL: the default */
	unsigned	 connect_timeout_ms;	/* TCP + TLS handshake */
	unsigned	 total_timeout_ms;	/* the whole fetch */
	unsigned	 port;		/* 443; tests override it */
	size_t		 max_fetches;	/* in flight at once */
};

enum fetch_status {
	FETCH_OK,		/* 200, text/plain, body within the cap */
	FETCH_CONNECT,		/* refused, unreachable, TCP connect timeout */
	FETCH_TLS,		/* handshake or certificate verification */
	FETCH_HTTP_STATUS,	/* a status other than 200 (and not 3xx) */
	FETCH_REDIRECT,		/* 3xx: never followed */
	FETCH_MEDIA_TYPE,	/* Content-Type missing or not text/plain */
	FETCH_TOO_LARGE,	/* body over FETCH_MAX_BODY bytes */
	FETCH_TIMEOUT,		/* total timeout, or stalled after connect */
	FETCH_PROTOCOL,		/* not TLS, not HTTP, connection cut short */
	FETCH_ERROR		/* our own failure (bad arguments, limits) */
};

struct fetch_result {
	enum fetch_status status;
	long		 http_code;	/* 0 when no response was read */
	struct span	 body;		/* borrowed; only during the callback */
	const char	*reason;	/* borrowed; only during the callback */
	double		 seconds;	/* from fetch_start() to completion */
};

typedef void fetch_done_fn(void *, const struct fetch_result *);

struct fetcher;
struct fetch;

/* Call once before any other function here, and cleanup once at exit. */
int		 fetch_global_init(void);
void		 fetch_global_cleanup(void);

/*
 * A fetcher on base, which must outlive it.  Copies what opts points to.
 * Returns NULL and sets *why when libcurl cannot be set up.
 */
struct fetcher	*fetcher_new(struct event_base *, const struct fetch_opts *,
		    const char **);

/*
 * Cancels every fetch in flight (their callbacks are not called) and
 * frees everything, closing cached connections.  Call it before freeing
 * the event base.  NULL is a no-op.  It may be called from a fetch
 * callback; then no further callback runs and the memory goes once the
 * callback returns.
 */
void		 fetcher_free(struct fetcher *);
/*
 * A configuration reload: ca_file and the timeouts of opts (copied;
 * zero / NULL take the defaults) apply to fetches started from now on;
 * fetches in flight keep theirs, and libcurl reuses no connection that
 * was verified against another CA file.  The other members are ignored.
 */
void		 fetcher_set_opts(struct fetcher *, const struct fetch_opts *);

/*
 * Start fetching the policy of domain (lower-case A-labels, no trailing
 * dot), connecting to addrs[0..naddrs) (numeric IPv4 or IPv6 strings,
 * tried in order).  Copies domain and addrs.  Returns a handle that stays
 * valid until done is called or the fetch is cancelled; never NULL.
 *
 * done(arg, result) runs exactly once, from the event loop, never before
 * fetch_start() returns; bad arguments and the max_fetches limit are
 * reported that way too (FETCH_ERROR).  Inside done, the fetch is
 * already finished: cancelling it is a no-op, and it is freed when done
 * returns.  done may start new fetches, cancel other fetches, and free
 * the fetcher (and then must not start fetches any more).
 */
struct fetch	*fetch_start(struct fetcher *, const char *,
		    const char *const *, size_t, fetch_done_fn *, void *);

/* Stop a fetch; its callback is not called.  NULL is a no-op. */
void		 fetch_cancel(struct fetch *);

const char	*fetch_status_name(enum fetch_status);

/*
 * Whether a Content-Type value is text/plain (RFC 8461 §3.3): the type
 * compared case-insensitively, parameters and surrounding white space
 * allowed.  Exposed for unit tests.
 */
bool		 fetch_media_type_is_text_plain(struct span);
/*
 * libcurl's text for a TLS failure without its "SSL certificate
 * problem: " prefix, so that OpenSSL's verify text comes first (also
 * used by tlsprobe.c).
 */
struct span	 fetch_tls_text(struct span);

#endif
