/*
 * server.h: the socketmap listeners and client connections.
 *
 * Owns the listening sockets and every client connection.  Each
 * connection reads netstring requests one at a time, hands the key to
 * the lookup engine and writes the reply back, and reads the next
 * request only once that reply has gone out.  Every connection has an
 * idle timeout, a request timeout, a reply timeout and a maximum age,
 * and holds at most one request and one reply in memory.  At
 * max_connections the server stops accepting until a slot frees or an
 * idle connection gives way to a waiting client; on unix listeners one
 * uid holds at most max_connections_per_uid.  Only this module touches
 * socketmap client sockets.
 */
#ifndef MTASTSD_SERVER_H
#define MTASTSD_SERVER_H

#include <stddef.h>

struct event_base;
struct config;
struct lookup_engine;
struct server;

typedef void server_done_fn(void *);

/*
 * Open every configured listener (before privileges are dropped), with
 * a cap of max_conns connections.  Keeps base and cfg, which must
 * outlive the server.  Returns NULL with a message in err on failure.
 */
struct server	*server_new(struct event_base *, const struct config *,
		    unsigned, char *, size_t);
/* Start accepting connections, answering through le (kept). */
void		 server_start(struct server *, struct lookup_engine *);
/*
 * Stop accepting, let replies in flight finish for at most
 * shutdown_timeout, then close everything and call fn (from the loop).
 */
void		 server_shutdown(struct server *, server_done_fn *, void *);
void		 server_free(struct server *);
size_t		 server_connections(const struct server *);

#endif
