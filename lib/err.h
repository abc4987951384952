/*
 * Errors in lib/: codes plus a message with context.
 *
 * Nothing in lib/ prints or exits. A function that can fail returns 0 on
 * success or a negative enum ann_err, and fills the caller's struct ann_error
 * (which may be NULL) with a one-line message that names the failing
 * operation and the offending value, never a secret. Each command's main
 * decides what to print and which exit status to use (see ann_exit_status).
 */
#ifndef ANN_ERR_H
#define ANN_ERR_H

#include <stddef.h>

enum ann_err {
	ANN_OK = 0,
	ANN_ERR_NOMEM = -1,     /* allocation failed */
	ANN_ERR_IO = -2,        /* read or write failed; errno-based text */
	ANN_ERR_SYNTAX = -3,    /* input is not valid JSON, UTF-8 or JSONL */
	ANN_ERR_INVALID = -4,   /* well-formed input with a bad value */
	ANN_ERR_TOO_LARGE = -5, /* a size limit was exceeded */
	ANN_ERR_NOT_FOUND = -6, /* a file, member or reference is missing */
	ANN_ERR_CONFIG = -7,    /* settings, credentials or schema unusable */
	ANN_ERR_NETWORK = -8,   /* connection or protocol failure */
	ANN_ERR_EOF = -9,       /* end of input, not a failure */
	ANN_ERR_AGAIN = -10,    /* no input yet on a non-blocking descriptor */
};

/* Maximum message length, including the terminating NUL. */
#define ANN_ERROR_MSG_MAX 512

struct ann_error {
	enum ann_err code;
	char msg[ANN_ERROR_MSG_MAX];
};

#define ANN_ERROR_INIT { ANN_OK, "" }

/*
 * Sets *e (when e is not NULL) to code and the printf-style message, and
 * returns code, so a failing step can `return ann_error_set(...)`.
 * A message longer than the buffer is cut at a UTF-8 character boundary.
 */
int ann_error_set(struct ann_error *e, enum ann_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the message already in *e with more context, "context: old". */
int ann_error_prefix(struct ann_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Copies s[0..len) into out for a message: control characters become '?',
 * and text that does not fit is cut at a UTF-8 character boundary and
 * ends in "...". size must be at least 4. Returns out.
 */
const char *ann_printable(const char *s, size_t len, char *out, size_t size);

/* Returns a short stable name for code ("syntax", "io", ...). */
const char *ann_err_name(enum ann_err code);

/*
 * Exit statuses shared by every command, as doc/cli.md lists them:
 * 0 every record succeeded; 1 the stream was processed but some records
 * ended with an error; 2 usage error (bad option, unreadable schema or
 * template); 3 system error (I/O, memory, configuration or credentials).
 */
enum ann_exit {
	ANN_EXIT_OK = 0,
	ANN_EXIT_RECORDS = 1,
	ANN_EXIT_USAGE = 2,
	ANN_EXIT_SYSTEM = 3,
};

#endif
