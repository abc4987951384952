/*
 * Field paths: the leaves of a JSON object, named by JSON Pointer.
 *
 * ann-merge votes, layers and exports an annotation field by field. A field
 * is a value reached from the object through object members only: a
 * string, number, true, false, null, an array (taken whole) or an empty
 * object. Its path is an RFC 6901 JSON Pointer ("/vendor/name", with "~"
 * written "~0" and "/" written "~1"). Values stay as their original bytes,
 * so numbers keep their digits and strings their escapes.
 *
 * Every function here expects JSON that the strict scanner (json.h) has
 * already accepted; it does not check the grammar again. Functions return
 * 0 or a negative enum ann_err.
 */
#ifndef ANN_FIELDS_H
#define ANN_FIELDS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "json.h"

struct ann_field {
	size_t path_off;   /* into ann_fields.paths; NUL-terminated there */
	size_t path_len;
	const char *raw;   /* borrowed: the value's bytes in the caller's text */
	size_t raw_len;
	enum ann_json_type type;
};

/* The fields of one or more objects, in document order. */
struct ann_fields {
	struct ann_field *v;
	size_t n;
	size_t cap;
	struct ann_buf paths;
};

void ann_fields_init(struct ann_fields *f);
void ann_fields_release(struct ann_fields *f);
void ann_fields_reset(struct ann_fields *f);

/*
 * Appends the fields of the JSON value json[0..len) to f, each path
 * prefixed with prefix (a pointer, "" for the root). A value that is not
 * an object is one field with the path prefix itself.
 */
int ann_fields_collect(struct ann_fields *f, const char *json, size_t len,
    const char *prefix);

/* Returns the path of field i. */
const char *ann_fields_path(const struct ann_fields *f, size_t i);

/* Returns the index of the field with path path, or -1. */
long ann_fields_find(const struct ann_fields *f, const char *path);

/*
 * Finds the value at the JSON Pointer pointer inside json[0..len),
 * descending through objects and (by decimal index) arrays. Sets *raw and
 * *raw_len to its bytes and returns ANN_OK, or returns ANN_ERR_NOT_FOUND.
 * A pointer that is not "" and does not start with '/' is ANN_ERR_INVALID.
 */
int ann_json_pointer_get(const char *json, size_t len, const char *pointer,
    const char **raw, size_t *raw_len);

/* Checks that pointer is "" or starts with '/' and has valid ~ escapes. */
int ann_json_pointer_check(const char *pointer);

/* Appends name[0..len) to out as one pointer segment: '/' then the escaped name. */
int ann_json_pointer_add(struct ann_buf *out, const char *name, size_t len);

/*
 * Appends the key that decides whether two values are equal for voting
 * and conflict checks: the decoded text for strings, the shortest double
 * form for numbers below 2^53 in magnitude (so 45000 and 45000.0 match) and the
 * digits themselves beyond that (so ids past 2^53 never collapse), and the
 * bytes without insignificant white space for everything else.
 */
int ann_field_key(struct ann_buf *out, const char *raw, size_t raw_len);

/*
 * Appends one JSON object built from n (path, raw value) pairs, nesting
 * members as the paths give them, in the order given. A pair whose path
 * runs through a member already set to a non-object value, or names a
 * member already set, is left out; skipped (when not NULL, n entries) then
 * gets 1 at its index and 0 elsewhere.
 */
int ann_fields_build(struct ann_buf *out, const char *const *paths,
    const char *const *raws, const size_t *raw_lens, size_t n, unsigned char *skipped);

#endif
