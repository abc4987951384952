/*
 * JSON Pointers (RFC 6901) as ann-eval uses them.
 *
 * A field is named by the pointer of its leaf, with "*" in place of every
 * array index, so the price of every line item is one field, the pointer
 * /items/N/price with N written as "*". The "*" token is what makes this a pattern rather
 * than a pointer; a member actually named "*" is indistinguishable.
 *
 * Errors: functions return ANN_OK or a negative enum ann_err; pointers are
 * checked with ann_eval_pointer_check before use.
 * cJSON ownership: functions here borrow cJSON pointers.
 */
#ifndef ANN_EVAL_POINTER_H
#define ANN_EVAL_POINTER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

/* Returns ANN_OK when ptr is "" or a valid pointer ("/a/b~1c"), else ANN_ERR_INVALID. */
int ann_eval_pointer_check(const char *ptr);

/* Appends "/" and the reference token token[0..len), escaping '~' and '/'. */
int ann_eval_pointer_append(struct ann_buf *path, const char *token, size_t len);

/* Appends "/" and the decimal index. */
int ann_eval_pointer_append_index(struct ann_buf *path, size_t index);

/*
 * Decodes the first reference token of ptr (which must start with '/') into
 * token and sets *rest to the remaining pointer ("" when none is left).
 */
int ann_eval_pointer_first(const char *ptr, struct ann_buf *token, const char **rest);

/* Returns the value ptr names in root, or NULL when there is none. */
const cJSON *ann_eval_pointer_get(const cJSON *root, const char *ptr);

/* Returns 1 when pattern is prefix itself or a leaf below it, token by token. */
int ann_eval_pointer_covers(const char *prefix, const char *pattern);

#endif
