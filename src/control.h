/*
 * control.h: the control socket that mta-stsctl talks to.
 *
 * Protocol, version 1.  A unix stream socket; the client sends one
 * request per line (LF-terminated, at most CONTROL_MAX_REQUEST bytes),
 * a command word and at most one argument:
 *
 *	status                 daemon, cache and counters
 *	show DOMAIN            the cached record and the reply Postfix gets
 *	dump [AFTER]           every cached record with a key after AFTER
 *	metrics                Prometheus text
 *	flush DOMAIN | --all   forget a domain's (or every) cached policy  *
 *	refresh DOMAIN         re-check the TXT id and refetch now         *
 *	reload                 re-read the configuration file (reload.h)   *
 *
 * Each answer is one JSON object per line with "v": 1 and "ok": true or
 * false (and "error" then).  dump answers one line per record
 * ({"v":1,"domain":...}) and a final {"v":1,"ok":true,"done":true,
 * "count":N}; records are read a short page at a time, the next page
 * only once the client has taken the previous one, so a slow client
 * holds neither memory nor a read transaction.  Several requests may
 * follow on one connection.
 *
 * Who may connect is decided by the socket's mode and group
 * (control_socket_mode, control_group).  Commands marked * change state
 * and also check the peer: root, the daemon's own uid and members of
 * control_group only.  The peer's uid, gid and supplementary groups are
 * the ones the kernel recorded at connect() (SO_PEERCRED, SO_PEERGROUPS),
 * and control_group's gid is resolved once, in control_new(): no NSS
 * call (LDAP, SSSD) runs on the event loop, so a slow directory cannot
 * stall the socketmap service through this socket.  Refusals are logged
 * once, then counted, one line per quiet window at most.
 *
 * Clients have an idle timeout, suspended while the daemon works on
 * their command (a dump, a refresh, whose lookup has timeouts of its
 * own), and a cap on their number (control_max_clients, fixed at start
 * as it is part of the descriptor budget); nothing a client does can
 * block the socketmap service.
 */
#ifndef MTASTSD_CONTROL_H
#define MTASTSD_CONTROL_H

#include <sys/types.h>

#include <stddef.h>

#define CONTROL_PROTOCOL	1
#define CONTROL_MAX_REQUEST	1024
#define CONTROL_DUMP_PAGE	100

struct event_base;
struct config;
struct metrics_src;
struct control;

/*
 * Create the socket (before privileges are dropped): refuse when another
 * daemon answers on it, replace a stale one, create it with its mode
 * and, as root, give it to owner:group before it appears at its path
 * (sockpath_bind()).  uid is the daemon's user, who may change state;
 * gid the group that may too unless control_group names one.  Keeps
 * base and cfg.  NULL with err set on failure.
 */
struct control	*control_new(struct event_base *, const struct config *,
		    uid_t, gid_t, char *, size_t);
/* Start serving; src is kept (borrowed). */
void		 control_start(struct control *, const struct metrics_src *);
/*
 * Close every client and the socket, and remove the socket file.  Call
 * it once the loop has stopped for good: refreshes still in flight are
 * freed here, and their lookups must never call back (the lookup
 * engine's free cancels them without calling back).
 */
void		 control_free(struct control *);

#endif
