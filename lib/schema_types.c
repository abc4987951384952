/*
 * The types a compiled schema allows at a JSON Pointer, found without an
 * instance. ann-merge uses it to give a reviewer's text the type of its
 * field.
 *
 * The walk follows type, const and enum, $ref and the static target of
 * $dynamicRef. Every subschema of allOf applies, so their sets
 * intersect, and one of anyOf or oneOf applies, so their sets unite. To
 * step into a member or item it follows properties, patternProperties,
 * additionalProperties, prefixItems and items (draft-07: items and
 * additionalItems). A subschema of anyOf or oneOf that does not allow an
 * object or an array cannot hold a child, so it adds nothing to the types
 * of one. if, then, else, not, dependentSchemas, contains and the
 * unevaluated keywords are not followed. They rarely decide a type, and
 * where they do, the result allows more types than validation accepts.
 */
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

_Static_assert((int)ANN_SCHEMA_NULL == T_NULL && (int)ANN_SCHEMA_BOOLEAN == T_BOOLEAN &&
    (int)ANN_SCHEMA_OBJECT == T_OBJECT && (int)ANN_SCHEMA_ARRAY == T_ARRAY &&
    (int)ANN_SCHEMA_NUMBER == T_NUMBER && (int)ANN_SCHEMA_STRING == T_STRING &&
    (int)ANN_SCHEMA_INTEGER == T_INTEGER, "public type bits match the engine's");

/* Maximum applicator depth from the root; a deeper schema allows every type. */
#define MAX_TYPES_DEPTH 256

struct types_walk {
	const struct ann_schema *schema;
	const char *decoded;     /* the segments, each followed by NUL */
	const size_t *offsets;   /* segment k starts at decoded + offsets[k] */
	const size_t *lens;
	size_t n;
	pcre2_match_data *md;    /* made on the first patternProperties */
	int rc;                  /* ANN_ERR_NOMEM once an allocation failed */
};

static unsigned types_at(struct types_walk *w, const struct sch_node *s, size_t k,
    unsigned depth);

/* Returns the type bits of one JSON value: what a const or enum entry allows. */
static unsigned
value_types(const struct ann_jsonv *v)
{
	switch (v->type) {
	case ANN_JSON_NULL: return T_NULL;
	case ANN_JSON_TRUE:
	case ANN_JSON_FALSE: return T_BOOLEAN;
	case ANN_JSON_OBJECT: return T_OBJECT;
	case ANN_JSON_ARRAY: return T_ARRAY;
	case ANN_JSON_STRING: return T_STRING;
	case ANN_JSON_NUMBER:
		return ann_decnum_is_integer(&v->num) ? T_INTEGER : T_NUMBER | T_INTEGER;
	}
	return 0;
}

/* Returns the types the node's own type, const and enum keywords allow. */
static unsigned
own_types(const struct sch_node *s)
{
	unsigned t = ANN_SCHEMA_ANY_TYPE;
	size_t i;

	if (s->kw & KW_TYPE) {
		t = s->types;
		/* Every integer is a number, so "number" admits both bits. */
		if (t & T_NUMBER)
			t |= T_INTEGER;
	}
	if (s->kw & KW_CONST)
		t &= value_types(s->const_v);
	if (s->kw & KW_ENUM) {
		unsigned u = 0;

		for (i = 0; i < s->enum_v->n; i++)
			u |= value_types(&s->enum_v->u.items[i]);
		t &= u;
	}
	return t;
}

/* Returns 1 when seg[0..len) is an array index: "0", or digits without a leading zero. */
static int
array_index(const char *seg, size_t len, size_t *index)
{
	size_t i;
	size_t v = 0;

	if (len == 0 || (seg[0] == '0' && len > 1))
		return 0;
	for (i = 0; i < len; i++) {
		if (seg[i] < '0' || seg[i] > '9' || v > (SIZE_MAX - 9) / 10)
			return 0;
		v = v * 10 + (size_t)(seg[i] - '0');
	}
	*index = v;
	return 1;
}

/* Returns the types of member segment k of an object that schema s describes. */
static unsigned
member_types(struct types_walk *w, const struct sch_node *s, size_t k, unsigned depth)
{
	const char *name = w->decoded + w->offsets[k];
	size_t len = w->lens[k];
	unsigned t = ANN_SCHEMA_ANY_TYPE;
	int matched = 0;
	size_t i;

	if ((s->kw & KW_PROPS) && s->n_props > 0) {
		uint32_t hash = ann_jsonv_hash(name, len);
		uint32_t slot = hash & s->props_mask;
		int32_t idx;

		while ((idx = s->props_table[slot]) != 0) {
			const struct sch_named_node *p = &s->props[idx - 1];

			if (p->key.hash == hash && p->key.len == len && memcmp(p->key.name, name, len) == 0) {
				t &= types_at(w, p->node, k + 1, depth + 1);
				matched = 1;
				break;
			}
			slot = (slot + 1) & s->props_mask;
		}
	}
	for (i = 0; i < s->n_pprops; i++) {
		int rc;

		if (w->md == NULL && (w->md = pcre2_match_data_create(1, NULL)) == NULL) {
			w->rc = ANN_ERR_NOMEM;
			return ANN_SCHEMA_ANY_TYPE;
		}
		rc = pcre2_match(s->pprops[i].re->code, (PCRE2_SPTR)name, len, 0, 0, w->md,
		    w->schema->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		/* A match that failed (bad UTF-8, backtracking limit) restricts no type. */
		matched = 1;
		if (rc >= 0)
			t &= types_at(w, s->pprops[i].node, k + 1, depth + 1);
	}
	if (!matched && (s->kw & KW_ADDL))
		t &= types_at(w, s->additional, k + 1, depth + 1);
	return t;
}

/* Returns the types of item index of an array that schema s describes. */
static unsigned
item_types(struct types_walk *w, const struct sch_node *s, size_t index, size_t k,
    unsigned depth)
{
	if (index < s->n_prefix)
		return types_at(w, s->prefix[index], k + 1, depth + 1);
	if ((s->kw & KW_ITEMS) && s->items != NULL)
		return types_at(w, s->items, k + 1, depth + 1);
	return ANN_SCHEMA_ANY_TYPE;
}

/*
 * Returns the types of segment k below an instance that schema s
 * describes, given own, the types s allows for that instance. A segment
 * that is an array index names an item or a member. When s allows both
 * but has keywords of only one kind (items but no properties, say), the
 * instance is taken to be of that kind. Otherwise both readings unite.
 */
static unsigned
child_types(struct types_walk *w, const struct sch_node *s, size_t k, unsigned own,
    unsigned depth)
{
	int object_keywords = (s->kw & (KW_PROPS | KW_PPROPS | KW_ADDL)) != 0;
	int array_keywords = (s->kw & (KW_PREFIX | KW_ITEMS)) != 0;
	unsigned t = 0;
	size_t index = 0;

	if (!array_index(w->decoded + w->offsets[k], w->lens[k], &index))
		own &= ~(unsigned)T_ARRAY;
	else if ((own & T_OBJECT) && (own & T_ARRAY) && object_keywords != array_keywords)
		own &= object_keywords ? ~(unsigned)T_ARRAY : ~(unsigned)T_OBJECT;

	if (own & T_OBJECT)
		t |= member_types(w, s, k, depth);
	if (own & T_ARRAY)
		t |= item_types(w, s, index, k, depth);
	return t;
}

/* Returns the types schema s allows at segments k.. of the pointer. */
static unsigned
types_at(struct types_walk *w, const struct sch_node *s, size_t k, unsigned depth)
{
	unsigned t;
	unsigned own;
	unsigned u;
	size_t i;

	if (s == NULL || depth > MAX_TYPES_DEPTH || w->rc)
		return ANN_SCHEMA_ANY_TYPE;
	if (s->boolean >= 0)
		return s->boolean ? ANN_SCHEMA_ANY_TYPE : 0;

	own = own_types(s);
	t = k == w->n ? own : child_types(w, s, k, own, depth);
	if (s->kw & KW_REF)
		t &= types_at(w, s->ref, k, depth + 1);
	if (s->kw & KW_DYNREF)
		t &= types_at(w, s->dynref, k, depth + 1);
	for (i = 0; i < s->n_all_of; i++)
		t &= types_at(w, s->all_of[i], k, depth + 1);
	if (s->n_any_of > 0) {
		for (u = 0, i = 0; i < s->n_any_of; i++)
			u |= types_at(w, s->any_of[i], k, depth + 1);
		t &= u;
	}
	if (s->n_one_of > 0) {
		for (u = 0, i = 0; i < s->n_one_of; i++)
			u |= types_at(w, s->one_of[i], k, depth + 1);
		t &= u;
	}
	return t;
}

/* Splits pointer into decoded segments: '/' then the name, ~1 for '/' and ~0 for '~'. */
static int
split_pointer(const char *pointer, struct ann_buf *decoded, size_t **offsets, size_t **lens,
    size_t *n)
{
	const char *p;
	size_t count = 0;
	size_t i = 0;
	int rc = ANN_OK;

	for (p = pointer; *p; p++)
		count += *p == '/';
	*offsets = malloc((count ? count : 1) * sizeof **offsets);
	*lens = malloc((count ? count : 1) * sizeof **lens);
	if (*offsets == NULL || *lens == NULL)
		return ANN_ERR_NOMEM;

	for (p = pointer; rc == ANN_OK && *p; ) {
		p++;
		(*offsets)[i] = decoded->len;
		for (; rc == ANN_OK && *p && *p != '/'; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
				rc = ann_buf_addc(decoded, p[1] == '1' ? '/' : '~');
				p++;
			} else if (*p == '~') {
				return ANN_ERR_INVALID;
			} else {
				rc = ann_buf_addc(decoded, *p);
			}
		}
		(*lens)[i] = decoded->len - (*offsets)[i];
		if (rc == ANN_OK)
			rc = ann_buf_addc(decoded, '\0');
		i++;
	}
	*n = i;
	return rc;
}

int
ann_schema_types_at(const struct ann_schema *schema, const char *pointer, unsigned *types,
    struct ann_error *e)
{
	struct ann_buf decoded = ANN_BUF_INIT;
	struct types_walk w;
	size_t *offsets = NULL;
	size_t *lens = NULL;
	int rc;

	*types = ANN_SCHEMA_ANY_TYPE;
	if (pointer[0] != '\0' && pointer[0] != '/')
		return ann_error_set(e, ANN_ERR_INVALID, "invalid JSON Pointer, expected \"\" or "
		    "a '/' first: %s", pointer);
	memset(&w, 0, sizeof w);
	rc = split_pointer(pointer, &decoded, &offsets, &lens, &w.n);
	if (rc == ANN_ERR_INVALID) {
		rc = ann_error_set(e, rc, "invalid JSON Pointer, '~' must be followed by 0 or 1: %s",
		    pointer);
		goto done;
	}
	if (rc) {
		rc = ann_error_set(e, rc, "out of memory looking up the types at %s", pointer);
		goto done;
	}

	w.schema = schema;
	w.decoded = decoded.data;
	w.offsets = offsets;
	w.lens = lens;
	*types = types_at(&w, schema->root, 0, 0);
	if (w.rc) {
		*types = ANN_SCHEMA_ANY_TYPE;
		rc = ann_error_set(e, w.rc, "out of memory looking up the types at %s", pointer);
	}

done:
	pcre2_match_data_free(w.md);
	ann_buf_release(&decoded);
	free(offsets);
	free(lens);
	return rc;
}
