/*
 * What every command's main shares: program name, logging to stderr,
 * usage errors, --version, and the output check at exit. This is the one
 * place besides each main that writes to stderr; lib/ never does.
 */
#ifndef ANN_CMD_COMMON_H
#define ANN_CMD_COMMON_H

#include "err.h"
#include "log.h"

/* The command's name, for message prefixes ("ann-validate"). */
extern const char *ann_program;

/*
 * Prepares a command: sets ann_program (and argv[0], so getopt's own
 * messages name the command rather than the path it was run by), keeps
 * the C locale for numbers, ignores SIGPIPE (a closed pipe then shows as
 * EPIPE, ending quietly), and sends lib/ log messages at WARN and above
 * to stderr.
 */
void ann_cli_start(const char *name, char **argv);

/* Prints the hint to run --help after getopt's message; returns ANN_EXIT_USAGE. */
int ann_cli_bad_option(void);

/* Sets the log level from the -q and -v counts: -q errors only, -v info, -vv debug. */
void ann_cli_verbosity(int quiet, int verbose);

/* Prints "prog: message" and a hint to run --help to stderr; returns ANN_EXIT_USAGE. */
int ann_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "prog: message" to stderr. */
void ann_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "prog (ann) VERSION" to stdout; returns ANN_EXIT_OK. */
int ann_cli_version(void);

/*
 * Returns 1, after printing a hint, when stdin is a terminal: a filter
 * waiting for JSONL typed by hand looks hung.
 */
int ann_cli_stdin_is_terminal(void);

/*
 * Opens the one optional input file left after the options (n names at
 * names; none or "-" is standard input) into *fd. Returns -1 on success,
 * else the exit status after printing why: too many files, a file that
 * cannot be opened, or standard input that is a terminal.
 */
int ann_cli_open_input(int n, char **names, int *fd);

/* Parses text as a whole decimal integer in [min, max]; returns 0, or -1 when it is not one. */
int ann_cli_parse_integer(const char *text, long long min, long long max, long long *out);

/* Parses text as a whole number in [min, max] (NaN never is); returns 0, or -1. */
int ann_cli_parse_number(const char *text, double min, double max, double *out);

/* Maps the result of a run to an exit status, printing the error if any. */
int ann_cli_exit_status(int rc, const struct ann_error *e, int broken_pipe,
    size_t failed_records);

#endif
