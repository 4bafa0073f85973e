/*
 * bench_bare.c: the machine's ceiling for socketmap answers, to compare
 * the daemon's cache hits with (tests/bench/run, "hit_vs_bare").
 *
 *	bench_bare [-a ADDR] [-p PORT] [-r REPLY]
 *
 * A bare epoll responder on ADDR:PORT (default 127.0.0.1:8462): it frames
 * netstring requests and answers each with one constant netstring
 * ("OK " REPLY, by default the enforce reply of the benchmark's domain),
 * and does nothing else.  Runs until killed.  Not a test: a yardstick.
 */
#include "autoconfig.h"	/* _GNU_SOURCE for accept4() */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BARE_MAX_CONNS	4096
#define BARE_BUF	4096

struct bare_conn {
	char	in[BARE_BUF];
	size_t	len;
};

static struct bare_conn	*conns[BARE_MAX_CONNS];
static char		 reply[128 * 1024];
static size_t		 reply_len;

static void
bare_close(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
}

/* Answer every whole netstring in the buffer; -1 to drop the client. */
static int
bare_serve(int fd, struct bare_conn *c)
{
	size_t	off = 0, n, i;

	for (;;) {
		n = 0;
		for (i = off; i < c->len && c->in[i] >= '0' &&
		    c->in[i] <= '9' && i - off < 6; i++)
			n = n * 10 + (size_t)(c->in[i] - '0');
		if (i == c->len)
			break;
		if (c->in[i] != ':' || i == off)
			return -1;
		if (c->len - i - 1 < n + 1)
			break;
		if (c->in[i + 1 + n] != ',')
			return -1;
		if (write(fd, reply, reply_len) != (ssize_t)reply_len)
			return -1;
		off = i + 2 + n;
	}
	memmove(c->in, c->in + off, c->len - off);
	c->len -= off;
	return c->len == sizeof(c->in) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[256];
	struct sockaddr_in	 sin;
	const char		*addr = "127.0.0.1";
	const char		*text = "OK secure match=mail.bench.test "
				    "servername=hostname";
	int			 port = 8462, ls, ep, ch, n, i, fd, one = 1;
	ssize_t			 got;

	while ((ch = getopt(argc, argv, "a:p:r:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			text = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_bare [-a ADDR] [-p PORT] "
			    "[-r REPLY]\n");
			return 2;
		}
	}
	n = snprintf(reply, sizeof(reply), "%zu:%s,", strlen(text), text);
	if (n < 0 || (size_t)n >= sizeof(reply))
		return 2;
	reply_len = (size_t)n;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return 2;
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, 1024) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("bench_bare");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		if ((n = epoll_wait(ep, evs, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == ls) {
				while ((fd = accept4(ls, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					if (fd >= BARE_MAX_CONNS) {
						close(fd);
						continue;
					}
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof(one));
					conns[fd] = calloc(1, sizeof(**conns));
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			got = read(fd, conns[fd]->in + conns[fd]->len,
			    sizeof(conns[fd]->in) - conns[fd]->len);
			if (got <= 0) {
				if (got == -1 && errno == EAGAIN)
					continue;
				bare_close(ep, fd);
				continue;
			}
			conns[fd]->len += (size_t)got;
			if (bare_serve(fd, conns[fd]) == -1)
				bare_close(ep, fd);
		}
	}
}
