/*
 * mta-stsctl.c: the command-line tool for mta-stsd.
 *
 * Commands that talk to the running daemon use its control socket or,
 * for `query`, the socketmap listener exactly as Postfix does; `check`
 * runs on its own (diag.c).  Exit status: 0 ok, 1 findings or not found,
 * 2 usage or runtime error.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "log.h"
#include "mta-stsctl.h"

/*
 * A command runs fn, or, when fn is NULL, is one request to the daemon
 * with one answer: its usage text, exactly nargs arguments, and show()
 * for human output (-j prints the JSON instead, unless raw).
 */
struct ctl_command {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*summary;
	const char	*usage;
	int		 nargs;
	int		(*show)(json_t *);
	bool		 raw;
};

#define CTL_MAX_LINE	(1024 * 1024)	/* one answer line from the daemon */

/* Global options, before the command. */
static const char	*opt_socket;	/* NULL: from the configuration */
const char		*opt_config;	/* NULL: the default file if present */
static bool		 opt_json;

/* The global -j and -c apply to check too. */
static int
cmd_check(int argc, char **argv)
{
	char	**av;
	int	  ac = 0, i, rc;

	av = xcalloc((size_t)argc + 4, sizeof(*av));
	av[ac++] = argv[0];
	if (opt_json)
		av[ac++] = (char *)(uintptr_t)"--json";
	if (opt_config != NULL) {
		av[ac++] = (char *)(uintptr_t)"-c";
		av[ac++] = (char *)(uintptr_t)opt_config;
	}
	for (i = 1; i < argc; i++)
		av[ac++] = argv[i];
	rc = diag_command(ac, av);
	free(av);
	return rc;
}

/* ---- control socket client -------------------------------------- */

struct ctl_client {
	int		 fd;
	struct buf	 in;
};

static char *
ctl_socket_path(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	char		*path;

	if (opt_socket != NULL)
		return xstrdup(opt_socket);
	config_init(&cfg);
	if (config_load(&cfg, opt_config != NULL ? opt_config :
	    CONFIG_DEFAULT_FILE, opt_config != NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "mta-stsctl: %s\n", err);
		config_clear(&cfg);
		return NULL;
	}
	path = xstrdup(cfg.control_socket);
	config_clear(&cfg);
	return path;
}

static int
ctl_connect(struct ctl_client *cc)
{
	struct sockaddr_un	 sun;
	char			*path;

	if ((path = ctl_socket_path()) == NULL)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "mta-stsctl: %s: path too long\n", path);
		free(path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((cc->fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(cc->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "mta-stsctl: %s: %s (is mta-stsd running?)\n",
		    path, strerror(errno));
		if (cc->fd != -1)
			close(cc->fd);
		free(path);
		return -1;
	}
	free(path);
	buf_init(&cc->in, CTL_MAX_LINE);
	return 0;
}

static void
ctl_disconnect(struct ctl_client *cc)
{
	close(cc->fd);
	buf_clear(&cc->in);
}

static int
ctl_request(struct ctl_client *cc, const char *cmd, const char *arg)
{
	char	line[1100];
	int	n;

	n = snprintf(line, sizeof(line), "%s%s%s\n", cmd, arg ? " " : "",
	    arg ? arg : "");
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "mta-stsctl: argument too long\n");
		return -1;
	}
	if (write(cc->fd, line, (size_t)n) != n) {
		fprintf(stderr, "mta-stsctl: write: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The next answer line as JSON; NULL on error (reported). */
static json_t *
ctl_read(struct ctl_client *cc)
{
	json_error_t	 jerr;
	json_t		*obj;
	long		 nl;
	uint8_t		 chunk[8192];
	ssize_t		 n;

	while ((nl = span_find(buf_span(&cc->in), '\n')) == -1) {
		if ((n = read(cc->fd, chunk, sizeof(chunk))) <= 0) {
			fprintf(stderr, "mta-stsctl: the daemon closed the "
			    "connection\n");
			return NULL;
		}
		if (buf_add(&cc->in, chunk, (size_t)n) == -1) {
			fprintf(stderr, "mta-stsctl: answer too long\n");
			return NULL;
		}
	}
	obj = json_loadb((const char *)cc->in.p, (size_t)nl, 0, &jerr);
	buf_consume(&cc->in, (size_t)nl + 1);
	if (obj == NULL || !json_is_object(obj)) {
		fprintf(stderr, "mta-stsctl: bad answer: %s\n", jerr.text);
		json_decref(obj);
		return NULL;
	}
	if (!json_is_true(json_object_get(obj, "ok")) &&
	    json_object_get(obj, "domain") == NULL) {
		fprintf(stderr, "mta-stsctl: %s\n",
		    json_string_value(json_object_get(obj, "error")) ?
		    json_string_value(json_object_get(obj, "error")) : "error");
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static void
print_json(json_t *obj)
{
	char	*text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (text != NULL)
		printf("%s\n", text);
	free(text);
}

static const char *
jstr(json_t *obj, const char *key)
{
	const char	*v = json_string_value(json_object_get(obj, key));

	return v != NULL ? v : "-";
}

static long long
jint(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* Per-command options: -h, -j/--json. */
static int
cmd_opts(int argc, char **argv, const char *usage_text, int nargs_min,
    int nargs_max)
{
	int	i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf("%s", usage_text);
			return -2;
		}
		if (strcmp(argv[i], "-j") == 0 ||
		    strcmp(argv[i], "--json") == 0) {
			opt_json = true;
			continue;
		}
		argv[++n] = argv[i];
	}
	if (n < nargs_min || n > nargs_max) {
		fprintf(stderr, "%s", usage_text);
		return -1;
	}
	return n;
}

/* Run one request with at most one answer line; print it as JSON or via fn. */
static int
ctl_simple(const char *cmd, const char *arg, int (*fn)(json_t *))
{
	struct ctl_client	 cc;
	json_t			*obj;
	int			 rc;

	if (ctl_connect(&cc) == -1)
		return CTL_EXIT_ERROR;
	if (ctl_request(&cc, cmd, arg) == -1 || (obj = ctl_read(&cc)) == NULL) {
		ctl_disconnect(&cc);
		return CTL_EXIT_ERROR;
	}
	if (opt_json) {
		print_json(obj);
		rc = CTL_EXIT_OK;
		if (json_object_get(obj, "cached") != NULL &&
		    !json_is_true(json_object_get(obj, "cached")))
			rc = CTL_EXIT_FINDINGS;
	} else
		rc = fn(obj);
	json_decref(obj);
	ctl_disconnect(&cc);
	return rc;
}

static void
print_keys(const char *label, json_t *keys)
{
	json_t	*k;
	size_t	 i;

	if (json_array_size(keys) == 0)
		return;
	printf("%s", label);
	json_array_foreach(keys, i, k)
		printf("%s%s", i ? ", " : "", json_string_value(k));
	printf("\n");
}

static int
show_status(json_t *o)
{
	json_t		*cache = json_object_get(o, "cache");
	json_t		*modes = json_object_get(cache, "modes");
	json_t		*ctr = json_object_get(o, "counters");
	json_t		*conf = json_object_get(o, "config");
	json_t		*l, *v;
	const char	*k;
	size_t		 i;
	long long	 up = jint(o, "uptime");

	printf("mta-stsd %s, pid %lld, up %lldd %02lld:%02lld:%02lld\n",
	    jstr(o, "version"), jint(o, "pid"), up / 86400, up / 3600 % 24,
	    up / 60 % 60, up % 60);
	printf("listening:       ");
	json_array_foreach(json_object_get(o, "listeners"), i, l)
		printf("%s%s", i ? ", " : "", json_string_value(l));
	printf("\ncache:           %s, %lld records, %.1f MiB used\n",
	    jstr(cache, "path"), jint(cache, "records"),
	    (double)jint(cache, "used_bytes") / 1048576.0);
	if (json_is_true(json_object_get(cache, "writes_failing")) ||
	    jint(cache, "unwritten") > 0)
		printf("cache ALARM:     writes %s, %lld records only in "
		    "memory, %lld write errors since start\n",
		    json_is_true(json_object_get(cache, "writes_failing")) ?
		    "FAILING" : "recovering", jint(cache, "unwritten"),
		    jint(cache, "write_errors"));
	printf("policies:        enforce %lld, testing %lld, none %lld, "
	    "expired %lld (as of the last scan)\n", jint(modes, "enforce"),
	    jint(modes, "testing"), jint(modes, "none"),
	    jint(modes, "expired"));
	printf("in flight:       %lld lookups, %lld connections\n",
	    jint(o, "lookups_in_flight"), jint(o, "connections"));
	if (json_is_object(conf)) {
		printf("configuration:   %s, read %s, reloads %lld ok, "
		    "%lld failed\n", jstr(conf, "path"), jstr(conf, "loaded"),
		    jint(conf, "reloads_ok"), jint(conf, "reloads_failed"));
		if (json_is_string(json_object_get(conf, "last_error")))
			printf("last reload:     FAILED: %s\n",
			    jstr(conf, "last_error"));
		print_keys("restart needed:  ",
		    json_object_get(conf, "restart_pending"));
	}
	printf("counters since start:\n");
	json_object_foreach(ctr, k, v) {
		if (json_is_object(v)) {
			const char	*k2;
			json_t		*v2;

			json_object_foreach(v, k2, v2)
				printf("  %-24s %lld\n", k2,
				    (long long)json_integer_value(v2));
			continue;
		}
		printf("  %-24s %lld\n", k, (long long)json_integer_value(v));
	}
	return CTL_EXIT_OK;
}

static void
print_record(json_t *r)
{
	json_t	*m;
	size_t	 i;

	printf("domain:          %s\n", jstr(r, "domain"));
	printf("mode:            %s\n", jstr(r, "mode"));
	printf("id:              %s\n", jstr(r, "id"));
	printf("mx:              ");
	json_array_foreach(json_object_get(r, "mx"), i, m)
		printf("%s%s", i ? ", " : "", json_string_value(m));
	printf("\nmax_age:         %lld\n", jint(r, "max_age"));
	printf("fetched:         %s\n", jstr(r, "fetched"));
	printf("expires:         %s%s\n", jstr(r, "expires"),
	    json_is_true(json_object_get(r, "valid")) ? "" : " (expired)");
	printf("txt checked:     %s (%s, ttl %lld s", jstr(r, "txt_checked"),
	    jstr(r, "txt_state"), jint(r, "txt_ttl"));
	if (jint(r, "txt_failures") > 0)
		printf(", %lld failures in a row", jint(r, "txt_failures"));
	printf(")\n");
	printf("next refresh:    %s\n", jstr(r, "next_refresh"));
	printf("last query:      %s\n", jstr(r, "last_query"));
	if (jint(r, "failures") > 0)
		printf("failed id:       %s (%lld fetches in a row, last %s)\n",
		    jstr(r, "failed_id"), jint(r, "failures"),
		    jstr(r, "last_failure"));
	if (jstr(r, "failure")[0] != '\0')
		printf("last failure:    %s\n", jstr(r, "failure"));
}

static int
show_show(json_t *o)
{
	if (!json_is_true(json_object_get(o, "cached"))) {
		printf("%s: not in the cache\n", jstr(o, "domain"));
		printf("postfix reply:   %s\n", jstr(o, "reply"));
		return CTL_EXIT_FINDINGS;
	}
	print_record(json_object_get(o, "record"));
	printf("postfix reply:   %s\n", jstr(o, "reply"));
	return CTL_EXIT_OK;
}

static int
cmd_dump(int argc, char **argv)
{
	struct ctl_client	 cc;
	json_t			*o, *m;
	size_t			 i;
	int			 n, rc = CTL_EXIT_ERROR;

	n = cmd_opts(argc, argv, "usage: mta-stsctl dump [-j] [AFTER]\n"
	    "  Every cached domain (after AFTER, in key order), one line "
	    "each\n  (JSON lines with -j): domain, mode, id, expiry, mx "
	    "patterns.\n", 0, 1);
	if (n < 0)
		return n == -2 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
	if (ctl_connect(&cc) == -1)
		return CTL_EXIT_ERROR;
	if (ctl_request(&cc, "dump", n == 1 ? argv[1] : NULL) == -1)
		goto done;
	while ((o = ctl_read(&cc)) != NULL) {
		if (json_is_true(json_object_get(o, "done"))) {
			fflush(stdout);
			if (!opt_json)
				fprintf(stderr, "%lld records\n",
				    jint(o, "count"));
			json_decref(o);
			rc = CTL_EXIT_OK;
			break;
		}
		if (opt_json) {
			char	*t;

			json_object_del(o, "v");
			t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
			if (t != NULL)
				printf("%s\n", t);
			free(t);
		} else {
			printf("%-40s %-8s id=%-16s expires=%s%s mx=",
			    jstr(o, "domain"), jstr(o, "mode"), jstr(o, "id"),
			    jstr(o, "expires"),
			    json_is_true(json_object_get(o, "valid")) ? "" :
			    "(expired)");
			json_array_foreach(json_object_get(o, "mx"), i, m)
				printf("%s%s", i ? "," : "",
				    json_string_value(m));
			printf("\n");
		}
		json_decref(o);
	}
done:
	ctl_disconnect(&cc);
	return rc;
}

static int
show_flush(json_t *o)
{
	printf("flushed %s\n", jstr(o, "flushed"));
	return CTL_EXIT_OK;
}

static int
show_refresh(json_t *o)
{
	printf("%s: %s\n", jstr(o, "domain"), jstr(o, "summary"));
	printf("postfix reply:   %s\n", jstr(o, "reply"));
	return CTL_EXIT_OK;
}

static int
show_reload(json_t *o)
{
	json_t	*applied = json_object_get(o, "applied");
	json_t	*pending = json_object_get(o, "restart_pending");

	printf("reloaded %s\n", jstr(o, "path"));
	if (json_array_size(applied) == 0 && json_array_size(pending) == 0)
		printf("no changes\n");
	print_keys("applied:         ", applied);
	print_keys("restart needed:  ", pending);
	return CTL_EXIT_OK;
}

static int
show_metrics(json_t *o)
{
	printf("%s", jstr(o, "text"));
	return CTL_EXIT_OK;
}

static const char usage_status[] =
    "usage: mta-stsctl status [-j]\n"
    "  Version, uptime, listeners, cache size, policies by mode,\n"
    "  lookups in flight, the configuration and counters since start.\n";

static const char usage_show[] =
    "usage: mta-stsctl show [-j] DOMAIN\n"
    "  The cached record of DOMAIN (mode, id, mx, fetched, expires,\n"
    "  TXT last confirmed, next refresh, last failure) and the exact\n"
    "  reply Postfix gets now.  Exit status 1 when DOMAIN is not cached.\n";

static const char usage_flush[] =
    "usage: mta-stsctl flush [-j] DOMAIN | --all\n"
    "  Forget the cached policy of DOMAIN (or of every domain) and any\n"
    "  remembered failure; the next query looks it up afresh.\n"
    "  Needs root, the daemon's user or control_group.\n";

static const char usage_refresh[] =
    "usage: mta-stsctl refresh [-j] DOMAIN\n"
    "  Re-check DOMAIN's TXT id and refetch its policy now, then print\n"
    "  the result and the reply Postfix gets.  Needs root, the daemon's\n"
    "  user or control_group.\n";

static const char usage_reload[] =
    "usage: mta-stsctl reload [-j]\n"
    "  Make the daemon re-read its configuration file, as SIGHUP does,\n"
    "  and print which keys changed.  A file with an error changes\n"
    "  nothing (exit 2).  Keys that only take effect at start keep their\n"
    "  running value and are listed as needing a restart.  Needs root,\n"
    "  the daemon's user or control_group.\n";

static const char usage_metrics[] =
    "usage: mta-stsctl metrics\n"
    "  The daemon's counters in Prometheus text exposition format.\n";

static const struct ctl_command commands[] = {
	{ "status", NULL, "daemon status, cache size and counters",
	    usage_status, 0, show_status, false },
	{ "show", NULL, "the cached policy of DOMAIN and the reply "
	    "Postfix gets",
	    usage_show, 1, show_show, false },
	{ "query", cmd_query, "ask the daemon for DOMAIN exactly as Postfix "
	    "does", NULL, 0, NULL, false },
	{ "dump", cmd_dump, "every cached domain, one per line", NULL, 0, NULL,
	    false },
	{ "flush", NULL, "forget the cached policy of DOMAIN (or --all)",
	    usage_flush, 1, show_flush, false },
	{ "refresh", NULL, "re-check DOMAIN's TXT id and refetch its "
	    "policy now",
	    usage_refresh, 1, show_refresh, false },
	{ "reload", NULL, "re-read the daemon's configuration file",
	    usage_reload, 0, show_reload, false },
	{ "metrics", NULL, "counters in Prometheus text format",
	    usage_metrics, 0, show_metrics, true },
	{ "check", cmd_check, "diagnose DOMAIN's MTA-STS setup (no daemon "
	    "needed)", NULL, 0, NULL, false },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: mta-stsctl [-hjV] [-c FILE] [-s SOCKET] COMMAND "
	    "[ARGS]\n"
	    "  -c FILE    daemon configuration (for the control socket "
	    "path)\n"
	    "  -s SOCKET  control socket (default: control_socket from the "
	    "configuration)\n"
	    "  -j, --json machine-readable output\n"
	    "exit status: 0 ok, 1 findings or not found, 2 error\n"
	    "commands (mta-stsctl COMMAND -h for each):\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name,
		    commands[i].summary);
}

/* A command that is one request with one answer (fn == NULL). */
static int
cmd_simple(const struct ctl_command *c, int argc, char **argv)
{
	int	n = cmd_opts(argc, argv, c->usage, c->nargs, c->nargs);

	if (n < 0)
		return n == -2 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
	if (c->raw)
		opt_json = false;
	return ctl_simple(c->name, c->nargs == 1 ? argv[1] : NULL, c->show);
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	size_t	i;
	int	ch;

	log_init("mta-stsctl", 1, LOG_LEVEL_WARNING);
	while ((ch = getopt_long(argc, argv, "+c:hjs:V", long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt_config = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'j':
			opt_json = true;
			break;
		case 's':
			opt_socket = optarg;
			break;
		case 'V':
			printf("mta-stsctl %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_ERROR;
		}
	}
	argc -= optind;
	argv += optind;
	optind = 1;
	if (argc < 1) {
		usage(stderr);
		return CTL_EXIT_ERROR;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn != NULL ?
			    commands[i].fn(argc, argv) :
			    cmd_simple(&commands[i], argc, argv);
	fprintf(stderr, "mta-stsctl: unknown command %s\n", argv[0]);
	usage(stderr);
	return CTL_EXIT_ERROR;
}
