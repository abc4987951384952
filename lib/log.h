/*
 * Log messages from lib/ without printing from lib/.
 *
 * A command's main installs a sink with ann_log_set; lib/ code calls
 * ann_log, which formats only when a sink is set and the level is enabled,
 * so a disabled level costs one comparison. Messages never contain secrets.
 */
#ifndef ANN_LOG_H
#define ANN_LOG_H

#include <stddef.h>

enum ann_log_level {
	ANN_LOG_ERROR = 0,
	ANN_LOG_WARN = 1,
	ANN_LOG_INFO = 2,  /* -v */
	ANN_LOG_DEBUG = 3, /* -vv */
};

typedef void (*ann_log_sink)(enum ann_log_level level, const char *msg);

/* Sends messages of level max and more severe to sink (NULL turns logging off). */
void ann_log_set(ann_log_sink sink, enum ann_log_level max);

/* Returns 1 when messages of this level reach a sink. */
int ann_log_enabled(enum ann_log_level level);

void ann_log(enum ann_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Logs a message about the input record with id[0..id_len) at input line
 * line_no, in the form every command uses for one record:
 * `line 7: record "inv-1": message`. Control characters in the id show as
 * '?', and an id longer than 60 bytes is cut.
 */
void ann_log_record(enum ann_log_level level, size_t line_no, const char *id, size_t id_len,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
