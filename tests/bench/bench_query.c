/*
 * bench_query.c: a socketmap client that loads mta-stsd the way Postfix
 * does, plus the two helpers tests/bench/run needs.  Not a test: it prints
 * figures, one `name value` line each (tests/bench/README says what they
 * mean).
 *
 *	bench_query [-a ADDR] [-p PORT] [-c CONNS] [-n QUERIES] [-w WARMUP]
 *	    [-m MAP] [-t SECONDS] [-e ok|notfound] (-k KEY | -f FILE)
 *
 * Opens CONNS connections (default 1) to ADDR:PORT (default
 * 127.0.0.1:8461; ADDR may be unix:/PATH) and sends QUERIES requests
 * (default 20000) on each, after WARMUP unmeasured ones (default 0).  Like
 * Postfix's dict_sockmap, a connection sends one request and waits for its
 * reply before the next: no pipelining.  One thread drives all connections
 * with epoll.  The key is KEY, or the lines of FILE in turn (each
 * connection starting at its own place in the list).  Every reply must be
 * a well-formed netstring of at most SOCKETMAP_MAX_REPLY bytes and nothing
 * more; a malformed reply, a closed connection or SECONDS (default 10)
 * without any reply is an error.  Exit status 0, or 1 after any error or
 * a reply other than the one -e expects.
 *
 *	bench_query --fill DIR N [MX]
 *
 * Creates (or adds to) the policy cache in DIR with N valid enforce
 * records for d0000000.bench.test, d0000001.bench.test, ... (see
 * BENCH_FILL_FORMAT), fetched now, before a daemon is started on it.
 * Each has MX patterns (default 1: mail.bench.test; more: distinct
 * names of about 240 bytes, the longest replies a policy gives).
 *
 *	bench_query --startup [-a ADDR] [-p PORT] [-m MAP] [-t SECONDS]
 *	    [-o FILE] -k KEY -- COMMAND [ARG...]
 *
 * Runs COMMAND (the daemon, in the foreground) as a child and measures the
 * time from just before its exec to its port accepting a connection and
 * to the OK reply for KEY (a cached domain).  The figures go to FILE
 * (written whole, by rename) or stdout; then it waits for the child and
 * exits with its status (128 + signal when killed by a signal), so the
 * caller sees a daemon that crashes or fails to shut down cleanly.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "buf.h"
#include "cache.h"
#include "log.h"
#include "netstring.h"
#include "socketmap.h"
#include "sts_policy.h"

#define BENCH_MAX_CONNS		10000
#define BENCH_MAX_QUERIES	100000000	/* per connection */
#define BENCH_MAX_KEYS		10000000
#define BENCH_MAX_TOTAL		100000000	/* latencies kept */
#define BENCH_MAX_FILL		10000000
#define BENCH_MAX_TIMEOUT	3600		/* seconds */
#define BENCH_FILL_BATCH	10000		/* records per transaction */
#define BENCH_FILL_FORMAT	"d%07zu.bench.test"
#define BENCH_FILL_NAME		48
#define BENCH_FILL_MAX_AGE	86400
#define BENCH_FILL_MX		"mail.bench.test"
#define BENCH_FILL_ID		"bench1"
#define BENCH_EVENTS		256
#define BENCH_READ		4096
#define BENCH_POLL_NS		250000		/* start-up connect retry */

enum bench_kind {
	BENCH_REPLY_OK,
	BENCH_REPLY_NOTFOUND,
	BENCH_REPLY_OTHER,
	BENCH_REPLY_NONE	/* -e not given */
};

struct bench_opts {
	const char	*addr;
	const char	*port;
	const char	*map;
	const char	*key;		/* borrowed from argv; NULL with -f */
	const char	*key_file;	/* borrowed from argv; NULL with -k */
	const char	*out_file;	/* borrowed from argv; NULL: stdout */
	size_t		 conns;
	size_t		 queries;	/* per connection */
	size_t		 warmup;	/* per connection */
	int		 timeout_ms;	/* without any reply */
	enum bench_kind	 expect;
};

struct bench_target {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

struct bench_conn {
	int		 fd;		/* -1 once closed */
	size_t		 key;		/* index of the next key */
	size_t		 left;		/* requests still to send */
	size_t		 woff;		/* bytes of req written */
	const struct buf *req;		/* borrowed from the key table;
					   NULL when no request is out */
	struct buf	 in;		/* owned: reply bytes so far */
	int64_t		 sent;		/* when req went out, ns */
};

struct bench_run {
	const struct bench_opts	*o;		/* borrowed */
	struct buf		*reqs;		/* owned: framed requests */
	size_t			 nreqs;
	struct bench_conn	*conns;		/* owned, o->conns of them */
	int			 ep;
	size_t			 busy;		/* connections waiting */
	bool			 record;	/* measuring, not warming up */
	int64_t			*lat;		/* owned: latencies, ns */
	size_t			 nlat;
	uint64_t		 kinds[3];	/* by enum bench_kind */
	uint64_t		 malformed;
	uint64_t		 closed;	/* EOF or error from the peer */
	uint64_t		 timeouts;	/* waits given up */
	uint64_t		 unexpected;	/* not the -e kind */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench_query [-a ADDR] [-p PORT] [-c CONNS] "
	    "[-n QUERIES] [-w WARMUP]\n"
	    "\t[-m MAP] [-t SECONDS] [-e ok|notfound] (-k KEY | -f FILE)\n"
	    "       bench_query --fill DIR N [MX]\n"
	    "       bench_query --startup [-a ADDR] [-p PORT] [-m MAP] "
	    "[-t SECONDS]\n"
	    "\t[-o FILE] -k KEY -- COMMAND [ARG...]\n");
}

/* A decimal option value in 0..max (operator input, not peer data). */
static int
parse_size(const char *s, size_t max, size_t *out)
{
	uint64_t	v;

	if (span_to_u64(span_str(s), 20, false, &v) == -1 || v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* The first word of a reply payload (peer bytes). */
static enum bench_kind
reply_kind(struct span p)
{
	if (span_eq_str(p, "NOTFOUND") || span_starts_with(p, "NOTFOUND "))
		return BENCH_REPLY_NOTFOUND;
	/* Postfix reads a bare "OK" as not found; data must follow. */
	if (span_starts_with(p, "OK ") && p.len > 3)
		return BENCH_REPLY_OK;
	return BENCH_REPLY_OTHER;
}

static const char *
kind_name(enum bench_kind k)
{
	switch (k) {
	case BENCH_REPLY_OK:
		return "OK";
	case BENCH_REPLY_NOTFOUND:
		return "NOTFOUND";
	case BENCH_REPLY_OTHER:
		return "other";
	case BENCH_REPLY_NONE:
		return "none";
	}
	return "?";
}

static int
target_parse(const struct bench_opts *o, struct bench_target *t)
{
	struct sockaddr_un	*sun;
	struct addrinfo		 hints, *res;
	size_t			 len;
	int			 rc;

	memset(t, 0, sizeof(*t));
	if (strncmp(o->addr, "unix:", 5) == 0) {
		sun = (struct sockaddr_un *)&t->ss;
		len = strlen(o->addr + 5);
		if (len == 0 || len >= sizeof(sun->sun_path)) {
			fprintf(stderr, "bench_query: bad unix path\n");
			return -1;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, o->addr + 5, len + 1);
		t->len = (socklen_t)sizeof(*sun);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(o->addr, o->port, &hints, &res)) != 0) {
		fprintf(stderr, "bench_query: %s port %s: %s\n", o->addr,
		    o->port, gai_strerror(rc));
		return -1;
	}
	memcpy(&t->ss, res->ai_addr, res->ai_addrlen);
	t->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* A connected blocking socket, or -1 (errno set). */
static int
target_connect(const struct bench_target *t)
{
	int	fd, saved;

	if ((fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&t->ss, t->len) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Frame "MAP KEY" as a netstring into req (initialised here). */
static int
request_make(struct buf *req, const char *map, const char *key, size_t len)
{
	struct buf	payload;
	int		rc = 0;

	if (len == 0 || len > SOCKETMAP_MAX_KEY) {
		fprintf(stderr, "bench_query: key of %zu bytes (1..%d)\n",
		    len, SOCKETMAP_MAX_KEY);
		return -1;
	}
	buf_init(&payload, SOCKETMAP_MAX_REQUEST);
	buf_init(req, netstring_frame_max(SOCKETMAP_MAX_REQUEST));
	if (buf_add_str(&payload, map) == -1 ||
	    buf_add_byte(&payload, ' ') == -1 ||
	    buf_add(&payload, key, len) == -1 ||
	    netstring_encode(req, buf_span(&payload)) == -1) {
		fprintf(stderr, "bench_query: request too long\n");
		rc = -1;
	}
	buf_clear(&payload);
	return rc;
}

/* The requests to send: one for -k, one per line of -f. */
static int
keys_load(struct bench_run *r)
{
	const struct bench_opts	*o = r->o;
	FILE			*f;
	char			*line = NULL;
	size_t			 cap = 0, alloc = 0, len;
	ssize_t			 n;
	int			 rc = 0;

	if (o->key != NULL) {
		r->reqs = xcalloc(1, sizeof(*r->reqs));
		r->nreqs = 1;
		return request_make(&r->reqs[0], o->map, o->key,
		    strlen(o->key));
	}
	if ((f = fopen(o->key_file, "r")) == NULL) {
		fprintf(stderr, "bench_query: %s: %s\n", o->key_file,
		    strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		len = (size_t)n;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (len == 0 || line[0] == '#')
			continue;
		if (r->nreqs == BENCH_MAX_KEYS) {
			fprintf(stderr, "bench_query: more than %d keys\n",
			    BENCH_MAX_KEYS);
			rc = -1;
			break;
		}
		if (r->nreqs == alloc) {
			alloc = alloc == 0 ? 1024 : alloc * 2;
			r->reqs = xreallocarray(r->reqs, alloc,
			    sizeof(*r->reqs));
		}
		if (request_make(&r->reqs[r->nreqs], o->map, line, len) ==
		    -1) {
			buf_clear(&r->reqs[r->nreqs]);
			rc = -1;
			break;
		}
		r->nreqs++;
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "bench_query: %s: read error\n", o->key_file);
		rc = -1;
	}
	if (rc == 0 && r->nreqs == 0) {
		fprintf(stderr, "bench_query: %s: no keys\n", o->key_file);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

static void
conn_close(struct bench_run *r, struct bench_conn *c)
{
	if (c->fd == -1)
		return;
	(void)epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	if (c->req != NULL) {
		c->req = NULL;
		r->busy--;
	}
}

static int
conn_want(struct bench_run *r, struct bench_conn *c, uint32_t events)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	return epoll_ctl(r->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what is left of the request; watch for output if it blocks. */
static void
conn_write(struct bench_run *r, struct bench_conn *c)
{
	ssize_t	n;

	while (c->woff < c->req->len) {
		n = write(c->fd, c->req->p + c->woff, c->req->len - c->woff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (conn_want(r, c, EPOLLIN | EPOLLOUT) == -1)
				break;
			return;
		}
		if (n <= 0) {
			r->closed++;
			conn_close(r, c);
			return;
		}
		c->woff += (size_t)n;
	}
	(void)conn_want(r, c, EPOLLIN);
}

static void
conn_send(struct bench_run *r, struct bench_conn *c)
{
	c->req = &r->reqs[c->key];
	c->key = (c->key + 1) % r->nreqs;
	c->woff = 0;
	c->left--;
	r->busy++;
	c->sent = now_ns();
	conn_write(r, c);
}

/* One complete reply arrived: count it, send the next request. */
static void
conn_reply(struct bench_run *r, struct bench_conn *c, struct span payload,
    int64_t t)
{
	enum bench_kind	k = reply_kind(payload);

	if (r->o->expect != BENCH_REPLY_NONE && k != r->o->expect) {
		if (r->unexpected == 0)
			fprintf(stderr, "bench_query: unexpected reply %s\n",
			    log_esc(payload));
		r->unexpected++;
	}
	if (r->record) {
		r->kinds[k]++;
		r->lat[r->nlat++] = t - c->sent;
	}
	buf_reset(&c->in);
	c->req = NULL;
	r->busy--;
	if (c->left > 0)
		conn_send(r, c);
}

static void
conn_read(struct bench_run *r, struct bench_conn *c)
{
	uint8_t			 tmp[BENCH_READ];
	struct span		 payload;
	enum netstring_status	 st;
	const char		*why = NULL;
	size_t			 used;
	ssize_t			 n;
	int64_t			 t;

	n = read(c->fd, tmp, sizeof(tmp));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	t = now_ns();
	if (n <= 0) {
		fprintf(stderr, "bench_query: connection %s\n",
		    n == 0 ? "closed by the server" : strerror(errno));
		r->closed++;
		conn_close(r, c);
		return;
	}
	if (c->req == NULL || buf_add(&c->in, tmp, (size_t)n) == -1) {
		/* Bytes nobody asked for, or a reply over the cap. */
		why = c->req == NULL ? "unsolicited bytes" : "reply too long";
		goto bad;
	}
	st = netstring_decode(buf_span(&c->in), SOCKETMAP_MAX_REPLY, &payload,
	    &used, &why);
	switch (st) {
	case NETSTRING_OK:
		if (used != c->in.len) {
			why = "bytes after the reply";
			goto bad;
		}
		conn_reply(r, c, payload, t);
		return;
	case NETSTRING_MORE:
		return;
	case NETSTRING_TOO_LONG:
	case NETSTRING_BAD:
		goto bad;
	}
bad:
	if (r->malformed == 0)
		fprintf(stderr, "bench_query: malformed reply (%s): %s\n", why,
		    log_esc(buf_span(&c->in)));
	r->malformed++;
	conn_close(r, c);
}

/* Send per_conn requests on every open connection, until all answered. */
static int
run_phase(struct bench_run *r, size_t per_conn)
{
	struct epoll_event	 evs[BENCH_EVENTS];
	struct bench_conn	*c;
	size_t			 i;
	int			 n, k;

	if (per_conn == 0)
		return 0;
	for (i = 0; i < r->o->conns; i++) {
		c = &r->conns[i];
		if (c->fd == -1)
			continue;
		c->left = per_conn;
		conn_send(r, c);
	}
	while (r->busy > 0) {
		n = epoll_wait(r->ep, evs, BENCH_EVENTS, r->o->timeout_ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			perror("bench_query: epoll_wait");
			return -1;
		}
		if (n == 0) {
			fprintf(stderr, "bench_query: no reply for %d ms, "
			    "%zu connections waiting\n", r->o->timeout_ms,
			    r->busy);
			for (i = 0; i < r->o->conns; i++)
				if (r->conns[i].req != NULL) {
					r->timeouts++;
					conn_close(r, &r->conns[i]);
				}
			return -1;
		}
		for (k = 0; k < n; k++) {
			c = evs[k].data.ptr;
			if (c->fd != -1 && (evs[k].events & EPOLLOUT) &&
			    c->req != NULL)
				conn_write(r, c);
			if (c->fd != -1 && (evs[k].events &
			    (EPOLLIN | EPOLLHUP | EPOLLERR)))
				conn_read(r, c);
		}
	}
	return 0;
}

static int
conns_open(struct bench_run *r, const struct bench_target *t)
{
	struct epoll_event	 ev;
	struct bench_conn	*c;
	size_t			 i;
	int			 fl;

	if ((r->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("bench_query: epoll_create1");
		return -1;
	}
	r->conns = xcalloc(r->o->conns, sizeof(*r->conns));
	for (i = 0; i < r->o->conns; i++)
		r->conns[i].fd = -1;
	for (i = 0; i < r->o->conns; i++) {
		c = &r->conns[i];
		buf_init(&c->in, netstring_frame_max(SOCKETMAP_MAX_REPLY));
		/* Spread the connections over the key list. */
		c->key = i * r->nreqs / r->o->conns;
		if ((c->fd = target_connect(t)) == -1) {
			fprintf(stderr, "bench_query: connect %s: %s "
			    "(connection %zu)\n", r->o->addr, strerror(errno),
			    i + 1);
			return -1;
		}
		if ((fl = fcntl(c->fd, F_GETFL)) == -1 ||
		    fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
			perror("bench_query: fcntl");
			return -1;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
			perror("bench_query: epoll_ctl");
			return -1;
		}
	}
	return 0;
}

static double
pct_us(const int64_t *v, size_t n, unsigned p)
{
	size_t	rank;

	if (n == 0)
		return 0;
	/* Nearest rank: the smallest value with p% of them at or below. */
	rank = (n * p + 99) / 100;
	if (rank == 0)
		rank = 1;
	return (double)v[rank - 1] / 1e3;
}

static int
bench_load(const struct bench_opts *o)
{
	struct bench_target	 t;
	struct bench_run	 r;
	int64_t			 t0, t1;
	double			 secs;
	size_t			 i;
	int			 rc = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.ep = -1;
	if (target_parse(o, &t) == -1 || keys_load(&r) == -1)
		return 1;
	r.lat = xcalloc(o->conns * o->queries, sizeof(*r.lat));
	if (conns_open(&r, &t) == -1) {
		rc = 1;
		goto out;
	}
	if (run_phase(&r, o->warmup) == -1)
		rc = 1;
	r.record = true;
	t0 = now_ns();
	if (rc == 0 && run_phase(&r, o->queries) == -1)
		rc = 1;
	t1 = now_ns();
	secs = (double)(t1 - t0) / 1e9;
	qsort(r.lat, r.nlat, sizeof(*r.lat), cmp_i64);
	printf("connections %zu\n", o->conns);
	printf("queries %zu\n", r.nlat);
	printf("seconds %.3f\n", secs);
	printf("qps %.0f\n", secs > 0 ? (double)r.nlat / secs : 0.0);
	printf("latency_p50_us %.1f\n", pct_us(r.lat, r.nlat, 50));
	printf("latency_p90_us %.1f\n", pct_us(r.lat, r.nlat, 90));
	printf("latency_p99_us %.1f\n", pct_us(r.lat, r.nlat, 99));
	printf("latency_max_us %.1f\n", r.nlat > 0 ?
	    (double)r.lat[r.nlat - 1] / 1e3 : 0.0);
	printf("replies_ok %" PRIu64 "\n", r.kinds[BENCH_REPLY_OK]);
	printf("replies_notfound %" PRIu64 "\n",
	    r.kinds[BENCH_REPLY_NOTFOUND]);
	printf("replies_other %" PRIu64 "\n", r.kinds[BENCH_REPLY_OTHER]);
	printf("replies_malformed %" PRIu64 "\n", r.malformed);
	printf("errors %" PRIu64 "\n", r.closed + r.timeouts);
	if (r.malformed > 0 || r.closed > 0 || r.timeouts > 0 ||
	    r.unexpected > 0 || r.nlat != o->conns * o->queries)
		rc = 1;
out:
	if (r.conns != NULL)
		for (i = 0; i < o->conns; i++) {
			conn_close(&r, &r.conns[i]);
			buf_clear(&r.conns[i].in);
		}
	if (r.ep != -1)
		close(r.ep);
	for (i = 0; i < r.nreqs; i++)
		buf_clear(&r.reqs[i]);
	free(r.reqs);
	free(r.conns);
	free(r.lat);
	return rc;
}

/* A 240-byte name: four 56-byte labels under m<i>.bench.test. */
static char *
fill_long_mx(size_t i)
{
	char	label[57], name[256];

	memset(label, 'a' + (int)(i % 26), 56);
	label[56] = '\0';
	(void)snprintf(name, sizeof(name), "%s.%s.%s.%s.m%03u.bench.test",
	    label, label, label, label, (unsigned)(i % 1000));
	return xstrdup(name);
}

/* A valid enforce policy record with nmx mx, fetched at now. */
static void
fill_record(struct cache_record *rec, int64_t now, size_t nmx)
{
	size_t	i;

	cache_record_init(rec);
	(void)snprintf(rec->id, sizeof(rec->id), "%s", BENCH_FILL_ID);
	rec->policy.mode = STS_MODE_ENFORCE;
	rec->policy.max_age = BENCH_FILL_MAX_AGE;
	rec->policy.mx = xcalloc(nmx, sizeof(*rec->policy.mx));
	if (nmx == 1)
		rec->policy.mx[0] = xstrdup(BENCH_FILL_MX);
	else
		for (i = 0; i < nmx; i++)
			rec->policy.mx[i] = fill_long_mx(i);
	rec->policy.mx_count = nmx;
	rec->fetched = now;
	rec->txt_checked = now;
	rec->txt_ttl = BENCH_FILL_MAX_AGE;
	/* Not due for a refresh during the run (75% of max_age). */
	rec->next_refresh = now + BENCH_FILL_MAX_AGE / 4 * 3;
	rec->last_query = now;
}

static int
bench_fill(const char *dir, const char *count, const char *mxcount)
{
	struct cache_opts	 co;
	struct cache		*c;
	struct cache_record	 rec;
	const struct cache_record **rp;
	const char		**names;
	char			*store, err[512];
	size_t			 n, nmx = 1, i, k;
	int64_t			 t0;
	int			 rc = 0;

	if (parse_size(count, BENCH_MAX_FILL, &n) == -1 || n == 0) {
		fprintf(stderr, "bench_query: --fill N: 1..%d\n",
		    BENCH_MAX_FILL);
		return 2;
	}
	if (mxcount != NULL && (parse_size(mxcount, STS_POLICY_MAX_MX,
	    &nmx) == -1 || nmx == 0)) {
		fprintf(stderr, "bench_query: --fill MX: 1..%d\n",
		    STS_POLICY_MAX_MX);
		return 2;
	}
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		fprintf(stderr, "bench_query: mkdir %s: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	memset(&co, 0, sizeof(co));
	co.dir = dir;
	t0 = now_ns();
	if ((c = cache_open(&co, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_query: %s\n", err);
		return 1;
	}
	fill_record(&rec, (int64_t)time(NULL), nmx);
	store = xcalloc(BENCH_FILL_BATCH, BENCH_FILL_NAME);
	names = xcalloc(BENCH_FILL_BATCH, sizeof(*names));
	rp = xcalloc(BENCH_FILL_BATCH, sizeof(*rp));
	for (i = 0; i < n && rc == 0; i += k) {
		for (k = 0; k < BENCH_FILL_BATCH && i + k < n; k++) {
			(void)snprintf(store + k * BENCH_FILL_NAME,
			    BENCH_FILL_NAME, BENCH_FILL_FORMAT, i + k);
			names[k] = store + k * BENCH_FILL_NAME;
			rp[k] = &rec;
		}
		if (cache_put_batch(c, names, rp, k) == -1) {
			fprintf(stderr, "bench_query: cache_put_batch failed "
			    "at record %zu\n", i);
			rc = 1;
		}
	}
	cache_close(c);
	if (rc == 0) {
		printf("fill_records %zu\n", n);
		printf("fill_seconds %.3f\n", (double)(now_ns() - t0) / 1e9);
	}
	cache_record_clear(&rec);
	free(rp);
	free(names);
	free(store);
	return rc;
}

/* Read one reply on blocking fd before deadline; its kind, or -1. */
static int
startup_reply(int fd, int64_t deadline, enum bench_kind *kind)
{
	uint8_t			 tmp[BENCH_READ];
	struct pollfd		 pfd;
	struct buf		 in;
	struct span		 payload;
	enum netstring_status	 st = NETSTRING_MORE;
	const char		*why = "no reply";
	size_t			 used;
	ssize_t			 n;
	int64_t			 left;

	buf_init(&in, netstring_frame_max(SOCKETMAP_MAX_REPLY));
	while (st == NETSTRING_MORE) {
		left = deadline - now_ns();
		if (left <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		n = read(fd, tmp, sizeof(tmp));
		if (n <= 0) {
			why = n == 0 ? "connection closed" : strerror(errno);
			break;
		}
		if (buf_add(&in, tmp, (size_t)n) == -1) {
			why = "reply too long";
			break;
		}
		st = netstring_decode(buf_span(&in), SOCKETMAP_MAX_REPLY,
		    &payload, &used, &why);
	}
	if (st == NETSTRING_OK && used == in.len)
		*kind = reply_kind(payload);
	else if (st == NETSTRING_OK)
		why = "bytes after the reply";
	if (st != NETSTRING_OK || used != in.len) {
		fprintf(stderr, "bench_query: first reply: %s\n", why);
		buf_clear(&in);
		return -1;
	}
	buf_clear(&in);
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The figures, to o->out_file (atomically) or stdout. */
static int
startup_report(const struct bench_opts *o, pid_t pid, double accept_ms,
    double reply_ms, enum bench_kind kind)
{
	char	tmp[4096];
	FILE	*f = stdout;
	int	 rc = 0;

	if (o->out_file != NULL) {
		if (snprintf(tmp, sizeof(tmp), "%s.tmp", o->out_file) >=
		    (int)sizeof(tmp) || (f = fopen(tmp, "w")) == NULL) {
			fprintf(stderr, "bench_query: cannot write %s\n",
			    o->out_file);
			return -1;
		}
	}
	fprintf(f, "pid %ld\n", (long)pid);
	fprintf(f, "startup_accept_ms %.2f\n", accept_ms);
	fprintf(f, "startup_first_reply_ms %.2f\n", reply_ms);
	fprintf(f, "startup_first_reply %s\n", kind_name(kind));
	if (o->out_file == NULL)
		return fflush(f) == EOF ? -1 : 0;
	if (fclose(f) == EOF || rename(tmp, o->out_file) == -1) {
		fprintf(stderr, "bench_query: cannot write %s\n", o->out_file);
		rc = -1;
	}
	return rc;
}

static int
child_status(pid_t pid)
{
	int	st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

static int
bench_startup(const struct bench_opts *o, char **cmd)
{
	struct bench_target	 t;
	struct buf		 req;
	struct timespec		 ts = { 0, BENCH_POLL_NS };
	enum bench_kind		 kind = BENCH_REPLY_NONE;
	int64_t			 t0, t_accept, t_reply, deadline;
	pid_t			 pid;
	int			 fd, st;

	if (target_parse(o, &t) == -1 ||
	    request_make(&req, o->map, o->key, strlen(o->key)) == -1)
		return 1;
	fflush(stdout);
	t0 = now_ns();
	deadline = t0 + (int64_t)o->timeout_ms * 1000000;
	if ((pid = fork()) == -1) {
		perror("bench_query: fork");
		return 1;
	}
	if (pid == 0) {
		/* Our stdout carries figures; the daemon logs to stderr. */
		(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(cmd[0], cmd);
		fprintf(stderr, "bench_query: exec %s: %s\n", cmd[0],
		    strerror(errno));
		_exit(127);
	}
	while ((fd = target_connect(&t)) == -1) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "bench_query: %s exited before "
			    "accepting\n", cmd[0]);
			buf_clear(&req);
			return 1;
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "bench_query: %s not accepting after "
			    "%d ms\n", cmd[0], o->timeout_ms);
			goto fail;
		}
		(void)nanosleep(&ts, NULL);
	}
	t_accept = now_ns();
	if (write_all(fd, req.p, req.len) == -1 ||
	    startup_reply(fd, deadline, &kind) == -1) {
		close(fd);
		goto fail;
	}
	t_reply = now_ns();
	close(fd);
	if (startup_report(o, pid, (double)(t_accept - t0) / 1e6,
	    (double)(t_reply - t0) / 1e6, kind) == -1)
		goto fail;
	if (kind != BENCH_REPLY_OK) {
		fprintf(stderr, "bench_query: first reply %s, want OK (a "
		    "cached domain)\n", kind_name(kind));
		goto fail;
	}
	buf_clear(&req);
	return child_status(pid);
fail:
	buf_clear(&req);
	(void)kill(pid, SIGTERM);
	(void)child_status(pid);
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fill", no_argument, NULL, 'F' },
		{ "startup", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_opts	 o;
	size_t			 v;
	bool			 fill = false, startup = false;
	int			 ch;

	memset(&o, 0, sizeof(o));
	o.addr = "127.0.0.1";
	o.port = "8461";
	o.map = "sts";
	o.conns = 1;
	o.queries = 20000;
	o.timeout_ms = 10000;
	o.expect = BENCH_REPLY_NONE;
	while ((ch = getopt_long(argc, argv, "+a:c:e:f:hk:m:n:o:p:t:w:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.addr = optarg;
			break;
		case 'c':
			if (parse_size(optarg, BENCH_MAX_CONNS, &o.conns) ==
			    -1 || o.conns == 0)
				goto bad;
			break;
		case 'e':
			if (strcmp(optarg, "ok") == 0)
				o.expect = BENCH_REPLY_OK;
			else if (strcmp(optarg, "notfound") == 0)
				o.expect = BENCH_REPLY_NOTFOUND;
			else
				goto bad;
			break;
		case 'f':
			o.key_file = optarg;
			break;
		case 'F':
			fill = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'k':
			o.key = optarg;
			break;
		case 'm':
			o.map = optarg;
			break;
		case 'n':
			if (parse_size(optarg, BENCH_MAX_QUERIES, &o.queries)
			    == -1 || o.queries == 0)
				goto bad;
			break;
		case 'o':
			o.out_file = optarg;
			break;
		case 'p':
			o.port = optarg;
			break;
		case 'S':
			startup = true;
			break;
		case 't':
			if (parse_size(optarg, BENCH_MAX_TIMEOUT, &v) == -1 ||
			    v == 0)
				goto bad;
			o.timeout_ms = (int)v * 1000;
			break;
		case 'w':
			if (parse_size(optarg, BENCH_MAX_QUERIES, &o.warmup) ==
			    -1)
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	argc -= optind;
	argv += optind;
	log_init("bench_query", 1, LOG_LEVEL_WARNING);
	signal(SIGPIPE, SIG_IGN);
	if (fill && !startup && (argc == 2 || argc == 3))
		return bench_fill(argv[0], argv[1], argc == 3 ? argv[2] : NULL);
	if (startup && !fill && argc > 0 && o.key != NULL &&
	    o.key_file == NULL)
		return bench_startup(&o, argv);
	if (!fill && !startup && argc == 0 && (o.key == NULL) !=
	    (o.key_file == NULL) && o.queries <= BENCH_MAX_TOTAL / o.conns)
		return bench_load(&o);
bad:
	usage(stderr);
	return 2;
}
