/*
 * Navigation inside JSON text that the strict scanner already accepted.
 *
 * Values are located as byte spans [start, end) of the original text, so
 * a value can be copied into a record byte for byte: numbers keep their
 * digits (an invoice number past 2^53 stays exact) and strings keep their
 * escapes. The functions assume valid JSON; on text that is not valid they
 * return ANN_ERR_SYNTAX or ANN_ERR_NOT_FOUND but never read past s[n).
 */
#ifndef ANN_JSPAN_H
#define ANN_JSPAN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

struct ann_jspan {
	size_t start;
	size_t end;
};

/* Returns the offset just past the value starting at or after p (leading
 * whitespace is skipped; *start gets the value's first byte), or 0 when
 * the text ends first. */
size_t ann_jspan_skip(const char *s, size_t n, size_t p, size_t *start);

/* Finds member name (compared after decoding escapes) of the object at
 * span obj; ANN_ERR_NOT_FOUND when absent or obj is not an object. */
int ann_jspan_member(const char *s, size_t n, struct ann_jspan obj, const char *name,
    struct ann_jspan *out);

/* Finds element i of the array at span arr. */
int ann_jspan_index(const char *s, size_t n, struct ann_jspan arr, size_t i,
    struct ann_jspan *out);

/* Follows a path of member names ("output", "message", ...) and array
 * indexes written as "#0", "#1", ... from span root. */
int ann_jspan_path(const char *s, size_t n, struct ann_jspan root, const char *const *path,
    size_t depth, struct ann_jspan *out);

/* Appends the valid JSON text s[0..n) without the whitespace between
 * tokens, so a value spread over lines fits in one JSONL record; the
 * tokens themselves are copied byte for byte. */
int ann_jspan_compact(struct ann_buf *out, const char *s, size_t n);

/*
 * Turns the items of v, which cJSON parsed from the valid JSON text
 * s[0..n), that cJSON cannot print back as written into raw items holding
 * their text from s, so printing v gives the original values:
 *   - every number: cJSON 1.7.15 prints a double with 15 significant
 *     digits whenever that reads back within an epsilon, so
 *     9007199254740991 becomes 9.00719925474099e+15 and
 *     1.7976931348623157e308 a number that reads back as infinity;
 *   - every string holding U+0000, where a cJSON string ends.
 * cJSON_IsNumber and cJSON_IsString return false for the raw items, so
 * call this only on trees that are copied, not read.
 * NOTE: a member name holding U+0000 is still cut there.
 * Returns ANN_OK, ANN_ERR_NOMEM, or ANN_ERR_SYNTAX when v does not match
 * the text.
 */
int ann_jspan_keep_as_written(cJSON *v, const char *s, size_t n);

#endif
