/*
 * lookup.c: the lookup engine.  See lookup.h.
 *
 * This first version knows no discovery yet: every key answers
 * NOTFOUND, delivered through the same asynchronous interface the RFC
 * 8461 flow will use, so the server and its tests do not change when
 * discovery arrives.
 */
#include <sys/queue.h>

#include <stdlib.h>

#include <event2/event.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "lookup.h"
#include "socketmap.h"

struct lookup_wait {
	struct lookup_engine	*engine;	/* borrowed */
	struct event		*ev;		/* owned: deferred answer */
	uint64_t		 conn_id;
	lookup_done_fn		*fn;
	void			*arg;		/* borrowed from the caller */
	TAILQ_ENTRY(lookup_wait) entry;
};

struct lookup_engine {
	struct event_base	*base;		/* borrowed */
	const struct config	*cfg;		/* borrowed */
	TAILQ_HEAD(, lookup_wait) waits;
};

struct lookup_engine *
lookup_engine_new(struct event_base *base, const struct config *cfg,
    const char **why)
{
	struct lookup_engine	*le;

	(void)why;
	le = xcalloc(1, sizeof(*le));
	le->base = base;
	le->cfg = cfg;
	TAILQ_INIT(&le->waits);
	return le;
}

static void
wait_free(struct lookup_wait *w)
{
	TAILQ_REMOVE(&w->engine->waits, w, entry);
	event_free(w->ev);
	free(w);
}

void
lookup_engine_free(struct lookup_engine *le)
{
	struct lookup_wait	*w;

	if (le == NULL)
		return;
	while ((w = TAILQ_FIRST(&le->waits)) != NULL)
		wait_free(w);
	free(le);
}

/*
 * The one mapping from a decision to the socketmap reply.  Discovery
 * adds decisions; each gets its line here and nowhere else.
 */
static void
lookup_on_answer(evutil_socket_t fd, short what, void *arg)
{
	struct lookup_wait	*w = arg;
	lookup_done_fn		*fn = w->fn;
	void			*fnarg = w->arg;

	(void)fd;
	(void)what;
	wait_free(w);
	fn(fnarg, SOCKETMAP_NOTFOUND, span_make(NULL, 0));
}

struct lookup_wait *
lookup_query(struct lookup_engine *le, struct span key, uint64_t conn_id,
    lookup_done_fn *fn, void *arg)
{
	struct lookup_wait	*w;

	w = xcalloc(1, sizeof(*w));
	w->engine = le;
	w->conn_id = conn_id;
	w->fn = fn;
	w->arg = arg;
	if ((w->ev = event_new(le->base, -1, 0, lookup_on_answer, w)) == NULL)
		fatalx("lookup: event_new failed");
	TAILQ_INSERT_TAIL(&le->waits, w, entry);
	log_debug("query conn=%llu key=%s", (unsigned long long)conn_id,
	    log_esc(key));
	event_active(w->ev, 0, 0);
	return w;
}

void
lookup_cancel(struct lookup_wait *w)
{
	if (w != NULL)
		wait_free(w);
}
