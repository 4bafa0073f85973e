/*
 * main.c: mta-stsd start-up and wiring: options, configuration, state
 * directories, sockets, privilege drop, signals and the event loop.
 * Everything here runs once; the work happens in the modules it wires.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "control.h"
#include "fetch.h"
#include "log.h"
#include "lookup.h"
#include "metrics.h"
#include "refresh.h"
#include "reload.h"
#include "resolver.h"
#include "server.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

/* Descriptors kept back from max_connections for our own files. */
#define MAIN_FD_RESERVE	64
#define MAIN_MIN_CONNS	16

struct daemon_state {
	struct event_base	*base;		/* owned */
	struct server		*server;	/* owned */
	struct lookup_engine	*lookups;	/* owned */
	struct resolver		*resolver;	/* owned */
	struct fetcher		*fetcher;	/* owned */
	struct cache		*cache;		/* owned */
	struct refresher	*refresher;	/* owned */
	struct control		*control;	/* owned */
	struct metrics_http	*metrics_http;	/* owned; NULL when off */
	struct metrics_src	 msrc;
	struct reload_info	 reload;
	struct config		*cfg;		/* borrowed: main's */
	bool			 conf_given;	/* -c: the file must exist */
	bool			 debug;		/* -d outlasts reloads */
	struct event		*sig_term;	/* owned */
	struct event		*sig_int;	/* owned */
	struct event		*sig_hup;	/* owned */
	bool			 stopping;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mta-stsd [-dfhnV] [-c file]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -d       debug logging\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check the configuration, print the effective "
	    "settings, exit\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n", CONFIG_DEFAULT_FILE);
}

/*
 * Raise the soft open-files limit to the hard limit and derive the
 * connection cap from it.
 */
static unsigned
limits_setup(const struct config *cfg)
{
	struct rlimit	rl;
	rlim_t		avail, reserve;
	unsigned	max;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			fatal("getrlimit");
	}
	/* Control and metrics clients have caps of their own to fit in. */
	reserve = MAIN_FD_RESERVE + (rlim_t)cfg->max_lookups +
	    (rlim_t)cfg->max_rechecks + (rlim_t)cfg->control_max_clients +
	    (cfg->metrics_listen != NULL ? cfg->metrics_max_connections : 0);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > UINT_MAX)
		avail = UINT_MAX;
	else if (rl.rlim_cur > reserve + MAIN_MIN_CONNS)
		avail = rl.rlim_cur - reserve;
	else
		avail = rl.rlim_cur > 2 * MAIN_MIN_CONNS ?
		    rl.rlim_cur / 2 : MAIN_MIN_CONNS;
	max = (unsigned)avail;
	if (cfg->max_connections == 0)
		return max;
	if (cfg->max_connections > max) {
		log_warnx("config max_connections=%u above what "
		    "RLIMIT_NOFILE=%llu allows, using %u",
		    cfg->max_connections, (unsigned long long)rl.rlim_cur, max);
		return max;
	}
	return cfg->max_connections;
}

/*
 * Give a directory we just made to uid:gid through a descriptor, never
 * by path: whoever may write its parent could have swapped it for a
 * symlink meanwhile.  O_NOFOLLOW refuses a symlink, and a directory we
 * made (root's, as we run as root here) is the only kind we accept.
 */
static int
dir_give(const char *path, uid_t uid, gid_t gid)
{
	struct stat	st;
	int		fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		log_err("open %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1)
		log_err("stat %s", path);
	else if (st.st_uid != geteuid())
		log_errx("%s was replaced after it was created", path);
	else if (fchown(fd, uid, gid) == -1)
		log_err("chown %s", path);
	else
		rc = 0;
	close(fd);
	return rc;
}

static int
dir_ensure(const char *path, mode_t mode, uid_t uid, gid_t gid, bool chown_it)
{
	struct stat	st;

	if (mkdir(path, mode) == 0) {
		log_info("created directory %s mode=%04o", path,
		    (unsigned)mode);
		if (chown_it && dir_give(path, uid, gid) == -1)
			return -1;
	} else if (errno != EEXIST) {
		log_err("cannot create directory %s", path);
		return -1;
	}
	if (stat(path, &st) == -1) {
		log_err("stat %s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_errx("%s exists and is not a directory", path);
		return -1;
	}
	return 0;
}

static char *
dirname_of(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

struct identity {
	bool	drop;
	uid_t	uid;
	gid_t	gid;
};

static int
identity_lookup(const struct config *cfg, struct identity *id)
{
	struct passwd	*pw;
	struct group	*gr;

	memset(id, 0, sizeof(*id));
	if (cfg->user == NULL) {
		if (geteuid() == 0)
			log_warnx("running as root: set user in the "
			    "configuration to drop privileges");
		return 0;
	}
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_errx("user %s: no such user", cfg->user);
		return -1;
	}
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			log_errx("group %s: no such group", cfg->group);
			return -1;
		}
		id->gid = gr->gr_gid;
	}
	if (geteuid() != 0) {
		if (geteuid() != id->uid) {
			log_errx("user %s configured but not started as root",
			    cfg->user);
			return -1;
		}
		return 0;
	}
	id->drop = true;
	return 0;
}

static void
privileges_drop(const struct identity *id, const char *user)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	if (!id->drop)
		return;
	if (setgroups(1, &id->gid) == -1)
		fatal("setgroups");
	if (setresgid(id->gid, id->gid, id->gid) == -1)
		fatal("setresgid");
	if (setresuid(id->uid, id->uid, id->uid) == -1)
		fatal("setresuid");
	if (getresgid(&rgid, &egid, &sgid) == -1 || rgid != id->gid ||
	    egid != id->gid || sgid != id->gid)
		fatalx("gid not dropped");
	if (getresuid(&ruid, &euid, &suid) == -1 || ruid != id->uid ||
	    euid != id->uid || suid != id->uid)
		fatalx("uid not dropped");
	if (setuid(0) != -1)
		fatalx("could regain root after dropping privileges");
	log_info("privileges dropped user=%s uid=%u gid=%u", user,
	    (unsigned)id->uid, (unsigned)id->gid);
}

static void
main_on_stopped(void *arg)
{
	struct daemon_state	*ds = arg;

	event_base_loopexit(ds->base, NULL);
}

/* The fetcher's settings from the configuration. */
static void
fetch_opts_from(const struct config *cfg, struct fetch_opts *fopts)
{
	memset(fopts, 0, sizeof(*fopts));
	fopts->ca_file = cfg->ca_file;
	fopts->user_agent = "mta-stsd/" PACKAGE_VERSION;
	fopts->connect_timeout_ms = cfg->http_connect_timeout_ms;
	fopts->total_timeout_ms = cfg->http_timeout_ms;
	/* Every lookup may be fetching: the fetcher never refuses one. */
	fopts->max_fetches = (size_t)cfg->max_lookups + cfg->max_rechecks;
}

/* "a,b,c" from a list of key names, cut to fit. */
static void
key_list(char *out, size_t size, const char *const *keys, size_t n)
{
	size_t	i, len = 0;
	int	w;

	out[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		w = snprintf(out + len, size - len, "%s%s", i ? "," : "",
		    keys[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (n == 0)
		(void)snprintf(out, size, "none");
}

/*
 * Re-read the configuration (reload.h).  Runs from the event loop, so no
 * module is in the middle of reading the struct it borrows; the struct
 * keeps its address, and the values of keys that need a restart keep
 * their addresses too, since they are moved, not copied.
 */
static int
main_reload(void *arg)
{
	struct daemon_state	*ds = arg;
	struct reload_info	*ri = &ds->reload;
	struct config		 next;
	struct config_changes	 ch;
	struct fetch_opts	 fopts;
	char			 err[CONFIG_ERR_MAX], list[512];
	size_t			 i;

	ri->last_attempt = time(NULL);
	config_init(&next);
	if (config_load(&next, ri->path, ds->conf_given, err,
	    sizeof(err)) == -1) {
		config_clear(&next);
		ri->failed++;
		(void)snprintf(ri->last_error, sizeof(ri->last_error), "%s",
		    err);
		log_warnx("reload failed: %s; the running configuration is "
		    "unchanged", err);
		return -1;
	}
	if (ds->debug)
		next.log_level = LOG_LEVEL_DEBUG;
	config_reload_merge(ds->cfg, &next, &ch);
	config_clear(ds->cfg);
	*ds->cfg = next;

	log_set_level(ds->cfg->log_level);
	lookup_engine_reconfigure(ds->lookups);
	fetch_opts_from(ds->cfg, &fopts);
	fetcher_set_opts(ds->fetcher, &fopts);

	ri->ok++;
	ri->loaded = ri->last_attempt;
	ri->last_error[0] = '\0';
	ri->last = ch;
	for (i = 0; i < ch.npending; i++)
		log_warnx("reload key=%s changed, takes effect at the next "
		    "restart; running value kept", ch.pending[i]);
	key_list(list, sizeof(list), ch.applied, ch.napplied);
	log_info("reloaded config=%s applied=%s pending=%zu", ri->path, list,
	    ch.npending);
	return 0;
}

static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_state	*ds = arg;

	(void)what;
	if (sig == SIGHUP) {
		if (ds->stopping)
			return;
		log_info("signal HUP: reloading %s", ds->reload.path);
#ifdef HAVE_SYSTEMD
		sd_notify(0, "RELOADING=1");
#endif
		(void)main_reload(ds);
#ifdef HAVE_SYSTEMD
		sd_notify(0, "READY=1");
#endif
		return;
	}
	if (ds->stopping) {
		log_info("signal %s again, still stopping",
		    sig == SIGTERM ? "TERM" : "INT");
		return;
	}
	ds->stopping = true;
	log_info("signal %s: stopping", sig == SIGTERM ? "TERM" : "INT");
#ifdef HAVE_SYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
	server_shutdown(ds->server, main_on_stopped, ds);
}

/* Free whatever start-up got to create, in dependency order. */
static void
daemon_teardown(struct daemon_state *ds)
{
	server_free(ds->server);
	control_free(ds->control);
	metrics_http_free(ds->metrics_http);
	refresh_free(ds->refresher);
	lookup_engine_free(ds->lookups);
	fetcher_free(ds->fetcher);
	resolver_free(ds->resolver);
	cache_close(ds->cache);
	if (ds->sig_term != NULL)
		event_free(ds->sig_term);
	if (ds->sig_int != NULL)
		event_free(ds->sig_int);
	if (ds->sig_hup != NULL)
		event_free(ds->sig_hup);
	if (ds->base != NULL)
		event_base_free(ds->base);
	fetch_global_cleanup();
	libevent_global_shutdown();
}

static struct event *
signal_add(struct daemon_state *ds, int sig)
{
	struct event	*ev;

	if ((ev = evsignal_new(ds->base, sig, main_on_signal, ds)) == NULL ||
	    evsignal_add(ev, NULL) == -1)
		fatalx("cannot install handler for signal %d", sig);
	return ev;
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct daemon_state	 ds;
	struct identity		 id;
	struct resolver_opts	 ropts;
	struct fetch_opts	 fopts;
	struct cache_opts	 copts;
	const char		*conf_path = CONFIG_DEFAULT_FILE;
	char			*conf_abs = NULL;	/* owned */
	const char		*why = NULL;
	char			 err[CONFIG_ERR_MAX];
	char			*ctl_dir;
	bool			 foreground = false, debug = false;
	bool			 check_only = false, conf_given = false;
	unsigned		 max_conns;
	int			 ch;

	while ((ch = getopt(argc, argv, "c:dfhnV")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			conf_given = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			check_only = true;
			break;
		case 'V':
			printf("mta-stsd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	log_init("mta-stsd", 1, LOG_LEVEL_INFO);
	config_init(&cfg);
	if (config_load(&cfg, conf_path, conf_given, err, sizeof(err)) == -1) {
		fprintf(stderr, "mta-stsd: %s\n", err);
		config_clear(&cfg);
		return EXIT_USAGE;
	}
	/* Reloads run after daemon() moved to "/": keep an absolute path. */
	if (conf_path[0] != '/' &&
	    (conf_abs = realpath(conf_path, NULL)) != NULL)
		conf_path = conf_abs;
	if (debug)
		cfg.log_level = LOG_LEVEL_DEBUG;
	if (check_only) {
		config_print(&cfg, stdout);
		config_clear(&cfg);
		free(conf_abs);
		return 0;
	}
	log_init("mta-stsd", foreground, cfg.log_level);
	signal(SIGPIPE, SIG_IGN);

	max_conns = limits_setup(&cfg);
	if (identity_lookup(&cfg, &id) == -1)
		goto fail_cfg;
	ctl_dir = dirname_of(cfg.control_socket);
	if (dir_ensure(cfg.cache_dir, 0750, id.uid, id.gid, id.drop) == -1 ||
	    dir_ensure(ctl_dir, 0755, id.uid, id.gid, id.drop) == -1) {
		free(ctl_dir);
		goto fail_cfg;
	}
	free(ctl_dir);

	memset(&ds, 0, sizeof(ds));
	memset(&ropts, 0, sizeof(ropts));
	ropts.servers = (const char *const *)cfg.dns_servers;
	ropts.nservers = cfg.ndns_servers;
	ropts.timeout_ms = cfg.dns_timeout_ms;
	ropts.tries = cfg.dns_tries;
	fetch_opts_from(&cfg, &fopts);
	if ((ds.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	ds.server = server_new(ds.base, &cfg, max_conns, err, sizeof(err));
	if (ds.server == NULL) {
		log_errx("%s", err);
		goto fail;
	}
	ds.control = control_new(ds.base, &cfg, id.drop ? id.uid : geteuid(),
	    id.drop ? id.gid : getegid(), err, sizeof(err));
	if (ds.control == NULL) {
		log_errx("%s", err);
		goto fail;
	}
	privileges_drop(&id, cfg.user);
	/* Detach before LMDB and libcurl exist: neither survives a fork. */
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		if (event_reinit(ds.base) == -1)
			fatalx("event_reinit failed");
	}

	/* Opened as the final user, so its files belong to that user. */
	memset(&copts, 0, sizeof(copts));
	copts.dir = cfg.cache_dir;
	copts.map_size = cfg.cache_map_size;
	if ((ds.cache = cache_open(&copts, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		goto fail;
	}
	if (fetch_global_init() == -1) {
		log_errx("libcurl initialisation failed");
		goto fail;
	}
	if ((ds.resolver = resolver_new(ds.base, &ropts, &why)) == NULL) {
		log_errx("resolver: %s", why);
		goto fail;
	}
	if ((ds.fetcher = fetcher_new(ds.base, &fopts, &why)) == NULL) {
		log_errx("fetcher: %s", why);
		goto fail;
	}
	if ((ds.lookups = lookup_engine_new(ds.base, &cfg, ds.cache,
	    ds.resolver, ds.fetcher, &why)) == NULL) {
		log_errx("lookup engine: %s", why);
		goto fail;
	}
	ds.refresher = refresh_new(ds.base, &cfg, ds.cache, ds.lookups);
	ds.msrc.lookups = ds.lookups;
	ds.msrc.server = ds.server;
	ds.msrc.cache = ds.cache;
	ds.msrc.refresher = ds.refresher;
	ds.msrc.started = time(NULL);
	ds.cfg = &cfg;
	ds.conf_given = conf_given;
	ds.debug = debug;
	ds.reload.path = conf_path;
	ds.reload.loaded = ds.msrc.started;
	ds.reload.run = main_reload;
	ds.reload.arg = &ds;
	ds.msrc.reload = &ds.reload;
	if (cfg.metrics_listen != NULL && (ds.metrics_http = metrics_http_new(
	    ds.base, cfg.metrics_listen, cfg.metrics_max_connections, &ds.msrc,
	    err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		goto fail;
	}

	ds.sig_term = signal_add(&ds, SIGTERM);
	ds.sig_int = signal_add(&ds, SIGINT);
	ds.sig_hup = signal_add(&ds, SIGHUP);
	server_start(ds.server, ds.lookups);
	control_start(ds.control, &ds.msrc);
	log_info("started version=%s max_connections=%u map=%s",
	    PACKAGE_VERSION, max_conns, cfg.map_name);
#ifdef HAVE_SYSTEMD
	sd_notify(0, "READY=1");
#endif

	if (event_base_dispatch(ds.base) == -1)
		log_errx("event loop failed");

	daemon_teardown(&ds);
	log_info("stopped");
	config_clear(&cfg);
	free(conf_abs);
	return 0;

fail:
	daemon_teardown(&ds);
fail_cfg:
	config_clear(&cfg);
	free(conf_abs);
	return EXIT_RUNTIME;
}
