#include "buf.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char ann_buf_empty[1];

void
ann_buf_init(struct ann_buf *b, size_t max)
{
	b->data = ann_buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : ANN_BUF_MAX_DEFAULT;
}

void
ann_buf_release(struct ann_buf *b)
{
	if (b->cap)
		free(b->data);
	ann_buf_init(b, b->max);
}

void
ann_buf_reset(struct ann_buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

char *
ann_buf_detach(struct ann_buf *b, size_t *len_out)
{
	char *p;

	if (len_out)
		*len_out = b->len;
	if (b->cap == 0) {
		p = strdup("");
	} else {
		p = b->data;
	}
	ann_buf_init(b, b->max);
	return p;
}

int
ann_buf_grow(struct ann_buf *b, size_t extra)
{
	size_t want;
	size_t cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return ANN_ERR_TOO_LARGE;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return ANN_OK;

	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;

	p = b->cap ? realloc(b->data, cap) : malloc(cap);
	if (p == NULL)
		return ANN_ERR_NOMEM;
	if (b->cap == 0)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return ANN_OK;
}

int
ann_buf_add(struct ann_buf *b, const void *p, size_t n)
{
	int rc;

	if (n == 0)
		return ANN_OK;
	rc = ann_buf_grow(b, n);
	if (rc)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ANN_OK;
}

int
ann_buf_adds(struct ann_buf *b, const char *s)
{
	return ann_buf_add(b, s, strlen(s));
}

int
ann_buf_addc(struct ann_buf *b, char c)
{
	return ann_buf_add(b, &c, 1);
}

int
ann_buf_vaddf(struct ann_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	int rc;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return ANN_ERR_INVALID;
	rc = ann_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return ANN_OK;
}

int
ann_buf_addf(struct ann_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ann_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
ann_buf_truncate(struct ann_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

int
ann_buf_add_json_string(struct ann_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = b->len;
	size_t i;
	int rc = ann_buf_addc(b, '"');

	for (i = 0; rc == ANN_OK && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = "\\u00";

		switch (c) {
		case '"': rc = ann_buf_add(b, "\\\"", 2); break;
		case '\\': rc = ann_buf_add(b, "\\\\", 2); break;
		case '\n': rc = ann_buf_add(b, "\\n", 2); break;
		case '\r': rc = ann_buf_add(b, "\\r", 2); break;
		case '\t': rc = ann_buf_add(b, "\\t", 2); break;
		case '\b': rc = ann_buf_add(b, "\\b", 2); break;
		case '\f': rc = ann_buf_add(b, "\\f", 2); break;
		default:
			if (c < 0x20) {
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				rc = ann_buf_add(b, esc, 6);
			} else {
				rc = ann_buf_addc(b, (char)c);
			}
		}
	}
	if (rc == ANN_OK)
		rc = ann_buf_addc(b, '"');
	if (rc)
		ann_buf_truncate(b, start);
	return rc;
}

int
ann_buf_add_json_number(struct ann_buf *b, double d)
{
	char tmp[32];
	int prec;

	if (!isfinite(d))
		return ANN_ERR_INVALID;
	if (d == 0)
		return ann_buf_adds(b, signbit(d) ? "-0" : "0");
	if (d == floor(d) && fabs(d) <= 9007199254740992.0)
		return ann_buf_addf(b, "%.0f", d);

	/* The shortest %.*g that reads back exactly; 17 digits always does. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return ann_buf_adds(b, tmp);
}
