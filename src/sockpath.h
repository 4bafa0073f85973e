/*
 * sockpath.h: bind a unix socket to a path with a given mode and owner,
 * with no path operation that another user can redirect.
 *
 * Started as root, the daemon gives its control socket to its own user
 * and a group.  chmod() or chown() by path after bind() follows a
 * symlink that whoever may write the socket's directory (the daemon's
 * own account, once compromised, or the owner of a spool directory)
 * swaps in meanwhile, and root would hand over the file it points to.
 * So no chmod is made at all: the mode comes from the umask around
 * bind().  And when an owner is to be set, the socket is bound inside a
 * fresh root-owned mode 0700 directory made next to the target (nobody
 * else can reach the new file there), given its owner there through
 * that directory's descriptor (fchownat(), not following symlinks), and
 * renamed into place (rename() replaces a stale socket atomically and
 * never follows a symlink at the target); then the directory is removed.
 *
 * Not pure (system calls, no event library).  It changes the umask and,
 * for a moment, the working directory: call it before any thread starts.
 * It never logs; failures come back as text.
 */
#ifndef MTASTSD_SOCKPATH_H
#define MTASTSD_SOCKPATH_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct sockpath_opts {
	mode_t	mode;		/* permission bits, set by the umask */
	bool	set_owner;	/* give the file to uid:gid (needs root) */
	uid_t	uid;
	gid_t	gid;
};

/*
 * Bind fd (an AF_UNIX stream socket, not yet bound) to path, an absolute
 * path shorter than sun_path.  An existing socket at path is replaced;
 * any other kind of file there is refused and left alone.  Returns 0,
 * or -1 with err set (path not included) and nothing left behind.
 */
int	sockpath_bind(int, const char *, const struct sockpath_opts *, char *,
	    size_t);

#endif
