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
};

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

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_table, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_defaults_and_missing);
	tcase_add_test(tc, test_shipped_file_parses);
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
