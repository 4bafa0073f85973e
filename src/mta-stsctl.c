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

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "log.h"
#include "netstring.h"
#include "socketmap.h"

#define CTL_EXIT_OK		0
#define CTL_EXIT_FINDINGS	1
#define CTL_EXIT_ERROR		2

struct ctl_command {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*summary;
};

static int	cmd_query(int, char **);
static int	cmd_check(int, char **);

static const struct ctl_command commands[] = {
	{ "check", cmd_check, "diagnose DOMAIN's MTA-STS setup (no daemon "
	    "needed)" },
	{ "query", cmd_query, "ask the daemon for DOMAIN exactly as Postfix "
	    "does" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: mta-stsctl [-hV] COMMAND [ARGS]\n"
	    "commands (mta-stsctl COMMAND -h for each):\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name,
		    commands[i].summary);
}

static void
query_usage(FILE *fp)
{
	fprintf(fp, "usage: mta-stsctl query [-a ADDRESS] [-p PORT] "
	    "[-m MAP] KEY\n"
	    "  Send KEY to the socketmap listener (default 127.0.0.1:8461, "
	    "map sts)\n"
	    "  as Postfix does, print the reply and how long it took.\n"
	    "  Exit status: 0 OK, 1 NOTFOUND, 2 other replies or errors.\n");
}

static int
connect_tcp(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "mta-stsctl: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fprintf(stderr, "mta-stsctl: cannot connect to %s port %s\n",
		    host, port);
	return fd;
}

static int
cmd_query(int argc, char **argv)
{
	const char	*addr = "127.0.0.1", *port = "8461", *map = "sts";
	struct buf	 req, in;
	struct span	 payload;
	struct timespec	 t0, t1;
	uint8_t		 chunk[4096];
	size_t		 consumed;
	ssize_t		 n;
	const char	*why;
	int		 ch, fd, rc;
	double		 ms;

	optind = 1;
	while ((ch = getopt(argc, argv, "a:hm:p:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'h':
			query_usage(stdout);
			return CTL_EXIT_OK;
		case 'm':
			map = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		default:
			query_usage(stderr);
			return CTL_EXIT_ERROR;
		}
	}
	if (argc - optind != 1) {
		query_usage(stderr);
		return CTL_EXIT_ERROR;
	}
	buf_init(&req, SOCKETMAP_MAX_REQUEST + NETSTRING_MAX_DIGITS + 2);
	buf_init(&in, SOCKETMAP_MAX_REPLY + NETSTRING_MAX_DIGITS + 2);
	{
		struct buf	p;

		buf_init(&p, SOCKETMAP_MAX_REQUEST);
		if (buf_add_str(&p, map) == -1 || buf_add_byte(&p, ' ') == -1 ||
		    buf_add_str(&p, argv[optind]) == -1 ||
		    netstring_encode(&req, buf_span(&p)) == -1) {
			fprintf(stderr, "mta-stsctl: key too long\n");
			buf_clear(&p);
			buf_clear(&req);
			return CTL_EXIT_ERROR;
		}
		buf_clear(&p);
	}
	if ((fd = connect_tcp(addr, port)) == -1) {
		buf_clear(&req);
		return CTL_EXIT_ERROR;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = CTL_EXIT_ERROR;
	if (write(fd, req.p, req.len) != (ssize_t)req.len) {
		perror("mta-stsctl: write");
		goto done;
	}
	for (;;) {
		enum netstring_status st = netstring_decode(buf_span(&in),
		    SOCKETMAP_MAX_REPLY, &payload, &consumed, &why);

		if (st == NETSTRING_OK)
			break;
		if (st != NETSTRING_MORE) {
			fprintf(stderr, "mta-stsctl: bad reply: %s\n", why);
			goto done;
		}
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0) {
			fprintf(stderr, "mta-stsctl: connection closed before "
			    "a reply\n");
			goto done;
		}
		if (buf_add(&in, chunk, (size_t)n) == -1) {
			fprintf(stderr, "mta-stsctl: reply too long\n");
			goto done;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1000.0 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("%s\n", log_esc(payload));
	printf("time: %.1f ms\n", ms);
	if (span_starts_with(payload, "OK "))
		rc = CTL_EXIT_OK;
	else if (span_starts_with(payload, "NOTFOUND"))
		rc = CTL_EXIT_FINDINGS;
done:
	close(fd);
	buf_clear(&req);
	buf_clear(&in);
	return rc;
}

static int
cmd_check(int argc, char **argv)
{
	return diag_command(argc, argv);
}

int
main(int argc, char *argv[])
{
	size_t	i;
	int	ch;

	log_init("mta-stsctl", 1, LOG_LEVEL_WARNING);
	while ((ch = getopt(argc, argv, "+hV")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
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
	if (argc < 1) {
		usage(stderr);
		return CTL_EXIT_ERROR;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn(argc, argv);
	fprintf(stderr, "mta-stsctl: unknown command %s\n", argv[0]);
	usage(stderr);
	return CTL_EXIT_ERROR;
}
