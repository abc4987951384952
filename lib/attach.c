#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
ann_attachment_init(struct ann_attachment *a)
{
	memset(a, 0, sizeof *a);
}

void
ann_attachment_release(struct ann_attachment *a)
{
	free(a->path);
	free(a->data);
	ann_attachment_init(a);
}

size_t
ann_base64_len(size_t n)
{
	return (n / 3 + (n % 3 != 0)) * 4;
}

int
ann_base64_add(struct ann_buf *out, const unsigned char *p, size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	char *d;
	int rc;

	rc = ann_buf_grow(out, ann_base64_len(n));
	if (rc)
		return rc;
	d = out->data + out->len;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*d++ = alphabet[v >> 18];
		*d++ = alphabet[(v >> 12) & 63];
		*d++ = alphabet[(v >> 6) & 63];
		*d++ = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		*d++ = alphabet[v >> 18];
		*d++ = alphabet[(v >> 12) & 63];
		*d++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		*d++ = '=';
	}
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
	return ANN_OK;
}

struct file_type {
	enum ann_attach_kind kind;
	const char *media_type;
	const char *format;
};

static const struct file_type png = { ANN_ATTACH_IMAGE, "image/png", "png" };
static const struct file_type jpeg = { ANN_ATTACH_IMAGE, "image/jpeg", "jpeg" };
static const struct file_type gif = { ANN_ATTACH_IMAGE, "image/gif", "gif" };
static const struct file_type webp = { ANN_ATTACH_IMAGE, "image/webp", "webp" };
static const struct file_type pdf = { ANN_ATTACH_DOCUMENT, "application/pdf", "pdf" };

/* Detects the type from the file's first bytes (its magic number). */
static const struct file_type *
detect(const unsigned char *p, size_t n)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return &png;
	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return &jpeg;
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return &gif;
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return &webp;
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return &pdf;
	return NULL;
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Reads width and height from the JPEG frame header (a SOFn marker). */
static int
jpeg_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	size_t i = 2;

	while (i + 4 <= n) {
		unsigned marker;

		if (p[i] != 0xFF)
			return -1;
		while (i < n && p[i] == 0xFF)
			i++;
		if (i >= n)
			return -1;
		marker = p[i++];
		if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
			continue;
		if (marker == 0xD9 || marker == 0xDA || i + 2 > n)
			return -1;
		/* SOF0..SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC). */
		if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
		    marker != 0xCC) {
			if (i + 7 > n)
				return -1;
			*h = be16(p + i + 3);
			*w = be16(p + i + 5);
			return 0;
		}
		i += be16(p + i);
	}
	return -1;
}

/* Reads width and height from a WebP file's VP8, VP8L or VP8X chunk. */
static int
webp_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	if (n < 25)
		return -1;
	if (memcmp(p + 12, "VP8 ", 4) == 0) {
		if (n < 30 || p[23] != 0x9D || p[24] != 0x01 || p[25] != 0x2A)
			return -1;
		*w = le16(p + 26) & 0x3FFF;
		*h = le16(p + 28) & 0x3FFF;
		return 0;
	}
	if (memcmp(p + 12, "VP8L", 4) == 0) {
		uint32_t bits;

		if (p[20] != 0x2F)
			return -1;
		bits = le32(p + 21);
		*w = (bits & 0x3FFF) + 1;
		*h = ((bits >> 14) & 0x3FFF) + 1;
		return 0;
	}
	if (memcmp(p + 12, "VP8X", 4) == 0) {
		if (n < 30)
			return -1;
		*w = ((unsigned)p[24] | (unsigned)p[25] << 8 | (unsigned)p[26] << 16) + 1;
		*h = ((unsigned)p[27] | (unsigned)p[28] << 8 | (unsigned)p[29] << 16) + 1;
		return 0;
	}
	return -1;
}

static int
image_size(const struct file_type *t, const unsigned char *p, size_t n,
    unsigned *w, unsigned *h)
{
	if (t == &png) {
		if (n < 24 || memcmp(p + 12, "IHDR", 4) != 0)
			return -1;
		*w = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
		*h = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
		return 0;
	}
	if (t == &gif) {
		if (n < 10)
			return -1;
		*w = le16(p + 6);
		*h = le16(p + 8);
		return 0;
	}
	if (t == &webp)
		return webp_size(p, n, w, h);
	return jpeg_size(p, n, w, h);
}

/* Rejects absolute paths and ".." components before touching the file system. */
static int
check_relative(const char *path, struct ann_error *e)
{
	const char *s = path;

	if (path[0] == '\0')
		return ann_error_set(e, ANN_ERR_INVALID, "attachment path is empty");
	if (path[0] == '/')
		return ann_error_set(e, ANN_ERR_INVALID,
		    "attachment \"%s\": absolute paths are not allowed; give a path "
		    "relative to the root directory", path);
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return ann_error_set(e, ANN_ERR_INVALID,
			    "attachment \"%s\": \"..\" is not allowed in attachment paths",
			    path);
		s += n;
		if (*s == '/')
			s++;
	}
	return ANN_OK;
}

/* Resolves path under root_real into a malloc'd absolute path without links. */
static int
resolve(const char *root_real, const char *path, char **out, struct ann_error *e)
{
	struct ann_buf joined = ANN_BUF_INIT;
	size_t rlen = strlen(root_real);
	char *real;
	int rc;

	*out = NULL;
	rc = check_relative(path, e);
	if (rc)
		return rc;
	rc = ann_buf_addf(&joined, "%s/%s", root_real, path);
	if (rc) {
		ann_buf_release(&joined);
		return ann_error_set(e, rc, "attachment \"%s\": path too long", path);
	}
	real = realpath(joined.data, NULL);
	ann_buf_release(&joined);
	if (real == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ann_error_set(e, ANN_ERR_NOT_FOUND,
			    "attachment \"%s\": file not found under the root directory \"%s\"",
			    path, root_real);
		return ann_error_set(e, ANN_ERR_IO, "attachment \"%s\": %s", path,
		    strerror(errno));
	}

	/* A symbolic link inside the root may point anywhere. */
	if (!(strcmp(root_real, "/") == 0 ||
	    (strncmp(real, root_real, rlen) == 0 && real[rlen] == '/'))) {
		rc = ann_error_set(e, ANN_ERR_INVALID,
		    "attachment \"%s\": resolves to a file outside the root directory \"%s\"",
		    path, root_real);
		free(real);
		return rc;
	}
	*out = real;
	return ANN_OK;
}

static int
read_all(int fd, unsigned char *p, size_t want, size_t *got)
{
	size_t n = 0;

	while (n < want) {
		ssize_t r = read(fd, p + n, want - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return 0;
}

static int
check_size(const struct file_type *t, const char *path, size_t size, struct ann_error *e)
{
	if (t->kind == ANN_ATTACH_IMAGE && size > ANN_ATTACH_IMAGE_RAW_MAX)
		return ann_error_set(e, ANN_ERR_TOO_LARGE,
		    "attachment \"%s\": image of %zu bytes is %zu bytes as base64, over "
		    "Bedrock's limit of %zu (%zu bytes before encoding)", path, size,
		    ann_base64_len(size), ANN_ATTACH_IMAGE_BASE64_MAX, ANN_ATTACH_IMAGE_RAW_MAX);
	/* NOTE: whether Bedrock measures the 4.5 MiB on the file or on its base64 text is unverified. */
	if (t->kind == ANN_ATTACH_DOCUMENT && size > ANN_ATTACH_DOCUMENT_RAW_MAX)
		return ann_error_set(e, ANN_ERR_TOO_LARGE,
		    "attachment \"%s\": document of %zu bytes is over Bedrock's limit of "
		    "%zu bytes (4.5 MiB)", path, size, ANN_ATTACH_DOCUMENT_RAW_MAX);
	return ANN_OK;
}

int
ann_attach_load(struct ann_attachment *a, const char *root_real, const char *path,
    struct ann_error *e)
{
	const struct file_type *t;
	unsigned char head[16];
	struct stat st;
	size_t got;
	int fd = -1;
	int rc;

	ann_attachment_init(a);
	rc = resolve(root_real, path, &a->path, e);
	if (rc)
		goto fail;

	fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "attachment \"%s\": %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ann_error_set(e, ANN_ERR_INVALID, "attachment \"%s\": not a regular file", path);
		goto fail;
	}

	if (read_all(fd, head, sizeof head, &got) != 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "attachment \"%s\": %s", path, strerror(errno));
		goto fail;
	}
	t = detect(head, got);
	if (t == NULL) {
		rc = ann_error_set(e, ANN_ERR_INVALID,
		    "attachment \"%s\": unsupported file type; expected PNG, JPEG, GIF, "
		    "WebP or PDF content", path);
		goto fail;
	}
	rc = check_size(t, path, (size_t)st.st_size, e);
	if (rc)
		goto fail;

	/* Read one byte more than the limit allows, to catch a file that grew. */
	a->data = malloc((size_t)st.st_size + 1);
	if (a->data == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "attachment \"%s\": out of memory", path);
		goto fail;
	}
	memcpy(a->data, head, got);
	if (read_all(fd, a->data + got, (size_t)st.st_size + 1 - got, &a->size) != 0) {
		rc = ann_error_set(e, ANN_ERR_IO, "attachment \"%s\": %s", path, strerror(errno));
		goto fail;
	}
	a->size += got;
	rc = check_size(t, path, a->size, e);
	if (rc)
		goto fail;

	a->kind = t->kind;
	a->media_type = t->media_type;
	a->format = t->format;
	if (t->kind == ANN_ATTACH_IMAGE) {
		if (image_size(t, a->data, a->size, &a->width, &a->height) != 0) {
			rc = ann_error_set(e, ANN_ERR_INVALID,
			    "attachment \"%s\": cannot read the %s image's width and height "
			    "(truncated or corrupt file)", path, t->format);
			goto fail;
		}
		if (a->width > ANN_ATTACH_IMAGE_SIDE_MAX || a->height > ANN_ATTACH_IMAGE_SIDE_MAX) {
			rc = ann_error_set(e, ANN_ERR_TOO_LARGE,
			    "attachment \"%s\": image is %ux%u pixels, over Bedrock's limit of "
			    "%d pixels per side", path, a->width, a->height,
			    ANN_ATTACH_IMAGE_SIDE_MAX);
			goto fail;
		}
	}
	close(fd);
	return ANN_OK;
fail:
	if (fd >= 0)
		close(fd);
	ann_attachment_release(a);
	return rc;
}

static int
name_char_allowed(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '(' || c == ')' || c == '[' || c == ']';
}

int
ann_attach_document_name(struct ann_buf *out, const char *file, size_t index)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	size_t start = out->len;
	size_t i;
	int pending_space = 0;
	int rc = ANN_OK;

	for (i = 0; rc == ANN_OK && i < n; i++) {
		unsigned char c = (unsigned char)base[i];

		if (!name_char_allowed(c)) {
			pending_space = out->len > start;
			continue;
		}
		if (out->len - start + (size_t)pending_space + 1 > ANN_ATTACH_NAME_MAX)
			break;
		if (pending_space)
			rc = ann_buf_addc(out, ' ');
		pending_space = 0;
		if (rc == ANN_OK)
			rc = ann_buf_addc(out, (char)c);
	}
	if (rc == ANN_OK && out->len == start)
		rc = ann_buf_addf(out, "document-%zu", index);
	return rc;
}
