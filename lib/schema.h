/*
 * A JSON Schema engine: draft 2020-12 (the default) and draft-07.
 *
 * Use:
 *   1. ann_schema_compile_file() or ann_schema_compile_text() once. The
 *      schema, every schema it references and their regular expressions
 *      are parsed, resolved and compiled here. An invalid schema, a
 *      reference that cannot be resolved and a reference cycle that would
 *      never end are errors naming the schema location.
 *   2. ann_schema_validator_new() for each thread that validates; it holds
 *      the scratch memory and the regex match data.
 *   3. ann_schema_validate_text() or ann_schema_validate() per instance,
 *      with a struct ann_schema_result that is reused between calls.
 *   4. ann_schema_validator_free(), ann_schema_result_release(),
 *      ann_schema_free().
 * A compiled schema is read-only after step 1 and may be shared by threads.
 *
 * References are resolved from memory and local files only: the schema's
 * own file location (relative references), the meta-schemas of the two
 * dialects built in, and schema maps (a URI that starts with a map's
 * prefix is read from the file at the rest of the URI under the map's
 * directory). Nothing is fetched over the network.
 *
 * Numbers are compared exactly on their decimal text (lib/jsonv.h), string
 * lengths count code points, and "pattern" uses PCRE2 with ECMA-262
 * behaviour for \d, \w, \s, "." and "$" (doc/schema.md lists the
 * remaining differences).
 *
 * Errors: the functions return 0 or a negative enum ann_err and fill *e.
 * An invalid instance is not an error: it is reported in the result.
 */
#ifndef ANN_SCHEMA_H
#define ANN_SCHEMA_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "jsonv.h"

enum ann_schema_draft {
	ANN_SCHEMA_DRAFT_AUTO = 0, /* by $schema, else 2020-12 */
	ANN_SCHEMA_DRAFT_7 = 7,
	ANN_SCHEMA_DRAFT_2020_12 = 2020,
};

struct ann_schema_map {
	const char *prefix; /* URI prefix, e.g. "http://localhost:1234/" */
	const char *dir;    /* local directory holding the rest of the URI */
};

/*
 * Parses "PREFIX=DIR", the argument of --schema-map, into map: arg is cut
 * at the '=' and map points into it. A missing '=', prefix or directory
 * is ANN_ERR_CONFIG.
 */
int ann_schema_map_parse(char *arg, struct ann_schema_map *map, struct ann_error *e);

struct ann_schema_options {
	enum ann_schema_draft draft;   /* dialect for schemas without $schema */
	int assert_formats;            /* 1: "format" is an assertion */
	const struct ann_schema_map *maps;
	size_t n_maps;
};

struct ann_schema;
struct ann_schema_validator;

int ann_schema_compile_file(struct ann_schema **out, const char *path,
    const struct ann_schema_options *opts, struct ann_error *e);

/*
 * Compiles the schema text s[0..n). base_uri (may be NULL) is the URI the
 * schema was retrieved from, used for relative references.
 */
int ann_schema_compile_text(struct ann_schema **out, const char *s, size_t n,
    const char *base_uri, const struct ann_schema_options *opts, struct ann_error *e);

void ann_schema_free(struct ann_schema *schema);

/* One error in the "basic" output format; strings live in the result. */
struct ann_schema_error {
	const char *instance_location; /* JSON Pointer into the instance */
	const char *keyword_location;  /* path of keywords from the root */
	const char *absolute_location; /* URI of the keyword, or NULL */
	const char *message;
};

struct ann_schema_result {
	int valid;
	int validated;  /* 0 when validation could not run (see validate_text) */
	struct ann_schema_error *errors;
	size_t n_errors;
	size_t cap_errors;
	struct ann_buf text;   /* backing store of the error strings */
	size_t *offsets;       /* 4 per error into text, while collecting */
};

void ann_schema_result_init(struct ann_schema_result *r);
void ann_schema_result_release(struct ann_schema_result *r);

/*
 * Appends the result as JSON: {"valid":true|false,"errors":[{
 * "instanceLocation","keywordLocation","absoluteKeywordLocation",
 * "error"}...]}.
 */
int ann_schema_result_json(const struct ann_schema_result *r, struct ann_buf *out);

/*
 * max_errors caps the errors collected per instance (0: no cap); with 1
 * the validator stops at the first failure, which is the fastest way to
 * get a verdict only.
 */
int ann_schema_validator_new(struct ann_schema_validator **out, const struct ann_schema *schema,
    size_t max_errors, struct ann_error *e);
void ann_schema_validator_free(struct ann_schema_validator *v);

/* Validates an instance held in a tree. */
int ann_schema_validate(struct ann_schema_validator *v, const struct ann_jsonv *instance,
    struct ann_schema_result *r, struct ann_error *e);

/* Parses s[0..n) as JSON and validates it; a syntax error is ANN_ERR_SYNTAX. */
int ann_schema_validate_text(struct ann_schema_validator *v, const char *s, size_t n,
    struct ann_schema_result *r, struct ann_error *e);

/*
 * Instance types as bits. ANN_SCHEMA_NUMBER is any number and always
 * comes with ANN_SCHEMA_INTEGER; ANN_SCHEMA_INTEGER alone is a number
 * without a fractional part (1.0 counts, as in "type": "integer").
 */
enum ann_schema_type {
	ANN_SCHEMA_NULL = 1 << 0,
	ANN_SCHEMA_BOOLEAN = 1 << 1,
	ANN_SCHEMA_OBJECT = 1 << 2,
	ANN_SCHEMA_ARRAY = 1 << 3,
	ANN_SCHEMA_NUMBER = 1 << 4,
	ANN_SCHEMA_STRING = 1 << 5,
	ANN_SCHEMA_INTEGER = 1 << 6,
};
#define ANN_SCHEMA_ANY_TYPE 0x7fu

/*
 * Sets *types to the types the schema allows for the value at the JSON
 * Pointer pointer of an instance (RFC 6901, "" is the root), read from
 * the schema alone. It reads type, const and enum through $ref, allOf,
 * anyOf, oneOf, properties, patternProperties, additionalProperties,
 * prefixItems and items (lib/schema_types.c lists what is not followed). The result is
 * ANN_SCHEMA_ANY_TYPE where the schema does not restrict the type, and 0
 * where no value may be (a false schema, or additionalProperties false).
 * An invalid pointer is ANN_ERR_INVALID.
 */
int ann_schema_types_at(const struct ann_schema *schema, const char *pointer, unsigned *types,
    struct ann_error *e);

/* Format checks, shared with the "format" keyword. name is e.g. "date". */
int ann_schema_format_known(const char *name);
int ann_schema_format_check(const char *name, const char *s, size_t n);

/*
 * Translates an ECMA-262 pattern to PCRE2 syntax (appended to out).
 * Returns ANN_ERR_INVALID, with *e naming the fault, when the pattern is
 * not a valid ECMA-262 regular expression in Unicode mode.
 */
int ann_schema_regex_translate(const char *pattern, size_t n, struct ann_buf *out,
    struct ann_error *e);

#endif
