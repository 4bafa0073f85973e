/*
 * log.h: one-line `event key=value ...` logging to stderr (foreground) or
 * syslog (detached).
 *
 * Severity: error = our own failure; warning = a remote party misbehaved
 * and it changed an answer; info = state changes; debug = tracing.
 * Peer-controlled text reaches a log line only escaped by span_esc(),
 * the one rule for peer text (buf.h): as a value of its own through
 * log_esc(), or inside a double-quoted value such as reason="..." built
 * with text_append_esc().  Either way it cannot end its value, so a
 * peer cannot add key=value fields or lines of its own.
 * fatal()/fatalx() are for start-up, configuration and broken invariants
 * only: nothing a peer sends may reach them.
 */
#ifndef MTASTSD_LOG_H
#define MTASTSD_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

#define LOG_ESC_MAX	200	/* peer bytes shown before "..." */

/* Start logging; to_stderr selects stderr, otherwise syslog(LOG_MAIL). */
void	log_init(const char *, int, enum log_level);
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
int	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);

void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug_line(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/*
 * Debug lines are the ones on hot paths (every query, every state
 * change): their arguments, log_esc() included, are not even evaluated
 * unless debug logging is on.
 */
#define log_debug(...)							\
	do {								\
		if (log_get_level() >= LOG_LEVEL_DEBUG)			\
			log_debug_line(__VA_ARGS__);			\
	} while (0)
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Untrusted bytes as one log value: at most LOG_ESC_MAX bytes escaped by
 * span_esc() ("..." when cut), wrapped in double quotes when they
 * contain a space, so "key=%s" needs no quotes around it and a value
 * with spaces stays one field.  Returns a pointer into one of a few
 * rotating static buffers, so up to LOG_ESC_SLOTS results may be used
 * in one log call.
 */
#define LOG_ESC_SLOTS	4
const char *log_esc(struct span);
const char *log_esc_str(const char *);

#endif
