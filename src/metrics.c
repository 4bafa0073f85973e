/*
 * metrics.c: Prometheus text exposition.  See metrics.h.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "buf.h"
#include "cache.h"
#include "log.h"
#include "lookup.h"
#include "metrics.h"
#include "refresh.h"
#include "reload.h"
#include "server.h"

#define METRICS_HTTP_TIMEOUT	5	/* seconds per connection */
#define METRICS_HTTP_MAX_HEADERS 4096
#define METRICS_HTTP_MAX_BODY	0	/* GET only */
#define METRICS_MAX_TEXT	65536

struct metrics_http {
	struct evhttp		*http;	/* owned */
	const struct metrics_src *src;	/* borrowed */
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
metrics_on_request(struct evhttp_request *req, void *arg)
{
	struct metrics_http	*mh = arg;
	struct evbuffer		*body;
	struct buf		 text;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	buf_init(&text, METRICS_MAX_TEXT);
	if (metrics_text(mh->src, &text) == -1 ||
	    (body = evbuffer_new()) == NULL) {
		buf_clear(&text);
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evbuffer_add(body, text.p, text.len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
	buf_clear(&text);
}

static void
metrics_on_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, "Not Found");
}

struct metrics_http *
metrics_http_new(struct event_base *base, const char *addr,
    const struct metrics_src *src, char *err, size_t errlen)
{
	struct metrics_http	*mh;
	char			 host[64];
	const char		*colon = strrchr(addr, ':');
	size_t			 hlen;
	long			 port;

	if (colon == NULL || (port = strtol(colon + 1, NULL, 10)) <= 0 ||
	    port > 65535) {
		snprintf(err, errlen, "metrics_listen %s: expected ADDR:PORT",
		    addr);
		return NULL;
	}
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "metrics_listen: bad address");
		return NULL;
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	mh = xcalloc(1, sizeof(*mh));
	mh->src = src;
	if ((mh->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "metrics: evhttp_new failed");
		free(mh);
		return NULL;
	}
	evhttp_set_timeout(mh->http, METRICS_HTTP_TIMEOUT);
	evhttp_set_max_headers_size(mh->http, METRICS_HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(mh->http, METRICS_HTTP_MAX_BODY);
	evhttp_set_allowed_methods(mh->http, EVHTTP_REQ_GET);
	evhttp_set_cb(mh->http, "/metrics", metrics_on_request, mh);
	evhttp_set_gencb(mh->http, metrics_on_other, mh);
	if (evhttp_bind_socket(mh->http, host, (uint16_t)port) == -1) {
		snprintf(err, errlen, "metrics_listen %s:%ld: cannot bind",
		    host, port);
		metrics_http_free(mh);
		return NULL;
	}
	return mh;
}

void
metrics_http_free(struct metrics_http *mh)
{
	if (mh == NULL)
		return;
	evhttp_free(mh->http);
	free(mh);
}
