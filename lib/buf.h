/*
 * A growable byte buffer with a size cap.
 *
 * Invariants: data is never NULL and data[len] is always '\0', so a buffer
 * can be used as a C string once initialised (it may also hold NUL bytes;
 * len is authoritative). A buffer never grows past max bytes of content;
 * an append that would exceed it fails with ANN_ERR_TOO_LARGE and leaves
 * the buffer unchanged. A failed allocation leaves it unchanged too.
 *
 * Lifecycle: ann_buf_init() or ANN_BUF_INIT, then appends, then
 * ann_buf_release() to free the contents (the struct itself may be reused
 * after another init). ann_buf_reset() empties it and keeps the memory.
 * ann_buf_detach() hands the malloc'd bytes to the caller.
 */
#ifndef ANN_BUF_H
#define ANN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct ann_buf {
	char *data;
	size_t len;
	size_t cap; /* bytes allocated; 0 while data points at the shared "" */
	size_t max; /* cap on len */
};

/* Default cap: 1 GiB, far above any record we expect, below address-space trouble. */
#define ANN_BUF_MAX_DEFAULT ((size_t)1 << 30)

extern char ann_buf_empty[];
#define ANN_BUF_INIT { ann_buf_empty, 0, 0, ANN_BUF_MAX_DEFAULT }

void ann_buf_init(struct ann_buf *b, size_t max);
void ann_buf_release(struct ann_buf *b);
void ann_buf_reset(struct ann_buf *b);

/* Returns the contents as a malloc'd NUL-terminated string (or NULL when out
 * of memory) and leaves b empty. *len_out, when not NULL, gets the length. */
char *ann_buf_detach(struct ann_buf *b, size_t *len_out);

/* Makes room for extra more bytes beyond len without changing len. */
int ann_buf_grow(struct ann_buf *b, size_t extra);

int ann_buf_add(struct ann_buf *b, const void *p, size_t n);
int ann_buf_adds(struct ann_buf *b, const char *s);
int ann_buf_addc(struct ann_buf *b, char c);
int ann_buf_addf(struct ann_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ann_buf_vaddf(struct ann_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Shortens the content to len bytes (len must not exceed b->len). */
void ann_buf_truncate(struct ann_buf *b, size_t len);

/*
 * Appends s (n bytes of valid UTF-8) as a JSON string literal with quotes,
 * escaping '"', '\\' and control characters, and nothing else, so
 * Japanese text stays readable.
 */
int ann_buf_add_json_string(struct ann_buf *b, const char *s, size_t n);

/*
 * Appends d as a JSON number in the shortest form that reads back to the
 * same double; integers up to 2^53 print without exponent or fraction.
 * NaN and infinities have no JSON form and fail with ANN_ERR_INVALID.
 */
int ann_buf_add_json_number(struct ann_buf *b, double d);

#endif
