/*
 * Compiling schemas: keywords become fields of struct sch_node, references
 * become pointers, patterns become PCRE2 codes. A schema location is
 * compiled once (memoised on its JSON value), so recursive references
 * make a graph instead of an endless tree.
 */
#include "schema_load.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMPILE_DEPTH 2000

static struct sch_node *compile(struct cctx *c, struct sch_info *info, int *rc);

static const char *
type_name(enum ann_json_type t)
{
	switch (t) {
	case ANN_JSON_NULL: return "null";
	case ANN_JSON_TRUE:
	case ANN_JSON_FALSE: return "boolean";
	case ANN_JSON_NUMBER: return "number";
	case ANN_JSON_STRING: return "string";
	case ANN_JSON_ARRAY: return "array";
	case ANN_JSON_OBJECT: return "object";
	}
	return "value";
}

/* Compiles the subschema jv found under the parent at pointer suffix. */
static struct sch_node *
compile_sub(struct cctx *c, const struct sch_info *parent, const struct ann_jsonv *jv, int *rc)
{
	struct sch_info *info = sch_info_get(c, jv);

	if (info == NULL) {
		*rc = sch_invalid(c, parent->base, parent->ptr, "subschema was not discovered");
		return NULL;
	}
	return compile(c, info, rc);
}

static int
non_negative(struct cctx *c, const struct sch_info *info, const char *kw, int64_t *out)
{
	const struct ann_jsonv *v = ann_jsonv_gets(info->jv, kw);
	const struct ann_decnum *d;
	int64_t x = 0;
	size_t i;

	if (v == NULL)
		return ANN_OK;
	d = &v->num;
	if (v->type != ANN_JSON_NUMBER || d->neg || !ann_decnum_is_integer(d))
		return sch_invalid(c, info->base, info->ptr, "%s must be a non-negative integer", kw);
	/* digits * 10^exp, saturating at INT64_MAX */
	for (i = 0; i < d->ndigits; i++) {
		if (x > (INT64_MAX - 9) / 10) {
			x = INT64_MAX;
			break;
		}
		x = x * 10 + (d->digits[i] - '0');
	}
	for (i = 0; x != INT64_MAX && d->ndigits && (int64_t)i < d->exp; i++) {
		if (x > INT64_MAX / 10) {
			x = INT64_MAX;
			break;
		}
		x *= 10;
	}
	*out = x;
	return ANN_OK;
}

static int
number_kw(struct cctx *c, const struct sch_info *info, const char *kw,
    const struct ann_jsonv **out)
{
	const struct ann_jsonv *v = ann_jsonv_gets(info->jv, kw);

	if (v == NULL)
		return ANN_OK;
	if (v->type != ANN_JSON_NUMBER)
		return sch_invalid(c, info->base, info->ptr, "%s must be a number, got %s", kw,
		    type_name(v->type));
	*out = v;
	return ANN_OK;
}

static int
make_name(struct cctx *c, struct sch_name *n, const char *s, size_t len)
{
	size_t start = c->tmp.len;

	n->name = s;
	n->len = len;
	n->hash = ann_jsonv_hash(s, len);
	if (sch_pointer_escape(&c->tmp, s, len))
		return sch_nomem(c);
	n->segment = sch_adup(c, c->tmp.data + start, c->tmp.len - start);
	ann_buf_truncate(&c->tmp, start);
	return n->segment ? ANN_OK : sch_nomem(c);
}

static int
string_array(struct cctx *c, const struct sch_info *info, const char *kw,
    const struct ann_jsonv *v, struct sch_name **out, size_t *n)
{
	size_t i;
	int rc;

	if (v->type != ANN_JSON_ARRAY)
		return sch_invalid(c, info->base, info->ptr, "%s must be an array of strings", kw);
	*n = v->n;
	*out = ann_jsonv_alloc(&c->s->arena, (v->n ? v->n : 1) * sizeof **out);
	if (*out == NULL)
		return sch_nomem(c);
	for (i = 0; i < v->n; i++) {
		if (v->u.items[i].type != ANN_JSON_STRING)
			return sch_invalid(c, info->base, info->ptr, "%s must be an array of strings", kw);
		rc = make_name(c, &(*out)[i], v->u.items[i].u.s, v->u.items[i].n);
		if (rc)
			return rc;
	}
	return ANN_OK;
}

static int
schema_array(struct cctx *c, const struct sch_info *info, const char *kw, int allow_empty,
    struct sch_node ***out, size_t *n)
{
	const struct ann_jsonv *v = ann_jsonv_gets(info->jv, kw);
	size_t i;
	int rc = ANN_OK;

	if (v->type != ANN_JSON_ARRAY || (!allow_empty && v->n == 0))
		return sch_invalid(c, info->base, info->ptr, "%s must be a non-empty array of schemas", kw);
	*out = ann_jsonv_alloc(&c->s->arena, (v->n ? v->n : 1) * sizeof **out);
	if (*out == NULL)
		return sch_nomem(c);
	*n = v->n;
	for (i = 0; i < v->n; i++) {
		(*out)[i] = compile_sub(c, info, &v->u.items[i], &rc);
		if ((*out)[i] == NULL)
			return rc;
	}
	return ANN_OK;
}

static int
named_schemas(struct cctx *c, const struct sch_info *info, const char *kw,
    const struct ann_jsonv *v, struct sch_named_node **out, size_t *n, int skip_arrays)
{
	size_t i, k = 0;
	int rc = ANN_OK;

	if (v->type != ANN_JSON_OBJECT)
		return sch_invalid(c, info->base, info->ptr, "%s must be an object", kw);
	*out = ann_jsonv_alloc(&c->s->arena, (v->n ? v->n : 1) * sizeof **out);
	if (*out == NULL)
		return sch_nomem(c);
	for (i = 0; i < v->n; i++) {
		const struct ann_jsonv_member *m = &v->u.members[i];

		if (skip_arrays && m->value.type == ANN_JSON_ARRAY)
			continue;
		rc = make_name(c, &(*out)[k].key, m->name, m->name_len);
		if (rc)
			return rc;
		(*out)[k].node = compile_sub(c, info, &m->value, &rc);
		if ((*out)[k].node == NULL)
			return rc;
		k++;
	}
	*n = k;
	return ANN_OK;
}

static int
build_props_table(struct cctx *c, struct sch_node *node)
{
	size_t cap = 4, i;

	while (cap < node->n_props * 2)
		cap *= 2;
	node->props_table = ann_jsonv_alloc(&c->s->arena, cap * sizeof *node->props_table);
	if (node->props_table == NULL)
		return sch_nomem(c);
	memset(node->props_table, 0, cap * sizeof *node->props_table);
	node->props_mask = (uint32_t)(cap - 1);
	for (i = 0; i < node->n_props; i++) {
		uint32_t k = node->props[i].key.hash & node->props_mask;

		while (node->props_table[k])
			k = (k + 1) & node->props_mask;
		node->props_table[k] = (int32_t)(i + 1);
	}
	return ANN_OK;
}

static int
compile_type(struct cctx *c, const struct sch_info *info, const struct ann_jsonv *v,
    unsigned *mask)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "null", T_NULL }, { "boolean", T_BOOLEAN }, { "object", T_OBJECT },
		{ "array", T_ARRAY }, { "number", T_NUMBER }, { "string", T_STRING },
		{ "integer", T_INTEGER },
	};
	const struct ann_jsonv *list = v;
	size_t i, k, n = 1;

	if (v->type == ANN_JSON_ARRAY)
		n = v->n;
	else if (v->type != ANN_JSON_STRING)
		return sch_invalid(c, info->base, info->ptr, "type must be a string or an array of strings");
	*mask = 0;
	for (i = 0; i < n; i++) {
		const struct ann_jsonv *t = v->type == ANN_JSON_ARRAY ? &list->u.items[i] : v;
		int found = 0;

		if (t->type != ANN_JSON_STRING)
			return sch_invalid(c, info->base, info->ptr, "type must be a string or an array of strings");
		for (k = 0; k < sizeof names / sizeof names[0]; k++) {
			if (strcmp(t->u.s, names[k].name) == 0) {
				*mask |= names[k].bit;
				found = 1;
			}
		}
		if (!found)
			return sch_invalid(c, info->base, info->ptr, "unknown type \"%s\"", t->u.s);
	}
	return ANN_OK;
}

/* Compiles the dynamic anchors of a resource, so that $dynamicRef can
 * find them at run time without compiling anything. */
static int
compile_resource_anchors(struct cctx *c, struct sch_resource *res)
{
	size_t i, n = 0;
	int rc = ANN_OK;

	res->anchors_compiled = 1;
	for (i = 0; i < c->pend_n; i++)
		n += c->pending[i].res == res;
	if (n == 0)
		return ANN_OK;
	res->anchors = ann_jsonv_alloc(&c->s->arena, n * sizeof *res->anchors);
	if (res->anchors == NULL)
		return sch_nomem(c);
	for (i = 0; i < c->pend_n; i++) {
		struct sch_info *info;
		struct sch_node *node;

		if (c->pending[i].res != res)
			continue;
		info = sch_info_get(c, c->pending[i].jv);
		node = info ? compile(c, info, &rc) : NULL;
		if (node == NULL)
			return info ? rc : sch_nomem(c);
		res->anchors[res->n_anchors].name_id = c->pending[i].name_id;
		res->anchors[res->n_anchors].node = node;
		res->n_anchors++;
	}
	return ANN_OK;
}

static int
compile_ref(struct cctx *c, struct sch_info *info, struct sch_node *node)
{
	const struct ann_jsonv *v = ann_jsonv_gets(info->jv, "$ref");
	const struct sch_info *target;
	int rc;

	if (v == NULL)
		return ANN_OK;
	if (v->type != ANN_JSON_STRING)
		return sch_invalid(c, info->base, info->ptr, "$ref must be a string");
	rc = sch_resolve(c, v->u.s, info->base, info->dialect, &target);
	if (rc)
		return ann_error_prefix(c->e, "schema at %s#%s", info->base, info->ptr);
	node->ref = compile(c, (struct sch_info *)target, &rc);
	if (node->ref == NULL)
		return rc;
	node->kw |= KW_REF;
	return ANN_OK;
}

static int
compile_dynref(struct cctx *c, struct sch_info *info, struct sch_node *node)
{
	const struct ann_jsonv *v = ann_jsonv_gets(info->jv, "$dynamicRef");
	const struct sch_info *target;
	const char *frag;
	int rc;

	if (v == NULL)
		return ANN_OK;
	if (v->type != ANN_JSON_STRING)
		return sch_invalid(c, info->base, info->ptr, "$dynamicRef must be a string");
	rc = sch_resolve(c, v->u.s, info->base, info->dialect, &target);
	if (rc)
		return ann_error_prefix(c->e, "schema at %s#%s", info->base, info->ptr);
	node->dynref = compile(c, (struct sch_info *)target, &rc);
	if (node->dynref == NULL)
		return rc;
	node->kw |= KW_DYNREF;
	/* Only a reference whose static target is a $dynamicAnchor of the
	 * same name looks at the dynamic scope; any other behaves as $ref. */
	frag = strchr(v->u.s, '#');
	if (frag && frag[1] && frag[1] != '/' && sch_is_dynamic_anchor(c, v->u.s, info->base)) {
		node->dynref_name = sch_dyn_name_id(c, frag + 1, strlen(frag + 1));
		if (node->dynref_name < 0)
			return sch_nomem(c);
	}
	return ANN_OK;
}

static int
compile_applicators(struct cctx *c, struct sch_info *info, struct sch_node *node)
{
	const struct ann_jsonv *jv = info->jv, *v;
	int draft7 = info->dialect.draft == 7;
	int rc = ANN_OK;
	size_t i;

	if (ann_jsonv_gets(jv, "allOf")) {
		rc = schema_array(c, info, "allOf", 0, &node->all_of, &node->n_all_of);
		if (rc)
			return rc;
		node->kw |= KW_ALLOF;
	}
	if (ann_jsonv_gets(jv, "anyOf")) {
		rc = schema_array(c, info, "anyOf", 0, &node->any_of, &node->n_any_of);
		if (rc)
			return rc;
		node->kw |= KW_ANYOF;
	}
	if (ann_jsonv_gets(jv, "oneOf")) {
		rc = schema_array(c, info, "oneOf", 0, &node->one_of, &node->n_one_of);
		if (rc)
			return rc;
		node->kw |= KW_ONEOF;
	}

#define ONE(kwname, field, bit) \
	if ((v = ann_jsonv_gets(jv, kwname)) != NULL) { \
		node->field = compile_sub(c, info, v, &rc); \
		if (node->field == NULL) \
			return rc; \
		node->kw |= (bit); \
	}

	ONE("not", not_schema, KW_NOT)
	ONE("if", if_schema, KW_IF)
	if (node->if_schema) {
		if ((v = ann_jsonv_gets(jv, "then")) != NULL &&
		    (node->then_schema = compile_sub(c, info, v, &rc)) == NULL)
			return rc;
		if ((v = ann_jsonv_gets(jv, "else")) != NULL &&
		    (node->else_schema = compile_sub(c, info, v, &rc)) == NULL)
			return rc;
	}
	ONE("additionalProperties", additional, KW_ADDL)
	ONE("propertyNames", property_names, KW_PNAMES)
	ONE("contains", contains, KW_CONTAINS)

	if ((v = ann_jsonv_gets(jv, "properties")) != NULL) {
		rc = named_schemas(c, info, "properties", v, &node->props, &node->n_props, 0);
		if (rc == ANN_OK)
			rc = build_props_table(c, node);
		if (rc)
			return rc;
		node->kw |= KW_PROPS;
	}
	if ((v = ann_jsonv_gets(jv, "patternProperties")) != NULL) {
		if (v->type != ANN_JSON_OBJECT)
			return sch_invalid(c, info->base, info->ptr, "patternProperties must be an object");
		node->pprops = ann_jsonv_alloc(&c->s->arena, (v->n ? v->n : 1) * sizeof *node->pprops);
		if (node->pprops == NULL)
			return sch_nomem(c);
		for (i = 0; i < v->n; i++) {
			const struct ann_jsonv_member *m = &v->u.members[i];

			rc = sch_regex_compile(c->s, m->name, m->name_len, &node->pprops[i].re, c->e);
			if (rc)
				return ann_error_prefix(c->e, "invalid schema at %s#%s: patternProperties \"%s\"",
				    info->base, info->ptr, m->name);
			node->pprops[i].node = compile_sub(c, info, &m->value, &rc);
			if (node->pprops[i].node == NULL)
				return rc;
		}
		node->n_pprops = v->n;
		node->kw |= KW_PPROPS;
	}

	if (!draft7 && (v = ann_jsonv_gets(jv, "dependentSchemas")) != NULL) {
		rc = named_schemas(c, info, "dependentSchemas", v, &node->dep_schemas,
		    &node->n_dep_schemas, 0);
		if (rc)
			return rc;
		node->dep_schemas_kw = "dependentSchemas";
		node->kw |= KW_DEPSCH;
	}
	/* Draft 2020-12 split "dependencies" in two but its meta-schema still
	 * accepts the old keyword, so it is honoured when the new ones are
	 * absent. */
	if ((draft7 || (ann_jsonv_gets(jv, "dependentSchemas") == NULL &&
	    ann_jsonv_gets(jv, "dependentRequired") == NULL)) &&
	    (v = ann_jsonv_gets(jv, "dependencies")) != NULL) {
		size_t k = 0;

		rc = named_schemas(c, info, "dependencies", v, &node->dep_schemas,
		    &node->n_dep_schemas, 1);
		if (rc)
			return rc;
		node->dep_schemas_kw = "dependencies";
		if (node->n_dep_schemas)
			node->kw |= KW_DEPSCH;
		node->dep_required = ann_jsonv_alloc(&c->s->arena, (v->n ? v->n : 1) * sizeof *node->dep_required);
		if (node->dep_required == NULL)
			return sch_nomem(c);
		for (i = 0; i < v->n; i++) {
			const struct ann_jsonv_member *m = &v->u.members[i];

			if (m->value.type != ANN_JSON_ARRAY)
				continue;
			rc = make_name(c, &node->dep_required[k].key, m->name, m->name_len);
			if (rc == ANN_OK)
				rc = string_array(c, info, "dependencies", &m->value,
				    &node->dep_required[k].names, &node->dep_required[k].n);
			if (rc)
				return rc;
			k++;
		}
		node->n_dep_required = k;
		node->dep_required_kw = "dependencies";
		if (k)
			node->kw |= KW_DEPREQ;
	}

	if (!draft7) {
		if (ann_jsonv_gets(jv, "prefixItems")) {
			rc = schema_array(c, info, "prefixItems", 0, &node->prefix, &node->n_prefix);
			if (rc)
				return rc;
			node->kw |= KW_PREFIX;
		}
		node->prefix_kw = "prefixItems";
		node->items_kw = "items";
		ONE("items", items, KW_ITEMS)
	} else {
		node->prefix_kw = "items";
		v = ann_jsonv_gets(jv, "items");
		if (v && v->type == ANN_JSON_ARRAY) {
			rc = schema_array(c, info, "items", 1, &node->prefix, &node->n_prefix);
			if (rc)
				return rc;
			node->kw |= KW_PREFIX;
			node->items_kw = "additionalItems";
			ONE("additionalItems", items, KW_ITEMS)
		} else {
			node->items_kw = "items";
			ONE("items", items, KW_ITEMS)
		}
	}
#undef ONE
	return ANN_OK;
}

static int
compile_validation(struct cctx *c, struct sch_info *info, struct sch_node *node)
{
	const struct ann_jsonv *jv = info->jv, *v;
	int draft7 = info->dialect.draft == 7;
	size_t i;
	int rc;

	if ((v = ann_jsonv_gets(jv, "type")) != NULL) {
		rc = compile_type(c, info, v, &node->types);
		if (rc)
			return rc;
		node->kw |= KW_TYPE;
	}
	if ((v = ann_jsonv_gets(jv, "const")) != NULL) {
		node->const_v = v;
		node->kw |= KW_CONST;
	}
	if ((v = ann_jsonv_gets(jv, "enum")) != NULL) {
		if (v->type != ANN_JSON_ARRAY)
			return sch_invalid(c, info->base, info->ptr, "enum must be an array");
		node->enum_v = v;
		node->kw |= KW_ENUM;
	}

	if ((rc = number_kw(c, info, "minimum", &node->minimum)) ||
	    (rc = number_kw(c, info, "maximum", &node->maximum)) ||
	    (rc = number_kw(c, info, "exclusiveMinimum", &node->exmin)) ||
	    (rc = number_kw(c, info, "exclusiveMaximum", &node->exmax)) ||
	    (rc = number_kw(c, info, "multipleOf", &node->multiple)))
		return rc;
	if (node->multiple && (node->multiple->num.neg || node->multiple->num.ndigits == 0))
		return sch_invalid(c, info->base, info->ptr, "multipleOf must be greater than 0");
	node->kw |= (node->minimum ? KW_MINIMUM : 0) | (node->maximum ? KW_MAXIMUM : 0) |
	    (node->exmin ? KW_EXMIN : 0) | (node->exmax ? KW_EXMAX : 0) |
	    (node->multiple ? KW_MULTIPLE : 0);

	if ((rc = non_negative(c, info, "minLength", &node->min_length)) ||
	    (rc = non_negative(c, info, "maxLength", &node->max_length)) ||
	    (rc = non_negative(c, info, "minItems", &node->min_items)) ||
	    (rc = non_negative(c, info, "maxItems", &node->max_items)) ||
	    (rc = non_negative(c, info, "minProperties", &node->min_props)) ||
	    (rc = non_negative(c, info, "maxProperties", &node->max_props)))
		return rc;
	if (!draft7 && ((rc = non_negative(c, info, "minContains", &node->min_contains)) ||
	    (rc = non_negative(c, info, "maxContains", &node->max_contains))))
		return rc;
	node->kw |= (node->min_length >= 0 ? KW_MINLEN : 0) | (node->max_length >= 0 ? KW_MAXLEN : 0) |
	    (node->min_items >= 0 ? KW_MINITEMS : 0) | (node->max_items >= 0 ? KW_MAXITEMS : 0) |
	    (node->min_props >= 0 ? KW_MINPROPS : 0) | (node->max_props >= 0 ? KW_MAXPROPS : 0);

	if ((v = ann_jsonv_gets(jv, "pattern")) != NULL) {
		if (v->type != ANN_JSON_STRING)
			return sch_invalid(c, info->base, info->ptr, "pattern must be a string");
		rc = sch_regex_compile(c->s, v->u.s, v->n, &node->pattern, c->e);
		if (rc)
			return ann_error_prefix(c->e, "invalid schema at %s#%s: pattern \"%s\"",
			    info->base, info->ptr, v->u.s);
		node->kw |= KW_PATTERN;
	}
	if ((v = ann_jsonv_gets(jv, "uniqueItems")) != NULL) {
		if (v->type != ANN_JSON_TRUE && v->type != ANN_JSON_FALSE)
			return sch_invalid(c, info->base, info->ptr, "uniqueItems must be a boolean");
		if (v->type == ANN_JSON_TRUE)
			node->kw |= KW_UNIQUE;
	}
	if ((v = ann_jsonv_gets(jv, "required")) != NULL) {
		rc = string_array(c, info, "required", v, &node->required, &node->n_required);
		if (rc)
			return rc;
		node->kw |= KW_REQUIRED;
	}
	if (!draft7 && (v = ann_jsonv_gets(jv, "dependentRequired")) != NULL) {
		if (v->type != ANN_JSON_OBJECT)
			return sch_invalid(c, info->base, info->ptr, "dependentRequired must be an object");
		node->dep_required = ann_jsonv_alloc(&c->s->arena, (v->n ? v->n : 1) * sizeof *node->dep_required);
		if (node->dep_required == NULL)
			return sch_nomem(c);
		for (i = 0; i < v->n; i++) {
			const struct ann_jsonv_member *m = &v->u.members[i];

			rc = make_name(c, &node->dep_required[i].key, m->name, m->name_len);
			if (rc == ANN_OK)
				rc = string_array(c, info, "dependentRequired", &m->value,
				    &node->dep_required[i].names, &node->dep_required[i].n);
			if (rc)
				return rc;
		}
		node->n_dep_required = v->n;
		node->dep_required_kw = "dependentRequired";
		node->kw |= KW_DEPREQ;
	}
	return ANN_OK;
}

static struct sch_node *
compile(struct cctx *c, struct sch_info *info, int *rcp)
{
	struct sch_node *node;
	const struct ann_jsonv *jv = info->jv, *v;
	unsigned vocab = info->dialect.vocab;
	int rc = ANN_OK;
	size_t start;

	if (info->node)
		return info->node;
	if (++c->depth > MAX_COMPILE_DEPTH) {
		*rcp = sch_invalid(c, info->base, info->ptr, "schema nested too deeply");
		return NULL;
	}
	node = ann_jsonv_alloc(&c->s->arena, sizeof *node);
	if (node == NULL)
		goto nomem;
	memset(node, 0, sizeof *node);
	info->node = node;
	node->boolean = -1;
	node->res = info->res;
	node->dynref_name = -1;
	node->format = -1;
	node->min_length = node->max_length = -1;
	node->min_items = node->max_items = -1;
	node->min_props = node->max_props = -1;
	node->min_contains = node->max_contains = -1;
	node->ref_kw = "$ref";
	start = c->tmp.len;
	if (ann_buf_adds(&c->tmp, info->base) || ann_buf_addc(&c->tmp, '#') ||
	    ann_buf_adds(&c->tmp, info->ptr))
		goto nomem;
	node->abs = sch_adup(c, c->tmp.data + start, c->tmp.len - start);
	ann_buf_truncate(&c->tmp, start);
	if (node->abs == NULL)
		goto nomem;
	if (c->node_n == c->node_cap) {
		size_t cap = c->node_cap ? c->node_cap * 2 : 64;
		struct sch_node **t = realloc(c->nodes, cap * sizeof *t);

		if (t == NULL)
			goto nomem;
		c->nodes = t;
		c->node_cap = cap;
	}
	c->nodes[c->node_n++] = node;

	if (jv->type == ANN_JSON_TRUE || jv->type == ANN_JSON_FALSE) {
		node->boolean = jv->type == ANN_JSON_TRUE;
		goto done;
	}
	if (jv->type != ANN_JSON_OBJECT) {
		rc = sch_invalid(c, info->base, info->ptr, "a schema must be an object or a boolean, got %s",
		    type_name(jv->type));
		goto done;
	}
	if (info->dialect.draft == 2020 && !info->res->anchors_compiled) {
		rc = compile_resource_anchors(c, info->res);
		if (rc)
			goto done;
	}

	rc = compile_ref(c, info, node);
	if (rc || (info->dialect.draft == 7 && node->ref))
		goto done; /* draft-07: $ref hides its siblings */
	if (info->dialect.draft == 2020) {
		rc = compile_dynref(c, info, node);
		if (rc)
			goto done;
	}
	if (vocab & VOC_APPLICATOR) {
		rc = compile_applicators(c, info, node);
		if (rc)
			goto done;
	}
	if (info->dialect.draft == 2020 && (vocab & VOC_UNEVALUATED)) {
		if ((v = ann_jsonv_gets(jv, "unevaluatedProperties")) != NULL) {
			node->uneval_props = compile_sub(c, info, v, &rc);
			if (node->uneval_props == NULL)
				goto done;
			node->kw |= KW_UNEVAL_PROPS;
			node->need_eval = 1;
		}
		if ((v = ann_jsonv_gets(jv, "unevaluatedItems")) != NULL) {
			node->uneval_items = compile_sub(c, info, v, &rc);
			if (node->uneval_items == NULL)
				goto done;
			node->kw |= KW_UNEVAL_ITEMS;
			node->need_eval = 1;
		}
	}
	if (vocab & VOC_VALIDATION) {
		rc = compile_validation(c, info, node);
		if (rc)
			goto done;
	}
	if (node->contains && node->min_contains < 0)
		node->min_contains = 1;
	if ((vocab & (VOC_FORMAT_ANNOTATION | VOC_FORMAT_ASSERTION)) &&
	    (v = ann_jsonv_gets(jv, "format")) != NULL) {
		if (v->type != ANN_JSON_STRING) {
			rc = sch_invalid(c, info->base, info->ptr, "format must be a string");
			goto done;
		}
		node->format_name = v->u.s;
		node->format = sch_format_index(v->u.s);
		node->format_assert = c->opts->assert_formats || (vocab & VOC_FORMAT_ASSERTION);
		if (node->format >= 0 && node->format_assert)
			node->kw |= KW_FORMAT;
	}

done:
	c->depth--;
	if (rc) {
		*rcp = rc;
		return NULL;
	}
	return node;

nomem:
	c->depth--;
	*rcp = sch_nomem(c);
	return NULL;
}

/*
 * Rejects a cycle of references that applies to the same instance without
 * descending into it ({"$ref": "#"} at the root, or two definitions that
 * refer to each other through allOf): such a schema would recurse forever.
 */
static int
check_cycles(struct cctx *c, struct sch_node *node, int depth)
{
	struct sch_node *edges[6];
	size_t i, n = 0;
	int rc;

	if (node->mark == 2)
		return ANN_OK;
	if (node->mark == 1)
		return ann_error_set(c->e, ANN_ERR_INVALID,
		    "invalid schema at %s: reference cycle that never reaches a value", node->abs);
	if (depth > MAX_COMPILE_DEPTH)
		return ann_error_set(c->e, ANN_ERR_INVALID,
		    "invalid schema at %s: references nested too deeply", node->abs);
	node->mark = 1;
	edges[n++] = node->ref;
	edges[n++] = node->dynref;
	edges[n++] = node->not_schema;
	edges[n++] = node->if_schema;
	edges[n++] = node->then_schema;
	edges[n++] = node->else_schema;
	for (i = 0; i < n; i++) {
		if (edges[i] && (rc = check_cycles(c, edges[i], depth + 1)))
			return rc;
	}
	for (i = 0; i < node->n_all_of; i++)
		if ((rc = check_cycles(c, node->all_of[i], depth + 1)))
			return rc;
	for (i = 0; i < node->n_any_of; i++)
		if ((rc = check_cycles(c, node->any_of[i], depth + 1)))
			return rc;
	for (i = 0; i < node->n_one_of; i++)
		if ((rc = check_cycles(c, node->one_of[i], depth + 1)))
			return rc;
	for (i = 0; i < node->n_dep_schemas; i++)
		if ((rc = check_cycles(c, node->dep_schemas[i].node, depth + 1)))
			return rc;
	node->mark = 2;
	return ANN_OK;
}

static void
cctx_release(struct cctx *c)
{
	free(c->infos);
	free(c->regs);
	free(c->dyn_names);
	free(c->pending);
	free(c->nodes);
	ann_buf_release(&c->tmp);
}

int
ann_schema_compile_text(struct ann_schema **out, const char *text, size_t len,
    const char *base_uri, const struct ann_schema_options *opts, struct ann_error *e)
{
	static const struct ann_schema_options defaults;
	struct ann_schema *s;
	struct cctx c;
	const struct sch_info *root;
	struct sch_dialect d = { 2020, VOC_ALL_2020 };
	size_t i;
	int rc;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->draft == ANN_SCHEMA_DRAFT_7) {
		d.draft = 7;
		d.vocab = VOC_ALL_2020 & ~VOC_UNEVALUATED;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "compile schema: out of memory");
	ann_jsonv_doc_init(&s->arena);
	memset(&c, 0, sizeof c);
	c.s = s;
	c.opts = opts;
	c.e = e;
	ann_buf_init(&c.tmp, 0);

	rc = sch_load_text(&c, text, len, base_uri ? base_uri : "", d, &root);
	if (rc)
		goto done;
	s->root = compile(&c, (struct sch_info *)root, &rc);
	if (s->root == NULL)
		goto done;
	for (i = 0; i < c.node_n; i++) {
		rc = check_cycles(&c, c.nodes[i], 0);
		if (rc)
			goto done;
	}
	s->n_dyn_names = (int)c.dyn_n;
	s->mctx = pcre2_match_context_create(NULL);
	if (s->mctx == NULL) {
		rc = sch_nomem(&c);
		goto done;
	}
	/* Bounds backtracking, so a pathological pattern fails one record
	 * instead of stalling the stream. */
	pcre2_set_match_limit(s->mctx, 1000000);
	pcre2_set_depth_limit(s->mctx, 10000);
	rc = ANN_OK;

done:
	cctx_release(&c);
	if (rc) {
		ann_schema_free(s);
		return rc;
	}
	*out = s;
	return ANN_OK;
}

int
ann_schema_compile_file(struct ann_schema **out, const char *path,
    const struct ann_schema_options *opts, struct ann_error *e)
{
	struct ann_buf text = ANN_BUF_INIT;
	struct ann_buf uri = ANN_BUF_INIT;
	char *abs = NULL;
	const char *p;
	char chunk[65536];
	FILE *f = NULL;
	size_t got;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOT_FOUND, "open schema \"%s\": %s", path, strerror(errno));
		goto done;
	}
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (ann_buf_add(&text, chunk, got)) {
			rc = ann_error_set(e, ANN_ERR_NOMEM, "read schema \"%s\": out of memory", path);
			goto done;
		}
	}
	if (ferror(f)) {
		rc = ann_error_set(e, ANN_ERR_IO, "read schema \"%s\": read failed", path);
		goto done;
	}
	rc = ann_json_check_file(text.data, text.len, 1, "schema", path, e);
	if (rc)
		goto done;
	/* The file's own URI is the base for its relative references. */
	abs = realpath(path, NULL);
	if (abs == NULL) {
		rc = ann_error_set(e, ANN_ERR_IO, "resolve schema path \"%s\": %s", path, strerror(errno));
		goto done;
	}
	/* Percent-encode the path, so '#', '%' or a space in a file name is
	 * not read as URI syntax; loading decodes it again. */
	rc = ann_buf_adds(&uri, "file://");
	for (p = abs; rc == ANN_OK && *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("/-._~", ch))
			rc = ann_buf_addc(&uri, (char)ch);
		else
			rc = ann_buf_addf(&uri, "%%%02X", ch);
	}
	if (rc) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "read schema \"%s\": out of memory", path);
		goto done;
	}
	rc = ann_schema_compile_text(out, text.data, text.len, uri.data, opts, e);

done:
	if (f)
		fclose(f);
	free(abs);
	ann_buf_release(&text);
	ann_buf_release(&uri);
	return rc;
}

void
ann_schema_free(struct ann_schema *s)
{
	struct sch_regex *re;
	size_t i;

	if (s == NULL)
		return;
	for (re = s->regexes; re; re = re->next)
		pcre2_code_free(re->code);
	for (i = 0; i < s->n_docs; i++) {
		ann_jsonv_doc_release(s->docs[i]);
		free(s->docs[i]);
	}
	free(s->docs);
	pcre2_match_context_free(s->mctx);
	ann_jsonv_doc_release(&s->arena);
	free(s);
}
