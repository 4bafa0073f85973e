/*
 * fetch_int.h: internals shared by the files of the fetch module.
 *
 * Private to the fetcher: only fetch*.c include it; everyone else goes
 * through fetch.h.  Only the fetch module (fetch*.c) includes
 * curl/curl.h for HTTPS (tlsprobe.c has its own SMTP use of it); no CURL
 * handle or type leaves fetch*.c.  The module is split in two:
 *	fetch.c		one fetch: arguments, routes and libcurl options,
 *			the write callback, the response checks, the
 *			classification of failures and the delivery of the
 *			result to the caller;
 *	fetch_multi.c	the fetcher: libcurl's multi interface on libevent
 *			(socket and timer callbacks, draining finished
 *			transfers) and its life cycle, deferred frees
 *			included.
 */
#ifndef MTASTSD_FETCH_INT_H
#define MTASTSD_FETCH_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "fetch.h"

struct event;
struct event_base;
struct fetch_sock;

struct fetch {
	struct fetcher		*fr;	/* borrowed: owner */
	TAILQ_ENTRY(fetch)	 entry;
	CURL			*easy;	/* owned; NULL when not in the multi */
	CURLSH			*share;	/* owned: private DNS cache; or NULL */
	struct curl_slist	*resolve;	/* owned; or NULL */
	struct curl_slist	*connect_to;	/* owned; or NULL */
	struct event		*defer;	/* owned; NULL unless failing early */
	fetch_done_fn		*done;	/* borrowed */
	void			*arg;	/* borrowed: the caller's */
	struct buf		 body;	/* capped at FETCH_MAX_BODY */
	struct timespec		 t0;
	unsigned		 connect_ms;	/* the timeouts it runs with */
	unsigned		 total_ms;
	enum fetch_status	 status;
	long			 http_code;
	bool			 have_verdict;	/* status and reason final */
	bool			 checked;	/* status line and type seen */
	bool			 in_callback;
	size_t			 reason_len;
	char			 reason[FETCH_REASON_MAX];
	char			 errbuf[CURL_ERROR_SIZE];
};

struct fetcher {
	struct event_base	*base;	/* borrowed: the caller's */
	CURLM			*multi;	/* owned */
	struct event		*timer;	/* owned: curl's one timeout */
	char			*ca_file;	/* owned; NULL: system store */
	char			*user_agent;	/* owned */
	unsigned		 connect_timeout_ms;
	unsigned		 total_timeout_ms;
	unsigned		 port;
	size_t			 max_fetches;
	size_t			 nfetches;	/* in the list below */
	TAILQ_HEAD(, fetch)	 fetches;
	TAILQ_HEAD(, fetch_sock) socks;	/* owned; in fetch_multi.c */
	unsigned		 depth;	/* nested caller callbacks running */
	bool			 dying;	/* fetcher_free() ran inside one */
};

/* fetch.c */
/*
 * The transfer of f ended with rc: classify it, take f out of the
 * fetcher, call its caller back and free it.
 */
void	fetch_finish(struct fetch *, CURLcode);
/* Take f out of the fetcher and free it without calling back. */
void	fetch_discard(struct fetch *);

/* fetch_multi.c */
/* Called last by each event entry point: a deferred fetcher_free(). */
void	fetcher_leave(struct fetcher *);

#endif
