/*
 * server.c: socketmap listeners and connections.  See server.h.
 *
 * A connection is a small state machine driven by its bufferevent:
 *
 *	READING --request--> WAITING --answer--> WRITING --drained--> READING
 *	   |                                        |
 *	   |--bad request: PERM--> WRITING          +--aged--> closed
 *	   +--framing error: PERM--> CLOSING --drained--> closed
 *
 * Back-pressure: a connection parses one request at a time and the next
 * one only after the reply to the last has left our output buffer (the
 * write callback), so pipelined requests are answered in order and a
 * client that does not read stops being answered.  Postfix never
 * pipelines.  The read high-water mark keeps what we buffer from a
 * client to one maximal request frame, so a connection holds at most
 * one request in and one reply out.
 *
 * Each state has one deadline on c->timer: idle_timeout while READING
 * an empty buffer, request_timeout once part of a request is in, none
 * while WAITING (query_wait bounds the lookup), reply_timeout from the
 * moment a reply is queued until it has drained, however slowly the
 * client reads (libevent's own write timeout restarts at every bit of
 * progress).  c->age_timer ends a connection at max_connection_age, but
 * only between requests: a request under way is answered first.
 *
 * At max_connections the server stops accepting.  If a client then
 * waits to connect, the connection idle longest makes room for it, once
 * it has been idle longer than Postfix keeps an unused connection.
 */
#include "autoconfig.h"	/* _GNU_SOURCE for struct ucred */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "lookup.h"
#include "msec.h"
#include "netstring.h"
#include "server.h"
#include "socketmap.h"
#include "uidcount.h"

#define SERVER_MAX_UNKNOWN_MAPS	16	/* names remembered for warn-once */
#define SERVER_LOG_BURST	10	/* lines of one kind per window */
#define SERVER_LOG_WINDOW	60	/* seconds */
#define SERVER_ACCEPT_PAUSE_MS	1000
/*
 * At the connection limit, only a connection idle this long is closed
 * for a newcomer: Postfix closes its own after 10 s unused, so one idle
 * longer belongs to a Postfix process busy elsewhere (which reconnects
 * and retries transparently) or to something that is not Postfix.
 */
#define SERVER_EVICT_IDLE_MS	10000
/*
 * Kernel buffers of TCP connections, set on the listener so accepted
 * sockets inherit them (the kernel doubles both).  A reply is at most
 * SOCKETMAP_MAX_REPLY bytes and fits; a request at most
 * netstring_frame_max(SOCKETMAP_MAX_REQUEST).  Without them autotuning
 * lets a client that pipelines and never reads park megabytes per
 * connection in the kernel.
 */
#define SERVER_SNDBUF		(64 * 1024)
#define SERVER_RCVBUF		(16 * 1024)

enum conn_state {
	CONN_READING,	/* waiting for (the rest of) a request */
	CONN_WAITING,	/* the lookup engine has the request */
	CONN_WRITING,	/* a reply drains; nothing more is parsed */
	CONN_CLOSING	/* the last reply drains, then close */
};

struct conn {
	uint64_t		 id;
	struct server		*srv;		/* borrowed */
	struct bufferevent	*bev;		/* owned */
	struct event		*timer;		/* owned: state's deadline */
	struct event		*age_timer;	/* owned: max_connection_age */
	struct lookup_wait	*wait;		/* owned; NULL unless WAITING */
	enum conn_state		 state;
	bool			 partial;	/* READING: a request begun */
	bool			 aged;		/* close after this reply */
	bool			 has_uid;	/* counted in srv->uids */
	uid_t			 uid;		/* unix peers (SO_PEERCRED) */
	uint64_t		 idle_since;	/* ms, monotonic; READING */
	char			 peer[INET6_ADDRSTRLEN + 8];
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 idle_entry;	/* on srv->idle while READING */
};

struct listener {
	struct server		*srv;		/* borrowed */
	struct evconnlistener	*evl;		/* owned */
	struct event		*pending;	/* owned: a client waits */
	char			*unix_path;	/* owned; NULL for inet */
	const char		*text;		/* borrowed from the config */
};

struct ratelim {
	time_t		window;
	unsigned	count;
	unsigned	suppressed;
};

struct server {
	struct event_base	*base;		/* borrowed */
	const struct config	*cfg;		/* borrowed */
	struct lookup_engine	*lookups;	/* borrowed; NULL until start */
	struct listener		 listeners[CONFIG_MAX_LISTEN];
	size_t			 nlisteners;
	TAILQ_HEAD(, conn)	 conns;
	/* READING connections, the one idle longest first. */
	TAILQ_HEAD(, conn)	 idle;
	size_t			 nconns;
	unsigned		 max_conns;
	struct uidcount		 uids;		/* unix peers' connections */
	uint64_t		 next_id;
	bool			 accepting;
	time_t			 at_limit_logged;	/* last time */
	bool			 shutting_down;
	struct event		*accept_timer;	/* owned: resume after EMFILE */
	struct event		*evict_timer;	/* owned: look for room again */
	struct event		*shutdown_timer; /* owned; NULL until stop */
	server_done_fn		*done_fn;
	void			*done_arg;	/* borrowed */
	struct ratelim		 badreq_log;
	struct ratelim		 slow_log;
	struct ratelim		 uid_log;
	struct ratelim		 evict_log;
	/* Names warned about, owned. */
	char			*unknown_maps[SERVER_MAX_UNKNOWN_MAPS];
	size_t			 nunknown_maps;
	bool			 unknown_overflow_logged;
};

static void	conn_close(struct conn *);
static void	conn_process(struct conn *);
static void	conn_drained(struct conn *, bool);
static void	server_set_accepting(struct server *, bool);

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
conn_state_name(enum conn_state st)
{
	switch (st) {
	case CONN_READING:
		return "reading";
	case CONN_WAITING:
		return "waiting";
	case CONN_WRITING:
		return "writing";
	case CONN_CLOSING:
		return "closing";
	}
	return "?";
}

/* c starts READING: srv->idle holds exactly those, idle longest first. */
static void
conn_idle_add(struct conn *c)
{
	c->idle_since = now_ms();
	c->partial = false;
	TAILQ_INSERT_TAIL(&c->srv->idle, c, idle_entry);
}

static void
conn_set_state(struct conn *c, enum conn_state st)
{
	log_debug("conn conn=%llu state=%s->%s", (unsigned long long)c->id,
	    conn_state_name(c->state), conn_state_name(st));
	if (c->state == CONN_READING)
		TAILQ_REMOVE(&c->srv->idle, c, idle_entry);
	if (st == CONN_READING)
		conn_idle_add(c);
	c->state = st;
}

/* (Re)start the deadline of the connection's state. */
static void
conn_arm(struct conn *c, unsigned ms)
{
	struct timeval	tv = msec_tv(ms);

	evtimer_add(c->timer, &tv);
}

/*
 * True when one more line of a kind may be logged: SERVER_LOG_BURST a
 * window, and the count of those left out is logged when the next
 * window opens.
 */
static bool
ratelim_allow(struct ratelim *rl, const char *event)
{
	time_t	now = time(NULL);

	if (now - rl->window >= SERVER_LOG_WINDOW) {
		if (rl->suppressed > 0)
			log_info("%s suppressed=%u window=%ds", event,
			    rl->suppressed, SERVER_LOG_WINDOW);
		rl->window = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count >= SERVER_LOG_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	return true;
}

/* Log a malformed request, at most SERVER_LOG_BURST lines a window. */
static void
server_log_badreq(struct server *srv, struct conn *c, const char *why)
{
	if (ratelim_allow(&srv->badreq_log, "request malformed"))
		log_info("request malformed conn=%llu peer=%s reason=\"%s\"",
		    (unsigned long long)c->id, c->peer, why);
}

/* Warn once per unknown map name; answer it like the configured map. */
static void
server_check_map(struct server *srv, struct conn *c, struct span name)
{
	size_t	i;

	if (span_eq_str(name, srv->cfg->map_name))
		return;
	for (i = 0; i < srv->nunknown_maps; i++)
		if (span_eq_str(name, srv->unknown_maps[i]))
			return;
	if (srv->nunknown_maps == SERVER_MAX_UNKNOWN_MAPS) {
		if (!srv->unknown_overflow_logged)
			log_warnx("map unknown conn=%llu name=%s "
			    "note=\"further unknown names not logged\"",
			    (unsigned long long)c->id, log_esc(name));
		srv->unknown_overflow_logged = true;
		return;
	}
	srv->unknown_maps[srv->nunknown_maps++] = span_strdup(name);
	log_warnx("map unknown conn=%llu name=%s configured=%s "
	    "note=\"answered as the configured map; fix the socketmap "
	    "table name in Postfix\"", (unsigned long long)c->id,
	    log_esc(name), srv->cfg->map_name);
}

/*
 * Encode the reply and hand it to the kernel.  With nothing queued
 * before it, it is written at once (a reply fits the socket buffer), so
 * the usual answer costs one send() and no EPOLLOUT round trip (two
 * epoll_ctl() and a wake-up); what the kernel does not take is queued
 * on the bufferevent.  *drained tells whether all of it went.
 */
static int
conn_write_reply(struct conn *c, enum socketmap_status st, struct span data,
    bool *drained)
{
	struct evbuffer	*ob = bufferevent_get_output(c->bev);
	struct buf	 out;
	ssize_t		 n = 0;
	int		 rc = 0;

	buf_init(&out, SOCKETMAP_MAX_REPLY + NETSTRING_MAX_DIGITS + 2);
	if (socketmap_reply_encode(&out, st, data) == -1) {
		/* Never send something odd: fall back to a temporary error. */
		log_errx("reply unencodable conn=%llu status=%s",
		    (unsigned long long)c->id, socketmap_status_name(st));
		buf_reset(&out);
		if (socketmap_reply_encode(&out, SOCKETMAP_TEMP,
		    span_str("internal error")) == -1)
			fatalx("server: cannot encode a fixed reply");
	}
	*drained = false;
	if (evbuffer_get_length(ob) == 0) {
		n = send(bufferevent_getfd(c->bev), out.p, out.len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			log_debug("reply write failed conn=%llu: %s",
			    (unsigned long long)c->id, strerror(errno));
			buf_clear(&out);
			return -1;
		}
		if (n == -1)
			n = 0;
	}
	if ((size_t)n == out.len)
		*drained = true;
	else if (bufferevent_write(c->bev, out.p + n, out.len -
	    (size_t)n) == -1) {
		log_errx("reply write failed conn=%llu",
		    (unsigned long long)c->id);
		rc = -1;
	}
	buf_clear(&out);
	return rc;
}

/*
 * Queue a reply and parse nothing more until it has drained; after the
 * last one (or during shutdown) the connection closes.  May close c.
 */
static void
conn_reply(struct conn *c, enum socketmap_status st, struct span data,
    bool last)
{
	bool	drained;

	if (conn_write_reply(c, st, data, &drained) == -1) {
		conn_close(c);
		return;
	}
	if (last || c->srv->shutting_down) {
		conn_set_state(c, CONN_CLOSING);
		bufferevent_disable(c->bev, EV_READ);
	} else
		conn_set_state(c, CONN_WRITING);
	if (drained) {
		/* As the write callback would, without waiting for it. */
		conn_drained(c, false);
		return;
	}
	conn_arm(c, c->srv->cfg->reply_timeout_ms);
}

static void
conn_on_answer(void *arg, enum socketmap_status st, struct span data)
{
	struct conn	*c = arg;

	c->wait = NULL;
	conn_reply(c, st, data, false);
}

/* Parse and dispatch one buffered request, if a whole one is in. */
static void
conn_process(struct conn *c)
{
	struct server		*srv = c->srv;
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct socketmap_request req;
	struct span		 frame, payload;
	size_t			 avail, consumed, fmax;
	enum netstring_status	 ns;
	const char		*why;

	if (c->state != CONN_READING)
		return;
	if ((avail = evbuffer_get_length(in)) == 0)
		return;
	fmax = netstring_frame_max(SOCKETMAP_MAX_REQUEST);
	if (avail > fmax)
		avail = fmax;
	frame = span_make(evbuffer_pullup(in, (ssize_t)avail), avail);
	ns = netstring_decode(frame, SOCKETMAP_MAX_REQUEST, &payload,
	    &consumed, &why);
	switch (ns) {
	case NETSTRING_MORE:
		/* A half-written request gets request_timeout. */
		if (!c->partial) {
			c->partial = true;
			conn_arm(c, srv->cfg->request_timeout_ms);
		}
		return;
	case NETSTRING_TOO_LONG:
	case NETSTRING_BAD:
		/* The stream is out of sync: answer, then hang up. */
		server_log_badreq(srv, c, why);
		conn_reply(c, SOCKETMAP_PERM, span_str(why), true);
		return;
	case NETSTRING_OK:
		break;
	}
	if (socketmap_request_parse(payload, &req, &why) == -1) {
		/* Framing is intact: answer PERM and read on. */
		server_log_badreq(srv, c, why);
		evbuffer_drain(in, consumed);
		conn_reply(c, SOCKETMAP_PERM, span_str(why), false);
		return;
	}
	server_check_map(srv, c, req.name);
	evtimer_del(c->timer);
	conn_set_state(c, CONN_WAITING);
	c->wait = lookup_query(srv->lookups, req.key, c->id, conn_on_answer,
	    c);
	evbuffer_drain(in, consumed);
}

static void
conn_on_read(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	conn_process(c);
}

/*
 * The reply is with the kernel: close, or read the next request.  From
 * the write callback (now) the next buffered request is parsed at once;
 * after a direct write (conn_reply(), maybe itself called while parsing)
 * it is parsed from the event loop, so a pipeline of bad requests does
 * not recurse.  May close c.
 */
static void
conn_drained(struct conn *c, bool now)
{
	switch (c->state) {
	case CONN_CLOSING:
		conn_close(c);
		return;
	case CONN_WRITING:
		if (c->aged) {
			log_debug("conn max age conn=%llu peer=%s, closed "
			    "after its reply", (unsigned long long)c->id,
			    c->peer);
			conn_close(c);
			return;
		}
		conn_set_state(c, CONN_READING);
		conn_arm(c, c->srv->cfg->idle_timeout_ms);
		if (now)
			conn_process(c);
		else if (evbuffer_get_length(bufferevent_get_input(c->bev)) >
		    0)
			bufferevent_trigger(c->bev, EV_READ,
			    BEV_TRIG_IGNORE_WATERMARKS |
			    BEV_TRIG_DEFER_CALLBACKS);
		return;
	case CONN_READING:
	case CONN_WAITING:
		return;
	}
}

/* The output buffer has drained: the reply is with the kernel. */
static void
conn_on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_drained(arg, true);
}

static void
conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_ERROR)
		log_debug("conn error conn=%llu peer=%s: %s",
		    (unsigned long long)c->id, c->peer,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	conn_close(c);
}

/*
 * Make the close of a stalled connection abortive: a TCP reset drops
 * what the kernel still queues for the client at once, instead of
 * keeping it (and the socket) for as long as the client reads slowly.
 */
static void
conn_abort(struct conn *c)
{
	struct linger	lg;

	lg.l_onoff = 1;
	lg.l_linger = 0;
	if (setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)) == -1)
		log_debug("conn SO_LINGER conn=%llu: %s",
		    (unsigned long long)c->id, strerror(errno));
}

static void
conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	struct server	*srv = c->srv;

	(void)fd;
	(void)what;
	switch (c->state) {
	case CONN_READING:
		if (c->partial)
			server_log_badreq(srv, c,
			    "request not completed in time");
		else
			log_debug("conn idle timeout conn=%llu peer=%s",
			    (unsigned long long)c->id, c->peer);
		break;
	case CONN_WAITING:
		break;
	case CONN_WRITING:
	case CONN_CLOSING:
		if (ratelim_allow(&srv->slow_log, "reply not read in time"))
			log_info("reply not read in time conn=%llu peer=%s "
			    "timeout=%ums", (unsigned long long)c->id,
			    c->peer, srv->cfg->reply_timeout_ms);
		conn_abort(c);
		break;
	}
	conn_close(c);
}

static void
conn_on_age(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->state == CONN_READING && !c->partial) {
		log_debug("conn max age conn=%llu peer=%s, closed between "
		    "requests", (unsigned long long)c->id, c->peer);
		conn_close(c);
		return;
	}
	/* A request is under way: answer it first (conn_on_write). */
	c->aged = true;
}

static void
conn_close(struct conn *c)
{
	struct server	*srv = c->srv;

	log_debug("conn close conn=%llu peer=%s", (unsigned long long)c->id,
	    c->peer);
	if (c->wait != NULL)
		lookup_cancel(c->wait);
	if (c->state == CONN_READING)
		TAILQ_REMOVE(&srv->idle, c, idle_entry);
	if (c->has_uid)
		uidcount_release(&srv->uids, c->uid);
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->nconns--;
	event_free(c->timer);
	event_free(c->age_timer);
	bufferevent_free(c->bev);
	free(c);
	if (srv->shutting_down) {
		if (srv->nconns == 0 && srv->done_fn != NULL) {
			server_done_fn	*fn = srv->done_fn;

			srv->done_fn = NULL;
			fn(srv->done_arg);
		}
		return;
	}
	if (!srv->accepting && srv->nconns < srv->max_conns &&
	    !evtimer_pending(srv->accept_timer, NULL)) {
		log_debug("connections below limit max=%u, accepting again",
		    srv->max_conns);
		server_set_accepting(srv, true);
	}
}

static void
peer_name(const struct sockaddr *sa, char *out, size_t len)
{
	char	host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(((const struct
		    sockaddr_in *)(const void *)sa)->sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(((const struct
		    sockaddr_in6 *)(const void *)sa)->sin6_port));
		break;
	default:
		snprintf(out, len, "unix");
		break;
	}
}

/*
 * Count a unix peer against max_connections_per_uid.  Returns false
 * (and logs, rate-limited) when its uid holds its share already.
 */
static bool
server_take_uid(struct server *srv, evutil_socket_t fd, uid_t *uid)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		log_warn("conn refused: SO_PEERCRED");
		return false;
	}
	if (!uidcount_take(&srv->uids, uc.uid,
	    srv->cfg->max_connections_per_uid)) {
		if (ratelim_allow(&srv->uid_log,
		    "connections per uid at limit"))
			log_warnx("connections per uid at limit uid=%u max=%u, "
			    "refusing more from it", (unsigned)uc.uid,
			    srv->cfg->max_connections_per_uid);
		return false;
	}
	*uid = uc.uid;
	return true;
}

/* Stop accepting at max_connections; watch for a client that waits. */
static void
server_at_limit(struct server *srv)
{
	size_t	i;

	/* Once a window, however often the limit is touched. */
	if (time(NULL) - srv->at_limit_logged >= SERVER_LOG_WINDOW) {
		log_warnx("connections at limit max=%u, not accepting until "
		    "one closes or one idle over %d s makes room (logged once "
		    "a minute)", srv->max_conns, SERVER_EVICT_IDLE_MS / 1000);
		srv->at_limit_logged = time(NULL);
	}
	server_set_accepting(srv, false);
	for (i = 0; i < srv->nlisteners; i++)
		event_add(srv->listeners[i].pending, NULL);
}

static void
server_on_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener	*l = arg;
	struct server	*srv = l->srv;
	struct conn	*c;
	struct timeval	 tv;
	uid_t		 uid = 0;
	int		 one = 1;

	(void)evl;
	(void)salen;
	if (srv->shutting_down || srv->nconns >= srv->max_conns) {
		evutil_closesocket(fd);
		return;
	}
	if (l->unix_path != NULL) {
		if (!server_take_uid(srv, fd, &uid)) {
			evutil_closesocket(fd);
			return;
		}
	} else if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		/* Replies would wait for the client's delayed ACK. */
		log_debug("conn TCP_NODELAY: %s", strerror(errno));
	c = xcalloc(1, sizeof(*c));
	c->id = ++srv->next_id;
	c->srv = srv;
	c->has_uid = l->unix_path != NULL;
	c->uid = uid;
	peer_name(sa, c->peer, sizeof(c->peer));
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(srv->base, conn_on_timer, c);
	c->age_timer = evtimer_new(srv->base, conn_on_age, c);
	if (c->bev == NULL || c->timer == NULL || c->age_timer == NULL) {
		log_errx("conn setup failed peer=%s", c->peer);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->age_timer != NULL)
			event_free(c->age_timer);
		if (c->has_uid)
			uidcount_release(&srv->uids, uid);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_on_read, conn_on_write, conn_on_event,
	    c);
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    netstring_frame_max(SOCKETMAP_MAX_REQUEST));
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	if (c->has_uid)
		log_debug("conn open conn=%llu peer=%s uid=%u",
		    (unsigned long long)c->id, c->peer, (unsigned)uid);
	else
		log_debug("conn open conn=%llu peer=%s",
		    (unsigned long long)c->id, c->peer);
	c->state = CONN_READING;
	conn_idle_add(c);
	conn_arm(c, srv->cfg->idle_timeout_ms);
	tv = msec_tv(srv->cfg->max_connection_age_ms);
	evtimer_add(c->age_timer, &tv);
	if (srv->nconns >= srv->max_conns)
		server_at_limit(srv);
}

static void
server_set_accepting(struct server *srv, bool on)
{
	size_t	i;

	for (i = 0; i < srv->nlisteners; i++) {
		if (on) {
			event_del(srv->listeners[i].pending);
			evconnlistener_enable(srv->listeners[i].evl);
		} else
			evconnlistener_disable(srv->listeners[i].evl);
	}
	if (on)
		evtimer_del(srv->evict_timer);
	srv->accepting = on;
}

/*
 * At the limit a client waits to be accepted: close the connection idle
 * longest if it has been idle SERVER_EVICT_IDLE_MS, otherwise look again
 * when the first one will have been.
 */
static void
server_make_room(struct server *srv)
{
	struct conn	*c = TAILQ_FIRST(&srv->idle);
	struct timeval	 tv;
	uint64_t	 idle = 0;

	if (srv->accepting || srv->shutting_down)
		return;
	if (c != NULL)
		idle = now_ms() - c->idle_since;
	if (c != NULL && idle >= SERVER_EVICT_IDLE_MS) {
		if (ratelim_allow(&srv->evict_log, "conn evicted"))
			log_info("conn evicted conn=%llu peer=%s idle=%llums "
			    "reason=\"at max_connections, a new client "
			    "waits\"", (unsigned long long)c->id, c->peer,
			    (unsigned long long)idle);
		conn_close(c);
		return;
	}
	tv = msec_tv((unsigned)(SERVER_EVICT_IDLE_MS - idle));
	evtimer_add(srv->evict_timer, &tv);
}

static void
server_on_pending(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;

	(void)fd;
	(void)what;
	server_make_room(l->srv);
}

static void
server_on_evict_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;
	size_t		 i;

	(void)fd;
	(void)what;
	/* The watch fires again at once if a client still waits. */
	if (!srv->accepting && !srv->shutting_down)
		for (i = 0; i < srv->nlisteners; i++)
			event_add(srv->listeners[i].pending, NULL);
}

static void
server_on_accept_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;

	(void)fd;
	(void)what;
	if (srv->shutting_down)
		return;
	if (srv->nconns < srv->max_conns)
		server_set_accepting(srv, true);
	else
		server_at_limit(srv);
}

static void
server_on_accept_error(struct evconnlistener *evl, void *arg)
{
	struct listener	*l = arg;
	struct server	*srv = l->srv;
	struct timeval	 tv = msec_tv(SERVER_ACCEPT_PAUSE_MS);
	int		 err = EVUTIL_SOCKET_ERROR();

	(void)evl;
	/* Out of descriptors or similar: back off instead of spinning. */
	log_errx("accept failed: %s; pausing %d ms",
	    evutil_socket_error_to_string(err), SERVER_ACCEPT_PAUSE_MS);
	server_set_accepting(srv, false);
	evtimer_add(srv->accept_timer, &tv);
}

/* Small kernel buffers for accepted TCP connections (they inherit). */
static void
listener_tune_tcp(struct listener *l)
{
	evutil_socket_t	fd = evconnlistener_get_fd(l->evl);
	int		snd = SERVER_SNDBUF, rcv = SERVER_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) == -1)
		log_warn("listen %s: socket buffer sizes", l->text);
}

static int
listener_open(struct server *srv, const struct config_listen *cl,
    char *err, size_t errlen)
{
	struct listener		*l = &srv->listeners[srv->nlisteners];
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun;
	struct addrinfo		 hints, *res = NULL;
	struct stat		 st;
	socklen_t		 sslen;
	unsigned		 flags;
	int			 rc;
	mode_t			 old;

	memset(&ss, 0, sizeof(ss));
	memset(l, 0, sizeof(*l));
	l->srv = srv;
	l->text = cl->text;
	flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE | LEV_OPT_DISABLED;
	switch (cl->kind) {
	case CONFIG_LISTEN_UNIX:
		sun = (struct sockaddr_un *)&ss;
		sun->sun_family = AF_UNIX;
		if (strlen(cl->path) >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "listen %s: path too long",
			    cl->text);
			return -1;
		}
		memcpy(sun->sun_path, cl->path, strlen(cl->path) + 1);
		sslen = sizeof(*sun);
		/* Replace a stale socket, never any other kind of file. */
		if (lstat(cl->path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode)) {
				snprintf(err, errlen, "listen %s: exists and "
				    "is not a socket", cl->text);
				return -1;
			}
			unlink(cl->path);
		}
		flags &= ~LEV_OPT_REUSEABLE;
		/*
		 * The mode is set here only: a chmod() by path could follow
		 * a symlink planted in a directory someone else may write.
		 */
		old = umask((mode_t)(~srv->cfg->unix_socket_mode & 0777));
		l->evl = evconnlistener_new_bind(srv->base, server_on_accept,
		    l, flags, 128, (struct sockaddr *)&ss, (int)sslen);
		umask(old);
		if (l->evl == NULL) {
			snprintf(err, errlen, "listen %s: %s", cl->text,
			    strerror(errno));
			return -1;
		}
		l->unix_path = xstrdup(cl->path);
		break;
	case CONFIG_LISTEN_INET:
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
		hints.ai_socktype = SOCK_STREAM;
		if ((rc = getaddrinfo(cl->host, cl->port, &hints, &res)) != 0) {
			snprintf(err, errlen, "listen %s: %s", cl->text,
			    gai_strerror(rc));
			return -1;
		}
		if (res->ai_family == AF_INET6)
			flags |= LEV_OPT_BIND_IPV6ONLY;
		l->evl = evconnlistener_new_bind(srv->base, server_on_accept,
		    l, flags, 128, res->ai_addr, (int)res->ai_addrlen);
		freeaddrinfo(res);
		if (l->evl == NULL) {
			snprintf(err, errlen, "listen %s: %s", cl->text,
			    strerror(errno));
			return -1;
		}
		listener_tune_tcp(l);
		break;
	}
	evconnlistener_set_error_cb(l->evl, server_on_accept_error);
	l->pending = event_new(srv->base, evconnlistener_get_fd(l->evl),
	    EV_READ, server_on_pending, l);
	if (l->pending == NULL)
		fatalx("server: event_new failed");
	srv->nlisteners++;
	return 0;
}

struct server *
server_new(struct event_base *base, const struct config *cfg,
    unsigned max_conns, char *err, size_t errlen)
{
	struct server	*srv;
	size_t		 i;

	srv = xcalloc(1, sizeof(*srv));
	srv->base = base;
	srv->cfg = cfg;
	srv->max_conns = max_conns;
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->idle);
	uidcount_init(&srv->uids);
	srv->accept_timer = evtimer_new(base, server_on_accept_timer, srv);
	srv->evict_timer = evtimer_new(base, server_on_evict_timer, srv);
	if (srv->accept_timer == NULL || srv->evict_timer == NULL)
		fatalx("server: evtimer_new failed");
	for (i = 0; i < cfg->nlisten; i++) {
		if (listener_open(srv, &cfg->listen[i], err, errlen) == -1) {
			server_free(srv);
			return NULL;
		}
	}
	return srv;
}

void
server_start(struct server *srv, struct lookup_engine *le)
{
	size_t	i;

	srv->lookups = le;
	server_set_accepting(srv, true);
	for (i = 0; i < srv->nlisteners; i++)
		log_info("listening on %s", srv->listeners[i].text);
}

static void
server_on_shutdown_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;
	struct conn	*c;

	(void)fd;
	(void)what;
	if (srv->nconns > 0)
		log_info("shutdown closing connections=%zu after timeout",
		    srv->nconns);
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		conn_close(c);
	if (srv->done_fn != NULL) {
		server_done_fn	*fn = srv->done_fn;

		srv->done_fn = NULL;
		fn(srv->done_arg);
	}
}

static void
listeners_close(struct server *srv)
{
	size_t	i;

	for (i = 0; i < srv->nlisteners; i++) {
		event_free(srv->listeners[i].pending);
		evconnlistener_free(srv->listeners[i].evl);
		if (srv->listeners[i].unix_path != NULL) {
			unlink(srv->listeners[i].unix_path);
			free(srv->listeners[i].unix_path);
		}
	}
	srv->nlisteners = 0;
	srv->accepting = false;
}

void
server_shutdown(struct server *srv, server_done_fn *fn, void *arg)
{
	struct conn	*c, *next;
	struct timeval	 tv = msec_tv(srv->cfg->shutdown_timeout_ms);

	if (srv->shutting_down)
		return;
	srv->shutting_down = true;
	srv->done_fn = fn;
	srv->done_arg = arg;
	listeners_close(srv);
	evtimer_del(srv->accept_timer);
	evtimer_del(srv->evict_timer);
	/* Idle connections go now; busy ones after their reply is out. */
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		switch (c->state) {
		case CONN_READING:
			conn_close(c);
			break;
		case CONN_WRITING:
			conn_set_state(c, CONN_CLOSING);
			bufferevent_disable(c->bev, EV_READ);
			break;
		case CONN_WAITING:
		case CONN_CLOSING:
			break;
		}
	}
	if (srv->done_fn == NULL)
		return;		/* the last conn_close() already called it */
	if (srv->nconns == 0) {
		srv->done_fn = NULL;
		fn(arg);
		return;
	}
	srv->shutdown_timer = evtimer_new(srv->base, server_on_shutdown_timer,
	    srv);
	if (srv->shutdown_timer == NULL)
		fatalx("server: evtimer_new failed");
	evtimer_add(srv->shutdown_timer, &tv);
}

void
server_free(struct server *srv)
{
	struct conn	*c;
	size_t		 i;

	if (srv == NULL)
		return;
	srv->shutting_down = true;
	srv->done_fn = NULL;
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		conn_close(c);
	listeners_close(srv);
	if (srv->accept_timer != NULL)
		event_free(srv->accept_timer);
	if (srv->evict_timer != NULL)
		event_free(srv->evict_timer);
	uidcount_clear(&srv->uids);
	if (srv->shutdown_timer != NULL)
		event_free(srv->shutdown_timer);
	for (i = 0; i < srv->nunknown_maps; i++)
		free(srv->unknown_maps[i]);
	free(srv);
}

size_t
server_connections(const struct server *srv)
{
	return srv->nconns;
}
