#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "err.h"

static ann_log_sink log_sink;
static enum ann_log_level log_max = ANN_LOG_WARN;

void
ann_log_set(ann_log_sink sink, enum ann_log_level max)
{
	log_sink = sink;
	log_max = max;
}

int
ann_log_enabled(enum ann_log_level level)
{
	return log_sink != NULL && level <= log_max;
}

void
ann_log(enum ann_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!ann_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_sink(level, msg);
}

void
ann_log_record(enum ann_log_level level, size_t line_no, const char *id, size_t id_len,
    const char *fmt, ...)
{
	char shown[64];
	char msg[1024];
	va_list ap;

	if (!ann_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ann_log(level, "line %zu: record \"%s\": %s", line_no,
	    ann_printable(id, id_len, shown, sizeof shown), msg);
}
