/*
 * A JSON value tree that keeps every number exact.
 *
 * cJSON turns numbers into doubles, which loses digits above 2^53 and makes
 * 0.1 inexact; the schema engine needs the decimal value itself. Here each
 * number keeps its normalised decimal form (digits and a power of ten), and
 * strings are decoded to UTF-8 with an explicit length.
 *
 * Memory: every node, string and child array lives in the document's arena,
 * which ann_jsonv_doc_reset() empties (keeping the memory for the next
 * parse) and ann_jsonv_doc_release() frees. Values are valid until then.
 *
 * The parser checks the full RFC 8259 grammar on its own, so it is safe on
 * any bytes: malformed text, bad UTF-8 or nesting deeper than
 * ANN_JSON_MAX_DEPTH fail with ANN_ERR_SYNTAX (or ANN_ERR_TOO_LARGE) and a
 * message naming the byte offset.
 */
#ifndef ANN_JSONV_H
#define ANN_JSONV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "json.h"

/*
 * A decimal number: value = (neg ? -1 : 1) * digits * 10^exp, where digits
 * has no leading and no trailing zeros. Zero has ndigits 0.
 */
struct ann_decnum {
	const char *digits; /* ASCII '1'..'9' first, not NUL-terminated */
	size_t ndigits;
	int64_t exp;        /* saturates at +-ANN_DECNUM_EXP_MAX */
	int neg;
};

#define ANN_DECNUM_EXP_MAX ((int64_t)1 << 50)

struct ann_jsonv_member;

struct ann_jsonv {
	enum ann_json_type type;
	size_t n;     /* string: bytes; array: items; object: members */
	union {
		const char *s;                     /* string, NUL after n bytes */
		struct ann_jsonv *items;           /* array */
		struct ann_jsonv_member *members;  /* object */
	} u;
	struct ann_decnum num;   /* number */
	const char *text;        /* number: original literal */
	size_t text_len;
};

struct ann_jsonv_member {
	const char *name;   /* decoded, NUL after name_len bytes */
	size_t name_len;
	uint32_t hash;      /* ann_jsonv_hash(name, name_len) */
	struct ann_jsonv value;
};

struct ann_arena_chunk;

struct ann_jsonv_doc {
	struct ann_arena_chunk *chunks; /* current chunk first */
	struct ann_arena_chunk *spare;  /* emptied chunks kept for reuse */
	struct ann_jsonv *stack;        /* children being collected while parsing */
	size_t stack_n, stack_cap;
	struct ann_jsonv_member *mstack;
	size_t mstack_n, mstack_cap;
	struct ann_jsonv *root;
};

void ann_jsonv_doc_init(struct ann_jsonv_doc *d);
void ann_jsonv_doc_reset(struct ann_jsonv_doc *d);
void ann_jsonv_doc_release(struct ann_jsonv_doc *d);

/* Allocates n bytes (8-aligned) from the document's arena, or NULL. */
void *ann_jsonv_alloc(struct ann_jsonv_doc *d, size_t n);

/*
 * Parses s[0..n) as one JSON value (surrounding whitespace allowed) into
 * d, replacing what d held; *root points at the result.
 */
int ann_jsonv_parse(struct ann_jsonv_doc *d, const char *s, size_t n,
    const struct ann_jsonv **root, struct ann_error *e);

/* Returns the member named name[0..len) of object v, or NULL. */
const struct ann_jsonv *ann_jsonv_get(const struct ann_jsonv *v, const char *name, size_t len);

/* Like ann_jsonv_get with a NUL-terminated name. */
const struct ann_jsonv *ann_jsonv_gets(const struct ann_jsonv *v, const char *name);

/* Returns the FNV-1a hash of s[0..n), the hash stored in each member. */
uint32_t ann_jsonv_hash(const char *s, size_t n);

/* Returns 1 when a and b are equal as JSON values (1 and 1.0 are equal). */
int ann_jsonv_equal(const struct ann_jsonv *a, const struct ann_jsonv *b);

/* Returns a hash consistent with ann_jsonv_equal. */
uint32_t ann_jsonv_value_hash(const struct ann_jsonv *v);

/* Appends v as compact JSON text; numbers keep their original literal. */
int ann_jsonv_write(struct ann_buf *out, const struct ann_jsonv *v);

/* Returns the number of Unicode code points in the UTF-8 text s[0..n). */
size_t ann_utf8_count(const char *s, size_t n);

/*
 * Decimal arithmetic on struct ann_decnum (lib/decnum.c).
 */

/* Fills *d from the JSON number literal s[0..n), which must be valid.
 * The digits are written to scratch, which needs n bytes. */
void ann_decnum_from_literal(struct ann_decnum *d, const char *s, size_t n, char *scratch);

/* Returns <0, 0 or >0 as a is less than, equal to or greater than b. */
int ann_decnum_cmp(const struct ann_decnum *a, const struct ann_decnum *b);

/* Returns 1 when d has no fractional part. */
int ann_decnum_is_integer(const struct ann_decnum *d);

/* Returns 1 when a / b is an integer; b must not be zero. */
int ann_decnum_is_multiple(const struct ann_decnum *a, const struct ann_decnum *b);

#endif
