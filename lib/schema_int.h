/*
 * Internal structures of the schema engine, shared by lib/schema_*.c only.
 *
 * A compiled schema is a graph of struct sch_node, one per schema object
 * (or boolean) reached from the root. Keywords become fields; references
 * become pointers to their target nodes, so validation never looks up a
 * URI or a keyword name. All nodes, strings and tables live in the
 * schema's arena and are freed with it; PCRE2 codes are kept in a list.
 */
#ifndef ANN_SCHEMA_INT_H
#define ANN_SCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "jsonv.h"
#include "schema.h"

/* Vocabularies of draft 2020-12; draft-07 enables the equivalent set. */
enum sch_vocab {
	VOC_CORE = 1 << 0,
	VOC_APPLICATOR = 1 << 1,
	VOC_UNEVALUATED = 1 << 2,
	VOC_VALIDATION = 1 << 3,
	VOC_FORMAT_ANNOTATION = 1 << 4,
	VOC_FORMAT_ASSERTION = 1 << 5,
	VOC_CONTENT = 1 << 6,
	VOC_METADATA = 1 << 7,
};
#define VOC_ALL_2020 (VOC_CORE | VOC_APPLICATOR | VOC_UNEVALUATED | VOC_VALIDATION | \
    VOC_FORMAT_ANNOTATION | VOC_CONTENT | VOC_METADATA)

struct sch_dialect {
	int draft;       /* 7 or 2020 */
	unsigned vocab;  /* enum sch_vocab bits */
};

/* Instance type bits for "type". */
enum {
	T_NULL = 1 << 0,
	T_BOOLEAN = 1 << 1,
	T_OBJECT = 1 << 2,
	T_ARRAY = 1 << 3,
	T_NUMBER = 1 << 4,
	T_STRING = 1 << 5,
	T_INTEGER = 1 << 6,
};

/* Keyword presence bits of a node. */
enum {
	KW_REF = 1ull << 0,
	KW_DYNREF = 1ull << 1,
	KW_TYPE = 1ull << 2,
	KW_CONST = 1ull << 3,
	KW_ENUM = 1ull << 4,
	KW_ALLOF = 1ull << 5,
	KW_ANYOF = 1ull << 6,
	KW_ONEOF = 1ull << 7,
	KW_NOT = 1ull << 8,
	KW_IF = 1ull << 9,
	/* numbers */
	KW_MINIMUM = 1ull << 10,
	KW_MAXIMUM = 1ull << 11,
	KW_EXMIN = 1ull << 12,
	KW_EXMAX = 1ull << 13,
	KW_MULTIPLE = 1ull << 14,
	/* strings */
	KW_MINLEN = 1ull << 15,
	KW_MAXLEN = 1ull << 16,
	KW_PATTERN = 1ull << 17,
	KW_FORMAT = 1ull << 18,
	/* arrays */
	KW_PREFIX = 1ull << 19,
	KW_ITEMS = 1ull << 20,
	KW_CONTAINS = 1ull << 21,
	KW_MINITEMS = 1ull << 22,
	KW_MAXITEMS = 1ull << 23,
	KW_UNIQUE = 1ull << 24,
	KW_UNEVAL_ITEMS = 1ull << 25,
	/* objects */
	KW_PROPS = 1ull << 26,
	KW_PPROPS = 1ull << 27,
	KW_ADDL = 1ull << 28,
	KW_PNAMES = 1ull << 29,
	KW_REQUIRED = 1ull << 30,
	KW_DEPREQ = 1ull << 31,
	KW_DEPSCH = 1ull << 32,
	KW_MINPROPS = 1ull << 33,
	KW_MAXPROPS = 1ull << 34,
	KW_UNEVAL_PROPS = 1ull << 35,
};

#define KW_NUM_MASK (KW_MINIMUM | KW_MAXIMUM | KW_EXMIN | KW_EXMAX | KW_MULTIPLE)
#define KW_STR_MASK (KW_MINLEN | KW_MAXLEN | KW_PATTERN | KW_FORMAT)
#define KW_ARR_MASK (KW_PREFIX | KW_ITEMS | KW_CONTAINS | KW_MINITEMS | KW_MAXITEMS | \
    KW_UNIQUE | KW_UNEVAL_ITEMS)
#define KW_OBJ_MASK (KW_PROPS | KW_PPROPS | KW_ADDL | KW_PNAMES | KW_REQUIRED | KW_DEPREQ | \
    KW_DEPSCH | KW_MINPROPS | KW_MAXPROPS | KW_UNEVAL_PROPS)

struct sch_regex {
	pcre2_code *code;
	const char *source;  /* the ECMA-262 pattern as written */
	const char *segment; /* source escaped as a JSON Pointer segment */
	struct sch_regex *next; /* list of all regexes of a schema */
};

struct sch_node;

/* A name with its hash, for property lookups without strcmp chains. */
struct sch_name {
	const char *name;
	size_t len;
	uint32_t hash;
	const char *segment; /* name escaped as a JSON Pointer segment */
};

struct sch_named_node {
	struct sch_name key;
	struct sch_node *node;
};

struct sch_dep_required {
	struct sch_name key;
	struct sch_name *names;
	size_t n;
};

struct sch_pattern_node {
	struct sch_regex *re;
	struct sch_node *node;
};

struct sch_dyn_anchor {
	int name_id;
	struct sch_node *node;
};

/* A schema resource: a schema object with its own base URI. */
struct sch_resource {
	const char *uri;
	struct sch_dyn_anchor *anchors;
	size_t n_anchors;
	int anchors_compiled;
	struct sch_resource *next;
};

struct sch_node {
	uint64_t kw;
	int boolean;                 /* -1: object schema; 0 false; 1 true */
	const struct sch_resource *res;
	const char *abs;             /* absolute URI of this schema, "uri#/ptr" */
	int need_eval;               /* has unevaluated* keywords */
	int format_assert;
	int mark;                    /* cycle detection colour */

	struct sch_node *ref;
	struct sch_node *dynref;     /* static target of $dynamicRef */
	int dynref_name;             /* dynamic anchor id, or -1 for a static ref */
	const char *ref_kw;          /* "$ref" */

	unsigned types;
	const struct ann_jsonv *const_v;
	const struct ann_jsonv *enum_v;

	const struct ann_jsonv *minimum, *maximum, *exmin, *exmax, *multiple;

	int64_t min_length, max_length;
	struct sch_regex *pattern;
	int format;                  /* index into the format table, -1 unknown */
	const char *format_name;

	struct sch_node **prefix;
	size_t n_prefix;
	const char *prefix_kw;       /* "prefixItems", or "items" in draft-07 */
	struct sch_node *items;
	const char *items_kw;        /* "items", or "additionalItems" in draft-07 */
	struct sch_node *contains;
	int64_t min_contains, max_contains;
	int64_t min_items, max_items;
	struct sch_node *uneval_items;

	struct sch_named_node *props;
	size_t n_props;
	int32_t *props_table;        /* open addressing, index + 1, 0 empty */
	uint32_t props_mask;
	struct sch_pattern_node *pprops;
	size_t n_pprops;
	struct sch_node *additional;
	struct sch_node *property_names;
	struct sch_name *required;
	size_t n_required;
	struct sch_dep_required *dep_required;
	size_t n_dep_required;
	const char *dep_required_kw; /* "dependentRequired" or "dependencies" */
	struct sch_named_node *dep_schemas;
	size_t n_dep_schemas;
	const char *dep_schemas_kw;
	int64_t min_props, max_props;
	struct sch_node *uneval_props;

	struct sch_node **all_of, **any_of, **one_of;
	size_t n_all_of, n_any_of, n_one_of;
	struct sch_node *not_schema;
	struct sch_node *if_schema, *then_schema, *else_schema;
};

struct ann_schema {
	struct ann_jsonv_doc arena;   /* nodes, strings, tables */
	struct sch_node *root;
	struct sch_regex *regexes;
	struct ann_jsonv_doc **docs;  /* parsed schema documents */
	size_t n_docs;
	int n_dyn_names;
	pcre2_match_context *mctx;
};

/* schema_regex.c */
int sch_regex_compile(struct ann_schema *s, const char *pattern, size_t n,
    struct sch_regex **out, struct ann_error *e);

/* schema_format.c: index of a known format name, or -1. */
int sch_format_index(const char *name);
int sch_format_check_index(int index, const char *s, size_t n);

/* schema_uri.c */
int sch_uri_resolve(const char *base, const char *ref, struct ann_buf *out);
void sch_uri_split_fragment(const char *uri, size_t *base_len, const char **fragment);
int sch_pointer_escape(struct ann_buf *out, const char *s, size_t n);
int sch_percent_decode(const char *s, size_t n, struct ann_buf *out);

/* schema_meta.c: the text of a built-in meta-schema for uri, or NULL. */
const char *sch_meta_text(const char *uri, size_t len);

#endif
