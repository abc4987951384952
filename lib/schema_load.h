/*
 * Compile-time state of the schema engine (lib/schema_load.c and
 * lib/schema_compile.c only). It lives for one ann_schema_compile_*()
 * call; everything the compiled schema keeps is in the schema's arena.
 */
#ifndef ANN_SCHEMA_LOAD_H
#define ANN_SCHEMA_LOAD_H

#include <stdarg.h>
#include <stdio.h>

#include "schema_int.h"

/* Discovery's record of one schema location, kept until it is compiled. */
struct sch_info {
	const struct ann_jsonv *jv;
	const char *base;          /* base URI, no fragment */
	const char *ptr;           /* JSON Pointer from the resource root */
	struct sch_resource *res;
	struct sch_dialect dialect;
	struct sch_node *node;     /* once compiled */
};

/* A URI (with "#anchor" for anchors) naming a schema. */
struct sch_reg {
	const char *uri;
	const struct ann_jsonv *jv;
	int dynamic;               /* declared by $dynamicAnchor */
};

/* A $dynamicAnchor found by discovery, compiled with its resource. */
struct sch_pending {
	struct sch_resource *res;
	int name_id;
	const struct ann_jsonv *jv;
};

struct cctx {
	struct ann_schema *s;
	const struct ann_schema_options *opts;
	struct ann_error *e;

	struct sch_info **infos;   /* hash table keyed by jv address */
	size_t info_n, info_cap;
	struct sch_reg *regs;
	size_t reg_n, reg_cap;
	struct sch_resource *resources;
	const char **dyn_names;
	size_t dyn_n, dyn_cap;
	struct sch_pending *pending;
	size_t pend_n, pend_cap;
	struct sch_node **nodes;   /* every compiled node, for the cycle check */
	size_t node_n, node_cap;
	struct ann_buf tmp;
	int meta_depth;
	int depth;
};

const char *sch_adup(struct cctx *c, const char *s, size_t n);
int sch_nomem(struct cctx *c);
int sch_invalid(struct cctx *c, const char *base, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct sch_info *sch_info_get(struct cctx *c, const struct ann_jsonv *jv);
int sch_dyn_name_id(struct cctx *c, const char *name, size_t len);

/* Parses text as a schema document retrieved from uri and discovers it. */
int sch_load_text(struct cctx *c, const char *text, size_t len, const char *uri,
    struct sch_dialect d, const struct sch_info **root);

/* Resolves ref against base, loading the document it names if needed. */
int sch_resolve(struct cctx *c, const char *ref, const char *base, struct sch_dialect d,
    const struct sch_info **out);

/* Returns 1 when ref names a $dynamicAnchor (bookending for $dynamicRef). */
int sch_is_dynamic_anchor(struct cctx *c, const char *ref, const char *base);

#endif
