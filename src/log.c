/*
 * log.c: line logging to stderr or syslog.  See log.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int		 log_to_stderr = 1;
static enum log_level	 log_level = LOG_LEVEL_INFO;
static const char	*log_ident = "mta-stsd";

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_init(const char *ident, int to_stderr, enum log_level level)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

static int
syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return LOG_ERR;
	case LOG_LEVEL_WARNING:
		return LOG_WARNING;
	case LOG_LEVEL_INFO:
		return LOG_INFO;
	case LOG_LEVEL_DEBUG:
		return LOG_DEBUG;
	}
	return LOG_ERR;
}

static void
log_vwrite(enum log_level level, const char *suffix, const char *fmt,
    va_list ap)
{
	char		 line[2048];
	int		 n;
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[32];

	if (level > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* A cut line still goes out; it is marked so nobody trusts it. */
	if ((size_t)n >= sizeof(line))
		memcpy(line + sizeof(line) - 5, "...", 4);
	if (!log_to_stderr) {
		if (suffix != NULL)
			syslog(syslog_priority(level), "%s: %s", line, suffix);
		else
			syslog(syslog_priority(level), "%s", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	if (suffix != NULL)
		fprintf(stderr, "%s.%03ldZ %s %s: %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident, level_names[level], line,
		    suffix);
	else
		fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident, level_names[level], line);
	fflush(stderr);
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	 ap;							\
	int	 saved = errno;						\
									\
	va_start(ap, fmt);						\
	log_vwrite(level, with_errno ? strerror(saved) : NULL, fmt, ap);\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_err, LOG_LEVEL_ERROR, 1)
LOG_FN(log_errx, LOG_LEVEL_ERROR, 0)
LOG_FN(log_warn, LOG_LEVEL_WARNING, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARNING, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug_line, LOG_LEVEL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_esc(struct span s)
{
	/* Four bytes per input byte, "...", the quotes and the NUL. */
	static char	 slots[LOG_ESC_SLOTS][LOG_ESC_MAX * 4 + 6];
	static unsigned	 next;
	char		*out = slots[next++ % LOG_ESC_SLOTS];
	size_t		 n;

	/* Never cut by size: span_esc() keeps 4 bytes of its own. */
	n = span_esc(s, LOG_ESC_MAX, out + 1, sizeof(slots[0]) - 2);
	if (memchr(out + 1, ' ', n) == NULL)
		return out + 1;
	out[0] = '"';
	out[n + 1] = '"';
	out[n + 2] = '\0';
	return out;
}

const char *
log_esc_str(const char *s)
{
	return log_esc(s == NULL ? span_make(NULL, 0) : span_str(s));
}
