/*
 * Attachments: image and PDF files named by a record, checked against
 * Amazon Bedrock's limits before any request is made.
 *
 * A path from a record is untrusted. It must be relative, must not contain
 * a ".." component, and must still lie under the root directory once
 * symbolic links are resolved, so a record cannot send an unrelated file to
 * a model. The type comes from the file's first bytes, never from its name.
 *
 * Limits (Bedrock Converse, Message.content; the same numbers bind the
 * InvokeModel Messages body):
 *   - an image's base64 text is at most 5,242,880 bytes (5 MiB), so the
 *     file is at most 3,932,160 bytes (3.75 MiB); width and height are at
 *     most 8000 pixels; at most 20 images per message;
 *   - a document is at most 4,718,592 bytes (4.5 MiB); at most 5 documents
 *     per message.
 *
 * Errors fill struct ann_error with the file as the record named it and
 * the limit: ANN_ERR_NOT_FOUND (missing file), ANN_ERR_INVALID (path
 * escapes the root, not a regular file, unsupported or corrupt content),
 * ANN_ERR_TOO_LARGE (a limit), ANN_ERR_IO (read failure).
 */
#ifndef ANN_ATTACH_H
#define ANN_ATTACH_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define ANN_ATTACH_IMAGE_BASE64_MAX ((size_t)5242880)
#define ANN_ATTACH_IMAGE_RAW_MAX ((size_t)3932160)
#define ANN_ATTACH_IMAGE_SIDE_MAX 8000
#define ANN_ATTACH_IMAGES_PER_MESSAGE 20
#define ANN_ATTACH_DOCUMENT_RAW_MAX ((size_t)4718592)
#define ANN_ATTACH_DOCUMENTS_PER_MESSAGE 5
#define ANN_ATTACH_NAME_MAX 200

enum ann_attach_kind {
	ANN_ATTACH_IMAGE,
	ANN_ATTACH_DOCUMENT,
};

struct ann_attachment {
	enum ann_attach_kind kind;
	const char *media_type; /* "image/png", "application/pdf", ... (static) */
	const char *format;     /* "png", "jpeg", "gif", "webp", "pdf" (static) */
	char *path;             /* resolved absolute path, malloc'd */
	unsigned char *data;    /* file contents, malloc'd */
	size_t size;
	unsigned width;         /* images only */
	unsigned height;
};

void ann_attachment_init(struct ann_attachment *a);
void ann_attachment_release(struct ann_attachment *a);

/*
 * Resolves path under root_real (the root directory's realpath), reads
 * the file, detects its type and checks the per-file limits. On failure
 * *a is left released.
 */
int ann_attach_load(struct ann_attachment *a, const char *root_real, const char *path,
    struct ann_error *e);

/* Returns the base64 length of n bytes (standard alphabet, padded). */
size_t ann_base64_len(size_t n);

/* Appends the standard padded base64 text of p[0..n) to out. */
int ann_base64_add(struct ann_buf *out, const unsigned char *p, size_t n);

/*
 * Appends to out a Bedrock document name made from file (a path): the base
 * name without its extension, with every character other than ASCII
 * letters, digits, '-', '(', ')', '[' and ']' turned into a space, runs of
 * spaces collapsed, ends trimmed, and cut to ANN_ATTACH_NAME_MAX bytes.
 * When nothing remains the name is "document-N" with N = index.
 */
int ann_attach_document_name(struct ann_buf *out, const char *file, size_t index);

#endif
