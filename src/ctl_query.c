/*
 * ctl_query.c: `mta-stsctl query KEY`: ask the daemon's socketmap
 * listener exactly as Postfix does (one netstring request on a TCP
 * connection), print the reply, made safe for a terminal, and how long
 * it took.  The address and map name default to the configuration's.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "mta-stsctl.h"
#include "netstring.h"
#include "socketmap.h"

static void
query_usage(FILE *fp)
{
	fprintf(fp, "usage: mta-stsctl query [-a ADDRESS] [-p PORT] "
	    "[-m MAP] KEY\n"
	    "  Send KEY to the socketmap listener as Postfix does, print "
	    "the reply\n"
	    "  and how long it took.  Default: the first TCP listen address "
	    "and the\n"
	    "  map_name of the configuration (127.0.0.1:8461, sts).\n"
	    "  Exit status: 0 OK, 1 NOTFOUND, 2 other replies or errors.\n");
}

/* Defaults for query from the daemon's configuration. */
static void
query_defaults(char **addr, char **port, char **map)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];
	size_t		i;

	config_init(&cfg);
	if (config_load(&cfg, opt_config != NULL ? opt_config :
	    CONFIG_DEFAULT_FILE, opt_config != NULL, err, sizeof(err)) == -1)
		fprintf(stderr, "mta-stsctl: %s (using built-in defaults)\n",
		    err);
	for (i = 0; i < cfg.nlisten; i++) {
		if (cfg.listen[i].kind == CONFIG_LISTEN_INET) {
			*addr = xstrdup(cfg.listen[i].host);
			*port = xstrdup(cfg.listen[i].port);
			break;
		}
	}
	if (*addr == NULL) {
		*addr = xstrdup("127.0.0.1");
		*port = xstrdup("8461");
	}
	*map = xstrdup(cfg.map_name != NULL ? cfg.map_name : "sts");
	config_clear(&cfg);
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

/* Peer text on the admin's terminal: printable ASCII, the rest \xNN. */
static void
print_text(struct span s)
{
	size_t	i;

	for (i = 0; i < s.len; i++) {
		if (ascii_is_print(s.p[i]))
			putchar(s.p[i]);
		else
			printf("\\x%02x", s.p[i]);
	}
	putchar('\n');
}

int
cmd_query(int argc, char **argv)
{
	const char	*addr = NULL, *port = NULL, *map = NULL;
	char		*daddr = NULL, *dport = NULL, *dmap = NULL;
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
	query_defaults(&daddr, &dport, &dmap);
	if (addr == NULL)
		addr = daddr;
	if (port == NULL)
		port = dport;
	if (map == NULL)
		map = dmap;
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
			buf_clear(&in);
			rc = CTL_EXIT_ERROR;
			goto out;
		}
		buf_clear(&p);
	}
	if ((fd = connect_tcp(addr, port)) == -1) {
		buf_clear(&req);
		buf_clear(&in);
		rc = CTL_EXIT_ERROR;
		goto out;
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
	print_text(payload);
	printf("time: %.1f ms\n", ms);
	if (span_starts_with(payload, "OK "))
		rc = CTL_EXIT_OK;
	else if (span_starts_with(payload, "NOTFOUND"))
		rc = CTL_EXIT_FINDINGS;
done:
	close(fd);
	buf_clear(&req);
	buf_clear(&in);
out:
	free(daddr);
	free(dport);
	free(dmap);
	return rc;
}
