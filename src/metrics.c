/*
 * metrics.c: Prometheus text exposition.  See metrics.h.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "buf.h"
#include "cache.h"
#include "log.h"
#include "lookup.h"
#include "metrics.h"
#include "msec.h"
#include "refresh.h"
#include "reload.h"
#include "server.h"

#define METRICS_HTTP_TIMEOUT_MS	5000	/* a whole exchange */
#define METRICS_HTTP_MAX_HEAD	4096	/* request line and header fields */
#define METRICS_MAX_TEXT	65536
#define METRICS_ACCEPT_PAUSE_MS	1000	/* after accept() failed */
#define METRICS_LIMIT_LOG_GAP	60	/* seconds between "at limit" lines */

struct metrics_http;

struct metrics_conn {
	struct metrics_http	*mh;		/* borrowed */
	struct bufferevent	*bev;		/* owned */
	struct event		*deadline;	/* owned */
	char			*line;		/* owned; NULL until read */
	size_t			 line_len;	/* of the request line */
	size_t			 head_len;	/* bytes of the head so far */
	int			 status;	/* of the answer; 0 before */
	TAILQ_ENTRY(metrics_conn) entry;
};

struct metrics_http {
	struct event_base	*base;		/* borrowed */
	const struct metrics_src *src;		/* borrowed */
	struct evconnlistener	*evl;		/* owned */
	struct event		*accept_timer;	/* owned: resume after EMFILE */
	TAILQ_HEAD(, metrics_conn) conns;
	unsigned		 nconns;
	unsigned		 max_conns;
	bool			 at_cap;	/* paused at max_conns */
	time_t			 limit_logged;
};

static int	add(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
add(struct buf *out, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return buf_add(out, line, (size_t)n);
}

static int
metric(struct buf *out, const char *name, const char *type, const char *help)
{
	return add(out, "# HELP mtastsd_%s %s\n# TYPE mtastsd_%s %s\n", name,
	    help, name, type);
}

static int
value(struct buf *out, const char *name, const char *labels, uint64_t v)
{
	return add(out, "mtastsd_%s%s %" PRIu64 "\n", name, labels, v);
}

/* A family with one unlabelled value. */
static int
single(struct buf *out, const char *name, const char *type, const char *help,
    uint64_t v)
{
	return metric(out, name, type, help) | value(out, name, "", v);
}

int
metrics_text(const struct metrics_src *src, struct buf *out)
{
	const struct lookup_stats	*ls = lookup_engine_stats(src->lookups);
	const struct refresh_stats	*rs = refresh_get_stats(src->refresher);
	struct cache_info		 ci;
	const char			*name;
	char				 label[64];
	size_t				 i;
	int				 rc = 0;

	cache_get_info(src->cache, &ci);
	rc |= single(out, "uptime_seconds", "gauge",
	    "Seconds since start.", (uint64_t)(time(NULL) - src->started));
	rc |= single(out, "queries_total", "counter",
	    "Socketmap queries received.", ls->queries);
	rc |= metric(out, "replies_total", "counter", "Replies by kind.");
	rc |= value(out, "replies_total", "{reply=\"ok\"}", ls->replies_ok);
	rc |= value(out, "replies_total", "{reply=\"notfound\"}",
	    ls->replies_notfound);
	rc |= value(out, "replies_total", "{reply=\"temp\"}", ls->replies_temp);
	rc |= single(out, "queries_not_applicable_total", "counter",
	    "Keys that are no policy domain (probes, IP literals).",
	    ls->not_applicable);
	rc |= metric(out, "cache_lookups_total", "counter",
	    "Policy cache lookups by result.");
	rc |= value(out, "cache_lookups_total", "{result=\"hit\"}",
	    ls->cache_hits);
	rc |= value(out, "cache_lookups_total", "{result=\"miss\"}",
	    ls->cache_misses);
	rc |= value(out, "cache_lookups_total", "{result=\"negative\"}",
	    ls->negative_hits);
	rc |= single(out, "lookups_total", "counter",
	    "Discovery lookups started (including re-checks).", ls->lookups);
	rc |= single(out, "lookups_in_flight", "gauge",
	    "Discovery lookups running now.", lookup_in_flight(src->lookups));
	rc |= single(out, "query_waits_expired_total", "counter",
	    "Queries answered with the fallback after query_wait.",
	    ls->wait_timeouts);
	rc |= single(out, "busy_total", "counter",
	    "Queries answered with the fallback at a lookup limit.", ls->busy);
	rc |= metric(out, "txt_queries_total", "counter",
	    "_mta-sts TXT lookups by result.");
	rc |= value(out, "txt_queries_total", "{result=\"ok\"}", ls->txt_ok);
	rc |= value(out, "txt_queries_total", "{result=\"none\"}",
	    ls->txt_none);
	rc |= value(out, "txt_queries_total", "{result=\"failed\"}",
	    ls->txt_failed);
	rc |= metric(out, "fetches_total", "counter",
	    "Policy fetches by result (failures by reason).");
	rc |= value(out, "fetches_total", "{result=\"ok\"}", ls->fetch_ok);
	for (i = 0; (name = lookup_fetch_reason_name(i)) != NULL; i++) {
		snprintf(label, sizeof(label), "{result=\"%s\"}", name);
		rc |= value(out, "fetches_total", label, ls->fetch_failures[i]);
	}
	rc |= single(out, "fetches_backed_off_total", "counter",
	    "Fetches skipped because the same id failed recently.",
	    ls->fetch_backoff);
	rc |= single(out, "policies_invalid_total", "counter",
	    "Fetched policies that did not parse.", ls->policy_invalid);
	rc |= single(out, "policy_updates_total", "counter",
	    "Policies replaced after a TXT id change.", ls->policy_updates);
	rc |= single(out, "stale_served_total", "counter",
	    "Failures during which a valid cached policy was kept.",
	    ls->stale_served);
	rc |= single(out, "refreshes_total", "counter",
	    "Background re-checks and renewals started.", ls->refreshes);
	rc |= single(out, "evictions_total", "counter",
	    "Unused expired records deleted.", rs->deleted);
	rc |= single(out, "cache_errors_total", "counter",
	    "Cache read or write errors.", ls->cache_errors);
	rc |= single(out, "cache_records", "gauge",
	    "Records in the cache.", ci.records);
	rc |= metric(out, "cache_policies", "gauge",
	    "Valid cached policies by mode (as of the last scan).");
	rc |= value(out, "cache_policies", "{mode=\"enforce\"}",
	    rs->by_mode[0]);
	rc |= value(out, "cache_policies", "{mode=\"testing\"}",
	    rs->by_mode[1]);
	rc |= value(out, "cache_policies", "{mode=\"none\"}", rs->by_mode[2]);
	rc |= value(out, "cache_policies", "{mode=\"expired\"}", rs->expired);
	rc |= single(out, "cache_used_bytes", "gauge",
	    "Bytes of the cache map in use.", ci.used_bytes);
	rc |= single(out, "cache_corrupt_total", "counter",
	    "Corrupt cache records met.", ci.corrupt_seen);
	rc |= single(out, "cache_unwritten_records", "gauge",
	    "Policies known only in memory: their write failed or waits for "
	    "the next batch.", ci.unwritten);
	rc |= single(out, "cache_write_errors_total", "counter",
	    "Cache write transactions that failed.", ci.write_errors);
	rc |= single(out, "cache_writes_failing", "gauge",
	    "1 while cache writes fail (disk full, map at its cap).",
	    ci.writes_failing ? 1 : 0);
	rc |= single(out, "connections", "gauge",
	    "Socketmap client connections open.",
	    server_connections(src->server));
	if (src->reload != NULL) {
		rc |= metric(out, "config_reloads_total", "counter",
		    "Configuration reloads by result.");
		rc |= value(out, "config_reloads_total", "{result=\"ok\"}",
		    src->reload->ok);
		rc |= value(out, "config_reloads_total",
		    "{result=\"failed\"}", src->reload->failed);
		rc |= single(out, "config_last_reload_successful", "gauge",
		    "1 unless the last reload attempt failed.",
		    src->reload->last_error[0] == '\0');
		rc |= single(out, "config_restart_pending", "gauge",
		    "Changed keys that wait for a restart.",
		    src->reload->last.npending);
		rc |= single(out, "config_loaded_timestamp_seconds", "gauge",
		    "When the running configuration was read.",
		    (uint64_t)src->reload->loaded);
	}
	return rc == 0 ? 0 : -1;
}

static void
metrics_resume(struct metrics_http *mh)
{
	if (!evtimer_pending(mh->accept_timer, NULL) &&
	    mh->nconns < mh->max_conns) {
		mh->at_cap = false;
		evconnlistener_enable(mh->evl);
	}
}

static void
metrics_conn_close(struct metrics_conn *c)
{
	struct metrics_http	*mh = c->mh;

	TAILQ_REMOVE(&mh->conns, c, entry);
	mh->nconns--;
	bufferevent_free(c->bev);
	event_free(c->deadline);
	free(c->line);
	free(c);
	if (mh->at_cap)
		metrics_resume(mh);
}

/* Answer, then close once the answer has gone out. */
static void
metrics_reply(struct metrics_conn *c, int status, const char *reason,
    const struct buf *body)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	c->status = status;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "%s"
	    "Connection: close\r\n\r\n", status, reason,
	    body != NULL ? "text/plain; version=0.0.4; charset=utf-8" :
	    "text/plain; charset=utf-8",
	    body != NULL ? body->len : strlen(reason) + 1,
	    status == 405 ? "Allow: GET\r\n" : "");
	if (body != NULL)
		evbuffer_add(out, body->p, body->len);
	else
		evbuffer_add_printf(out, "%s\n", reason);
}

/*
 * RFC 9112, section 3:
 *	request-line = method SP request-target SP HTTP-version
 *	HTTP-version = "HTTP/1.0" / "HTTP/1.1"
 * Only "GET /metrics", with or without a query, is served.
 */
static void
metrics_route(struct metrics_conn *c, struct span line)
{
	struct span	 method, target, version;
	struct buf	 text;
	long		 sp;

	if ((sp = span_find(line, ' ')) < 1)
		goto bad;
	method = span_head(line, (size_t)sp);
	target = span_tail(line, (size_t)sp + 1);
	if ((sp = span_find(target, ' ')) < 1)
		goto bad;
	version = span_tail(target, (size_t)sp + 1);
	target = span_head(target, (size_t)sp);
	if (!span_eq_str(version, "HTTP/1.1") &&
	    !span_eq_str(version, "HTTP/1.0"))
		goto bad;
	if (!span_eq_str(method, "GET")) {
		metrics_reply(c, 405, "Method Not Allowed", NULL);
		return;
	}
	if ((sp = span_find(target, '?')) >= 0)
		target = span_head(target, (size_t)sp);
	if (!span_eq_str(target, "/metrics")) {
		metrics_reply(c, 404, "Not Found", NULL);
		return;
	}
	buf_init(&text, METRICS_MAX_TEXT);
	if (metrics_text(c->mh->src, &text) == -1)
		metrics_reply(c, 500, "Internal Server Error", NULL);
	else
		metrics_reply(c, 200, "OK", &text);
	buf_clear(&text);
	return;
bad:
	metrics_reply(c, 400, "Bad Request", NULL);
}

/*
 * Read the request line and the header fields up to the empty line
 * (their content does not matter here), then answer.  Lines end in CRLF
 * or, leniently, LF.  A head over METRICS_HTTP_MAX_HEAD bytes is refused.
 */
static void
metrics_on_read(struct bufferevent *bev, void *arg)
{
	struct metrics_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;

	/* head_len <= METRICS_HTTP_MAX_HEAD while no answer is out. */
	while (c->status == 0) {
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) >
			    METRICS_HTTP_MAX_HEAD - c->head_len)
				metrics_reply(c, 431, "Request Header Fields "
				    "Too Large", NULL);
			return;
		}
		if (len + 2 > METRICS_HTTP_MAX_HEAD - c->head_len) {
			metrics_reply(c, 431, "Request Header Fields Too "
			    "Large", NULL);
			free(line);
			return;
		}
		c->head_len += len + 2;
		if (c->line == NULL && len == 0)
			metrics_reply(c, 400, "Bad Request", NULL);
		else if (c->line == NULL) {
			c->line = line;
			c->line_len = len;
			line = NULL;
		} else if (len == 0)
			metrics_route(c, span_make(c->line, c->line_len));
		free(line);
	}
}

/* The answer is out: done. */
static void
metrics_on_write(struct bufferevent *bev, void *arg)
{
	struct metrics_conn	*c = arg;

	if (c->status != 0 &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		metrics_conn_close(c);
}

static void
metrics_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct metrics_conn	*c = arg;

	/* A client may close its side once it has asked. */
	if ((what & BEV_EVENT_EOF) && c->status != 0 &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	metrics_conn_close(c);
}

/* However slowly the client sends or reads, the exchange ends here. */
static void
metrics_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	metrics_conn_close(arg);
}

/*
 * At the cap, stop accepting (libevent's listener accepts nothing more
 * in this round once disabled): further clients wait in the kernel's
 * backlog, holding none of our descriptors.
 */
static void
metrics_on_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct metrics_http	*mh = arg;
	struct metrics_conn	*c;
	struct timeval		 tv = msec_tv(METRICS_HTTP_TIMEOUT_MS);
	time_t			 now;

	(void)sa;
	(void)salen;
	c = xcalloc(1, sizeof(*c));
	c->mh = mh;
	if ((c->deadline = evtimer_new(mh->base, metrics_on_deadline,
	    c)) == NULL || (c->bev = bufferevent_socket_new(mh->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("metrics: out of memory for a connection");
		if (c->deadline != NULL)
			event_free(c->deadline);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, metrics_on_read, metrics_on_write,
	    metrics_on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    METRICS_HTTP_MAX_HEAD + 1);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	evtimer_add(c->deadline, &tv);
	TAILQ_INSERT_TAIL(&mh->conns, c, entry);
	if (++mh->nconns < mh->max_conns)
		return;
	evconnlistener_disable(evl);
	mh->at_cap = true;
	now = time(NULL);
	if (now - mh->limit_logged >= METRICS_LIMIT_LOG_GAP) {
		log_info("metrics connections at limit max=%u", mh->max_conns);
		mh->limit_logged = now;
	}
}

static void
metrics_on_accept_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	metrics_resume(arg);
}

/*
 * accept() failed, most likely for want of descriptors (EMFILE): a
 * listener left on would fail again at once, so rest for a moment.
 */
static void
metrics_on_accept_error(struct evconnlistener *evl, void *arg)
{
	struct metrics_http	*mh = arg;
	struct timeval		 tv = msec_tv(METRICS_ACCEPT_PAUSE_MS);
	int			 err = EVUTIL_SOCKET_ERROR();

	evconnlistener_disable(evl);
	if (!evtimer_pending(mh->accept_timer, NULL))
		log_warnx("metrics accept failed: %s; pausing %d ms",
		    strerror(err), METRICS_ACCEPT_PAUSE_MS);
	evtimer_add(mh->accept_timer, &tv);
}

struct metrics_http *
metrics_http_new(struct event_base *base, const char *addr,
    unsigned max_conns, const struct metrics_src *src, char *err,
    size_t errlen)
{
	struct metrics_http	*mh;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) == -1) {
		snprintf(err, errlen, "metrics_listen %s: expected ADDR:PORT",
		    addr);
		return NULL;
	}
	mh = xcalloc(1, sizeof(*mh));
	mh->base = base;
	mh->src = src;
	mh->max_conns = max_conns;
	TAILQ_INIT(&mh->conns);
	if ((mh->accept_timer = evtimer_new(base, metrics_on_accept_timer,
	    mh)) == NULL) {
		snprintf(err, errlen, "metrics: evtimer_new failed");
		metrics_http_free(mh);
		return NULL;
	}
	mh->evl = evconnlistener_new_bind(base, metrics_on_accept, mh,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    -1, (struct sockaddr *)&ss, sslen);
	if (mh->evl == NULL) {
		snprintf(err, errlen, "metrics_listen %s: cannot bind: %s",
		    addr, strerror(errno));
		metrics_http_free(mh);
		return NULL;
	}
	evconnlistener_set_error_cb(mh->evl, metrics_on_accept_error);
	return mh;
}

void
metrics_http_free(struct metrics_http *mh)
{
	struct metrics_conn	*c;

	if (mh == NULL)
		return;
	mh->at_cap = false;
	while ((c = TAILQ_FIRST(&mh->conns)) != NULL)
		metrics_conn_close(c);
	if (mh->evl != NULL)
		evconnlistener_free(mh->evl);
	if (mh->accept_timer != NULL)
		event_free(mh->accept_timer);
	free(mh);
}
