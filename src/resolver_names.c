/*
 * resolver_names.c: the names of resolver statuses, for logs and
 * reports.  See resolver.h.
 *
 * Apart from the c-ares code so that the lookup engine's unit tests can
 * link them with a fake resolver.
 */
#include "resolver.h"

const char *
resolver_status_name(enum resolver_status s)
{
	switch (s) {
	case RESOLVER_OK:
		return "ok";
	case RESOLVER_NXDOMAIN:
		return "nxdomain";
	case RESOLVER_NODATA:
		return "nodata";
	case RESOLVER_SERVFAIL:
		return "servfail";
	case RESOLVER_REFUSED:
		return "refused";
	case RESOLVER_TIMEOUT:
		return "timeout";
	case RESOLVER_ERROR:
		return "error";
	}
	return "unknown";
}
