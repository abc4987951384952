/*
 * Validating instances against a compiled schema.
 *
 * The walk carries a chain of frames on the C stack, one per schema
 * entered, with the keyword and instance segments that led there. The
 * location strings of an error are built from that chain only when an
 * error is reported, so the valid path builds no strings. Annotations
 * for unevaluatedProperties and unevaluatedItems are one byte per member
 * or item of the instance, allocated only under schemas that use them.
 */
#include "schema_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest chain of schemas entered for one instance; beyond it a
 * $dynamicRef loop or a deeply nested instance fails instead of
 * overflowing the stack. */
#define MAX_VALIDATE_DEPTH 3000

/*
 * Work limits per value. A schema whose anyOf branches each recurse into
 * the same value can take time and annotation memory exponential in the
 * nesting depth of the value; past these limits the value is reported
 * invalid instead. Ordinary records take a few hundred steps.
 */
#define MAX_VALIDATE_STEPS 5000000
#define MAX_EVAL_BYTES ((size_t)256 << 20)

struct eval {
	unsigned char *seen; /* one byte per member or item; NULL: not tracked */
	size_t n;
};

struct vframe {
	const struct vframe *up;
	const struct sch_node *node;
	const char *kw;      /* keyword segment that led here, or NULL */
	const char *kw_seg;  /* following escaped segment, or NULL */
	long kw_idx;         /* following index segment, or -1 */
	const char *iname;   /* instance member name (raw), or NULL */
	size_t ilen;
	long iidx;           /* instance item index, or -1 */
};

struct ann_schema_validator {
	const struct ann_schema *schema;
	pcre2_match_data *md;
	struct ann_jsonv_doc scratch; /* annotation bytes, per instance */
	struct ann_jsonv_doc doc;     /* instance parsed by validate_text */
	size_t max_errors;
	struct ann_schema_result *r;
	int quiet;   /* > 0: only the verdict matters, report nothing */
	int stop;    /* the error cap was reached */
	int depth;
	int failed;  /* out of memory while reporting */
	int exhausted; /* a work limit was reached */
	size_t steps;
	size_t eval_bytes;
	struct ann_buf desc_a, desc_b, loc;
};

static int validate(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f, struct eval *ev);

/* Result storage. */

void
ann_schema_result_init(struct ann_schema_result *r)
{
	memset(r, 0, sizeof *r);
	ann_buf_init(&r->text, 0);
}

void
ann_schema_result_release(struct ann_schema_result *r)
{
	free(r->errors);
	free(r->offsets);
	ann_buf_release(&r->text);
	ann_schema_result_init(r);
}

static void
result_reset(struct ann_schema_result *r)
{
	r->valid = 1;
	r->validated = 0;
	r->n_errors = 0;
	ann_buf_reset(&r->text);
}

/* Turns the collected offsets into pointers once the text stops moving. */
static void
result_finish(struct ann_schema_result *r)
{
	size_t i;

	for (i = 0; i < r->n_errors; i++) {
		size_t *o = &r->offsets[4 * i];

		r->errors[i].instance_location = r->text.data + o[0];
		r->errors[i].keyword_location = r->text.data + o[1];
		r->errors[i].absolute_location = o[2] == (size_t)-1 ? NULL : r->text.data + o[2];
		r->errors[i].message = r->text.data + o[3];
	}
}

int
ann_schema_result_json(const struct ann_schema_result *r, struct ann_buf *out)
{
	size_t i;
	int rc = ann_buf_adds(out, r->valid ? "{\"valid\":true,\"errors\":[" :
	    "{\"valid\":false,\"errors\":[");

	for (i = 0; rc == ANN_OK && i < r->n_errors; i++) {
		const struct ann_schema_error *er = &r->errors[i];

		if (i)
			rc = ann_buf_addc(out, ',');
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, "{\"instanceLocation\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, er->instance_location,
			    strlen(er->instance_location));
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, ",\"keywordLocation\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, er->keyword_location,
			    strlen(er->keyword_location));
		if (rc == ANN_OK && er->absolute_location) {
			rc = ann_buf_adds(out, ",\"absoluteKeywordLocation\":");
			if (rc == ANN_OK)
				rc = ann_buf_add_json_string(out, er->absolute_location,
				    strlen(er->absolute_location));
		}
		if (rc == ANN_OK)
			rc = ann_buf_adds(out, ",\"error\":");
		if (rc == ANN_OK)
			rc = ann_buf_add_json_string(out, er->message, strlen(er->message));
		if (rc == ANN_OK)
			rc = ann_buf_addc(out, '}');
	}
	if (rc == ANN_OK)
		rc = ann_buf_adds(out, "]}");
	return rc;
}

/* Error reporting. */

/* Appends at most max bytes of s, cut at a character boundary, with "..." */
static void
add_clipped(struct ann_buf *b, const char *s, size_t n, size_t max)
{
	if (n <= max) {
		ann_buf_add(b, s, n);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	ann_buf_add(b, s, max);
	ann_buf_adds(b, "...");
}

/* Describes a value for a message: `string "¥12,000"`, `number 1.5`. */
static const char *
describe(struct ann_buf *b, const struct ann_jsonv *inst)
{
	struct ann_buf json = ANN_BUF_INIT;

	ann_buf_reset(b);
	switch (inst->type) {
	case ANN_JSON_NULL:
		ann_buf_adds(b, "null");
		break;
	case ANN_JSON_TRUE:
		ann_buf_adds(b, "boolean true");
		break;
	case ANN_JSON_FALSE:
		ann_buf_adds(b, "boolean false");
		break;
	case ANN_JSON_NUMBER:
		ann_buf_adds(b, "number ");
		add_clipped(b, inst->text, inst->text_len, 40);
		break;
	case ANN_JSON_STRING:
		ann_buf_adds(b, "string ");
		ann_buf_add_json_string(&json, inst->u.s, inst->n < 200 ? inst->n : 200);
		if (inst->n > 60) {
			add_clipped(b, json.data, json.len, 60);
			ann_buf_addc(b, '"');
		} else {
			ann_buf_add(b, json.data, json.len);
		}
		break;
	case ANN_JSON_ARRAY:
		ann_buf_addf(b, "array of %zu item%s", inst->n, inst->n == 1 ? "" : "s");
		break;
	case ANN_JSON_OBJECT:
		ann_buf_adds(b, "object");
		break;
	}
	ann_buf_release(&json);
	return b->data;
}

/* Compact JSON text of a schema value, clipped, for "must equal X". */
static const char *
json_text(struct ann_buf *b, const struct ann_jsonv *val)
{
	struct ann_buf json = ANN_BUF_INIT;

	ann_buf_reset(b);
	ann_jsonv_write(&json, val);
	add_clipped(b, json.data, json.len, 80);
	ann_buf_release(&json);
	return b->data;
}

static void
add_keyword_path(struct ann_buf *b, const struct vframe *f)
{
	if (f == NULL)
		return;
	add_keyword_path(b, f->up);
	if (f->kw) {
		ann_buf_addc(b, '/');
		ann_buf_adds(b, f->kw);
	}
	if (f->kw_seg) {
		ann_buf_addc(b, '/');
		ann_buf_adds(b, f->kw_seg);
	}
	if (f->kw_idx >= 0)
		ann_buf_addf(b, "/%ld", f->kw_idx);
}

static void
add_instance_path(struct ann_buf *b, const struct vframe *f)
{
	if (f == NULL)
		return;
	add_instance_path(b, f->up);
	if (f->iname) {
		ann_buf_addc(b, '/');
		sch_pointer_escape(b, f->iname, f->ilen);
	} else if (f->iidx >= 0) {
		ann_buf_addf(b, "/%ld", f->iidx);
	}
}

/*
 * Records an error of keyword kw of the schema in frame f. iname/iidx,
 * when set, add one more instance segment (the member or item at fault).
 */
static void
report_at(struct ann_schema_validator *v, const struct vframe *f, const char *kw,
    const char *iname, size_t ilen, long iidx, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void
report_at(struct ann_schema_validator *v, const struct vframe *f, const char *kw,
    const char *iname, size_t ilen, long iidx, const char *fmt, ...)
{
	struct ann_schema_result *r = v->r;
	struct ann_buf *t = &r->text;
	size_t off[4];
	va_list ap;

	r->valid = 0;
	if (v->quiet || v->stop)
		return;
	if (v->max_errors && r->n_errors >= v->max_errors) {
		v->stop = 1;
		return;
	}
	if (r->n_errors == r->cap_errors) {
		size_t cap = r->cap_errors ? r->cap_errors * 2 : 16;
		struct ann_schema_error *e = realloc(r->errors, cap * sizeof *e);
		size_t *o;

		if (e == NULL) {
			v->failed = 1;
			return;
		}
		r->errors = e;
		o = realloc(r->offsets, 4 * cap * sizeof *o);
		if (o == NULL) {
			v->failed = 1;
			return;
		}
		r->offsets = o;
		r->cap_errors = cap;
	}

	off[0] = t->len;
	add_instance_path(t, f);
	if (iname) {
		ann_buf_addc(t, '/');
		sch_pointer_escape(t, iname, ilen);
	} else if (iidx >= 0) {
		ann_buf_addf(t, "/%ld", iidx);
	}
	ann_buf_addc(t, '\0');

	off[1] = t->len;
	add_keyword_path(t, f);
	if (kw) {
		ann_buf_addc(t, '/');
		ann_buf_adds(t, kw);
	}
	ann_buf_addc(t, '\0');

	off[2] = t->len;
	ann_buf_adds(t, f->node->abs);
	if (kw) {
		ann_buf_addc(t, '/');
		ann_buf_adds(t, kw);
	}
	ann_buf_addc(t, '\0');

	off[3] = t->len;
	va_start(ap, fmt);
	ann_buf_vaddf(t, fmt, ap);
	va_end(ap);
	ann_buf_addc(t, '\0');

	memcpy(&r->offsets[4 * r->n_errors], off, sizeof off);
	r->n_errors++;
	if (v->max_errors && r->n_errors >= v->max_errors)
		v->stop = 1;
}

#define report(v, f, kw, ...) report_at(v, f, kw, NULL, 0, -1, __VA_ARGS__)

/* Annotation tracking. */

static int
eval_init(struct ann_schema_validator *v, struct eval *ev, const struct ann_jsonv *inst)
{
	ev->n = inst->n;
	v->eval_bytes += inst->n + 16;
	if (v->eval_bytes > MAX_EVAL_BYTES) {
		v->exhausted = 1;
		v->stop = 1;
		return -1;
	}
	ev->seen = ann_jsonv_alloc(&v->scratch, inst->n ? inst->n : 1);
	if (ev->seen == NULL) {
		v->failed = 1;
		return -1;
	}
	memset(ev->seen, 0, inst->n ? inst->n : 1);
	return 0;
}

static void
eval_merge(struct eval *into, const struct eval *from)
{
	size_t i;

	if (into == NULL || into->seen == NULL || from->seen == NULL)
		return;
	for (i = 0; i < into->n; i++)
		into->seen[i] |= from->seen[i];
}

/* A temporary annotation set for an applicator whose result may be
 * dropped; NULL when the caller tracks nothing. */
static struct eval *
eval_temp(struct ann_schema_validator *v, struct eval *tmp, struct eval *own,
    const struct ann_jsonv *inst)
{
	if (own == NULL)
		return NULL;
	if (eval_init(v, tmp, inst))
		return NULL;
	return tmp;
}

static int
descend(struct ann_schema_validator *v, const struct vframe *f, const struct sch_node *child,
    const char *kw, const char *kw_seg, long kw_idx, const struct ann_jsonv *inst,
    const char *iname, size_t ilen, long iidx, struct eval *ev)
{
	struct vframe cf;

	cf.up = f;
	cf.node = child;
	cf.kw = kw;
	cf.kw_seg = kw_seg;
	cf.kw_idx = kw_idx;
	cf.iname = iname;
	cf.ilen = ilen;
	cf.iidx = iidx;
	return validate(v, child, inst, &cf, ev);
}

/* Type checks. */

static unsigned
instance_type_bits(const struct ann_jsonv *inst)
{
	switch (inst->type) {
	case ANN_JSON_NULL: return T_NULL;
	case ANN_JSON_TRUE:
	case ANN_JSON_FALSE: return T_BOOLEAN;
	case ANN_JSON_OBJECT: return T_OBJECT;
	case ANN_JSON_ARRAY: return T_ARRAY;
	case ANN_JSON_STRING: return T_STRING;
	case ANN_JSON_NUMBER:
		return T_NUMBER | (ann_decnum_is_integer(&inst->num) ? T_INTEGER : 0);
	}
	return 0;
}

static const char *
expected_types(struct ann_buf *b, unsigned mask)
{
	static const struct { unsigned bit; const char *text; } names[] = {
		{ T_OBJECT, "an object" }, { T_ARRAY, "an array" }, { T_STRING, "a string" },
		{ T_NUMBER, "a number" }, { T_INTEGER, "an integer" },
		{ T_BOOLEAN, "a boolean" }, { T_NULL, "null" },
	};
	size_t i, count = 0, total = 0;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		total += (mask & names[i].bit) != 0;
	ann_buf_reset(b);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(mask & names[i].bit))
			continue;
		if (count > 0)
			ann_buf_adds(b, count + 1 == total ? " or " : ", ");
		ann_buf_adds(b, names[i].text);
		count++;
	}
	return b->data;
}

static int
check_number(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f)
{
	int ok = 1;

	if ((s->kw & KW_MINIMUM) && ann_decnum_cmp(&inst->num, &s->minimum->num) < 0) {
		report(v, f, "minimum", "must be >= %s, got %s", s->minimum->text, inst->text);
		ok = 0;
	}
	if ((s->kw & KW_MAXIMUM) && ann_decnum_cmp(&inst->num, &s->maximum->num) > 0) {
		report(v, f, "maximum", "must be <= %s, got %s", s->maximum->text, inst->text);
		ok = 0;
	}
	if ((s->kw & KW_EXMIN) && ann_decnum_cmp(&inst->num, &s->exmin->num) <= 0) {
		report(v, f, "exclusiveMinimum", "must be > %s, got %s", s->exmin->text, inst->text);
		ok = 0;
	}
	if ((s->kw & KW_EXMAX) && ann_decnum_cmp(&inst->num, &s->exmax->num) >= 0) {
		report(v, f, "exclusiveMaximum", "must be < %s, got %s", s->exmax->text, inst->text);
		ok = 0;
	}
	if ((s->kw & KW_MULTIPLE) && !ann_decnum_is_multiple(&inst->num, &s->multiple->num)) {
		report(v, f, "multipleOf", "must be a multiple of %s, got %s", s->multiple->text,
		    inst->text);
		ok = 0;
	}
	return ok;
}

/* Returns 1 on a match, 0 on none, -1 when PCRE2 gave up (match limit). */
static int
regex_match(struct ann_schema_validator *v, const struct sch_regex *re, const char *s, size_t n)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK, v->md,
	    v->schema->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

static int
check_string(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f)
{
	int ok = 1;

	if (s->kw & (KW_MINLEN | KW_MAXLEN)) {
		size_t len = ann_utf8_count(inst->u.s, inst->n);

		if ((s->kw & KW_MINLEN) && (int64_t)len < s->min_length) {
			report(v, f, "minLength", "must have at least %lld character%s, got %zu",
			    (long long)s->min_length, s->min_length == 1 ? "" : "s", len);
			ok = 0;
		}
		if ((s->kw & KW_MAXLEN) && (int64_t)len > s->max_length) {
			report(v, f, "maxLength", "must have at most %lld character%s, got %zu",
			    (long long)s->max_length, s->max_length == 1 ? "" : "s", len);
			ok = 0;
		}
	}
	if (s->kw & KW_PATTERN) {
		int m = regex_match(v, s->pattern, inst->u.s, inst->n);

		if (m == 0) {
			report(v, f, "pattern", "must match pattern \"%s\", got %s", s->pattern->source,
			    describe(&v->desc_a, inst));
			ok = 0;
		} else if (m < 0) {
			report(v, f, "pattern", "matching pattern \"%s\" exceeded the backtracking limit",
			    s->pattern->source);
			ok = 0;
		}
	}
	if ((s->kw & KW_FORMAT) && !sch_format_check_index(s->format, inst->u.s, inst->n)) {
		report(v, f, "format", "must be a valid %s, got %s", s->format_name,
		    describe(&v->desc_a, inst));
		ok = 0;
	}
	return ok;
}

static int
check_array(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f, struct eval *own)
{
	size_t n = inst->n, i, j;
	int ok = 1;

	if ((s->kw & KW_MINITEMS) && (int64_t)n < s->min_items) {
		report(v, f, "minItems", "must have at least %lld item%s, got %zu",
		    (long long)s->min_items, s->min_items == 1 ? "" : "s", n);
		ok = 0;
		if (v->quiet)
			return 0;
	}
	if ((s->kw & KW_MAXITEMS) && (int64_t)n > s->max_items) {
		report(v, f, "maxItems", "must have at most %lld item%s, got %zu",
		    (long long)s->max_items, s->max_items == 1 ? "" : "s", n);
		ok = 0;
		if (v->quiet)
			return 0;
	}
	if (s->kw & KW_PREFIX) {
		for (i = 0; i < n && i < s->n_prefix; i++) {
			if (!descend(v, f, s->prefix[i], s->prefix_kw, NULL, (long)i, &inst->u.items[i],
			    NULL, 0, (long)i, NULL)) {
				ok = 0;
				if (v->quiet || v->stop)
					return 0;
			}
			if (own)
				own->seen[i] = 1;
		}
	}
	if (s->kw & KW_ITEMS) {
		for (i = s->n_prefix; i < n; i++) {
			if (!descend(v, f, s->items, s->items_kw, NULL, -1, &inst->u.items[i], NULL, 0,
			    (long)i, NULL)) {
				ok = 0;
				if (v->quiet || v->stop)
					return 0;
			}
			if (own)
				own->seen[i] = 1;
		}
	}
	if (s->kw & KW_CONTAINS) {
		size_t count = 0;

		v->quiet++;
		for (i = 0; i < n; i++) {
			if (descend(v, f, s->contains, "contains", NULL, -1, &inst->u.items[i], NULL, 0,
			    (long)i, NULL)) {
				count++;
				if (own)
					own->seen[i] = 1;
				else if (s->max_contains < 0 && (int64_t)count >= s->min_contains)
					break;
			}
		}
		v->quiet--;
		if ((int64_t)count < s->min_contains) {
			report(v, f, s->min_contains == 1 ? "contains" : "minContains",
			    "must contain at least %lld item%s matching the contains schema, got %zu",
			    (long long)s->min_contains, s->min_contains == 1 ? "" : "s", count);
			ok = 0;
		}
		if (s->max_contains >= 0 && (int64_t)count > s->max_contains) {
			report(v, f, "maxContains",
			    "must contain at most %lld item%s matching the contains schema, got %zu",
			    (long long)s->max_contains, s->max_contains == 1 ? "" : "s", count);
			ok = 0;
		}
		if (!ok && v->quiet)
			return 0;
	}
	if ((s->kw & KW_UNIQUE) && n > 1) {
		uint32_t *h = ann_jsonv_alloc(&v->scratch, n * sizeof *h);

		if (h == NULL) {
			v->failed = 1;
			return 0;
		}
		for (i = 0; i < n; i++)
			h[i] = ann_jsonv_value_hash(&inst->u.items[i]);
		for (i = 0; i < n; i++) {
			for (j = i + 1; j < n; j++) {
				if (h[i] == h[j] && ann_jsonv_equal(&inst->u.items[i], &inst->u.items[j])) {
					report(v, f, "uniqueItems",
					    "must not contain duplicates, items %zu and %zu are equal", i, j);
					return 0;
				}
			}
		}
	}
	return ok;
}

static const struct ann_jsonv_member *
find_member(const struct ann_jsonv *inst, const struct sch_name *name)
{
	size_t i;

	for (i = 0; i < inst->n; i++) {
		const struct ann_jsonv_member *m = &inst->u.members[i];

		if (m->hash == name->hash && m->name_len == name->len &&
		    memcmp(m->name, name->name, name->len) == 0)
			return m;
	}
	return NULL;
}

static int
check_object(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f, struct eval *own)
{
	size_t i, k;
	int ok = 1;

#define FAILED() do { ok = 0; if (v->quiet || v->stop) return 0; } while (0)

	if ((s->kw & KW_MINPROPS) && (int64_t)inst->n < s->min_props) {
		report(v, f, "minProperties", "must have at least %lld propert%s, got %zu",
		    (long long)s->min_props, s->min_props == 1 ? "y" : "ies", inst->n);
		FAILED();
	}
	if ((s->kw & KW_MAXPROPS) && (int64_t)inst->n > s->max_props) {
		report(v, f, "maxProperties", "must have at most %lld propert%s, got %zu",
		    (long long)s->max_props, s->max_props == 1 ? "y" : "ies", inst->n);
		FAILED();
	}
	if (s->kw & KW_REQUIRED) {
		for (k = 0; k < s->n_required; k++) {
			if (find_member(inst, &s->required[k]) == NULL) {
				report(v, f, "required", "missing required property \"%s\"",
				    s->required[k].name);
				FAILED();
			}
		}
	}
	if (s->kw & KW_DEPREQ) {
		for (k = 0; k < s->n_dep_required; k++) {
			const struct sch_dep_required *d = &s->dep_required[k];

			if (find_member(inst, &d->key) == NULL)
				continue;
			for (i = 0; i < d->n; i++) {
				if (find_member(inst, &d->names[i]) == NULL) {
					report(v, f, s->dep_required_kw,
					    "property \"%s\" requires property \"%s\"", d->key.name,
					    d->names[i].name);
					FAILED();
				}
			}
		}
	}
	if (s->kw & (KW_PROPS | KW_PPROPS | KW_ADDL)) {
		for (i = 0; i < inst->n; i++) {
			const struct ann_jsonv_member *m = &inst->u.members[i];
			int matched = 0;

			if (s->kw & KW_PROPS) {
				uint32_t slot = m->hash & s->props_mask;
				int32_t idx;

				while ((idx = s->props_table[slot]) != 0) {
					const struct sch_named_node *p = &s->props[idx - 1];

					if (p->key.hash == m->hash && p->key.len == m->name_len &&
					    memcmp(p->key.name, m->name, m->name_len) == 0) {
						matched = 1;
						if (!descend(v, f, p->node, "properties", p->key.segment, -1,
						    &m->value, m->name, m->name_len, -1, NULL))
							FAILED();
						break;
					}
					slot = (slot + 1) & s->props_mask;
				}
			}
			for (k = 0; k < s->n_pprops; k++) {
				int r = regex_match(v, s->pprops[k].re, m->name, m->name_len);

				if (r == 0)
					continue;
				matched = 1;
				if (r < 0) {
					report_at(v, f, "patternProperties", m->name, m->name_len, -1,
					    "matching pattern \"%s\" exceeded the backtracking limit",
					    s->pprops[k].re->source);
					FAILED();
					continue;
				}
				if (!descend(v, f, s->pprops[k].node, "patternProperties",
				    s->pprops[k].re->segment, -1, &m->value, m->name, m->name_len, -1, NULL))
					FAILED();
			}
			if (!matched && (s->kw & KW_ADDL)) {
				if (s->additional->boolean == 0) {
					report_at(v, f, "additionalProperties", m->name, m->name_len, -1,
					    "property \"%s\" is not allowed", m->name);
					FAILED();
				} else if (!descend(v, f, s->additional, "additionalProperties", NULL, -1,
				    &m->value, m->name, m->name_len, -1, NULL)) {
					FAILED();
				}
			}
			if (own && (matched || (s->kw & KW_ADDL)))
				own->seen[i] = 1;
		}
	}
	if (s->kw & KW_PNAMES) {
		for (i = 0; i < inst->n; i++) {
			struct ann_jsonv name;

			memset(&name, 0, sizeof name);
			name.type = ANN_JSON_STRING;
			name.u.s = inst->u.members[i].name;
			name.n = inst->u.members[i].name_len;
			if (!descend(v, f, s->property_names, "propertyNames", NULL, -1, &name,
			    name.u.s, name.n, -1, NULL))
				FAILED();
		}
	}
	if (s->kw & KW_DEPSCH) {
		for (k = 0; k < s->n_dep_schemas; k++) {
			if (find_member(inst, &s->dep_schemas[k].key) == NULL)
				continue;
			if (!descend(v, f, s->dep_schemas[k].node, s->dep_schemas_kw,
			    s->dep_schemas[k].key.segment, -1, inst, NULL, 0, -1, own))
				FAILED();
		}
	}
#undef FAILED
	return ok;
}

/* Finds the target of a $dynamicRef: the outermost schema resource in the
 * dynamic scope with a $dynamicAnchor of the name, else the static one. */
static const struct sch_node *
dynamic_target(const struct vframe *f, const struct sch_node *s)
{
	const struct sch_node *found = NULL;
	const struct sch_resource *last = NULL;
	size_t k;

	if (s->dynref_name < 0)
		return s->dynref;
	for (; f; f = f->up) {
		const struct sch_resource *res = f->node->res;

		if (res == last)
			continue;
		last = res;
		for (k = 0; k < res->n_anchors; k++) {
			if (res->anchors[k].name_id == s->dynref_name)
				found = res->anchors[k].node;
		}
	}
	return found ? found : s->dynref;
}

static int
check_any_of(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f, struct eval *own)
{
	size_t i, matched = 0;

	v->quiet++;
	for (i = 0; i < s->n_any_of; i++) {
		struct eval tmp;
		struct eval *t = eval_temp(v, &tmp, own, inst);

		if (descend(v, f, s->any_of[i], "anyOf", NULL, (long)i, inst, NULL, 0, -1, t)) {
			matched++;
			if (t)
				eval_merge(own, t);
			else
				break;
		}
	}
	v->quiet--;
	if (matched)
		return 1;
	report(v, f, "anyOf", "must match at least one schema in anyOf, got %s",
	    describe(&v->desc_a, inst));
	/* Run the branches again, reporting, so the errors show why. */
	if (!v->quiet && !v->stop) {
		for (i = 0; i < s->n_any_of && !v->stop; i++)
			descend(v, f, s->any_of[i], "anyOf", NULL, (long)i, inst, NULL, 0, -1, NULL);
	}
	return 0;
}

static int
check_one_of(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f, struct eval *own)
{
	size_t i, matched = 0, first = 0, second = 0;
	struct eval keep = { NULL, 0 };

	v->quiet++;
	for (i = 0; i < s->n_one_of; i++) {
		struct eval tmp;
		struct eval *t = eval_temp(v, &tmp, own, inst);

		if (descend(v, f, s->one_of[i], "oneOf", NULL, (long)i, inst, NULL, 0, -1, t)) {
			if (matched == 0) {
				first = i;
				if (t)
					keep = *t;
			} else {
				second = i;
			}
			if (++matched > 1)
				break;
		}
	}
	v->quiet--;
	if (matched == 1) {
		if (keep.seen)
			eval_merge(own, &keep);
		return 1;
	}
	if (matched == 0) {
		report(v, f, "oneOf", "must match exactly one schema in oneOf, matched none, got %s",
		    describe(&v->desc_a, inst));
		if (!v->quiet && !v->stop) {
			for (i = 0; i < s->n_one_of && !v->stop; i++)
				descend(v, f, s->one_of[i], "oneOf", NULL, (long)i, inst, NULL, 0, -1, NULL);
		}
	} else {
		report(v, f, "oneOf", "must match exactly one schema in oneOf, but matched %zu and %zu",
		    first, second);
	}
	return 0;
}

static int
validate(struct ann_schema_validator *v, const struct sch_node *s,
    const struct ann_jsonv *inst, const struct vframe *f, struct eval *ev)
{
	struct eval local = { NULL, 0 };
	struct eval *own = ev;
	uint64_t kw = s->kw;
	int ok = 1;

	if (s->boolean >= 0) {
		if (s->boolean)
			return 1;
		report(v, f, NULL, "no value is allowed here, got %s", describe(&v->desc_a, inst));
		return 0;
	}
	if (v->depth >= MAX_VALIDATE_DEPTH) {
		report(v, f, NULL, "schema evaluation nested deeper than %d levels", MAX_VALIDATE_DEPTH);
		return 0;
	}
	if (++v->steps > MAX_VALIDATE_STEPS || v->exhausted) {
		v->exhausted = 1;
		v->stop = 1;
		return 0;
	}
	v->depth++;
	if (s->need_eval) {
		own = NULL;
		if ((inst->type == ANN_JSON_OBJECT || inst->type == ANN_JSON_ARRAY) &&
		    eval_init(v, &local, inst) == 0)
			own = &local;
	}

#define FAIL() do { ok = 0; if (v->quiet || v->stop) goto done; } while (0)

	if ((kw & KW_REF) && !descend(v, f, s->ref, "$ref", NULL, -1, inst, NULL, 0, -1, own))
		FAIL();
	if ((kw & KW_DYNREF) && !descend(v, f, dynamic_target(f, s), "$dynamicRef", NULL, -1, inst,
	    NULL, 0, -1, own))
		FAIL();
	if ((kw & KW_TYPE) && !(instance_type_bits(inst) & s->types)) {
		report(v, f, "type", "must be %s, got %s", expected_types(&v->desc_b, s->types),
		    describe(&v->desc_a, inst));
		FAIL();
	}
	if ((kw & KW_CONST) && !ann_jsonv_equal(inst, s->const_v)) {
		report(v, f, "const", "must equal %s, got %s", json_text(&v->desc_b, s->const_v),
		    describe(&v->desc_a, inst));
		FAIL();
	}
	if (kw & KW_ENUM) {
		size_t i;

		for (i = 0; i < s->enum_v->n; i++) {
			if (ann_jsonv_equal(inst, &s->enum_v->u.items[i]))
				break;
		}
		if (i == s->enum_v->n) {
			report(v, f, "enum", "must be one of %s, got %s",
			    json_text(&v->desc_b, s->enum_v), describe(&v->desc_a, inst));
			FAIL();
		}
	}

	switch (inst->type) {
	case ANN_JSON_NUMBER:
		if ((kw & KW_NUM_MASK) && !check_number(v, s, inst, f))
			FAIL();
		break;
	case ANN_JSON_STRING:
		if ((kw & KW_STR_MASK) && !check_string(v, s, inst, f))
			FAIL();
		break;
	case ANN_JSON_ARRAY:
		if ((kw & KW_ARR_MASK) && !check_array(v, s, inst, f, own))
			FAIL();
		break;
	case ANN_JSON_OBJECT:
		if ((kw & KW_OBJ_MASK) && !check_object(v, s, inst, f, own))
			FAIL();
		break;
	default:
		break;
	}

	if (kw & KW_ALLOF) {
		size_t i;

		for (i = 0; i < s->n_all_of; i++) {
			if (!descend(v, f, s->all_of[i], "allOf", NULL, (long)i, inst, NULL, 0, -1, own))
				FAIL();
		}
	}
	if ((kw & KW_ANYOF) && !check_any_of(v, s, inst, f, own))
		FAIL();
	if ((kw & KW_ONEOF) && !check_one_of(v, s, inst, f, own))
		FAIL();
	if (kw & KW_NOT) {
		int r;

		v->quiet++;
		r = descend(v, f, s->not_schema, "not", NULL, -1, inst, NULL, 0, -1, NULL);
		v->quiet--;
		if (r) {
			report(v, f, "not", "must not match the schema in not, got %s",
			    describe(&v->desc_a, inst));
			FAIL();
		}
	}
	if (kw & KW_IF) {
		struct eval tmp;
		struct eval *t = eval_temp(v, &tmp, own, inst);
		int r;

		v->quiet++;
		r = descend(v, f, s->if_schema, "if", NULL, -1, inst, NULL, 0, -1, t);
		v->quiet--;
		if (r && t)
			eval_merge(own, t);
		if (r && s->then_schema &&
		    !descend(v, f, s->then_schema, "then", NULL, -1, inst, NULL, 0, -1, own))
			FAIL();
		if (!r && s->else_schema &&
		    !descend(v, f, s->else_schema, "else", NULL, -1, inst, NULL, 0, -1, own))
			FAIL();
	}

	/* unevaluated* see the annotations of every keyword above. */
	if ((kw & KW_UNEVAL_ITEMS) && inst->type == ANN_JSON_ARRAY && own) {
		size_t i;

		for (i = 0; i < inst->n; i++) {
			if (own->seen[i])
				continue;
			if (s->uneval_items->boolean == 0) {
				report_at(v, f, "unevaluatedItems", NULL, 0, (long)i,
				    "item %zu is not allowed: no other keyword evaluated it", i);
				FAIL();
			} else if (!descend(v, f, s->uneval_items, "unevaluatedItems", NULL, -1,
			    &inst->u.items[i], NULL, 0, (long)i, NULL)) {
				FAIL();
			}
			own->seen[i] = 1;
		}
	}
	if ((kw & KW_UNEVAL_PROPS) && inst->type == ANN_JSON_OBJECT && own) {
		size_t i;

		for (i = 0; i < inst->n; i++) {
			const struct ann_jsonv_member *m = &inst->u.members[i];

			if (own->seen[i])
				continue;
			if (s->uneval_props->boolean == 0) {
				report_at(v, f, "unevaluatedProperties", m->name, m->name_len, -1,
				    "property \"%s\" is not allowed: no other keyword evaluated it",
				    m->name);
				FAIL();
			} else if (!descend(v, f, s->uneval_props, "unevaluatedProperties", NULL, -1,
			    &m->value, m->name, m->name_len, -1, NULL)) {
				FAIL();
			}
			own->seen[i] = 1;
		}
	}
#undef FAIL

done:
	if (ok && ev && own == &local)
		eval_merge(ev, &local);
	v->depth--;
	return ok;
}

int
ann_schema_validator_new(struct ann_schema_validator **out, const struct ann_schema *schema,
    size_t max_errors, struct ann_error *e)
{
	struct ann_schema_validator *v = calloc(1, sizeof *v);

	*out = NULL;
	if (v == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "create validator: out of memory");
	v->schema = schema;
	v->max_errors = max_errors;
	v->md = pcre2_match_data_create(1, NULL);
	if (v->md == NULL) {
		free(v);
		return ann_error_set(e, ANN_ERR_NOMEM, "create validator: out of memory");
	}
	ann_jsonv_doc_init(&v->scratch);
	ann_jsonv_doc_init(&v->doc);
	ann_buf_init(&v->desc_a, 0);
	ann_buf_init(&v->desc_b, 0);
	ann_buf_init(&v->loc, 0);
	*out = v;
	return ANN_OK;
}

void
ann_schema_validator_free(struct ann_schema_validator *v)
{
	if (v == NULL)
		return;
	pcre2_match_data_free(v->md);
	ann_jsonv_doc_release(&v->scratch);
	ann_jsonv_doc_release(&v->doc);
	ann_buf_release(&v->desc_a);
	ann_buf_release(&v->desc_b);
	ann_buf_release(&v->loc);
	free(v);
}

int
ann_schema_validate(struct ann_schema_validator *v, const struct ann_jsonv *instance,
    struct ann_schema_result *r, struct ann_error *e)
{
	struct vframe root;
	size_t max_errors_saved = v->max_errors;
	int ok;

	result_reset(r);
	ann_jsonv_doc_reset(&v->scratch);
	v->r = r;
	v->quiet = 0;
	v->stop = 0;
	v->depth = 0;
	v->failed = 0;
	v->exhausted = 0;
	v->steps = 0;
	v->eval_bytes = 0;
	memset(&root, 0, sizeof root);
	root.node = v->schema->root;
	root.kw_idx = -1;
	root.iidx = -1;
	ok = validate(v, v->schema->root, instance, &root, NULL);
	if (v->exhausted) {
		/* Report the limit even if errors were capped or quiet. */
		v->stop = 0;
		v->quiet = 0;
		v->max_errors = 0;
		report(v, &root, NULL, "validation stopped: this value needs more than %d schema "
		    "evaluations or %zu MiB of annotations", MAX_VALIDATE_STEPS, MAX_EVAL_BYTES >> 20);
		v->max_errors = max_errors_saved;
		ok = 0;
	}
	if (v->failed)
		return ann_error_set(e, ANN_ERR_NOMEM, "validate: out of memory");
	r->valid = ok;
	r->validated = 1;
	result_finish(r);
	return ANN_OK;
}

int
ann_schema_validate_text(struct ann_schema_validator *v, const char *s, size_t n,
    struct ann_schema_result *r, struct ann_error *e)
{
	const struct ann_jsonv *inst;
	int rc;

	result_reset(r);
	rc = ann_jsonv_parse(&v->doc, s, n, &inst, e);
	if (rc)
		return rc;
	return ann_schema_validate(v, inst, r, e);
}
