/*
 * sockpath.c: unix socket files made without a redirectable path
 * operation.  See sockpath.h.
 */
#include "autoconfig.h"	/* _GNU_SOURCE for O_PATH */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sockpath.h"

/* mkdtemp() name of the private directory, next to the target. */
#define SOCKPATH_TMP_NAME	".mta-stsd.XXXXXX"

static void
seterr(char *err, size_t errlen, const char *what, int e)
{
	(void)snprintf(err, errlen, "%s: %s", what, strerror(e));
}

/* bind() to name (relative to the working directory or absolute). */
static int
bind_umask(int fd, const char *name, mode_t mode)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			rc, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(name) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, name, strlen(name) + 1);
	/* The only place the mode is set: nothing is chmod()ed later. */
	old = umask((mode_t)(~mode & 0777));
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(old);
	errno = e;
	return rc;
}

/*
 * Whether what dirfd/name holds may be replaced: nothing, or a socket.
 * Never follows a symlink there.
 */
static bool
may_replace(int dirfd, const char *name)
{
	struct stat	st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT;
	return S_ISSOCK(st.st_mode);
}

/* Remove the private directory, unless someone renamed it meanwhile. */
static void
tmp_remove(int pfd, const char *tmpname, int tfd)
{
	struct stat	ours, there;

	if (fstat(tfd, &ours) == -1 ||
	    fstatat(pfd, tmpname, &there, AT_SYMLINK_NOFOLLOW) == -1 ||
	    ours.st_dev != there.st_dev || ours.st_ino != there.st_ino)
		return;
	(void)unlinkat(pfd, tmpname, AT_REMOVEDIR);
}

/*
 * The directory part of path ("/" for "/x") and its last component, both
 * heap copies.
 */
static void
path_split(const char *path, char **dir, char **base)
{
	const char	*slash = strrchr(path, '/');

	*dir = slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	*base = xstrdup(slash + 1);
}

/*
 * Bind base inside a fresh private directory in dir, give the file to
 * uid:gid there and rename it to dir/base.
 */
static int
bind_owned(int fd, const char *dir, const char *base,
    const struct sockpath_opts *o, char *err, size_t errlen)
{
	struct stat	 st;
	char		*tmpl = NULL, *tmpname;
	int		 pfd = -1, tfd = -1, cwd = -1, rc = -1;
	bool		 bound = false;
	size_t		 n;

	if ((pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "open directory", errno);
		goto out;
	}
	n = strlen(dir) + sizeof("/" SOCKPATH_TMP_NAME);
	tmpl = xmalloc(n);
	(void)snprintf(tmpl, n, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
	    SOCKPATH_TMP_NAME);
	if (mkdtemp(tmpl) == NULL) {
		seterr(err, errlen, "mkdtemp", errno);
		free(tmpl);
		tmpl = NULL;
		goto out;
	}
	tmpname = strrchr(tmpl, '/') + 1;
	/*
	 * Whoever may write dir may have swapped the new directory for a
	 * symlink or a directory of their own: refuse both.  Only we can
	 * have made a directory owned by our uid and closed to others.
	 */
	if ((tfd = openat(pfd, tmpname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(tfd, &st) == -1) {
		seterr(err, errlen, "open private directory", errno);
		goto out;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		(void)snprintf(err, errlen, "private directory %s was "
		    "replaced", tmpname);
		goto out;
	}
	/* A relative bind: the path cannot be redirected above tfd. */
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "open working directory", errno);
		goto out;
	}
	if (fchdir(tfd) == -1) {
		seterr(err, errlen, "fchdir", errno);
		goto out;
	}
	if (bind_umask(fd, base, o->mode) == -1) {
		seterr(err, errlen, "bind", errno);
		goto back;
	}
	bound = true;
	if (fchownat(tfd, base, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) == -1) {
		seterr(err, errlen, "fchownat", errno);
		goto back;
	}
	if (!may_replace(pfd, base)) {
		(void)snprintf(err, errlen, "exists and is not a socket");
		goto back;
	}
	if (renameat(tfd, base, pfd, base) == -1) {
		seterr(err, errlen, "rename", errno);
		goto back;
	}
	bound = false;
	rc = 0;
back:
	/* Never left inside a directory about to be removed. */
	if (fchdir(cwd) == -1 && chdir("/") == -1) {
		seterr(err, errlen, "chdir", errno);
		if (rc == 0)
			(void)unlinkat(pfd, base, 0);
		rc = -1;
	}
out:
	if (bound)
		(void)unlinkat(tfd, base, 0);
	if (tmpl != NULL && tfd != -1)
		tmp_remove(pfd, strrchr(tmpl, '/') + 1, tfd);
	else if (tmpl != NULL)
		(void)unlinkat(pfd, strrchr(tmpl, '/') + 1, AT_REMOVEDIR);
	if (cwd != -1)
		close(cwd);
	if (tfd != -1)
		close(tfd);
	if (pfd != -1)
		close(pfd);
	free(tmpl);
	return rc;
}

int
sockpath_bind(int fd, const char *path, const struct sockpath_opts *o,
    char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	char			*dir, *base;
	int			 rc;

	if (path[0] != '/' || strlen(path) >= sizeof(sun.sun_path)) {
		(void)snprintf(err, errlen, "not an absolute path shorter than "
		    "%zu bytes", sizeof(sun.sun_path));
		return -1;
	}
	path_split(path, &dir, &base);
	if (base[0] == '\0') {
		(void)snprintf(err, errlen, "no file name");
		rc = -1;
	} else if (o->set_owner)
		rc = bind_owned(fd, dir, base, o, err, errlen);
	else if (!may_replace(AT_FDCWD, path)) {
		(void)snprintf(err, errlen, "exists and is not a socket");
		rc = -1;
	} else {
		/* Our own user makes the file: no owner to change. */
		(void)unlink(path);
		if ((rc = bind_umask(fd, path, o->mode)) == -1)
			seterr(err, errlen, "bind", errno);
	}
	free(dir);
	free(base);
	return rc;
}
