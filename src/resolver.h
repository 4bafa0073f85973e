/*
 * resolver.h: asynchronous DNS lookups (TXT, A+AAAA, MX, and a record
 * count for any other type such as TLSA) on the daemon's libevent loop,
 * through one c-ares channel.
 *
 * The only module that includes ares.h; no c-ares type leaves it.  Its
 * files: resolver.c (channel, libevent glue, query life cycle) and
 * resolver_answer.c (status mapping, answer parsing, delivery), sharing
 * the private resolver_int.h.  It owns the channel, one event per c-ares
 * socket and a timer driven by ares_timeout(), and uses no threads.
 * Answers are read by dnsmsg.c from the raw response, so they carry
 * TTLs; CNAMEs are chased by the recursive server and followed inside
 * the answer by dnsmsg.
 *
 * Servers: /etc/resolv.conf unless resolver_opts.servers is set.  Queries
 * go out with RD, class IN, EDNS0 (UDP size RESOLVER_EDNS_UDP_SIZE) and
 * fall back to TCP on truncation (c-ares does this by itself).
 *
 * Timing (c-ares 1.18 semantics): each try waits timeout_ms << round,
 * where round counts passes over the server list, and every server gets
 * `tries` tries.  With one server and the defaults (3500 ms, 2 tries) a
 * lookup waits at most 3.5 s + 7 s = 10.5 s, so an answer that takes 3 s
 * still arrives within the first try.  With n servers c-ares would wait
 * n times as long; a per-query deadline of timeout_ms * (2^tries - 1) +
 * RESOLVER_DEADLINE_SLACK_MS (11 s with the defaults) caps every lookup
 * whatever the server count: it then reports RESOLVER_TIMEOUT and the
 * late answer is dropped.
 *
 * SERVFAIL and REFUSED: the channel sets ARES_FLAG_NOCHECKRESP so those
 * responses are delivered (RESOLVER_SERVFAIL / RESOLVER_REFUSED) instead
 * of being retried silently; without it c-ares 1.18 retries them on every
 * server and try and then reports ARES_ECONNREFUSED, which cannot be told
 * from an unreachable server.  The cost: a SERVFAIL from the first server
 * is not retried on the others.  c-ares 1.18 checks the response's
 * question against the query whatever this flag says, and dnsmsg checks
 * it again.
 *
 * A TCP connection to a server that closes or breaks makes c-ares 1.18
 * fail every query in flight to that server (ARES_ECONNREFUSED), UDP
 * ones too.  Such queries are sent again (twice at most, within their
 * deadline), which absorbs a server that closes TCP after an answer; a
 * server that breaks every TCP answer can still fail the queries in
 * flight beside the broken one, and the lookup layer's failure_ttl
 * bounds how long that lasts.
 *
 * Callbacks: every _query function returns a handle (never NULL) and its
 * callback runs exactly once, from the event loop, never before the
 * _query function returned, and never after resolver_cancel() or
 * resolver_free().  The handle is dead once the callback has started.
 * The callback may start new queries, cancel others, or free the
 * resolver.
 */
#ifndef MTASTSD_RESOLVER_H
#define MTASTSD_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsmsg.h"

struct event_base;
struct resolver;
struct resolver_query;

#define RESOLVER_DEFAULT_TIMEOUT_MS 3500
#define RESOLVER_DEFAULT_TRIES      2
#define RESOLVER_MIN_TIMEOUT_MS     100
#define RESOLVER_MAX_TIMEOUT_MS     30000
#define RESOLVER_MAX_TRIES          5
#define RESOLVER_DEADLINE_SLACK_MS  500
#define RESOLVER_MAX_SERVERS        8
#define RESOLVER_EDNS_UDP_SIZE      1232 /* DNS flag day 2020 */
#define RESOLVER_MAX_ADDRS          16   /* at most half per family */
#define RESOLVER_ADDR_STRLEN        46   /* INET6_ADDRSTRLEN */

/*
 * servers: NULL/0 for /etc/resolv.conf, else up to RESOLVER_MAX_SERVERS
 * numeric addresses "192.0.2.1", "192.0.2.1:5353", "2001:db8::1" or
 * "[2001:db8::1]:5353" (a bare IPv6 address never has a port; the
 * strings are not kept after resolver_new returns).
 * timeout_ms and tries: 0 for the defaults above, else within
 * RESOLVER_MIN_TIMEOUT_MS..RESOLVER_MAX_TIMEOUT_MS and 1..RESOLVER_MAX_TRIES.
 */
struct resolver_opts {
	const char *const *servers; /* borrowed during _new */
	size_t nservers;
	unsigned timeout_ms;
	unsigned tries;
};

enum resolver_status {
	RESOLVER_OK, /* at least one record */
	RESOLVER_NXDOMAIN,
	RESOLVER_NODATA, /* the name exists, no record of the type */
	RESOLVER_SERVFAIL,
	RESOLVER_REFUSED,
	RESOLVER_TIMEOUT, /* no usable answer in time */
	RESOLVER_ERROR    /* malformed answer, FORMERR, local failure */
};

/*
 * answer is borrowed and valid only during the callback; it is NULL
 * unless status is RESOLVER_OK, RESOLVER_NXDOMAIN or RESOLVER_NODATA.
 * why is a static string, NULL for RESOLVER_OK.
 */
struct resolver_txt_result {
	enum resolver_status status;
	const char *why;
	const struct dnsmsg_txt_answer *answer; /* borrowed */
};

struct resolver_mx_result {
	enum resolver_status status;
	const char *why;
	const struct dnsmsg_mx_answer *answer; /* borrowed */
};

/*
 * A and AAAA looked up in parallel.  status is RESOLVER_OK when either
 * gave an address; otherwise NXDOMAIN if either said so, NODATA if both
 * did, else the failure of the first that failed (A before AAAA).  addrs
 * lists the IPv6 addresses first, then IPv4, at most RESOLVER_MAX_ADDRS/2
 * of each; ttl is the minimum over the families that gave one.
 */
struct resolver_addr_result {
	enum resolver_status status;
	const char *why;
	uint32_t ttl;
	bool have_ttl;
	size_t naddrs;
	char addrs[RESOLVER_MAX_ADDRS][RESOLVER_ADDR_STRLEN];
};

/*
 * Only how many records of the type the name has (after the CNAME
 * chain), e.g. TLSA at _25._tcp.<mx host>.  count is >= 1 for
 * RESOLVER_OK and 0 otherwise; ttl/have_ttl as in dnsmsg_count_answer
 * for RESOLVER_OK, NXDOMAIN and NODATA, else 0/false.
 */
struct resolver_count_result {
	enum resolver_status status;
	const char *why;
	size_t count;
	uint32_t ttl;
	bool have_ttl;
};

typedef void resolver_txt_fn(void *, const struct resolver_txt_result *);
typedef void resolver_addr_fn(void *, const struct resolver_addr_result *);
typedef void resolver_mx_fn(void *, const struct resolver_mx_result *);
typedef void resolver_count_fn(void *, const struct resolver_count_result *);

/*
 * A resolver on base (borrowed; must outlive the resolver).  Returns NULL
 * with *why set on a bad option or when c-ares cannot start.
 */
struct resolver *resolver_new(
    struct event_base *, const struct resolver_opts *, const char **);
/* Cancels everything outstanding without calling back.  NULL is fine. */
void resolver_free(struct resolver *);

/*
 * Start a lookup of name (our own text, "a.example" or "a.example.").
 * The handle is valid until the callback starts or resolver_cancel().
 * An invalid name is reported through the callback as RESOLVER_ERROR.
 */
struct resolver_query *resolver_query_txt(
    struct resolver *, const char *, resolver_txt_fn *, void *);
struct resolver_query *resolver_query_addrs(
    struct resolver *, const char *, resolver_addr_fn *, void *);
struct resolver_query *resolver_query_mx(
    struct resolver *, const char *, resolver_mx_fn *, void *);
/*
 * Count the records of qtype (1..65535, not DNSMSG_TYPE_CNAME; another
 * value is reported as RESOLVER_ERROR) at name.
 */
struct resolver_query *resolver_query_count(
    struct resolver *, const char *, int, resolver_count_fn *, void *);
/* The callback will not run.  Not for a handle whose callback started. */
void resolver_cancel(struct resolver_query *);

/* The per-query deadline in milliseconds for these options. */
unsigned resolver_deadline_ms(const struct resolver *);
/* Number of queries started and neither delivered nor cancelled. */
size_t resolver_pending(const struct resolver *);
const char *resolver_status_name(enum resolver_status);

#endif
