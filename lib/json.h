/*
 * A strict RFC 8259 scanner that checks JSON text without building a tree.
 *
 * cJSON is lenient (it accepts invalid UTF-8, bad \u escapes, leading
 * zeros and trailing data, keeps the first of duplicate keys) and lossy
 * (numbers become doubles). So every input line is first checked here; the
 * scanner also records where each top-level member's value starts and ends,
 * which lets a command copy the members it does not own byte for byte.
 *
 * What the scanner rejects, with the byte offset of the fault:
 *   - any deviation from the RFC 8259 grammar, trailing data included;
 *   - invalid UTF-8 (overlong forms, surrogates, code points past U+10FFFF);
 *   - bad escapes, including \u escapes that pair surrogates wrongly;
 *   - numbers that overflow a double (1e400): they cannot travel safely;
 *   - nesting deeper than ANN_JSON_MAX_DEPTH;
 *   - duplicate member names in the top-level object (compared decoded).
 * \u0000 is accepted: strings are handled with explicit lengths.
 */
#ifndef ANN_JSON_H
#define ANN_JSON_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define ANN_JSON_MAX_DEPTH 512

enum ann_json_type {
	ANN_JSON_NULL,
	ANN_JSON_FALSE,
	ANN_JSON_TRUE,
	ANN_JSON_NUMBER,
	ANN_JSON_STRING,
	ANN_JSON_ARRAY,
	ANN_JSON_OBJECT,
};

/* A top-level member: its decoded name and the span of its value's bytes. */
struct ann_json_member {
	size_t name_off;    /* into ann_json_members.names */
	size_t name_len;    /* decoded UTF-8 length; may contain NUL bytes */
	size_t start;       /* first byte of the member's key literal */
	size_t value_start; /* first byte of the value */
	size_t value_end;   /* one past the value's last byte */
	enum ann_json_type type;
};

/* The members of one object, in input order. Owns its arrays. */
struct ann_json_members {
	struct ann_json_member *v;
	size_t n;
	size_t cap;
	struct ann_buf names; /* decoded names, NUL after each */
};

void ann_json_members_init(struct ann_json_members *m);
void ann_json_members_release(struct ann_json_members *m);

/* Returns the decoded name of member i as a NUL-terminated string. */
const char *ann_json_member_name(const struct ann_json_members *m, size_t i);

/* Returns the index of the member named name (NUL-terminated), or -1. */
long ann_json_members_find(const struct ann_json_members *m, const char *name);

/*
 * Checks that s[0..n) is exactly one JSON value with optional surrounding
 * whitespace. On failure returns ANN_ERR_SYNTAX (or ANN_ERR_TOO_LARGE for
 * depth), sets *offset (when not NULL) to the byte where it went wrong and
 * describes the fault in *e.
 */
int ann_json_check(const char *s, size_t n, size_t *offset, struct ann_error *e);

/*
 * Like ann_json_check, for a file that a command loads (a schema, rules,
 * examples): text[0..n) is the whole file, or one line of a JSON Lines
 * file with first_line its number (1 for a whole file). A fault is worded
 * the same way for every such file, naming the file, line and column:
 *   schema s.json:3:47: invalid JSON: expected a member name in double
 *   quotes, got '}'
 * what names the kind of file ("schema"), name the file as the user gave it.
 */
int ann_json_check_file(const char *text, size_t n, size_t first_line, const char *what,
    const char *name, struct ann_error *e);

/*
 * Sets *line and *column (both from 1) of byte offset in s. The column
 * counts UTF-8 characters, so a Japanese character is one column.
 */
void ann_json_line_column(const char *s, size_t offset, size_t *line, size_t *column);

/*
 * Like ann_json_check, and also requires the value to be an object and
 * fills *members (which must be initialised; it is reset first) with its
 * top-level members. A duplicate name is ANN_ERR_SYNTAX.
 */
int ann_json_scan_object(const char *s, size_t n, struct ann_json_members *members,
    size_t *offset, struct ann_error *e);

/*
 * Decodes the JSON string literal s[0..n) (quotes included, already checked
 * by the scanner) into UTF-8 appended to out.
 */
int ann_json_string_decode(const char *s, size_t n, struct ann_buf *out);

/* Returns the offset of the first byte of s[0..n) that is not part of
 * well-formed UTF-8, or n when all of it is. */
size_t ann_utf8_check(const char *s, size_t n);

/* Returns the type of the JSON value starting at s[0] (no leading space). */
enum ann_json_type ann_json_type_at(const char *s);

/* Returns the name messages use for type: "null", "boolean", "number", "string", "array" or "object". */
const char *ann_json_type_name(enum ann_json_type type);

/*
 * Writes a description of the JSON text raw[0..len) into out[size] for a
 * message: its type, then its text as ann_printable shows it, cut to fit.
 * Examples: `number 42`, `string "abc"`, `object {"a":1,"b":[...`, `null`.
 * Returns out.
 */
const char *ann_json_describe(const char *raw, size_t len, char *out, size_t size);

#endif
