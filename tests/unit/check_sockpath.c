/*
 * check_sockpath.c: sockpath_bind(), unix socket files with a mode and
 * an owner and no path operation that follows a planted symlink.  The
 * owner cases need root (CI runs as root); without it they only check
 * that nothing is left behind.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "sockpath.h"

#define OWNER_UID	4242
#define OWNER_GID	4343

enum pre {
	PRE_NONE,		/* nothing at the path */
	PRE_SOCKET,		/* a stale socket */
	PRE_FILE,		/* a regular file */
	PRE_SYMLINK,		/* a symlink to a file elsewhere */
	PRE_DIR			/* a directory */
};

struct bind_case {
	const char	*name;
	enum pre	 pre;
	bool		 set_owner;
	bool		 dir_owned;	/* directory owned by OWNER_UID */
	mode_t		 mode;
	const char	*want_err;	/* NULL: success */
};

static const struct bind_case bind_cases[] = {
	{ "fresh 0660", PRE_NONE, false, false, 0660, NULL },
	{ "fresh 0600", PRE_NONE, false, false, 0600, NULL },
	{ "stale socket replaced", PRE_SOCKET, false, false, 0666, NULL },
	{ "regular file refused", PRE_FILE, false, false, 0660,
	    "not a socket" },
	{ "symlink refused", PRE_SYMLINK, false, false, 0660, "not a socket" },
	{ "directory refused", PRE_DIR, false, false, 0660, "not a socket" },
	{ "owned fresh 0640", PRE_NONE, true, false, 0640, NULL },
	{ "owned in the owner's directory", PRE_NONE, true, true, 0660, NULL },
	{ "owned stale socket replaced", PRE_SOCKET, true, true, 0660, NULL },
	{ "owned regular file refused", PRE_FILE, true, true, 0660,
	    "not a socket" },
	{ "owned symlink refused", PRE_SYMLINK, true, true, 0660,
	    "not a socket" },
	{ "owned directory refused", PRE_DIR, true, false, 0660,
	    "not a socket" },
};

static int
unix_socket(void)
{
	int	fd;

	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	return fd;
}

static void
sun_set(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun->sun_path));
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

static void
make_socket(const char *path)
{
	struct sockaddr_un	sun;
	int			fd = unix_socket();

	sun_set(&sun, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

static void
make_file(const char *path)
{
	int	fd;

	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644),
	    0);
	close(fd);
}

/* Names in dir other than "." and ".."; "" when none, "?" on error. */
static void
dir_list(const char *dir, char *out, size_t size)
{
	DIR		*d;
	struct dirent	*e;

	out[0] = '\0';
	if ((d = opendir(dir)) == NULL) {
		snprintf(out, size, "?");
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (out[0] != '\0')
			strncat(out, ",", size - strlen(out) - 1);
		strncat(out, e->d_name, size - strlen(out) - 1);
	}
	closedir(d);
}

static bool
can_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd = unix_socket(), rc;

	sun_set(&sun, path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc == 0;
}

START_TEST(test_bind_table)
{
	const struct bind_case	*c = &bind_cases[_i];
	struct sockpath_opts	 o;
	struct stat		 st, victim;
	char			 dir[] = "/tmp/check_sockpath.XXXXXX";
	char			 path[64], other[64];
	char			 cwd[PATH_MAX], cwd2[PATH_MAX], err[256] = "";
	char			 left[512], want_left[64];
	mode_t			 umask_before, umask_after;
	int			 fd, rc;
	bool			 root = geteuid() == 0;

	if (c->set_owner && !root) {
		fprintf(stderr, "case %s: skipped, needs root\n", c->name);
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/sock", dir),
	    (int)sizeof(path));
	ck_assert_int_lt(snprintf(other, sizeof(other), "%s.victim", dir),
	    (int)sizeof(other));
	if (c->dir_owned)
		ck_assert_int_eq(chown(dir, OWNER_UID, OWNER_GID), 0);
	switch (c->pre) {
	case PRE_NONE:
		break;
	case PRE_SOCKET:
		make_socket(path);
		break;
	case PRE_FILE:
		make_file(path);
		break;
	case PRE_SYMLINK:
		make_file(other);
		ck_assert_int_eq(symlink(other, path), 0);
		break;
	case PRE_DIR:
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	}
	if (c->pre == PRE_SYMLINK)
		ck_assert_int_eq(stat(other, &victim), 0);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	umask_before = umask(022);
	umask(umask_before);

	memset(&o, 0, sizeof(o));
	o.mode = c->mode;
	o.set_owner = c->set_owner;
	o.uid = OWNER_UID;
	o.gid = OWNER_GID;
	fd = unix_socket();
	rc = sockpath_bind(fd, path, &o, err, sizeof(err));

	umask_after = umask(022);
	umask(umask_after);
	ck_assert_msg(umask_after == umask_before, "case %s: got umask %04o, "
	    "want %04o", c->name, (unsigned)umask_after,
	    (unsigned)umask_before);
	ck_assert_ptr_nonnull(getcwd(cwd2, sizeof(cwd2)));
	ck_assert_msg(strcmp(cwd, cwd2) == 0, "case %s: got cwd %s, want %s",
	    c->name, cwd2, cwd);
	/* No private directory is ever left behind. */
	dir_list(dir, left, sizeof(left));
	snprintf(want_left, sizeof(want_left), "%s",
	    c->pre == PRE_NONE && c->want_err != NULL ? "" : "sock");
	ck_assert_msg(strcmp(left, want_left) == 0, "case %s: got entries %s, "
	    "want %s", c->name, left, want_left);

	if (c->want_err != NULL) {
		ck_assert_msg(rc == -1 && strstr(err, c->want_err) != NULL,
		    "case %s: got %d %s, want -1 %s", c->name, rc, err,
		    c->want_err);
		ck_assert_int_eq(lstat(path, &st), 0);
		ck_assert_msg(!S_ISSOCK(st.st_mode), "case %s: got a socket, "
		    "want the old file", c->name);
		if (c->pre == PRE_SYMLINK) {
			/* The file the link points to is untouched. */
			ck_assert_int_eq(stat(other, &st), 0);
			ck_assert_msg(st.st_uid == victim.st_uid &&
			    st.st_gid == victim.st_gid &&
			    st.st_mode == victim.st_mode, "case %s: got "
			    "victim %u:%u %04o, want %u:%u %04o", c->name,
			    (unsigned)st.st_uid, (unsigned)st.st_gid,
			    (unsigned)st.st_mode, (unsigned)victim.st_uid,
			    (unsigned)victim.st_gid, (unsigned)victim.st_mode);
		}
	} else {
		ck_assert_msg(rc == 0, "case %s: got %s, want success",
		    c->name, err);
		ck_assert_int_eq(lstat(path, &st), 0);
		ck_assert_msg(S_ISSOCK(st.st_mode) &&
		    (st.st_mode & 07777) == c->mode, "case %s: got mode %06o, "
		    "want socket %04o", c->name, (unsigned)st.st_mode,
		    (unsigned)c->mode);
		ck_assert_msg(st.st_uid == (c->set_owner ? OWNER_UID :
		    geteuid()) && (!c->set_owner || st.st_gid == OWNER_GID),
		    "case %s: got owner %u:%u, want %u:%u", c->name,
		    (unsigned)st.st_uid, (unsigned)st.st_gid,
		    (unsigned)(c->set_owner ? OWNER_UID : geteuid()),
		    (unsigned)(c->set_owner ? OWNER_GID : st.st_gid));
		ck_assert_int_eq(listen(fd, 1), 0);
		ck_assert_msg(can_connect(path), "case %s: got no connection, "
		    "want one", c->name);
	}
	close(fd);
	unlink(path);
	rmdir(path);
	unlink(other);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Paths the helper refuses before touching anything. */
START_TEST(test_bad_paths)
{
	struct sockpath_opts	o;
	char			long_path[200], err[256];
	int			fd = unix_socket();

	memset(&o, 0, sizeof(o));
	o.mode = 0600;
	ck_assert_int_eq(sockpath_bind(fd, "relative/sock", &o, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(sockpath_bind(fd, "/tmp/", &o, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "no file name") != NULL, "got %s, want "
	    "no file name", err);
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(sockpath_bind(fd, long_path, &o, err, sizeof(err)),
	    -1);
	o.set_owner = geteuid() == 0;
	ck_assert_int_eq(sockpath_bind(fd, "/nonexistent.dir/sock", &o, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "got %s, want "
	    "ENOENT", err);
	close(fd);
}
END_TEST

static Suite *
sockpath_suite(void)
{
	Suite	*s = suite_create("sockpath");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bind_table, 0,
	    sizeof(bind_cases) / sizeof(bind_cases[0]));
	tcase_add_test(tc, test_bad_paths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sockpath_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
