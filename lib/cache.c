#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* An entry larger than this is not a response we wrote. */
#define MAX_ENTRY ((size_t)256 << 20)

int
ann_cache_open(struct ann_cache *c, const char *dir, struct ann_error *e)
{
	struct stat st;

	c->dir = NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ann_error_set(e, ANN_ERR_CONFIG, "cannot create cache directory %s: %s",
		    dir, strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return ann_error_set(e, ANN_ERR_CONFIG, "cache path is not a directory: %s", dir);
	c->dir = strdup(dir);
	if (c->dir == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory opening cache");
	return ANN_OK;
}

void
ann_cache_close(struct ann_cache *c)
{
	free(c->dir);
	c->dir = NULL;
}

void
ann_cache_key(char key[ANN_CACHE_KEY_LEN + 1], const char *provider, const char *model,
    const char *body, size_t body_len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[32];
	unsigned int digest_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;

	/* NUL separators keep ("ab", "c") and ("a", "bc") apart. */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, provider, strlen(provider) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, model, strlen(model) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, body, body_len) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != 32)
		memset(digest, 0, sizeof digest);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 32; i++) {
		key[2 * i] = hex[digest[i] >> 4];
		key[2 * i + 1] = hex[digest[i] & 15];
	}
	key[ANN_CACHE_KEY_LEN] = '\0';
}

static int
entry_path(struct ann_buf *out, const struct ann_cache *c, const char *key)
{
	return ann_buf_addf(out, "%s/%.2s/%s", c->dir, key, key);
}

int
ann_cache_get(const struct ann_cache *c, const char *key, struct ann_buf *out,
    struct ann_error *e)
{
	struct ann_buf path = ANN_BUF_INIT;
	struct stat st;
	int fd = -1;
	int rc;

	rc = entry_path(&path, c, key);
	if (rc) {
		ann_error_set(e, rc, "out of memory reading cache");
		goto done;
	}
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? ANN_ERR_NOT_FOUND : ANN_ERR_IO;
		ann_error_set(e, rc, "cannot open cache entry %s: %s", path.data, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > MAX_ENTRY) {
		rc = ann_error_set(e, ANN_ERR_IO, "cache entry %s is unreadable or too large",
		    path.data);
		goto done;
	}
	rc = ann_buf_grow(out, (size_t)st.st_size);
	if (rc) {
		ann_error_set(e, rc, "out of memory reading cache entry %s", path.data);
		goto done;
	}
	for (;;) {
		ssize_t got;

		rc = ann_buf_grow(out, 4096);
		if (rc) {
			ann_error_set(e, rc, "out of memory reading cache entry %s", path.data);
			goto done;
		}
		got = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = ann_error_set(e, ANN_ERR_IO, "read failed on cache entry %s: %s",
			    path.data, strerror(errno));
			goto done;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
		out->data[out->len] = '\0';
	}
	rc = ANN_OK;
done:
	if (fd >= 0)
		close(fd);
	ann_buf_release(&path);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t put = write(fd, p, n);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return -1;
		p += put;
		n -= (size_t)put;
	}
	return 0;
}

int
ann_cache_put(const struct ann_cache *c, const char *key, const char *data, size_t len,
    struct ann_error *e)
{
	struct ann_buf path = ANN_BUF_INIT;
	struct ann_buf tmp = ANN_BUF_INIT;
	int fd = -1;
	int rc;

	rc = ann_buf_addf(&path, "%s/%.2s", c->dir, key);
	if (rc == ANN_OK && mkdir(path.data, 0700) != 0 && errno != EEXIST) {
		rc = ann_error_set(e, ANN_ERR_IO, "cannot create cache directory %s: %s",
		    path.data, strerror(errno));
		goto done;
	}
	if (rc == ANN_OK)
		rc = ann_buf_addf(&tmp, "%s/.tmp.%s.XXXXXX", path.data, key);
	if (rc == ANN_OK) {
		ann_buf_reset(&path);
		rc = entry_path(&path, c, key);
	}
	if (rc) {
		ann_error_set(e, rc, "out of memory writing cache");
		goto done;
	}

	fd = mkstemp(tmp.data);
	if (fd < 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "cannot create cache file in %s: %s", c->dir,
		    strerror(errno));
		goto done;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "write failed on cache file %s: %s", tmp.data,
		    strerror(errno));
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = ann_error_set(e, ANN_ERR_IO, "write failed on cache file %s: %s", tmp.data,
		    strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp.data, path.data) != 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "cannot rename cache file to %s: %s", path.data,
		    strerror(errno));
		goto done;
	}
	rc = ANN_OK;
done:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.len > 0)
		unlink(tmp.data);
	ann_buf_release(&tmp);
	ann_buf_release(&path);
	return rc;
}
