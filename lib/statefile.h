/*
 * A small text file of state that several processes share: the rate group
 * (lib/ratelimit.h) and the spending budget (lib/budget.h).
 *
 * Callers change the state in one critical section:
 *   1. ann_state_file_lock, which waits for an exclusive flock(2);
 *   2. ann_state_file_read, then ann_state_file_write with the new text;
 *   3. ann_state_file_unlock.
 * flock(2) locks the open file, so the processes must open the same file
 * on one machine, or on a network file system whose flock(2) works across
 * hosts. Per the Linux flock(2) manual, NFS clients since Linux 2.6.12
 * emulate it with fcntl(2) byte-range locks, unless mounted with local_lock.
 *
 * Errors: functions return 0 or a negative enum ann_err with *e filled;
 * every message names the file by its kind and path.
 */
#ifndef ANN_STATEFILE_H
#define ANN_STATEFILE_H

#include <stddef.h>

#include "err.h"

struct ann_state_file {
	int fd;           /* -1 while closed */
	char *path;
	const char *kind; /* "rate group file", "budget file": the file's name in messages */
};

/* Sets f to closed, so ann_state_file_close is safe on it. */
void ann_state_file_init(struct ann_state_file *f);

/*
 * Opens path for reading and writing, creating it empty (mode 0600) when
 * missing. Returns ANN_ERR_CONFIG when it cannot be opened or is not a
 * regular file, ANN_ERR_NOMEM when out of memory.
 */
int ann_state_file_open(struct ann_state_file *f, const char *path, const char *kind,
    struct ann_error *e);
void ann_state_file_close(struct ann_state_file *f);

/* Waits for the exclusive lock. Returns ANN_ERR_IO when flock(2) fails. */
int ann_state_file_lock(struct ann_state_file *f, struct ann_error *e);
void ann_state_file_unlock(struct ann_state_file *f);

/*
 * Reads the whole file into text, a buffer of size bytes, and ends it
 * with a NUL; *len is the length read (0 for an empty file). Returns
 * ANN_ERR_IO when reading fails, ANN_ERR_TOO_LARGE when the file does not
 * fit.
 */
int ann_state_file_read(struct ann_state_file *f, char *text, size_t size, size_t *len,
    struct ann_error *e);

/* Replaces the file's content with text. Returns ANN_ERR_IO when writing fails. */
int ann_state_file_write(struct ann_state_file *f, const char *text, size_t len,
    struct ann_error *e);

#endif
