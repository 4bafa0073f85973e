/*
 * config.c: the configuration file parser.  See config.h.
 *
 * The file is written by the operator, not by a peer, but it is still
 * parsed strictly: every value is range-checked, and anything the parser
 * does not understand stops the daemon before it starts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "fetch.h"
#include "log.h"
#include "resolver.h"

enum config_type {
	CONFIG_T_STRING,	/* non-empty word without spaces */
	CONFIG_T_PATH,		/* absolute path */
	CONFIG_T_OPT_PATH,	/* absolute path, or empty for "none" */
	CONFIG_T_OPT_NAME,	/* user or group name, or empty */
	CONFIG_T_DURATION,	/* milliseconds in an unsigned */
	CONFIG_T_SECONDS,	/* whole seconds in a uint32_t */
	CONFIG_T_SIZE,		/* bytes in a uint64_t: 512M, 1G */
	CONFIG_T_OPT_ADDR,	/* ADDR:PORT / [IPV6]:PORT, or empty */
	CONFIG_T_UINT,
	CONFIG_T_MODE,		/* octal file mode */
	CONFIG_T_LOGLEVEL,
	CONFIG_T_LISTEN,	/* repeatable */
	CONFIG_T_SERVERS	/* comma-separated list */
};

/* A key that only takes effect at start; a reload keeps its old value. */
#define CONFIG_F_RESTART	0x1

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 off;
	unsigned long long	 min;
	unsigned long long	 max;
	unsigned		 flags;
};

#define OFF(m)	offsetof(struct config, m)
#define DAY_MS	86400000ULL
#define DAY_S	86400ULL

/* Keys marked RESTART keep their running value on a reload. */
#define RESTART	CONFIG_F_RESTART

static const struct config_key config_keys[] = {
	{ "listen", CONFIG_T_LISTEN, OFF(listen), 0, 0, RESTART },
	{ "map_name", CONFIG_T_STRING, OFF(map_name), 0, 64, 0 },
	{ "cache_dir", CONFIG_T_PATH, OFF(cache_dir), 0, 0, RESTART },
	{ "control_socket", CONFIG_T_PATH, OFF(control_socket), 0, 0,
	    RESTART },
	{ "control_socket_mode", CONFIG_T_MODE, OFF(control_socket_mode),
	    0, 0777, RESTART },
	{ "control_group", CONFIG_T_OPT_NAME, OFF(control_group), 0, 0,
	    RESTART },
	{ "unix_socket_mode", CONFIG_T_MODE, OFF(unix_socket_mode), 0, 0777,
	    RESTART },
	{ "user", CONFIG_T_OPT_NAME, OFF(user), 0, 0, RESTART },
	{ "group", CONFIG_T_OPT_NAME, OFF(group), 0, 0, RESTART },
	{ "log_level", CONFIG_T_LOGLEVEL, OFF(log_level), 0, 0, 0 },
	{ "dns_servers", CONFIG_T_SERVERS, OFF(dns_servers), 0, 0, RESTART },
	/* The resolver's own limits: what it refuses, the file does too. */
	{ "dns_timeout", CONFIG_T_DURATION, OFF(dns_timeout_ms),
	    RESOLVER_MIN_TIMEOUT_MS, RESOLVER_MAX_TIMEOUT_MS, RESTART },
	{ "dns_tries", CONFIG_T_UINT, OFF(dns_tries), 1, RESOLVER_MAX_TRIES,
	    RESTART },
	{ "http_connect_timeout", CONFIG_T_DURATION,
	    OFF(http_connect_timeout_ms), 100, 120000, 0 },
	{ "http_timeout", CONFIG_T_DURATION, OFF(http_timeout_ms),
	    100, 600000, 0 },
	{ "ca_file", CONFIG_T_OPT_PATH, OFF(ca_file), 0, 0, 0 },
	{ "query_wait", CONFIG_T_DURATION, OFF(query_wait_ms), 0, 90000, 0 },
	{ "idle_timeout", CONFIG_T_DURATION, OFF(idle_timeout_ms),
	    100, DAY_MS, 0 },
	{ "request_timeout", CONFIG_T_DURATION, OFF(request_timeout_ms),
	    100, 600000, 0 },
	{ "reply_timeout", CONFIG_T_DURATION, OFF(reply_timeout_ms),
	    100, 600000, 0 },
	{ "max_connection_age", CONFIG_T_DURATION, OFF(max_connection_age_ms),
	    1000, DAY_MS, 0 },
	{ "shutdown_timeout", CONFIG_T_DURATION, OFF(shutdown_timeout_ms),
	    0, 600000, 0 },
	{ "max_connections", CONFIG_T_UINT, OFF(max_connections),
	    0, 1000000, RESTART },
	{ "max_connections_per_uid", CONFIG_T_UINT,
	    OFF(max_connections_per_uid), 1, 1000000, 0 },
	{ "max_lookups", CONFIG_T_UINT, OFF(max_lookups), 1, 1000000,
	    RESTART },
	{ "max_rechecks", CONFIG_T_UINT, OFF(max_rechecks), 1, 1000000,
	    RESTART },
	{ "max_waiters", CONFIG_T_UINT, OFF(max_waiters), 1, 1000000, 0 },
	{ "cache_map_size", CONFIG_T_SIZE, OFF(cache_map_size),
	    1ULL << 20, 16ULL << 30, RESTART },
	{ "txt_ttl_min", CONFIG_T_SECONDS, OFF(txt_ttl_min), 0, DAY_S, 0 },
	{ "txt_ttl_max", CONFIG_T_SECONDS, OFF(txt_ttl_max), 1, 7 * DAY_S,
	    0 },
	{ "negative_ttl", CONFIG_T_SECONDS, OFF(negative_ttl), 0, DAY_S, 0 },
	{ "failure_ttl", CONFIG_T_SECONDS, OFF(failure_ttl), 0, DAY_S, 0 },
	{ "retry_min", CONFIG_T_SECONDS, OFF(retry_min), 1, DAY_S, 0 },
	{ "retry_max", CONFIG_T_SECONDS, OFF(retry_max), 1, 7 * DAY_S, 0 },
	{ "check_interval", CONFIG_T_SECONDS, OFF(check_interval), 1,
	    30 * DAY_S, 0 },
	{ "refresh_scan", CONFIG_T_SECONDS, OFF(refresh_scan), 1, DAY_S, 0 },
	{ "refresh_concurrency", CONFIG_T_UINT, OFF(refresh_concurrency),
	    1, 10000, 0 },
	{ "unused_after", CONFIG_T_SECONDS, OFF(unused_after), 1,
	    3650 * DAY_S, 0 },
	{ "usage_flush", CONFIG_T_SECONDS, OFF(usage_flush), 1, DAY_S, 0 },
	{ "metrics_listen", CONFIG_T_OPT_ADDR, OFF(metrics_listen), 0, 0,
	    RESTART },
	/* These two are sized into the descriptor budget at start. */
	{ "metrics_max_connections", CONFIG_T_UINT,
	    OFF(metrics_max_connections), 1, 1000, RESTART },
	{ "control_max_clients", CONFIG_T_UINT, OFF(control_max_clients),
	    1, 1000, RESTART },
	{ "control_timeout", CONFIG_T_DURATION, OFF(control_timeout_ms),
	    100, 600000, 0 },
};

#define NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))
_Static_assert(NKEYS <= CONFIG_MAX_KEYS, "raise CONFIG_MAX_KEYS");

static void
listen_clear(struct config_listen *l)
{
	free(l->text);
	free(l->host);
	free(l->port);
	free(l->path);
	memset(l, 0, sizeof(*l));
}

/*
 * listen = "unix:" absolute-path
 *        / IPv4address ":" port
 *        / "[" IPv6address "]" ":" port
 * port   = 1..65535 without leading zeros
 */
static int
listen_parse(const char *s, struct config_listen *out, const char **why)
{
	const char		*colon;
	char			 host[INET6_ADDRSTRLEN + 1];
	unsigned char		 addr[sizeof(struct in6_addr)];
	uint64_t		 port;
	size_t			 hlen;

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/') {
			*why = "unix socket path must be absolute";
			return -1;
		}
		if (strlen(s + 5) >= 108) {
			*why = "unix socket path too long";
			return -1;
		}
		out->kind = CONFIG_LISTEN_UNIX;
		out->path = xstrdup(s + 5);
		out->text = xstrdup(s);
		return 0;
	}
	if ((colon = strrchr(s, ':')) == NULL) {
		*why = "expected ADDRESS:PORT, [IPV6]:PORT or unix:PATH";
		return -1;
	}
	if (span_to_u64(span_str(colon + 1), 5, true, &port) == -1 ||
	    port == 0 || port > 65535) {
		*why = "bad port (1-65535)";
		return -1;
	}
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']' ||
		    hlen - 2 >= sizeof(host)) {
			*why = "bad [IPv6] address";
			return -1;
		}
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1) {
			*why = "bad IPv6 address";
			return -1;
		}
	} else {
		if (hlen == 0 || hlen >= sizeof(host)) {
			*why = "bad IPv4 address";
			return -1;
		}
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, addr) != 1) {
			*why = "bad IPv4 address (IPv6 needs [brackets])";
			return -1;
		}
	}
	out->kind = CONFIG_LISTEN_INET;
	out->host = xstrdup(host);
	out->port = xstrdup(colon + 1);
	out->text = xstrdup(s);
	return 0;
}

/*
 * server = IPv4address [":" port] / IPv6address
 *        / "[" IPv6address "]" ":" port
 */
static int
server_is_valid(const char *s)
{
	struct config_listen	l;
	unsigned char		addr[sizeof(struct in6_addr)];
	const char		*why;

	if (inet_pton(AF_INET, s, addr) == 1 ||
	    inet_pton(AF_INET6, s, addr) == 1)
		return 1;
	if (listen_parse(s, &l, &why) == 0) {
		int ok = l.kind == CONFIG_LISTEN_INET;

		listen_clear(&l);
		return ok;
	}
	return 0;
}

/* A unit suffix and what one of it is worth. */
struct config_unit {
	const char	*suffix;	/* NULL ends a table */
	uint64_t	 mult;
};

/* duration = 1*DIGIT ["ms" / "s" / "m" / "h" / "d"]  (bare = seconds) */
static const struct config_unit duration_units[] = {
	{ "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 },
	{ "h", 3600000 }, { "d", DAY_MS }, { NULL, 0 }
};

/* size = 1*DIGIT ["K" / "M" / "G"]  (binary multiples; bare = bytes) */
static const struct config_unit size_units[] = {
	{ "", 1 }, { "K", 1ULL << 10 }, { "k", 1ULL << 10 },
	{ "M", 1ULL << 20 }, { "m", 1ULL << 20 }, { "G", 1ULL << 30 },
	{ "g", 1ULL << 30 }, { NULL, 0 }
};

/* number = 1*DIGIT  (no leading zero) */
static const struct config_unit number_units[] = {
	{ "", 1 }, { NULL, 0 }
};

enum config_num {
	CONFIG_NUM_OK,
	CONFIG_NUM_BAD,		/* not digits and a known unit */
	CONFIG_NUM_RANGE	/* the digits or the product pass 64 bits */
};

/*
 * Digits times their unit's multiplier.  A value that does not fit in
 * 64 bits, while accumulating the digits or when multiplying, is
 * CONFIG_NUM_RANGE: it never wraps around into a key's range.
 */
static enum config_num
parse_scaled(const char *s, const struct config_unit *units,
    bool no_lead_zero, uint64_t *out)
{
	size_t				 n = strspn(s, "0123456789");
	uint64_t			 v;
	const struct config_unit	*u;

	*out = 0;
	if (n == 0 || (no_lead_zero && n > 1 && s[0] == '0'))
		return CONFIG_NUM_BAD;
	for (u = units; u->suffix != NULL; u++)
		if (strcmp(s + n, u->suffix) == 0)
			break;
	if (u->suffix == NULL)
		return CONFIG_NUM_BAD;
	/* Only digits: span_to_u64() can fail on overflow alone. */
	if (span_to_u64(span_make(s, n), n, false, &v) == -1 ||
	    v > UINT64_MAX / u->mult)
		return CONFIG_NUM_RANGE;
	*out = v * u->mult;
	return CONFIG_NUM_OK;
}

int
config_parse_duration(const char *s, unsigned long long *out)
{
	uint64_t	v;

	if (parse_scaled(s, duration_units, false, &v) != CONFIG_NUM_OK) {
		*out = 0;
		return -1;
	}
	*out = v;
	return 0;
}

static char **
str_slot(struct config *cfg, const struct config_key *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

static uint32_t *
u32_slot(struct config *cfg, const struct config_key *k)
{
	return (uint32_t *)(void *)((char *)cfg + k->off);
}

static uint64_t *
u64_slot(struct config *cfg, const struct config_key *k)
{
	return (uint64_t *)(void *)((char *)cfg + k->off);
}

static unsigned *
uint_slot(struct config *cfg, const struct config_key *k)
{
	return (unsigned *)(void *)((char *)cfg + k->off);
}

/* Printable ASCII without blanks or any byte of extra ("" is a word). */
static bool
is_word(const char *s, const char *extra)
{
	for (; *s != '\0'; s++)
		if (!ascii_is_print((uint8_t)*s) || *s == ' ' ||
		    strchr(extra, *s) != NULL)
			return false;
	return true;
}

/* The largest value a key's slot holds, in the key's own unit. */
static uint64_t
slot_max(const struct config_key *k)
{
	switch (k->type) {
	case CONFIG_T_DURATION:
	case CONFIG_T_UINT:
	case CONFIG_T_MODE:
		return UINT_MAX;
	case CONFIG_T_SECONDS:
		return UINT32_MAX;
	case CONFIG_T_SIZE:
		return UINT64_MAX;
	case CONFIG_T_STRING:
	case CONFIG_T_PATH:
	case CONFIG_T_OPT_PATH:
	case CONFIG_T_OPT_NAME:
	case CONFIG_T_OPT_ADDR:
	case CONFIG_T_LOGLEVEL:
	case CONFIG_T_LISTEN:
	case CONFIG_T_SERVERS:
		break;
	}
	return 0;
}

/*
 * Within the key's range and what its slot can hold, so a table maximum
 * above the slot type can never truncate a value on the way in.
 */
static bool
key_in_range(const struct config_key *k, uint64_t v)
{
	return v >= k->min && v <= k->max && v <= slot_max(k);
}

static int
set_value(struct config *cfg, const struct config_key *k, const char *val,
    const char **why)
{
	unsigned long long	 v;
	uint64_t		 u;
	enum config_num		 st;
	char			*copy, *tok, *save;
	enum log_level		 lvl;

	switch (k->type) {
	case CONFIG_T_STRING:
		if (*val == '\0' || !is_word(val, "")) {
			*why = "expected one word of printable ASCII";
			return -1;
		}
		if (k->max != 0 && strlen(val) > k->max) {
			*why = "too long";
			return -1;
		}
		free(*str_slot(cfg, k));
		*str_slot(cfg, k) = xstrdup(val);
		return 0;
	case CONFIG_T_PATH:
	case CONFIG_T_OPT_PATH:
		if (*val == '\0' && k->type == CONFIG_T_OPT_PATH) {
			free(*str_slot(cfg, k));
			*str_slot(cfg, k) = NULL;
			return 0;
		}
		if (val[0] != '/') {
			*why = "expected an absolute path";
			return -1;
		}
		free(*str_slot(cfg, k));
		*str_slot(cfg, k) = xstrdup(val);
		return 0;
	case CONFIG_T_OPT_NAME:
		if (!is_word(val, ":")) {
			*why = "expected a user or group name";
			return -1;
		}
		free(*str_slot(cfg, k));
		*str_slot(cfg, k) = *val == '\0' ? NULL : xstrdup(val);
		return 0;
	case CONFIG_T_DURATION:
		if ((st = parse_scaled(val, duration_units, false, &u)) ==
		    CONFIG_NUM_BAD) {
			*why = "expected a duration such as 10s, 500ms, 5m";
			return -1;
		}
		if (st == CONFIG_NUM_RANGE || !key_in_range(k, u)) {
			*why = "duration out of range";
			return -1;
		}
		*uint_slot(cfg, k) = (unsigned)u;
		return 0;
	case CONFIG_T_SECONDS:
		if ((st = parse_scaled(val, duration_units, false, &u)) ==
		    CONFIG_NUM_BAD || (st == CONFIG_NUM_OK && u % 1000 != 0)) {
			*why = "expected a duration in whole seconds such as "
			    "300, 5m, 1d";
			return -1;
		}
		if (st == CONFIG_NUM_RANGE || !key_in_range(k, u / 1000)) {
			*why = "duration out of range";
			return -1;
		}
		*u32_slot(cfg, k) = (uint32_t)(u / 1000);
		return 0;
	case CONFIG_T_OPT_ADDR: {
		struct config_listen	l;

		free(*str_slot(cfg, k));
		*str_slot(cfg, k) = NULL;
		if (*val == '\0')
			return 0;
		if (listen_parse(val, &l, why) == -1)
			return -1;
		if (l.kind != CONFIG_LISTEN_INET) {
			listen_clear(&l);
			*why = "expected ADDRESS:PORT or [IPV6]:PORT";
			return -1;
		}
		listen_clear(&l);
		*str_slot(cfg, k) = xstrdup(val);
		return 0;
	}
	case CONFIG_T_SIZE:
		if ((st = parse_scaled(val, size_units, false, &u)) ==
		    CONFIG_NUM_BAD) {
			*why = "expected a size such as 512M or 1G";
			return -1;
		}
		if (st == CONFIG_NUM_RANGE || !key_in_range(k, u)) {
			*why = "size out of range";
			return -1;
		}
		*u64_slot(cfg, k) = u;
		return 0;
	case CONFIG_T_UINT:
		if ((st = parse_scaled(val, number_units, true, &u)) ==
		    CONFIG_NUM_BAD) {
			*why = "expected a number";
			return -1;
		}
		if (st == CONFIG_NUM_RANGE || !key_in_range(k, u)) {
			*why = "number out of range";
			return -1;
		}
		*uint_slot(cfg, k) = (unsigned)u;
		return 0;
	case CONFIG_T_MODE:
		if (strlen(val) < 3 || strlen(val) > 4 ||
		    strspn(val, "01234567") != strlen(val)) {
			*why = "expected an octal mode such as 0660";
			return -1;
		}
		v = strtoull(val, NULL, 8);
		if (!key_in_range(k, v)) {
			*why = "mode out of range";
			return -1;
		}
		*uint_slot(cfg, k) = (unsigned)v;
		return 0;
	case CONFIG_T_LOGLEVEL:
		if (log_level_parse(val, &lvl) == -1) {
			*why = "expected error, warning, info or debug";
			return -1;
		}
		cfg->log_level = lvl;
		return 0;
	case CONFIG_T_LISTEN:
		if (cfg->nlisten == CONFIG_MAX_LISTEN) {
			*why = "too many listen lines";
			return -1;
		}
		if (listen_parse(val, &cfg->listen[cfg->nlisten], why) == -1)
			return -1;
		cfg->nlisten++;
		return 0;
	case CONFIG_T_SERVERS:
		copy = xstrdup(val);
		for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			if (!server_is_valid(tok)) {
				*why = "bad DNS server address";
				free(copy);
				return -1;
			}
			if (cfg->ndns_servers == CONFIG_MAX_DNS_SERVERS) {
				*why = "too many DNS servers";
				free(copy);
				return -1;
			}
			cfg->dns_servers[cfg->ndns_servers++] = xstrdup(tok);
		}
		free(copy);
		return 0;
	}
	*why = "internal: unknown key type";
	return -1;
}

void
config_init(struct config *cfg)
{
	const char	*why;

	memset(cfg, 0, sizeof(*cfg));
	if (listen_parse(CONFIG_DEFAULT_LISTEN, &cfg->listen[0], &why) == -1)
		fatalx("config: built-in listen default: %s", why);
	cfg->nlisten = 1;
	cfg->map_name = xstrdup("sts");
	cfg->cache_dir = xstrdup("/var/lib/mta-stsd");
	cfg->control_socket = xstrdup("/run/mta-stsd/control.sock");
	cfg->control_socket_mode = 0660;
	cfg->unix_socket_mode = 0666;
	cfg->log_level = LOG_LEVEL_INFO;
	/*
	 * c-ares: the first try waits dns_timeout, each later round over
	 * the servers doubles it; with one server 3.5 s + 7 s = 10.5 s
	 * worst case, and an answer arriving after 3 s is still used.
	 */
	cfg->dns_timeout_ms = RESOLVER_DEFAULT_TIMEOUT_MS;
	cfg->dns_tries = RESOLVER_DEFAULT_TRIES;
	cfg->http_connect_timeout_ms = FETCH_DEFAULT_CONNECT_TIMEOUT_MS;
	cfg->http_timeout_ms = FETCH_DEFAULT_TOTAL_TIMEOUT_MS;
	cfg->query_wait_ms = 10000;
	/*
	 * Postfix closes a connection itself after 10 s idle and after
	 * about 100 s of age (it only checks between deliveries), and it
	 * reconnects and retries once when we close one first; these
	 * leave it room and end connections nobody uses as Postfix does.
	 */
	cfg->idle_timeout_ms = 30000;
	cfg->request_timeout_ms = 10000;
	cfg->max_connection_age_ms = 300000;
	/* Postfix reads a reply at once; only a stalled client waits. */
	cfg->reply_timeout_ms = 10000;
	cfg->shutdown_timeout_ms = 5000;
	/*
	 * Postfix opens about one connection per smtp(8) process: up to
	 * default_process_limit (100) per transport.  512 leaves room for
	 * several transports and bounds memory (server.h), and one uid
	 * may hold half of them.
	 */
	cfg->max_connections = 512;
	cfg->max_connections_per_uid = 256;
	cfg->max_lookups = 1000;
	cfg->max_rechecks = 256;
	cfg->max_waiters = 1000;
	cfg->cache_map_size = 1ULL << 30;
	cfg->txt_ttl_min = 1;
	cfg->txt_ttl_max = 86400;
	cfg->negative_ttl = 300;
	cfg->failure_ttl = 60;
	cfg->retry_min = 300;
	cfg->retry_max = 3600;
	cfg->check_interval = 86400;
	cfg->refresh_scan = 600;
	cfg->refresh_concurrency = 16;
	cfg->unused_after = 30 * 86400;
	cfg->usage_flush = 60;
	cfg->metrics_max_connections = 16;
	cfg->control_max_clients = 16;
	cfg->control_timeout_ms = 10000;
}

void
config_clear(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nlisten; i++)
		listen_clear(&cfg->listen[i]);
	for (i = 0; i < cfg->ndns_servers; i++)
		free(cfg->dns_servers[i]);
	free(cfg->map_name);
	free(cfg->cache_dir);
	free(cfg->control_socket);
	free(cfg->control_group);
	free(cfg->user);
	free(cfg->group);
	free(cfg->ca_file);
	free(cfg->metrics_listen);
	memset(cfg, 0, sizeof(*cfg));
}

static const struct config_key *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int
config_load(struct config *cfg, const char *path, bool must_exist, char *err,
    size_t errlen)
{
	FILE			*fp;
	char			*line = NULL;
	size_t			 linecap = 0;
	ssize_t			 n;
	bool			 seen[NKEYS];
	bool			 listen_default = true;
	unsigned		 lineno = 0;
	const struct config_key	*k;
	const char		*why;
	char			*p, *eq, *key, *val;
	char			 esc[64];
	size_t			 i;

	memset(seen, 0, sizeof(seen));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &linecap, fp)) != -1) {
		lineno++;
		if ((size_t)n > CONFIG_MAX_LINE) {
			snprintf(err, errlen, "%s:%u: line longer than %d "
			    "bytes", path, lineno, CONFIG_MAX_LINE);
			goto fail;
		}
		for (i = 0; i < (size_t)n; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t' &&
			    line[i] != '\n' && line[i] != '\r')
				goto bad_byte;
		p = trim(line);
		if (*p == '#' || *p == '\0')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errlen, "%s:%u: expected key = value",
			    path, lineno);
			goto fail;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		if ((k = key_find(key)) == NULL) {
			(void)span_esc(span_str(key), CONFIG_MAX_LINE, esc,
			    sizeof(esc));
			snprintf(err, errlen, "%s:%u: unknown key '%s'", path,
			    lineno, esc);
			goto fail;
		}
		i = (size_t)(k - config_keys);
		if (seen[i] && k->type != CONFIG_T_LISTEN) {
			snprintf(err, errlen, "%s:%u: duplicate key '%s'", path,
			    lineno, key);
			goto fail;
		}
		seen[i] = true;
		if (k->type == CONFIG_T_LISTEN && listen_default) {
			/* The first listen line replaces the default. */
			listen_clear(&cfg->listen[0]);
			cfg->nlisten = 0;
			listen_default = false;
		}
		if (set_value(cfg, k, val, &why) == -1) {
			snprintf(err, errlen, "%s:%u: %s: %s", path, lineno,
			    key, why);
			goto fail;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (cfg->txt_ttl_min > cfg->txt_ttl_max) {
		snprintf(err, errlen, "%s: txt_ttl_min is above txt_ttl_max",
		    path);
		goto fail;
	}
	if (cfg->retry_min > cfg->retry_max) {
		snprintf(err, errlen, "%s: retry_min is above retry_max", path);
		goto fail;
	}
	free(line);
	fclose(fp);
	return 0;

bad_byte:
	snprintf(err, errlen, "%s:%u: control character or NUL in line", path,
	    lineno);
fail:
	free(line);
	fclose(fp);
	return -1;
}

static void
print_duration(FILE *fp, const char *name, unsigned ms)
{
	if (ms % 1000 == 0)
		fprintf(fp, "%s = %us\n", name, ms / 1000);
	else
		fprintf(fp, "%s = %ums\n", name, ms);
}

void
config_print(const struct config *cfg, FILE *fp)
{
	size_t	i;

	for (i = 0; i < cfg->nlisten; i++)
		fprintf(fp, "listen = %s\n", cfg->listen[i].text);
	fprintf(fp, "map_name = %s\n", cfg->map_name);
	fprintf(fp, "cache_dir = %s\n", cfg->cache_dir);
	fprintf(fp, "control_socket = %s\n", cfg->control_socket);
	fprintf(fp, "control_socket_mode = %04o\n", cfg->control_socket_mode);
	fprintf(fp, "control_group = %s\n",
	    cfg->control_group ? cfg->control_group : "");
	fprintf(fp, "unix_socket_mode = %04o\n", cfg->unix_socket_mode);
	fprintf(fp, "user = %s\n", cfg->user ? cfg->user : "");
	fprintf(fp, "group = %s\n", cfg->group ? cfg->group : "");
	fprintf(fp, "log_level = %s\n", log_level_name(cfg->log_level));
	fprintf(fp, "dns_servers =");
	for (i = 0; i < cfg->ndns_servers; i++)
		fprintf(fp, "%s%s", i ? ", " : " ", cfg->dns_servers[i]);
	fprintf(fp, "\n");
	print_duration(fp, "dns_timeout", cfg->dns_timeout_ms);
	fprintf(fp, "dns_tries = %u\n", cfg->dns_tries);
	print_duration(fp, "http_connect_timeout",
	    cfg->http_connect_timeout_ms);
	print_duration(fp, "http_timeout", cfg->http_timeout_ms);
	fprintf(fp, "ca_file = %s\n", cfg->ca_file ? cfg->ca_file : "");
	print_duration(fp, "query_wait", cfg->query_wait_ms);
	print_duration(fp, "idle_timeout", cfg->idle_timeout_ms);
	print_duration(fp, "request_timeout", cfg->request_timeout_ms);
	print_duration(fp, "reply_timeout", cfg->reply_timeout_ms);
	print_duration(fp, "max_connection_age", cfg->max_connection_age_ms);
	print_duration(fp, "shutdown_timeout", cfg->shutdown_timeout_ms);
	fprintf(fp, "max_connections = %u\n", cfg->max_connections);
	fprintf(fp, "max_connections_per_uid = %u\n",
	    cfg->max_connections_per_uid);
	fprintf(fp, "max_lookups = %u\n", cfg->max_lookups);
	fprintf(fp, "max_rechecks = %u\n", cfg->max_rechecks);
	fprintf(fp, "max_waiters = %u\n", cfg->max_waiters);
	if (cfg->cache_map_size % (1ULL << 20) == 0)
		fprintf(fp, "cache_map_size = %lluM\n",
		    (unsigned long long)(cfg->cache_map_size >> 20));
	else
		fprintf(fp, "cache_map_size = %llu\n",
		    (unsigned long long)cfg->cache_map_size);
	fprintf(fp, "txt_ttl_min = %us\n", cfg->txt_ttl_min);
	fprintf(fp, "txt_ttl_max = %us\n", cfg->txt_ttl_max);
	fprintf(fp, "negative_ttl = %us\n", cfg->negative_ttl);
	fprintf(fp, "failure_ttl = %us\n", cfg->failure_ttl);
	fprintf(fp, "retry_min = %us\n", cfg->retry_min);
	fprintf(fp, "retry_max = %us\n", cfg->retry_max);
	fprintf(fp, "check_interval = %us\n", cfg->check_interval);
	fprintf(fp, "refresh_scan = %us\n", cfg->refresh_scan);
	fprintf(fp, "refresh_concurrency = %u\n", cfg->refresh_concurrency);
	fprintf(fp, "unused_after = %us\n", cfg->unused_after);
	fprintf(fp, "usage_flush = %us\n", cfg->usage_flush);
	fprintf(fp, "metrics_listen = %s\n",
	    cfg->metrics_listen ? cfg->metrics_listen : "");
	fprintf(fp, "metrics_max_connections = %u\n",
	    cfg->metrics_max_connections);
	fprintf(fp, "control_max_clients = %u\n", cfg->control_max_clients);
	print_duration(fp, "control_timeout", cfg->control_timeout_ms);
}

static const void *
cslot(const struct config *cfg, const struct config_key *k)
{
	return (const char *)cfg + k->off;
}

/* The size of a scalar key's slot; 0 for the list types. */
static size_t
key_size(const struct config_key *k)
{
	switch (k->type) {
	case CONFIG_T_STRING:
	case CONFIG_T_PATH:
	case CONFIG_T_OPT_PATH:
	case CONFIG_T_OPT_NAME:
	case CONFIG_T_OPT_ADDR:
		return sizeof(char *);
	case CONFIG_T_DURATION:
	case CONFIG_T_UINT:
	case CONFIG_T_MODE:
		return sizeof(unsigned);
	case CONFIG_T_SECONDS:
		return sizeof(uint32_t);
	case CONFIG_T_SIZE:
		return sizeof(uint64_t);
	case CONFIG_T_LOGLEVEL:
		return sizeof(enum log_level);
	case CONFIG_T_LISTEN:
	case CONFIG_T_SERVERS:
		return 0;
	}
	return 0;
}

static bool
str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
key_is_string(const struct config_key *k)
{
	return k->type == CONFIG_T_STRING || k->type == CONFIG_T_PATH ||
	    k->type == CONFIG_T_OPT_PATH || k->type == CONFIG_T_OPT_NAME ||
	    k->type == CONFIG_T_OPT_ADDR;
}

static bool
key_same(const struct config *a, const struct config *b,
    const struct config_key *k)
{
	size_t	i;

	if (k->type == CONFIG_T_LISTEN) {
		if (a->nlisten != b->nlisten)
			return false;
		for (i = 0; i < a->nlisten; i++)
			if (strcmp(a->listen[i].text, b->listen[i].text) != 0)
				return false;
		return true;
	}
	if (k->type == CONFIG_T_SERVERS) {
		if (a->ndns_servers != b->ndns_servers)
			return false;
		for (i = 0; i < a->ndns_servers; i++)
			if (strcmp(a->dns_servers[i], b->dns_servers[i]) != 0)
				return false;
		return true;
	}
	if (key_is_string(k))
		return str_same(*(char *const *)cslot(a, k),
		    *(char *const *)cslot(b, k));
	return memcmp(cslot(a, k), cslot(b, k), key_size(k)) == 0;
}

static void
mem_swap(void *x, void *y, size_t n)
{
	unsigned char	*p = x, *q = y, t;

	while (n-- > 0) {
		t = *p;
		*p++ = *q;
		*q++ = t;
	}
}

/* Exchange one key's value between a and b (pointers move, no copies). */
static void
key_swap(struct config *a, struct config *b, const struct config_key *k)
{
	if (k->type == CONFIG_T_LISTEN) {
		mem_swap(a->listen, b->listen, sizeof(a->listen));
		mem_swap(&a->nlisten, &b->nlisten, sizeof(a->nlisten));
	} else if (k->type == CONFIG_T_SERVERS) {
		mem_swap(a->dns_servers, b->dns_servers,
		    sizeof(a->dns_servers));
		mem_swap(&a->ndns_servers, &b->ndns_servers,
		    sizeof(a->ndns_servers));
	} else
		mem_swap((char *)a + k->off, (char *)b + k->off, key_size(k));
}

void
config_reload_merge(struct config *cur, struct config *next,
    struct config_changes *ch)
{
	const struct config_key	*k;
	size_t			 i;

	memset(ch, 0, sizeof(*ch));
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (k->flags & CONFIG_F_RESTART) {
			/*
			 * Moved even when equal, so a module that kept a
			 * pointer into the running values keeps a live one.
			 */
			if (!key_same(cur, next, k))
				ch->pending[ch->npending++] = k->name;
			key_swap(cur, next, k);
		} else if (!key_same(cur, next, k))
			ch->applied[ch->napplied++] = k->name;
	}
}
