/*
 * resolver_int.h: private to the resolver module; only resolver*.c
 * include it.  The structures shared by resolver.c (channel, libevent
 * glue, query life cycle) and resolver_answer.c (status mapping, answer
 * parsing, delivery to the caller).  No c-ares type leaves the module.
 */
#ifndef MTASTSD_RESOLVER_INT_H
#define MTASTSD_RESOLVER_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ares.h>

#include "resolver.h"

struct event;
struct event_base;

enum resolver_kind {
	RESOLVER_KIND_TXT,
	RESOLVER_KIND_ADDRS,
	RESOLVER_KIND_MX,
	RESOLVER_KIND_COUNT
};

/* One c-ares lookup of a query. */
struct resolver_sub {
	struct resolver_query *q; /* borrowed: the owner */
	int qtype;
	bool done; /* c-ares called back */
	int ares_status;
	uint8_t *abuf; /* owned; NULL without answer */
	size_t alen;
	unsigned resends;    /* after ARES_ECONNREFUSED */
	struct event *again; /* owned; NULL until a resend */
};

/*
 * c-ares 1.18 fails every query sent to a server when one TCP connection
 * to it closes or breaks (ARES_ECONNREFUSED), even queries that went out
 * over UDP and a query whose own answer was fine.  Such a query is sent
 * again, at most this often, while its deadline has not passed.
 */
#define RESOLVER_MAX_RESENDS 2

struct resolver_query {
	TAILQ_ENTRY(resolver_query) entry;
	struct resolver *r; /* borrowed: the owner */
	unsigned long id;   /* for log lines */
	enum resolver_kind kind;
	char *name;                  /* owned */
	resolver_txt_fn *txt_fn;     /* NULL unless KIND_TXT */
	resolver_addr_fn *addr_fn;   /* NULL unless KIND_ADDRS */
	resolver_mx_fn *mx_fn;       /* NULL unless KIND_MX */
	resolver_count_fn *count_fn; /* NULL unless KIND_COUNT */
	void *arg;                   /* borrowed: the caller's */
	bool finished;               /* delivered or cancelled */
	bool timed_out;              /* the deadline fired */
	const char *local_error;     /* NULL unless not started */
	unsigned inflight;           /* c-ares callbacks to come */
	size_t nsub;
	struct resolver_sub sub[2];
	struct event *deadline; /* owned */
	struct event *deliver;  /* owned */
};

/* A socket c-ares asked us to watch. */
struct resolver_sock {
	TAILQ_ENTRY(resolver_sock) entry;
	struct resolver *r; /* borrowed: the owner */
	ares_socket_t fd;
	struct event *ev; /* owned */
};

TAILQ_HEAD(resolver_queries, resolver_query);
TAILQ_HEAD(resolver_socks, resolver_sock);

struct resolver {
	struct event_base *base; /* borrowed */
	ares_channel channel;    /* owned */
	bool have_channel;
	struct event *timer;             /* owned: ares_timeout() */
	struct resolver_socks socks;     /* owned */
	struct resolver_queries queries; /* owned, finished or not */
	size_t npending;                 /* queries not finished */
	unsigned long next_id;
	unsigned deadline_ms;
	bool destroying;                   /* inside resolver_free */
	struct resolver_query *delivering; /* NULL outside a callback */
	bool free_pending;                 /* freed during a callback */
};

/* resolver_answer.c: build a query's result and call the caller back. */
void resolver_deliver_txt(struct resolver_query *);
void resolver_deliver_addrs(struct resolver_query *);
void resolver_deliver_mx(struct resolver_query *);
void resolver_deliver_count(struct resolver_query *);
/* "TXT", "A", ... for log lines; "?" for a type without a name. */
const char *resolver_type_name(int);

#endif
