/*
 * check_config.c: configuration parsing, defaults and error messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "config.h"

static char tmpl[] = "/tmp/check_config.XXXXXX";

static const char *
write_conf(const char *text)
{
	int	 fd;
	FILE	*fp;

	strcpy(tmpl, "/tmp/check_config.XXXXXX");
	ck_assert_int_ge(fd = mkstemp(tmpl), 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	fputs(text, fp);
	fclose(fp);
	return tmpl;
}

struct bad_case {
	const char	*name;
	const char	*text;
	const char	*want;	/* substring of the error after FILE: */
};

static const struct bad_case bad_cases[] = {
	{ "unknown key", "# c\nfrobnicate = 1\n",
	    ":2: unknown key 'frobnicate'" },
	{ "duplicate", "map_name = a\nmap_name = b\n", ":2: duplicate key" },
	{ "no equals", "map_name\n", ":1: expected key = value" },
	{ "bad duration", "dns_timeout = 5x\n", ":1: dns_timeout: expected" },
	{ "duration range", "dns_timeout = 1h\n", ":1: dns_timeout: duration "
	    "out of range" },
	{ "number", "dns_tries = two\n", ":1: dns_tries: expected a number" },
	{ "number range", "dns_tries = 11\n", ":1: dns_tries: number out" },
	/* Regression: 6..10 passed -n, then resolver_new() refused them. */
	{ "dns_tries above the resolver's limit", "dns_tries = 6\n",
	    ":1: dns_tries: number out" },
	{ "relative path", "cache_dir = var/lib\n", ":1: cache_dir: expected "
	    "an absolute path" },
	{ "bad listen", "listen = localhost:8461\n", ":1: listen: bad IPv4" },
	{ "bad port", "listen = 127.0.0.1:0\n", ":1: listen: bad port" },
	{ "port leading zero", "listen = 127.0.0.1:08461\n", ":1: listen: bad "
	    "port" },
	{ "v6 no brackets", "listen = ::1:8461\n", ":1: listen: bad IPv4" },
	{ "unix relative", "listen = unix:sock\n", ":1: listen: unix socket "
	    "path must be absolute" },
	{ "log level", "log_level = loud\n", ":1: log_level: expected" },
	{ "dns server", "dns_servers = 127.0.0.1, dns.example\n",
	    ":1: dns_servers: bad DNS server" },
	{ "mode", "control_socket_mode = 999\n", ":1: control_socket_mode" },
	{ "control char", "map_name = s\x01ts\n", ":1: control character" },
	{ "map two words", "map_name = a b\n", ":1: map_name: expected one" },
	{ "map non-ascii", "map_name = a\xff" "b\n", ":1: map_name: expected "
	    "one word of printable ASCII" },
	{ "user non-ascii", "user = m\xc3\xa9l\n", ":1: user: expected a "
	    "user" },
	{ "unknown key escaped", "k\xff" "ey = 1\n",
	    ":1: unknown key 'k\\xffey'" },
	{ "map name too long", "map_name = "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    ":1: map_name: too long" },
	{ "ttl bounds crossed", "txt_ttl_min = 2h\ntxt_ttl_max = 1h\n",
	    ": txt_ttl_min is above txt_ttl_max" },
	{ "retry bounds crossed", "retry_min = 2h\nretry_max = 1h\n",
	    ": retry_min is above retry_max" },
	{ "seconds only", "retry_min = 1500ms\n", ":1: retry_min: expected a "
	    "duration in whole seconds" },
	{ "map size", "cache_map_size = 2T\n", ":1: cache_map_size: expected "
	    "a size" },
	{ "map size range", "cache_map_size = 17G\n", ":1: cache_map_size: "
	    "size out of range" },
	/* Conversions that pass 64 bits used to wrap around into range. */
	{ "duration wraps to 34448384ms", "idle_timeout = 213503982335d\n",
	    ":1: idle_timeout: duration out of range" },
	{ "seconds wrap to 34448384ms", "retry_min = 213503982335d\n",
	    ":1: retry_min: duration out of range" },
	{ "size wraps to 1G", "cache_map_size = 17179869185G\n",
	    ":1: cache_map_size: size out of range" },
	{ "size wraps to 1M", "cache_map_size = 17592186044417M\n",
	    ":1: cache_map_size: size out of range" },
	{ "duration digits pass 64 bits", "dns_timeout = "
	    "18446744073709551616ms\n", ":1: dns_timeout: duration out of "
	    "range" },
	{ "seconds digits pass 64 bits", "failure_ttl = "
	    "99999999999999999999999\n", ":1: failure_ttl: duration out of "
	    "range" },
	{ "size digits pass 64 bits", "cache_map_size = "
	    "18446744073709551617\n", ":1: cache_map_size: size out of "
	    "range" },
	{ "number digits pass 64 bits", "max_lookups = "
	    "18446744073709551617\n", ":1: max_lookups: number out of range" },
	{ "number above unsigned", "max_connections = 4294967297\n",
	    ":1: max_connections: number out of range" },
	{ "largest u64 bytes", "cache_map_size = 18446744073709551615\n",
	    ":1: cache_map_size: size out of range" },
	{ "number leading zero", "dns_tries = 02\n",
	    ":1: dns_tries: expected a number" },
	{ "no metrics connections", "metrics_max_connections = 0\n",
	    ":1: metrics_max_connections: number out of range" },
	{ "unit without digits", "dns_timeout = ms\n",
	    ":1: dns_timeout: expected a duration" },
	{ "per-uid zero", "max_connections_per_uid = 0\n",
	    ":1: max_connections_per_uid: number out of range" },
	{ "age too short", "max_connection_age = 500ms\n",
	    ":1: max_connection_age: duration out of range" },
	{ "reply timeout zero", "reply_timeout = 0\n",
	    ":1: reply_timeout: duration out of range" },
};

/* Values at the edge of their range still load, and load exactly. */
struct edge_case {
	const char	*name;
	const char	*text;
	const char	*want;	/* a line config_print() prints */
};

static const struct edge_case edge_cases[] = {
	{ "idle 1d", "idle_timeout = 1d\n", "idle_timeout = 86400s\n" },
	{ "idle 86400000ms", "idle_timeout = 86400000ms\n",
	    "idle_timeout = 86400s\n" },
	{ "map 16G", "cache_map_size = 16G\n", "cache_map_size = 16384M\n" },
	{ "map 16384m", "cache_map_size = 16384m\n",
	    "cache_map_size = 16384M\n" },
	{ "map 1M in bytes", "cache_map_size = 1048576\n",
	    "cache_map_size = 1M\n" },
	{ "leading zeros", "dns_timeout = 0000000000000000000000500ms\n",
	    "dns_timeout = 500ms\n" },
	{ "unused 3650d", "unused_after = 3650d\n",
	    "unused_after = 315360000s\n" },
	{ "max connections", "max_connections = 1000000\n",
	    "max_connections = 1000000\n" },
	{ "metrics connections", "metrics_max_connections = 1000\n",
	    "metrics_max_connections = 1000\n" },
	{ "dns_tries at the resolver's limit", "dns_tries = 5\n",
	    "dns_tries = 5\n" },
};

START_TEST(test_edge_table)
{
	const struct edge_case	*c = &edge_cases[_i];
	struct config		 cfg;
	char			 err[CONFIG_ERR_MAX] = "";
	const char		*path = write_conf(c->text);
	char			*out = NULL;
	size_t			 outlen = 0;
	FILE			*fp;
	int			 got;

	config_init(&cfg);
	got = config_load(&cfg, path, true, err, sizeof(err));
	unlink(path);
	ck_assert_msg(got == 0, "case %s: got %s, want success", c->name,
	    err);
	ck_assert_ptr_nonnull(fp = open_memstream(&out, &outlen));
	config_print(&cfg, fp);
	fclose(fp);
	ck_assert_msg(strstr(out, c->want) != NULL, "case %s: got %s, want %s",
	    c->name, out, c->want);
	free(out);
	config_clear(&cfg);
}
END_TEST

START_TEST(test_bad_table)
{
	const struct bad_case	*c = &bad_cases[_i];
	struct config		 cfg;
	char			 err[CONFIG_ERR_MAX] = "";
	const char		*path = write_conf(c->text);
	int			 got;

	config_init(&cfg);
	got = config_load(&cfg, path, true, err, sizeof(err));
	unlink(path);
	ck_assert_msg(got == -1, "case %s: got %d, want -1", c->name, got);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0 &&
	    strstr(err, c->want) != NULL, "case %s: got %s, want %s",
	    c->name, err, c->want);
	config_clear(&cfg);
}
END_TEST

START_TEST(test_good)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX] = "";
	const char	*path;

	path = write_conf(
	    "# comment\n"
	    "  \n"
	    "listen = 127.0.0.2:9000\n"
	    "listen = [::1]:9001\r\n"
	    "listen = unix:/run/x.sock\n"
	    "\tmap_name\t=\tpostfix  \n"
	    "dns_servers = 127.0.0.1, ::1 [::1]:5353\n"
	    "dns_timeout = 500ms\n"
	    "query_wait = 0\n"
	    "http_timeout = 2m\n"
	    "max_connections = 5\n"
	    "max_connections_per_uid = 2\n"
	    "max_connection_age = 2m\n"
	    "reply_timeout = 1500ms\n"
	    "control_socket_mode = 0600\n"
	    "ca_file =\n");
	config_init(&cfg);
	ck_assert_msg(config_load(&cfg, path, true, err, sizeof(err)) == 0,
	    "case good: got error %s, want none", err);
	unlink(path);
	ck_assert_uint_eq(cfg.nlisten, 3);
	ck_assert_str_eq(cfg.listen[0].host, "127.0.0.2");
	ck_assert_str_eq(cfg.listen[0].port, "9000");
	ck_assert_str_eq(cfg.listen[1].host, "::1");
	ck_assert_int_eq(cfg.listen[2].kind, CONFIG_LISTEN_UNIX);
	ck_assert_str_eq(cfg.listen[2].path, "/run/x.sock");
	ck_assert_str_eq(cfg.map_name, "postfix");
	ck_assert_uint_eq(cfg.ndns_servers, 3);
	ck_assert_str_eq(cfg.dns_servers[2], "[::1]:5353");
	ck_assert_uint_eq(cfg.dns_timeout_ms, 500);
	ck_assert_uint_eq(cfg.query_wait_ms, 0);
	ck_assert_uint_eq(cfg.http_timeout_ms, 120000);
	ck_assert_uint_eq(cfg.max_connections, 5);
	ck_assert_uint_eq(cfg.max_connections_per_uid, 2);
	ck_assert_uint_eq(cfg.max_connection_age_ms, 120000);
	ck_assert_uint_eq(cfg.reply_timeout_ms, 1500);
	ck_assert_uint_eq(cfg.control_socket_mode, 0600);
	ck_assert_ptr_null(cfg.ca_file);
	config_clear(&cfg);
}
END_TEST

START_TEST(test_defaults_and_missing)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX] = "";

	config_init(&cfg);
	ck_assert_int_eq(config_load(&cfg, "/nonexistent/mta-stsd.conf",
	    false, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.nlisten, 1);
	ck_assert_str_eq(cfg.listen[0].text, "127.0.0.1:8461");
	ck_assert_str_eq(cfg.map_name, "sts");
	ck_assert_str_eq(cfg.cache_dir, "/var/lib/mta-stsd");
	ck_assert_str_eq(cfg.control_socket, "/run/mta-stsd/control.sock");
	ck_assert_uint_eq(cfg.query_wait_ms, 10000);
	/* Connection limits that fit Postfix (see config_init). */
	ck_assert_uint_eq(cfg.idle_timeout_ms, 30000);
	ck_assert_uint_eq(cfg.reply_timeout_ms, 10000);
	ck_assert_uint_eq(cfg.max_connection_age_ms, 300000);
	ck_assert_uint_eq(cfg.max_connections, 512);
	ck_assert_uint_eq(cfg.max_connections_per_uid, 256);
	ck_assert_int_eq(config_load(&cfg, "/nonexistent/mta-stsd.conf",
	    true, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL,
	    "case missing required: got %s, want ENOENT text", err);
	config_clear(&cfg);
}
END_TEST

START_TEST(test_shipped_file_parses)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX] = "";
	char		 path[1024];
	const char	*top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/etc/mta-stsd.conf", top ? top : ".");
	config_init(&cfg);
	ck_assert_msg(config_load(&cfg, path, true, err, sizeof(err)) == 0,
	    "case etc/mta-stsd.conf: got %s, want no error", err);
	config_clear(&cfg);
}
END_TEST

static void
load_text(struct config *cfg, const char *text)
{
	char		 err[CONFIG_ERR_MAX];
	const char	*path = write_conf(text);
	int		 rc;

	config_init(cfg);
	rc = config_load(cfg, path, true, err, sizeof(err));
	unlink(path);
	ck_assert_msg(rc == 0, "load: got %s, want success", err);
}

static void
keys_str(char *out, size_t size, const char *const *keys, size_t n)
{
	size_t	i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, ",", size - strlen(out) - 1);
		strncat(out, keys[i], size - strlen(out) - 1);
	}
}

struct merge_case {
	const char	*name;
	const char	*cur;
	const char	*next;
	const char	*applied;
	const char	*pending;
};

static const struct merge_case merge_cases[] = {
	{ "same", "map_name = a\n", "map_name = a\n", "", "" },
	{ "defaults", "", "", "", "" },
	{ "live string", "map_name = a\n", "map_name = b\n", "map_name", "" },
	{ "live scalars", "", "log_level = debug\ntxt_ttl_min = 5\n"
	    "query_wait = 2s\n", "log_level,query_wait,txt_ttl_min", "" },
	{ "live connection limits", "", "max_connection_age = 1m\n"
	    "max_connections_per_uid = 9\nreply_timeout = 1s\n",
	    "reply_timeout,max_connection_age,max_connections_per_uid", "" },
	{ "restart list", "listen = 127.0.0.1:1\n",
	    "listen = 127.0.0.1:1\nlisten = [::1]:1\n", "", "listen" },
	{ "restart servers", "dns_servers = 127.0.0.1\n",
	    "dns_servers = 127.0.0.2\n", "", "dns_servers" },
	{ "restart optional", "", "user = nobody\nca_file = /x\n",
	    "ca_file", "user" },
	{ "restart cleared", "metrics_listen = 127.0.0.1:9\n", "", "",
	    "metrics_listen" },
	{ "restart client caps", "", "control_max_clients = 4\n"
	    "metrics_max_connections = 4\n", "",
	    "metrics_max_connections,control_max_clients" },
	{ "mixed", "cache_dir = /a\nmap_name = a\n",
	    "cache_dir = /b\nmap_name = b\ncache_map_size = 2G\n",
	    "map_name", "cache_dir,cache_map_size" },
};

/*
 * Reload: live keys take next's value, restart keys keep cur's, moved
 * without copying (next ends up with cur's very pointers, cur with next's
 * for freeing).
 */
START_TEST(test_reload_merge)
{
	const struct merge_case	*c = &merge_cases[_i];
	struct config		 cur, next, want_cur, want_next;
	struct config_changes	 ch;
	char			 got[512];

	load_text(&cur, c->cur);
	load_text(&next, c->next);
	want_cur = cur;
	want_next = next;
	config_reload_merge(&cur, &next, &ch);
	keys_str(got, sizeof(got), ch.applied, ch.napplied);
	ck_assert_msg(strcmp(got, c->applied) == 0, "case %s: applied %s, "
	    "want %s", c->name, got, c->applied);
	keys_str(got, sizeof(got), ch.pending, ch.npending);
	ck_assert_msg(strcmp(got, c->pending) == 0, "case %s: pending %s, "
	    "want %s", c->name, got, c->pending);

	/* Restart keys: the running values and pointers stay in force. */
	ck_assert_ptr_eq(next.cache_dir, want_cur.cache_dir);
	ck_assert_ptr_eq(cur.cache_dir, want_next.cache_dir);
	ck_assert_ptr_eq(next.user, want_cur.user);
	ck_assert_ptr_eq(next.metrics_listen, want_cur.metrics_listen);
	ck_assert_ptr_eq(next.dns_servers[0], want_cur.dns_servers[0]);
	ck_assert_uint_eq(next.nlisten, want_cur.nlisten);
	ck_assert_ptr_eq(next.listen[0].text, want_cur.listen[0].text);
	ck_assert(next.cache_map_size == want_cur.cache_map_size);
	/* Live keys: the new values. */
	ck_assert_ptr_eq(next.map_name, want_next.map_name);
	ck_assert_int_eq(next.log_level, want_next.log_level);
	ck_assert_uint_eq(next.txt_ttl_min, want_next.txt_ttl_min);
	ck_assert_uint_eq(next.query_wait_ms, want_next.query_wait_ms);

	/* Each string has one owner: both clears together free all. */
	config_clear(&cur);
	config_clear(&next);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_table, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_loop_test(tc, test_edge_table, 0,
	    sizeof(edge_cases) / sizeof(edge_cases[0]));
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_defaults_and_missing);
	tcase_add_test(tc, test_shipped_file_parses);
	tcase_add_loop_test(tc, test_reload_merge, 0,
	    sizeof(merge_cases) / sizeof(merge_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
