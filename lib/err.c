#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Drops a UTF-8 sequence left incomplete at the end of s, as vsnprintf
 * leaves one when it truncates in the middle of a character.
 */
static void
trim_partial_utf8(char *s)
{
	size_t len = strlen(s);
	size_t lead = len;
	size_t need;
	unsigned char c;

	while (lead > 0 && len - lead < 4 &&
	    ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	c = (unsigned char)s[lead - 1];
	if (c < 0x80)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (len - (lead - 1) < need)
		s[lead - 1] = '\0';
}

int
ann_error_set(struct ann_error *e, enum ann_err code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	trim_partial_utf8(e->msg);
	return code;
}

/* Appends s to the message, keeping what fits. */
static void
append_bounded(struct ann_error *e, const char *s)
{
	size_t len = strlen(e->msg);
	size_t room = sizeof e->msg - 1 - len;
	size_t n = strlen(s);

	if (n > room)
		n = room;
	memcpy(e->msg + len, s, n);
	e->msg[len + n] = '\0';
}

int
ann_error_prefix(struct ann_error *e, const char *fmt, ...)
{
	char old[ANN_ERROR_MSG_MAX];
	va_list ap;

	if (e == NULL)
		return ANN_OK;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	append_bounded(e, ": ");
	append_bounded(e, old);
	trim_partial_utf8(e->msg);
	return e->code;
}

const char *
ann_printable(const char *s, size_t len, char *out, size_t size)
{
	size_t room = size - 4; /* for "..." and the NUL */
	size_t i;

	if (len < size) {
		room = len;
	} else {
		/* Back up to the start of a UTF-8 character. */
		while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
			room--;
	}
	for (i = 0; i < room; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
	}
	if (room < len) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

const char *
ann_err_name(enum ann_err code)
{
	switch (code) {
	case ANN_OK: return "ok";
	case ANN_ERR_NOMEM: return "nomem";
	case ANN_ERR_IO: return "io";
	case ANN_ERR_SYNTAX: return "syntax";
	case ANN_ERR_INVALID: return "invalid";
	case ANN_ERR_TOO_LARGE: return "too_large";
	case ANN_ERR_NOT_FOUND: return "not_found";
	case ANN_ERR_CONFIG: return "config";
	case ANN_ERR_NETWORK: return "network";
	case ANN_ERR_EOF: return "eof";
	case ANN_ERR_AGAIN: return "again";
	}
	return "unknown";
}
