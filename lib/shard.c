#include "shard.h"

#include <string.h>

#include <openssl/evp.h>

#include "err.h"

/* Reads a decimal number of 1 to 7 digits up to stop; returns -1 when malformed. */
static long
parse_count(const char *s, const char *stop)
{
	long v = 0;

	if (s == stop || stop - s > 7)
		return -1;
	for (; s < stop; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
ann_shard_parse(const char *spec, struct ann_shard *out)
{
	const char *slash = strchr(spec, '/');
	long k, n;

	if (slash == NULL)
		return ANN_ERR_INVALID;
	k = parse_count(spec, slash);
	n = parse_count(slash + 1, slash + 1 + strlen(slash + 1));
	if (k < 1 || n < 1 || n > ANN_SHARD_MAX || k > n)
		return ANN_ERR_INVALID;
	out->index = (uint64_t)k;
	out->count = (uint64_t)n;
	return ANN_OK;
}

int
ann_shard_of(const void *key, size_t len, uint64_t count, uint64_t *shard)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	uint64_t h = 0;
	int i;

	if (!EVP_Digest(key, len, digest, &digest_len, EVP_sha256(), NULL) || digest_len < 8)
		return ANN_ERR_NOMEM;
	for (i = 0; i < 8; i++)
		h = h << 8 | digest[i];
	*shard = 1 + h % count;
	return ANN_OK;
}
