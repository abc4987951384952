#include "eval.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "eval_pointer.h"

void
ann_eval_init(struct ann_eval *ev)
{
	struct ann_norm_options norm = ANN_NORM_OPTIONS_INIT;

	memset(ev, 0, sizeof *ev);
	ev->norm = norm;
	ann_buf_init(&ev->pattern, 0);
	ann_buf_init(&ev->ref_path, 0);
	ann_buf_init(&ev->ann_path, 0);
	ann_norm_value_init(&ev->ref_value);
	ann_norm_value_init(&ev->ann_value);
}

void
ann_eval_release(struct ann_eval *ev)
{
	size_t i;

	for (i = 0; i < ev->n_rules; i++) {
		free(ev->rules[i].array_pattern);
		free(ev->rules[i].key);
	}
	free(ev->rules);
	for (i = 0; i < ev->n_only; i++)
		free(ev->only[i]);
	free(ev->only);
	for (i = 0; i < ev->n_fields; i++)
		free(ev->fields[i].pattern);
	free(ev->fields);
	ann_buf_release(&ev->pattern);
	ann_buf_release(&ev->ref_path);
	ann_buf_release(&ev->ann_path);
	ann_norm_value_release(&ev->ref_value);
	ann_norm_value_release(&ev->ann_value);
	ann_eval_init(ev);
}

int
ann_eval_add_match_rule(struct ann_eval *ev, const char *spec, struct ann_error *e)
{
	const char *eq = strchr(spec, '=');
	struct ann_eval_match_rule rule = { NULL, NULL };
	struct ann_eval_match_rule *grown;

	if (eq != NULL) {
		rule.array_pattern = strndup(spec, (size_t)(eq - spec));
		rule.key = strdup(eq + 1);
		if (rule.array_pattern && ann_eval_pointer_check(rule.array_pattern)) {
			free(rule.array_pattern);
			free(rule.key);
			return ann_error_set(e, ANN_ERR_INVALID,
			    "invalid array pointer in \"%s\", expected /NAME/*/NAME=KEY", spec);
		}
	} else {
		rule.key = strdup(spec);
	}
	if (rule.key == NULL || (eq != NULL && rule.array_pattern == NULL))
		goto nomem;
	if (rule.key[0] == '\0') {
		free(rule.array_pattern);
		free(rule.key);
		return ann_error_set(e, ANN_ERR_INVALID, "empty key member in \"%s\"", spec);
	}

	grown = realloc(ev->rules, (ev->n_rules + 1) * sizeof *grown);
	if (grown == NULL)
		goto nomem;
	ev->rules = grown;
	ev->rules[ev->n_rules++] = rule;
	return ANN_OK;

nomem:
	free(rule.array_pattern);
	free(rule.key);
	return ann_error_set(e, ANN_ERR_NOMEM, "out of memory adding a match rule");
}

int
ann_eval_add_field_filter(struct ann_eval *ev, const char *ptr, struct ann_error *e)
{
	char **grown;
	char *copy;

	if (ann_eval_pointer_check(ptr))
		return ann_error_set(e, ANN_ERR_INVALID,
		    "invalid field pointer \"%s\", expected /NAME or /NAME/*/NAME", ptr);
	copy = strdup(ptr);
	grown = copy ? realloc(ev->only, (ev->n_only + 1) * sizeof *grown) : NULL;
	if (grown == NULL) {
		free(copy);
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory adding a field filter");
	}
	ev->only = grown;
	ev->only[ev->n_only++] = copy;
	return ANN_OK;
}

/* Returns the field for pattern, adding it in sorted place when new, or NULL when out of memory. */
static struct ann_eval_field *
find_field(struct ann_eval *ev, const char *pattern)
{
	size_t lo = 0;
	size_t hi = ev->n_fields;
	struct ann_eval_field *f;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(ev->fields[mid].pattern, pattern);

		if (cmp == 0)
			return &ev->fields[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}

	if (ev->n_fields == ev->cap_fields) {
		size_t cap = ev->cap_fields ? ev->cap_fields * 2 : 16;
		struct ann_eval_field *grown = realloc(ev->fields, cap * sizeof *grown);

		if (grown == NULL)
			return NULL;
		ev->fields = grown;
		ev->cap_fields = cap;
	}
	f = &ev->fields[lo];
	memmove(f + 1, f, (ev->n_fields - lo) * sizeof *f);
	memset(f, 0, sizeof *f);
	f->pattern = strdup(pattern);
	if (f->pattern == NULL) {
		memmove(f, f + 1, (ev->n_fields - lo) * sizeof *f);
		return NULL;
	}
	ev->n_fields++;
	return f;
}

static int
field_selected(const struct ann_eval *ev, const char *pattern)
{
	size_t i;

	if (ev->n_only == 0)
		return 1;
	for (i = 0; i < ev->n_only; i++)
		if (ann_eval_pointer_covers(ev->only[i], pattern))
			return 1;
	return 0;
}

static int
report(struct ann_eval *ev, enum ann_eval_diff_kind kind, const cJSON *ref, const cJSON *ann,
    struct ann_error *e)
{
	struct ann_eval_diff d;
	int same_path;

	if (ev->on_diff == NULL || ev->quiet)
		return ANN_OK;
	memset(&d, 0, sizeof d);
	d.kind = kind;
	d.id = ev->doc_id;
	d.id_len = ev->doc_id_len;
	d.field = ev->pattern.data;
	same_path = ev->ref_path.len == ev->ann_path.len &&
	    memcmp(ev->ref_path.data, ev->ann_path.data, ev->ref_path.len) == 0;
	d.path = ref != NULL || same_path ? ev->ref_path.data : ev->ann_path.data;
	d.annotation_path = ref != NULL && ann != NULL && !same_path ? ev->ann_path.data : NULL;
	d.reference = ref;
	d.annotation = ann;
	d.reference_norm = &ev->ref_value;
	d.annotation_norm = &ev->ann_value;
	return ev->on_diff(ev->diff_ctx, &d, e);
}

/* Scores one slot: the leaves ref and ann (either may be NULL) at the current paths. */
static int
score_leaf(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, struct ann_error *e)
{
	struct ann_eval_field *f;
	int rc;

	if (!field_selected(ev, ev->pattern.data))
		return ANN_OK;
	rc = ann_norm_value_set(&ev->ref_value, ref, &ev->norm, e);
	if (rc == ANN_OK)
		rc = ann_norm_value_set(&ev->ann_value, ann, &ev->norm, e);
	if (rc)
		return ann_error_prefix(e, "%s", ev->ref_path.data);

	f = find_field(ev, ev->pattern.data);
	if (f == NULL)
		return ann_error_set(e, ANN_ERR_NOMEM, "out of memory adding field %s", ev->pattern.data);
	f->slots++;

	if (ev->ref_value.present && ev->ann_value.present) {
		if (ann_norm_value_equal(&ev->ref_value, &ev->ann_value, &ev->norm)) {
			f->correct++;
			return ANN_OK;
		}
		f->wrong++;
		ev->doc_agrees = 0;
		return report(ev, ANN_EVAL_DIFF_WRONG, ref, ann, e);
	}
	if (ev->ref_value.present) {
		f->missing++;
		ev->doc_agrees = 0;
		return report(ev, ANN_EVAL_DIFF_MISSING, ref, ann, e);
	}
	if (ev->ann_value.present) {
		f->extra++;
		ev->doc_agrees = 0;
		return report(ev, ANN_EVAL_DIFF_EXTRA, ref, ann, e);
	}
	f->agree++;
	return ANN_OK;
}

static int walk(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, struct ann_error *e);

/* Paths before a step down, restored after it. */
struct mark {
	size_t pattern;
	size_t ref_path;
	size_t ann_path;
};

static struct mark
mark_paths(const struct ann_eval *ev)
{
	struct mark m = { ev->pattern.len, ev->ref_path.len, ev->ann_path.len };

	return m;
}

static void
restore_paths(struct ann_eval *ev, struct mark m)
{
	ann_buf_truncate(&ev->pattern, m.pattern);
	ann_buf_truncate(&ev->ref_path, m.ref_path);
	ann_buf_truncate(&ev->ann_path, m.ann_path);
}

/* Walks the member name of both objects (either may be NULL). */
static int
walk_member(struct ann_eval *ev, const char *name, const cJSON *ref, const cJSON *ann,
    struct ann_error *e)
{
	struct mark m = mark_paths(ev);
	size_t len = strlen(name);
	int rc;

	rc = ann_eval_pointer_append(&ev->pattern, name, len);
	if (rc == ANN_OK)
		rc = ann_eval_pointer_append(&ev->ref_path, name, len);
	if (rc == ANN_OK)
		rc = ann_eval_pointer_append(&ev->ann_path, name, len);
	if (rc == ANN_OK)
		rc = walk(ev, ref, ann, e);
	else
		rc = ann_error_set(e, rc, "out of memory building a field path");
	restore_paths(ev, m);
	return rc;
}

static int
walk_objects(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, struct ann_error *e)
{
	const cJSON *child;
	int rc;

	cJSON_ArrayForEach(child, ref) {
		const cJSON *other = ann ? cJSON_GetObjectItemCaseSensitive(ann, child->string) : NULL;

		rc = walk_member(ev, child->string, child, other, e);
		if (rc)
			return rc;
	}
	cJSON_ArrayForEach(child, ann) {
		if (ref != NULL && cJSON_GetObjectItemCaseSensitive(ref, child->string) != NULL)
			continue;
		rc = walk_member(ev, child->string, NULL, child, e);
		if (rc)
			return rc;
	}
	return ANN_OK;
}

/* Walks element ref_index of the reference array with element ann_index of the annotation's. */
static int
walk_element(struct ann_eval *ev, const cJSON *ref, size_t ref_index, const cJSON *ann,
    size_t ann_index, struct ann_error *e)
{
	struct mark m = mark_paths(ev);
	int rc;

	rc = ann_buf_add(&ev->pattern, "/*", 2);
	if (rc == ANN_OK)
		rc = ann_eval_pointer_append_index(&ev->ref_path, ref ? ref_index : ann_index);
	if (rc == ANN_OK)
		rc = ann_eval_pointer_append_index(&ev->ann_path, ann ? ann_index : ref_index);
	if (rc == ANN_OK)
		rc = walk(ev, ref, ann, e);
	else
		rc = ann_error_set(e, rc, "out of memory building a field path");
	restore_paths(ev, m);
	return rc;
}

static int
walk_by_position(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, struct ann_error *e)
{
	size_t n_ref = ref ? (size_t)cJSON_GetArraySize(ref) : 0;
	size_t n_ann = ann ? (size_t)cJSON_GetArraySize(ann) : 0;
	const cJSON *r = ref ? ref->child : NULL;
	const cJSON *a = ann ? ann->child : NULL;
	size_t i;

	for (i = 0; i < n_ref || i < n_ann; i++) {
		int rc = walk_element(ev, r, i, a, i, e);

		if (rc)
			return rc;
		r = r ? r->next : NULL;
		a = a ? a->next : NULL;
	}
	return ANN_OK;
}

/* Returns the key of the match rule for the array at the current pattern, or NULL. */
static const char *
match_key(const struct ann_eval *ev)
{
	size_t i;

	for (i = 0; i < ev->n_rules; i++)
		if (ev->rules[i].array_pattern == NULL ||
		    strcmp(ev->rules[i].array_pattern, ev->pattern.data) == 0)
			return ev->rules[i].key;
	return NULL;
}

/* Normalises element's key member into *v; v->present is 0 when it has none. */
static int
element_key(const cJSON *element, const char *key, const struct ann_norm_options *o,
    struct ann_norm_value *v, struct ann_error *e)
{
	const cJSON *item = cJSON_IsObject(element) ?
	    cJSON_GetObjectItemCaseSensitive(element, key) : NULL;

	return ann_norm_value_set(v, item, o, e);
}

/*
 * Pairs each reference element with the first annotation element not yet
 * taken whose key is equal. Elements without a key or without a partner
 * are walked alone, so their values count as missing or extra.
 */
static int
walk_by_key(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, const char *key,
    struct ann_error *e)
{
	size_t n_ann = ann ? (size_t)cJSON_GetArraySize(ann) : 0;
	struct ann_norm_value *ann_keys = NULL;
	struct ann_norm_value ref_key;
	const cJSON **ann_items = NULL;
	char *paired = NULL;
	const cJSON *r;
	size_t i, j;
	int rc = ANN_ERR_NOMEM;

	ann_norm_value_init(&ref_key);
	ann_keys = calloc(n_ann + 1, sizeof *ann_keys);
	ann_items = calloc(n_ann + 1, sizeof *ann_items);
	paired = calloc(n_ann + 1, 1);
	if (ann_keys == NULL || ann_items == NULL || paired == NULL) {
		ann_error_set(e, rc, "out of memory matching array elements");
		goto done;
	}
	for (i = 0; i < n_ann; i++)
		ann_norm_value_init(&ann_keys[i]);
	j = 0;
	cJSON_ArrayForEach(r, ann) {
		ann_items[j] = r;
		rc = element_key(r, key, &ev->norm, &ann_keys[j], e);
		if (rc)
			goto done;
		j++;
	}

	i = 0;
	cJSON_ArrayForEach(r, ref) {
		const cJSON *partner = NULL;
		size_t partner_index = 0;

		rc = element_key(r, key, &ev->norm, &ref_key, e);
		if (rc)
			goto done;
		for (j = 0; ref_key.present && j < n_ann; j++) {
			if (!paired[j] && ann_keys[j].present &&
			    ann_norm_value_equal(&ref_key, &ann_keys[j], &ev->norm)) {
				paired[j] = 1;
				partner = ann_items[j];
				partner_index = j;
				break;
			}
		}
		rc = walk_element(ev, r, i, partner, partner_index, e);
		if (rc)
			goto done;
		i++;
	}
	for (j = 0; j < n_ann; j++) {
		if (paired[j])
			continue;
		rc = walk_element(ev, NULL, 0, ann_items[j], j, e);
		if (rc)
			goto done;
	}
	rc = ANN_OK;

done:
	if (ann_keys != NULL)
		for (i = 0; i < n_ann; i++)
			ann_norm_value_release(&ann_keys[i]);
	ann_norm_value_release(&ref_key);
	free(ann_keys);
	free(ann_items);
	free(paired);
	return rc;
}

static int
walk_arrays(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, struct ann_error *e)
{
	const char *key = match_key(ev);

	if (key != NULL)
		return walk_by_key(ev, ref, ann, key, e);
	return walk_by_position(ev, ref, ann, e);
}

static int
is_container(const cJSON *v)
{
	return v != NULL && (cJSON_IsObject(v) || cJSON_IsArray(v));
}

/*
 * Walks ref and ann at the current paths. Containers of the same kind are
 * walked together. When the kinds differ, each side is walked alone: a
 * scalar facing an object counts once as missing (or extra), and the
 * object's leaves count on their own.
 */
static int
walk(struct ann_eval *ev, const cJSON *ref, const cJSON *ann, struct ann_error *e)
{
	int rc;

	if (cJSON_IsObject(ref) && cJSON_IsObject(ann))
		return walk_objects(ev, ref, ann, e);
	if (cJSON_IsArray(ref) && cJSON_IsArray(ann))
		return walk_arrays(ev, ref, ann, e);
	if (!is_container(ref) && !is_container(ann))
		return score_leaf(ev, ref, ann, e);

	/* Different kinds: each side alone. */
	if (ref != NULL) {
		if (cJSON_IsObject(ref))
			rc = walk_objects(ev, ref, NULL, e);
		else if (cJSON_IsArray(ref))
			rc = walk_arrays(ev, ref, NULL, e);
		else
			rc = score_leaf(ev, ref, NULL, e);
		if (rc)
			return rc;
	}
	if (ann == NULL)
		return ANN_OK;
	if (cJSON_IsObject(ann))
		return walk_objects(ev, NULL, ann, e);
	if (cJSON_IsArray(ann))
		return walk_arrays(ev, NULL, ann, e);
	return score_leaf(ev, NULL, ann, e);
}

int
ann_eval_document(struct ann_eval *ev, const char *id, size_t id_len,
    const cJSON *ref, const cJSON *ann, unsigned flags, struct ann_error *e)
{
	int rc;

	ann_buf_reset(&ev->pattern);
	ann_buf_reset(&ev->ref_path);
	ann_buf_reset(&ev->ann_path);
	ev->doc_id = id;
	ev->doc_id_len = id_len;
	ev->doc_agrees = 1;
	ev->quiet = (flags & ANN_EVAL_NO_ANNOTATION) != 0;
	if (ev->quiet)
		ann = NULL;

	rc = walk(ev, ref, ann, e);
	ev->quiet = 0;
	if (rc)
		return rc;
	ev->documents++;
	if (ev->doc_agrees && !(flags & ANN_EVAL_NO_ANNOTATION))
		ev->documents_exact++;
	return ANN_OK;
}

/* Returns num / den, or for den 0: 1 when nothing was on either side, else 0. */
static double
ratio(size_t num, size_t den, size_t other)
{
	if (den == 0)
		return other == 0 ? 1.0 : 0.0;
	return (double)num / (double)den;
}

void
ann_eval_field_scores(const struct ann_eval_field *f, struct ann_eval_scores *s)
{
	size_t support = f->correct + f->wrong + f->missing;
	size_t predicted = f->correct + f->wrong + f->extra;

	s->support = support;
	s->precision = ratio(f->correct, predicted, support);
	s->recall = ratio(f->correct, support, predicted);
	s->f1 = ratio(2 * f->correct, predicted + support, 0);
	s->accuracy = ratio(f->correct + f->agree, f->slots, 0);
}

void
ann_eval_overall(const struct ann_eval *ev, struct ann_eval_overall *o)
{
	size_t i;

	memset(o, 0, sizeof *o);
	for (i = 0; i < ev->n_fields; i++) {
		const struct ann_eval_field *f = &ev->fields[i];
		struct ann_eval_scores s;

		o->total.slots += f->slots;
		o->total.agree += f->agree;
		o->total.correct += f->correct;
		o->total.wrong += f->wrong;
		o->total.missing += f->missing;
		o->total.extra += f->extra;
		ann_eval_field_scores(f, &s);
		o->macro.precision += s.precision;
		o->macro.recall += s.recall;
		o->macro.f1 += s.f1;
		o->macro.accuracy += s.accuracy;
	}
	ann_eval_field_scores(&o->total, &o->micro);
	o->macro.support = o->micro.support;
	if (ev->n_fields > 0) {
		o->macro.precision /= (double)ev->n_fields;
		o->macro.recall /= (double)ev->n_fields;
		o->macro.f1 /= (double)ev->n_fields;
		o->macro.accuracy /= (double)ev->n_fields;
	} else {
		o->micro.precision = o->micro.recall = o->micro.f1 = o->micro.accuracy = NAN;
		o->macro.precision = o->macro.recall = o->macro.f1 = o->macro.accuracy = NAN;
	}
	o->document_exact_match = ev->documents > 0 ?
	    (double)ev->documents_exact / (double)ev->documents : NAN;
}
