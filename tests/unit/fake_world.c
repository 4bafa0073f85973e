/*
 * fake_world.c: the fakes of fake_world.h.  See there.
 */
#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "buf.h"
#include "cache.h"
#include "clock.h"
#include "fake_world.h"
#include "fetch.h"
#include "resolver.h"

#define FAKE_MAX_RECORDS	16
#define FAKE_TXT_PREFIX		"_mta-sts."
#define FAKE_HOST_PREFIX	"mta-sts."

enum fake_kind {
	FAKE_TXT,
	FAKE_ADDR,
	FAKE_FETCH
};

struct fake_pending {
	struct event		*ev;		/* owned */
	enum fake_kind		 kind;
	struct fake_domain	*d;		/* borrowed from the world */
	void			*fn;		/* the typed callback */
	void			*arg;		/* borrowed */
	TAILQ_ENTRY(fake_pending) entry;
};

struct fake_record {
	char		name[DOMAIN_MAX_NAME + 1];
	struct buf	enc;		/* owned; the real encoding */
};

static struct {
	struct event_base	*base;		/* borrowed */
	int64_t			 now;
	bool			 hold;
	struct fake_domain	 domains[FAKE_MAX_DOMAINS];
	size_t			 ndomains;
	TAILQ_HEAD(, fake_pending) pending;
	struct fake_record	 records[FAKE_MAX_RECORDS];
	size_t			 nrecords;
	bool			 fail_get, fail_put;
	unsigned		 puts;
	unsigned		 lazy_puts;
} W = { .pending = TAILQ_HEAD_INITIALIZER(W.pending) };

/* Opaque handles: only their addresses matter. */
static char	fake_handle_cache, fake_handle_resolver, fake_handle_fetcher;

/* ---- the world ---- */

void
fake_world_reset(struct event_base *base, int64_t now)
{
	struct fake_pending	*p;
	size_t			 i;

	while ((p = TAILQ_FIRST(&W.pending)) != NULL) {
		TAILQ_REMOVE(&W.pending, p, entry);
		event_free(p->ev);
		free(p);
	}
	for (i = 0; i < W.nrecords; i++)
		buf_clear(&W.records[i].enc);
	memset(W.domains, 0, sizeof(W.domains));
	W.ndomains = 0;
	W.nrecords = 0;
	W.base = base;
	W.now = now;
	W.hold = false;
	W.fail_get = W.fail_put = false;
	W.puts = 0;
	W.lazy_puts = 0;
}

struct fake_domain *
fake_domain(const char *name)
{
	struct fake_domain	*d;
	size_t			 i;

	for (i = 0; i < W.ndomains; i++)
		if (strcmp(W.domains[i].name, name) == 0)
			return &W.domains[i];
	if (W.ndomains == FAKE_MAX_DOMAINS || strlen(name) >= sizeof(d->name))
		abort();
	d = &W.domains[W.ndomains++];
	memset(d, 0, sizeof(*d));
	memcpy(d->name, name, strlen(name) + 1);
	d->txt_status = RESOLVER_NXDOMAIN;
	d->txt_ttl = 300;
	d->addr_status = RESOLVER_OK;
	d->fetch_status = FETCH_CONNECT;
	return d;
}

void
fake_hold(bool on)
{
	W.hold = on;
}

unsigned
fake_release(void)
{
	struct fake_pending	*p;
	unsigned		 n = 0;

	W.hold = false;
	TAILQ_FOREACH(p, &W.pending, entry) {
		event_active(p->ev, 0, 0);
		n++;
	}
	return n;
}

/* ---- clock.c ---- */

int64_t
clock_now(void)
{
	return W.now;
}

void
fake_clock_set(int64_t t)
{
	W.now = t;
}

void
fake_clock_advance(int64_t s)
{
	W.now += s;
}

/* ---- resolver.c and fetch.c ---- */

struct resolver *
fake_resolver(void)
{
	return (struct resolver *)(void *)&fake_handle_resolver;
}

struct fetcher *
fake_fetcher(void)
{
	return (struct fetcher *)(void *)&fake_handle_fetcher;
}

static void
fake_fire_txt(struct fake_pending *p)
{
	static struct dnsmsg_txt_answer	 a;
	struct resolver_txt_result	 r;
	struct fake_domain		*d = p->d;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	r.status = d->txt_status;
	a.ttl = d->txt_ttl;
	a.have_ttl = true;
	switch (d->txt_status) {
	case RESOLVER_OK:
		if (d->txt == NULL) {
			r.status = RESOLVER_NODATA;
			r.answer = &a;
			break;
		}
		a.nrecords = 1;
		a.records[0].first = 0;
		a.records[0].count = 1;
		a.nstrings = 1;
		a.strings[0] = span_str(d->txt);
		r.answer = &a;
		break;
	case RESOLVER_NXDOMAIN:
	case RESOLVER_NODATA:
		r.answer = &a;
		break;
	case RESOLVER_SERVFAIL:
	case RESOLVER_REFUSED:
	case RESOLVER_TIMEOUT:
	case RESOLVER_ERROR:
		r.why = "fake failure";
		break;
	}
	((resolver_txt_fn *)p->fn)(p->arg, &r);
}

static void
fake_fire_addr(struct fake_pending *p)
{
	struct resolver_addr_result	r;

	memset(&r, 0, sizeof(r));
	r.status = p->d->addr_status;
	if (r.status == RESOLVER_OK) {
		r.naddrs = 1;
		memcpy(r.addrs[0], "127.0.0.1", sizeof("127.0.0.1"));
	} else
		r.why = "fake failure";
	((resolver_addr_fn *)p->fn)(p->arg, &r);
}

static void
fake_fire_fetch(struct fake_pending *p)
{
	struct fetch_result	r;

	memset(&r, 0, sizeof(r));
	r.status = p->d->fetch_status;
	if (r.status == FETCH_OK) {
		r.http_code = 200;
		r.body = span_str(p->d->body != NULL ? p->d->body : "");
	}
	r.reason = r.status == FETCH_OK ? "" : "fake failure";
	((fetch_done_fn *)p->fn)(p->arg, &r);
}

static void
fake_on_fire(evutil_socket_t fd, short what, void *arg)
{
	struct fake_pending	*p = arg;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&W.pending, p, entry);
	event_free(p->ev);
	switch (p->kind) {
	case FAKE_TXT:
		fake_fire_txt(p);
		break;
	case FAKE_ADDR:
		fake_fire_addr(p);
		break;
	case FAKE_FETCH:
		fake_fire_fetch(p);
		break;
	}
	free(p);
}

static struct fake_pending *
fake_start(enum fake_kind kind, const char *name, const char *prefix,
    void *fn, void *arg)
{
	struct fake_pending	*p;
	size_t			 n = strlen(prefix);

	p = xcalloc(1, sizeof(*p));
	p->kind = kind;
	if (strncmp(name, prefix, n) == 0)
		name += n;
	p->d = fake_domain(name);
	p->fn = fn;
	p->arg = arg;
	p->ev = event_new(W.base, -1, 0, fake_on_fire, p);
	if (p->ev == NULL)
		abort();
	TAILQ_INSERT_TAIL(&W.pending, p, entry);
	if (!W.hold)
		event_active(p->ev, 0, 0);
	return p;
}

struct resolver_query *
resolver_query_txt(struct resolver *res, const char *name,
    resolver_txt_fn *fn, void *arg)
{
	struct fake_pending	*p;

	(void)res;
	p = fake_start(FAKE_TXT, name, FAKE_TXT_PREFIX, (void *)fn, arg);
	p->d->txt_queries++;
	return (struct resolver_query *)(void *)p;
}

struct resolver_query *
resolver_query_addrs(struct resolver *res, const char *name,
    resolver_addr_fn *fn, void *arg)
{
	(void)res;
	return (struct resolver_query *)(void *)fake_start(FAKE_ADDR, name,
	    FAKE_HOST_PREFIX, (void *)fn, arg);
}

static void
fake_cancel(struct fake_pending *p)
{
	if (p == NULL)
		return;
	TAILQ_REMOVE(&W.pending, p, entry);
	event_free(p->ev);
	free(p);
}

void
resolver_cancel(struct resolver_query *q)
{
	fake_cancel((struct fake_pending *)(void *)q);
}

struct fetch *
fetch_start(struct fetcher *f, const char *domain, const char *const *addrs,
    size_t naddrs, fetch_done_fn *fn, void *arg)
{
	struct fake_pending	*p;

	(void)f;
	(void)addrs;
	(void)naddrs;
	p = fake_start(FAKE_FETCH, domain, "", (void *)fn, arg);
	p->d->fetches++;
	return (struct fetch *)(void *)p;
}

void
fetch_cancel(struct fetch *q)
{
	fake_cancel((struct fake_pending *)(void *)q);
}

/* ---- cache.c ---- */

struct cache *
fake_cache(void)
{
	return (struct cache *)(void *)&fake_handle_cache;
}

void
fake_cache_fail_get(bool on)
{
	W.fail_get = on;
}

void
fake_cache_fail_put(bool on)
{
	W.fail_put = on;
}

unsigned
fake_cache_puts(void)
{
	return W.puts;
}

static struct fake_record *
fake_record_find(const char *domain)
{
	size_t	i;

	for (i = 0; i < W.nrecords; i++)
		if (strcmp(W.records[i].name, domain) == 0)
			return &W.records[i];
	return NULL;
}

bool
fake_cache_peek(const char *domain, struct cache_record *out)
{
	struct fake_record	*fr = fake_record_find(domain);
	const char		*why;

	cache_record_init(out);
	return fr != NULL &&
	    cache_record_decode(buf_span(&fr->enc), out, &why) == 0;
}

enum cache_status
cache_get(struct cache *c, const char *domain, struct cache_record *out)
{
	(void)c;
	if (W.fail_get) {
		cache_record_init(out);
		return CACHE_ERROR;
	}
	return fake_cache_peek(domain, out) ? CACHE_HIT : CACHE_MISS;
}

int
cache_put(struct cache *c, const char *domain, const struct cache_record *r)
{
	struct fake_record	*fr;
	struct buf		 enc;

	(void)c;
	if (W.fail_put)
		return -1;
	buf_init(&enc, CACHE_MAX_RECORD);
	if (cache_record_encode(r, &enc) == -1) {
		buf_clear(&enc);
		return -1;
	}
	if ((fr = fake_record_find(domain)) == NULL) {
		if (W.nrecords == FAKE_MAX_RECORDS ||
		    strlen(domain) > DOMAIN_MAX_NAME)
			abort();
		fr = &W.records[W.nrecords++];
		memcpy(fr->name, domain, strlen(domain) + 1);
	} else
		buf_clear(&fr->enc);
	fr->enc = enc;
	W.puts++;
	return 0;
}

int
cache_put_lazy(struct cache *c, const char *domain,
    const struct cache_record *r)
{
	unsigned	puts = W.puts;
	int		rc;

	/* In the fake, memory and disk are one: only the count differs. */
	rc = cache_put(c, domain, r);
	W.puts = puts;
	W.lazy_puts += rc == 0;
	return rc;
}

int
cache_flush(struct cache *c)
{
	(void)c;
	return W.fail_put ? -1 : 0;
}

void
fake_cache_reset_counts(void)
{
	W.puts = 0;
	W.lazy_puts = 0;
}

unsigned
fake_cache_lazy_puts(void)
{
	return W.lazy_puts;
}

int
cache_delete(struct cache *c, const char *domain)
{
	struct fake_record	*fr;

	(void)c;
	if (W.fail_put)
		return -1;
	if ((fr = fake_record_find(domain)) == NULL)
		return 0;
	buf_clear(&fr->enc);
	*fr = W.records[--W.nrecords];
	return 0;
}

int
cache_touch_batch(struct cache *c, const char *const *domains,
    const int64_t *times, size_t n)
{
	struct cache_record	r;
	size_t			i;
	unsigned		puts = W.puts;

	for (i = 0; i < n; i++) {
		if (!fake_cache_peek(domains[i], &r))
			continue;
		r.last_query = times[i];
		if (cache_put(c, domains[i], &r) == -1) {
			cache_record_clear(&r);
			return -1;
		}
		cache_record_clear(&r);
	}
	W.puts = puts;		/* batched usage is not a policy write */
	return 0;
}
