/*
 * control.c: the control socket.  See control.h.
 */
#include "autoconfig.h"	/* _GNU_SOURCE for struct ucred */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <jansson.h>

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "control.h"
#include "domain.h"
#include "log.h"
#include "lookup.h"
#include "metrics.h"
#include "msec.h"
#include "refresh.h"
#include "reload.h"
#include "schedule.h"
#include "server.h"
#include "socketmap.h"
#include "sockpath.h"
#include "sts_policy.h"

#define CONTROL_METRICS_MAX	65536
/* Supplementary groups read without allocating; more take the heap. */
#define CONTROL_PEER_GROUPS	64
#define CONTROL_REFUSED_WINDOW	10	/* seconds per refusal log line */
#define CONTROL_ACCEPT_PAUSE_MS	1000	/* after accept() failed */

struct ctl_refresh;

enum ctl_may {
	CTL_MAY_UNKNOWN,
	CTL_MAY_NOT,
	CTL_MAY
};

struct ctl_conn {
	uint64_t		 id;
	struct control		*ctl;		/* borrowed */
	struct bufferevent	*bev;		/* owned */
	uid_t			 uid;		/* from SO_PEERCRED */
	gid_t			 gid;		/* from SO_PEERCRED */
	pid_t			 pid;
	enum ctl_may		 may_change;	/* decided at the first need */
	bool			 dumping;
	uint64_t		 dumped;
	char			 cursor[DOMAIN_MAX_NAME + 1];
	struct ctl_refresh	*refresh;	/* borrowed; NULL unless busy */
	TAILQ_ENTRY(ctl_conn)	 entry;
};

/*
 * Outlives its connection: the lookup calls back whatever happens, except
 * when the engine is freed first; control_free() frees what is left.
 */
struct ctl_refresh {
	struct ctl_conn		*conn;		/* NULL once the client left */
	char			 domain[DOMAIN_MAX_NAME + 1];
	LIST_ENTRY(ctl_refresh)	 entry;
};

struct control {
	struct event_base	*base;		/* borrowed */
	const struct config	*cfg;		/* borrowed */
	const struct metrics_src *src;		/* borrowed; NULL until start */
	struct evconnlistener	*evl;		/* owned */
	char			*path;		/* owned */
	uid_t			 uid;		/* the daemon's */
	gid_t			 gid;		/* control_group, at start */
	unsigned		 max_clients;	/* sized into the fd budget */
	TAILQ_HEAD(, ctl_conn)	 conns;
	size_t			 nconns;
	LIST_HEAD(, ctl_refresh) refreshes;	/* in flight */
	uint64_t		 next_id;
	bool			 paused;	/* at max_clients */
	struct event		*accept_timer;	/* owned: resume after EMFILE */
	struct event		*refused_timer;	/* owned: ends a quiet window */
	bool			 refused_quiet;	/* a refusal was logged */
	uint64_t		 refused_suppressed;
	bool			 nogroups_logged;
};

static void	ctl_close(struct ctl_conn *);
static void	ctl_on_read(struct bufferevent *, void *);

/* Write obj as one line and free it. */
static void
ctl_send(struct ctl_conn *c, json_t *obj)
{
	char	*text;

	if (obj == NULL) {
		log_errx("control conn=%" PRIu64 " json build failed", c->id);
		return;
	}
	json_object_set_new(obj, "v", json_integer(CONTROL_PROTOCOL));
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL) {
		log_errx("control conn=%" PRIu64 " json dump failed", c->id);
		return;
	}
	bufferevent_write(c->bev, text, strlen(text));
	bufferevent_write(c->bev, "\n", 1);
	free(text);
}

/*
 * Operator text (paths, configuration errors) and stored failure reasons
 * (peer text in them is escaped already) for JSON: as it is when it is
 * UTF-8, else escaped by span_esc(); json_string() refuses invalid
 * UTF-8, and one NULL would sink the whole answer.
 */
static json_t *
json_text(const char *s)
{
	json_t	*j;
	char	 esc[CONFIG_ERR_MAX];

	if ((j = json_string(s)) != NULL)
		return j;
	(void)span_esc(span_str(s), sizeof(esc), esc, sizeof(esc));
	return json_string(esc);
}

static void
ctl_error(struct ctl_conn *c, const char *msg)
{
	ctl_send(c, json_pack("{s:b, s:o}", "ok", 0, "error", json_text(msg)));
}

static json_t *
json_time(int64_t t)
{
	char		buf[32];
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

/* A cached record as JSON (times as ISO 8601 UTC). */
static json_t *
record_json(const char *domain, const struct cache_record *rec, int64_t now)
{
	json_t	*mx = json_array();
	size_t	 i;
	bool	 valid;

	for (i = 0; i < rec->policy.mx_count; i++)
		json_array_append_new(mx, json_string(rec->policy.mx[i]));
	valid = schedule_policy_valid(rec->fetched, rec->policy.max_age, now);
	return json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:b, s:o, "
	    "s:I, s:s, s:I, s:o, s:o, s:I, s:s, s:o, s:o}",
	    "domain", domain,
	    "id", rec->id,
	    "mode", sts_mode_name(rec->policy.mode),
	    "max_age", (json_int_t)rec->policy.max_age,
	    "mx", mx,
	    "fetched", json_time(rec->fetched),
	    "expires", json_time(schedule_policy_expires(rec->fetched,
	    rec->policy.max_age)),
	    "valid", valid,
	    "txt_checked", json_time(rec->txt_checked),
	    "txt_ttl", (json_int_t)rec->txt_ttl,
	    "txt_state", cache_txt_state_name(rec->txt_state),
	    "txt_failures", (json_int_t)rec->txt_failures,
	    "next_refresh", json_time(rec->next_refresh),
	    "last_failure", json_time(rec->last_failure),
	    "failures", (json_int_t)rec->failures,
	    "failed_id", rec->failed_id,
	    "failure", json_text(rec->failure),
	    "last_query", json_time(rec->last_query));
}

static json_t	*config_json(const struct reload_info *);

/*
 * Is gid among the peer's supplementary groups?  The kernel recorded
 * them at connect() (SO_PEERGROUPS, Linux 4.13); a buffer too small gets
 * ERANGE and the size needed.  Nothing here asks NSS, so a slow
 * directory service cannot stall the event loop through this check.
 */
static bool
peer_in_group(struct ctl_conn *c, gid_t gid)
{
#ifdef SO_PEERGROUPS
	gid_t		 stack[CONTROL_PEER_GROUPS], *groups = stack;
	socklen_t	 len = sizeof(stack);
	size_t		 i, n;
	bool		 found = false;
	int		 fd = bufferevent_getfd(c->bev), tries;

	for (tries = 0;; tries++) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &len) == 0)
			break;
		if (errno == ERANGE && tries < 2 &&
		    len <= NGROUPS_MAX * sizeof(gid_t)) {
			if (groups != stack)
				free(groups);
			groups = xmalloc(len);
			continue;
		}
		if (errno == ENOPROTOOPT) {
			if (!c->ctl->nogroups_logged)
				log_warnx("control: SO_PEERGROUPS unsupported "
				    "(Linux < 4.13): control_group counts "
				    "as a primary group only");
			c->ctl->nogroups_logged = true;
		} else
			log_warn("control conn=%" PRIu64 " SO_PEERGROUPS",
			    c->id);
		len = 0;
		break;
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n && !found; i++)
		found = groups[i] == gid;
	if (groups != stack)
		free(groups);
	return found;
#else
	(void)c;
	(void)gid;
	return false;
#endif
}

/*
 * Root, the daemon's own uid and members of control_group, judged by the
 * credentials the kernel recorded when the client connected.
 */
static bool
peer_may_change(struct ctl_conn *c)
{
	struct control	*ctl = c->ctl;

	if (c->may_change == CTL_MAY_UNKNOWN)
		c->may_change = c->uid == 0 || c->uid == ctl->uid ||
		    c->gid == ctl->gid || peer_in_group(c, ctl->gid) ?
		    CTL_MAY : CTL_MAY_NOT;
	return c->may_change == CTL_MAY;
}

/* Ends a quiet window: report what it kept from the log. */
static void
ctl_on_refused_timer(evutil_socket_t fd, short what, void *arg)
{
	struct control	*ctl = arg;
	struct timeval	 tv = { CONTROL_REFUSED_WINDOW, 0 };

	(void)fd;
	(void)what;
	if (ctl->refused_suppressed == 0) {
		ctl->refused_quiet = false;
		return;
	}
	log_info("control refused suppressed=%" PRIu64 " window=%ds",
	    ctl->refused_suppressed, CONTROL_REFUSED_WINDOW);
	ctl->refused_suppressed = 0;
	evtimer_add(ctl->refused_timer, &tv);
}

/*
 * Any local user who can reach the socket can be refused at will: one
 * line, then at most one count per CONTROL_REFUSED_WINDOW seconds.
 */
static void
ctl_log_refused(struct ctl_conn *c, const char *cmd)
{
	struct control	*ctl = c->ctl;
	struct timeval	 tv = { CONTROL_REFUSED_WINDOW, 0 };

	if (ctl->refused_quiet) {
		ctl->refused_suppressed++;
		return;
	}
	log_info("control refused conn=%" PRIu64 " uid=%u gid=%u pid=%d "
	    "command=%s", c->id, (unsigned)c->uid, (unsigned)c->gid,
	    (int)c->pid, cmd);
	ctl->refused_quiet = true;
	evtimer_add(ctl->refused_timer, &tv);
}

/*
 * While the daemon works for the client (a dump, a refresh), the client
 * has nothing to send: its idle timeout waits until the answer is out.
 * The write timeout stays, so a client that stops reading still goes.
 */
static void
ctl_set_busy(struct ctl_conn *c, bool busy)
{
	struct timeval	tv = msec_tv(c->ctl->cfg->control_timeout_ms);

	bufferevent_set_timeouts(c->bev, busy ? NULL : &tv, &tv);
}

static void
cmd_status(struct ctl_conn *c)
{
	const struct metrics_src	*src = c->ctl->src;
	const struct lookup_stats	*ls = lookup_engine_stats(src->lookups);
	const struct refresh_stats	*rs = refresh_get_stats(src->refresher);
	const struct config		*cfg = c->ctl->cfg;
	struct cache_info		 ci;
	json_t				*listeners = json_array();
	json_t				*counters, *fetchfail;
	const char			*name;
	size_t				 i;

	for (i = 0; i < cfg->nlisten; i++)
		json_array_append_new(listeners,
		    json_text(cfg->listen[i].text));
	cache_get_info(src->cache, &ci);
	fetchfail = json_object();
	for (i = 0; (name = lookup_fetch_reason_name(i)) != NULL; i++)
		json_object_set_new(fetchfail, name,
		    json_integer((json_int_t)ls->fetch_failures[i]));
	counters = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I}",
	    "queries", (json_int_t)ls->queries,
	    "replies_ok", (json_int_t)ls->replies_ok,
	    "replies_notfound", (json_int_t)ls->replies_notfound,
	    "replies_temp", (json_int_t)ls->replies_temp,
	    "not_applicable", (json_int_t)ls->not_applicable,
	    "cache_hits", (json_int_t)ls->cache_hits,
	    "cache_misses", (json_int_t)ls->cache_misses,
	    "negative_hits", (json_int_t)ls->negative_hits,
	    "joined", (json_int_t)ls->joined,
	    "wait_timeouts", (json_int_t)ls->wait_timeouts,
	    "busy", (json_int_t)ls->busy,
	    "txt_ok", (json_int_t)ls->txt_ok,
	    "txt_none", (json_int_t)ls->txt_none,
	    "txt_failed", (json_int_t)ls->txt_failed,
	    "fetch_ok", (json_int_t)ls->fetch_ok,
	    "fetch_failed", (json_int_t)ls->fetch_failed,
	    "policy_invalid", (json_int_t)ls->policy_invalid,
	    "fetch_failures", fetchfail,
	    "refreshes", (json_int_t)ls->refreshes,
	    "evictions", (json_int_t)rs->deleted,
	    "stale_served", (json_int_t)ls->stale_served);
	ctl_send(c, json_pack("{s:b, s:s, s:I, s:I, s:o, s:{s:o, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:b, s:{s:I, s:I, s:I, s:I}}, s:I, s:I, s:o, "
	    "s:o}",
	    "ok", 1,
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "uptime", (json_int_t)(time(NULL) - src->started),
	    "listeners", listeners,
	    "cache",
	    "path", json_text(cfg->cache_dir),
	    "records", (json_int_t)ci.records,
	    "used_bytes", (json_int_t)ci.used_bytes,
	    "map_size", (json_int_t)ci.map_size,
	    "corrupt_seen", (json_int_t)ci.corrupt_seen,
	    "unwritten", (json_int_t)ci.unwritten,
	    "write_errors", (json_int_t)ci.write_errors,
	    "writes_failing", ci.writes_failing,
	    "modes",
	    "enforce", (json_int_t)rs->by_mode[0],
	    "testing", (json_int_t)rs->by_mode[1],
	    "none", (json_int_t)rs->by_mode[2],
	    "expired", (json_int_t)rs->expired,
	    "lookups_in_flight", (json_int_t)lookup_in_flight(src->lookups),
	    "connections", (json_int_t)server_connections(src->server),
	    "counters", counters,
	    "config", config_json(src->reload)));
}

static json_t *
key_array(const char *const *keys, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(keys[i]));
	return a;
}

/* The configuration's history: file, when read, reloads, pending keys. */
static json_t *
config_json(const struct reload_info *ri)
{
	if (ri == NULL)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:o, s:o}",
	    "path", json_text(ri->path),
	    "loaded", json_time(ri->loaded),
	    "last_reload", json_time(ri->last_attempt),
	    "reloads_ok", (json_int_t)ri->ok,
	    "reloads_failed", (json_int_t)ri->failed,
	    "last_error", ri->last_error[0] != '\0' ?
	    json_text(ri->last_error) : json_null(),
	    "restart_pending", key_array(ri->last.pending, ri->last.npending));
}

/* Re-read the configuration now and say what changed (reload.h). */
static void
cmd_reload(struct ctl_conn *c)
{
	struct reload_info	*ri = c->ctl->src->reload;
	char			 msg[CONFIG_ERR_MAX + 64];

	if (ri == NULL || ri->run == NULL) {
		ctl_error(c, "reload is not available");
		return;
	}
	log_info("control reload uid=%u pid=%d", (unsigned)c->uid,
	    (int)c->pid);
	if (ri->run(ri->arg) == -1) {
		(void)snprintf(msg, sizeof(msg), "reload failed: %s; the "
		    "running configuration is unchanged", ri->last_error);
		ctl_error(c, msg);
		return;
	}
	ctl_send(c, json_pack("{s:b, s:o, s:o, s:o}", "ok", 1,
	    "path", json_text(ri->path),
	    "applied", key_array(ri->last.applied, ri->last.napplied),
	    "restart_pending", key_array(ri->last.pending,
	    ri->last.npending)));
}

/* The domain argument, normalised like a socketmap key. */
static int
ctl_domain(struct ctl_conn *c, const char *arg, struct domain_name *dn)
{
	const char	*why = NULL;

	if (arg == NULL) {
		ctl_error(c, "a domain is required");
		return -1;
	}
	if (domain_key_parse(span_str(arg), dn, &why) != DOMAIN_KEY_NAME) {
		ctl_error(c, why != NULL ? why : "not a policy domain");
		return -1;
	}
	return 0;
}

static void
cmd_show(struct ctl_conn *c, const char *arg)
{
	struct domain_name	 dn;
	struct cache_record	 rec;
	struct buf		 data;
	enum socketmap_status	 st;
	enum cache_status	 cs;
	char			 reply[SOCKETMAP_MAX_REPLY];
	json_t			*obj;

	if (ctl_domain(c, arg, &dn) == -1)
		return;
	buf_init(&data, sizeof(reply) - 32);
	st = lookup_peek(c->ctl->src->lookups, dn.name, &data);
	snprintf(reply, sizeof(reply), "%s %.*s", socketmap_status_name(st),
	    (int)data.len, data.p != NULL ? (const char *)data.p : "");
	buf_clear(&data);
	cache_record_init(&rec);
	cs = cache_get(c->ctl->src->cache, dn.name, &rec);
	if (cs == CACHE_HIT)
		obj = json_pack("{s:b, s:s, s:b, s:o, s:s}", "ok", 1, "domain",
		    dn.name, "cached", 1, "record",
		    record_json(dn.name, &rec, (int64_t)time(NULL)),
		    "reply", reply);
	else
		obj = json_pack("{s:b, s:s, s:b, s:s}", "ok", 1, "domain",
		    dn.name, "cached", 0, "reply", reply);
	cache_record_clear(&rec);
	ctl_send(c, obj);
}

static int
dump_one(void *arg, const char *domain, const struct cache_record *rec)
{
	struct ctl_conn	*c = arg;

	ctl_send(c, record_json(domain, rec, (int64_t)time(NULL)));
	c->dumped++;
	return 0;
}

/* Send the next page; called again when the client has taken it. */
static void
dump_next(struct ctl_conn *c)
{
	char	last[DOMAIN_MAX_NAME + 1];
	int	n;

	last[0] = '\0';
	n = cache_iterate(c->ctl->src->cache, c->cursor, CONTROL_DUMP_PAGE,
	    dump_one, c, last);
	if (n > 0) {
		memcpy(c->cursor, last, sizeof(c->cursor));
		return;
	}
	c->dumping = false;
	ctl_set_busy(c, false);
	if (n < 0)
		ctl_error(c, "cache read failed");
	else
		ctl_send(c, json_pack("{s:b, s:b, s:I}", "ok", 1, "done", 1,
		    "count", (json_int_t)c->dumped));
}

static void
cmd_dump(struct ctl_conn *c, const char *arg)
{
	size_t	len = arg != NULL ? strlen(arg) : 0;

	if (len > DOMAIN_MAX_NAME) {
		ctl_error(c, "bad start key");
		return;
	}
	memcpy(c->cursor, arg != NULL ? arg : "", len + 1);
	c->dumping = true;
	c->dumped = 0;
	ctl_set_busy(c, true);
	dump_next(c);
}

static void
cmd_flush(struct ctl_conn *c, const char *arg)
{
	const struct metrics_src	*src = c->ctl->src;
	struct domain_name		 dn;

	if (arg != NULL && strcmp(arg, "--all") == 0) {
		if (cache_delete_all(src->cache) == -1) {
			ctl_error(c, "cache write failed");
			return;
		}
		lookup_flush(src->lookups, NULL);
		log_info("control flush all uid=%u pid=%d", (unsigned)c->uid,
		    (int)c->pid);
		ctl_send(c, json_pack("{s:b, s:s}", "ok", 1, "flushed",
		    "all"));
		return;
	}
	if (ctl_domain(c, arg, &dn) == -1)
		return;
	if (cache_delete(src->cache, dn.name) == -1) {
		ctl_error(c, "cache write failed");
		return;
	}
	lookup_flush(src->lookups, dn.name);
	log_info("control flush domain=%s uid=%u pid=%d", dn.name,
	    (unsigned)c->uid, (int)c->pid);
	ctl_send(c, json_pack("{s:b, s:s}", "ok", 1, "flushed", dn.name));
}

static void
ctl_on_refreshed(void *arg, enum socketmap_status st, struct span data,
    const char *summary)
{
	struct ctl_refresh	*r = arg;
	struct ctl_conn		*c = r->conn;
	char			 reply[SOCKETMAP_MAX_REPLY];

	LIST_REMOVE(r, entry);
	if (c != NULL) {
		snprintf(reply, sizeof(reply), "%s %.*s",
		    socketmap_status_name(st), (int)data.len,
		    data.p != NULL ? (const char *)data.p : "");
		c->refresh = NULL;
		ctl_set_busy(c, false);
		ctl_send(c, json_pack("{s:b, s:s, s:s, s:s}", "ok", 1,
		    "domain", r->domain, "summary", summary, "reply", reply));
	}
	free(r);
	/* Requests that arrived meanwhile. */
	if (c != NULL)
		ctl_on_read(c->bev, c);
}

static void
cmd_refresh(struct ctl_conn *c, const char *arg)
{
	struct domain_name	 dn;
	struct ctl_refresh	*r;

	if (ctl_domain(c, arg, &dn) == -1)
		return;
	if (c->refresh != NULL) {
		ctl_error(c, "a refresh is already running on this connection");
		return;
	}
	r = xcalloc(1, sizeof(*r));
	memcpy(r->domain, dn.name, dn.len + 1);
	if (lookup_background(c->ctl->src->lookups, dn.name, true,
	    ctl_on_refreshed, r) == -1) {
		free(r);
		ctl_error(c, "a lookup of this domain is running or the lookup "
		    "limit is reached; try again");
		return;
	}
	r->conn = c;
	c->refresh = r;
	LIST_INSERT_HEAD(&c->ctl->refreshes, r, entry);
	ctl_set_busy(c, true);
	log_info("control refresh domain=%s uid=%u pid=%d", dn.name,
	    (unsigned)c->uid, (int)c->pid);
}

static void
cmd_metrics(struct ctl_conn *c)
{
	struct buf	text;
	char		*s;

	buf_init(&text, CONTROL_METRICS_MAX);
	if (metrics_text(c->ctl->src, &text) == -1) {
		buf_clear(&text);
		ctl_error(c, "metrics too large");
		return;
	}
	s = buf_strdup(&text);
	ctl_send(c, json_pack("{s:b, s:s}", "ok", 1, "text", s));
	free(s);
	buf_clear(&text);
}

/*
 * request = command [SP argument] LF
 * command = "status" / "show" / "dump" / "metrics" / "flush" / "refresh"
 *         / "reload"
 */
static void
ctl_dispatch(struct ctl_conn *c, char *line)
{
	char	*arg, *extra;

	if ((arg = strchr(line, ' ')) != NULL) {
		*arg++ = '\0';
		if ((extra = strchr(arg, ' ')) != NULL || *arg == '\0') {
			ctl_error(c, "expected COMMAND [ARGUMENT]");
			return;
		}
	}
	log_debug("control conn=%" PRIu64 " uid=%u command=%s", c->id,
	    (unsigned)c->uid, log_esc_str(line));
	if (strcmp(line, "status") == 0)
		cmd_status(c);
	else if (strcmp(line, "show") == 0)
		cmd_show(c, arg);
	else if (strcmp(line, "dump") == 0)
		cmd_dump(c, arg);
	else if (strcmp(line, "metrics") == 0)
		cmd_metrics(c);
	else if (strcmp(line, "flush") == 0 || strcmp(line, "refresh") == 0 ||
	    strcmp(line, "reload") == 0) {
		if (!peer_may_change(c)) {
			ctl_log_refused(c, line);
			ctl_error(c, "permission denied: root, the daemon's "
			    "user or control_group only");
			return;
		}
		if (strcmp(line, "flush") == 0)
			cmd_flush(c, arg);
		else if (strcmp(line, "refresh") == 0)
			cmd_refresh(c, arg);
		else if (arg != NULL)
			ctl_error(c, "reload takes no argument");
		else
			cmd_reload(c);
	} else
		ctl_error(c, "unknown command");
}

static void
ctl_on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len, i;

	/* One request at a time: a dump or refresh finishes first. */
	while (!c->dumping && c->refresh == NULL) {
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > CONTROL_MAX_REQUEST) {
				ctl_error(c, "request too long");
				ctl_close(c);
			}
			return;
		}
		for (i = 0; i < len; i++) {
			if ((unsigned char)line[i] < 0x20 ||
			    (unsigned char)line[i] > 0x7e)
				break;
		}
		if (len > CONTROL_MAX_REQUEST || i != len)
			ctl_error(c, "bad request");
		else
			ctl_dispatch(c, line);
		free(line);
	}
}

static void
ctl_on_write(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;

	(void)bev;
	if (c->dumping) {
		dump_next(c);
		return;
	}
	/* Requests that arrived during a dump. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		ctl_on_read(c->bev, c);
}

static void
ctl_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	ctl_close(arg);
}

static void
ctl_close(struct ctl_conn *c)
{
	struct control	*ctl = c->ctl;

	if (c->refresh != NULL)
		c->refresh->conn = NULL;
	TAILQ_REMOVE(&ctl->conns, c, entry);
	ctl->nconns--;
	bufferevent_free(c->bev);
	free(c);
	if (ctl->paused && ctl->nconns < ctl->max_clients) {
		ctl->paused = false;
		if (!evtimer_pending(ctl->accept_timer, NULL))
			evconnlistener_enable(ctl->evl);
	}
}

static void
ctl_on_accept_timer(evutil_socket_t fd, short what, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)what;
	if (!ctl->paused)
		evconnlistener_enable(ctl->evl);
}

/*
 * accept() failed, most likely for want of descriptors (EMFILE): a
 * listener left on would fail again at once, so rest for a moment.
 */
static void
ctl_on_accept_error(struct evconnlistener *evl, void *arg)
{
	struct control	*ctl = arg;
	struct timeval	 tv = msec_tv(CONTROL_ACCEPT_PAUSE_MS);
	int		 err = EVUTIL_SOCKET_ERROR();

	evconnlistener_disable(evl);
	if (!evtimer_pending(ctl->accept_timer, NULL))
		log_warnx("control accept failed: %s; pausing %d ms",
		    strerror(err), CONTROL_ACCEPT_PAUSE_MS);
	evtimer_add(ctl->accept_timer, &tv);
}

static void
ctl_on_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control	*ctl = arg;
	struct ctl_conn	*c;
	struct ucred	 cred;
	socklen_t	 clen = sizeof(cred);

	(void)evl;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1) {
		log_warn("control: SO_PEERCRED");
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->id = ++ctl->next_id;
	c->ctl = ctl;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	if ((c->bev = bufferevent_socket_new(ctl->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, ctl_on_read, ctl_on_write, ctl_on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONTROL_MAX_REQUEST * 4);
	ctl_set_busy(c, false);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->nconns++;
	log_debug("control open conn=%" PRIu64 " uid=%u pid=%d", c->id,
	    (unsigned)c->uid, (int)c->pid);
	/* libevent accepts no further connection once this disables. */
	if (ctl->nconns >= ctl->max_clients) {
		evconnlistener_disable(ctl->evl);
		ctl->paused = true;
	}
}

/* Another daemon answering on path?  A refused connect means stale. */
static bool
socket_in_use(const struct sockaddr_un *sun)
{
	int	fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return rc == 0;
}

struct control *
control_new(struct event_base *base, const struct config *cfg, uid_t uid,
    gid_t gid, char *err, size_t errlen)
{
	struct control		*ctl;
	struct sockaddr_un	 sun;
	struct sockpath_opts	 so;
	struct group		*gr;
	struct stat		 st;
	const char		*path = cfg->control_socket;
	char			 why[256];
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control_socket %s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (cfg->control_group != NULL) {
		if ((gr = getgrnam(cfg->control_group)) == NULL) {
			snprintf(err, errlen, "control_group %s: no such group",
			    cfg->control_group);
			return NULL;
		}
		gid = gr->gr_gid;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "control_socket %s: exists and "
			    "is not a socket", path);
			return NULL;
		}
		if (socket_in_use(&sun)) {
			snprintf(err, errlen, "control_socket %s: another "
			    "mta-stsd is running", path);
			return NULL;
		}
		log_info("control_socket %s: removing stale socket", path);
		unlink(path);
	}
	/*
	 * The mode comes from the umask at bind(); as root the owner is set
	 * before the file appears at path (sockpath.h), never by path.
	 */
	memset(&so, 0, sizeof(so));
	so.mode = (mode_t)cfg->control_socket_mode;
	so.set_owner = geteuid() == 0;
	so.uid = uid;
	so.gid = gid;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "control_socket %s: socket: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (sockpath_bind(fd, path, &so, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "control_socket %s: %s", path, why);
		close(fd);
		return NULL;
	}
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->base = base;
	ctl->cfg = cfg;
	ctl->uid = uid;
	ctl->gid = gid;
	ctl->max_clients = cfg->control_max_clients;
	ctl->path = xstrdup(path);
	TAILQ_INIT(&ctl->conns);
	LIST_INIT(&ctl->refreshes);
	ctl->evl = evconnlistener_new(base, ctl_on_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED,
	    16, fd);
	if (ctl->evl == NULL) {
		snprintf(err, errlen, "control_socket %s: listen: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	evconnlistener_set_error_cb(ctl->evl, ctl_on_accept_error);
	if ((ctl->accept_timer = evtimer_new(base, ctl_on_accept_timer,
	    ctl)) == NULL ||
	    (ctl->refused_timer = evtimer_new(base, ctl_on_refused_timer,
	    ctl)) == NULL) {
		snprintf(err, errlen, "control_socket %s: evtimer_new failed",
		    path);
		control_free(ctl);
		return NULL;
	}
	return ctl;
}

void
control_start(struct control *ctl, const struct metrics_src *src)
{
	ctl->src = src;
	evconnlistener_enable(ctl->evl);
	log_info("control socket %s mode=%04o", ctl->path,
	    ctl->cfg->control_socket_mode);
}

void
control_free(struct control *ctl)
{
	struct ctl_conn		*c;
	struct ctl_refresh	*r;

	if (ctl == NULL)
		return;
	ctl->paused = false;	/* no resuming on the way out */
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		ctl_close(c);
	/* Their lookups are freed with the engine, which never calls back. */
	while ((r = LIST_FIRST(&ctl->refreshes)) != NULL) {
		LIST_REMOVE(r, entry);
		free(r);
	}
	if (ctl->accept_timer != NULL)
		event_free(ctl->accept_timer);
	if (ctl->refused_timer != NULL) {
		if (ctl->refused_suppressed > 0)
			log_info("control refused suppressed=%" PRIu64,
			    ctl->refused_suppressed);
		event_free(ctl->refused_timer);
	}
	evconnlistener_free(ctl->evl);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
