#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *ann_program = "ann";

static void
log_to_stderr(enum ann_log_level level, const char *msg)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };

	fprintf(stderr, "%s: %s%s\n", ann_program, prefix[level], msg);
}

void
ann_cli_start(const char *name, char **argv)
{
	ann_program = name;
	argv[0] = (char *)name;
	/* Numbers are read and written in the C locale whatever the user's LC_NUMERIC. */
	setlocale(LC_ALL, "C");
	signal(SIGPIPE, SIG_IGN);
	ann_log_set(log_to_stderr, ANN_LOG_WARN);
}

void
ann_cli_verbosity(int quiet, int verbose)
{
	enum ann_log_level level = ANN_LOG_WARN;

	if (quiet)
		level = ANN_LOG_ERROR;
	else if (verbose >= 2)
		level = ANN_LOG_DEBUG;
	else if (verbose == 1)
		level = ANN_LOG_INFO;
	ann_log_set(log_to_stderr, level);
}

static void vprint_error(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void
vprint_error(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ann_program);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
ann_cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
}

int
ann_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", ann_program);
	return ANN_EXIT_USAGE;
}

int
ann_cli_bad_option(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", ann_program);
	return ANN_EXIT_USAGE;
}

int
ann_cli_version(void)
{
	printf("%s (ann) %s\n", ann_program, ANN_VERSION);
	return ANN_EXIT_OK;
}

int
ann_cli_stdin_is_terminal(void)
{
	if (!isatty(STDIN_FILENO))
		return 0;
	fprintf(stderr, "%s: reads JSONL records on standard input; pipe records in, "
	    "or see '%s --help'\n", ann_program, ann_program);
	return 1;
}

int
ann_cli_open_input(int n, char **names, int *fd)
{
	*fd = STDIN_FILENO;
	if (n > 1)
		return ann_cli_usage_error("too many input files; give at most one");
	if (n == 1 && strcmp(names[0], "-") != 0) {
		*fd = open(names[0], O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return ann_cli_usage_error("cannot open \"%s\": %s", names[0], strerror(errno));
		return -1;
	}
	if (ann_cli_stdin_is_terminal())
		return ANN_EXIT_USAGE;
	return -1;
}

int
ann_cli_parse_integer(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
ann_cli_parse_number(const char *text, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

int
ann_cli_exit_status(int rc, const struct ann_error *e, int broken_pipe,
    size_t failed_records)
{
	/* The reader went away (head, a closed pager): end quietly. */
	if (broken_pipe)
		return ANN_EXIT_OK;
	if (rc) {
		ann_cli_error("%s", e->msg);
		return rc == ANN_ERR_CONFIG ? ANN_EXIT_USAGE : ANN_EXIT_SYSTEM;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ann_cli_error("write failed on standard output");
		return ANN_EXIT_SYSTEM;
	}
	return failed_records ? ANN_EXIT_RECORDS : ANN_EXIT_OK;
}
