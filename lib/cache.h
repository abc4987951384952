/*
 * A response cache on disk, so a rerun pays only for requests it has not
 * seen answered.
 *
 * The key is the SHA-256 of the provider name, the model id and the exact
 * request body, each followed by a NUL byte. An entry is the response body
 * as received, stored as DIR/xx/<64 hex digits> where xx are the key's
 * first two digits. An entry is written to a temporary file in the same
 * directory, flushed with fsync and renamed over its name, so a reader
 * sees the whole entry or none, even after a crash or kill -9 in the
 * middle of a write. Temporary files left by a killed writer start with
 * ".tmp." and are never read.
 *
 * Errors: functions return 0 or a negative enum ann_err and fill *e; a
 * missing entry is ANN_ERR_NOT_FOUND.
 */
#ifndef ANN_CACHE_H
#define ANN_CACHE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define ANN_CACHE_KEY_LEN 64

struct ann_cache {
	char *dir;
};

/* Opens dir, creating it (and its parents' last level) when missing. */
int ann_cache_open(struct ann_cache *c, const char *dir, struct ann_error *e);
void ann_cache_close(struct ann_cache *c);

/* Computes the key of a request. */
void ann_cache_key(char key[ANN_CACHE_KEY_LEN + 1], const char *provider, const char *model,
    const char *body, size_t body_len);

/* Appends the entry for key to out; ANN_ERR_NOT_FOUND when there is none. */
int ann_cache_get(const struct ann_cache *c, const char *key, struct ann_buf *out,
    struct ann_error *e);

/* Stores data[0..len) under key atomically. */
int ann_cache_put(const struct ann_cache *c, const char *key, const char *data, size_t len,
    struct ann_error *e);

#endif
