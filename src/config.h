/*
 * config.h: mta-stsd.conf -> struct config.
 *
 * The file is "key = value" lines with "#" comments.  Every key has a
 * built-in default, so the daemon runs with no file at all.  An unknown
 * key, a bad value or a duplicate is an error reported as
 * "FILE:LINE: what is wrong"; the struct is read-only once loaded.
 * Keys are described by one table in config.c, so adding one is a line.
 */
#ifndef MTASTSD_CONFIG_H
#define MTASTSD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_MAX_LISTEN	16
#define CONFIG_MAX_DNS_SERVERS	8
#define CONFIG_MAX_LINE		1024
#define CONFIG_ERR_MAX		512

#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/mta-stsd.conf"
#define CONFIG_DEFAULT_LISTEN	"127.0.0.1:8461"

enum config_listen_kind {
	CONFIG_LISTEN_INET,
	CONFIG_LISTEN_UNIX
};

struct config_listen {
	enum config_listen_kind	 kind;
	char			*text;	/* owned: as written in the file */
	char			*host;	/* owned: numeric; NULL for unix */
	char			*port;	/* owned: decimal port; NULL for unix */
	char			*path;	/* owned: socket path; NULL for inet */
};

struct config {
	struct config_listen	 listen[CONFIG_MAX_LISTEN];
	size_t			 nlisten;
	char			*map_name;	/* owned */
	char			*cache_dir;	/* owned */
	char			*control_socket; /* owned */
	unsigned		 control_socket_mode;
	char			*control_group;	/* owned; NULL: daemon's */
	unsigned		 unix_socket_mode;
	char			*user;		/* owned; NULL = keep uid */
	char			*group;		/* owned; NULL = user's group */
	enum log_level		 log_level;

	/* Owned; none: /etc/resolv.conf. */
	char			*dns_servers[CONFIG_MAX_DNS_SERVERS];
	size_t			 ndns_servers;
	unsigned		 dns_timeout_ms;
	unsigned		 dns_tries;
	unsigned		 http_connect_timeout_ms;
	unsigned		 http_timeout_ms;
	char			*ca_file;	/* owned; NULL = system store */

	unsigned		 query_wait_ms;
	unsigned		 idle_timeout_ms;
	unsigned		 request_timeout_ms;
	unsigned		 reply_timeout_ms;
	unsigned		 max_connection_age_ms;
	unsigned		 shutdown_timeout_ms;
	unsigned		 max_connections; /* 0 = from RLIMIT_NOFILE */
	unsigned		 max_connections_per_uid; /* unix listeners */
	unsigned		 max_lookups;	/* of domains not cached */
	unsigned		 max_rechecks;	/* of cached domains */
	unsigned		 max_waiters;

	/* Policy cache (seconds unless noted). */
	uint64_t		 cache_map_size;	/* bytes */
	uint32_t		 txt_ttl_min;
	uint32_t		 txt_ttl_max;
	uint32_t		 negative_ttl;
	uint32_t		 failure_ttl;
	uint32_t		 retry_min;
	uint32_t		 retry_max;
	uint32_t		 check_interval;
	uint32_t		 refresh_scan;
	unsigned		 refresh_concurrency;
	uint32_t		 unused_after;
	uint32_t		 usage_flush;

	char			*metrics_listen; /* owned; NULL = off */
	unsigned		 metrics_max_connections;
	unsigned		 control_max_clients;
	unsigned		 control_timeout_ms;
};

/* Fill in the built-in defaults (heap copies; config_clear frees). */
void	config_init(struct config *);
void	config_clear(struct config *);

/*
 * Read path into cfg (which holds defaults).  Returns 0, or -1 with
 * "FILE:LINE: what is wrong" (or "FILE: error") in err.  When must_exist
 * is false a missing file leaves the defaults in place.
 */
int	config_load(struct config *, const char *, bool, char *, size_t);

/* Print every effective setting as "key = value" lines. */
void	config_print(const struct config *, FILE *);

/*
 * Reloading (SIGHUP, mta-stsctl reload).  next is a configuration loaded
 * afresh, cur the running one.  Keys that only take effect at start
 * (listeners, paths, identities, the resolver's and the cache's set-up,
 * limits sized at start) keep their running values: those are
 * always moved (pointers and all) from cur into next, and the changed
 * ones are named in pending.  Keys read where they
 * are used take next's value and are named in applied.  Afterwards next
 * is the configuration to run and cur holds what to config_clear().
 * Key names point into a static table.
 */
#define CONFIG_MAX_KEYS		64

struct config_changes {
	const char	*applied[CONFIG_MAX_KEYS];
	size_t		 napplied;
	const char	*pending[CONFIG_MAX_KEYS];	/* need a restart */
	size_t		 npending;
};

void	config_reload_merge(struct config *, struct config *,
	    struct config_changes *);

/*
 * Parse "10", "10s", "500ms", "5m", "2h", "1d" into milliseconds; -1 on
 * bad syntax and on a value that does not fit in 64 bits.
 */
int	config_parse_duration(const char *, unsigned long long *);

#endif
