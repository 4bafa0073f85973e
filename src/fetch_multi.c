/*
 * fetch_multi.c: the fetcher, libcurl's multi interface driven by
 * libevent, and its life cycle.  See fetch.h and fetch_int.h; one fetch's
 * own logic is in fetch.c.
 *
 * Event glue: curl tells us through CURLMOPT_SOCKETFUNCTION which sockets
 * to watch (one persistent event each) and through CURLMOPT_TIMERFUNCTION
 * when to call it back (one timer); both paths call
 * curl_multi_socket_action() and then drain curl_multi_info_read().
 * Callbacks to our callers only run from that drain or from a deferred
 * zero-second timer, never from inside a libcurl callback, so callers may
 * call back into this module.  fetcher_free() from inside such a callback
 * only marks the fetcher dying; the entry point that ran the callback
 * frees it on its way out (fetcher_leave()).
 */
#include <sys/queue.h>

#include <stdbool.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "fetch.h"
#include "fetch_int.h"

#define FETCH_MAX_CONNECTS	4	/* idle connections kept by the multi */

struct fetch_sock {
	struct fetcher		*fr;	/* borrowed: owner */
	struct event		*ev;	/* owned */
	TAILQ_ENTRY(fetch_sock)	 entry;
};

static void	fetcher_destroy(struct fetcher *);
static void	fetcher_drain(struct fetcher *);

int
fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

static void
fetch_sock_free(struct fetch_sock *s)
{
	TAILQ_REMOVE(&s->fr->socks, s, entry);
	if (s->ev != NULL)
		event_free(s->ev);
	free(s);
}

static void
fetcher_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_sock	*s = arg;
	struct fetcher		*fr = s->fr;
	int			 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	/* This may free s through fetcher_on_curl_socket(). */
	(void)curl_multi_socket_action(fr->multi, fd, flags, &running);
	fetcher_drain(fr);
	fetcher_leave(fr);
}

static void
fetcher_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fetcher	*fr = arg;
	int		 running;

	(void)fd;
	(void)what;
	(void)curl_multi_socket_action(fr->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	fetcher_drain(fr);
	fetcher_leave(fr);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl asks, or stop. */
static int
fetcher_on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct fetcher		*fr = userp;
	struct fetch_sock	*s = socketp;
	short			 kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			fetch_sock_free(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fr = fr;
		TAILQ_INSERT_TAIL(&fr->socks, s, entry);
		if (curl_multi_assign(fr->multi, fd, s) != CURLM_OK) {
			fetch_sock_free(s);
			return -1;
		}
	} else if (s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if ((s->ev = event_new(fr->base, fd, kind, fetcher_on_event, s)) ==
	    NULL || event_add(s->ev, NULL) == -1)
		return -1;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer; -1 removes it. */
static int
fetcher_on_curl_timer(CURLM *multi, long ms, void *userp)
{
	struct fetcher	*fr = userp;
	struct timeval	 tv;

	(void)multi;
	if (ms < 0)
		return event_del(fr->timer) == -1 ? -1 : 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(fr->timer, &tv) == -1 ? -1 : 0;
}

/* Hand every finished transfer to its caller. */
static void
fetcher_drain(struct fetcher *fr)
{
	CURLMsg		*msg;
	void		*priv;
	int		 left;

	while (!fr->dying &&
	    (msg = curl_multi_info_read(fr->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    &priv) != CURLE_OK || priv == NULL)
			continue;
		/* msg belongs to curl and dies with the handle. */
		fetch_finish(priv, msg->data.result);
	}
}

/* Called last by each event entry point: a deferred fetcher_free(). */
void
fetcher_leave(struct fetcher *fr)
{
	if (fr->depth == 0 && fr->dying)
		fetcher_destroy(fr);
}

void
fetcher_set_opts(struct fetcher *fr, const struct fetch_opts *opts)
{
	free(fr->ca_file);
	fr->ca_file = opts->ca_file != NULL ? xstrdup(opts->ca_file) : NULL;
	fr->connect_timeout_ms = opts->connect_timeout_ms != 0 ?
	    opts->connect_timeout_ms : FETCH_DEFAULT_CONNECT_TIMEOUT_MS;
	fr->total_timeout_ms = opts->total_timeout_ms != 0 ?
	    opts->total_timeout_ms : FETCH_DEFAULT_TOTAL_TIMEOUT_MS;
}

struct fetcher *
fetcher_new(struct event_base *base, const struct fetch_opts *opts,
    const char **why)
{
	const curl_version_info_data	*vi;
	struct fetcher			*fr;

	vi = curl_version_info(CURLVERSION_NOW);
	if (vi == NULL || vi->version_num < 0x075500 ||
	    !(vi->features & CURL_VERSION_SSL)) {
		*why = "libcurl 7.85 or newer with TLS support is needed";
		return NULL;
	}
	fr = xcalloc(1, sizeof(*fr));
	fr->base = base;
	TAILQ_INIT(&fr->fetches);
	TAILQ_INIT(&fr->socks);
	fr->user_agent = xstrdup(opts->user_agent != NULL ?
	    opts->user_agent : FETCH_DEFAULT_USER_AGENT);
	fetcher_set_opts(fr, opts);
	fr->port = opts->port != 0 ? opts->port : FETCH_DEFAULT_PORT;
	fr->max_fetches = opts->max_fetches != 0 ?
	    opts->max_fetches : FETCH_DEFAULT_MAX_FETCHES;
	if (fr->port > 65535) {
		*why = "port out of range";
		goto fail;
	}
	if ((fr->timer = evtimer_new(base, fetcher_on_timer, fr)) == NULL) {
		*why = "cannot create the fetch timer";
		goto fail;
	}
	if ((fr->multi = curl_multi_init()) == NULL) {
		*why = "curl_multi_init failed";
		goto fail;
	}
	if (curl_multi_setopt(fr->multi, CURLMOPT_SOCKETFUNCTION,
	    fetcher_on_curl_socket) != CURLM_OK ||
	    curl_multi_setopt(fr->multi, CURLMOPT_SOCKETDATA, fr) != CURLM_OK ||
	    curl_multi_setopt(fr->multi, CURLMOPT_TIMERFUNCTION,
	    fetcher_on_curl_timer) != CURLM_OK ||
	    curl_multi_setopt(fr->multi, CURLMOPT_TIMERDATA, fr) != CURLM_OK ||
	    curl_multi_setopt(fr->multi, CURLMOPT_MAXCONNECTS,
	    (long)FETCH_MAX_CONNECTS) != CURLM_OK) {
		*why = "curl_multi_setopt failed";
		goto fail;
	}
	return fr;
fail:
	fetcher_destroy(fr);
	return NULL;
}

void
fetcher_free(struct fetcher *fr)
{
	struct fetch	*f;

	if (fr == NULL || fr->dying)
		return;
	while ((f = TAILQ_FIRST(&fr->fetches)) != NULL)
		fetch_discard(f);
	fr->dying = true;
	fetcher_leave(fr);
}

static void
fetcher_destroy(struct fetcher *fr)
{
	struct fetch_sock	*s;
	struct fetch		*f;

	/* Only a caller bug (fetch_start() after fetcher_free()) leaves any. */
	while ((f = TAILQ_FIRST(&fr->fetches)) != NULL)
		fetch_discard(f);
	/* Closing cached connections may still call our socket callback. */
	if (fr->multi != NULL)
		(void)curl_multi_cleanup(fr->multi);
	while ((s = TAILQ_FIRST(&fr->socks)) != NULL)
		fetch_sock_free(s);
	if (fr->timer != NULL)
		event_free(fr->timer);
	free(fr->ca_file);
	free(fr->user_agent);
	free(fr);
}
