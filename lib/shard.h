/*
 * Shards: a stable split of a record stream by id, so N processes can
 * each take one part of the same input without talking to each other.
 *
 * A record belongs to shard K of N (K counts from 1) when
 *   K = 1 + (H mod N),
 * where H is the first 8 bytes of the SHA-256 digest of the shard key,
 * read as a big-endian unsigned 64-bit integer. The shard key is the
 * record's decoded id as UTF-8 bytes, or "line:L" (L the 1-based input
 * line number) for a line that has no string id. The rule depends on
 * nothing but the key and N, so any tool can reproduce it, for example:
 *   printf %s "$id" | sha256sum | cut -c1-16   (then 1 + value mod N).
 *
 * Errors: ann_shard_parse returns ANN_ERR_INVALID for a malformed spec;
 * no function fills a struct ann_error, the caller words the message.
 */
#ifndef ANN_SHARD_H
#define ANN_SHARD_H

#include <stddef.h>
#include <stdint.h>

/* Largest shard count ann_shard_parse accepts. */
#define ANN_SHARD_MAX 1000000

struct ann_shard {
	uint64_t index; /* 1 to count */
	uint64_t count; /* 1 to ANN_SHARD_MAX */
};

/* Parses "K/N" with 1 <= K <= N <= ANN_SHARD_MAX (decimal, no signs or spaces). */
int ann_shard_parse(const char *spec, struct ann_shard *out);

/*
 * Sets *shard to the shard, 1 to count, that key[0..len) belongs to.
 * Returns ANN_OK, or ANN_ERR_NOMEM when OpenSSL cannot compute the digest.
 */
int ann_shard_of(const void *key, size_t len, uint64_t count, uint64_t *shard);

#endif
