/*
 * reload.h: configuration reloads as the control socket and the metrics
 * see them, and the hook that runs one.
 *
 * main.c owns the one struct reload_info and runs reloads (on SIGHUP or
 * for the control socket's "reload"); control.c and metrics.c only read
 * it and call run().  A reload re-reads the configuration file with the
 * same strict parser as at start.  A file with any error changes
 * nothing: the daemon keeps running on the configuration it has.
 * Otherwise every key that is read where it is used takes its new value
 * at once, and a changed key that only takes effect at start keeps its
 * running value and is reported as pending (config.h).
 */
#ifndef MTASTSD_RELOAD_H
#define MTASTSD_RELOAD_H

#include <stdint.h>

#include "config.h"

struct reload_info {
	const char		*path;		/* borrowed: the file */
	int64_t			 loaded;	/* running config read at */
	int64_t			 last_attempt;	/* 0: never reloaded */
	uint64_t		 ok;
	uint64_t		 failed;
	/* Why the last attempt failed; "" when it succeeded. */
	char			 last_error[CONFIG_ERR_MAX];
	/* What the last successful reload changed. */
	struct config_changes	 last;
	/* Reload now: 0, or -1 with last_error set. */
	int			(*run)(void *);
	void			*arg;		/* borrowed */
};

#endif
